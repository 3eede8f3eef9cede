//! The HTML, Markdown and SVG reports (`analyze --html/--md/--svg`): made
//! for every real bundle in one call, self-contained, bounded, escaped,
//! deterministic, and rendered by a real browser.

use crate::util::{copy_tree, is_annotation, ok, real_bundles, root, run};
use scraper::{Html, Selector};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The report bound for the shared bundles.
const MAX_HTML_BYTES: u64 = 2 * 1024 * 1024;

/// Text a hostile log line could carry.
const PAYLOAD: &str = r#"<script>alert(1)</script></svg><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a> "dq" 'sq' &amp;"#;

/// Runs one `analyze` call writing HTML, Markdown, JSON and (optionally) SVG.
struct Reports {
    html: String,
    md: String,
    json: Value,
    svg: Vec<(String, String)>,
}

fn reports(inputs: &[&Path], dir: &Path, svg: bool, extra: &[&str]) -> Reports {
    let (h, m, j, s) = (
        dir.join("r.html"),
        dir.join("r.md"),
        dir.join("r.json"),
        dir.join("svg"),
    );
    let mut args: Vec<String> = vec!["analyze".into()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    for (flag, p) in [("--html", &h), ("--md", &m), ("--json", &j)] {
        args.extend([flag.to_string(), p.display().to_string()]);
    }
    if svg {
        args.extend(["--svg".to_string(), s.display().to_string()]);
    }
    args.extend(extra.iter().map(|x| x.to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&argv);
    let read =
        |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut svgs = Vec::new();
    if svg {
        for e in std::fs::read_dir(&s).unwrap() {
            let p = e.unwrap().path();
            svgs.push((
                p.file_name().unwrap().to_string_lossy().into_owned(),
                read(&p),
            ));
        }
        svgs.sort();
    }
    Reports {
        html: read(&h),
        md: read(&m),
        json: serde_json::from_str(&read(&j)).unwrap(),
        svg: svgs,
    }
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// Every attribute that can fetch (`src`, `href`, `xlink:href`, whatever
/// the element or namespace) points inside the page or at `data:`; no CSS
/// `url(…)` or `@import` reaches out; nothing can embed another document.
fn assert_self_contained(doc: &Html, what: &str) {
    let local = |v: &str| v.starts_with('#') || v.starts_with("data:");
    for el in doc
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        let name = el.value().name();
        assert!(
            !matches!(
                name,
                "link" | "iframe" | "object" | "embed" | "base" | "frame"
            ),
            "{what}: <{name}> element"
        );
        for (attr, value) in el.value().attrs() {
            let a = attr.to_ascii_lowercase();
            let fetches = a == "src"
                || a == "href"
                || a.ends_with(":href")
                || a == "srcset"
                || a == "action"
                || a == "poster";
            assert!(
                !fetches || local(value.trim()),
                "{what}: <{name} {attr}={value:?}> points outside the file"
            );
            if a == "style" {
                assert_css_local(value, what);
            }
        }
    }
    for style in doc.select(&sel("style")) {
        assert_css_local(&style.text().collect::<String>(), what);
    }
}

fn assert_css_local(css: &str, what: &str) {
    let lower = css.to_ascii_lowercase();
    assert!(!lower.contains("@import"), "{what}: CSS @import");
    for (i, _) in lower.match_indices("url(") {
        let arg = lower[i + 4..].trim_start_matches([' ', '"', '\'']);
        assert!(
            arg.starts_with('#') || arg.starts_with("data:"),
            "{what}: CSS {}",
            &css[i..(i + 60).min(css.len())]
        );
    }
}

/// Cards and Markdown sections match the windows of the JSON of the same call.
fn assert_windows_shown(r: &Reports, doc: &Html, what: &str) {
    let windows = r.json["windows"].as_array().unwrap();
    let cards: Vec<_> = doc.select(&sel("article.card")).collect();
    assert_eq!(cards.len(), windows.len(), "{what}: one card per window");
    for (i, (card, w)) in cards.iter().zip(windows).enumerate() {
        let text: String = card.text().collect();
        let cause = w["cause"].as_str().unwrap();
        assert!(
            text.contains(cause),
            "{what}: card {} lacks its cause {cause}",
            i + 1
        );
        assert!(
            text.contains(&w["start"].as_str().unwrap().to_string()),
            "{what}: card {} lacks its start",
            i + 1
        );
        // Every evidence line, verbatim after the browser's unescaping.
        let raw: Vec<String> = card
            .select(&sel("table.evidence pre"))
            .map(|p| p.text().collect())
            .collect();
        for e in w["evidence"].as_array().unwrap() {
            assert!(
                raw.iter().any(|x| x == e["text"].as_str().unwrap()),
                "{what}: evidence {}:{} not shown verbatim",
                e["source"],
                e["line"]
            );
        }
        assert!(
            r.md.contains(&format!("## Window {}: {cause}", i + 1)),
            "{what}: Markdown lacks window {}",
            i + 1
        );
    }
    let total = r.json["accounting"]["lines_total"].as_u64().unwrap();
    let acc: String = doc
        .select(&sel("#accounting"))
        .flat_map(|s| s.text())
        .collect();
    assert!(
        acc.contains(&format!("{total} lines")),
        "{what}: accounting total"
    );
    assert!(
        r.md.contains(&format!("{total} lines")),
        "{what}: Markdown accounting total"
    );
}

#[test]
fn every_real_bundle_gets_html_and_markdown_in_one_call() {
    for b in real_bundles() {
        let what = b.display().to_string();
        let dir = tempfile::tempdir().unwrap();
        let r = reports(&[&b], dir.path(), false, &[]);
        let size = std::fs::metadata(dir.path().join("r.html")).unwrap().len();
        if b.starts_with(root().join("../shared")) {
            assert!(size < MAX_HTML_BYTES, "{what}: HTML is {size} bytes");
        }
        let doc = Html::parse_document(&r.html);
        assert!(
            doc.errors.is_empty(),
            "{what}: HTML parse errors {:?}",
            doc.errors
        );
        assert_self_contained(&doc, &what);
        assert_windows_shown(&r, &doc, &what);
        // The charts: overview, requests, and per window phases + zoom.
        let n = r.json["windows"].as_array().unwrap().len();
        assert_eq!(doc.select(&sel("svg")).count(), 2 + 2 * n, "{what}: charts");
        // The footer ties the report to its input.
        let footer: String = doc.select(&sel("footer")).flat_map(|f| f.text()).collect();
        assert!(
            footer.contains(env!("CARGO_PKG_VERSION")),
            "{what}: tool version"
        );
        for s in r.json["accounting"]["sources"].as_array().unwrap() {
            assert!(
                footer.contains(s["source"].as_str().unwrap()),
                "{what}: hash of {}",
                s["source"]
            );
        }
    }
}

#[test]
fn footer_hashes_are_sha256_of_the_logs() {
    let b = root().join("samples/kill-restart-1");
    let dir = tempfile::tempdir().unwrap();
    let r = reports(&[&b], dir.path(), false, &[]);
    let doc = Html::parse_document(&r.html);
    let pre: String = doc
        .select(&sel("footer pre"))
        .flat_map(|p| p.text())
        .collect();
    // Checked against the system's sha256sum where there is one.
    let Ok(out) = Command::new("sha256sum")
        .arg("milvus/standalone-1.log")
        .current_dir(&b)
        .output()
    else {
        eprintln!("sha256sum not found; hash format checked only");
        assert!(pre
            .lines()
            .all(|l| l.len() > 66 && l.as_bytes()[64] == b' '));
        return;
    };
    let line = String::from_utf8(out.stdout).unwrap();
    assert!(pre.contains(line.trim()), "{line} not in {pre}");
}

/// A copy of kill-restart-1 whose client errors, one evidence line and one
/// file name carry [`PAYLOAD`].
fn hostile_bundle(to: &Path) {
    let from = root().join("samples/kill-restart-1");
    copy_tree(&from, to, &is_annotation);
    let client = to.join("client/client.jsonl");
    let lines: Vec<String> = std::fs::read_to_string(&client)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if v["ok"] == false {
                let m = v["error_message"].as_str().unwrap_or("").to_string();
                v["error_message"] = Value::String(format!("{m} {PAYLOAD}"));
            }
            serde_json::to_string(&v).unwrap()
        })
        .collect();
    std::fs::write(&client, lines.join("\n") + "\n").unwrap();
    let log = to.join("milvus/standalone-2.log");
    let text = std::fs::read_to_string(&log).unwrap();
    let quoted = PAYLOAD.replace('"', "\\\"");
    let text = text.replace(
        "[\"a node down, remove it\"] [nodeID=1]",
        &format!("[\"a node down, remove it\"] [nodeID=1] [detail=\"{quoted}\"]"),
    );
    std::fs::write(&log, text).unwrap();
    std::fs::write(
        to.join("client/<img src=x onerror=alert(4)>.log"),
        format!("2026-11-26 04:15:30,000 - ERROR - {PAYLOAD}\n{PAYLOAD}\n"),
    )
    .unwrap();
}

#[test]
fn log_text_never_becomes_markup() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("hostile");
    hostile_bundle(&bundle);
    let r = reports(&[&bundle], dir.path(), true, &[]);
    let doc = Html::parse_document(&r.html);
    assert_self_contained(&doc, "hostile");
    // Only the report's own script, no image, no event handler, no javascript: URL.
    assert_eq!(
        doc.select(&sel("script")).count(),
        1,
        "one script: the report's own"
    );
    assert_eq!(
        doc.select(&sel("img")).count(),
        0,
        "an <img> came from log text"
    );
    assert_eq!(doc.select(&sel("a[href^='javascript']")).count(), 0);
    for el in doc
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        for (attr, value) in el.value().attrs() {
            assert!(
                !attr.to_ascii_lowercase().starts_with("on"),
                "attribute {attr} on <{}>",
                el.value().name()
            );
            assert!(
                !value.to_ascii_lowercase().contains("javascript:"),
                "attribute {attr}={value:?}"
            );
        }
    }
    // `</svg>` in the text did not close a chart early: every chart is whole.
    let windows = r.json["windows"].as_array().unwrap().len();
    assert_eq!(doc.select(&sel("svg")).count(), 2 + 2 * windows);
    // The payload is there, as text, where the log put it.
    let errors: String = doc
        .select(&sel("article.card table code"))
        .flat_map(|c| c.text())
        .collect();
    assert!(errors.contains(PAYLOAD), "client error text shown as text");
    let evidence: Vec<String> = doc
        .select(&sel("table.evidence pre"))
        .map(|p| p.text().collect())
        .collect();
    assert!(
        evidence
            .iter()
            .any(|t| t.contains(&PAYLOAD.replace('"', "\\\""))),
        "the node-down line with the payload is evidence, shown as text"
    );
    let accounting: String = doc
        .select(&sel("#accounting"))
        .flat_map(|s| s.text())
        .collect();
    assert!(
        accounting.contains("<img src=x onerror=alert(4)>.log"),
        "file name shown as text"
    );
    // Markdown: outside code spans no `<` is left unescaped.
    for (i, line) in r.md.lines().enumerate() {
        let outside = outside_code_spans(line);
        let bare = outside
            .match_indices('<')
            .any(|(k, _)| k == 0 || !outside[..k].ends_with('\\'));
        assert!(
            !bare,
            "Markdown line {} has markup outside code: {line}",
            i + 1
        );
    }
    assert!(
        r.md.contains("<script>alert(1)</script>"),
        "payload kept inside a code span"
    );
    // SVG charts: no script, no foreign element.
    for (name, svg) in &r.svg {
        let frag = Html::parse_fragment(svg);
        assert_eq!(frag.select(&sel("script")).count(), 0, "{name}");
        assert!(svg.trim_end().ends_with("</svg>"), "{name}");
    }
}

/// The text of a Markdown line with its code spans removed.
fn outside_code_spans(line: &str) -> String {
    let b = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'`' {
            let n = b[i..].iter().take_while(|c| **c == b'`').count();
            let fence = &line[i..i + n];
            // The closing run of exactly n backticks.
            let mut j = i + n;
            let close = loop {
                match line[j..].find(fence) {
                    Some(k) => {
                        let at = j + k;
                        let run = b[at..].iter().take_while(|c| **c == b'`').count();
                        if run == n {
                            break Some(at);
                        }
                        j = at + run;
                    }
                    None => break None,
                }
            };
            match close {
                Some(at) => i = at + n,
                None => {
                    out.push_str(fence);
                    i += n;
                }
            }
        } else {
            let c = line[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[test]
fn code_span_stripping() {
    assert_eq!(outside_code_spans("a `<b>` c ``x ` y`` d"), "a  c  d");
    assert_eq!(outside_code_spans("a ` b"), "a ` b");
}

#[test]
fn same_input_same_bytes() {
    let b = root().join("samples/kill-restart-1");
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let r1 = reports(&[&b], d1.path(), true, &["--threads", "1"]);
    let r2 = reports(&[&b], d2.path(), true, &["--threads", "2"]);
    assert!(r1.html == r2.html, "HTML differs between runs");
    assert!(r1.md == r2.md, "Markdown differs between runs");
    assert_eq!(r1.svg, r2.svg, "SVG differs between runs");
    assert_eq!(
        r1.svg.len(),
        2 + 2 * r1.json["windows"].as_array().unwrap().len()
    );
}

#[test]
fn unwritable_report_names_the_file() {
    let b = root().join("samples/baseline-1");
    let out = run(&[
        "analyze",
        &b.display().to_string(),
        "--html",
        "/nonexistent-dir/r.html",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent-dir/r.html"), "{err}");
}

/// Chromium, if installed.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|n| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(n))
                    .find(|p| p.is_file())
            })
        })
}

#[test]
fn a_real_browser_renders_the_report() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and no chromium: .ci/run installs it (apt-get install -y chromium)"
        );
        eprintln!(
            "skipped: chromium is not installed (apt-get install -y chromium); CI installs it"
        );
        return;
    };
    let b = root().join("samples/kill-restart-1");
    let dir = tempfile::tempdir().unwrap();
    let r = reports(&[&b], dir.path(), false, &[]);
    let url = format!("file://{}", dir.path().join("r.html").display());
    let profile = dir.path().join("profile");
    let shot = dir.path().join("shot.png");
    let browse = |extra: &[String]| {
        let out = Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&url)
            .output()
            .expect("run chromium");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok_shot, _, log) = browse(&[
        format!("--screenshot={}", shot.display()),
        "--window-size=1280,2400".into(),
        "--hide-scrollbars".into(),
    ]);
    assert!(ok_shot, "chromium failed: {log}");
    for line in log.lines() {
        assert!(
            !line.contains("Uncaught")
                && !line.contains("Refused to")
                && !line.contains(":CONSOLE"),
            "console error: {line}"
        );
    }
    // A blank page's screenshot is a few KiB of one colour.
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 50_000,
        "screenshot of {} bytes",
        png.len()
    );
    // The DOM the browser built holds the header and every window card.
    let (ok_dom, dom, log) = browse(&["--dump-dom".into()]);
    assert!(ok_dom, "chromium --dump-dom failed: {log}");
    let doc = Html::parse_document(&dom);
    let windows = r.json["windows"].as_array().unwrap().len();
    assert!(windows > 0);
    assert_eq!(
        doc.select(&sel("article.card")).count(),
        windows,
        "cards in the rendered DOM"
    );
    assert!(doc
        .select(&sel("h1"))
        .next()
        .is_some_and(|h| h.text().collect::<String>().contains("Milvus post-mortem")));
}

#[test]
fn a_restart_gives_separate_lanes_named_after_the_old_node() {
    for (sample, old, new) in [("kill-restart-1", 1, 2), ("kill-restart-v2.2.16-1", 1, 9)] {
        let b = root().join("samples").join(sample);
        let dir = tempfile::tempdir().unwrap();
        let r = reports(&[&b], dir.path(), true, &[]);
        let svg = &r
            .svg
            .iter()
            .find(|(n, _)| n == "timeline.svg")
            .expect("timeline.svg")
            .1;
        let texts: Vec<String> = Html::parse_fragment(svg)
            .select(&sel("text"))
            .map(|t| t.text().collect::<String>().trim().to_string())
            .collect();
        for comp in ["querycoord", "querynode", "proxy"] {
            let before = format!("{comp} · node {old}");
            let after = format!("{comp} · node {new} (after node {old})");
            let i = texts.iter().position(|t| *t == before);
            let j = texts.iter().position(|t| *t == after);
            // Neighbouring lanes (plotters writes the axis labels bottom up).
            assert!(
                i.zip(j).is_some_and(|(i, j)| i.abs_diff(j) == 1),
                "{sample}: lanes {before:?} and {after:?} side by side in {texts:?}"
            );
        }
    }
}

#[test]
fn a_report_can_go_to_stdout_alone() {
    let b = root().join("samples/kill-restart-1");
    let dir = tempfile::tempdir().unwrap();
    let r = reports(&[&b], dir.path(), false, &[]);
    let b = b.display().to_string();
    // Alone on stdout: the same bytes as the file, no terminal summary around them.
    assert_eq!(ok(&["analyze", &b, "--md", "-"]), r.md);
    assert_eq!(ok(&["analyze", &b, "--html", "-"]), r.html);
    let out = run(&["analyze", &b, "--md", "-", "--json", "-"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--json and --md cannot share stdout"), "{err}");
}

// Each user of the generator takes part of it.
#[allow(dead_code)]
#[path = "../benches/gen/mod.rs"]
mod gen;

/// Hundreds of windows must not make a report no ticket can hold: 24 repeats
/// of a real capture (time-shifted, in the same files) give 24 windows; the
/// HTML and Markdown list every one, and give full cards only to the first
/// window of each shape — the shapes counted here from the JSON.
#[test]
fn many_windows_one_card_per_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("repeated");
    let repeats = 24;
    for (name, bytes) in gen::repeat_times("slow-heartbeat-1", repeats) {
        let p = bundle.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let r = reports(&[&bundle], tmp.path(), false, &[]);
    // The truth: the capture's own windows (its expected.json), once per repeat.
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("samples/slow-heartbeat-1/expected.json")).unwrap(),
    )
    .unwrap();
    let per_repeat = truth["windows"].as_array().unwrap();
    let windows = r.json["windows"].as_array().unwrap();
    assert_eq!(windows.len(), repeats * per_repeat.len());
    for (i, w) in windows.iter().enumerate() {
        assert_eq!(
            w["cause"],
            per_repeat[i % per_repeat.len()]["cause"],
            "window {}",
            i + 1
        );
    }
    let mut shapes: Vec<(Value, Value, Vec<Value>)> = Vec::new();
    let mut firsts = Vec::new();
    for (i, w) in windows.iter().enumerate() {
        let phases = w["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].clone())
            .collect();
        let shape = (w["cause"].clone(), w["contributing"].clone(), phases);
        if !shapes.contains(&shape) {
            shapes.push(shape);
            firsts.push(i + 1);
        }
    }
    assert!(shapes.len() < repeats);
    let doc = Html::parse_document(&r.html);
    let cards: Vec<usize> = doc
        .select(&Selector::parse("article.card").unwrap())
        .map(|c| c.value().id().unwrap()[1..].parse().unwrap())
        .collect();
    assert_eq!(cards, firsts);
    let rows = doc
        .select(&Selector::parse("#overview tbody tr").unwrap())
        .count();
    assert_eq!(rows, windows.len(), "every window is listed");
    let details = r.md.matches("\n## Window ").count();
    assert_eq!(details, firsts.len());
    assert!(r.md.contains(&format!(
        "{} windows of {} shapes",
        windows.len(),
        firsts.len()
    )));
}

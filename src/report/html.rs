//! The `analyze --html` report: one self-contained file for an incident
//! ticket.
//!
//! Layout: a header (bundle, Milvus version, span, components, processes,
//! what was missing), the windows at a glance, the swimlane timeline, the
//! client requests chart, one card per window (facts, cause, phase bar,
//! phases, errors, recommendations, evidence with the raw line expandable,
//! a zoomed timeline), the line accounting and a footer with the tool
//! version and the SHA-256 of every input.
//!
//! Self-contained: CSS and SVG are inline, nothing is fetched; a Content
//! Security Policy forbids any fetch and lets only the one inline script
//! (open every `<details>` before printing) run. Deterministic: no clock,
//! no random ids, no hash-map order. Every string that did not come from
//! this file (log text, file names, error texts, node labels) goes through
//! [`esc`].

use super::charts::Charts;
use super::model::{clock_ms, secs, Report, WindowFacts};
use super::palette;
use super::{cut, rfc3339_ms};
use crate::attribute::Cause;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// Characters of an evidence line shown before it is expanded.
const LINE_SHOWN: usize = 180;
/// Error texts listed per window before the rest are summed up.
const ERRORS_SHOWN: usize = 15;
/// Warnings listed before the rest are counted.
const WARNINGS_SHOWN: usize = 200;

/// The only script: print every evidence line expanded.
const SCRIPT: &str = "addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=true})});";

const STYLE: &str = r#"
:root{--ink:#1b1f24;--muted:#5b6570;--line:#d8dde3;--bg:#f6f8fa;--card:#fff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header,main,footer{max-width:1240px;margin:0 auto;padding:0 20px}
header{padding-top:18px}
h1{font-size:22px;margin:0 0 4px}
h1 .bundle{font-weight:normal;color:var(--muted);font-size:16px;word-break:break-all}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:0 0 8px}
h4{font-size:14px;margin:16px 0 6px}
.verdict{font-size:17px;margin:8px 0 12px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0 0 10px}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
nav a{margin-right:12px}
a{color:#0a58a8}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.mono{white-space:nowrap}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
pre{white-space:pre-wrap;word-break:break-all;margin:4px 0;background:var(--bg);padding:6px;border:1px solid var(--line)}
figure{margin:8px 0;background:#fff;border:1px solid var(--line)}
figure svg{display:block;width:100%;height:auto}
figcaption{color:var(--muted);font-size:12px;padding:4px 8px}
.chip{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;border:1px solid rgba(0,0,0,.35);white-space:nowrap}
.card{background:var(--card);border:1px solid var(--line);border-left:8px solid var(--muted);padding:14px 16px;margin:14px 0;break-inside:avoid-page}
.kpis{display:flex;flex-wrap:wrap;gap:8px 22px;margin:6px 0 10px}
.kpis div b{display:block;font-size:18px}
.kpis div span{color:var(--muted);font-size:12px}
.reason{margin:6px 0}
.missing{color:#8a4b00}
ol.recs li{margin:4px 0}
.setting{color:var(--muted)}
table.evidence td.text{width:50%}
table.evidence td.note{min-width:14em}
details summary{cursor:pointer;list-style-position:inside}
details summary code{word-break:break-all}
footer{color:var(--muted);font-size:12px;padding:20px;margin-top:26px;border-top:1px solid var(--line)}
footer code{font-size:11px}
@media print{body{background:#fff}.card{border-color:#999}nav{display:none}a{color:inherit;text-decoration:none}}
"#;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters (ANSI debris) would make the file invalid.
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A label on its cause's colour.
fn chip(c: Cause, text: &str) -> String {
    let bg = palette::cause(c);
    let ink = if bg.is_light() { "#000" } else { "#fff" };
    format!(
        "<span class=\"chip\" style=\"background:{};color:{ink}\">{}</span>",
        bg.hex(),
        esc(text)
    )
}

/// A cause as a coloured chip.
fn cause_chip(c: Cause) -> String {
    chip(c, c.id())
}

/// Items joined, or what to say when there are none.
fn joined_or(items: &[String], sep: &str, none: &str) -> String {
    if items.is_empty() {
        none.to_string()
    } else {
        items.join(sep)
    }
}

/// The whole report.
pub fn render(s: &Report, charts: &Charts) -> String {
    let mut h = String::with_capacity(256 * 1024);
    head(&mut h, s);
    header(&mut h, s);
    h.push_str("<main>\n");
    overview(&mut h, s);
    let _ = writeln!(
        h,
        "<section id=\"timeline\"><h2>Timeline</h2><figure>{}<figcaption>Each lane is one component of one process run \
         (a standalone process writes several). The thin bar spans the lane's first to last line; a dashed link joins the \
         lane of a stopped process to the same component after the restart. Dark grey: the process was down; light grey \
         with an outline: a hole in a live process's log that others noticed (an idle process's quiet stretches are not drawn). Coloured bands: client-failure windows in their cause's colour. \
         Marks: recognised events, one per kind per lane every few pixels (the legend counts them all).{}</figcaption></figure></section>",
        charts.timeline,
        if s.scene.as_ref().is_some_and(|x| !x.failed_spans.is_empty()) {
            " Under the lanes: the failed spans of the trace exports, a row per node the calls were meant for."
        } else {
            ""
        }
    );
    let caption = if charts.outcomes.client_log {
        "Every request of the client log, by the time it started: ok stacked on failed; windows shaded behind."
    } else if charts.outcomes.bins.is_empty() {
        "No client log, and the Proxy logged no failed request: windows come from restarts and log holes."
    } else {
        "No client log: the failures the Proxy logged (one per request), by time; successes are not logged."
    };
    let _ = writeln!(
        h,
        "<section id=\"requests\"><h2>Client requests</h2><figure>{}<figcaption>{caption}</figcaption></figure></section>",
        charts.requests
    );
    h.push_str("<section id=\"windows\"><h2>Windows</h2>\n");
    if s.windows.is_empty() {
        h.push_str("<p>No client-failure window was found.</p>\n");
    }
    let carded = s.carded().len();
    if carded < s.windows.len() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{} windows of {carded} shapes (cause, contributing causes, phase order): one card per shape, \
             for its first window; the table above lists every window with its own times and counts, and the card that stands for it. \
             Every window's phases and evidence are in <code>--json</code>.</p>",
            s.windows.len()
        );
    }
    for (w, drawn) in s.windows.iter().zip(&charts.windows) {
        if let (true, Some((phases, zoom))) = (s.has_card(w), drawn) {
            card(&mut h, w, phases, zoom);
        }
    }
    h.push_str("</section>\n");
    accounting(&mut h, s);
    h.push_str("</main>\n");
    footer(&mut h, s);
    let _ = write!(h, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    h
}

fn head(h: &mut String, s: &Report) {
    let script_hash = {
        use base64_of::encode;
        encode(&Sha256::digest(SCRIPT.as_bytes()))
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script_hash}'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n<title>Milvus post-mortem: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        esc(&s.title)
    );
}

fn header(h: &mut String, s: &Report) {
    let _ = write!(
        h,
        "<header>\n<h1>Milvus post-mortem <span class=\"bundle\">{}</span></h1>\n<p class=\"verdict\">{}</p>\n<dl class=\"facts\">\n",
        esc(&s.title),
        esc(&s.verdict())
    );
    let mut fact = |k: &str, v: String| {
        let _ = writeln!(h, "<dt>{k}</dt><dd>{v}</dd>");
    };
    fact(
        "Milvus version",
        esc(s
            .bundle
            .milvus_version
            .as_deref()
            .unwrap_or("unknown (no start banner)")),
    );
    if let Some((f, t)) = s.span() {
        fact(
            "Time span",
            format!(
                "{} → {} UTC ({:.1} s)",
                esc(&rfc3339_ms(f)),
                esc(&rfc3339_ms(t)),
                secs(t - f)
            ),
        );
    }
    if s.range.since.is_some() || s.range.until.is_some() {
        fact(
            "Selected range",
            format!(
                "{} → {}",
                s.range.since.map_or("start".into(), rfc3339_ms),
                s.range.until.map_or("end".into(), rfc3339_ms)
            ),
        );
    }
    fact("Components", esc(&s.bundle.components.join(", ")));
    let procs: Vec<String> = s
        .incarnations
        .iter()
        .map(|p| {
            format!(
                "{}{} {} → {}{}",
                esc(p.component.id()),
                p.node_id.map(|n| format!(" node {n}")).unwrap_or_default(),
                clock_ms(p.start_us),
                clock_ms(p.end_us),
                if p.start_seen {
                    ""
                } else {
                    " (start not in the logs)"
                }
            )
        })
        .collect();
    fact("Processes", joined_or(&shortened(procs), "<br>", "none"));
    let settings: Vec<String> = s
        .settings
        .iter()
        .map(|x| format!("<code>{}={}{}</code>", esc(x.key), x.value, esc(x.unit)))
        .collect();
    fact(
        "Timing settings",
        joined_or(&settings, " ", "none found (defaults assumed)"),
    );
    if !s.missing.is_empty() {
        let items: Vec<String> = s.missing.iter().map(|m| esc(m)).collect();
        fact(
            "Missing",
            format!("<span class=\"missing\">{}</span>", items.join("<br>")),
        );
    }
    h.push_str("</dl>\n<nav>");
    for w in s.windows.iter().filter(|w| s.has_card(w)) {
        let _ = write!(h, "<a href=\"#w{0}\">Window {0}</a>", w.number);
    }
    h.push_str("<a href=\"#timeline\">Timeline</a><a href=\"#requests\">Requests</a><a href=\"#accounting\">Accounting</a></nav>\n</header>\n");
}

/// More process runs than this and the header lists the first and the last
/// of them (every one is in `--json` and on the timeline).
const PROCESSES_LISTED: usize = 40;

fn shortened(mut items: Vec<String>) -> Vec<String> {
    if items.len() <= PROCESSES_LISTED {
        return items;
    }
    let half = PROCESSES_LISTED / 2;
    let more = items.len() - 2 * half;
    let tail = items.split_off(items.len() - half);
    items.truncate(half);
    items.push(format!(
        "… {more} more process runs (all in <code>--json</code>) …"
    ));
    items.extend(tail);
    items
}

fn overview(h: &mut String, s: &Report) {
    if s.windows.is_empty() {
        return;
    }
    h.push_str(
        "<section id=\"overview\"><h2>At a glance</h2>\n<table><thead><tr><th>#</th><th>start (UTC)</th><th>end</th>\
         <th class=\"n\">duration</th><th class=\"n\">failed</th><th class=\"n\">ok</th><th>cause</th><th class=\"n\">confidence</th>\
         <th>contributing</th></tr></thead><tbody>\n",
    );
    for w in &s.windows {
        let win = w;
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#w{card}\">{n}</a></td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"n\">{:.1} s</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{:.2}</td><td>{}</td></tr>",
            rfc3339_ms(win.start),
            clock_ms(win.end),
            secs(win.end - win.start),
            win.failed,
            win.ok.map_or("–".to_string(), |o| o.to_string()),
            cause_chip(w.at.cause),
            w.at.confidence,
            w.at.contributing.iter().map(|c| cause_chip(*c)).collect::<Vec<_>>().join(" "),
            n = w.number,
            card = w.card
        );
    }
    h.push_str("</tbody></table></section>\n");
}

fn card(h: &mut String, w: &WindowFacts, phases_svg: &str, zoom_svg: &str) {
    let (win, at) = (w, w.at);
    let _ = write!(
        h,
        "<article class=\"card\" id=\"w{n}\" style=\"border-left-color:{}\">\n<h3>Window {n} · {} → {} UTC · {:.1} s</h3>\n<div class=\"kpis\">",
        palette::cause(at.cause).hex(),
        rfc3339_ms(win.start),
        clock_ms(win.end),
        secs(win.end - win.start),
        n = w.number
    );
    let mut kpi = |v: String, k: &str| {
        let _ = write!(h, "<div><b>{v}</b><span>{k}</span></div>");
    };
    match (win.client_log(), win.ok) {
        (true, Some(ok)) => {
            kpi(win.failed.to_string(), "failed requests");
            kpi(ok.to_string(), "ok requests inside");
        }
        _ => kpi(
            win.failed.to_string(),
            "failures logged by the Proxy (no client log)",
        ),
    }
    kpi(cause_chip(at.cause), "root cause");
    kpi(format!("{:.2}", at.confidence), "confidence");
    h.push_str("</div>\n");
    let _ = writeln!(h, "<p class=\"reason\">{}</p>", esc(&at.reason));
    if !at.contributing.is_empty() {
        let _ = writeln!(
            h,
            "<p>Contributing: {}</p>",
            at.contributing
                .iter()
                .map(|c| cause_chip(*c))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let scope: Vec<String> = [
        (
            "collections",
            win.collections.iter().map(|c| esc(c)).collect::<Vec<_>>(),
        ),
        ("channels", win.channels.iter().map(|c| esc(c)).collect()),
        ("nodes", win.nodes.iter().map(|n| n.to_string()).collect()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}: <code>{}</code>", v.join(", ")))
    .collect();
    if !scope.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", scope.join(" · "));
    }
    let _ = writeln!(h, "<figure>{phases_svg}</figure>");
    phase_table(h, w);
    errors(h, w);
    error_spans(h, w);
    latency(h, w);
    request_path(h, w);
    if !w.recommendations.is_empty() {
        h.push_str("<h4>Recommendations</h4>\n<ol class=\"recs\">\n");
        for r in &w.recommendations {
            let setting = r
                .setting
                .map(|s| format!(" <span class=\"setting\">(<code>{}</code>)</span>", esc(s)))
                .unwrap_or_default();
            let _ = writeln!(h, "<li>{}{setting}</li>", esc(&r.text));
        }
        h.push_str("</ol>\n");
    }
    evidence(h, w);
    if !at.missing.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"missing\">Not in the bundle, would have told more: {}</p>",
            at.missing
                .iter()
                .map(|m| esc(m))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let _ = writeln!(
        h,
        "<details><summary>Timeline around window {}</summary><figure>{zoom_svg}</figure></details>\n</article>",
        w.number
    );
}

fn phase_table(h: &mut String, w: &WindowFacts) {
    let at = w.at;
    if at.phases.is_empty() {
        h.push_str("<p>No phase could be placed: the logs hold no line marking one.</p>\n");
        return;
    }
    let len = (w.end - w.start).max(1) as f64;
    h.push_str(
        "<table class=\"phases\"><thead><tr><th>phase</th><th>start (UTC)</th><th>end</th><th class=\"n\">duration</th>\
         <th class=\"n\">share of window</th><th>cause it stands for</th><th class=\"n\">evidence lines</th></tr></thead><tbody>\n",
    );
    for p in &at.phases {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td>\
             <td class=\"n\">{:.1} s</td><td class=\"n\">{:.0} %</td><td>{}</td><td class=\"n\">{}</td></tr>",
            chip(p.cause, p.id.id()),
            clock_ms(p.start),
            clock_ms(p.end),
            secs(p.len_us()),
            100.0 * p.len_us() as f64 / len,
            esc(p.cause.id()),
            p.evidence.len()
        );
    }
    h.push_str("</tbody></table>\n");
}

fn errors(h: &mut String, w: &WindowFacts) {
    if w.errors.is_empty() {
        return;
    }
    h.push_str("<h4>Errors clients saw</h4>\n<table><thead><tr><th class=\"n\">count</th><th>error</th></tr></thead><tbody>\n");
    for (text, n) in w.errors.iter().take(ERRORS_SHOWN) {
        let _ = writeln!(
            h,
            "<tr><td class=\"n\">{n}</td><td><code>{}</code></td></tr>",
            esc(text)
        );
    }
    let rest = &w.errors[w.errors.len().min(ERRORS_SHOWN)..];
    if !rest.is_empty() {
        let _ = writeln!(
            h,
            "<tr><td class=\"n\">{}</td><td>{} other error texts (every one in <code>--json</code>)</td></tr>",
            rest.iter().map(|(_, n)| n).sum::<u64>(),
            rest.len()
        );
    }
    h.push_str("</tbody></table>\n");
}

/// The failed internal calls the trace exports show inside the window.
fn error_spans(h: &mut String, w: &WindowFacts) {
    let t = &w.traces;
    if t.error_spans.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<h4>Failed internal calls (traces)</h4>\n<p>{} spans started inside the window; the failed ones by operation and peer:</p>\n\
         <table><thead><tr><th class=\"n\">count</th><th>operation</th><th>peer</th><th>meant for node</th>\
         <th>first → last (UTC)</th><th>example trace</th></tr></thead><tbody>",
        t.spans
    );
    for e in t.error_spans.iter().take(ERRORS_SHOWN) {
        let _ = writeln!(
            h,
            "<tr><td class=\"n\">{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{} → {}</td><td><code>{}</code></td></tr>",
            e.count,
            esc(e.operation),
            esc(e.peer.unwrap_or("")),
            e.peer_node.map_or("unknown".to_string(), |n| n.to_string()),
            clock_ms(e.first),
            clock_ms(e.last),
            esc(e.example_trace_id)
        );
    }
    let rest = &t.error_spans[t.error_spans.len().min(ERRORS_SHOWN)..];
    if !rest.is_empty() {
        let _ = writeln!(
            h,
            "<tr><td class=\"n\">{}</td><td colspan=\"5\">{} other operation and peer pairs (every one in <code>--json</code>)</td></tr>",
            rest.iter().map(|e| e.count).sum::<u64>(),
            rest.len()
        );
    }
    h.push_str("</tbody></table>\n");
}

/// The internal calls whose latency changed most, before vs inside.
fn latency(h: &mut String, w: &WindowFacts) {
    let rows = &w.traces.latency;
    if rows.is_empty() {
        return;
    }
    h.push_str(
        "<h4>Internal-call latency (traces)</h4>\n<p>The operations whose p90 changed most, inside the window against the same length of time before it (at least a minute):</p>\n\
         <table><thead><tr><th>operation</th><th>side</th><th class=\"n\">before: spans</th><th class=\"n\">p50 / p90 / p99 ms</th>\
         <th class=\"n\">inside: spans</th><th class=\"n\">p50 / p90 / p99 ms</th><th class=\"n\">p90 inside ÷ before</th></tr></thead><tbody>\n",
    );
    for l in rows {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(l.operation),
            l.kind,
            l.before.count,
            super::percentiles_text(&l.before),
            l.inside.count,
            super::percentiles_text(&l.inside),
            super::ratio_text(l.p90_ratio)
        );
    }
    h.push_str("</tbody></table>\n");
}

/// One failed request's spans, root first, as an indented list.
fn request_path(h: &mut String, w: &WindowFacts) {
    let Some(p) = &w.traces.request_path else {
        return;
    };
    let _ = writeln!(
        h,
        "<h4>One failed request inside Milvus</h4>\n<p>The Proxy logged a failure at <code>{}:{}</code> with trace <code>{}</code>; its spans, root first:</p>",
        esc(p.source),
        p.line,
        esc(p.trace_id)
    );
    for (depth, x) in p.spans.iter().enumerate() {
        let peer = x
            .peer
            .map(|a| format!(" → <code>{}</code>", esc(a)))
            .unwrap_or_default();
        let node = x.node.map(|n| format!(" node {n}")).unwrap_or_default();
        let failed = match x.message {
            Some(m) if x.error => format!(" <b>failed</b>: <code>{}</code>", esc(m)),
            _ if x.error => " <b>failed</b>".to_string(),
            _ => String::new(),
        };
        let _ = writeln!(
            h,
            "<div class=\"mono\" style=\"padding-left:{}em\">{} <code>{}</code> ({}, {}{node}){peer} · {} · {:.2} ms{failed}</div>",
            depth * 2,
            if depth == 0 { "" } else { "└" },
            esc(x.operation),
            x.kind,
            esc(x.service),
            clock_ms(x.start),
            x.duration_ms
        );
    }
}

fn evidence(h: &mut String, w: &WindowFacts) {
    if w.evidence.is_empty() {
        return;
    }
    h.push_str(
        "<h4>Evidence</h4>\n<table class=\"evidence\"><thead><tr><th>time (UTC)</th><th>component</th><th>source:line</th>\
         <th>what it shows</th><th>line (click to expand)</th></tr></thead><tbody>\n",
    );
    for r in &w.evidence {
        let e = r.evidence;
        let note = match r.phase {
            Some(p) => format!("{} <span class=\"setting\">({p})</span>", esc(&e.note)),
            None => esc(&e.note),
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td class=\"mono\">{}:{}</td><td class=\"note\">{note}</td>\
             <td class=\"text\"><details><summary><code>{}</code></summary><pre>{}</pre></details></td></tr>",
            clock_ms(e.ts),
            esc(r.component.id()),
            esc(&e.source),
            e.line,
            esc(&cut(&e.text, LINE_SHOWN)),
            esc(&e.text)
        );
    }
    h.push_str("</tbody></table>\n");
}

fn accounting(h: &mut String, s: &Report) {
    let t = &s.totals();
    let _ = write!(
        h,
        "<section id=\"accounting\"><h2>What was read</h2>\n<p>{} lines: {} parsed, {} continuation lines of multi-line \
         records, {} unparsed (kept and counted, named below); {} spans.</p>\n<table><thead><tr><th>source</th><th>component</th>\
         <th>formats</th><th class=\"n\">lines</th><th class=\"n\">parsed</th><th class=\"n\">continuation</th>\
         <th class=\"n\">unparsed</th><th class=\"n\">spans</th></tr></thead><tbody>\n",
        t.lines_total, t.lines_parsed, t.lines_continuation, t.lines_unparsed, t.spans_total
    );
    for src in &s.accounting.sources {
        let formats: Vec<String> = src
            .formats
            .iter()
            .map(|(g, n)| format!("{} {n}", esc(g)))
            .collect();
        let _ = writeln!(
            h,
            "<tr><td class=\"mono\">{}{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(src.source),
            if src.previous { " (previous)" } else { "" },
            esc(src.component.id()),
            formats.join(", "),
            src.lines_total,
            src.lines_parsed,
            src.lines_continuation,
            src.lines_unparsed,
            src.spans_total
        );
    }
    h.push_str("</tbody></table>\n");
    if !s.accounting.skipped.is_empty() {
        h.push_str("<h4>Not read as logs</h4>\n<table><thead><tr><th>file</th><th>why</th></tr></thead><tbody>\n");
        for k in &s.accounting.skipped {
            let _ = writeln!(
                h,
                "<tr><td class=\"mono\">{}</td><td>{}</td></tr>",
                esc(k.source),
                esc(k.reason)
            );
        }
        h.push_str("</tbody></table>\n");
    }
    let warnings = &s.all_warnings;
    if !warnings.is_empty() {
        let _ = writeln!(h, "<h4>Warnings ({})</h4>\n<ul>", warnings.len());
        for w in warnings.iter().take(WARNINGS_SHOWN) {
            let _ = writeln!(h, "<li><code>{}</code></li>", esc(w));
        }
        if warnings.len() > WARNINGS_SHOWN {
            let _ = writeln!(
                h,
                "<li>… and {} more (every one in <code>--json</code>)</li>",
                warnings.len() - WARNINGS_SHOWN
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

fn footer(h: &mut String, s: &Report) {
    let _ = write!(
        h,
        "<footer>\n<p>Made by {} {} from {}. All times UTC. Bundle digest (SHA-256 over the <code>sha256sum</code> lines below): \
         <code>{}</code></p>\n<details><summary>SHA-256 of each log as read (after decompression)</summary><pre>",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        esc(&s.title),
        s.digest
    );
    for (name, sum) in &s.hashes {
        let _ = writeln!(h, "{sum}  {}", esc(name));
    }
    h.push_str("</pre></details>\n</footer>\n");
}

/// Standard base64, for the script hash of the Content Security Policy.
mod base64_of {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn rfc4648_vectors() {
            for (i, o) in [
                ("", ""),
                ("f", "Zg=="),
                ("fo", "Zm8="),
                ("foo", "Zm9v"),
                ("foobar", "Zm9vYmFy"),
            ] {
                assert_eq!(super::encode(i.as_bytes()), o);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            esc("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(esc("a\u{1b}[0m"), "a\\u{1b}[0m");
    }
}

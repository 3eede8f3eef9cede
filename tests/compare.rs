//! `compare` of real captures that differ in their timing settings,
//! checked against each side's own `analyze --json` and, for the success
//! rates, against the client logs read by this test.

use crate::util::{self, analyze, ok, run};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn sample(name: &str) -> PathBuf {
    util::root().join("samples").join(name)
}

fn compare(before: &Path, after: &Path) -> Value {
    let (b, a) = (before.display().to_string(), after.display().to_string());
    serde_json::from_str(&ok(&["compare", &b, &a, "-q", "--json", "-"])).expect("JSON")
}

fn us(t: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap())
        .unwrap()
        .timestamp_micros()
}

/// The fault of an analyze window: its first phase's start, or its start;
/// and how long from there to its last end.
fn fault_and_extent(w: &Value) -> (i64, i64) {
    let phases = w["phases"].as_array().unwrap();
    let t0 = phases
        .iter()
        .map(|p| us(&p["start"]))
        .chain([us(&w["start"])])
        .min()
        .unwrap();
    let end = phases
        .iter()
        .map(|p| us(&p["end"]))
        .chain([us(&w["end"])])
        .max()
        .unwrap();
    (t0, end - t0)
}

/// (ok, failed) requests of the bundle's client log started in [from, to].
fn client_outcomes(bundle: &Path, from: i64, to: i64) -> (u64, u64) {
    let text = std::fs::read_to_string(bundle.join("client/client.jsonl")).unwrap();
    let (mut ok, mut failed) = (0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let r: Value = serde_json::from_str(line).unwrap();
        let t = us(&r["start"]);
        if t >= from && t <= to {
            if r["ok"] == true {
                ok += 1
            } else {
                failed += 1
            }
        }
    }
    (ok, failed)
}

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(util::root().join("schema/compare.schema.json")).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("a JSON Schema")
}

/// The settings whose values differ between two analyses, by key.
fn differing(b: &Value, a: &Value) -> Vec<(String, Option<f64>, Option<f64>)> {
    let map = |d: &Value| -> std::collections::BTreeMap<String, f64> {
        let mut m = std::collections::BTreeMap::new();
        for s in d["settings"].as_array().unwrap() {
            m.entry(s["key"].as_str().unwrap().to_string())
                .or_insert(s["value"].as_f64().unwrap());
        }
        m
    };
    let (mb, ma) = (map(b), map(a));
    let mut keys: Vec<&String> = mb.keys().chain(ma.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|k| (k.clone(), mb.get(k).copied(), ma.get(k).copied()))
        .filter(|(_, x, y)| x != y)
        .collect()
}

/// Both captures: SIGKILL, back after 5 s, under the same load; only
/// `common.session.ttl` differs (45 s before, 30 s after).
#[test]
fn a_shorter_session_ttl_shortens_the_window_and_says_so() {
    let (b, a) = (sample("kill-restart-ttl45-1"), sample("kill-restart-1"));
    let c = compare(&b, &a);
    let errors: Vec<String> = schema().iter_errors(&c).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let (jb, ja) = (analyze(&[&b]), analyze(&[&a]));
    let (wb, wa) = (&jb["windows"][0], &ja["windows"][0]);
    let pair = &c["windows"][0];
    assert_eq!(c["windows"].as_array().unwrap().len(), 1);
    assert_eq!(pair["fault"], "kill");
    for (side, w) in [(&pair["before"], wb), (&pair["after"], wa)] {
        for k in [
            "start",
            "end",
            "duration_s",
            "cause",
            "failed_requests",
            "ok_requests",
        ] {
            assert_eq!(side[k], w[k], "{k}");
        }
    }
    let (db, da) = (
        wb["duration_s"].as_f64().unwrap(),
        wa["duration_s"].as_f64().unwrap(),
    );
    assert!(
        da < db,
        "the shorter TTL gives the shorter window: {db} → {da}"
    );
    assert!((pair["change_s"].as_f64().unwrap() - (da - db)).abs() < 1e-6);
    assert_eq!(c["before"]["windows_total_s"], wb["duration_s"]);
    // The one setting that differs, with the lines it is on.
    let want = differing(&jb, &ja);
    assert_eq!(
        want,
        vec![("common.session.ttl".to_string(), Some(45.0), Some(30.0))]
    );
    let s = &c["settings_changed"].as_array().unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(
        (
            s[0]["key"].as_str(),
            s[0]["before"].as_f64(),
            s[0]["after"].as_f64()
        ),
        (Some("common.session.ttl"), Some(45.0), Some(30.0))
    );
    let line_of = |d: &Value| {
        let s = d["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "common.session.ttl")
            .unwrap();
        format!("{}:{}", s["source"].as_str().unwrap(), s["line"])
    };
    assert_eq!(s[0]["source_before"], line_of(&jb).as_str());
    assert_eq!(s[0]["source_after"], line_of(&ja).as_str());
    // Success over the same stretch around each fault, from the client logs.
    let ((tb, lb), (ta, la)) = (fault_and_extent(wb), fault_and_extent(wa));
    let len = lb.max(la);
    let pad = 30_000_000;
    let (okb, fb) = client_outcomes(&b, tb - pad, tb + len + pad);
    let (oka, fa) = client_outcomes(&a, ta - pad, ta + len + pad);
    assert_eq!(
        (
            c["before"]["ok_requests"].as_u64(),
            c["before"]["failed_requests"].as_u64()
        ),
        (Some(okb), Some(fb))
    );
    assert_eq!(
        (
            c["after"]["ok_requests"].as_u64(),
            c["after"]["failed_requests"].as_u64()
        ),
        (Some(oka), Some(fa))
    );
    let rate = |o: u64, f: u64| ((o as f64 / (o + f) as f64) * 1e4).round() / 1e4;
    assert_eq!(c["before"]["success_rate"].as_f64(), Some(rate(okb, fb)));
    assert_eq!(c["after"]["success_rate"].as_f64(), Some(rate(oka, fa)));
    // The verdict, from those numbers.
    let verdict = c["verdict"].as_str().unwrap();
    for part in [
        format!("from {db:.1} s to {da:.1} s"),
        "`common.session.ttl` 45 s → 30 s".to_string(),
        format!("{:.1} %", rate(oka, fa) * 100.0),
    ] {
        assert!(verdict.contains(&part), "{part:?} in {verdict}");
    }
    assert!(verdict.contains(" fell "), "{verdict}");
    // The detection phase is what changed most.
    let phases = pair["phase_changes"].as_array().unwrap();
    let detection = phases.iter().find(|p| p["id"] == "detection").unwrap();
    let most = phases
        .iter()
        .max_by(|x, y| {
            x["change_s"]
                .as_f64()
                .unwrap()
                .abs()
                .total_cmp(&y["change_s"].as_f64().unwrap().abs())
        })
        .unwrap();
    assert_eq!(most["id"], "detection");
    assert!(detection["change_s"].as_f64().unwrap() < -5.0);
}

#[test]
fn every_setting_that_differs_is_listed_and_repeated_sides_read_the_same() {
    // TTL 10 s and heartbeatAvailableInterval 2 s against the defaults.
    let (b, a) = (sample("kill-restart-1"), sample("slow-heartbeat-1"));
    let c = compare(&b, &a);
    let want = differing(&analyze(&[&b]), &analyze(&[&a]));
    let got: Vec<(String, Option<f64>, Option<f64>)> = c["settings_changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["key"].as_str().unwrap().to_string(),
                s["before"].as_f64(),
                s["after"].as_f64(),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert!(got
        .iter()
        .any(|(k, ..)| k == "queryCoord.heartbeatAvailableInterval"));
    let d = |side: &str| c["windows"][0][side]["duration_s"].as_f64().unwrap();
    assert!(d("after") < d("before"));
    // --before/--after name the same sides.
    let (bs, as_) = (b.display().to_string(), a.display().to_string());
    let flags: Value = serde_json::from_str(&ok(&[
        "compare", "--before", &bs, "--after", &as_, "-q", "--json", "-",
    ]))
    .unwrap();
    assert_eq!(flags, c);
    // One side only is a bad argument.
    assert_eq!(run(&["compare", &bs]).status.code(), Some(2));
}

#[test]
fn html_and_markdown_show_the_verdict_and_both_sides() {
    let (b, a) = (sample("kill-restart-ttl45-1"), sample("kill-restart-1"));
    let dir = tempfile::tempdir().unwrap();
    let (html, md) = (dir.path().join("c.html"), dir.path().join("c.md"));
    let (bs, as_) = (b.display().to_string(), a.display().to_string());
    let (hs, ms) = (html.display().to_string(), md.display().to_string());
    let out = ok(&["compare", &bs, &as_, "-q", "--html", &hs, "--md", &ms]);
    let c = compare(&b, &a);
    let verdict = c["verdict"].as_str().unwrap();
    assert!(out.starts_with(verdict), "{out}");
    let h = std::fs::read_to_string(&html).unwrap();
    assert!(
        !h.contains("src=\"http") && !h.contains("href=\"http"),
        "self-contained"
    );
    assert!(h.contains("common.session.ttl"));
    // One phase chart for the pair, a requests chart per side.
    assert_eq!(h.matches("<svg").count(), 3);
    let m = std::fs::read_to_string(&md).unwrap();
    assert!(m.contains(verdict));
    assert!(m.contains("| `common.session.ttl` | 45 s | 30 s |"), "{m}");
}

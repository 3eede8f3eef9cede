//! Windows and root causes on the real bundles, judged against the truth the
//! capture harness recorded: the client's own request log (`client.jsonl`),
//! read here by test code of its own, never by the analyzer's.

use crate::util::{
    analyze, analyze_with, cluster_capture, copy_tree, is_annotation, real_bundles, root,
};
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime};
use regex::Regex;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Failed requests closer than this form one window (DESIGN.md).
const JOIN_MS: i64 = 10_000;

fn ms(s: &str) -> i64 {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .timestamp_millis()
}

/// A window as the client saw it: (start ms, end ms, failed requests, and
/// of them those Milvus answered: not a refused connection or a passed
/// deadline, which no Proxy line can show).
#[derive(Clone, Debug, PartialEq)]
struct Truth {
    start: i64,
    end: i64,
    failed: u64,
    answered: u64,
}

/// gRPC and pymilvus texts of a request no Milvus process answered (the
/// test's own list, from the client logs of the captures).
const UNANSWERED: [&str; 4] = [
    "StatusCode.UNAVAILABLE",
    "StatusCode.DEADLINE_EXCEEDED",
    "Connection refused",
    "failed to connect to all addresses",
];

/// The windows of a client request log, by DESIGN.md's definition.
fn client_truth(client_jsonl: &Path) -> Vec<Truth> {
    let text = std::fs::read_to_string(client_jsonl).unwrap();
    let mut failed: Vec<(i64, i64, bool)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["ok"] == false)
        .map(|v| {
            let error = v["error"].as_str().unwrap_or("");
            (
                ms(v["start"].as_str().unwrap()),
                ms(v["end"].as_str().unwrap()),
                !UNANSWERED.iter().any(|u| error.contains(u)),
            )
        })
        .collect();
    failed.sort();
    let mut out: Vec<Truth> = Vec::new();
    for (s, e, answered) in failed {
        match out.last_mut() {
            Some(w) if s < w.end + JOIN_MS => {
                w.end = w.end.max(e);
                w.failed += 1;
                w.answered += answered as u64;
            }
            _ => out.push(Truth {
                start: s,
                end: e,
                failed: 1,
                answered: answered as u64,
            }),
        }
    }
    out
}

/// A window's bounds are within the tolerances (ms) of the truth's.
fn assert_near(n: &str, g: &Value, t: &Truth, start_ms: i64, end_ms: i64) {
    let (s, e) = (
        ms(g["start"].as_str().unwrap()),
        ms(g["end"].as_str().unwrap()),
    );
    assert!(
        (s - t.start).abs() <= start_ms,
        "{n}: start {s} vs {}",
        t.start
    );
    assert!((e - t.end).abs() <= end_ms, "{n}: end {e} vs {}", t.end);
}

fn windows(d: &Value) -> &Vec<Value> {
    d["windows"].as_array().expect("windows")
}

/// A window's recommendation whose `key` is `value`.
fn recommendation<'a>(w: &'a Value, key: &str, value: &str) -> Option<&'a Value> {
    w["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[key] == value)
}

fn name(b: &Path) -> String {
    b.file_name().unwrap().to_string_lossy().into_owned()
}

/// Bundles with a client request log.
fn with_client_log() -> Vec<PathBuf> {
    real_bundles()
        .into_iter()
        .filter(|b| b.join("client/client.jsonl").is_file())
        .collect()
}

#[test]
fn windows_match_the_client_log() {
    let bundles = with_client_log();
    // Every committed sample has its client log (12), the shared bundles add theirs.
    let (expected, failing) = if crate::util::shared_opt().is_some() {
        (13, 10)
    } else {
        (12, 9)
    };
    assert!(bundles.len() >= expected, "{bundles:?}");
    let mut with_failures = 0;
    for b in bundles {
        let n = name(&b);
        let truth = client_truth(&b.join("client/client.jsonl"));
        let d = analyze(&[&b]);
        let got = windows(&d);
        assert_eq!(got.len(), truth.len(), "{n}: {got:#?} vs {truth:?}");
        for (g, t) in got.iter().zip(&truth) {
            assert_near(&n, g, t, 1000, 1000);
            assert_eq!(g["failed_requests"], t.failed, "{n}");
            assert_eq!(g["basis"], "client-log", "{n}");
            assert!(g["ok_requests"].is_u64(), "{n}");
        }
        with_failures += usize::from(!truth.is_empty());
    }
    assert!(with_failures >= failing);
}

#[test]
fn no_window_without_client_failures() {
    for n in ["baseline-1", "stutter-2"] {
        let b = crate::shared_or_skip!().join("bundles").join(n);
        assert!(client_truth(&b.join("client/client.jsonl")).is_empty());
        assert_eq!(windows(&analyze(&[&b])).len(), 0, "{n}");
    }
}

/// A copy of a bundle without its client log (what most bundles look like).
fn server_only(b: &Path, into: &Path) -> PathBuf {
    let to = into.join(name(b));
    for e in std::fs::read_dir(b).unwrap() {
        let e = e.unwrap();
        let n = e.file_name().to_string_lossy().into_owned();
        if n == "client" || is_annotation(&n) {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(&n), &|_| false);
        } else {
            std::fs::create_dir_all(&to).unwrap();
            std::fs::copy(e.path(), to.join(&n)).unwrap();
        }
    }
    to
}

/// Server logs cannot see when a client stops retrying on its own: in the
/// 2.2.16 capture every failure is an UNAVAILABLE after pymilvus' 12.6 s of
/// retries, the last ending 10.9 s before the collection was loaded, with
/// no server line at that moment. The one bundle whose server-only end
/// is later than the bound, with how much.
const LATE_END_MS: [(&str, i64); 1] = [("kill-restart-v2.2.16-1", 11_000)];

/// A server-only window starts at most 1 s before or after the client's
/// first failure and ends within 5 s of its last ([`LATE_END_MS`] aside).
fn assert_server_bounds(n: &str, g: &Value, t: &Truth) {
    let late = LATE_END_MS
        .iter()
        .find(|(x, _)| *x == n)
        .map_or(5_000, |(_, l)| *l);
    let (s, e) = (
        ms(g["start"].as_str().unwrap()),
        ms(g["end"].as_str().unwrap()),
    );
    assert!(
        (t.start - 1_000..=t.start + 1_000).contains(&s),
        "{n}: server-only start {} ms from the client's",
        s - t.start
    );
    assert!(
        (t.end - 5_000..=t.end + late).contains(&e),
        "{n}: server-only end {} ms from the client's",
        e - t.end
    );
}

/// A standalone bundle's server files under neutral names, as another
/// deployment writes them (`logs/node-a.log`, `logs/out.log`,
/// `kv/store.log`, `conf/milvus.yaml`): nothing in a name says role, id or
/// stream, so processes are found from what they wrote.
fn neutral_names(b: &Path, into: &Path) -> PathBuf {
    let to = into.join(format!("neutral-{}", name(b)));
    let mut file_logs: Vec<PathBuf> = std::fs::read_dir(b.join("milvus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("standalone-")
        })
        .collect();
    // By server id, then the rotated parts of one id by their names.
    let id = |p: &PathBuf| -> u32 {
        let n = p.file_name().unwrap().to_string_lossy().into_owned();
        n["standalone-".len()..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    file_logs.sort_by_key(|p| (id(p), p.clone()));
    let gz = |p: &Path| {
        if p.extension().is_some_and(|e| e == "gz") {
            ".gz"
        } else {
            ""
        }
    };
    let mut copies: Vec<(PathBuf, String)> = file_logs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                p.clone(),
                format!("logs/node-{}.log{}", (b'a' + i as u8) as char, gz(p)),
            )
        })
        .collect();
    for (from, to_name) in [
        ("milvus/milvus-stdout.log", "logs/out.log"),
        ("milvus/milvus-stderr.log", "logs/err.log"),
        ("etcd/etcd.log", "kv/store.log"),
        ("etcd/etcd-stderr.log", "kv/store-err.log"),
        ("milvus/configs/milvus.yaml", "conf/milvus.yaml"),
    ] {
        for ext in ["", ".gz"] {
            let p = b.join(format!("{from}{ext}"));
            if p.is_file() {
                copies.push((p, format!("{to_name}{ext}")));
            }
        }
    }
    for (from, rel) in copies {
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from, dest).unwrap();
    }
    to
}

/// The cause each window of a real bundle must get: the sample's
/// `expected.json`, or the shared bundle's row of [`CAUSES`].
fn derived_causes(b: &Path) -> Option<Vec<String>> {
    let exp = b.join("expected.json");
    if exp.is_file() {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(exp).unwrap()).unwrap();
        return Some(
            v["windows"]
                .as_array()?
                .iter()
                .map(|w| w["cause"].as_str().unwrap().to_string())
                .collect(),
        );
    }
    let row = CAUSES.iter().find(|(n, _)| *n == name(b))?;
    Some(row.1.iter().map(|(c, _)| c.to_string()).collect())
}

/// Renamed to neutral names and without the client log, every standalone
/// bundle still gets its derived causes, its processes from their content
/// (one per run: stdout, stderr and file log joined by the server id and
/// start they show), and server-only bounds as tight as with its own names.
#[test]
fn neutral_file_names_give_the_same_answer() {
    let tmp = tempfile::tempdir().unwrap();
    for b in with_client_log()
        .into_iter()
        .filter(|b| b.join("milvus").is_dir())
    {
        let n = name(&b);
        let truth = client_truth(&b.join("client/client.jsonl"));
        let d = analyze(&[&neutral_names(&b, tmp.path())]);
        let got = windows(&d);
        assert_eq!(got.len(), truth.len(), "{n} under neutral names: {got:#?}");
        for (g, t) in got.iter().zip(&truth) {
            assert_server_bounds(&n, g, t);
        }
        if let Some(want) = derived_causes(&b) {
            let causes: Vec<&str> = got.iter().map(|w| w["cause"].as_str().unwrap()).collect();
            assert_eq!(causes, want, "{n} under neutral names");
        }
        let incs = d["incarnations"].as_array().unwrap();
        let runs = std::fs::read_to_string(b.join("milvus/milvus-stdout.log"))
            .map(|t| t.matches("starting running Milvus components").count())
            .unwrap_or(incs.len());
        assert!(
            incs.iter().all(|i| i["component"] == "standalone"),
            "{n}: {incs:#?}"
        );
        assert_eq!(incs.len(), runs, "{n}: runs for its starts");
    }
}

/// Without the client log the windows come from server lines alone: the
/// same number, with the derived causes, starting at most 1 s before or
/// after the client's first failure and ending within 5 s of its last
/// (DESIGN.md: a server-only end can be early by a client's own back-off),
/// and counting the failures the Proxy answered.
#[test]
fn server_logs_alone_find_the_same_windows() {
    let tmp = tempfile::tempdir().unwrap();
    for b in with_client_log() {
        let n = name(&b);
        let truth = client_truth(&b.join("client/client.jsonl"));
        let d = analyze(&[&server_only(&b, tmp.path())]);
        let got = windows(&d);
        assert_eq!(
            got.len(),
            truth.len(),
            "{n} without client/: {got:#?} vs {truth:?}"
        );
        if let Some(want) = derived_causes(&b) {
            let causes: Vec<&str> = got.iter().map(|w| w["cause"].as_str().unwrap()).collect();
            assert_eq!(causes, want, "{n} without client/");
        }
        for (g, t) in got.iter().zip(&truth) {
            assert_server_bounds(&n, g, t);
            assert_eq!(g["basis"], "server-logs", "{n}");
            assert!(g["ok_requests"].is_null(), "{n}");
            // One Proxy failure per request it answered: never more than
            // the client's failures, and all but one of those Milvus
            // answered (a `service not ready` refused before any task).
            let proxy = g["failed_requests"].as_u64().unwrap();
            assert!(
                proxy + 1 >= t.answered && proxy <= t.failed,
                "{n}: {proxy} Proxy failures, the client had {} failures of which Milvus answered {}",
                t.failed,
                t.answered
            );
        }
    }
}

/// A window's cause and causes among its contributing ones.
type WindowCause = (&'static str, &'static [&'static str]);

/// The only hand-written truths: the cause of each window of the faults the
/// harness injected into the shared bundles (DESIGN.md's rule applied to the
/// fault and the client log). The cluster ones:
/// - `cluster-querynode-kill-1`: QueryNode 4 killed, replaced by a new pod;
///   the clients' `lastHB … node offline[node=4]` answers were true (it was
///   dead), so rule 2 does not apply; they waited 19.7 s for its session to
///   expire before its segments moved: detection, `session-timeout`.
/// - `cluster-querynode-freeze-1`: a QueryNode frozen 20 s; every failure of
///   the first window ended while it was frozen (true answers, rule 3: the
///   live process's silence, `node-unresponsive`); the second window, after
///   a host-wide stall, judged QueryNode 8 offline from a heartbeat older
///   than its resume while it answered again: rule 2, `session-timeout`.
const CAUSES: &[(&str, &[WindowCause])] = &[
    ("kill-restart-1", &[("session-timeout", &[])]),
    (
        "kill-restart-2",
        &[("process-down", &["grpc-channel-rebuild"])],
    ),
    ("freeze-2", &[("node-unresponsive", &[])]),
    ("etcd-stall-1", &[("etcd-unavailable", &[])]),
    ("stutter-3", &[("session-timeout", &["node-unresponsive"])]),
    (
        "cluster-querynode-kill-1",
        &[("session-timeout", &["coordination-delay"])],
    ),
    (
        "cluster-querynode-freeze-1",
        &[("node-unresponsive", &[]), ("session-timeout", &[])],
    ),
];

fn assert_causes(n: &str, d: &Value, want: &[WindowCause], contributing: bool) {
    let w = windows(d);
    assert_eq!(w.len(), want.len(), "{n}: {w:#?}");
    for (g, (cause, also)) in w.iter().zip(want) {
        let one = serde_json::json!({ "windows": [g] });
        assert_cause(n, &one, cause, if contributing { also } else { &[] });
    }
}

fn assert_cause(n: &str, d: &Value, cause: &str, contributing: &[&str]) {
    let w = windows(d);
    assert_eq!(w.len(), 1, "{n}: {w:#?}");
    let w = &w[0];
    assert_eq!(w["cause"], cause, "{n}: {}", w["reason"]);
    for c in contributing {
        assert!(
            w["contributing"].as_array().unwrap().iter().any(|x| x == c),
            "{n}: {c} not among {}",
            w["contributing"]
        );
    }
    let conf = w["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&conf), "{n}: {conf}");
}

#[test]
fn causes_of_the_injected_faults() {
    let tmp = tempfile::tempdir().unwrap();
    for (n, want) in CAUSES {
        let b = crate::shared_or_skip!().join("bundles").join(n);
        assert_causes(n, &analyze(&[&b]), want, true);
        // The cause comes from the server logs, not from the client's view.
        let srv = server_only(&b, tmp.path());
        assert_causes(
            &format!("{n} (server logs only)"),
            &analyze(&[&srv]),
            want,
            false,
        );
    }
}

/// Every claim cites lines that exist: source, 1-based line, verbatim text.
#[test]
fn evidence_lines_are_verbatim() {
    for (n, _) in CAUSES {
        let b = crate::shared_or_skip!().join("bundles").join(n);
        let d = analyze(&[&b]);
        for w in windows(&d) {
            let mut cited: Vec<&Value> = w["evidence"].as_array().unwrap().iter().collect();
            for p in w["phases"].as_array().unwrap() {
                cited.extend(p["evidence"].as_array().unwrap());
            }
            assert!(cited.len() >= 3, "{n}");
            for e in cited {
                let file = std::fs::read_to_string(b.join(e["source"].as_str().unwrap())).unwrap();
                let line = e["line"].as_u64().unwrap() as usize;
                let physical = file.lines().nth(line - 1).unwrap();
                assert_eq!(physical, e["text"], "{n}: {}:{line}", e["source"]);
            }
        }
    }
}

#[test]
fn phases_partition_the_window() {
    for b in with_client_log() {
        let d = analyze(&[&b]);
        for w in windows(&d) {
            let phases = w["phases"].as_array().unwrap();
            if phases.is_empty() {
                assert_eq!(w["cause"], "unknown");
                continue;
            }
            assert_eq!(phases[0]["start"], w["start"], "{}", name(&b));
            assert_eq!(phases[phases.len() - 1]["end"], w["end"], "{}", name(&b));
            for pair in phases.windows(2) {
                assert_eq!(pair[0]["end"], pair[1]["start"], "{}", name(&b));
            }
            let order = [
                "outage",
                "metadata-sync",
                "detection",
                "reassignment",
                "replay",
                "routing",
            ];
            let idx: Vec<usize> = phases
                .iter()
                .map(|p| order.iter().position(|o| p["id"] == *o).unwrap())
                .collect();
            // In order after each fault; a new `outage` starts the next
            // fault (a silence, then the exit and restart it ended in, or
            // repeated pauses: one segment per fault, DESIGN.md).
            assert!(
                idx.windows(2).all(|x| x[0] < x[1] || x[1] == 0),
                "{}: {idx:?}",
                name(&b)
            );
        }
    }
}

/// Every committed sample states its window causes in `expected.json`.
#[test]
fn samples_give_their_expected_causes() {
    for b in real_bundles()
        .into_iter()
        .filter(|b| b.parent() == Some(&root().join("samples")))
    {
        let n = name(&b);
        let exp: Value =
            serde_json::from_str(&std::fs::read_to_string(b.join("expected.json")).unwrap())
                .unwrap();
        let want = exp["windows"]
            .as_array()
            .unwrap_or_else(|| panic!("samples/{n}/expected.json has no \"windows\""));
        let d = analyze(&[&b]);
        let got = windows(&d);
        assert_eq!(got.len(), want.len(), "{n}");
        for (g, w) in got.iter().zip(want) {
            let contributing: Vec<&str> = w["contributing_includes"]
                .as_array()
                .map(|a| a.iter().map(|c| c.as_str().unwrap()).collect())
                .unwrap_or_default();
            assert_cause(
                &n,
                &serde_json::json!({"windows": [g]}),
                w["cause"].as_str().unwrap(),
                &contributing,
            );
            // Several faults in one window: each its own outage segment, and
            // no routing after the second (DESIGN.md).
            if let Some(want) = w["outage_segments"].as_u64() {
                let ids: Vec<&str> = g["phases"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["id"].as_str().unwrap())
                    .collect();
                let outages = ids.iter().filter(|i| **i == "outage").count() as u64;
                assert_eq!(outages, want, "{n}: {ids:?}");
                let second = ids
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| **i == "outage")
                    .nth(1);
                if let Some((at, _)) = second {
                    assert!(
                        !ids[at..].contains(&"routing"),
                        "{n}: routing after a second pause: {ids:?}"
                    );
                }
            }
        }
    }
}

/// The stale-session window tracks `common.session.ttl`: the dead node is
/// removed about one TTL after the fault, so windows under TTL 10 s, 30 s
/// and 45 s (three different captures) come out in that order.
#[test]
fn the_stale_session_window_moves_with_the_ttl() {
    let mut seen = Vec::new();
    for b in with_client_log() {
        let d = analyze(&[&b]);
        let Some(ttl) = d["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "common.session.ttl")
            .and_then(|s| s["value"].as_f64())
        else {
            continue;
        };
        for w in windows(&d)
            .iter()
            .filter(|w| w["cause"] == "session-timeout")
        {
            let Some(det) = w["phases"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == "detection")
            else {
                continue;
            };
            if det["end"] == w["end"] {
                continue; // the removal came after the last failure
            }
            let after = (ms(det["end"].as_str().unwrap()) - ms(w["start"].as_str().unwrap()))
                as f64
                / 1000.0;
            if w["phases"][0]["id"] != "outage" || w["phases"][0]["cause"] != "process-down" {
                continue;
            }
            // The lease runs out within one TTL of the last keep-alive; the
            // removal is logged once the restarted QueryCoord watches again,
            // which with a TTL as short as the restart can be a little later.
            assert!(
                after <= ttl + 3.0 && after >= ttl - 15.0,
                "{}: node removed {after:.1} s after the fault, TTL {ttl} s",
                name(&b)
            );
            seen.push((name(&b), ttl, after));
        }
    }
    let ttls: std::collections::BTreeSet<u64> = seen.iter().map(|(_, t, _)| *t as u64).collect();
    assert!(ttls.len() >= 3, "{seen:?}");
    // Every removal under a longer TTL comes later than every one under a shorter.
    for (lo, hi) in ttls.iter().zip(ttls.iter().skip(1)) {
        let latest_lo = seen
            .iter()
            .filter(|(_, t, _)| *t as u64 == *lo)
            .map(|(_, _, a)| *a)
            .fold(f64::MIN, f64::max);
        let earliest_hi = seen
            .iter()
            .filter(|(_, t, _)| *t as u64 == *hi)
            .map(|(_, _, a)| *a)
            .fold(f64::MAX, f64::min);
        assert!(latest_lo < earliest_hi, "TTL {lo} vs {hi}: {seen:?}");
    }
}

/// Rewrites one matched timestamp.
type Rewrite<'a> = dyn Fn(&regex::Captures) -> String + 'a;

/// Timestamps of every layout in the bundles, rewritten `days` later and in
/// zone +05:30 (zoneless layouts get the shifted local time; the analysis is
/// then run with `--tz +05:30`).
fn shift_text(text: &str, by: Duration) -> String {
    let zone = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
    let move_utc = |t: NaiveDateTime| (t + by).and_utc().with_timezone(&zone);
    let patterns: [(&str, &Rewrite<'_>); 5] = [
        // Milvus text: 2026/11/26 04:15:28.340 +00:00 (also zap.Time values)
        (
            r"(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\.\d{3}) \+00:00",
            &|c| {
                let t = NaiveDateTime::parse_from_str(&c[1], "%Y/%m/%d %H:%M:%S%.3f").unwrap();
                move_utc(t).format("%Y/%m/%d %H:%M:%S%.3f %:z").to_string()
            },
        ),
        // ISO 8601 UTC (etcd JSON, client.jsonl, pymilvus, Milvus JSON)
        (r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z", &|c| {
            let t = NaiveDateTime::parse_from_str(&c[1], "%Y-%m-%dT%H:%M:%S").unwrap();
            let frac = c.get(2).map_or("", |m| m.as_str());
            format!(
                "{}{frac}{}",
                move_utc(t).format("%Y-%m-%dT%H:%M:%S"),
                "+05:30"
            )
        }),
        // glog: I20261126 04:23:14.820518
        (r"\b([IWEF])(\d{8} \d{2}:\d{2}:\d{2})\.", &|c| {
            let t = NaiveDateTime::parse_from_str(&c[2], "%Y%m%d %H:%M:%S").unwrap();
            format!("{}{}.", &c[1], move_utc(t).format("%Y%m%d %H:%M:%S"))
        }),
        // Go stdlog: 2026/11/26 04:15:33 (no fraction)
        (r"(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2})([^.\d])", &|c| {
            let t = NaiveDateTime::parse_from_str(&c[1], "%Y/%m/%d %H:%M:%S").unwrap();
            format!("{}{}", move_utc(t).format("%Y/%m/%d %H:%M:%S"), &c[2])
        }),
        // easylogging / Python logging: 2026-11-26 07:01:15,947
        (r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}),(\d{3})", &|c| {
            let t = NaiveDateTime::parse_from_str(&c[1], "%Y-%m-%d %H:%M:%S").unwrap();
            format!("{},{}", move_utc(t).format("%Y-%m-%d %H:%M:%S"), &c[2])
        }),
    ];
    let mut out = text.to_string();
    for (p, f) in patterns {
        out = Regex::new(p)
            .unwrap()
            .replace_all(&out, |c: &regex::Captures| f(c))
            .into_owned();
    }
    out
}

/// How another deployment would name the same files.
fn renamed(rel: &str) -> String {
    let file_re = Regex::new(r"standalone-(\d+)\.log$").unwrap();
    let rel = file_re
        .replace(rel, |c: &regex::Captures| {
            format!("standalone-{}.log", c[1].parse::<u32>().unwrap() + 6)
        })
        .into_owned();
    rel.replacen("milvus/", "milvus-standalone-0/", 1)
        .replacen("client/", "sdk/", 1)
        .replacen("etcd/etcd.log", "etcd/etcd-0.log", 1)
}

fn copy_shifted(from: &Path, base: &Path, to: &Path, by: Duration, rename: bool) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let n = e.file_name().to_string_lossy().into_owned();
        if is_annotation(&n) || n == "traces" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_shifted(&p, base, to, by, rename);
            continue;
        }
        let rel = p
            .strip_prefix(base)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let dest = to.join(if rename { renamed(&rel) } else { rel });
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        match std::fs::read_to_string(&p) {
            Ok(text) if !n.ends_with(".yaml") => {
                std::fs::write(dest, shift_text(&text, by)).unwrap()
            }
            _ => {
                std::fs::copy(&p, dest).unwrap();
            }
        }
    }
}

#[test]
fn renamed_shifted_rezoned_bundles_give_the_same_answer() {
    const DAYS: i64 = 37;
    let tmp = tempfile::tempdir().unwrap();
    for (n, _) in CAUSES {
        let b = crate::shared_or_skip!().join("bundles").join(n);
        // The renaming is of the standalone layout (`milvus/standalone-N.log`).
        if cluster_capture(&b) {
            continue;
        }
        let moved = tmp.path().join(format!("incident-{n}"));
        copy_shifted(&b, &b, &moved, Duration::days(DAYS), true);
        assert!(moved.join("milvus-standalone-0").is_dir());
        let a = analyze(&[&b]);
        let m = analyze_with(&[&moved], &["--tz", "+05:30"]);
        let (wa, wm) = (windows(&a), windows(&m));
        assert_eq!(wa.len(), wm.len(), "{n}");
        let shift = DAYS * 86_400_000;
        for (x, y) in wa.iter().zip(wm) {
            for k in ["start", "end"] {
                assert_eq!(
                    ms(x[k].as_str().unwrap()) + shift,
                    ms(y[k].as_str().unwrap()),
                    "{n}: {k}"
                );
            }
            for k in [
                "cause",
                "contributing",
                "failed_requests",
                "ok_requests",
                "errors",
            ] {
                assert_eq!(x[k], y[k], "{n}: {k}");
            }
            let ids = |w: &Value| -> Vec<(String, i64, i64)> {
                w["phases"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (
                            p["id"].as_str().unwrap().to_string(),
                            ms(p["start"].as_str().unwrap()),
                            ms(p["end"].as_str().unwrap()),
                        )
                    })
                    .collect()
            };
            let shifted: Vec<_> = ids(x)
                .into_iter()
                .map(|(i, s, e)| (i, s + shift, e + shift))
                .collect();
            assert_eq!(shifted, ids(y), "{n}: phases");
        }
    }
    // The shift itself is what the test claims it is.
    let line = "[2026/11/26 04:15:28.340 +00:00] [INFO] x";
    assert_eq!(
        shift_text(line, Duration::days(37)),
        "[2027/01/02 09:45:28.340 +05:30] [INFO] x"
    );
}

/// A restarted process is the same place with a new id: 2.3 gives all roles
/// one id (node 2 replaces node 1 at the same addresses); 2.2 gives each
/// role its own (QueryNode 4 becomes QueryNode 12, harness README).
#[test]
fn identity_links_restarts_to_their_place() {
    let node = |d: &Value, id: &str| {
        d["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .unwrap_or_else(|| panic!("node {id}: {}", d["nodes"]))
            .clone()
    };
    let d = analyze(&[&root().join("samples/kill-restart-1")]);
    let (one, two) = (node(&d, "1"), node(&d, "2"));
    assert_eq!(two["replaces"], "1");
    assert!(one["replaces"].is_null());
    assert_eq!(one["addresses"]["querynode"], two["addresses"]["querynode"]);
    assert_eq!(
        (one["incarnation"].as_u64(), two["incarnation"].as_u64()),
        (Some(0), Some(1))
    );
    let d = analyze(&[&root().join("samples/kill-restart-v2.2.16-1")]);
    let qn = node(&d, "12");
    assert_eq!(qn["roles"], serde_json::json!(["querynode"]));
    assert_eq!(qn["replaces"], "4");
    // Cluster captures: the QueryNode that came back (a new pod of the same
    // Deployment at a new address, or the same pod restarted in place)
    // replaces the killed one, as the harness recorded; a 2-replica kill
    // without restart replaces nothing.
    for b in real_bundles()
        .into_iter()
        .filter(|b| crate::util::cluster_capture(b))
    {
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(b.join("ground_truth.json")).unwrap())
                .unwrap();
        let f = &truth["fault"];
        let d = analyze(&[&b]);
        match (f["node_id"].as_u64(), f["restarted_node_id"].as_u64()) {
            (Some(old), Some(new)) => {
                assert_eq!(
                    node(&d, &new.to_string())["replaces"],
                    old.to_string(),
                    "{}",
                    name(&b)
                )
            }
            _ => assert!(
                d["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|n| n["replaces"].is_null()),
                "{}: {}",
                name(&b),
                d["nodes"]
            ),
        }
    }
}

/// `--since`/`--until` select the windows reported (and nothing else moves).
#[test]
fn the_range_selects_windows() {
    let b = root().join("samples/kill-restart-1");
    let all = analyze(&[&b]);
    let after = analyze_with(&[&b], &["--since", "2026-11-26T04:16:30Z"]);
    assert_eq!(windows(&after).len(), 0);
    let around = analyze_with(
        &[&b],
        &[
            "--since",
            "2026-11-26T04:15:40Z",
            "--until",
            "2026-11-26T04:15:45Z",
        ],
    );
    assert_eq!(windows(&around), windows(&all));
    assert!(around["events"]["client-error"].as_u64() < all["events"]["client-error"].as_u64());
}

/// Two bundles on one command line are two places: each window reads the
/// settings of the bundle its lines come from (kill-restart-1 runs with the
/// shipped TTL of 30 s, slow-heartbeat-1 with 10 s, as their expected.json
/// say), and a window's advice cites its own bundle's milvus.yaml.
#[test]
fn several_bundles_keep_their_own_settings() {
    let names = ["kill-restart-1", "slow-heartbeat-1"];
    let paths: Vec<PathBuf> = names
        .iter()
        .map(|n| root().join("samples").join(n))
        .collect();
    let d = analyze(&paths.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    let got = windows(&d);
    assert_eq!(got.len(), names.len(), "{got:#?}");
    for (w, (n, p)) in got.iter().zip(names.iter().zip(&paths)) {
        let exp: Value =
            serde_json::from_str(&std::fs::read_to_string(p.join("expected.json")).unwrap())
                .unwrap();
        let ttl = exp["settings"]["common.session.ttl"].as_f64().unwrap();
        let advice = recommendation(w, "setting", "common.session.ttl")
            .unwrap_or_else(|| panic!("{n}: no TTL advice in {w:#}"));
        let text = advice["text"].as_str().unwrap();
        assert!(
            text.contains(&format!(
                "common.session.ttl = {ttl} s ({n}/milvus/configs/milvus.yaml:"
            )),
            "{n}: {text}"
        );
    }
}

/// The same bundle given twice (a copy under another name) is read once,
/// with a warning that says so: its failures are not counted twice.
#[test]
fn the_same_bundle_twice_is_read_once() {
    let tmp = tempfile::tempdir().unwrap();
    let b = root().join("samples/kill-restart-1");
    let copy = tmp.path().join("kill-restart-1-again");
    copy_tree(&b, &copy, &|_| false);
    let once = analyze(&[&b]);
    let twice = analyze(&[&b, &copy]);
    let warnings = twice["accounting"]["warnings"].to_string();
    assert!(
        warnings.contains("kill-restart-1-again: the same content as"),
        "{warnings}"
    );
    let failed = |d: &Value| -> Vec<Value> {
        windows(d)
            .iter()
            .map(|w| w["failed_requests"].clone())
            .collect()
    };
    assert_eq!(failed(&twice), failed(&once));
    assert!(!twice["accounting"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["source"]
            .as_str()
            .unwrap()
            .starts_with("kill-restart-1-again/")));
}

/// A terminated container in a `kubectl describe pod` document, read by the
/// test's own patterns.
struct Termination {
    describe: String,
    reason: String,
    exit_code: String,
    memory_limit: Option<String>,
}

fn terminations(b: &Path) -> Vec<Termination> {
    let Ok(dir) = std::fs::read_dir(b.join("pod_describe")) else {
        return Vec::new();
    };
    let block =
        Regex::new(r"(?m)^ +(?:Last )?State: +Terminated\n +Reason: +(\w+)\n +Exit Code: +(\d+)")
            .unwrap();
    let limit = Regex::new(r"(?m)^ +Limits:\n(?: +cpu: +\S+\n)? +memory: +(\S+)").unwrap();
    let mut out = Vec::new();
    for f in dir.map(|e| e.unwrap().path()) {
        let text = std::fs::read_to_string(&f).unwrap();
        for c in block.captures_iter(&text) {
            out.push(Termination {
                describe: format!("pod_describe/{}", f.file_name().unwrap().to_string_lossy()),
                reason: c[1].to_string(),
                exit_code: c[2].to_string(),
                memory_limit: limit.captures(&text).map(|l| l[1].to_string()),
            });
        }
    }
    out
}

/// Kubernetes' account of a killed pod (`pod_describe/`) reaches the
/// window: its outage segment cites the container's termination (reason and
/// exit code), and an OOM kill gets advice that quotes the memory limit.
#[test]
fn the_outage_cites_what_kubernetes_says_of_the_kill() {
    let mut checked = 0;
    for b in real_bundles() {
        let ends = terminations(&b);
        if ends.is_empty() {
            continue;
        }
        let n = name(&b);
        let d = analyze(&[&b]);
        for t in &ends {
            let cited = windows(&d).iter().find(|w| {
                w["phases"].as_array().unwrap().iter().any(|p| {
                    p["id"] == "outage"
                        && p["evidence"].as_array().unwrap().iter().any(|e| {
                            let note = e["note"].as_str().unwrap();
                            e["source"] == t.describe.as_str()
                                && note.contains(&t.reason)
                                && note.contains(&format!("exit code {}", t.exit_code))
                        })
                })
            });
            let w = cited.unwrap_or_else(|| {
                panic!(
                    "{n}: no outage cites {} ({} {})",
                    t.describe, t.reason, t.exit_code
                )
            });
            if t.reason == "OOMKilled" {
                let advice = recommendation(w, "id", "memory-limit")
                    .unwrap_or_else(|| panic!("{n}: an OOM kill without memory advice"));
                let limit = t.memory_limit.as_deref().unwrap();
                assert!(
                    advice["text"].as_str().unwrap().contains(limit),
                    "{n}: {advice}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 1, "no bundle with a pod_describe/ termination");
}

/// Two bundles of two incidents whose processes share ids (nodes 1 and 2)
/// and whose times overlap (the second moved to start inside the first's
/// span, its window 40 s after the first's): each window cites only lines
/// of its own bundle, and each gets what it gets alone.
#[test]
fn overlapping_bundles_keep_their_own_evidence() {
    two_incidents("slow-heartbeat-1-moved", |a, b| a.end + 40_000 - b.start);
}

/// Two incidents at the same moment, one bundle each (the second moved so
/// that its failures start 2 s after the first's): two windows, each with
/// its own failures, cause and evidence, as when each is read alone.
#[test]
fn simultaneous_bundles_are_separate_incidents() {
    two_incidents("slow-heartbeat-1-same-time", |a, b| {
        a.start + 2_000 - b.start
    });
}

/// kill-restart-1 and a copy of slow-heartbeat-1 named `moved_name`, moved
/// by `shift_ms(first window of one, first window of the other)`, read
/// together: two windows, each as when its bundle is read alone, citing
/// only its own bundle's lines.
fn two_incidents(moved_name: &str, shift_ms: impl Fn(&Truth, &Truth) -> i64) {
    let a = root().join("samples/kill-restart-1");
    let b = root().join("samples/slow-heartbeat-1");
    let first = |p: &Path| client_truth(&p.join("client/client.jsonl"))[0].clone();
    let tmp = tempfile::tempdir().unwrap();
    let moved = tmp.path().join(moved_name);
    copy_shifted(
        &b,
        &b,
        &moved,
        Duration::milliseconds(shift_ms(&first(&a), &first(&b))),
        false,
    );
    let tz = ["--tz", "+05:30"];
    let alone = |p: &Path| windows(&analyze_with(&[p], &tz))[0].clone();
    let d = analyze_with(&[&a, &moved], &tz);
    let got = windows(&d);
    assert_eq!(got.len(), 2, "{got:#?}");
    let bundles = [
        ("kill-restart-1/".to_string(), &a),
        (format!("{moved_name}/"), &moved),
    ];
    for (w, (bundle, path)) in got.iter().zip(&bundles) {
        let own = alone(path);
        assert_eq!(w["failed_requests"], own["failed_requests"], "{bundle}");
        assert_eq!(w["cause"], own["cause"], "{bundle}");
        let phase_evidence = w["phases"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["evidence"].as_array().unwrap());
        for e in w["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .chain(phase_evidence)
        {
            let source = e["source"].as_str().unwrap();
            assert!(
                source.starts_with(bundle.as_str()),
                "a window of {bundle} cites {source}: {e}"
            );
        }
    }
}

/// Of two bundles, one with a client log and one without: each is read on
/// its own terms, the second from its server logs (before, a client log in
/// one bundle left the other without windows).
#[test]
fn a_bundle_without_client_log_beside_one_with() {
    let a = root().join("samples/kill-restart-1");
    let tmp = tempfile::tempdir().unwrap();
    let b = tmp.path().join("slow-heartbeat-1-server");
    copy_tree(&root().join("samples/slow-heartbeat-1"), &b, &|n| {
        n == "client.jsonl" || n == "pymilvus.log"
    });
    let d = analyze(&[&a, &b]);
    let bases: Vec<&str> = windows(&d)
        .iter()
        .map(|w| w["basis"].as_str().unwrap())
        .collect();
    assert_eq!(bases, ["client-log", "server-logs"], "{d:#}");
}

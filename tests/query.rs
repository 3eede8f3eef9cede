//! `query`: the README's SQL examples run on real samples, and each answer
//! equals what this test computes itself from `analyze --json` and
//! `timeline --format jsonl` (records, `--events`, `--spans`) of the same
//! bundle; the tables `--schema` lists; the output formats; bad SQL.

use crate::util::{self, analyze, ok, run, timeline_jsonl};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn sample(name: &str) -> PathBuf {
    util::root().join("samples").join(name)
}

/// `query BUNDLE SQL --format jsonl`, parsed.
fn query(bundle: &Path, sql: &str) -> Vec<Value> {
    let b = bundle.display().to_string();
    ok(&["query", &b, "-q", "--format", "jsonl", sql])
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The README, whose `query` examples these tests run.
fn readme() -> String {
    std::fs::read_to_string(util::root().join("README.md")).unwrap()
}

/// The SQL must stand in the README as written here, so the examples
/// there are the ones tested.
fn from_readme(sql: &str) -> &str {
    assert!(
        readme().contains(sql),
        "README.md no longer shows this query example: {sql}"
    );
    sql
}

fn str_of(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

fn count_by(rows: &[Value], key: impl Fn(&Value) -> String) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for r in rows {
        *m.entry(key(r)).or_insert(0) += 1;
    }
    m
}

const EVENTS_PER_KIND: &str =
    "SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY n DESC, kind";

#[test]
fn events_per_kind_equal_the_event_export_and_the_analysis() {
    let b = sample("kill-restart-1");
    let rows = query(&b, from_readme(EVENTS_PER_KIND));
    let got: BTreeMap<String, u64> = rows
        .iter()
        .map(|r| (str_of(&r["kind"]), r["n"].as_u64().unwrap()))
        .collect();
    let events = timeline_jsonl(&[&b], &["--events"]);
    assert!(events.len() > 100, "a real bundle has events");
    assert_eq!(got, count_by(&events, |e| str_of(&e["kind"])));
    let json = analyze(&[&b]);
    let counted: BTreeMap<String, u64> = json["events"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, n)| n.as_u64() != Some(0))
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
        .collect();
    assert_eq!(got, counted);
    // Most first.
    let n: Vec<u64> = rows.iter().map(|r| r["n"].as_u64().unwrap()).collect();
    assert!(n.windows(2).all(|w| w[0] >= w[1]), "{n:?}");
}

const PHASES: &str =
    "SELECT window, phase, cause, start, duration_s FROM phases ORDER BY window, start";

#[test]
fn phases_and_windows_are_the_analysis_windows() {
    for name in ["kill-restart-1", "slow-heartbeat-1"] {
        let b = sample(name);
        let json = analyze(&[&b]);
        let windows = json["windows"].as_array().unwrap();
        assert!(!windows.is_empty(), "{name} has a window");
        let mut want = Vec::new();
        for (i, w) in windows.iter().enumerate() {
            for p in w["phases"].as_array().unwrap() {
                want.push((
                    i as u64 + 1,
                    str_of(&p["id"]),
                    str_of(&p["cause"]),
                    str_of(&p["start"]),
                    p["duration_s"].as_f64().unwrap(),
                ));
            }
        }
        let got: Vec<_> = query(&b, from_readme(PHASES))
            .iter()
            .map(|r| {
                (
                    r["window"].as_u64().unwrap(),
                    str_of(&r["phase"]),
                    str_of(&r["cause"]),
                    str_of(&r["start"]),
                    r["duration_s"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, want, "{name}");
        let w = query(
            &b,
            "SELECT window, start, \"end\", cause, failed_requests, ok_requests FROM windows",
        );
        assert_eq!(w.len(), windows.len());
        for (row, win) in w.iter().zip(windows) {
            for k in ["start", "end", "cause", "failed_requests", "ok_requests"] {
                assert_eq!(row[k], win[k], "{name}: {k}");
            }
        }
    }
}

const HEARTBEAT_MISSES: &str = "SELECT e.node, e.subject, count(*) AS misses FROM events e, windows w WHERE w.window = 1 AND e.kind = 'heartbeat-miss' AND e.ts < w.start GROUP BY e.node, e.subject ORDER BY misses DESC";

#[test]
fn heartbeat_misses_before_the_window_equal_the_event_export() {
    let b = sample("slow-heartbeat-1");
    let json = analyze(&[&b]);
    let start = str_of(&json["windows"][0]["start"]);
    let events = timeline_jsonl(&[&b], &["--events"]);
    // RFC 3339 UTC in ms: text order is time order.
    let before: Vec<Value> = events
        .into_iter()
        .filter(|e| e["kind"] == "heartbeat-miss" && str_of(&e["ts"]) < start)
        .collect();
    let want = count_by(&before, |e| format!("{}→{}", e["node"], e["subject"]));
    let got: BTreeMap<String, u64> = query(&b, from_readme(HEARTBEAT_MISSES))
        .iter()
        .map(|r| {
            (
                format!("{}→{}", r["node"], r["subject"]),
                r["misses"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, want);
}

const ERRORS_PER_MINUTE: &str = "SELECT strftime(ts, '%Y-%m-%d %H:%M') AS minute, component, count(*) AS errors FROM records WHERE level = 'ERROR' GROUP BY minute, component ORDER BY minute, component";

#[test]
fn errors_per_minute_per_component_equal_the_record_export() {
    let b = sample("kill-restart-1");
    let records = timeline_jsonl(&[&b], &[]);
    let errors: Vec<Value> = records
        .into_iter()
        .filter(|r| r["level"] == "ERROR")
        .collect();
    assert!(!errors.is_empty());
    let want = count_by(&errors, |r| {
        let ts = str_of(&r["ts"]);
        format!("{} {} {}", &ts[..10], &ts[11..16], str_of(&r["component"]))
    });
    let got: BTreeMap<String, u64> = query(&b, from_readme(ERRORS_PER_MINUTE))
        .iter()
        .map(|r| {
            (
                format!("{} {}", str_of(&r["minute"]), str_of(&r["component"])),
                r["errors"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, want);
}

const LONGEST_PHASE_EVIDENCE: &str = "SELECT p.window, p.phase, p.duration_s, e.source, e.line, e.note FROM phases p JOIN evidence e ON e.window = p.window AND e.phase = p.phase WHERE p.duration_s IN (SELECT max(q.duration_s) FROM phases q GROUP BY q.window) ORDER BY p.window, e.ts";

#[test]
fn the_longest_phases_cite_what_the_analysis_cites() {
    let b = sample("kill-restart-1");
    let json = analyze(&[&b]);
    let windows = json["windows"].as_array().unwrap();
    let phases = |w: &Value| w["phases"].as_array().unwrap().clone();
    let longest: Vec<f64> = windows
        .iter()
        .map(|w| {
            phases(w)
                .iter()
                .map(|p| p["duration_s"].as_f64().unwrap())
                .fold(f64::MIN, f64::max)
        })
        .collect();
    let mut want = Vec::new();
    for (i, w) in windows.iter().enumerate() {
        for p in phases(w) {
            if longest.contains(&p["duration_s"].as_f64().unwrap()) {
                for e in p["evidence"].as_array().unwrap() {
                    want.push((
                        i as u64 + 1,
                        str_of(&p["id"]),
                        str_of(&e["source"]),
                        e["line"].as_u64().unwrap(),
                    ));
                }
            }
        }
    }
    assert!(!want.is_empty());
    let mut got: Vec<_> = query(&b, from_readme(LONGEST_PHASE_EVIDENCE))
        .iter()
        .map(|r| {
            (
                r["window"].as_u64().unwrap(),
                str_of(&r["phase"]),
                str_of(&r["source"]),
                r["line"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    // Every cited line of every window is one row of `evidence`.
    let all = query(&b, "SELECT window, phase, source, line FROM evidence");
    let want: usize = windows
        .iter()
        .map(|w| {
            w["evidence"].as_array().unwrap().len()
                + phases(w)
                    .iter()
                    .map(|p| p["evidence"].as_array().unwrap().len())
                    .sum::<usize>()
        })
        .sum();
    assert_eq!(all.len(), want);
}

const FAILED_SPANS: &str = "SELECT operation, peer, count(*) AS failed FROM spans WHERE status = 'error' GROUP BY operation, peer ORDER BY failed DESC";

#[test]
fn failed_spans_per_operation_equal_the_span_export() {
    let b = sample("kill-restart-otlp-1");
    let spans = timeline_jsonl(&[&b], &["--spans"]);
    let failed: Vec<Value> = spans
        .into_iter()
        .filter(|s| s["status"] == "error")
        .collect();
    assert!(!failed.is_empty());
    let want = count_by(&failed, |s| {
        format!("{} {}", str_of(&s["operation"]), s["peer"])
    });
    let got: BTreeMap<String, u64> = query(&b, from_readme(FAILED_SPANS))
        .iter()
        .map(|r| {
            (
                format!("{} {}", str_of(&r["operation"]), r["peer"]),
                r["failed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn records_carry_the_grammar_and_the_trace_id() {
    let b = sample("kill-restart-otlp-1");
    let records = timeline_jsonl(&[&b], &[]);
    let want = records
        .iter()
        .filter(|r| r["fields"].get("traceID").is_some())
        .count();
    assert!(want > 0, "the Proxy logs trace ids");
    let got = query(
        &b,
        "SELECT count(*) AS n FROM records WHERE trace_id IS NOT NULL",
    );
    assert_eq!(got[0]["n"].as_u64(), Some(want as u64));
    let grammars = query(
        &b,
        "SELECT grammar, count(*) AS n FROM records GROUP BY grammar",
    );
    let want = count_by(&records, |r| str_of(&r["format"]));
    let got: BTreeMap<String, u64> = grammars
        .iter()
        .map(|r| (str_of(&r["grammar"]), r["n"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn every_readme_example_runs() {
    let text = readme();
    let examples: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("milvus-postmortem query samples/"))
        .collect();
    assert!(examples.len() >= 6, "README shows the query examples");
    for line in examples {
        let args = shell_words(line.trim_start_matches("milvus-postmortem "));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        assert!(
            out.status.success() && !out.stdout.is_empty(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A command line split as a shell would, for the README's lines: words,
/// and "…" or '…' quoted ones.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, ' ') => {
                if any || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        words.push(cur);
    }
    words
}

#[test]
fn schema_lists_every_table_and_its_columns() {
    let b = sample("kill-restart-1").display().to_string();
    let rows: Vec<Value> = ok(&["query", &b, "-q", "--schema", "--format", "jsonl"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let tables = count_by(&rows, |r| str_of(&r["table"]));
    for t in [
        "records", "events", "spans", "windows", "phases", "evidence",
    ] {
        assert!(tables.contains_key(t), "{t} in {tables:?}");
    }
    let has = |t: &str, c: &str| rows.iter().any(|r| r["table"] == t && r["column"] == c);
    for c in [
        "ts",
        "component",
        "node",
        "level",
        "source",
        "line",
        "message",
        "grammar",
        "trace_id",
    ] {
        assert!(has("records", c), "records.{c}");
    }
    for c in [
        "ts",
        "kind",
        "rule",
        "component",
        "node",
        "subject",
        "source",
        "line",
        "message",
    ] {
        assert!(has("events", c), "events.{c}");
    }
    let ts = rows
        .iter()
        .find(|r| r["table"] == "events" && r["column"] == "ts")
        .unwrap();
    assert!(str_of(&ts["dtype"]).starts_with("datetime"), "{ts}");
}

#[test]
fn formats_write_the_same_rows() {
    let b = sample("kill-restart-1");
    let bs = b.display().to_string();
    let sql = "SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY kind";
    let jsonl = query(&b, sql);
    let csv = ok(&["query", &bs, "-q", "--format", "csv", sql]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "kind,n");
    assert_eq!(lines.len(), jsonl.len() + 1);
    for (l, r) in lines[1..].iter().zip(&jsonl) {
        assert_eq!(*l, format!("{},{}", str_of(&r["kind"]), r["n"]));
    }
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("kinds.parquet");
    let p = pq.display().to_string();
    ok(&["query", &bs, "-q", "--format", "parquet", "--out", &p, sql]);
    let bytes = std::fs::read(&pq).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    let table = ok(&["query", &bs, "-q", sql]);
    assert!(
        table
            .trim_end()
            .ends_with(&format!("({} rows)", jsonl.len())),
        "{table}"
    );
}

#[test]
fn bad_sql_exits_2_with_polars_message() {
    let b = sample("kill-restart-1").display().to_string();
    // Rejected from the text alone: before the bundle is read (none here).
    let out = run(&["query", "/no/such/bundle", "SELEC kind FROM events"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SQL") && err.contains("SELEC"), "{err}");
    let out = run(&["query", &b, "SELECT * FROM logs"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"logs\"") && err.contains("records"), "{err}");
    // Rejected by Polars once the tables exist.
    let out = run(&["query", &b, "-q", "SELECT nope FROM events"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope"), "{err}");
    // No SQL at all.
    let out = run(&["query", &b]);
    assert_eq!(out.status.code(), Some(2));
}

//! The machine-readable outputs against their written contracts:
//! `analyze --json` against `schema/analyze.schema.json`, and
//! `timeline --events --format jsonl` against DESIGN.md's event line.

use crate::util::{analyze, ok, real_bundles, root, timeline_jsonl};
use serde_json::Value;

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/analyze.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

#[test]
fn analyze_json_follows_the_schema() {
    let v = schema();
    for b in real_bundles() {
        let d = analyze(&[&b]);
        let errors: Vec<String> = v
            .iter_errors(&d)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", b.display());
    }
}

#[test]
fn the_schema_rejects_what_breaks_the_contract() {
    let v = schema();
    let d = analyze(&[&root().join("samples/kill-restart-1")]);
    assert!(v.is_valid(&d));
    let mut bad = d.clone();
    bad["windows"][0]["cause"] = "gremlins".into();
    assert!(!v.is_valid(&bad), "an unknown cause id must fail");
    let mut bad = d.clone();
    bad["windows"][0]["phases"][0]["evidence"][0]["line"] = 0.into();
    assert!(!v.is_valid(&bad), "lines are 1-based");
    let mut bad = d;
    bad["windows"][0]
        .as_object_mut()
        .unwrap()
        .remove("confidence");
    assert!(!v.is_valid(&bad), "confidence is required");
}

#[test]
fn events_jsonl_is_the_design_line() {
    let b = root().join("samples/kill-restart-1");
    let events = timeline_jsonl(&[&b], &["--events"]);
    let kinds = [
        "process-start",
        "process-exit",
        "session-lost",
        "heartbeat-miss",
        "node-down",
        "node-up",
        "channel-reassign",
        "segment-reassign",
        "mq-replay",
        "meta-recovery",
        "routing-update",
        "grpc-error",
        "client-error",
        "etcd-slow",
        "etcd-leader-change",
        "clock-jump",
        "request-slow",
        "memory-usage",
    ];
    let mut n = 0;
    let mut node_down = 0;
    let mut files: std::collections::HashMap<String, Vec<String>> = Default::default();
    for e in &events {
        let mut keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "component",
                "kind",
                "line",
                "message",
                "node",
                "rule",
                "source",
                "subject",
                "ts"
            ]
        );
        assert!(kinds.contains(&e["kind"].as_str().unwrap()), "{e}");
        // `line` is the 1-based physical line, and the message is on it.
        let source = e["source"].as_str().unwrap();
        let lines = files.entry(source.to_string()).or_insert_with(|| {
            let text = std::fs::read_to_string(b.join(source)).unwrap();
            text.lines().map(str::to_string).collect()
        });
        let line = &lines[e["line"].as_u64().unwrap() as usize - 1];
        let msg = e["message"].as_str().unwrap();
        assert!(
            line.contains(msg.lines().next().unwrap_or(""))
                || e["source"].as_str().unwrap().ends_with(".jsonl"),
            "{e} not on {line}"
        );
        if e["kind"] == "node-down" && e["message"] == "a node down, remove it" {
            // Emitted by the restarted process (2), about the dead node (1).
            assert_eq!(e["node"], "2");
            assert_eq!(e["subject"], "1");
            node_down += 1;
        }
        n += 1;
    }
    assert!(n > 500, "{n} events");
    assert_eq!(node_down, 1);
    // Events are a subset of the timeline: filters apply.
    let qc = timeline_jsonl(&[&b], &["--events", "--component", "querycoord"]);
    assert!(!qc.is_empty() && qc.len() < n);
    assert!(qc.iter().all(|e| e["component"] == "querycoord"));
}

/// The recogniser finds every event kind of DESIGN.md somewhere in the real
/// captures, and a healthy run has no failure kinds at all.
#[test]
fn every_event_kind_occurs_in_real_logs() {
    let mut seen = std::collections::BTreeSet::new();
    for n in ["etcd-stall-1", "freeze-2", "kill-restart-1"] {
        let d = analyze(&[&crate::shared_or_skip!().join("bundles").join(n)]);
        for (k, v) in d["events"].as_object().unwrap() {
            if v.as_u64().unwrap() > 0 {
                seen.insert(k.clone());
            }
        }
    }
    // All of DESIGN.md's kinds and the data's own (`clock-jump`,
    // `memory-usage`); `request-slow` occurs only in freeze-ttl60-1.
    assert_eq!(seen.len(), 17, "{seen:?}");
    let base = analyze(&[&root().join("samples/baseline-1")]);
    for k in ["client-error", "node-down", "process-exit", "session-lost"] {
        assert_eq!(base["events"][k], 0, "baseline-1 has {k} events");
    }
}

/// The events table in CSV has the JSONL's columns and rows.
#[test]
fn events_csv_has_the_same_rows() {
    let b = crate::shared_or_skip!().join("bundles/stutter-3");
    let p = b.to_str().unwrap();
    let jsonl = ok(&["timeline", p, "--events", "--format", "jsonl"]);
    let csv = ok(&["timeline", p, "--events", "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("ts,kind,component,node,subject,source,line,message,rule")
    );
    assert_eq!(lines.count(), jsonl.lines().count());
}

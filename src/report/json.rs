//! The `analyze --json` document.
//!
//! Wire format (`schema_version` 1):
//!
//! ```text
//! { "schema_version": 1,
//!   "tool": {"name", "version"},
//!   "bundle": {"inputs": [..], "milvus_version": str|null, "start": ts|null, "end": ts|null,
//!              "components": [..]},
//!   "range": {"since": ts|null, "until": ts|null},
//!   "incarnations": [{"id", "group", "component", "node", "start", "end", "start_seen",
//!                     "start_at": {"source", "line"}|null, "sources": [..]}],
//!   "settings": [{"key", "value", "unit", "source", "line"}],
//!   "nodes": [{"id", "roles": [..], "address", "addresses": {role: address},
//!              "replaces": id|null, "incarnation"}],
//!   "windows": [{"start", "end", "duration_s", "basis": "client-log"|"server-logs",
//!                "failed_requests", "ok_requests"|null, "errors": {text: count},
//!                "collections", "channels", "nodes", "cause", "reason", "contributing",
//!                "confidence", "phases": [{"id", "start", "end", "duration_s", "cause",
//!                "evidence"}], "evidence": [{"source", "line", "ts", "text", "note"}],
//!                "missing", "recommendations": [{"id", "text", "setting"}]}],
//!   "events": {kind: count},
//!   "accounting": {"lines_total", "lines_parsed", "lines_continuation", "lines_unparsed",
//!                  "sources": [{"source", "component", "previous", "formats": {grammar: lines},
//!                               "lines_total", "lines_parsed", "lines_continuation",
//!                               "lines_unparsed", "warnings": [..]}],
//!                  "skipped": [{"source", "reason"}],
//!                  "warnings": [..]} }
//! ```
//!
//! The JSON Schema of this document is `schema/analyze.schema.json`.
//! `--since`/`--until` select the bundle's `start`/`end`, the incarnations,
//! the windows and the events counted; the accounting always covers every line. `formats` counts parsed
//! and continuation lines by grammar; times are RFC
//! 3339 UTC with ms; `node` is a string or null.

use super::rfc3339_ms;
use crate::attribute::{Attribution, Evidence};
use crate::pipeline::Analysis;
use crate::recognise::EventKind;
use crate::record::Accounting;
use crate::windows::Window;
use serde_json::{json, Value};

/// Version of this document's layout.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole document.
pub fn document(a: &Analysis) -> Value {
    json!({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION")},
        "bundle": bundle(a),
        "range": {"since": a.range.0.map(rfc3339_ms), "until": a.range.1.map(rfc3339_ms)},
        "incarnations": a.incarnations().map(|i| json!({
            "id": i.id,
            "group": i.group,
            "component": i.component.id(),
            "node": i.node_id.map(|n| n.to_string()),
            "start": rfc3339_ms(i.start_us),
            "end": rfc3339_ms(i.end_us),
            "start_seen": i.start_seen,
            "start_at": i.start_at.as_ref().map(|(s, l)| json!({"source": s, "line": l})),
            "sources": i.sources,
        })).collect::<Vec<_>>(),
        "settings": a.settings,
        "nodes": a.identity.nodes,
        "windows": a.windows().map(|(w, at)| window(w, at)).collect::<Vec<_>>(),
        "events": events(a),
        "accounting": accounting(a),
    })
}

/// Count of recognised events per kind (inside the range), every kind listed.
fn events(a: &Analysis) -> Value {
    let mut counts: serde_json::Map<String, Value> = EventKind::ALL
        .iter()
        .map(|k| (k.id().to_string(), json!(0)))
        .collect();
    for e in a.events.iter().filter(|e| a.in_range(e.ts)) {
        if let Some(Value::Number(n)) = counts.get_mut(e.kind.id()) {
            *n = (n.as_u64().unwrap_or(0) + 1).into();
        }
    }
    Value::Object(counts)
}

fn evidence(e: &Evidence) -> Value {
    json!({"source": e.source, "line": e.line, "ts": rfc3339_ms(e.ts), "text": e.text, "note": e.note})
}

fn window(w: &Window, at: &Attribution) -> Value {
    json!({
        "start": rfc3339_ms(w.start),
        "end": rfc3339_ms(w.end),
        "duration_s": (w.end - w.start) as f64 / 1e6,
        "basis": w.basis.id(),
        "failed_requests": w.failed,
        "ok_requests": w.ok,
        "errors": w.errors,
        "collections": w.collections,
        "channels": w.channels,
        "nodes": w.nodes.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
        "cause": at.cause.id(),
        "reason": at.reason,
        "contributing": at.contributing.iter().map(|c| c.id()).collect::<Vec<_>>(),
        "confidence": at.confidence,
        "phases": at.phases.iter().map(|p| json!({
            "id": p.id.id(),
            "start": rfc3339_ms(p.start),
            "end": rfc3339_ms(p.end),
            "duration_s": p.len_us() as f64 / 1e6,
            "cause": p.cause.id(),
            "evidence": p.evidence.iter().map(evidence).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "evidence": at.evidence.iter().map(evidence).collect::<Vec<_>>(),
        "missing": at.missing,
        "recommendations": at.recommendations.iter().map(|r| json!({
            "id": r.id, "text": r.text, "setting": r.setting,
        })).collect::<Vec<_>>(),
    })
}

fn bundle(a: &Analysis) -> Value {
    let t = &a.timeline;
    let span = a.span();
    let (first, last) = (span.map(|s| s.0), span.map(|s| s.1));
    json!({
        "inputs": a.inputs,
        "milvus_version": t.milvus_version(),
        "start": first.map(rfc3339_ms),
        "end": last.map(rfc3339_ms),
        "components": a.components(),
    })
}

/// Totals of the whole bundle.
pub fn totals(a: &Analysis) -> Accounting {
    let mut tot = Accounting::default();
    for s in &a.timeline.sources {
        tot.add(&s.accounting);
    }
    tot
}

fn accounting(a: &Analysis) -> Value {
    let tot = totals(a);
    json!({
        "lines_total": tot.lines_total,
        "lines_parsed": tot.lines_parsed,
        "lines_continuation": tot.lines_continuation,
        "lines_unparsed": tot.lines_unparsed,
        "sources": a.timeline.sources.iter().map(|s| json!({
            "source": s.name,
            "component": s.component.id(),
            "previous": s.previous,
            "formats": s.formats,
            "lines_total": s.accounting.lines_total,
            "lines_parsed": s.accounting.lines_parsed,
            "lines_continuation": s.accounting.lines_continuation,
            "lines_unparsed": s.accounting.lines_unparsed,
            "warnings": s.warnings,
        })).collect::<Vec<_>>(),
        "skipped": a.skipped,
        "warnings": a.warnings,
    })
}

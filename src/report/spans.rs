//! The `timeline --spans` writers: every span of the bundle's trace exports,
//! in start order.
//!
//! JSON Lines wire format, one span a line:
//! `{"ts","duration_ms","trace_id","span_id","parent_id","operation","kind",
//! "status","message","service","node","peer","grpc_code","source","line"}` —
//! `node` is the emitter's `NodeID` (a string, or null), `peer` the other end
//! as `address:port` (or null), `line` the physical line of the export that
//! holds the span. `--node` keeps the spans a node emitted, `--component`
//! the spans of exports of that component, `--since/--until` by start.

use super::rfc3339_ms;
use super::timeline::Selection;
use crate::record::{Source, SpanRow, SpanTable};
use crate::timeline::Timeline;
use anyhow::Result;
use polars::prelude::*;
use std::io::Write;

/// The selected spans, in start order (then source, then line).
fn selected<'a>(t: &'a Timeline, sel: &Selection) -> Vec<(&'a Source, &'a SpanRow)> {
    let mut v: Vec<(&Source, &SpanRow)> = t
        .sources
        .iter()
        .filter(|s| sel.components.is_empty() || sel.components.contains(&s.component))
        .flat_map(|s| s.spans.rows.iter().map(move |r| (s, r)))
        .filter(|(_, r)| {
            sel.node.is_none_or(|n| r.node_id == Some(i64::from(n)))
                && sel.since.is_none_or(|t| r.start_us >= t)
                && sel.until.is_none_or(|t| r.start_us <= t)
        })
        .collect();
    v.sort_by(|a, b| (a.1.start_us, &a.0.name, a.1.line).cmp(&(b.1.start_us, &b.0.name, b.1.line)));
    v
}

/// A span's texts, as the writers show them.
struct Shown<'a> {
    operation: &'a str,
    message: Option<&'a str>,
    service: &'a str,
    peer: Option<String>,
}

fn shown<'a>(t: &'a SpanTable, r: &SpanRow) -> Shown<'a> {
    Shown {
        operation: t.text(r.name),
        message: Some(t.text(r.status_message)).filter(|m| !m.is_empty()),
        service: t.text(r.service),
        peer: t.peer(r),
    }
}

fn hex16(id: u64) -> Option<String> {
    (id != 0).then(|| format!("{id:016x}"))
}

/// The JSON object of one span.
pub fn span_json(s: &Source, r: &SpanRow) -> serde_json::Value {
    let x = shown(&s.spans, r);
    serde_json::json!({
        "ts": rfc3339_ms(r.start_us),
        "duration_ms": r.duration_ns as f64 / 1e6,
        "trace_id": SpanTable::trace_hex(r),
        "span_id": format!("{:016x}", r.span_id),
        "parent_id": hex16(r.parent_id),
        "operation": x.operation,
        "kind": r.kind.name(),
        "status": r.status.name(),
        "message": x.message,
        "service": x.service,
        "node": r.node_id.map(|n| n.to_string()),
        "peer": x.peer,
        "grpc_code": r.grpc_code,
        "source": s.name,
        "line": r.line,
    })
}

/// Writes JSON Lines.
pub fn write_jsonl(t: &Timeline, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    for (s, r) in selected(t, sel) {
        serde_json::to_writer(&mut *w, &span_json(s, r))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes the readable view: start, length, status, emitter, operation →
/// peer, error text, trace id, source:line.
pub fn write_text(t: &Timeline, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    let w = &mut super::inert::Inert(w);
    for (s, r) in selected(t, sel) {
        let x = shown(&s.spans, r);
        let node = r.node_id.map_or("-".to_string(), |n| format!("n{n}"));
        let peer = x.peer.map(|p| format!(" → {p}")).unwrap_or_default();
        let error = x.message.map(|m| format!("  {m}")).unwrap_or_default();
        writeln!(
            w,
            "{}  {:>9.3} ms  {:<5} {:<8} {:>4} {}{peer}{}  [{}]  ({}:{})",
            rfc3339_ms(r.start_us),
            r.duration_ns as f64 / 1e6,
            r.status.name(),
            r.kind.name(),
            node,
            x.operation,
            error.replace(['\n', '\r'], "⏎"),
            SpanTable::trace_hex(r),
            s.name,
            r.line
        )?;
    }
    Ok(())
}

/// The selected spans as a Polars frame, the JSON Lines columns (`ts` a
/// datetime µs UTC).
pub fn frame(t: &Timeline, sel: &Selection) -> Result<DataFrame> {
    let rows = selected(t, sel);
    let col = |name: &str, v: Vec<Option<String>>| Column::new(name.into(), v);
    let text = |f: &dyn Fn(&Source, &SpanRow) -> Option<String>| {
        rows.iter().map(|(s, r)| f(s, r)).collect::<Vec<_>>()
    };
    let ts = Series::new(
        "ts".into(),
        rows.iter().map(|(_, r)| r.start_us).collect::<Vec<_>>(),
    )
    .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
    let df = DataFrame::new_infer_height(vec![
        ts.into(),
        Column::new(
            "duration_ms".into(),
            rows.iter()
                .map(|(_, r)| r.duration_ns as f64 / 1e6)
                .collect::<Vec<_>>(),
        ),
        col("trace_id", text(&|_, r| Some(SpanTable::trace_hex(r)))),
        col("span_id", text(&|_, r| Some(format!("{:016x}", r.span_id)))),
        col("parent_id", text(&|_, r| hex16(r.parent_id))),
        col(
            "operation",
            text(&|s, r| Some(s.spans.text(r.name).to_string())),
        ),
        col("kind", text(&|_, r| Some(r.kind.name().to_string()))),
        col("status", text(&|_, r| Some(r.status.name().to_string()))),
        col(
            "message",
            text(&|s, r| shown(&s.spans, r).message.map(str::to_string)),
        ),
        col(
            "service",
            text(&|s, r| Some(s.spans.text(r.service).to_string())),
        ),
        col("node", text(&|_, r| r.node_id.map(|n| n.to_string()))),
        col("peer", text(&|s, r| shown(&s.spans, r).peer)),
        Column::new(
            "grpc_code".into(),
            rows.iter().map(|(_, r)| r.grpc_code).collect::<Vec<_>>(),
        ),
        col("source", text(&|s, _| Some(s.name.clone()))),
        Column::new(
            "line".into(),
            rows.iter().map(|(_, r)| r.line).collect::<Vec<_>>(),
        ),
    ])?;
    Ok(df)
}

/// Writes CSV.
pub fn write_csv(t: &Timeline, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    CsvWriter::new(w).finish(&mut super::inert::csv_frame(&frame(t, sel)?)?)?;
    Ok(())
}

/// Writes Parquet.
pub fn write_parquet(t: &Timeline, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    ParquetWriter::new(w).finish(&mut frame(t, sel)?)?;
    Ok(())
}

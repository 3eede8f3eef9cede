//! The `timeline --events` writers: only recognised events.
//!
//! JSON Lines wire format (DESIGN.md), one event a line:
//! `{"ts","kind","component","node","subject","source","line","message","rule"}` —
//! `node` is the emitter's server id, `subject` the node acted on (strings or
//! null), `line` the 1-based physical line, `rule` the recognition rule's name.

use super::rfc3339_ms;
use super::timeline::Selection;
use crate::pipeline::Analysis;
use crate::recognise::Event;
use anyhow::Result;
use polars::prelude::*;
use std::io::Write;

fn selected<'a>(a: &'a Analysis, sel: &'a Selection) -> impl Iterator<Item = &'a Event> + 'a {
    a.events
        .iter()
        .filter(move |e| sel.keeps(&a.timeline, a.timeline.record(e.at).1))
}

/// The JSON object of one event.
pub fn event_json(a: &Analysis, e: &Event) -> serde_json::Value {
    let (src, r) = a.timeline.record(e.at);
    serde_json::json!({
        "ts": rfc3339_ms(e.ts),
        "kind": e.kind.id(),
        "component": e.component.id(),
        "node": e.node().map(|n| n.to_string()),
        "subject": e.subject().map(|n| n.to_string()),
        "source": src.name,
        "line": r.line,
        "message": src.message(r),
        "rule": e.rule().name,
    })
}

/// Writes JSON Lines.
pub fn write_jsonl(a: &Analysis, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    for e in selected(a, sel) {
        serde_json::to_writer(&mut *w, &event_json(a, e))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes the readable view: time, kind, component, emitter → subject, message, source:line.
pub fn write_text(a: &Analysis, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    let w = &mut super::inert::Inert(w);
    for e in selected(a, sel) {
        let (src, r) = a.timeline.record(e.at);
        let node = e.node().map_or("-".to_string(), |n| format!("n{n}"));
        let subject = e.subject().map_or(String::new(), |n| format!("→{n}"));
        writeln!(
            w,
            "{}  {:<18} {:<10} {:>4}{:<5} {}  ({}:{})",
            rfc3339_ms(e.ts),
            e.kind.id(),
            e.component.id(),
            node,
            subject,
            src.message(r).replace(['\n', '\r'], "⏎"),
            src.name,
            r.line
        )?;
    }
    Ok(())
}

/// The selected events as a Polars frame: `ts` (datetime µs UTC), `kind`,
/// `component`, `node`, `subject`, `source`, `line`, `message`, `rule`.
pub fn frame(a: &Analysis, sel: &Selection) -> Result<DataFrame> {
    let evs: Vec<&Event> = selected(a, sel).collect();
    let rec = |e: &&Event| a.timeline.record(e.at);
    let ts = Series::new("ts".into(), evs.iter().map(|e| e.ts).collect::<Vec<_>>())
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
    let df = DataFrame::new_infer_height(vec![
        ts.into(),
        Column::new(
            "kind".into(),
            evs.iter().map(|e| e.kind.id()).collect::<Vec<_>>(),
        ),
        Column::new(
            "component".into(),
            evs.iter().map(|e| e.component.id()).collect::<Vec<_>>(),
        ),
        Column::new(
            "node".into(),
            evs.iter()
                .map(|e| e.node().map(|n| n.to_string()))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "subject".into(),
            evs.iter()
                .map(|e| e.subject().map(|n| n.to_string()))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "source".into(),
            evs.iter()
                .map(|e| rec(e).0.name.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "line".into(),
            evs.iter().map(|e| rec(e).1.line).collect::<Vec<_>>(),
        ),
        Column::new(
            "message".into(),
            evs.iter()
                .map(|e| {
                    let (s, r) = rec(e);
                    s.message(r).into_owned()
                })
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "rule".into(),
            evs.iter().map(|e| e.rule().name).collect::<Vec<_>>(),
        ),
    ])?;
    Ok(df)
}

/// Writes CSV.
pub fn write_csv(a: &Analysis, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    CsvWriter::new(w).finish(&mut super::inert::csv_frame(&frame(a, sel)?)?)?;
    Ok(())
}

/// Writes Parquet.
pub fn write_parquet(a: &Analysis, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    ParquetWriter::new(w).finish(&mut frame(a, sel)?)?;
    Ok(())
}

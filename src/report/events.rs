//! The `timeline --events` writers: recognised events and failed spans.
//!
//! JSON Lines wire format (DESIGN.md), one event a line:
//! `{"ts","kind","component","node","subject","source","line","message","rule"}` —
//! `node` is the emitter's server id, `subject` the node acted on (strings or
//! null), `line` the 1-based physical line, `rule` the recognition rule's name.
//! A failed span of a trace export is a `grpc-error` whose `line` is its
//! span record's, `message` its operation, peer and error text, and `rule`
//! [`crate::recognise::spans::SPAN_RULE`].

use super::rfc3339_ms;
use super::timeline::Selection;
use crate::pipeline::Analysis;
use crate::recognise::spans::{self, SpanEvent};
use crate::recognise::Event;
use anyhow::Result;
use polars::prelude::*;
use std::io::Write;

/// One event as written.
struct Row<'a> {
    ts: i64,
    kind: &'static str,
    component: &'static str,
    node: Option<u32>,
    subject: Option<u32>,
    source: &'a str,
    line: u32,
    message: String,
    rule: &'static str,
}

fn of_line<'a>(a: &'a Analysis, e: &Event) -> Row<'a> {
    let (src, r) = a.timeline.record(e.at);
    Row {
        ts: e.ts,
        kind: e.kind.id(),
        component: e.component.id(),
        node: e.node(),
        subject: e.subject(),
        source: &src.name,
        line: r.line,
        message: src.message(r).into_owned(),
        rule: e.rule().name,
    }
}

fn of_span<'a>(a: &'a Analysis, e: &SpanEvent) -> Row<'a> {
    let (t, r) = a.timeline.span(e.at);
    Row {
        ts: e.ts,
        kind: e.kind.id(),
        component: e.component.id(),
        node: e.node,
        subject: e.subject,
        source: &a.timeline.sources[e.at.0 as usize].name,
        line: r.line,
        message: spans::describe(t, r, &e.called, e.subject),
        rule: spans::SPAN_RULE,
    }
}

/// The selected events of both lists, in time order (a line's event before
/// a span's at the same time).
fn selected<'a>(a: &'a Analysis, sel: &'a Selection) -> Vec<Row<'a>> {
    let lines = a
        .events
        .iter()
        .filter(|e| sel.keeps(&a.timeline, a.timeline.record(e.at).1));
    let failed_spans = a
        .span_events
        .iter()
        .filter(|e| sel.keeps_event(e.component, e.node, e.ts));
    let mut out: Vec<Row> = Vec::with_capacity(a.events.len() + a.span_events.len());
    let mut spans = failed_spans.peekable();
    for e in lines {
        while let Some(s) = spans.next_if(|s| s.ts < e.ts) {
            out.push(of_span(a, s));
        }
        out.push(of_line(a, e));
    }
    out.extend(spans.map(|s| of_span(a, s)));
    out
}

fn id(n: Option<u32>) -> Option<String> {
    n.map(|n| n.to_string())
}

/// The JSON object of one event.
fn event_json(e: &Row) -> serde_json::Value {
    serde_json::json!({
        "ts": rfc3339_ms(e.ts),
        "kind": e.kind,
        "component": e.component,
        "node": id(e.node),
        "subject": id(e.subject),
        "source": e.source,
        "line": e.line,
        "message": e.message,
        "rule": e.rule,
    })
}

/// Writes JSON Lines.
pub fn write_jsonl(a: &Analysis, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    for e in selected(a, sel) {
        serde_json::to_writer(&mut *w, &event_json(&e))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes the readable view: time, kind, component, emitter → subject, message, source:line.
pub fn write_text(a: &Analysis, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    let w = &mut super::inert::Inert(w);
    for e in selected(a, sel) {
        let node = e.node.map_or("-".to_string(), |n| format!("n{n}"));
        let subject = e.subject.map_or(String::new(), |n| format!("→{n}"));
        writeln!(
            w,
            "{}  {:<18} {:<10} {:>4}{:<5} {}  ({}:{})",
            rfc3339_ms(e.ts),
            e.kind,
            e.component,
            node,
            subject,
            e.message.replace(['\n', '\r'], "⏎"),
            e.source,
            e.line
        )?;
    }
    Ok(())
}

/// The selected events as a Polars frame: `ts` (datetime µs UTC), `kind`,
/// `component`, `node`, `subject`, `source`, `line`, `message`, `rule`.
pub fn frame(a: &Analysis, sel: &Selection) -> Result<DataFrame> {
    let evs = selected(a, sel);
    let col = |f: fn(&Row) -> Option<String>| evs.iter().map(f).collect::<Vec<_>>();
    let ts = Series::new("ts".into(), evs.iter().map(|e| e.ts).collect::<Vec<_>>())
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
    let df = DataFrame::new_infer_height(vec![
        ts.into(),
        Column::new(
            "kind".into(),
            evs.iter().map(|e| e.kind).collect::<Vec<_>>(),
        ),
        Column::new(
            "component".into(),
            evs.iter().map(|e| e.component).collect::<Vec<_>>(),
        ),
        Column::new("node".into(), col(|e| id(e.node))),
        Column::new("subject".into(), col(|e| id(e.subject))),
        Column::new(
            "source".into(),
            evs.iter().map(|e| e.source).collect::<Vec<_>>(),
        ),
        Column::new(
            "line".into(),
            evs.iter().map(|e| e.line).collect::<Vec<_>>(),
        ),
        Column::new(
            "message".into(),
            evs.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "rule".into(),
            evs.iter().map(|e| e.rule).collect::<Vec<_>>(),
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

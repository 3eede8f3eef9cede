//! The report model's windows, phases and evidence as Polars frames (the
//! `windows`, `phases` and `evidence` tables of `query`). One row of
//! `windows` is one window of `analyze --json`, one row of `phases` one
//! element of its `phases`, one row of `evidence` one cited line: the
//! window's own (`phase` null) and then each phase's, in the JSON's order.
//!
//! Must not know: how windows, phases or causes are found (it reads the
//! model).

use crate::report::model::{Cited, Report, WindowFacts};
use anyhow::Result;
use polars::prelude::*;
use std::collections::HashMap;

/// A datetime column of UTC µs.
fn times(name: &str, us: Vec<i64>) -> Column {
    Series::new(name.into(), us)
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into()
}

/// A set as one text, its items joined by `,` (empty: null).
fn joined<T: ToString>(items: impl IntoIterator<Item = T>) -> Option<String> {
    let v: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    (!v.is_empty()).then(|| v.join(","))
}

/// `windows`: one row per window, numbered as in the report.
pub fn windows(m: &Report) -> Result<DataFrame> {
    let w = &m.windows;
    let col = |f: fn(&WindowFacts) -> Option<String>| w.iter().map(f).collect::<Vec<_>>();
    Ok(DataFrame::new_infer_height(vec![
        Column::new(
            "window".into(),
            w.iter().map(|w| w.number as u32).collect::<Vec<_>>(),
        ),
        times("start", w.iter().map(|w| w.start).collect()),
        times("end", w.iter().map(|w| w.end).collect()),
        Column::new(
            "duration_s".into(),
            w.iter().map(|w| w.duration_s).collect::<Vec<_>>(),
        ),
        Column::new(
            "cause".into(),
            w.iter().map(|w| w.cause.id()).collect::<Vec<_>>(),
        ),
        Column::new(
            "contributing".into(),
            col(|w| joined(w.contributing.iter().map(|c| c.id()))),
        ),
        Column::new(
            "confidence".into(),
            w.iter().map(|w| w.confidence).collect::<Vec<_>>(),
        ),
        Column::new(
            "failed_requests".into(),
            w.iter().map(|w| w.failed).collect::<Vec<_>>(),
        ),
        Column::new(
            "ok_requests".into(),
            w.iter().map(|w| w.ok).collect::<Vec<_>>(),
        ),
        Column::new("nodes".into(), col(|w| joined(w.nodes.iter()))),
        Column::new("collections".into(), col(|w| joined(w.collections.iter()))),
        Column::new("channels".into(), col(|w| joined(w.channels.iter()))),
        Column::new(
            "basis".into(),
            w.iter().map(|w| w.basis.id()).collect::<Vec<_>>(),
        ),
        Column::new(
            "reason".into(),
            w.iter().map(|w| w.reason).collect::<Vec<_>>(),
        ),
    ])?)
}

/// `phases`: one row per phase of each window, in order.
pub fn phases(m: &Report) -> Result<DataFrame> {
    let rows: Vec<_> = m
        .windows
        .iter()
        .flat_map(|w| w.phases.iter().map(move |p| (w.number as u32, p)))
        .collect();
    Ok(DataFrame::new_infer_height(vec![
        Column::new(
            "window".into(),
            rows.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        ),
        Column::new(
            "phase".into(),
            rows.iter().map(|(_, p)| p.id.id()).collect::<Vec<_>>(),
        ),
        Column::new(
            "cause".into(),
            rows.iter().map(|(_, p)| p.cause.id()).collect::<Vec<_>>(),
        ),
        times("start", rows.iter().map(|(_, p)| p.start).collect()),
        times("end", rows.iter().map(|(_, p)| p.end).collect()),
        Column::new(
            "duration_s".into(),
            rows.iter().map(|(_, p)| p.duration_s).collect::<Vec<_>>(),
        ),
        Column::new(
            "evidence".into(),
            rows.iter()
                .map(|(_, p)| p.evidence.len() as u32)
                .collect::<Vec<_>>(),
        ),
    ])?)
}

/// `evidence`: every cited line of each window (the window's own with a
/// null `phase`, then each phase's), with the component of its source.
pub fn evidence(m: &Report) -> Result<DataFrame> {
    let component: HashMap<&str, &str> = m
        .accounting
        .sources
        .iter()
        .map(|s| (s.source, s.component.id()))
        .collect();
    let rows: Vec<(u32, Option<&str>, &Cited)> = m
        .windows
        .iter()
        .flat_map(|w| {
            let n = w.number as u32;
            w.cited.iter().map(move |c| (n, None, c)).chain(
                w.phases
                    .iter()
                    .flat_map(move |p| p.evidence.iter().map(move |c| (n, Some(p.id.id()), c))),
            )
        })
        .collect();
    Ok(DataFrame::new_infer_height(vec![
        Column::new(
            "window".into(),
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        ),
        Column::new("phase".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        times("ts", rows.iter().map(|r| r.2.ts).collect()),
        Column::new(
            "component".into(),
            rows.iter()
                .map(|r| component.get(r.2.source).copied())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "source".into(),
            rows.iter().map(|r| r.2.source).collect::<Vec<_>>(),
        ),
        Column::new(
            "line".into(),
            rows.iter().map(|r| r.2.line).collect::<Vec<_>>(),
        ),
        Column::new(
            "note".into(),
            rows.iter().map(|r| r.2.note).collect::<Vec<_>>(),
        ),
        Column::new(
            "text".into(),
            rows.iter().map(|r| r.2.text).collect::<Vec<_>>(),
        ),
    ])?)
}

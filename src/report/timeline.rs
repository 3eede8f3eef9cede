//! The `timeline` command's writers: text, JSON Lines, CSV and Parquet.
//!
//! JSON Lines wire format, one record a line:
//! `{"ts":"<RFC 3339 UTC, ms>","ts_inferred":bool,"level":…,"component":…,"node":…,
//! "source":"<path in the bundle>","line":<1-based>,"format":…,"message":…,"fields":{…}}`.
//! `node` is the emitter's server id as a string, or null. `format` is the
//! grammar id, or null for an unparsed line (kept, with the whole line as
//! message).

use super::rfc3339_ms;
use crate::ingest::reread::Reread;
use crate::record::{LineText, Record, Source};
use crate::timeline::Timeline;
use anyhow::Result;
use polars::prelude::*;
use std::io::Write;

/// Which records to write.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Only these components (any when empty).
    pub components: Vec<crate::component::Component>,
    /// Only records written by this node (server id).
    pub node: Option<u32>,
    /// From this UTC µs on.
    pub since: Option<i64>,
    /// Up to this UTC µs.
    pub until: Option<i64>,
}

impl Selection {
    /// True when the record passes every filter.
    pub fn keeps(&self, t: &Timeline, r: &Record) -> bool {
        self.keeps_event(r.component, t.node_of(r), r.ts)
    }

    /// True when something of that component, emitter and time passes
    /// every filter.
    pub fn keeps_event(
        &self,
        component: crate::component::Component,
        node: Option<u32>,
        ts: i64,
    ) -> bool {
        (self.components.is_empty() || self.components.contains(&component))
            && self.node.is_none_or(|n| node == Some(n))
            && self.since.is_none_or(|t| ts >= t)
            && self.until.is_none_or(|t| ts <= t)
    }
}

/// Output format of `timeline`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable merged view.
    Text,
    /// One JSON object a record.
    Jsonl,
    /// CSV (through Polars).
    Csv,
    /// Parquet (through Polars).
    Parquet,
}

/// One record to write, with its text.
type Row<'a> = (&'a Source, &'a Record, LineText);

/// The selected records in timeline order, `rows` at a time, each with its
/// text (read again from its file when the source kept none, in parallel:
/// each thread reads its own stretch of the rows).
fn selected<'a>(
    t: &'a Timeline,
    sel: &'a Selection,
    rows: usize,
) -> impl Iterator<Item = Vec<Row<'a>>> + 'a {
    let mut keys = t.ordered().filter(move |k| sel.keeps(t, t.record(*k).1));
    std::iter::from_fn(move || {
        let block: Vec<(u32, u32)> = keys.by_ref().take(rows.max(1)).collect();
        (!block.is_empty()).then(|| with_texts(t, &block))
    })
}

fn with_texts<'a>(t: &'a Timeline, keys: &[(u32, u32)]) -> Vec<Row<'a>> {
    use rayon::prelude::*;
    let per = keys
        .len()
        .div_ceil(rayon::current_num_threads().max(1))
        .max(1);
    let parts: Vec<Vec<Row<'a>>> = keys
        .par_chunks(per)
        .map(|part| {
            let mut texts = Reread::new(&t.sources);
            part.iter()
                .map(|k| {
                    let (s, r) = t.record(*k);
                    (s, r, texts.text(k.0 as usize, k.1 as usize))
                })
                .collect()
        })
        .collect();
    parts.into_iter().flatten().collect()
}

/// Long field values (stacks, verbose errors) are cut in the text view.
const TEXT_FIELD_MAX: usize = 160;

/// Writes the readable view: time, component, node, level, message, fields, source:line.
pub fn write_text(t: &Timeline, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    let w = &mut super::inert::Inert(w);
    for (s, r, text) in selected(t, sel, ROWS_PER_BATCH).flatten() {
        let node = t
            .node_of(r)
            .map(|n| format!("n{n}"))
            .unwrap_or_else(|| "-".into());
        let mark = if r.ts_inferred() { "~" } else { " " };
        let level = if r.grammar.is_none() {
            "?"
        } else {
            r.level.name()
        };
        write!(
            w,
            "{}{mark} {:<10} {:>4} {:<5} {}",
            rfc3339_ms(r.ts),
            r.component.id(),
            node,
            level,
            one_line(&text.message)
        )?;
        let hidden = hidden_fields(r.grammar);
        for (k, v) in &text.fields {
            if hidden.contains(&k.as_str()) {
                continue;
            }
            let v = one_line(v);
            let v: String = if v.chars().count() > TEXT_FIELD_MAX {
                v.chars().take(TEXT_FIELD_MAX).chain("…".chars()).collect()
            } else {
                v
            };
            write!(w, " [{k}={v}]")?;
        }
        writeln!(w, "  ({}:{})", s.name, r.line)?;
    }
    Ok(())
}

/// Fields the text view leaves out: stacks, and what the line's time and
/// message already say.
fn hidden_fields(g: Option<parsers::Grammar>) -> &'static [&'static str] {
    match g {
        Some(parsers::Grammar::ClientJsonl) => &[
            "start",
            "end",
            "ok",
            "phase",
            "error",
            "error_message",
            "error_type",
            "op",
        ],
        Some(parsers::Grammar::OtelGoSpan) => &[
            "SpanContext",
            "Parent",
            "Attributes",
            "Events",
            "Links",
            "Resource",
            "InstrumentationLibrary",
            "StartTime",
            "Name",
        ],
        _ => &["errorVerbose", "stack"],
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], "⏎")
}

/// The JSON object of one record (the JSON Lines wire format above).
pub fn record_json(t: &Timeline, s: &Source, r: &Record, text: LineText) -> serde_json::Value {
    let mut fields = serde_json::Map::new();
    for (k, v) in text.fields {
        fields.entry(k).or_insert(serde_json::Value::String(v));
    }
    serde_json::json!({
        "ts": rfc3339_ms(r.ts),
        "ts_inferred": r.ts_inferred(),
        "level": if r.level == parsers::Level::None { serde_json::Value::Null } else { r.level.name().into() },
        "component": r.component.id(),
        "node": t.node_of(r).map(|n| n.to_string()),
        "source": s.name,
        "line": r.line,
        "format": r.grammar.map(|g| g.name()),
        "message": text.message,
        "fields": fields,
    })
}

/// Writes JSON Lines.
pub fn write_jsonl(t: &Timeline, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    for (s, r, text) in selected(t, sel, ROWS_PER_BATCH).flatten() {
        serde_json::to_writer(&mut *w, &record_json(t, s, r, text))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// The selected records as a Polars frame: `ts` (datetime µs UTC),
/// `ts_inferred`, `level`, `component`, `node`, `source`, `line`, `format`,
/// `message`, `fields` (a JSON object as text).
pub fn frame(t: &Timeline, sel: &Selection) -> Result<DataFrame> {
    frame_of(t, selected(t, sel, ROWS_PER_BATCH).flatten(), Shape::Export)
}

/// The selected records as the `query` command's `records` table: the
/// export's columns with `format` named `grammar`, `level` null when the
/// line has none, and a `trace_id` column
/// (the record's `traceID` field: the Proxy's and QueryNode's request
/// lines carry one) after `message`.
pub fn query_frame(t: &Timeline, sel: &Selection) -> Result<DataFrame> {
    frame_of(t, selected(t, sel, ROWS_PER_BATCH).flatten(), Shape::Query)
}

/// Which columns a records frame has.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `timeline --format csv|parquet`.
    Export,
    /// `query`'s `records` table.
    Query,
}

/// The field names a record's trace id goes by: Milvus's logs, then
/// OpenTelemetry's and client logs' spellings.
const TRACE_FIELDS: [&str; 3] = ["traceID", "trace_id", "traceId"];

/// Rows per batch of the CSV and Parquet writers, and so per Parquet row
/// group: the frame of a whole bundle is never built at once. Measured on a
/// 1 GiB bundle: 2^16 rows peak at 0.41 GB, Polars' default 2^18 at 0.70 GB
/// (for a file 10 % smaller).
const ROWS_PER_BATCH: usize = 1 << 16;

/// The selected records as frames of at most `batch` rows (at least one
/// frame, empty when nothing is selected).
fn batches<'a>(
    t: &'a Timeline,
    sel: &'a Selection,
    batch: usize,
) -> impl Iterator<Item = Result<DataFrame>> + 'a {
    let mut rows = selected(t, sel, batch).peekable();
    let mut first = true;
    std::iter::from_fn(move || {
        if !std::mem::take(&mut first) && rows.peek().is_none() {
            return None;
        }
        Some(frame_of(
            t,
            rows.next().unwrap_or_default().into_iter(),
            Shape::Export,
        ))
    })
}

/// A Polars writer that takes frames one by one (CSV, Parquet).
trait Batched {
    fn write_batch(&mut self, df: &DataFrame) -> Result<()>;
    fn finish(self) -> Result<()>;
}

impl<W: Write> Batched for polars::io::csv::write::BatchedWriter<W> {
    fn write_batch(&mut self, df: &DataFrame) -> Result<()> {
        Ok(polars::io::csv::write::BatchedWriter::write_batch(
            self, df,
        )?)
    }
    fn finish(mut self) -> Result<()> {
        Ok(polars::io::csv::write::BatchedWriter::finish(&mut self)?)
    }
}

impl<W: Write> Batched for polars::io::parquet::write::BatchedWriter<W> {
    fn write_batch(&mut self, df: &DataFrame) -> Result<()> {
        Ok(polars::io::parquet::write::BatchedWriter::write_batch(
            self, df,
        )?)
    }
    fn finish(self) -> Result<()> {
        polars::io::parquet::write::BatchedWriter::finish(&self)?;
        Ok(())
    }
}

/// Writes the selected records in frames of `batch` rows to the writer
/// `open` makes from the first frame's schema.
fn write_batched<B: Batched>(
    t: &Timeline,
    sel: &Selection,
    batch: usize,
    inert: impl Fn(DataFrame) -> Result<DataFrame>,
    open: impl FnOnce(&Schema) -> Result<B>,
) -> Result<()> {
    let mut frames = batches(t, sel, batch);
    let first = inert(frames.next().expect("batches gives at least one frame")?)?;
    let mut out = open(first.schema())?;
    out.write_batch(&first)?;
    for df in frames {
        out.write_batch(&inert(df?)?)?;
    }
    out.finish()
}

/// The frame of some records.
fn frame_of<'a>(
    t: &Timeline,
    records: impl Iterator<Item = (&'a Source, &'a Record, LineText)>,
    shape: Shape,
) -> Result<DataFrame> {
    let (
        mut ts,
        mut inferred,
        mut level,
        mut comp,
        mut node,
        mut source,
        mut line,
        mut format,
        mut message,
        mut fields,
        mut trace,
    ) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for (s, r, text) in records {
        ts.push(r.ts);
        inferred.push(r.ts_inferred());
        // The export writes "" for a line without a level; the query's
        // table has null, as the JSON Lines do.
        level.push(
            (shape == Shape::Export || r.level != parsers::Level::None).then(|| r.level.name()),
        );
        comp.push(r.component.id());
        node.push(t.node_of(r).map(|n| n.to_string()));
        source.push(s.name.as_str());
        line.push(r.line);
        format.push(r.grammar.map(|g| g.name()));
        message.push(text.message);
        if shape == Shape::Query {
            trace.push(
                TRACE_FIELDS
                    .iter()
                    .find_map(|k| text.fields.iter().find(|(n, _)| n == k))
                    .map(|(_, v)| v.clone()),
            );
        }
        let f: serde_json::Map<String, serde_json::Value> = text
            .fields
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        fields.push(serde_json::Value::Object(f).to_string());
    }
    let ts =
        Series::new("ts".into(), ts).into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
    let grammar = match shape {
        Shape::Export => "format",
        Shape::Query => "grammar",
    };
    let mut columns = vec![
        ts.into(),
        Column::new("ts_inferred".into(), inferred),
        Column::new("level".into(), level),
        Column::new("component".into(), comp),
        Column::new("node".into(), node),
        Column::new("source".into(), source),
        Column::new("line".into(), line),
        Column::new(grammar.into(), format),
        Column::new("message".into(), message),
    ];
    if shape == Shape::Query {
        columns.push(Column::new("trace_id".into(), trace));
    }
    columns.push(Column::new("fields".into(), fields));
    Ok(DataFrame::new_infer_height(columns)?)
}

/// Writes CSV, batch by batch.
pub fn write_csv(t: &Timeline, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    csv_in_batches(t, sel, w, ROWS_PER_BATCH)
}

fn csv_in_batches(t: &Timeline, sel: &Selection, w: &mut dyn Write, batch: usize) -> Result<()> {
    // Cells a spreadsheet would run as formulas are made text.
    let inert = |df: DataFrame| Ok(super::inert::csv_frame(&df)?);
    write_batched(t, sel, batch, inert, |schema| {
        Ok(CsvWriter::new(w).batched(schema)?)
    })
}

/// Writes Parquet, one row group a batch.
pub fn write_parquet(t: &Timeline, sel: &Selection, w: &mut dyn Write) -> Result<()> {
    parquet_in_batches(t, sel, w, ROWS_PER_BATCH)
}

fn parquet_in_batches(
    t: &Timeline,
    sel: &Selection,
    w: &mut dyn Write,
    batch: usize,
) -> Result<()> {
    // Parquet keeps text exactly: readers do not run it.
    write_batched(t, sel, batch, Ok, |schema| {
        Ok(ParquetWriter::new(w).batched(schema)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real bundle written in small batches reads back as the whole frame
    /// (Parquet: one row group a batch; CSV: the same bytes as one batch).
    #[test]
    fn batches_hold_the_same_rows() {
        let cfg = crate::pipeline::Config {
            inputs: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/samples/baseline-1").into()],
            ..Default::default()
        };
        let a = crate::pipeline::run(&cfg).unwrap();
        let sel = Selection::default();
        let whole = frame(&a.timeline, &sel).unwrap();
        assert!(whole.height() > 3000);
        let mut pq = Vec::new();
        parquet_in_batches(&a.timeline, &sel, &mut pq, 1000).unwrap();
        let back = ParquetReader::new(std::io::Cursor::new(pq))
            .finish()
            .unwrap();
        assert!(back.equals_missing(&whole));
        let (mut small, mut one) = (Vec::new(), Vec::new());
        csv_in_batches(&a.timeline, &sel, &mut small, 1000).unwrap();
        csv_in_batches(&a.timeline, &sel, &mut one, usize::MAX).unwrap();
        assert_eq!(small, one);
    }
}

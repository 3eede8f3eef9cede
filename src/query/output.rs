//! Writes a query's result: an aligned text table for the terminal, CSV,
//! JSON Lines or Parquet. Times are RFC 3339 UTC in the table and in JSON
//! Lines, Polars datetimes in CSV and Parquet. Log text is made inert for
//! each sink ([`crate::report::inert`]).
//!
//! Must not know: what the columns mean.

use crate::report::{inert, rfc3339_ms};
use anyhow::Result;
use polars::prelude::*;
use std::io::Write;

/// Output format of `query`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryFormat {
    /// Aligned columns for a terminal.
    Table,
    /// CSV (through Polars).
    Csv,
    /// One JSON object a row.
    Jsonl,
    /// Parquet (through Polars).
    Parquet,
}

/// Writes the result in the format.
pub fn write(df: &mut DataFrame, format: QueryFormat, w: &mut dyn Write) -> Result<()> {
    match format {
        QueryFormat::Table => write_table(df, w),
        QueryFormat::Csv => {
            CsvWriter::new(w).finish(&mut inert::csv_frame(df)?)?;
            Ok(())
        }
        QueryFormat::Jsonl => write_jsonl(df, w),
        QueryFormat::Parquet => {
            ParquetWriter::new(w).finish(df)?;
            Ok(())
        }
    }
}

/// A datetime's UTC µs.
fn micros(v: i64, unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Nanoseconds => v.div_euclid(1000),
        TimeUnit::Microseconds => v,
        TimeUnit::Milliseconds => v.saturating_mul(1000),
    }
}

/// One cell as JSON: numbers and booleans as themselves, times as RFC 3339
/// text, null (and a float that is not a number) as null, anything else
/// as its Polars text.
fn json_value(v: AnyValue) -> serde_json::Value {
    use serde_json::Value;
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => b.into(),
        AnyValue::String(s) => s.into(),
        AnyValue::StringOwned(s) => s.as_str().into(),
        AnyValue::UInt8(n) => n.into(),
        AnyValue::UInt16(n) => n.into(),
        AnyValue::UInt32(n) => n.into(),
        AnyValue::UInt64(n) => n.into(),
        AnyValue::Int8(n) => n.into(),
        AnyValue::Int16(n) => n.into(),
        AnyValue::Int32(n) => n.into(),
        AnyValue::Int64(n) => n.into(),
        AnyValue::Float32(f) => {
            serde_json::Number::from_f64(f64::from(f)).map_or(Value::Null, Value::Number)
        }
        AnyValue::Float64(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        AnyValue::Datetime(t, u, _) | AnyValue::DatetimeOwned(t, u, _) => {
            rfc3339_ms(micros(t, u)).into()
        }
        other => other.to_string().into(),
    }
}

/// One cell as text: times as RFC 3339, null as `null`, strings without
/// their quotes.
fn text_value(v: AnyValue) -> String {
    match v {
        AnyValue::Null => "null".into(),
        AnyValue::String(s) => s.into(),
        AnyValue::StringOwned(s) => s.as_str().into(),
        AnyValue::Datetime(t, u, _) | AnyValue::DatetimeOwned(t, u, _) => rfc3339_ms(micros(t, u)),
        other => other.to_string(),
    }
}

fn write_jsonl(df: &mut DataFrame, w: &mut dyn Write) -> Result<()> {
    df.rechunk_mut();
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    // Keys in the columns' order (a JSON map would sort them).
    let keys: Vec<String> = names
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<_, _>>()?;
    for i in 0..df.height() {
        w.write_all(b"{")?;
        for (j, (key, col)) in keys.iter().zip(df.columns()).enumerate() {
            if j > 0 {
                w.write_all(b",")?;
            }
            write!(w, "{key}:")?;
            serde_json::to_writer(&mut *w, &json_value(col.get(i)?))?;
        }
        w.write_all(b"}\n")?;
    }
    Ok(())
}

/// Cells longer than this are cut in the table (the other formats keep
/// them whole).
const CELL_MAX: usize = 80;

/// Writes the aligned table: a header, a rule, a row a line, and the row
/// count. Numbers are right-aligned; line breaks in cells show as `⏎`,
/// other control characters escaped.
fn write_table(df: &mut DataFrame, w: &mut dyn Write) -> Result<()> {
    df.rechunk_mut();
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let numeric: Vec<bool> = df
        .columns()
        .iter()
        .map(|c| c.dtype().is_primitive_numeric())
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let row = df
            .columns()
            .iter()
            .map(|c| {
                // Escaped before it is measured, so the columns stay aligned.
                let t = text_value(c.get(i)?).replace(['\n', '\r'], "⏎");
                Ok(crate::report::cut(&inert::terminal(&t), CELL_MAX))
            })
            .collect::<Result<Vec<_>>>()?;
        rows.push(row);
    }
    let mut widths: Vec<usize> = names.iter().map(|n| n.chars().count()).collect();
    for row in &rows {
        for (wd, cell) in widths.iter_mut().zip(row) {
            *wd = (*wd).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .zip(&numeric)
            .map(|((c, &wd), &num)| {
                let pad = " ".repeat(wd - c.chars().count());
                if num {
                    format!("{pad}{c}")
                } else {
                    format!("{c}{pad}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    writeln!(w, "{}", line(&names))?;
    let rule: Vec<String> = widths.iter().map(|&n| "─".repeat(n)).collect();
    writeln!(w, "{}", rule.join("  "))?;
    for row in &rows {
        writeln!(w, "{}", line(row))?;
    }
    let n = rows.len();
    writeln!(w, "({n} row{})", if n == 1 { "" } else { "s" })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DataFrame {
        let ts = Series::new("ts".into(), vec![1_764_130_528_340_000i64, 0])
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
        DataFrame::new_infer_height(vec![
            ts.into(),
            Column::new("kind".into(), vec![Some("node-down"), None]),
            Column::new("n".into(), vec![12u32, 3]),
            Column::new("x".into(), vec![0.5f64, f64::NAN]),
        ])
        .unwrap()
    }

    #[test]
    fn json_lines_keep_types_and_write_times_as_rfc3339() {
        let mut out = Vec::new();
        write(&mut sample(), QueryFormat::Jsonl, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows[0]["ts"], "2025-11-26T04:15:28.340Z");
        assert!(
            text.starts_with(r#"{"ts":"#),
            "keys in column order: {text}"
        );
        assert_eq!(rows[0]["kind"], "node-down");
        assert_eq!(rows[0]["n"], 12);
        assert_eq!(rows[1]["kind"], serde_json::Value::Null);
        assert_eq!(rows[1]["x"], serde_json::Value::Null);
    }

    #[test]
    fn the_table_aligns_and_escapes() {
        let df = DataFrame::new_infer_height(vec![
            Column::new("message".into(), vec!["a\x1b]0;pwn\x07", "two\nlines"]),
            Column::new("n".into(), vec![5u32, 100]),
        ])
        .unwrap();
        let mut out = Vec::new();
        write(&mut df.clone(), QueryFormat::Table, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\x1b'), "{text}");
        assert!(text.contains("two⏎lines"), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        // Numbers right-aligned: both rows end at the same column.
        assert_eq!(lines[2].chars().count(), lines[3].chars().count());
        assert!(lines[2].ends_with("  5"), "{text}");
        assert_eq!(lines.last(), Some(&"(2 rows)"));
    }
}

//! `query`: SQL over one incident, through Polars SQL.
//!
//! Owns: the tables a statement can read ([`TABLES`]), which of them a
//! statement names (so only those are built, and a bundle is read only as
//! far as they need), running the statement, and writing its result as a
//! table, CSV, JSON Lines or Parquet ([`output`]).
//!
//! The tables are the frames the other commands already write: `records`
//! and `spans` as `timeline` (with `format` named `grammar` and a
//! `trace_id`), `events` as `timeline --events`, and `windows`, `phases`
//! and `evidence` from the report model `analyze --json` serialises
//! ([`tables`]). A query's answer is therefore the answer those outputs
//! give.
//!
//! Must not know: grammars, recognition rules, how causes are decided.

pub mod output;
pub mod tables;

use crate::pipeline::Analysis;
use crate::report::timeline::Selection;
use anyhow::{bail, Result};
use polars::prelude::*;
use polars_lazy::prelude::IntoLazy;
use polars_sql::SQLContext;

/// One table `query` offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Table {
    /// Every record of the timeline.
    Records,
    /// Recognised events and failed spans.
    Events,
    /// The trace exports' spans.
    Spans,
    /// Client-failure windows.
    Windows,
    /// The phases of each window.
    Phases,
    /// The lines cited for each window and phase.
    Evidence,
}

/// Every table, in the order `--schema` lists them.
pub const TABLES: [Table; 6] = [
    Table::Records,
    Table::Events,
    Table::Spans,
    Table::Windows,
    Table::Phases,
    Table::Evidence,
];

impl Table {
    /// Its name in SQL.
    pub fn name(self) -> &'static str {
        match self {
            Table::Records => "records",
            Table::Events => "events",
            Table::Spans => "spans",
            Table::Windows => "windows",
            Table::Phases => "phases",
            Table::Evidence => "evidence",
        }
    }

    fn from_name(s: &str) -> Option<Table> {
        TABLES
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s))
    }

    /// True when the table needs windows, attribution or events (the whole
    /// pipeline), not only the timeline.
    pub fn needs_analysis(self) -> bool {
        !matches!(self, Table::Records | Table::Spans)
    }
}

/// A statement Polars could not parse or run: exit 2 with its message.
#[derive(Debug, thiserror::Error)]
#[error("SQL: {0}")]
pub struct SqlError(pub String);

/// The tables a statement reads, each once, checked before any input is
/// read: a statement Polars cannot parse, or one that names a table this
/// tool has not, is a [`SqlError`].
pub fn tables_named(sql: &str) -> Result<Vec<Table>, SqlError> {
    let names = polars_sql::extract_table_identifiers(sql, false, true)
        .map_err(|e| SqlError(e.to_string()))?;
    let mut out = Vec::new();
    for n in names {
        match Table::from_name(&n) {
            Some(t) => out.push(t),
            // A common table expression (`WITH x AS …`) is a name of the
            // statement's own: Polars resolves it.
            None if defines_cte(sql, &n) => {}
            None => {
                return Err(SqlError(format!(
                    "no table {n:?}; the tables are {} (query --schema lists their columns)",
                    TABLES.map(Table::name).join(", ")
                )))
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// True when `name` is defined in the statement by `WITH … name AS (`.
fn defines_cte(sql: &str, name: &str) -> bool {
    let re = regex::RegexBuilder::new(&format!(r"\b{}\s+AS\s*\(", regex::escape(name)))
        .case_insensitive(true)
        .build();
    re.is_ok_and(|re| re.is_match(sql))
}

/// Builds the named tables from an analysis (with its report model when a
/// model table is named).
pub fn build(a: &Analysis, named: &[Table]) -> Result<Vec<(Table, DataFrame)>> {
    let sel = Selection {
        since: a.range.0,
        until: a.range.1,
        ..Default::default()
    };
    let model = named
        .iter()
        .any(|t| matches!(t, Table::Windows | Table::Phases | Table::Evidence))
        .then(|| crate::report::model::build(a, false));
    named
        .iter()
        .map(|&t| {
            let df = match (t, &model) {
                (Table::Records, _) => crate::report::timeline::query_frame(&a.timeline, &sel)?,
                (Table::Events, _) => crate::report::events::frame(a, &sel)?,
                (Table::Spans, _) => crate::report::spans::frame(&a.timeline, &sel)?,
                (Table::Windows, Some(m)) => tables::windows(m)?,
                (Table::Phases, Some(m)) => tables::phases(m)?,
                (Table::Evidence, Some(m)) => tables::evidence(m)?,
                (_, None) => bail!("the report model was not built"),
            };
            Ok((t, df))
        })
        .collect()
}

/// Runs the statement over the tables.
pub fn run(sql: &str, tables: &[(Table, DataFrame)]) -> Result<DataFrame, SqlError> {
    let mut ctx = SQLContext::new();
    for (t, df) in tables {
        ctx.register(t.name(), df.clone().lazy());
    }
    ctx.execute(sql)
        .and_then(|lf| lf.collect())
        .map_err(|e| SqlError(e.to_string()))
}

/// The tables' columns as a frame (`query --schema`): `table`, `rows`,
/// `column`, `dtype`; what a
/// row of each table is, `query --help` says.
pub fn schema(tables: &[(Table, DataFrame)]) -> Result<DataFrame> {
    let (mut table, mut rows, mut column, mut dtype) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (t, df) in tables {
        for c in df.columns() {
            table.push(t.name());
            rows.push(df.height() as u64);
            column.push(c.name().to_string());
            dtype.push(c.dtype().to_string());
        }
    }
    Ok(DataFrame::new_infer_height(vec![
        Column::new("table".into(), table),
        Column::new("rows".into(), rows),
        Column::new("column".into(), column),
        Column::new("dtype".into(), dtype),
    ])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_tables_a_statement_names() {
        let t = tables_named(
            "SELECT e.kind, count(*) FROM events e JOIN windows w ON e.ts BETWEEN w.start AND w.end GROUP BY 1",
        )
        .unwrap();
        assert_eq!(t, vec![Table::Events, Table::Windows]);
        let t =
            tables_named("SELECT * FROM (SELECT * FROM RECORDS) WHERE level = 'error'").unwrap();
        assert_eq!(t, vec![Table::Records]);
    }

    #[test]
    fn a_common_table_expression_is_not_a_missing_table() {
        let t = tables_named(
            "WITH slow AS (SELECT * FROM phases WHERE duration_s > 10) SELECT count(*) FROM slow",
        )
        .unwrap();
        assert_eq!(t, vec![Table::Phases]);
    }

    #[test]
    fn rejects_bad_sql_and_unknown_tables_before_reading() {
        let e = tables_named("SELEC * FROM records").unwrap_err();
        assert!(e.0.contains("SELEC"), "{e}");
        let e = tables_named("SELECT * FROM logs").unwrap_err();
        assert!(e.0.contains("\"logs\"") && e.0.contains("records"), "{e}");
    }

    #[test]
    fn runs_over_registered_frames() {
        let df = df! { "kind" => ["node-down", "node-up", "node-down"] }.unwrap();
        let out = run(
            "SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY n DESC",
            &[(Table::Events, df)],
        )
        .unwrap();
        assert_eq!(out.height(), 2);
        let e = run(
            "SELECT nope FROM events",
            &[(Table::Events, DataFrame::empty())],
        )
        .unwrap_err();
        assert!(e.0.contains("nope"), "{e}");
    }
}

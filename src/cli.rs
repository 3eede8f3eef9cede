//! The command line: clap arguments, validated and resolved once into a
//! [`Config`] and a [`Selection`]; the stages never see clap types.

use crate::component::Component;
use crate::pipeline::Config;
use crate::report::timeline::{Format, Selection};
use crate::timeline::{self, TimelineConfig};
use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  milvus-postmortem analyze samples/kill-restart-1
  milvus-postmortem analyze milvus-log.tar.gz --json report.json
  milvus-postmortem analyze samples/kill-restart-1 --html report.html --md report.md
  milvus-postmortem timeline samples/kill-restart-1 --component querycoord --since 2026-11-26T04:15:20Z
  milvus-postmortem timeline bundle/ --format jsonl --out timeline.jsonl
  milvus-postmortem timeline samples/kill-restart-1 --events --component querycoord
  milvus-postmortem timeline pod_log/ --tz Asia/Shanghai --skew pod_log/etcd-0.log=-1.5s --format parquet --out t.parquet
  milvus-postmortem analyze bundle.tar.gz --since -2h --quiet --json report.json

Exit codes (for scripts):
  0  analysed: windows found, or none in input that was read whole
  1  nothing could be read (the files skipped and why are listed on stderr)
  2  bad arguments
  3  no window found, but some input could not be read (skipped files, a
     broken archive, files no grammar reads) or --since/--until selected
     no line: the answer may be wrong; stderr says why

Warnings go to stderr: one summary line by default, every one with
--verbose, none with --quiet. The JSON report always lists them.

Limits (each bundle): --max-bytes decompressed (archive members, .gz files;
default 16G, spooled to $TMPDIR, never held in memory), --max-files files and
members (default 100000), --max-depth archives inside archives (default 3).";

/// Post-mortem analyzer for Milvus recovery incidents.
#[derive(Parser, Debug)]
#[command(name = "milvus-postmortem", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read a bundle and summarise it (terminal, or --json).
    Analyze(AnalyzeArgs),
    /// Print the merged timeline of every source.
    Timeline(TimelineArgs),
    /// Run SQL over the records, events, spans, windows, phases and evidence of an incident.
    Query(QueryArgs),
    /// Compare two incidents, before and after tuning: windows, phases, success rate, settings.
    Compare(CompareArgs),
}

/// Arguments every command takes.
#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// Bundles: a folder, a .tar.gz/.tgz, a .zip, a .gz or a log file; several form one incident.
    #[arg(required = true, value_name = "BUNDLE")]
    pub bundles: Vec<PathBuf>,
    /// Only from this time on: RFC 3339, YYYY-MM-DD[ HH:MM:SS] in --tz, or before now (-2h, -30m, -1d).
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Only up to this time (same forms as --since).
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    pub until: Option<String>,
    /// Correct a source's clock: SRC=±DUR (SRC is its path in the bundle; DUR like -1.5s, +200ms).
    #[arg(long, value_name = "SRC=±DUR")]
    pub skew: Vec<String>,
    /// Zone of times written without one: an offset (+08:00, -0500, UTC) or an IANA name (Asia/Shanghai). Default UTC.
    #[arg(long, value_name = "TZ", allow_hyphen_values = true)]
    pub tz: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Leave out files matching GLOB (repeatable): `README.txt`, `notes/**`, `*.md`.
    /// A GLOB without `/` matches file names at any depth; with `/`, paths inside the bundle.
    /// Excluded files are listed under accounting.skipped.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Decompressed bytes one bundle may read from archives and .gz files (like 16G, 512M).
    #[arg(long, value_name = "SIZE")]
    pub max_bytes: Option<String>,
    /// Files and archive members one bundle may list.
    #[arg(long, value_name = "N")]
    pub max_files: Option<u64>,
    /// Archives inside archives read this deep.
    #[arg(long, value_name = "N")]
    pub max_depth: Option<u32>,
    /// Print every warning on stderr (default: a one-line summary).
    #[arg(long, short = 'v', conflicts_with = "quiet")]
    pub verbose: bool,
    /// Print no warning on stderr (errors still are).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// How many warnings go to stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verbosity {
    /// None (`--quiet`).
    Quiet,
    /// A one-line summary.
    Summary,
    /// Every one (`--verbose`).
    All,
}

/// `16G`, `512M`, `64K`, `1000` (bytes).
fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| {
        anyhow::anyhow!("--max-bytes {s:?}: expected a size like 16G, 512M or 100000")
    })?;
    let mul: u64 = match unit
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => bail!("--max-bytes {s:?}: the unit must be K, M, G or T"),
    };
    n.checked_mul(mul)
        .ok_or_else(|| anyhow::anyhow!("--max-bytes {s:?} is too large"))
}

/// `analyze` arguments.
#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    /// Common arguments.
    pub common: CommonArgs,
    /// Write the analysis as JSON to FILE (- for stdout).
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<String>,
    /// Write the report as one self-contained HTML file (charts, windows, evidence; - for stdout).
    #[arg(long, value_name = "FILE|-")]
    pub html: Option<PathBuf>,
    /// Write a Markdown summary for a ticket body to FILE (- for stdout).
    #[arg(long, value_name = "FILE|-")]
    pub md: Option<PathBuf>,
    /// Write the charts alone as SVG files into DIR (created if missing).
    #[arg(long, value_name = "DIR")]
    pub svg: Option<PathBuf>,
}

impl AnalyzeArgs {
    /// True when one of the outputs goes to stdout (`-`), which then carries
    /// nothing else; two outputs cannot share it.
    pub fn stdout_taken(&self) -> Result<bool> {
        let dash: Vec<&str> = [
            ("--json", self.json.as_deref() == Some("-")),
            (
                "--html",
                self.html.as_deref() == Some(std::path::Path::new("-")),
            ),
            (
                "--md",
                self.md.as_deref() == Some(std::path::Path::new("-")),
            ),
        ]
        .into_iter()
        .filter(|(_, d)| *d)
        .map(|(f, _)| f)
        .collect();
        if dash.len() > 1 {
            bail!(
                "{} cannot share stdout (-): give all but one a FILE",
                dash.join(" and ")
            );
        }
        Ok(!dash.is_empty())
    }
}

/// `timeline` arguments.
#[derive(Args, Debug)]
pub struct TimelineArgs {
    #[command(flatten)]
    /// Common arguments.
    pub common: CommonArgs,
    /// Only these components (querycoord, querynode, proxy, etcd, client, standalone, …).
    #[arg(long, value_name = "C")]
    pub component: Vec<String>,
    /// Only records written by this node (server id).
    #[arg(long, value_name = "N")]
    pub node: Option<u32>,
    /// Only recognised events (kind, emitter, subject) instead of every record.
    #[arg(long, conflicts_with = "spans")]
    pub events: bool,
    /// The spans of the trace exports (OTLP/JSON, Jaeger) instead of records:
    /// start, length, status, emitter, operation, peer, trace id.
    #[arg(long)]
    pub spans: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `query` arguments.
#[derive(Args, Debug)]
#[command(after_help = QUERY_EXAMPLES)]
pub struct QueryArgs {
    #[command(flatten)]
    /// Common arguments: the bundles, then the SQL as the last argument.
    pub common: CommonArgs,
    /// List the tables, their columns and types (and rows) instead of running SQL.
    #[arg(long)]
    pub schema: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: crate::query::output::QueryFormat,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

const QUERY_EXAMPLES: &str = "\
The last argument is the SQL (Polars SQL); the ones before it are bundles.
Only the tables a statement names are built. --schema lists their columns.
  records   a record of every source (a line, or a joined multi-line record),
            as `timeline` writes it, with `grammar` and `trace_id`
  events    a recognised event or a failed span, as `timeline --events`
  spans     a span of the trace exports, as `timeline --spans`
  windows   a client-failure window, as in `analyze --json`
  phases    a phase of a window (`window` is the window's number)
  evidence  a line cited for a window (`phase` null) or for one of its phases
Times are UTC datetimes: compare them with TIMESTAMP '2026-11-26 04:15:20'
or with a window's start and end.

Examples:
  milvus-postmortem query samples/kill-restart-1 \"SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY n DESC\"
  milvus-postmortem query samples/kill-restart-1 \"SELECT window, phase, cause, duration_s FROM phases\"
  milvus-postmortem query samples/kill-restart-1 --schema";

impl QueryArgs {
    /// The SQL (the last positional argument), leaving the bundles in
    /// `common`; with `--schema` every positional argument is a bundle.
    pub fn split_sql(&mut self) -> Result<Option<String>> {
        if self.schema {
            return Ok(None);
        }
        if self.common.bundles.len() < 2 {
            bail!("query takes one or more bundles and then the SQL: query BUNDLE... \"SELECT …\" (or --schema)");
        }
        let sql = self.common.bundles.pop().expect("two or more");
        Ok(Some(sql.to_string_lossy().into_owned()))
    }
}

/// `compare` arguments.
#[derive(Args, Debug)]
#[command(after_help = COMPARE_EXAMPLES)]
#[command(mut_arg("bundles", |a| a.required(false).value_name("BEFORE AFTER")))]
pub struct CompareArgs {
    #[command(flatten)]
    /// Common arguments: the positional bundles are BEFORE and AFTER.
    pub common: CommonArgs,
    /// A bundle of the side before the change (repeatable; instead of BEFORE AFTER).
    #[arg(long, value_name = "BUNDLE")]
    pub before: Vec<PathBuf>,
    /// A bundle of the side after the change (repeatable).
    #[arg(long, value_name = "BUNDLE")]
    pub after: Vec<PathBuf>,
    /// Write the comparison as JSON to FILE (- for stdout).
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<String>,
    /// Write the comparison as one self-contained HTML file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write a Markdown summary for a ticket.
    #[arg(long, value_name = "FILE")]
    pub md: Option<PathBuf>,
}

const COMPARE_EXAMPLES: &str = "\
Each side is analysed as its own incident; windows are paired by fault
(kill, freeze, etcd, other) and order. Success rates count the client
requests from 30 s before each fault to 30 s after the later side's
recovery, the same stretch on both sides.

Examples:
  milvus-postmortem compare samples/kill-restart-ttl45-1 samples/kill-restart-1
  milvus-postmortem compare --before day1/ --before day1-client/ --after day2/ --json -";

impl CompareArgs {
    /// The two sides' common arguments: `BEFORE AFTER`, or `--before`… and
    /// `--after`….
    pub fn sides(&self) -> Result<(CommonArgs, CommonArgs)> {
        let given = &self.common.bundles;
        let (b, a) = match (given.len(), self.before.is_empty(), self.after.is_empty()) {
            (2, true, true) => (vec![given[0].clone()], vec![given[1].clone()]),
            (0, false, false) => (self.before.clone(), self.after.clone()),
            _ => {
                bail!("compare takes BEFORE AFTER, or one or more --before and one or more --after")
            }
        };
        let side = |bundles: Vec<PathBuf>| CommonArgs {
            bundles,
            ..self.common.clone()
        };
        Ok((side(b), side(a)))
    }
}

/// Edit distance, for did-you-mean.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn did_you_mean(s: &str) -> String {
    let l = s.to_ascii_lowercase();
    match Component::ALL
        .iter()
        .map(|c| (distance(&l, c.id()), c.id()))
        .min()
    {
        Some((d, id)) if d <= 3 => format!("did you mean {id}?"),
        _ => format!(
            "known components: {}",
            Component::ALL
                .iter()
                .map(|c| c.id())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl CommonArgs {
    /// How many warnings go to stderr.
    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (_, true) => Verbosity::All,
            _ => Verbosity::Summary,
        }
    }

    /// Validates everything and builds the stage configuration; reports every
    /// problem at once.
    pub fn resolve(&self) -> Result<(Config, Selection)> {
        let mut problems = Vec::new();
        for b in &self.bundles {
            if !b.exists() {
                problems.push(format!("{}: no such file or directory", b.display()));
            }
        }
        let zone = match self.tz.as_deref().map(crate::zone::Zone::parse).transpose() {
            Ok(t) => t.unwrap_or_default(),
            Err(e) => {
                problems.push(e.to_string());
                Default::default()
            }
        };
        // The clock is read here, at the edge: for times relative to now
        // (`--since -2h`), and to date yearless lines in a bundle that has
        // no dated line at all.
        #[allow(clippy::disallowed_methods)]
        let now = chrono::Utc::now();
        let mut skews = Vec::new();
        for s in &self.skew {
            match timeline::parse_skew(s) {
                Ok(v) => skews.push(v),
                Err(e) => problems.push(e.to_string()),
            }
        }
        let mut time = |s: &Option<String>| match s
            .as_deref()
            .map(|v| crate::zone::parse_time_arg(v, &zone, now.timestamp_micros()))
            .transpose()
        {
            Ok(v) => v,
            Err(e) => {
                problems.push(e.to_string());
                None
            }
        };
        let since = time(&self.since);
        let until = time(&self.until);
        if self.threads == Some(0) {
            problems.push("--threads must be at least 1".into());
        }
        let exclude = match crate::discover::Exclude::new(&self.exclude) {
            Ok(x) => x,
            Err(e) => {
                problems.push(format!("{e:#}"));
                Default::default()
            }
        };
        if let (Some(s), Some(u)) = (since, until) {
            if s > u {
                problems.push("--since is after --until: the range selects nothing".into());
            }
        }
        let max_bytes = match self.max_bytes.as_deref().map(parse_size).transpose() {
            Ok(v) => v.unwrap_or(crate::discover::DEFAULT_MAX_BYTES),
            Err(e) => {
                problems.push(e.to_string());
                0
            }
        };
        if !problems.is_empty() {
            bail!("{}", problems.join("\n"));
        }
        let fallback_year: i32 = chrono::Datelike::year(&now);
        let cfg = Config {
            inputs: self.bundles.clone(),
            timeline: TimelineConfig {
                zone,
                skews,
                fallback_year,
                ..Default::default()
            },
            progress: true,
            range: (since, until),
            discover: crate::discover::DiscoverConfig {
                exclude,
                max_bytes,
                max_files: self.max_files.unwrap_or(crate::discover::DEFAULT_MAX_FILES),
                max_depth: self.max_depth.unwrap_or(crate::discover::DEFAULT_MAX_DEPTH),
                ..Default::default()
            },
            ..Default::default()
        };
        Ok((
            cfg,
            Selection {
                since,
                until,
                ..Default::default()
            },
        ))
    }
}

impl TimelineArgs {
    /// Adds the component and node filters.
    pub fn selection(&self, mut sel: Selection) -> Result<Selection> {
        for c in &self.component {
            match Component::from_id(c) {
                Some(x) => sel.components.push(x),
                None => bail!("--component {c:?} is not a component; {}", did_you_mean(c)),
            }
        }
        sel.node = self.node;
        Ok(sel)
    }
}

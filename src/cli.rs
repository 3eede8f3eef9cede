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
  milvus-postmortem timeline pod_log/ --tz +08:00 --skew pod_log/etcd-0.log=-1.5s --format parquet --out t.parquet

Exit codes: 0 success, 1 nothing could be read, 2 bad arguments.";

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
}

/// Arguments every command takes.
#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// Bundles: a folder, a .tar.gz/.tgz, a .zip, a .gz or a log file; several form one incident.
    #[arg(required = true, value_name = "BUNDLE")]
    pub bundles: Vec<PathBuf>,
    /// Only from this time on (RFC 3339, or YYYY-MM-DD HH:MM:SS in --tz).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Only up to this time.
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// Correct a source's clock: SRC=±DUR (SRC is its path in the bundle; DUR like -1.5s, +200ms).
    #[arg(long, value_name = "SRC=±DUR")]
    pub skew: Vec<String>,
    /// Zone of times written without one (+08:00, -0500, UTC). Default UTC.
    #[arg(long, value_name = "TZ")]
    pub tz: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Leave out files matching GLOB (repeatable): `README.txt`, `notes/**`, `*.md`.
    /// A GLOB without `/` matches file names at any depth; with `/`, paths inside the bundle.
    /// Excluded files are listed under accounting.skipped.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
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
    #[arg(long)]
    pub events: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
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
    /// Validates everything and builds the stage configuration; reports every
    /// problem at once.
    pub fn resolve(&self) -> Result<(Config, Selection)> {
        let mut problems = Vec::new();
        for b in &self.bundles {
            if !b.exists() {
                problems.push(format!("{}: no such file or directory", b.display()));
            }
        }
        let tz = match self.tz.as_deref().map(timeline::parse_tz).transpose() {
            Ok(t) => t.unwrap_or(0),
            Err(e) => {
                problems.push(e.to_string());
                0
            }
        };
        let mut skews = Vec::new();
        for s in &self.skew {
            match timeline::parse_skew(s) {
                Ok(v) => skews.push(v),
                Err(e) => problems.push(e.to_string()),
            }
        }
        let mut time = |s: &Option<String>| match s
            .as_deref()
            .map(|v| timeline::parse_time_arg(v, tz))
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
        if !problems.is_empty() {
            bail!("{}", problems.join("\n"));
        }
        // The clock is read here, at the edge, only to date yearless lines
        // in a bundle that has no dated line at all.
        #[allow(clippy::disallowed_methods)]
        let fallback_year: i32 = chrono::Datelike::year(&chrono::Utc::now());
        let cfg = Config {
            inputs: self.bundles.clone(),
            timeline: TimelineConfig {
                tz_offset_s: tz,
                skews,
                fallback_year,
                ..Default::default()
            },
            progress: true,
            range: (since, until),
            discover: crate::discover::DiscoverConfig {
                exclude,
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

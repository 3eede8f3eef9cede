//! Pipeline: runs the stages in order, once, and hands the result to the reports.
//!
//! discover → ingest (parallel parse) → timeline → recognise (+ identity) →
//! windows → attribute.

use crate::attribute::{self, Attribution};
use crate::discover::{self, DiscoverConfig, Skipped};
use crate::identity::Identity;
use crate::ingest::{self, IngestConfig};
use crate::recognise::{self, Event};
use crate::settings::{self, Setting};
use crate::timeline::{Timeline, TimelineConfig};
use crate::windows::{self, Found};
use anyhow::Result;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Everything the stages need, resolved once from the command line.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Bundles (folders, archives, files) forming one incident.
    pub inputs: Vec<PathBuf>,
    /// Discover limits.
    pub discover: DiscoverConfig,
    /// Ingest settings.
    pub ingest: IngestConfig,
    /// Timeline settings.
    pub timeline: TimelineConfig,
    /// Show a progress bar on a terminal for large inputs.
    pub progress: bool,
    /// The incident's time range (`--since`, `--until`), UTC µs.
    pub range: (Option<i64>, Option<i64>),
    /// Stop after the timeline: no events, windows or causes (the
    /// `timeline` export of records needs none of them).
    pub timeline_only: bool,
}

/// The result of a run.
#[derive(Debug)]
pub struct Analysis {
    /// Where archive members were written out: kept while the analysis
    /// lives, for the lines reports read again.
    pub spool: Option<tempfile::TempDir>,
    /// The terminal's progress bar, still shown while reports are written.
    pub progress: Option<Progress>,
    /// The inputs as given.
    pub inputs: Vec<String>,
    /// The merged timeline.
    pub timeline: Timeline,
    /// Files not read as logs.
    pub skipped: Vec<Skipped>,
    /// Timing settings found in config files.
    pub settings: Vec<Setting>,
    /// Bundle-level warnings.
    pub warnings: Vec<String>,
    /// The incident's time range (`--since`, `--until`), UTC µs. The
    /// accounting always covers every line; the range selects what is reported.
    pub range: (Option<i64>, Option<i64>),
    /// Recognised events, in timeline order.
    pub events: Vec<Event>,
    /// Failed spans of the trace exports, as events, in time order.
    pub span_events: Vec<recognise::spans::SpanEvent>,
    /// Server ids over time.
    pub identity: Identity,
    /// Windows, outages, holes, client requests.
    pub found: Found,
    /// One attribution per window of `found.windows`.
    pub attributions: Vec<Attribution>,
}

impl Analysis {
    /// Windows (with their attribution) that overlap the range.
    pub fn windows(&self) -> impl Iterator<Item = (&windows::Window, &Attribution)> {
        self.found
            .windows
            .iter()
            .zip(&self.attributions)
            .filter(|(w, _)| {
                self.range.0.is_none_or(|s| w.end >= s) && self.range.1.is_none_or(|u| w.start <= u)
            })
    }

    /// True when `ts` is inside the range.
    pub fn in_range(&self, ts: i64) -> bool {
        self.range.0.is_none_or(|s| ts >= s) && self.range.1.is_none_or(|u| ts <= u)
    }

    /// Process incarnations that overlap the range.
    pub fn incarnations(&self) -> impl Iterator<Item = &crate::timeline::Incarnation> {
        self.timeline.incarnations.iter().filter(|i| {
            self.range.0.is_none_or(|s| i.end_us >= s)
                && self.range.1.is_none_or(|u| i.start_us <= u)
        })
    }

    /// Components that wrote at least one line (lower-case ids, sorted).
    pub fn components(&self) -> Vec<&'static str> {
        // Inserted one by one (collecting a set first gathers every item),
        // as the small enum: its ids are compared once per component.
        let mut comps = std::collections::BTreeSet::new();
        for r in self.timeline.sources.iter().flat_map(|s| s.records.iter()) {
            comps.insert(r.component);
        }
        let mut ids: Vec<&'static str> = comps.into_iter().map(|c| c.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// First and last record time inside the range.
    pub fn span(&self) -> Option<(i64, i64)> {
        // Lines that only borrowed a time (banner, timeless sources) do not stretch the span.
        let times = self
            .timeline
            .sources
            .iter()
            .flat_map(|s| s.records.iter())
            .filter(|r| !r.ts_inferred())
            .map(|r| r.ts)
            // Lines dated far from the rest (1970, 9999) do not stretch it.
            .filter(|ts| self.timeline.bulk.is_none_or(|(f, l)| (f..=l).contains(ts)))
            .filter(|ts| self.in_range(*ts));
        times.fold(None, |span, ts| match span {
            None => Some((ts, ts)),
            Some((f, l)) => Some((ts.min(f), ts.max(l))),
        })
    }

    /// Every warning: the bundle's, then each source's.
    pub fn all_warnings(&self) -> impl Iterator<Item = &str> {
        self.warnings
            .iter()
            .chain(self.timeline.sources.iter().flat_map(|s| s.warnings.iter()))
            .map(String::as_str)
    }

    /// What was meant to be read and could not be: skipped files that are
    /// not skipped by design (links, special files, broken archives,
    /// budgets), and, when no grammar read any line of the input at all (a
    /// folder of prose), its sources. A single source in an unknown format
    /// beside readable logs (a broker's banner) is only counted in its
    /// accounting.
    pub fn unread(&self) -> Vec<String> {
        let skipped = self
            .skipped
            .iter()
            .filter(|s| s.unread)
            .map(|s| format!("{}: {}", s.source, s.reason));
        let none_read = self
            .timeline
            .sources
            .iter()
            .all(|s| s.accounting.lines_parsed == 0);
        let unknown = self
            .timeline
            .sources
            .iter()
            .filter(|s| none_read && s.accounting.lines_total > 0)
            .map(|s| {
                format!(
                    "{}: none of its {} lines is in a log format the tool reads",
                    s.name, s.accounting.lines_total
                )
            });
        skipped.chain(unknown).collect()
    }

    /// True when `--since`/`--until` were given and no line falls inside.
    pub fn range_selects_nothing(&self) -> bool {
        (self.range.0.is_some() || self.range.1.is_some()) && self.span().is_none()
    }

    /// True when no line at all could be read.
    pub fn is_empty(&self) -> bool {
        self.timeline
            .sources
            .iter()
            .all(|s| s.accounting.lines_total == 0)
    }
}

/// Inputs larger than this get a progress bar on a terminal.
const PROGRESS_BYTES: u64 = 64 << 20;

/// The progress bar of a run on a terminal: bytes read, then the stage.
/// Cloning it shares the bar (the report writers finish it).
#[derive(Clone, Debug)]
pub struct Progress(indicatif::ProgressBar);

impl Progress {
    /// A bar over `bytes` of input.
    fn new(bytes: u64) -> Progress {
        let b = indicatif::ProgressBar::new(bytes);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg:<18} [{bar:30}] {bytes}/{total_bytes} {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_message("reading");
        Progress(b)
    }

    /// The stage now running (`finding windows`, `writing report`).
    pub fn stage(&self, name: &'static str) {
        self.0.set_message(name);
        self.0.tick();
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// Runs the pipeline: discover, ingest, timeline, then (unless
/// `timeline_only`) recognition, identity, windows and attribution.
pub fn run(cfg: &Config) -> Result<Analysis> {
    let found = discover::discover(&cfg.inputs, &cfg.discover)?;
    let bytes: u64 = found.sources.iter().map(ingest::spec_bytes).sum();
    // Only where someone can see a bar, and only when the wait is long enough.
    let bar = (cfg.progress && std::io::stderr().is_terminal() && bytes > PROGRESS_BYTES)
        .then(|| Progress::new(bytes));
    let mut ing = ingest::ingest(found, &cfg.ingest, bar.as_ref().map(|b| &b.0));
    if let Some(b) = &bar {
        b.stage("finding windows");
    }
    let settings: Vec<crate::settings::Setting> = ing
        .configs
        .iter()
        .flat_map(|c| settings::read(&c.name, &c.text))
        .collect();
    // Streamed files are hashed from their files beside the later stages.
    let hashing = cfg.ingest.hash.then(|| {
        let files: Vec<(usize, std::path::PathBuf)> = ing
            .sources
            .iter()
            .enumerate()
            .filter(|(_, s)| s.compacted && s.sha256.is_none())
            .filter_map(|(i, s)| s.reread.clone().map(|p| (i, p)))
            .collect();
        std::thread::spawn(move || ingest::hash_files(files))
    });
    let skipped = ing.skipped.clone();
    let mut warnings = ing.warnings.clone();
    let spool = ing.spool.take();
    // Several bundles on the command line: the timeline says so to every
    // later stage (each bundle is its own incident).
    let timeline_cfg = crate::timeline::TimelineConfig {
        several_bundles: cfg.inputs.len() > 1,
        ..cfg.timeline.clone()
    };
    let mut timeline = Timeline::build(ing, &timeline_cfg);
    warnings.extend(timeline.warnings.iter().cloned());
    let after = if cfg.timeline_only {
        AfterTimeline::default()
    } else {
        find_windows(&mut timeline, &settings)
    };
    for (i, sum) in hashing.map_or_else(Vec::new, |h| h.join().unwrap_or_default()) {
        timeline.sources[i].sha256 = sum;
    }
    Ok(Analysis {
        progress: bar,
        inputs: cfg.inputs.iter().map(|p| p.display().to_string()).collect(),
        timeline,
        skipped,
        settings,
        warnings,
        range: cfg.range,
        events: after.events,
        span_events: after.span_events,
        identity: after.identity,
        found: after.found,
        attributions: after.attributions,
        spool,
    })
}

/// What the stages after the timeline give.
#[derive(Default)]
struct AfterTimeline {
    events: Vec<recognise::Event>,
    span_events: Vec<recognise::spans::SpanEvent>,
    identity: Identity,
    found: windows::Found,
    attributions: Vec<Attribution>,
}

/// The stages after the timeline: events, identity, windows, their causes.
fn find_windows(timeline: &mut Timeline, settings: &[crate::settings::Setting]) -> AfterTimeline {
    let events = recognise::recognise(timeline);
    // What the recogniser found is in the events now.
    timeline.release_recognised();
    let identity = Identity::build(timeline, &events);
    // A failed span's peer is a node through identity's address book.
    let span_events = recognise::spans::span_events(timeline, &identity);
    let found = windows::find(timeline, &events, &identity);
    // Every request is in `found` now; only failures' error texts are read later.
    timeline.release_successful_requests();
    let timeline = &*timeline;
    let attributions = {
        let spans = attribute::traces::SpanIndex::build(timeline);
        let ctx = attribute::Context::new(
            timeline,
            &events,
            &identity,
            &found,
            settings,
            &spans,
            &span_events,
        );
        // Windows are independent: attributed in parallel, collected in order.
        use rayon::prelude::*;
        found
            .windows
            .par_iter()
            .map(|w| attribute::attribute(&ctx, w))
            .collect()
    };
    AfterTimeline {
        events,
        span_events,
        identity,
        found,
        attributions,
    }
}

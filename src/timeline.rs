//! Timeline: puts every record of every source on one UTC time axis, in one
//! stable order, and says which process incarnation wrote it.
//!
//! * UTC: the offset written on a line wins; zoneless times are read in
//!   `--tz` (UTC by default); a missing year comes from the nearest dated
//!   record of the same source, else of the bundle; `--skew SRC=±DUR` moves a
//!   source's clock.
//! * A record without a time (banner, continuation-only shapes, unparsed
//!   lines) takes the time of the record before it in its source and is
//!   marked `ts_inferred`.
//! * Incarnations: a Milvus process starts at `starting running Milvus
//!   components` or at its banner (with the `maxprocs` line before it). The
//!   file log of one incarnation (`standalone-<id>.log`), its stdout and its
//!   stderr are linked by time into one process, whose server id is the
//!   emitter (`node`) of every record it wrote.
//! * Order: by UTC time, then source name, then line: stable and
//!   independent of thread count.
//!
//! Must not know: grammars' syntax, root causes, report formats.

use crate::component::Component;
use crate::ingest::Ingested;
use crate::recognise::rules::{self, Signal};
use crate::record::{Record, Source};
use anyhow::{bail, Result};
use parsers::{Grammar, Timestamp};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Settings of the timeline stage.
#[derive(Clone, Debug, Default)]
pub struct TimelineConfig {
    /// Zone of times written without one (`--tz`).
    pub zone: crate::zone::Zone,
    /// Clock corrections: (source name or suffix, µs to add).
    pub skews: Vec<(String, i64)>,
    /// Year for yearless times when no record of the bundle has a year.
    pub fallback_year: i32,
    /// Several bundles were given (each source's name starts with its
    /// bundle's): each is its own incident, and no process of one is taken
    /// for a process of another, whatever server ids they share.
    pub several_bundles: bool,
}

/// A process incarnation: one run of one Milvus process.
#[derive(Clone, Debug, Serialize)]
pub struct Incarnation {
    /// Index in [`Timeline::incarnations`].
    pub id: u32,
    /// What ties its sources together (folder and role, or pod).
    pub group: String,
    /// Role of the process.
    pub component: Component,
    /// Server id (the emitter id of its records), when known.
    pub node_id: Option<u32>,
    /// True when `node_id` was written by the process itself (registration,
    /// `Set log file to`), not read from a file name. What the process
    /// writes wins: a deployment may name its files otherwise.
    #[serde(skip)]
    pub node_from_content: bool,
    /// First record, UTC µs.
    pub start_us: i64,
    /// Last record, UTC µs.
    pub end_us: i64,
    /// True when the start was seen (banner or `starting running Milvus components`).
    pub start_seen: bool,
    /// Where the start was seen: (source, line).
    pub start_at: Option<(String, u32)>,
    /// True when `start_at` is a `starting running Milvus components` line (ms precision).
    #[serde(skip)]
    pub start_precise: bool,
    /// Sources holding its records.
    pub sources: Vec<String>,
    /// Its first and last own line with a time of its own (a grammar read
    /// it): positions (source, record) in timeline order, computed once.
    #[serde(skip)]
    pub edges: Option<((u32, u32), (u32, u32))>,
    /// The roles it registered sessions for (what it is, whatever its
    /// files are called).
    #[serde(skip)]
    pub roles: Vec<Component>,
}

/// The merged timeline.
#[derive(Debug)]
pub struct Timeline {
    /// Sources with their records (records carry UTC times, node, incarnation).
    pub sources: Vec<Source>,
    /// Process incarnations, by start time.
    pub incarnations: Vec<Incarnation>,
    /// Problems found while building it.
    pub warnings: Vec<String>,
    /// Several bundles were given: a source's name, an incarnation's group
    /// start with its bundle's name ([`Timeline::bundle_of`]).
    pub several_bundles: bool,
    /// The span the bulk of the lines cover ([`bulk_span`]): a line dated
    /// 1970 or 9999 is kept, warned about, and left out of the report's
    /// span and charts.
    pub bulk: Option<(i64, i64)>,
}

const DAY_US: i64 = 86_400_000_000;

/// The span that the bulk of the bundle's lines cover: lines are counted
/// per day; days less than a day apart form one stretch; the stretch with
/// most lines is the bulk. Lines outside it (a clock reset to 1970, a
/// corrupt year) are kept in the timeline and named in a warning. One
/// pass over the records, then over the days.
fn bulk_span(sources: &[Source], warnings: &mut Vec<String>) -> Option<(i64, i64)> {
    let mut days: BTreeMap<i64, (u64, i64, i64)> = BTreeMap::new();
    // A source's lines run in time order: one day is counted locally until
    // the day changes, not looked up line by line.
    type Run = Option<(i64, (u64, i64, i64))>;
    let mut flush = |run: Run| {
        if let Some((day, (n, f, l))) = run {
            let d = days.entry(day).or_insert((0, f, l));
            d.0 += n;
            d.1 = d.1.min(f);
            d.2 = d.2.max(l);
        }
    };
    let mut run: Run = None;
    for r in sources
        .iter()
        .flat_map(|s| s.records.iter())
        .filter(|r| !r.ts_inferred())
    {
        let day = r.ts.div_euclid(DAY_US);
        match &mut run {
            Some((d, c)) if *d == day => {
                c.0 += 1;
                c.1 = c.1.min(r.ts);
                c.2 = c.2.max(r.ts);
            }
            _ => flush(run.replace((day, (1, r.ts, r.ts)))),
        }
    }
    flush(run);
    // Stretches of days: (lines, first, last).
    let mut stretches: Vec<(u64, i64, i64)> = Vec::new();
    let mut prev_day = None;
    for (day, (n, first, last)) in days {
        match (stretches.last_mut(), prev_day) {
            (Some(s), Some(p)) if day - p <= 2 => {
                s.0 += n;
                s.2 = last;
            }
            _ => stretches.push((n, first, last)),
        }
        prev_day = Some(day);
    }
    let bulk = stretches.iter().copied().max_by_key(|s| s.0)?;
    let outside: u64 = stretches.iter().map(|s| s.0).sum::<u64>() - bulk.0;
    if outside > 0 {
        let example = sources
            .iter()
            .flat_map(|s| s.records.iter().map(move |r| (s, r)))
            .find(|(_, r)| !r.ts_inferred() && (r.ts < bulk.1 || r.ts > bulk.2))
            .map(|(s, r)| {
                format!(
                    "{}:{} at {}",
                    s.name,
                    r.line,
                    parsers::timestamp::rfc3339_ms(r.ts)
                )
            })
            .unwrap_or_default();
        warnings.push(format!(
            "{outside} line(s) are dated more than a day away from the bulk of the bundle ({} to {}), e.g. {example}: they are kept in the timeline, left out of the report's span and charts",
            parsers::timestamp::rfc3339_ms(bulk.1),
            parsers::timestamp::rfc3339_ms(bulk.2)
        ));
    }
    Some((bulk.1, bulk.2))
}

/// Parses a duration like `1.5s`, `-200ms`, `+2m`, `1h`, `300us` into µs.
pub fn parse_duration_us(s: &str) -> Result<i64> {
    let t = s.trim();
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    let split = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (num, unit) = body.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("duration {s:?} has no number"))?;
    let mul = match unit {
        "us" | "µs" => 1.0,
        "ms" => 1e3,
        "s" | "" => 1e6,
        "m" | "min" => 60e6,
        "h" => 3600e6,
        _ => bail!("duration {s:?}: unit must be us, ms, s, m or h"),
    };
    Ok((sign * n * mul).round() as i64)
}

/// Parses `SRC=±DUR`.
pub fn parse_skew(s: &str) -> Result<(String, i64)> {
    let Some((src, dur)) = s.rsplit_once('=') else {
        bail!("--skew {s:?}: expected SRC=±DUR, e.g. milvus/standalone-1.log=+1.5s")
    };
    Ok((src.to_string(), parse_duration_us(dur)?))
}

impl Timeline {
    /// Keeps only the failed requests' rows ([`Source::requests`]) once the
    /// windows stage has listed every request: later stages read a
    /// failure's error text, nothing of a success.
    pub fn release_successful_requests(&mut self) {
        for s in &mut self.sources {
            s.requests.retain(|q| !q.ok());
            s.requests.shrink_to_fit();
        }
    }

    /// Frees every source's recognised rows ([`Source::recognised`]) once
    /// the events hold them: the stages after that read events.
    pub fn release_recognised(&mut self) {
        for s in &mut self.sources {
            s.recognised = Vec::new();
        }
    }

    /// Builds the timeline of everything ingest read.
    pub fn build(ing: Ingested, cfg: &TimelineConfig) -> Timeline {
        let mut sources = ing.sources;
        let mut warnings = Vec::new();
        let bundle_ref = bundle_reference(&sources);
        let fallback_year = cfg.fallback_year;
        for (pat, _) in &cfg.skews {
            if !sources.iter().any(|s| skew_applies(&s.name, pat)) {
                warnings.push(format!(
                    "--skew {pat}: no source has that name; nothing was moved"
                ));
            }
        }
        let notes: Vec<Option<String>> = sources
            .par_iter_mut()
            .map(|s| resolve_times(s, cfg, bundle_ref, fallback_year))
            .collect();
        warnings.extend(notes.into_iter().flatten());
        place_timeless_sources(&mut sources, &mut warnings);
        let incarnations = link_incarnations(&mut sources, cfg.several_bundles);
        let mut incarnations = incarnations;
        find_edges(&sources, &mut incarnations);
        let bulk = bulk_span(&sources, &mut warnings);
        Timeline {
            sources,
            incarnations,
            warnings,
            several_bundles: cfg.several_bundles,
            bulk,
        }
    }

    /// The bundle a source name or an incarnation's group belongs to, when
    /// several were given: its first folder.
    pub fn bundle_of<'a>(&self, name: &'a str) -> Option<&'a str> {
        self.several_bundles
            .then(|| name.split('/').next())
            .flatten()
    }

    /// The emitter of a record: the server id of its incarnation, when known.
    pub fn node_of(&self, r: &Record) -> Option<u32> {
        r.incarnation()
            .and_then(|i| self.incarnations.get(i as usize))
            .and_then(|i| i.node_id)
    }

    /// Every record as (source index, record index), in timeline order.
    /// The order is found for each walk and freed with it (an
    /// out-of-order source needs an index per record; two stages walk it).
    pub fn ordered(&self) -> Ordered<'_> {
        self.ordered_among(|_| true)
    }

    /// The records of the sources `keep` selects, in timeline order: the
    /// others are left out of the walk and need no order.
    pub fn ordered_among(&self, keep: impl Fn(&Source) -> bool + Sync + Send) -> Ordered<'_> {
        let kept: Vec<bool> = self.sources.par_iter().map(keep).collect();
        ordered(&self.sources, Order::of(&self.sources, &kept), &kept)
    }

    /// The record at a (source, record) position.
    pub fn record(&self, (s, r): (u32, u32)) -> (&Source, &Record) {
        let src = &self.sources[s as usize];
        (src, &src.records[r as usize])
    }

    /// The span at (source index, row of its span table), with its table.
    pub fn span(&self, (s, r): (u32, u32)) -> (&crate::record::SpanTable, &crate::record::SpanRow) {
        let t = &self.sources[s as usize].spans;
        (t, &t.rows[r as usize])
    }

    /// The Milvus version from the first banner `Version:` line.
    pub fn milvus_version(&self) -> Option<String> {
        self.sources
            .iter()
            .flat_map(|s| {
                s.records
                    .iter()
                    .filter(|r| r.grammar == Some(Grammar::Banner))
                    .map(move |r| s.message(r))
            })
            .find_map(|m| parsers::banner_version(&m).map(str::to_string))
    }
}

/// The timeline order of the records, as each source's own order, found for
/// one walk ([`Timeline::ordered`]): a source whose records are in time order
/// already (most are) needs nothing, others their sorted record indexes; the
/// walk merges them as it goes, so the merged order is never held whole.
#[derive(Clone, Debug, Default)]
pub struct Order {
    /// Per source: `None` when its records are in order, else their indexes sorted.
    per_source: Vec<Option<Vec<u32>>>,
}

/// The key records are ordered by: (time, source, line, offset, record).
type Key = (i64, u32, u32, u32, u32);

fn key(sources: &[Source], si: usize, ri: u32) -> Key {
    let r = &sources[si].records[ri as usize];
    (r.ts, si as u32, r.line, r.offset, ri)
}

impl Order {
    /// Each source sorted on its own, in parallel (a stable sort runs
    /// through the sorted stretches of a nearly sorted source).
    fn of(sources: &[Source], kept: &[bool]) -> Order {
        let per_source = sources
            .par_iter()
            .enumerate()
            .map(|(si, s)| {
                if !kept[si] {
                    return None;
                }
                let n = s.records.len() as u32;
                if (1..n).all(|ri| key(sources, si, ri - 1) <= key(sources, si, ri)) {
                    return None;
                }
                let mut idx: Vec<u32> = (0..n).collect();
                idx.sort_by_key(|ri| key(sources, si, *ri));
                Some(idx)
            })
            .collect();
        Order { per_source }
    }

    /// The record at a position of a source's order.
    fn at(&self, si: usize, pos: usize) -> u32 {
        match &self.per_source[si] {
            Some(idx) => idx[pos],
            None => pos as u32,
        }
    }
}

/// Every record in timeline order: the sources' orders merged as read.
pub struct Ordered<'t> {
    sources: &'t [Source],
    order: Order,
    heads: std::collections::BinaryHeap<std::cmp::Reverse<(Key, usize)>>,
}

impl Iterator for Ordered<'_> {
    type Item = (u32, u32);

    fn next(&mut self) -> Option<(u32, u32)> {
        let std::cmp::Reverse((k, pos)) = self.heads.pop()?;
        let si = k.1 as usize;
        if pos + 1 < self.sources[si].records.len() {
            let ri = self.order.at(si, pos + 1);
            self.heads
                .push(std::cmp::Reverse((key(self.sources, si, ri), pos + 1)));
        }
        Some((k.1, k.4))
    }
}

fn ordered<'t>(sources: &'t [Source], order: Order, kept: &[bool]) -> Ordered<'t> {
    let heads = sources
        .iter()
        .enumerate()
        .filter(|(si, s)| kept[*si] && !s.records.is_empty())
        .map(|(si, _)| std::cmp::Reverse((key(sources, si, order.at(si, 0)), 0)))
        .collect();
    Ordered {
        sources,
        order,
        heads,
    }
}

/// Each incarnation's first and last own timed line in timeline order: the
/// least and greatest timeline key among its lines, found per source in
/// parallel and then across sources (no merge of the order needed).
fn find_edges(sources: &[Source], incarnations: &mut [Incarnation]) {
    // Per source, one entry per run of lines of the same incarnation.
    let runs: Vec<Vec<(u32, Key, Key)>> = sources
        .par_iter()
        .enumerate()
        .map(|(si, s)| {
            let mut runs: Vec<(u32, Key, Key)> = Vec::new();
            for (ri, r) in s.records.iter().enumerate() {
                let Some(i) = r.incarnation() else { continue };
                if r.ts_inferred() || r.grammar.is_none() {
                    continue;
                }
                let k = key(sources, si, ri as u32);
                match runs.last_mut() {
                    Some((j, a, b)) if *j == i => (*a, *b) = ((*a).min(k), (*b).max(k)),
                    _ => runs.push((i, k, k)),
                }
            }
            runs
        })
        .collect();
    let mut edges: Vec<Option<(Key, Key)>> = vec![None; incarnations.len()];
    for (i, a, b) in runs.into_iter().flatten() {
        let e = &mut edges[i as usize];
        *e = Some(e.map_or((a, b), |(x, y)| (x.min(a), y.max(b))));
    }
    for (inc, e) in incarnations.iter_mut().zip(edges) {
        inc.edges = e.map(|(first, last)| ((first.1, first.4), (last.1, last.4)));
    }
}

/// A source without a single time of its own (a pasted REPL session, a
/// traceback) is placed at the start of the bundle rather than at 1970.
fn place_timeless_sources(sources: &mut [Source], warnings: &mut Vec<String>) {
    let earliest = sources
        .iter()
        .flat_map(|s| s.records.iter())
        .filter(|r| !r.ts_inferred())
        .map(|r| r.ts)
        .min();
    for s in sources
        .iter_mut()
        .filter(|s| !s.records.is_empty() && s.records.iter().all(|r| r.ts_inferred()))
    {
        let Some(t) = earliest else {
            // Nothing to place them by: what they say is left out, and said so.
            let said = s
                .recognised
                .iter()
                .filter(|x| rules::by_id(x.rule).is_some_and(|r| !r.signal.is_marker()))
                .count();
            if said > 0 {
                warnings.push(format!(
                    "{}: no line of the bundle has a time: its {said} recognised line(s) cannot be placed on the timeline and are left out of the events",
                    s.name
                ));
            }
            continue;
        };
        for r in &mut s.records {
            r.ts = t;
        }
        warnings.push(format!(
            "{}: no line has a time; its lines are placed at the start of the bundle",
            s.name
        ));
    }
}

/// A dated local time of the bundle (the first one, in source order), to
/// give a year to sources that have none.
fn bundle_reference(sources: &[Source]) -> Option<i64> {
    sources
        .iter()
        .flat_map(|s| s.records.iter())
        .filter(|r| !r.stamp_wrapper())
        .find_map(|r| r.stamp().filter(|t| t.year_known).map(|t| t.local_us))
}

/// The year (of ref−1, ref, ref+1) that puts a yearless time closest to a
/// dated reference.
fn fill_year(ts: Timestamp, reference_local: i64) -> Timestamp {
    let (y, _, _) = parsers::timestamp::civil_from_days(reference_local.div_euclid(86_400_000_000));
    [y - 1, y, y + 1]
        .into_iter()
        .map(|yy| ts.with_year(yy))
        .min_by_key(|t| (t.local_us - reference_local).abs())
        .unwrap_or(ts)
}

/// True when a `--skew` name designates the source: its whole name, or its
/// last path components.
fn skew_applies(name: &str, pat: &str) -> bool {
    name == pat || name.ends_with(&format!("/{pat}"))
}

/// Sets `ts`/`ts_inferred` of every record of a source.
fn resolve_times(
    s: &mut Source,
    cfg: &TimelineConfig,
    bundle_ref: Option<i64>,
    fallback_year: i32,
) -> Option<String> {
    let skew: i64 = cfg
        .skews
        .iter()
        .filter(|(pat, _)| skew_applies(&s.name, pat))
        .map(|(_, d)| *d)
        .sum();
    // A yearless time takes its year from the nearest dated record before
    // it or, with none before, from the first one after (which is then the
    // source's first dated record): one forward pass, no per-record table.
    let first_dated = s
        .records
        .iter()
        .find_map(|r| r.stamp().filter(|t| t.year_known).map(|t| t.local_us));
    let mut yearless_without_ref = false;
    let mut utc_of = |mut t: Timestamp, dated_before: Option<i64>| -> i64 {
        if !t.year_known {
            match dated_before.or(first_dated).or(bundle_ref) {
                Some(reference) => t = fill_year(t, reference),
                None => {
                    t = t.with_year(fallback_year);
                    yearless_without_ref = true;
                }
            }
        }
        t.utc_us().unwrap_or_else(|| cfg.zone.to_utc_us(t.local_us)) + skew
    };
    // Lines before the first time of the source borrow that time.
    let first_known = s
        .records
        .iter()
        .find_map(|r| r.stamp())
        .map_or(0, |t| utc_of(t, None));
    let mut carry = first_known;
    let mut dated_before = None;
    for r in &mut s.records {
        match r.stamp() {
            Some(t) => {
                if t.year_known {
                    dated_before = Some(t.local_us);
                }
                let v = utc_of(t, dated_before);
                r.set_time(v, false);
                carry = v;
            }
            None => r.set_time(carry, true),
        }
    }
    yearless_without_ref.then(|| format!("{}: times without a year and no dated line in the bundle; year {fallback_year} assumed", s.name))
}

/// A run of records of one source that belongs to one process.
struct Segment {
    source: usize,
    first: usize,
    last: usize,
    start_us: i64,
    end_us: i64,
    /// Record index of a seen start (banner or `starting running Milvus components`).
    marker: Option<usize>,
    /// True when the start seen is `starting running Milvus components` (ms precision).
    precise: bool,
}

/// The recogniser's signal for a record, if it recognised it.
fn signal_at(s: &Source, record: usize) -> Option<Signal> {
    s.recognised_in(record, record)
        .first()
        .and_then(|x| rules::by_id(x.rule))
        .map(|r| r.signal)
}

/// Config loading that Milvus 2.2 logs just before `starting running Milvus
/// components` (a marker of the recognition table): part of that start.
fn is_pre_start(s: &Source, record: usize, start: &Record) -> bool {
    signal_at(s, record) == Some(Signal::ConfigLoading)
        && start.ts - s.records[record].ts <= 1_000_000
}

/// The run of a source being cut into segments: where it begins, what of
/// a start it has seen, and the record that dates it.
#[derive(Default)]
struct Run {
    begin: usize,
    marker: Option<usize>,
    precise: bool,
    has_banner: bool,
    has_start: bool,
    has_log_file: bool,
}

impl Run {
    /// Ends the run before record `at` (pushing it as a segment when it
    /// holds records) and begins a new one there.
    fn cut(&mut self, si: usize, s: &Source, at: usize, out: &mut Vec<Segment>) {
        if at > self.begin {
            out.extend(seg(si, s, self.begin, at - 1, self.marker, self.precise));
        }
        *self = Run {
            begin: at,
            ..Run::default()
        };
    }
}

/// Splits a source into segments at process starts (the recogniser's
/// `Started` and `BannerPrinted` rows). A banner and the `starting running
/// Milvus components` after it are one start.
fn segments(si: usize, s: &Source) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut run = Run::default();
    // The record of the last log-file line: `Log directory` and `Set log
    // file to` next to each other are one opening.
    let mut opened_at = 0usize;
    let starts = s
        .recognised
        .iter()
        .filter_map(|x| match rules::by_id(x.rule).map(|r| r.signal) {
            Some(Signal::BannerPrinted) => Some((x.record as usize, Some(true))),
            Some(Signal::Started) => Some((x.record as usize, Some(false))),
            Some(Signal::LogFileSet | Signal::LogDirectorySet) => Some((x.record as usize, None)),
            _ => None,
        });
    for (i, kind) in starts {
        // A process opens its log file once (`Set log file to`): a second
        // opening in one run of a file is the next process appending to it,
        // whose start was written elsewhere (stdout). It joins the process
        // started before it.
        let Some(banner) = kind else {
            let same_opening = run.has_log_file && i <= opened_at + 2;
            opened_at = i;
            if run.has_log_file && !same_opening {
                run.cut(si, s, i, &mut out);
            }
            run.has_log_file = true;
            continue;
        };
        let start = !banner;
        let new = if banner {
            run.has_banner || run.has_start
        } else {
            run.has_start
        };
        // The banner's first rows and the `maxprocs` line just before it belong to the new process.
        let mut at = i;
        if banner {
            while at > run.begin
                && s.records[at - 1]
                    .grammar
                    .is_some_and(|g| g == Grammar::Banner || g == Grammar::GoStdlog)
                && s.records[at - 1].line + 3 >= s.records[at].line
            {
                at -= 1;
            }
        } else {
            while at > run.begin && is_pre_start(s, at - 1, &s.records[i]) {
                at -= 1;
            }
        }
        // Lines before a source's first start that are not its config
        // loading are the tail of a process whose start is not in this source.
        let orphan_head = run.marker.is_none() && at > run.begin;
        if new || orphan_head {
            run.cut(si, s, at, &mut out);
        }
        // `starting running Milvus components` (ms) after the banner's
        // `maxprocs` line (s) of the same start dates it more precisely.
        if run.marker.is_none() || (start && !run.precise) {
            run.marker = Some(i);
            run.precise = start;
        }
        run.has_banner |= banner;
        run.has_start |= start;
    }
    let end = s.records.len();
    run.cut(si, s, end, &mut out);
    out
}

/// The run `first..=last` as a segment, or `None` when it holds no Milvus
/// line (the etcd or MinIO lines of a mixed stream are no process).
fn seg(
    source: usize,
    s: &Source,
    first: usize,
    last: usize,
    marker: Option<usize>,
    precise: bool,
) -> Option<Segment> {
    // Lines are not always in time order (pasted or merged logs): the run
    // spans from its earliest to its latest Milvus time.
    let times = s.records[first..=last]
        .iter()
        .filter(|r| r.component.is_milvus())
        .map(|r| r.ts);
    let (start_us, end_us) = times.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
    (start_us <= end_us).then_some(Segment {
        source,
        first,
        last,
        start_us,
        end_us,
        marker,
        precise: precise && marker.is_some(),
    })
}

/// Server id a process wrote about itself in the records `first..=last`:
/// its registration (2.3 standalone: one id for all roles) or the name of
/// the log file it set.
fn node_id_in(s: &Source, first: usize, last: usize) -> Option<u32> {
    s.recognised_in(first, last).iter().find_map(|x| {
        let signal = rules::by_id(x.rule)?.signal;
        matches!(signal, Signal::Registered | Signal::LogFileSet)
            .then_some(x.subject)
            .flatten()
    })
}

/// How close (µs) two starts must be to be the same process seen in two streams.
const SAME_START_US: i64 = 5_000_000;

fn link_incarnations(sources: &mut [Source], several_bundles: bool) -> Vec<Incarnation> {
    let mut incarnations: Vec<Incarnation> = Vec::new();
    for (group, segs) in group_segments(sources) {
        let procs = link_group(&group, segs, sources, &mut incarnations);
        for (idx, members) in procs {
            for g in members {
                // Only the process's own lines: not the etcd or MinIO lines
                // of a mixed stream.
                for r in sources[g.source].records[g.first..=g.last]
                    .iter_mut()
                    .filter(|r| r.component.is_milvus())
                {
                    r.set_incarnation(Some(idx as u32));
                }
            }
        }
    }
    for inc in &mut incarnations {
        if let Some(c) = Component::of_registered(&inc.roles) {
            inc.component = c;
        }
    }
    let alias = merge_same_process(&mut incarnations, several_bundles);
    renumber_by_start(sources, incarnations, &alias)
}

/// Joins the runs that are one process seen through files grouped apart
/// (its stdout and its file log under names that do not tie them): the
/// same server id, written by the process itself, over overlapping times.
/// Returns, per incarnation index, the index it now is (itself, or the one
/// it joined); [`renumber_by_start`] drops the joined ones.
fn merge_same_process(incarnations: &mut [Incarnation], several_bundles: bool) -> Vec<usize> {
    // With several bundles, a group starts with its bundle's name.
    fn bundle(i: &Incarnation, several: bool) -> Option<&str> {
        several.then(|| i.group.split('/').next()).flatten()
    }
    let mut alias: Vec<usize> = (0..incarnations.len()).collect();
    let mut by_id: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, inc) in incarnations.iter().enumerate() {
        if let (Some(id), true) = (inc.node_id, inc.node_from_content) {
            by_id.entry(id).or_default().push(i);
        }
    }
    for runs in by_id.values() {
        for (k, &b) in runs.iter().enumerate() {
            let (bs, be) = (incarnations[b].start_us, incarnations[b].end_us);
            let into = runs[..k].iter().copied().find(|&a| {
                alias[a] == a
                    && incarnations[a].group != incarnations[b].group
                    && bundle(&incarnations[a], several_bundles)
                        == bundle(&incarnations[b], several_bundles)
                    && incarnations[a].start_us <= be + SAME_START_US
                    && bs <= incarnations[a].end_us + SAME_START_US
            });
            if let Some(a) = into {
                join_into(incarnations, &mut alias, b, a);
            }
        }
    }
    // A start seen in a stream that names no id (2.2 writes its
    // registrations only to its file log) is the start of the run of the
    // same folder, in another file, that begins within seconds after it
    // and whose own start is not seen.
    for a in 0..incarnations.len() {
        let inc = &incarnations[a];
        if alias[a] != a || !inc.start_seen || (inc.node_id.is_some() && inc.node_from_content) {
            continue;
        }
        fn folder(i: &Incarnation) -> Option<&str> {
            i.group.split('|').next()
        }
        let into = (0..incarnations.len()).find(|&b| {
            let o = &incarnations[b];
            alias[b] == b
                && b != a
                && !o.start_seen
                && o.node_from_content
                && o.group != inc.group
                && folder(o) == folder(inc)
                && (inc.start_us..=inc.start_us + SAME_START_US).contains(&o.start_us)
        });
        if let Some(b) = into {
            join_into(incarnations, &mut alias, a, b);
        }
    }
    // A run that shows neither an id nor a start (the current part of a
    // rotated file log) is the only run of its folder, in another file,
    // alive while it writes; with several such runs (the pods of a
    // cluster), it stays its own.
    for a in 0..incarnations.len() {
        let inc = &incarnations[a];
        if alias[a] != a || inc.start_seen || inc.node_id.is_some() {
            continue;
        }
        fn folder(i: &Incarnation) -> Option<&str> {
            i.group.split('|').next()
        }
        let mut alive = (0..incarnations.len()).filter(|&b| {
            let o = &incarnations[b];
            alias[b] == b
                && b != a
                && o.group != inc.group
                && folder(o) == folder(inc)
                && o.start_us <= inc.start_us + SAME_START_US
                && inc.start_us <= o.end_us + SAME_START_US
        });
        if let (Some(b), None) = (alive.next(), alive.next()) {
            join_into(incarnations, &mut alias, a, b);
        }
    }
    alias
}

/// Joins run `from` into run `into` (both still their own).
fn join_into(incarnations: &mut [Incarnation], alias: &mut [usize], from: usize, into: usize) {
    let mut other = incarnations[from].clone();
    let sources = std::mem::take(&mut other.sources);
    join_run(&mut incarnations[into], &other, sources);
    for a in alias.iter_mut().filter(|a| **a == from) {
        *a = into;
    }
}

/// Adds what another view of the same process tells about it.
fn join_run(inc: &mut Incarnation, other: &Incarnation, sources: Vec<String>) {
    let better_start =
        other.start_seen && (!inc.start_seen || (other.start_precise && !inc.start_precise));
    if better_start {
        inc.start_us = other.start_us;
        inc.start_at = other.start_at.clone();
        inc.start_precise = other.start_precise;
        inc.start_seen = true;
    } else if !inc.start_seen {
        inc.start_us = inc.start_us.min(other.start_us);
    }
    inc.end_us = inc.end_us.max(other.end_us);
    for s in sources {
        if !inc.sources.contains(&s) {
            inc.sources.push(s);
        }
    }
    for r in &other.roles {
        if !inc.roles.contains(r) {
            inc.roles.push(*r);
        }
    }
    if matches!(inc.component, Component::Milvus | Component::Other) {
        inc.component = other.component;
    }
}

/// The segments of every Milvus source, by the key that ties a process's streams.
fn group_segments(sources: &[Source]) -> BTreeMap<String, Vec<Segment>> {
    let mut groups: BTreeMap<String, Vec<Segment>> = BTreeMap::new();
    for (si, s) in sources.iter().enumerate() {
        // A mixed stream (docker compose logs) counts when it holds Milvus lines.
        let milvus = s.component.is_milvus() || s.records.iter().any(|r| r.component.is_milvus());
        if milvus && !s.records.is_empty() {
            groups
                .entry(s.process.clone())
                .or_default()
                .extend(segments(si, s));
        }
    }
    groups
}

/// Assigns the segments of one group to processes, in time order; returns
/// (incarnation index, its segments).
/// Cuts each run without a start of its own at the starts seen in the
/// group's other streams while it was written: a file that every process of
/// a folder appends to in turn and that names neither start nor id (Milvus
/// 2.3.0's access log) holds, after a process starts, that process's lines.
/// Before, the whole file went to the first process, whose run then never
/// ended.
fn cut_at_starts(segs: Vec<Segment>, sources: &[Source]) -> Vec<Segment> {
    let starts: Vec<(usize, i64)> = segs
        .iter()
        .filter(|g| g.marker.is_some())
        .map(|g| (g.source, g.start_us))
        .collect();
    let mut out = Vec::with_capacity(segs.len());
    for g in segs {
        let mut cuts: Vec<i64> = starts
            .iter()
            .filter(|(src, t)| {
                *src != g.source && *t > g.start_us + SAME_START_US && *t <= g.end_us
            })
            .map(|(_, t)| *t)
            .collect();
        if g.marker.is_some() || cuts.is_empty() {
            out.push(g);
            continue;
        }
        cuts.sort_unstable();
        cuts.dedup();
        let records = &sources[g.source].records;
        let mut first = g.first;
        for cut in cuts.into_iter().map(Some).chain([None]) {
            // Records are in time order within a run of one file.
            let end = cut.map_or(g.last + 1, |c| {
                first + records[first..=g.last].partition_point(|r| r.ts < c)
            });
            if end > first {
                out.push(Segment {
                    source: g.source,
                    first,
                    last: end - 1,
                    start_us: records[first].ts,
                    end_us: records[end - 1].ts,
                    marker: None,
                    precise: false,
                });
                first = end;
            }
        }
    }
    out
}

fn link_group(
    group: &str,
    segs: Vec<Segment>,
    sources: &[Source],
    incarnations: &mut Vec<Incarnation>,
) -> Vec<(usize, Vec<Segment>)> {
    let mut segs = cut_at_starts(segs, sources);
    segs.sort_by_key(|g| (g.start_us, g.source, g.first));
    let mut procs: Vec<(usize, Vec<Segment>)> = Vec::new();
    for g in segs {
        let src = &sources[g.source];
        let role_id = src.role_file.as_ref().map(|rf| rf.node_id);
        let content_id = node_id_in(src, g.first, g.last);
        // Ids of the same kind must agree; a file name never overrules what
        // a process wrote about itself.
        let compatible = |inc: &Incarnation| match (content_id, role_id, inc.node_id) {
            (Some(a), _, Some(b)) => a == b || !inc.node_from_content,
            (None, Some(a), Some(b)) => a == b || inc.node_from_content,
            _ => true,
        };
        let join = match g.marker {
            // Another stream's view of a start already seen (stdout and stderr of one restart).
            Some(_) => procs.iter().rposition(|(idx, members)| {
                let inc = &incarnations[*idx];
                inc.start_seen
                    && (g.start_us - inc.start_us).abs() <= SAME_START_US
                    && compatible(inc)
                    && members.iter().all(|m| m.source != g.source)
            }),
            // A run without a start belongs to the latest process started before it.
            None => procs.iter().rposition(|(idx, _)| {
                let inc = &incarnations[*idx];
                inc.start_us <= g.start_us + SAME_START_US && compatible(inc)
            }),
        };
        let p = join.unwrap_or_else(|| {
            incarnations.push(Incarnation {
                id: incarnations.len() as u32,
                group: group.to_string(),
                component: Component::Milvus,
                node_id: None,
                node_from_content: false,
                start_us: g.start_us,
                end_us: g.end_us,
                start_seen: false,
                start_at: None,
                start_precise: false,
                sources: Vec::new(),
                edges: None,
                roles: Vec::new(),
            });
            procs.push((incarnations.len() - 1, Vec::new()));
            procs.len() - 1
        });
        absorb(
            &mut incarnations[procs[p].0],
            &sources[g.source],
            &g,
            content_id,
            role_id,
        );
        procs[p].1.push(g);
    }
    procs
}

/// Adds what a segment tells about its process: start, end, node id, role, source.
fn absorb(
    inc: &mut Incarnation,
    src: &Source,
    g: &Segment,
    content_id: Option<u32>,
    role_id: Option<u32>,
) {
    if let Some(m) = g.marker {
        // `starting running Milvus components` has ms; the banner's
        // `maxprocs` line only seconds: prefer the former as the start.
        let precise = g.precise;
        if !inc.start_seen || (precise && !inc.start_precise) {
            inc.start_us = src.records[m].ts;
            inc.start_at = Some((src.name.clone(), src.records[m].line));
            inc.start_precise = precise;
        }
        inc.start_seen = true;
    } else {
        inc.start_us = inc.start_us.min(g.start_us);
    }
    inc.end_us = inc.end_us.max(g.end_us);
    if let Some(id) = content_id.filter(|_| !inc.node_from_content) {
        inc.node_id = Some(id);
        inc.node_from_content = true;
    } else if inc.node_id.is_none() {
        inc.node_id = role_id;
    }
    if inc.component == Component::Milvus || inc.component == Component::Other {
        inc.component = src.component;
    }
    if !inc.sources.contains(&src.name) {
        inc.sources.push(src.name.clone());
    }
    for role in roles_in(src, g.first, g.last) {
        if !inc.roles.contains(&role) {
            inc.roles.push(role);
        }
    }
}

/// The roles a process registered sessions for in the records
/// `first..=last` (the `name` of its `start server` / `ServerName` of its
/// `Service registered successfully` lines).
fn roles_in(s: &Source, first: usize, last: usize) -> Vec<Component> {
    s.recognised_in(first, last)
        .iter()
        .filter(|x| rules::by_id(x.rule).is_some_and(|r| r.signal == Signal::Registered))
        .filter_map(|x| {
            let r = &s.records[x.record as usize];
            let name = s.field(r, "name").or_else(|| s.field(r, "ServerName"))?;
            Component::from_id(&name)
        })
        .collect()
}

/// Numbers incarnations by start time, for a stable reading order, and
/// updates the records' incarnation indexes.
/// Incarnations joined into another (`alias[i] != i`) are dropped and their
/// records given the one they joined.
fn renumber_by_start(
    sources: &mut [Source],
    incarnations: Vec<Incarnation>,
    alias: &[usize],
) -> Vec<Incarnation> {
    let mut by_start: Vec<usize> = (0..incarnations.len())
        .filter(|i| alias[*i] == *i)
        .collect();
    by_start.sort_by_key(|i| (incarnations[*i].start_us, incarnations[*i].group.clone()));
    let mut renumber = vec![0u32; incarnations.len()];
    for (new, old) in by_start.iter().enumerate() {
        renumber[*old] = new as u32;
    }
    for (old, into) in alias.iter().enumerate() {
        renumber[old] = renumber[*into];
    }
    for r in sources.iter_mut().flat_map(|s| s.records.iter_mut()) {
        if let Some(i) = r.incarnation() {
            r.set_incarnation(Some(renumber[i as usize]));
        }
    }
    let mut sorted: Vec<Incarnation> = by_start
        .into_iter()
        .map(|i| incarnations[i].clone())
        .collect();
    for (i, inc) in sorted.iter_mut().enumerate() {
        inc.id = i as u32;
        inc.sources.sort();
    }
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tz_durations_and_skews() {
        assert_eq!(parse_duration_us("-200ms").unwrap(), -200_000);
        assert_eq!(parse_duration_us("+1.5s").unwrap(), 1_500_000);
        assert_eq!(parse_duration_us("2m").unwrap(), 120_000_000);
        assert!(parse_duration_us("2 weeks").is_err());
        assert_eq!(
            parse_skew("milvus/standalone-1.log=-2s").unwrap(),
            ("milvus/standalone-1.log".into(), -2_000_000)
        );
    }

    /// A glog line without a year takes it from the nearest dated line:
    /// the one before it, or with none before, the source's first dated line.
    #[test]
    fn yearless_lines_take_the_year_of_the_nearest_dated_line() {
        let text = "I1231 23:59:00.000000  7 x.cc:1] before any dated line\n\
            [2025/01/01 00:01:00.000 +00:00] [INFO] [a/b.go:1] [\"dated\"]\n\
            I0101 00:02:00.000000  7 x.cc:2] after it\n";
        // The bundle's first dated line (another source, read first) is a
        // year earlier: the source's own dated line must win over it.
        let other = "[2020/06/01 00:00:00.000 +00:00] [INFO] [a/b.go:1] [\"elsewhere\"]\n";
        let spec = crate::discover::SourceSpec::from_bytes;
        let found = crate::discover::Discovered {
            sources: vec![
                spec("milvus/a-first.log", other.as_bytes().to_vec()),
                spec("milvus/querynode.log", text.as_bytes().to_vec()),
            ],
            ..Default::default()
        };
        let ing = crate::ingest::ingest(found, &Default::default(), None);
        let cfg = TimelineConfig {
            fallback_year: 1999,
            ..Default::default()
        };
        let t = Timeline::build(ing, &cfg);
        let times: Vec<i64> = t.sources[1].records.iter().map(|r| r.ts).collect();
        let at = |s: &str| parsers::timestamp::datetime(s).unwrap().1.local_us;
        assert_eq!(
            times,
            [
                at("2024-12-31 23:59:00"),
                at("2025-01-01 00:01:00"),
                at("2025-01-01 00:02:00")
            ]
        );
        // The 2020 source is far from the rest: named, nothing else.
        assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
        assert!(t.warnings[0].contains("milvus/a-first.log:1 at 2020-06-01"));
    }

    #[test]
    fn year_fill_picks_the_closest_year() {
        let dec31 = parsers::timestamp::datetime("2024-12-31 23:59:00")
            .unwrap()
            .1
            .local_us;
        let (_, jan) = parsers::timestamp::syslog("Jan  1 00:01:00").unwrap();
        let t = fill_year(jan, dec31);
        assert_eq!(
            t.local_us,
            parsers::timestamp::datetime("2025-01-01 00:01:00")
                .unwrap()
                .1
                .local_us
        );
    }
}

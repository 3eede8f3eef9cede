//! Windows: the runs of failed client requests, as DESIGN.md "Windows"
//! defines them, and the server-side faults that can explain them.
//!
//! With a client request log: start = the earliest failed request's start,
//! end = the last failed request's end; a failed request joins the window
//! while it starts less than 10 s after the window's end so far; successes
//! inside are counted, they do not split it.
//!
//! Without one, from server evidence: Proxy failures, a process that stopped
//! (an incarnation's last line → the next start) until the serving-again marker
//! after it (collection 100 % loaded, else the components' ready lines), and a
//! hole in a live process's logs when a client-visible failure (Proxy error,
//! exit, session loss) falls in it or right after it.
//!
//! Owns: [`Faults`] (outages and log holes, found once and handed to
//! attribution) and [`Window`].

use crate::identity::Identity;
use crate::recognise::rules::{Origin, Signal};
use crate::recognise::{between, origin_of, Event, EventKind};
use crate::timeline::Timeline;
use parsers::Grammar;
use rayon::prelude::*;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

/// Failed requests closer than this join one window (DESIGN.md).
pub const JOIN_US: i64 = 10_000_000;
/// A silence in a live process's own logs longer than this is a hole.
/// (The real 2.3.5 captures log at least every ~1.5 s under load; a 2.5 s
/// SIGSTOP shows as 2.6–3.2 s holes.)
pub const HOLE_MIN_US: i64 = 2_000_000;
/// A failure this soon after a hole is the hole's consequence.
pub const HOLE_FOLLOW_US: i64 = 3_000_000;
/// Longer silences are gaps in what was captured (excerpts, a missing
/// rotated file), not a paused process.
pub const HOLE_MAX_US: i64 = 30 * 60_000_000;
/// How long after a restart the collection's reload is looked for.
const SERVING_WITHIN_US: i64 = 600_000_000;
/// Ready lines count for a restart within this long after it.
pub const READY_WITHIN_US: i64 = 120_000_000;

/// One request of a client request log.
#[derive(Clone, Debug)]
pub struct Request {
    /// Start, UTC µs.
    pub start: i64,
    /// End, UTC µs.
    pub end: i64,
    /// The source's index, with [`Request::OK`] set when it succeeded
    /// (one per request of a client log: kept to 24 bytes).
    source_ok: u32,
    /// Its record in the source.
    record: u32,
}

impl Request {
    /// The bit of `source_ok` that says the request succeeded.
    const OK: u32 = 1 << 31;

    /// Succeeded.
    pub fn ok(&self) -> bool {
        self.source_ok & Self::OK != 0
    }

    /// (source, record) of its line.
    pub fn at(&self) -> (u32, u32) {
        (self.source_ok & !Self::OK, self.record)
    }

    /// Error text with its code (failures).
    pub fn error<'a>(&self, t: &'a Timeline) -> Option<&'a str> {
        let (si, record) = self.at();
        let src = &t.sources[si as usize];
        // Rows are in record order (and only failures are kept past this stage).
        let i = src.requests.partition_point(|q| q.record < record);
        src.request_error(src.requests.get(i).filter(|q| q.record == record)?)
    }
}

/// A process that stopped and came back.
#[derive(Clone, Debug)]
pub struct Outage {
    /// The incarnation that stopped.
    pub before: u32,
    /// The one that started next in the same process group.
    pub after: u32,
    /// Time of the stopped process's last line.
    pub stop_us: i64,
    /// Its last line.
    pub last_line: Option<(u32, u32)>,
    /// Time of the next start.
    pub restart_us: i64,
    /// The next start's first line.
    pub first_line: Option<(u32, u32)>,
    /// Serving again: collection loaded, else ready lines, else the start;
    /// not before the restarted process stops routing work to old ids.
    pub serving_us: i64,
}

/// A silence in a live process's own logs.
#[derive(Clone, Debug)]
pub struct Hole {
    /// The incarnation.
    pub incarnation: u32,
    /// The last line before.
    pub start_us: i64,
    /// The first line after.
    pub end_us: i64,
    /// (source, record) of those lines.
    pub before: (u32, u32),
    /// (source, record) of the first line after.
    pub after: (u32, u32),
    /// A client-visible failure fell in it or right after it, and the
    /// process was all of Milvus (standalone) or was missed by others.
    pub consequential: bool,
    /// The last sign of life: its last line, or a later heartbeat that
    /// another process reports having received from it (`lastHB=`).
    pub heard_until_us: i64,
}

/// A process that stopped and did not come back in its own place (a pod
/// replaced by a new pod, or not replaced): QueryCoord removed its node id
/// after its last line, and no later process holds that id.
#[derive(Clone, Debug)]
pub struct Stop {
    /// The incarnation that stopped.
    pub incarnation: u32,
    /// Time of its last line.
    pub stop_us: i64,
    /// Its last line.
    pub last_line: Option<(u32, u32)>,
    /// When its node id was removed (its session expired).
    pub removed_us: i64,
}

/// Server-side faults found once for the whole bundle.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Processes that stopped and restarted.
    pub outages: Vec<Outage>,
    /// Processes that stopped and were not restarted in their place, by
    /// the time they stopped.
    pub stops: Vec<Stop>,
    /// The incarnations that stopped, for a restart or for good.
    pub stopped: BTreeSet<u32>,
    /// Holes in live processes' logs.
    pub holes: Vec<Hole>,
}

/// Where a window's bounds come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// A client request log.
    ClientLog,
    /// Server logs only: Proxy failures, outages, holes.
    ServerLogs,
}

impl Basis {
    /// Id in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Basis::ClientLog => "client-log",
            Basis::ServerLogs => "server-logs",
        }
    }
}

/// One client-failure window.
#[derive(Clone, Debug)]
pub struct Window {
    /// Start, UTC µs.
    pub start: i64,
    /// End, UTC µs.
    pub end: i64,
    /// Where the bounds come from.
    pub basis: Basis,
    /// Failed requests (client log), or failures the Proxy logged.
    pub failed: u64,
    /// Succeeded requests inside, when a client log tells.
    pub ok: Option<u64>,
    /// Error text → count.
    pub errors: BTreeMap<String, u64>,
    /// Collections involved.
    pub collections: BTreeSet<String>,
    /// Channels involved.
    pub channels: BTreeSet<String>,
    /// Nodes involved (subjects of node, heartbeat and gRPC events).
    pub nodes: BTreeSet<u32>,
    /// The failed requests (client log) in start order.
    pub failures: Vec<Request>,
    /// The first success after the window (client log).
    pub first_ok_after: Option<i64>,
}

/// Windows of a bundle, and what was found on the way.
#[derive(Clone, Debug, Default)]
pub struct Found {
    /// The windows, in time order.
    pub windows: Vec<Window>,
    /// Outages and holes.
    pub faults: Faults,
    /// Requests of the client request log(s), in start order.
    pub requests: Vec<Request>,
}

/// Finds the faults and the windows.
pub fn find(t: &Timeline, events: &[Event], identity: &Identity) -> Found {
    // Independent: side by side.
    let (faults, requests) = rayon::join(|| faults(t, events, identity), || requests(t));
    // Each bundle on the command line is its own incident: its windows come
    // from its own requests and lines, whatever times they share.
    let bundles: Vec<Option<&str>> = if t.several_bundles {
        let mut names: Vec<&str> = t
            .sources
            .iter()
            .filter_map(|s| t.bundle_of(&s.name))
            .collect();
        names.sort_unstable();
        names.dedup();
        names.into_iter().map(Some).collect()
    } else {
        vec![None]
    };
    let mut windows: Vec<Window> = Vec::new();
    for bundle in bundles {
        let own =
            |si: u32| bundle.is_none_or(|b| t.bundle_of(&t.sources[si as usize].name) == Some(b));
        // One bundle reads the list as it is (it can hold millions).
        let mine: std::borrow::Cow<[Request]> = match bundle {
            None => std::borrow::Cow::Borrowed(&requests),
            Some(_) => requests.iter().filter(|q| own(q.at().0)).cloned().collect(),
        };
        // A bundle without a client log is read from its server logs, whatever the others have.
        let mut found = if mine.is_empty() {
            from_server(t, events, &faults, &own)
        } else {
            from_client(t, &mine)
        };
        found
            .par_iter_mut()
            .for_each(|w| describe(w, t, events, &own));
        windows.extend(found);
    }
    windows.sort_by_key(|w| (w.start, w.end));
    Found {
        windows,
        faults,
        requests,
    }
}

/// Every request of the client request logs (read at ingest), on the
/// timeline's clock: its end is the record's time plus what the request
/// lasted, so `--skew`/`--tz` apply alike.
fn requests(t: &Timeline) -> Vec<Request> {
    let mut out = Vec::with_capacity(t.sources.iter().map(|s| s.requests.len()).sum());
    for (si, src) in t.sources.iter().enumerate() {
        for q in &src.requests {
            let r = &src.records[q.record as usize];
            let end = q.end_delta_us().map_or(r.ts, |d| r.ts + d);
            out.push(Request {
                start: r.ts,
                end: end.max(r.ts),
                source_ok: si as u32 | if q.ok() { Request::OK } else { 0 },
                record: q.record,
            });
        }
    }
    // (source, record) orders as the timeline does after the times. The
    // key is unique (a record is one request), so an unstable sort gives
    // the same order without a buffer of the list's size; in parallel, as a
    // client log holds millions of requests.
    out.par_sort_unstable_by_key(|q| (q.start, q.end, q.at()));
    out
}

/// The earliest end of a success starting at or after a position of the
/// request list (in start order), asked for positions in increasing order.
/// A scan stops once a request starts after the best end so far (no later
/// one can end before it), and an answer is reused while the success that
/// gave it (or the lack of any) is still ahead: the list is read about once.
#[derive(Default)]
struct FirstOkEnd {
    /// From which position the answer holds: (position, (end, its index)).
    known: Option<(usize, Option<(i64, usize)>)>,
}

impl FirstOkEnd {
    fn at(&mut self, requests: &[Request], from: usize) -> Option<i64> {
        if let Some((k, found)) = self.known {
            if k <= from && found.is_none_or(|(_, i)| i >= from) {
                return found.map(|(end, _)| end);
            }
        }
        let mut best: Option<(i64, usize)> = None;
        for (i, q) in requests.iter().enumerate().skip(from) {
            if best.is_some_and(|(b, _)| q.start >= b) {
                break;
            }
            if q.ok() && best.is_none_or(|(b, _)| q.end < b) {
                best = Some((q.end, i));
            }
        }
        self.known = Some((from, best));
        best.map(|(end, _)| end)
    }
}

fn from_client(t: &Timeline, requests: &[Request]) -> Vec<Window> {
    let mut windows: Vec<Window> = Vec::new();
    for q in requests.iter().filter(|q| !q.ok()) {
        match windows.last_mut() {
            Some(w) if q.start < w.end + JOIN_US => {
                w.end = w.end.max(q.end);
                w.failed += 1;
                w.failures.push(q.clone());
            }
            _ => windows.push(Window {
                start: q.start,
                end: q.end,
                basis: Basis::ClientLog,
                failed: 1,
                ok: Some(0),
                errors: BTreeMap::new(),
                collections: BTreeSet::new(),
                channels: BTreeSet::new(),
                nodes: BTreeSet::new(),
                failures: vec![q.clone()],
                first_ok_after: None,
            }),
        }
    }
    // Requests are in start order: each window looks at its own stretch,
    // and windows are in time order, as `FirstOkEnd` asks.
    let mut first_ok_end = FirstOkEnd::default();
    for w in &mut windows {
        let lo = requests.partition_point(|q| q.start < w.start);
        let hi = requests.partition_point(|q| q.start <= w.end);
        w.ok = Some(
            requests[lo..hi.max(lo)]
                .iter()
                .filter(|q| q.ok() && q.end <= w.end)
                .count() as u64,
        );
        w.first_ok_after = first_ok_end.at(requests, requests.partition_point(|q| q.start < w.end));
        for q in &w.failures {
            if let Some(e) = q.error(t) {
                *w.errors.entry(e.to_string()).or_default() += 1;
            }
        }
    }
    windows
}

/// True for lines a Milvus process wrote itself (its liveness shows in them).
fn own_line(g: Option<Grammar>) -> bool {
    g.and_then(origin_of) == Some(Origin::Milvus)
}

/// An event a client could feel.
fn client_visible(e: &Event) -> bool {
    matches!(
        e.signal(),
        Signal::ProxyFailure | Signal::SessionLoss | Signal::Exit
    ) || (e.kind == EventKind::ClientError && e.component.is_milvus())
}

/// Outages (stop → restart → serving) and holes of the whole bundle.
pub fn faults(t: &Timeline, events: &[Event], identity: &Identity) -> Faults {
    // Independent: side by side.
    let (outages, holes) = rayon::join(
        || outages(t, events, identity),
        || holes(t, events, identity),
    );
    let stops = stops(t, events, identity, &outages);
    let stopped = outages
        .iter()
        .map(|o| o.before)
        .chain(stops.iter().map(|s| s.incarnation))
        .collect();
    Faults {
        outages,
        stops,
        stopped,
        holes,
    }
}

/// The incarnations that stopped for good: not restarted in their group,
/// and their node id removed after their last line. A quiet process (an
/// IndexNode with nothing to build) is not a stop: nothing removed it.
fn stops(t: &Timeline, events: &[Event], identity: &Identity, outages: &[Outage]) -> Vec<Stop> {
    let restarted: BTreeSet<u32> = outages.iter().map(|o| o.before).collect();
    // Removals by node id, in time order: found once.
    let mut removed: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
    for e in events.iter().filter(|e| e.signal() == Signal::NodeRemoved) {
        if let Some(id) = e.subject() {
            removed.entry(id).or_default().push(e.ts);
        }
    }
    let mut out: Vec<Stop> = t
        .incarnations
        .iter()
        .filter(|i| !restarted.contains(&i.id))
        .filter_map(|i| {
            let removed_us = identity
                .ids_of(i.id)
                .iter()
                .filter(|id| identity.incarnation_of(**id) == Some(i.id))
                .filter_map(|id| removed.get(id)?.iter().find(|ts| **ts > i.end_us))
                .min()?;
            Some(Stop {
                incarnation: i.id,
                stop_us: i.end_us,
                last_line: i.edges.map(|(_, last)| last),
                removed_us: *removed_us,
            })
        })
        .collect();
    out.sort_by_key(|s| s.stop_us);
    out
}

/// Each incarnation's successor in its place: the next run of its process
/// group (its pod, its files), else the run that registered at its address
/// with a new id (identity's `replaces`: the same place under files named
/// apart, `node-a.log` then `node-b.log`). A new pod at a new address is
/// no successor: it is a replacement, and the old run a [`Stop`].
fn successors(t: &Timeline, identity: &Identity) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut groups: BTreeMap<&str, Vec<&crate::timeline::Incarnation>> = BTreeMap::new();
    for i in &t.incarnations {
        groups.entry(&i.group).or_default().push(i);
    }
    for incs in groups.values_mut() {
        incs.sort_by_key(|i| (i.start_us, i.id));
        pairs.extend(
            incs.windows(2)
                .filter(|p| p[1].start_us >= p[0].end_us)
                .map(|p| (p[0].id, p[1].id)),
        );
    }
    let has_next: BTreeSet<u32> = pairs.iter().map(|p| p.0).collect();
    let has_prev: BTreeSet<u32> = pairs.iter().map(|p| p.1).collect();
    let mut by_place: Vec<(u32, u32)> = identity
        .nodes
        .iter()
        .filter_map(|n| {
            let b = n.incarnation?;
            // A new pod at a new address is a replacement, not a restart.
            let a = identity.incarnation_of(n.replaces.filter(|_| n.same_place)?)?;
            let (ia, ib) = (
                t.incarnations.get(a as usize)?,
                t.incarnations.get(b as usize)?,
            );
            (a != b && ib.start_us >= ia.end_us && !has_next.contains(&a) && !has_prev.contains(&b))
                .then_some((a, b))
        })
        .collect();
    by_place.sort_unstable();
    by_place.dedup_by_key(|p| p.0);
    pairs.extend(by_place);
    pairs
}

fn outages(t: &Timeline, events: &[Event], identity: &Identity) -> Vec<Outage> {
    let mut out: Vec<Outage> = successors(t, identity)
        .into_iter()
        .map(|(a, b)| {
            let (a, b) = (&t.incarnations[a as usize], &t.incarnations[b as usize]);
            // Not serving while the restarted process still routes work to
            // the stopped one's ids (its sessions outlive it by up to a TTL).
            let serving_us = serving_after(events, b.start_us)
                .max(stale_until(events, identity, a.id, b.id, b.start_us).unwrap_or(i64::MIN));
            Outage {
                before: a.id,
                after: b.id,
                stop_us: a.end_us,
                last_line: a.edges.map(|(_, last)| last),
                restart_us: b.start_us,
                first_line: start_line(t, b).or_else(|| b.edges.map(|(first, _)| first)),
                serving_us,
            }
        })
        .collect();
    out.sort_by_key(|o| o.stop_us);
    out
}

/// The line where an incarnation's start was seen (`starting running Milvus
/// components`, or the banner).
fn start_line(t: &Timeline, inc: &crate::timeline::Incarnation) -> Option<(u32, u32)> {
    let (name, line) = inc.start_at.as_ref()?;
    let si = t.sources.iter().position(|s| &s.name == name)?;
    let records = &t.sources[si].records;
    let ri = records.partition_point(|r| r.line < *line);
    (records.get(ri)?.line == *line).then_some((si as u32, ri as u32))
}

/// The time of the last of a chain of stale-liveness lines (gaps under
/// [`JOIN_US`]) that the restarted incarnation `after` writes about ids of the
/// stopped `before`.
fn stale_until(
    events: &[Event],
    identity: &Identity,
    before: u32,
    after: u32,
    from_us: i64,
) -> Option<i64> {
    let dead = identity.ids_of(before);
    let mut last: Option<i64> = None;
    for e in between(events, from_us, i64::MAX) {
        // Events are in time order: past the join gap no later line can
        // extend the chain.
        if e.ts - last.unwrap_or(from_us) >= JOIN_US {
            break;
        }
        // Only work routed on the query path holds clients: a coordinator's
        // calls to the old sessions answer none (DESIGN.md rule 2).
        let about_dead = e
            .stale
            .is_some_and(|s| !s.internal && dead.contains(&s.node));
        let by_restarted = e
            .node()
            .is_some_and(|n| identity.incarnation_of(n) == Some(after));
        if about_dead && by_restarted {
            last = Some(e.ts);
        }
    }
    last
}

/// Serving again after a restart: the first 100 % load after it; else the
/// restarted process's last ready line; else its start.
fn serving_after(events: &[Event], start_us: i64) -> i64 {
    let after = between(events, start_us, start_us + SERVING_WITHIN_US);
    let loaded = after
        .iter()
        .find(|e| e.signal() == Signal::LoadProgress && e.value().is_some_and(|p| p >= 100.0));
    let ready = || {
        between(after, start_us, start_us + READY_WITHIN_US)
            .iter()
            .rfind(|e| e.signal() == Signal::Ready)
    };
    loaded.or_else(ready).map_or(start_us, |e| e.ts)
}

fn holes(t: &Timeline, events: &[Event], identity: &Identity) -> Vec<Hole> {
    let mut last: BTreeMap<u32, (i64, (u32, u32))> = BTreeMap::new();
    let mut out = Vec::new();
    // Only lines of a process run count: sources without any are not walked.
    let runs = |s: &crate::record::Source| s.records.iter().any(|r| r.incarnation().is_some());
    for k in t.ordered_among(runs) {
        let (_, r) = t.record(k);
        let Some(inc) = r.incarnation() else { continue };
        if r.ts_inferred() || !own_line(r.grammar) {
            continue;
        }
        if let Some((prev, at)) = last.get(&inc) {
            if r.ts - prev > HOLE_MIN_US && r.ts - prev <= HOLE_MAX_US {
                out.push(Hole {
                    incarnation: inc,
                    start_us: *prev,
                    end_us: r.ts,
                    before: *at,
                    after: k,
                    consequential: false,
                    heard_until_us: *prev,
                });
            }
        }
        last.insert(inc, (r.ts, k));
    }
    // In the order of their ends (the line that closed each), so later
    // stages can look up the holes ending in a stretch of time.
    out.sort_by_key(|h| h.end_us);
    // Events are in time order: look only at each hole's own stretch. The
    // line that opens the silence is not its consequence (a process that
    // logged its own exit is not paused).
    for h in &mut out {
        let ids = identity.ids_of(h.incarnation);
        h.consequential = between(events, h.start_us + 1, h.end_us + HOLE_FOLLOW_US)
            .iter()
            .any(client_visible)
            && (standalone(t, h.incarnation) || unreachable_while_silent(events, h, ids));
        // Only a consequential silence bounds a window.
        if h.consequential {
            h.heard_until_us = heard_until(events, h, ids);
        }
    }
    out
}

/// The latest heartbeat of these ids that others report having received
/// during a silence (`lastHB=`), not before its start: the process was
/// alive then, though it wrote nothing.
fn heard_until(events: &[Event], h: &Hole, ids: &[u32]) -> i64 {
    between(events, h.start_us + 1, h.end_us - 1)
        .iter()
        .filter(|e| {
            e.stale
                .is_some_and(|s| s.heartbeat && ids.contains(&s.node))
        })
        .filter_map(|e| e.value())
        .map(|us| (us as i64).clamp(h.start_us, h.end_us))
        .fold(h.start_us, i64::max)
}

/// True for a process that runs every role (standalone): its silence is
/// all of Milvus's.
fn standalone(t: &Timeline, incarnation: u32) -> bool {
    t.incarnations
        .get(incarnation as usize)
        .is_some_and(|i| i.component == crate::component::Component::Standalone)
}

/// True when another process found one of these node ids unreachable
/// during a silence: an answer that judged it offline from its heartbeat,
/// or a failed call to it. A quiet coordinator or an idle QueryNode writes
/// nothing for a while and nobody misses it; a frozen one is missed.
fn unreachable_while_silent(events: &[Event], h: &Hole, ids: &[u32]) -> bool {
    between(events, h.start_us + 1, h.end_us - 1)
        .iter()
        .filter(|e| e.node().is_none_or(|n| !ids.contains(&n)))
        .any(|e| {
            // The node an error text judges offline, not the leader that
            // reported it (`leader is not available … node offline[node=4]`).
            let about = e.stale_or_subject().is_some_and(|n| ids.contains(&n));
            about && (e.stale.is_some_and(|s| s.heartbeat) || e.kind == EventKind::GrpcError)
        })
}

fn from_server(
    t: &Timeline,
    events: &[Event],
    faults: &Faults,
    own: &dyn Fn(u32) -> bool,
) -> Vec<Window> {
    // (start, end, failures counted)
    let mut spans: Vec<(i64, i64, u64)> = Vec::new();
    let took = slow_requests(t, events);
    for e in events
        .iter()
        .filter(|e| e.signal() == Signal::ProxyFailure && own(e.at.0))
    {
        // A failure the Proxy dated with its duration started that long
        // before (a request that timed out after 10 s started 10 s earlier).
        let (src, r) = t.record(e.at);
        let start = src
            .field(r, "traceID")
            .and_then(|id| took.get(id.as_ref()))
            .map_or(e.ts, |us| e.ts - us);
        spans.push((start, e.ts, 1));
    }
    for o in faults
        .outages
        .iter()
        .filter(|o| o.last_line.is_none_or(|at| own(at.0)))
    {
        spans.push((o.stop_us, o.serving_us.max(o.restart_us), 0));
    }
    for h in faults
        .holes
        .iter()
        .filter(|h| h.consequential && own(h.before.0))
    {
        spans.push((h.heard_until_us, h.end_us, 0));
    }
    spans.sort_unstable();
    let mut windows: Vec<Window> = Vec::new();
    for (s, e, n) in spans {
        match windows.last_mut() {
            Some(w) if s < w.end + JOIN_US => {
                w.end = w.end.max(e);
                w.failed += n;
            }
            _ => windows.push(Window {
                start: s,
                end: e,
                basis: Basis::ServerLogs,
                failed: n,
                ok: None,
                errors: BTreeMap::new(),
                collections: BTreeSet::new(),
                channels: BTreeSet::new(),
                nodes: BTreeSet::new(),
                failures: Vec::new(),
                first_ok_after: None,
            }),
        }
    }
    for w in &mut windows {
        let mut failures = proxy_failures(t, events, w.start, w.end);
        failures.retain(|e| own(e.at.0));
        w.failed = failures.len() as u64;
        for e in failures {
            let (src, r) = t.record(e.at);
            let text = src
                .field(r, "error")
                .map(|v| v.into_owned())
                .unwrap_or_else(|| src.message(r).into_owned());
            *w.errors.entry(text).or_default() += 1;
        }
    }
    windows
}

/// How long the requests the Proxy logged as slow took (`Search slow`,
/// `Query slow` with their `duration`), by trace id.
fn slow_requests<'t>(t: &'t Timeline, events: &[Event]) -> HashMap<std::borrow::Cow<'t, str>, i64> {
    events
        .iter()
        .filter(|e| e.signal() == Signal::RequestSlow)
        .filter_map(|e| {
            let (src, r) = t.record(e.at);
            Some((src.field(r, "traceID")?, e.value()? as i64))
        })
        .collect()
}

/// The requests that failed at the Proxy between two times, one event each:
/// a failed request logs `Failed to execute task: ` and `… failed to
/// WaitToFinish` with the same trace id.
pub fn proxy_failures<'a>(t: &Timeline, events: &'a [Event], from: i64, to: i64) -> Vec<&'a Event> {
    let mut seen = BTreeSet::new();
    between(events, from, to)
        .iter()
        .filter(|e| e.signal() == Signal::ProxyFailure)
        .filter(|e| {
            let (src, r) = t.record(e.at);
            let request = src
                .field(r, "traceID")
                .map_or_else(|| format!("{:?}", e.at), |v| v.into_owned());
            seen.insert(request)
        })
        .collect()
}

static COLLECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"collection(?:ID)?=(\d{6,})").expect("static regex"));
static CHANNEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([A-Za-z0-9_.\-]+-dml_\d+_\d+v\d+)").expect("static regex"));

/// Collections, channels and nodes involved in a window.
fn describe(w: &mut Window, t: &Timeline, events: &[Event], own: &(dyn Fn(u32) -> bool + Sync)) {
    for text in w.errors.keys() {
        w.collections
            .extend(COLLECTION.captures_iter(text).map(|c| c[1].to_string()));
        w.channels
            .extend(CHANNEL.captures_iter(text).map(|c| c[1].to_string()));
    }
    for e in between(events, w.start, w.end)
        .iter()
        .filter(|e| own(e.at.0))
    {
        let involved = matches!(
            e.kind,
            EventKind::NodeDown
                | EventKind::NodeUp
                | EventKind::HeartbeatMiss
                | EventKind::GrpcError
                | EventKind::ClientError
                | EventKind::ChannelReassign
        );
        if !involved {
            continue;
        }
        w.nodes.extend(e.subject());
        w.nodes.extend(e.stale.map(|s| s.node));
        if matches!(e.kind, EventKind::ClientError | EventKind::ChannelReassign) {
            let (src, r) = t.record(e.at);
            if let Some(c) = src.field(r, "collectionID") {
                if c.len() >= 6 && c.bytes().all(|b| b.is_ascii_digit()) {
                    w.collections.insert(c.into_owned());
                }
            }
            if let Some(ch) = src.field(r, "channel") {
                if CHANNEL.is_match(&ch) {
                    w.channels.insert(ch.into_owned());
                }
            }
        }
    }
}

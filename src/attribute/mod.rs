//! Attribute: for each window, the phases of its critical path, the root
//! cause, contributing causes, a confidence, the evidence lines, and the
//! recommendations computed from this bundle (DESIGN.md "Root causes").
//!
//! Phases are consecutive segments from the window's start to its end, each
//! ending at the event that let the next start:
//! `outage` (until the process runs or answers again) → `metadata-sync`
//! (restart → coordinator ready) → `detection` (a dead or stale node id still
//! taken as alive, until it is removed or its heartbeat refreshed) →
//! `reassignment` (until the first channel watch) → `replay` (watch → the
//! collection serviceable again) → `routing` (serving again, clients still
//! failing). A phase without evidence is absent.
//!
//! The root cause follows the ordered rule of DESIGN.md: `etcd-unavailable`
//! when slow or failing etcd calls, while the process kept logging, led to the
//! session loss; else `session-timeout` when failures were answered from stale
//! liveness; else the cause of the longest phase; else `unknown`.
//!
//! Must not know: log formats, report layouts.

pub mod kubernetes;
mod phases;
pub mod recommend;
pub mod traces;

use crate::identity::Identity;
use crate::recognise::rules::{Origin, Signal};
use crate::recognise::spans::SpanEvent;
use crate::recognise::Event;
use crate::settings::Setting;
use crate::timeline::Timeline;
use crate::windows::{Faults, Hole, Outage, Request, Stop, Window, READY_WITHIN_US};
use std::collections::BTreeSet;

/// How far before a window's start a process stop is looked for: a request
/// in flight at a SIGKILL fails only after the client's timeout.
const STOP_LOOKBACK_US: i64 = 30_000_000;
/// How far before the loss of a session etcd trouble is looked for, in
/// session TTLs (a lease survives an etcd stall shorter than one TTL).
const ETCD_LOOKBACK_TTLS: i64 = 2;
/// Evidence lines kept per phase and per window.
const PHASE_EVIDENCE: usize = 5;
const WINDOW_EVIDENCE: usize = 8;

/// Root-cause ids (DESIGN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    /// The serving process was not running.
    ProcessDown,
    /// The process was alive but did not answer.
    NodeUnresponsive,
    /// Liveness bookkeeping was wrong (stale session or heartbeat).
    SessionTimeout,
    /// QueryCoord's redistribution after the node was known down.
    CoordinationDelay,
    /// A delegator catching up from the message queue.
    MqReplay,
    /// A restarted component recovering meta before it could serve.
    MetadataSync,
    /// Server serving again, connections not yet rebuilt.
    GrpcChannelRebuild,
    /// etcd slow or unreachable.
    EtcdUnavailable,
    /// Not enough evidence.
    Unknown,
}

impl Cause {
    /// The id in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Cause::ProcessDown => "process-down",
            Cause::NodeUnresponsive => "node-unresponsive",
            Cause::SessionTimeout => "session-timeout",
            Cause::CoordinationDelay => "coordination-delay",
            Cause::MqReplay => "mq-replay",
            Cause::MetadataSync => "metadata-sync",
            Cause::GrpcChannelRebuild => "grpc-channel-rebuild",
            Cause::EtcdUnavailable => "etcd-unavailable",
            Cause::Unknown => "unknown",
        }
    }
}

/// Phase ids (DESIGN.md), in critical-path order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PhaseId {
    /// Fault → the process runs or answers again.
    Outage,
    /// Restart → coordinator ready.
    MetadataSync,
    /// A dead/stale node still taken as alive.
    Detection,
    /// Node known down → first channel watch.
    Reassignment,
    /// Channel watch → serviceable.
    Replay,
    /// Serving again → clients stop failing.
    Routing,
}

impl PhaseId {
    /// The phases a second replica would have served through: the node is
    /// known gone (or stale) and its work is being moved and replayed.
    pub fn after_restart(self) -> bool {
        matches!(
            self,
            PhaseId::Detection | PhaseId::Reassignment | PhaseId::Replay
        )
    }

    /// The id in JSON.
    pub fn id(self) -> &'static str {
        match self {
            PhaseId::Outage => "outage",
            PhaseId::MetadataSync => "metadata-sync",
            PhaseId::Detection => "detection",
            PhaseId::Reassignment => "reassignment",
            PhaseId::Replay => "replay",
            PhaseId::Routing => "routing",
        }
    }
}

/// One log line cited as evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// Source path in the bundle.
    pub source: String,
    /// 1-based physical line.
    pub line: u32,
    /// Time, UTC µs.
    pub ts: i64,
    /// The physical line, verbatim.
    pub text: String,
    /// What it shows.
    pub note: String,
}

/// One phase of a window.
#[derive(Clone, Debug)]
pub struct Phase {
    /// Which.
    pub id: PhaseId,
    /// Start, UTC µs.
    pub start: i64,
    /// End, UTC µs.
    pub end: i64,
    /// The cause this phase stands for.
    pub cause: Cause,
    /// The lines that place it.
    pub evidence: Vec<Evidence>,
}

impl Phase {
    /// Length in µs.
    pub fn len_us(&self) -> i64 {
        self.end - self.start
    }
}

/// A recommendation: which advice, the setting it is about, and the
/// numbers it rests on (`report` puts it in words).
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    /// Stable id of the kind of advice (`session-ttl`, `client-retry`, …).
    pub id: &'static str,
    /// The setting it is about, when one.
    pub setting: Option<String>,
    /// What the advice rests on.
    pub facts: Advice,
}

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq)]
pub enum SettingFrom {
    /// Read from a config file of the bundle, at this line.
    File(String, u32),
    /// Not in the bundle: the value assumed, said how.
    Assumed(&'static str),
}

/// What etcd's own log says about a stall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EtcdSide {
    /// It logged slow requests (disk, CPU).
    Slow,
    /// It logged none: stalled or unreachable rather than slow.
    NotSlow,
    /// The bundle has no etcd log.
    NoLog,
}

/// The numbers behind each kind of advice (times in s unless `_us`: UTC µs).
#[derive(Clone, Debug, PartialEq)]
pub enum Advice {
    /// `session-ttl`: detection held against the session TTL.
    SessionTtl {
        /// The dead node (described) and how long after it stopped it was removed.
        removal: Option<(String, f64)>,
        /// The detection phase.
        detect_s: f64,
        /// `common.session.ttl`.
        ttl_s: f64,
        /// Where the TTL came from.
        ttl_from: SettingFrom,
        /// The longest silence of a process in the bundle.
        longest_pause_s: Option<f64>,
        /// The window had a restart before detection (else the dead node's
        /// work waited in a cluster that kept running).
        after_restart: bool,
    },
    /// `process-pause`: a silent process.
    ProcessPause {
        /// How long it was silent.
        silent_s: f64,
        /// Its last line before the silence.
        from_us: i64,
        /// Its first line after.
        to_us: i64,
        /// It lost its sessions on resume (and exited).
        lost: bool,
        /// The silence was at least the TTL.
        longer_than_ttl: bool,
        /// `common.session.ttl`.
        ttl_s: f64,
        /// Where the TTL came from.
        ttl_from: SettingFrom,
        /// Shorter silences of the bundle that caused no failure.
        quiet: usize,
        /// The silences of this process that bound the window (its pauses).
        pauses: usize,
    },
    /// `process-restart`: a process down, then restarted.
    ProcessRestart {
        /// How long it was down.
        down_s: f64,
        /// Its last line.
        stop_us: i64,
        /// Its restart.
        restart_us: i64,
        /// The outage phase's share of the window, %.
        share_pct: f64,
        /// What Kubernetes reported of its end: reason and exit code.
        terminated: Option<(String, Option<i32>)>,
    },
    /// `memory-limit`: Kubernetes OOM-killed the process's container.
    MemoryLimit {
        /// Pod and container.
        pod: String,
        /// The container.
        container: String,
        /// `Limits: memory:` and `Requests: memory:`, as written.
        limit: Option<String>,
        /// See `limit`.
        request: Option<String>,
        /// `Restart Count:`.
        restarts: Option<u32>,
        /// The memory the process last reported in use (MB), and when.
        held_mb: Option<(f64, i64)>,
    },
    /// `client-reconnect`: failures after the server served again.
    ClientReconnect {
        /// The routing phase.
        after_s: f64,
    },
    /// `mq-replay`: what held the replay.
    MqReplay {
        /// The replay phase.
        replay_s: f64,
        /// How far back the seek started, as logged.
        lag: Option<String>,
        /// Requests that failed waiting for tsafe.
        tsafe_waits: usize,
        /// A dead node (described) whose stale session RootCoord still
        /// awaited time ticks from, and how many such lines.
        idle: Option<(String, usize)>,
    },
    /// `heartbeat-interval`: a live node declared offline by heartbeat lag.
    HeartbeatInterval {
        /// The setting.
        key: &'static str,
        /// Its value, ms.
        value_ms: f64,
        /// Where it came from.
        from: SettingFrom,
        /// The node's silence just before.
        silent_s: Option<f64>,
    },
    /// `etcd-health`: etcd slow or failing.
    EtcdHealth {
        /// How long before the session was lost (else: in the window).
        before_loss_s: Option<f64>,
        /// What etcd's own log says.
        side: EtcdSide,
        /// `common.session.ttl`.
        ttl_s: f64,
        /// Where the TTL came from.
        ttl_from: SettingFrom,
    },
    /// `second-replica`: failures in the phases a second replica would serve.
    SecondReplica {
        /// Detection + reassignment + replay.
        after_restart_s: f64,
        /// Failed requests that ended in those phases.
        hit: usize,
        /// Failed requests in all.
        of: usize,
        /// A standalone deployment (one QueryNode).
        standalone: bool,
    },
    /// `client-retry`: what retry policies would have saved.
    ClientRetry {
        /// Failed requests.
        failed: usize,
        /// (tries, back-off s, failures saved).
        policies: Vec<(u32, f64, usize)>,
        /// The first success after the window.
        recovered_us: i64,
        /// The retry budget that saves all.
        budget_s: f64,
    },
}

/// What attribution says about one window.
#[derive(Clone, Debug)]
pub struct Attribution {
    /// Root cause.
    pub cause: Cause,
    /// Why: the rule that decided, in words.
    pub reason: String,
    /// Other phases' causes, longest first.
    pub contributing: Vec<Cause>,
    /// In [0, 1].
    pub confidence: f64,
    /// The phases, consecutive, covering the window.
    pub phases: Vec<Phase>,
    /// The lines behind the cause.
    pub evidence: Vec<Evidence>,
    /// What evidence was missing (for `unknown`, and to lower confidence).
    pub missing: Vec<String>,
    /// Computed advice.
    pub recommendations: Vec<Recommendation>,
    /// What the bundle's trace exports say about the window.
    pub traces: traces::WindowTraces,
}

/// Everything attribution reads.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The timeline.
    pub t: &'a Timeline,
    /// Recognised events, in timeline order.
    pub events: &'a [Event],
    /// Server ids over time.
    pub identity: &'a Identity,
    /// Outages and holes.
    pub faults: &'a Faults,
    /// Timing settings of the bundle (of the window's bundle, once
    /// [`Context::for_window`] chose it).
    pub settings: &'a [Setting],
    /// Client requests (empty without a request log).
    pub requests: &'a [Request],
    /// `common.session.ttl` in µs: the bundle's, else the shipped yaml value
    /// of the version (20 s in 2.2, 30 s later; catalogue §2f).
    pub ttl_us: i64,
    /// Facts of the whole bundle every window reads, found once.
    pub bundle: BundleFacts,
    /// The spans of the trace exports, by trace id.
    pub spans: &'a traces::SpanIndex,
    /// The failed spans, as events, in time order.
    pub span_events: &'a [SpanEvent],
    /// With several bundles, the window's own (its sources' name prefix,
    /// with the `/`): a window sees only its bundle's lines and faults.
    own_bundle: Option<&'a str>,
    /// The Milvus version is a 2.2 (its shipped TTL is 20 s).
    version_2_2: bool,
}

/// `common.session.ttl` in µs: from the settings, else the shipped yaml
/// value of the version (20 s in 2.2, 30 s later; catalogue §2f).
fn session_ttl_us(settings: &[Setting], version_2_2: bool) -> i64 {
    match settings.iter().find(|s| s.key == "common.session.ttl") {
        Some(s) => (s.value * 1e6) as i64,
        None if version_2_2 => 20_000_000,
        None => 30_000_000,
    }
}

/// Facts of the whole bundle that every window's attribution reads: found
/// once, not per window.
#[derive(Clone, Copy, Debug, Default)]
pub struct BundleFacts {
    /// The bundle holds an etcd server log.
    pub has_etcd_log: bool,
    /// A standalone process ran (one QueryNode: no second replica possible).
    pub standalone: bool,
    /// Silences of a process that caused no failure.
    pub quiet_holes: usize,
    /// The longest silence of a process, µs.
    pub longest_hole_us: Option<i64>,
}

impl BundleFacts {
    fn of(t: &Timeline, faults: &Faults) -> BundleFacts {
        BundleFacts {
            has_etcd_log: t
                .sources
                .iter()
                .any(|s| s.component == crate::component::Component::Etcd),
            standalone: t
                .incarnations
                .iter()
                .any(|i| i.component == crate::component::Component::Standalone),
            quiet_holes: faults.holes.iter().filter(|h| !h.consequential).count(),
            // A pause: a silence others missed, or any of a standalone
            // process (a quiet coordinator is not paused).
            longest_hole_us: faults
                .holes
                .iter()
                .filter(|h| {
                    h.consequential
                        || t.incarnations
                            .get(h.incarnation as usize)
                            .is_some_and(|i| i.component == crate::component::Component::Standalone)
                })
                .map(|h| h.end_us - h.start_us)
                .max(),
        }
    }
}

impl<'a> Context<'a> {
    /// What attribution reads, with the session TTL resolved once.
    pub fn new(
        t: &'a Timeline,
        events: &'a [Event],
        identity: &'a Identity,
        found: &'a crate::windows::Found,
        settings: &'a [Setting],
        spans: &'a traces::SpanIndex,
        span_events: &'a [SpanEvent],
    ) -> Context<'a> {
        let version_2_2 = t.milvus_version().is_some_and(|v| v.contains("2.2."));
        Context {
            t,
            events,
            identity,
            faults: &found.faults,
            settings,
            requests: &found.requests,
            ttl_us: session_ttl_us(settings, version_2_2),
            bundle: BundleFacts::of(t, &found.faults),
            spans,
            span_events,
            own_bundle: None,
            version_2_2,
        }
    }

    /// The context of one window: with several bundles on the command line,
    /// the settings (and TTL) of the bundle its lines come from — its first
    /// failed request's log, else its first Milvus line.
    pub fn for_window(&self, w: &Window) -> Context<'a> {
        if !self.t.several_bundles {
            return *self;
        }
        let at = w.failures.first().map(|q| q.at()).or_else(|| {
            self.events_in(w.start, w.end)
                .find(|e| e.component.is_milvus())
                .map(|e| e.at)
        });
        let Some((si, _)) = at else { return *self };
        let name = &self.t.sources[si as usize].name;
        let Some(bundle) = self.t.bundle_of(name) else {
            return *self;
        };
        let own = |s: &Setting| s.source.split_once('/').is_some_and(|(b, _)| b == bundle);
        let mut c = *self;
        c.own_bundle = Some(&name[..bundle.len() + 1]);
        // Each bundle's config files were read one after another; a bundle
        // without a milvus.yaml takes no other bundle's.
        c.settings = match (
            self.settings.iter().position(own),
            self.settings.iter().rposition(own),
        ) {
            (Some(lo), Some(hi)) => &self.settings[lo..=hi],
            _ => &[],
        };
        c.ttl_us = session_ttl_us(c.settings, self.version_2_2);
        c
    }
}

impl Context<'_> {
    /// True when the bundle holds an etcd server log.
    pub fn has_etcd_log(&self) -> bool {
        self.bundle.has_etcd_log
    }

    /// The holes (silences) that ended between two times.
    pub fn holes_ending(&self, from: i64, to: i64) -> impl Iterator<Item = &Hole> {
        let h = &self.faults.holes;
        let lo = h.partition_point(|x| x.end_us < from);
        let hi = h.partition_point(|x| x.end_us <= to);
        h[lo..hi.max(lo)].iter().filter(|x| self.owns(x.before))
    }

    /// The physical line of an event, as evidence.
    pub fn evidence(&self, at: (u32, u32), note: impl Into<String>) -> Evidence {
        let (src, r) = self.t.record(at);
        Evidence {
            source: src.name.clone(),
            line: r.line,
            ts: r.ts,
            text: src.line_text(at.1).trim_end_matches('\r').to_string(),
            note: note.into(),
        }
    }

    /// Events with `from <= ts <= to` (of the window's bundle).
    pub fn events_in(&self, from: i64, to: i64) -> impl Iterator<Item = &Event> {
        crate::recognise::between(self.events, from, to)
            .iter()
            .filter(|e| self.owns(e.at))
    }

    /// True when a line belongs to the window's bundle (always with one
    /// bundle): each bundle is its own incident, whatever ids it shares
    /// with another.
    pub fn owns(&self, (source, _): (u32, u32)) -> bool {
        self.own_bundle
            .is_none_or(|b| self.t.sources[source as usize].name.starts_with(b))
    }

    /// A setting's value, if the bundle has it.
    pub fn setting(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.key == key)
    }
}

/// Attributes one window.
pub fn attribute(ctx: &Context, w: &Window) -> Attribution {
    let ctx = &ctx.for_window(w);
    let chain = Chain::find(ctx, w);
    let mut phases = phases::phases(ctx, w, &chain);
    traces::cite_spans(ctx, &mut phases);
    let (cause, reason, mut evidence, mut confidence) = decide(ctx, w, &chain, &phases);
    if ctx.requests.is_empty() {
        // Bounds from server logs only.
        confidence *= 0.9;
    }
    for p in phases.iter().filter(|p| p.id == PhaseId::Outage) {
        evidence.extend(p.evidence.iter().take(2).cloned());
    }
    dedup_evidence(&mut evidence);
    evidence.truncate(WINDOW_EVIDENCE);
    let mut a = Attribution {
        cause,
        reason,
        contributing: contributing(&phases, cause),
        confidence: (confidence * 100.0).round() / 100.0,
        missing: missing(ctx, &phases),
        phases,
        evidence,
        recommendations: Vec::new(),
        traces: traces::window_traces(ctx, w),
    };
    a.recommendations = recommend::recommend(ctx, w, &a, &chain);
    a
}

/// The other phases' causes, by their total length, longest first.
fn contributing(phases: &[Phase], cause: Cause) -> Vec<Cause> {
    let mut total: Vec<(i64, Cause)> = Vec::new();
    for p in phases.iter().filter(|p| p.cause != cause) {
        match total.iter_mut().find(|(_, c)| *c == p.cause) {
            Some((len, _)) => *len += p.len_us(),
            None => total.push((p.len_us(), p.cause)),
        }
    }
    total.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    total.into_iter().map(|(_, c)| c).collect()
}

/// What the bundle lacks for this analysis.
fn missing(ctx: &Context, phases: &[Phase]) -> Vec<String> {
    let mut out = Vec::new();
    if !ctx.has_etcd_log() {
        out.push("no etcd server log in the bundle".to_string());
    }
    if ctx.requests.is_empty() {
        out.push(
            "no client request log: bounds from server logs (a client's own reconnect back-off is not visible)"
                .to_string(),
        );
    }
    if phases.is_empty() {
        out.push(
            "no process stop, log hole, restart or stale-liveness line near the window".to_string(),
        );
    }
    out
}

fn dedup_evidence(ev: &mut Vec<Evidence>) {
    let mut seen = BTreeSet::new();
    ev.retain(|e| seen.insert((e.source.clone(), e.line)));
}

/// The fault chain near a window: what stopped or went silent, and what
/// the restart looked like.
pub struct Chain<'a> {
    /// A silence of the serving process overlapping the window.
    pub hole: Option<&'a Hole>,
    /// A stop → restart near the window (the last one before the window ends).
    pub outage: Option<&'a Outage>,
    /// The first stop → restart (the chain's start when no hole precedes it).
    pub first_outage: Option<&'a Outage>,
    /// Server ids of the stopped incarnation(s): work for them is stale.
    pub dead_ids: BTreeSet<u32>,
    /// When the chain started.
    pub fault_us: Option<i64>,
    /// A process stopped for good near the window (not restarted in its place).
    pub stop: Option<&'a Stop>,
    /// Lines inside the window showing stale liveness, in time order.
    pub stale: Vec<&'a Event>,
    /// Those of them a client felt and that were wrong when written (rule 2).
    pub misjudged: Vec<&'a Event>,
    /// Every silence of a process overlapping the window.
    silences: Vec<&'a Hole>,
    /// Slow or failing etcd calls that started the chain (rule 1).
    pub etcd: Option<EtcdTrouble<'a>>,
}

/// Slow or failing etcd calls before a session loss, while the process
/// kept logging (or, with no stop, silence or loss, inside the window).
pub struct EtcdTrouble<'a> {
    /// The calls, in time order (at least one).
    pub calls: Vec<&'a Event>,
    /// The session loss or exit they led to.
    pub loss: Option<&'a Event>,
}

impl EtcdTrouble<'_> {
    /// The first of them logged by etcd itself.
    pub fn etcd_side(&self) -> Option<&Event> {
        self.calls
            .iter()
            .copied()
            .find(|e| e.rule().origin == Origin::Etcd)
    }
}

/// The silence a window is about: a consequential hole that overlaps the
/// window or ends right before it. When the window's failures name nodes
/// that processes of the bundle hold, only those processes' holes count;
/// the one covering most of the window wins.
fn silence_of<'a>(ctx: &'a Context, w: &Window) -> Option<&'a Hole> {
    let named = |h: &Hole| {
        ctx.identity
            .ids_of(h.incarnation)
            .iter()
            .any(|id| w.nodes.contains(id))
    };
    let names_held = w
        .nodes
        .iter()
        .any(|id| ctx.identity.incarnation_of(*id).is_some());
    let overlap = |h: &Hole| h.end_us.min(w.end) - h.start_us.max(w.start);
    ctx.faults
        .holes
        .iter()
        .filter(|h| {
            h.consequential
                && ctx.owns(h.before)
                && h.start_us <= w.end
                && h.end_us + crate::windows::HOLE_FOLLOW_US >= w.start
        })
        .filter(|h| !names_held || named(h))
        .max_by_key(|h| (overlap(h), std::cmp::Reverse(h.start_us)))
}

impl<'a> Chain<'a> {
    /// The silences of the window's silent process that bound the window
    /// (consequential), in time order: more than one when it paused
    /// repeatedly.
    pub(crate) fn pauses(&self) -> Vec<&'a Hole> {
        let Some(h) = self.hole else {
            return Vec::new();
        };
        let mut v: Vec<&Hole> = self
            .silences
            .iter()
            .copied()
            .filter(|x| x.consequential && x.incarnation == h.incarnation)
            .collect();
        v.sort_by_key(|x| x.start_us);
        v
    }

    fn find(ctx: &'a Context, w: &Window) -> Chain<'a> {
        let hole = silence_of(ctx, w);
        let near = |stop_us: i64| stop_us >= w.start - STOP_LOOKBACK_US && stop_us <= w.end;
        let outages: Vec<&Outage> = ctx
            .faults
            .outages
            .iter()
            .filter(|o| near(o.stop_us) && o.last_line.is_none_or(|at| ctx.owns(at)))
            .collect();
        let stops: Vec<&Stop> = ctx
            .faults
            .stops
            .iter()
            .filter(|s| near(s.stop_us) && s.last_line.is_none_or(|at| ctx.owns(at)))
            .collect();
        let dead_ids = outages
            .iter()
            .map(|o| o.before)
            .chain(stops.iter().map(|s| s.incarnation))
            .flat_map(|i| ctx.identity.ids_of(i).iter().copied())
            .collect();
        let fault_us = [
            hole.map(|h| h.start_us),
            outages.first().map(|o| o.stop_us),
            stops.first().map(|s| s.stop_us),
        ]
        .into_iter()
        .flatten()
        .min();
        let mut chain = Chain {
            hole,
            outage: outages.last().copied(),
            first_outage: outages.first().copied(),
            stop: stops.first().copied(),
            dead_ids,
            fault_us,
            stale: Vec::new(),
            misjudged: Vec::new(),
            silences: ctx
                .faults
                .holes
                .iter()
                .filter(|h| h.start_us <= w.end && h.end_us >= w.start && ctx.owns(h.before))
                .collect(),
            etcd: None,
        };
        chain.stale = ctx
            .events_in(w.start, w.end)
            .filter(|e| chain.is_stale(e))
            .collect();
        if answered(ctx, w) {
            chain.misjudged = chain
                .stale
                .iter()
                .copied()
                .filter(|e| chain.misjudged(ctx, e))
                .collect();
        }
        chain.etcd = etcd_trouble(ctx, w, &chain);
        chain
    }

    /// True for a stale-liveness line that a client felt and that was wrong
    /// when it was written (DESIGN.md rule 2): not a call between
    /// coordinators or at start-up; a heartbeat judgement only while the
    /// node was in fact running and answering; work routed to a session
    /// whose process is gone always.
    fn misjudged(&self, ctx: &Context, e: &Event) -> bool {
        let Some(s) = e.stale else {
            // A restarted QueryCoord adopting a dead node's session.
            return e.signal() == Signal::NodeAdded;
        };
        if s.internal {
            return false;
        }
        !s.heartbeat || self.answering(ctx, s.node, e.ts)
    }

    /// True for one of the lines rule 2 counts.
    pub(super) fn is_misjudged(&self, e: &Event) -> bool {
        self.misjudged.iter().any(|m| m.at == e.at)
    }

    /// True when the process holding a node id was running and not silent
    /// at a time of the window: started, not stopped (for good or for a
    /// restart) before it, and not inside one of its holes.
    fn answering(&self, ctx: &Context, node: u32, ts: i64) -> bool {
        let Some(inc) = ctx.identity.incarnation_of(node) else {
            return false;
        };
        let Some(i) = ctx.t.incarnations.get(inc as usize) else {
            return false;
        };
        let stopped = ctx.faults.stopped.contains(&inc) && ts > i.end_us;
        let silent = self
            .silences
            .iter()
            .any(|h| h.incarnation == inc && h.start_us < ts && ts < h.end_us);
        i.start_us <= ts && !stopped && !silent
    }

    /// True for a line showing work routed to, or answered for, a node from
    /// stale liveness: an error naming a stale id, or a dead node adopted as up.
    fn is_stale(&self, e: &Event) -> bool {
        if e.stale.is_some() {
            return true;
        }
        e.signal() == Signal::NodeAdded
            && e.subject().is_some_and(|s| self.dead_ids.contains(&s))
            && self.outage.is_some_and(|o| e.ts >= o.restart_us)
    }

    /// Some failure was answered from an old heartbeat (`lastHB=`) while
    /// the node was in fact answering.
    pub fn stale_heartbeat(&self) -> bool {
        self.misjudged
            .iter()
            .any(|e| e.stale.is_some_and(|s| s.heartbeat))
    }

    /// The chain began with the process silent (not stopped).
    fn began_silent(&self) -> bool {
        match (self.hole, self.first_outage) {
            (Some(h), Some(o)) => h.start_us <= o.stop_us,
            (Some(_), None) => true,
            _ => false,
        }
    }
}

/// True when Milvus answered some failed request of the window: a client
/// failure that is not a refused connection or a passed deadline, or
/// (server logs only) a failure the Proxy logged. When every client saw
/// `Connection refused`, no liveness answered them (DESIGN.md rule 2).
fn answered(ctx: &Context, w: &Window) -> bool {
    if w.failures.is_empty() {
        return crate::windows::proxy_failures(ctx.t, ctx.events, w.start, w.end)
            .iter()
            .any(|e| ctx.owns(e.at));
    }
    w.failures.iter().any(|q| {
        q.error(ctx.t).is_some_and(|text| {
            !crate::recognise::rules::UNANSWERED_WORDINGS
                .iter()
                .any(|u| text.contains(u))
        })
    })
}

/// What a stale-liveness line shows; `misjudged` when the judgement was
/// wrong at that moment (rule 2), else it was true (the node was down or
/// silent) or said of a call no client waits on.
fn stale_note(ctx: &Context, e: &Event, misjudged: bool) -> String {
    let who = ctx.identity.describe(e.stale_or_subject().unwrap_or(0));
    match e.stale {
        _ if e.signal() == Signal::NodeAdded => {
            format!("QueryCoord takes the stale session of {who} as a live node")
        }
        Some(s) if s.heartbeat && misjudged => {
            format!("answered from an old heartbeat of {who}, which was answering again")
        }
        Some(s) if s.heartbeat => {
            format!("{who} judged offline from its last heartbeat: it was down or silent")
        }
        Some(s) if s.internal => {
            format!("a call between coordinators to {who}'s old session: no client waits on it")
        }
        _ => format!("work routed to {who}, which is no longer the process answering"),
    }
}

/// The ordered root-cause rule. Returns the cause, the reason, the evidence
/// and a base confidence.
fn decide(
    ctx: &Context,
    w: &Window,
    chain: &Chain,
    phases: &[Phase],
) -> (Cause, String, Vec<Evidence>, f64) {
    if let Some(etcd) = &chain.etcd {
        return etcd_decision(ctx, w, etcd);
    }
    let stale = &chain.misjudged;
    if !stale.is_empty() {
        let mut ev: Vec<Evidence> = Vec::new();
        ev.push(ctx.evidence(stale[0].at, stale_note(ctx, stale[0], true)));
        if stale.len() > 1 {
            ev.push(ctx.evidence(
                stale[stale.len() - 1].at,
                format!("{} stale-liveness lines in the window", stale.len()),
            ));
        }
        if let Some(p) = phases.iter().find(|p| p.id == PhaseId::Detection) {
            ev.extend(p.evidence.iter().cloned());
        }
        let ids: BTreeSet<u32> = stale.iter().filter_map(|e| e.stale_or_subject()).collect();
        let ids: Vec<String> = ids.iter().map(|i| ctx.identity.describe(*i)).collect();
        let reason = format!(
            "failures were answered from stale liveness: {} line(s) route work to, or judge, {} from a session or heartbeat that no longer held",
            stale.len(),
            ids.join(", ")
        );
        let conf = if stale.len() >= 3 { 0.9 } else { 0.8 };
        return (Cause::SessionTimeout, reason, ev, conf);
    }
    let window_len = (w.end - w.start).max(1);
    match phases.iter().max_by_key(|p| (p.len_us(), std::cmp::Reverse(p.id))) {
        Some(p) => {
            let share = p.len_us() as f64 / window_len as f64;
            let reason = format!(
                "longest phase: {} took {:.1} s of the {:.1} s window ({:.0} %)",
                p.id.id(),
                p.len_us() as f64 / 1e6,
                window_len as f64 / 1e6,
                share * 100.0
            );
            let conf = (0.5 + 0.4 * share).min(0.9);
            (p.cause, reason, p.evidence.clone(), conf)
        }
        None => (
            Cause::Unknown,
            "no phase could be placed: no process stop, log hole, restart, stale-liveness or etcd line near the window".to_string(),
            Vec::new(),
            0.2,
        ),
    }
}

/// Rule 1: etcd trouble, while the process kept logging, before it lost its
/// session (or, with no loss, etcd trouble throughout the window).
fn etcd_trouble<'a>(ctx: &'a Context, w: &Window, chain: &Chain) -> Option<EtcdTrouble<'a>> {
    let from = chain.fault_us.unwrap_or(w.start).min(w.start) - 15_000_000;
    let loss = ctx
        .events_in(from, w.end)
        .find(|e| matches!(e.signal(), Signal::SessionLoss | Signal::Exit));
    let lookback = ETCD_LOOKBACK_TTLS * ctx.ttl_us;
    let (from, to) = match loss {
        Some(l) => {
            // A loss right after a silence is the pause's doing, not etcd's.
            let silent_before = ctx
                .holes_ending(l.ts - crate::windows::HOLE_FOLLOW_US, l.ts + 100_000)
                .next()
                .is_some();
            if silent_before {
                return None;
            }
            (l.ts - lookback, l.ts)
        }
        None if chain.fault_us.is_none() => (w.start, w.end),
        None => return None,
    };
    let found = EtcdTrouble {
        calls: ctx
            .events_in(from, to)
            .filter(|e| e.signal() == Signal::EtcdTrouble)
            .collect(),
        loss,
    };
    (found.calls.len() >= 2 || found.etcd_side().is_some()).then_some(found)
}

/// The cause, reason, evidence and confidence of rule 1.
fn etcd_decision(
    ctx: &Context,
    w: &Window,
    etcd: &EtcdTrouble,
) -> (Cause, String, Vec<Evidence>, f64) {
    let (calls, first) = (&etcd.calls, etcd.calls[0]);
    let mut ev = vec![ctx.evidence(first.at, "first slow or failing etcd call")];
    if let Some(e) = etcd.etcd_side() {
        ev.push(ctx.evidence(e.at, "etcd itself reports slowness"));
    }
    if calls.len() > 1 {
        ev.push(ctx.evidence(
            calls[calls.len() - 1].at,
            format!("{} slow or failing etcd calls", calls.len()),
        ));
    }
    let reason = match etcd.loss {
        Some(l) => {
            ev.push(ctx.evidence(l.at, "session lost"));
            if let Some(x) = ctx
                .events_in(l.ts, w.end)
                .find(|e| e.signal() == Signal::Exit)
            {
                ev.push(ctx.evidence(x.at, "the process exits"));
            }
            format!(
                "etcd trouble started the chain: {} slow or failing etcd calls over {:.1} s while the process kept logging, then its session was lost",
                calls.len(),
                (l.ts - first.ts) as f64 / 1e6
            )
        }
        None => format!(
            "{} slow or failing etcd calls inside the window and no process stop or silence",
            calls.len()
        ),
    };
    let conf = if etcd.etcd_side().is_some() || calls.len() >= 3 {
        0.9
    } else {
        0.75
    };
    (Cause::EtcdUnavailable, reason, ev, conf)
}

//! Recognise: timeline records → typed [`Event`]s.
//!
//! Owns the mapping from a log line to an event kind of DESIGN.md. The mapping
//! itself is data: [`rules::RULES`], one row per message text (+ caller
//! directory, + field condition), each with the versions and source file of
//! the string. This module only runs the table: an exact-message index for the
//! common case, then the few prefix/suffix/substring rows.
//!
//! Also owns what every event carries beyond its kind: the emitter (the
//! process that wrote the line, from the timeline), the subject (the node the
//! line is about, from a field or the error text), and whether the line shows
//! *stale liveness* (work routed to a node id that is no longer the process
//! answering, or an answer made from an old heartbeat).
//!
//! [`spans`] makes the failed spans of trace exports events of the same
//! kinds (a failed call is a `grpc-error`), after identity has named the
//! nodes behind their addresses.
//!
//! Must not know: windows, phases, causes.

pub mod rules;
pub mod spans;

use crate::component::Component;
use crate::record::{Recognised, Record, View};
use crate::timeline::Timeline;
use parsers::{Grammar, Level};
use regex::Regex;
use rules::{Cond, Origin, Rule, Signal, Subject, TextMatch, RULES};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Event kinds (DESIGN.md "Event kinds"; ids as written there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// A process or component starts.
    ProcessStart,
    /// A process exits (signal, lost session, panic).
    ProcessExit,
    /// A session lease or keep-alive is lost.
    SessionLost,
    /// A node's heartbeat or status probe failed or lagged.
    HeartbeatMiss,
    /// A node was removed.
    NodeDown,
    /// A node was added.
    NodeUp,
    /// Channel tasks, subscriptions, watches.
    ChannelReassign,
    /// Segment tasks and loads.
    SegmentReassign,
    /// Seeks and catch-up from the message queue.
    MqReplay,
    /// Meta recovered from etcd.
    MetaRecovery,
    /// Shard-leader cache refreshes, nodes reachable again.
    RoutingUpdate,
    /// gRPC calls between components failed.
    GrpcError,
    /// A request failed for a client.
    ClientError,
    /// etcd slow or failing (either side).
    EtcdSlow,
    /// etcd leader elections.
    EtcdLeaderChange,
    /// A process found its clock jumped (`clock offset is huge`): it was
    /// paused, or a call it waited on (TSO save to etcd) hung.
    ClockJump,
    /// The Proxy logged a request that took long (`Search slow`, `Query
    /// slow`), with how long: when it started, though it ended in a failure.
    RequestSlow,
    /// A process said how much memory it uses (`GC Tune done`'s `total
    /// memory`, MB): what an OOM-killed node held before the kill.
    MemoryUsage,
}

impl EventKind {
    /// Every kind, in DESIGN.md order (kinds added for the data after).
    pub const ALL: [EventKind; 18] = [
        EventKind::ProcessStart,
        EventKind::ProcessExit,
        EventKind::SessionLost,
        EventKind::HeartbeatMiss,
        EventKind::NodeDown,
        EventKind::NodeUp,
        EventKind::ChannelReassign,
        EventKind::SegmentReassign,
        EventKind::MqReplay,
        EventKind::MetaRecovery,
        EventKind::RoutingUpdate,
        EventKind::GrpcError,
        EventKind::ClientError,
        EventKind::EtcdSlow,
        EventKind::EtcdLeaderChange,
        EventKind::ClockJump,
        EventKind::RequestSlow,
        EventKind::MemoryUsage,
    ];

    /// The id used in JSON, JSONL and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            EventKind::ProcessStart => "process-start",
            EventKind::ProcessExit => "process-exit",
            EventKind::SessionLost => "session-lost",
            EventKind::HeartbeatMiss => "heartbeat-miss",
            EventKind::NodeDown => "node-down",
            EventKind::NodeUp => "node-up",
            EventKind::ChannelReassign => "channel-reassign",
            EventKind::SegmentReassign => "segment-reassign",
            EventKind::MqReplay => "mq-replay",
            EventKind::MetaRecovery => "meta-recovery",
            EventKind::RoutingUpdate => "routing-update",
            EventKind::GrpcError => "grpc-error",
            EventKind::ClientError => "client-error",
            EventKind::EtcdSlow => "etcd-slow",
            EventKind::EtcdLeaderChange => "etcd-leader-change",
            EventKind::ClockJump => "clock-jump",
            EventKind::RequestSlow => "request-slow",
            EventKind::MemoryUsage => "memory-usage",
        }
    }
}

/// One recognised line.
#[derive(Clone, Debug)]
pub struct Event {
    /// UTC µs (the record's time).
    pub ts: i64,
    /// What happened.
    pub kind: EventKind,
    /// The stable id of the rule that matched ([`rules::Rule::id`]).
    pub rule: u16,
    /// Component that wrote the line.
    pub component: Component,
    /// Emitter: server id of the process that wrote it, [`NO_NODE`] when
    /// unknown ([`Event::node`]; an event is kept per recognised line).
    node: u32,
    /// The node the line is about, [`NO_NODE`] when it names none ([`Event::subject`]).
    subject: u32,
    /// Work was routed to, or answered for, a node from stale liveness.
    pub stale: Option<Stale>,
    /// The number the line measures, for signals that carry one
    /// ([`VALUE_FIELDS`]): load percentage; a slow request's duration, µs;
    /// for a heartbeat judgement
    /// (`lastHB=…`) the heartbeat's time, UTC µs; NaN for none ([`Event::value`]:
    /// an event is kept per recognised line, so it is kept small).
    value: f64,
    /// Where the line is: (source index, record index) in the timeline.
    pub at: (u32, u32),
}

pub use crate::record::Stale;

impl Event {
    /// The node a stale-liveness line is about, else the line's subject.
    pub fn stale_or_subject(&self) -> Option<u32> {
        self.stale.map(|s| s.node).or(self.subject())
    }
}

/// What the stages after ingest read of a recognised record's own text. A
/// compacted source keeps only this (a report's verbatim line is read again
/// from the file), so memory grows with what is read, not with the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadLater {
    /// The message: the text a window counts for a Proxy failure logged
    /// without an `error` field.
    pub message: bool,
    /// The groups of fields read (see [`READ_LATER_FIELDS`]).
    fields: [bool; READ_LATER_FIELDS.len()],
}

/// The fields a later stage reads, and which records it reads them of:
/// identity reads a registration's role and address; windows read a Proxy
/// failure's error and trace id (one failure per request, and a slow
/// request's trace id, to date the failure's start) and what a client
/// error or channel move touched; attribute reads how far back a replay seek
/// started.
pub const READ_LATER_FIELDS: [&[&str]; 4] = [
    &["name", "ServerName", "address"],
    &["error", "traceID"],
    &["collectionID", "channel"],
    &["tsLag"],
];

impl ReadLater {
    /// The message only (the banner's, for the version).
    pub const MESSAGE: ReadLater = ReadLater {
        message: true,
        fields: [false; READ_LATER_FIELDS.len()],
    };

    /// What later stages read of the records a rule recognises.
    pub fn of_rule(id: u16) -> ReadLater {
        let Some(rule) = rules::by_id(id) else {
            return ReadLater::default();
        };
        let proxy_failure = rule.signal == Signal::ProxyFailure;
        ReadLater {
            message: proxy_failure,
            fields: [
                rule.signal == Signal::Registered,
                // A slow request's trace id ties it to its failure.
                proxy_failure || rule.signal == Signal::RequestSlow,
                matches!(
                    rule.kind,
                    EventKind::ClientError | EventKind::ChannelReassign
                ),
                rule.kind == EventKind::MqReplay,
            ],
        }
    }

    /// True when a field of that name is read.
    pub fn field(&self, key: &str) -> bool {
        READ_LATER_FIELDS
            .iter()
            .zip(self.fields)
            .any(|(keys, read)| read && keys.contains(&key))
    }

    /// True when nothing of the record's text is read.
    pub fn is_empty(&self) -> bool {
        !self.message && !self.fields.contains(&true)
    }
}

/// Fields holding the number a signal measures, by version (2.3
/// `collectionLoadPercentage`, 2.2/2.4+ `loadPercentage`; catalogue §2b #191, #192).
pub const VALUE_FIELDS: &[(Signal, &[&str])] = &[
    (
        Signal::LoadProgress,
        &["collectionLoadPercentage", "loadPercentage"],
    ),
    // A Go duration, read as µs.
    (Signal::RequestSlow, &["duration"]),
    (Signal::MemoryReading, &["total memory"]),
];

fn value_of(signal: Signal, src: &View<'_>, r: &Record) -> Option<f64> {
    let (_, keys) = VALUE_FIELDS.iter().find(|(s, _)| *s == signal)?;
    let v = keys.iter().find_map(|k| src.field(r, k))?;
    match signal {
        Signal::RequestSlow => parsers::timestamp::go_duration_us(&v).map(|us| us as f64),
        _ => v.trim().parse().ok(),
    }
}

/// An event's node or subject when there is none (a node id of
/// `u32::MAX` reads as none).
const NO_NODE: u32 = u32::MAX;

impl Event {
    /// Emitter: server id of the process that wrote it, when known.
    pub fn node(&self) -> Option<u32> {
        (self.node != NO_NODE).then_some(self.node)
    }

    /// The node the line is about, when it names one.
    pub fn subject(&self) -> Option<u32> {
        (self.subject != NO_NODE).then_some(self.subject)
    }

    /// The number the line measures, when its signal carries one.
    pub fn value(&self) -> Option<f64> {
        (!self.value.is_nan()).then_some(self.value)
    }

    /// The rule that matched.
    pub fn rule(&self) -> &'static Rule {
        rules::by_id(self.rule).expect("events hold ids of the table")
    }

    /// The rule's signal for the later stages.
    pub fn signal(&self) -> Signal {
        self.rule().signal
    }
}

/// The rule table, indexed for matching: exact messages by text, the other
/// rules by origin (a record is tried only against rules of its origin), in
/// table order.
struct Matcher {
    /// Looked up once per record: a fast hash (the keys are the table's own
    /// texts, not attacker-chosen in a way that matters for a one-shot run).
    exact: HashMap<&'static str, Vec<u16>, foldhash::fast::FixedState>,
    /// Indexed by `Origin as usize`.
    others: Vec<Others>,
}

/// The rules of one origin that are not exact texts, each list in table
/// order: a record is tried only against those its message's first and last
/// byte allow, and those that can match any text.
#[derive(Clone)]
struct Others {
    /// Prefix (and prefix-suffix) rules by the first byte of their text.
    by_first: Vec<Vec<u16>>,
    /// Suffix rules by the last byte of their text.
    by_last: Vec<Vec<u16>>,
    /// Contains and any-text rules.
    any: Vec<u16>,
}

impl Default for Others {
    fn default() -> Self {
        Others {
            by_first: vec![Vec::new(); 256],
            by_last: vec![Vec::new(); 256],
            any: Vec::new(),
        }
    }
}

impl Others {
    fn add(&mut self, i: u16, text: TextMatch) {
        match text {
            TextMatch::Prefix(t) | TextMatch::PrefixSuffix(t, _) if !t.is_empty() => {
                self.by_first[usize::from(t.as_bytes()[0])].push(i)
            }
            TextMatch::Suffix(t) if !t.is_empty() => {
                self.by_last[usize::from(t.as_bytes()[t.len() - 1])].push(i)
            }
            _ => self.any.push(i),
        }
    }

    /// The rules a message could match, as lists in table order.
    fn for_message(&self, message: &str) -> [&[u16]; 3] {
        let b = message.as_bytes();
        let none: &[u16] = &[];
        [
            b.first().map_or(none, |x| &self.by_first[*x as usize]),
            b.last().map_or(none, |x| &self.by_last[*x as usize]),
            &self.any,
        ]
    }
}

static MATCHER: LazyLock<Matcher> = LazyLock::new(|| {
    let mut exact: HashMap<&'static str, Vec<u16>, _> =
        HashMap::with_hasher(foldhash::fast::FixedState::default());
    let mut others: Vec<Others> = Vec::new();
    for (i, r) in RULES.iter().enumerate() {
        match r.text {
            TextMatch::Exact(t) => exact.entry(t).or_default().push(i as u16),
            text => {
                let o = r.origin as usize;
                if others.len() <= o {
                    others.resize(o + 1, Others::default());
                }
                others[o].add(i as u16, text);
            }
        }
    }
    Matcher { exact, others }
});

/// The events with `from <= ts <= to` of a list in time order.
pub fn between(events: &[Event], from: i64, to: i64) -> &[Event] {
    let lo = events.partition_point(|e| e.ts < from);
    let hi = events.partition_point(|e| e.ts <= to).max(lo);
    &events[lo..hi]
}

/// Which rule origin a record's grammar belongs to (`Origin::Milvus`: lines a
/// Milvus process wrote itself).
pub fn origin_of(g: Grammar) -> Option<Origin> {
    match g {
        Grammar::MilvusText | Grammar::MilvusJson | Grammar::Easylogging | Grammar::Glog => {
            Some(Origin::Milvus)
        }
        Grammar::GoPanic => Some(Origin::Panic),
        Grammar::EtcdClientJson => Some(Origin::EtcdClient),
        Grammar::EtcdJson | Grammar::EtcdCapnslog | Grammar::RaftStdlog => Some(Origin::Etcd),
        Grammar::ClientJsonl => Some(Origin::ClientRequest),
        Grammar::Pymilvus | Grammar::PythonLogging => Some(Origin::ClientLog),
        Grammar::Banner => Some(Origin::Banner),
        Grammar::PodDescribe => Some(Origin::Kubernetes),
        _ => None,
    }
}

/// The leaf directory of a caller (`querycoordv2/server.go:657` → `querycoordv2`).
fn caller_dir(caller: &str) -> &str {
    caller.split_once('/').map_or("", |(d, _)| d)
}

fn text_matches(m: TextMatch, message: &str) -> bool {
    match m {
        TextMatch::Exact(t) => message == t,
        TextMatch::Prefix(t) => message.starts_with(t),
        TextMatch::Suffix(t) => message.ends_with(t),
        TextMatch::Contains(t) => message.contains(t),
        TextMatch::PrefixSuffix(p, s) => {
            message.len() >= p.len() + s.len() && message.starts_with(p) && message.ends_with(s)
        }
        TextMatch::Any => true,
    }
}

fn cond_holds(c: Cond, src: &View<'_>, r: &Record) -> bool {
    match c {
        Cond::None => true,
        Cond::FieldContains(k, needle) => src.field(r, k).is_some_and(|v| v.contains(needle)),
        Cond::FieldPresent(k) => src.field(r, k).is_some(),
        Cond::Failed => r.level >= Level::Error,
    }
}

/// The first rule that matches a record (its index in [`RULES`]).
fn match_record(src: &View<'_>, r: &Record) -> Option<u16> {
    let origin = origin_of(r.grammar?)?;
    let message = src.message(r);
    let caller = src.caller(r);
    let dir = std::cell::OnceCell::new();
    let ok = |i: &u16| {
        let rule = &RULES[*i as usize];
        rule.origin == origin
            && text_matches(rule.text, &message)
            && rule
                .caller
                .is_none_or(|d| *dir.get_or_init(|| caller_dir(caller)) == d)
            && cond_holds(rule.cond, src, r)
    };
    if let Some(ids) = MATCHER.exact.get(message.as_ref()) {
        if let Some(i) = ids.iter().find(|i| ok(i)) {
            return Some(*i);
        }
    }
    // The first in table order among the candidates of each list.
    let others = MATCHER.others.get(origin as usize)?;
    others
        .for_message(&message)
        .into_iter()
        .filter_map(|ids| ids.iter().find(|i| ok(i)).copied())
        .min()
}

/// Shortest rule text a bare line is searched for: shorter texts (`task
/// added`, `seek failed`) say too little without their record around them.
const BARE_MIN_TEXT: usize = 12;

/// The text a bare line (one no grammar read, or a wrapper's message) must
/// contain for a rule to match it, if the rule can match one. Rules that
/// mark process starts for the timeline, match any text or test the
/// record's level need a parsed record.
fn bare_text(rule: &Rule) -> Option<&'static str> {
    let needs_record = rule.signal.is_marker()
        || matches!(rule.signal, Signal::Started | Signal::Registered)
        || matches!(rule.origin, Origin::ClientRequest | Origin::Banner)
        || matches!(rule.cond, Cond::Failed);
    if needs_record {
        return None;
    }
    let text = match rule.text {
        TextMatch::Exact(t)
        | TextMatch::Prefix(t)
        | TextMatch::Suffix(t)
        | TextMatch::Contains(t) => t,
        TextMatch::PrefixSuffix(p, s) => std::cmp::max_by_key(p, s, |t| t.len()),
        TextMatch::Any => return None,
    };
    (text.trim().len() >= BARE_MIN_TEXT).then_some(text)
}

/// Every bare-matchable rule text in one automaton, with the rule of each.
struct Bare {
    automaton: aho_corasick::AhoCorasick,
    rules: Vec<u16>,
}

static BARE: LazyLock<Bare> = LazyLock::new(|| {
    let (texts, rules): (Vec<&str>, Vec<u16>) = RULES
        .iter()
        .enumerate()
        .filter_map(|(i, r)| bare_text(r).map(|t| (t, i as u16)))
        .unzip();
    Bare {
        automaton: aho_corasick::AhoCorasick::new(texts).expect("rule texts build an automaton"),
        rules,
    }
});

/// The rule whose text starts first in a bare line (a line's own message
/// comes before the error text it quotes; table order among rules at the
/// same place), where the rule allows it: an exact text or a prefix not glued to a word before
/// it, an exact text or a suffix not glued to one after it; the caller
/// directory and the field condition's text somewhere in the line.
fn match_bare(line: &str) -> Option<u16> {
    let glued = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    let bytes = line.as_bytes();
    BARE.automaton
        .find_overlapping_iter(line)
        .filter_map(|m| {
            let i = BARE.rules[m.pattern().as_usize()];
            let rule = &RULES[i as usize];
            let (before, after) = (
                m.start().checked_sub(1).and_then(|b| bytes.get(b)),
                bytes.get(m.end()),
            );
            let placed = match rule.text {
                TextMatch::Exact(_) => !glued(before) && !glued(after),
                TextMatch::Prefix(_) => !glued(before),
                TextMatch::Suffix(_) => !glued(after),
                _ => true,
            };
            let caller = rule.caller.is_none_or(|d| {
                line.match_indices(d)
                    .any(|(at, _)| bytes.get(at + d.len()) == Some(&b'/'))
            });
            let cond = match rule.cond {
                Cond::FieldContains(_, needle) => line.contains(needle),
                Cond::FieldPresent(key) => line.contains(key),
                Cond::None => true,
                Cond::Failed => false,
            };
            (placed && caller && cond).then_some((m.start(), i))
        })
        .min()
        .map(|(_, i)| i)
}

/// True for a record the table reads as a bare line: no grammar read it,
/// or only its wrapper was known.
fn is_bare(r: &Record) -> bool {
    matches!(r.grammar, None | Some(Grammar::Wrapped))
}

/// The first number in a field value (`1`, `[1]`, `"[1,2]"`, `querynode-1`).
fn first_number(v: &str) -> Option<u32> {
    let start = v.find(|c: char| c.is_ascii_digit())?;
    let digits: &str = &v[start..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

fn subject_of(s: Subject, src: &View<'_>, r: &Record) -> Option<u32> {
    match s {
        Subject::None => None,
        Subject::Field(keys) => keys
            .iter()
            .find_map(|k| src.field(r, k).and_then(|v| first_number(&v))),
        Subject::RoleSuffix(keys) => keys.iter().find_map(|k| {
            let v = src.field(r, k)?;
            let (_, id) = v.rsplit_once('-')?;
            id.parse().ok()
        }),
        Subject::LogFile(key) => {
            let path = src.field(r, key)?;
            crate::discover::role_file(path.rsplit('/').next()?).map(|rf| rf.node_id)
        }
    }
}

/// The stale-liveness renderings of the table ([`rules::STALE_WORDINGS`])
/// as one alternation, one capture group per row.
static STALE: LazyLock<Regex> = LazyLock::new(|| {
    let alternatives: Vec<&str> = rules::STALE_WORDINGS.iter().map(|w| w.pattern).collect();
    Regex::new(&alternatives.join("|")).expect("stale wordings are regexes")
});

/// The stale liveness a line's error text shows, if any, with whether the
/// call is one no client waits on ([`internal_call`]).
fn stale_of(src: &View<'_>, r: &Record, def: &Rule) -> Option<(Stale, Option<i64>)> {
    let text = error_text(src, r)?;
    let mut stale = stale_in(&text)?;
    stale.internal = internal_call(src, r, def, &text);
    let heard = stale.heartbeat.then(|| heartbeat_time(&text)).flatten();
    Some((stale, heard))
}

/// The time of the last heartbeat a heartbeat judgement was made from
/// (`lastHB=2026-12-01 07:54:23.748590409 +0000 UTC`, Go's `time.Time`
/// text), UTC µs: the node was alive then, whatever its own log says.
fn heartbeat_time(text: &str) -> Option<i64> {
    let at = text.find("lastHB=")? + "lastHB=".len();
    let (_, stamp) = parsers::timestamp::datetime(&text[at..]).ok()?;
    stamp.utc_us()
}

/// True for a call no client waits on (DESIGN.md rule 2): its text marks a
/// start-up call; or the role it called is off the query path; or it names
/// no role and is no answer to a client (not the client's own log, not a
/// failure the Proxy or QueryCoord returned for a request: a bare `retry
/// func failed` of a coordinator's background loop).
fn internal_call(src: &View<'_>, r: &Record, def: &Rule, text: &str) -> bool {
    if rules::STARTUP_CALL_MARKS
        .iter()
        .any(|m| text.contains(m.text))
    {
        return true;
    }
    let role = rules::CALL_ROLE_FIELDS.iter().find_map(|f| src.field(r, f));
    match role {
        Some(role) => !rules::QUERY_PATH_ROLES.iter().any(|q| role.starts_with(q)),
        None => {
            let client_side = r.grammar.and_then(origin_of) == Some(Origin::ClientRequest)
                || r.grammar == Some(Grammar::Pymilvus);
            !client_side && def.kind != EventKind::ClientError
        }
    }
}

/// The stale liveness an error text shows, if any.
pub fn stale_in(text: &str) -> Option<Stale> {
    // Most error texts show none: a substring test before the regex.
    if !rules::STALE_WORDINGS
        .iter()
        .any(|w| text.contains(w.needle))
    {
        return None;
    }
    let c = STALE.captures(text)?;
    // Group i + 1 is row i of the table.
    let (i, m) = (1..c.len()).find_map(|i| c.get(i).map(|m| (i, m)))?;
    Some(Stale {
        node: m.as_str().parse().ok()?,
        heartbeat: rules::STALE_WORDINGS[i - 1].heartbeat,
        internal: false,
    })
}

/// Every text of a record an error may be written in: the message (client
/// errors put it there) and the `error` field.
fn error_text(src: &View<'_>, r: &Record) -> Option<String> {
    let mut t = String::new();
    if let Some(e) = src.field(r, "error") {
        t.push_str(&e);
    }
    if r.grammar == Some(Grammar::ClientJsonl) || r.grammar == Some(Grammar::Pymilvus) || is_bare(r)
    {
        t.push(' ');
        t.push_str(&src.message(r));
    }
    (!t.is_empty()).then_some(t)
}

/// Runs the table on one parsed record: a pure function of the record and
/// its text, so ingest runs it in its parallel loop, while the text is read.
pub fn recognise_record(src: &View<'_>, r: &Record, index: u32) -> Option<Recognised> {
    let at = if is_bare(r) {
        // A wrapped record's fragments are joined by a line break.
        let line = src.message(r);
        match line.contains('\n') {
            true => match_bare(&line.replace('\n', ""))?,
            false => match_bare(&line)?,
        }
    } else {
        match_record(src, r)?
    };
    let def = &RULES[at as usize];
    let (stale, heard) = stale_of(src, r, def).unzip();
    Some(Recognised {
        record: index,
        rule: def.id,
        subject: subject_of(def.subject, src, r).or(stale.map(|s| s.node)),
        stale,
        // A heartbeat judgement measures when the node was last heard from.
        value: value_of(def.signal, src, r).or(heard.flatten().map(|us| us as f64)),
    })
}

/// What a client request log's record says of its request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRequest {
    /// Its `end` field minus the record's own time, µs.
    pub end_delta_us: Option<i64>,
    /// Error text with its code; `None` when it succeeded.
    pub error: Option<Box<str>>,
}

/// A client request log's record as a request: outcome, end, error text.
pub fn client_request(src: &View<'_>, r: &Record) -> Option<ClientRequest> {
    if r.grammar != Some(Grammar::ClientJsonl) {
        return None;
    }
    let ok = src.field(r, "ok").is_some_and(|v| v == "true");
    let end_delta_us = src.field(r, "end").and_then(|raw| {
        let t = parsers::timestamp::datetime(&raw).ok()?.1.utc_us()?;
        let own = r.stamp().filter(|_| !r.stamp_wrapper())?;
        Some(t - own.utc_us()?)
    });
    let error = (!ok).then(|| {
        let msg = src.message(r);
        match src.field(r, "error_code") {
            Some(code) => format!("[{code}] {msg}"),
            None => msg.into_owned(),
        }
        .into_boxed_str()
    });
    Some(ClientRequest {
        end_delta_us,
        error,
    })
}

/// The events of the timeline, in timeline order: the recognised rows of
/// every source (markers of the timeline stage left out), with the time and
/// emitter the timeline gave their records.
pub fn recognise(t: &Timeline) -> Vec<Event> {
    use rayon::prelude::*;
    let event_of = |si: usize, x: &Recognised| -> Option<Event> {
        let def = rules::by_id(x.rule)?;
        if def.signal.is_marker() {
            return None;
        }
        let r = &t.sources[si].records[x.record as usize];
        // A bare line of a source with no time at all has no place on the
        // timeline (it stays counted among the unparsed lines; lines before
        // a source's first time take that time).
        if r.ts_inferred() && r.ts == 0 && r.grammar.is_none() {
            return None;
        }
        Some(Event {
            ts: r.ts,
            kind: def.kind,
            rule: x.rule,
            component: r.component,
            node: t.node_of(r).unwrap_or(NO_NODE),
            subject: x.subject.unwrap_or(NO_NODE),
            stale: x.stale,
            // A field that reads `NaN` measures nothing.
            value: x.value.unwrap_or(f64::NAN),
            at: (si as u32, x.record),
        })
    };
    // Filled in place, sized once: collecting in parallel would hold every
    // event twice (the workers' pieces and the joined list) at the peak.
    let mut all: Vec<Event> =
        Vec::with_capacity(t.sources.iter().map(|s| s.recognised.len()).sum());
    for (si, src) in t.sources.iter().enumerate() {
        all.extend(src.recognised.iter().filter_map(|x| event_of(si, x)));
    }
    // The timeline's own order key: (time, source, line, offset, record).
    all.par_sort_unstable_by_key(|e| {
        let r = &t.sources[e.at.0 as usize].records[e.at.1 as usize];
        (e.ts, e.at.0, r.line, r.offset, e.at.1)
    });
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{Discovered, SourceSpec};

    /// Records glued on one line (a Loki export, public issue #30926) each
    /// find their own text: they share the line, not the offset.
    #[test]
    fn records_glued_on_one_line_keep_their_own_text() {
        let line = r#"2024-03-04 14:32:44.664 | (no unique labels) | [2024/03/04 14:32:44.664 +00:00] [WARN] [sessionutil/session_util.go:550] ["fail to retry keepAliveOnce"] [serverName=querynode] [LeaseID=218862229534671595] [error="etcdserver: requested lease not found"] |   |   |   | 2024-03-04 14:32:44.664 | (no unique labels) | [2024/03/04 14:32:44.664 +00:00] [WARN] [sessionutil/session_util.go:878] ["connection lost detected, shuting down"] |   |   |   | 2024-03-04 14:32:44.664 | (no unique labels) | [2024/03/04 14:32:44.664 +00:00] [WARN] [sessionutil/session_util.go:550] ["fail to retry keepAliveOnce"] [serverName=proxy] [LeaseID=218862229534671579] [error="etcdserver: requested lease not found"]"#;
        let (t, events) = events_of("loki-export.log", &format!("{line}\n"));
        let src = &t.sources[0];
        let messages: Vec<String> = src
            .records
            .iter()
            .map(|r| src.message(r).into_owned())
            .collect();
        assert_eq!(
            messages,
            [
                "fail to retry keepAliveOnce",
                "connection lost detected, shuting down",
                "fail to retry keepAliveOnce"
            ]
        );
        let rules: Vec<&str> = events.iter().map(|e| e.rule().name).collect();
        assert_eq!(
            rules,
            [
                "SessionKeepAliveOnceFailed",
                "SessionConnectionLost",
                "SessionKeepAliveOnceFailed"
            ]
        );
    }

    /// Lines no grammar read, or read only by their wrapper, still match the
    /// table by the text they hold (public excerpts, verbatim): etcd's
    /// syslog line (etcd#15488), a bare pymilvus line after a line with a
    /// time (milvus#25357's error, after the time of milvus#16943), and a
    /// terminal-wrapped Milvus record whose fragments join it (milvus#36593).
    #[test]
    fn bare_and_wrapped_lines_find_their_rule() {
        let syslog = "Nov  8 17:16:44 moss etcd: health check for peer 76a752ea9233d534 could not connect: dial tcp 172.6.0.51:2380: i/o timeout\n";
        let (_, events) = events_of("etcd.log", syslog);
        let rules: Vec<&str> = events.iter().map(|e| e.rule().name).collect();
        assert_eq!(rules, ["EtcdPeerConnectFailed"]);

        let client = "[2022-05-12 17:42:39,721] [   DEBUG] - Start run query, run 28 of 30 (milvus_benchmark.runners.search:294)\n\
RPC error: [search], <MilvusException: (code=1, message=attempt #0: fail to get shard leaders from QueryCoord: channel by-dev-rootcoord-dml_1_442459249473497185v0 is not available in any replica, err=NodeOffline(nodeID=549)>\n";
        let (t, events) = events_of("client.log", client);
        let rules: Vec<&str> = events.iter().map(|e| e.rule().name).collect();
        assert_eq!(rules, ["PymilvusRpcFailed"]);
        let r = &t.sources[0].records[1];
        assert!(r.grammar.is_none() && r.ts_inferred());
        assert_eq!(
            events[0].ts, t.sources[0].records[0].ts,
            "a bare line takes the time before it"
        );

        // In a file with no time at all, a bare line has no place on the timeline.
        let (_, events) = events_of("repl.log", ">>> res = collection.search(vectors[:1])\nRPC error: [search], <MilvusException: (code=1, message=x)>\n");
        assert!(events.is_empty());

        let wrapped = "[2024/09/29 02:09:47.858 +00:00] [WARN] [retry/retry.go:46] [\"retry func failed\"] [traceID=b71e1ccf9e642c9247dc8286866a195d] [retried=\n0] [error=\"failed to get delegator 114 for channel by-dev-rootcoord-dml_12_452131967330518986v0: can not find client of node 114\"] [er\nrorVerbose=\"failed to get delegator 114\"]\n";
        let (t, events) = events_of("proxy.log", wrapped);
        let src = &t.sources[0];
        assert_eq!(src.records.len(), 1, "the fragments continue the record");
        assert_eq!(
            (
                src.accounting.lines_parsed,
                src.accounting.lines_continuation
            ),
            (1, 2)
        );
        assert_eq!(events.len(), 1);

        // An etcd JSON record (milvus#31175) wrapped the way a terminal wraps
        // it, inside the stream's prefix: its two fragments are one record.
        let json = r#"milvus-etcd  | {"level":"warn","ts":"2024-03-05T20:02:11.877Z","caller":"etcdserver/util.go:123","msg":"failed to apply r"#;
        let rest = r#"equest","took":"77.139µs","request":"header:<ID:7587877113951227828 > lease_revoke:<id:694d8e08685f6472>","response":"size:30","error":"lease not found"}"#;
        let (t, events) = events_of("etcd.log", &format!("{json}\n{rest}\n"));
        let src = &t.sources[0];
        assert_eq!(src.records.len(), 1, "{:?}", src.records);
        let rules: Vec<&str> = events.iter().map(|e| e.rule().name).collect();
        assert_eq!(rules, ["EtcdLeaseRevokeMissed"]);
        assert_eq!(src.records[0].grammar, Some(Grammar::EtcdJson));
        let a = &src.accounting;
        assert_eq!(
            (a.lines_parsed, a.lines_continuation, a.lines_unparsed),
            (1, 1, 0)
        );
        assert_eq!(
            parsers::timestamp::rfc3339_ms(events[0].ts),
            "2024-03-05T20:02:11.877Z"
        );

        // A word glued to an exact text is another text.
        assert_eq!(
            match_bare("loaded the segments: failed to load segmentsX"),
            None
        );
        assert!(match_bare("x [\"failed to load segment\"] y").is_some());
    }

    /// The bucketed matcher tries, for any message, the rule a scan of the
    /// whole table (in order) would take first: messages from every rule's text.
    #[test]
    fn bucketed_rules_find_what_a_scan_finds() {
        let mut messages = vec![String::new(), "x".to_string()];
        for r in RULES.iter() {
            messages.push(match r.text {
                TextMatch::Exact(t) => t.to_string(),
                TextMatch::Prefix(t) => format!("{t} and more"),
                TextMatch::Suffix(t) => format!("something{t}"),
                TextMatch::Contains(t) => format!("a{t}b"),
                TextMatch::PrefixSuffix(p, q) => format!("{p}middle{q}"),
                TextMatch::Any => continue,
            });
        }
        for (o, others) in MATCHER.others.iter().enumerate() {
            for m in &messages {
                let scan = RULES
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| {
                        r.origin as usize == o && !matches!(r.text, TextMatch::Exact(_))
                    })
                    .find(|(_, r)| text_matches(r.text, m))
                    .map(|(i, _)| i as u16);
                let bucketed = others
                    .for_message(m)
                    .into_iter()
                    .filter_map(|ids| {
                        ids.iter()
                            .find(|i| text_matches(RULES[**i as usize].text, m))
                            .copied()
                    })
                    .min();
                assert_eq!(bucketed, scan, "origin {o}: {m:?}");
            }
        }
    }

    /// Real lines (harness README, catalogue §4 examples) through ingest and
    /// the timeline, then recognised.
    fn events_of(name: &str, text: &str) -> (Timeline, Vec<Event>) {
        let spec = SourceSpec::from_bytes(name, text.as_bytes().to_vec());
        let found = Discovered {
            sources: vec![spec],
            ..Default::default()
        };
        let ing = crate::ingest::ingest(found, &Default::default(), None);
        let t = Timeline::build(ing, &Default::default());
        let e = recognise(&t);
        (t, e)
    }

    const MILVUS_235: &str = r#"[2026/11/26 04:15:52.437 +00:00] [INFO] [querycoordv2/server.go:657] ["a node down, remove it"] [nodeID=1]
[2026/11/26 04:15:39.349 +00:00] [INFO] [balance/utils.go:114] ["create channel task"] [collectionID=470723194179026959] [replicaID=470723194289651713] [channel=by-dev-rootcoord-dml_0_470723194179026959v0] [from=-1] [to=1]
[2026/11/26 04:15:40.100 +00:00] [WARN] [grpcclient/client.go:407] ["call received grpc error"] [clientRole=querynode-1] [error="rpc error: code = Unknown desc = node not match[expectedNodeID=1][actualNodeID=2]"]
[2026/11/26 04:16:01.844 +00:00] [WARN] [querycoordv2/services.go:951] ["channel by-dev-rootcoord-dml_0_470724132452696079v0 is not available in any replica"] [collectionID=470724132452696079] [error="leader not available: lastHB=2026-11-26 05:15:53.519954216 +0000 UTC: node offline[node=1]"]
[2026/11/26 04:15:55.190 +00:00] [WARN] [proxy/task_scheduler.go:458] ["Failed to execute task: "] [traceID=abc] [error="failed to search: collection not loaded[collection=470723194179026959]"]
[2026/11/26 04:15:56.352 +00:00] [INFO] [observers/collection_observer.go:237] ["load status updated"] [collectionID=470723194179026959] [partitionID=470723194179026960] [partitionLoadPercentage=100] [collectionLoadPercentage=100]
[2026/11/26 04:23:00.490 +00:00] [ERROR] [querynodev2/server.go:170] ["Query Node disconnected from etcd, process will exit"] ["Server Id"=1]
[2026/11/26 04:22:27.448 +00:00] [WARN] [etcd/etcd_kv.go:656] ["Slow etcd operation save"] ["time spent"=10.000844913s] [key=by-dev/kv/gid/timestamp]
[2026/11/26 04:15:36.933 +00:00] [INFO] [meta/resource_manager.go:434] ["HandleNodeUp: node already assign to resource group"] [rgName=__default_resource_group] [node=1]
[2026/11/26 04:15:36.934 +00:00] [INFO] [gc/gc_tuner.go:90] ["GC Tune done"]
"#;

    #[test]
    fn real_lines_become_events_with_subjects() {
        let (_, ev) = events_of("milvus/standalone-2.log", MILVUS_235);
        let got: Vec<(EventKind, Option<u32>, Option<u32>, &str)> = ev
            .iter()
            .map(|e| (e.kind, e.subject(), e.stale.map(|s| s.node), e.rule().name))
            .collect();
        let want = [
            (EventKind::NodeDown, Some(1), None, "QueryCoordNodeRemoved"),
            (
                EventKind::ChannelReassign,
                Some(1),
                None,
                "QueryCoordChannelTaskCreated",
            ),
            (
                EventKind::GrpcError,
                Some(1),
                Some(1),
                "GrpcClientCallFailed",
            ),
            (
                EventKind::ClientError,
                Some(1),
                Some(1),
                "QueryCoordChannelUnavailableFound",
            ),
            (EventKind::ClientError, None, None, "ProxyTaskFailed"),
            (
                EventKind::SegmentReassign,
                None,
                None,
                "QueryCoordLoadStatusUpdated",
            ),
            (
                EventKind::ProcessExit,
                Some(1),
                None,
                "ComponentEtcdDisconnected",
            ),
            (EventKind::EtcdSlow, None, None, "EtcdOperationSlowed"),
            (
                EventKind::NodeUp,
                Some(1),
                None,
                "QueryCoordResourceGroupNodeKept",
            ),
        ];
        let mut got = got;
        let mut want = want.to_vec();
        got.sort_by_key(|g| g.3);
        want.sort_by_key(|w| w.3);
        assert_eq!(got, want);
        let load = ev
            .iter()
            .find(|e| e.signal() == Signal::LoadProgress)
            .unwrap();
        assert_eq!(load.value(), Some(100.0));
    }

    #[test]
    fn etcd_server_lines_of_every_format() {
        let text = concat!(
            r#"{"level":"warn","ts":"2023-08-14T07:44:46.290Z","caller":"etcdserver/util.go:166","msg":"apply request took too long","took":"153.26ms","expected-duration":"100ms"}"#, "\n",
            r#"{"level":"warn","ts":"2023-08-14T07:44:47.011Z","caller":"wal/wal.go:805","msg":"slow fdatasync","took":"1.328s","expected-duration":"1s"}"#, "\n",
            r#"{"level":"info","ts":"2023-08-14T07:44:49.500Z","logger":"raft","caller":"etcdserver/zap_raft.go:77","msg":"8e9e05c52164694d became leader at term 3"}"#, "\n",
            "2023-08-14 07:44:46.290133 W | etcdserver: read-only range request \"key:\\\"by-dev/meta/session/\\\" \" with result \"range_response_count:12 size:5123\" took too long (153.26ms) to execute\n",
            "2023-08-14 07:44:47.011201 W | wal: sync duration of 1.328s, expected less than 1s\n",
        );
        let (_, ev) = events_of("etcd/etcd.log", text);
        let kinds: Vec<EventKind> = ev.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == EventKind::EtcdSlow).count(),
            4,
            "{:?}",
            ev.iter().map(|e| e.rule().name).collect::<Vec<_>>()
        );
        assert!(kinds.contains(&EventKind::EtcdLeaderChange));
        assert!(ev.iter().all(|e| e.rule().origin == Origin::Etcd));
    }

    #[test]
    fn stale_renderings_of_every_version() {
        let cases = [
            ("rpc error: code = Unknown desc = node not match[expectedNodeID=1][actualNodeID=2]", 1, false),
            ("expectedNodeID=4, actualNodeID=12: node not match", 4, false),
            ("expected=%!s(int64=1), actual=%!s(int64=9): server ID mismatch", 1, false),
            ("leader not available: lastHB=2026-11-26 05:15:53.519954216 +0000 UTC: node offline[node=1]: channel not available[channel=x]", 1, true),
            ("lastHB=2024-01-10 10:00:00 +0000 UTC: node=5: node offline", 5, true),
        ];
        for (text, node, heartbeat) in cases {
            let internal = false;
            assert_eq!(
                stale_in(text),
                Some(Stale {
                    node,
                    heartbeat,
                    internal
                }),
                "{text}"
            );
        }
        assert_eq!(
            stale_in("node offline[node=3]: channel not available"),
            None
        );
        assert_eq!(stale_in("collection not loaded[collection=4707]"), None);
    }

    /// Real lines of the kill-restart-1 and v2.2.16 captures: calls on the
    /// query path to the dead QueryNode's session are client-visible; calls
    /// to coordinators and start-up calls are not.
    #[test]
    fn internal_calls_are_told_from_the_query_path() {
        let text = concat!(
            r#"[2026/11/26 04:15:40.100 +00:00] [WARN] [grpcclient/client.go:407] ["call received grpc error"] [clientRole=querynode-1] [error="rpc error: code = Unknown desc = node not match[expectedNodeID=1][actualNodeID=2]"]"#,
            "\n",
            r#"[2026/11/26 04:15:40.200 +00:00] [WARN] [grpcclient/client.go:480] ["call received grpc error"] [clientRole=rootcoord] [error="rpc error: code = Unknown desc = node not match[expectedNodeID=1][actualNodeID=2]"]"#,
            "\n",
            r#"[2026/11/26 04:15:40.300 +00:00] [WARN] [retry/retry.go:44] ["start to reset connection because of specific reasons"] [client_role=datanode-1] [error="rpc error: code = Unknown desc = node not match[expectedNodeID=1][actualNodeID=2]"]"#,
            "\n",
            r#"[2026/11/26 04:15:40.400 +00:00] [WARN] [grpcclient/client.go:407] ["call received grpc error"] [clientRole=querynode-1] [error="rpc error: code = Unknown desc = node not match[expectedNodeID=1][actualNodeID=0]"]"#,
            "\n",
            r#"[2026/11/26 04:15:40.500 +00:00] [WARN] [grpcclient/client.go:298] ["start to reset connection because of specific reasons"] [client_role=rootcoord] [error="rpc error: code = Unknown desc = expected=%!s(int64=2), actual=%!s(int64=9): server ID mismatch"]"#,
            "\n",
        );
        let (_, ev) = events_of("milvus/standalone-2.log", text);
        let internal: Vec<bool> = ev
            .iter()
            .filter_map(|e| e.stale.map(|s| s.internal))
            .collect();
        assert_eq!(internal, [false, true, true, true, true]);
    }

    #[test]
    fn numbers_in_field_values() {
        assert_eq!(first_number("[1]"), Some(1));
        assert_eq!(first_number("\"[12,3]\""), Some(12));
        assert_eq!(first_number("querynode-7"), Some(7));
        assert_eq!(first_number("none"), None);
    }
}

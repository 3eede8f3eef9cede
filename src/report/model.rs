//! The report model: what every `analyze` report shows, built once from the
//! analysis ([`build`]), typed, and serialised as the `analyze --json`
//! document (`schema/analyze.schema.json`).
//!
//! The JSON is this struct written by serde, field by field, without an
//! intermediate tree: fields are declared in the document's key order
//! (alphabetical, as the schema lists them). The terminal, Markdown and HTML
//! writers read the same struct; the facts they show beyond the JSON (hashes,
//! which card stands for which window, the component of each evidence line)
//! are fields too, skipped by serde.
//!
//! Wire format (`schema_version` 1):
//!
//! ```text
//! { "schema_version": 1,
//!   "tool": {"name", "version"},
//!   "bundle": {"inputs": [..], "milvus_version": str|null, "start": ts|null, "end": ts|null,
//!              "components": [..]},
//!   "range": {"since": ts|null, "until": ts|null},
//!   "incarnations": [{"id", "group", "component", "node", "start", "end", "start_seen",
//!                     "start_at": {"source", "line"}|null, "sources": [..]}],
//!   "settings": [{"key", "value", "unit", "source", "line"}],
//!   "nodes": [{"id", "roles": [..], "address", "addresses": {role: address},
//!              "replaces": id|null, "incarnation"}],
//!   "windows": [{"start", "end", "duration_s", "basis": "client-log"|"server-logs",
//!                "failed_requests", "ok_requests"|null, "errors": {text: count},
//!                "collections", "channels", "nodes", "cause", "reason", "contributing",
//!                "confidence", "phases": [{"id", "start", "end", "duration_s", "cause",
//!                "evidence"}], "evidence": [{"source", "line", "ts", "text", "note"}],
//!                "missing", "recommendations": [{"id", "text", "setting"}],
//!                "traces": {"spans", "error_spans": [{"operation", "peer", "peer_node",
//!                           "count", "first", "last", "example_trace_id"}],
//!                           "request_path": {"trace_id", "source", "line", "spans":
//!                             [{"operation", "kind", "service", "node", "peer", "error",
//!                               "message", "start", "duration_ms"}]}|null}}],
//!   "events": {kind: count},
//!   "accounting": {"lines_total", "lines_parsed", "lines_continuation", "lines_unparsed",
//!                  "spans_total",
//!                  "sources": [{"source", "component", "previous", "formats": {grammar: lines},
//!                               "lines_total", "lines_parsed", "lines_continuation",
//!                               "lines_unparsed", "spans_total", "warnings": [..]}],
//!                  "skipped": [{"source", "reason"}],
//!                  "warnings": [..]} }
//! ```
//!
//! The JSON Schema of this document is `schema/analyze.schema.json`
//! (`additionalProperties: false`: the schema test on every real bundle
//! fails when this type writes a key the schema does not name).
//! `--since`/`--until` select the bundle's `start`/`end`, the incarnations,
//! the windows and the events counted; the accounting always covers every line. `formats` counts parsed
//! and continuation lines by grammar; times are RFC
//! 3339 UTC with ms; `node` is a string or null.
//!
//! Owns: turning the stages' results into report facts, once. Must not know:
//! markup, colours, terminal layout.

use super::rfc3339_ms;
use crate::attribute::{Attribution, Cause, Evidence, PhaseId};
use crate::component::Component;
use crate::pipeline::Analysis;
use crate::record::{hex, sha256_hex, Accounting};
use crate::windows::Basis;
use rayon::prelude::*;
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};

/// Version of the document's layout.
pub const SCHEMA_VERSION: u32 = 1;

/// UTC µs written as RFC 3339 with ms.
fn ts<S: Serializer>(us: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339_ms(*us))
}

/// An optional UTC µs as RFC 3339, or null.
fn opt_ts<S: Serializer>(us: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match us {
        Some(us) => s.serialize_str(&rfc3339_ms(*us)),
        None => s.serialize_none(),
    }
}

/// A node id as a string, or null.
fn opt_id<S: Serializer>(id: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    match id {
        Some(n) => s.serialize_str(&n.to_string()),
        None => s.serialize_none(),
    }
}

/// Node ids as strings.
fn ids<S: Serializer>(v: &BTreeSet<u32>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(u32::to_string))
}

/// A component, a cause, a phase or a basis by its id.
fn by_id<T: Id, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.id())
}

/// Causes by their ids.
fn causes<S: Serializer>(v: &[Cause], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|c| c.id()))
}

/// Something with a stable id in the document.
trait Id {
    fn id(&self) -> &'static str;
}
/// The ids of the vocabulary types, each its own `id()`.
macro_rules! ids_of {
    ($($t:ty),*) => {$(
        impl Id for $t {
            fn id(&self) -> &'static str {
                <$t>::id(*self)
            }
        }
    )*};
}
ids_of!(Component, Cause, PhaseId, Basis);

/// The whole report.
#[derive(Serialize)]
pub struct Report<'a> {
    /// Line accounting.
    pub accounting: Lines<'a>,
    /// What the bundle is.
    pub bundle: Bundle<'a>,
    /// Recognised events per kind inside the range, every kind listed.
    pub events: BTreeMap<&'static str, u64>,
    /// Process runs overlapping the range.
    pub incarnations: Vec<Process<'a>>,
    /// Server ids and their roles and addresses.
    pub nodes: Vec<Node<'a>>,
    /// The `--since`/`--until` range.
    pub range: Range,
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Timing settings of the bundle's config files.
    pub settings: Vec<Setting<'a>>,
    /// This tool.
    pub tool: Tool,
    /// Client-failure windows in the range.
    pub windows: Vec<WindowFacts<'a>>,
    /// Requests in the client logs (0 without one).
    #[serde(skip)]
    pub requests: usize,
    /// What the bundle does not hold that the analysis would have used.
    #[serde(skip)]
    pub missing: Vec<String>,
    /// SHA-256 of each source as read (after decompression), when hashed.
    #[serde(skip)]
    pub hashes: Vec<(&'a str, String)>,
    /// SHA-256 over the `name  hash` lines of every source.
    #[serde(skip)]
    pub digest: String,
    /// Every warning: the bundle's, then each source's.
    #[serde(skip)]
    pub all_warnings: Vec<&'a str>,
    /// The inputs, as given, in one line.
    #[serde(skip)]
    pub title: String,
    /// What the charts show (built for the HTML and SVG reports).
    #[serde(skip)]
    pub scene: Option<super::scene::Scene>,
}

/// This tool's name and version.
#[derive(Serialize)]
pub struct Tool {
    /// Crate name.
    pub name: &'static str,
    /// Crate version.
    pub version: &'static str,
}

/// The `--since`/`--until` range.
#[derive(Serialize)]
pub struct Range {
    /// Start, when given.
    #[serde(serialize_with = "opt_ts")]
    pub since: Option<i64>,
    /// End, when given.
    #[serde(serialize_with = "opt_ts")]
    pub until: Option<i64>,
}

/// What the bundle is.
#[derive(Serialize)]
pub struct Bundle<'a> {
    /// Components that wrote lines (ids, sorted).
    pub components: Vec<&'static str>,
    /// Last timed line in the range.
    #[serde(serialize_with = "opt_ts")]
    pub end: Option<i64>,
    /// The inputs, as given.
    pub inputs: &'a [String],
    /// From the start banner.
    pub milvus_version: Option<String>,
    /// First timed line in the range.
    #[serde(serialize_with = "opt_ts")]
    pub start: Option<i64>,
}

/// Where a process run's start was seen.
#[derive(Serialize)]
pub struct At<'a> {
    /// Line.
    pub line: u32,
    /// Source.
    pub source: &'a str,
}

/// One process run.
#[derive(Serialize)]
pub struct Process<'a> {
    /// Component.
    #[serde(serialize_with = "by_id")]
    pub component: Component,
    /// Last line.
    #[serde(serialize_with = "ts", rename = "end")]
    pub end_us: i64,
    /// Process group (streams of the same process).
    pub group: &'a str,
    /// Run number.
    pub id: u32,
    /// Server id.
    #[serde(serialize_with = "opt_id", rename = "node")]
    pub node_id: Option<u32>,
    /// Sources it wrote.
    pub sources: &'a [String],
    /// Start (or first line).
    #[serde(serialize_with = "ts", rename = "start")]
    pub start_us: i64,
    /// The start line, when one was seen.
    pub start_at: Option<At<'a>>,
    /// A start line was seen.
    pub start_seen: bool,
}

/// One server id.
#[derive(Serialize)]
pub struct Node<'a> {
    /// Advertised address of the first role that logged one.
    pub address: Option<&'a str>,
    /// Advertised address per role.
    pub addresses: &'a BTreeMap<String, String>,
    /// Server id.
    pub id: String,
    /// Process run that registered it.
    pub incarnation: Option<u32>,
    /// The earlier server id at the same address.
    #[serde(serialize_with = "opt_id")]
    pub replaces: Option<u32>,
    /// Roles registered with it.
    pub roles: &'a [String],
}

/// One timing setting.
#[derive(Serialize)]
pub struct Setting<'a> {
    /// Dotted key.
    pub key: &'a str,
    /// Line in its file.
    pub line: u32,
    /// Its file.
    pub source: &'a str,
    /// `s`, `ms` or "".
    pub unit: &'static str,
    /// Value.
    pub value: f64,
}

/// One cited line.
#[derive(Serialize)]
pub struct Cited<'a> {
    /// 1-based physical line.
    pub line: u32,
    /// What it shows.
    pub note: &'a str,
    /// Source in the bundle.
    pub source: &'a str,
    /// The line, verbatim.
    pub text: &'a str,
    /// Its time.
    #[serde(serialize_with = "ts")]
    pub ts: i64,
}

impl<'a> From<&'a Evidence> for Cited<'a> {
    fn from(e: &'a Evidence) -> Self {
        Cited {
            line: e.line,
            note: &e.note,
            source: &e.source,
            text: &e.text,
            ts: e.ts,
        }
    }
}

/// One phase of a window.
#[derive(Serialize)]
pub struct Phase<'a> {
    /// The cause it stands for.
    #[serde(serialize_with = "by_id")]
    pub cause: Cause,
    /// Length, s.
    pub duration_s: f64,
    /// End.
    #[serde(serialize_with = "ts")]
    pub end: i64,
    /// The lines that place it.
    pub evidence: Vec<Cited<'a>>,
    /// Which phase.
    #[serde(serialize_with = "by_id")]
    pub id: PhaseId,
    /// Start.
    #[serde(serialize_with = "ts")]
    pub start: i64,
}

/// One recommendation, in words ([`super::advice`]).
#[derive(Serialize)]
pub struct Recommended<'a> {
    /// Stable id of the kind of advice.
    pub id: &'static str,
    /// The setting it is about.
    pub setting: Option<&'a str>,
    /// The advice, numbers included.
    pub text: String,
}

/// One evidence line of a window with the component that wrote it (the
/// HTML and Markdown tables).
#[derive(Clone, Debug)]
pub struct EvidenceRow<'a> {
    /// The cited line.
    pub evidence: &'a Evidence,
    /// The component that wrote it.
    pub component: Component,
    /// The phase it was cited for, if any (else the window as a whole).
    pub phase: Option<&'static str>,
}

/// One client-failure window and its attribution.
#[derive(Serialize)]
pub struct WindowFacts<'a> {
    /// Where the window comes from.
    #[serde(serialize_with = "by_id")]
    pub basis: Basis,
    /// Root cause.
    #[serde(serialize_with = "by_id")]
    pub cause: Cause,
    /// Channels named by the failures.
    pub channels: &'a BTreeSet<String>,
    /// Collections named by the failures.
    pub collections: &'a BTreeSet<String>,
    /// In [0, 1].
    pub confidence: f64,
    /// Other phases' causes, longest first.
    #[serde(serialize_with = "causes")]
    pub contributing: &'a [Cause],
    /// Length, s.
    pub duration_s: f64,
    /// End.
    #[serde(serialize_with = "ts")]
    pub end: i64,
    /// Error texts and their counts.
    #[serde(rename = "errors")]
    pub error_counts: &'a BTreeMap<String, u64>,
    /// The lines behind the cause.
    #[serde(rename = "evidence")]
    pub cited: Vec<Cited<'a>>,
    /// Failed requests (client log) or failures the Proxy logged.
    #[serde(rename = "failed_requests")]
    pub failed: u64,
    /// What evidence was missing.
    pub missing: &'a [String],
    /// Nodes named by the failures.
    #[serde(serialize_with = "ids")]
    pub nodes: &'a BTreeSet<u32>,
    /// Successful requests inside (client log only).
    #[serde(rename = "ok_requests")]
    pub ok: Option<u64>,
    /// Consecutive phases covering the window.
    pub phases: Vec<Phase<'a>>,
    /// The rule that decided, in words.
    pub reason: &'a str,
    /// Advice.
    pub recommendations: Vec<Recommended<'a>>,
    /// Start.
    #[serde(serialize_with = "ts")]
    pub start: i64,
    /// What the trace exports say about it.
    pub traces: Traces<'a>,
    /// 1-based number in the report.
    #[serde(skip)]
    pub number: usize,
    /// The attribution itself.
    #[serde(skip)]
    pub at: &'a Attribution,
    /// Every cited line once, in time order, with its component.
    #[serde(skip)]
    pub evidence: Vec<EvidenceRow<'a>>,
    /// Error texts by count, most frequent first.
    #[serde(skip)]
    pub errors: Vec<(&'a str, u64)>,
    /// The number of the window whose card stands for this one: itself, or
    /// with many windows the first window of the same shape.
    #[serde(skip)]
    pub card: usize,
}

/// The spans of a window.
#[derive(Serialize)]
pub struct Traces<'a> {
    /// Failed spans by operation and peer, most first.
    pub error_spans: Vec<ErrorSpans<'a>>,
    /// The internal calls whose latency changed most against the time
    /// before the window, most changed first.
    pub latency: Vec<Latency<'a>>,
    /// The span path of a request the Proxy logged as failed.
    pub request_path: Option<RequestPath<'a>>,
    /// Spans that started inside.
    pub spans: u64,
}

/// A failed request's spans, root first.
#[derive(Serialize)]
pub struct RequestPath<'a> {
    /// The Proxy's failure line.
    pub line: u32,
    /// See `line`.
    pub source: &'a str,
    /// Root → leaf.
    pub spans: Vec<PathSpan<'a>>,
    /// As the Proxy logged it.
    pub trace_id: &'a str,
}

/// One span of a request's path.
#[derive(Serialize)]
pub struct PathSpan<'a> {
    /// Length, ms.
    pub duration_ms: f64,
    /// Failed.
    pub error: bool,
    /// Client, server, internal, ….
    pub kind: &'static str,
    /// The error text, when failed.
    pub message: Option<&'a str>,
    /// The emitter's `NodeID`.
    #[serde(serialize_with = "opt_id")]
    pub node: Option<u32>,
    /// The operation.
    pub operation: &'a str,
    /// `address:port`, or null.
    pub peer: Option<&'a str>,
    /// The emitter's `service.name`.
    pub service: &'a str,
    /// Start.
    #[serde(serialize_with = "ts")]
    pub start: i64,
}

/// Failed spans of one operation towards one peer.
#[derive(Serialize)]
pub struct ErrorSpans<'a> {
    /// How many.
    pub count: u64,
    /// The trace of the first.
    pub example_trace_id: &'a str,
    /// Start of the first.
    #[serde(serialize_with = "ts")]
    pub first: i64,
    /// Start of the last.
    #[serde(serialize_with = "ts")]
    pub last: i64,
    /// The operation.
    pub operation: &'a str,
    /// The `address:port` called (a serving span's own), or null when
    /// unknown.
    pub peer: Option<&'a str>,
    /// The node the call was meant for.
    #[serde(serialize_with = "opt_id")]
    pub peer_node: Option<u32>,
}

/// One operation's latency before and inside a window.
#[derive(Serialize)]
pub struct Latency<'a> {
    /// Spans that started in the same length of time before the window
    /// (at least a minute).
    pub before: crate::attribute::traces::Percentiles,
    /// Spans that started inside.
    pub inside: crate::attribute::traces::Percentiles,
    /// The side that measured it (`client`, `server`, `internal`, …).
    pub kind: &'static str,
    /// The operation.
    pub operation: &'a str,
    /// `inside.p90_ms / before.p90_ms`; null when the time before had none
    /// slower than 0.
    pub p90_ratio: Option<f64>,
}

impl<'a> Traces<'a> {
    fn of(t: &'a crate::attribute::traces::WindowTraces) -> Self {
        Traces {
            error_spans: t
                .error_spans
                .iter()
                .map(|e| ErrorSpans {
                    count: e.count,
                    example_trace_id: &e.example_trace_id,
                    first: e.first,
                    last: e.last,
                    operation: &e.operation,
                    peer: (!e.peer.is_empty()).then_some(e.peer.as_str()),
                    peer_node: e.peer_node,
                })
                .collect(),
            latency: t
                .latency
                .iter()
                .map(|l| Latency {
                    before: l.before,
                    inside: l.inside,
                    kind: l.kind.name(),
                    operation: &l.operation,
                    p90_ratio: l.p90_ratio.is_finite().then_some(l.p90_ratio),
                })
                .collect(),
            request_path: t.request_path.as_ref().map(|p| RequestPath {
                line: p.line,
                source: &p.source,
                spans: p
                    .spans
                    .iter()
                    .map(|x| PathSpan {
                        duration_ms: x.duration_ns as f64 / 1e6,
                        error: x.error,
                        kind: x.kind.name(),
                        message: (!x.message.is_empty()).then_some(x.message.as_str()),
                        node: x.node.and_then(|n| u32::try_from(n).ok()),
                        operation: &x.operation,
                        peer: (!x.peer.is_empty()).then_some(x.peer.as_str()),
                        service: &x.service,
                        start: x.start,
                    })
                    .collect(),
                trace_id: &p.trace_id,
            }),
            spans: t.spans,
        }
    }
}

/// Line accounting of one source.
#[derive(Serialize)]
pub struct SourceLines<'a> {
    /// Component from its name.
    #[serde(serialize_with = "by_id")]
    pub component: Component,
    /// Lines per grammar.
    pub formats: &'a BTreeMap<&'static str, u64>,
    /// Continuation lines.
    pub lines_continuation: u64,
    /// Lines a grammar read.
    pub lines_parsed: u64,
    /// Physical lines.
    pub lines_total: u64,
    /// Lines nobody read.
    pub lines_unparsed: u64,
    /// Before the container's last restart.
    pub previous: bool,
    /// Its name in the bundle.
    pub source: &'a str,
    /// Spans read from it.
    pub spans_total: u64,
    /// Problems, each naming the line.
    pub warnings: &'a [String],
}

/// A file not read as a log.
#[derive(Serialize)]
pub struct Skip<'a> {
    /// Why.
    pub reason: &'a str,
    /// Its name in the bundle.
    pub source: &'a str,
}

/// Line accounting of the bundle.
#[derive(Serialize)]
pub struct Lines<'a> {
    /// Continuation lines.
    pub lines_continuation: u64,
    /// Lines a grammar read.
    pub lines_parsed: u64,
    /// Physical lines.
    pub lines_total: u64,
    /// Lines nobody read.
    pub lines_unparsed: u64,
    /// Files not read as logs.
    pub skipped: Vec<Skip<'a>>,
    /// Per source.
    pub sources: Vec<SourceLines<'a>>,
    /// Spans read (trace exports, and spans Milvus wrote into its logs).
    pub spans_total: u64,
    /// Bundle-level warnings.
    pub warnings: &'a [String],
}

impl Lines<'_> {
    /// The bundle's totals.
    pub fn totals(&self) -> Accounting {
        Accounting {
            lines_total: self.lines_total,
            lines_parsed: self.lines_parsed,
            lines_continuation: self.lines_continuation,
            lines_unparsed: self.lines_unparsed,
            spans_total: self.spans_total,
        }
    }
}

/// Builds the report of an analysis; `for_files`: with what only the HTML,
/// Markdown and SVG files show (each source's SHA-256, the charts' scene).
pub fn build(a: &Analysis, for_files: bool) -> Report<'_> {
    let span = a.span();
    let windows = windows(a);
    let components = a.components();
    // Read once: it looks through the banner lines.
    let milvus_version = a.timeline.milvus_version();
    let missing = missing(a, &components, milvus_version.as_deref());
    let (hashes, digest) = if for_files {
        hashes(a)
    } else {
        Default::default()
    };
    Report {
        accounting: lines(a),
        bundle: Bundle {
            components,
            end: span.map(|s| s.1),
            inputs: &a.inputs,
            milvus_version,
            start: span.map(|s| s.0),
        },
        events: events(a),
        incarnations: a
            .incarnations()
            .map(|i| Process {
                component: i.component,
                end_us: i.end_us,
                group: &i.group,
                id: i.id,
                node_id: i.node_id,
                sources: &i.sources,
                start_us: i.start_us,
                start_at: i.start_at.as_ref().map(|(s, l)| At {
                    line: *l,
                    source: s,
                }),
                start_seen: i.start_seen,
            })
            .collect(),
        nodes: a
            .identity
            .nodes
            .iter()
            .map(|n| Node {
                address: n.address.as_deref(),
                addresses: &n.addresses,
                id: n.id.to_string(),
                incarnation: n.incarnation,
                replaces: n.replaces,
                roles: &n.roles,
            })
            .collect(),
        range: Range {
            since: a.range.0,
            until: a.range.1,
        },
        schema_version: SCHEMA_VERSION,
        settings: a
            .settings
            .iter()
            .map(|s| Setting {
                key: &s.key,
                line: s.line,
                source: &s.source,
                unit: s.unit,
                value: s.value,
            })
            .collect(),
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        windows,
        requests: a.found.requests.len(),
        missing,
        hashes,
        digest,
        title: a.inputs.join(", "),
        scene: for_files.then(|| super::scene::Scene::of(a)),
        all_warnings: a.all_warnings().collect(),
    }
}

/// Count of recognised events per kind inside the range, every kind listed
/// (a failed span is a `grpc-error`).
fn events(a: &Analysis) -> BTreeMap<&'static str, u64> {
    let mut counts: BTreeMap<&'static str, u64> = crate::recognise::EventKind::ALL
        .iter()
        .map(|k| (k.id(), 0))
        .collect();
    let lines = a.events.iter().map(|e| (e.ts, e.kind));
    let spans = a.span_events.iter().map(|e| (e.ts, e.kind));
    for (_, kind) in lines.chain(spans).filter(|(ts, _)| a.in_range(*ts)) {
        *counts.entry(kind.id()).or_default() += 1;
    }
    counts
}

fn lines(a: &Analysis) -> Lines<'_> {
    let mut tot = Accounting::default();
    for s in &a.timeline.sources {
        tot.add(&s.accounting);
    }
    Lines {
        lines_continuation: tot.lines_continuation,
        lines_parsed: tot.lines_parsed,
        lines_total: tot.lines_total,
        lines_unparsed: tot.lines_unparsed,
        skipped: a
            .skipped
            .iter()
            .map(|s| Skip {
                reason: &s.reason,
                source: &s.source,
            })
            .collect(),
        sources: a
            .timeline
            .sources
            .iter()
            .map(|s| SourceLines {
                component: s.component,
                formats: &s.formats,
                lines_continuation: s.accounting.lines_continuation,
                lines_parsed: s.accounting.lines_parsed,
                lines_total: s.accounting.lines_total,
                lines_unparsed: s.accounting.lines_unparsed,
                previous: s.previous,
                source: &s.name,
                spans_total: s.accounting.spans_total,
                warnings: &s.warnings,
            })
            .collect(),
        spans_total: tot.spans_total,
        warnings: &a.warnings,
    }
}

fn windows(a: &Analysis) -> Vec<WindowFacts<'_>> {
    let list: Vec<_> = a.windows().collect();
    let card_of = cards(&list);
    list.par_iter()
        .enumerate()
        .map(|(i, (w, at))| {
            let mut errors: Vec<(&str, u64)> =
                w.errors.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            errors.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
            WindowFacts {
                basis: w.basis,
                cause: at.cause,
                channels: &w.channels,
                collections: &w.collections,
                confidence: at.confidence,
                contributing: &at.contributing,
                duration_s: (w.end - w.start) as f64 / 1e6,
                end: w.end,
                error_counts: &w.errors,
                cited: at.evidence.iter().map(Cited::from).collect(),
                failed: w.failed,
                missing: &at.missing,
                nodes: &w.nodes,
                ok: w.ok,
                phases: at
                    .phases
                    .iter()
                    .map(|p| Phase {
                        cause: p.cause,
                        duration_s: p.len_us() as f64 / 1e6,
                        end: p.end,
                        evidence: p.evidence.iter().map(Cited::from).collect(),
                        id: p.id,
                        start: p.start,
                    })
                    .collect(),
                reason: &at.reason,
                recommendations: at
                    .recommendations
                    .iter()
                    .map(|r| Recommended {
                        id: r.id,
                        setting: r.setting.as_deref(),
                        text: super::advice::sentence(&r.facts),
                    })
                    .collect(),
                start: w.start,
                traces: Traces::of(&at.traces),
                number: i + 1,
                at,
                evidence: evidence_rows(a, at),
                errors,
                card: card_of[i],
            }
        })
        .collect()
}

/// More windows than this and a report shows one full card per shape of
/// window (cause, contributing causes, phase order): hundreds of repeats of
/// one fault would make a report no ticket can hold. Every window is still
/// listed with its own numbers.
pub const CARDS_MAX: usize = 20;

/// What makes two windows alike for the report: the same cause, the same
/// contributing causes and the same phases in the same order.
type Shape = (Cause, Vec<Cause>, Vec<PhaseId>);

fn shape(at: &Attribution) -> Shape {
    (
        at.cause,
        at.contributing.clone(),
        at.phases.iter().map(|p| p.id).collect(),
    )
}

/// The card that stands for each window (see [`WindowFacts::card`]).
fn cards(windows: &[(&crate::windows::Window, &Attribution)]) -> Vec<usize> {
    if windows.len() <= CARDS_MAX {
        return (1..=windows.len()).collect();
    }
    let mut first: Vec<(Shape, usize)> = Vec::new();
    windows
        .iter()
        .enumerate()
        .map(|(i, (_, at))| {
            let k = shape(at);
            match first.iter().find(|(s, _)| *s == k) {
                Some((_, n)) => *n,
                None => {
                    first.push((k, i + 1));
                    i + 1
                }
            }
        })
        .collect()
}

/// Hashes every source in parallel; the digest is over the sorted lines
/// `sha256  name`, as `sha256sum` prints them.
fn hashes(a: &Analysis) -> (Vec<(&str, String)>, String) {
    use sha2::{Digest, Sha256};
    let mut h: Vec<(&str, String)> = a
        .timeline
        .sources
        .par_iter()
        .map(|s| {
            // Hashed at ingest when a report was asked for; else from what is
            // at hand (the text, or the file a compacted source was read from).
            let sum = match (&s.sha256, s.compacted) {
                (Some(h), _) => h.clone(),
                (None, false) => sha256_hex(s.text.as_bytes()),
                (None, true) => s
                    .reread
                    .as_deref()
                    .and_then(crate::record::sha256_of_file)
                    .unwrap_or_else(|| "unreadable".to_string()),
            };
            (s.name.as_str(), sum)
        })
        .collect();
    h.sort();
    let mut all = Sha256::new();
    for (name, sum) in &h {
        all.update(format!("{sum}  {name}\n").as_bytes());
    }
    let digest = hex(&all.finalize());
    (h, digest)
}

/// The component that wrote a physical line of a source.
fn component_at(a: &Analysis, source: &str, line: u32) -> Component {
    let Some(s) = a.timeline.sources.iter().find(|s| s.name == source) else {
        return Component::Other;
    };
    // Records are in line order; a continuation line belongs to the record before it.
    let i = s.records.partition_point(|r| r.line <= line);
    i.checked_sub(1)
        .map_or(s.component, |i| s.records[i].component)
}

fn evidence_rows<'a>(a: &Analysis, at: &'a Attribution) -> Vec<EvidenceRow<'a>> {
    let mut rows: Vec<EvidenceRow> = Vec::new();
    let cited = at
        .phases
        .iter()
        .flat_map(|p| p.evidence.iter().map(move |e| (e, Some(p.id.id()))))
        .chain(at.evidence.iter().map(|e| (e, None)));
    for (e, phase) in cited {
        if rows
            .iter()
            .any(|r| r.evidence.source == e.source && r.evidence.line == e.line)
        {
            continue;
        }
        rows.push(EvidenceRow {
            evidence: e,
            component: component_at(a, &e.source, e.line),
            phase,
        });
    }
    rows.sort_by(|x, y| {
        (x.evidence.ts, &x.evidence.source, x.evidence.line).cmp(&(
            y.evidence.ts,
            &y.evidence.source,
            y.evidence.line,
        ))
    });
    rows
}

fn missing(a: &Analysis, components: &[&str], version: Option<&str>) -> Vec<String> {
    let has = |c: &str| components.contains(&c);
    let mut out = Vec::new();
    if !has("client") {
        out.push("no client log: windows come from the server logs (Proxy failures, restarts, log holes) and successful requests are unknown".to_string());
    }
    if !has("etcd") {
        out.push(
            "no etcd log: etcd's own view (slow applies, leader changes, compactions) is unknown"
                .to_string(),
        );
    }
    for (c, what) in [
        ("querycoord", "QueryCoord (node removal, reassignment)"),
        ("querynode", "QueryNode (delegators, replay)"),
        ("proxy", "Proxy (request failures, shard-leader cache)"),
    ] {
        // Inside standalone and mix-coord processes each line is named by
        // its caller directory, so QueryCoord's lines count as querycoord.
        if !has(c) {
            out.push(format!("no {what} lines"));
        }
    }
    if a.settings.is_empty() {
        out.push("no milvus.yaml: timing settings are the version's defaults".to_string());
    }
    if version.is_none() {
        out.push("no Milvus start banner: the version is unknown".to_string());
    }
    out
}

impl WindowFacts<'_> {
    /// True when the window comes from a client request log (else from the
    /// server logs).
    pub fn client_log(&self) -> bool {
        self.basis == Basis::ClientLog
    }
}

impl Report<'_> {
    /// True when a window has a card of its own.
    pub fn has_card(&self, w: &WindowFacts<'_>) -> bool {
        w.card == w.number
    }

    /// Indexes of the windows with a card of their own.
    pub fn carded(&self) -> Vec<usize> {
        self.windows
            .iter()
            .enumerate()
            .filter(|(_, w)| self.has_card(w))
            .map(|(i, _)| i)
            .collect()
    }

    /// First and last timed line in the range, UTC µs.
    pub fn span(&self) -> Option<(i64, i64)> {
        self.bundle.start.zip(self.bundle.end)
    }

    /// Line accounting of the whole bundle.
    pub fn totals(&self) -> Accounting {
        self.accounting.totals()
    }

    /// One sentence: how many windows, how long, what held them open.
    pub fn verdict(&self) -> String {
        match self.windows.as_slice() {
            [] if self.requests > 0 => format!(
                "No client-failure window: all {} requests of the client log succeeded.",
                self.requests
            ),
            [] => "No client-failure window: the server logs show no Proxy failure, and no restart or pause followed by one.".to_string(),
            [w] => format!(
                "1 client-failure window: {:.1} s, held open by {}.",
                secs(w.end - w.start),
                w.cause.id()
            ),
            ws => {
                let total: i64 = ws.iter().map(|w| w.end - w.start).sum();
                let mut causes: Vec<&str> = ws.iter().map(|w| w.cause.id()).collect();
                causes.sort_unstable();
                causes.dedup();
                format!(
                    "{} client-failure windows, {:.1} s in all, held open by {}.",
                    ws.len(),
                    secs(total),
                    causes.join(", ")
                )
            }
        }
    }
}

/// µs → s.
pub fn secs(us: i64) -> f64 {
    us as f64 / 1e6
}

/// `04:15:28.340` (UTC clock with ms).
pub fn clock_ms(us: i64) -> String {
    rfc3339_ms(us)[11..23].to_string()
}

#[cfg(test)]
mod tests {
    use super::hex;

    #[test]
    fn hex_is_lower_case_two_digits() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}

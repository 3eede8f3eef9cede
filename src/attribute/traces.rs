//! What the spans of a bundle's trace exports say about one window: how many
//! started inside it; its failed calls grouped by operation and peer, each
//! with the node the call was meant for (the span events of
//! [`crate::recognise::spans`]); the internal calls whose latency changed
//! most against the time before it; one failed request's span path. Also
//! cites failed calls as the evidence of the phases they fall in.
//!
//! Must not know: how spans were read, how they are drawn.

use super::Context;
use crate::recognise::spans as span_events;
use crate::record::{SpanRow, SpanTable};
use crate::timeline::Timeline;
use crate::windows::Window;
use parsers::spans::StatusCode;
use std::collections::{BTreeMap, HashMap};

/// Failed spans of one operation towards one peer.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorSpans {
    /// The operation (`milvus.proto.query.QueryNode/LoadSegments`).
    pub operation: String,
    /// The `address:port` called (the calling side's peer; the serving
    /// side's own address); empty when unknown.
    pub peer: String,
    /// The node the call was meant for, when known.
    pub peer_node: Option<u32>,
    /// How many.
    pub count: u64,
    /// Start of the first, UTC µs.
    pub first: i64,
    /// Start of the last, UTC µs.
    pub last: i64,
    /// The trace of the first.
    pub example_trace_id: String,
    /// The first: (source, span row).
    pub example_at: (u32, u32),
    /// `peer_node` comes from an error text, not from the address.
    pub named_by_text: bool,
}

/// One span of a request's path.
#[derive(Clone, Debug, PartialEq)]
pub struct PathSpan {
    /// The operation.
    pub operation: String,
    /// Client, server, internal, ….
    pub kind: parsers::spans::SpanKind,
    /// The emitter's `service.name` and `NodeID`.
    pub service: String,
    /// See `service`.
    pub node: Option<i64>,
    /// `address:port` of the other end; empty when none.
    pub peer: String,
    /// Failed.
    pub error: bool,
    /// The error text, when failed.
    pub message: String,
    /// Start, UTC µs.
    pub start: i64,
    /// Length, ns.
    pub duration_ns: i64,
}

/// The spans of one failed request, root first, down to the span where it
/// failed (else its deepest).
#[derive(Clone, Debug, PartialEq)]
pub struct RequestPath {
    /// The trace id the Proxy logged with the failure.
    pub trace_id: String,
    /// The Proxy's failure line: its source and line.
    pub source: String,
    /// See `source`.
    pub line: u32,
    /// Root → leaf.
    pub spans: Vec<PathSpan>,
}

/// The spans of one window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WindowTraces {
    /// Spans that started inside the window.
    pub spans: u64,
    /// Failed spans by operation and peer, most first.
    pub error_spans: Vec<ErrorSpans>,
    /// The span path of the first failure the Proxy logged with a trace id
    /// that the trace exports hold.
    pub request_path: Option<RequestPath>,
    /// The operations whose latency changed most inside the window against
    /// the time before it, most changed first.
    pub latency: Vec<LatencyChange>,
}

/// Latency percentiles of a set of spans, ms.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Percentiles {
    /// How many spans.
    pub count: u64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
}

/// One operation's latency before and inside a window.
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyChange {
    /// The operation.
    pub operation: String,
    /// The side that measured it: a call is measured on both ends (the
    /// client's includes the network); work inside a process is `internal`.
    pub kind: parsers::spans::SpanKind,
    /// Spans that started in the same length of time before the window
    /// (at least [`BEFORE_MIN_US`]).
    pub before: Percentiles,
    /// Spans that started inside the window.
    pub inside: Percentiles,
    /// `inside.p90_ms / before.p90_ms`.
    pub p90_ratio: f64,
}

/// The spans of every trace, by trace id: built once, looked up per window.
#[derive(Debug, Default)]
pub struct SpanIndex {
    by_trace: HashMap<u128, Vec<(u32, u32)>>,
}

impl SpanIndex {
    /// Every span of the timeline's sources.
    pub fn build(t: &Timeline) -> SpanIndex {
        let mut by_trace: HashMap<u128, Vec<(u32, u32)>> = HashMap::new();
        for (si, s) in t.sources.iter().enumerate() {
            for (ri, r) in s.spans.rows.iter().enumerate() {
                by_trace
                    .entry(r.trace_id)
                    .or_default()
                    .push((si as u32, ri as u32));
            }
        }
        SpanIndex { by_trace }
    }

    fn trace(&self, id: u128) -> &[(u32, u32)] {
        self.by_trace.get(&id).map_or(&[], Vec::as_slice)
    }
}

/// The spans of the window's bundle that started inside it.
pub fn window_traces(ctx: &Context, w: &Window) -> WindowTraces {
    let mut out = WindowTraces::default();
    for (si, s) in ctx.t.sources.iter().enumerate() {
        if !s.spans.rows.is_empty() && ctx.owns((si as u32, 0)) {
            out.spans += in_range(&s.spans.rows, w.start, w.end).len() as u64;
        }
    }
    out.error_spans = error_groups(ctx, w.start, w.end);
    out.latency = latency_changes(ctx, w);
    out.request_path = request_path(ctx, w);
    out
}

/// The failed spans that started in `[from, to]`, by operation and peer,
/// most first.
fn error_groups(ctx: &Context, from: i64, to: i64) -> Vec<ErrorSpans> {
    let mut groups: BTreeMap<(&str, String), ErrorSpans> = BTreeMap::new();
    for e in span_events::between(ctx.span_events, from, to)
        .iter()
        .filter(|e| ctx.owns(e.at))
    {
        let (t, r) = ctx.t.span(e.at);
        let operation = t.text(r.name);
        let peer = e.called.clone();
        let g = groups
            .entry((operation, peer.clone()))
            .or_insert_with(|| ErrorSpans {
                operation: operation.to_string(),
                peer,
                peer_node: e.subject,
                count: 0,
                first: e.ts,
                last: e.ts,
                example_trace_id: SpanTable::trace_hex(r),
                example_at: e.at,
                named_by_text: e.named_by_text,
            });
        // Events come in time order: the first is the example.
        g.count += 1;
        g.last = e.ts;
        // An error text that names the node expected outweighs the address:
        // a group may start with a call cancelled before any answer.
        if e.named_by_text && !g.named_by_text {
            g.peer_node = e.subject;
            g.named_by_text = true;
        }
        if g.peer_node.is_none() {
            g.peer_node = e.subject;
        }
    }
    let mut out: Vec<ErrorSpans> = groups.into_values().collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.first.cmp(&b.first)));
    out
}

/// The shortest stretch before a window whose latency it is compared with.
pub const BEFORE_MIN_US: i64 = 60_000_000;

/// Fewest spans of an operation on each side for its latency to be compared.
const LATENCY_MIN_SPANS: usize = 5;

/// Most operations listed per window.
const LATENCY_MAX_OPERATIONS: usize = 5;

/// The operations whose p90 latency changed most (by ratio, either way)
/// inside the window against the stretch before it.
fn latency_changes(ctx: &Context, w: &Window) -> Vec<LatencyChange> {
    let before_from = w.start - (w.end - w.start).max(BEFORE_MIN_US);
    type Key = (u32, u32, parsers::spans::SpanKind);
    let mut sides: BTreeMap<Key, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
    for (si, s) in ctx.t.sources.iter().enumerate() {
        if s.spans.rows.is_empty() || !ctx.owns((si as u32, 0)) {
            continue;
        }
        for r in in_range(&s.spans.rows, before_from, w.end) {
            let side = sides.entry((si as u32, r.name, r.kind)).or_default();
            match r.start_us < w.start {
                true => side.0.push(r.duration_ns),
                false => side.1.push(r.duration_ns),
            }
        }
    }
    let mut out: Vec<LatencyChange> = sides
        .into_iter()
        .filter(|(_, (b, i))| b.len() >= LATENCY_MIN_SPANS && i.len() >= LATENCY_MIN_SPANS)
        .map(|((si, name, kind), (mut b, mut i))| {
            let (before, inside) = (percentiles(&mut b), percentiles(&mut i));
            LatencyChange {
                operation: ctx.t.sources[si as usize].spans.text(name).to_string(),
                kind,
                before,
                inside,
                p90_ratio: ratio(inside.p90_ms, before.p90_ms),
            }
        })
        .collect();
    // Most changed first, a slowdown and a speed-up alike.
    let change = |c: &LatencyChange| c.p90_ratio.ln().abs();
    out.sort_by(|a, b| {
        change(b)
            .total_cmp(&change(a))
            .then_with(|| a.operation.cmp(&b.operation))
    });
    out.truncate(LATENCY_MAX_OPERATIONS);
    out
}

/// `a / b`, rounded to 2 decimals; 1 when `b` is 0 and `a` too.
fn ratio(a: f64, b: f64) -> f64 {
    let r = match b > 0.0 {
        true => a / b,
        false if a > 0.0 => f64::INFINITY,
        false => 1.0,
    };
    (r * 100.0).round() / 100.0
}

/// Nearest-rank percentiles of durations (ns), in ms rounded to 0.01.
fn percentiles(ns: &mut [i64]) -> Percentiles {
    ns.sort_unstable();
    let at = |q: f64| {
        // Nearest rank: the smallest value with at least q of them ≤ it.
        let rank = ((q * ns.len() as f64).ceil() as usize).clamp(1, ns.len());
        (ns[rank - 1] as f64 / 1e4).round() / 100.0
    };
    Percentiles {
        count: ns.len() as u64,
        p50_ms: at(0.5),
        p90_ms: at(0.9),
        p99_ms: at(0.99),
    }
}

/// Most span evidences a phase gets (after its log lines).
const PHASE_SPAN_EVIDENCE: usize = 2;

/// Adds to each phase its most frequent failed internal calls as
/// evidence: the first span of each, with its name and peer as text.
pub fn cite_spans(ctx: &Context, phases: &mut [super::Phase]) {
    for p in phases.iter_mut() {
        for g in error_groups(ctx, p.start, p.end)
            .iter()
            .take(PHASE_SPAN_EVIDENCE)
        {
            p.evidence.push(span_evidence(ctx, g));
        }
    }
}

/// A group's first span, as evidence: the span record's source and line,
/// its operation and peer as text.
fn span_evidence(ctx: &Context, g: &ErrorSpans) -> super::Evidence {
    let (t, r) = ctx.t.span(g.example_at);
    let text = span_events::describe(t, r, &g.peer, g.peer_node);
    let times = match g.count {
        1 => "1 failed internal call".to_string(),
        n => format!("{n} failed internal calls"),
    };
    super::Evidence {
        source: ctx.t.sources[g.example_at.0 as usize].name.clone(),
        line: r.line,
        ts: r.start_us,
        text,
        note: format!("{times} of {} in this phase (trace export)", g.operation),
    }
}

/// The span path of the window's first Proxy failure whose trace is held.
fn request_path(ctx: &Context, w: &Window) -> Option<RequestPath> {
    let failures = crate::windows::proxy_failures(ctx.t, ctx.events, w.start, w.end);
    failures.iter().filter(|e| ctx.owns(e.at)).find_map(|e| {
        let (src, r) = ctx.t.record(e.at);
        let hex = src.field(r, "traceID")?;
        let id = u128::from_str_radix(&hex, 16).ok()?;
        let spans = path_of(ctx, ctx.spans.trace(id))?;
        Some(RequestPath {
            trace_id: hex.into_owned(),
            source: src.name.clone(),
            line: r.line,
            spans,
        })
    })
}

/// Longest a parent chain is followed (a cycle in broken data ends there).
const PATH_DEPTH_MAX: usize = 64;

/// Root → leaf of a trace: the leaf is the deepest failed span none of
/// whose children failed, else the deepest span.
fn path_of(ctx: &Context, members: &[(u32, u32)]) -> Option<Vec<PathSpan>> {
    let row = |&(s, r): &(u32, u32)| {
        (
            &ctx.t.sources[s as usize].spans,
            &ctx.t.sources[s as usize].spans.rows[r as usize],
        )
    };
    let by_id: HashMap<u64, (u32, u32)> = members.iter().map(|m| (row(m).1.span_id, *m)).collect();
    let chain = |m: (u32, u32)| {
        let mut c = vec![m];
        let mut at = m;
        while c.len() < PATH_DEPTH_MAX {
            match by_id.get(&row(&at).1.parent_id) {
                Some(&p) if p != at => {
                    c.push(p);
                    at = p;
                }
                _ => break,
            }
        }
        c.reverse();
        c
    };
    let failed_parents: std::collections::HashSet<u64> = members
        .iter()
        .map(|m| row(m).1)
        .filter(|r| r.status == StatusCode::Error)
        .map(|r| r.parent_id)
        .collect();
    let failed_leaves = members.iter().filter(|m| {
        let r = row(m).1;
        r.status == StatusCode::Error && !failed_parents.contains(&r.span_id)
    });
    let leaf_chain = failed_leaves
        .map(|m| chain(*m))
        .max_by_key(Vec::len)
        .or_else(|| members.iter().map(|m| chain(*m)).max_by_key(Vec::len))?;
    Some(
        leaf_chain
            .iter()
            .map(|m| {
                let (t, r) = row(m);
                PathSpan {
                    operation: t.text(r.name).to_string(),
                    kind: r.kind,
                    service: t.text(r.service).to_string(),
                    node: r.node_id,
                    peer: peer_text(t, r),
                    error: r.status == StatusCode::Error,
                    message: t.text(r.status_message).to_string(),
                    start: r.start_us,
                    duration_ns: r.duration_ns,
                }
            })
            .collect(),
    )
}

/// `address:port` of a span's peer; empty when it names none.
fn peer_text(t: &SpanTable, r: &SpanRow) -> String {
    t.peer(r).unwrap_or_default()
}

/// The rows that started in `[from, to]` (rows are in start order).
fn in_range(rows: &[SpanRow], from: i64, to: i64) -> &[SpanRow] {
    let lo = rows.partition_point(|r| r.start_us < from);
    let hi = rows.partition_point(|r| r.start_us <= to);
    &rows[lo..hi.max(lo)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(start_us: i64) -> SpanRow {
        SpanRow {
            line: 1,
            start_us,
            duration_ns: 0,
            trace_id: 0,
            trace_hex_len: 32,
            span_id: 0,
            parent_id: 0,
            name: 0,
            kind: Default::default(),
            status: StatusCode::Error,
            status_message: 0,
            service: 0,
            node_id: None,
            peer_addr: 0,
            peer_port: None,
            grpc_code: None,
            error_event: 0,
        }
    }

    #[test]
    fn percentiles_are_nearest_rank_in_ms() {
        let mut ns: Vec<i64> = (1..=100).rev().map(|i| i * 1_000_000).collect();
        let p = percentiles(&mut ns);
        assert_eq!(
            (p.count, p.p50_ms, p.p90_ms, p.p99_ms),
            (100, 50.0, 90.0, 99.0)
        );
        let p = percentiles(&mut [1_234_567]);
        assert_eq!((p.p50_ms, p.p99_ms), (1.23, 1.23));
    }

    #[test]
    fn a_ratio_of_nothing_is_no_change() {
        assert_eq!(ratio(0.0, 0.0), 1.0);
        assert_eq!(ratio(3.0, 0.0), f64::INFINITY);
        assert_eq!(ratio(1.0, 3.0), 0.33);
    }

    #[test]
    fn rows_in_a_range_are_found_by_their_start() {
        let rows: Vec<SpanRow> = [1, 5, 5, 9].into_iter().map(row).collect();
        assert_eq!(in_range(&rows, 5, 5).len(), 2);
        assert_eq!(in_range(&rows, 0, 100).len(), 4);
        assert_eq!(in_range(&rows, 6, 8).len(), 0);
        assert_eq!(in_range(&rows, 10, 2).len(), 0);
    }
}

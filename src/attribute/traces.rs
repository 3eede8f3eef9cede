//! What the spans of a bundle's trace exports say about one window: how many
//! started inside it, and its failed calls grouped by operation and peer,
//! each with the node the call was meant for.
//!
//! The node a call was meant for is the expected id of a stale-liveness
//! error text (`node not match[expectedNodeID=1]…`, `server ID mismatch`,
//! `node offline[node=1]`: the recognition table's wordings), else the node
//! that had registered the peer's address last before the call; unknown
//! otherwise.
//!
//! Must not know: how spans were read, how they are drawn.

use super::Context;
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
    /// `address:port` of the other end; empty when the span names none.
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
    let mut groups: BTreeMap<(String, String), ErrorSpans> = BTreeMap::new();
    for (si, s) in ctx.t.sources.iter().enumerate() {
        if s.spans.rows.is_empty() || !ctx.owns((si as u32, 0)) {
            continue;
        }
        let inside = in_range(&s.spans.rows, w.start, w.end);
        out.spans += inside.len() as u64;
        for r in inside.iter().filter(|r| r.status == StatusCode::Error) {
            add_error(ctx, &s.spans, r, &mut groups);
        }
    }
    out.error_spans = groups.into_values().collect();
    out.error_spans
        .sort_by(|a, b| b.count.cmp(&a.count).then(a.first.cmp(&b.first)));
    out.request_path = request_path(ctx, w);
    out
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

fn add_error(
    ctx: &Context,
    t: &SpanTable,
    r: &SpanRow,
    groups: &mut BTreeMap<(String, String), ErrorSpans>,
) {
    let operation = t.text(r.name).to_string();
    let peer = peer_text(t, r);
    let expected = expected_node(t, r);
    let g = groups
        .entry((operation.clone(), peer.clone()))
        .or_insert_with(|| ErrorSpans {
            peer_node: expected.or_else(|| listening_at(ctx, &peer, r.start_us)),
            operation,
            peer,
            count: 0,
            first: r.start_us,
            last: r.start_us,
            example_trace_id: SpanTable::trace_hex(r),
            named_by_text: expected.is_some(),
        });
    g.count += 1;
    g.last = g.last.max(r.start_us);
    if r.start_us < g.first {
        g.first = r.start_us;
        g.example_trace_id = SpanTable::trace_hex(r);
    }
    // An error text that names the node expected outweighs the address:
    // a group may start with a call cancelled before any answer.
    if let Some(id) = expected.filter(|_| !g.named_by_text) {
        g.peer_node = Some(id);
        g.named_by_text = true;
    }
}

/// The node a stale-liveness error text of the span expects.
fn expected_node(t: &SpanTable, r: &SpanRow) -> Option<u32> {
    let texts = [t.text(r.status_message), t.text(r.error_event)];
    texts
        .iter()
        .find_map(|x| crate::recognise::stale_in(x))
        .map(|s| s.node)
}

/// The node that had registered `peer` last before `at`.
fn listening_at(ctx: &Context, peer: &str, at: i64) -> Option<u32> {
    if peer.is_empty() {
        return None;
    }
    ctx.identity
        .nodes
        .iter()
        .filter(|n| n.first_us <= at && n.addresses.values().any(|a| a == peer))
        .max_by_key(|n| n.first_us)
        .map(|n| n.id)
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
    fn rows_in_a_range_are_found_by_their_start() {
        let rows: Vec<SpanRow> = [1, 5, 5, 9].into_iter().map(row).collect();
        assert_eq!(in_range(&rows, 5, 5).len(), 2);
        assert_eq!(in_range(&rows, 0, 100).len(), 4);
        assert_eq!(in_range(&rows, 6, 8).len(), 0);
        assert_eq!(in_range(&rows, 10, 2).len(), 0);
    }
}

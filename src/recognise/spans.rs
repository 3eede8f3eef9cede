//! Failed spans as events: a call that a trace export shows failing is a
//! `grpc-error`, its emitter the resource's `NodeID`, its subject the node
//! the call was meant for.
//!
//! The address called is the calling side's peer; on the serving side
//! (whose peer is its caller) it is the peer of the client span that is its
//! parent, else the address the emitter registered for the role that serves
//! the gRPC service (`milvus.proto.query.QueryNode/…` → `querynode`). The
//! node a call was meant for is the expected id of a stale-liveness error
//! text (`node not match[expectedNodeID=1]…`, `server ID mismatch`,
//! `node offline[node=1]`: the recognition table's wordings, read by
//! [`super::stale_in`]); else the node that had registered the address
//! called last before the call (identity's address book).
//!
//! Runs after identity, which it reads; windows and attribute read what it
//! gives. Must not know: windows, phases, causes, how spans were read.

use super::EventKind;
use crate::component::Component;
use crate::identity::Identity;
use crate::record::{SpanRow, SpanTable};
use crate::timeline::Timeline;
use parsers::spans::{SpanKind, StatusCode};
use std::collections::{HashMap, HashSet};

/// The name `timeline --events` gives the rule behind a span event (spans
/// are matched by their status, not by a text of the table).
pub const SPAN_RULE: &str = "span-status-error";

/// One failed span, as an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanEvent {
    /// The span's start, UTC µs.
    pub ts: i64,
    /// Always `grpc-error`: a failed internal call.
    pub kind: EventKind,
    /// The emitter's role, from the resource's `service.name` (else the
    /// trace file's component).
    pub component: Component,
    /// The emitter's `NodeID`, when the resource names one.
    pub node: Option<u32>,
    /// The node the call was meant for, when known.
    pub subject: Option<u32>,
    /// `subject` comes from an error text, not from the address.
    pub named_by_text: bool,
    /// The `address:port` called (empty when unknown).
    pub called: String,
    /// Where the span is: (source index, row in its span table).
    pub at: (u32, u32),
}

/// Every failed span of the timeline's sources, in time order (then
/// source, then row).
pub fn span_events(t: &Timeline, identity: &Identity) -> Vec<SpanEvent> {
    let failed = |r: &&SpanRow| r.status == StatusCode::Error;
    let callers = callers_of_failed_servers(t);
    let mut out: Vec<SpanEvent> = Vec::new();
    for (si, s) in t.sources.iter().enumerate() {
        for (ri, r) in s.spans.rows.iter().enumerate().filter(|(_, r)| failed(r)) {
            let called = match r.kind {
                SpanKind::Server => callers
                    .get(&(r.trace_id, r.parent_id))
                    .cloned()
                    .or_else(|| own_address(identity, &s.spans, r)),
                _ => s.spans.peer(r),
            }
            .unwrap_or_default();
            let (subject, named_by_text) = meant_for(identity, &s.spans, r, &called);
            out.push(SpanEvent {
                ts: r.start_us,
                kind: EventKind::GrpcError,
                component: Component::from_id(s.spans.text(r.service)).unwrap_or(s.component),
                node: r.node_id.and_then(|n| u32::try_from(n).ok()),
                subject,
                named_by_text,
                called,
                at: (si as u32, ri as u32),
            });
        }
    }
    out.sort_by_key(|e| (e.ts, e.at));
    out
}

/// The peer of each client span that is the parent of a failed server
/// span, by (trace id, span id): the address the server was called at.
fn callers_of_failed_servers(t: &Timeline) -> HashMap<(u128, u64), String> {
    let wanted: HashSet<(u128, u64)> = t
        .sources
        .iter()
        .flat_map(|s| s.spans.rows.iter())
        .filter(|r| r.status == StatusCode::Error && r.kind == SpanKind::Server)
        .map(|r| (r.trace_id, r.parent_id))
        .collect();
    let mut out = HashMap::new();
    if wanted.is_empty() {
        return out;
    }
    for s in &t.sources {
        for r in s.spans.rows.iter().filter(|r| r.kind == SpanKind::Client) {
            if wanted.contains(&(r.trace_id, r.span_id)) {
                if let Some(p) = s.spans.peer(r) {
                    out.insert((r.trace_id, r.span_id), p);
                }
            }
        }
    }
    out
}

/// gRPC services whose role is not their own name in lower case.
const SERVICE_ROLES: &[(&str, &str)] = &[("MilvusService", "proxy")];

/// The role serving a gRPC operation (`milvus.proto.query.QueryNode/GetMetrics`
/// → `querynode`).
fn role_of_operation(operation: &str) -> Option<String> {
    let service = operation.split('/').next()?.rsplit('.').next()?;
    match SERVICE_ROLES.iter().find(|(s, _)| *s == service) {
        Some((_, role)) => Some(role.to_string()),
        None if !service.is_empty() => Some(service.to_ascii_lowercase()),
        None => None,
    }
}

/// The address a serving span's emitter registered for the role that serves
/// its operation.
fn own_address(identity: &Identity, t: &SpanTable, r: &SpanRow) -> Option<String> {
    let node = identity.node(u32::try_from(r.node_id?).ok()?)?;
    node.addresses
        .get(&role_of_operation(t.text(r.name))?)
        .cloned()
}

/// A failed span as one line of text: its operation, the address called
/// (with the node meant, when known) and its error text.
pub fn describe(t: &SpanTable, r: &SpanRow, called: &str, subject: Option<u32>) -> String {
    let towards = match (called, subject) {
        ("", None) => String::new(),
        ("", Some(n)) => format!(" → node {n}"),
        (p, Some(n)) => format!(" → {p} (node {n})"),
        (p, None) => format!(" → {p}"),
    };
    match t.text(r.status_message) {
        "" => format!("span {}{towards}: error", t.text(r.name)),
        m => format!("span {}{towards}: {m}", t.text(r.name)),
    }
}

/// The node a failed span's call (to `called`) was meant for, and whether
/// its error text named it.
fn meant_for(identity: &Identity, t: &SpanTable, r: &SpanRow, called: &str) -> (Option<u32>, bool) {
    match expected_node(t, r) {
        Some(n) => (Some(n), true),
        None => (listening_at(identity, called, r.start_us), false),
    }
}

/// The node a stale-liveness error text of the span expects.
fn expected_node(t: &SpanTable, r: &SpanRow) -> Option<u32> {
    [t.text(r.status_message), t.text(r.error_event)]
        .iter()
        .find_map(|x| super::stale_in(x))
        .map(|s| s.node)
}

/// The node that had registered `peer` last before `at`.
fn listening_at(identity: &Identity, peer: &str, at: i64) -> Option<u32> {
    if peer.is_empty() {
        return None;
    }
    identity
        .nodes
        .iter()
        .filter(|n| n.first_us <= at && n.addresses.values().any(|a| a == peer))
        .max_by_key(|n| n.first_us)
        .map(|n| n.id)
}

/// The events with `from <= ts <= to` of a list in time order.
pub fn between(events: &[SpanEvent], from: i64, to: i64) -> &[SpanEvent] {
    let lo = events.partition_point(|e| e.ts < from);
    let hi = events.partition_point(|e| e.ts <= to).max(lo);
    &events[lo..hi]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: SpanKind, status_message: u32, peer_addr: u32) -> SpanRow {
        SpanRow {
            line: 1,
            start_us: 10,
            duration_ns: 0,
            trace_id: 1,
            trace_hex_len: 32,
            span_id: 2,
            parent_id: 0,
            name: 0,
            kind,
            status: StatusCode::Error,
            status_message,
            service: 0,
            node_id: Some(2),
            peer_addr,
            peer_port: Some(21123),
            grpc_code: None,
            error_event: 0,
        }
    }

    fn identity_with(id: u32, address: &str, first_us: i64) -> Identity {
        Identity::indexed(vec![crate::identity::NodeIdentity {
            id,
            roles: vec!["querynode".into()],
            address: Some(address.into()),
            addresses: [("querynode".to_string(), address.to_string())].into(),
            replaces: None,
            same_place: false,
            incarnation: None,
            first_us,
        }])
    }

    #[test]
    fn the_error_text_names_the_node_before_the_address() {
        let mut t = SpanTable::default();
        let msg = t.intern("node not match[expectedNodeID=1][actualNodeID=2]");
        let addr = t.intern("127.0.0.1");
        let id = identity_with(2, "127.0.0.1:21123", 0);
        let r = row(SpanKind::Server, msg, addr);
        assert_eq!(meant_for(&id, &t, &r, "127.0.0.1:21123"), (Some(1), true));
        let r = row(SpanKind::Client, 0, addr);
        assert_eq!(meant_for(&id, &t, &r, "127.0.0.1:21123"), (Some(2), false));
    }

    #[test]
    fn a_serving_side_was_called_at_its_own_address_for_the_role() {
        let mut t = SpanTable::default();
        let name = t.intern("milvus.proto.query.QueryNode/GetDataDistribution");
        let id = identity_with(2, "127.0.0.1:21123", 0);
        let r = SpanRow {
            name,
            ..row(SpanKind::Server, 0, 0)
        };
        assert_eq!(own_address(&id, &t, &r).as_deref(), Some("127.0.0.1:21123"));
        assert_eq!(
            role_of_operation("milvus.proto.milvus.MilvusService/Search").as_deref(),
            Some("proxy")
        );
        assert_eq!(
            role_of_operation("milvus.proto.data.DataCoord/Flush").as_deref(),
            Some("datacoord")
        );
    }

    #[test]
    fn an_address_names_the_node_registered_there_before_the_call() {
        let mut t = SpanTable::default();
        let addr = t.intern("127.0.0.1");
        // Registered after the call (10 µs): not the node it was meant for.
        let id = identity_with(2, "127.0.0.1:21123", 11);
        assert_eq!(
            meant_for(&id, &t, &row(SpanKind::Client, 0, addr), "127.0.0.1:21123"),
            (None, false)
        );
    }
}

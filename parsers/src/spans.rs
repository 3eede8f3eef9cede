//! OpenTelemetry spans from the files operators attach: OTLP/JSON, one
//! `ExportTraceServiceRequest` (`{"resourceSpans":[…]}`) per line, as the
//! collector's file exporter writes it, and the JSON the Jaeger UI exports
//! (`{"data":[{"traceID","spans":[…],"processes":{…}}]}`); and the spans
//! `trace.exporter=stdout` writes into the Milvus log: Go's stdout exporter
//! a JSON object a line ([`parse_go_stdout_span`]), opentelemetry-cpp's
//! ostream exporter (segcore) a text block ([`CppSpanBlock`]).
//!
//! This module reads what a span says (ids, name, kind, times, status,
//! emitter, peer, error events); it knows nothing of nodes, windows or
//! causes. Field names follow the OTLP protobuf JSON mapping
//! (opentelemetry-proto `trace/v1/trace.proto`) and the Jaeger UI's JSON
//! model (`jaeger-ui` `src/types/trace.tsx`: times in microseconds, tags as
//! `{key, type, value}`).

use serde_json::Value;

/// Span kind, as OTLP names it (`SPAN_KIND_*`; Jaeger's `span.kind` tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum SpanKind {
    /// Not said.
    #[default]
    Unspecified,
    /// Work inside one process.
    Internal,
    /// The receiving side of a call.
    Server,
    /// The calling side of a call.
    Client,
    /// A message sent to a queue.
    Producer,
    /// A message taken from a queue.
    Consumer,
}

impl SpanKind {
    /// From OTLP's enum name (or its number), or Jaeger's `span.kind` value.
    pub fn parse(s: &str) -> SpanKind {
        match s
            .trim_start_matches("SPAN_KIND_")
            .to_ascii_lowercase()
            .as_str()
        {
            "internal" | "1" => SpanKind::Internal,
            "server" | "2" => SpanKind::Server,
            "client" | "3" => SpanKind::Client,
            "producer" | "4" => SpanKind::Producer,
            "consumer" | "5" => SpanKind::Consumer,
            _ => SpanKind::Unspecified,
        }
    }

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            SpanKind::Unspecified => "unspecified",
            SpanKind::Internal => "internal",
            SpanKind::Server => "server",
            SpanKind::Client => "client",
            SpanKind::Producer => "producer",
            SpanKind::Consumer => "consumer",
        }
    }
}

/// A span's status code (OTLP `STATUS_CODE_*`; Jaeger's `otel.status_code`
/// tag, or its `error` tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StatusCode {
    /// Not set (the default of a span that did not fail).
    #[default]
    Unset,
    /// Set to OK by the instrumentation.
    Ok,
    /// The operation failed.
    Error,
}

impl StatusCode {
    /// From OTLP's enum name (or its number), or Jaeger's tag value.
    pub fn parse(s: &str) -> StatusCode {
        match s
            .trim_start_matches("STATUS_CODE_")
            .to_ascii_lowercase()
            .as_str()
        {
            "ok" | "1" => StatusCode::Ok,
            "error" | "2" => StatusCode::Error,
            _ => StatusCode::Unset,
        }
    }

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            StatusCode::Unset => "unset",
            StatusCode::Ok => "ok",
            StatusCode::Error => "error",
        }
    }
}

/// One span.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Span {
    /// Lower-case hex, as Milvus logs print a `traceID`.
    pub trace_id: String,
    /// Lower-case hex.
    pub span_id: String,
    /// Empty for a root span.
    pub parent_id: String,
    /// The operation (`milvus.proto.query.QueryNode/LoadSegments`).
    pub name: String,
    /// Which side of a call, or internal.
    pub kind: SpanKind,
    /// Unix time, nanoseconds.
    pub start_ns: i64,
    /// Unix time, nanoseconds.
    pub end_ns: i64,
    /// Whether it failed.
    pub status: StatusCode,
    /// The error text of a failed span.
    pub status_message: String,
    /// `service.name` of the resource (Jaeger: the process's serviceName).
    pub service: String,
    /// The resource's `NodeID` attribute (Milvus sets it to the server id).
    pub node_id: Option<i64>,
    /// The other end of a call (`net.sock.peer.addr`/`net.peer.name`/
    /// `server.address`/`network.peer.address`), with its port.
    pub peer_addr: String,
    /// The peer's port.
    pub peer_port: Option<u16>,
    /// `rpc.grpc.status_code`, when the span is a gRPC call.
    pub grpc_code: Option<i64>,
    /// Error events (`exception` and events named like errors): name and
    /// message.
    pub error_events: Vec<(String, String)>,
}

/// What reading one OTLP/JSON line gave.
#[derive(Debug, Default)]
pub struct Read {
    /// The spans read, in the order of the file.
    pub spans: Vec<Span>,
    /// Span objects that could not be read (no ids or no times): counted,
    /// not dropped silently.
    pub broken: usize,
}

/// Reads one OTLP/JSON line: an object with `resourceSpans`. `Err` when the
/// line is not such an object (a message for the warning).
pub fn parse_otlp_line(line: &str) -> Result<Read, String> {
    let req: otlp::Request<'_> =
        serde_json::from_str(line).map_err(|e| format!("not an OTLP/JSON request: {e}"))?;
    let Some(resources) = req.resource_spans else {
        return Err("a JSON object without resourceSpans".into());
    };
    let mut out = Read::default();
    for rs in &resources {
        let emitter = Emitter::of_otlp(rs.resource.as_ref().map_or(&[], |r| &r.attributes[..]));
        for scope in &rs.scope_spans {
            for s in &scope.spans {
                match otlp_span(s, &emitter) {
                    Some(span) => out.spans.push(span),
                    None => out.broken += 1,
                }
            }
        }
    }
    Ok(out)
}

/// The OTLP/JSON model (protobuf JSON mapping of `trace/v1/trace.proto`),
/// read without a document tree: texts borrow from the line where they hold
/// no escape, and members not named here are skipped.
mod otlp {
    use serde::Deserialize;
    use std::borrow::Cow;

    #[derive(Deserialize)]
    pub(super) struct Request<'a> {
        #[serde(rename = "resourceSpans", borrow)]
        pub resource_spans: Option<Vec<ResourceSpans<'a>>>,
    }

    #[derive(Deserialize)]
    pub(super) struct ResourceSpans<'a> {
        #[serde(borrow)]
        pub resource: Option<Resource<'a>>,
        // `instrumentationLibrarySpans` before OTLP 0.15 (2022).
        #[serde(
            rename = "scopeSpans",
            alias = "instrumentationLibrarySpans",
            default,
            borrow
        )]
        pub scope_spans: Vec<ScopeSpans<'a>>,
    }

    #[derive(Deserialize)]
    pub(super) struct Resource<'a> {
        #[serde(default, borrow)]
        pub attributes: Vec<KeyValue<'a>>,
    }

    #[derive(Deserialize)]
    pub(super) struct ScopeSpans<'a> {
        #[serde(default, borrow)]
        pub spans: Vec<Span<'a>>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Span<'a> {
        #[serde(borrow)]
        pub trace_id: Option<Cow<'a, str>>,
        #[serde(borrow)]
        pub span_id: Option<Cow<'a, str>>,
        #[serde(borrow)]
        pub parent_span_id: Option<Cow<'a, str>>,
        #[serde(default, borrow)]
        pub name: Cow<'a, str>,
        pub kind: Option<Scalar<'a>>,
        pub start_time_unix_nano: Option<Scalar<'a>>,
        pub end_time_unix_nano: Option<Scalar<'a>>,
        #[serde(default, borrow)]
        pub attributes: Vec<KeyValue<'a>>,
        #[serde(default, borrow)]
        pub events: Vec<Event<'a>>,
        #[serde(borrow)]
        pub status: Option<Status<'a>>,
    }

    #[derive(Deserialize)]
    pub(super) struct Event<'a> {
        #[serde(default, borrow)]
        pub name: Cow<'a, str>,
        #[serde(default, borrow)]
        pub attributes: Vec<KeyValue<'a>>,
    }

    #[derive(Deserialize)]
    pub(super) struct Status<'a> {
        #[serde(default, borrow)]
        pub message: Cow<'a, str>,
        pub code: Option<Scalar<'a>>,
    }

    #[derive(Deserialize)]
    pub(super) struct KeyValue<'a> {
        #[serde(borrow)]
        pub key: Cow<'a, str>,
        #[serde(default, borrow)]
        pub value: AnyValue<'a>,
    }

    /// `AnyValue`: one of its members is set (`intValue` is a string).
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct AnyValue<'a> {
        #[serde(borrow)]
        pub string_value: Option<Cow<'a, str>>,
        pub int_value: Option<Scalar<'a>>,
        pub bool_value: Option<bool>,
        pub double_value: Option<f64>,
    }

    impl AnyValue<'_> {
        pub fn text(&self) -> String {
            if let Some(s) = &self.string_value {
                return s.to_string();
            }
            if let Some(i) = &self.int_value {
                return i.text();
            }
            if let Some(b) = self.bool_value {
                return b.to_string();
            }
            self.double_value.map(|d| d.to_string()).unwrap_or_default()
        }
    }

    /// A string or a number (64-bit integers and enums may be either).
    #[derive(Deserialize)]
    #[serde(untagged)]
    pub(super) enum Scalar<'a> {
        Text(#[serde(borrow)] Cow<'a, str>),
        Int(i64),
        Float(f64),
    }

    impl Scalar<'_> {
        pub fn text(&self) -> String {
            match self {
                Scalar::Text(s) => s.to_string(),
                Scalar::Int(i) => i.to_string(),
                Scalar::Float(f) => f.to_string(),
            }
        }

        pub fn int(&self) -> Option<i64> {
            match self {
                Scalar::Text(s) => s.parse().ok(),
                Scalar::Int(i) => Some(*i),
                Scalar::Float(f) => Some(*f as i64),
            }
        }
    }
}

/// Reads one span that Go's stdout exporter (`trace.exporter=stdout`,
/// `go.opentelemetry.io/otel/exporters/stdout/stdouttrace`) wrote as a JSON
/// line into the Milvus log: `Name`, `SpanContext`, `Parent`, `SpanKind`,
/// `StartTime`/`EndTime` (RFC 3339), `Attributes`, `Events`, `Status`,
/// `Resource`. `None` when the line is not such a span.
pub fn parse_go_stdout_span(line: &str) -> Option<Span> {
    let s: gostdout::Span<'_> = serde_json::from_str(line).ok()?;
    let time = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()?
            .timestamp_nanos_opt()
    };
    let start_ns = time(&s.start_time)?;
    let end_ns = s.end_time.as_deref().and_then(time).unwrap_or(start_ns);
    let mut attrs = Attrs::default();
    for a in s.attributes.iter().flatten() {
        attrs.take(&a.key, a.value.text());
    }
    let mut emitter = Emitter::default();
    for a in s.resource.iter().flatten() {
        match a.key.as_ref() {
            "service.name" => emitter.service = a.value.text(),
            "NodeID" => emitter.node_id = a.value.text().parse().ok(),
            _ => {}
        }
    }
    let error_events =
        s.events
            .iter()
            .flatten()
            .filter(|e| is_error_event(&e.name))
            .map(|e| {
                let message =
                    e.attributes.iter().flatten().find(|a| {
                        matches!(a.key.as_ref(), "exception.message" | "message" | "error")
                    });
                (
                    e.name.to_string(),
                    message.map(|a| a.value.text()).unwrap_or_default(),
                )
            })
            .collect();
    let status = s.status.as_ref();
    Some(Span {
        trace_id: hex_str(&s.span_context.trace_id)?,
        span_id: hex_str(&s.span_context.span_id)?,
        parent_id: s
            .parent
            .as_ref()
            .and_then(|p| hex_str(&p.span_id))
            .filter(|p| p.bytes().any(|b| b != b'0'))
            .unwrap_or_default(),
        name: s.name.to_string(),
        kind: SpanKind::parse(&s.span_kind.to_string()),
        start_ns,
        end_ns,
        status: StatusCode::parse(status.map_or("", |st| st.code.as_ref())),
        status_message: status
            .map(|st| st.description.to_string())
            .unwrap_or_default(),
        service: emitter.service,
        node_id: emitter.node_id,
        peer_addr: attrs.peer_addr.1,
        peer_port: attrs.peer_port.1,
        grpc_code: attrs.grpc_code,
        error_events,
    })
}

/// A span block that C++'s stdout exporter (opentelemetry-cpp's ostream
/// exporter, which Milvus' segcore uses with `trace.exporter=stdout`)
/// writes into the Milvus log, read a line at a time: from the lone `{`
/// to the lone `}`, members `  name          : SegCoreSearch`
/// (`trace_id`, `span_id`, `parent_span_id`, `start` and `duration` in ns,
/// `description` = the status text, `span kind`, `status`), then
/// tab-indented attributes (`\tkey: value`), events (`\t{` … `\t}`)
/// and resources (`\tNodeID: 1`, `\tservice.name: segcore`).
#[derive(Debug, Default)]
pub struct CppSpanBlock {
    span: Span,
    duration_ns: Option<i64>,
    /// The top-level member whose tab-indented lines follow.
    section: String,
    /// Inside an event: its name.
    event: Option<String>,
    attrs: Attrs,
}

impl CppSpanBlock {
    /// Takes one line of the block after its `{`; true when it closed it.
    pub fn line(&mut self, line: &str) -> bool {
        let line = line.trim_end_matches(['\r', '\n']);
        if line == "}" {
            return true;
        }
        if let Some(inner) = line.strip_prefix('\t') {
            self.indented(inner);
        } else if let Some((k, v)) = crate::otel::cpp_span_member(line) {
            self.member(k, v.trim());
        }
        false
    }

    fn member(&mut self, key: &str, value: &str) {
        let s = &mut self.span;
        match key {
            "name" => s.name = value.to_string(),
            "trace_id" => s.trace_id = hex_str(value).unwrap_or_default(),
            "span_id" => s.span_id = hex_str(value).unwrap_or_default(),
            "parent_span_id" => {
                s.parent_id = hex_str(value)
                    .filter(|p| p.bytes().any(|b| b != b'0'))
                    .unwrap_or_default()
            }
            "start" => s.start_ns = value.parse().unwrap_or(0),
            "duration" => self.duration_ns = value.parse().ok(),
            "description" => s.status_message = value.to_string(),
            "span kind" => s.kind = SpanKind::parse(value),
            "status" => s.status = StatusCode::parse(value),
            _ => {}
        }
        self.section = key.to_string();
    }

    fn indented(&mut self, inner: &str) {
        let inner = inner.trim_start_matches('\t');
        match (self.section.as_str(), inner.trim()) {
            ("events", "{") => self.event = Some(String::new()),
            ("events", "}") => {
                if let Some(name) = self.event.take().filter(|n| is_error_event(n)) {
                    self.span.error_events.push((name, String::new()));
                }
            }
            ("events", _) => {
                if let (Some(ev), Some((k, v))) =
                    (self.event.as_mut(), crate::otel::cpp_span_member(inner))
                {
                    if k == "name" {
                        *ev = v.trim().to_string();
                    }
                }
            }
            ("attributes", kv) => {
                if let Some((k, v)) = kv.split_once(": ") {
                    self.attrs.take(k, v.to_string());
                }
            }
            ("resources", kv) => match kv.split_once(": ") {
                Some(("service.name", v)) => self.span.service = v.to_string(),
                Some(("NodeID", v)) => self.span.node_id = v.parse().ok(),
                _ => {}
            },
            _ => {}
        }
    }

    /// The span, once the block closed; `None` without ids or a start.
    pub fn finish(self) -> Option<Span> {
        let mut s = self.span;
        if s.trace_id.is_empty() || s.span_id.is_empty() || s.start_ns == 0 {
            return None;
        }
        s.end_ns = s
            .start_ns
            .saturating_add(self.duration_ns.unwrap_or(0).max(0));
        s.peer_addr = self.attrs.peer_addr.1;
        s.peer_port = self.attrs.peer_port.1;
        s.grpc_code = self.attrs.grpc_code;
        Some(s)
    }
}

/// The JSON of Go's stdout trace exporter (its `SpanStub`).
mod gostdout {
    use serde::Deserialize;
    use std::borrow::Cow;

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub(super) struct Span<'a> {
        #[serde(borrow)]
        pub name: Cow<'a, str>,
        #[serde(borrow)]
        pub span_context: Context<'a>,
        #[serde(borrow)]
        pub parent: Option<Context<'a>>,
        #[serde(default)]
        pub span_kind: i64,
        #[serde(borrow)]
        pub start_time: Cow<'a, str>,
        #[serde(borrow)]
        pub end_time: Option<Cow<'a, str>>,
        #[serde(borrow)]
        pub attributes: Option<Vec<KeyValue<'a>>>,
        #[serde(borrow)]
        pub events: Option<Vec<Event<'a>>>,
        #[serde(borrow)]
        pub status: Option<Status<'a>>,
        #[serde(borrow)]
        pub resource: Option<Vec<KeyValue<'a>>>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub(super) struct Context<'a> {
        #[serde(rename = "TraceID", borrow)]
        pub trace_id: Cow<'a, str>,
        #[serde(rename = "SpanID", borrow)]
        pub span_id: Cow<'a, str>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub(super) struct Event<'a> {
        #[serde(default, borrow)]
        pub name: Cow<'a, str>,
        #[serde(borrow)]
        pub attributes: Option<Vec<KeyValue<'a>>>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub(super) struct Status<'a> {
        #[serde(default, borrow)]
        pub code: Cow<'a, str>,
        #[serde(default, borrow)]
        pub description: Cow<'a, str>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub(super) struct KeyValue<'a> {
        #[serde(borrow)]
        pub key: Cow<'a, str>,
        pub value: Value,
    }

    /// `{"Type": "STRING"|"INT64"|…, "Value": …}`.
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    pub(super) struct Value {
        #[serde(default)]
        pub value: serde_json::Value,
    }

    impl Value {
        pub fn text(&self) -> String {
            match &self.value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            }
        }
    }
}

/// The resource a span came from.
#[derive(Default)]
struct Emitter {
    service: String,
    node_id: Option<i64>,
}

impl Emitter {
    fn of_otlp(attrs: &[otlp::KeyValue<'_>]) -> Emitter {
        let mut e = Emitter::default();
        for a in attrs {
            match a.key.as_ref() {
                "service.name" => e.service = a.value.text(),
                "NodeID" => e.node_id = a.value.text().parse().ok(),
                _ => {}
            }
        }
        e
    }
}

/// A number the JSON mapping may write as a string (64-bit integers).
fn int_of(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        _ => None,
    }
}

fn str_of(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Keys that name a call's other end, by semantic-convention version.
const PEER_ADDR_KEYS: [&str; 5] = [
    "net.sock.peer.addr",
    "net.peer.ip",
    "network.peer.address",
    "net.peer.name",
    "server.address",
];
const PEER_PORT_KEYS: [&str; 4] = [
    "net.sock.peer.port",
    "net.peer.port",
    "network.peer.port",
    "server.port",
];

/// What a span's attributes (tags) say about its peer and gRPC code.
#[derive(Debug, Default)]
struct Attrs {
    peer_addr: (usize, String),
    peer_port: (usize, Option<u16>),
    grpc_code: Option<i64>,
}

impl Attrs {
    /// Takes one attribute; a peer key earlier in its list wins.
    fn take(&mut self, key: &str, value: String) {
        if let Some(rank) = PEER_ADDR_KEYS.iter().position(|k| *k == key) {
            if self.peer_addr.1.is_empty() || rank < self.peer_addr.0 {
                self.peer_addr = (rank, value);
            }
        } else if let Some(rank) = PEER_PORT_KEYS.iter().position(|k| *k == key) {
            if self.peer_port.1.is_none() || rank < self.peer_port.0 {
                self.peer_port = (rank, value.parse().ok());
            }
        } else if key == "rpc.grpc.status_code" {
            self.grpc_code = value.parse().ok();
        }
    }
}

fn otlp_span(s: &otlp::Span<'_>, emitter: &Emitter) -> Option<Span> {
    let trace_id = hex_str(s.trace_id.as_deref()?)?;
    let span_id = hex_str(s.span_id.as_deref()?)?;
    let start_ns = s.start_time_unix_nano.as_ref()?.int()?;
    let end_ns = s
        .end_time_unix_nano
        .as_ref()
        .and_then(otlp::Scalar::int)
        .unwrap_or(start_ns);
    let mut attrs = Attrs::default();
    for a in &s.attributes {
        attrs.take(&a.key, a.value.text());
    }
    let mut error_events = Vec::new();
    for e in s.events.iter().filter(|e| is_error_event(&e.name)) {
        let message = e
            .attributes
            .iter()
            .find(|a| matches!(a.key.as_ref(), "exception.message" | "message" | "error"))
            .map(|a| a.value.text());
        error_events.push((e.name.to_string(), message.unwrap_or_default()));
    }
    let status = s.status.as_ref();
    Some(Span {
        trace_id,
        span_id,
        parent_id: s
            .parent_span_id
            .as_deref()
            .and_then(hex_str)
            .unwrap_or_default(),
        name: s.name.to_string(),
        kind: SpanKind::parse(&s.kind.as_ref().map(otlp::Scalar::text).unwrap_or_default()),
        start_ns,
        end_ns,
        status: StatusCode::parse(
            &status
                .and_then(|st| st.code.as_ref())
                .map(otlp::Scalar::text)
                .unwrap_or_default(),
        ),
        status_message: status.map(|st| st.message.to_string()).unwrap_or_default(),
        service: emitter.service.clone(),
        node_id: emitter.node_id,
        peer_addr: attrs.peer_addr.1,
        peer_port: attrs.peer_port.1,
        grpc_code: attrs.grpc_code,
        error_events,
    })
}

/// An event that records an error: OpenTelemetry's `exception`, or one
/// whose name says error.
fn is_error_event(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "exception" || lower.contains("error")
}

/// A trace or span id as lower-case hex: OTLP/JSON writes hex (the file
/// exporter) or, from some encoders, base64 of the bytes.
fn hex_id(v: &Value) -> Option<String> {
    hex_str(v.as_str()?)
}

/// [`hex_id`] of a text.
fn hex_str(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(s.to_ascii_lowercase());
    }
    base64_to_hex(s)
}

/// Standard base64 (with padding) to lower-case hex.
fn base64_to_hex(s: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = String::new();
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push_str(&format!("{:02x}", (bits >> n) & 0xff));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The kinds of trace export this module reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// OTLP/JSON, one `{"resourceSpans":[…]}` object a line.
    OtlpJson,
    /// The Jaeger UI's JSON download, one document.
    JaegerJson,
}

impl Export {
    /// Its name in the line accounting's `formats`.
    pub fn name(self) -> &'static str {
        match self {
            Export::OtlpJson => "otlp-json",
            Export::JaegerJson => "jaeger-json",
        }
    }
}

/// Which trace export a file is, from its first bytes: an object whose
/// first key is `resourceSpans` (OTLP), or `data` with a `traceID` soon
/// after (Jaeger). Other files are logs.
pub fn sniff(head: &[u8]) -> Option<Export> {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let first_key = t.strip_prefix('{')?.trim_start();
    if first_key.starts_with("\"resourceSpans\"") {
        Some(Export::OtlpJson)
    } else if first_key.starts_with("\"data\"") && t.contains("\"traceID\"") {
        Some(Export::JaegerJson)
    } else {
        None
    }
}

/// Reads a Jaeger UI export. `Err` when it is not one.
pub fn parse_jaeger(doc: &str) -> Result<Read, String> {
    let v: Value = serde_json::from_str(doc).map_err(|e| format!("not JSON: {e}"))?;
    let Some(traces) = v.get("data").and_then(Value::as_array) else {
        return Err("a JSON object without data".into());
    };
    let mut out = Read::default();
    for t in traces {
        let processes = t.get("processes").and_then(Value::as_object);
        for s in t
            .get("spans")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let process = s
                .get("processID")
                .and_then(Value::as_str)
                .and_then(|p| processes?.get(p))
                .or_else(|| s.get("process"));
            match jaeger_span(s, process) {
                Some(span) => out.spans.push(span),
                None => out.broken += 1,
            }
        }
    }
    Ok(out)
}

/// A Jaeger tag's value as text (string, number or bool by its `type`).
fn tag_value(t: &Value) -> String {
    match t.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn jaeger_span(s: &Value, process: Option<&Value>) -> Option<Span> {
    let trace_id = hex_id(s.get("traceID")?)?;
    let span_id = hex_id(s.get("spanID")?)?;
    let start_us = int_of(s.get("startTime"))?;
    let duration_us = int_of(s.get("duration")).unwrap_or(0);
    let parent_id = s
        .get("references")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|r| r.get("refType").and_then(Value::as_str) == Some("CHILD_OF"))
        .and_then(|r| r.get("spanID"))
        .and_then(hex_id)
        .unwrap_or_default();
    let mut span = Span {
        trace_id,
        span_id,
        parent_id,
        name: str_of(s.get("operationName")),
        start_ns: start_us.saturating_mul(1000),
        end_ns: start_us.saturating_add(duration_us).saturating_mul(1000),
        service: str_of(process.and_then(|p| p.get("serviceName"))),
        ..Default::default()
    };
    let process_tags = process
        .and_then(|p| p.get("tags"))
        .and_then(Value::as_array);
    for t in process_tags.into_iter().flatten() {
        if t.get("key").and_then(Value::as_str) == Some("NodeID") {
            span.node_id = tag_value(t).parse().ok();
        }
    }
    let mut attrs = Attrs::default();
    let mut error_tag = false;
    for t in s
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(key) = t.get("key").and_then(Value::as_str) else {
            continue;
        };
        let value = tag_value(t);
        match key {
            "span.kind" => span.kind = SpanKind::parse(&value),
            "otel.status_code" => span.status = StatusCode::parse(&value),
            "otel.status_description" => span.status_message = value,
            "error" => error_tag = value == "true",
            _ => attrs.take(key, value),
        }
    }
    if error_tag && span.status == StatusCode::Unset {
        span.status = StatusCode::Error;
    }
    for l in s
        .get("logs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let fields: Vec<(String, String)> = l
            .get("fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| Some((f.get("key")?.as_str()?.to_string(), tag_value(f))))
            .collect();
        let field = |k: &str| {
            fields
                .iter()
                .find(|(fk, _)| fk == k)
                .map(|(_, v)| v.clone())
        };
        let name = field("event").unwrap_or_default();
        if is_error_event(&name) {
            let message = field("exception.message")
                .or_else(|| field("message"))
                .or_else(|| field("error"));
            span.error_events.push((name, message.unwrap_or_default()));
        }
    }
    span.peer_addr = attrs.peer_addr.1;
    span.peer_port = attrs.peer_port.1;
    span.grpc_code = attrs.grpc_code;
    Some(span)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// One batch of the kill-restart-7 capture (Milvus 2.3.5 through
    /// `otlp_receiver.py`), cut to one error span and one client span.
    const OTLP: &str = r#"{"resourceSpans": [{"resource": {"attributes": [{"key": "NodeID", "value": {"intValue": "2"}}, {"key": "service.name", "value": {"stringValue": "standalone"}}]}, "scopeSpans": [{"scope": {"name": "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc", "version": "semver:0.38.0"}, "spans": [{"traceId": "9b7c167a596f963916f70d6f4da7d957", "spanId": "f111fda4016c3a32", "parentSpanId": "19d3e25c3838cac0", "name": "milvus.proto.query.QueryNode/GetDataDistribution", "kind": "SPAN_KIND_SERVER", "startTimeUnixNano": "1795669931383138197", "endTimeUnixNano": "1795669931383208931", "attributes": [{"key": "rpc.system", "value": {"stringValue": "grpc"}}, {"key": "rpc.service", "value": {"stringValue": "milvus.proto.query.QueryNode"}}, {"key": "rpc.method", "value": {"stringValue": "GetDataDistribution"}}, {"key": "net.sock.peer.addr", "value": {"stringValue": "127.0.0.1"}}, {"key": "net.sock.peer.port", "value": {"intValue": "45658"}}, {"key": "rpc.grpc.status_code", "value": {"intValue": "2"}}], "events": [{"timeUnixNano": "1795669931383143805", "name": "message", "attributes": [{"key": "message.type", "value": {"stringValue": "RECEIVED"}}, {"key": "message.id", "value": {"intValue": "1"}}]}], "status": {"message": "node not match[expectedNodeID=1][actualNodeID=2]", "code": "STATUS_CODE_ERROR"}}, {"traceId": "6401c35b07e6d38305a43130a1004d24", "spanId": "92ca604cdf433a19", "name": "milvus.proto.rootcoord.RootCoord/AllocTimestamp", "kind": "SPAN_KIND_CLIENT", "startTimeUnixNano": "1795669870520704202", "endTimeUnixNano": "1795669870521236711", "attributes": [{"key": "net.sock.peer.addr", "value": {"stringValue": "127.0.0.1"}}, {"key": "net.sock.peer.port", "value": {"intValue": "53100"}}, {"key": "rpc.grpc.status_code", "value": {"intValue": "0"}}], "status": {}}]}]}]}"#;

    #[test]
    fn reads_an_otlp_json_line() {
        let r = parse_otlp_line(OTLP).unwrap();
        assert_eq!(r.broken, 0);
        let [err, ok] = &r.spans[..] else {
            panic!("{:?}", r.spans)
        };
        assert_eq!(err.trace_id, "9b7c167a596f963916f70d6f4da7d957");
        assert_eq!(err.parent_id, "19d3e25c3838cac0");
        assert_eq!(err.kind, SpanKind::Server);
        assert_eq!(err.status, StatusCode::Error);
        assert_eq!(
            err.status_message,
            "node not match[expectedNodeID=1][actualNodeID=2]"
        );
        assert_eq!((err.service.as_str(), err.node_id), ("standalone", Some(2)));
        assert_eq!(
            (err.peer_addr.as_str(), err.peer_port),
            ("127.0.0.1", Some(45658))
        );
        assert_eq!(err.grpc_code, Some(2));
        assert_eq!(err.end_ns - err.start_ns, 70_734);
        assert_eq!(ok.parent_id, "");
        assert_eq!((ok.kind, ok.status), (SpanKind::Client, StatusCode::Unset));
        assert!(err.error_events.is_empty());
    }

    #[test]
    fn other_lines_are_errors_with_a_reason() {
        assert!(parse_otlp_line("{\"level\":\"info\"}")
            .unwrap_err()
            .contains("resourceSpans"));
        assert!(parse_otlp_line("{\"resourceSpans\":[")
            .unwrap_err()
            .starts_with("not an OTLP/JSON request"));
        let broken = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"no ids"}]}]}]}"#;
        assert_eq!(parse_otlp_line(broken).unwrap().broken, 1);
    }

    /// The first span of the `trace.exporter=stdout` excerpt
    /// (`parsers/tests/data/otel-stdout-2.3.5.log`, Milvus 2.3.5).
    #[test]
    fn reads_a_go_stdout_exporter_span() {
        let text = include_str!("../tests/data/otel-stdout-2.3.5.log");
        let s = parse_go_stdout_span(text.lines().next().unwrap()).unwrap();
        assert_eq!(s.name, "Delegator-waitTSafe");
        assert_eq!(s.trace_id, "c27cf3eeed320bf3f2f63a6f1b359769");
        assert_eq!(
            (s.span_id.as_str(), s.parent_id.as_str()),
            ("2a7c2b2761853f77", "9fb130c6a160dc4c")
        );
        assert_eq!((s.kind, s.status), (SpanKind::Internal, StatusCode::Unset));
        assert_eq!(s.end_ns - s.start_ns, 6_983);
        assert_eq!((s.service.as_str(), s.node_id), ("standalone", Some(1)));
        assert!(parse_go_stdout_span("{\"level\":\"info\"}").is_none());
    }

    /// A block as Milvus 2.3.5's segcore wrote it (captured with
    /// `trace.exporter=stdout`), with an error status and a peer added.
    #[test]
    fn a_cpp_stdout_span_block_is_read_line_by_line() {
        let block = "  name          : SegCoreSearch\n  trace_id      : 69569fe556486d231c6b144a8b71837a\n  span_id       : e26e16d49fc3aa5d\n  tracestate    : \n  parent_span_id: 231ba0581c49f920\n  start         : 1796187744448920704\n  duration      : 975345\n  description   : segment not found\n  span kind     : Internal\n  status        : Error\n  attributes    : \n\tnet.peer.name: 10.0.0.5\n\tnet.peer.port: 21123\n  events        : \n\t{\n\t  name          : obtained_segment_lock_mutex\n\t  timestamp     : 1796187744448933573\n\t  attributes    : \n\t}\n\t{\n\t  name          : search error\n\t  timestamp     : 1796187744448933600\n\t  attributes    : \n\t}\n  links         : \n  resources     : \n\ttelemetry.sdk.language: cpp\n\tNodeID: 1\n\tservice.name: segcore\n  instr-lib     : segcore-1.8.1\n}\n";
        let mut b = CppSpanBlock::default();
        let mut closed = false;
        for l in block.lines() {
            assert!(!closed, "a line after the close");
            closed = b.line(l);
        }
        assert!(closed);
        let s = b.finish().unwrap();
        assert_eq!(s.name, "SegCoreSearch");
        assert_eq!(s.trace_id, "69569fe556486d231c6b144a8b71837a");
        assert_eq!(s.parent_id, "231ba0581c49f920");
        assert_eq!(
            (s.start_ns, s.end_ns - s.start_ns),
            (1796187744448920704, 975345)
        );
        assert_eq!((s.kind, s.status), (SpanKind::Internal, StatusCode::Error));
        assert_eq!(s.status_message, "segment not found");
        assert_eq!((s.service.as_str(), s.node_id), ("segcore", Some(1)));
        assert_eq!(
            (s.peer_addr.as_str(), s.peer_port),
            ("10.0.0.5", Some(21123))
        );
        assert_eq!(
            s.error_events,
            vec![("search error".to_string(), String::new())]
        );
        let mut empty = CppSpanBlock::default();
        assert!(empty.line("}"));
        assert!(empty.finish().is_none());
    }

    #[test]
    fn ids_in_base64_are_read_as_hex() {
        // 16 bytes 0x00..0x0f.
        assert_eq!(
            hex_id(&Value::String("AAECAwQFBgcICQoLDA0ODw==".into())).as_deref(),
            Some("000102030405060708090a0b0c0d0e0f")
        );
    }

    /// The same two spans as Jaeger's UI exports them.
    #[test]
    fn reads_a_jaeger_export() {
        let doc = r#"{"data":[{"traceID":"9b7c167a596f963916f70d6f4da7d957","spans":[{"traceID":"9b7c167a596f963916f70d6f4da7d957","spanID":"f111fda4016c3a32","operationName":"milvus.proto.query.QueryNode/GetDataDistribution","references":[{"refType":"CHILD_OF","traceID":"9b7c167a596f963916f70d6f4da7d957","spanID":"19d3e25c3838cac0"}],"startTime":1795669931383138,"duration":70,"tags":[{"key":"span.kind","type":"string","value":"server"},{"key":"net.sock.peer.addr","type":"string","value":"127.0.0.1"},{"key":"net.sock.peer.port","type":"int64","value":45658},{"key":"rpc.grpc.status_code","type":"int64","value":2},{"key":"otel.status_code","type":"string","value":"ERROR"},{"key":"otel.status_description","type":"string","value":"node not match[expectedNodeID=1][actualNodeID=2]"},{"key":"error","type":"bool","value":true}],"logs":[{"timestamp":1795669931383143,"fields":[{"key":"event","type":"string","value":"exception"},{"key":"exception.message","type":"string","value":"boom"}]}],"processID":"p1","warnings":null}],"processes":{"p1":{"serviceName":"standalone","tags":[{"key":"NodeID","type":"int64","value":2}]}},"warnings":null}],"total":0,"limit":0,"offset":0,"errors":null}"#;
        assert_eq!(sniff(doc.as_bytes()), Some(Export::JaegerJson));
        assert_eq!(sniff(OTLP.as_bytes()), Some(Export::OtlpJson));
        assert_eq!(sniff(br#"{"data":{"rows":[]}}"#), None);
        assert_eq!(sniff(br#"{"level":"info","msg":"resourceSpans"}"#), None);
        let r = parse_jaeger(doc).unwrap();
        let s = &r.spans[0];
        assert_eq!(s.parent_id, "19d3e25c3838cac0");
        assert_eq!((s.kind, s.status), (SpanKind::Server, StatusCode::Error));
        assert_eq!(
            (s.node_id, s.peer_port, s.grpc_code),
            (Some(2), Some(45658), Some(2))
        );
        assert_eq!(s.start_ns, 1_795_669_931_383_138_000);
        assert_eq!(s.end_ns - s.start_ns, 70_000);
        assert_eq!(
            s.error_events,
            vec![("exception".to_string(), "boom".to_string())]
        );
    }
}

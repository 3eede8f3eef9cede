//! The records that flow from ingest to the timeline and the reports.
//!
//! A [`Record`] is small and owned; its text (caller, message, fields) is a
//! set of spans into its source's text, unescaped only when read. A source
//! keeps its text, its records and its fields together ([`Source`]).

use crate::component::Component;
use parsers::{Escape, Grammar, Level, Text, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::Range;

/// A span of a source's text (or of its side arena, for the few strings a
/// grammar supplies itself), with its escape rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the first byte (sources are capped at 4 GiB).
    pub start: u32,
    /// Length in bytes.
    pub len: u32,
    /// How the bytes are escaped.
    pub escape: EscapeKind,
    /// True when the span points into [`Source::arena`] rather than the text.
    pub in_arena: bool,
}

impl Span {
    /// No text.
    pub const EMPTY: Span = Span {
        start: 0,
        len: 0,
        escape: EscapeKind::None,
        in_arena: false,
    };
}

/// `parsers::Escape`, with a default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EscapeKind {
    /// As is.
    #[default]
    None,
    /// zap-text quoting.
    Quoted,
    /// JSON string.
    Json,
}

impl From<Escape> for EscapeKind {
    fn from(e: Escape) -> Self {
        match e {
            Escape::None => EscapeKind::None,
            Escape::Quoted => EscapeKind::Quoted,
            Escape::Json => EscapeKind::Json,
        }
    }
}

impl From<EscapeKind> for Escape {
    fn from(e: EscapeKind) -> Self {
        match e {
            EscapeKind::None => Escape::None,
            EscapeKind::Quoted => Escape::Quoted,
            EscapeKind::Json => Escape::Json,
        }
    }
}

/// One key/value of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpan {
    /// The key.
    pub key: Span,
    /// The value.
    pub value: Span,
}

/// One log record (or one unparsed line, kept as a record without grammar).
///
/// One exists per record of every source, so it holds only position, time
/// and what the timeline assigns, in 24 bytes; its text spans sit in
/// [`Source::texts`] (found by its line and offset), and a compacted source keeps those
/// only for the records later stages read.
#[derive(Clone, Debug)]
pub struct Record {
    /// UTC µs since the epoch, set by the timeline stage ([`Record::set_time`]);
    /// until then the time as written (`Timestamp::local_us`, see [`Record::stamp`]).
    pub ts: i64,
    /// 1-based physical line in the source.
    pub line: u32,
    /// Byte offset of the record in its source text (sources are capped at 4 GiB).
    pub offset: u32,
    /// Until the timeline sets the time: `Timestamp::offset_s` of the stamp
    /// (valid with [`flag::HAS_OFFSET`]); after: incarnation + 1, 0 for none
    /// ([`Record::incarnation`]). The timeline reads the one before it sets the other.
    aux: u32,
    /// Component of the line (from the source, or its caller in a standalone stream).
    pub component: Component,
    /// Severity.
    pub level: Level,
    /// Grammar, or `None` for an unparsed line.
    pub grammar: Option<Grammar>,
    /// [`flag`] bits.
    flags: u8,
}

/// Bits of [`Record`]'s flags.
mod flag {
    /// The time was not on the record (taken from the line before).
    pub const TS_INFERRED: u8 = 1;
    /// The record has a time as written.
    pub const HAS_STAMP: u8 = 2;
    /// That time is a wrapper's (`kubectl --timestamps`, Docker, CI): the record has none of its own.
    pub const STAMP_WRAPPER: u8 = 4;
    /// That time has a year.
    pub const YEAR_KNOWN: u8 = 8;
    /// That time carries its UTC offset.
    pub const HAS_OFFSET: u8 = 16;
    /// `ts` is the UTC time the timeline set, no longer the time as written.
    pub const RESOLVED: u8 = 32;
}

impl Record {
    /// A record at `line`/`offset` of a component, without time or text yet.
    pub fn new(line: u32, offset: u32, component: Component) -> Record {
        Record {
            ts: 0,
            line,
            offset,
            aux: 0,
            component,
            level: Level::None,
            grammar: None,
            flags: 0,
        }
    }

    fn set_flag(&mut self, bit: u8, on: bool) {
        if on {
            self.flags |= bit;
        } else {
            self.flags &= !bit;
        }
    }

    /// True when the time was not on the record (taken from the line before).
    pub fn ts_inferred(&self) -> bool {
        self.flags & flag::TS_INFERRED != 0
    }

    /// Marks the time as taken from elsewhere (or not).
    pub fn set_ts_inferred(&mut self, inferred: bool) {
        self.set_flag(flag::TS_INFERRED, inferred);
    }

    /// Sets the UTC time (the timeline stage): `inferred` when it was taken
    /// from another line. The time as written is gone from then on.
    pub fn set_time(&mut self, ts: i64, inferred: bool) {
        self.ts = ts;
        self.aux = 0;
        self.set_flag(flag::TS_INFERRED, inferred);
        self.set_flag(flag::RESOLVED, true);
    }

    /// The time as written on the record, else that of a wrapper around it;
    /// read before the timeline stage sets the UTC time.
    pub fn stamp(&self) -> Option<Timestamp> {
        debug_assert!(
            self.flags & flag::RESOLVED == 0,
            "stamp read after the timeline"
        );
        (self.flags & flag::HAS_STAMP != 0).then(|| Timestamp {
            local_us: self.ts,
            offset_s: (self.flags & flag::HAS_OFFSET != 0).then_some(self.aux as i32),
            year_known: self.flags & flag::YEAR_KNOWN != 0,
        })
    }

    /// True when [`Record::stamp`] is the wrapper's time.
    pub fn stamp_wrapper(&self) -> bool {
        self.flags & flag::STAMP_WRAPPER != 0
    }

    /// Sets the time as written (`wrapper`: it is a wrapper's).
    pub fn set_stamp(&mut self, stamp: Option<Timestamp>, wrapper: bool) {
        self.set_flag(flag::HAS_STAMP, stamp.is_some());
        self.set_flag(flag::STAMP_WRAPPER, wrapper && stamp.is_some());
        let t = stamp.unwrap_or_default();
        self.ts = t.local_us;
        self.set_flag(flag::YEAR_KNOWN, t.year_known);
        self.set_flag(flag::HAS_OFFSET, t.offset_s.is_some());
        debug_assert!(
            self.flags & flag::RESOLVED == 0,
            "stamp set after the timeline"
        );
        self.aux = t.offset_s.unwrap_or(0) as u32;
    }

    /// Process incarnation index in the timeline (timeline); its emitter is
    /// that incarnation's node (`Timeline::node_of`).
    pub fn incarnation(&self) -> Option<u32> {
        if self.flags & flag::RESOLVED == 0 {
            return None;
        }
        self.aux.checked_sub(1)
    }

    /// Assigns the record to an incarnation (timeline, once the time is set).
    pub fn set_incarnation(&mut self, incarnation: Option<u32>) {
        debug_assert!(
            self.flags & flag::RESOLVED != 0,
            "incarnation set before the time"
        );
        self.aux = incarnation.map_or(0, |i| i + 1);
    }
}

/// The text spans of a record: caller, message and fields (a wrapper's
/// label is read at ingest, for the line's component, and not kept).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordText {
    /// The record's line and offset ([`Record::line`], [`Record::offset`]):
    /// texts are in that order, and a record finds its own by them (records
    /// glued on one line share the line, never the offset).
    pub line: u32,
    /// See `line`.
    pub offset: u32,
    /// Caller (`dir/file.go:line`, logger name).
    pub caller: Span,
    /// Message.
    pub message: Span,
    /// The record's fields in [`Source::fields`].
    pub fields: Range<u32>,
}

/// Line accounting of one source (or of a whole bundle).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Accounting {
    /// Physical lines.
    pub lines_total: u64,
    /// Lines a grammar read.
    pub lines_parsed: u64,
    /// Lines that continue the record before them.
    pub lines_continuation: u64,
    /// Lines nobody read (kept as records, counted, reported).
    pub lines_unparsed: u64,
    /// Spans read: of a trace export ([`Source::spans`]), or written into
    /// a log by Milvus' stdout exporter (its span records).
    pub spans_total: u64,
}

impl Accounting {
    /// Adds another accounting.
    pub fn add(&mut self, o: &Accounting) {
        self.lines_total += o.lines_total;
        self.lines_parsed += o.lines_parsed;
        self.lines_continuation += o.lines_continuation;
        self.lines_unparsed += o.lines_unparsed;
        self.spans_total += o.spans_total;
    }
}

/// A source after ingest: its text and everything read from it.
#[derive(Debug)]
pub struct Source {
    /// Name relative to the bundle root.
    pub name: String,
    /// Folder inside the bundle.
    pub dir: String,
    /// Component from the name.
    pub component: Component,
    /// Before the container's last restart.
    pub previous: bool,
    /// Milvus file-log naming.
    pub role_file: Option<crate::discover::RoleFile>,
    /// Process-group key from discover: sources with the same key are
    /// streams of the same process(es).
    pub process: String,
    /// The text (UTF-8; invalid bytes replaced, with a warning).
    pub text: String,
    /// Strings the grammars supply themselves (`thread`, …).
    pub arena: String,
    /// Records in line order.
    pub records: Vec<Record>,
    /// Text spans of the records that kept theirs ([`Record::text`]).
    pub texts: Vec<RecordText>,
    /// Fields of all records.
    pub fields: Vec<FieldSpan>,
    /// Line accounting.
    pub accounting: Accounting,
    /// Lines per grammar (parsed and continuation lines).
    pub formats: BTreeMap<&'static str, u64>,
    /// Problems, each naming the line or offset.
    pub warnings: Vec<String>,
    /// What the recogniser found, in record order (only recognised records);
    /// emptied once the events are built from it ([`crate::timeline::Timeline::release_recognised`]).
    pub recognised: Vec<Recognised>,
    /// Client requests (records of a client request log), in record order;
    /// only the failed ones once the windows stage has listed them all
    /// ([`crate::timeline::Timeline::release_successful_requests`]).
    pub requests: Vec<RequestRow>,
    /// The error texts (with their code) of the failed requests.
    pub request_errors: Vec<Box<str>>,
    /// True when only the text of the records later stages read was kept
    /// (then `text` is empty and every kept span points into `arena`).
    pub compacted: bool,
    /// SHA-256 of the source as read (hex), when ingest was asked for it.
    pub sha256: Option<String>,
    /// The plain file a compacted source was read from: the lines whose text
    /// was not kept are read again from it, by byte offset.
    pub reread: Option<std::path::PathBuf>,
    /// The spans of a trace export (OTLP/JSON, Jaeger); empty for a log.
    pub spans: SpanTable,
}

/// One span, compact: its texts are indexes into [`SpanTable::strings`]
/// (0 is the empty text), its ids numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanRow {
    /// The physical line of the file that holds it (1-based).
    pub line: u32,
    /// Start, UTC microseconds.
    pub start_us: i64,
    /// End minus start, nanoseconds.
    pub duration_ns: i64,
    /// Trace id; written back with `trace_hex_len` hex digits.
    pub trace_id: u128,
    /// Hex digits of the trace id as read (32, or 16 for 64-bit ids).
    pub trace_hex_len: u8,
    /// Span id.
    pub span_id: u64,
    /// The parent's span id; 0 for a root span.
    pub parent_id: u64,
    /// Operation name.
    pub name: u32,
    /// Client, server, internal, ….
    pub kind: parsers::spans::SpanKind,
    /// Unset, ok or error.
    pub status: parsers::spans::StatusCode,
    /// The error text of a failed span.
    pub status_message: u32,
    /// The emitter's `service.name`.
    pub service: u32,
    /// The emitter's `NodeID` (the Milvus server id).
    pub node_id: Option<i64>,
    /// The other end of a call.
    pub peer_addr: u32,
    /// Its port.
    pub peer_port: Option<u16>,
    /// `rpc.grpc.status_code`.
    pub grpc_code: Option<i32>,
    /// The first error event, as `name: message`.
    pub error_event: u32,
}

/// The spans of one source, with their texts interned once.
#[derive(Debug, Default)]
pub struct SpanTable {
    /// In the order of the file.
    pub rows: Vec<SpanRow>,
    /// Distinct texts; index 0 is the empty text.
    pub strings: Vec<Box<str>>,
    index: std::collections::HashMap<Box<str>, u32>,
}

impl SpanTable {
    /// The index of a text, interned on first sight.
    pub fn intern(&mut self, s: &str) -> u32 {
        if self.strings.is_empty() {
            self.strings.push("".into());
            self.index.insert("".into(), 0);
        }
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.into());
        self.index.insert(s.into(), i);
        i
    }

    /// The text at an index.
    pub fn text(&self, i: u32) -> &str {
        self.strings.get(i as usize).map_or("", |s| s)
    }

    /// Once every span is in: the rows in start order (a window finds its
    /// spans by search), the lookup index dropped (the texts stay).
    pub fn finish(&mut self) {
        self.rows.sort_by_key(|r| (r.start_us, r.line));
        self.index = Default::default();
    }

    /// A span's peer as `address:port` (the address alone without a port);
    /// `None` when the span names none.
    pub fn peer(&self, r: &SpanRow) -> Option<String> {
        match (self.text(r.peer_addr), r.peer_port) {
            ("", _) => None,
            (a, Some(p)) => Some(format!("{a}:{p}")),
            (a, None) => Some(a.to_string()),
        }
    }

    /// A span's trace id in hex, as Milvus logs write a `traceID`.
    pub fn trace_hex(r: &SpanRow) -> String {
        format!("{:0w$x}", r.trace_id, w = r.trace_hex_len as usize)
    }
}

/// A record's message and fields, owned: what the `timeline` export writes
/// of every line (read again from the file when the source kept no text).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineText {
    /// The message, unescaped.
    pub message: String,
    /// The fields, unescaped, in line order.
    pub fields: Vec<(String, String)>,
}

/// How much is read around an offset to find its line again: most log lines
/// are shorter; a longer one is read in steps.
const REREAD_STEP: u64 = 4096;

/// The physical line holding byte `offset` of a file, read again.
pub(crate) fn reread_line(path: &std::path::Path, offset: u64) -> Option<String> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open(path).ok()?;
    // A file cut shorter since it was read no longer holds the line.
    if f.metadata().ok()?.len() <= offset {
        return None;
    }
    let read = |from: u64, len: u64| -> Option<Vec<u8>> {
        let mut buf = vec![0u8; len as usize];
        let n = f.read_at(&mut buf, from).ok()?;
        buf.truncate(n);
        Some(buf)
    };
    // Back to the line's start.
    let mut start = offset;
    loop {
        let from = start.saturating_sub(REREAD_STEP);
        let back = read(from, start - from)?;
        match memchr::memrchr(b'\n', &back) {
            Some(i) => {
                start = from + i as u64 + 1;
                break;
            }
            None if from == 0 => {
                start = 0;
                break;
            }
            None => start = from,
        }
    }
    // On to its end.
    let mut line = Vec::new();
    loop {
        let chunk = read(start + line.len() as u64, REREAD_STEP)?;
        if chunk.is_empty() {
            break;
        }
        match memchr::memchr(b'\n', &chunk) {
            Some(i) => {
                line.extend_from_slice(&chunk[..i]);
                break;
            }
            None => line.extend_from_slice(&chunk),
        }
    }
    Some(String::from_utf8_lossy(&line).into_owned())
}

/// Lower-case hex SHA-256 of a file, as `sha256sum` prints it, read in
/// blocks; `None` when it cannot be read.
pub fn sha256_of_file(path: &std::path::Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match f.read(&mut buf) {
            Ok(0) => return Some(hex(&h.finalize())),
            Ok(n) => h.update(&buf[..n]),
            Err(_) => return None,
        }
    }
}

/// Lower-case hex SHA-256, as `sha256sum` prints it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the recogniser found on one record (DESIGN.md: recognise runs on
/// records, before the timeline): which rule, the node it is about, stale
/// liveness, the number it measures. Sits beside the record, sparse: only
/// recognised records have one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recognised {
    /// Index of the record in [`Source::records`].
    pub record: u32,
    /// Stable id of the rule that matched (`rules::Rule::id`).
    pub rule: u16,
    /// The node the line is about, when it names one.
    pub subject: Option<u32>,
    /// Stale liveness in the line's error text.
    pub stale: Option<Stale>,
    /// The number the line measures (load percentage), when its signal has one.
    pub value: Option<f64>,
}

/// One request of a client request log, read from its record at ingest (so
/// a successful request's text need not be kept). A client log holds one
/// per request, so it is 16 bytes: a failure's error text sits in
/// [`Source::request_errors`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestRow {
    /// Index of the record in [`Source::records`].
    pub record: u32,
    /// Index of its error text in [`Source::request_errors`]; [`NONE`] for
    /// a success (a failure always has one).
    error: u32,
    /// Its `end` field minus the record's own time, µs (`--skew`/`--tz`
    /// then apply to both alike); [`NO_END`] when the line has none.
    end_delta_us: i64,
}

/// [`RequestRow::end_delta_us`] of a request whose line has no `end`.
const NO_END: i64 = i64::MIN;

impl RequestRow {
    /// A request of `record`: `error` is the index of a failure's text.
    pub fn new(record: u32, error: Option<u32>, end_delta_us: Option<i64>) -> RequestRow {
        RequestRow {
            record,
            error: error.unwrap_or(NONE),
            end_delta_us: end_delta_us.unwrap_or(NO_END),
        }
    }

    /// Succeeded.
    pub fn ok(&self) -> bool {
        self.error == NONE
    }

    /// Its `end` minus the record's own time, µs.
    pub fn end_delta_us(&self) -> Option<i64> {
        (self.end_delta_us != NO_END).then_some(self.end_delta_us)
    }

    /// Index of its error text in [`Source::request_errors`] (failures).
    pub fn error(&self) -> Option<u32> {
        (self.error != NONE).then_some(self.error)
    }

    /// The same request moved by `records` records and `errors` error texts
    /// (a chunk's rows appended to its source).
    pub fn shifted(self, records: u32, errors: u32) -> RequestRow {
        RequestRow {
            record: self.record + records,
            error: if self.ok() { NONE } else { self.error + errors },
            ..self
        }
    }
}

/// The index a [`RequestRow`] holds for "none".
const NONE: u32 = u32::MAX;

/// Stale liveness shown by a line's error text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stale {
    /// The node id named as expected, or declared offline.
    pub node: u32,
    /// Judged from an old heartbeat (`lastHB=…: node offline`) rather than
    /// an old session (`node not match`, `server ID mismatch`).
    pub heartbeat: bool,
    /// Said of a call no client waits on: between coordinators, or made by a
    /// process while it starts up (`clientRole=rootcoord`, `actualNodeID=0`).
    pub internal: bool,
}

/// Read access to the text of records: a source's text, its arena and its
/// fields. A [`Source`] gives one; so does a chunk while it is parsed.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// The text spans point into.
    pub text: &'a str,
    /// Strings the grammars supplied themselves.
    pub arena: &'a str,
    /// Text spans of the records.
    pub texts: &'a [RecordText],
    /// Fields of the records.
    pub fields: &'a [FieldSpan],
}

impl<'a> View<'a> {
    /// The raw bytes of a span, as written.
    pub fn raw_of(&self, s: Span) -> &'a str {
        let base = if s.in_arena { self.arena } else { self.text };
        base.get(s.start as usize..s.start as usize + s.len as usize)
            .unwrap_or("")
    }

    /// The text of a span, unescaped.
    pub fn text_of(&self, s: Span) -> std::borrow::Cow<'a, str> {
        Text {
            raw: self.raw_of(s),
            escape: s.escape.into(),
        }
        .to_cow()
    }

    /// The text spans of a record (empty when they were not kept).
    pub fn spans(&self, r: &Record) -> &'a RecordText {
        static NONE: RecordText = RecordText {
            line: 0,
            offset: 0,
            caller: Span::EMPTY,
            message: Span::EMPTY,
            fields: 0..0,
        };
        // While a chunk is read, a text per record and few continuation
        // lines or glued records: a record's text is usually as far in as
        // its line is from the first; else it is searched for.
        let key = (r.line, r.offset);
        let Some(first) = self.texts.first().map(|t| t.line) else {
            return &NONE;
        };
        let guess = r.line.saturating_sub(first) as usize;
        if let Some(t) = self.texts.get(guess).filter(|t| (t.line, t.offset) == key) {
            return t;
        }
        let i = self.texts.partition_point(|t| (t.line, t.offset) < key);
        self.texts
            .get(i)
            .filter(|t| (t.line, t.offset) == key)
            .unwrap_or(&NONE)
    }

    /// A record's message, unescaped.
    pub fn message(&self, r: &Record) -> std::borrow::Cow<'a, str> {
        self.text_of(self.spans(r).message)
    }

    /// A record's caller, as written.
    pub fn caller(&self, r: &Record) -> &'a str {
        self.raw_of(self.spans(r).caller)
    }

    fn field_spans(&self, r: &Record) -> &'a [FieldSpan] {
        let f = &self.spans(r).fields;
        self.fields
            .get(f.start as usize..f.end as usize)
            .unwrap_or(&[])
    }

    /// The fields of a record, unescaped.
    pub fn fields_of(
        &self,
        r: &Record,
    ) -> impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)> + 'a {
        let v = *self;
        self.field_spans(r)
            .iter()
            .map(move |f| (v.text_of(f.key), v.text_of(f.value)))
    }

    /// The value of the first field named `key`.
    pub fn field(&self, r: &Record, key: &str) -> Option<std::borrow::Cow<'a, str>> {
        self.field_spans(r)
            .iter()
            .find(|f| self.raw_of(f.key) == key)
            .map(|f| self.text_of(f.value))
    }
}

impl Source {
    /// The error text (with its code) of a failed request.
    pub fn request_error(&self, q: &RequestRow) -> Option<&str> {
        q.error().map(|i| &*self.request_errors[i as usize])
    }

    /// Read access to its records' text.
    pub fn view(&self) -> View<'_> {
        View {
            text: &self.text,
            arena: &self.arena,
            texts: &self.texts,
            fields: &self.fields,
        }
    }

    /// The text of a span, unescaped.
    pub fn text_of(&self, s: Span) -> std::borrow::Cow<'_, str> {
        self.view().text_of(s)
    }

    /// The raw bytes of a span, as written.
    pub fn raw_of(&self, s: Span) -> &str {
        self.view().raw_of(s)
    }

    /// The fields of a record, unescaped.
    pub fn fields_of(
        &self,
        r: &Record,
    ) -> impl Iterator<Item = (std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)> {
        self.view().fields_of(r)
    }

    /// The value of the first field named `key`.
    pub fn field(&self, r: &Record, key: &str) -> Option<std::borrow::Cow<'_, str>> {
        self.view().field(r, key)
    }

    /// A record's message, unescaped.
    pub fn message(&self, r: &Record) -> std::borrow::Cow<'_, str> {
        self.view().message(r)
    }

    /// The physical line of a record, as written (without its newline):
    /// from the text kept, else read again from the file.
    pub fn line_text(&self, record: u32) -> std::borrow::Cow<'_, str> {
        let Some(r) = self.records.get(record as usize) else {
            return "".into();
        };
        if self.compacted {
            let again = self
                .reread
                .as_deref()
                .and_then(|p| reread_line(p, u64::from(r.offset)));
            return again.map_or("".into(), Into::into);
        }
        let text = &self.text;
        let off = (r.offset as usize).min(text.len());
        let start = text[..off].rfind('\n').map_or(0, |i| i + 1);
        let end = text[off..].find('\n').map_or(text.len(), |i| off + i);
        text[start..end.max(start)].into()
    }

    /// The recognised rows of the records `from..=to` (record indexes).
    pub fn recognised_in(&self, from: usize, to: usize) -> &[Recognised] {
        let lo = self
            .recognised
            .partition_point(|x| (x.record as usize) < from);
        let hi = self
            .recognised
            .partition_point(|x| (x.record as usize) <= to);
        &self.recognised[lo..hi.max(lo)]
    }
}

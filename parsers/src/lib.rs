//! Log grammars of a Milvus log bundle, and nothing else.
//!
//! This crate reads one physical line at a time and says what it is: one or
//! more records (a Milvus text line, an etcd JSON object, a glog line, …), a
//! continuation of the record before it (a Go stack frame, a Python
//! traceback line), or a line no grammar knows. It knows formats only: not
//! bundles, not components, not root causes.
//!
//! # Brief overview
//!
//! * [`parse_line`] detects the grammar of a line (a Milvus pod log mixes
//!   several), strips wrappers (`kubectl logs --timestamps`, docker-compose
//!   `name | `, Docker json-file, journald/syslog, CI console and Loki
//!   prefixes) and fills a reusable [`LineOut`]: records borrow from the line
//!   (zero copy) and fields go to a buffer that is reused line after line, so
//!   the hot path does not allocate.
//! * [`continues`] tells whether a line that starts no record continues the
//!   record of a given grammar.
//! * Times are returned as written ([`Timestamp`]); filling a missing zone or
//!   year is the caller's job.
//!
//! One module per grammar; `timestamp`, `text` and `common` hold the shared
//! field grammars.

#![deny(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod access_log;
mod banner;
mod client;
mod common;
mod easylogging;
mod etcd;
mod glog;
mod gostd;
mod milvus_json;
mod milvus_text;
mod otel;
pub mod pod_describe;
pub mod spans;
mod text;
pub mod timestamp;
mod wrappers;

pub use banner::banner_version;
pub use otel::{cpp_span_member, cpp_span_start};
pub use text::{unescape_into, Escape, Text};
pub use timestamp::Timestamp;
pub use wrappers::decode_docker_json;

/// The grammars this crate recognises. `name()` is the id used in the
/// accounting (`formats: {grammar: lines}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grammar {
    /// Milvus zap text: `[time] [LEVEL] [caller] [message] [k=v]…`.
    MilvusText,
    /// Milvus zap JSON: `{"level":"INFO","time":…,"caller":…,"message":…}`.
    MilvusJson,
    /// Milvus access log: `[time] [ACCESS] <user: addr> Method [status: …] …`.
    AccessLog,
    /// etcd server zap JSON (`ts`, `msg`; 3.4 zap mode and 3.5).
    EtcdJson,
    /// The etcd Go client's zap JSON that Milvus writes to stderr.
    EtcdClientJson,
    /// etcd 3.4 capnslog: `2019-03-23 17:01:49.987159 W | etcdserver: …`.
    EtcdCapnslog,
    /// raft's stdlib logger in etcd 3.4: `raft2022/09/06 07:21:50 INFO: …`.
    RaftStdlog,
    /// C++ glog: `I20261126 04:14:41.680169 32511 file.cc:94] …`.
    Glog,
    /// C++ easylogging++ (Milvus 2.2): `2026-11-26 07:01:15,947 INFO [default] …`.
    Easylogging,
    /// Go's standard `log` package: `2026/11/26 04:14:41 maxprocs: …`.
    GoStdlog,
    /// Go runtime `panic:` / `fatal error:` / signal report (multi-line).
    GoPanic,
    /// The Milvus start-up banner and hardware lines (no time).
    Banner,
    /// Known plain start-up lines without a time (`open pid file: …`).
    Preamble,
    /// OpenTelemetry span written by Go's stdout exporter (one JSON object).
    OtelGoSpan,
    /// OpenTelemetry span block written by the C++ stdout exporter.
    OtelCppSpan,
    /// The capture harness's `client.jsonl` request record.
    ClientJsonl,
    /// pymilvus' logger: `2026-11-26T04:15:28.515Z [WARNING] pymilvus.decorators thread: …`.
    Pymilvus,
    /// Python `logging` lines of other clients and test runners.
    PythonLogging,
    /// A line known only by its wrapper (syslog, CI console, Loki): the
    /// wrapper's time, the rest as message.
    Wrapped,
    /// A fact of a `kubectl describe pod` document ([`pod_describe`]): a
    /// container's terminated state, or a row of its events.
    PodDescribe,
}

impl Grammar {
    /// Stable id of the grammar, used in JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Grammar::MilvusText => "milvus-text",
            Grammar::MilvusJson => "milvus-json",
            Grammar::AccessLog => "milvus-access",
            Grammar::EtcdJson => "etcd-json",
            Grammar::EtcdClientJson => "etcd-client-json",
            Grammar::EtcdCapnslog => "etcd-capnslog",
            Grammar::RaftStdlog => "raft-stdlog",
            Grammar::Glog => "glog",
            Grammar::Easylogging => "easylogging",
            Grammar::GoStdlog => "go-stdlog",
            Grammar::GoPanic => "go-panic",
            Grammar::Banner => "banner",
            Grammar::Preamble => "preamble",
            Grammar::OtelGoSpan => "otel-go-span",
            Grammar::OtelCppSpan => "otel-cpp-span",
            Grammar::ClientJsonl => "client-jsonl",
            Grammar::Pymilvus => "pymilvus",
            Grammar::PythonLogging => "python-logging",
            Grammar::Wrapped => "wrapped",
            Grammar::PodDescribe => "kubectl-describe",
        }
    }

    /// Every grammar, in a fixed order.
    pub const ALL: [Grammar; 20] = [
        Grammar::MilvusText,
        Grammar::MilvusJson,
        Grammar::AccessLog,
        Grammar::EtcdJson,
        Grammar::EtcdClientJson,
        Grammar::EtcdCapnslog,
        Grammar::RaftStdlog,
        Grammar::Glog,
        Grammar::Easylogging,
        Grammar::GoStdlog,
        Grammar::GoPanic,
        Grammar::Banner,
        Grammar::Preamble,
        Grammar::OtelGoSpan,
        Grammar::OtelCppSpan,
        Grammar::ClientJsonl,
        Grammar::Pymilvus,
        Grammar::PythonLogging,
        Grammar::Wrapped,
        Grammar::PodDescribe,
    ];
}

/// Severity, normalised across grammars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    /// No level written (banner, plain lines).
    #[default]
    None,
    /// DEBUG / D / T.
    Debug,
    /// INFO / I / N.
    Info,
    /// WARN / WARNING / W.
    Warn,
    /// ERROR / E.
    Error,
    /// FATAL / PANIC / DPANIC / CRITICAL / C / F.
    Fatal,
}

impl Level {
    /// Upper-case name (`""` for none).
    pub fn name(self) -> &'static str {
        match self {
            Level::None => "",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }

    /// Reads a level word in any case: `INFO`, `warn`, `WARNING`, `dpanic`…
    pub fn from_word(w: &str) -> Option<Level> {
        let w = w.trim();
        let eq = |s: &str| w.eq_ignore_ascii_case(s);
        Some(if eq("debug") || eq("trace") {
            Level::Debug
        } else if eq("info") || eq("notice") {
            Level::Info
        } else if eq("warn") || eq("warning") {
            Level::Warn
        } else if eq("error") || eq("err") {
            Level::Error
        } else if eq("fatal") || eq("panic") || eq("dpanic") || eq("critical") || eq("crit") {
            Level::Fatal
        } else {
            return None;
        })
    }

    /// Reads a one-letter level (capnslog, glog): `D I N W E C F T`.
    pub fn from_letter(c: u8) -> Option<Level> {
        Some(match c {
            b'D' | b'T' => Level::Debug,
            b'I' | b'N' => Level::Info,
            b'W' => Level::Warn,
            b'E' => Level::Error,
            b'C' | b'F' => Level::Fatal,
            _ => return None,
        })
    }
}

/// One `key=value` of a record; both sides borrow from the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field<'a> {
    /// The key as written (maybe quoted in the source; see `Text::escape`).
    pub key: Text<'a>,
    /// The value as written.
    pub value: Text<'a>,
}

/// One record read from a line. Everything borrows from the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// The grammar of the record itself (inside any wrapper).
    pub grammar: Grammar,
    /// The record's own time, if it has one.
    pub ts: Option<Timestamp>,
    /// The wrapper's time (`kubectl --timestamps`, Docker, CI console), if any.
    pub wrapper_ts: Option<Timestamp>,
    /// Severity.
    pub level: Level,
    /// `dir/file.go:line` or the logger name; empty when none.
    pub caller: &'a str,
    /// The message.
    pub message: Text<'a>,
    /// Range of this record's fields in [`LineOut::fields`].
    pub fields: std::ops::Range<usize>,
    /// A wrapper's label: the docker-compose service, pod or host name.
    pub label: &'a str,
    /// Byte offset of the record's first byte in the line (several records can
    /// share one pasted line).
    pub offset: usize,
}

impl<'a> Record<'a> {
    /// A record whose fields start at `at` in [`LineOut::fields`] (the end is
    /// set by [`LineOut::emit`]).
    fn new(grammar: Grammar, message: Text<'a>, at: usize) -> Record<'a> {
        Record {
            grammar,
            ts: None,
            wrapper_ts: None,
            level: Level::None,
            caller: "",
            message,
            fields: at..at,
            label: "",
            offset: 0,
        }
    }

    fn with_ts(mut self, ts: Option<Timestamp>) -> Self {
        self.ts = ts;
        self
    }

    fn with_level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    fn with_caller(mut self, caller: &'a str) -> Self {
        self.caller = caller;
        self
    }

    fn with_wrapper_ts(mut self, ts: Option<Timestamp>) -> Self {
        self.wrapper_ts = ts;
        self
    }

    fn with_label(mut self, label: &'a str) -> Self {
        self.label = label;
        self
    }

    fn with_offset(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }
}

/// What a line turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// One or more records (in `LineOut::records`).
    Records,
    /// Empty or only white space.
    Blank,
    /// No grammar recognised it; it may still continue the previous record
    /// (ask [`continues`]).
    Unknown,
}

/// Reusable output buffers for [`parse_line`]: clear-and-refill keeps the hot
/// path free of allocations once the buffers have grown.
#[derive(Default, Debug)]
pub struct LineOut<'a> {
    /// Records found in the line, in order.
    pub records: Vec<Record<'a>>,
    /// Fields of all records of the line; each record holds its range.
    pub fields: Vec<Field<'a>>,
}

impl<'a> LineOut<'a> {
    /// Empties the buffers, keeping their capacity.
    pub fn clear(&mut self) {
        self.records.clear();
        self.fields.clear();
    }

    /// Pushes a record whose fields are those added since it was made.
    /// Always true, so that a grammar can end with it.
    pub(crate) fn emit(&mut self, mut r: Record<'a>) -> bool {
        r.fields.end = self.fields.len();
        self.records.push(r);
        true
    }

    /// The fields of one record.
    pub fn fields_of(&self, r: &Record<'a>) -> &[Field<'a>] {
        &self.fields[r.fields.clone()]
    }
}

/// Reads one physical line (without its line terminator) into `out`.
///
/// Grammars are tried by the line's first bytes, strictest first; wrappers
/// are peeled and the inside parsed again. Several records can come out of
/// one line (a `kubectl logs` output pasted on one line, a Loki export).
pub fn parse_line<'a>(line: &'a str, out: &mut LineOut<'a>) -> LineKind {
    out.clear();
    if line.trim().is_empty() {
        return LineKind::Blank;
    }
    if parse_at(line, 0, out) {
        return LineKind::Records;
    }
    if wrappers::parse_wrapped(line, out) {
        return LineKind::Records;
    }
    LineKind::Unknown
}

/// Tries every record grammar on `line[at..]` (no wrapper peeling).
pub(crate) fn parse_at<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let Some(s) = line.get(at..).filter(|s| !s.is_empty()) else {
        return false;
    };
    let before = out.records.len();
    let ok = match s.as_bytes()[0] {
        b'[' => {
            wrappers::milvus_chain(line, at, out)
                || access_log::parse(line, at, out)
                || client::parse_bracketed(line, at, out)
        }
        b'{' => json_line(s, out),
        b'0'..=b'9' => {
            gostd::parse_stdlog(line, at, out)
                || etcd::parse_capnslog(line, at, out)
                || client::parse_pymilvus(line, at, out)
                || easylogging::parse(line, at, out)
                || client::parse_python_logging(line, at, out)
        }
        b'r' => etcd::parse_raft_stdlog(line, at, out),
        b'I' | b'W' | b'E' | b'F' => glog::parse(line, at, out) || banner::parse(line, at, out),
        _ => false,
    } || gostd::parse_panic(line, at, out)
        || banner::parse(line, at, out)
        || otel::parse_cpp_span_start(line, at, out)
        || client::parse_exception(line, at, out);
    if ok {
        for r in &mut out.records[before..] {
            if r.offset == 0 {
                r.offset = at;
            }
        }
    }
    ok
}

/// A JSON object line: read once, then given to the grammar whose keys it has.
fn json_line<'a>(s: &'a str, out: &mut LineOut<'a>) -> bool {
    let start = out.fields.len();
    if common::json_object(s, &mut out.fields).is_none() {
        return false;
    }
    let ok = milvus_json::from_members(start, out)
        || etcd::from_members(start, out)
        || client::from_members(start, out)
        || otel::from_members(start, out);
    if !ok {
        out.fields.truncate(start);
    }
    ok
}

/// True when `line`, which started no record, continues a record of
/// `grammar` (Go stack frames after a panic, Python traceback lines after a
/// client log record, the body of a C++ span block).
pub fn continues(grammar: Grammar, line: &str) -> bool {
    match grammar {
        Grammar::GoPanic => gostd::continues_panic(line),
        Grammar::Pymilvus | Grammar::PythonLogging | Grammar::Wrapped => {
            client::continues_python(line)
        }
        Grammar::OtelCppSpan => otel::continues_cpp_span(line),
        _ => false,
    }
}

/// The first record a line must give (tests of the grammars).
#[cfg(test)]
pub(crate) fn one_record<'a>(line: &'a str, out: &mut LineOut<'a>) -> Record<'a> {
    assert_eq!(parse_line(line, out), LineKind::Records, "{line}");
    out.records[0].clone()
}

/// Entry points for the fuzz targets in `fuzz/` (not an API: the
/// grammars' inner pieces, reachable from outside the crate).
#[doc(hidden)]
pub mod fuzzing {
    /// Key and value pairs, unescaped.
    pub type Members = Vec<(String, String)>;

    /// The JSON object scanner: the object's length and its top-level
    /// members (key and value, unescaped), or `None`.
    pub fn json_object(s: &str) -> Option<(usize, Members)> {
        let mut fields = Vec::new();
        let n = crate::common::json_object(s, &mut fields)?;
        let members = fields
            .iter()
            .map(|f| (f.key.to_cow().into_owned(), f.value.to_cow().into_owned()))
            .collect();
        Some((n, members))
    }

    /// One Milvus text record at the start of `line`: where it ends, its
    /// message and fields (unescaped), or `None`.
    pub fn milvus_text(line: &str) -> Option<(usize, String, Members)> {
        let mut out = crate::LineOut::default();
        let end = crate::milvus_text::parse_record(line, 0, &mut out)?;
        let r = out.records.first()?;
        let fields = out
            .fields_of(r)
            .iter()
            .map(|f| (f.key.to_cow().into_owned(), f.value.to_cow().into_owned()))
            .collect();
        Some((end, r.message.to_cow().into_owned(), fields))
    }
}

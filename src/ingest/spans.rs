//! Trace exports: a source whose first bytes are an OTLP/JSON batch or a
//! Jaeger UI export ([`parsers::spans::sniff`]) is read as spans into the
//! source's compact [`SpanTable`], whatever its name (operators attach the
//! file a collector wrote under any name).
//!
//! Every line is accounted for as a log's are: an OTLP line that holds a
//! batch is parsed, a blank line continues, any other line is unparsed and
//! named in a warning; a Jaeger document is one record over its lines.
//! Every span is counted (`spans_total`); a span object without ids or a
//! start is named in a warning, not dropped silently.
//!
//! Must not know: nodes, windows, what a span's error means.

use super::{new_source, IngestConfig, MAX_SOURCE_BYTES};
use crate::discover::{Content, Skipped, SourceSpec};
use crate::record::{Source, SpanRow, SpanTable};
use parsers::spans::{self, Export, Span};
use std::io::{BufRead, Read};

/// How much of a source is looked at to tell a trace export.
const SNIFF_BYTES: usize = 4096;

/// An OTLP line (one export request) is read up to this size; the
/// collector's batches are a few MiB.
const MAX_BATCH_BYTES: u64 = 256 << 20;

/// How many unreadable lines a source's warnings name one by one.
const NAMED_LINES: usize = 5;

/// Which trace export the source is, if any.
pub(super) fn sniff(spec: &SourceSpec) -> Option<Export> {
    match &spec.content {
        Content::Bytes(b, _) => spans::sniff(&b[..b.len().min(SNIFF_BYTES)]),
        Content::File(p) => {
            let mut head = Vec::with_capacity(SNIFF_BYTES);
            let f = std::fs::File::open(p).ok()?;
            f.take(SNIFF_BYTES as u64).read_to_end(&mut head).ok()?;
            spans::sniff(&head)
        }
    }
}

/// Reads a trace export into a source of spans.
pub(super) fn read(
    mut spec: SourceSpec,
    export: Export,
    cfg: &IngestConfig,
) -> Result<Source, Skipped> {
    let name = spec.name.clone();
    let unread = |why: String| Skipped::unread(name.clone(), why);
    let content = std::mem::replace(&mut spec.content, Content::Bytes(Vec::new(), None));
    let mut src = new_source(spec.without_content());
    src.warnings = spec.notes.iter().map(|n| format!("{name}: {n}")).collect();
    let mut input: Box<dyn BufRead> = match &content {
        Content::File(p) => {
            let f = std::fs::File::open(p).map_err(|e| unread(format!("cannot read: {e}")))?;
            Box::new(std::io::BufReader::with_capacity(1 << 20, f))
        }
        Content::Bytes(b, w) => {
            src.warnings
                .extend(w.iter().map(|w| format!("{name}: {w}")));
            Box::new(std::io::Cursor::new(&b[..]))
        }
    };
    let mut sink = Sink::new(&name);
    match export {
        Export::OtlpJson => read_otlp(&mut input, &mut sink),
        Export::JaegerJson => read_jaeger(&mut input, &mut sink),
    }
    .map_err(|e| unread(format!("cannot read: {e}")))?;
    sink.finish(&mut src, export);
    if cfg.hash {
        src.sha256 = match &content {
            Content::File(p) => crate::record::sha256_of_file(p),
            Content::Bytes(b, _) => Some(crate::record::sha256_hex(b)),
        };
    }
    Ok(src)
}

/// What reading a trace export gathers.
struct Sink<'a> {
    name: &'a str,
    table: SpanTable,
    lines: u64,
    parsed: u64,
    continuation: u64,
    unparsed: u64,
    broken: usize,
    warnings: Vec<String>,
}

impl<'a> Sink<'a> {
    fn new(name: &'a str) -> Self {
        Sink {
            name,
            table: SpanTable::default(),
            lines: 0,
            parsed: 0,
            continuation: 0,
            unparsed: 0,
            broken: 0,
            warnings: Vec::new(),
        }
    }

    /// A line that no export grammar read, named while few.
    fn unparsed_line(&mut self, line: u64, why: &str) {
        self.unparsed += 1;
        if self.unparsed as usize <= NAMED_LINES {
            self.warnings
                .push(format!("{}:{line}: not a span batch: {why}", self.name));
        }
    }

    fn push(&mut self, line: u64, read: spans::Read) {
        self.broken += read.broken;
        for s in &read.spans {
            let row = row_of(&mut self.table, line as u32, s);
            self.table.rows.push(row);
        }
    }

    fn finish(mut self, src: &mut Source, export: Export) {
        if self.unparsed as usize > NAMED_LINES {
            self.warnings.push(format!(
                "{}: {} lines are not span batches (the first {NAMED_LINES} are named)",
                self.name, self.unparsed
            ));
        }
        if self.broken > 0 {
            self.warnings.push(format!(
                "{}: {} span object(s) without a trace id, span id or start time: not read",
                self.name, self.broken
            ));
        }
        self.table.finish();
        src.accounting.lines_total = self.lines;
        src.accounting.lines_parsed = self.parsed;
        src.accounting.lines_continuation = self.continuation;
        src.accounting.lines_unparsed = self.unparsed;
        src.accounting.spans_total = self.table.rows.len() as u64;
        if self.parsed + self.continuation > 0 {
            src.formats
                .insert(export.name(), self.parsed + self.continuation);
        }
        src.warnings.append(&mut self.warnings);
        src.spans = self.table;
    }
}

/// Export requests parsed together, in parallel: up to this many bytes
/// (lines held at once), or [`pending_lines`] lines.
const PENDING_BYTES: usize = 64 << 20;

/// Four requests a core: enough to keep them busy, few held at once (a
/// collector's request is a few hundred KiB to a few MiB).
fn pending_lines() -> usize {
    4 * rayon::current_num_threads().max(1)
}

/// One OTLP export request a line. Lines are read in batches and parsed in
/// parallel (a JSON document model is the cost), then taken in file order.
fn read_otlp(input: &mut dyn BufRead, sink: &mut Sink<'_>) -> std::io::Result<()> {
    let mut pending: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut pending_bytes = 0usize;
    let mut read_total = 0u64;
    loop {
        let mut buf = Vec::new();
        let n = (&mut *input)
            .take(MAX_BATCH_BYTES)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        read_total += n as u64;
        if read_total > MAX_SOURCE_BYTES as u64 {
            sink.warnings.push(format!(
                "{}: larger than 4 GiB; read up to line {}, the rest is not analysed",
                sink.name, sink.lines
            ));
            break;
        }
        sink.lines += 1;
        let line_no = sink.lines;
        if !buf.ends_with(b"\n") && n as u64 == MAX_BATCH_BYTES {
            read_total += skip_line(input)?;
            sink.unparsed_line(
                line_no,
                &format!("longer than {} MiB, not read", MAX_BATCH_BYTES >> 20),
            );
            continue;
        }
        pending_bytes += buf.len();
        pending.push((line_no, buf));
        if pending.len() >= pending_lines() || pending_bytes >= PENDING_BYTES {
            parse_pending(std::mem::take(&mut pending), sink);
            pending_bytes = 0;
        }
    }
    parse_pending(pending, sink);
    Ok(())
}

/// Parses read lines in parallel and takes what they gave in line order.
fn parse_pending(lines: Vec<(u64, Vec<u8>)>, sink: &mut Sink<'_>) {
    use rayon::prelude::*;
    let parsed: Vec<(u64, Option<Result<spans::Read, String>>)> = lines
        .into_par_iter()
        .map(|(no, buf)| {
            let text = String::from_utf8_lossy(&buf);
            let line = text.trim_end_matches(['\n', '\r']);
            let read = (!line.trim().is_empty()).then(|| spans::parse_otlp_line(line));
            (no, read)
        })
        .collect();
    for (no, read) in parsed {
        match read {
            None => sink.continuation += 1,
            Some(Ok(read)) => {
                sink.parsed += 1;
                sink.push(no, read);
            }
            Some(Err(why)) => sink.unparsed_line(no, &why),
        }
    }
}

/// Skips to the end of the current line; the bytes skipped.
fn skip_line(input: &mut dyn BufRead) -> std::io::Result<u64> {
    let mut skipped = 0u64;
    loop {
        let (done, used) = {
            let buf = input.fill_buf()?;
            if buf.is_empty() {
                return Ok(skipped);
            }
            match memchr::memchr(b'\n', buf) {
                Some(i) => (true, i + 1),
                None => (false, buf.len()),
            }
        };
        input.consume(used);
        skipped += used as u64;
        if done {
            return Ok(skipped);
        }
    }
}

/// One Jaeger document over all its lines: the first non-blank line is its
/// record, the others continue it.
fn read_jaeger(input: &mut dyn BufRead, sink: &mut Sink<'_>) -> std::io::Result<()> {
    let mut doc = Vec::new();
    input.take(MAX_SOURCE_BYTES as u64).read_to_end(&mut doc)?;
    let text = String::from_utf8_lossy(&doc);
    let lines = super::lines_of(&text).count() as u64;
    sink.lines = lines;
    let first = super::lines_of(&text)
        .position(|l| !l.trim().is_empty())
        .map_or(1, |i| i as u64 + 1);
    match spans::parse_jaeger(&text) {
        Ok(read) => {
            sink.parsed = u64::from(lines > 0);
            sink.continuation = lines.saturating_sub(1);
            sink.push(first, read);
        }
        Err(why) => {
            sink.unparsed = lines;
            sink.warnings.push(format!(
                "{}:{first}: a Jaeger export that cannot be read ({why}): its {lines} lines are not analysed",
                sink.name
            ));
        }
    }
    Ok(())
}

/// A span as a compact row of `table`.
pub(super) fn row_of(table: &mut SpanTable, line: u32, s: &Span) -> SpanRow {
    let error_event = s
        .error_events
        .first()
        .map_or(0, |(n, m)| table.intern(&format!("{n}: {m}")));
    SpanRow {
        line,
        start_us: s.start_ns.div_euclid(1000),
        duration_ns: s.end_ns.saturating_sub(s.start_ns).max(0),
        trace_id: u128::from_str_radix(&s.trace_id, 16).unwrap_or(0),
        trace_hex_len: s.trace_id.len().min(32) as u8,
        span_id: u64::from_str_radix(&s.span_id, 16).unwrap_or(0),
        parent_id: u64::from_str_radix(&s.parent_id, 16).unwrap_or(0),
        name: table.intern(&s.name),
        kind: s.kind,
        status: s.status,
        status_message: table.intern(&s.status_message),
        service: table.intern(&s.service),
        node_id: s.node_id,
        peer_addr: table.intern(&s.peer_addr),
        peer_port: s.peer_port,
        grpc_code: s.grpc_code.and_then(|c| i32::try_from(c).ok()),
        error_event,
    }
}

#[cfg(test)]
mod tests {
    use crate::discover::SourceSpec;
    use crate::ingest::{load, IngestConfig};

    /// A real export request of the kill-restart-7 capture, cut to two
    /// spans (`parsers::spans` reads the same line field by field).
    const BATCH: &str = r#"{"resourceSpans": [{"resource": {"attributes": [{"key": "NodeID", "value": {"intValue": "2"}}, {"key": "service.name", "value": {"stringValue": "standalone"}}]}, "scopeSpans": [{"spans": [{"traceId": "9b7c167a596f963916f70d6f4da7d957", "spanId": "f111fda4016c3a32", "parentSpanId": "19d3e25c3838cac0", "name": "milvus.proto.query.QueryNode/GetDataDistribution", "kind": "SPAN_KIND_SERVER", "startTimeUnixNano": "1795669931383138197", "endTimeUnixNano": "1795669931383208931", "attributes": [{"key": "net.sock.peer.addr", "value": {"stringValue": "127.0.0.1"}}, {"key": "net.sock.peer.port", "value": {"intValue": "45658"}}], "status": {"message": "node not match[expectedNodeID=1][actualNodeID=2]", "code": "STATUS_CODE_ERROR"}}, {"traceId": "6401c35b07e6d38305a43130a1004d24", "spanId": "92ca604cdf433a19", "name": "milvus.proto.rootcoord.RootCoord/AllocTimestamp", "kind": "SPAN_KIND_CLIENT", "startTimeUnixNano": "1795669870520704202", "endTimeUnixNano": "1795669870521236711", "status": {}}]}]}]}"#;

    fn spans_of(name: &str, text: &str) -> crate::record::Source {
        load(
            SourceSpec::from_bytes(name, text.as_bytes().to_vec()),
            &IngestConfig::default(),
        )
        .unwrap()
    }

    /// Whatever its name, an OTLP file is read as spans; every line is
    /// accounted for, a line that is no batch is named.
    #[test]
    fn an_otlp_file_is_read_as_spans_and_every_line_counted() {
        let text = format!("{BATCH}\n\nnot a batch\n{BATCH}\n");
        let src = spans_of("exports/collector-out.json", &text);
        let a = &src.accounting;
        assert_eq!((a.lines_total, a.lines_parsed), (4, 2));
        assert_eq!((a.lines_continuation, a.lines_unparsed), (1, 1));
        assert_eq!(a.spans_total, 4);
        assert!(src.records.is_empty());
        assert_eq!(src.formats.get("otlp-json"), Some(&3));
        assert!(
            src.warnings[0].starts_with("exports/collector-out.json:3: not a span batch"),
            "{:?}",
            src.warnings
        );
        let t = &src.spans;
        let r = &t.rows[2];
        // In start order: the error span of each batch starts last.
        assert_eq!((r.line, t.rows[1].line), (1, 4));
        assert_eq!((t.rows[2].line, t.rows[3].line), (1, 4));
        assert_eq!(
            crate::record::SpanTable::trace_hex(r),
            "9b7c167a596f963916f70d6f4da7d957"
        );
        assert_eq!(r.parent_id, 0x19d3e25c3838cac0);
        assert_eq!(
            t.text(r.name),
            "milvus.proto.query.QueryNode/GetDataDistribution"
        );
        assert_eq!(
            t.text(r.status_message),
            "node not match[expectedNodeID=1][actualNodeID=2]"
        );
        assert_eq!(
            (t.text(r.peer_addr), r.peer_port),
            ("127.0.0.1", Some(45658))
        );
        assert_eq!((r.node_id, t.text(r.service)), (Some(2), "standalone"));
        assert_eq!(r.start_us, 1_795_669_931_383_138);
        assert_eq!(r.duration_ns, 70_734);
        assert_eq!(t.rows[0].parent_id, 0);
    }

    /// The spans Milvus' stdout exporter writes into its log are counted:
    /// as many as the file holds Go span objects and C++ span blocks (the
    /// excerpt ends inside its last); each is in the span table, at its
    /// line (a C++ block's `{`).
    #[test]
    fn stdout_exporter_spans_in_a_log_are_counted() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/parsers/tests/data/otel-stdout-2.3.5.log"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let expected = text
            .lines()
            .filter(|l| l.starts_with("{\"Name\":") || l.trim_end() == "{")
            .count() as u64;
        assert!(expected > 0);
        let go: Vec<u32> = (1..)
            .zip(text.lines())
            .filter(|(_, l)| l.starts_with("{\"Name\":") || l.trim_end() == "{")
            .map(|(i, _)| i)
            .collect();
        let src = spans_of("milvus/milvus-stdout.log", &text);
        assert_eq!(src.accounting.spans_total, expected);
        let mut lines: Vec<u32> = src.spans.rows.iter().map(|r| r.line).collect();
        lines.sort_unstable();
        assert_eq!(lines, go);
        // Streamed in small chunks: the same spans.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("milvus-stdout.log");
        std::fs::write(&path, &text).unwrap();
        let streamed = load(
            SourceSpec {
                content: crate::discover::Content::File(path),
                ..SourceSpec::from_bytes("milvus/milvus-stdout.log", Vec::new())
            },
            &IngestConfig {
                keep_text: false,
                chunk_bytes: 4096,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(streamed.spans.rows, src.spans.rows);
    }

    /// A Jaeger document is one record over its lines; one cut short is
    /// named, its lines unparsed.
    #[test]
    fn a_jaeger_export_is_one_record_over_its_lines() {
        let doc = "{\n  \"data\": [{\"traceID\": \"9b7c167a596f963916f70d6f4da7d957\",\n \"spans\": [{\"traceID\": \"9b7c167a596f963916f70d6f4da7d957\", \"spanID\": \"f111fda4016c3a32\", \"operationName\": \"x\", \"startTime\": 1795669931383138, \"duration\": 70, \"processID\": \"p1\"}],\n \"processes\": {\"p1\": {\"serviceName\": \"standalone\", \"tags\": []}}}]\n}\n";
        let src = spans_of("traces/jaeger.json", doc);
        let a = &src.accounting;
        assert_eq!(
            (a.lines_total, a.lines_parsed, a.lines_continuation),
            (5, 1, 4)
        );
        assert_eq!(a.spans_total, 1);
        let cut = spans_of("traces/jaeger.json", &doc[..doc.len() / 2]);
        assert_eq!(cut.accounting.lines_unparsed, cut.accounting.lines_total);
        assert!(cut.warnings[0].contains("a Jaeger export that cannot be read"));
    }
}

//! Trace exports: OTLP/JSON requests, Jaeger UI documents and the stdout
//! exporter's spans (Go JSON lines, C++ text blocks) read without a panic;
//! every span read has lower-case hex ids (and a C++ block's ends no
//! earlier than it starts); and an OTLP request that is read gives as many
//! spans (read or counted as broken) as serde_json finds span objects in it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parsers::spans::{
    parse_go_stdout_span, parse_jaeger, parse_otlp_line, CppSpanBlock, Read, Span,
};
use serde_json::Value;

fn check_ids(r: &Read) {
    r.spans.iter().for_each(check_span);
}

fn check_span(s: &Span) {
    for id in [&s.trace_id, &s.span_id] {
        assert!(!id.is_empty(), "{s:?}");
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{s:?}"
        );
    }
}

/// Span objects under resourceSpans[*].scopeSpans[*].spans[*].
fn span_objects(v: &Value) -> Option<usize> {
    let mut n = 0;
    for rs in v.get("resourceSpans")?.as_array()? {
        let scopes = rs
            .get("scopeSpans")
            .or_else(|| rs.get("instrumentationLibrarySpans"));
        for ss in scopes.and_then(Value::as_array).into_iter().flatten() {
            n += ss
                .get("spans")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
        }
    }
    Some(n)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = parse_otlp_line(text) {
        check_ids(&r);
        if let Some(n) = serde_json::from_str::<Value>(text)
            .ok()
            .as_ref()
            .and_then(span_objects)
        {
            assert_eq!(r.spans.len() + r.broken, n);
        }
    }
    if let Ok(r) = parse_jaeger(text) {
        check_ids(&r);
    }
    let _ = parsers::spans::sniff(data);
    // The stdout exporter's spans, as ingest reads them: a Go span a line,
    // a C++ block a line at a time from its `{` to its `}`.
    let mut block: Option<CppSpanBlock> = None;
    for line in text.lines() {
        if let Some(s) = parse_go_stdout_span(line) {
            check_span(&s);
        }
        if block.is_none() {
            if line.trim_end() == "{" {
                block = Some(CppSpanBlock::default());
            }
            continue;
        }
        if block.as_mut().is_some_and(|b| b.line(line)) {
            if let Some(s) = block.take().and_then(CppSpanBlock::finish) {
                check_span(&s);
                assert!(s.end_ns >= s.start_ns, "{s:?}");
            }
        }
    }
    if let Some(s) = block.and_then(CppSpanBlock::finish) {
        check_span(&s);
    }
});

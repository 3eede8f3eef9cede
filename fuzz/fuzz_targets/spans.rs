//! Trace exports: OTLP/JSON requests and Jaeger UI documents read without
//! a panic; every span read has lower-case hex ids; and an OTLP request
//! that is read gives as many spans (read or counted as broken) as
//! serde_json finds span objects in it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parsers::spans::{parse_jaeger, parse_otlp_line, Read};
use serde_json::Value;

fn check_ids(r: &Read) {
    for s in &r.spans {
        for id in [&s.trace_id, &s.span_id] {
            assert!(!id.is_empty(), "{s:?}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{s:?}"
            );
        }
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
});

//! OpenTelemetry spans that `trace.exporter=stdout` writes into the Milvus
//! stdout log: Go's stdout exporter writes one JSON object a line
//! (`{"Name":…,"SpanContext":…,"StartTime":"…Z",…}`); the C++ (segcore)
//! exporter writes a text block from a lone `{` to a lone `}` whose
//! `start` member holds nanoseconds since the epoch.

use crate::common::member;
use crate::text::Text;
use crate::timestamp::{self, Timestamp};
use crate::{Grammar, Level, LineOut, Record};

/// Makes a Go span record of the object members at `out.fields[start..]`.
pub(crate) fn from_members(start: usize, out: &mut LineOut<'_>) -> bool {
    let f = &out.fields[start..];
    let parsed = (|| {
        Some((
            member(f, "Name")?,
            timestamp::datetime(member(f, "StartTime")?.raw).ok()?.1,
        ))
    })();
    let Some((name, ts)) = parsed else {
        return false;
    };
    let failed = member(f, "Status").is_some_and(|s| s.raw.contains("\"Code\":\"Error\""));
    out.emit(
        Record::new(Grammar::OtelGoSpan, name, start)
            .with_ts(Some(ts))
            .with_level(if failed { Level::Error } else { Level::Debug })
            .with_caller("otel"),
    )
}

/// The `{` that opens a C++ span block.
pub(crate) fn parse_cpp_span_start<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    if line[at..].trim_end() != "{" {
        return false;
    }
    out.emit(
        Record::new(Grammar::OtelCppSpan, Text::plain(""), out.fields.len())
            .with_level(Level::Debug)
            .with_caller("otel"),
    )
}

/// Lines inside a C++ span block: `  key : value`, tab-indented events and
/// resources, and the closing `}`.
pub(crate) fn continues_cpp_span(line: &str) -> bool {
    line.starts_with('\t') || line.trim_end() == "}" || cpp_span_member(line).is_some()
}

/// A `  name          : SegCoreSearch` member of a C++ span block.
pub fn cpp_span_member(line: &str) -> Option<(&str, &str)> {
    let body = line.strip_prefix("  ")?;
    let (k, v) = body.split_once(':')?;
    let k = k.trim_end();
    if k.is_empty()
        || k.starts_with(' ')
        || !k
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'_' || b == b'-')
    {
        return None;
    }
    Some((k, v.strip_prefix(' ').unwrap_or(v)))
}

/// The start time of a C++ span from its `start : <ns since epoch>` member.
pub fn cpp_span_start(value: &str) -> Option<Timestamp> {
    let ns: i64 = value.trim().parse().ok()?;
    Some(Timestamp {
        local_us: ns / 1000,
        offset_s: Some(0),
        year_known: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_line, LineKind};

    #[test]
    fn go_span_2_3_5_stdout_exporter() {
        // captured/otel-stdout-1/milvus/milvus-stdout.log (Milvus 2.3.5, trace.exporter=stdout), shortened members.
        let line = r#"{"Name":"milvus.proto.rootcoord.RootCoord/AllocTimestamp","SpanContext":{"TraceID":"54e3c47ffb98b1869abcf9c86d4f61f4","SpanID":"cd82c0d9a3a11e9a","TraceFlags":"01","TraceState":"","Remote":false},"SpanKind":3,"StartTime":"2026-11-26T05:52:08.431210111Z","EndTime":"2026-11-26T05:52:08.431946002Z","Links":null,"Status":{"Code":"Unset","Description":""},"Resource":[{"Key":"NodeID","Value":{"Type":"INT64","Value":1}},{"Key":"service.name","Value":{"Type":"STRING","Value":"standalone"}}]}"#;
        let mut out = LineOut::default();
        assert_eq!(parse_line(line, &mut out), LineKind::Records);
        let r = &out.records[0];
        assert_eq!(
            (r.grammar, r.message.raw),
            (
                Grammar::OtelGoSpan,
                "milvus.proto.rootcoord.RootCoord/AllocTimestamp"
            )
        );
        assert_eq!(r.ts.unwrap().local_us % 1_000_000, 431_210);
    }

    #[test]
    fn cpp_span_block_2_3_5() {
        // Same capture: a segcore span block.
        let mut out = LineOut::default();
        assert_eq!(parse_line("{", &mut out), LineKind::Records);
        assert_eq!(out.records[0].grammar, Grammar::OtelCppSpan);
        for l in [
            "  name          : SegCoreSearch",
            "  start         : 1795672344254665903",
            "  tracestate    : ",
            "\t{",
            "\t  name          : obtained_segment_lock_mutex",
            "\tNodeID: 1",
            "}",
        ] {
            assert!(continues_cpp_span(l), "{l}");
        }
        assert_eq!(
            cpp_span_member("  start         : 1795672344254665903"),
            Some(("start", "1795672344254665903"))
        );
        assert_eq!(
            cpp_span_start("1795672344254665903").unwrap().local_us,
            1_795_672_344_254_665
        );
        assert!(!continues_cpp_span(
            "[2026/11/26 05:52:08.431 +00:00] [INFO] [a/b.go:1] [x]"
        ));
    }
}

//! Grammar tests on whole real excerpts: every line is a record or continues
//! the record before it.

use parsers::{continues, parse_line, Grammar, LineKind, LineOut};

/// Reads a file the way the ingest stage does; returns (records by grammar, unknown lines).
fn frame(
    text: &str,
) -> (
    std::collections::BTreeMap<&'static str, usize>,
    Vec<(usize, String)>,
) {
    let mut out = LineOut::default();
    let mut open: Option<Grammar> = None;
    let mut by = std::collections::BTreeMap::new();
    let mut unknown = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match parse_line(line, &mut out) {
            LineKind::Records => {
                for r in &out.records {
                    *by.entry(r.grammar.name()).or_default() += 1;
                }
                open = out.records.last().map(|r| r.grammar);
            }
            LineKind::Blank if open.is_some() => {}
            _ if open.is_some_and(|g| continues(g, line)) => {}
            _ => unknown.push((i + 1, line.to_string())),
        }
    }
    (by, unknown)
}

#[test]
fn otel_stdout_exporter_milvus_2_3_5() {
    // An excerpt of milvus-stdout.log captured with ../shared/harness
    // (`--set trace.exporter=stdout --set trace.sampleFraction=1`):
    // Go span JSON lines and C++ span blocks interleaved.
    let text = include_str!("data/otel-stdout-2.3.5.log");
    let (by, unknown) = frame(text);
    assert!(unknown.is_empty(), "{unknown:?}");
    assert!(by["otel-go-span"] >= 30, "{by:?}");
    assert!(by["otel-cpp-span"] >= 3, "{by:?}");
}

#[test]
fn shared_bundle_streams_have_no_unknown_line() {
    // The committed copy of ../shared/bundles/kill-restart-1.
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/kill-restart-1");
    for f in [
        "milvus/milvus-stderr.log",
        "milvus/milvus-stdout.log",
        "milvus/standalone-2.log",
        "etcd/etcd.log",
        "client/pymilvus.log",
        "client/client.jsonl",
    ] {
        let text = std::fs::read_to_string(format!("{base}/{f}")).expect("samples/kill-restart-1");
        let (_, unknown) = frame(&text);
        assert!(unknown.is_empty(), "{f}: {unknown:?}");
    }
}

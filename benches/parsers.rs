//! Throughput of each grammar on real lines (criterion reports bytes/s).
//!
//! Inputs are real files: the committed samples, the public corpus in
//! `../shared`, and the span excerpt in `parsers/tests/data`. Each benchmark
//! parses every line of its input with `parsers::parse_line`, reusing one
//! output buffer, as the ingest stage does.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use parsers::{parse_line, LineOut};
use std::hint::black_box;

fn root(rel: &str) -> String {
    format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// Lines of `file` whose first record has `grammar` (all lines if `None`).
fn lines_of(file: &str, grammar: Option<&str>) -> Vec<String> {
    let text = std::fs::read_to_string(root(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut out = LineOut::default();
    text.lines()
        .filter(|l| {
            grammar.is_none_or(|g| {
                matches!(parse_line(l, &mut out), parsers::LineKind::Records)
                    && out.records[0].grammar.name() == g
            })
        })
        .map(str::to_string)
        .collect()
}

fn bench_lines(c: &mut Criterion, name: &str, lines: &[String]) {
    assert!(!lines.is_empty(), "{name}: no input lines");
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let mut g = c.benchmark_group("grammar");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function(name, |b| {
        let mut out = LineOut::default();
        b.iter(|| {
            let mut n = 0usize;
            for l in lines {
                parse_line(black_box(l), &mut out);
                n += out.records.len();
            }
            n
        })
    });
    g.finish();
}

fn grammars(c: &mut Criterion) {
    let k = "samples/kill-restart-1";
    bench_lines(
        c,
        "milvus-text",
        &lines_of(&format!("{k}/milvus/standalone-2.log"), Some("milvus-text")),
    );
    bench_lines(
        c,
        "etcd-json",
        &lines_of(&format!("{k}/etcd/etcd.log"), Some("etcd-json")),
    );
    bench_lines(
        c,
        "client-jsonl",
        &lines_of(&format!("{k}/client/client.jsonl"), Some("client-jsonl")),
    );
    bench_lines(
        c,
        "pymilvus",
        &lines_of(&format!("{k}/client/pymilvus.log"), Some("pymilvus")),
    );
    bench_lines(
        c,
        "glog",
        &lines_of(&format!("{k}/milvus/milvus-stdout.log"), Some("glog")),
    );
    bench_lines(
        c,
        "otel-go-span",
        &lines_of(
            "parsers/tests/data/otel-stdout-2.3.5.log",
            Some("otel-go-span"),
        ),
    );
    let corpus = "../shared/corpus/public";
    bench_lines(
        c,
        "milvus-json",
        &lines_of(
            &format!("{corpus}/milvus-41700-json-format-querynode-oom-segments.log"),
            Some("milvus-json"),
        ),
    );
    bench_lines(
        c,
        "etcd-capnslog",
        &lines_of(
            &format!("{corpus}/etcd-10799-timeouts-heartbeat-overloaded.log"),
            Some("etcd-capnslog"),
        ),
    );
    bench_lines(
        c,
        "wrapped-syslog",
        &lines_of(
            &format!("{corpus}/etcd-15488-peer-health-check-clock-skew-syslog.log"),
            None,
        ),
    );
    bench_lines(
        c,
        "wrapped-loki",
        &lines_of(
            &format!("{corpus}/milvus-30926-etcd-lease-lost-all-nodes-exit.log"),
            None,
        ),
    );
    bench_lines(
        c,
        "mixed-stdout",
        &lines_of(&format!("{k}/milvus/milvus-stdout.log"), None),
    );
    bench_lines(
        c,
        "banner",
        &lines_of(&format!("{k}/milvus/milvus-stderr.log"), Some("banner")),
    );
    bench_lines(
        c,
        "go-stdlog",
        &lines_of(&format!("{k}/milvus/milvus-stderr.log"), Some("go-stdlog")),
    );
    bench_lines(
        c,
        "etcd-client-json",
        &lines_of(
            "samples/kill-restart-json-1/milvus/milvus-stderr.log",
            Some("etcd-client-json"),
        ),
    );
    bench_lines(
        c,
        "milvus-json-capture",
        &lines_of(
            "samples/kill-restart-json-1/milvus/standalone-2.log",
            Some("milvus-json"),
        ),
    );
    bench_lines(
        c,
        "easylogging",
        &lines_of(
            "samples/kill-restart-v2.2.16-1/milvus/milvus-stdout.log",
            Some("easylogging"),
        ),
    );
    bench_lines(
        c,
        "otel-cpp-span-start",
        &lines_of(
            "parsers/tests/data/otel-stdout-2.3.5.log",
            Some("otel-cpp-span"),
        ),
    );
    bench_lines(
        c,
        "python-logging",
        &lines_of(
            &format!(
                "{corpus}/milvus-16943-client-querynode-restart-not-ready-invalid-shard-leader.log"
            ),
            Some("python-logging"),
        ),
    );
    bench_lines(
        c,
        "go-panic",
        &lines_of(
            &format!("{corpus}/milvus-15882-json-format-querycoord-cas-panic.log"),
            Some("go-panic"),
        ),
    );
    bench_lines(
        c,
        "wrapped-kubectl-oneline",
        &lines_of(
            &format!("{corpus}/milvus-44472-querynode-crash-restart-kubectl-logs-oneline.log"),
            None,
        ),
    );
    bench_lines(
        c,
        "milvus-access",
        &lines_of(
            "samples/baseline-access-log-1/milvus/milvus-stdout.log",
            Some("milvus-access"),
        ),
    );
}

criterion_group!(benches, grammars);
criterion_main!(benches);

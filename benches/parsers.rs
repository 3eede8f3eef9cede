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

/// (benchmark, input file relative to the project, grammar of the lines
/// kept, or `None` for every line of the file).
const INPUTS: &[(&str, &str, Option<&str>)] = &[
    ("milvus-text", "samples/kill-restart-1/milvus/standalone-2.log", Some("milvus-text")),
    ("milvus-json-capture", "samples/kill-restart-json-1/milvus/standalone-2.log", Some("milvus-json")),
    ("milvus-json", "../shared/corpus/public/milvus-41700-json-format-querynode-oom-segments.log", Some("milvus-json")),
    ("milvus-access", "samples/baseline-access-log-1/milvus/milvus-stdout.log", Some("milvus-access")),
    ("etcd-json", "samples/kill-restart-1/etcd/etcd.log", Some("etcd-json")),
    ("etcd-client-json", "samples/kill-restart-json-1/milvus/milvus-stderr.log", Some("etcd-client-json")),
    ("etcd-capnslog", "../shared/corpus/public/etcd-10799-timeouts-heartbeat-overloaded.log", Some("etcd-capnslog")),
    ("glog", "samples/kill-restart-1/milvus/milvus-stdout.log", Some("glog")),
    ("easylogging", "samples/kill-restart-v2.2.16-1/milvus/milvus-stdout.log", Some("easylogging")),
    ("go-stdlog", "samples/kill-restart-1/milvus/milvus-stderr.log", Some("go-stdlog")),
    ("go-panic", "../shared/corpus/public/milvus-15882-json-format-querycoord-cas-panic.log", Some("go-panic")),
    ("banner", "samples/kill-restart-1/milvus/milvus-stderr.log", Some("banner")),
    ("otel-go-span", "parsers/tests/data/otel-stdout-2.3.5.log", Some("otel-go-span")),
    ("otel-cpp-span-start", "parsers/tests/data/otel-stdout-2.3.5.log", Some("otel-cpp-span")),
    ("client-jsonl", "samples/kill-restart-1/client/client.jsonl", Some("client-jsonl")),
    ("pymilvus", "samples/kill-restart-1/client/pymilvus.log", Some("pymilvus")),
    ("python-logging", "../shared/corpus/public/milvus-16943-client-querynode-restart-not-ready-invalid-shard-leader.log", Some("python-logging")),
    ("wrapped-syslog", "../shared/corpus/public/etcd-15488-peer-health-check-clock-skew-syslog.log", None),
    ("wrapped-loki", "../shared/corpus/public/milvus-30926-etcd-lease-lost-all-nodes-exit.log", None),
    ("wrapped-kubectl-oneline", "../shared/corpus/public/milvus-44472-querynode-crash-restart-kubectl-logs-oneline.log", None),
    ("mixed-stdout", "samples/kill-restart-1/milvus/milvus-stdout.log", None),
];

fn grammars(c: &mut Criterion) {
    for (name, file, grammar) in INPUTS {
        bench_lines(c, name, &lines_of(file, *grammar));
    }
}

/// The text of a gzipped sample file.
fn gunzipped(rel: &str) -> String {
    use std::io::Read;
    let path = root(rel);
    let gz = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// OTLP/JSON export requests of the `--otlp` sample: spans per second
/// (and bytes), one core.
fn otlp_spans(c: &mut Criterion) {
    let text = gunzipped("samples/kill-restart-otlp-1/traces/otlp-traces.jsonl.gz");
    let lines: Vec<&str> = text.lines().collect();
    let spans: usize = lines
        .iter()
        .map(|l| parsers::spans::parse_otlp_line(l).unwrap().spans.len())
        .sum();
    let mut g = c.benchmark_group("spans");
    g.sample_size(20);
    g.throughput(Throughput::Elements(spans as u64));
    g.bench_function("otlp-json", |b| {
        b.iter(|| {
            lines
                .iter()
                .map(|l| {
                    parsers::spans::parse_otlp_line(black_box(l))
                        .unwrap()
                        .spans
                        .len()
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

/// The spans `trace.exporter=stdout` wrote into the stdout sample's Milvus
/// log: Go JSON lines, and C++ blocks read a line at a time.
fn stdout_spans(c: &mut Criterion) {
    let text = gunzipped("samples/kill-restart-stdout-1/milvus/milvus-stdout.log.gz");
    let go: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("{\"Name\""))
        .collect();
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    let mut open: Option<Vec<&str>> = None;
    for l in text.lines() {
        match (l, open.as_mut()) {
            ("{", _) => open = Some(Vec::new()),
            ("}", Some(b)) => {
                b.push(l);
                blocks.extend(open.take());
            }
            (_, Some(b)) => b.push(l),
            _ => {}
        }
    }
    let mut g = c.benchmark_group("spans");
    g.sample_size(20);
    g.throughput(Throughput::Elements(go.len() as u64));
    g.bench_function("go-stdout", |b| {
        b.iter(|| {
            go.iter()
                .filter_map(|l| parsers::spans::parse_go_stdout_span(black_box(l)))
                .count()
        })
    });
    g.throughput(Throughput::Elements(blocks.len() as u64));
    g.bench_function("cpp-stdout", |b| {
        b.iter(|| {
            blocks
                .iter()
                .filter_map(|lines| {
                    let mut r = parsers::spans::CppSpanBlock::default();
                    lines.iter().any(|l| r.line(black_box(l)));
                    r.finish()
                })
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, grammars, otlp_spans, stdout_spans);
criterion_main!(benches);

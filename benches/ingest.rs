//! Whole-ingest throughput (discover output → records → timeline) on a
//! generated 64 MiB bundle held in memory, so disk speed is left out; and the
//! analysis stages after it (recognise, identity, windows, attribute) on the
//! same timeline; and the reports (HTML with its charts, Markdown) of the
//! same bundle's analysis.

// Each user of the generator takes part of it.
#[allow(dead_code)]
mod gen;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use milvus_postmortem::discover::{Discovered, SourceSpec};
use milvus_postmortem::ingest::{ingest, IngestConfig};
use milvus_postmortem::timeline::{Timeline, TimelineConfig};

fn discovered(files: &[(String, Vec<u8>)]) -> Discovered {
    let sources = files
        .iter()
        .map(|(name, bytes)| SourceSpec {
            dir: "pod_log".into(),
            ..SourceSpec::from_bytes(name, bytes.clone())
        })
        .collect();
    Discovered {
        sources,
        ..Default::default()
    }
}

fn whole_ingest(c: &mut Criterion) {
    let files = gen::bundle(64 << 20, 6);
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let mut g = c.benchmark_group("ingest");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse-64MiB", |b| {
        b.iter(|| {
            ingest(discovered(&files), &IngestConfig::default(), None)
                .sources
                .len()
        })
    });
    g.bench_function("parse+timeline-64MiB", |b| {
        b.iter(|| {
            Timeline::build(
                ingest(discovered(&files), &IngestConfig::default(), None),
                &TimelineConfig::default(),
            )
            .incarnations
            .len()
        })
    });
    g.finish();
}

fn analysis(c: &mut Criterion) {
    use milvus_postmortem::{attribute, identity::Identity, recognise, windows};
    let files = gen::bundle(64 << 20, 6);
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let t = Timeline::build(
        ingest(discovered(&files), &IngestConfig::default(), None),
        &TimelineConfig::default(),
    );
    let mut g = c.benchmark_group("analysis");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("recognise-64MiB", |b| {
        b.iter(|| recognise::recognise(&t).len())
    });
    let events = recognise::recognise(&t);
    g.bench_function("identity+windows+attribute-64MiB", |b| {
        b.iter(|| {
            let identity = Identity::build(&t, &events);
            let found = windows::find(&t, &events, &identity);
            let spans = attribute::traces::SpanIndex::build(&t);
            let span_events = recognise::spans::span_events(&t, &identity);
            let ctx =
                attribute::Context::new(&t, &events, &identity, &found, &[], &spans, &span_events);
            found
                .windows
                .iter()
                .map(|w| attribute::attribute(&ctx, w).phases.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

fn reports(c: &mut Criterion) {
    use milvus_postmortem::pipeline::{self, Config};
    use milvus_postmortem::report::{charts, html, markdown, model};
    let files = gen::bundle(64 << 20, 6);
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let dir = tempfile::tempdir().unwrap();
    for (name, b) in &files {
        let path = dir.path().join("pod_log").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b).unwrap();
    }
    let a = pipeline::run(&Config {
        inputs: vec![dir.path().to_path_buf()],
        ..Default::default()
    })
    .unwrap();
    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("model-64MiB", |b| {
        b.iter(|| model::build(&a, true).hashes.len())
    });
    let s = model::build(&a, true);
    g.bench_function("charts-64MiB", |b| {
        b.iter(|| {
            charts::Charts::draw(&s, &s.carded())
                .unwrap()
                .timeline
                .len()
        })
    });
    let charts = charts::Charts::draw(&s, &s.carded()).unwrap();
    g.bench_function("html-64MiB", |b| b.iter(|| html::render(&s, &charts).len()));
    g.bench_function("markdown-64MiB", |b| b.iter(|| markdown::render(&s).len()));
    g.finish();
}

criterion_group!(benches, whole_ingest, analysis, reports);
criterion_main!(benches);

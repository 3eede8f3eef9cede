//! Discover and ingest over untrusted archives: the input's first byte
//! picks a container (`t` tar.gz, `r` tar, `z` zip, `g` gzip, else a plain
//! file), the rest is its bytes, written to a file and read as a bundle.
//! Oracle: no panic, no abort, memory bounded (`run.sh` gives libFuzzer a
//! 1 GiB RSS limit), every source accounted line by line, and the spool
//! folder gone once the analysis is dropped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use milvus_postmortem::pipeline;

fuzz_target!(|data: &[u8]| {
    let Some((kind, body)) = data.split_first() else {
        return;
    };
    let name = match kind {
        b't' => "bundle.tar.gz",
        b'r' => "bundle.tar",
        b'z' => "bundle.zip",
        b'g' => "standalone-1.log.gz",
        _ => "standalone-1.log",
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, body).unwrap();
    let mut cfg = pipeline::Config {
        inputs: vec![path],
        ..Default::default()
    };
    // Small budgets keep an execution short; the bounds are what is tested.
    cfg.discover.max_bytes = 64 << 20;
    cfg.discover.max_files = 1000;
    cfg.ingest.keep_text = false;
    let a = pipeline::run(&cfg).expect("discover never fails on content");
    for s in &a.timeline.sources {
        let c = &s.accounting;
        assert_eq!(
            c.lines_parsed + c.lines_continuation + c.lines_unparsed,
            c.lines_total,
            "{}",
            s.name
        );
    }
    let spool = a.spool.as_ref().map(|d| d.path().to_path_buf());
    drop(a);
    if let Some(p) = spool {
        assert!(!p.exists(), "spool left behind");
    }
});

//! Line framing over multi-line input: ingest reads any bytes without a
//! panic, accounts for every physical line exactly once (parsed,
//! continuation or unparsed), and gives the same records whether the text
//! is read whole or in chunks of a few bytes (as a large file is split
//! across cores).
#![no_main]

use libfuzzer_sys::fuzz_target;
use milvus_postmortem::discover::{Discovered, SourceSpec};
use milvus_postmortem::ingest::{self, IngestConfig};

fn read(bytes: &[u8], chunk_bytes: usize) -> ingest::Ingested {
    let found = Discovered {
        sources: vec![SourceSpec::from_bytes(
            "milvus/standalone.log",
            bytes.to_vec(),
        )],
        ..Default::default()
    };
    let cfg = IngestConfig {
        chunk_bytes,
        ..Default::default()
    };
    ingest::ingest(found, &cfg, None)
}

fuzz_target!(|data: &[u8]| {
    let whole = read(data, 8 << 20);
    let Some(w) = whole.sources.first() else {
        // Not read at all: then it is listed as skipped, with its reason.
        assert_eq!(whole.skipped.len(), 1, "neither read nor skipped");
        return;
    };
    let a = &w.accounting;
    assert_eq!(
        a.lines_parsed + a.lines_continuation + a.lines_unparsed,
        a.lines_total
    );
    let chunked = read(data, 7);
    let c = &chunked.sources[0];
    assert_eq!(c.accounting, w.accounting);
    let key = |s: &milvus_postmortem::record::Source| {
        s.records
            .iter()
            .map(|r| (r.line, r.offset, r.grammar, s.message(r).into_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(c), key(w));
});

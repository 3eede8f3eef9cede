//! `parsers::parse_line` on any line: never panics, and every record it
//! gives lies inside the line it was given (offsets, labels, messages
//! and field values are slices of it; a caller or a key may be the
//! grammar's own name).
#![no_main]

use libfuzzer_sys::fuzz_target;

fn inside(line: &str, part: &str) -> bool {
    let (l, p) = (line.as_ptr() as usize, part.as_ptr() as usize);
    part.is_empty() || (p >= l && p + part.len() <= l + line.len())
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut out = parsers::LineOut::default();
    for line in text.split('\n') {
        let kind = parsers::parse_line(line, &mut out);
        if kind != parsers::LineKind::Records {
            assert!(out.records.is_empty() || kind == parsers::LineKind::Unknown);
            for g in parsers::Grammar::ALL {
                let _ = parsers::continues(g, line);
            }
            continue;
        }
        assert!(!out.records.is_empty(), "Records with no record: {line:?}");
        for r in &out.records {
            assert!(r.offset <= line.len(), "offset past the line: {line:?}");
            // A caller may be the grammar's own name (`accesslog`, `raft`).
            assert!(
                inside(line, r.message.raw),
                "message outside the line: {line:?}"
            );
            assert!(inside(line, r.label), "label outside the line: {line:?}");
            // Unescaping never panics.
            let _ = r.message.to_cow();
            for f in out.fields_of(r) {
                assert!(
                    inside(line, f.value.raw),
                    "field value outside the line: {line:?}"
                );
                let _ = (f.key.to_cow(), f.value.to_cow());
            }
        }
    }
});

//! easylogging++ lines of the C++ core in Milvus 2.2 (before the move to
//! glog): `2026-11-26 07:01:15,947 INFO [default] [KNOWHERE][SetBlasThreshold][milvus] …`
//! (`%datetime %level [%logger] %msg`, local time without zone, ms after a comma).

use crate::text::Text;
use crate::timestamp;
use crate::{Grammar, Level, LineOut, Record};

/// Parses an easylogging++ line at `line[at..]`.
pub(crate) fn parse<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let s = &line[at..];
    if s.as_bytes().get(4) != Some(&b'-') || s.as_bytes().get(19) != Some(&b',') {
        return false;
    }
    let Ok((rest, ts)) = timestamp::datetime(s) else {
        return false;
    };
    let Some((word, rest)) = rest.strip_prefix(' ').and_then(|r| r.split_once(" [")) else {
        return false;
    };
    let Some(level) = Level::from_word(word) else {
        return false;
    };
    let Some((logger, msg)) = rest.split_once("] ") else {
        return false;
    };
    if logger.contains(' ') {
        return false;
    }
    out.emit(
        Record::new(Grammar::Easylogging, Text::plain(msg), out.fields.len())
            .with_ts(Some(ts))
            .with_level(level)
            .with_caller(logger),
    )
}

#[cfg(test)]
mod tests {
    use crate::{parse_line, Grammar, Level, LineKind, LineOut};

    #[test]
    fn knowhere_2_2_16_from_capture() {
        // milvus-stdout.log of a kill-restart capture of Milvus 2.2.16 (../shared/harness --milvus-version 2.2.16).
        let mut out = LineOut::default();
        let line = "2026-11-26 07:01:15,947 INFO [default] [KNOWHERE][SetBlasThreshold][milvus] Set faiss::distance_compute_blas_threshold to 16384";
        assert_eq!(parse_line(line, &mut out), LineKind::Records);
        let r = &out.records[0];
        assert_eq!(
            (r.grammar, r.level, r.caller),
            (Grammar::Easylogging, Level::Info, "default")
        );
        assert!(r.message.raw.starts_with("[KNOWHERE][SetBlasThreshold]"));
        assert_eq!(r.ts.unwrap().offset_s, None);
        assert_eq!(r.ts.unwrap().local_us % 1_000_000, 947_000);
        let line = "2026-11-26 07:01:15,947 DEBUG [default] [SEGCORE][SegcoreSetSimdType][milvus] set config simd_type: auto";
        assert_eq!(parse_line(line, &mut out), LineKind::Records);
        assert_eq!(out.records[0].level, Level::Debug);
    }
}

//! C++ glog lines of segcore and knowhere: `Lyyyymmdd hh:mm:ss.uuuuuu thread file:line] msg`
//! (the yearless classic `Lmmdd` prefix too).

use crate::text::Text;
use crate::timestamp;
use crate::{Grammar, Level, LineOut, Record};

/// Parses a glog line at `line[at..]`.
pub(crate) fn parse<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let s = &line[at..];
    let Some(level) = s.bytes().next().and_then(Level::from_letter) else {
        return false;
    };
    let Ok((rest, ts)) = timestamp::glog(&s[1..]) else {
        return false;
    };
    let rest = rest.trim_start();
    // Thread id, then `file:line]`.
    let Some((thread, rest)) = rest.split_once(' ') else {
        return false;
    };
    if thread.is_empty() || !thread.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let Some((caller, msg)) = rest.split_once("] ") else {
        return false;
    };
    if !caller.contains(':') || caller.contains(' ') {
        return false;
    }
    out.emit(
        Record::new(Grammar::Glog, Text::plain(msg), out.fields.len())
            .with_ts(Some(ts))
            .with_level(level)
            .with_caller(caller),
    )
}

#[cfg(test)]
mod tests {
    use crate::{parse_line, Grammar, Level, LineKind, LineOut};

    #[test]
    fn knowhere_2_3_5_from_bundle() {
        // kill-restart-1/milvus/milvus-stderr.log
        let mut out = LineOut::default();
        let line = "I20261126 04:14:41.680169 32511 knowhere_config.cc:94] [KNOWHERE][SetBlasThreshold][milvus] Set faiss::distance_compute_blas_threshold to 16384";
        assert_eq!(parse_line(line, &mut out), LineKind::Records);
        let r = &out.records[0];
        assert_eq!(
            (r.grammar, r.level, r.caller),
            (Grammar::Glog, Level::Info, "knowhere_config.cc:94")
        );
        assert!(r.message.raw.starts_with("[KNOWHERE][SetBlasThreshold]"));
        // Padded thread id (restart incarnation, pid 404).
        let line = "I20261126 04:15:33.699649   404 knowhere_config.cc:94] [KNOWHERE][SetBlasThreshold][milvus] x";
        assert_eq!(parse_line(line, &mut out), LineKind::Records);
    }

    #[test]
    fn segcore_2_4_public_and_yearless() {
        // milvus corpus MANIFEST: `I20240918 08:38:22.050482 38 SegmentSealedImpl.cpp:253]`.
        let mut out = LineOut::default();
        assert_eq!(parse_line("I20240918 08:38:22.050482 38 SegmentSealedImpl.cpp:253] [SEGCORE][LoadFieldData][milvus] load", &mut out), LineKind::Records);
        assert_eq!(
            parse_line("W1219 08:12:33.123456 7 a.cc:1] warn", &mut out),
            LineKind::Records
        );
        assert!(!out.records[0].ts.unwrap().year_known);
    }
}

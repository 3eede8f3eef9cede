//! Go runtime output: the standard `log` package (`2026/11/26 04:14:41 maxprocs: …`)
//! and the multi-line `panic:` / `fatal error:` / signal reports with their
//! goroutine stacks.

use crate::text::Text;
use crate::timestamp;
use crate::{Grammar, Level, LineOut, Record};

/// `2026/11/26 04:14:41 message` (Go's `log.LstdFlags`, maybe with µs).
pub(crate) fn parse_stdlog<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let s = &line[at..];
    if s.as_bytes().get(4) != Some(&b'/') {
        return false;
    }
    let Ok((rest, ts)) = timestamp::datetime(s) else {
        return false;
    };
    if ts.offset_s.is_some() {
        return false;
    }
    let Some(msg) = rest.strip_prefix(' ') else {
        return false;
    };
    let caller = msg
        .split_once(": ")
        .map(|(p, _)| p)
        .filter(|p| !p.contains(' '))
        .unwrap_or("");
    out.emit(
        Record::new(Grammar::GoStdlog, Text::plain(msg), out.fields.len())
            .with_ts(Some(ts))
            .with_caller(caller),
    )
}

const PANIC_STARTS: [&str; 3] = ["panic: ", "fatal error: ", "fatal: morestack"];

/// First line of a Go crash report.
pub(crate) fn parse_panic<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let s = &line[at..];
    let signal = s.starts_with("SIG")
        && s.find(": ")
            .is_some_and(|p| p <= 10 && s[3..p].bytes().all(|b| b.is_ascii_uppercase()));
    if !(signal || PANIC_STARTS.iter().any(|p| s.starts_with(p))) {
        return false;
    }
    out.emit(
        Record::new(Grammar::GoPanic, Text::plain(s), out.fields.len())
            .with_level(Level::Fatal)
            .with_caller("runtime"),
    )
}

/// Lines of a goroutine dump or of a multi-line panic value.
pub(crate) fn continues_panic(line: &str) -> bool {
    let t = line.trim_end();
    if t.is_empty() || line.starts_with('\t') || line.starts_with("    ") {
        return true;
    }
    let prefixes = [
        "goroutine ",
        "created by ",
        "[signal ",
        "PC=",
        "signal arrived",
        "exit status",
        "attempt #",
        "panic(",
        "[recovered]",
        "...additional frames elided...",
    ];
    if prefixes.iter().any(|p| t.starts_with(p)) {
        return true;
    }
    // A register dump row: `rax    0x0`.
    if t.split_whitespace().next().is_some_and(|w| {
        w.len() <= 6
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }) && t.contains(" 0x")
    {
        return true;
    }
    // A frame: `pkg/path.(*Type).Method(0x1, …)` or `main.main()`.
    t.ends_with(')')
        && t.split_once('(')
            .is_some_and(|(f, _)| !f.is_empty() && !f.contains(' ') && f.contains('.'))
}

#[cfg(test)]
mod tests {
    use super::continues_panic;
    use crate::{parse_line, Grammar, LineKind, LineOut};

    #[test]
    fn maxprocs_line_from_bundle() {
        // kill-restart-1/milvus/milvus-stderr.log line 1.
        let mut out = LineOut::default();
        assert_eq!(
            parse_line(
                "2026/11/26 04:14:41 maxprocs: Leaving GOMAXPROCS=2: CPU quota undefined",
                &mut out
            ),
            LineKind::Records
        );
        let r = &out.records[0];
        assert_eq!((r.grammar, r.caller), (Grammar::GoStdlog, "maxprocs"));
        assert_eq!(r.ts.unwrap().offset_s, None);
    }

    #[test]
    fn panic_report_is_one_record() {
        // milvus-15882 (public issue): the panic value runs over several lines.
        let mut out = LineOut::default();
        assert_eq!(
            parse_line("panic: All attempts results:", &mut out),
            LineKind::Records
        );
        assert_eq!(out.records[0].grammar, Grammar::GoPanic);
        assert_eq!(
            parse_line(
                "attempt #1:function CompareAndSwap error for compare is false for key: querycoord",
                &mut out
            ),
            LineKind::Unknown
        );
        assert!(continues_panic(
            "attempt #1:function CompareAndSwap error for compare is false for key: querycoord"
        ));
        assert!(continues_panic("goroutine 1 [running]:"));
        assert!(continues_panic(
            "github.com/milvus-io/milvus/internal/querycoordv2.(*Server).Start(0xc000a)"
        ));
        assert!(continues_panic(
            "\t/go/src/github.com/milvus-io/milvus/internal/querycoordv2/server.go:123 +0x1d"
        ));
        assert!(!continues_panic(
            "[2024/01/01 00:00:00.000 +00:00] [INFO] [a/b.go:1] [x]"
        ));
        assert_eq!(
            parse_line("fatal error: concurrent map writes", &mut out),
            LineKind::Records
        );
        assert_eq!(
            parse_line("SIGSEGV: segmentation violation", &mut out),
            LineKind::Records
        );
    }
}

//! Plain start-up lines without a time: the Milvus banner and hardware lines
//! (`cmd/milvus/run.go` `printBanner`/`printHardwareInfo`, 2.2–2.5) and the
//! known preamble lines around them. They take the time of the line before.

use crate::text::Text;
use crate::{Grammar, LineOut, Record};

const BANNER_PREFIXES: [&str; 7] = [
    "Welcome to use Milvus!",
    "Version:",
    "Built:",
    "GitCommit:",
    "GoVersion:",
    "TotalMem:",
    "UsedMem:",
];

const PREAMBLE_PREFIXES: [&str; 6] = [
    "open pid file: ",
    "lock pid file: ",
    "WARNING: Logging before InitGoogleLogging() is written to STDERR",
    "Successfully set up ",
    "Current rate limiter ",
    // Milvus 2.2's C++ core looks for an easylogging++ config file at start.
    "ASSERTION FAILURE FROM EASYLOGGING++ ",
];

/// The ASCII-art rows of the banner: only ` _/|\()` and at least a few of them.
fn is_art(s: &str) -> bool {
    let t = s.trim();
    t.len() >= 8
        && t.bytes().all(|b| b" _/|\\()".contains(&b))
        && t.bytes().filter(|b| *b == b'_' || *b == b'/').count() >= 4
}

/// `---Milvus Proxy successfully initialized and ready to serve!---`
fn is_dashed_notice(s: &str) -> bool {
    let t = s.trim_end();
    t.len() > 6
        && t.starts_with("---")
        && t.ends_with("---")
        && t[3..t.len() - 3].starts_with(|c: char| c.is_ascii_alphabetic())
}

/// Parses a banner or preamble line at `line[at..]`.
pub(crate) fn parse<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let s = &line[at..];
    let t = s.trim_start();
    let grammar = if BANNER_PREFIXES.iter().any(|p| t.starts_with(p)) || is_art(s) {
        Grammar::Banner
    } else if PREAMBLE_PREFIXES.iter().any(|p| t.starts_with(p)) || is_dashed_notice(s) {
        Grammar::Preamble
    } else {
        return false;
    };
    let caller = if grammar == Grammar::Banner {
        "banner"
    } else {
        ""
    };
    out.emit(Record::new(grammar, Text::plain(s.trim_end()), out.fields.len()).with_caller(caller))
}

/// The version in a `Version:   v2.3.5-lite` banner line.
pub fn banner_version(message: &str) -> Option<&str> {
    message
        .strip_prefix("Version:")
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use crate::{parse_line, Grammar, LineKind, LineOut};

    #[test]
    fn banner_2_3_5_from_bundle() {
        // kill-restart-1/milvus/milvus-stderr.log lines 2-19.
        let lines = [
            "    __  _________ _   ____  ______    ",
            "   /  |/  /  _/ /| | / / / / / __/    ",
            "  / /|_/ // // /_| |/ / /_/ /\\ \\    ",
            " /_/  /_/___/____/___/\\____/___/     ",
            "Welcome to use Milvus!",
            "Version:   v2.3.5-lite",
            "Built:     Fri Jan 19 14:23:10 UTC 2024",
            "GitCommit: 9aceff5a6",
            "GoVersion: go version go1.20.4 linux/amd64",
            "TotalMem: 25276502016",
            "UsedMem: 21561344",
        ];
        let mut out = LineOut::default();
        for l in lines {
            assert_eq!(parse_line(l, &mut out), LineKind::Records, "{l}");
            assert_eq!(out.records[0].grammar, Grammar::Banner, "{l}");
            assert!(out.records[0].ts.is_none());
        }
        assert_eq!(
            super::banner_version("Version:   v2.3.5-lite"),
            Some("v2.3.5-lite")
        );
        for l in [
            "open pid file: /run/milvus/standalone.pid",
            "WARNING: Logging before InitGoogleLogging() is written to STDERR",
            "---Milvus Proxy successfully initialized and ready to serve!---",
        ] {
            assert_eq!(parse_line(l, &mut out), LineKind::Records, "{l}");
            assert_eq!(out.records[0].grammar, Grammar::Preamble);
        }
        assert_eq!(parse_line("just some words", &mut out), LineKind::Unknown);
    }
}

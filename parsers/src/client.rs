//! Client-side logs: the capture harness's `client.jsonl`, pymilvus' logger,
//! and Python `logging` lines of other clients and test runners, with Python
//! tracebacks and multi-line exception text as continuations.

use crate::common::{member, trim_ansi};
use crate::text::Text;
use crate::timestamp;
use crate::{Field, Grammar, Level, LineOut, Record};

/// A `client.jsonl` request record: `start`, `end`, `op`, `ok`, and for a
/// failure `error_type`, `error`, `error_code`, `error_message`. The record's
/// time is the request's `start` (the file is ordered by `end`).
pub(crate) fn from_members(start: usize, out: &mut LineOut<'_>) -> bool {
    let f = &out.fields[start..];
    let parsed = (|| {
        let ts = timestamp::datetime(member(f, "start")?.raw).ok()?.1;
        member(f, "end")?;
        let op = member(f, "op")?;
        let ok = member(f, "ok")?.raw == "true";
        Some((ts, op, ok))
    })();
    let Some((ts, op, ok)) = parsed else {
        return false;
    };
    let message = if ok {
        op
    } else {
        member(f, "error_message")
            .or_else(|| member(f, "error"))
            .unwrap_or(op)
    };
    out.emit(
        Record::new(Grammar::ClientJsonl, message, start)
            .with_ts(Some(ts))
            .with_level(if ok { Level::Info } else { Level::Error })
            .with_caller("client"),
    )
}

/// pymilvus as the harness logs it: `2026-11-26T04:15:28.515Z [WARNING] pymilvus.decorators writer: <msg>`
/// (the message may be wrapped in ANSI colour codes).
pub(crate) fn parse_pymilvus<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let s = &line[at..];
    if s.as_bytes().get(10) != Some(&b'T') {
        return false;
    }
    let Ok((rest, ts)) = timestamp::datetime(s) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix(" [") else {
        return false;
    };
    let Some((word, rest)) = rest.split_once("] ") else {
        return false;
    };
    let Some(level) = Level::from_word(word) else {
        return false;
    };
    let Some((who, msg)) = rest.split_once(": ") else {
        return false;
    };
    let (logger, thread) = who.split_once(' ').unwrap_or((who, ""));
    let start = out.fields.len();
    if !thread.is_empty() {
        out.fields.push(Field {
            key: Text::plain("thread"),
            value: Text::plain(thread),
        });
    }
    out.emit(
        Record::new(Grammar::Pymilvus, Text::plain(trim_ansi(msg)), start)
            .with_ts(Some(ts))
            .with_level(level)
            .with_caller(logger),
    )
}

/// Python `logging` with the default-ish layouts:
/// `2023-08-17 09:38:04,123 - name - LEVEL - msg`, `2023-08-17 09:38:04,123 LEVEL name: msg`
/// and, with a US `datefmt`, `05/10/2023 11:55:02 AM - LEVEL - msg` (no logger name).
pub(crate) fn parse_python_logging<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let s = &line[at..];
    // ISO dates, or the US 12-hour `05/10/2023 11:55:02 AM` of a `datefmt`.
    let Ok((rest, ts)) = timestamp::datetime(s).or_else(|_| timestamp::us_twelve_hour(s)) else {
        return false;
    };
    let parts: Option<(&str, &str, &str)> = if let Some(r) = rest.strip_prefix(" - ") {
        match r.split_once(" - ") {
            // `%(asctime)s - %(levelname)s - %(message)s`: no logger name.
            Some((lvl, msg)) if Level::from_word(lvl).is_some() => Some(("", lvl, msg)),
            Some((name, r)) => r.split_once(" - ").map(|(lvl, msg)| (name, lvl, msg)),
            None => None,
        }
    } else if let Some(r) = rest.strip_prefix(' ') {
        r.split_once(' ')
            .and_then(|(lvl, r)| r.split_once(": ").map(|(name, msg)| (name, lvl, msg)))
    } else {
        None
    };
    let Some((name, lvl, msg)) = parts else {
        return false;
    };
    let Some(level) = Level::from_word(lvl) else {
        return false;
    };
    push_python(out, ts, level, name, msg)
}

fn push_python<'a>(
    out: &mut LineOut<'a>,
    ts: timestamp::Timestamp,
    level: Level,
    name: &'a str,
    msg: &'a str,
) -> bool {
    out.emit(
        Record::new(Grammar::PythonLogging, Text::plain(msg), out.fields.len())
            .with_ts(Some(ts))
            .with_level(level)
            .with_caller(name.trim()),
    )
}

/// The last line of a Python traceback that raised pymilvus' error:
/// `pymilvus.exceptions.MilvusException: <MilvusException: (code=503, message=…)>`
/// (or the class alone, as a REPL prints it). It is the error the client
/// saw, so it is a record of its own (no time: it takes the line's before).
pub(crate) fn parse_exception<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    const CLASS: &str = "MilvusException: ";
    let s = &line[at..];
    let Some(pos) = s.find(CLASS) else {
        return false;
    };
    let module = &s[..pos];
    let dotted = |m: &str| {
        m.ends_with('.')
            && m.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
    };
    if !(module.is_empty() || dotted(module)) {
        return false;
    }
    let class = &s[..pos + CLASS.len() - 2];
    let msg = &s[pos + CLASS.len()..];
    out.emit(
        Record::new(Grammar::PythonLogging, Text::plain(msg), out.fields.len())
            .with_level(Level::Error)
            .with_caller(class),
    )
}

/// Bracketed Python layouts: milvus_benchmark's
/// `[2022-05-12 17:42:39,721] [   DEBUG] - msg (logger:line)` and the Milvus
/// CI's `[2023-08-17 09:38:04 - DEBUG - ci_test]: msg`.
pub(crate) fn parse_bracketed<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let Some(s) = line[at..].strip_prefix('[') else {
        return false;
    };
    let Ok((rest, ts)) = timestamp::datetime(s) else {
        return false;
    };
    if let Some(r) = rest.strip_prefix("] [") {
        let Some((lvl, msg)) = r.split_once("] ") else {
            return false;
        };
        let Some(level) = Level::from_word(lvl) else {
            return false;
        };
        let msg = msg.strip_prefix("- ").unwrap_or(msg);
        let name = msg
            .rfind(" (")
            .map(|p| msg[p + 2..].trim_end_matches(')'))
            .unwrap_or("");
        return push_python(out, ts, level, name, msg);
    }
    if let Some(r) = rest.strip_prefix(" - ") {
        let Some((lvl, r)) = r.split_once(" - ") else {
            return false;
        };
        let Some((name, msg)) = r.split_once("]: ") else {
            return false;
        };
        let Some(level) = Level::from_word(lvl) else {
            return false;
        };
        return push_python(out, ts, level, name, msg);
    }
    false
}

/// Lines that continue a Python log record: traceback frames and source
/// lines (indented), `Traceback …`, chained-exception notes, the final
/// `module.Error: text` line, and the `>>, message=…` tail of pymilvus'
/// multi-line exception repr.
pub(crate) fn continues_python(line: &str) -> bool {
    if line.starts_with([' ', '\t'])
        || line.starts_with(">>")
        || line.starts_with("Traceback (most recent call last)")
    {
        return true;
    }
    if line.starts_with("During handling of the above exception")
        || line.starts_with("The above exception was the direct cause")
    {
        return true;
    }
    if go_frame(line) {
        return true;
    }
    // `pymilvus.exceptions.MilvusException: <…>` / `grpc._channel._InactiveRpcError: <…>`
    let head = line.split(": ").next().unwrap_or("");
    !head.is_empty()
        && !head.contains(' ')
        && head
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        && (head.ends_with("Error")
            || head.ends_with("Exception")
            || head.ends_with("Warning")
            || head.ends_with("Interrupt"))
}

/// A frame of a Go stack that a server error text carries into a client
/// message (`/…/grpcclient/client.go:550 github.com/…Call`, the last one
/// `/usr/local/go/src/runtime/asm_amd64.s:1598 runtime.goexit: …`).
fn go_frame(line: &str) -> bool {
    let Some(path) = line.split(' ').next().filter(|p| p.starts_with('/')) else {
        return false;
    };
    [".go:", ".s:"].iter().any(|ext| {
        path.split_once(ext)
            .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::continues_python;
    use crate::{parse_line, Grammar, Level, LineKind, LineOut};

    /// A Milvus error with its Go stack in a pymilvus message: the frames
    /// continue the record (cluster-querynode-kill-1/client/pymilvus.log).
    #[test]
    fn go_stack_frames_in_a_client_message_continue_it() {
        for line in [
            "/__w/milvus-lite/milvus-lite/milvus_binary/milvus/internal/util/grpcclient/client.go:550 github.com/milvus-io/milvus/internal/util/grpcclient.(*ClientBase[...]).Call",
            "/usr/local/go/src/runtime/asm_amd64.s:1598 runtime.goexit: attempt #0: session not found->querynode-4: node not found[node=4]: unrecoverable error>, <Time:{'RPC start': '2026-12-01 07:43:42.671353', 'RPC error': '2026-12-01 07:43:42.690035'}>",
        ] {
            assert!(continues_python(line), "{line}");
        }
        for line in ["/metrics 200", "/tmp/x.go:12a", "not/a/frame.go:12 x"] {
            assert!(!continues_python(line), "{line}");
        }
    }

    #[test]
    fn client_jsonl_harness() {
        // kill-restart-1/client/client.jsonl
        let mut out = LineOut::default();
        let ok = r#"{"start": "2026-11-26T04:14:43.587Z", "end": "2026-11-26T04:14:43.590Z", "op": "has_collection", "ok": true, "latency_ms": 2.5, "phase": "setup", "thread": "main"}"#;
        assert_eq!(parse_line(ok, &mut out), LineKind::Records);
        assert_eq!(
            (
                out.records[0].grammar,
                out.records[0].level,
                out.records[0].message.raw
            ),
            (Grammar::ClientJsonl, Level::Info, "has_collection")
        );
        let failed = r#"{"start": "2026-11-26T04:15:41.000Z", "end": "2026-11-26T04:15:41.100Z", "op": "search", "ok": false, "latency_ms": 100.0, "phase": "load", "thread": "reader-1", "error_type": "MilvusException", "error": "<MilvusException: (code=101, message=failed to search: collection not loaded[collection=470723194179026959])>", "error_code": 101, "error_message": "failed to search: collection not loaded[collection=470723194179026959]"}"#;
        assert_eq!(parse_line(failed, &mut out), LineKind::Records);
        assert_eq!(out.records[0].level, Level::Error);
        assert_eq!(
            out.records[0].message.raw,
            "failed to search: collection not loaded[collection=470723194179026959]"
        );
    }

    #[test]
    fn pymilvus_harness_log_with_ansi() {
        // kill-restart-1/client/pymilvus.log
        let mut out = LineOut::default();
        let line = "2026-11-26T04:15:28.587Z [WARNING] pymilvus.decorators reader-1: \u{1b}[93m[search] retry:4, cost: 0.27s, reason: <_InactiveRpcError: StatusCode.UNAVAILABLE, failed to connect to all addresses>\u{1b}[0m";
        let r = crate::one_record(line, &mut out);
        assert_eq!(
            (r.grammar, r.level, r.caller),
            (Grammar::Pymilvus, Level::Warn, "pymilvus.decorators")
        );
        assert!(r.message.raw.starts_with("[search] retry:4"));
        assert!(r.message.raw.ends_with("addresses>"));
        assert!(continues_python("\tstatus = StatusCode.UNAVAILABLE"));
        assert!(continues_python(">>, message=Retry timeout: 10s, message=failed to connect to all addresses)>, <Time:{'RPC start': '2026-11-26 04:15:28.340888'}>"));
        assert!(continues_python(
            "pymilvus.exceptions.MilvusException: <MilvusException: (code=1, message=x)>"
        ));
        assert!(!continues_python(
            "2026-11-26T04:15:28.587Z [WARNING] x y: z"
        ));
    }

    #[test]
    fn benchmark_and_ci_layouts_public() {
        // milvus-16943 and milvus-31029 (public issue pastes).
        let mut out = LineOut::default();
        assert_eq!(parse_line("[2022-05-12 17:42:51,345] [   ERROR] - RPC error: [_execute_search_requests], <MilvusException: (code=1, message=fail to Search, QueryNode ID=3, reason=query node 0 is not ready)> (pymilvus.decorators:73)", &mut out), LineKind::Records);
        assert_eq!(
            (out.records[0].level, out.records[0].caller),
            (Level::Error, "pymilvus.decorators:73")
        );
        assert_eq!(parse_line("[2024-03-04 19:58:08 - ERROR - pymilvus.decorators]: RPC error: [search], <MilvusException: (code=503, message=failed to search: node offline[node=16]: channel not available[channel=by-dev-rootcoord-dml_7_448156144239980114v0])>", &mut out), LineKind::Records);
        assert_eq!(
            (out.records[0].level, out.records[0].caller),
            (Level::Error, "pymilvus.decorators")
        );
        assert_eq!(
            parse_line(
                "2023-08-17 09:38:04,123 - ci_test - INFO - assert search",
                &mut out
            ),
            LineKind::Records
        );
        assert_eq!(out.records[0].grammar, Grammar::PythonLogging);
    }

    /// pymilvus' exception, the last line of a traceback (as a REPL or a
    /// script prints it): a record of its own, the error the client saw.
    #[test]
    fn a_raised_milvus_exception_is_a_record() {
        let line = "pymilvus.exceptions.MilvusException: <MilvusException: (code=503, message=failed to search: node offline[node=16]: channel not available[channel=by-dev-rootcoord-dml_7_448156144239980114v0])>";
        let mut out = LineOut::default();
        let r = crate::one_record(line, &mut out);
        assert_eq!(
            (r.grammar, r.level, r.caller, r.ts),
            (
                Grammar::PythonLogging,
                Level::Error,
                "pymilvus.exceptions.MilvusException",
                None
            )
        );
        assert!(r.message.raw.starts_with("<MilvusException: (code=503"));
        for other in [
            "see MilvusException: x",
            "  File \"x.py\", line 3, in <module>",
        ] {
            assert_eq!(parse_line(other, &mut out), LineKind::Unknown, "{other}");
        }
    }

    /// Python logging with a US `datefmt` and no logger name: the layout
    /// issue 10 quotes from a held-out public excerpt (`05/10/2023 11:55:02
    /// AM - ERROR - …`), with the message of milvus-31029.
    #[test]
    fn us_dates_and_no_logger_name() {
        let mut out = LineOut::default();
        let line = "05/10/2023 11:55:02 AM - ERROR - RPC error: [search], <MilvusException: (code=503, message=failed to search: node offline[node=16]: channel not available[channel=by-dev-rootcoord-dml_7_448156144239980114v0])>";
        let r = crate::one_record(line, &mut out);
        assert_eq!(
            (r.grammar, r.level, r.caller),
            (Grammar::PythonLogging, Level::Error, "")
        );
        assert!(r.message.raw.starts_with("RPC error: [search]"));
        // 2023-05-10 11:55:02, no zone.
        let ts = r.ts.unwrap();
        assert_eq!((ts.local_us, ts.offset_s), (1_683_719_702_000_000, None));
        assert_eq!(
            parse_line("05/10/2023 12:05:02 PM - WARNING - x", &mut out),
            LineKind::Records
        );
        assert_eq!(out.records[0].ts.unwrap().local_us, 1_683_720_302_000_000);
        assert_eq!(
            parse_line("05/10/2023 12:05:02 AM - INFO - x", &mut out),
            LineKind::Records
        );
        assert_eq!(out.records[0].ts.unwrap().local_us, 1_683_677_102_000_000);
        assert_eq!(
            parse_line("05/10/2023 13:05:02 PM - INFO - x", &mut out),
            LineKind::Unknown
        );
    }
}

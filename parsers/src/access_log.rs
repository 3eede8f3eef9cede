//! The Milvus access log (`proxy.accessLog`, 2.3+): `[$time_now] [ACCESS]
//! <$user_name: $user_addr> $method_name [status: …] [code: …] …`. The second
//! bracket is `[ACCESS]`, not a level.
//!
//! 2.3.0 wrote it as zap lines without level and caller: `[$time]
//! ["<status>: <address>-<method>"] [timeCost="1 ms"] [traceId=…]
//! [responseSize=138] [errorCode=0]`, first line `["Access log start
//! successful"]` (observed in a 2.3.0 capture, wheel
//! `v2.2-testing-20230824-68-ga34a9d6-lite`).

use crate::text::Text;
use crate::timestamp;
use crate::{Field, Grammar, Level, LineOut, Record};

/// Offset of the `]` that closes a group whose body starts at `s[0]`.
fn group_end(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'[' => depth += 1,
            b']' if depth == 0 => return Some(i),
            b']' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Parses an access-log line at `line[at..]`.
pub(crate) fn parse<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let Some(s) = line[at..].strip_prefix('[') else {
        return false;
    };
    let Ok((rest, ts)) = timestamp::milvus(s) else {
        return false;
    };
    if let Some(zap) = rest.strip_prefix("] [\"") {
        return parse_zap(zap, ts, out);
    }
    let Some(rest) = rest.strip_prefix("] [ACCESS] ") else {
        return false;
    };
    let start = out.fields.len();
    // `<user: addr> Method` then `[key: value]` groups.
    let (who, after) = match rest.strip_prefix('<').and_then(|r| r.split_once("> ")) {
        Some((w, a)) => (w, a),
        None => ("", rest),
    };
    if !who.is_empty() {
        out.fields.push(Field {
            key: Text::plain("user"),
            value: Text::plain(who),
        });
    }
    let (method, mut groups) = after.split_once(" [").unwrap_or((after, ""));
    let mut failed = false;
    // `[key: value]` groups; a value may hold balanced brackets
    // (`[msg: … not found[database=default][collection=c]]`).
    while let Some(end) = group_end(groups) {
        let body = &groups[..end];
        if let Some((k, v)) = body
            .split_once(": ")
            .or_else(|| body.strip_suffix(':').map(|k| (k, "")))
        {
            failed |=
                (k == "status" && v == "Failed") || (k == "code" && v != "0" && !v.is_empty());
            out.fields.push(Field {
                key: Text::plain(k),
                value: Text::plain(v),
            });
        }
        groups = groups[end + 1..].strip_prefix(" [").unwrap_or("");
    }
    let level = if failed { Level::Warn } else { Level::Info };
    out.emit(
        Record::new(Grammar::AccessLog, Text::plain(method), start)
            .with_ts(Some(ts))
            .with_level(level)
            .with_caller("accesslog"),
    )
}

/// The 2.3.0 line after `[$time] ["`: the quoted `<status>: <address>-<method>`
/// (or the start line's bare text), then `[key=value]` groups (a value may
/// be quoted). Anything else is not this grammar (a Milvus text line has a
/// level group, not a quoted message, second).
fn parse_zap<'a>(s: &'a str, ts: timestamp::Timestamp, out: &mut LineOut<'a>) -> bool {
    let Some((msg, mut groups)) = s.split_once("\"]") else {
        return false;
    };
    let start = out.fields.len();
    let (status, method) = match msg.split_once(": ") {
        Some((status, call)) => {
            let (addr, method) = call.rsplit_once('-').unwrap_or(("", call));
            out.fields.push(Field {
                key: Text::plain("status"),
                value: Text::plain(status),
            });
            if !addr.is_empty() {
                out.fields.push(Field {
                    key: Text::plain("user"),
                    value: Text::plain(addr),
                });
            }
            (status, method)
        }
        None => ("", msg),
    };
    let mut failed = !status.is_empty() && status != "OK";
    while let Some(body) = groups.strip_prefix(" [") {
        let Some(end) = group_end(body) else {
            out.fields.truncate(start);
            return false;
        };
        let Some((k, v)) = body[..end].split_once('=') else {
            out.fields.truncate(start);
            return false;
        };
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        failed |= k == "errorCode" && v != "0";
        out.fields.push(Field {
            key: Text::plain(k),
            value: Text::plain(v),
        });
        groups = &body[end + 1..];
    }
    if !groups.trim().is_empty() {
        out.fields.truncate(start);
        return false;
    }
    let level = if failed { Level::Warn } else { Level::Info };
    out.emit(
        Record::new(Grammar::AccessLog, Text::plain(method), start)
            .with_ts(Some(ts))
            .with_level(level)
            .with_caller("accesslog"),
    )
}

#[cfg(test)]
mod tests {
    use crate::{parse_line, Grammar, Level, LineKind, LineOut, Record};

    /// A record's fields as (key, value).
    fn pairs<'a>(out: &LineOut<'a>, r: &Record<'a>) -> Vec<(&'a str, &'a str)> {
        out.fields_of(r)
            .iter()
            .map(|f| (f.key.raw, f.value.raw))
            .collect()
    }

    #[test]
    fn access_lines_2_3_0_from_capture() {
        // milvus/milvus_access_log.log of a 2.3.0 capture (kill-restart, proxy.accessLog.enable=true).
        let mut out = LineOut::default();
        let failed = r#"[2026/12/01 17:26:42.685 +00:00] ["TaskFailed: tcp-127.0.0.1:50748-Query"] [timeCost="6 ms"] [traceId=7e4ec6a19bed89b3f515fd2486147a3f] [responseSize=172] [errorCode=1]"#;
        let r = crate::one_record(failed, &mut out);
        assert_eq!(
            (r.grammar, r.message.raw, r.level),
            (Grammar::AccessLog, "Query", Level::Warn)
        );
        let f = pairs(&out, &r);
        assert_eq!(
            f,
            [
                ("status", "TaskFailed"),
                ("user", "tcp-127.0.0.1:50748"),
                ("timeCost", "6 ms"),
                ("traceId", "7e4ec6a19bed89b3f515fd2486147a3f"),
                ("responseSize", "172"),
                ("errorCode", "1")
            ]
        );
        let ok = r#"[2026/12/01 17:24:35.678 +00:00] ["OK: tcp-127.0.0.1:50072-Connect"] [timeCost="1 ms"] [traceId=9112c6b027389bafa1d7a837810e4344] [responseSize=138] [errorCode=0]"#;
        assert_eq!(parse_line(ok, &mut out), LineKind::Records);
        assert_eq!(
            (out.records[0].message.raw, out.records[0].level),
            ("Connect", Level::Info)
        );
        let first = r#"[2026/12/01 17:24:33.484 +00:00] ["Access log start successful"]"#;
        assert_eq!(parse_line(first, &mut out), LineKind::Records);
        assert_eq!(out.records[0].message.raw, "Access log start successful");
        // A Milvus text line is not this grammar.
        let text = r#"[2026/12/01 17:24:33.484 +00:00] [INFO] [roles/roles.go:306] ["starting running Milvus components"]"#;
        assert_eq!(parse_line(text, &mut out), LineKind::Records);
        assert_eq!(out.records[0].grammar, Grammar::MilvusText);
    }

    #[test]
    fn access_lines_2_3_5_from_capture() {
        // milvus-stdout.log of a capture with proxy.accessLog.enable=true (Milvus 2.3.5).
        let mut out = LineOut::default();
        let line = "[2026/11/26 07:22:25.303 +00:00] [ACCESS] <Unknown: tcp-127.0.0.1:41204> DescribeCollection [status: Failed] [code: 100] [sdk: Python-2.3.6] [msg: can't find collection collection not found[database=default][collection=harness_vectors]] [traceID: 1c5160d79e6ce20893d7cd756755534d] [timeCost: 1.018651ms]";
        let r = crate::one_record(line, &mut out);
        assert_eq!(
            (r.grammar, r.message.raw, r.level),
            (Grammar::AccessLog, "DescribeCollection", Level::Warn)
        );
        let f = pairs(&out, &r);
        assert_eq!(f[0], ("user", "Unknown: tcp-127.0.0.1:41204"));
        assert_eq!(f[4], ("msg", "can't find collection collection not found[database=default][collection=harness_vectors]"));
        assert_eq!(f[5], ("traceID", "1c5160d79e6ce20893d7cd756755534d"));
        assert_eq!(f[6], ("timeCost", "1.018651ms"));
        let ok = "[2026/11/26 07:22:25.300 +00:00] [ACCESS] <Unknown: tcp-127.0.0.1:41204> Connect [status: OK] [code: 0] [sdk: Unknown] [msg: ] [traceID: 3680274a922adb4d47f04a147bb0aeca] [timeCost: 1.467322ms]";
        assert_eq!(parse_line(ok, &mut out), LineKind::Records);
        assert_eq!(out.records[0].level, Level::Info);
        let f = pairs(&out, &out.records[0]);
        assert_eq!(f[4], ("msg", ""));
    }
}

//! The Milvus access log (`proxy.accessLog`, 2.3+): `[$time_now] [ACCESS]
//! <$user_name: $user_addr> $method_name [status: …] [code: …] …`. The second
//! bracket is `[ACCESS]`, not a level.

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

#[cfg(test)]
mod tests {
    use crate::{parse_line, Grammar, Level, LineKind, LineOut};

    #[test]
    fn access_lines_2_3_5_from_capture() {
        // milvus-stdout.log of a capture with proxy.accessLog.enable=true (Milvus 2.3.5).
        let mut out = LineOut::default();
        let line = "[2026/11/26 07:22:25.303 +00:00] [ACCESS] <Unknown: tcp-127.0.0.1:41204> DescribeCollection [status: Failed] [code: 100] [sdk: Python-2.3.6] [msg: can't find collection collection not found[database=default][collection=harness_vectors]] [traceID: 1c5160d79e6ce20893d7cd756755534d] [timeCost: 1.018651ms]";
        assert_eq!(parse_line(line, &mut out), LineKind::Records);
        let r = out.records[0].clone();
        assert_eq!(
            (r.grammar, r.message.raw, r.level),
            (Grammar::AccessLog, "DescribeCollection", Level::Warn)
        );
        let f: Vec<(&str, &str)> = out
            .fields_of(&r)
            .iter()
            .map(|f| (f.key.raw, f.value.raw))
            .collect();
        assert_eq!(f[0], ("user", "Unknown: tcp-127.0.0.1:41204"));
        assert_eq!(f[4], ("msg", "can't find collection collection not found[database=default][collection=harness_vectors]"));
        assert_eq!(f[5], ("traceID", "1c5160d79e6ce20893d7cd756755534d"));
        assert_eq!(f[6], ("timeCost", "1.018651ms"));
        let ok = "[2026/11/26 07:22:25.300 +00:00] [ACCESS] <Unknown: tcp-127.0.0.1:41204> Connect [status: OK] [code: 0] [sdk: Unknown] [msg: ] [traceID: 3680274a922adb4d47f04a147bb0aeca] [timeCost: 1.467322ms]";
        assert_eq!(parse_line(ok, &mut out), LineKind::Records);
        assert_eq!(out.records[0].level, Level::Info);
        let f: Vec<(&str, &str)> = out
            .fields_of(&out.records[0])
            .iter()
            .map(|f| (f.key.raw, f.value.raw))
            .collect();
        assert_eq!(f[4], ("msg", ""));
    }
}

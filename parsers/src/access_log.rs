//! The Milvus access log (`proxy.accessLog`, 2.3+): `[$time_now] [ACCESS]
//! <$user_name: $user_addr> $method_name [status: …] [code: …] …`. The second
//! bracket is `[ACCESS]`, not a level.

use crate::text::Text;
use crate::timestamp;
use crate::{Field, Grammar, Level, LineOut, Record};

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
    let mut status_failed = false;
    while let Some((body, rest)) = groups.split_once(']') {
        if let Some((k, v)) = body.split_once(": ") {
            if k == "status" && v != "Successful" {
                status_failed = true;
            }
            out.fields.push(Field {
                key: Text::plain(k),
                value: Text::plain(v),
            });
        }
        groups = rest.strip_prefix(" [").unwrap_or("");
    }
    let level = if status_failed {
        Level::Warn
    } else {
        Level::Info
    };
    out.emit(
        Record::new(Grammar::AccessLog, Text::plain(method), start)
            .with_ts(Some(ts))
            .with_level(level)
            .with_caller("accesslog"),
    )
}

#[cfg(test)]
mod tests {
    use crate::{parse_line, Grammar, LineKind, LineOut};

    #[test]
    fn access_line_2_3_format() {
        // Built from the 2.3 `proxy.accessLog.formatters` base format (catalogue §1.3).
        let mut out = LineOut::default();
        let line = "[2024/12/19 08:12:35.417 +00:00] [ACCESS] <root: tcp-10.0.0.7:52100> Search [status: Failed] [code: 503] [sdk: Python-2.3.6] [msg: channel not available] [traceID: 4e6f] [timeCost: 10.2ms]";
        assert_eq!(parse_line(line, &mut out), LineKind::Records);
        let r = out.records[0].clone();
        assert_eq!((r.grammar, r.message.raw), (Grammar::AccessLog, "Search"));
        let f = out.fields_of(&r);
        assert_eq!(
            (f[0].key.raw, f[0].value.raw),
            ("user", "root: tcp-10.0.0.7:52100")
        );
        assert_eq!((f[2].key.raw, f[2].value.raw), ("code", "503"));
        assert_eq!(r.level, crate::Level::Warn);
    }
}

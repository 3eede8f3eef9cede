//! Wrappers that other tools put around a log line, and records embedded in
//! pasted text.
//!
//! * `kubectl logs --timestamps`: `2024-03-04T14:32:44.664123456Z <line>`;
//! * CI consoles (Jenkins): `[2024-03-04T19:59:51.884Z] <line>`;
//! * journald/syslog: `Dec 27 16:14:25 host etcd[95232]: <line>`;
//! * docker-compose: `milvus-standalone  | <line>`, with ANSI colour debris;
//! * Docker json-file records `{"log":"…\n","stream":…,"time":…}`, decoded by
//!   [`decode_docker_json`] before parsing (the inside is JSON-escaped);
//! * anything else in front of a Milvus record (a pod name, a quote, a Loki
//!   export's time and labels, a pasted `kubectl logs` command), and several
//!   Milvus records glued on one physical line.
//!
//! A wrapped line whose inside no grammar knows still carries the wrapper's
//! time: it becomes a [`Grammar::Wrapped`] record.

use crate::common::{ansi_len, json_object, member};
use crate::text::{unescape_into, Text};
use crate::timestamp::{self, Timestamp};
use crate::{milvus_text, parse_at, Grammar, LineOut, Record};

/// Parses Milvus text records starting at `line[at..]`, and any further
/// records glued after them on the same line.
pub(crate) fn milvus_chain<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let Some(mut end) = milvus_text::parse_record(line, at, out) else {
        return false;
    };
    while end < line.len() {
        let Some(next) = find_milvus_record(line, end) else {
            break;
        };
        match milvus_text::parse_record(line, next, out) {
            Some(e) => end = e,
            None => end = next + 1,
        }
    }
    true
}

/// Offset of the next `[YYYY/MM/DD HH:MM:SS` at or after `from`.
fn find_milvus_record(line: &str, from: usize) -> Option<usize> {
    let b = line.as_bytes();
    memchr::memchr_iter(b'[', &b[from..])
        .map(|p| p + from)
        .find(|&p| {
            let s = &b[p + 1..];
            s.len() >= 20
                && s[..4].iter().all(u8::is_ascii_digit)
                && s[4] == b'/'
                && s[7] == b'/'
                && s[10] == b' '
                && s[13] == b':'
        })
}

/// Peels one wrapper off `line` and parses what is inside.
pub(crate) fn parse_wrapped<'a>(line: &'a str, out: &mut LineOut<'a>) -> bool {
    kubectl_timestamps(line, out)
        || ci_console(line, out)
        || syslog(line, out)
        || docker_compose(line, out)
        || goreman(line, out)
        || embedded(line, out)
}

/// Parses `line[at..]` as the inside of a wrapper, then stamps the records
/// with the wrapper's time and label. With no grammar for the inside, makes
/// one `Wrapped` record when the wrapper had a time.
fn inside<'a>(
    line: &'a str,
    at: usize,
    wts: Option<Timestamp>,
    label: &'a str,
    out: &mut LineOut<'a>,
) -> bool {
    let before = out.records.len();
    let inner = at < line.len() && !line[at..].trim().is_empty();
    if inner && (parse_at(line, at, out) || embedded_from(line, at, out)) {
        for r in &mut out.records[before..] {
            r.wrapper_ts = wts;
            if r.ts.is_none() {
                r.ts = wts;
            }
            if r.label.is_empty() {
                r.label = label;
            }
        }
        return true;
    }
    let Some(wts) = wts else { return false };
    out.emit(
        Record::new(
            Grammar::Wrapped,
            Text::plain(line[at.min(line.len())..].trim_end()),
            out.fields.len(),
        )
        .with_ts(Some(wts))
        .with_wrapper_ts(Some(wts))
        .with_label(label)
        .with_offset(0),
    )
}

/// `2024-03-04T14:32:44.664123456Z <line>` (RFC 3339 with `T` and a zone).
fn kubectl_timestamps<'a>(line: &'a str, out: &mut LineOut<'a>) -> bool {
    if line.as_bytes().get(10) != Some(&b'T') {
        return false;
    }
    let Ok((rest, ts)) = timestamp::datetime(line) else {
        return false;
    };
    if ts.offset_s.is_none() || !(rest.is_empty() || rest.starts_with(' ')) {
        return false;
    }
    let at = line.len() - rest.len() + usize::from(!rest.is_empty());
    inside(line, at, Some(ts), "", out)
}

/// `[2024-03-04T19:59:51.884Z] <line>`
fn ci_console<'a>(line: &'a str, out: &mut LineOut<'a>) -> bool {
    let Some(s) = line.strip_prefix('[') else {
        return false;
    };
    if s.as_bytes().get(10) != Some(&b'T') {
        return false;
    }
    let Ok((rest, ts)) = timestamp::datetime(s) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix(']') else {
        return false;
    };
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    inside(line, line.len() - rest.len(), Some(ts), "", out)
}

/// `Nov  8 17:16:44 host tag[pid]: <line>`
fn syslog<'a>(line: &'a str, out: &mut LineOut<'a>) -> bool {
    let Ok((rest, ts)) = timestamp::syslog(line) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix(' ') else {
        return false;
    };
    let Some((_host, rest)) = rest.split_once(' ') else {
        return false;
    };
    let Some((tag, body)) = rest.split_once(": ") else {
        return false;
    };
    if tag.contains(' ') {
        return false;
    }
    let tag = tag.split('[').next().unwrap_or(tag);
    inside(line, line.len() - body.len(), Some(ts), tag, out)
}

/// `16:57:54 etcd1 | <line>`: goreman's (and foreman's) time of day and
/// process name; a leading `+` is a pasted diff's. The time has no date, so
/// the inside's own time is the record's.
fn goreman<'a>(line: &'a str, out: &mut LineOut<'a>) -> bool {
    let s = line.strip_prefix('+').unwrap_or(line);
    let b = s.as_bytes();
    let clock = b.len() > 9
        && b[2] == b':'
        && b[5] == b':'
        && b[8] == b' '
        && [0, 1, 3, 4, 6, 7].iter().all(|&i| b[i].is_ascii_digit());
    clock && named_stream(line, line.len() - s.len() + 9, out)
}

/// `name  | <line>` with optional colour codes around `name |`.
fn docker_compose<'a>(line: &'a str, out: &mut LineOut<'a>) -> bool {
    named_stream(line, 0, out)
}

/// `name  | <line>` from `line[from..]` on: a stream of several processes
/// each line of which names its process.
fn named_stream<'a>(line: &'a str, from: usize, out: &mut LineOut<'a>) -> bool {
    let mut s = &line[from..];
    loop {
        let n = ansi_len(s);
        if n == 0 {
            break;
        }
        s = &s[n..];
    }
    let name_len = s
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || b"_.-".contains(b))
        .count();
    if name_len == 0 {
        return false;
    }
    let name = &s[..name_len];
    let rest = s[name_len..].trim_start_matches(' ');
    let Some(mut rest) = rest.strip_prefix('|') else {
        return false;
    };
    loop {
        let n = ansi_len(rest);
        if n == 0 {
            break;
        }
        rest = &rest[n..];
    }
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let at = line.len() - rest.len();
    at < line.len() && inside(line, at, None, name, out)
}

/// A Milvus record somewhere in the line, after text that is not a record
/// (pod name, quote, Loki labels, a pasted command).
fn embedded<'a>(line: &'a str, out: &mut LineOut<'a>) -> bool {
    embedded_from(line, 0, out)
}

fn embedded_from<'a>(line: &'a str, from: usize, out: &mut LineOut<'a>) -> bool {
    let Some(p) = find_milvus_record(line, from) else {
        return false;
    };
    let before = out.records.len();
    if !milvus_chain(line, p, out) {
        return false;
    }
    let prefix =
        line[from..p].trim_matches(|c: char| c.is_whitespace() || c == '`' || c == '"' || c == '|');
    let wts = timestamp::datetime(prefix).ok().map(|(_, ts)| ts);
    if let Some(r) = out.records.get_mut(before) {
        r.label = prefix;
        r.wrapper_ts = wts;
    }
    true
}

/// Decodes one Docker json-file record into `out` as `<time> <log line>`
/// (the kubectl `--timestamps` shape, which [`crate::parse_line`] reads).
/// Newlines inside the log text become spaces so that one record stays one
/// line. Returns false when `line` is not such a record.
pub fn decode_docker_json(line: &str, out: &mut String) -> bool {
    let mut fields = Vec::new();
    if !line.starts_with("{\"log\":") || json_object(line, &mut fields).is_none() {
        return false;
    }
    let (Some(log), Some(time)) = (member(&fields, "log"), member(&fields, "time")) else {
        return false;
    };
    out.push_str(time.raw);
    out.push(' ');
    let start = out.len();
    unescape_into(log.raw, log.escape, out);
    while out.ends_with('\n') || out.ends_with('\r') {
        out.pop();
    }
    if out[start..].contains('\n') {
        let fixed = out[start..].replace(['\n', '\r'], " ");
        out.truncate(start);
        out.push_str(&fixed);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::decode_docker_json;
    use crate::{parse_line, Grammar, LineKind, LineOut};

    fn parse(line: &str) -> Vec<(Grammar, Option<i64>, String)> {
        let mut out = LineOut::default();
        assert_eq!(parse_line(line, &mut out), LineKind::Records, "{line}");
        out.records
            .iter()
            .map(|r| {
                (
                    r.grammar,
                    r.ts.and_then(|t| t.utc_us().or(Some(t.local_us))),
                    r.message.to_cow().into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn kubectl_timestamps_prefix() {
        let v = parse(
            r#"2024-12-19T08:12:33.123456789Z [2024/12/19 08:12:33.123 +00:00] [INFO] [querycoordv2/server.go:748] ["a node down, remove it"] [nodeID=5]"#,
        );
        assert_eq!(
            (v[0].0, v[0].2.as_str()),
            (Grammar::MilvusText, "a node down, remove it")
        );
        // The inside without a time takes the wrapper's.
        let v = parse("2024-12-19T08:12:33.123456789Z Welcome to use Milvus!");
        assert_eq!(v[0].0, Grammar::Banner);
        assert!(v[0].1.is_some());
    }

    #[test]
    fn docker_compose_with_ansi_debris_public() {
        // milvus-21995 (public issue): ESC lost / replaced by U+FFFD as posted.
        let v = parse("[32mmilvus-standalone |\u{fffd}[0m [2023/02/03 15:47:36.456 +00:00] [WARN] [timerecord/time_recorder.go:112] [\"Datacoord haven't received tt for 2.000000 minutes\"]");
        assert_eq!(v[0].2, "Datacoord haven't received tt for 2.000000 minutes");
        // milvus-31590: compose prefix around etcd-client JSON.
        let v = parse(
            r#"milvus-standalone  | {"level":"warn","ts":"2024-03-25T09:40:56.830Z","logger":"etcd-client","caller":"v3@v3.5.5/retry_interceptor.go:62","msg":"retrying of unary invoker failed","attempt":0}"#,
        );
        assert_eq!(v[0].0, Grammar::EtcdClientJson);
    }

    #[test]
    fn goreman_prefix_public() {
        // etcd's Procfile run with goreman, as pasted in a public write-up.
        let v = parse(
            r#"16:00:04 etcd1 | {"level":"info","ts":"2020-01-06T16:00:04.125+0800","caller":"etcdmain/etcd.go:110","msg":"failed to detect default host","error":"default host not supported on darwin_amd64"}"#,
        );
        assert_eq!(
            (v[0].0, v[0].1, v[0].2.as_str()),
            (
                Grammar::EtcdJson,
                Some(1_578_297_604_125_000),
                "failed to detect default host"
            )
        );
        // A diff's `+` before it (as a held-out excerpt shows it).
        let v = parse(
            r#"+16:00:04 etcd1 | {"level":"info","ts":"2020-01-06T16:00:04.125+0800","caller":"etcdmain/etcd.go:110","msg":"failed to detect default host"}"#,
        );
        assert_eq!(v[0].0, Grammar::EtcdJson);
        // A time of day alone is no wrapper.
        let mut out = LineOut::default();
        assert_eq!(
            parse_line("16:00:04 nothing here", &mut out),
            LineKind::Unknown
        );
    }

    #[test]
    fn journald_and_syslog_public() {
        // milvus-21408 and etcd-15488 (public issue pastes).
        let v = parse(
            r#"Dec 27 16:14:25 hadoop2765.rz.momo.com etcd[95232]: {"level":"warn","ts":"2022-12-27T16:14:25.197+0800","caller":"etcdserver/util.go:123","msg":"failed to apply request","took":"48.687µs"}"#,
        );
        assert_eq!(
            (v[0].0, v[0].2.as_str()),
            (Grammar::EtcdJson, "failed to apply request")
        );
        let v = parse("Nov  8 17:16:48 moss etcd: timed out waiting for read index response (local node might have slow network)");
        assert_eq!(v[0].0, Grammar::Wrapped);
        assert!(v[0].2.starts_with("timed out waiting"));
    }

    #[test]
    fn ci_console_prefix_public() {
        // milvus-31029 (public issue): Jenkins time around a CI log line, and around a bare traceback line.
        let v = parse("[2024-03-04T19:59:51.884Z] [2024-03-04 19:58:08 - ERROR - pymilvus.decorators]: RPC error: [search], <MilvusException: (code=503, message=failed to search: node offline[node=16]: channel not available[channel=by-dev-rootcoord-dml_7_448156144239980114v0])>");
        assert_eq!(v[0].0, Grammar::PythonLogging);
        let v = parse("[2024-03-04T19:59:51.884Z]     res = func(*args, **_kwargs)");
        assert_eq!(v[0].0, Grammar::Wrapped);
    }

    #[test]
    fn pod_prefix_quotes_and_loki_glue_public() {
        // milvus-26437 comment: stern-like pod name (and a markdown backtick).
        let v = parse("`milvus-querynode-7d6cc4f5b6-m8zmb [2023/10/17 05:59:37.774 +00:00] [INFO] [querynodev2/services.go:1254] [\"sync action\"] [currentNodeID=1095]");
        assert_eq!(v[0].2, "sync action");
        // milvus-30926: Loki export, two records glued on one line.
        let v = parse("2024-03-04 14:32:44.505(no unique labels)[2024/03/04 14:32:44.505 +00:00] [WARN] [rootcoord/root_coord.go:1595] [\"failed to updateTimeTick\"] [role=rootcoord]2024-03-04 14:32:44.505(no unique labels)[2024/03/04 14:32:44.505 +00:00] [WARN] [proxy/proxy.go:370] [sendChannelsTimeTickLoop.UpdateChannelTimeTick] [ErrorCode=UnexpectedError]");
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].2, "sendChannelsTimeTickLoop.UpdateChannelTimeTick");
        // milvus-21439: a line pasted inside quotes.
        let v = parse(
            r#""[2022/12/28 23:59:44.326 +00:00] [WARN] [grpclog/grpclog.go:46] [\"[core][Channel #15964 SubChannel #15965] grpc: addrConn"#,
        );
        assert_eq!(v[0].0, Grammar::MilvusText);
    }

    #[test]
    fn docker_json_file_decodes_to_timestamped_line() {
        let mut s = String::new();
        let rec = r#"{"log":"[2024/12/19 08:12:33.123 +00:00] [INFO] [querycoordv2/server.go:748] [\"a node down, remove it\"] [nodeID=5]\n","stream":"stdout","time":"2024-12-19T08:12:33.124567Z"}"#;
        assert!(decode_docker_json(rec, &mut s));
        let v = parse(&s);
        assert_eq!(v[0].2, "a node down, remove it");
        assert!(!decode_docker_json(
            "[2024/12/19 08:12:33.123 +00:00] [INFO]",
            &mut s
        ));
    }
}

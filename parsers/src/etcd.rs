//! etcd's own log formats, and the etcd Go client's JSON that Milvus writes
//! to stderr (catalogue §1.3 and §4.1).
//!
//! * zap JSON (etcd 3.5, 3.4 with `--logger=zap`, the client v3.5.5 inside
//!   Milvus): `{"level":"warn","ts":…,"logger":…,"caller":…,"msg":…, …}`;
//!   `ts` is ISO 8601 with `Z` or `+0800`, with 3, 0–6 or 6 fraction digits
//!   depending on the version, or an epoch float.
//! * capnslog (etcd 3.4 default): `2019-03-23 17:01:49.987159 W | etcdserver: …`,
//!   local time without zone; `--debug` inserts ` [file:line]`.
//! * raft's stdlib logger in 3.4 capnslog mode: `raft2022/09/06 07:21:50 INFO: …`.

use crate::common::member;
use crate::text::Text;
use crate::timestamp::{self, Timestamp};
use crate::{Grammar, Level, LineOut, Record};

/// Reads a `ts` member: a string in any ISO 8601 variant, or an epoch float.
pub(crate) fn ts_value(t: Text<'_>) -> Option<Timestamp> {
    if t.escape == crate::Escape::Json {
        return timestamp::datetime(t.raw).ok().map(|(_, ts)| ts);
    }
    t.raw.parse::<f64>().ok().and_then(timestamp::epoch_seconds)
}

/// Makes an etcd (server or client) zap JSON record of the object members
/// at `out.fields[start..]`.
pub(crate) fn from_members(start: usize, out: &mut LineOut<'_>) -> bool {
    let f = &out.fields[start..];
    let (Some(ts), Some(msg)) = (member(f, "ts"), member(f, "msg")) else {
        return false;
    };
    let Some(ts) = ts_value(ts) else { return false };
    let grammar = match member(f, "logger") {
        Some(l) if l.raw == "etcd-client" => Grammar::EtcdClientJson,
        _ => Grammar::EtcdJson,
    };
    let level = member(f, "level")
        .and_then(|l| Level::from_word(l.raw))
        .unwrap_or_default();
    let caller = member(f, "caller").map(|c| c.raw).unwrap_or("");
    out.emit(
        Record::new(grammar, msg, start)
            .with_ts(Some(ts))
            .with_level(level)
            .with_caller(caller),
    )
}

/// etcd 3.4 capnslog: `2019-03-23 17:01:49.987159 W | etcdserver: message`.
pub(crate) fn parse_capnslog<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let s = &line[at..];
    // `2019-03-23 17:01:49.987159 W |`: the layout bytes first, cheaply.
    let b = s.as_bytes();
    if b.get(4) != Some(&b'-') || b.get(10) != Some(&b' ') || b.get(19) != Some(&b'.') {
        return false;
    }
    let Ok((rest, ts)) = timestamp::datetime(s) else {
        return false;
    };
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    // Optional ` [file:line]` from --debug.
    let (rest, caller) = match rest.strip_prefix('[').and_then(|r| r.split_once("] ")) {
        Some((c, r)) if c.contains(':') => (r, c),
        _ => (rest, ""),
    };
    let b = rest.as_bytes();
    if b.len() < 4 || rest.get(1..4) != Some(" | ") {
        return false;
    }
    let Some(level) = Level::from_letter(b[0]) else {
        return false;
    };
    let body = &rest[4..];
    let (pkg, msg) = match body.split_once(": ") {
        Some((p, m)) if !p.contains(' ') => (p, m),
        _ => ("", body),
    };
    out.emit(
        Record::new(Grammar::EtcdCapnslog, Text::plain(msg), out.fields.len())
            .with_ts(Some(ts))
            .with_level(level)
            .with_caller(if caller.is_empty() { pkg } else { caller }),
    )
}

/// raft's stdlib logger: `raft2022/09/06 07:21:50 INFO: 8e9e… became leader at term 3`.
pub(crate) fn parse_raft_stdlog<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> bool {
    let Some(s) = line[at..].strip_prefix("raft") else {
        return false;
    };
    let Ok((rest, ts)) = timestamp::datetime(s) else {
        return false;
    };
    let Some((word, msg)) = rest.trim_start().split_once(": ") else {
        return false;
    };
    let Some(level) = Level::from_word(word) else {
        return false;
    };
    out.emit(
        Record::new(Grammar::RaftStdlog, Text::plain(msg), out.fields.len())
            .with_ts(Some(ts))
            .with_level(level)
            .with_caller("raft"),
    )
}

#[cfg(test)]
mod tests {
    use crate::{parse_line, Grammar, Level, LineKind, LineOut};

    fn rec(line: &str) -> crate::Record<'_> {
        let mut out = LineOut::default();
        assert_eq!(parse_line(line, &mut out), LineKind::Records, "{line}");
        out.records[0].clone()
    }

    #[test]
    fn etcd_3_4_23_zap_json_from_bundle() {
        // kill-restart-1/etcd/etcd.log
        let r = rec(
            r#"{"level":"info","ts":"2026-11-26T04:14:41.444Z","caller":"raft/raft.go:771","msg":"b71f75320dc06a6c became leader at term 2"}"#,
        );
        assert_eq!(
            (r.grammar, r.level, r.caller),
            (Grammar::EtcdJson, Level::Info, "raft/raft.go:771")
        );
        assert_eq!(
            r.message.to_cow(),
            "b71f75320dc06a6c became leader at term 2"
        );
        assert_eq!(r.ts.unwrap().offset_s, Some(0));
    }

    #[test]
    fn etcd_client_json_in_milvus_stderr() {
        // kill-restart-1/milvus/milvus-stderr.log (client v3.5.5 inside Milvus 2.3.5).
        let r = rec(
            r#"{"level":"warn","ts":"2026-11-26T04:15:47.175Z","logger":"etcd-client","caller":"v3@v3.5.5/retry_interceptor.go:62","msg":"retrying of unary invoker failed","target":"etcd-endpoints://0xc0001de8c0/127.0.0.1:2379","attempt":0,"error":"rpc error: code = Canceled desc = context canceled"}"#,
        );
        assert_eq!((r.grammar, r.level), (Grammar::EtcdClientJson, Level::Warn));
    }

    #[test]
    fn ts_variants_and_offsets() {
        // milvus-21408 (journald-wrapped etcd, +0800) and the catalogue's 3.5.8+ trimmed form.
        let a = rec(
            r#"{"level":"warn","ts":"2022-12-27T16:14:25.197+0800","caller":"etcdserver/util.go:123","msg":"failed to apply request"}"#,
        );
        assert_eq!(
            a.ts.unwrap().utc_us(),
            crate::timestamp::datetime("2022-12-27T08:14:25.197Z")
                .unwrap()
                .1
                .utc_us()
        );
        let b =
            rec(r#"{"level":"info","ts":"2024-06-01T10:00:00Z","caller":"x/y.go:1","msg":"m"}"#);
        assert!(b.ts.is_some());
        let c = rec(r#"{"level":"info","ts":1526585787.148433,"caller":"x/y.go:1","msg":"m"}"#);
        assert_eq!(c.ts.unwrap().utc_us(), Some(1_526_585_787_148_433));
    }

    #[test]
    fn capnslog_3_4() {
        // etcd-10799 (public issue paste).
        let r = rec("2019-03-24 16:47:08.632540 W | etcdserver: failed to send out heartbeat on time (exceeded the 100ms timeout for 45.654372ms)");
        assert_eq!(
            (r.grammar, r.level, r.caller),
            (Grammar::EtcdCapnslog, Level::Warn, "etcdserver")
        );
        assert!(r
            .message
            .raw
            .starts_with("failed to send out heartbeat on time"));
        assert_eq!(r.ts.unwrap().offset_s, None);
    }

    #[test]
    fn raft_stdlog_3_4() {
        // Catalogue §4.1.
        let r = rec("raft2023/08/14 07:44:49 INFO: raft.node: 8e9e05c52164694d elected leader 8e9e05c52164694d at term 3");
        assert_eq!((r.grammar, r.level), (Grammar::RaftStdlog, Level::Info));
        assert!(r.message.raw.starts_with("raft.node:"));
    }
}

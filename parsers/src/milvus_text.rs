//! Milvus zap text ("console") format, 2.2 to 2.5 (`pkg/log/zap_text_encoder.go`).
//!
//! `[<time>] [<LEVEL>] [<caller>] [<message>] [<key>=<value>]…`: every element
//! is a bracket group; the message and any key or value are double-quoted only
//! when they contain a space, `\`, `"`, `[`, `]` or `=`. `zap.Time` values are
//! written bare although they contain spaces. An empty message is omitted.
//! An ERROR line ends with `[stack="…"]`.

use crate::common::{bare, quoted};
use crate::text::Text;
use crate::timestamp;
use crate::{Field, Grammar, Level, LineOut, Record};
use nom::IResult;
use nom::Parser;

/// One `[…]` group after the positional ones.
enum Group<'a> {
    /// `["quoted"]` or `[bare]` without `=`: a message.
    Message(Text<'a>),
    /// `[key=value]`.
    Field(Field<'a>),
}

fn fail(i: &str) -> nom::Err<nom::error::Error<&str>> {
    nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify))
}

/// `[2024/12/19 08:12:33.123 +00:00]`
fn time_group(i: &str) -> IResult<&str, timestamp::Timestamp> {
    let (i, _) = nom::character::complete::char('[').parse(i)?;
    let (i, ts) = timestamp::milvus(i)?;
    let (i, _) = nom::character::complete::char(']').parse(i)?;
    Ok((i, ts))
}

/// ` [INFO]`
fn level_group(i: &str) -> IResult<&str, Level> {
    let (r, word) = nom::sequence::delimited(
        nom::bytes::complete::tag(" ["),
        nom::bytes::complete::take_while1(|c: char| c.is_ascii_alphabetic()),
        nom::character::complete::char(']'),
    )
    .parse(i)?;
    Ok((r, Level::from_word(word).ok_or_else(|| fail(i))?))
}

/// A key or a value: quoted, or bare up to one of `stops`.
fn atom<'a>(i: &'a str, stops: &[u8]) -> IResult<&'a str, Text<'a>> {
    if i.starts_with('"') {
        quoted(i)
    } else {
        let (r, s) = bare(i, stops)?;
        Ok((r, Text::plain(s)))
    }
}

/// ` [ … ]` after the positional groups: a message or a field.
fn group(i: &str) -> IResult<&str, Group<'_>> {
    let body = i.strip_prefix(" [").ok_or_else(|| fail(i))?;
    let (r, first) = atom(body, b"=]")?;
    if let Some(r) = r.strip_prefix(']') {
        return Ok((r, Group::Message(first)));
    }
    let r = r.strip_prefix('=').ok_or_else(|| fail(i))?;
    let (r, value) = atom(r, b"]")?;
    let r = r.strip_prefix(']').ok_or_else(|| fail(i))?;
    Ok((r, Group::Field(Field { key: first, value })))
}

/// The caller group: `[querycoordv2/server.go:748]`, `[undefined]`, or a quoted path.
fn caller_group(i: &str) -> IResult<&str, &str> {
    let body = i.strip_prefix(" [").ok_or_else(|| fail(i))?;
    let (r, t) = atom(body, b"]")?;
    let r = r.strip_prefix(']').ok_or_else(|| fail(i))?;
    // One pass over a short text (two `contains` cost two searches' setup).
    let (colon, space) = t
        .raw
        .bytes()
        .fold((false, false), |(c, s), b| (c || b == b':', s || b == b' '));
    let looks_like_caller = colon || t.raw == "undefined";
    if !looks_like_caller || space {
        return Err(fail(i));
    }
    Ok((r, t.raw))
}

/// Parses one Milvus text record at `line[at..]`, pushes it into `out` and
/// returns the byte offset where it ends (further records glued on the same
/// line are left to the caller).
pub(crate) fn parse_record<'a>(line: &'a str, at: usize, out: &mut LineOut<'a>) -> Option<usize> {
    let i = &line[at..];
    let (r, ts) = time_group(i).ok()?;
    let (r, level) = level_group(r).ok()?;
    let fstart = out.fields.len();
    // Named loggers put `[name]` before the caller; accept and skip one.
    let (r, caller) = match caller_group(r) {
        Ok(ok) => ok,
        Err(_) => match group(r) {
            Ok((r2, Group::Message(_))) => caller_group(r2).ok()?,
            _ => ("", ""),
        },
    };
    let mut rest = r;
    let mut message = Text::plain("");
    let mut first = true;
    while rest.starts_with(" [") {
        // A glued next record (`… [k=v] [2024/…] [INFO] …`) ends this one.
        if time_group(&rest[1..]).is_ok() {
            break;
        }
        match group(rest) {
            Ok((r2, Group::Message(m))) if first => {
                message = m;
                rest = r2;
            }
            Ok((r2, Group::Message(m))) => {
                // A second bare group: keep it as an unnamed field.
                out.fields.push(Field {
                    key: Text::plain(""),
                    value: m,
                });
                rest = r2;
            }
            Ok((r2, Group::Field(f))) => {
                out.fields.push(f);
                rest = r2;
            }
            Err(_) => break,
        }
        first = false;
    }
    let end = line.len() - rest.len();
    out.emit(
        Record::new(Grammar::MilvusText, message, fstart)
            .with_ts(Some(ts))
            .with_level(level)
            .with_caller(caller)
            .with_offset(at),
    );
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_line, LineKind};

    fn one(line: &str) -> (Record<'_>, Vec<(String, String)>) {
        let mut out = LineOut::default();
        let r = crate::one_record(line, &mut out);
        let f = out
            .fields_of(&r)
            .iter()
            .map(|f| (f.key.to_cow().into_owned(), f.value.to_cow().into_owned()))
            .collect();
        (r, f)
    }

    #[test]
    fn querycoord_2_4_node_down() {
        // Catalogue §1.1, constructed from the 2.4 call site querycoordv2/server.go.
        let (r, f) = one(
            r#"[2024/12/19 08:12:33.123 +00:00] [INFO] [querycoordv2/server.go:748] ["a node down, remove it"] [nodeID=5]"#,
        );
        assert_eq!(r.grammar, Grammar::MilvusText);
        assert_eq!(r.level, Level::Info);
        assert_eq!(r.caller, "querycoordv2/server.go:748");
        assert_eq!(r.message.to_cow(), "a node down, remove it");
        assert_eq!(f, vec![("nodeID".into(), "5".into())]);
        assert_eq!(r.ts.unwrap().offset_s, Some(0));
    }

    #[test]
    fn standalone_2_3_5_bare_time_values_and_quoted_keys() {
        // kill-restart-1/milvus/standalone-1.log (Milvus 2.3.5).
        let (r, f) = one(
            r#"[2026/11/26 04:14:43.586 +00:00] [INFO] [connection/manager.go:101] ["client register"] [traceID=f32b872e376b643ed277a8974ab17997] [sdk_type=Python] [sdk_version=2.3.6] [local_time="2026-11-26 04:14:43.584365"] [user=] [host=vm] [identifier=470723194672119810] [last_active_time=2026/11/26 04:14:43.586 +00:00]"#,
        );
        assert_eq!(r.message.raw, "client register");
        assert_eq!(f.len(), 8);
        assert_eq!(
            f[3],
            ("local_time".into(), "2026-11-26 04:14:43.584365".into())
        );
        assert_eq!(f[4], ("user".into(), "".into()));
        assert_eq!(
            f[7],
            (
                "last_active_time".into(),
                "2026/11/26 04:14:43.586 +00:00".into()
            )
        );
        let (_, f) = one(
            r#"[2026/11/26 04:14:43.585 +00:00] [INFO] [rootcoord/root_coord.go:979] ["done to list databases"] [traceID=f32b] [msgID=0] ["num of databases"=1]"#,
        );
        assert_eq!(f[2], ("num of databases".into(), "1".into()));
    }

    #[test]
    fn bare_message_and_no_message() {
        let (r, f) = one("[2026/11/26 04:14:41.569 +00:00] [INFO] [roles/roles.go:255] [setupPrometheusHTTPServer]");
        assert_eq!((r.message.raw, f.len()), ("setupPrometheusHTTPServer", 0));
        // zap omits an empty message entirely.
        let (r, f) = one(
            "[2024/12/19 08:12:33.123 +00:00] [INFO] [task/scheduler.go:1] [taskID=3] [node=5]",
        );
        assert_eq!((r.message.raw, f.len()), ("", 2));
    }

    #[test]
    fn quoted_values_with_brackets_and_error_chains() {
        // Catalogue §1.1, Proxy 2.4 "Failed to execute task: " (note the trailing space).
        let line = r#"[2024/12/19 08:12:35.417 +00:00] [WARN] [proxy/task_scheduler.go:477] ["Failed to execute task: "] [traceID=4e6f] [error="failed to search: fail to search on QueryNode 5: distribution is not servcieable: channel not available[channel=by-dev-rootcoord-dml_3_449623718294820451v0]"] [errorVerbose="failed to search: ...\n(1) attached stack trace\n  -- stack trace:\n  | github.com/milvus-io/milvus/internal/proxy.(*searchTask).Execute"]"#;
        let (r, f) = one(line);
        assert_eq!(r.message.to_cow(), "Failed to execute task: ");
        assert!(f[1].1.ends_with(
            "channel not available[channel=by-dev-rootcoord-dml_3_449623718294820451v0]"
        ));
        assert!(f[2].1.contains("\n(1) attached stack trace\n"));
    }

    #[test]
    fn error_line_with_stack_and_spaced_key() {
        // milvus-34416 (2.4.4), public issue paste.
        let (r, f) = one(
            r#"[2024/07/04 04:49:05.831 +00:00] [ERROR] [querynodev2/server.go:170] ["Query Node disconnected from etcd, process will exit"] ["Server Id"=144] [stack="github.com/milvus-io/milvus/internal/querynodev2.(*QueryNode).Register.func1\n\t/go/src/github.com/milvus-io/milvus/internal/querynodev2/server.go:170"]"#,
        );
        assert_eq!(r.level, Level::Error);
        assert_eq!(f[0], ("Server Id".into(), "144".into()));
        assert_eq!(f[1].0, "stack");
    }

    #[test]
    fn offset_plus_eight_and_pre_2_2_caller() {
        let (r, _) = one(
            r#"[2024/11/15 10:54:16.688 +08:00] [INFO] [proxy/meta_cache.go:966] ["no shard cache for collection, try to get shard leaders from QueryCoord"]"#,
        );
        assert_eq!(r.ts.unwrap().offset_s, Some(8 * 3600));
        let (r, _) = one(
            r#"[2021/11/03 05:25:48.935 +00:00] [DEBUG] [session_util.go:82] ["Sessiont connect to etcd success"]"#,
        );
        assert_eq!((r.caller, r.level), ("session_util.go:82", Level::Debug));
    }

    #[test]
    fn bogus_runtime_caller_is_still_a_caller() {
        let (r, _) = one(
            r#"[2025/09/19 06:14:24.864 +00:00] [DEBUG] [runtime/asm_amd64.s:1700] ["start refreshing configurations"] [source=FileSource]"#,
        );
        assert_eq!(r.caller, "runtime/asm_amd64.s:1700");
    }

    #[test]
    fn unterminated_quote_keeps_the_record() {
        let mut out = LineOut::default();
        let line = r#"[2024/01/18 09:02:23.336 +00:00] [ERROR] [sessionutil/session_util.go:1027] ["register active key to etcd failed"] [error="etcdserver: requested lease not found"] [stack="github.com/milvus-io/milvus/internal/util/sessionu"#;
        assert_eq!(parse_line(line, &mut out), LineKind::Records);
        assert_eq!(
            out.records[0].message.raw,
            "register active key to etcd failed"
        );
        assert_eq!(out.fields.len(), 1);
    }

    #[test]
    fn access_marker_is_not_a_level() {
        let mut out = LineOut::default();
        assert!(parse_record("[2024/12/19 08:12:33.123 +00:00] [ACCESS] <root: 10.0.0.1:5000> Search [status: Successful]", 0, &mut out).is_none());
    }
}

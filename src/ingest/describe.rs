//! A `kubectl describe pod` document (`pod_describe/<pod>.log`) as records:
//! one per terminated container state (at its `State:`/`Last State:` line,
//! at its `Finished:` time) and one per row of the events table (at the
//! time its age gives, when the document pins when it was written). The
//! other lines of the document are its continuation: every line is counted.
//!
//! Must not know: what a termination means for a window (the recogniser's
//! table and the attribute stage say that).

use super::{convert_fields, push_record, recognise_chunk, ChunkOut};
use crate::component::Component;
use crate::record::{Record, RecordText};
use parsers::pod_describe::{PodDescription, State};
use parsers::{Grammar, Level, Text, Timestamp};

/// The records of one document, and a warning for what it could not place.
pub(super) fn describe_chunk(
    full: &str,
    d: &PodDescription<'_>,
    component: Component,
    name: &str,
) -> (ChunkOut, Option<String>) {
    let starts: Vec<usize> = super::lines_of(full)
        .scan(0usize, |at, l| {
            let s = *at;
            *at += l.len();
            Some(s)
        })
        .collect();
    let mut c = ChunkOut::default();
    let mut rows: Vec<(usize, Fact)> = Vec::new();
    for container in &d.containers {
        for s in container.states.iter().filter(|s| s.phase == "Terminated") {
            rows.push((s.line, Fact::Terminated(container, s)));
        }
    }
    let described = d.described_at();
    let mut unplaced = 0;
    for e in &d.events {
        match (described, e.age_us()) {
            (Some(at), Some(age)) => rows.push((e.line, Fact::Event(e, at - age))),
            _ => unplaced += 1,
        }
    }
    rows.sort_by_key(|(line, _)| *line);
    for (line, fact) in &rows {
        let offset = starts.get(line - 1).copied().unwrap_or(0);
        let (rec, text) = fact.record(full, d, *line as u32, offset, component, &mut c);
        push_record(&mut c, rec, text);
    }
    let total = starts.len() as u64;
    c.acct.lines_total = total;
    c.acct.lines_parsed = rows.len() as u64;
    c.acct.lines_continuation = total - rows.len() as u64;
    c.formats[Grammar::PodDescribe as usize] = total;
    recognise_chunk(full, &mut c);
    let warning = (unplaced > 0).then(|| {
        format!(
            "{name}: {unplaced} event row(s) have only an age, and nothing in the document pins when `kubectl describe` ran (a `Started` event and the running container's start): they are not placed on the timeline"
        )
    });
    (c, warning)
}

/// One fact of the document.
enum Fact<'d, 'a> {
    /// A terminated state of a container.
    Terminated(&'d parsers::pod_describe::Container<'a>, &'d State<'a>),
    /// A row of the events table, at its time (UTC µs).
    Event(&'d parsers::pod_describe::PodEvent<'a>, i64),
}

impl Fact<'_, '_> {
    fn record(
        &self,
        full: &str,
        d: &PodDescription<'_>,
        line: u32,
        offset: usize,
        component: Component,
        c: &mut ChunkOut,
    ) -> (Record, RecordText) {
        let mut fields: Vec<(&str, String)> = vec![("pod", d.pod.to_string())];
        let (stamp, level, message) = match self {
            Fact::Terminated(container, s) => {
                fields.push(("container", container.name.to_string()));
                fields.push(("state", if s.last { "last" } else { "current" }.to_string()));
                let mut push = |k: &'static str, v: Option<String>| {
                    if let Some(v) = v {
                        fields.push((k, v));
                    }
                };
                push("exit_code", s.exit_code.map(|x| x.to_string()));
                push(
                    "started",
                    s.started
                        .and_then(|t| t.utc_us())
                        .map(parsers::timestamp::rfc3339_ms),
                );
                push(
                    "finished",
                    s.finished
                        .and_then(|t| t.utc_us())
                        .map(parsers::timestamp::rfc3339_ms),
                );
                push(
                    "restart_count",
                    container.restart_count.map(|n| n.to_string()),
                );
                push("memory_limit", container.memory_limit.map(str::to_string));
                push(
                    "memory_request",
                    container.memory_request.map(str::to_string),
                );
                let level = match s.reason {
                    Some("Completed") => Level::Info,
                    _ => Level::Error,
                };
                (
                    s.finished.or(s.started),
                    level,
                    s.reason.unwrap_or(s.phase).to_string(),
                )
            }
            Fact::Event(e, at) => {
                for (k, v) in [
                    ("type", e.kind),
                    ("reason", e.reason),
                    ("age", e.age),
                    ("from", e.from),
                ] {
                    fields.push((k, v.to_string()));
                }
                let level = if e.kind == "Warning" {
                    Level::Warn
                } else {
                    Level::Info
                };
                let stamp = Timestamp {
                    local_us: *at,
                    offset_s: Some(0),
                    year_known: true,
                };
                (Some(stamp), level, e.message.to_string())
            }
        };
        let mut rec = Record::new(line, offset as u32, component);
        rec.set_stamp(stamp, false);
        rec.level = level;
        rec.grammar = Some(Grammar::PodDescribe);
        let fstart = c.fields.len() as u32;
        convert_fields(full, &fields, c);
        let text = RecordText {
            line,
            offset: rec.offset,
            caller: super::span_of(full, Text::plain("kubectl describe pod"), &mut c.arena),
            message: super::span_of(full, Text::plain(&message), &mut c.arena),
            fields: fstart..c.fields.len() as u32,
        };
        (rec, text)
    }
}

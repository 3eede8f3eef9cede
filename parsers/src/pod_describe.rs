//! `kubectl describe pod` text, as `export-milvus-log.sh` writes it to
//! `pod_describe/<pod>.log`: a document, not a log. What it says about the
//! containers' lives comes out as facts with their line: each terminated
//! state (`State:`/`Last State:  Terminated`, its `Reason`, `Exit Code`,
//! `Started`, `Finished`), the container's `Restart Count` and memory
//! `Limits`/`Requests`, and each row of the `Events:` table.
//!
//! Times in the document are RFC 1123 with a numeric zone (`Wed, 19 Jul
//! 2023 16:14:13 +0800`); an event row has only an age (`3m12s`, `5m (x4
//! over 20m)`) relative to when `kubectl describe` ran, which the document
//! does not print: [`PodDescription::described_at`] finds it when a
//! `Started` event and the running container's `Started:` time pin it.

use crate::timestamp::{self, Timestamp};

/// The facts of one document. Line numbers count from 1.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodDescription<'a> {
    /// `Name:`.
    pub pod: &'a str,
    /// `Namespace:`.
    pub namespace: &'a str,
    /// Containers with what the document says of them.
    pub containers: Vec<Container<'a>>,
    /// Rows of the `Events:` table.
    pub events: Vec<PodEvent<'a>>,
}

/// One container of the pod (init containers included).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Container<'a> {
    /// Its name (the `  name:` line under `Containers:`).
    pub name: &'a str,
    /// `State:` and `Last State:`, when terminated (or running).
    pub states: Vec<State<'a>>,
    /// `Restart Count:`.
    pub restart_count: Option<u32>,
    /// `Limits:` → `memory:`.
    pub memory_limit: Option<&'a str>,
    /// `Requests:` → `memory:`.
    pub memory_request: Option<&'a str>,
}

/// A container state the document shows.
#[derive(Clone, Debug, PartialEq)]
pub struct State<'a> {
    /// The `State:`/`Last State:` line.
    pub line: usize,
    /// `Last State:` (the run before the current one) rather than `State:`.
    pub last: bool,
    /// `Terminated`, `Running` or `Waiting`.
    pub phase: &'a str,
    /// `Reason:` (`OOMKilled`, `Error`, `Completed`, `CrashLoopBackOff`).
    pub reason: Option<&'a str>,
    /// `Exit Code:`.
    pub exit_code: Option<i32>,
    /// `Started:`.
    pub started: Option<Timestamp>,
    /// `Finished:`.
    pub finished: Option<Timestamp>,
}

/// One row of the `Events:` table.
#[derive(Clone, Debug, PartialEq)]
pub struct PodEvent<'a> {
    /// Its line.
    pub line: usize,
    /// `Normal` or `Warning`.
    pub kind: &'a str,
    /// `Killing`, `BackOff`, `Unhealthy`, `Started`, `OOMKilling`…
    pub reason: &'a str,
    /// The age column as written (`3m12s`, `5m (x4 over 20m)`).
    pub age: &'a str,
    /// `kubelet`, `default-scheduler`…
    pub from: &'a str,
    /// The message.
    pub message: &'a str,
}

impl PodEvent<'_> {
    /// The age of the row's last occurrence, µs (`5m (x4 over 20m)` → 5 min).
    pub fn age_us(&self) -> Option<i64> {
        age_us(self.age.split(" (").next().unwrap_or(self.age))
    }
}

impl PodDescription<'_> {
    /// When `kubectl describe` ran (UTC µs), if the document pins it: the
    /// running container's `Started:` plus the age of the last `Started`
    /// event (the kubelet's row for that start).
    pub fn described_at(&self) -> Option<i64> {
        let running = self
            .containers
            .iter()
            .flat_map(|c| &c.states)
            .find(|s| !s.last && s.phase == "Running")?;
        let started = running.started?.utc_us()?;
        let age = self
            .events
            .iter()
            .filter(|e| e.reason == "Started")
            .filter_map(|e| e.age_us())
            .min()?;
        Some(started + age)
    }
}

/// True when `text` is `kubectl describe pod` output (its first lines name
/// the pod and its namespace).
pub fn is_pod_describe(text: &str) -> bool {
    let mut keys = text
        .lines()
        .take(4)
        .filter_map(|l| l.split_once(':').map(|(k, _)| k));
    keys.next() == Some("Name") && keys.any(|k| k == "Namespace")
}

/// Reads a `kubectl describe pod` document; `None` when it is not one.
pub fn parse(text: &str) -> Option<PodDescription<'_>> {
    if !is_pod_describe(text) {
        return None;
    }
    let mut d = PodDescription::default();
    let mut section = "";
    let mut sub = "";
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let n = i + 1;
        let indent = line.len() - line.trim_start().len();
        let body = line.trim_start();
        if body.is_empty() {
            continue;
        }
        if indent == 0 {
            let (key, value) = key_value(body);
            match key {
                "Name" => d.pod = value,
                "Namespace" => d.namespace = value,
                _ => {}
            }
            section = key;
            continue;
        }
        match section {
            "Containers" | "Init Containers" => container_line(&mut d, indent, body, n, &mut sub),
            "Events" => event_line(&mut d, body, n),
            _ => {}
        }
    }
    Some(d)
}

/// `Key:   value` → (`Key`, `value`).
fn key_value(body: &str) -> (&str, &str) {
    match body.split_once(':') {
        Some((k, v)) => (k.trim(), v.trim()),
        None => (body, ""),
    }
}

fn container_line<'a>(
    d: &mut PodDescription<'a>,
    indent: usize,
    body: &'a str,
    n: usize,
    sub: &mut &'a str,
) {
    let (key, value) = key_value(body);
    // `  querynode:` names the next container.
    if indent <= 2 {
        if value.is_empty() && body.ends_with(':') {
            d.containers.push(Container {
                name: key,
                ..Default::default()
            });
        }
        return;
    }
    let Some(c) = d.containers.last_mut() else {
        return;
    };
    if indent <= 4 {
        *sub = key;
        match key {
            "State" | "Last State" => c.states.push(State {
                line: n,
                last: key == "Last State",
                phase: value,
                reason: None,
                exit_code: None,
                started: None,
                finished: None,
            }),
            "Restart Count" => c.restart_count = value.parse().ok(),
            _ => {}
        }
        return;
    }
    match (*sub, key) {
        ("State" | "Last State", _) => {
            let Some(s) = c.states.last_mut() else { return };
            match key {
                "Reason" => s.reason = Some(value),
                "Exit Code" => s.exit_code = value.parse().ok(),
                "Started" => s.started = rfc1123(value),
                "Finished" => s.finished = rfc1123(value),
                _ => {}
            }
        }
        ("Limits", "memory") => c.memory_limit = Some(value),
        ("Requests", "memory") => c.memory_request = Some(value),
        _ => {}
    }
}

/// A row of the events table: columns are separated by runs of spaces
/// (`Warning  BackOff  3m (x4 over 5m)  kubelet  Back-off restarting …`).
fn event_line<'a>(d: &mut PodDescription<'a>, body: &'a str, n: usize) {
    let mut cols = Columns { rest: body };
    let (Some(kind), Some(reason), Some(age), Some(from)) =
        (cols.next(), cols.next(), cols.next(), cols.next())
    else {
        return;
    };
    if kind == "Type" || kind.starts_with("---") {
        return;
    }
    d.events.push(PodEvent {
        line: n,
        kind,
        reason,
        age,
        from,
        message: cols.rest.trim(),
    });
}

/// Columns split at two or more spaces (a tab counts as two).
struct Columns<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Columns<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest.trim_start();
        if s.is_empty() {
            return None;
        }
        let end = s
            .find("  ")
            .into_iter()
            .chain(s.find('\t'))
            .min()
            .unwrap_or(s.len());
        self.rest = &s[end..];
        Some(&s[..end])
    }
}

/// RFC 1123 with a numeric zone: `Wed, 19 Jul 2023 16:14:13 +0800`.
pub fn rfc1123(s: &str) -> Option<Timestamp> {
    timestamp::rfc1123(s).ok().map(|(_, ts)| ts)
}

/// A kubectl age (`47s`, `3m12s`, `2d3h`, `5m`) in µs; `None` for
/// `<unknown>`/`<invalid>`.
pub fn age_us(s: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut num: Option<i64> = None;
    for ch in s.trim().chars() {
        if let Some(d) = ch.to_digit(10) {
            num = Some(num.unwrap_or(0) * 10 + i64::from(d));
            continue;
        }
        let unit: i64 = match ch {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        total += num.take()? * unit * 1_000_000;
    }
    (num.is_none() && total > 0).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Built from `kubectl describe pod` output quoted in public issues: the
    /// container block (`Last State: Terminated`, `Reason: OOMKilled`, `Exit
    /// Code: 137`, `Started`/`Finished`) as ClickHouse#53435 quotes it, the
    /// `Limits`/`Requests` of an OOM-killed Milvus standalone pod as
    /// milvus#34055 quotes them, the events table in kubectl's layout.
    const DESCRIBE: &str = "Name:             zong-go-master-milvus-standalone-5cc75d965b-t46jr
Namespace:        qa-milvus
Priority:         0
Containers:
  standalone:
    Image:          milvusdb/milvus:master-20240621-4e414fb7-amd64
    State:          Running
      Started:      Thu, 03 Aug 2023 19:03:20 +0800
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
      Started:      Wed, 19 Jul 2023 16:14:13 +0800
      Finished:     Thu, 03 Aug 2023 19:03:19 +0800
    Ready:          True
    Restart Count:  1
    Limits:
      cpu:     8
      memory:  16Gi
    Requests:
      cpu:      5
      memory:   9Gi
Conditions:
  Type              Status
  Ready             True
Events:
  Type     Reason   Age                From     Message
  ----     ------   ----               ----     -------
  Warning  BackOff  3m (x4 over 5m)    kubelet  Back-off restarting failed container
  Normal   Started  2m30s (x2 over 2d)  kubelet  Started container standalone
";

    #[test]
    fn reads_the_container_states_limits_and_events() {
        let d = parse(DESCRIBE).unwrap();
        assert_eq!(d.pod, "zong-go-master-milvus-standalone-5cc75d965b-t46jr");
        assert_eq!(d.namespace, "qa-milvus");
        let c = &d.containers[0];
        assert_eq!((c.name, c.restart_count), ("standalone", Some(1)));
        assert_eq!(
            (c.memory_limit, c.memory_request),
            (Some("16Gi"), Some("9Gi"))
        );
        let last = c.states.iter().find(|s| s.last).unwrap();
        assert_eq!(
            (last.line, last.phase, last.reason, last.exit_code),
            (9, "Terminated", Some("OOMKilled"), Some(137))
        );
        // Thu, 03 Aug 2023 19:03:19 +0800 = 11:03:19 UTC.
        assert_eq!(
            crate::timestamp::rfc3339_ms(last.finished.unwrap().utc_us().unwrap()),
            "2023-08-03T11:03:19.000Z"
        );
        assert_eq!(d.events.len(), 2);
        let e = &d.events[0];
        assert_eq!(
            (e.line, e.kind, e.reason, e.from),
            (28, "Warning", "BackOff", "kubelet")
        );
        assert_eq!(e.message, "Back-off restarting failed container");
        assert_eq!(e.age_us(), Some(180_000_000));
        // Running since 11:03:20 UTC, the `Started` row 2m30s old.
        assert_eq!(
            crate::timestamp::rfc3339_ms(d.described_at().unwrap()),
            "2023-08-03T11:05:50.000Z"
        );
    }

    #[test]
    fn ages_and_other_documents() {
        assert_eq!(age_us("47s"), Some(47_000_000));
        assert_eq!(age_us("2d3h"), Some((2 * 86_400 + 3 * 3_600) * 1_000_000));
        assert_eq!(age_us("<unknown>"), None);
        assert_eq!(age_us("3"), None);
        assert!(parse("[2023/08/03 11:03:19.000 +00:00] [INFO] [x.go:1] [\"y\"]\n").is_none());
        assert!(parse("Name: x\nfoo\n").is_none());
    }
}

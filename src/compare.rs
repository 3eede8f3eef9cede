//! `compare`: two incidents side by side — before and after tuning.
//!
//! Owns: which fault a window stands for ([`Fault`]), matching the windows
//! of the two sides by fault and order, the numbers of each side and of
//! each pair (durations, requests, success rate over the fault's
//! neighbourhood, phase lengths), the timing settings that differ between
//! the two sides' `milvus.yaml`s, and the verdict: one sentence computed
//! from those numbers. The result is [`Comparison`], the typed model the
//! `compare` writers render (its JSON: `schema/compare.schema.json`).
//!
//! Must not know: how windows, phases or causes are found (it reads each
//! side's analysis), how the report looks.

use crate::attribute::{Attribution, Cause, PhaseId};
use crate::pipeline::Analysis;
use crate::settings::Setting;
use crate::windows::Window;
use parsers::timestamp::rfc3339_ms;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// Version of the `compare --json` document.
pub const SCHEMA_VERSION: u32 = 1;

/// Requests are counted from this long before a fault to this long after
/// the later of the two sides' recoveries: the neighbourhood over which
/// the success rates of a pair are compared (the same length on both
/// sides, so a shorter window is not judged over a shorter stretch).
pub const NEIGHBOURHOOD_PAD_US: i64 = 30_000_000;

/// What happened to the serving process behind a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// It stopped: killed, crashed, OOM-killed, replaced (an outage phase
    /// for `process-down`).
    Kill,
    /// It was alive and silent: SIGSTOP, `docker pause`, a long stall (an
    /// outage phase for `node-unresponsive`). A pause reads as a freeze in
    /// the logs.
    Freeze,
    /// etcd was slow or lost (the cause or a contributing cause).
    Etcd,
    /// None of these: the window's cause alone says what held it.
    Other,
}

impl Fault {
    /// The fault a window's attribution shows.
    pub fn of(at: &Attribution) -> Fault {
        let outage = at.phases.iter().find(|p| p.id == PhaseId::Outage);
        match outage.map(|p| p.cause) {
            Some(Cause::ProcessDown) => Fault::Kill,
            Some(Cause::NodeUnresponsive) => Fault::Freeze,
            _ if at.cause == Cause::EtcdUnavailable
                || at.contributing.contains(&Cause::EtcdUnavailable) =>
            {
                Fault::Etcd
            }
            _ => Fault::Other,
        }
    }

    /// Its id in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Fault::Kill => "kill",
            Fault::Freeze => "freeze",
            Fault::Etcd => "etcd",
            Fault::Other => "other",
        }
    }
}

fn ts<S: Serializer>(us: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339_ms(*us))
}

fn by_id<S: Serializer>(c: &Cause, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.id())
}

fn phase_id<S: Serializer>(p: &PhaseId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(p.id())
}

/// Seconds, to the ms (as `analyze --json` writes them).
fn secs(us: i64) -> f64 {
    (us as f64 / 1e3).round() / 1e3
}

/// A share as a fraction in [0, 1], to 4 decimals; none without requests.
fn rate(ok: u64, failed: u64) -> Option<f64> {
    let n = ok + failed;
    (n > 0).then(|| ((ok as f64 / n as f64) * 1e4).round() / 1e4)
}

/// One side's totals.
#[derive(Clone, Debug, Serialize)]
pub struct Totals {
    /// The bundles of the side, as given.
    pub bundles: Vec<String>,
    /// Windows on this side.
    pub windows: usize,
    /// Their durations added, s.
    pub windows_total_s: f64,
    /// Failed requests over the faults' neighbourhoods (client log; else
    /// the failures the Proxy logged inside the windows).
    pub failed_requests: u64,
    /// Succeeded requests over the same stretches (null without a client log).
    pub ok_requests: Option<u64>,
    /// `ok / (ok + failed)` over them (null without a client log).
    pub success_rate: Option<f64>,
}

/// One phase of a window, placed from the window's fault.
#[derive(Clone, Debug, Serialize)]
pub struct PhaseSpan {
    /// Which phase.
    #[serde(serialize_with = "phase_id")]
    pub id: PhaseId,
    /// The cause it stands for.
    #[serde(serialize_with = "by_id")]
    pub cause: Cause,
    /// From the fault (the window's first phase, or its start), s.
    pub offset_s: f64,
    /// Length, s.
    pub duration_s: f64,
}

/// One side of a pair of windows.
#[derive(Clone, Debug, Serialize)]
pub struct WindowSide {
    /// Its number in that side's `analyze` report.
    pub number: usize,
    /// Client failures begin.
    #[serde(serialize_with = "ts")]
    pub start: i64,
    /// Client failures end.
    #[serde(serialize_with = "ts")]
    pub end: i64,
    /// `end − start`, s.
    pub duration_s: f64,
    /// The fault behind it.
    pub fault: Fault,
    /// Root cause.
    #[serde(serialize_with = "by_id")]
    pub cause: Cause,
    /// Failed requests inside (client log) or failures the Proxy logged.
    pub failed_requests: u64,
    /// Succeeded requests inside (client log only).
    pub ok_requests: Option<u64>,
    /// The fault: the first phase's start, or the window's.
    #[serde(serialize_with = "ts")]
    pub fault_at: i64,
    /// Requests over the pair's neighbourhood of the fault: (ok, failed).
    #[serde(skip)]
    pub around: Option<(u64, u64)>,
    /// The neighbourhood's success rate (client log only).
    pub success_rate: Option<f64>,
    /// Its phases from the fault.
    pub phases: Vec<PhaseSpan>,
    /// Requests per second over the neighbourhood, for the chart: (second
    /// from the neighbourhood's start, ok, failed).
    #[serde(skip)]
    pub per_second: Vec<(u32, u64, u64)>,
}

/// A phase's length on both sides.
#[derive(Clone, Debug, Serialize)]
pub struct PhaseChange {
    /// Which phase.
    #[serde(serialize_with = "phase_id")]
    pub id: PhaseId,
    /// Before, s (null: not on that side).
    pub before_s: Option<f64>,
    /// After, s.
    pub after_s: Option<f64>,
    /// After − before, s (null unless both).
    pub change_s: Option<f64>,
}

/// Two windows of one fault, or one without a counterpart.
#[derive(Clone, Debug, Serialize)]
pub struct Pair {
    /// The fault both stand for.
    pub fault: Fault,
    /// The window before the change.
    pub before: Option<WindowSide>,
    /// The window after.
    pub after: Option<WindowSide>,
    /// After's duration − before's, s (null unless both).
    pub change_s: Option<f64>,
    /// The neighbourhood's length (the same on both sides), s.
    pub neighbourhood_s: f64,
    /// Each phase's length before and after, in critical-path order.
    pub phase_changes: Vec<PhaseChange>,
}

/// A timing setting whose value differs.
#[derive(Clone, Debug, Serialize)]
pub struct SettingChange {
    /// Dotted key.
    pub key: String,
    /// Value before (null: not set in that side's `milvus.yaml`).
    pub before: Option<f64>,
    /// Value after.
    pub after: Option<f64>,
    /// `s`, `ms` or `""`.
    pub unit: &'static str,
    /// `file:line` of the value before.
    pub source_before: Option<String>,
    /// `file:line` of the value after.
    pub source_after: Option<String>,
}

/// Before vs after: what `compare` writes.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// Version of this document.
    pub schema_version: u32,
    /// The side before the change.
    pub before: Totals,
    /// The side after.
    pub after: Totals,
    /// The windows, paired by fault and order.
    pub windows: Vec<Pair>,
    /// The timing settings that differ.
    pub settings_changed: Vec<SettingChange>,
    /// What the numbers say, in one sentence.
    pub verdict: String,
}

/// The fault of a window: its first phase's start, or its own start.
fn fault_at(w: &Window, at: &Attribution) -> i64 {
    at.phases
        .iter()
        .map(|p| p.start)
        .chain([w.start])
        .min()
        .unwrap_or(w.start)
}

/// From the fault to the window's last phase end (or its end).
fn extent_us(w: &Window, at: &Attribution) -> i64 {
    let end = at.phases.iter().map(|p| p.end).chain([w.end]).max();
    end.unwrap_or(w.end) - fault_at(w, at)
}

/// One side's window before the neighbourhood is known.
fn side_of(number: usize, w: &Window, at: &Attribution) -> WindowSide {
    let t0 = fault_at(w, at);
    WindowSide {
        number,
        start: w.start,
        end: w.end,
        duration_s: secs(w.end - w.start),
        fault: Fault::of(at),
        cause: at.cause,
        failed_requests: w.failed,
        ok_requests: w.ok,
        fault_at: t0,
        around: None,
        success_rate: None,
        phases: at
            .phases
            .iter()
            .map(|p| PhaseSpan {
                id: p.id,
                cause: p.cause,
                offset_s: secs(p.start - t0),
                duration_s: secs(p.len_us()),
            })
            .collect(),
        per_second: Vec::new(),
    }
}

/// Counts a side's requests over `[fault − pad, fault + len + pad]`.
fn count_around(a: &Analysis, s: &mut WindowSide, len_us: i64) {
    let from = s.fault_at - NEIGHBOURHOOD_PAD_US;
    let to = s.fault_at + len_us + NEIGHBOURHOOD_PAD_US;
    if a.found.requests.is_empty() {
        return;
    }
    // One pass over the stretch gives the totals and the chart's seconds.
    let lo = a.found.requests.partition_point(|q| q.start < from);
    let mut bins: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    for q in a.found.requests[lo..].iter().take_while(|q| q.start <= to) {
        let e = bins
            .entry(((q.start - from) / 1_000_000) as u32)
            .or_default();
        if q.ok() {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    let (ok, failed) = bins.values().fold((0, 0), |(o, f), (x, y)| (o + x, f + y));
    s.around = Some((ok, failed));
    s.success_rate = rate(ok, failed);
    s.per_second = bins.into_iter().map(|(k, (o, f))| (k, o, f)).collect();
}

/// The windows of both sides paired by fault and, within a fault, by
/// order; each side's unpaired windows stand alone.
fn pair(before: &Analysis, after: &Analysis) -> Vec<Pair> {
    let list = |a: &Analysis| -> Vec<(WindowSide, i64)> {
        a.windows()
            .enumerate()
            .map(|(i, (w, at))| (side_of(i + 1, w, at), extent_us(w, at)))
            .collect()
    };
    let (b, mut a) = (list(before), list(after));
    let mut out = Vec::new();
    for (bs, blen) in b {
        let m = a.iter().position(|(s, _)| s.fault == bs.fault);
        let (mut asd, alen) = match m.map(|i| a.remove(i)) {
            Some((s, l)) => (Some(s), l),
            None => (None, 0),
        };
        let len = blen.max(alen);
        let mut bs = bs;
        count_around(before, &mut bs, len);
        if let Some(s) = asd.as_mut() {
            count_around(after, s, len);
        }
        out.push(finish(Some(bs), asd, len));
    }
    for (mut s, len) in a {
        count_around(after, &mut s, len);
        out.push(finish(None, Some(s), len));
    }
    out
}

fn finish(before: Option<WindowSide>, after: Option<WindowSide>, len: i64) -> Pair {
    let fault = before
        .as_ref()
        .or(after.as_ref())
        .map_or(Fault::Other, |s| s.fault);
    let change_s = match (&before, &after) {
        (Some(b), Some(a)) => Some(((a.duration_s - b.duration_s) * 1e3).round() / 1e3),
        _ => None,
    };
    Pair {
        fault,
        change_s,
        neighbourhood_s: secs(len + 2 * NEIGHBOURHOOD_PAD_US),
        phase_changes: phase_changes(before.as_ref(), after.as_ref()),
        before,
        after,
    }
}

/// Each phase's total length on each side (a phase can occur twice: two
/// outages of one freeze that became a restart).
fn phase_changes(b: Option<&WindowSide>, a: Option<&WindowSide>) -> Vec<PhaseChange> {
    let total = |s: Option<&WindowSide>| {
        let mut m: BTreeMap<PhaseId, f64> = BTreeMap::new();
        for p in s.iter().flat_map(|s| &s.phases) {
            *m.entry(p.id).or_default() += p.duration_s;
        }
        m
    };
    let (tb, ta) = (total(b), total(a));
    let mut ids: Vec<PhaseId> = tb.keys().chain(ta.keys()).copied().collect();
    ids.sort();
    ids.dedup();
    let r = |v: f64| (v * 1e3).round() / 1e3;
    ids.into_iter()
        .map(|id| {
            let (x, y) = (tb.get(&id).copied().map(r), ta.get(&id).copied().map(r));
            PhaseChange {
                id,
                before_s: x,
                after_s: y,
                change_s: x.zip(y).map(|(x, y)| r(y - x)),
            }
        })
        .collect()
}

fn totals(a: &Analysis, side: &[Option<&WindowSide>]) -> Totals {
    let sides: Vec<&WindowSide> = side.iter().flatten().copied().collect();
    let client = sides.iter().any(|s| s.around.is_some());
    let (ok, failed) = if client {
        sides
            .iter()
            .filter_map(|s| s.around)
            .fold((0, 0), |(o, f), (x, y)| (o + x, f + y))
    } else {
        (0, sides.iter().map(|s| s.failed_requests).sum())
    };
    Totals {
        bundles: a.inputs.clone(),
        windows: sides.len(),
        windows_total_s: (sides.iter().map(|s| s.duration_s).sum::<f64>() * 1e3).round() / 1e3,
        failed_requests: failed,
        ok_requests: client.then_some(ok),
        success_rate: if client { rate(ok, failed) } else { None },
    }
}

/// The timing settings whose values differ. A key set on one side only
/// counts when the other side has a `milvus.yaml` at all (else nothing is
/// known of it there).
fn settings_changed(before: &[Setting], after: &[Setting]) -> Vec<SettingChange> {
    let map = |v: &[Setting]| {
        let mut m: BTreeMap<String, Setting> = BTreeMap::new();
        for s in v {
            m.entry(s.key.clone()).or_insert_with(|| s.clone());
        }
        m
    };
    let (b, a) = (map(before), map(after));
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let at = |s: &Setting| format!("{}:{}", s.source, s.line);
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (b.get(k), a.get(k));
            let differs = match (x, y) {
                (Some(x), Some(y)) => x.value != y.value,
                (Some(_), None) => !a.is_empty(),
                (None, Some(_)) => !b.is_empty(),
                (None, None) => false,
            };
            differs.then(|| SettingChange {
                key: k.clone(),
                before: x.map(|s| s.value),
                after: y.map(|s| s.value),
                unit: x.or(y).map_or("", |s| s.unit),
                source_before: x.map(at),
                source_after: y.map(at),
            })
        })
        .collect()
}

/// A value with its unit (`30 s`, `2000 ms`, `3`), or `unset`.
fn value_text(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "unset".into(),
        Some(v) if unit.is_empty() => format!("{v}"),
        Some(v) => format!("{v} {unit}"),
    }
}

/// `45 % → 99.5 %`.
fn pct(r: f64) -> String {
    let p = (r * 1e3).round() / 10.0;
    format!("{p} %")
}

/// One sentence from the numbers: the pair that changed most, its longest
/// changed phase, the settings that changed, the success rates, and what
/// stands alone.
fn verdict(c: &Comparison) -> String {
    let changed: Vec<String> = c
        .settings_changed
        .iter()
        .take(3)
        .map(|s| {
            format!(
                "`{}` {} → {}",
                s.key,
                value_text(s.before, s.unit),
                value_text(s.after, s.unit)
            )
        })
        .collect();
    let more = c.settings_changed.len().saturating_sub(3);
    let after_settings = match (changed.is_empty(), more) {
        (true, _) => " with no timing setting changed".to_string(),
        (false, 0) => format!(" after {}", changed.join(", ")),
        (false, n) => format!(" after {} and {n} more setting(s)", changed.join(", ")),
    };
    let main = c
        .windows
        .iter()
        .filter(|p| p.change_s.is_some())
        .max_by(|x, y| {
            let (x, y) = (
                x.change_s.unwrap_or(0.0).abs(),
                y.change_s.unwrap_or(0.0).abs(),
            );
            x.total_cmp(&y)
        });
    let mut s = match main {
        Some(p) => {
            let (b, a) = (p.before.as_ref().unwrap(), p.after.as_ref().unwrap());
            let verb = match p.change_s.unwrap_or(0.0) {
                d if d < 0.0 => "fell",
                d if d > 0.0 => "rose",
                _ => "stayed",
            };
            let cause = if b.cause == a.cause {
                b.cause.id().to_string()
            } else {
                format!("{} (now {})", b.cause.id(), a.cause.id())
            };
            let phase = p
                .phase_changes
                .iter()
                .filter(|c| c.change_s.is_some_and(|d| d != 0.0))
                .max_by(|x, y| {
                    x.change_s
                        .unwrap_or(0.0)
                        .abs()
                        .total_cmp(&y.change_s.unwrap_or(0.0).abs())
                })
                .map(|c| {
                    format!(
                        " ({} {:.1} s → {:.1} s)",
                        c.id.id(),
                        c.before_s.unwrap_or(0.0),
                        c.after_s.unwrap_or(0.0)
                    )
                })
                .unwrap_or_default();
            if verb == "stayed" {
                format!(
                    "The {} {cause} window stayed at {:.1} s{phase}{after_settings}",
                    p.fault.id(),
                    b.duration_s
                )
            } else {
                format!(
                    "The {} {cause} window {verb} from {:.1} s to {:.1} s{phase}{after_settings}",
                    p.fault.id(),
                    b.duration_s,
                    a.duration_s
                )
            }
        }
        None if c.before.windows == 0 && c.after.windows == 0 => {
            format!("Neither side has a client-failure window{after_settings}")
        }
        None => format!(
            "No window of one side has a counterpart of the same fault on the other{after_settings}"
        ),
    };
    if let (Some(x), Some(y)) = (c.before.success_rate, c.after.success_rate) {
        let verb = if y > x {
            "rose"
        } else if y < x {
            "fell"
        } else {
            "stayed"
        };
        s.push_str(&format!(
            "; success around the faults {verb} from {} to {}",
            pct(x),
            pct(y)
        ));
    }
    let alone = |side: &str, f: fn(&Pair) -> bool| -> Option<String> {
        let n = c.windows.iter().filter(|p| f(p)).count();
        (n > 0).then(|| format!("{n} window(s) only {side}"))
    };
    let extra: Vec<String> = [
        alone("before", |p| p.after.is_none()),
        alone("after", |p| p.before.is_none()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !extra.is_empty() {
        s.push_str(&format!("; {}", extra.join(", ")));
    }
    s.push('.');
    s
}

/// Compares two analysed incidents.
pub fn compare(before: &Analysis, after: &Analysis) -> Comparison {
    let windows = pair(before, after);
    let b: Vec<Option<&WindowSide>> = windows.iter().map(|p| p.before.as_ref()).collect();
    let a: Vec<Option<&WindowSide>> = windows.iter().map(|p| p.after.as_ref()).collect();
    let mut c = Comparison {
        schema_version: SCHEMA_VERSION,
        before: totals(before, &b),
        after: totals(after, &a),
        settings_changed: settings_changed(&before.settings, &after.settings),
        windows,
        verdict: String::new(),
    };
    c.verdict = verdict(&c);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(key: &str, value: f64, line: u32) -> Setting {
        Setting {
            key: key.into(),
            value,
            unit: "s",
            source: "milvus/configs/milvus.yaml".into(),
            line,
        }
    }

    #[test]
    fn settings_that_differ_name_both_lines() {
        let b = [
            setting("common.session.ttl", 45.0, 548),
            setting("common.session.retryTimes", 30.0, 549),
        ];
        let a = [
            setting("common.session.ttl", 30.0, 550),
            setting("common.session.retryTimes", 30.0, 551),
        ];
        let c = settings_changed(&b, &a);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].key, "common.session.ttl");
        assert_eq!((c[0].before, c[0].after), (Some(45.0), Some(30.0)));
        assert_eq!(
            c[0].source_before.as_deref(),
            Some("milvus/configs/milvus.yaml:548")
        );
        assert_eq!(
            c[0].source_after.as_deref(),
            Some("milvus/configs/milvus.yaml:550")
        );
        // A side without any milvus.yaml says nothing of its values.
        assert!(settings_changed(&b, &[]).is_empty());
        let one = settings_changed(&b, &a[..1]);
        assert_eq!(one.len(), 2, "retryTimes unset after: {one:?}");
    }

    #[test]
    fn phase_changes_add_repeated_phases_and_keep_lone_ones() {
        let side = |phases: &[(PhaseId, f64)]| WindowSide {
            number: 1,
            start: 0,
            end: 0,
            duration_s: 0.0,
            fault: Fault::Kill,
            cause: Cause::SessionTimeout,
            failed_requests: 0,
            ok_requests: None,
            fault_at: 0,
            around: None,
            success_rate: None,
            phases: phases
                .iter()
                .map(|(id, d)| PhaseSpan {
                    id: *id,
                    cause: Cause::ProcessDown,
                    offset_s: 0.0,
                    duration_s: *d,
                })
                .collect(),
            per_second: Vec::new(),
        };
        let b = side(&[
            (PhaseId::Outage, 5.0),
            (PhaseId::Outage, 2.5),
            (PhaseId::Detection, 28.772),
        ]);
        let a = side(&[
            (PhaseId::Outage, 5.2),
            (PhaseId::Detection, 18.846),
            (PhaseId::Routing, 1.0),
        ]);
        let c = phase_changes(Some(&b), Some(&a));
        let ids: Vec<&str> = c.iter().map(|c| c.id.id()).collect();
        assert_eq!(ids, ["outage", "detection", "routing"]);
        assert_eq!(c[0].before_s, Some(7.5));
        assert_eq!(c[1].change_s, Some(-9.926));
        assert_eq!((c[2].before_s, c[2].change_s), (None, None));
    }

    #[test]
    fn rates_are_fractions_and_none_without_requests() {
        assert_eq!(rate(99, 1), Some(0.99));
        assert_eq!(rate(0, 0), None);
        assert_eq!(pct(0.9987), "99.9 %");
    }
}

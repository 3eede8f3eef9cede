//! The charts' part of the report model: what the pictures show, gathered
//! once from the analysis: swimlanes (one per component of each process
//! run), event marks on them, process-down stretches and log holes, and the
//! requests per time bin. [`super::charts`] draws these and reads nothing else.
//!
//! Must not know: plotters, pixels beyond the bin widths, colours.

use crate::component::Component;
use crate::pipeline::Analysis;
use std::collections::BTreeMap;

/// The kinds of event marks (part of the model's vocabulary, like causes).
pub use crate::recognise::EventKind;

/// Most time bins in the requests chart.
pub const MAX_BINS: i64 = 600;

/// What the charts of a report show.
#[derive(Clone, Debug, Default)]
pub struct Scene {
    /// Every lane.
    pub lanes: Lanes,
    /// Process runs in the bundle.
    pub runs: usize,
    /// Every recognised event, in time order.
    pub marks: Vec<Mark>,
    /// Every failed span of the trace exports, in time order.
    pub failed_spans: Vec<SpanMark>,
    /// Process-down stretches: the run that stopped and the one after.
    pub outages: Vec<Stretch>,
    /// Log holes of a live run that counted as faults.
    pub holes: Vec<Stretch>,
    /// Requests per time bin over the bundle's span.
    pub outcomes: Outcomes,
}

/// One recognised event, placed on its lane by (incarnation, component).
#[derive(Clone, Copy, Debug)]
pub struct Mark {
    /// Time, UTC µs.
    pub ts: i64,
    /// Kind.
    pub kind: EventKind,
    /// The run of the line, when it belongs to one.
    pub incarnation: Option<u32>,
    /// The component that wrote the line.
    pub component: Component,
}

/// One failed span: when, and the node the call was meant for.
#[derive(Clone, Copy, Debug)]
pub struct SpanMark {
    /// Start, UTC µs.
    pub ts: i64,
    /// The node the call was meant for, when known.
    pub node: Option<u32>,
}

/// A stretch of time over the lanes of some runs.
#[derive(Clone, Debug)]
pub struct Stretch {
    /// Start, UTC µs.
    pub from: i64,
    /// End, UTC µs.
    pub to: i64,
    /// The runs whose lanes it covers.
    pub incarnations: Vec<u32>,
}

impl Scene {
    /// Gathers what the charts show of an analysis.
    pub fn of(a: &Analysis) -> Scene {
        let (from, to) = a.span().unwrap_or((0, 1));
        let to = to.max(from + 1);
        let marks = a
            .events
            .iter()
            .map(|e| {
                let (_, r) = a.timeline.record(e.at);
                Mark {
                    ts: e.ts,
                    kind: e.kind,
                    incarnation: r.incarnation(),
                    component: r.component,
                }
            })
            .collect();
        let faults = &a.found.faults;
        Scene {
            lanes: Lanes::of(a),
            runs: a.timeline.incarnations.len(),
            marks,
            failed_spans: a
                .span_events
                .iter()
                .map(|e| SpanMark {
                    ts: e.ts,
                    node: e.subject,
                })
                .collect(),
            outages: faults
                .outages
                .iter()
                .map(|o| Stretch {
                    from: o.stop_us,
                    to: o.restart_us,
                    incarnations: vec![o.before, o.after],
                })
                .collect(),
            // Only the silences that counted (others found the process
            // unreachable, or it was the standalone): a quiet coordinator
            // or an idle QueryNode writes nothing for long stretches.
            holes: faults
                .holes
                .iter()
                .filter(|h| h.consequential)
                .map(|h| Stretch {
                    from: h.start_us,
                    to: h.end_us,
                    incarnations: vec![h.incarnation],
                })
                .collect(),
            outcomes: outcomes(a, from, to),
        }
    }

    /// The failed spans in `[from, to]`.
    pub fn failed_spans_between(&self, from: i64, to: i64) -> &[SpanMark] {
        let v = &self.failed_spans;
        let lo = v.partition_point(|m| m.ts < from);
        let hi = v.partition_point(|m| m.ts <= to).max(lo);
        &v[lo..hi]
    }

    /// The marks in `[from, to]`.
    pub fn marks_between(&self, from: i64, to: i64) -> &[Mark] {
        let lo = self.marks.partition_point(|m| m.ts < from);
        let hi = self.marks.partition_point(|m| m.ts <= to).max(lo);
        &self.marks[lo..hi]
    }
}

/// One swimlane: the lines one component of one process incarnation wrote
/// (or, for etcd and the client, one component).
#[derive(Clone, Debug)]
pub struct Lane {
    /// The process incarnation, when the lines belong to one.
    pub incarnation: Option<u32>,
    /// The component that wrote the lines.
    pub component: Component,
    /// Name shown left of the lane.
    pub label: String,
    /// First line's time, UTC µs.
    pub first: i64,
    /// Last line's time, UTC µs.
    pub last: i64,
    /// The lane of the same component in the previous incarnation of the
    /// same process (a restart), drawn as a link.
    pub after: Option<usize>,
    /// Every incarnation the lane shows (one, or all runs of its component
    /// when the overview groups them).
    pub incarnations: Vec<u32>,
}

/// More lanes than this in the overview and the runs of each component
/// share one lane (a cluster with many restarts would draw thousands).
pub const MAX_OVERVIEW_LANES: usize = 60;

/// What a lane is of: a process incarnation (or none) and a component.
type LaneKey = (Option<u32>, Component);

/// Every lane of a bundle, in display order (component, then incarnation).
#[derive(Clone, Debug, Default)]
pub struct Lanes {
    /// The lanes, top to bottom.
    pub lanes: Vec<Lane>,
    index: BTreeMap<(Option<u32>, Component), usize>,
}

impl Lanes {
    /// One pass over every record.
    fn of(a: &Analysis) -> Lanes {
        let mut spans: BTreeMap<(Option<u32>, Component), (i64, i64)> = BTreeMap::new();
        // In parallel per source; a source's lines come in runs of one lane,
        // so each run is gathered before the map is touched.
        use rayon::prelude::*;
        let per_source: Vec<Vec<(LaneKey, (i64, i64))>> = a
            .timeline
            .sources
            .par_iter()
            .map(|s| {
                let mut runs: Vec<(LaneKey, (i64, i64))> = Vec::new();
                for r in s.records.iter().filter(|r| !r.ts_inferred()) {
                    let key = (r.incarnation(), r.component);
                    match runs.last_mut() {
                        Some((k, e)) if *k == key => *e = (e.0.min(r.ts), e.1.max(r.ts)),
                        _ => runs.push((key, (r.ts, r.ts))),
                    }
                }
                runs
            })
            .collect();
        for (key, (first, last)) in per_source.into_iter().flatten() {
            let e = spans.entry(key).or_insert((first, last));
            e.0 = e.0.min(first);
            e.1 = e.1.max(last);
        }
        let incs = &a.timeline.incarnations;
        let start_of = |i: Option<u32>| {
            i.and_then(|i| incs.get(i as usize))
                .map_or(i64::MIN, |x| x.start_us)
        };
        let mut keys: Vec<_> = spans.keys().copied().collect();
        keys.sort_by_key(|(inc, comp)| (*comp, start_of(*inc), *inc));
        let mut lanes: Vec<Lane> = Vec::with_capacity(keys.len());
        for (inc, comp) in keys {
            let (first, last) = spans[&(inc, comp)];
            let me = inc.and_then(|i| incs.get(i as usize));
            // The previous lane of this component from the same process
            // group (a restart in place), else from the process whose server
            // id this one replaces (a new pod at the same address).
            let replaced = me
                .and_then(|m| m.node_id)
                .and_then(|n| a.identity.node(n))
                .and_then(|x| x.replaces);
            let after = me.and_then(|m| {
                let earlier = |same: &dyn Fn(&crate::timeline::Incarnation) -> bool| {
                    lanes.iter().rposition(|l| {
                        l.component == comp
                            && l.incarnation
                                .and_then(|i| incs.get(i as usize))
                                .is_some_and(|o| o.start_us < m.start_us && same(o))
                    })
                };
                earlier(&|o| o.group == m.group)
                    .or_else(|| replaced.and_then(|r| earlier(&|o| o.node_id == Some(r))))
            });
            let label = lane_label(
                a,
                comp,
                me,
                after
                    .and_then(|p| lanes[p].incarnation)
                    .and_then(|i| incs.get(i as usize)),
            );
            lanes.push(Lane {
                incarnation: inc,
                component: comp,
                label,
                first,
                last,
                after,
                incarnations: inc.into_iter().collect(),
            });
        }
        let index = lanes
            .iter()
            .enumerate()
            .map(|(i, l)| ((l.incarnation, l.component), i))
            .collect();
        Lanes { lanes, index }
    }

    /// One lane per component, each holding every run of it: for an
    /// overview with more than [`MAX_OVERVIEW_LANES`] lanes.
    pub fn grouped(&self) -> Lanes {
        let mut by_comp: BTreeMap<Component, Lane> = BTreeMap::new();
        for l in &self.lanes {
            let g = by_comp.entry(l.component).or_insert_with(|| Lane {
                incarnation: None,
                component: l.component,
                label: String::new(),
                first: l.first,
                last: l.last,
                after: None,
                incarnations: Vec::new(),
            });
            g.first = g.first.min(l.first);
            g.last = g.last.max(l.last);
            g.incarnations.extend(&l.incarnations);
        }
        let lanes: Vec<Lane> = by_comp
            .into_values()
            .map(|mut l| {
                l.label = match l.incarnations.len() {
                    0 | 1 => l.component.id().to_string(),
                    n => format!("{} · {n} runs", l.component.id()),
                };
                l
            })
            .collect();
        let mut index = BTreeMap::new();
        for (i, l) in lanes.iter().enumerate() {
            index.insert((None, l.component), i);
            for inc in &l.incarnations {
                index.insert((Some(*inc), l.component), i);
            }
        }
        Lanes { lanes, index }
    }

    /// The lane of a record.
    pub fn of_record(&self, incarnation: Option<u32>, component: Component) -> Option<usize> {
        self.index.get(&(incarnation, component)).copied()
    }
}

fn lane_label(
    a: &Analysis,
    comp: Component,
    me: Option<&crate::timeline::Incarnation>,
    before: Option<&crate::timeline::Incarnation>,
) -> String {
    let Some(me) = me else {
        return comp.id().to_string();
    };
    let who = match me.node_id {
        Some(n) => format!("node {n}"),
        None => format!("process #{}", me.id),
    };
    let restart = match (me.node_id, before.and_then(|b| b.node_id)) {
        (Some(n), Some(o)) if n != o => format!(" (after node {o})"),
        _ if before.is_some() => " (restart)".to_string(),
        _ => {
            // A replacement the identity stage found without an earlier lane here.
            me.node_id
                .and_then(|n| a.identity.node(n))
                .and_then(|x| x.replaces)
                .map(|o| format!(" (after node {o})"))
                .unwrap_or_default()
        }
    };
    format!("{} · {who}{restart}", comp.id())
}

/// Requests per time bin: (bin start, ok, failed), and what they were read from.
#[derive(Clone, Debug, Default)]
pub struct Outcomes {
    /// Width of a bin, µs.
    pub bin_us: i64,
    /// Non-empty bins: (start, ok, failed).
    pub bins: Vec<(i64, u64, u64)>,
    /// True when read from a client log (ok counts known).
    pub client_log: bool,
}

/// Client request outcomes in `[from, to]`: every request of the client
/// log by its start, else each failure the Proxy logged.
fn outcomes(a: &Analysis, from: i64, to: i64) -> Outcomes {
    let span = (to - from).max(1);
    let bin_us = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]
        .iter()
        .map(|s| s * 1_000_000)
        .find(|b| span / b < MAX_BINS)
        .unwrap_or(span / MAX_BINS + 1);
    let mut bins: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    let mut add = |ts: i64, ok: bool| {
        if ts >= from && ts <= to {
            let b = from + (ts - from) / bin_us * bin_us;
            let e = bins.entry(b).or_default();
            if ok {
                e.0 += 1
            } else {
                e.1 += 1
            }
        }
    };
    let client_log = !a.found.requests.is_empty();
    if client_log {
        for r in &a.found.requests {
            add(r.start, r.ok());
        }
    } else {
        for e in crate::windows::proxy_failures(&a.timeline, &a.events, from, to) {
            add(e.ts, false);
        }
    }
    Outcomes {
        bin_us,
        bins: bins.into_iter().map(|(b, (o, f))| (b, o, f)).collect(),
        client_log,
    }
}

//! The phases of a window's critical path, placed one after another from the
//! window's start: each phase ends at the line that let the next one start,
//! is clipped to the window, and is left out when nothing places it.

use super::{
    dedup_evidence, stale_note, Cause, Chain, Context, Evidence, Phase, PhaseId, PHASE_EVIDENCE,
    READY_WITHIN_US,
};
use crate::recognise::rules::Signal;
use crate::recognise::{Event, EventKind};
use crate::windows::{Hole, Window};
use std::collections::BTreeSet;

/// How long after a window the line that ends its last phase is looked for.
const AFTER_WINDOW_US: i64 = 600_000_000;

/// Places the phases of one window in order.
struct Builder<'a, 'c> {
    ctx: &'a Context<'c>,
    w: &'a Window,
    chain: &'a Chain<'a>,
    /// Where the next phase starts.
    cursor: i64,
    /// Where the phases of the current fault end: the window's end, or the
    /// start of the next pause of the same process.
    limit: i64,
    out: Vec<Phase>,
}

/// The phases of a window, consecutive, covering it from its start.
pub(super) fn phases(ctx: &Context, w: &Window, chain: &Chain) -> Vec<Phase> {
    let mut b = Builder {
        ctx,
        w,
        chain,
        cursor: w.start,
        limit: w.end,
        out: Vec::new(),
    };
    let pauses = chain.pauses();
    if pauses.len() < 2 || chain.outage.is_some() {
        b.outage();
        b.metadata_sync();
        b.after_the_fault(true);
        return b.out;
    }
    // Repeated pauses (DESIGN.md): each silence its own outage segment, in
    // order; the phases after one belong to it, up to the next. Time after
    // a second pause is never routing: what no phase places there is the
    // last phase's, the fault before's.
    for (i, h) in pauses.iter().enumerate() {
        b.limit = pauses
            .get(i + 1)
            .map_or(w.end, |next| next.start_us.min(w.end));
        let ev = pause_evidence(ctx, h);
        b.push(PhaseId::Outage, h.end_us, Cause::NodeUnresponsive, ev);
        b.after_the_fault(false);
        b.extend_last_to_limit();
    }
    b.out
}

impl<'a> Builder<'a, '_> {
    /// Stretches the last phase to the limit: the time up to the next
    /// pause (or the window's end) belongs to the fault before.
    fn extend_last_to_limit(&mut self) {
        if let Some(last) = self.out.last_mut().filter(|_| self.cursor < self.limit) {
            last.end = self.limit;
            self.cursor = self.limit;
        }
    }

    /// Detection, reassignment, replay and (when asked) routing after the
    /// fault, up to the limit.
    fn after_the_fault(&mut self, routing: bool) {
        self.detection();
        let serviceable = self.serviceable();
        self.reassignment_and_replay(serviceable);
        if routing {
            self.routing(serviceable);
        }
    }

    /// Adds a phase from the cursor to `end` (clipped to the window and
    /// the current fault's limit), if it has a length.
    fn push(&mut self, id: PhaseId, end: i64, cause: Cause, mut evidence: Vec<Evidence>) {
        let end = end.min(self.w.end).min(self.limit);
        dedup_evidence(&mut evidence);
        if end > self.cursor {
            self.out.push(Phase {
                id,
                start: self.cursor,
                end,
                cause,
                evidence,
            });
            self.cursor = end;
        }
    }

    /// Fault → the process runs (restart) or answers (end of its silence)
    /// again. Each fault is its own segment (DESIGN.md): a silence that
    /// ended in an exit and a restart is `node-unresponsive` until the
    /// process's last line (it never answered again), then `process-down`
    /// until the restart.
    fn outage(&mut self) {
        let chain = self.chain;
        let ev = outage_evidence(self.ctx, chain);
        match (chain.outage, chain.hole) {
            (Some(o), Some(_)) if chain.began_silent() => {
                let (silent, down): (Vec<Evidence>, Vec<Evidence>) =
                    ev.into_iter().partition(|e| e.ts <= o.stop_us);
                self.push(PhaseId::Outage, o.stop_us, Cause::NodeUnresponsive, silent);
                self.push(PhaseId::Outage, o.restart_us, Cause::ProcessDown, down);
            }
            (Some(o), _) => self.push(PhaseId::Outage, o.restart_us, Cause::ProcessDown, ev),
            (None, Some(h)) => self.push(PhaseId::Outage, h.end_us, Cause::NodeUnresponsive, ev),
            (None, None) => {}
        }
    }

    /// Restart → the restarted process's last ready line, or the first
    /// stale-liveness line when the restart runs into an old session first
    /// (2.2 coordinators wait for their old lease to expire).
    fn metadata_sync(&mut self) {
        let ctx = self.ctx;
        let Some(o) = self.chain.outage else { return };
        let ready: Vec<&Event> = ctx
            .events_in(o.restart_us, o.restart_us + READY_WITHIN_US)
            .filter(|e| {
                matches!(e.signal(), Signal::Ready | Signal::MetaRecovered)
                    && ctx.t.record(e.at).1.incarnation() == Some(o.after)
            })
            .collect();
        let ready_at = ready
            .iter()
            .rev()
            .find(|e| e.signal() == Signal::Ready)
            .or(ready.last())
            .map(|e| e.ts);
        let first_stale = self
            .chain
            .stale
            .iter()
            .find(|e| e.ts > o.restart_us)
            .map(|e| e.ts);
        let end = match (ready_at, first_stale) {
            (Some(r), Some(s)) => r.min(s),
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => return,
        };
        let mut ev: Vec<Evidence> = Vec::new();
        if let Some(at) = o.first_line {
            ev.push(ctx.evidence(at, "the process starts again"));
        }
        ev.extend(
            ctx.events_in(o.restart_us, end)
                .filter(|e| e.kind == EventKind::MetaRecovery)
                .take(2)
                .map(|e| ctx.evidence(e.at, "meta recovered from etcd")),
        );
        if let Some(e) = ready.iter().rev().find(|e| e.ts == end) {
            ev.push(ctx.evidence(e.at, "ready to serve"));
        }
        self.push(PhaseId::MetadataSync, end, Cause::MetadataSync, ev);
    }

    /// A dead or stale node still taken as alive: until it is removed or
    /// heard from again, else until the stale lines stop (the old lease
    /// expired and the new session took over).
    fn detection(&mut self) {
        let ctx = self.ctx;
        let stale_ids: BTreeSet<u32> = self
            .chain
            .dead_ids
            .iter()
            .copied()
            .chain(self.chain.stale.iter().filter_map(|e| e.stale_or_subject()))
            .collect();
        let settled = ctx
            .events_in(self.cursor, self.w.end + AFTER_WINDOW_US)
            .find(|e| {
                matches!(e.signal(), Signal::NodeRemoved | Signal::HeartbeatRefreshed)
                    && e.subject().is_some_and(|s| stale_ids.contains(&s))
            });
        let settles_in_window = settled.is_some_and(|e| e.ts <= self.w.end);
        if self.chain.stale.is_empty() && !settles_in_window {
            return;
        }
        let last_stale = self
            .chain
            .stale
            .last()
            .map(|e| e.ts)
            .filter(|t| *t > self.cursor);
        let end = settled.map(|e| e.ts).or(last_stale).unwrap_or(self.w.end);
        let mut ev = Vec::new();
        if let Some(e) = self.chain.stale.first() {
            ev.push(ctx.evidence(e.at, stale_note(ctx, e, self.chain.is_misjudged(e))));
        }
        if let (true, Some(e)) = (self.chain.stale.len() > 1, self.chain.stale.last()) {
            ev.push(ctx.evidence(
                e.at,
                format!("{} lines like this in the window", self.chain.stale.len()),
            ));
        }
        if let Some(e) = settled {
            let id = e.subject().unwrap_or(0);
            let note = if e.signal() == Signal::NodeRemoved {
                format!("QueryCoord removes node {id}: its session expired")
            } else {
                format!("QueryCoord hears from node {id} again")
            };
            ev.push(ctx.evidence(e.at, note));
        }
        self.push(PhaseId::Detection, end, Cause::SessionTimeout, ev);
    }

    /// The collection 100 % loaded again, after the cursor.
    fn serviceable(&self) -> Option<&'a Event> {
        self.ctx
            .events_in(self.cursor, self.w.end + AFTER_WINDOW_US)
            .find(|e| e.signal() == Signal::LoadProgress && e.value().is_some_and(|p| p >= 100.0))
    }

    /// Reassignment until the first channel watch; replay from the watch
    /// until the collection is serviceable: loaded, and no delegator still
    /// waiting for tsafe.
    fn reassignment_and_replay(&mut self, serviceable: Option<&Event>) {
        let ctx = self.ctx;
        let watch = ctx
            .events_in(self.cursor, self.w.end)
            .find(|e| e.signal() == Signal::WatchStart);
        let reassigning = ctx.events_in(self.cursor, self.w.end).any(|e| {
            matches!(
                e.kind,
                EventKind::ChannelReassign | EventKind::SegmentReassign | EventKind::NodeDown
            )
        });
        if reassigning || watch.is_some() {
            let end = watch.or(serviceable).map_or(self.w.end, |e| e.ts);
            let ev = ctx
                .events_in(self.cursor, end)
                .filter(|e| {
                    matches!(
                        e.kind,
                        EventKind::ChannelReassign | EventKind::SegmentReassign
                    )
                })
                .take(PHASE_EVIDENCE - 1)
                .map(|e| ctx.evidence(e.at, "QueryCoord redistributes channels and segments"))
                .collect();
            self.push(PhaseId::Reassignment, end, Cause::CoordinationDelay, ev);
        }
        let Some(wt) = watch else { return };
        let loaded = serviceable.map_or(self.w.end, |e| e.ts);
        // Loaded is not serviceable while delegators still wait for tsafe.
        let waits: Vec<&Event> = ctx
            .events_in(wt.ts, self.w.end)
            .filter(|e| e.signal() == Signal::TsafeWait)
            .collect();
        let end = waits.last().map_or(loaded, |e| e.ts.max(loaded));
        let mut ev = vec![ctx.evidence(wt.at, "channel watch starts")];
        ev.extend(replay_evidence(ctx, wt.ts, end));
        if let Some(s) = serviceable {
            ev.push(ctx.evidence(s.at, "collection 100 % loaded"));
        }
        if let Some(e) = waits.last().filter(|e| e.ts > loaded) {
            ev.push(ctx.evidence(
                e.at,
                format!(
                    "{} requests still waited for tsafe after the load",
                    waits.iter().filter(|w| w.ts > loaded).count()
                ),
            ));
        }
        self.push(PhaseId::Replay, end, Cause::MqReplay, ev);
    }

    /// Serving again, clients still failing: what is left of the window
    /// after the server-side phases.
    fn routing(&mut self, serviceable: Option<&Event>) {
        let (ctx, w) = (self.ctx, self.w);
        if self.cursor >= self.limit || self.out.is_empty() {
            return;
        }
        let mut ev = Vec::new();
        if let Some(s) = serviceable.filter(|s| s.ts <= self.cursor) {
            ev.push(ctx.evidence(s.at, "collection loaded: serving again"));
        }
        // Requests that failed in this phase: from the client log (by their
        // end), else what the Proxy logged.
        let failures: Vec<(u32, u32)> = if w.failures.is_empty() {
            crate::windows::proxy_failures(ctx.t, ctx.events, self.cursor, w.end)
                .iter()
                .map(|e| e.at)
                .filter(|at| ctx.owns(*at))
                .collect()
        } else {
            w.failures
                .iter()
                .filter(|q| q.end >= self.cursor)
                .map(|q| q.at())
                .collect()
        };
        if let Some(at) = failures.last() {
            ev.push(ctx.evidence(
                *at,
                format!(
                    "{} failed requests ended after the server was serving again",
                    failures.len()
                ),
            ));
        }
        self.push(PhaseId::Routing, w.end, Cause::GrpcChannelRebuild, ev);
    }
}

/// The seeks and catch-up lines of a replay (not the tsafe waits).
pub(super) fn seeks<'a>(ctx: &'a Context, from: i64, to: i64) -> Vec<&'a Event> {
    ctx.events_in(from, to)
        .filter(|e| e.kind == EventKind::MqReplay && e.signal() != Signal::TsafeWait)
        .collect()
}

/// How far behind the seek started (`tsLag`), as logged.
pub(super) fn ts_lag(ctx: &Context, e: &Event) -> Option<String> {
    let (src, r) = ctx.t.record(e.at);
    src.field(r, "tsLag").map(|v| v.into_owned())
}

/// The seeks of a replay, those that say how far back they start first.
fn replay_evidence(ctx: &Context, from: i64, to: i64) -> Vec<Evidence> {
    let mut seeks = seeks(ctx, from, to);
    seeks.sort_by_key(|e| (ts_lag(ctx, e).is_none(), e.ts));
    seeks
        .iter()
        .take(2)
        .map(|e| match ts_lag(ctx, e) {
            Some(lag) => ctx.evidence(
                e.at,
                format!("replay from the channel checkpoint, {lag} behind"),
            ),
            None => ctx.evidence(e.at, "replay from the channel checkpoint"),
        })
        .collect()
}

/// What `kubectl describe` says of the end of a process's container.
fn kill_note(k: &super::kubernetes::ContainerKill) -> String {
    let code = k
        .exit_code
        .map(|c| format!(", exit code {c}"))
        .unwrap_or_default();
    let limit = match (k.oom(), &k.memory_limit) {
        (true, Some(l)) => format!(" at its memory limit {l}"),
        _ => String::new(),
    };
    format!(
        "Kubernetes: container {} of pod {} {}{code}{limit}",
        k.container, k.pod, k.reason
    )
}

/// The lines that show the fault: the silence's edges and the clock jump on
/// resume; the exit, the stopped process's last line and the restart.
/// The lines that show a silence: its edges and the clock jump on resume.
fn pause_evidence(ctx: &Context, h: &Hole) -> Vec<Evidence> {
    let mut ev = vec![
        ctx.evidence(h.before, "last line before the process went silent"),
        ctx.evidence(
            h.after,
            format!(
                "first line after {:.1} s of silence",
                (h.end_us - h.start_us) as f64 / 1e6
            ),
        ),
    ];
    if let Some(e) = ctx
        .events_in(h.end_us, h.end_us + 5_000_000)
        .find(|e| e.signal() == Signal::ClockJump)
    {
        ev.push(ctx.evidence(e.at, "its clock jumped: it was paused"));
    }
    ev
}

fn outage_evidence(ctx: &Context, chain: &Chain) -> Vec<Evidence> {
    let mut ev = Vec::new();
    if let Some(h) = chain.hole {
        ev.extend(pause_evidence(ctx, h));
    }
    if let Some(o) = chain.outage {
        let exit = ctx
            .events_in(o.stop_us - 5_000_000, o.stop_us)
            .filter(|e| matches!(e.signal(), Signal::Exit | Signal::SessionLoss))
            .last();
        if let Some(e) = exit {
            ev.push(ctx.evidence(e.at, "the process exits"));
        }
        if let Some(k) = super::kubernetes::container_kill(ctx, o) {
            ev.push(ctx.evidence(k.at, kill_note(&k)));
        }
        if let Some(at) = o.last_line {
            ev.push(ctx.evidence(at, "last line of the stopped process"));
        }
        if let Some(at) = o.first_line {
            ev.push(ctx.evidence(
                at,
                format!(
                    "restarted {:.1} s later",
                    (o.restart_us - o.stop_us) as f64 / 1e6
                ),
            ));
        }
    }
    ev.truncate(PHASE_EVIDENCE);
    ev
}

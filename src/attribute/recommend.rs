//! Recommendations computed from the bundle: each one only when the evidence
//! of this window supports it, with the numbers it rests on (phase lengths,
//! settings read from `milvus.yaml`, failed requests of the client log).

use super::{Attribution, Cause, Chain, Context, EtcdTrouble, PhaseId, Recommendation};
use crate::recognise::rules::Signal;
use crate::windows::{Request, Window};

/// A replay phase this long gets its own recommendation.
const REPLAY_NOTABLE_US: i64 = 5_000_000;

/// Retry policies tried against the client log: (tries, back-off seconds).
const RETRY_POLICIES: &[(u32, f64)] = &[(3, 1.0), (5, 2.0), (10, 3.0)];

fn secs(us: i64) -> f64 {
    us as f64 / 1e6
}

/// Where a setting's value comes from, for the text.
fn setting_origin(ctx: &Context, key: &str, default: &str) -> String {
    match ctx.setting(key) {
        Some(s) => format!("{}:{}", s.source, s.line),
        None => format!("not in the bundle; {default}"),
    }
}

/// All recommendations for a window.
pub fn recommend(ctx: &Context, w: &Window, a: &Attribution, chain: &Chain) -> Vec<Recommendation> {
    let mut out = Vec::new();
    let phase = |id| a.phases.iter().find(|p| p.id == id);
    let ttl = ctx.ttl_us;
    let ttl_from = setting_origin(
        ctx,
        "common.session.ttl",
        "the shipped milvus.yaml value of this version",
    );
    if let Some(d) = phase(PhaseId::Detection) {
        let lag_hb = chain.stale_heartbeat();
        if lag_hb {
            out.push(heartbeat_interval(ctx, chain));
        } else {
            let detect = secs(d.len_us());
            let half = secs(ttl) / 2.0;
            // Fault → the dead node's removal, the number to hold against the TTL.
            // Only a removal by the process that took over counts: a paused
            // process logs its own removal on resume.
            let from = chain.outage.map(|o| o.restart_us).or(chain.fault_us);
            let removal = chain.fault_us.zip(from).and_then(|(f, from)| {
                ctx.events_in(from, f + 3 * ttl)
                    .find(|e| {
                        e.signal() == Signal::NodeRemoved
                            && e.subject.is_some_and(|s| chain.dead_ids.contains(&s))
                    })
                    .map(|e| (e.subject.unwrap_or(0), secs(e.ts - f)))
            });
            let since_fault = match removal {
                Some((id, s)) => format!(
                    "{} was removed {s:.1} s after it stopped, and the detection phase after the restart took {detect:.1} s,",
                    capitalised(&ctx.identity.describe(id))
                ),
                None => format!("Detection took {detect:.1} s"),
            };
            out.push(Recommendation {
                id: "session-ttl",
                text: format!(
                    "{since_fault} against common.session.ttl = {:.0} s ({ttl_from}): a dead node's session stays alive until its lease expires, up to one TTL after its last keep-alive. Lowering the TTL to {half:.0} s would shorten this phase by up to {:.1} s; the trade-off is that any pause of a process or stall of etcd longer than the TTL then drops a healthy node{}.",
                    secs(ttl),
                    (detect).min(half),
                    longest_pause_note(ctx),
                ),
                setting: Some("common.session.ttl".into()),
            });
        }
    }
    if let Some(trouble) = chain
        .etcd
        .as_ref()
        .filter(|_| a.cause == Cause::EtcdUnavailable)
    {
        out.push(etcd(ctx, trouble, ttl, &ttl_from));
    }
    if let Some(p) = phase(PhaseId::Outage) {
        if p.cause == Cause::NodeUnresponsive {
            if let Some(h) = chain.hole {
                let silent = secs(h.end_us - h.start_us);
                // What happened to its sessions is read from the lines after
                // the silence, not inferred from the TTL.
                let lost = ctx
                    .events_in(h.end_us, h.end_us + crate::windows::HOLE_FOLLOW_US)
                    .any(|e| matches!(e.signal(), Signal::SessionLoss | Signal::Exit));
                let verdict = match (lost, h.end_us - h.start_us >= ttl) {
                    (true, true) => "longer than the TTL: on resume its sessions were gone and it exited".to_string(),
                    (true, false) => "shorter than the TTL, yet on resume its session keys were already deleted and it exited (etcd expired the leases while keep-alives were not sent)".to_string(),
                    (false, _) => "and its sessions survived".to_string(),
                };
                let quiet = ctx.bundle.quiet_holes;
                let others = if quiet > 0 {
                    format!(" {quiet} shorter silences in this bundle caused no failure.")
                } else {
                    String::new()
                };
                out.push(Recommendation {
                    id: "process-pause",
                    text: format!(
                        "The process was silent for {silent:.1} s (no line from {} to {}), {verdict} (common.session.ttl = {:.0} s, {ttl_from}). Find what paused it (SIGSTOP, swap, a long GC, CPU throttling): a pause that loses the sessions turns into an exit and a restart.{others}",
                        parsers::timestamp::rfc3339_ms(h.start_us),
                        parsers::timestamp::rfc3339_ms(h.end_us),
                        secs(ttl),
                    ),
                    setting: None,
                });
            }
        } else if let Some(o) = chain.outage {
            out.push(Recommendation {
                id: "process-restart",
                text: format!(
                    "The process was down {:.1} s (last line {} → restart {}), {:.0} % of the window. Failures in this phase end only when it runs again: check the supervisor's restart delay and why it stopped.",
                    secs(o.restart_us - o.stop_us),
                    parsers::timestamp::rfc3339_ms(o.stop_us),
                    parsers::timestamp::rfc3339_ms(o.restart_us),
                    100.0 * p.len_us() as f64 / (w.end - w.start).max(1) as f64,
                ),
                setting: None,
            });
        }
    }
    let after_restart: i64 = a
        .phases
        .iter()
        .filter(|p| p.id.after_restart())
        .map(|p| p.len_us())
        .sum();
    if after_restart > 0 {
        if let Some(r) = replica(ctx, w, a, after_restart) {
            out.push(r);
        }
    }
    if let Some(r) = phase(PhaseId::Replay).filter(|r| r.len_us() >= REPLAY_NOTABLE_US) {
        out.push(replay(ctx, r, chain));
    }
    if let Some(r) = phase(PhaseId::Routing) {
        out.push(Recommendation {
            id: "client-reconnect",
            text: format!(
                "Clients kept failing {:.1} s after the server was serving again: that is connection rebuilding (Proxy→QueryNode clients, or the SDK's gRPC channel reconnect back-off). A client that retries UNAVAILABLE with a short back-off, or a fresh channel after a failure, would have recovered with the server.",
                secs(r.len_us())
            ),
            setting: None,
        });
    }
    if !w.failures.is_empty() {
        out.push(client_retry(w, &w.failures));
    }
    out
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn longest_pause_note(ctx: &Context) -> String {
    match ctx.bundle.longest_hole_us {
        Some(us) => format!(
            " (the longest silence of a process in this bundle: {:.1} s)",
            secs(us)
        ),
        None => String::new(),
    }
}

/// What held the replay: how far back the seek started, requests that timed
/// out waiting for tsafe, and time ticks awaited from a dead node's session.
fn replay(ctx: &Context, r: &super::Phase, chain: &Chain) -> Recommendation {
    let lag = super::phases::seeks(ctx, r.start, r.end)
        .iter()
        .find_map(|e| super::phases::ts_lag(ctx, e))
        .map(|l| format!(" the seek started {l} behind"))
        .unwrap_or_default();
    let in_phase = || ctx.events_in(r.start, r.end);
    let waits = in_phase()
        .filter(|e| e.signal() == Signal::TsafeWait)
        .count();
    let idle: Vec<u32> = in_phase()
        .filter(|e| e.signal() == Signal::TickIdle)
        .filter_map(|e| e.subject)
        .filter(|s| chain.dead_ids.contains(s))
        .collect();
    let mut text = format!("Replay took {:.1} s:{lag}", secs(r.len_us()));
    if waits > 0 {
        text.push_str(&format!(
            "; {waits} requests failed waiting for tsafe (the delegator's serviceable time)"
        ));
    }
    if let Some(id) = idle.first() {
        text.push_str(&format!(
            "; RootCoord was still waiting for time ticks from {}'s stale session (`session idle for long time` ×{}), so tsafe could not advance until that session expired: common.session.ttl governs this phase too",
            ctx.identity.describe(*id),
            idle.len()
        ));
    }
    text.push('.');
    Recommendation {
        id: "mq-replay",
        text,
        setting: (!idle.is_empty()).then(|| "common.session.ttl".to_string()),
    }
}

fn heartbeat_interval(ctx: &Context, chain: &Chain) -> Recommendation {
    let key = "queryCoord.heartbeatAvailableInterval";
    let value = ctx.setting(key).map_or(10_000.0, |s| s.value);
    let from = setting_origin(ctx, key, "default 10000 ms");
    let pause = chain
        .hole
        .map(|h| {
            format!(
                " The node had just been silent {:.1} s.",
                secs(h.end_us - h.start_us)
            )
        })
        .unwrap_or_default();
    Recommendation {
        id: "heartbeat-interval",
        text: format!(
            "QueryCoord answered shard-leader requests from a heartbeat older than {key} = {value:.0} ms ({from}) and declared a live node offline.{pause} Raise the interval above the longest pause the nodes can take, or upgrade: 2.3.6+ no longer checks heartbeat lag when returning shard leaders (#29999)."
        ),
        setting: Some(key.into()),
    }
}

fn etcd(ctx: &Context, trouble: &EtcdTrouble, ttl: i64, ttl_from: &str) -> Recommendation {
    let span = match trouble.loss {
        Some(l) => format!(
            "etcd calls were slow or failing for {:.1} s before the session was lost",
            secs(l.ts - trouble.calls[0].ts)
        ),
        None => "etcd calls were slow or failing in the window".to_string(),
    };
    let side = if trouble.etcd_side().is_some() {
        "etcd's own log shows slowness: check its disk (fdatasync) and CPU"
    } else if ctx.has_etcd_log() {
        "etcd's own log shows no slow request: it was stalled or unreachable rather than slow (a stopped process, network partition)"
    } else {
        "the bundle has no etcd log to tell a slow etcd from an unreachable one"
    };
    Recommendation {
        id: "etcd-health",
        text: format!(
            "{span}; with common.session.ttl = {:.0} s ({ttl_from}) any etcd stall longer than the TTL expires every lease at once and the components exit. {side}. A longer TTL rides out longer stalls, at the cost of slower detection of dead nodes.",
            secs(ttl)
        ),
        setting: Some("common.session.ttl".into()),
    }
}

/// A second replica serves while this one is detected, reassigned and
/// replayed; offered only when failures fell in those phases.
fn replica(
    ctx: &Context,
    w: &Window,
    a: &Attribution,
    after_restart: i64,
) -> Option<Recommendation> {
    let phases: Vec<(i64, i64)> = a
        .phases
        .iter()
        .filter(|p| p.id.after_restart())
        .map(|p| (p.start, p.end))
        .collect();
    let inside = |t: i64| phases.iter().any(|(s, e)| t >= *s && t <= *e);
    let (hit, of) = if w.failures.is_empty() {
        let proxy = crate::windows::proxy_failures(ctx.t, ctx.events, w.start, w.end);
        (proxy.iter().filter(|e| inside(e.ts)).count(), proxy.len())
    } else {
        (
            w.failures.iter().filter(|q| inside(q.end)).count(),
            w.failures.len(),
        )
    };
    if hit == 0 {
        return None;
    }
    let deploy = if ctx.bundle.standalone {
        " This bundle is a standalone deployment (one QueryNode): replicas need a cluster with at least two QueryNodes on separate hosts."
    } else {
        ""
    };
    Some(Recommendation {
        id: "second-replica",
        text: format!(
            "{:.1} s of the window went to detection, reassignment and replay, and {hit} of the {of} failed requests ended in those phases. With a second replica on another QueryNode (load with replica_number=2), reads are served by the other replica while this one is rebuilt; the trade-off is twice the query memory.{deploy}",
            secs(after_restart)
        ),
        setting: None,
    })
}

/// What a client retry policy would have saved: a failed request is saved
/// when one of its retries (after `tries × backoff`) lands at or after the
/// first success following the window.
fn client_retry(w: &Window, failures: &[Request]) -> Recommendation {
    let recovered = w.first_ok_after.unwrap_or(w.end);
    let saved = |tries: u32, backoff: f64| {
        failures
            .iter()
            .filter(|q| q.end + (f64::from(tries) * backoff * 1e6) as i64 >= recovered)
            .count()
    };
    let policies: Vec<String> = RETRY_POLICIES
        .iter()
        .map(|(n, b)| format!("{n} × {b:.0} s saves {}", saved(*n, *b)))
        .collect();
    let worst = failures
        .iter()
        .map(|q| recovered - q.end)
        .max()
        .unwrap_or(0);
    Recommendation {
        id: "client-retry",
        text: format!(
            "Of {} failed requests, a client retry of {} (service back at {}); saving all needs about {:.0} s of retry budget after a failure.",
            failures.len(),
            policies.join(", "),
            parsers::timestamp::rfc3339_ms(recovered),
            secs(worst).ceil()
        ),
        setting: None,
    }
}

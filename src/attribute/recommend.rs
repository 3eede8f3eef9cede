//! Recommendations computed from the bundle: each one only when the evidence
//! of this window supports it, with the numbers it rests on (phase lengths,
//! settings read from `milvus.yaml`, failed requests of the client log).

use super::{
    Advice, Attribution, Cause, Chain, Context, EtcdSide, EtcdTrouble, PhaseId, Recommendation,
    SettingFrom,
};
use crate::recognise::rules::Signal;
use crate::windows::{Request, Window};

/// A replay phase this long gets its own recommendation.
const REPLAY_NOTABLE_US: i64 = 5_000_000;

/// Retry policies tried against the client log: (tries, back-off seconds).
const RETRY_POLICIES: &[(u32, f64)] = &[(3, 1.0), (5, 2.0), (10, 3.0)];

fn secs(us: i64) -> f64 {
    us as f64 / 1e6
}

/// Where a setting's value comes from.
fn setting_origin(ctx: &Context, key: &str, default: &'static str) -> SettingFrom {
    match ctx.setting(key) {
        Some(s) => SettingFrom::File(s.source.clone(), s.line),
        None => SettingFrom::Assumed(default),
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
            // Fault → the dead node's removal, the number to hold against the TTL.
            // Only a removal by the process that took over counts: a paused
            // process logs its own removal on resume.
            let from = chain.outage.map(|o| o.restart_us).or(chain.fault_us);
            let removal = chain.fault_us.zip(from).and_then(|(f, from)| {
                ctx.events_in(from, f + 3 * ttl)
                    .find(|e| {
                        e.signal() == Signal::NodeRemoved
                            && e.subject().is_some_and(|s| chain.dead_ids.contains(&s))
                    })
                    .map(|e| {
                        (
                            ctx.identity.describe(e.subject().unwrap_or(0)),
                            secs(e.ts - f),
                        )
                    })
            });
            out.push(Recommendation {
                id: "session-ttl",
                setting: Some("common.session.ttl".into()),
                facts: Advice::SessionTtl {
                    removal,
                    detect_s: detect,
                    ttl_s: secs(ttl),
                    ttl_from: ttl_from.clone(),
                    longest_pause_s: ctx.bundle.longest_hole_us.map(secs),
                    after_restart: chain.outage.is_some(),
                },
            });
        }
    }
    if let Some(trouble) = chain
        .etcd
        .as_ref()
        .filter(|_| a.cause == Cause::EtcdUnavailable)
    {
        out.push(etcd(ctx, trouble, ttl, ttl_from.clone()));
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
                out.push(Recommendation {
                    id: "process-pause",
                    setting: None,
                    facts: Advice::ProcessPause {
                        silent_s: silent,
                        from_us: h.start_us,
                        to_us: h.end_us,
                        lost,
                        longer_than_ttl: h.end_us - h.start_us >= ttl,
                        ttl_s: secs(ttl),
                        ttl_from: ttl_from.clone(),
                        quiet: ctx.bundle.quiet_holes,
                        pauses: chain.pauses().len(),
                    },
                });
            }
        } else if let Some(o) = chain.outage {
            let kill = super::kubernetes::container_kill(ctx, o);
            out.push(Recommendation {
                id: "process-restart",
                setting: None,
                facts: Advice::ProcessRestart {
                    down_s: secs(o.restart_us - o.stop_us),
                    stop_us: o.stop_us,
                    restart_us: o.restart_us,
                    share_pct: 100.0 * p.len_us() as f64 / (w.end - w.start).max(1) as f64,
                    terminated: kill.as_ref().map(|k| (k.reason.clone(), k.exit_code)),
                },
            });
            if let Some(k) = kill.filter(|k| k.oom()) {
                out.push(Recommendation {
                    id: "memory-limit",
                    setting: Some("resources.limits.memory".into()),
                    facts: Advice::MemoryLimit {
                        pod: k.pod,
                        container: k.container,
                        limit: k.memory_limit,
                        request: k.memory_request,
                        restarts: k.restart_count,
                        held_mb: k.held_mb,
                    },
                });
            }
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
            setting: None,
            facts: Advice::ClientReconnect {
                after_s: secs(r.len_us()),
            },
        });
    }
    if !w.failures.is_empty() {
        out.push(client_retry(w, &w.failures));
    }
    out
}

/// What held the replay: how far back the seek started, requests that timed
/// out waiting for tsafe, and time ticks awaited from a dead node's session.
fn replay(ctx: &Context, r: &super::Phase, chain: &Chain) -> Recommendation {
    let lag = super::phases::seeks(ctx, r.start, r.end)
        .iter()
        .find_map(|e| super::phases::ts_lag(ctx, e));
    let in_phase = || ctx.events_in(r.start, r.end);
    let waits = in_phase()
        .filter(|e| e.signal() == Signal::TsafeWait)
        .count();
    let idle: Vec<u32> = in_phase()
        .filter(|e| e.signal() == Signal::TickIdle)
        .filter_map(|e| e.subject())
        .filter(|s| chain.dead_ids.contains(s))
        .collect();
    Recommendation {
        id: "mq-replay",
        setting: (!idle.is_empty()).then(|| "common.session.ttl".to_string()),
        facts: Advice::MqReplay {
            replay_s: secs(r.len_us()),
            lag,
            tsafe_waits: waits,
            idle: idle
                .first()
                .map(|id| (ctx.identity.describe(*id), idle.len())),
        },
    }
}

fn heartbeat_interval(ctx: &Context, chain: &Chain) -> Recommendation {
    let key = "queryCoord.heartbeatAvailableInterval";
    Recommendation {
        id: "heartbeat-interval",
        setting: Some(key.into()),
        facts: Advice::HeartbeatInterval {
            key,
            value_ms: ctx.setting(key).map_or(10_000.0, |s| s.value),
            from: setting_origin(ctx, key, "default 10000 ms"),
            silent_s: chain.hole.map(|h| secs(h.end_us - h.start_us)),
        },
    }
}

fn etcd(ctx: &Context, trouble: &EtcdTrouble, ttl: i64, ttl_from: SettingFrom) -> Recommendation {
    let side = if trouble.etcd_side().is_some() {
        EtcdSide::Slow
    } else if ctx.has_etcd_log() {
        EtcdSide::NotSlow
    } else {
        EtcdSide::NoLog
    };
    Recommendation {
        id: "etcd-health",
        setting: Some("common.session.ttl".into()),
        facts: Advice::EtcdHealth {
            before_loss_s: trouble.loss.map(|l| secs(l.ts - trouble.calls[0].ts)),
            side,
            ttl_s: secs(ttl),
            ttl_from,
        },
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
        let mut proxy = crate::windows::proxy_failures(ctx.t, ctx.events, w.start, w.end);
        proxy.retain(|e| ctx.owns(e.at));
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
    Some(Recommendation {
        id: "second-replica",
        setting: None,
        facts: Advice::SecondReplica {
            after_restart_s: secs(after_restart),
            hit,
            of,
            standalone: ctx.bundle.standalone,
        },
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
    let policies = RETRY_POLICIES
        .iter()
        .map(|(n, b)| (*n, *b, saved(*n, *b)))
        .collect();
    let worst = failures
        .iter()
        .map(|q| recovered - q.end)
        .max()
        .unwrap_or(0);
    Recommendation {
        id: "client-retry",
        setting: None,
        facts: Advice::ClientRetry {
            failed: failures.len(),
            policies,
            recovered_us: recovered,
            budget_s: secs(worst).ceil(),
        },
    }
}

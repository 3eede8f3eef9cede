//! Recommendations in words: attribution says which advice holds and the
//! numbers behind it ([`crate::attribute::Advice`]); this puts them into the
//! sentences every report shows (and the JSON's `text`).
//!
//! Must not know: how the numbers were found.

use super::rfc3339_ms;
use crate::attribute::{Advice, EtcdSide, SettingFrom};

/// Where a setting's value came from, as the sentences cite it.
fn origin(from: &SettingFrom) -> String {
    match from {
        SettingFrom::File(source, line) => format!("{source}:{line}"),
        SettingFrom::Assumed(how) => format!("not in the bundle; {how}"),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The advice as a sentence, numbers included.
pub fn sentence(a: &Advice) -> String {
    match a {
        Advice::SessionTtl {
            removal,
            detect_s,
            ttl_s,
            ttl_from,
            longest_pause_s,
            after_restart,
        } => session_ttl(
            removal.as_ref(),
            (*detect_s, *after_restart),
            *ttl_s,
            ttl_from,
            *longest_pause_s,
        ),
        Advice::ProcessPause {
            silent_s,
            from_us,
            to_us,
            lost,
            longer_than_ttl,
            ttl_s,
            ttl_from,
            quiet,
            pauses,
        } => {
            let verdict = match (lost, longer_than_ttl) {
                (true, true) => "longer than the TTL: on resume its sessions were gone and it exited",
                (true, false) => "shorter than the TTL, yet on resume its session keys were already deleted and it exited (etcd expired the leases while keep-alives were not sent)",
                (false, _) => "and its sessions survived",
            };
            let others = if *quiet > 0 {
                format!(" {quiet} shorter silences in this bundle caused no failure.")
            } else {
                String::new()
            };
            let again = if *pauses > 1 {
                format!(" It paused {pauses} times in this window; this is the longest.")
            } else {
                String::new()
            };
            format!(
                "The process was silent for {silent_s:.1} s (no line from {} to {}), {verdict} (common.session.ttl = {ttl_s:.0} s, {}).{again} Find what paused it (SIGSTOP, swap, a long GC, CPU throttling): a pause that loses the sessions turns into an exit and a restart.{others}",
                rfc3339_ms(*from_us),
                rfc3339_ms(*to_us),
                origin(ttl_from),
            )
        }
        Advice::ProcessRestart {
            down_s,
            stop_us,
            restart_us,
            share_pct,
            terminated,
        } => {
            let why = match terminated {
                Some((reason, Some(code))) => format!(". Kubernetes reports its container {reason} with exit code {code}."),
                Some((reason, None)) => format!(". Kubernetes reports its container {reason}."),
                None => " and why it stopped.".to_string(),
            };
            format!(
                "The process was down {down_s:.1} s (last line {} → restart {}), {share_pct:.0} % of the window. Failures in this phase end only when it runs again: check the supervisor's restart delay{why}",
                rfc3339_ms(*stop_us),
                rfc3339_ms(*restart_us),
            )
        }
        Advice::MemoryLimit {
            pod,
            container,
            limit,
            request,
            restarts,
            held_mb,
        } => {
            let limit = match (limit, request) {
                (Some(l), Some(r)) => format!("its memory limit {l} (request {r})"),
                (Some(l), None) => format!("its memory limit {l}"),
                _ => "its memory limit".to_string(),
            };
            let held = held_mb
                .map(|(mb, at)| format!(" The process last reported {mb:.0} MB in use ({}).", rfc3339_ms(at)))
                .unwrap_or_default();
            let restarts = restarts
                .map(|n| format!(" The container has restarted {n} time(s)."))
                .unwrap_or_default();
            format!(
                "Kubernetes OOM-killed container {container} of pod {pod} at {limit}.{held}{restarts} The restarted process loads the same segments and can reach the same limit: raise resources.limits.memory of this component (Helm values or the Milvus CR) above what it holds with headroom, or make each node hold less (more QueryNodes, mmap for segments, fewer replicas per node); keep the request equal to the limit so that the scheduler places it on a node that has the memory."
            )
        }
        Advice::ClientReconnect { after_s } => format!(
            "Clients kept failing {after_s:.1} s after the server was serving again: that is connection rebuilding (Proxy→QueryNode clients, or the SDK's gRPC channel reconnect back-off). A client that retries UNAVAILABLE with a short back-off, or a fresh channel after a failure, would have recovered with the server."
        ),
        Advice::MqReplay {
            replay_s,
            lag,
            tsafe_waits,
            idle,
        } => {
            let mut text = format!("Replay took {replay_s:.1} s:");
            if let Some(l) = lag {
                text.push_str(&format!(" the seek started {l} behind"));
            }
            if *tsafe_waits > 0 {
                text.push_str(&format!(
                    "; {tsafe_waits} requests failed waiting for tsafe (the delegator's serviceable time)"
                ));
            }
            if let Some((who, n)) = idle {
                text.push_str(&format!(
                    "; RootCoord was still waiting for time ticks from {who}'s stale session (`session idle for long time` ×{n}), so tsafe could not advance until that session expired: common.session.ttl governs this phase too"
                ));
            }
            text.push('.');
            text
        }
        Advice::HeartbeatInterval {
            key,
            value_ms,
            from,
            silent_s,
        } => {
            let pause = silent_s
                .map(|s| format!(" The node had just been silent {s:.1} s."))
                .unwrap_or_default();
            format!(
                "QueryCoord answered shard-leader requests from a heartbeat older than {key} = {value_ms:.0} ms ({}) and declared a live node offline.{pause} Raise the interval above the longest pause the nodes can take, or upgrade: 2.3.6+ no longer checks heartbeat lag when returning shard leaders (#29999).",
                origin(from)
            )
        }
        Advice::EtcdHealth {
            before_loss_s,
            side,
            ttl_s,
            ttl_from,
        } => {
            let span = match before_loss_s {
                Some(s) => format!(
                    "etcd calls were slow or failing for {s:.1} s before the session was lost"
                ),
                None => "etcd calls were slow or failing in the window".to_string(),
            };
            let side = match side {
                EtcdSide::Slow => "etcd's own log shows slowness: check its disk (fdatasync) and CPU",
                EtcdSide::NotSlow => "etcd's own log shows no slow request: it was stalled or unreachable rather than slow (a stopped process, network partition)",
                EtcdSide::NoLog => "the bundle has no etcd log to tell a slow etcd from an unreachable one",
            };
            format!(
                "{span}; with common.session.ttl = {ttl_s:.0} s ({}) any etcd stall longer than the TTL expires every lease at once and the components exit. {side}. A longer TTL rides out longer stalls, at the cost of slower detection of dead nodes.",
                origin(ttl_from)
            )
        }
        Advice::SecondReplica {
            after_restart_s,
            hit,
            of,
            standalone,
        } => {
            let deploy = if *standalone {
                " This bundle is a standalone deployment (one QueryNode): replicas need a cluster with at least two QueryNodes on separate hosts."
            } else {
                ""
            };
            format!(
                "{after_restart_s:.1} s of the window went to detection, reassignment and replay, and {hit} of the {of} failed requests ended in those phases. With a second replica on another QueryNode (load with replica_number=2), reads are served by the other replica while this one is rebuilt; the trade-off is twice the query memory.{deploy}"
            )
        }
        Advice::ClientRetry {
            failed,
            policies,
            recovered_us,
            budget_s,
        } => {
            let policies: Vec<String> = policies
                .iter()
                .map(|(n, b, saved)| format!("{n} × {b:.0} s saves {saved}"))
                .collect();
            format!(
                "Of {failed} failed requests, a client retry of {} (service back at {}); saving all needs about {budget_s:.0} s of retry budget after a failure.",
                policies.join(", "),
                rfc3339_ms(*recovered_us),
            )
        }
    }
}

fn session_ttl(
    removal: Option<&(String, f64)>,
    (detect_s, after_restart): (f64, bool),
    ttl_s: f64,
    ttl_from: &SettingFrom,
    longest_pause_s: Option<f64>,
) -> String {
    let half = ttl_s / 2.0;
    let phase = if after_restart {
        "the detection phase after the restart"
    } else {
        "the clients' wait for it to be found gone (detection)"
    };
    let since_fault = match removal {
        Some((who, s)) => format!(
            "{} was removed {s:.1} s after it stopped, and {phase} took {detect_s:.1} s,",
            capitalised(who)
        ),
        None => format!("Detection took {detect_s:.1} s"),
    };
    let longest = longest_pause_s
        .map(|s| format!(" (the longest silence of a process in this bundle: {s:.1} s)"))
        .unwrap_or_default();
    format!(
        "{since_fault} against common.session.ttl = {ttl_s:.0} s ({}): a dead node's session stays alive until its lease expires, up to one TTL after its last keep-alive. Lowering the TTL to {half:.0} s would shorten this phase by up to {:.1} s; the trade-off is that any pause of a process or stall of etcd longer than the TTL then drops a healthy node{longest}.",
        origin(ttl_from),
        detect_s.min(half),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_cited_where_they_come_from() {
        let a = Advice::HeartbeatInterval {
            key: "queryCoord.heartbeatAvailableInterval",
            value_ms: 10_000.0,
            from: SettingFrom::Assumed("default 10000 ms"),
            silent_s: Some(20.04),
        };
        let s = sentence(&a);
        assert!(
            s.contains("= 10000 ms (not in the bundle; default 10000 ms)"),
            "{s}"
        );
        assert!(s.contains("silent 20.0 s."), "{s}");
        let a = Advice::EtcdHealth {
            before_loss_s: None,
            side: EtcdSide::NoLog,
            ttl_s: 30.0,
            ttl_from: SettingFrom::File("milvus/configs/milvus.yaml".into(), 212),
        };
        let s = sentence(&a);
        assert!(
            s.contains("common.session.ttl = 30 s (milvus/configs/milvus.yaml:212)"),
            "{s}"
        );
        assert!(s.contains("no etcd log"), "{s}");
    }
}

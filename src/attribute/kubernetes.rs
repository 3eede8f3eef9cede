//! What Kubernetes says about a process that stopped: the termination that
//! `kubectl describe pod` (`pod_describe/<pod>.log`) shows for its pod near
//! its last line (reason, exit code, memory limit and request, restarts),
//! and the memory the process last said it held. An outage cites it; an
//! OOM kill gets advice from these numbers.
//!
//! Must not know: how the document is read (ingest), which texts mean a
//! termination (the recogniser's table), how advice is worded (reports).

use super::Context;
use crate::recognise::rules::Signal;
use crate::recognise::EventKind;
use crate::windows::Outage;

/// How far from the stopped process's last line and its restart a
/// container's `Finished:` time can lie and still be that process's end:
/// `kubectl describe` has second precision, the log's last line can come
/// before the kill.
const NEAR_US: i64 = 5_000_000;

/// How far back the memory a killed process held is looked for.
const MEMORY_BEFORE_US: i64 = 600_000_000;

/// A container termination Kubernetes reported for a stopped process.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerKill {
    /// The `State:`/`Last State:` line of the document.
    pub at: (u32, u32),
    /// The pod.
    pub pod: String,
    /// The container.
    pub container: String,
    /// `OOMKilled`, `Error`, `Completed`.
    pub reason: String,
    /// `Exit Code:`.
    pub exit_code: Option<i32>,
    /// `Limits: memory:`.
    pub memory_limit: Option<String>,
    /// `Requests: memory:`.
    pub memory_request: Option<String>,
    /// `Restart Count:`.
    pub restart_count: Option<u32>,
    /// The memory the process last reported in use (MB) and when (UTC µs).
    pub held_mb: Option<(f64, i64)>,
}

impl ContainerKill {
    /// The kernel's OOM killer ended it at its memory limit.
    pub fn oom(&self) -> bool {
        self.reason == "OOMKilled"
    }
}

/// The pod a log file of `export-milvus-log.sh` belongs to: its name
/// without folders, `.gz`, `.log` and the `-pre` of a previous container.
fn pod_of(source: &str) -> &str {
    let file = source.rsplit('/').next().unwrap_or(source);
    let file = file.strip_suffix(".gz").unwrap_or(file);
    let file = file.strip_suffix(".log").unwrap_or(file);
    file.strip_suffix("-pre").unwrap_or(file)
}

/// The termination of the stopped process's pod around its end, if the
/// bundle has the pod's `kubectl describe`.
pub fn container_kill(ctx: &Context, o: &Outage) -> Option<ContainerKill> {
    let last = o.last_line?;
    let (src, _) = ctx.t.record(last);
    let pod = pod_of(&src.name);
    let e = ctx
        .events_in(o.stop_us - NEAR_US, o.restart_us + NEAR_US)
        .filter(|e| e.signal() == Signal::ContainerTerminated)
        .find(|e| {
            let (s, r) = ctx.t.record(e.at);
            s.field(r, "pod").is_some_and(|p| p == pod)
        })?;
    let (s, r) = ctx.t.record(e.at);
    let field = |k: &str| s.field(r, k).map(|v| v.into_owned());
    let held_mb = ctx
        .events_in(o.stop_us - MEMORY_BEFORE_US, o.stop_us)
        .filter(|m| {
            m.kind == EventKind::MemoryUsage && ctx.t.record(m.at).1.incarnation() == Some(o.before)
        })
        .filter_map(|m| m.value().map(|v| (v, m.ts)))
        .last();
    Some(ContainerKill {
        at: e.at,
        pod: pod.to_string(),
        container: field("container").unwrap_or_default(),
        reason: s.message(r).into_owned(),
        exit_code: field("exit_code").and_then(|v| v.parse().ok()),
        memory_limit: field("memory_limit"),
        memory_request: field("memory_request"),
        restart_count: field("restart_count").and_then(|v| v.parse().ok()),
        held_mb,
    })
}

#[cfg(test)]
mod tests {
    use super::pod_of;

    #[test]
    fn pods_of_exported_log_files() {
        for name in [
            "pod_log/my-release-milvus-querynode-8mpr24jv4c-7dtcg.log",
            "b/pod_log_previous/my-release-milvus-querynode-8mpr24jv4c-7dtcg.log.gz",
            "my-release-milvus-querynode-8mpr24jv4c-7dtcg-pre.log",
        ] {
            assert_eq!(
                pod_of(name),
                "my-release-milvus-querynode-8mpr24jv4c-7dtcg",
                "{name}"
            );
        }
    }
}

//! Settings: the failure-detection timings a bundle's `milvus.yaml` holds,
//! kept for the stages that compare phase lengths with them.
//!
//! Only scalar `key: value` lines are read, by indentation path; the value
//! written is trusted, never the comment beside it (the shipped comments are
//! sometimes wrong, e.g. `checkHealthRPCTimeout`). Units follow the readers
//! in the Milvus source (catalogue §2f).

use serde::Serialize;

/// One timing setting found in a config file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Setting {
    /// Dotted key, e.g. `common.session.ttl`.
    pub key: String,
    /// Value as a number.
    pub value: f64,
    /// `s`, `ms` or `""` for counts.
    pub unit: &'static str,
    /// Config file it came from.
    pub source: String,
    /// 1-based line in that file.
    pub line: u32,
}

/// The failure-detection and recovery timings kept, with their unit, as the
/// readers in the Milvus source use them (catalogue §2f). Nothing else is kept:
/// a key's unit is never guessed from its prefix.
const UNITS: &[(&str, &str)] = &[
    ("common.session.ttl", "s"),
    ("common.session.retryTimes", ""),
    ("common.gracefulStopTimeout", "s"),
    ("queryCoord.heartbeatAvailableInterval", "ms"),
    ("queryCoord.loadTimeoutSeconds", "s"),
    ("queryCoord.checkHealthInterval", "ms"),
    ("queryCoord.checkHealthRPCTimeout", "ms"),
    ("queryCoord.segmentTaskTimeout", "ms"),
    ("queryCoord.channelTaskTimeout", "ms"),
    ("queryCoord.distPullInterval", "ms"),
    ("queryCoord.distRequestTimeout", "ms"),
    ("queryCoord.heatbeatWarningLag", "ms"),
    ("queryCoord.checkNodeSessionInterval", "s"),
    ("queryCoord.checkInterval", "ms"),
    ("queryCoord.checkSegmentInterval", "ms"),
    ("queryCoord.checkChannelInterval", "ms"),
    ("queryCoord.brokerTimeout", "ms"),
    ("queryCoord.gracefulStopTimeout", "s"),
    ("queryNode.gracefulStopTimeout", "s"),
    ("queryNode.scheduler.maxTimestampLag", "s"),
    ("proxy.healthCheckTimeout", "ms"),
    ("proxy.healthCheckTimetout", "ms"),
    ("proxy.checkQueryNodeHealthInterval", "ms"),
    ("proxy.retryTimesOnHealthCheck", ""),
    ("proxy.retryTimesOnReplica", ""),
    ("proxy.shardLeaderCacheInterval", "s"),
    ("grpc.client.dialTimeout", "ms"),
    ("grpc.client.maxMaxAttempts", ""),
    ("grpc.client.initialBackOff", "s"),
    ("grpc.client.initialBackoff", "s"),
    ("grpc.client.maxBackoff", "s"),
];

fn unit_of(key: &str) -> Option<&'static str> {
    UNITS.iter().find(|(k, _)| *k == key).map(|(_, u)| *u)
}

/// Strips a ` # comment` that is not inside quotes.
fn strip_comment(v: &str) -> &str {
    let mut quote = None;
    for (i, c) in v.char_indices() {
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('#', None) if i == 0 || v[..i].ends_with(' ') => return &v[..i],
            _ => {}
        }
    }
    v
}

/// Reads the timing settings of one YAML file.
pub fn read(name: &str, text: &str) -> Vec<Setting> {
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let body = strip_comment(raw.trim_start()).trim_end();
        if body.is_empty() || body.starts_with("- ") || body == "-" || body.starts_with('#') {
            continue;
        }
        let Some((key, value)) = body.split_once(':') else {
            continue;
        };
        let key = key.trim().trim_matches(['"', '\'']);
        while stack.last().is_some_and(|(ind, _)| *ind >= indent) {
            stack.pop();
        }
        let value = value.trim().trim_matches(['"', '\'']);
        if value.is_empty() {
            stack.push((indent, key.to_string()));
            continue;
        }
        let path = stack
            .iter()
            .map(|(_, k)| k.as_str())
            .chain([key])
            .collect::<Vec<_>>()
            .join(".");
        if let (Some(unit), Ok(v)) = (unit_of(&path), value.parse::<f64>()) {
            out.push(Setting {
                key: path,
                value: v,
                unit,
                source: name.to_string(),
                line: i as u32 + 1,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_not_comments() {
        let yaml = "common:\n  session:\n    ttl: 45 # ttl value when session granting a lease to register service\n    retryTimes: 30\nqueryCoord:\n  checkHealthRPCTimeout: 2000 # 100ms, (milliseconds) the timeout of checking health rpc to query node\n  heartbeatAvailableInterval: 2000\n  ip: 127.0.0.1\nproxy:\n  healthCheckTimeout: 3000\n  http:\n    enabled: true\n";
        let s = read("milvus/configs/milvus.yaml", yaml);
        let get = |k: &str| {
            s.iter()
                .find(|x| x.key == k)
                .map(|x| (x.value, x.unit, x.line))
        };
        assert_eq!(get("common.session.ttl"), Some((45.0, "s", 3)));
        assert_eq!(
            get("queryCoord.checkHealthRPCTimeout"),
            Some((2000.0, "ms", 6))
        );
        assert_eq!(
            get("queryCoord.heartbeatAvailableInterval"),
            Some((2000.0, "ms", 7))
        );
        assert_eq!(get("proxy.healthCheckTimeout"), Some((3000.0, "ms", 10)));
        assert_eq!(get("queryCoord.ip"), None);
        let s = read(
            "m.yaml",
            "queryCoord:\n  taskExecutionCap: 256\n  port: 19531\n",
        );
        assert!(s.is_empty(), "counts and ports are not timings: {s:?}");
    }

    /// A committed capture's milvus.yaml gives the settings its capture
    /// harness set (its `expected.json`): TTL 10 s and a 2 s heartbeat window.
    #[test]
    fn bundle_config_has_the_session_ttl() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/slow-heartbeat-1");
        let text = std::fs::read_to_string(format!("{dir}/milvus/configs/milvus.yaml")).unwrap();
        let truth: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{dir}/expected.json")).unwrap())
                .unwrap();
        let s = read("milvus.yaml", &text);
        for key in [
            "common.session.ttl",
            "queryCoord.heartbeatAvailableInterval",
        ] {
            let want = truth["settings"][key]
                .as_f64()
                .expect("expected.json names it");
            assert_eq!(
                s.iter().find(|x| x.key == key).map(|x| x.value),
                Some(want),
                "{key}"
            );
        }
    }
}

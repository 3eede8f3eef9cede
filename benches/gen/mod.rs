//! A synthetic bundle for volume: real Milvus lines from
//! `samples/kill-restart-1`, re-stamped on a steady clock and spread over
//! the pods of an `export-milvus-log.sh` layout. Generated in code, so no
//! large file is committed.

/// Real Milvus text lines to repeat (their timestamps are replaced).
fn templates() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/kill-restart-1/milvus/standalone-2.log"
    );
    let text = std::fs::read_to_string(path).expect("samples/kill-restart-1");
    text.lines()
        .filter(|l| l.starts_with("[20") && l.len() > 33)
        .map(|l| l[33..].to_string())
        .collect()
}

fn stamp(us: i64) -> String {
    let days = us.div_euclid(86_400_000_000);
    let within = us.rem_euclid(86_400_000_000);
    let (y, m, d) = parsers::timestamp::civil_from_days(days);
    let s = within / 1_000_000;
    format!(
        "[{y:04}/{m:02}/{d:02} {:02}:{:02}:{:02}.{:03} +00:00]",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        (within % 1_000_000) / 1000
    )
}

/// About `target_bytes` of logs as (path in the bundle, bytes), over `pods` pods.
pub fn bundle(target_bytes: usize, pods: usize) -> Vec<(String, Vec<u8>)> {
    let t = templates();
    let roles = [
        "querynode",
        "querycoord",
        "proxy",
        "datanode",
        "querynode",
        "querynode",
    ];
    let mut files: Vec<(String, Vec<u8>)> = (0..pods)
        .map(|i| {
            (
                format!(
                    "pod_log/rel-milvus-{}-{i}-abcde.log",
                    roles[i % roles.len()]
                ),
                Vec::new(),
            )
        })
        .collect();
    let start = parsers::timestamp::datetime("2026-11-26T04:00:00Z")
        .unwrap()
        .1
        .utc_us()
        .unwrap();
    let mut total = 0;
    let mut i = 0usize;
    while total < target_bytes {
        let line = format!("{} {}\n", stamp(start + (i as i64) * 1_000), t[i % t.len()]);
        total += line.len();
        files[i % pods].1.extend_from_slice(line.as_bytes());
        i += 1;
    }
    files
}

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

/// Every time shape of a capture's logs: `2026/11/26 04:14:42`,
/// `2026-11-26T04:14:40`, `2026-11-26 05:15:53` (date and clock), and glog's
/// `W20261126 04:15:33` (date glued to the level letter).
fn time_shapes() -> regex::Regex {
    regex::Regex::new(
        r"(?P<y>\d{4})(?P<s1>[/-])(?P<m>\d{2})[/-](?P<d>\d{2})(?P<sep>[T ])(?P<hms>\d{2}:\d{2}:\d{2})|(?P<lvl>\b[IWEF])(?P<gy>\d{4})(?P<gm>\d{2})(?P<gd>\d{2}) (?P<ghms>\d{2}:\d{2}:\d{2})",
    )
    .expect("static regex")
}

fn parse_civil(y: &str, m: &str, d: &str, hms: &str) -> Option<chrono::NaiveDateTime> {
    let date = chrono::NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
    let time = chrono::NaiveTime::parse_from_str(hms, "%H:%M:%S").ok()?;
    Some(date.and_time(time))
}

/// `line` with every timestamp moved by `shift_s` seconds (years before
/// 2000, such as Go's zero time `0001-01-01`, are left as they are).
fn shift_line(re: &regex::Regex, line: &str, shift_s: i64) -> String {
    re.replace_all(line, |c: &regex::Captures<'_>| {
        let whole = c[0].to_string();
        let (y, m, d, hms) = match c.name("y") {
            Some(y) => (y.as_str(), &c["m"], &c["d"], &c["hms"]),
            None => (&c["gy"], &c["gm"], &c["gd"], &c["ghms"]),
        };
        let Some(t) = parse_civil(y, m, d, hms).filter(|t| chrono::Datelike::year(t) >= 2000)
        else {
            return whole;
        };
        let t = t + chrono::Duration::seconds(shift_s);
        match c.name("y") {
            Some(_) => {
                let s1 = &c["s1"];
                format!(
                    "{}{s1}{}{s1}{}{}{}",
                    t.format("%Y"),
                    t.format("%m"),
                    t.format("%d"),
                    &c["sep"],
                    t.format("%H:%M:%S")
                )
            }
            None => format!("{}{}", &c["lvl"], t.format("%Y%m%d %H:%M:%S")),
        }
    })
    .into_owned()
}

/// The log files of a captured bundle (its annotations and config left out),
/// as (path inside the bundle, text).
fn capture_logs(dir: &std::path::Path) -> Vec<(String, String)> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("sample folder")
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
                continue;
            }
            let name = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let annotation = name.starts_with("README")
                || name.starts_with("ground_truth")
                || name == "expected.json";
            let log = name.ends_with(".log") || name.ends_with(".jsonl");
            if log && !annotation {
                out.push((name, std::fs::read_to_string(&p).expect("utf-8 log")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// About `target_bytes` of a real capture repeated: the logs of `sample`
/// (a folder of `samples/`) again and again, each repeat moved later by the
/// capture's span plus two minutes, appended to the same files — a long-lived
/// deployment that went through the same fault many times. Also returns the
/// number of repeats. Its `milvus.yaml` is copied once.
pub fn repeats(sample: &str, target_bytes: usize) -> (Vec<(String, Vec<u8>)>, usize) {
    let dir = sample_dir(sample);
    let logs = capture_logs(&dir);
    let one: usize = logs.iter().map(|(_, t)| t.len()).sum();
    let n = target_bytes.div_ceil(one.max(1)).max(1);
    (repeat_logs(&dir, &logs, n), n)
}

/// The logs of `samples/<sample>` repeated `n` times (see [`repeats`]).
pub fn repeat_times(sample: &str, n: usize) -> Vec<(String, Vec<u8>)> {
    let dir = sample_dir(sample);
    let logs = capture_logs(&dir);
    repeat_logs(&dir, &logs, n)
}

fn sample_dir(sample: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(sample)
}

/// The span of a capture's dated lines plus two minutes: one repeat's shift.
fn period_s(re: &regex::Regex, logs: &[(String, String)]) -> i64 {
    let dated = |l: &str| {
        re.captures_iter(l)
            .filter_map(|c| match c.name("y") {
                Some(y) => parse_civil(y.as_str(), &c["m"], &c["d"], &c["hms"]),
                None => parse_civil(&c["gy"], &c["gm"], &c["gd"], &c["ghms"]),
            })
            .filter(|t| chrono::Datelike::year(t) >= 2000)
            .collect::<Vec<_>>()
    };
    let times: Vec<chrono::NaiveDateTime> = logs
        .iter()
        .flat_map(|(_, t)| t.lines().flat_map(dated))
        .collect();
    let lo = times.iter().min().copied().expect("a dated line");
    let hi = times.iter().max().copied().expect("a dated line");
    (hi - lo).num_seconds() + 120
}

fn repeat_logs(
    dir: &std::path::Path,
    logs: &[(String, String)],
    n: usize,
) -> Vec<(String, Vec<u8>)> {
    let re = time_shapes();
    let period = period_s(&re, logs);
    let mut files: Vec<(String, Vec<u8>)> = logs
        .iter()
        .map(|(name, t)| (name.clone(), Vec::with_capacity(t.len() * n)))
        .collect();
    for k in 0..n {
        for ((_, text), (_, out)) in logs.iter().zip(files.iter_mut()) {
            for line in text.split_inclusive('\n') {
                out.extend_from_slice(shift_line(&re, line, period * k as i64).as_bytes());
            }
        }
    }
    let yaml = dir.join("milvus/configs/milvus.yaml");
    if let Ok(y) = std::fs::read(&yaml) {
        files.push(("milvus/configs/milvus.yaml".into(), y));
    }
    files
}

//! The merged timeline on real bundles: restart order, incarnations and
//! emitters, zones, skews, filters, output formats.

use crate::ingest::ms;
use crate::util::*;
use serde_json::Value;

fn pos(v: &[Value], f: impl Fn(&Value) -> bool) -> usize {
    v.iter().position(f).expect("record present")
}

#[test]
fn kill_restart_1_shows_the_restart_in_order() {
    let b = root().join("samples/kill-restart-1");
    let v = timeline_jsonl(&[&b], &[]);
    // Times never go backwards.
    let times: Vec<i64> = v.iter().map(|r| ms(r["ts"].as_str().unwrap())).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let src = |r: &Value, s: &str| r["source"] == s;
    let old_lines = physical_lines(&b.join("milvus/standalone-1.log"));
    let old_last = pos(&v, |r| {
        src(r, "milvus/standalone-1.log") && r["line"].as_u64() == Some(old_lines)
    });
    let restarts: Vec<usize> = v
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            src(r, "milvus/milvus-stdout.log")
                && r["message"] == "starting running Milvus components"
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(restarts.len(), 2, "one start per incarnation in stdout");
    let new_first = pos(&v, |r| src(r, "milvus/standalone-2.log"));
    assert!(
        old_last < restarts[1] && restarts[1] < new_first,
        "old last line {old_last}, restart {}, new first line {new_first}",
        restarts[1]
    );
    // The old and new file logs and stdout are interleaved by time, not appended.
    let after: Vec<&str> = v[restarts[1]..]
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    let switches = after
        .windows(2)
        .filter(|w| {
            w[0] != w[1]
                && w.iter().all(|s| {
                    s.starts_with("milvus/milvus-stdout") || s.starts_with("milvus/standalone-2")
                })
        })
        .count();
    assert!(
        switches > 4,
        "stdout and standalone-2.log interleave ({switches} switches)"
    );
    let first_old_stdout = pos(&v, |r| src(r, "milvus/milvus-stdout.log"));
    let first_old_file = pos(&v, |r| src(r, "milvus/standalone-1.log"));
    assert!(
        first_old_stdout < first_old_file,
        "stdout holds the first seconds of the process"
    );
    // Emitters: the first process is node 1, the restarted one node 2, in every stream.
    for r in &v[..=old_last] {
        if src(r, "milvus/standalone-1.log") {
            assert_eq!(r["node"], "1");
        }
    }
    for r in &v[restarts[1]..] {
        if src(r, "milvus/standalone-2.log") || src(r, "milvus/milvus-stdout.log") {
            assert_eq!(r["node"], "2", "{r}");
        }
    }
    // The readable view shows the same order.
    let text = ok(&["timeline", b.to_str().unwrap()]);
    let lines: Vec<&str> = text.lines().collect();
    let t_old = lines
        .iter()
        .position(|l| l.ends_with(&format!("(milvus/standalone-1.log:{old_lines})")))
        .unwrap();
    let t_restart = lines
        .iter()
        .rposition(|l| l.contains("starting running Milvus components"))
        .unwrap();
    let t_new = lines
        .iter()
        .position(|l| l.contains("(milvus/standalone-2.log:1)"))
        .unwrap();
    assert!(t_old < t_restart && t_restart < t_new);
    assert!(lines[t_restart].contains(" n2 "), "{}", lines[t_restart]);
}

#[test]
fn zone_and_skew_move_the_right_records() {
    let b = root().join("samples/kill-restart-1");
    let base = timeline_jsonl(&[&b], &[]);
    let at = |v: &[Value], s: &str, line: u64| {
        v.iter()
            .find(|r| r["source"] == s && r["line"].as_u64() == Some(line))
            .map(|r| ms(r["ts"].as_str().unwrap()))
            .unwrap()
    };
    // glog lines carry no zone: --tz moves them; Milvus lines carry +00:00: it does not.
    let tz = timeline_jsonl(&[&b], &["--tz", "+05:30"]);
    let glog = (1..=45)
        .find(|l| {
            base.iter().any(|r| {
                r["source"] == "milvus/milvus-stderr.log"
                    && r["line"].as_u64() == Some(*l)
                    && r["format"] == "glog"
            })
        })
        .unwrap();
    assert_eq!(
        at(&tz, "milvus/milvus-stderr.log", glog),
        at(&base, "milvus/milvus-stderr.log", glog) - 19_800_000
    );
    assert_eq!(
        at(&tz, "milvus/standalone-1.log", 10),
        at(&base, "milvus/standalone-1.log", 10)
    );
    let sk = timeline_jsonl(&[&b], &["--skew", "milvus/standalone-1.log=+2.5s"]);
    assert_eq!(
        at(&sk, "milvus/standalone-1.log", 10),
        at(&base, "milvus/standalone-1.log", 10) + 2500
    );
    assert_eq!(
        at(&sk, "milvus/standalone-2.log", 10),
        at(&base, "milvus/standalone-2.log", 10)
    );
}

#[test]
fn filters_select_component_node_and_time() {
    let b = root().join("samples/kill-restart-1");
    let qc = timeline_jsonl(&[&b], &["--component", "querycoord"]);
    assert!(!qc.is_empty() && qc.iter().all(|r| r["component"] == "querycoord"));
    assert!(
        qc.iter().any(|r| r["message"] == "a node down, remove it"),
        "the standalone stream's QueryCoord lines are found by caller"
    );
    let n2 = timeline_jsonl(&[&b], &["--node", "2"]);
    assert!(!n2.is_empty() && n2.iter().all(|r| r["node"] == "2"));
    let w = timeline_jsonl(
        &[&b],
        &[
            "--since",
            "2026-11-26T04:15:30Z",
            "--until",
            "2026-11-26 04:15:40",
        ],
    );
    assert!(!w.is_empty());
    for r in &w {
        let t = ms(r["ts"].as_str().unwrap());
        assert!((ms("2026-11-26T04:15:30Z")..=ms("2026-11-26T04:15:40Z")).contains(&t));
    }
    // Client requests are on the timeline at their start.
    let cl = timeline_jsonl(&[&b], &["--component", "client"]);
    assert!(cl.iter().any(|r| r["format"] == "client-jsonl"
        && r["level"] == "ERROR"
        && r["message"]
            .as_str()
            .unwrap()
            .contains("collection not loaded")));
}

#[test]
fn csv_and_parquet_hold_every_record() {
    let b = root().join("samples/baseline-1");
    let n = timeline_jsonl(&[&b], &[]).len();
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("t.csv");
    let pq = tmp.path().join("t.parquet");
    ok(&[
        "timeline",
        b.to_str().unwrap(),
        "--format",
        "csv",
        "--out",
        csv.to_str().unwrap(),
    ]);
    ok(&[
        "timeline",
        b.to_str().unwrap(),
        "--format",
        "parquet",
        "--out",
        pq.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("ts,ts_inferred,level,component,node,source,line,format,message,fields\n")
    );
    let mut rdr = 0;
    let mut in_quote = false;
    for c in text.chars() {
        match c {
            '"' => in_quote = !in_quote,
            '\n' if !in_quote => rdr += 1,
            _ => {}
        }
    }
    assert_eq!(rdr, n + 1, "one CSV row per record plus the header");
    let bytes = std::fs::read(&pq).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1") && bytes.len() > 10_000);
}

/// Lines `from..to` (1-based, `to` exclusive) of a real file.
fn lines(p: &std::path::Path, from: usize, to: usize) -> String {
    let text = std::fs::read_to_string(p).unwrap();
    let v: Vec<&str> = text.lines().collect();
    v[from - 1..to.min(v.len() + 1) - 1].join("\n") + "\n"
}

#[test]
fn export_milvus_log_layout_with_previous_container() {
    // The real streams of kill-restart-1, laid out as `export-milvus-log.sh`
    // writes them: the container before its restart in pod_log_previous/,
    // the current one in pod_log/ (kubectl logs joins stderr and stdout).
    let b = root().join("samples/kill-restart-1/milvus");
    // The restart: the second `maxprocs` line of stderr, the second start of stdout.
    let nth_line = |file: &str, needle: &str| {
        let text = std::fs::read_to_string(b.join(file)).unwrap();
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.contains(needle))
            .nth(1)
            .map(|(i, _)| i + 1)
            .expect("a restart")
    };
    let restart_err = nth_line("milvus-stderr.log", "maxprocs:");
    let restart_out = nth_line("milvus-stdout.log", "starting running Milvus components");
    let prev = lines(&b.join("milvus-stderr.log"), 1, restart_err)
        + &lines(&b.join("milvus-stdout.log"), 1, restart_out);
    let cur = lines(&b.join("milvus-stderr.log"), restart_err, 10_000)
        + &lines(&b.join("milvus-stdout.log"), restart_out, 100_000);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("milvus-log");
    let pod = "my-release-milvus-standalone-6b9f7c-x2x4z.log";
    for (dir, text) in [("pod_log_previous", &prev), ("pod_log", &cur)] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        std::fs::write(root.join(dir).join(pod), text).unwrap();
    }
    std::fs::create_dir_all(root.join("pod_describe")).unwrap();
    // The sample's `kubectl describe` document, for this pod.
    let describe = std::fs::read_to_string(crate::util::root().join(
        "samples/cluster-querynode-oomkill-inplace-1/pod_describe/my-release-milvus-querynode-8mpr24jv4c-7dtcg.log",
    ))
    .unwrap()
    .replace("my-release-milvus-querynode-8mpr24jv4c-7dtcg", pod.trim_end_matches(".log"));
    std::fs::write(root.join("pod_describe").join(pod), describe).unwrap();
    std::fs::copy(
        crate::util::root().join("samples/kill-restart-1/etcd/etcd.log"),
        root.join("pod_log/my-release-etcd-0.log"),
    )
    .unwrap();
    let tgz = tmp.path().join("milvus-log.tar.gz");
    let f = std::fs::File::create(&tgz).unwrap();
    let mut t = tar::Builder::new(flate2::write::GzEncoder::new(
        f,
        flate2::Compression::fast(),
    ));
    t.append_dir_all("milvus-log", &root).unwrap();
    t.into_inner().unwrap().finish().unwrap();

    let d = analyze(&[&tgz]);
    let src = |n: &str| source_in(&d, n);
    assert_eq!(src(&format!("pod_log_previous/{pod}"))["previous"], true);
    assert_eq!(src(&format!("pod_log/{pod}"))["previous"], false);
    assert_eq!(src(&format!("pod_log/{pod}"))["component"], "standalone");
    assert_eq!(src("pod_log/my-release-etcd-0.log")["component"], "etcd");
    assert_eq!(d["accounting"]["lines_unparsed"], 0);
    // Kubernetes' account of the pod is read, not skipped, and is no process.
    assert_eq!(
        src(&format!("pod_describe/{pod}"))["component"],
        "kubernetes"
    );
    let inc = d["incarnations"].as_array().unwrap();
    assert_eq!(inc.len(), 2, "{inc:?}");
    assert_eq!(
        (inc[0]["node"].as_str(), inc[0]["sources"][0].as_str()),
        (Some("1"), Some(format!("pod_log_previous/{pod}").as_str()))
    );
    assert_eq!(
        (inc[1]["node"].as_str(), inc[1]["sources"][0].as_str()),
        (Some("2"), Some(format!("pod_log/{pod}").as_str()))
    );
    assert!(inc.iter().all(|i| i["start_seen"] == true));
}

#[test]
fn rotated_file_logs_stay_with_their_process() {
    let b = root().join("samples/kill-restart-1");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("kr");
    copy_tree(&b, &copy, &|_| false);
    let log = copy.join("milvus/standalone-2.log");
    let rotated = lines(&log, 1, 1001);
    let rest = lines(&log, 1001, 100_000);
    std::fs::write(
        copy.join("milvus/standalone-2-2026-11-26T04-16-10.000.log"),
        rotated,
    )
    .unwrap();
    std::fs::write(&log, rest).unwrap();
    let d = analyze(&[&copy]);
    let inc = d["incarnations"].as_array().unwrap();
    assert_eq!(inc.len(), 2);
    assert!(inc[1]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "milvus/standalone-2-2026-11-26T04-16-10.000.log"));
    let v = timeline_jsonl(&[&copy], &[]);
    let rot: Vec<&Value> = v
        .iter()
        .filter(|r| r["source"] == "milvus/standalone-2-2026-11-26T04-16-10.000.log")
        .collect();
    assert_eq!(rot.len(), 1000);
    assert!(rot.iter().all(|r| r["node"] == "2"));
    // The rotated part comes before the current file, and times never go back.
    let first_cur = pos(&v, |r| r["source"] == "milvus/standalone-2.log");
    let last_rot = v
        .iter()
        .rposition(|r| r["source"] == "milvus/standalone-2-2026-11-26T04-16-10.000.log")
        .unwrap();
    assert!(last_rot < first_cur);
}

#[test]
fn analyze_range_and_unknown_skew() {
    let b = root().join("samples/kill-restart-1");
    let d = analyze_with(
        &[&b],
        &[
            "--since",
            "2026-11-26T04:15:30Z",
            "--skew",
            "nosuch.log=+1s",
        ],
    );
    assert_eq!(d["range"]["since"], "2026-11-26T04:15:30.000Z");
    let inc = d["incarnations"].as_array().unwrap();
    assert_eq!(inc.len(), 1, "only the process alive after 04:15:30");
    assert_eq!(inc[0]["node"], "2");
    assert!(ms(d["bundle"]["start"].as_str().unwrap()) >= ms("2026-11-26T04:15:30Z"));
    // The accounting still covers every line.
    assert_eq!(d["accounting"], {
        let mut whole = analyze(&[&b])["accounting"].clone();
        whole["warnings"] = d["accounting"]["warnings"].clone();
        whole
    });
    assert!(d["accounting"]["warnings"]
        .to_string()
        .contains("--skew nosuch.log: no source has that name"));
}

#[test]
fn docker_compose_logs_stream_of_several_containers() {
    // kill-restart-1's etcd log and Milvus stdout, as `docker compose logs`
    // writes them: one stream, each line prefixed by its service.
    let b = root().join("samples/kill-restart-1");
    let mut text = String::new();
    for l in std::fs::read_to_string(b.join("etcd/etcd.log"))
        .unwrap()
        .lines()
    {
        text.push_str(&format!("milvus-etcd        | {l}\n"));
    }
    for l in std::fs::read_to_string(b.join("milvus/milvus-stdout.log"))
        .unwrap()
        .lines()
    {
        text.push_str(&format!("milvus-standalone  | {l}\n"));
    }
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("docker-compose.log");
    std::fs::write(&f, text).unwrap();
    let d = analyze(&[&f]);
    assert_eq!(d["accounting"]["lines_unparsed"], 0);
    let inc = d["incarnations"].as_array().unwrap();
    assert_eq!(
        inc.iter()
            .map(|i| i["node"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["1", "2"]
    );
    let v = timeline_jsonl(&[&f], &[]);
    for r in &v {
        if r["format"] == "etcd-json" {
            assert_eq!(
                (r["component"].as_str(), r["node"].as_str()),
                (Some("etcd"), None),
                "{r}"
            );
        }
    }
    assert!(v
        .iter()
        .any(|r| r["component"] == "querycoord" && r["node"] == "2"));
}

#[test]
fn a_source_without_any_time_is_placed_at_the_bundle_start() {
    // A pasted REPL session (no time at all) beside a CI log of the same incident.
    let c = crate::shared_or_skip!().join("corpus/public");
    let repl = c.join("milvus-25357-client-nodeoffline-querynode-crash-on-search.log");
    let ci = c.join("milvus-31029-client-node-offline-after-querynode-chaos.log");
    let v = timeline_jsonl(&[&repl, &ci], &[]);
    let earliest = v
        .iter()
        .filter(|r| r["ts_inferred"] == false)
        .map(|r| ms(r["ts"].as_str().unwrap()))
        .min()
        .unwrap();
    let placed: Vec<&Value> = v
        .iter()
        .filter(|r| r["source"].as_str().unwrap().starts_with("milvus-25357"))
        .collect();
    assert_eq!(placed.len(), 2);
    assert!(placed
        .iter()
        .all(|r| r["ts_inferred"] == true && ms(r["ts"].as_str().unwrap()) == earliest));
    let d = analyze(&[&repl, &ci]);
    assert!(d["accounting"]["warnings"]
        .to_string()
        .contains("no line has a time"));
    assert_eq!(ms(d["bundle"]["start"].as_str().unwrap()), earliest);
}

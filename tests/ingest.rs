//! Ingest on real bundles: every line accounted for, annotations and
//! archives make no difference, broken files do not stop the rest.

use crate::util::*;
use serde_json::Value;
use std::io::Write;
use std::path::Path;

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

#[test]
fn every_real_bundle_is_read_completely() {
    for b in real_bundles() {
        let d = analyze(&[&b]);
        let a = &d["accounting"];
        let (total, parsed, cont, unparsed) = (
            u(&a["lines_total"]),
            u(&a["lines_parsed"]),
            u(&a["lines_continuation"]),
            u(&a["lines_unparsed"]),
        );
        assert_eq!(parsed + cont + unparsed, total, "{}", b.display());
        // The total is the physical line count of the files accounted, counted here independently.
        let mut physical = 0;
        for s in a["sources"].as_array().unwrap() {
            let name = s["source"].as_str().unwrap();
            let lines = physical_lines(&b.join(name));
            assert_eq!(u(&s["lines_total"]), lines, "{}: {name}", b.display());
            assert_eq!(
                u(&s["lines_parsed"]) + u(&s["lines_continuation"]) + u(&s["lines_unparsed"]),
                lines,
                "{name}"
            );
            // The broker (tansu) writes four start-up lines of its own
            // prose, with no time: no grammar reads them, and they say so.
            assert!(
                u(&s["lines_unparsed"]) <= 1 || s["component"] == "kafka",
                "{}: {name} has {} unparsed lines: {}",
                b.display(),
                s["lines_unparsed"],
                s["warnings"]
            );
            if name.ends_with("milvus-stdout.log") || name.ends_with("milvus-stderr.log") {
                assert_eq!(
                    s["component"], "standalone",
                    "{name}: the streams beside standalone-<id>.log are the standalone's"
                );
            }
            let by_format: u64 = s["formats"].as_object().unwrap().values().map(u).sum();
            assert_eq!(
                by_format,
                u(&s["lines_parsed"]) + u(&s["lines_continuation"]),
                "{name}"
            );
            physical += lines;
        }
        assert_eq!(physical, total);
        assert!(
            unparsed * 200 <= total,
            "{}: {unparsed} of {total} lines unparsed",
            b.display()
        );
        // Annotations (left out by the tests' --exclude) and the config are
        // listed with their reason, not read as logs.
        let skipped = d["accounting"]["skipped"].as_array().unwrap();
        let reason = |n: &str| {
            skipped
                .iter()
                .find(|s| s["source"] == n)
                .map(|s| s["reason"].as_str().unwrap().to_string())
        };
        assert_eq!(
            reason("README.txt").unwrap(),
            "excluded by --exclude README.txt"
        );
        assert_eq!(
            reason("ground_truth.json").unwrap(),
            "excluded by --exclude ground_truth*"
        );
        let config = ["milvus/configs/milvus.yaml", "configs/milvus.yaml"]
            .into_iter()
            .find_map(reason)
            .unwrap_or_else(|| panic!("{}: no milvus.yaml", b.display()));
        assert!(config.contains("configuration"));
        assert!(
            d["settings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["key"] == "common.session.ttl"),
            "{}",
            b.display()
        );
    }
}

/// The product skips nothing by a harness's file names: given no
/// `--exclude`, a bundle's `README.txt` is read like any text log (an
/// operator's notes may hold the log lines that matter), and `--exclude`
/// leaves out what it matches, by name at any depth or by path.
#[test]
fn only_exclude_leaves_files_out() {
    let b = root().join("samples/kill-restart-1");
    let sources = |args: &[&str]| -> Vec<String> {
        let out = crate::util::run_as_given(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let d: Value = serde_json::from_slice(&out.stdout).unwrap();
        d["accounting"]["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["source"].as_str().unwrap().to_string())
            .collect()
    };
    let path = b.display().to_string();
    let all = sources(&["analyze", &path, "--json", "-"]);
    assert!(all.contains(&"README.txt".to_string()), "{all:?}");
    assert!(all.contains(&"ground_truth.json".to_string()), "{all:?}");
    let fewer = sources(&[
        "analyze",
        &path,
        "--json",
        "-",
        "--exclude",
        "README.txt",
        "--exclude",
        "milvus/*-stderr.log",
    ]);
    assert!(!fewer.contains(&"README.txt".to_string()), "{fewer:?}");
    assert!(
        !fewer.contains(&"milvus/milvus-stderr.log".to_string()),
        "{fewer:?}"
    );
    assert!(
        fewer.contains(&"milvus/milvus-stdout.log".to_string()),
        "{fewer:?}"
    );
    // A malformed pattern is refused, naming it.
    let bad = crate::util::run_as_given(&["analyze", &path, "--json", "-", "--exclude", "[x"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--exclude \"[x\""));
}

#[test]
fn annotations_do_not_change_the_output() {
    for name in ["kill-restart-1", "etcd-stall-1"] {
        let b = crate::shared_or_skip!().join("bundles").join(name);
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join(name);
        copy_tree(&b, &copy, &|n| is_annotation(n));
        assert_eq!(
            timeline_jsonl(&[&b], &[]),
            timeline_jsonl(&[&copy], &[]),
            "{name}"
        );
        let (x, y) = (analyze(&[&b]), analyze(&[&copy]));
        assert_eq!(x["accounting"]["sources"], y["accounting"]["sources"]);
        assert_eq!(x["incarnations"], y["incarnations"]);
        assert_eq!(x["settings"], y["settings"]);
    }
}

fn tar_gz(dir: &Path, top: &str, out: &Path) {
    let f = std::fs::File::create(out).unwrap();
    let enc = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
    let mut t = tar::Builder::new(enc);
    t.append_dir_all(top, dir).unwrap();
    t.into_inner().unwrap().finish().unwrap();
}

#[test]
fn archives_give_the_same_records_as_the_folder() {
    let b = root().join("samples/kill-restart-1");
    let tmp = tempfile::tempdir().unwrap();
    let tgz = tmp.path().join("kill-restart-1.tar.gz");
    tar_gz(&b, "kill-restart-1", &tgz);
    let from_dir = timeline_jsonl(&[&b], &[]);
    assert_eq!(timeline_jsonl(&[&tgz], &[]), from_dir);
    // A zip of the same files, without a top folder.
    let zpath = tmp.path().join("bundle.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zpath).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for rel in [
        "client/client.jsonl",
        "client/pymilvus.log",
        "etcd/etcd.log",
        "etcd/etcd-stderr.log",
        "milvus/milvus-stderr.log",
        "milvus/milvus-stdout.log",
        "milvus/standalone-1.log",
        "milvus/standalone-2.log",
        "milvus/configs/milvus.yaml",
    ] {
        z.start_file(rel, opts).unwrap();
        z.write_all(&std::fs::read(b.join(rel)).unwrap()).unwrap();
    }
    z.finish().unwrap();
    assert_eq!(timeline_jsonl(&[&zpath], &[]), from_dir);
}

#[test]
fn broken_files_are_named_and_the_rest_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let b = tmp.path().join("bundle");
    std::fs::create_dir_all(b.join("milvus")).unwrap();
    let good =
        std::fs::read_to_string(root().join("samples/kill-restart-1/milvus/standalone-1.log"))
            .unwrap();
    std::fs::write(b.join("milvus/standalone-1.log"), &good).unwrap();
    // A gzip cut in the middle, a binary core dump, a file with invalid UTF-8.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(good.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    std::fs::write(b.join("milvus/standalone-3.log.gz"), &gz[..gz.len() / 2]).unwrap();
    std::fs::write(b.join("milvus/core.log"), b"\x7fELF\0\0\0binary").unwrap();
    let mut bad = good
        .lines()
        .take(3)
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes();
    bad.extend_from_slice(
        b"\n[2026/11/26 04:14:43.585 +00:00] [INFO] [proxy/impl.go:1] [\"bad \xff byte\"]\n",
    );
    std::fs::write(b.join("milvus/standalone-4.log"), bad).unwrap();
    // No window, and a file not read: exit 3.
    let d = analyze_doubtful(&[&b]);
    let src = |n: &str| source_in(&d, n);
    assert_eq!(
        u(&src("milvus/standalone-1.log")["lines_total"]),
        physical_lines(&b.join("milvus/standalone-1.log"))
    );
    let gz_warn = src("milvus/standalone-3.log")["warnings"].to_string();
    assert!(
        gz_warn.contains("milvus/standalone-3.log") && gz_warn.contains("decompressed offset"),
        "{gz_warn}"
    );
    assert!(
        u(&src("milvus/standalone-3.log")["lines_parsed"]) > 100,
        "the part before the cut is read"
    );
    assert!(src("milvus/standalone-4.log")["warnings"]
        .to_string()
        .contains("milvus/standalone-4.log:4: invalid UTF-8"));
    assert_eq!(u(&src("milvus/standalone-4.log")["lines_parsed"]), 4);
    let skipped = d["accounting"]["skipped"].as_array().unwrap();
    assert!(skipped
        .iter()
        .any(|s| s["source"] == "milvus/core.log"
            && s["reason"].as_str().unwrap().contains("binary")));
}

#[test]
fn samples_match_their_expected_processes() {
    let mut samples: Vec<_> = std::fs::read_dir(root().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    samples.sort();
    assert!(samples.len() >= 7, "{samples:?}");
    for b in samples {
        let name = b.file_name().unwrap().to_string_lossy().into_owned();
        // Every committed sample states what it must give.
        let text = std::fs::read_to_string(b.join("expected.json"))
            .unwrap_or_else(|e| panic!("samples/{name}/expected.json: {e}"));
        let exp: Value = serde_json::from_str(&text).unwrap();
        let d = analyze(&[&b]);
        assert_eq!(
            d["bundle"]["milvus_version"], exp["milvus_version"],
            "{name}"
        );
        let got = d["incarnations"].as_array().unwrap();
        let want = exp["processes"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{name}: {got:?}");
        // Processes that start within milliseconds of each other (a
        // cluster's coordinators) come in either order: each expected one
        // is found by its node id and sources.
        for w in want {
            let g = got
                .iter()
                .find(|g| g["node"] == w["node"] && g["sources"] == w["sources"])
                .unwrap_or_else(|| panic!("{name}: no process like {w} in {got:#?}"));
            // The logged start follows the harness's process start by under 1.5 s.
            let started = ms(w["started"].as_str().unwrap());
            let logged = ms(g["start"].as_str().unwrap());
            assert!(
                logged >= started - 1000 && logged - started < 1500,
                "{name}: start {} vs {}",
                g["start"],
                w["started"]
            );
            // The start is the `starting running Milvus components` line,
            // on stdout (standalone) or in the pod's log.
            let start_source = w["start_source"]
                .as_str()
                .unwrap_or("milvus/milvus-stdout.log");
            assert_eq!(g["start_at"]["source"], start_source, "{name}");
        }
        for (k, v) in exp["settings"].as_object().unwrap() {
            let s = d["settings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["key"] == k.as_str())
                .unwrap_or_else(|| panic!("{k}"));
            assert_eq!(s["value"].as_f64(), v.as_f64(), "{k}");
        }
        assert!(u(&d["accounting"]["lines_unparsed"]) <= u(&exp["max_unparsed_lines"]));
        for g in exp["grammars_present"].as_array().into_iter().flatten() {
            let seen = d["accounting"]["sources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["formats"].get(g.as_str().unwrap()).is_some());
            assert!(seen, "{name}: no {g} line read");
        }
        // The grammar that reads most of a source, where the sample says which.
        for (source, grammar) in exp["formats"].as_object().into_iter().flatten() {
            let s = source_in(&d, source);
            let top = s["formats"]
                .as_object()
                .unwrap()
                .iter()
                .max_by_key(|(_, n)| n.as_u64())
                .map(|(g, _)| g.clone());
            assert_eq!(top.as_deref(), grammar.as_str(), "{name}: {source}");
        }
    }
}

/// ms since the epoch of an RFC 3339 UTC time, computed here without the tool.
pub fn ms(s: &str) -> i64 {
    let t = chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    t.timestamp_millis()
}

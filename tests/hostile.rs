//! Hostile and broken bundles: every case is built in test code around a
//! committed sample (`samples/kill-restart-1`, one window) or the no-window
//! baseline, and the run must end, without a panic or an abort, with the
//! good files analysed, what was not read listed with its reason, and an
//! exit code that does not say "all clear" by mistake.

use crate::util;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn sample(name: &str) -> PathBuf {
    util::root().join("samples").join(name)
}

/// A copy of a sample without its capture annotations, in `dir/<name>`.
fn copy_of(name: &str, dir: &Path, to: &str) -> PathBuf {
    let b = dir.join(to);
    util::copy_tree(&sample(name), &b, &util::is_annotation);
    b
}

/// Runs the binary with a time bound (a hang fails the test instead of
/// blocking the suite) and returns its output and the child's peak RSS (KiB).
// The child is reaped by `wait4`, which also gives its own peak RSS.
fn run_bounded(args: &[&str], stderr: Option<Stdio>) -> (Output, i64) {
    run_limited(args, stderr, None)
}

/// [`run_bounded`], with the child's address space limited to
/// `address_space` bytes (`RLIMIT_AS`): an allocation above it fails.
#[allow(clippy::zombie_processes)]
fn run_limited(args: &[&str], stderr: Option<Stdio>, address_space: Option<u64>) -> (Output, i64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_milvus-postmortem"));
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(stderr.unwrap_or_else(Stdio::piped));
    if let Some(bytes) = address_space {
        use std::os::unix::process::CommandExt;
        let limit = libc::rlimit {
            rlim_cur: bytes,
            rlim_max: bytes,
        };
        // SAFETY: setrlimit is async-signal-safe; it runs in the forked
        // child before exec and touches only the limit given by value.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    }
    let mut child = cmd.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut o = Vec::new();
        let mut e = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut o).ok();
        if let Some(err) = err.as_mut() {
            std::io::Read::read_to_end(err, &mut e).ok();
        }
        (o, e)
    });
    let start = Instant::now();
    let (status, rss) = loop {
        let mut status = 0;
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 on our own child with valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r == pid {
            break (status, ru.ru_maxrss);
        }
        if start.elapsed() > Duration::from_secs(240) {
            let _ = child.kill();
            panic!("milvus-postmortem {args:?} still running after 240 s: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = reader.join().unwrap();
    use std::os::unix::process::ExitStatusExt;
    let status = std::process::ExitStatus::from_raw(status);
    (
        Output {
            status,
            stdout,
            stderr,
        },
        rss,
    )
}

/// The run ended with exit 0 (its stderr shown when not).
fn exited_0(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn json_of(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("the JSON report was written")).unwrap()
}

fn skipped(d: &Value) -> Vec<(String, String)> {
    d["accounting"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["source"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn reason_of(d: &Value, source_part: &str) -> String {
    skipped(d)
        .into_iter()
        .find(|(s, _)| s.contains(source_part))
        .unwrap_or_else(|| panic!("{source_part} not listed as skipped: {:?}", skipped(d)))
        .1
}

/// Every warning of the report: the bundle's and each source's.
fn warnings(d: &Value) -> String {
    let mut all = d["accounting"]["warnings"].to_string();
    for s in d["accounting"]["sources"].as_array().unwrap() {
        all.push_str(&s["warnings"].to_string());
    }
    all
}

/// The windows of the untouched sample, for comparison.
fn windows_of(d: &Value) -> usize {
    d["windows"].as_array().unwrap().len()
}

/// `analyze --json FILE` of a bundle that must be analysed (exit 0): the report.
fn analyze_ok(bundle: &Path, json: &Path) -> Value {
    let (out, _) = analyze_to(bundle, json, &[]);
    exited_0(&out);
    json_of(json)
}

/// The report of the untouched sample every hostile case is built around.
fn untouched() -> Value {
    util::analyze(&[&sample("kill-restart-1")])
}

fn analyze_to(bundle: &Path, json: &Path, extra: &[&str]) -> (Output, i64) {
    let mut args = vec![
        "analyze",
        bundle.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ];
    args.extend(extra);
    run_bounded(&args, None)
}

/// A folder that cannot be listed because its path is longer than the
/// system allows (ENAMETOOLONG), made from the bottom up with short paths.
fn too_long_folder(parent: &Path) -> PathBuf {
    let levels = 18;
    let mut p = parent.join("deep");
    for _ in 1..levels {
        p = p.join("d");
    }
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("x.log"), "never read\n").unwrap();
    let long = "L".repeat(250);
    // Renamed deepest first: every rename's own path stays short.
    for depth in (1..levels).rev() {
        let mut at = parent.join("deep");
        for _ in 1..depth {
            at = at.join("d");
        }
        std::fs::rename(at.join("d"), at.join(&long)).unwrap();
    }
    parent.join("deep")
}

#[test]
fn special_files_and_folders_that_cannot_be_listed_leave_the_rest_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let b = copy_of("kill-restart-1", dir.path(), "b");
    let fifo = b.join("milvus/pipe.log");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
    // A character device needs privileges; where they are missing, the FIFO stands for it.
    let device = Command::new("mknod")
        .args([b.join("milvus/zero.log").to_str().unwrap(), "c", "1", "5"])
        .status()
        .is_ok_and(|s| s.success());
    too_long_folder(&b);
    let json = dir.path().join("r.json");
    let d = analyze_ok(&b, &json);
    let whole = untouched();
    assert_eq!(windows_of(&d), windows_of(&whole));
    assert!(reason_of(&d, "milvus/pipe.log").contains("FIFO"));
    if device {
        assert!(reason_of(&d, "milvus/zero.log").contains("character device"));
    }
    assert!(
        reason_of(&d, "deep/").contains("cannot be listed"),
        "{:?}",
        skipped(&d)
    );
}

/// 4 GiB of NUL bytes in 4 MiB of gzip, as a `.gz` file of a folder and as
/// a `.gz` member of a tar.gz, beside a 2 GiB sparse file.
#[test]
fn a_gzip_bomb_and_a_sparse_file_stay_small_and_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let b = copy_of("kill-restart-1", dir.path(), "b");
    let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    member.write_all(&vec![0u8; 64 << 20]).unwrap();
    let member = member.finish().unwrap();
    // Concatenated gzip members read as one stream: 64 × 64 MiB.
    let bomb: Vec<u8> = member
        .iter()
        .copied()
        .cycle()
        .take(member.len() * 64)
        .collect();
    std::fs::write(b.join("milvus/bomb.log.gz"), &bomb).unwrap();
    let sparse = std::fs::File::create(b.join("milvus/sparse.log")).unwrap();
    sparse.set_len(2 << 30).unwrap();
    let json = dir.path().join("r.json");
    let (out, rss_kib) = analyze_to(&b, &json, &[]);
    exited_0(&out);
    assert!(rss_kib < 1 << 20, "peak RSS {rss_kib} KiB for a gzip bomb");
    let d = json_of(&json);
    assert!(reason_of(&d, "milvus/bomb.log").contains("NUL bytes only"));
    assert!(reason_of(&d, "milvus/sparse.log").contains("not a log"));
    assert_eq!(windows_of(&d), 1);

    // The same bomb as a member of an archive.
    let tgz = dir.path().join("bundle.tar");
    let mut h = tar::Header::new_gnu();
    h.set_size(bomb.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    let mut t2 = tar::Builder::new(std::fs::File::create(&tgz).unwrap());
    t2.append_data(&mut h, "b/milvus/bomb2.log.gz", &bomb[..])
        .unwrap();
    // Named as no log: listed by its name, never decompressed.
    t2.append_data(&mut h, "b/milvus/core-dump.bin.gz", &bomb[..])
        .unwrap();
    for f in ["milvus/standalone-1.log", "client/client.jsonl"] {
        t2.append_path_with_name(b.join(f), format!("b/{f}"))
            .unwrap();
    }
    t2.finish().unwrap();
    let (out, rss_kib) = analyze_to(&tgz, &json, &[]);
    assert!(
        out.status.code().is_some(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        rss_kib < 1 << 20,
        "peak RSS {rss_kib} KiB for a gzip bomb in a tar"
    );
    let d = json_of(&json);
    assert!(reason_of(&d, "milvus/bomb2.log").contains("NUL bytes only"));
    assert!(reason_of(&d, "milvus/core-dump.bin.gz").contains("not a log file"));
}

/// A log that a process keeps writing while it is read is read up to
/// where it was, with a warning that names it.
#[test]
fn a_file_written_while_read_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let b = copy_of("kill-restart-1", dir.path(), "b");
    let growing = b.join("milvus/growing.log");
    let lines = std::fs::read_to_string(b.join("milvus/standalone-2.log")).unwrap();
    std::fs::write(&growing, lines.repeat(20)).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, growing) = (stop.clone(), growing.clone());
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(growing)
                .unwrap();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                f.write_all(
                    b"[2026/11/26 04:17:39.619 +00:00] [INFO] [x/y.go:1] [still writing]\n",
                )
                .unwrap();
                std::thread::sleep(Duration::from_micros(200));
            }
        })
    };
    let json = dir.path().join("r.json");
    let (out, _) = analyze_to(&b, &json, &[]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    exited_0(&out);
    let w = warnings(&json_of(&json));
    assert!(w.contains("milvus/growing.log: changed while read"), "{w}");
}

/// A file whose whole read needs more memory than the process may take
/// (a 1.5 GiB log, sparse after its first lines, with NUL bytes that send
/// it to the whole-text path) is listed as not read, with the reason; the
/// process does not abort, and the rest of the bundle is analysed.
#[test]
fn an_allocation_that_fails_is_a_warning_for_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let b = copy_of("kill-restart-1", dir.path(), "b");
    let head = std::fs::read(b.join("milvus/standalone-1.log")).unwrap();
    let mut huge = std::fs::File::create(b.join("milvus/huge.log")).unwrap();
    huge.write_all(&head[..head.len().min(20_000)]).unwrap();
    huge.write_all(b"\n\0\0\0 a NUL run before this line\n")
        .unwrap();
    huge.set_len(1536 << 20).unwrap();
    drop(huge);
    let json = dir.path().join("r.json");
    let args = [
        "analyze",
        b.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ];
    let (out, _) = run_limited(&args, None, Some(1 << 30));
    exited_0(&out);
    let d = json_of(&json);
    assert!(
        reason_of(&d, "milvus/huge.log").contains("cannot be held in memory"),
        "{:?}",
        skipped(&d)
    );
    let clean = untouched();
    assert_eq!(windows_of(&d), windows_of(&clean));
    assert_eq!(
        d["accounting"]["lines_total"],
        clean["accounting"]["lines_total"]
    );
}

#[test]
fn a_closed_stderr_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let b = sample("kill-restart-1");
    let args = [
        "analyze",
        b.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--verbose",
    ];
    let (out, _) = run_bounded(&args, Some(Stdio::from(writer)));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(windows_of(&json_of(&json)), 1);
}

/// Where a log's lines are, in the JSON accounting.
fn source<'a>(d: &'a Value, name: &str) -> &'a Value {
    util::source_in(d, name)
}

#[test]
fn nul_runs_and_a_text_named_gz_are_read_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let b = copy_of("kill-restart-1", dir.path(), "b");
    let log = b.join("milvus/standalone-1.log");
    let text = std::fs::read(&log).unwrap();
    let lines: Vec<&[u8]> = text.split_inclusive(|c| *c == b'\n').collect();
    let mut hostile = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if i == 1 {
            // A crash's run of NULs before the second line, and one inside the tenth.
            hostile.extend(std::iter::repeat_n(0u8, 4096));
        }
        if i == 9 {
            hostile.extend_from_slice(&l[..10]);
            hostile.extend([0u8; 7]);
            hostile.extend_from_slice(&l[10..]);
        } else {
            hostile.extend_from_slice(l);
        }
    }
    std::fs::write(&log, hostile).unwrap();
    std::fs::rename(
        b.join("client/pymilvus.log"),
        b.join("client/pymilvus.log.gz"),
    )
    .unwrap();
    let json = dir.path().join("r.json");
    let d = analyze_ok(&b, &json);
    let whole = untouched();
    let (got, want) = (
        source(&d, "milvus/standalone-1.log"),
        source(&whole, "milvus/standalone-1.log"),
    );
    assert_eq!(got["lines_total"], want["lines_total"]);
    assert_eq!(
        got["lines_parsed"], want["lines_parsed"],
        "a NUL run costs no line"
    );
    assert!(
        warnings(&d).contains("NUL bytes dropped"),
        "{}",
        warnings(&d)
    );
    let gz = source(&d, "client/pymilvus.log.gz");
    assert_eq!(
        gz["lines_total"].as_u64(),
        Some(util::physical_lines(
            &sample("kill-restart-1").join("client/pymilvus.log")
        ))
    );
    assert!(warnings(&d).contains("not gzip"));
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn tar_of(dir: &Path, root: &str) -> Vec<u8> {
    let mut t = tar::Builder::new(Vec::new());
    t.append_dir_all(root, dir).unwrap();
    t.into_inner().unwrap()
}

#[test]
fn nested_archives_links_and_duplicates_are_read_or_listed() {
    let dir = tempfile::tempdir().unwrap();
    let b = copy_of("kill-restart-1", dir.path(), "b");
    // The Milvus logs as an archive inside the bundle folder.
    let inner = tar_of(&b.join("milvus"), "milvus");
    std::fs::remove_dir_all(b.join("milvus")).unwrap();
    std::fs::write(b.join("inner.tar.gz"), gz(&inner)).unwrap();
    let json = dir.path().join("r.json");
    let d = analyze_ok(&b, &json);
    assert_eq!(windows_of(&d), 1);
    source(&d, "inner.tar.gz/milvus/standalone-2.log");

    // Link members of a tar are listed, not dropped.
    let mut t = tar::Builder::new(Vec::new());
    t.append_path_with_name(
        sample("kill-restart-1").join("client/client.jsonl"),
        "x/client/client.jsonl",
    )
    .unwrap();
    for (kind, name) in [
        (tar::EntryType::Symlink, "x/client/sym.log"),
        (tar::EntryType::Link, "x/client/hard.log"),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(0);
        h.set_cksum();
        t.append_link(&mut h, name, "x/client/client.jsonl")
            .unwrap();
    }
    let tarball = dir.path().join("links.tar");
    std::fs::write(&tarball, t.into_inner().unwrap()).unwrap();
    let (_, _) = analyze_to(&tarball, &json, &[]);
    let d = json_of(&json);
    assert!(reason_of(&d, "client/sym.log").contains("symbolic link member"));
    assert!(reason_of(&d, "client/hard.log").contains("hard link member"));

    // Two zip entries of one name: both read, the second renamed, a warning.
    let zpath = dir.path().join("dup.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zpath).unwrap());
    let body = std::fs::read(sample("kill-restart-1").join("client/client.jsonl")).unwrap();
    for name in ["c/client/aa.jsonl", "c/client/ab.jsonl"] {
        z.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(&body).unwrap();
    }
    z.finish().unwrap();
    let bytes = std::fs::read(&zpath).unwrap();
    let renamed = replace_all(&bytes, b"client/ab.jsonl", b"client/aa.jsonl");
    std::fs::write(&zpath, renamed).unwrap();
    let (out, _) = analyze_to(&zpath, &json, &[]);
    assert!(out.status.code().is_some());
    let d = json_of(&json);
    // The zip reader keeps one entry per name: the other is named, not lost silently.
    source(&d, "client/aa.jsonl");
    assert!(
        reason_of(&d, "dup.zip").contains("share their name"),
        "{:?}",
        skipped(&d)
    );
    assert_eq!(out.status.code(), Some(0));
}

fn replace_all(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn two_bundles_of_one_name_stay_apart() {
    let dir = tempfile::tempdir().unwrap();
    let a = copy_of("kill-restart-1", &dir.path().join("a"), "logs");
    let b = copy_of("baseline-1", &dir.path().join("b"), "logs");
    let json = dir.path().join("r.json");
    let args = [
        "analyze",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ];
    let (out, _) = run_bounded(&args, None);
    exited_0(&out);
    let d = json_of(&json);
    source(&d, "logs/milvus/standalone-1.log");
    let names = util::source_names(&d);
    assert!(names.iter().any(|n| n.starts_with("logs-2/")), "{names:?}");
    assert!(warnings(&d).contains("another bundle is also named logs"));
}

#[test]
fn a_line_dated_1970_or_9999_does_not_stretch_the_span() {
    let dir = tempfile::tempdir().unwrap();
    let b = copy_of("kill-restart-1", dir.path(), "b");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(b.join("milvus/standalone-2.log"))
        .unwrap();
    writeln!(
        f,
        "[1970/01/01 00:00:01.000 +00:00] [INFO] [roles/roles.go:1] [\"clock reset\"]"
    )
    .unwrap();
    writeln!(
        f,
        "[9999/12/31 23:59:59.000 +00:00] [INFO] [roles/roles.go:1] [\"corrupt year\"]"
    )
    .unwrap();
    drop(f);
    let json = dir.path().join("r.json");
    analyze_to(&b, &json, &[]);
    let d = json_of(&json);
    let whole = untouched();
    assert_eq!(d["bundle"]["start"], whole["bundle"]["start"]);
    assert_eq!(d["bundle"]["end"], whole["bundle"]["end"]);
    assert!(
        warnings(&d).contains("2 line(s) are dated more than a day away"),
        "{}",
        warnings(&d)
    );
    // The lines are kept.
    assert_eq!(
        source(&d, "milvus/standalone-2.log")["lines_total"]
            .as_u64()
            .unwrap(),
        source(&whole, "milvus/standalone-2.log")["lines_total"]
            .as_u64()
            .unwrap()
            + 2
    );
}

#[test]
fn log_text_is_inert_in_the_terminal_csv_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let b = copy_of("kill-restart-1", dir.path(), "b");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(b.join("milvus/standalone-2.log"))
        .unwrap();
    writeln!(f, "[2026/11/26 04:15:30.000 +00:00] [WARN] [roles/roles.go:1] [\"=HYPERLINK(\\\"http://x\\\")\"] [k=\"\\u001b]0;owned\\u0007 \\u0000\"]").unwrap();
    writeln!(f, "{{\"level\":\"warn\",\"ts\":\"2026-11-26T04:15:31.000Z\",\"caller\":\"a/b.go:1\",\"msg\":\"nul \\u0000 and \\u001b]52;c;cGF5bG9hZA==\\u0007\"}}").unwrap();
    drop(f);
    // A file name with an escape sequence.
    std::fs::write(
        b.join("milvus/\u{1b}]0;title\u{7}.log"),
        "prose the tool does not read\n",
    )
    .unwrap();
    let bs = b.to_str().unwrap();
    let (out, _) = run_bounded(&["analyze", bs, "--verbose"], None);
    assert_eq!(out.status.code(), Some(0));
    for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(!bytes.contains(&0x1b), "raw ESC on {what}");
        assert!(!bytes.contains(&0x07), "raw BEL on {what}");
    }
    let (csv, _) = run_bounded(&["timeline", bs, "--format", "csv"], None);
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.contains("'=HYPERLINK"), "formula cell not made text");
    assert!(!csv.lines().any(|l| l
        .split(',')
        .any(|c| c.starts_with('=') || c.starts_with("\"="))));
    let (text, _) = run_bounded(&["timeline", bs], None);
    assert!(!text.stdout.contains(&0), "raw NUL in timeline text");
    assert!(!text.stdout.contains(&0x1b), "raw ESC in timeline text");
    let (jsonl, _) = run_bounded(&["timeline", bs, "--format", "jsonl"], None);
    assert!(!jsonl.stdout.contains(&0), "raw NUL in timeline jsonl");
}

#[test]
fn wrong_input_is_never_all_clear() {
    let dir = tempfile::tempdir().unwrap();
    let base = sample("baseline-1");
    let bs = base.to_str().unwrap();
    let x = util::ANNOTATIONS
        .iter()
        .flat_map(|a| ["--exclude", a])
        .collect::<Vec<_>>();
    // A range that misses the data.
    let mut args = vec![
        "analyze",
        bs,
        "--since",
        "2001-01-01",
        "--until",
        "2001-01-02",
    ];
    args.extend(&x);
    let (out, _) = run_bounded(&args, None);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("select no line"));
    // A folder of prose.
    let prose = dir.path().join("prose");
    std::fs::create_dir_all(&prose).unwrap();
    std::fs::write(
        prose.join("notes.txt"),
        "The cluster was restarted at noon.\nNobody knows why.\n",
    )
    .unwrap();
    let (out, _) = run_bounded(&["analyze", prose.to_str().unwrap()], None);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A truncated tar.gz of a bundle with no window: the warning is on stderr.
    let b = copy_of("baseline-1", dir.path(), "b");
    let whole = gz(&tar_of(&b, "b"));
    let cut = dir.path().join("cut.tar.gz");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 3]).unwrap();
    let (out, _) = run_bounded(&["analyze", cut.to_str().unwrap()], None);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("archive broken"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("archive broken"));
    // `timeline` says it too.
    let (out, _) = run_bounded(&["timeline", cut.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning(s)"));
    // Nothing readable: the message lists what was skipped and why.
    let only = dir.path().join("only-fifo");
    std::fs::create_dir_all(&only).unwrap();
    let c = std::ffi::CString::new(only.join("p.log").to_str().unwrap()).unwrap();
    // SAFETY: a valid C string path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let (out, _) = run_bounded(&["analyze", only.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("skipped p.log: a FIFO"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn zones_and_relative_times_are_taken() {
    let b = sample("kill-restart-1");
    let bs = b.to_str().unwrap();
    for tz in ["-0500", "-05:00", "Asia/Shanghai", "UTC"] {
        let (out, _) = run_bounded(
            &["timeline", bs, "--tz", tz, "--format", "jsonl", "--quiet"],
            None,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "--tz {tz}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (out, _) = run_bounded(&["analyze", bs, "--since", "-2h", "--quiet"], None);
    // The sample is older than two hours: nothing selected, exit 3.
    assert_eq!(out.status.code(), Some(3));
    assert!(out
        .stderr
        .starts_with(b"milvus-postmortem: no window found"));
    let (out, _) = run_bounded(&["analyze", bs, "--tz", "Mars/Olympus"], None);
    assert_eq!(out.status.code(), Some(2));
}

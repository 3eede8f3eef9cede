//! Helpers: run the binary, locate real data, copy bundles.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared`, which CI lays beside the clone: required when `CI=true`;
/// elsewhere the tests that need it say so and pass over it (the committed
/// `samples/` stand alone).
pub fn shared_opt() -> Option<PathBuf> {
    let p = root().join("../shared");
    if p.join("bundles").is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "../shared/bundles must be beside the repository (CI lays it there)"
    );
    eprintln!("no ../shared beside the repository: this test's shared part is left out");
    None
}

/// `../shared`, or return from the test when it is absent (and not required).
#[macro_export]
macro_rules! shared_or_skip {
    () => {
        match $crate::util::shared_opt() {
            Some(p) => p,
            None => return,
        }
    };
}

/// Every real bundle: `../shared/bundles/*` (when beside) and `samples/*`.
pub fn real_bundles() -> Vec<PathBuf> {
    let mut v = Vec::new();
    let dirs = shared_opt()
        .map(|s| s.join("bundles"))
        .into_iter()
        .chain([root().join("samples")]);
    for dir in dirs {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        found.sort();
        v.extend(found);
    }
    assert!(
        v.len() >= 10,
        "expected the samples (and the shared bundles), found {v:?}"
    );
    v
}

/// True for a capture of the multi-process cluster harness (`run_cluster.py`:
/// `pod_log/` as `export-milvus-log.sh` lays it out).
pub fn cluster_capture(b: &Path) -> bool {
    b.join("pod_log").is_dir()
}

/// What the capture harness and the samples write beside the logs: the
/// tests leave them out with `--exclude` (the product reads everything it
/// is given; an operator's own `README.txt` may be full of log lines).
pub const ANNOTATIONS: [&str; 4] = ["README.txt", "ground_truth*", "expected.json", "harness/**"];

/// Runs the binary with `args`; a command that reads bundles leaves out the
/// capture annotations ([`ANNOTATIONS`]).
pub fn run(args: &[&str]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    if matches!(
        args.first(),
        Some(&"analyze") | Some(&"timeline") | Some(&"query") | Some(&"compare")
    ) {
        for a in ANNOTATIONS {
            all.extend(["--exclude", a]);
        }
    }
    run_as_given(&all)
}

/// Runs the binary with exactly `args`.
pub fn run_as_given(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_milvus-postmortem"))
        .args(args)
        .output()
        .expect("run milvus-postmortem")
}

/// Runs the binary, expects success, returns stdout.
pub fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "milvus-postmortem {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Runs the binary on input it may not read whole (excerpts of public
/// issues): success, or exit 3 (no window, some input not read); stdout.
pub fn ok_or_doubtful(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success() || out.status.code() == Some(3),
        "milvus-postmortem {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `analyze --json -` of the given inputs.
pub fn analyze(inputs: &[&Path]) -> serde_json::Value {
    analyze_with(inputs, &[])
}

/// `analyze --json -` of inputs that may not be read whole (exit 3).
pub fn analyze_doubtful(inputs: &[&Path]) -> serde_json::Value {
    let s: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let mut args = vec!["analyze"];
    args.extend(s.iter().map(String::as_str));
    args.extend(["--json", "-"]);
    serde_json::from_str(&ok_or_doubtful(&args)).expect("analyze --json is JSON")
}

/// `analyze --json -` of the given inputs with more arguments.
pub fn analyze_with(inputs: &[&Path], extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["analyze"];
    let s: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    args.extend(s.iter().map(String::as_str));
    args.extend(["--json", "-"]);
    args.extend(extra);
    serde_json::from_str(&ok(&args)).expect("analyze --json is JSON")
}

/// `timeline --format jsonl` of the given inputs, parsed.
pub fn timeline_jsonl(inputs: &[&Path], extra: &[&str]) -> Vec<serde_json::Value> {
    jsonl_of(inputs, extra, ok)
}

/// `timeline --format jsonl` of inputs that may not be read whole (exit 3).
pub fn timeline_jsonl_doubtful(inputs: &[&Path], extra: &[&str]) -> Vec<serde_json::Value> {
    jsonl_of(inputs, extra, ok_or_doubtful)
}

fn jsonl_of(
    inputs: &[&Path],
    extra: &[&str],
    run: fn(&[&str]) -> String,
) -> Vec<serde_json::Value> {
    let mut args = vec!["timeline"];
    let s: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    args.extend(s.iter().map(String::as_str));
    args.extend(["--format", "jsonl"]);
    args.extend(extra);
    run(&args)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Copies a directory tree, leaving out files whose name `skip` accepts.
pub fn copy_tree(from: &Path, to: &Path, skip: &dyn Fn(&str) -> bool) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(&name), skip);
        } else if !skip(&name) {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

/// Capture-harness annotations (not operator data): the files [`ANNOTATIONS`] names.
pub fn is_annotation(name: &str) -> bool {
    name == "README.txt"
        || name == "expected.json"
        || name.starts_with("ground_truth")
        || name == "harness"
}

/// The names of every source read, in an `analyze --json` document.
pub fn source_names(d: &serde_json::Value) -> Vec<&str> {
    d["accounting"]["sources"]
        .as_array()
        .expect("accounting.sources")
        .iter()
        .map(|s| s["source"].as_str().expect("a source name"))
        .collect()
}

/// The accounting entry of one source in an `analyze --json` document.
pub fn source_in<'a>(d: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    let sources = d["accounting"]["sources"]
        .as_array()
        .expect("accounting.sources");
    sources
        .iter()
        .find(|s| s["source"] == name)
        .unwrap_or_else(|| panic!("{name} not read: {sources:?}"))
}

/// Physical lines of a file: newlines, plus a last line without one.
/// Physical lines of a bundle file, named as the analyzer names it: a
/// `.gz` file by its name without `.gz` (read through gzip).
pub fn physical_lines(p: &Path) -> u64 {
    let b = match std::fs::read(p) {
        Ok(b) => b,
        Err(_) => {
            let gz = std::fs::File::open(p.with_extension(format!(
                "{}.gz",
                p.extension().unwrap_or_default().to_string_lossy()
            )))
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(gz), &mut b).unwrap();
            b
        }
    };
    let n = b.iter().filter(|c| **c == b'\n').count() as u64;
    n + u64::from(!b.is_empty() && !b.ends_with(b"\n"))
}

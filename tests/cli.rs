//! The command line: help, exit codes, determinism.

use crate::util::*;

#[test]
fn help_has_examples_and_exit_codes() {
    let out = ok(&["--help"]);
    assert!(out.contains("Examples:") && out.contains("Exit codes"));
    assert!(ok(&["timeline", "--help"]).contains("--format"));
}

#[test]
fn exit_codes() {
    assert_eq!(run(&[]).status.code(), Some(2));
    assert_eq!(run(&["timeline"]).status.code(), Some(2));
    let b = root().join("samples/baseline-1");
    let b = b.to_str().unwrap();
    let bad = run(&["timeline", b, "--tz", "Mars/Olympus", "--skew", "nonsense"]);
    assert_eq!(bad.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&bad.stderr);
    assert!(
        msg.contains("Mars/Olympus") && msg.contains("nonsense"),
        "every problem is reported: {msg}"
    );
    assert_eq!(
        run(&["timeline", b, "--component", "querynod"])
            .status
            .code(),
        Some(2)
    );
    assert!(
        String::from_utf8_lossy(&run(&["timeline", b, "--component", "querynod"]).stderr)
            .contains("did you mean querynode")
    );
    assert_eq!(run(&["analyze", "/no/such/bundle"]).status.code(), Some(2));
    let empty = tempfile::tempdir().unwrap();
    let out = run(&["analyze", empty.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing could be read"));
}

#[test]
fn one_thread_or_many_give_the_same_bytes() {
    let b = crate::shared_or_skip!().join("bundles/freeze-2");
    let b = b.to_str().unwrap();
    assert_eq!(
        ok(&["analyze", b, "--json", "-", "--threads", "1"]),
        ok(&["analyze", b, "--json", "-", "--threads", "4"])
    );
    assert_eq!(
        ok(&["timeline", b, "--format", "jsonl", "--threads", "1"]),
        ok(&["timeline", b, "--format", "jsonl"])
    );
}

#[test]
fn several_bundles_form_one_incident() {
    let a = root().join("samples/baseline-1");
    let k = root().join("samples/kill-restart-1");
    let d = analyze(&[&a, &k]);
    let names = source_names(&d);
    assert!(
        names.contains(&"baseline-1/milvus/standalone-1.log")
            && names.contains(&"kill-restart-1/milvus/standalone-2.log")
    );
    // Each bundle's processes stay apart.
    assert_eq!(d["incarnations"].as_array().unwrap().len(), 3);
}

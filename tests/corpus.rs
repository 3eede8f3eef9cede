//! The public corpus (`../shared/corpus/public/`): real excerpts from Milvus
//! and etcd issues, in every wrapper found in the wild. Every line that
//! carries a timestamp must come out as a record at that line, with that time
//! in UTC, not inferred. The timestamps are found here by the test's own
//! patterns, not by the tool.

use crate::util::*;
use regex::Regex;
use std::collections::BTreeMap;

/// A timestamp found in a line: UTC ms, or for yearless stamps the
/// `MM-DDTHH:MM:SS` text to compare.
#[derive(Debug)]
enum Stamp {
    Utc(i64),
    Yearless(String),
}

fn civil_ms(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, frac: &str) -> i64 {
    let dt = chrono::NaiveDate::from_ymd_opt(y as i32, mo as u32, d as u32)
        .unwrap()
        .and_hms_opt(h as u32, mi as u32, s as u32)
        .unwrap();
    let ms: i64 = if frac.is_empty() {
        0
    } else {
        format!("{:0<3}", &frac[..frac.len().min(3)])
            .parse()
            .unwrap()
    };
    dt.and_utc().timestamp_millis() + ms
}

fn stamps(line: &str) -> Vec<(usize, Stamp, bool)> {
    // (position, stamp, is_milvus_layout)
    let dated = Regex::new(r"(\d{4})[-/](\d\d)[-/](\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?( ?(?:Z|[+-]\d\d:?\d\d))?").unwrap();
    let syslog = Regex::new(
        r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d+) (\d\d):(\d\d):(\d\d)",
    )
    .unwrap();
    let mut out = Vec::new();
    for c in dated.captures_iter(line) {
        let n = |i: usize| c[i].parse::<i64>().unwrap();
        let frac = c.get(7).map(|m| m.as_str()).unwrap_or("");
        let mut ms = civil_ms(n(1), n(2), n(3), n(4), n(5), n(6), frac);
        if let Some(z) = c.get(8) {
            let z = z.as_str().trim();
            if z != "Z" {
                let sign = if z.starts_with('-') { -1 } else { 1 };
                let digits: String = z.chars().filter(|c| c.is_ascii_digit()).collect();
                let off = digits[..2].parse::<i64>().unwrap() * 3600
                    + digits[2..].parse::<i64>().unwrap() * 60;
                ms -= sign * off * 1000;
            }
        }
        let milvus =
            &c[0].as_bytes()[4..5] == b"/" && c.get(8).is_some_and(|z| z.as_str().starts_with(' '));
        out.push((c.get(0).unwrap().start(), Stamp::Utc(ms), milvus));
    }
    if let Some(c) = syslog.captures(line) {
        let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let mo = months.iter().position(|m| *m == &c[1]).unwrap() + 1;
        out.push((
            0,
            Stamp::Yearless(format!(
                "{mo:02}-{:02}T{}:{}:{}",
                c[2].parse::<u32>().unwrap(),
                &c[3],
                &c[4],
                &c[5]
            )),
            false,
        ));
    }
    out.sort_by_key(|(p, _, _)| *p);
    out
}

/// The public excerpts (`*.log` of `../shared/corpus/public`), sorted.
fn corpus_files(shared: std::path::PathBuf) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(shared.join("corpus/public"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    files.sort();
    assert!(files.len() >= 20);
    files
}

#[test]
fn every_timestamped_line_is_a_record_at_its_time() {
    let mut checked = 0;
    for f in corpus_files(crate::shared_or_skip!()) {
        let records = timeline_jsonl_doubtful(&[&f], &[]);
        let mut by_line: BTreeMap<u64, Vec<&serde_json::Value>> = BTreeMap::new();
        for r in &records {
            by_line
                .entry(r["line"].as_u64().unwrap())
                .or_default()
                .push(r);
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let found = stamps(line);
            // Times inside the text of a record (pymilvus' `<Time:{'RPC start': …}>`,
            // field values) are not the line's own time; the first one is.
            let Some((pos, first, _)) = found.first() else {
                continue;
            };
            // A stamp deep inside a line that starts with something else (a wrapped
            // fragment of a record) is not the line's time.
            if *pos > 200 {
                continue;
            }
            let n = i as u64 + 1;
            let recs = by_line.get(&n).unwrap_or_else(|| {
                panic!(
                    "{}:{n} carries a time but gave no record: {line:.120}",
                    f.display()
                )
            });
            let r = recs[0];
            assert_eq!(r["ts_inferred"], false, "{}:{n}", f.display());
            let got_ms = crate::ingest::ms(r["ts"].as_str().unwrap());
            let got = r["ts"].as_str().unwrap();
            let matches = |s: &Stamp| match s {
                Stamp::Utc(ms) => *ms == got_ms,
                Stamp::Yearless(t) => got[5..24].starts_with(t.as_str()),
            };
            assert!(
                found.iter().any(|(_, s, _)| matches(s)),
                "{}:{n}: record time {got} is none of the line's times {found:?}",
                f.display()
            );
            // The Milvus layout is the record's own time when the line has one.
            if let Some((_, s, _)) = found.iter().find(|(_, _, m)| *m) {
                assert!(
                    matches(s) || matches(first),
                    "{}:{n}: {got} vs Milvus time {s:?}",
                    f.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 100, "only {checked} timestamped lines checked");
}

/// Real excerpts from public issues (fragments of several reporters pasted
/// into one file, days apart) analyse without error, and a gap between
/// fragments is never taken for a paused process.
#[test]
fn excerpts_give_no_absurd_window() {
    for f in corpus_files(crate::shared_or_skip!()) {
        let d = analyze_doubtful(&[&f]);
        for w in d["windows"].as_array().unwrap() {
            let len = w["duration_s"].as_f64().unwrap();
            assert!(len < 1800.0, "{}: a {len} s window", f.display());
        }
    }
}

/// One row of `tests/data/corpus_labels.tsv`.
struct Label {
    file: String,
    line: u64,
    kind: String,
    records: u64,
}

fn corpus_labels() -> Vec<Label> {
    let text = include_str!("data/corpus_labels.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert!(c.len() >= 4, "label row {l:?}");
            Label {
                file: c[0].to_string(),
                line: c[1].parse().unwrap(),
                kind: c[2].to_string(),
                records: c[3].parse().unwrap(),
            }
        })
        .collect()
}

/// The recogniser finds the event a public excerpt's line carries, in
/// whatever wrapper or shape the line came: at least 90 % of the labelled
/// records (labels written by hand from the catalogue and the Milvus / etcd
/// source, `tests/data/corpus_labels.tsv`) get an event of their kind.
#[test]
fn catalogued_lines_of_the_public_corpus_get_their_event() {
    let dir = crate::shared_or_skip!().join("corpus/public");
    let labels = corpus_labels();
    let mut files: Vec<&str> = labels.iter().map(|l| l.file.as_str()).collect();
    files.dedup();
    let (mut expected, mut found) = (0u64, 0u64);
    let mut missed = Vec::new();
    for f in files {
        let path = dir.join(f);
        let lines = std::fs::read_to_string(&path).unwrap().lines().count() as u64;
        let events = timeline_jsonl_doubtful(&[&path], &["--events"]);
        let mut got: BTreeMap<(u64, String), u64> = BTreeMap::new();
        for e in &events {
            let key = (
                e["line"].as_u64().unwrap(),
                e["kind"].as_str().unwrap().to_string(),
            );
            *got.entry(key).or_default() += 1;
        }
        for l in labels.iter().filter(|l| l.file == f) {
            assert!(
                l.line >= 1 && l.line <= lines,
                "{f}:{} is not a line",
                l.line
            );
            let n = got.get(&(l.line, l.kind.clone())).copied().unwrap_or(0);
            expected += l.records;
            found += n.min(l.records);
            if n < l.records {
                missed.push(format!("{f}:{} {} ({n} of {})", l.line, l.kind, l.records));
            }
        }
    }
    let share = found as f64 / expected as f64;
    eprintln!(
        "public corpus: {found} of {expected} labelled records recognised ({:.1} %)",
        share * 100.0
    );
    for m in &missed {
        eprintln!("  missed {m}");
    }
    assert!(share >= 0.9, "{found} of {expected}; missed: {missed:#?}");
}

/// A paste with no time anywhere (a REPL session, milvus#25357): its
/// recognised line cannot be placed, and a warning says so instead of
/// dropping it silently.
#[test]
fn recognised_lines_without_any_time_are_named() {
    let f = crate::shared_or_skip!()
        .join("corpus/public/milvus-25357-client-nodeoffline-querynode-crash-on-search.log");
    let d = analyze_doubtful(&[&f]);
    let warnings = d["accounting"]["warnings"].to_string();
    assert!(
        warnings.contains(
            "no line of the bundle has a time: its 1 recognised line(s) cannot be placed"
        ),
        "{warnings}"
    );
}

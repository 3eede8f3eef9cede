//! The pipeline's boundaries (DESIGN.md): the report writers render the
//! report model and reach into no stage; attribution does not know reports.

use std::path::Path;

/// The `crate::…` paths a source file names (imports and inline paths).
fn crate_paths(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .flat_map(|l| {
            l.match_indices("crate::")
                .map(|(i, _)| {
                    l[i + 7..]
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn report_writers_read_only_the_model() {
    for writer in [
        "src/report/terminal.rs",
        "src/report/markdown.rs",
        "src/report/html.rs",
        "src/report/charts.rs",
        "src/report/palette.rs",
    ] {
        for stage in [
            "windows",
            "recognise",
            "timeline",
            "identity",
            "pipeline",
            "ingest",
        ] {
            assert!(
                !crate_paths(writer).iter().any(|p| p == stage),
                "{writer} reaches into crate::{stage}; it should read report::model"
            );
        }
    }
}

#[test]
fn attribution_does_not_know_reports() {
    for file in [
        "src/attribute/mod.rs",
        "src/attribute/phases.rs",
        "src/attribute/recommend.rs",
    ] {
        assert!(
            !crate_paths(file).iter().any(|p| p == "report"),
            "{file} uses crate::report"
        );
    }
}

//! Report: writes what the pipeline found, for people and for machines.
//!
//! * [`timeline`]: the merged records as readable text, JSON Lines, or a
//!   Polars frame written as CSV or Parquet;
//! * [`events`]: the same four formats for recognised events only
//!   (`timeline --events`);
//! * [`model`]: the typed report every `analyze` writer renders, built once
//!   from the analysis; serialised, it is the `analyze --json` document
//!   (schema version, bundle, process incarnations, timing settings, nodes,
//!   windows with their attribution, event counts, line accounting;
//!   `schema/analyze.schema.json`);
//! * [`terminal`]: the `analyze` summary for a terminal, one block per window;
//! * [`html`]: the self-contained HTML report (`analyze --html`), with the
//!   [`charts`] drawn by plotters (also written alone by `--svg`) in the
//!   colours of [`palette`];
//! * [`markdown`]: the ticket-body summary (`analyze --md`);
//! * [`compare`]: `compare`'s terminal text, Markdown and HTML, from its
//!   [`crate::compare::Comparison`];
//! * [`advice`]: the recommendations attribution computed, in words;
//! * [`inert`]: log-derived text made harmless for each sink (terminal,
//!   text, CSV).
//!
//! The terminal, JSON, Markdown and HTML writers read the same
//! [`model::Report`]; none of them parses or decides anything.
//!
//! Must not know: grammars, recognition rules, how causes are decided.

pub mod advice;
pub mod charts;
pub mod compare;
pub mod events;
pub mod html;
pub mod inert;
pub mod markdown;
pub mod model;
pub mod palette;
pub mod scene;
pub mod spans;
pub mod terminal;
pub mod timeline;

/// The first `n` characters, with an ellipsis when cut.
pub fn cut(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

pub use parsers::timestamp::rfc3339_ms;

/// `p50 / p90 / p99` of a latency row, in ms.
pub fn percentiles_text(p: &crate::attribute::traces::Percentiles) -> String {
    format!("{} / {} / {}", p.p50_ms, p.p90_ms, p.p99_ms)
}

/// A latency ratio as a factor (`×0.02`, `×3.5`); `new` when the time
/// before measured 0.
pub fn ratio_text(r: Option<f64>) -> String {
    r.map_or("new".to_string(), |r| format!("×{r}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ratios_read_as_factors() {
        assert_eq!(super::ratio_text(Some(0.02)), "×0.02");
        assert_eq!(super::ratio_text(None), "new");
    }

    #[test]
    fn cuts_on_characters() {
        assert_eq!(super::cut("héllo", 2), "hé…");
        assert_eq!(super::cut("hé", 2), "hé");
    }
}

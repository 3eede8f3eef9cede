//! Report: writes what the pipeline found, for people and for machines.
//!
//! * [`timeline`]: the merged records as readable text, JSON Lines, or a
//!   Polars frame written as CSV or Parquet;
//! * [`events`]: the same four formats for recognised events only
//!   (`timeline --events`);
//! * [`json`]: the `analyze --json` document (schema version, bundle, process
//!   incarnations, timing settings, nodes, windows with their attribution,
//!   event counts, line accounting; `schema/analyze.schema.json`);
//! * [`terminal`]: the `analyze` summary for a terminal, one block per window;
//! * [`html`]: the self-contained HTML report (`analyze --html`), with the
//!   [`charts`] drawn by plotters (also written alone by `--svg`) in the
//!   colours of [`palette`];
//! * [`markdown`]: the ticket-body summary (`analyze --md`);
//! * [`summary`]: the facts the HTML and Markdown reports share.
//!
//! Every writer reads the same [`crate::pipeline::Analysis`]; none of them
//! parses or decides anything.
//!
//! Must not know: grammars, recognition rules, how causes are decided.

pub mod charts;
pub mod events;
pub mod html;
pub mod json;
pub mod markdown;
pub mod palette;
pub mod summary;
pub mod terminal;
pub mod timeline;

/// The first `n` characters, with an ellipsis when cut.
pub fn cut(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// RFC 3339 UTC with milliseconds: `2026-11-26T04:15:28.340Z`.
pub fn rfc3339_ms(us: i64) -> String {
    let days = us.div_euclid(86_400_000_000);
    let within = us.rem_euclid(86_400_000_000);
    let (y, m, d) = parsers::timestamp::civil_from_days(days);
    let secs = within / 1_000_000;
    let ms = (within % 1_000_000) / 1000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc_ms() {
        let us = parsers::timestamp::datetime("2026-11-26T04:15:28.340Z")
            .unwrap()
            .1
            .utc_us()
            .unwrap();
        assert_eq!(super::rfc3339_ms(us), "2026-11-26T04:15:28.340Z");
        assert_eq!(super::rfc3339_ms(-1_000), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn cuts_on_characters() {
        assert_eq!(super::cut("héllo", 2), "hé…");
        assert_eq!(super::cut("hé", 2), "hé");
    }
}

//! The facts the HTML and Markdown reports both show, gathered once: what
//! the bundle is (inputs, Milvus version, span, components, processes), what
//! it lacks, each window's evidence in time order with the component that
//! wrote each line, and the hashes that tie a report to its input.
//!
//! Must not know: markup.

use super::json::totals;
use super::rfc3339_ms;
use crate::attribute::{Attribution, Cause, Evidence, PhaseId};
use crate::component::Component;
use crate::pipeline::Analysis;
use crate::record::{hex, sha256_hex, Accounting};
use crate::timeline::Incarnation;
use crate::windows::Window;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// One evidence line of a window, with the component that wrote it.
#[derive(Clone, Debug)]
pub struct EvidenceRow<'a> {
    /// The cited line.
    pub evidence: &'a Evidence,
    /// The component that wrote it.
    pub component: Component,
    /// The phase it was cited for, if any (else the window as a whole).
    pub phase: Option<&'static str>,
}

/// One window and what to show of it.
pub struct WindowFacts<'a> {
    /// 1-based number in the report.
    pub number: usize,
    /// The window.
    pub window: &'a Window,
    /// Its attribution.
    pub at: &'a Attribution,
    /// Every cited line once, in time order.
    pub evidence: Vec<EvidenceRow<'a>>,
    /// Error texts by count, most frequent first.
    pub errors: Vec<(&'a str, u64)>,
}

/// Everything a report shows besides the charts.
pub struct Summary<'a> {
    /// The inputs, as given.
    pub title: String,
    /// From the start banner.
    pub milvus_version: Option<String>,
    /// First and last timed line in the range, UTC µs.
    pub span: Option<(i64, i64)>,
    /// Components that wrote lines.
    pub components: Vec<&'static str>,
    /// Process incarnations in the range.
    pub processes: Vec<&'a Incarnation>,
    /// What the bundle does not hold that the analysis would have used.
    pub missing: Vec<String>,
    /// The windows in the range.
    pub windows: Vec<WindowFacts<'a>>,
    /// Line accounting of the whole bundle.
    pub totals: Accounting,
    /// SHA-256 of each source's text as read (after decompression).
    pub hashes: Vec<(&'a str, String)>,
    /// SHA-256 over the `name  hash` lines of every source.
    pub digest: String,
    /// Requests in the client log (0 without one).
    pub requests: usize,
    /// For each window (by index), the number of the window whose card
    /// stands for it: itself, or with many windows the first window of the
    /// same shape (cause, contributing causes, phase order).
    pub card_of: Vec<usize>,
}

/// More windows than this and a report shows one full card per shape of
/// window (cause, contributing causes, phase order): hundreds of repeats of
/// one fault would make a report no ticket can hold. Every window is still
/// listed with its own numbers.
pub const CARDS_MAX: usize = 20;

/// What makes two windows alike for the report: the same cause, the same
/// contributing causes and the same phases in the same order.
fn shape(at: &Attribution) -> (Cause, Vec<Cause>, Vec<PhaseId>) {
    (
        at.cause,
        at.contributing.clone(),
        at.phases.iter().map(|p| p.id).collect(),
    )
}

/// The card that stands for each window (see [`Summary::card_of`]).
fn cards(windows: &[WindowFacts<'_>]) -> Vec<usize> {
    if windows.len() <= CARDS_MAX {
        return windows.iter().map(|w| w.number).collect();
    }
    let mut first: Vec<((Cause, Vec<Cause>, Vec<PhaseId>), usize)> = Vec::new();
    windows
        .iter()
        .map(|w| {
            let k = shape(w.at);
            match first.iter().find(|(s, _)| *s == k) {
                Some((_, n)) => *n,
                None => {
                    first.push((k, w.number));
                    w.number
                }
            }
        })
        .collect()
}

/// Hashes every source in parallel; the digest is over the sorted lines
/// `sha256  name`, as `sha256sum` prints them.
fn hashes(a: &Analysis) -> (Vec<(&str, String)>, String) {
    let mut h: Vec<(&str, String)> = a
        .timeline
        .sources
        .par_iter()
        .map(|s| {
            // Hashed at ingest when a report was asked for; else from what is
            // at hand (the text, or the file a compacted source was read from).
            let sum = match (&s.sha256, s.compacted) {
                (Some(h), _) => h.clone(),
                (None, false) => sha256_hex(s.text.as_bytes()),
                (None, true) => s
                    .reread
                    .as_deref()
                    .and_then(|p| std::fs::read(p).ok())
                    .map_or_else(|| "unreadable".to_string(), |b| sha256_hex(&b)),
            };
            (s.name.as_str(), sum)
        })
        .collect();
    h.sort();
    let mut all = Sha256::new();
    for (name, sum) in &h {
        all.update(format!("{sum}  {name}\n").as_bytes());
    }
    let digest = hex(&all.finalize());
    (h, digest)
}

/// The component that wrote a physical line of a source.
fn component_at(a: &Analysis, source: &str, line: u32) -> Component {
    let Some(s) = a.timeline.sources.iter().find(|s| s.name == source) else {
        return Component::Other;
    };
    // Records are in line order; a continuation line belongs to the record before it.
    let i = s.records.partition_point(|r| r.line <= line);
    i.checked_sub(1)
        .map_or(s.component, |i| s.records[i].component)
}

fn evidence_rows<'a>(a: &Analysis, at: &'a Attribution) -> Vec<EvidenceRow<'a>> {
    let mut rows: Vec<EvidenceRow> = Vec::new();
    let cited = at
        .phases
        .iter()
        .flat_map(|p| p.evidence.iter().map(move |e| (e, Some(p.id.id()))))
        .chain(at.evidence.iter().map(|e| (e, None)));
    for (e, phase) in cited {
        if rows
            .iter()
            .any(|r| r.evidence.source == e.source && r.evidence.line == e.line)
        {
            continue;
        }
        rows.push(EvidenceRow {
            evidence: e,
            component: component_at(a, &e.source, e.line),
            phase,
        });
    }
    rows.sort_by(|x, y| {
        (x.evidence.ts, &x.evidence.source, x.evidence.line).cmp(&(
            y.evidence.ts,
            &y.evidence.source,
            y.evidence.line,
        ))
    });
    rows
}

fn missing(a: &Analysis, components: &[&str], version: Option<&str>) -> Vec<String> {
    let has = |c: &str| components.contains(&c);
    let mut out = Vec::new();
    if !has("client") {
        out.push("no client log: windows come from the server logs (Proxy failures, restarts, log holes) and successful requests are unknown".to_string());
    }
    if !has("etcd") {
        out.push(
            "no etcd log: etcd's own view (slow applies, leader changes, compactions) is unknown"
                .to_string(),
        );
    }
    for (c, what) in [
        ("querycoord", "QueryCoord (node removal, reassignment)"),
        ("querynode", "QueryNode (delegators, replay)"),
        ("proxy", "Proxy (request failures, shard-leader cache)"),
    ] {
        // Inside standalone and mix-coord processes each line is named by
        // its caller directory, so QueryCoord's lines count as querycoord.
        if !has(c) {
            out.push(format!("no {what} lines"));
        }
    }
    if a.settings.is_empty() {
        out.push("no milvus.yaml: timing settings are the version's defaults".to_string());
    }
    if version.is_none() {
        out.push("no Milvus start banner: the version is unknown".to_string());
    }
    out
}

impl<'a> Summary<'a> {
    /// Gathers the facts of an analysis.
    pub fn of(a: &'a Analysis) -> Summary<'a> {
        let components = a.components();
        // Read once: it scans every record for the banner.
        let milvus_version = a.timeline.milvus_version();
        let windows: Vec<WindowFacts<'a>> = a
            .windows()
            .enumerate()
            .map(|(i, (w, at))| {
                let mut errors: Vec<(&str, u64)> =
                    w.errors.iter().map(|(k, v)| (k.as_str(), *v)).collect();
                errors.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
                WindowFacts {
                    number: i + 1,
                    window: w,
                    at,
                    evidence: evidence_rows(a, at),
                    errors,
                }
            })
            .collect();
        let (hashes, digest) = hashes(a);
        let card_of = cards(&windows);
        Summary {
            title: a.inputs.join(", "),
            span: a.span(),
            missing: missing(a, &components, milvus_version.as_deref()),
            milvus_version,
            components,
            processes: a.incarnations().collect(),
            windows,
            totals: totals(a),
            hashes,
            digest,
            requests: a.found.requests.len(),
            card_of,
        }
    }

    /// True when a window has a card of its own.
    pub fn has_card(&self, w: &WindowFacts<'_>) -> bool {
        self.card_of.get(w.number - 1) == Some(&w.number)
    }

    /// Indexes of the windows with a card of their own.
    pub fn carded(&self) -> Vec<usize> {
        self.windows
            .iter()
            .enumerate()
            .filter(|(_, w)| self.has_card(w))
            .map(|(i, _)| i)
            .collect()
    }

    /// One sentence: how many windows, how long, what held them open.
    pub fn verdict(&self) -> String {
        match self.windows.as_slice() {
            [] if self.requests > 0 => format!(
                "No client-failure window: all {} requests of the client log succeeded.",
                self.requests
            ),
            [] => "No client-failure window: the server logs show no Proxy failure, and no restart or pause followed by one.".to_string(),
            [w] => format!(
                "1 client-failure window: {:.1} s, held open by {}.",
                secs(w.window.end - w.window.start),
                w.at.cause.id()
            ),
            ws => {
                let total: i64 = ws.iter().map(|w| w.window.end - w.window.start).sum();
                let mut causes: Vec<&str> = ws.iter().map(|w| w.at.cause.id()).collect();
                causes.sort_unstable();
                causes.dedup();
                format!(
                    "{} client-failure windows, {:.1} s in all, held open by {}.",
                    ws.len(),
                    secs(total),
                    causes.join(", ")
                )
            }
        }
    }
}

/// µs → s.
pub fn secs(us: i64) -> f64 {
    us as f64 / 1e6
}

/// `04:15:28.340` (UTC clock with ms).
pub fn clock_ms(us: i64) -> String {
    rfc3339_ms(us)[11..23].to_string()
}

#[cfg(test)]
mod tests {
    use super::hex;

    #[test]
    fn hex_is_lower_case_two_digits() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }
}

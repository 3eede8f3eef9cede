//! The `analyze --md` summary for a ticket body: pipe tables (GitHub, GitLab,
//! Jira's Markdown paste) of the windows, each window's cause, phases, top
//! evidence and recommendations, then the accounting and the input digest.
//!
//! Log text is written inside code spans, so nothing in it is read as
//! markup or HTML; a `|` is escaped so it cannot split a table cell.

use super::model::{clock_ms, secs, EvidenceRow, Report, WindowFacts};
use super::rfc3339_ms;
use std::fmt::Write as _;

/// Evidence lines per window in the summary (the HTML report has them all).
const EVIDENCE_SHOWN: usize = 8;
/// Error texts per window.
const ERRORS_SHOWN: usize = 8;
/// Characters of a log line in a table cell.
const LINE_SHOWN: usize = 200;

/// Plain text for a table cell or a paragraph: no line breaks, markup
/// characters escaped.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A code span that holds any text: fenced by one more backtick than the
/// longest run inside, `|` escaped for tables, cut to `max` characters.
pub fn code(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let body = super::cut(&flat, max).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A space keeps a leading or trailing backtick off the fence.
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// The whole summary.
pub fn render(s: &Report) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# Milvus post-mortem: {}\n", text(&s.title));
    let _ = writeln!(m, "**{}**\n", text(&s.verdict()));
    let _ = writeln!(
        m,
        "- Milvus version: {}",
        text(
            s.bundle
                .milvus_version
                .as_deref()
                .unwrap_or("unknown (no start banner)")
        )
    );
    if let Some((f, t)) = s.span() {
        let _ = writeln!(
            m,
            "- Time span: {} → {} UTC ({:.1} s)",
            rfc3339_ms(f),
            rfc3339_ms(t),
            secs(t - f)
        );
    }
    let _ = writeln!(m, "- Components: {}", text(&s.bundle.components.join(", ")));
    for x in &s.missing {
        let _ = writeln!(m, "- Missing: {}", text(x));
    }
    if !s.windows.is_empty() {
        m.push_str("\n## Windows\n\n| # | start (UTC) | end | duration | failed | ok | cause | confidence | contributing |\n|---|---|---|---:|---:|---:|---|---:|---|\n");
        for w in &s.windows {
            let win = w;
            let _ = writeln!(
                m,
                "| {} | {} | {} | {:.1} s | {} | {} | **{}** | {:.2} | {} |",
                w.number,
                rfc3339_ms(win.start),
                clock_ms(win.end),
                secs(win.end - win.start),
                win.failed,
                win.ok.map_or("–".to_string(), |o| o.to_string()),
                w.at.cause.id(),
                w.at.confidence,
                w.at.contributing
                    .iter()
                    .map(|c| c.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let carded = s.carded().len();
    if carded < s.windows.len() {
        let _ = writeln!(
            m,
            "\n{} windows of {carded} shapes (cause, contributing causes, phase order): the details of the first window of each shape follow; every window's are in `--json`.",
            s.windows.len()
        );
    }
    for w in s.windows.iter().filter(|w| s.has_card(w)) {
        window(&mut m, w);
    }
    let t = &s.totals();
    let _ = writeln!(
        m,
        "\n## What was read\n\n{} lines: {} parsed, {} continuation, {} unparsed; {} spans; {} sources, {} files not read as logs, {} warnings.\n",
        t.lines_total,
        t.lines_parsed,
        t.lines_continuation,
        t.lines_unparsed,
        t.spans_total,
        s.accounting.sources.len(),
        s.accounting.skipped.len(),
        s.all_warnings.len()
    );
    m.push_str("| source | component | lines | parsed | continuation | unparsed | spans |\n|---|---|---:|---:|---:|---:|---:|\n");
    for src in &s.accounting.sources {
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} | {} | {} | {} |",
            code(src.source, LINE_SHOWN),
            src.component.id(),
            src.lines_total,
            src.lines_parsed,
            src.lines_continuation,
            src.lines_unparsed,
            src.spans_total
        );
    }
    let _ = writeln!(
        m,
        "\n---\n{} {} · bundle digest (SHA-256 over each log's `sha256sum` line) `{}`",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        s.digest
    );
    m
}

fn window(m: &mut String, w: &WindowFacts) {
    let (win, at) = (w, w.at);
    let _ = writeln!(
        m,
        "\n## Window {}: {} ({:.1} s, {} → {} UTC)\n",
        w.number,
        at.cause.id(),
        secs(win.end - win.start),
        rfc3339_ms(win.start),
        clock_ms(win.end)
    );
    let _ = writeln!(m, "{}\n", text(&at.reason));
    if !at.phases.is_empty() {
        m.push_str("| phase | start | end | duration | cause |\n|---|---|---|---:|---|\n");
        for p in &at.phases {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {:.1} s | {} |",
                p.id.id(),
                clock_ms(p.start),
                clock_ms(p.end),
                secs(p.len_us()),
                p.cause.id()
            );
        }
        m.push('\n');
    }
    if !w.errors.is_empty() {
        m.push_str("| count | error clients saw |\n|---:|---|\n");
        for (e, n) in w.errors.iter().take(ERRORS_SHOWN) {
            let _ = writeln!(m, "| {n} | {} |", code(e, LINE_SHOWN));
        }
        if w.errors.len() > ERRORS_SHOWN {
            let rest = &w.errors[ERRORS_SHOWN..];
            let _ = writeln!(
                m,
                "| {} | {} other error texts |",
                rest.iter().map(|(_, n)| n).sum::<u64>(),
                rest.len()
            );
        }
        m.push('\n');
    }
    let t = &w.traces;
    if !t.error_spans.is_empty() {
        let _ = writeln!(
            m,
            "**Failed internal calls (traces)**: {} spans started inside the window; the failed ones by operation and peer:\n\n| count | operation | peer | meant for node | first → last (UTC) | example trace |\n|---:|---|---|---|---|---|",
            t.spans
        );
        for e in t.error_spans.iter().take(ERRORS_SHOWN) {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} → {} | {} |",
                e.count,
                code(e.operation, LINE_SHOWN),
                code(e.peer.unwrap_or(""), LINE_SHOWN),
                e.peer_node.map_or("unknown".to_string(), |n| n.to_string()),
                clock_ms(e.first),
                clock_ms(e.last),
                code(e.example_trace_id, LINE_SHOWN)
            );
        }
        if t.error_spans.len() > ERRORS_SHOWN {
            let rest = &t.error_spans[ERRORS_SHOWN..];
            let _ = writeln!(
                m,
                "| {} | {} other operation and peer pairs | | | | |",
                rest.iter().map(|e| e.count).sum::<u64>(),
                rest.len()
            );
        }
        m.push('\n');
    }
    if !t.latency.is_empty() {
        m.push_str("**Internal-call latency (traces)**: the operations whose p90 changed most, inside the window against the same length of time before it (at least a minute):\n\n| operation | side | before: spans | p50 / p90 / p99 ms | inside: spans | p50 / p90 / p99 ms | p90 inside ÷ before |\n|---|---|---:|---:|---:|---:|---:|\n");
        for l in &t.latency {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} | {} | {} |",
                code(l.operation, LINE_SHOWN),
                l.kind,
                l.before.count,
                super::percentiles_text(&l.before),
                l.inside.count,
                super::percentiles_text(&l.inside),
                super::ratio_text(l.p90_ratio)
            );
        }
        m.push('\n');
    }
    if let Some(p) = &t.request_path {
        let _ = writeln!(
            m,
            "**One failed request inside Milvus**: the Proxy logged a failure at {} with trace {}; its spans, root first:\n",
            code(&format!("{}:{}", p.source, p.line), LINE_SHOWN),
            code(p.trace_id, LINE_SHOWN)
        );
        for (depth, x) in p.spans.iter().enumerate() {
            let peer = x
                .peer
                .map(|a| format!(" → {}", code(a, LINE_SHOWN)))
                .unwrap_or_default();
            let node = x.node.map(|n| format!(" node {n}")).unwrap_or_default();
            let failed = match x.message {
                Some(msg) if x.error => format!(" **failed**: {}", code(msg, LINE_SHOWN)),
                _ if x.error => " **failed**".to_string(),
                _ => String::new(),
            };
            let _ = writeln!(
                m,
                "{}- {} ({}, {}{node}){peer} · {} · {:.2} ms{failed}",
                "  ".repeat(depth),
                code(x.operation, LINE_SHOWN),
                x.kind,
                text(x.service),
                clock_ms(x.start),
                x.duration_ms
            );
        }
        m.push('\n');
    }
    if !w.recommendations.is_empty() {
        m.push_str("**Recommendations**\n\n");
        for (i, r) in w.recommendations.iter().enumerate() {
            let setting = r
                .setting
                .map(|s| format!(" ({})", code(s, 100)))
                .unwrap_or_default();
            let _ = writeln!(m, "{}. {}{setting}", i + 1, text(&r.text));
        }
        m.push('\n');
    }
    if !w.evidence.is_empty() {
        let _ = writeln!(
            m,
            "**Evidence** ({} of {} lines; all in the HTML report)\n\n| time (UTC) | source:line | what it shows | line |\n|---|---|---|---|",
            w.evidence.len().min(EVIDENCE_SHOWN),
            w.evidence.len()
        );
        for r in top_evidence(w) {
            let e = r.evidence;
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} |",
                clock_ms(e.ts),
                code(&format!("{}:{}", e.source, e.line), LINE_SHOWN),
                text(&e.note),
                code(&e.text, LINE_SHOWN)
            );
        }
    }
}

/// The window's own evidence first (what decided the cause), then the
/// phases', in time order.
fn top_evidence<'b, 'a>(w: &'b WindowFacts<'a>) -> Vec<&'b EvidenceRow<'a>> {
    let mut rows: Vec<_> = w.evidence.iter().filter(|r| r.phase.is_none()).collect();
    rows.extend(w.evidence.iter().filter(|r| r.phase.is_some()));
    rows.truncate(EVIDENCE_SHOWN);
    rows.sort_by_key(|r| r.evidence.ts);
    rows
}

#[cfg(test)]
mod tests {
    use super::{code, text};

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code("a|b", 10), "`a\\|b`");
        assert_eq!(code("x `y` z", 20), "``x `y` z``");
        assert_eq!(code("`a`", 20), "`` `a` ``");
        assert_eq!(code("abcdef", 3), "`abc…`");
    }

    #[test]
    fn text_is_not_markup() {
        assert_eq!(
            text("<img src=x> *a* | [l](u)\n"),
            "\\<img src=x\\> \\*a\\* \\| \\[l\\](u) "
        );
    }
}

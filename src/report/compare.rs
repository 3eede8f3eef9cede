//! The `compare` writers: terminal text, Markdown for the ticket, and one
//! self-contained HTML file (both sides' phases on one time scale, their
//! requests charts side by side). Each renders a [`Comparison`] and
//! computes nothing.
//!
//! Must not know: how windows are paired or the verdict is reached.

use super::html::esc;
use crate::compare::{Comparison, Pair, SettingChange, Totals, WindowSide};
use anyhow::Result;
use std::fmt::Write as _;

fn secs(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.1} s"))
}

fn change(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        // Under a twentieth of a second reads as no change, not "-0.0".
        Some(v) if v.abs() < 0.05 => "0.0 s".into(),
        Some(v) => format!("{v:+.1} s"),
    }
}

/// Text with its `code` spans (the verdict's setting names) as `<code>`.
fn esc_code(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| match i % 2 {
            1 => format!("<code>{}</code>", esc(part)),
            _ => esc(part),
        })
        .collect()
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |r| format!("{:.1} %", r * 100.0))
}

fn count(v: Option<u64>) -> String {
    v.map_or("—".into(), |n| n.to_string())
}

fn value(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "unset".into(),
        Some(v) if unit.is_empty() => format!("{v}"),
        Some(v) => format!("{v} {unit}"),
    }
}

fn side_text(s: Option<&WindowSide>) -> String {
    s.map_or("—".into(), |s| {
        format!("{:.1} s {} (#{})", s.duration_s, s.cause.id(), s.number)
    })
}

/// The rows of the totals table: (label, before, after).
fn totals_rows(b: &Totals, a: &Totals) -> Vec<(&'static str, String, String)> {
    vec![
        ("bundles", b.bundles.join(", "), a.bundles.join(", ")),
        ("windows", b.windows.to_string(), a.windows.to_string()),
        (
            "time in windows",
            secs(Some(b.windows_total_s)),
            secs(Some(a.windows_total_s)),
        ),
        (
            "failed requests around the faults",
            b.failed_requests.to_string(),
            a.failed_requests.to_string(),
        ),
        (
            "ok requests around the faults",
            count(b.ok_requests),
            count(a.ok_requests),
        ),
        ("success rate", pct(b.success_rate), pct(a.success_rate)),
    ]
}

fn setting_row(s: &SettingChange) -> [String; 4] {
    [
        s.key.clone(),
        value(s.before, s.unit),
        value(s.after, s.unit),
        format!(
            "{} / {}",
            s.source_before.as_deref().unwrap_or("—"),
            s.source_after.as_deref().unwrap_or("—")
        ),
    ]
}

/// A pair's cells: fault, before, after, change, success before, after.
fn pair_row(p: &Pair) -> [String; 6] {
    [
        p.fault.id().to_string(),
        side_text(p.before.as_ref()),
        side_text(p.after.as_ref()),
        change(p.change_s),
        pct(p.before.as_ref().and_then(|s| s.success_rate)),
        pct(p.after.as_ref().and_then(|s| s.success_rate)),
    ]
}

/// A phase change's cells: phase, before, after, change.
fn phase_row(ph: &crate::compare::PhaseChange) -> [String; 4] {
    [
        ph.id.id().to_string(),
        secs(ph.before_s),
        secs(ph.after_s),
        change(ph.change_s),
    ]
}

/// The terminal summary.
pub fn terminal(c: &Comparison) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", c.verdict);
    let _ = writeln!(o);
    for (label, b, a) in totals_rows(&c.before, &c.after) {
        let _ = writeln!(o, "  {label:<36} {b:>14}  →  {a}");
    }
    for (i, p) in c.windows.iter().enumerate() {
        let [fault, b, a, ch, sb, sa] = pair_row(p);
        let n = i + 1;
        let _ = writeln!(
            o,
            "\n  pair {n} ({fault}): {b} → {a}  change {ch}  success {sb} → {sa}"
        );
        for ph in &p.phase_changes {
            let [id, b, a, ch] = phase_row(ph);
            let _ = writeln!(o, "    {id:<14} {b:>9} → {a:<9} {ch}");
        }
    }
    if !c.settings_changed.is_empty() {
        let _ = writeln!(o, "\n  settings changed:");
        for s in &c.settings_changed {
            let [k, b, a, at] = setting_row(s);
            let _ = writeln!(o, "    {k} {b} → {a}  ({at})");
        }
    }
    super::inert::terminal(&o).into_owned()
}

/// A Markdown table cell: pipes escaped, one line.
fn md(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The Markdown summary for a ticket.
pub fn markdown(c: &Comparison) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## Before vs after\n\n{}\n", md(&c.verdict));
    let _ = writeln!(o, "| | before | after |\n|---|---|---|");
    for (label, b, a) in totals_rows(&c.before, &c.after) {
        let _ = writeln!(o, "| {label} | {} | {} |", md(&b), md(&a));
    }
    let _ = writeln!(
        o,
        "\n### Windows\n\n| # | fault | before | after | change | success before | success after |\n|---:|---|---|---|---:|---:|---:|"
    );
    for (i, p) in c.windows.iter().enumerate() {
        let _ = writeln!(o, "| {} | {} |", i + 1, pair_row(p).join(" | "));
    }
    for (i, p) in c.windows.iter().enumerate() {
        let _ = writeln!(
            o,
            "\n#### Pair {} phases\n\n| phase | before | after | change |\n|---|---:|---:|---:|",
            i + 1
        );
        for ph in &p.phase_changes {
            let _ = writeln!(o, "| {} |", phase_row(ph).join(" | "));
        }
    }
    if !c.settings_changed.is_empty() {
        let _ = writeln!(
            o,
            "\n### Timing settings that differ\n\n| setting | before | after | where |\n|---|---|---|---|"
        );
        for s in &c.settings_changed {
            let [k, b, a, at] = setting_row(s);
            let _ = writeln!(o, "| `{}` | {b} | {a} | {} |", md(&k), md(&at));
        }
    }
    o
}

const STYLE: &str = r#"
body{margin:0 auto;max-width:1240px;padding:0 20px 30px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1f24;background:#f6f8fa}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #d8dde3;padding-bottom:4px;margin-top:26px}
.verdict{font-size:17px}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0}
th,td{border:1px solid #d8dde3;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#eef1f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:8px 0;background:#fff;border:1px solid #d8dde3}
figure svg{display:block;width:100%;height:auto}
.side{display:flex;gap:8px}.side figure{flex:1}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
"#;

fn cells(h: &mut String, tag: &str, row: &[String]) {
    h.push_str("<tr>");
    for c in row {
        let _ = write!(h, "<{tag}>{}</{tag}>", esc(c));
    }
    h.push_str("</tr>\n");
}

fn pair_html(h: &mut String, i: usize, p: &Pair) -> Result<()> {
    let _ = writeln!(
        h,
        "<h2 id=\"pair-{}\">Pair {} · {} · {} → {}</h2>",
        i + 1,
        i + 1,
        esc(p.fault.id()),
        esc(&side_text(p.before.as_ref())),
        esc(&side_text(p.after.as_ref()))
    );
    let _ = writeln!(h, "<figure>{}</figure>", super::charts::compare_phases(p)?);
    let top = [p.before.as_ref(), p.after.as_ref()]
        .into_iter()
        .flatten()
        .flat_map(|s| s.per_second.iter().map(|(_, ok, f)| ok + f))
        .max()
        .unwrap_or(0);
    let sides: Vec<(&str, &WindowSide)> =
        [("before", p.before.as_ref()), ("after", p.after.as_ref())]
            .into_iter()
            .filter_map(|(l, s)| s.map(|s| (l, s)))
            .filter(|(_, s)| s.around.is_some())
            .collect();
    if !sides.is_empty() {
        h.push_str("<div class=\"side\">");
        for (label, s) in sides {
            let title = format!(
                "{label}: requests around the fault, success {}",
                pct(s.success_rate)
            );
            let _ = write!(
                h,
                "<figure>{}</figure>",
                super::charts::compare_requests(&title, s, p.neighbourhood_s, top)?
            );
        }
        h.push_str("</div>\n");
    }
    h.push_str("<table><thead>");
    cells(
        h,
        "th",
        &[
            "phase".into(),
            "before".into(),
            "after".into(),
            "change".into(),
        ],
    );
    h.push_str("</thead><tbody>\n");
    for ph in &p.phase_changes {
        cells(h, "td", &phase_row(ph));
    }
    h.push_str("</tbody></table>\n");
    Ok(())
}

/// The HTML report: verdict, totals, settings, then each pair's charts.
pub fn html(c: &Comparison) -> Result<String> {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>Before vs after — milvus-postmortem</title><style>{STYLE}</style></head><body>\n<h1>Before vs after</h1>\n<p class=\"verdict\">{}</p>\n",
        esc_code(&c.verdict)
    );
    h.push_str("<table><thead>");
    cells(
        &mut h,
        "th",
        &[String::new(), "before".into(), "after".into()],
    );
    h.push_str("</thead><tbody>\n");
    for (label, b, a) in totals_rows(&c.before, &c.after) {
        cells(&mut h, "td", &[label.into(), b, a]);
    }
    h.push_str("</tbody></table>\n");
    if !c.settings_changed.is_empty() {
        h.push_str("<h2>Timing settings that differ</h2>\n<table><thead>");
        cells(
            &mut h,
            "th",
            &[
                "setting".into(),
                "before".into(),
                "after".into(),
                "where (before / after)".into(),
            ],
        );
        h.push_str("</thead><tbody>\n");
        for s in &c.settings_changed {
            cells(&mut h, "td", &setting_row(s));
        }
        h.push_str("</tbody></table>\n");
    }
    for (i, p) in c.windows.iter().enumerate() {
        pair_html(&mut h, i, p)?;
    }
    let _ = write!(
        h,
        "<p><small>milvus-postmortem {} compare · success rates count the client requests that started from {} s before each fault to {} s after the later side's recovery, the same stretch on both sides.</small></p>\n</body></html>\n",
        env!("CARGO_PKG_VERSION"),
        crate::compare::NEIGHBOURHOOD_PAD_US / 1_000_000,
        crate::compare::NEIGHBOURHOOD_PAD_US / 1_000_000
    );
    Ok(h)
}

#[cfg(test)]
mod tests {
    #[test]
    fn code_spans_become_code_and_the_rest_is_escaped() {
        assert_eq!(
            super::esc_code("after `common.session.ttl` 45 s → 30 s <b>"),
            "after <code>common.session.ttl</code> 45 s → 30 s &lt;b&gt;"
        );
    }

    #[test]
    fn small_changes_read_as_none() {
        assert_eq!(super::change(Some(-0.014)), "0.0 s");
        assert_eq!(super::change(Some(-9.926)), "-9.9 s");
        assert_eq!(super::change(None), "—");
    }
}

//! The `analyze` summary for a terminal: one block per client-failure window
//! (time, duration, requests, cause, phases as a bar, top evidence,
//! recommendations), then what was read, the processes and their restarts,
//! the timing settings, and what could not be read.

use super::rfc3339_ms;
use crate::attribute::{Attribution, PhaseId};
use crate::pipeline::Analysis;
use crate::windows::{Basis, Window};
use std::io::Write;

/// Width of the phase bar.
const BAR: usize = 60;
/// Evidence lines shown per window, and their width.
const EVIDENCE_SHOWN: usize = 4;
const TEXT_MAX: usize = 150;

fn letter(p: PhaseId) -> char {
    match p {
        PhaseId::Outage => 'O',
        PhaseId::MetadataSync => 'M',
        PhaseId::Detection => 'D',
        PhaseId::Reassignment => 'A',
        PhaseId::Replay => 'R',
        PhaseId::Routing => 'G',
    }
}

/// One line of at most `n` characters: line breaks shown as ⏎.
fn cut(s: &str, n: usize) -> String {
    super::cut(&s.replace(['\n', '\r'], "⏎"), n)
}

/// The phases as a bar of letters, each phase's share of the window.
fn phase_bar(w: &Window, at: &Attribution) -> String {
    let len = (w.end - w.start).max(1) as f64;
    let mut bar = String::new();
    for p in &at.phases {
        let n = ((p.len_us() as f64 / len) * BAR as f64).round().max(1.0) as usize;
        bar.extend(std::iter::repeat_n(letter(p.id), n));
    }
    bar
}

fn write_windows(a: &Analysis, w: &mut dyn Write) -> anyhow::Result<()> {
    let windows: Vec<(&Window, &Attribution)> = a.windows().collect();
    if windows.is_empty() {
        let basis = if a.found.requests.is_empty() {
            "no Proxy failure, no restart and no log hole followed by a failure in the server logs"
        } else {
            "every request in the client log succeeded"
        };
        writeln!(w, "\nNo client-failure window: {basis}.")?;
        return Ok(());
    }
    for (i, (win, at)) in windows.iter().enumerate() {
        let requests = match (win.basis, win.ok) {
            (Basis::ClientLog, Some(ok)) => {
                format!("{} failed, {ok} ok requests (client log)", win.failed)
            }
            _ => format!(
                "{} failures logged by the Proxy (no client log)",
                win.failed
            ),
        };
        writeln!(
            w,
            "\nWindow {}  {} → {}  ({:.1} s)  {requests}",
            i + 1,
            rfc3339_ms(win.start),
            rfc3339_ms(win.end),
            (win.end - win.start) as f64 / 1e6
        )?;
        writeln!(
            w,
            "  cause         {} (confidence {:.2}): {}",
            at.cause.id(),
            at.confidence,
            at.reason
        )?;
        if !at.contributing.is_empty() {
            let c: Vec<&str> = at.contributing.iter().map(|c| c.id()).collect();
            writeln!(w, "  contributing  {}", c.join(", "))?;
        }
        if !at.phases.is_empty() {
            writeln!(w, "  phases        {}", phase_bar(win, at))?;
            let legend: Vec<String> = at
                .phases
                .iter()
                .map(|p| {
                    format!(
                        "{}={} {:.1}s",
                        letter(p.id),
                        p.id.id(),
                        p.len_us() as f64 / 1e6
                    )
                })
                .collect();
            writeln!(w, "                {}", legend.join("  "))?;
        }
        let mut errors: Vec<(&String, &u64)> = win.errors.iter().collect();
        errors.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
        for (k, (text, n)) in errors.iter().take(3).enumerate() {
            let head = if k == 0 { "errors" } else { "" };
            writeln!(w, "  {head:<13} {n:>4} × {}", cut(text, TEXT_MAX))?;
        }
        for (k, e) in at.evidence.iter().take(EVIDENCE_SHOWN).enumerate() {
            let head = if k == 0 { "evidence" } else { "" };
            writeln!(w, "  {head:<13} {}:{}  {}", e.source, e.line, e.note)?;
            writeln!(w, "  {:<13}   {}", "", cut(&e.text, TEXT_MAX))?;
        }
        for (k, r) in at.recommendations.iter().enumerate() {
            let head = if k == 0 { "recommend" } else { "" };
            writeln!(w, "  {head:<13} - {}", r.text)?;
        }
        for m in &at.missing {
            writeln!(w, "  {:<13} {m}", "missing")?;
        }
    }
    Ok(())
}

/// Writes the summary.
pub fn write(a: &Analysis, w: &mut dyn Write) -> anyhow::Result<()> {
    let t = &a.timeline;
    let tot = super::json::totals(a);
    writeln!(
        w,
        "milvus-postmortem {} — {}",
        env!("CARGO_PKG_VERSION"),
        a.inputs.join(", ")
    )?;
    if let Some(v) = t.milvus_version() {
        writeln!(w, "Milvus {v}")?;
    }
    if let Some((f, l)) = a.span() {
        writeln!(w, "time span  {} → {}", rfc3339_ms(f), rfc3339_ms(l))?;
    }
    write_windows(a, w)?;
    writeln!(w, "\nSources ({}):", t.sources.len())?;
    let width = t
        .sources
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(20);
    let row = |w: &mut dyn Write, name: &str, comp: &str, a: &crate::record::Accounting| {
        writeln!(
            w,
            "  {name:<width$} {comp:<10} {:>7} lines  {:>7} parsed  {:>6} cont.  {:>4} unparsed",
            a.lines_total, a.lines_parsed, a.lines_continuation, a.lines_unparsed
        )
    };
    for s in &t.sources {
        row(w, &s.name, s.component.id(), &s.accounting)?;
    }
    row(w, "total", "", &tot)?;
    if a.incarnations().next().is_some() {
        writeln!(w, "\nProcesses:")?;
        for i in a.incarnations() {
            let node = i
                .node_id
                .map(|n| format!("node {n}"))
                .unwrap_or_else(|| "node ?".into());
            let start = match &i.start_at {
                Some((s, l)) => format!("started {} ({s}:{l})", rfc3339_ms(i.start_us)),
                None => format!("first line {}", rfc3339_ms(i.start_us)),
            };
            writeln!(
                w,
                "  #{} {} {node}: {start}, last line {}",
                i.id,
                i.component.id(),
                rfc3339_ms(i.end_us)
            )?;
        }
    }
    if !a.settings.is_empty() {
        let shown: Vec<String> = a
            .settings
            .iter()
            .filter(|s| {
                s.key == "common.session.ttl"
                    || s.key.starts_with("queryCoord.heartbeat")
                    || s.key.starts_with("queryCoord.checkHealth")
                    || s.key.starts_with("queryCoord.distPull")
            })
            .map(|s| format!("{}={}{}", s.key, s.value, s.unit))
            .collect();
        if !shown.is_empty() {
            writeln!(w, "\nSettings: {}", shown.join("  "))?;
        }
    }
    for s in &a.skipped {
        writeln!(w, "skipped {}: {}", s.source, s.reason)?;
    }
    let warnings: Vec<&String> = a
        .warnings
        .iter()
        .chain(t.sources.iter().flat_map(|s| s.warnings.iter()))
        .collect();
    for wn in warnings.iter().take(20) {
        writeln!(w, "warning: {wn}")?;
    }
    if warnings.len() > 20 {
        writeln!(w, "warning: … {} more (see --json)", warnings.len() - 20)?;
    }
    Ok(())
}

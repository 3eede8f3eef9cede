//! The `analyze` summary for a terminal: one block per client-failure window
//! (time, duration, requests, cause, phases as a bar, top evidence,
//! recommendations), then what was read, the processes and their restarts,
//! the timing settings, and what could not be read.

use super::model::{Report, WindowFacts};
use super::rfc3339_ms;
use crate::attribute::PhaseId;
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
fn phase_bar(w: &WindowFacts) -> String {
    let len = (w.end - w.start).max(1) as f64;
    let mut bar = String::new();
    for p in &w.at.phases {
        let n = ((p.len_us() as f64 / len) * BAR as f64).round().max(1.0) as usize;
        bar.extend(std::iter::repeat_n(letter(p.id), n));
    }
    bar
}

fn write_windows(m: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
    if m.windows.is_empty() {
        let basis = if m.requests == 0 {
            "no Proxy failure, no restart and no log hole followed by a failure in the server logs"
        } else {
            "every request in the client log succeeded"
        };
        writeln!(w, "\nNo client-failure window: {basis}.")?;
        return Ok(());
    }
    for (i, win) in m.windows.iter().enumerate() {
        let at = win.at;
        let requests = match (win.client_log(), win.ok) {
            (true, Some(ok)) => {
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
            writeln!(w, "  phases        {}", phase_bar(win))?;
            let legend: Vec<String> = at
                .phases
                .iter()
                .map(|p| {
                    // An outage names its cause: a window can hold a silence
                    // and then the exit it ended in.
                    let cause = if p.id == PhaseId::Outage {
                        format!(" ({})", p.cause.id())
                    } else {
                        String::new()
                    };
                    format!(
                        "{}={}{cause} {:.1}s",
                        letter(p.id),
                        p.id.id(),
                        p.len_us() as f64 / 1e6
                    )
                })
                .collect();
            writeln!(w, "                {}", legend.join("  "))?;
        }
        for (k, (text, n)) in win.errors.iter().take(3).enumerate() {
            let head = if k == 0 { "errors" } else { "" };
            writeln!(w, "  {head:<13} {n:>4} × {}", cut(text, TEXT_MAX))?;
        }
        for (k, g) in win.traces.error_spans.iter().take(3).enumerate() {
            let head = if k == 0 { "failed calls" } else { "" };
            let node = g
                .peer_node
                .map_or(String::new(), |n| format!(" (node {n})"));
            writeln!(
                w,
                "  {head:<13} {:>4} × {} → {}{node}",
                g.count,
                cut(g.operation, TEXT_MAX),
                g.peer.unwrap_or("?")
            )?;
        }
        for (k, e) in at.evidence.iter().take(EVIDENCE_SHOWN).enumerate() {
            let head = if k == 0 { "evidence" } else { "" };
            writeln!(w, "  {head:<13} {}:{}  {}", e.source, e.line, e.note)?;
            writeln!(w, "  {:<13}   {}", "", cut(&e.text, TEXT_MAX))?;
        }
        for (k, r) in win.recommendations.iter().enumerate() {
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
pub fn write(m: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
    // Log text and file names reach the terminal with their control
    // characters shown, never run.
    let w = &mut super::inert::Inert(w);
    let tot = m.totals();
    writeln!(
        w,
        "milvus-postmortem {} — {}",
        env!("CARGO_PKG_VERSION"),
        m.title
    )?;
    if let Some(v) = &m.bundle.milvus_version {
        writeln!(w, "Milvus {v}")?;
    }
    if let Some((f, l)) = m.span() {
        writeln!(w, "time span  {} → {}", rfc3339_ms(f), rfc3339_ms(l))?;
    }
    write_windows(m, w)?;
    let sources = &m.accounting.sources;
    writeln!(w, "\nSources ({}):", sources.len())?;
    let width = sources
        .iter()
        .map(|s| s.source.chars().count())
        .max()
        .unwrap_or(0)
        .max(20);
    // Spans are named only where there are some: most sources are logs.
    let row = |w: &mut dyn Write, name: &str, comp: &str, a: [u64; 5]| {
        let spans = if a[4] > 0 {
            format!("  {:>7} spans", a[4])
        } else {
            String::new()
        };
        writeln!(
            w,
            "  {name:<width$} {comp:<10} {:>7} lines  {:>7} parsed  {:>6} cont.  {:>4} unparsed{spans}",
            a[0], a[1], a[2], a[3]
        )
    };
    for s in sources {
        let counts = [
            s.lines_total,
            s.lines_parsed,
            s.lines_continuation,
            s.lines_unparsed,
            s.spans_total,
        ];
        row(w, s.source, s.component.id(), counts)?;
    }
    let totals = [
        tot.lines_total,
        tot.lines_parsed,
        tot.lines_continuation,
        tot.lines_unparsed,
        tot.spans_total,
    ];
    row(w, "total", "", totals)?;
    if !m.incarnations.is_empty() {
        writeln!(w, "\nProcesses:")?;
        for i in &m.incarnations {
            let node = i
                .node_id
                .map(|n| format!("node {n}"))
                .unwrap_or_else(|| "node ?".into());
            let start = match &i.start_at {
                Some(at) => format!(
                    "started {} ({}:{})",
                    rfc3339_ms(i.start_us),
                    at.source,
                    at.line
                ),
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
    let shown: Vec<String> = m
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
    // Skipped files and warnings go to stderr (the binary writes them):
    // stdout carries the answer only.
    Ok(())
}

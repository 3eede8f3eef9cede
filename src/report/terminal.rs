//! The `analyze` summary for a terminal: what was read, the processes and
//! their restarts, the timing settings, and what could not be read.

use super::rfc3339_ms;
use crate::pipeline::Analysis;
use std::io::Write;

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

//! The `milvus-postmortem` binary: parses the command line, runs the
//! pipeline, writes the report, maps the outcome to an exit code, and
//! writes warnings to stderr. Nothing written to stderr can fail the run:
//! a closed stderr (`2>&-`, `2>&1 | grep -q`) loses the messages only.

use clap::Parser;
use milvus_postmortem::cli::{AnalyzeArgs, Cli, Command, CompareArgs, QueryArgs, Verbosity};
use milvus_postmortem::pipeline::{self, Analysis};
use milvus_postmortem::report::{self, model::Report, timeline::Format};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

/// A failure with its exit code.
struct Failure(u8, anyhow::Error);

/// No window was found, but some input could not be read or the range
/// selected no line: the answer may be wrong (ripgrep-like codes for scripts).
const EXIT_DOUBTFUL: u8 = 3;

/// Writes one message to stderr, its control characters shown escaped
/// (file names and log text come from the bundle); a closed or full
/// stderr is not an error.
fn say(msg: &str) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "{}", report::inert::terminal(msg));
}

fn bad_args(e: anyhow::Error) -> Failure {
    Failure(2, e)
}

fn output(path: Option<&str>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        None | Some("-") => Box::new(BufWriter::new(std::io::stdout().lock())),
        Some(p) => Box::new(BufWriter::new(
            std::fs::File::create(p).map_err(|e| anyhow::anyhow!("cannot write {p}: {e}"))?,
        )),
    })
}

/// What the command writes decides what ingest keeps: every line's text for
/// the records export, else only the text later stages read; hashes for the
/// reports' footer.
/// What a command needs of the pipeline.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Load {
    /// Windows and their causes (`analyze`).
    Windows,
    /// Events with their messages (`timeline --events`).
    Events,
    /// The timeline's records only (`timeline`).
    Records,
}

fn load(
    common: &milvus_postmortem::cli::CommonArgs,
    hash: bool,
    what: Load,
) -> Result<(Analysis, report::timeline::Selection), Failure> {
    let (mut cfg, sel) = common.resolve().map_err(bad_args)?;
    // Plain files are streamed and only what later stages read is kept;
    // a report's verbatim lines and the export's text are read again.
    cfg.ingest.keep_text = false;
    cfg.ingest.event_messages = what == Load::Events;
    cfg.timeline_only = what == Load::Records;
    cfg.ingest.hash = hash;
    if let Some(n) = common.threads {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let analysis = pipeline::run(&cfg).map_err(|e| Failure(1, e))?;
    if analysis.is_empty() {
        let mut msg = format!("nothing could be read from {}", analysis.inputs.join(", "));
        for s in &analysis.skipped {
            msg.push_str(&format!("\n  skipped {}: {}", s.source, s.reason));
        }
        for w in analysis.all_warnings() {
            msg.push_str(&format!("\n  warning: {w}"));
        }
        if analysis.skipped.is_empty() {
            msg.push_str("\n  (no file was found)");
        }
        return Err(Failure(1, anyhow::anyhow!(msg)));
    }
    Ok((analysis, sel))
}

/// The warnings and unread files of a run, on stderr: a one-line summary,
/// every one, or none.
fn tell_warnings(a: &Analysis, v: Verbosity) {
    let warnings: Vec<&str> = a.all_warnings().collect();
    let unread = a.skipped.iter().filter(|s| s.unread).count();
    match v {
        Verbosity::Quiet => {}
        Verbosity::All => {
            for s in &a.skipped {
                say(&format!("skipped {}: {}", s.source, s.reason));
            }
            for w in &warnings {
                say(&format!("warning: {w}"));
            }
        }
        Verbosity::Summary if warnings.is_empty() && unread == 0 => {}
        Verbosity::Summary => say(&format!(
            "milvus-postmortem: {} warning(s), {unread} file(s) not read; --verbose lists them (the JSON report has them all)",
            warnings.len()
        )),
    }
}

/// Exit 3 when the run found no window but cannot vouch for it; why, on
/// stderr (whatever the verbosity: it explains the exit code).
fn doubtful(a: &Analysis, windows: usize) -> Option<Failure> {
    if windows > 0 {
        return None;
    }
    let mut why = a.unread();
    if a.range_selects_nothing() {
        why.insert(0, "--since/--until select no line of the input".into());
    }
    if why.is_empty() {
        return None;
    }
    let shown: Vec<String> = why.iter().take(10).map(|w| format!("  {w}")).collect();
    let more = if why.len() > 10 {
        format!("\n  … {} more (--verbose)", why.len() - 10)
    } else {
        String::new()
    };
    Some(Failure(
        EXIT_DOUBTFUL,
        anyhow::anyhow!(
            "no window found, but the input was not read whole:\n{}{more}",
            shown.join("\n")
        ),
    ))
}

/// Writes a file whole (`-`: stdout), naming it in any error.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path == Path::new("-") {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        return Ok(out.flush()?);
    }
    std::fs::write(path, bytes)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    say(&format!(
        "wrote {} ({} KiB)",
        path.display(),
        bytes.len().div_ceil(1024)
    ));
    Ok(())
}

/// `--html`, `--md`, `--svg`: the charts are drawn once for both.
fn write_reports(m: &Report, args: &AnalyzeArgs) -> anyhow::Result<()> {
    let charts_wanted = args.html.is_some() || args.svg.is_some();
    // The Markdown and the charts are independent: made side by side.
    let (md, charts) = rayon::join(
        || args.md.as_ref().map(|_| report::markdown::render(m)),
        || charts_wanted.then(|| report::charts::Charts::draw(m, &m.carded())),
    );
    if let (Some(p), Some(md)) = (&args.md, md) {
        write_file(p, md.as_bytes())?;
    }
    let Some(charts) = charts.transpose()? else {
        return Ok(());
    };
    if let Some(p) = &args.html {
        write_file(p, report::html::render(m, &charts).as_bytes())?;
    }
    if let Some(dir) = &args.svg {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        for (name, svg) in charts.files() {
            write_file(&dir.join(name), svg.as_bytes())?;
        }
    }
    Ok(())
}

/// `query`: the SQL is checked, the tables it names are built, it runs and
/// its result is written. Bad SQL is a bad argument (exit 2), before any
/// input is read when Polars can tell from the text alone.
fn query(mut args: QueryArgs) -> Result<(), Failure> {
    use milvus_postmortem::query;
    let io = |e: anyhow::Error| Failure(1, e);
    let sql = args.split_sql().map_err(bad_args)?;
    let named = match &sql {
        Some(sql) => query::tables_named(sql).map_err(|e| bad_args(e.into()))?,
        None => query::TABLES.to_vec(),
    };
    let what = if named.iter().any(|t| t.needs_analysis()) {
        Load::Events
    } else {
        Load::Records
    };
    let (a, _) = load(&args.common, false, what)?;
    tell_warnings(&a, args.common.verbosity());
    if let Some(p) = &a.progress {
        p.stage("running query");
    }
    let tables = query::build(&a, &named).map_err(io)?;
    let mut result = match &sql {
        Some(sql) => query::run(sql, &tables).map_err(|e| bad_args(e.into()))?,
        None => query::schema(&tables).map_err(io)?,
    };
    drop(tables);
    if let Some(p) = &a.progress {
        p.finish();
    }
    let path = args.out.as_ref().map(|p| p.display().to_string());
    let mut w = output(path.as_deref()).map_err(io)?;
    query::output::write(&mut result, args.format, &mut w).map_err(io)?;
    w.flush().map_err(|e| io(e.into()))?;
    let doubt = doubtful(&a, 0);
    release(a);
    match doubt {
        Some(f) => Err(f),
        None => Ok(()),
    }
}

/// `compare`: both sides analysed, one after the other, then compared and
/// written.
fn compare(args: CompareArgs) -> Result<(), Failure> {
    let io = |e: anyhow::Error| Failure(1, e);
    let (before, after) = args.sides().map_err(bad_args)?;
    let stdout_taken = args.json.as_deref() == Some("-");
    let (b, _) = load(&before, false, Load::Windows)?;
    tell_warnings(&b, before.verbosity());
    if let Some(p) = &b.progress {
        p.finish();
    }
    let (a, _) = load(&after, false, Load::Windows)?;
    tell_warnings(&a, after.verbosity());
    if let Some(p) = &a.progress {
        p.finish();
    }
    let c = milvus_postmortem::compare::compare(&b, &a);
    if let Some(p) = &args.md {
        write_file(p, report::compare::markdown(&c).as_bytes()).map_err(io)?;
    }
    if let Some(p) = &args.html {
        let html = report::compare::html(&c).map_err(io)?;
        write_file(p, html.as_bytes()).map_err(io)?;
    }
    if let Some(p) = args.json.as_deref() {
        let mut w = output(Some(p)).map_err(io)?;
        serde_json::to_writer_pretty(&mut w, &c).map_err(|e| io(e.into()))?;
        writeln!(w)
            .and_then(|_| w.flush())
            .map_err(|e| io(e.into()))?;
    }
    if !stdout_taken {
        let mut w = output(None).map_err(io)?;
        w.write_all(report::compare::terminal(&c).as_bytes())
            .and_then(|_| w.flush())
            .map_err(|e| io(e.into()))?;
    }
    release(b);
    release(a);
    Ok(())
}

fn run(cli: Cli) -> Result<(), Failure> {
    let io = |e: anyhow::Error| Failure(1, e);
    match cli.command {
        Command::Analyze(args) => {
            // Checked before any input is read.
            let stdout_taken = args.stdout_taken().map_err(bad_args)?;
            let reports = args.html.is_some() || args.md.is_some() || args.svg.is_some();
            let (a, _) = load(&args.common, reports, Load::Windows)?;
            tell_warnings(&a, args.common.verbosity());
            if let Some(p) = &a.progress {
                p.stage("writing report");
            }
            // Built once: every report renders this model.
            let model = report::model::build(&a, reports);
            write_reports(&model, &args).map_err(io)?;
            if let Some(p) = args.json.as_deref() {
                let mut w = output(Some(p)).map_err(io)?;
                serde_json::to_writer_pretty(&mut w, &model).map_err(|e| io(e.into()))?;
                writeln!(w)
                    .and_then(|_| w.flush())
                    .map_err(|e| io(e.into()))?;
            }
            // The terminal summary, unless stdout carries a report.
            if let Some(p) = &a.progress {
                p.finish();
            }
            if !stdout_taken {
                let mut w = output(None).map_err(io)?;
                report::terminal::write(&model, &mut w).map_err(io)?;
                w.flush().map_err(|e| io(e.into()))?;
            }
            let doubt = doubtful(&a, a.windows().count());
            release(a);
            if let Some(f) = doubt {
                return Err(f);
            }
        }
        Command::Query(args) => return query(args),
        Command::Compare(args) => return compare(args),
        Command::Timeline(args) => {
            // Filters are checked before any input is read.
            args.selection(Default::default()).map_err(bad_args)?;
            // Every line's text is read again from its file as it is written.
            let what = if args.events {
                Load::Events
            } else {
                Load::Records
            };
            let (a, sel) = load(&args.common, false, what)?;
            tell_warnings(&a, args.common.verbosity());
            if let Some(p) = &a.progress {
                p.stage("writing timeline");
            }
            let sel = args.selection(sel).map_err(bad_args)?;
            let path = args.out.as_ref().map(|p| p.display().to_string());
            let mut w = output(path.as_deref()).map_err(io)?;
            let t = &a.timeline;
            match (args.events, args.format) {
                _ if args.spans => match args.format {
                    Format::Text => report::spans::write_text(t, &sel, &mut w),
                    Format::Jsonl => report::spans::write_jsonl(t, &sel, &mut w),
                    Format::Csv => report::spans::write_csv(t, &sel, &mut w),
                    Format::Parquet => report::spans::write_parquet(t, &sel, &mut w),
                },
                (false, Format::Text) => report::timeline::write_text(t, &sel, &mut w),
                (false, Format::Jsonl) => report::timeline::write_jsonl(t, &sel, &mut w),
                (false, Format::Csv) => report::timeline::write_csv(t, &sel, &mut w),
                (false, Format::Parquet) => report::timeline::write_parquet(t, &sel, &mut w),
                (true, Format::Text) => report::events::write_text(&a, &sel, &mut w),
                (true, Format::Jsonl) => report::events::write_jsonl(&a, &sel, &mut w),
                (true, Format::Csv) => report::events::write_csv(&a, &sel, &mut w),
                (true, Format::Parquet) => report::events::write_parquet(&a, &sel, &mut w),
            }
            .map_err(io)?;
            w.flush().map_err(|e| io(e.into()))?;
            if let Some(p) = &a.progress {
                p.finish();
            }
            // No windows here: doubtful when the input was not read whole
            // or the range selected nothing.
            let doubt = doubtful(&a, 0);
            release(a);
            if let Some(f) = doubt {
                return Err(f);
            }
        }
    }
    Ok(())
}

/// Ends a run whose outputs are written: the spool's files are removed;
/// the rest is left to the exit, which gives the memory back at once
/// (freeing millions of records one by one took a tenth of a second).
fn release(mut a: Analysis) {
    drop(a.spool.take());
    std::mem::forget(a);
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, e)) => {
            // A closed pipe (`| head`) is not a failure.
            let pipe = std::io::ErrorKind::BrokenPipe;
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == pipe)
                    || c.downcast_ref::<serde_json::Error>()
                        .is_some_and(|j| j.io_error_kind() == Some(pipe))
            }) {
                return ExitCode::SUCCESS;
            }
            say(&format!("milvus-postmortem: {e:#}"));
            ExitCode::from(code)
        }
    }
}

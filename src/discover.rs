//! Discover: turns the paths on the command line into a list of log sources.
//!
//! Accepts a directory, a `.tar.gz`/`.tgz`, a `.zip`, a `.gz` file or a plain
//! file. Archive members are read in memory (never extracted to disk), with a
//! size bound against decompression bombs. Each source gets its name inside
//! the bundle (a single top-level folder of an archive stripped; with several
//! bundles, prefixed by the bundle's name), a component guessed from its pod
//! or file name, the `previous` flag of `pod_log_previous/` and `-pre.log`,
//! and the role/node id of Milvus file logs (`standalone-2.log`). Files that
//! are not logs (configs, traces, binaries) and files the user leaves out
//! (`--exclude`) are listed as skipped with their reason; nothing is skipped
//! for its name alone. `milvus.yaml` is kept for the timing settings.
//!
//! Must not know: grammars, records, root causes, reports.

use crate::component::{self, Component};
use anyhow::{Context, Result};
use flate2::read::MultiGzDecoder;
use regex::Regex;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Largest decompressed size read for one file or archive member (bytes).
pub const MAX_MEMBER_BYTES: u64 = 8 << 30;

/// Limits of the discover stage, and what the user leaves out.
#[derive(Clone, Debug)]
pub struct DiscoverConfig {
    /// Largest decompressed size accepted for one member or file (bytes).
    pub max_member_bytes: u64,
    /// Largest decompressed size accepted for one archive (bytes).
    pub max_archive_bytes: u64,
    /// Files left out by `--exclude`.
    pub exclude: Exclude,
}

impl Default for DiscoverConfig {
    fn default() -> Self {
        DiscoverConfig {
            max_member_bytes: MAX_MEMBER_BYTES,
            max_archive_bytes: 32 << 30,
            exclude: Exclude::default(),
        }
    }
}

/// `--exclude GLOB` patterns. A pattern with a `/` matches the path inside
/// its bundle (`harness/**`); one without matches the file name at any
/// depth (`README.txt`, `ground_truth*`), as in a `.gitignore`. A file is
/// matched as it is named in the bundle, `.gz` included.
#[derive(Clone, Debug, Default)]
pub struct Exclude {
    patterns: Vec<String>,
    set: globset::GlobSet,
}

impl Exclude {
    /// Compiles the patterns; a malformed one is an error naming it.
    pub fn new(patterns: &[String]) -> Result<Exclude> {
        let mut b = globset::GlobSetBuilder::new();
        for p in patterns {
            let glob = globset::GlobBuilder::new(p)
                .literal_separator(true)
                .build()
                .with_context(|| format!("--exclude {p:?}"))?;
            b.add(glob);
        }
        Ok(Exclude {
            patterns: patterns.to_vec(),
            set: b.build()?,
        })
    }

    /// The pattern that leaves out a file (its path inside its bundle).
    fn matching(&self, rel: &str) -> Option<&str> {
        if self.patterns.is_empty() {
            return None;
        }
        let file = rel.rsplit('/').next().unwrap_or(rel);
        self.set
            .matches(rel)
            .into_iter()
            .chain(
                self.set
                    .matches(file)
                    .into_iter()
                    .filter(|i| !self.patterns[*i].contains('/')),
            )
            .min()
            .map(|i| self.patterns[i].as_str())
    }
}

/// Where a source's bytes are.
#[derive(Debug)]
pub enum Content {
    /// A plain file on disk, read by the ingest stage.
    File(PathBuf),
    /// A gzip file on disk, decompressed by the ingest stage.
    GzFile(PathBuf),
    /// Bytes already read from an archive, with a warning if reading stopped early.
    Bytes(Vec<u8>, Option<String>),
}

/// A Milvus file log name: `<role>-<nodeID>.log`, rotated
/// `<role>-<nodeID>-<YYYY-MM-DDTHH-MM-SS.mmm>.log`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleFile {
    /// The role part (`standalone`, `querynode`, …).
    pub role: String,
    /// The node (server) id.
    pub node_id: u32,
    /// The rotation time of a rotated file, as written.
    pub rotated: Option<String>,
}

/// One log source of the bundle.
#[derive(Debug)]
pub struct SourceSpec {
    /// Path relative to the bundle root (prefixed with the bundle name when
    /// several bundles form one incident).
    pub name: String,
    /// Folder of the source inside the bundle.
    pub dir: String,
    /// Component from the pod or file name.
    pub component: Component,
    /// From `pod_log_previous/` or `<pod>-pre.log`: the container before its last restart.
    pub previous: bool,
    /// Milvus file-log naming, if the name follows it.
    pub role_file: Option<RoleFile>,
    /// Sources with the same key are streams of the same process(es): file
    /// logs, stdout and stderr of one role in one folder, or one pod's
    /// current and previous container.
    pub process: String,
    /// The bytes.
    pub content: Content,
}

impl SourceSpec {
    /// The same source described without its bytes (a file's path stays).
    pub fn without_content(&self) -> SourceSpec {
        let content = match &self.content {
            Content::File(p) => Content::File(p.clone()),
            Content::GzFile(p) => Content::GzFile(p.clone()),
            Content::Bytes(..) => Content::Bytes(Vec::new(), None),
        };
        SourceSpec {
            name: self.name.clone(),
            dir: self.dir.clone(),
            component: self.component,
            previous: self.previous,
            role_file: self.role_file.clone(),
            process: self.process.clone(),
            content,
        }
    }
}

impl SourceSpec {
    /// A source held in memory, named like a file of a bundle, its own
    /// process (for tests, benchmarks and callers that already hold bytes).
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> SourceSpec {
        SourceSpec {
            name: name.into(),
            dir: name.rsplit_once('/').map_or("", |(d, _)| d).into(),
            component: crate::component::from_path(name),
            previous: false,
            role_file: None,
            process: name.into(),
            content: Content::Bytes(bytes, None),
        }
    }
}

/// A file that is not read as a log, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// Path relative to the bundle root.
    pub source: String,
    /// Why it was skipped.
    pub reason: String,
}

/// A Milvus configuration file found in the bundle.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    /// Path relative to the bundle root.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// Everything found on the command line.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Log sources, sorted by name.
    pub sources: Vec<SourceSpec>,
    /// Files not read as logs.
    pub skipped: Vec<Skipped>,
    /// `milvus.yaml` and friends.
    pub configs: Vec<ConfigFile>,
    /// Problems met while listing (unreadable archive members…).
    pub warnings: Vec<String>,
    /// The folder archive members were written to as they were read (see
    /// [`take_member`]); removed when dropped, so it is kept until the
    /// last line has been read again.
    pub spool: Option<tempfile::TempDir>,
}

/// What to do with a file, by its name.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Log,
    Config,
    Skip(&'static str),
}

fn classify(rel: &str) -> Kind {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    let lower = file.to_ascii_lowercase();
    if rel.split('/').any(|p| p == "traces") || lower.contains("otlp") {
        return Kind::Skip(
            "OpenTelemetry traces: not part of the line accounting (analysed by a later stage)",
        );
    }
    let stem = lower.strip_suffix(".gz").unwrap_or(&lower);
    if stem.ends_with(".yaml") || stem.ends_with(".yml") {
        return Kind::Config;
    }
    let log_ext = [".log", ".txt", ".jsonl", ".json", ".out", ".err", ".ndjson"];
    let has_ext = stem
        .rsplit_once('.')
        .is_some_and(|(_, e)| !e.chars().all(|c| c.is_ascii_digit()));
    if log_ext.iter().any(|e| stem.ends_with(e)) || !has_ext {
        return Kind::Log;
    }
    Kind::Skip("not a log file (by its extension)")
}

fn role_file_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(standalone|embedded|rootcoord|proxy|querycoord|querynode|indexcoord|datacoord|datanode|indexnode|mixture|mixcoord)-(\d+)(?:-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(?:\.\d+)?))?\.log(?:\.gz)?$")
            .expect("static regex")
    })
}

/// Reads `<role>-<id>[-<rotation>].log`.
pub fn role_file(file_name: &str) -> Option<RoleFile> {
    let c = role_file_re().captures(file_name)?;
    Some(RoleFile {
        role: c[1].to_string(),
        node_id: c[2].parse().ok()?,
        rotated: c.get(3).map(|m| m.as_str().to_string()),
    })
}

fn spec(name: String, content: Content) -> SourceSpec {
    let file = name.rsplit('/').next().unwrap_or(&name).to_string();
    let dir = name
        .rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    let stem = file.trim_end_matches(".gz").trim_end_matches(".log");
    let previous = name.split('/').any(|p| p == "pod_log_previous") || stem.ends_with("-pre");
    SourceSpec {
        component: component::from_path(&name),
        previous,
        role_file: role_file(&file),
        // Set by `assign_process_groups` once every source is listed.
        process: String::new(),
        name,
        dir,
        content,
    }
}

/// Lists every source of the given bundles.
pub fn discover(paths: &[PathBuf], cfg: &DiscoverConfig) -> Result<Discovered> {
    let mut out = Discovered::default();
    let several = paths.len() > 1;
    let mut seen: Vec<(Vec<u8>, &Path)> = Vec::new();
    for path in paths {
        let prefix = if several {
            format!("{}/", bundle_name(path))
        } else {
            String::new()
        };
        let meta = fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
        if several {
            let print = fingerprint(path, meta.is_dir());
            if let Some((_, first)) = seen.iter().find(|(p, _)| *p == print) {
                out.warnings.push(format!(
                    "{}: the same content as {} (the same files, sizes and first bytes): read once",
                    path.display(),
                    first.display()
                ));
                continue;
            }
            seen.push((print, path));
        }
        let lower = path.to_string_lossy().to_ascii_lowercase();
        if meta.is_dir() {
            walk_dir(path, path, &prefix, cfg, &mut out)?;
        } else if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") || lower.ends_with(".tar") {
            read_tar(path, &prefix, cfg, &mut out)?;
        } else if lower.ends_with(".zip") {
            read_zip(path, &prefix, cfg, &mut out)?;
        } else {
            let file = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = format!("{prefix}{}", file.strip_suffix(".gz").unwrap_or(&file));
            let content = if lower.ends_with(".gz") {
                Content::GzFile(path.clone())
            } else {
                Content::File(path.clone())
            };
            add(name, &file, content, cfg, &mut out);
        }
    }
    out.sources.sort_by(|a, b| a.name.cmp(&b.name));
    out.skipped.sort_by(|a, b| a.source.cmp(&b.source));
    assign_process_groups(&mut out.sources);
    Ok(out)
}

/// What tells two bundles on one command line apart without reading them
/// whole: every file's path inside the bundle, size and first 64 KiB
/// (SHA-256). The same bundle given twice, or copied, prints the same.
fn fingerprint(path: &Path, is_dir: bool) -> Vec<u8> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    if is_dir {
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for e in fs::read_dir(&dir).into_iter().flatten().flatten() {
                match e.file_type() {
                    Ok(t) if t.is_dir() => stack.push(e.path()),
                    Ok(t) if t.is_file() => {
                        let rel = e
                            .path()
                            .strip_prefix(path)
                            .map(Path::to_path_buf)
                            .unwrap_or_default();
                        files.push((rel.to_string_lossy().into_owned(), e.path()));
                    }
                    _ => {}
                }
            }
        }
    } else {
        files.push((String::new(), path.to_path_buf()));
    }
    files.sort();
    for (rel, p) in files {
        let size = fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        h.update(rel.as_bytes());
        h.update(size.to_le_bytes());
        let mut head = Vec::new();
        if let Ok(f) = fs::File::open(&p) {
            let _ = f.take(64 << 10).read_to_end(&mut head);
        }
        h.update(&head);
    }
    h.finalize().to_vec()
}

/// Ties the streams of one process together and names their role, from
/// names only: a Milvus file log (`standalone-2.log`) is `<folder>|<role>`;
/// `milvus-stdout.log`/`milvus-stderr.log` beside the file logs of one role
/// are that role's streams (same key, same component); any other source is
/// its own pod, `pod_log/` and `pod_log_previous/` (or `-pre.log`) being the
/// same pod.
fn assign_process_groups(sources: &mut [SourceSpec]) {
    let mut roles: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for s in sources.iter() {
        if let Some(rf) = &s.role_file {
            let v = roles.entry(s.dir.clone()).or_default();
            if !v.contains(&rf.role) {
                v.push(rf.role.clone());
            }
        }
    }
    for s in sources.iter_mut() {
        let dir: Vec<&str> = s
            .dir
            .split('/')
            .filter(|p| !p.is_empty() && *p != "pod_log" && *p != "pod_log_previous")
            .collect();
        let dir = dir.join("/");
        let only_role = match roles.get(&s.dir).map(Vec::as_slice) {
            Some([only]) => Some(only.clone()),
            _ => None,
        };
        s.process = match (&s.role_file, only_role) {
            (Some(rf), _) => format!("{dir}|{}", rf.role),
            (None, Some(role)) if s.component == Component::Milvus => {
                s.component = Component::from_id(&role).unwrap_or(Component::Milvus);
                format!("{dir}|{role}")
            }
            _ => {
                let file = s.name.rsplit('/').next().unwrap_or(&s.name);
                let stem = file.trim_end_matches(".log").trim_end_matches("-pre");
                format!("{dir}|{stem}")
            }
        };
    }
}

fn bundle_name(path: &Path) -> String {
    let f = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".into());
    for ext in [".tar.gz", ".tgz", ".tar", ".zip", ".gz"] {
        if let Some(s) = f.strip_suffix(ext) {
            return s.to_string();
        }
    }
    f
}

/// Takes a file found in a bundle: `name` is how the timeline will call it,
/// `raw` its path inside its bundle as found (for `--exclude`).
fn add(name: String, raw: &str, content: Content, cfg: &DiscoverConfig, out: &mut Discovered) {
    if let Some(glob) = cfg.exclude.matching(raw) {
        out.skipped.push(Skipped {
            source: name,
            reason: format!("excluded by --exclude {glob}"),
        });
        return;
    }
    match classify(&name) {
        Kind::Log => out.sources.push(spec(name, content)),
        Kind::Config => {
            let bytes = match content {
                Content::Bytes(b, _) => Ok(b),
                Content::File(p) => fs::read(&p).map_err(|e| e.to_string()),
                Content::GzFile(p) => read_gz_file(&p, 64 << 20)
                    .map(|(b, _)| b)
                    .map_err(|e| e.to_string()),
            };
            match bytes {
                Ok(b) => {
                    out.configs.push(ConfigFile {
                        name: name.clone(),
                        text: String::from_utf8_lossy(&b).into_owned(),
                    });
                    out.skipped.push(Skipped {
                        source: name,
                        reason: "configuration file: timing settings read, not a log".into(),
                    });
                }
                Err(e) => out
                    .warnings
                    .push(format!("{name}: cannot read configuration: {e}")),
            }
        }
        Kind::Skip(reason) => out.skipped.push(Skipped {
            source: name,
            reason: reason.into(),
        }),
    }
}

fn walk_dir(
    root: &Path,
    dir: &Path,
    prefix: &str,
    cfg: &DiscoverConfig,
    out: &mut Discovered,
) -> Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let ft = e.file_type()?;
        if ft.is_symlink() {
            let rel = rel_name(root, &p, prefix);
            out.skipped.push(Skipped {
                source: rel,
                reason: "symbolic link: not followed".into(),
            });
        } else if ft.is_dir() {
            walk_dir(root, &p, prefix, cfg, out)?;
        } else {
            let found = rel_name(root, &p, prefix);
            let content = if found.ends_with(".gz") {
                Content::GzFile(p)
            } else {
                Content::File(p)
            };
            let rel = found.strip_suffix(".gz").unwrap_or(&found).to_string();
            add(rel, &found[prefix.len()..], content, cfg, out);
        }
    }
    Ok(())
}

fn rel_name(root: &Path, p: &Path, prefix: &str) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    format!("{prefix}{}", rel.to_string_lossy().replace('\\', "/"))
}

/// Reads a gzip file fully, up to `limit` bytes; a truncated or corrupt
/// stream keeps what was decompressed and says where it stopped.
pub fn read_gz_file(path: &Path, limit: u64) -> std::io::Result<(Vec<u8>, Option<String>)> {
    let f = fs::File::open(path)?;
    Ok(read_limited(MultiGzDecoder::new(f), limit))
}

/// Reads everything from `r` up to `limit` bytes.
fn read_limited(r: impl Read, limit: u64) -> (Vec<u8>, Option<String>) {
    let mut buf = Vec::new();
    let mut take = r.take(limit + 1);
    let warn = match take.read_to_end(&mut buf) {
        Ok(_) if buf.len() as u64 > limit => {
            buf.truncate(limit as usize);
            Some(format!(
                "larger than {limit} bytes decompressed: read up to that size"
            ))
        }
        Ok(_) => None,
        Err(e) => Some(format!(
            "stream broken at decompressed offset {}: {e}; the part before it is read",
            buf.len()
        )),
    };
    (buf, warn)
}

/// Archive member names with a single common top-level folder stripped.
fn strip_common_root(names: &[String]) -> Option<String> {
    let first = names.first()?.split('/').next()?.to_string();
    let all_under = names.iter().all(|n| n.starts_with(&format!("{first}/")));
    all_under.then_some(first)
}

/// A member path is used only as a name; anything that looks like an escape
/// from the bundle is refused.
fn safe_member_name(n: &str) -> bool {
    !n.starts_with('/') && !n.split('/').any(|p| p == "..")
}

/// Takes one archive member, within the member and archive size bounds: it
/// is written to the spool folder as it is decompressed and then read like a
/// file of a folder (streamed, its lines read again for a report), so an
/// archive is never held in memory. A member cut short by a bound or a
/// broken stream, or any member when no spool folder can be made, is held
/// in memory with its warning. A member whose path could escape the bundle
/// is refused.
fn take_member(
    name: String,
    r: &mut dyn Read,
    cfg: &DiscoverConfig,
    total: &mut u64,
    members: &mut Vec<(String, Content)>,
    out: &mut Discovered,
) {
    if !safe_member_name(&name) {
        out.skipped.push(Skipped {
            source: name,
            reason: "unsafe member path in archive".into(),
        });
        return;
    }
    let limit = cfg
        .max_member_bytes
        .min(cfg.max_archive_bytes.saturating_sub(*total));
    let content = match spool_dir(out) {
        Some(dir) => spool_member(r, limit, dir, members.len()),
        None => {
            let (bytes, warn) = read_limited(r, limit);
            Content::Bytes(bytes, warn)
        }
    };
    *total += match &content {
        Content::Bytes(b, _) => b.len() as u64,
        Content::File(p) | Content::GzFile(p) => fs::metadata(p).map_or(0, |m| m.len()),
    };
    members.push((name, content));
}

/// The spool folder, made on first use (in `$TMPDIR`).
fn spool_dir(out: &mut Discovered) -> Option<&Path> {
    if out.spool.is_none() {
        match tempfile::Builder::new()
            .prefix("milvus-postmortem-")
            .tempdir()
        {
            Ok(d) => out.spool = Some(d),
            Err(e) => {
                out.warnings.push(format!(
                    "cannot make a folder for archive members ({e}): they are held in memory"
                ));
                return None;
            }
        }
    }
    out.spool.as_ref().map(|d| d.path())
}

/// Writes a member to `dir/<n>`, up to `limit` bytes; the file, or the
/// bytes with a warning when the member was cut short.
fn spool_member(r: &mut dyn Read, limit: u64, dir: &Path, n: usize) -> Content {
    let path = dir.join(n.to_string());
    let copied = fs::File::create(&path).and_then(|f| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        let n = std::io::copy(&mut r.take(limit + 1), &mut w)?;
        std::io::Write::flush(&mut w)?;
        Ok(n)
    });
    match copied {
        Ok(n) if n <= limit => Content::File(path),
        // Cut short: what was written, in memory, with the reason.
        _ => {
            let (bytes, warn) = match fs::File::open(&path) {
                Ok(f) => read_limited(f, limit),
                Err(e) => (Vec::new(), Some(format!("cannot be read back: {e}"))),
            };
            let _ = fs::remove_file(&path);
            let warn = match copied {
                Err(e) => Some(format!(
                    "stream broken at decompressed offset {}: {e}; the part before it is read",
                    bytes.len()
                )),
                Ok(_) => warn,
            };
            Content::Bytes(bytes, warn)
        }
    }
}

fn read_tar(path: &Path, prefix: &str, cfg: &DiscoverConfig, out: &mut Discovered) -> Result<()> {
    let f = fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let lower = path.to_string_lossy().to_ascii_lowercase();
    let reader: Box<dyn Read> = if lower.ends_with(".tar") {
        Box::new(f)
    } else {
        Box::new(MultiGzDecoder::new(f))
    };
    let mut archive = tar::Archive::new(reader);
    let mut members: Vec<(String, Content)> = Vec::new();
    let mut total = 0u64;
    let entries = archive
        .entries()
        .with_context(|| format!("reading {}", path.display()))?;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                out.warnings.push(format!(
                    "{}: archive broken after {} members: {e}; the members before it are read",
                    path.display(),
                    members.len()
                ));
                break;
            }
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let name = name.trim_start_matches("./").to_string();
        take_member(name, &mut entry, cfg, &mut total, &mut members, out);
    }
    finish_members(members, prefix, cfg, out);
    Ok(())
}

fn read_zip(path: &Path, prefix: &str, cfg: &DiscoverConfig, out: &mut Discovered) -> Result<()> {
    let f = fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut zip =
        zip::ZipArchive::new(f).with_context(|| format!("reading zip {}", path.display()))?;
    let mut members = Vec::new();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut file = match zip.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                out.warnings
                    .push(format!("{}: member {i} unreadable: {e}", path.display()));
                continue;
            }
        };
        if !file.is_file() {
            continue;
        }
        let name = match file.name() {
            Ok(n) => n.replace('\\', "/"),
            Err(e) => {
                out.warnings.push(format!(
                    "{}: member {i} has an unreadable name: {e}",
                    path.display()
                ));
                continue;
            }
        };
        take_member(name, &mut file, cfg, &mut total, &mut members, out);
    }
    finish_members(members, prefix, cfg, out);
    Ok(())
}

fn finish_members(
    members: Vec<(String, Content)>,
    prefix: &str,
    cfg: &DiscoverConfig,
    out: &mut Discovered,
) {
    let names: Vec<String> = members.iter().map(|(n, _)| n.clone()).collect();
    let root = strip_common_root(&names);
    for (name, content) in members {
        let found = match &root {
            Some(r) => name[r.len() + 1..].to_string(),
            None => name,
        };
        let rel = found.clone();
        let (rel, content) = match (rel.strip_suffix(".gz"), content) {
            (Some(stem), Content::File(p)) => (stem.to_string(), Content::GzFile(p)),
            (Some(stem), Content::Bytes(b, _)) => {
                let (bytes, warn) = read_limited(MultiGzDecoder::new(&b[..]), cfg.max_member_bytes);
                (stem.to_string(), Content::Bytes(bytes, warn))
            }
            (_, c) => (rel, c),
        };
        add(format!("{prefix}{rel}"), &found, content, cfg, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_bundle_files() {
        // No file is skipped for its name alone: `--exclude` does that.
        assert_eq!(classify("README.txt"), Kind::Log);
        assert_eq!(classify("ground_truth.json"), Kind::Log);
        assert_eq!(classify("milvus/configs/milvus.yaml"), Kind::Config);
        assert!(matches!(
            classify("traces/otlp-traces.jsonl"),
            Kind::Skip(_)
        ));
        assert_eq!(classify("milvus/standalone-1.log"), Kind::Log);
        assert_eq!(classify("client/client.jsonl"), Kind::Log);
        assert_eq!(classify("pod_log/my-milvus-querynode-0"), Kind::Log);
        assert!(matches!(classify("docs/report.png"), Kind::Skip(_)));
        assert_eq!(classify("notes/readme.txt"), Kind::Log);
    }

    #[test]
    fn exclude_matches_names_at_any_depth_and_paths_from_the_top() {
        let x = Exclude::new(&[
            "README.txt".into(),
            "ground_truth*".into(),
            "harness/**".into(),
            "*.log.gz".into(),
        ])
        .unwrap();
        assert_eq!(x.matching("README.txt"), Some("README.txt"));
        assert_eq!(x.matching("notes/README.txt"), Some("README.txt"));
        assert_eq!(
            x.matching("ground_truth_evidence.md"),
            Some("ground_truth*")
        );
        assert_eq!(x.matching("harness/kafka-shim.log"), Some("harness/**"));
        assert_eq!(x.matching("logs/harness/x.log"), None);
        assert_eq!(x.matching("pod_log/proxy.log.gz"), Some("*.log.gz"));
        assert_eq!(x.matching("pod_log/proxy.log"), None);
        assert_eq!(Exclude::default().matching("README.txt"), None);
        assert!(Exclude::new(&["[".into()]).is_err());
    }

    #[test]
    fn milvus_file_log_names() {
        assert_eq!(
            role_file("standalone-2.log"),
            Some(RoleFile {
                role: "standalone".into(),
                node_id: 2,
                rotated: None
            })
        );
        let r = role_file("standalone-2-2026-11-26T04-43-28.704.log").unwrap();
        assert_eq!(
            (r.node_id, r.rotated.as_deref()),
            (2, Some("2026-11-26T04-43-28.704"))
        );
        assert_eq!(role_file("milvus-stdout.log"), None);
        let s = spec(
            "pod_log_previous/rel-milvus-querynode-7c59-v42fh.log".into(),
            Content::Bytes(vec![], None),
        );
        assert!(s.previous);
        assert_eq!(s.component, Component::Querynode);
        assert!(
            spec(
                "rel-milvus-proxy-abc-pre.log".into(),
                Content::Bytes(vec![], None)
            )
            .previous
        );
    }

    #[test]
    fn streams_and_pods_are_grouped_by_process() {
        let mut v: Vec<SourceSpec> = [
            "milvus/standalone-1.log",
            "milvus/standalone-2.log",
            "milvus/milvus-stdout.log",
            "pod_log/rel-milvus-querynode-0.log",
            "pod_log_previous/rel-milvus-querynode-0.log",
            "etcd/etcd.log",
        ]
        .into_iter()
        .map(|n| spec(n.into(), Content::Bytes(vec![], None)))
        .collect();
        assign_process_groups(&mut v);
        let key = |i: usize| v[i].process.as_str();
        assert_eq!(
            (key(0), key(1), key(2)),
            (
                "milvus|standalone",
                "milvus|standalone",
                "milvus|standalone"
            )
        );
        assert_eq!(v[2].component, Component::Standalone);
        assert_eq!(key(3), key(4));
        assert_ne!(key(3), key(5));
    }

    #[test]
    fn archive_roots_and_member_safety() {
        let names = vec![
            "milvus-log/pod_log/a.log".to_string(),
            "milvus-log/pod_log/b.log".to_string(),
        ];
        assert_eq!(strip_common_root(&names).as_deref(), Some("milvus-log"));
        assert_eq!(
            strip_common_root(&["a.log".to_string(), "x/b.log".to_string()]),
            None
        );
        assert!(!safe_member_name("../../etc/passwd"));
        assert!(!safe_member_name("/etc/passwd"));
        assert!(safe_member_name("milvus/standalone-1.log"));
    }

    /// Archive members are written to the spool folder as they are read and
    /// listed as files of it (a `.gz` member as a gzip file); a member cut
    /// short by the size bound stays in memory with its warning; the folder
    /// goes when the listing is dropped.
    #[test]
    fn archive_members_are_spooled_not_held() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let tar_path = dir.path().join("bundle.tar.gz");
        let gz = |b: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(b).unwrap();
            e.finish().unwrap()
        };
        let mut t = tar::Builder::new(Vec::new());
        let members: [(&str, Vec<u8>); 3] = [
            (
                "b/milvus/standalone-1.log",
                b"line one\nline two\n".to_vec(),
            ),
            ("b/milvus/old.log.gz", gz(b"rotated\n")),
            ("b/client/client.jsonl", vec![b'x'; 5000]),
        ];
        for (name, body) in &members {
            let mut h = tar::Header::new_gnu();
            h.set_size(body.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            t.append_data(&mut h, name, &body[..]).unwrap();
        }
        std::fs::write(&tar_path, gz(&t.into_inner().unwrap())).unwrap();
        let cfg = DiscoverConfig {
            max_member_bytes: 4096,
            ..Default::default()
        };
        let found = discover(&[tar_path], &cfg).unwrap();
        let spool = found.spool.as_ref().unwrap().path().to_path_buf();
        let by_name = |n: &str| found.sources.iter().find(|s| s.name.ends_with(n)).unwrap();
        match &by_name("standalone-1.log").content {
            Content::File(p) => {
                assert!(p.starts_with(&spool));
                assert_eq!(std::fs::read(p).unwrap(), b"line one\nline two\n");
            }
            c => panic!("not spooled: {c:?}"),
        }
        assert!(matches!(&by_name("old.log").content, Content::GzFile(p) if p.starts_with(&spool)));
        match &by_name("client.jsonl").content {
            Content::Bytes(b, Some(w)) => {
                assert!(b.len() == 4096 && w.contains("larger than"), "{w}")
            }
            c => panic!("a cut member is held with its warning: {c:?}"),
        }
        drop(found);
        assert!(!spool.exists());
    }

    #[test]
    fn truncated_gzip_keeps_the_head() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        for i in 0..20_000 {
            writeln!(enc, "line {i} of a log that compresses").unwrap();
        }
        let full = enc.finish().unwrap();
        let (bytes, warn) = read_limited(MultiGzDecoder::new(&full[..full.len() / 2]), 1 << 30);
        assert!(warn
            .unwrap()
            .contains("stream broken at decompressed offset"));
        assert!(bytes.starts_with(b"line 0 of"));
    }
}

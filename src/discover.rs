//! Discover: turns the paths on the command line into a list of log sources.
//!
//! Accepts a directory, a `.tar.gz`/`.tgz`, a `.tar`, a `.zip`, a `.gz` file
//! or a plain file; archives inside a bundle are read too (`--max-depth`).
//! Only regular files are opened: links are never followed, FIFOs, sockets
//! and devices never opened; a folder that cannot be listed is a skipped
//! entry and the rest is listed. Archive members and `.gz` files are
//! decompressed into a spool folder as they are read (NUL runs as holes of
//! a sparse file, never into memory), within a budget of decompressed bytes
//! and of files per bundle; a member's name decides first, so what is not a
//! log is listed without being decompressed. Each source gets its name
//! inside the bundle (a bundle archive's single top-level folder stripped;
//! with several bundles, prefixed by the bundle's name, made unique), a
//! component guessed from its pod or file name, the `previous` flag of
//! `pod_log_previous/` and `-pre.log`, and the role/node id of Milvus file
//! logs (`standalone-2.log`). Whatever is not read (not a log, a link, a
//! special file, an unsafe or duplicate member, over a budget, `--exclude`)
//! is listed as skipped with its reason; nothing is skipped for its name
//! alone. `milvus.yaml` is kept for the timing settings.
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

/// Largest decompressed size read for one file or archive member (bytes):
/// a source is read up to 4 GiB (its offsets are 32-bit).
pub const MAX_MEMBER_BYTES: u64 = u32::MAX as u64;

/// Default budget of decompressed bytes per bundle (`--max-bytes`).
pub const DEFAULT_MAX_BYTES: u64 = 16 << 30;

/// Default budget of files and archive members per bundle (`--max-files`).
pub const DEFAULT_MAX_FILES: u64 = 100_000;

/// Default depth of archives inside archives (`--max-depth`).
pub const DEFAULT_MAX_DEPTH: u32 = 3;

/// Limits of the discover stage, and what the user leaves out. Every read
/// is bounded: decompressed bytes go to a spool folder (never to memory),
/// within a budget per bundle.
#[derive(Clone, Debug)]
pub struct DiscoverConfig {
    /// Largest decompressed size accepted for one member or file (bytes).
    pub max_member_bytes: u64,
    /// Decompressed bytes (archive members, `.gz` files) one bundle may
    /// spool, all together.
    pub max_bytes: u64,
    /// Files and archive members one bundle may list.
    pub max_files: u64,
    /// Archives read inside archives, this deep.
    pub max_depth: u32,
    /// Files left out by `--exclude`.
    pub exclude: Exclude,
}

impl Default for DiscoverConfig {
    fn default() -> Self {
        DiscoverConfig {
            max_member_bytes: MAX_MEMBER_BYTES,
            max_bytes: DEFAULT_MAX_BYTES,
            max_files: DEFAULT_MAX_FILES,
            max_depth: DEFAULT_MAX_DEPTH,
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
    /// A plain file on disk (of the bundle, or decompressed into the
    /// spool folder), read by the ingest stage.
    File(PathBuf),
    /// Bytes in memory (tests, benchmarks, callers holding bytes), with a
    /// warning if reading stopped early.
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
    /// What cut the reading of its bytes short (a bound, a broken stream).
    pub notes: Vec<String>,
}

impl SourceSpec {
    /// The same source described without its bytes (a file's path stays).
    pub fn without_content(&self) -> SourceSpec {
        let content = match &self.content {
            Content::File(p) => Content::File(p.clone()),
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
            notes: self.notes.clone(),
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
            notes: Vec::new(),
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
    /// True when it was meant to be read and could not be (a link, a
    /// special file, a broken archive, a budget): a run that finds no
    /// window then says so by its exit code.
    #[serde(skip)]
    pub unread: bool,
}

impl Skipped {
    /// Not read by design: not a log, a configuration, `--exclude`.
    pub fn chosen(source: String, reason: String) -> Skipped {
        Skipped {
            source,
            reason,
            unread: false,
        }
    }

    /// Could not be read.
    pub fn unread(source: String, reason: String) -> Skipped {
        Skipped {
            source,
            reason,
            unread: true,
        }
    }
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
    /// Files written to the spool folder so far (their names).
    pub spool_count: usize,
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
    // Trace exports (`traces/otlp-traces.jsonl`) are logs here: ingest
    // tells them by their first bytes and reads their spans.
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
        notes: Vec::new(),
    }
}

/// Lists every source of the given bundles. Nothing here stops the run:
/// what cannot be opened, listed or decompressed is a warning, or a skipped
/// entry with its reason, and the rest is listed.
pub fn discover(paths: &[PathBuf], cfg: &DiscoverConfig) -> Result<Discovered> {
    let mut out = Discovered::default();
    let several = paths.len() > 1;
    let mut seen: Vec<(Vec<u8>, &Path)> = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    for path in paths {
        let prefix = if several {
            unique_bundle_prefix(path, &mut prefixes, &mut out)
        } else {
            String::new()
        };
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                out.skipped.push(Skipped::unread(
                    path.display().to_string(),
                    format!("cannot be opened: {e}"),
                ));
                continue;
            }
        };
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
        let mut b = Bundle::new(prefix, cfg);
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        if meta.is_dir() {
            walk_dir(path, path, &mut b, &mut out, 0);
        } else if let (true, Some(kind)) = (meta.is_file(), archive_kind(&file)) {
            // The bundle is an archive: its members are the bundle's files.
            let members_prefix = b.prefix.clone();
            read_archive(path, kind, &file, members_prefix, &mut b, &mut out, 0);
        } else if meta.is_file() {
            take_file(&file, path, &mut b, &mut out);
        } else {
            let name = format!("{}{file}", b.prefix);
            out.skipped
                .push(Skipped::unread(name, special_reason(&meta.file_type())));
        }
        b.spool_gz_files(&mut out);
    }
    out.sources.sort_by(|a, b| a.name.cmp(&b.name));
    out.skipped.sort_by(|a, b| a.source.cmp(&b.source));
    assign_process_groups(&mut out.sources);
    Ok(out)
}

/// Each bundle of an incident is named by its folder or archive name;
/// two of one name (`a/logs`, `b/logs`) get `-2`, `-3`…, with a warning.
fn unique_bundle_prefix(path: &Path, taken: &mut Vec<String>, out: &mut Discovered) -> String {
    let base = bundle_name(path);
    let mut name = base.clone();
    let mut n = 1;
    while taken.contains(&name) {
        n += 1;
        name = format!("{base}-{n}");
    }
    if n > 1 {
        out.warnings.push(format!(
            "{}: another bundle is also named {base}; its files are named {name}/…",
            path.display()
        ));
    }
    taken.push(name.clone());
    format!("{name}/")
}

/// Why a file that is not a regular file is not opened (opening a FIFO
/// blocks; a device never ends).
fn special_reason(t: &fs::FileType) -> String {
    use std::os::unix::fs::FileTypeExt;
    let what = if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    };
    format!("{what}: not opened")
}

/// What one bundle has used of its budget, and the names it has given.
struct Bundle<'a> {
    prefix: String,
    cfg: &'a DiscoverConfig,
    /// Decompressed bytes spooled so far.
    bytes: u64,
    /// Files and members taken so far.
    files: u64,
    /// Names given so far (a second file of one name gets a suffix).
    names: std::collections::HashSet<String>,
    /// `.gz` files of folders, decompressed together once listed.
    gz_files: Vec<(String, String, PathBuf)>,
}

impl<'a> Bundle<'a> {
    fn new(prefix: String, cfg: &'a DiscoverConfig) -> Bundle<'a> {
        Bundle {
            prefix,
            cfg,
            bytes: 0,
            files: 0,
            names: Default::default(),
            gz_files: Vec::new(),
        }
    }

    /// Counts one more file; false (with its skipped entry) past `--max-files`.
    fn count_file(&mut self, name: &str, out: &mut Discovered) -> bool {
        self.files += 1;
        if self.files > self.cfg.max_files {
            out.skipped.push(Skipped::unread(
                name.to_string(),
                format!(
                    "over the bundle's budget of {} files (--max-files)",
                    self.cfg.max_files
                ),
            ));
            return false;
        }
        true
    }

    /// What one more member may decompress to: the per-member bound, or
    /// what is left of the bundle's budget.
    fn member_limit(&self) -> u64 {
        self.cfg
            .max_member_bytes
            .min(self.cfg.max_bytes.saturating_sub(self.bytes))
    }

    /// A name no other file of the bundle has: a second `a.log` (duplicate
    /// archive entries, `a.log` beside `a.log.gz`) becomes `a (2).log`.
    fn unique_name(&mut self, name: String, out: &mut Discovered) -> String {
        if self.names.insert(name.clone()) {
            return name;
        }
        let (dir, file) = name
            .rsplit_once('/')
            .map_or(("", name.as_str()), |(d, f)| (d, f));
        let (stem, ext) = file
            .split_once('.')
            .map_or((file, String::new()), |(s, e)| (s, format!(".{e}")));
        let mut n = 2;
        let renamed = loop {
            let f = format!("{stem} ({n}){ext}");
            let candidate = if dir.is_empty() {
                f
            } else {
                format!("{dir}/{f}")
            };
            if self.names.insert(candidate.clone()) {
                break candidate;
            }
            n += 1;
        };
        out.warnings.push(format!(
            "{name}: another file of the bundle has this name (a duplicate archive entry, or a .gz beside its plain file); this one is read as {renamed}"
        ));
        renamed
    }

    /// Decompresses the `.gz` files of the bundle's folders to the spool,
    /// side by side, each within the budget left when it starts.
    fn spool_gz_files(&mut self, out: &mut Discovered) {
        let files = std::mem::take(&mut self.gz_files);
        if files.is_empty() {
            return;
        }
        let Some(dir) = spool_dir(out).map(Path::to_path_buf) else {
            for (name, _, _) in files {
                out.skipped.push(Skipped::unread(
                    name,
                    "gzip file: no folder to decompress it into".into(),
                ));
            }
            return;
        };
        use rayon::prelude::*;
        let used = std::sync::atomic::AtomicU64::new(self.bytes);
        let base = out.spool_count;
        out.spool_count += files.len();
        let cfg = self.cfg;
        let spooled: Vec<_> = files
            .into_par_iter()
            .enumerate()
            .map(|(i, (name, raw, path))| {
                let left = cfg
                    .max_bytes
                    .saturating_sub(used.load(std::sync::atomic::Ordering::Relaxed));
                let limit = cfg.max_member_bytes.min(left);
                let r = fs::File::open(&path).map_err(|e| e.to_string()).map(|f| {
                    spool::copy(
                        &mut MultiGzDecoder::new(f),
                        limit,
                        &dir.join((base + i).to_string()),
                    )
                });
                if let Ok(s) = &r {
                    used.fetch_add(s.len, std::sync::atomic::Ordering::Relaxed);
                }
                (name, raw, r, limit)
            })
            .collect();
        self.bytes = used.into_inner();
        for (name, raw, r, limit) in spooled {
            match r {
                Ok(s) => self.add_spooled(name, &raw, s, limit, out),
                Err(e) => out
                    .skipped
                    .push(Skipped::unread(name, format!("cannot be opened: {e}"))),
            }
        }
    }

    /// Lists a member or file written to the spool, with what cut it short.
    fn add_spooled(
        &mut self,
        name: String,
        raw: &str,
        s: spool::Spooled,
        limit: u64,
        out: &mut Discovered,
    ) {
        if let Some(why) = s.not_a_log {
            out.skipped.push(Skipped::unread(name, why));
            return;
        }
        let mut notes = Vec::new();
        if s.cut {
            notes.push(format!(
                "larger than {limit} bytes decompressed (the per-file bound or what was left of the bundle's budget, --max-bytes): read up to that size"
            ));
        }
        if let Some(e) = s.error {
            notes.push(format!(
                "stream broken at decompressed offset {}: {e}; the part before it is read",
                s.len
            ));
        }
        add(name, raw, Content::File(s.path), notes, self, out);
    }
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
/// `raw` its path inside its bundle as found (for `--exclude`), `notes`
/// what cut its reading short.
fn add(
    name: String,
    raw: &str,
    content: Content,
    notes: Vec<String>,
    b: &mut Bundle,
    out: &mut Discovered,
) {
    if let Some(glob) = b.cfg.exclude.matching(raw) {
        out.skipped.push(Skipped::chosen(
            name,
            format!("excluded by --exclude {glob}"),
        ));
        return;
    }
    let name = b.unique_name(name, out);
    match classify(&name) {
        Kind::Log => {
            let mut s = spec(name, content);
            s.notes = notes;
            out.sources.push(s);
        }
        Kind::Config => {
            let bytes = match content {
                Content::Bytes(b, _) => Ok(b),
                Content::File(p) => fs::File::open(&p)
                    .map(|f| read_limited(f, CONFIG_BYTES).0)
                    .map_err(|e| e.to_string()),
            };
            match bytes {
                Ok(bytes) => {
                    out.configs.push(ConfigFile {
                        name: name.clone(),
                        text: String::from_utf8_lossy(&bytes).into_owned(),
                    });
                    out.skipped.push(Skipped::chosen(
                        name,
                        "configuration file: timing settings read, not a log".into(),
                    ));
                }
                Err(e) => out
                    .warnings
                    .push(format!("{name}: cannot read configuration: {e}")),
            }
        }
        Kind::Skip(reason) => out.skipped.push(Skipped::chosen(name, reason.into())),
    }
}

/// A configuration file is read up to this size.
const CONFIG_BYTES: u64 = 16 << 20;

/// Folders nested deeper than this are not listed (a loop of bind mounts,
/// a hostile bundle).
const MAX_FOLDER_DEPTH: u32 = 64;

/// Lists a folder: regular files are taken, links and special files are
/// listed as skipped, a folder that cannot be listed is a warning.
fn walk_dir(root: &Path, dir: &Path, b: &mut Bundle, out: &mut Discovered, depth: u32) {
    let here = rel_name(root, dir, &b.prefix);
    if depth > MAX_FOLDER_DEPTH {
        out.skipped.push(Skipped::unread(
            format!("{here}/"),
            format!("folder nested deeper than {MAX_FOLDER_DEPTH} levels: not listed"),
        ));
        return;
    }
    let listing = match fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) => {
            out.skipped.push(Skipped::unread(
                format!("{here}/"),
                format!("folder cannot be listed: {e}; the rest of the bundle is read"),
            ));
            return;
        }
    };
    let mut entries = Vec::new();
    for e in listing {
        match e {
            Ok(e) => entries.push(e),
            Err(e) => out.skipped.push(Skipped::unread(
                format!("{here}/"),
                format!("an entry of this folder cannot be read: {e}"),
            )),
        }
    }
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let rel = rel_name(root, &p, &b.prefix);
        let ft = match e.file_type() {
            Ok(t) => t,
            Err(err) => {
                out.skipped
                    .push(Skipped::unread(rel, format!("cannot be examined: {err}")));
                continue;
            }
        };
        if ft.is_symlink() {
            out.skipped
                .push(Skipped::unread(rel, "symbolic link: not followed".into()));
        } else if ft.is_dir() {
            walk_dir(root, &p, b, out, depth + 1);
        } else if ft.is_file() {
            take_file(&rel[b.prefix.len()..], &p, b, out);
        } else {
            out.skipped.push(Skipped::unread(rel, special_reason(&ft)));
        }
    }
}

fn rel_name(root: &Path, p: &Path, prefix: &str) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    format!("{prefix}{}", rel.to_string_lossy().replace('\\', "/"))
}

/// The archive format of a name: `.tar.gz`/`.tgz`, `.tar`, `.zip`.
fn archive_kind(name: &str) -> Option<Archive> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        Some(Archive::TarGz)
    } else if lower.ends_with(".tar") {
        Some(Archive::Tar)
    } else if lower.ends_with(".zip") {
        Some(Archive::Zip)
    } else {
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Archive {
    TarGz,
    Tar,
    Zip,
}

/// True when the file starts with gzip's magic bytes.
fn is_gzip_file(path: &Path) -> bool {
    let mut head = [0u8; 2];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == GZIP_MAGIC
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A regular file of a folder (or the bundle itself): an archive is read
/// (its members named under it, `logs/inner.tar.gz/…`), a `.gz`
/// decompressed to the spool once the folder is listed, any other file
/// taken as it is.
fn take_file(rel: &str, path: &Path, b: &mut Bundle, out: &mut Discovered) {
    let name = format!("{}{rel}", b.prefix);
    if !b.count_file(&name, out) {
        return;
    }
    if let Some(kind) = archive_kind(rel) {
        if b.cfg.exclude.matching(rel).is_some() {
            return add(
                name,
                rel,
                Content::File(path.to_path_buf()),
                Vec::new(),
                b,
                out,
            );
        }
        let members_prefix = format!("{name}/");
        return read_archive(path, kind, &name, members_prefix, b, out, 1);
    }
    match rel.strip_suffix(".gz") {
        Some(stem) if is_gzip_file(path) => b.gz_files.push((
            format!("{}{stem}", b.prefix),
            rel.to_string(),
            path.to_path_buf(),
        )),
        Some(_) => {
            out.warnings
                .push(format!("{name}: named .gz but not gzip: read as text"));
            add(
                name,
                rel,
                Content::File(path.to_path_buf()),
                Vec::new(),
                b,
                out,
            );
        }
        None => add(
            name,
            rel,
            Content::File(path.to_path_buf()),
            Vec::new(),
            b,
            out,
        ),
    }
}

/// Reads an archive named `name` in the bundle, its members named under
/// `members_prefix`; `depth` is how many archives hold it (0: the bundle
/// itself), bounded by `--max-depth`.
fn read_archive(
    path: &Path,
    kind: Archive,
    name: &str,
    members_prefix: String,
    b: &mut Bundle,
    out: &mut Discovered,
    depth: u32,
) {
    if depth > b.cfg.max_depth {
        out.skipped.push(Skipped::unread(
            name.to_string(),
            format!(
                "archive nested deeper than {} levels (--max-depth): not read",
                b.cfg.max_depth
            ),
        ));
        return;
    }
    let outer = std::mem::replace(&mut b.prefix, members_prefix);
    let mut members = Vec::new();
    let r = match kind {
        Archive::Zip => read_zip(path, name, b, out, &mut members),
        Archive::Tar | Archive::TarGz => read_tar(path, kind, name, b, out, &mut members),
    };
    if let Err(e) = r {
        out.skipped.push(Skipped::unread(
            name.to_string(),
            format!("cannot be read as an archive: {e:#}"),
        ));
    }
    finish_members(members, b, out, depth);
    b.prefix = outer;
}

/// Reads up to `limit` bytes from `r`, and what stopped it early.
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

/// One member taken from an archive, before the archive's common root is
/// known: its name in the archive and what was made of it.
struct Member {
    name: String,
    taken: Taken,
}

enum Taken {
    /// Written to the spool, within its limit; `true` when it was
    /// decompressed (a `.gz` member then loses `.gz` from its name, as a
    /// `.gz` file of a folder does).
    Spooled(spool::Spooled, u64, bool),
    /// A configuration file's bytes.
    Config(Vec<u8>),
    /// Not read, with the reason (`unread`: something the user may miss).
    Skipped(String, bool),
    /// A nested archive written to the spool, to be read as an archive.
    Archive(PathBuf, Archive),
}

/// Takes one archive member within the bundle's budget. Its name decides
/// first (classification before decompression): a file that is not a log
/// is listed without being read, a configuration is read (small), a `.gz`
/// member is decompressed as it is written to the spool folder, a nested
/// archive is written as it is and read in its turn. Nothing is held in
/// memory; a member whose path could escape the bundle is refused.
fn take_member(
    name: String,
    r: &mut dyn Read,
    b: &mut Bundle,
    out: &mut Discovered,
    members: &mut Vec<Member>,
) {
    if !safe_member_name(&name) {
        out.skipped.push(Skipped::unread(
            name,
            "unsafe member path in archive (absolute or with ..): not read".into(),
        ));
        return;
    }
    if !b.count_file(&format!("{}{name}", b.prefix), out) {
        return;
    }
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    let taken = if let Some(kind) = archive_kind(&name) {
        spool_raw(r, b, out)
            .map_or_else(|why| Taken::Skipped(why, true), |p| Taken::Archive(p, kind))
    } else {
        match classify(stem) {
            Kind::Skip(reason) => Taken::Skipped(reason.into(), false),
            Kind::Config => Taken::Config(read_limited(r, CONFIG_BYTES).0),
            Kind::Log => spool_log_member(&name, r, b, out),
        }
    };
    members.push(Member { name, taken });
}

/// Writes a log member to the spool within the bundle's budget, a `.gz`
/// member decompressed on the way (read as text when it is not gzip).
fn spool_log_member(name: &str, r: &mut dyn Read, b: &mut Bundle, out: &mut Discovered) -> Taken {
    let limit = b.member_limit();
    if limit == 0 {
        return Taken::Skipped(
            format!(
                "over the bundle's budget of {} decompressed bytes (--max-bytes): not read",
                b.cfg.max_bytes
            ),
            true,
        );
    }
    let Some(path) = next_spool_path(out) else {
        return Taken::Skipped(
            "no folder to write archive members into: not read".into(),
            true,
        );
    };
    let (s, gunzipped) = if name.ends_with(".gz") {
        let mut head = [0u8; 2];
        let n = read_fully(r, &mut head);
        let mut chained = std::io::Read::chain(&head[..n], r);
        if head[..n] == GZIP_MAGIC {
            let s = spool::copy(&mut MultiGzDecoder::new(chained), limit, &path);
            (s, true)
        } else {
            out.warnings.push(format!(
                "{}{name}: named .gz but not gzip: read as text",
                b.prefix
            ));
            (spool::copy(&mut chained, limit, &path), false)
        }
    } else {
        (spool::copy(r, limit, &path), false)
    };
    b.bytes += s.len;
    Taken::Spooled(s, limit, gunzipped)
}

/// Fills `buf` as far as the stream allows; how many bytes were read.
pub(crate) fn read_fully(r: &mut dyn Read, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    n
}

/// The path of the next file written to the spool folder.
fn next_spool_path(out: &mut Discovered) -> Option<PathBuf> {
    let n = out.spool_count;
    let dir = spool_dir(out)?.to_path_buf();
    out.spool_count = n + 1;
    Some(dir.join(n.to_string()))
}

/// Writes a nested archive member to the spool as it is (compressed).
fn spool_raw(r: &mut dyn Read, b: &mut Bundle, out: &mut Discovered) -> Result<PathBuf, String> {
    let limit = b.member_limit();
    let path = next_spool_path(out).ok_or("no folder to write archive members into: not read")?;
    let s = spool::copy(r, limit, &path);
    b.bytes += s.len;
    match (s.cut, s.error) {
        (false, None) => Ok(s.path),
        (true, _) => Err(format!(
            "nested archive larger than {limit} bytes (the bundle's budget, --max-bytes): not read"
        )),
        (_, Some(e)) => Err(format!("nested archive broken: {e}")),
    }
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
                    "cannot make a folder for archive members and .gz files ({e}): they are not read"
                ));
                return None;
            }
        }
    }
    out.spool.as_ref().map(|d| d.path())
}

/// Writing decompressed bytes to the spool folder without filling memory
/// or disk: runs of NUL bytes become holes of a sparse file (a gzip bomb
/// of zeros takes no space), and a stream whose first 64 MiB are NUL bytes
/// only is not read further.
pub(crate) mod spool {
    use std::io::{Read, Seek, SeekFrom, Write};
    use std::path::{Path, PathBuf};

    /// What writing a stream gave.
    #[derive(Debug)]
    pub struct Spooled {
        /// The file written.
        pub path: PathBuf,
        /// Bytes of the stream written (holes included).
        pub len: u64,
        /// The stream went on past the limit.
        pub cut: bool,
        /// The stream broke (corrupt or truncated compressed data).
        pub error: Option<String>,
        /// Why it is not a log at all (NUL bytes only).
        pub not_a_log: Option<String>,
    }

    /// A stream of NUL bytes only for this long is not a log.
    const ALL_NUL_BYTES: u64 = 64 << 20;
    const BLOCK: usize = 64 << 10;

    /// Copies `r` to `path`, up to `limit` bytes.
    pub fn copy(r: &mut dyn Read, limit: u64, path: &Path) -> Spooled {
        let mut s = Spooled {
            path: path.to_path_buf(),
            len: 0,
            cut: false,
            error: None,
            not_a_log: None,
        };
        let mut f = match std::fs::File::create(path) {
            Ok(f) => f,
            Err(e) => {
                s.error = Some(format!("cannot write to the spool folder: {e}"));
                return s;
            }
        };
        let mut buf = vec![0u8; BLOCK];
        let mut any_data = false;
        let mut pending_hole = false;
        loop {
            let want = (limit - s.len).min(BLOCK as u64) as usize;
            if want == 0 {
                // One byte more tells a stream of exactly `limit` bytes from a longer one.
                s.cut = super::read_fully(r, &mut buf[..1]) == 1;
                break;
            }
            let n = match r.read(&mut buf[..want]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    s.error = Some(e.to_string());
                    break;
                }
            };
            let block = &buf[..n];
            let written = if block.iter().all(|b| *b == 0) {
                pending_hole = true;
                f.seek(SeekFrom::Current(n as i64)).map(|_| ())
            } else {
                any_data = true;
                pending_hole = false;
                f.write_all(block)
            };
            if let Err(e) = written {
                s.error = Some(format!("cannot write to the spool folder: {e}"));
                break;
            }
            s.len += n as u64;
            if !any_data && s.len >= ALL_NUL_BYTES {
                s.not_a_log = Some(format!(
                    "its first {} MiB are NUL bytes only: not a log (zero-filled, or a decompression bomb); not read further",
                    ALL_NUL_BYTES >> 20
                ));
                break;
            }
        }
        // A trailing hole: the file's length is the stream's.
        if pending_hole {
            let _ = f.set_len(s.len);
        }
        s
    }
}

fn read_tar(
    path: &Path,
    kind: Archive,
    name: &str,
    b: &mut Bundle,
    out: &mut Discovered,
    members: &mut Vec<Member>,
) -> Result<()> {
    let f = fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let reader: Box<dyn Read> = if kind == Archive::Tar {
        Box::new(f)
    } else {
        Box::new(MultiGzDecoder::new(f))
    };
    let mut archive = tar::Archive::new(reader);
    let entries = archive.entries()?;
    for (i, entry) in entries.enumerate() {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                out.skipped.push(Skipped::unread(
                    format!("{name} (after member {i})"),
                    format!("archive broken after {i} members: {e}; the members before it are read, the rest is lost"),
                ));
                break;
            }
        };
        let member = entry
            .path()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let name = member.trim_start_matches("./").to_string();
        use tar::EntryType as T;
        let t = entry.header().entry_type();
        if t.is_file() {
            take_member(name, &mut entry, b, out, members);
        } else if t == T::Symlink || t == T::Link {
            let target = entry
                .link_name()
                .ok()
                .flatten()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            let what = if t == T::Symlink {
                "symbolic link"
            } else {
                "hard link"
            };
            members.push(Member {
                name,
                taken: Taken::Skipped(format!("{what} member (to {target}): not followed"), true),
            });
        } else if !t.is_dir()
            && !t.is_pax_global_extensions()
            && !t.is_pax_local_extensions()
            && !t.is_gnu_longname()
            && !t.is_gnu_longlink()
        {
            members.push(Member {
                name,
                taken: Taken::Skipped(format!("not a regular file member ({t:?}): not read"), true),
            });
        }
    }
    Ok(())
}

fn read_zip(
    path: &Path,
    name: &str,
    b: &mut Bundle,
    out: &mut Discovered,
    members: &mut Vec<Member>,
) -> Result<()> {
    let f = fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut zip = zip::ZipArchive::new(f).context("not a readable zip")?;
    // The zip reader keeps one entry per name: entries it dropped are named.
    if let Some(listed) = zip_entry_count(path).filter(|n| *n > zip.len()) {
        out.skipped.push(Skipped::unread(
            name.to_string(),
            format!(
                "{} of its {listed} entries share their name with another entry: one entry of each name is read, the others are not",
                listed - zip.len()
            ),
        ));
    }
    for i in 0..zip.len() {
        let mut file = match zip.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                out.skipped.push(Skipped::unread(
                    format!("{}member {i}", b.prefix),
                    format!("zip member unreadable: {e}"),
                ));
                continue;
            }
        };
        let name = match file.name() {
            Ok(n) => n.replace('\\', "/"),
            Err(e) => {
                out.skipped.push(Skipped::unread(
                    format!("{}member {i}", b.prefix),
                    format!("zip member with an unreadable name: {e}"),
                ));
                continue;
            }
        };
        if file.is_symlink() {
            members.push(Member {
                name,
                taken: Taken::Skipped("symbolic link member: not followed".into(), true),
            });
        } else if file.is_file() {
            take_member(name, &mut file, b, out, members);
        }
    }
    Ok(())
}

/// How many entries a zip's end-of-central-directory record lists (None
/// for a Zip64 archive or when the record is not found).
fn zip_entry_count(path: &Path) -> Option<usize> {
    use std::io::{Seek, SeekFrom};
    let mut f = fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let tail_len = len.min(65_557);
    f.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = Vec::new();
    f.read_to_end(&mut tail).ok()?;
    let at = memchr::memmem::rfind(&tail, b"PK\x05\x06")?;
    let rec = tail.get(at..at + 22)?;
    let total = u16::from_le_bytes([rec[10], rec[11]]);
    (total != u16::MAX).then_some(usize::from(total))
}

/// Names an archive's members inside the bundle (the bundle archive's
/// single top folder stripped) and lists them; nested archives are read in
/// their turn.
fn finish_members(members: Vec<Member>, b: &mut Bundle, out: &mut Discovered, depth: u32) {
    let names: Vec<String> = members.iter().map(|m| m.name.clone()).collect();
    // The bundle's own archive is named by its one top folder; a nested
    // archive's folders are kept under its name (they tell what it holds).
    let root = if depth == 0 {
        strip_common_root(&names)
    } else {
        None
    };
    for m in members {
        let found = match &root {
            Some(r) => m.name[r.len() + 1..].to_string(),
            None => m.name,
        };
        let name = format!("{}{found}", b.prefix);
        match m.taken {
            Taken::Spooled(s, limit, gunzipped) => {
                let name = match name.strip_suffix(".gz") {
                    Some(stem) if gunzipped => stem.to_string(),
                    _ => name,
                };
                b.add_spooled(name, &found, s, limit, out)
            }
            Taken::Config(bytes) => add(
                name,
                &found,
                Content::Bytes(bytes, None),
                Vec::new(),
                b,
                out,
            ),
            Taken::Skipped(reason, true) => out.skipped.push(Skipped::unread(name, reason)),
            Taken::Skipped(reason, false) => {
                let reason = match b.cfg.exclude.matching(&found) {
                    Some(glob) => format!("excluded by --exclude {glob}"),
                    None => reason,
                };
                out.skipped.push(Skipped::chosen(name, reason));
            }
            Taken::Archive(p, kind) => {
                let nested = name;
                if b.cfg.exclude.matching(&found).is_some() {
                    add(nested, &found, Content::File(p), Vec::new(), b, out);
                } else {
                    let members_prefix = format!("{nested}/");
                    read_archive(&p, kind, &nested, members_prefix, b, out, depth + 1);
                }
            }
        }
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
        assert_eq!(classify("traces/otlp-traces.jsonl"), Kind::Log);
        assert_eq!(classify("traces/jaeger-export.json.gz"), Kind::Log);
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
    /// listed as files of it (a `.gz` member decompressed); a member cut
    /// short by the size bound is spooled up to the bound, with its note;
    /// the folder goes when the listing is dropped.
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
        let members: [(&str, Vec<u8>); 4] = [
            (
                "b/milvus/standalone-1.log",
                b"line one\nline two\n".to_vec(),
            ),
            ("b/milvus/old.log.gz", gz(b"rotated\n")),
            ("b/milvus/plain.log.gz", b"not gzip\n".to_vec()),
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
        // A `.gz` member is decompressed as it is written.
        match &by_name("old.log").content {
            Content::File(p) => assert_eq!(std::fs::read(p).unwrap(), b"rotated\n"),
            c => panic!("not spooled: {c:?}"),
        }
        // One that is not gzip is read as text, named as it is (as a file
        // of a folder would be), with a warning.
        match &by_name("milvus/plain.log.gz").content {
            Content::File(p) => assert_eq!(std::fs::read(p).unwrap(), b"not gzip\n"),
            c => panic!("not spooled: {c:?}"),
        }
        assert!(found
            .warnings
            .iter()
            .any(|w| w.ends_with("plain.log.gz: named .gz but not gzip: read as text")));
        // A member cut by the bound is spooled too, with its note.
        let cut = by_name("client.jsonl");
        match &cut.content {
            Content::File(p) => assert_eq!(std::fs::metadata(p).unwrap().len(), 4096),
            c => panic!("not spooled: {c:?}"),
        }
        assert!(
            cut.notes[0].contains("larger than 4096 bytes"),
            "{:?}",
            cut.notes
        );
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

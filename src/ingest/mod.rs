//! Ingest: reads every source and drives the `parsers` grammars over it.
//!
//! Parallel over sources and over chunks of large sources (rayon; a chunk
//! ends before a line that starts a record, so no record is split), and
//! deterministic: chunk results are stitched in input order, so one thread
//! or many give the same records. A trace export (OTLP/JSON, Jaeger) is
//! read as spans instead (`ingest/spans.rs`). Every physical line is
//! accounted for: parsed, continuation of the record before it, or unparsed
//! (kept as a record without grammar, counted, and reported by line). A
//! source that cannot be read is a warning naming it; the rest is still read.
//!
//! Each record goes through the recognition table here, while its text is
//! read ([`crate::recognise::recognise_source`]): what the table finds sits
//! beside the records.
//!
//! Must not know: components' roles beyond naming them, incarnations, time
//! zones, root causes, reports.

mod describe;
mod spans;

use crate::component::{self, Component};
use crate::discover::{Content, Discovered, SourceSpec};
use crate::recognise::ReadLater;
use crate::record::{
    Accounting, FieldSpan, Recognised, Record, RecordText, RequestRow, Source, Span, View,
};
use indicatif::ProgressBar;
use parsers::{Grammar, LineKind, LineOut};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Settings of the ingest stage.
#[derive(Clone, Debug)]
pub struct IngestConfig {
    /// Sources larger than this are parsed in parallel chunks of about this size.
    pub chunk_bytes: usize,
    /// How many unparsed lines of one source are named in its warnings.
    pub max_unparsed_warnings: usize,
    /// Keep every record's text (the `timeline` export writes every line).
    /// Without it, a source keeps the text of the records later stages read
    /// (recognised lines, client requests, the banner) and drops the rest:
    /// memory grows with those records, not with the raw log.
    pub keep_text: bool,
    /// SHA-256 of each source held whole (the report's footer), computed
    /// while its text is at hand; a streamed file is hashed from its file
    /// later ([`hash_files`]).
    pub hash: bool,
    /// Without `keep_text`, still keep the message of every recognised
    /// record (`timeline --events` writes them).
    pub event_messages: bool,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            chunk_bytes: 8 << 20,
            max_unparsed_warnings: 20,
            keep_text: true,
            hash: false,
            event_messages: false,
        }
    }
}

/// What ingest read.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Sources in name order, each with its records.
    pub sources: Vec<Source>,
    /// Sources not read and why (from discover, plus unreadable ones).
    pub skipped: Vec<crate::discover::Skipped>,
    /// Configuration files.
    pub configs: Vec<crate::discover::ConfigFile>,
    /// Bundle-level warnings.
    pub warnings: Vec<String>,
    /// The folder archive members were written to: their lines are read
    /// again from there.
    pub spool: Option<tempfile::TempDir>,
}

/// Reads and parses every discovered source.
pub fn ingest(found: Discovered, cfg: &IngestConfig, progress: Option<&ProgressBar>) -> Ingested {
    let Discovered {
        sources,
        mut skipped,
        configs,
        warnings,
        spool,
        ..
    } = found;
    let loaded: Vec<_> = sources
        .into_par_iter()
        .map(|spec| {
            let bytes = spec_bytes(&spec);
            let r = load(spec, cfg);
            if let Some(p) = progress {
                p.inc(bytes);
            }
            r
        })
        .collect();
    let mut out = Ingested {
        configs,
        warnings,
        spool,
        ..Default::default()
    };
    for r in loaded {
        match r {
            Ok(s) => out.sources.push(s),
            Err(skip) => skipped.push(skip),
        }
    }
    skipped.sort_by(|a, b| a.source.cmp(&b.source));
    out.skipped = skipped;
    out
}

/// SHA-256 (hex) of each file, read in blocks: the compacted sources' files,
/// hashed off the read path (the pipeline runs this beside the stages after
/// ingest, which leave a core idle part of the time).
pub fn hash_files(files: Vec<(usize, std::path::PathBuf)>) -> Vec<(usize, Option<String>)> {
    files
        .into_iter()
        .map(|(i, path)| (i, crate::record::sha256_of_file(&path)))
        .collect()
}

/// What a source weighs on the progress bar: its bytes as stored.
pub fn spec_bytes(spec: &SourceSpec) -> u64 {
    match &spec.content {
        Content::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
        Content::Bytes(b, _) => b.len() as u64,
    }
}

/// Reads one source's bytes, checks them, and parses them.
fn load(spec: SourceSpec, cfg: &IngestConfig) -> Result<Source, crate::discover::Skipped> {
    let skip = |reason: String| crate::discover::Skipped::unread(spec.name.clone(), reason);
    // A sparse or zero-filled file is known without reading it whole.
    if let Content::File(p) = &spec.content {
        if let Some(why) = bytes::nul_only_file(p) {
            return Err(skip(why));
        }
    }
    // A trace export is known by its first bytes, whatever its name.
    if let Some(export) = spans::sniff(&spec) {
        return spans::read(spec, export, cfg);
    }
    // A plain file can be read again for the few lines a report shows, so
    // its text need not be kept: it is streamed in chunks, never held whole.
    let mut spec = match (&spec.content, cfg.keep_text) {
        // A `kubectl describe` document is read whole (it is small).
        (Content::File(_), false) if spec.component != Component::Kubernetes => {
            match stream::parse_file(spec, cfg) {
                stream::Streamed::Done(src) => return Ok(*src),
                stream::Streamed::Unreadable(skip) => return Err(skip),
                // Bytes that are not the text as read (NUL bytes, invalid
                // UTF-8, a Docker json-file log): read whole below.
                stream::Streamed::NotPlain(spec) => *spec,
            }
        }
        _ => spec,
    };
    let name = spec.name.clone();
    let skip = |reason: String| crate::discover::Skipped::unread(name.clone(), reason);
    let mut warnings: Vec<String> = spec.notes.iter().map(|n| format!("{name}: {n}")).collect();
    // The bytes move out of the spec: an archive member is not copied again.
    let content = std::mem::replace(&mut spec.content, Content::Bytes(Vec::new(), None));
    let mut reread = None;
    let bytes = match content {
        Content::File(p) => {
            let (b, changed) = bytes::read_whole(&p).map_err(skip)?;
            warnings.extend(changed.map(|c| format!("{name}: {c}")));
            reread = Some(p);
            b
        }
        Content::Bytes(b, w) => {
            warnings.extend(w.map(|w| format!("{name}: {w}")));
            b
        }
    };
    let mut bytes = cap_size(bytes, &spec.name, &mut warnings);
    if let Some(why) = bytes::looks_binary(&bytes) {
        return Err(skip(why));
    }
    if let Some(w) = bytes::drop_nul_bytes(&mut bytes) {
        // Offsets are the text's, not the file's, from here on.
        reread = None;
        warnings.push(format!("{name}:{w}"));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            // Replaced bytes: the file's bytes are no longer the text read.
            reread = None;
            let bad = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..bad].iter().filter(|b| **b == b'\n').count() + 1;
            warnings.push(format!(
                "{}:{line}: invalid UTF-8 at byte offset {bad}; invalid bytes replaced by U+FFFD",
                spec.name
            ));
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    };
    let len = text.len();
    let text = decode_docker_json_file(text, &spec.name, &mut warnings);
    if text.len() != len {
        reread = None;
    }
    let keep_text = cfg.keep_text || reread.is_none();
    let mut src = parse_source(spec, text, warnings, cfg, keep_text);
    src.reread = reread.filter(|_| !keep_text);
    Ok(src)
}

/// Checks of a source's bytes before they are parsed: binary or
/// zero-filled files, NUL runs inside text, files that change while read,
/// and reading without aborting when memory runs out.
mod bytes {
    use std::io::{Read, Seek, SeekFrom};
    use std::path::Path;

    /// How much of a file's start decides whether it is text.
    pub(super) const HEAD_BYTES: usize = 8192;

    /// Why the start of a source shows it is not text: bytes that are
    /// control characters other than white space and ESC (a NUL is not
    /// one: NUL runs inside a log are dropped line by line), over 1 % of
    /// the rest (a log holds almost none; an ELF or protobuf file many).
    pub(super) fn looks_binary(bytes: &[u8]) -> Option<String> {
        let head = &bytes[..bytes.len().min(HEAD_BYTES)];
        let mut text = 0usize;
        let mut control = 0usize;
        let mut first = None;
        for (i, b) in head.iter().enumerate() {
            match b {
                0 => {}
                b'\t' | b'\n' | b'\r' | 0x0c | 0x1b => text += 1,
                0x01..=0x1f | 0x7f => {
                    control += 1;
                    first.get_or_insert(i);
                }
                _ => text += 1,
            }
        }
        (control * 100 > text + control).then(|| {
            format!(
                "binary file ({control} control bytes in its first {} bytes, the first at offset {}): not a log",
                head.len(),
                first.unwrap_or(0)
            )
        })
    }

    /// A file sampled at this many offsets before it is called zero-filled.
    const SAMPLES: u64 = 33;
    const SAMPLE_BYTES: usize = 4096;
    /// Files up to this size are checked whole.
    const CHECKED_WHOLE: u64 = 1 << 20;

    /// Why a file holds no text at all, found without reading it whole: a
    /// sparse file with nothing written, or NUL bytes at every sampled
    /// offset (a file of 1 MiB or less is checked whole).
    pub(super) fn nul_only_file(path: &Path) -> Option<String> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        let len = meta.len();
        if len == 0 {
            return None;
        }
        if meta.blocks() == 0 && len > CHECKED_WHOLE {
            return Some(format!(
                "sparse file of {len} bytes with no data written (holes only): not a log"
            ));
        }
        let mut f = std::fs::File::open(path).ok()?;
        let mut buf = vec![0u8; SAMPLE_BYTES];
        if len <= CHECKED_WHOLE {
            let mut all = Vec::new();
            f.read_to_end(&mut all).ok()?;
            return all
                .iter()
                .all(|b| *b == 0)
                .then(|| format!("{len} NUL bytes and nothing else: not a log"));
        }
        for i in 0..SAMPLES {
            let at = (len - SAMPLE_BYTES as u64) * i / (SAMPLES - 1);
            f.seek(SeekFrom::Start(at)).ok()?;
            let n = crate::discover::read_fully(&mut f, &mut buf);
            if buf[..n].iter().any(|b| *b != 0) {
                return None;
            }
        }
        Some(format!(
            "NUL bytes at each of {SAMPLES} offsets sampled over its {len} bytes: zero-filled, not a log"
        ))
    }

    /// Drops NUL bytes (a crash leaves runs of them where a log's tail was
    /// not written); line breaks stay, so line numbers do not move. What
    /// was dropped, as a warning after the source's name.
    pub(super) fn drop_nul_bytes(bytes: &mut Vec<u8>) -> Option<String> {
        let first = memchr::memchr(0, bytes)?;
        let line = bytes[..first].iter().filter(|b| **b == b'\n').count() + 1;
        let mut lines = 0usize;
        let mut in_line = false;
        let before = bytes.len();
        bytes.retain(|b| {
            match *b {
                0 if !in_line => {
                    lines += 1;
                    in_line = true;
                }
                b'\n' => in_line = false,
                _ => {}
            }
            *b != 0
        });
        Some(format!(
            "{line}: {} NUL bytes dropped from {lines} line(s), the first here; the rest of each line is read",
            before - bytes.len()
        ))
    }

    /// Reads a file whole, without aborting when its size cannot be held
    /// (the allocation is tried first), and says when it changed while read.
    pub(super) fn read_whole(path: &Path) -> Result<(Vec<u8>, Option<String>), String> {
        let mut f = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
        let before = f.metadata().map_err(|e| format!("cannot read: {e}"))?;
        let len = before.len().min(super::MAX_SOURCE_BYTES as u64 + 1) as usize;
        let mut buf = Vec::new();
        buf.try_reserve_exact(len)
            .map_err(|_| format!("{len} bytes cannot be held in memory: not read"))?;
        (&mut f)
            .take(super::MAX_SOURCE_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read: {e}"))?;
        let changed = changed_while_read(&f, &before, len as u64, buf.len() as u64);
        Ok((buf, changed))
    }

    /// What changed in a file between its opening and the end of its
    /// reading (length, modification time), as a warning.
    pub(super) fn changed_while_read(
        f: &std::fs::File,
        before: &std::fs::Metadata,
        expected: u64,
        read: u64,
    ) -> Option<String> {
        let after = f.metadata().ok()?;
        if read < expected {
            return Some(format!(
                "changed while read: {expected} bytes when opened, {read} read (it shrank: was it truncated or rotated?); what was read is analysed"
            ));
        }
        if after.len() != before.len() || after.modified().ok() != before.modified().ok() {
            return Some(format!(
                "changed while read ({} bytes when opened, {} after): a process is still writing it; the lines read are analysed",
                before.len(),
                after.len()
            ));
        }
        None
    }
}

/// Reads every record's text again, in the order a writer asks for it: a
/// compacted source's lines come back from its file, a block at a time (one
/// block per source in memory), and are parsed again; other sources give
/// the text they kept. For the `timeline` export, which writes every line.
pub mod reread {
    use super::*;
    use crate::record::LineText;
    use std::os::unix::fs::FileExt;

    /// How much of a file is read at once.
    const BLOCK_BYTES: u64 = 256 << 10;
    /// How far before a record a block starts (its line may begin earlier).
    const BACK_BYTES: u64 = 64 << 10;

    /// The block of one file in memory.
    struct Block {
        file: std::fs::File,
        start: u64,
        bytes: Vec<u8>,
        eof: bool,
    }

    impl Block {
        /// The line holding byte `off`, when this block holds all of it:
        /// (offset of its first byte, its bytes without the newline).
        fn line_at(&self, off: u64) -> Option<(u64, &[u8])> {
            let at = off.checked_sub(self.start)? as usize;
            if at >= self.bytes.len() {
                return None;
            }
            let begin = match memchr::memrchr(b'\n', &self.bytes[..at]) {
                Some(i) => i + 1,
                None if self.start == 0 => 0,
                None => return None,
            };
            let end = match memchr::memchr(b'\n', &self.bytes[at..]) {
                Some(i) => at + i,
                None if self.eof => self.bytes.len(),
                None => return None,
            };
            Some((self.start + begin as u64, &self.bytes[begin..end]))
        }

        fn load(&mut self, from: u64) {
            self.bytes.resize(BLOCK_BYTES as usize, 0);
            let n = self.file.read_at(&mut self.bytes, from).unwrap_or(0);
            self.bytes.truncate(n);
            self.start = from;
            self.eof = (n as u64) < BLOCK_BYTES;
        }
    }

    /// The text of records, read again where it was not kept.
    pub struct Reread<'s> {
        sources: &'s [Source],
        blocks: Vec<Option<Block>>,
    }

    impl<'s> Reread<'s> {
        /// For the records of these sources.
        pub fn new(sources: &'s [Source]) -> Self {
            Reread {
                sources,
                blocks: sources.iter().map(|_| None).collect(),
            }
        }

        /// The message and fields of record `ri` of source `si`.
        pub fn text(&mut self, si: usize, ri: usize) -> LineText {
            let s = &self.sources[si];
            let r = &s.records[ri];
            if !s.compacted {
                return LineText {
                    message: s.message(r).into_owned(),
                    fields: s
                        .fields_of(r)
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect(),
                };
            }
            let mut text = match self.line(si, u64::from(r.offset)) {
                Some((start, line)) => parse_again(&line, start, r),
                None => LineText::default(),
            };
            // A message the record kept is the one read (a C++ span's comes
            // from a member line after it).
            if s.view().spans(r).message.len > 0 {
                text.message = s.message(r).into_owned();
            }
            text
        }

        /// The line holding byte `off` of source `si`'s file.
        fn line(&mut self, si: usize, off: u64) -> Option<(u64, String)> {
            let path = self.sources[si].reread.as_deref()?;
            if self.blocks[si].is_none() {
                let file = std::fs::File::open(path).ok()?;
                self.blocks[si] = Some(Block {
                    file,
                    start: 0,
                    bytes: Vec::new(),
                    eof: false,
                });
            }
            let block = self.blocks[si].as_mut()?;
            if block.line_at(off).is_none() {
                block.load(off.saturating_sub(BACK_BYTES));
            }
            if let Some((start, line)) = block.line_at(off) {
                return Some((start, String::from_utf8_lossy(line).into_owned()));
            }
            // A line longer than a block.
            let line = crate::record::reread_line(path, off)?;
            Some((off, line))
        }
    }

    /// The record at byte `r.offset` of a line starting at `start`, parsed again.
    fn parse_again(line: &str, start: u64, r: &Record) -> LineText {
        let line = line.trim_end_matches(['\n', '\r']);
        let mut out = LineOut::default();
        let found = match parsers::parse_line(line, &mut out) {
            LineKind::Records if r.grammar.is_some() => out
                .records
                .iter()
                .find(|x| start + x.offset as u64 == u64::from(r.offset)),
            _ => None,
        };
        match found {
            Some(x) => LineText {
                message: x.message.to_cow().into_owned(),
                fields: out
                    .fields_of(x)
                    .iter()
                    .map(|f| (f.key.to_cow().into_owned(), f.value.to_cow().into_owned()))
                    .collect(),
            },
            // An unparsed line is its own message.
            None => LineText {
                message: line.to_string(),
                fields: Vec::new(),
            },
        }
    }
}

/// Streams a plain file through the chunk parser: bounded memory whatever its size.
mod stream {
    use super::*;
    use std::io::Read;

    /// What streaming a file gave.
    pub(super) enum Streamed {
        /// The source, compacted.
        Done(Box<Source>),
        /// Its bytes need the whole-text path (invalid UTF-8, Docker
        /// json-file): the spec back.
        NotPlain(Box<SourceSpec>),
        /// Not read, and why.
        Unreadable(crate::discover::Skipped),
    }

    /// Chunks of a streamed file are at most this big: a batch of them is
    /// parsed while the next is read, so a file in flight holds about
    /// 2 × [`batch_len`] chunks (16 MiB on 2 cores).
    const STREAM_CHUNK_BYTES: usize = 2 << 20;

    /// Chunks parsed together: enough to keep every core busy while the
    /// next batch is read.
    fn batch_len() -> usize {
        2 * rayon::current_num_threads().max(1)
    }

    /// Reads the next chunk of about `size` bytes, ending before a line that
    /// starts a record ([`boundary_before_end`]): `carry` holds the bytes
    /// after the end of the previous one.
    /// Returns `None` at the end of the file.
    fn next_chunk(
        f: &mut std::fs::File,
        carry: &mut Vec<u8>,
        size: usize,
    ) -> std::io::Result<Option<(Vec<u8>, u64)>> {
        let mut buf = std::mem::take(carry);
        loop {
            let want = size.saturating_sub(buf.len()).max(1 << 16);
            let before = buf.len();
            // Sized once: a buffer that doubles while read holds up to twice the chunk.
            buf.reserve_exact(want);
            f.by_ref().take(want as u64).read_to_end(&mut buf)?;
            let eof = buf.len() == before;
            if eof {
                return Ok((!buf.is_empty()).then_some((buf, 0)));
            }
            if buf.len() >= size {
                if let Some(end) = boundary_before_end(&buf) {
                    *carry = buf.split_off(end);
                    return Ok(Some((buf, 0)));
                }
                // One line longer than a chunk: read on to its end, up to
                // a bound (a file of one endless line must not fill memory).
                if buf.len() >= MAX_LINE_BYTES {
                    let skipped = cut_long_line(f, &mut buf, carry)?;
                    return Ok(Some((buf, skipped)));
                }
            }
        }
    }

    /// A line is read up to this size; the rest of it is skipped (counted).
    pub(super) const MAX_LINE_BYTES: usize = 16 << 20;

    /// Keeps the first [`MAX_LINE_BYTES`] of the line in `buf` (cut on a
    /// character boundary) and skips the rest of it, its line break
    /// included; what follows the break goes to `carry`. Returns the bytes
    /// skipped.
    fn cut_long_line(
        f: &mut std::fs::File,
        buf: &mut Vec<u8>,
        carry: &mut Vec<u8>,
    ) -> std::io::Result<u64> {
        let mut cut = MAX_LINE_BYTES.min(buf.len());
        while cut > 0 && (buf[cut] & 0xc0) == 0x80 {
            cut -= 1;
        }
        let mut skipped = (buf.len() - cut) as u64;
        buf.truncate(cut);
        let mut block = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut block)?;
            if n == 0 {
                return Ok(skipped);
            }
            match memchr::memchr(b'\n', &block[..n]) {
                Some(nl) => {
                    carry.extend_from_slice(&block[nl + 1..n]);
                    return Ok(skipped + nl as u64 + 1);
                }
                None => skipped += n as u64,
            }
        }
    }

    /// Parses a plain file chunk by chunk; the text of each chunk is dropped
    /// once its records are compacted ([`compact_chunk`]).
    pub(super) fn parse_file(spec: SourceSpec, cfg: &IngestConfig) -> Streamed {
        let path = match &spec.content {
            Content::File(p) => p.clone(),
            _ => return Streamed::NotPlain(Box::new(spec)),
        };
        let skip = |reason: String| {
            Streamed::Unreadable(crate::discover::Skipped::unread(spec.name.clone(), reason))
        };
        match read_file(&spec, &path, cfg) {
            Ok(Some(src)) => Streamed::Done(Box::new(src)),
            Ok(None) => Streamed::NotPlain(Box::new(spec)),
            Err(reason) => skip(reason),
        }
    }

    /// The streaming itself; `None` when the bytes need the whole-text path.
    /// Chunks read from a file, checked and numbered, not parsed yet.
    type Batch = Vec<(usize, String, (u32, u32))>;

    /// What a file's next batch gave.
    enum Next {
        /// Chunks to parse (empty at the end of the file).
        Batch(Batch),
        /// The file needs the whole-text path.
        NotPlain,
    }

    /// Reads a file batch by batch: newline-aligned chunks, the 4 GiB cap,
    /// the binary and json-file checks on the first, UTF-8, line numbers.
    struct Reader<'a> {
        f: std::fs::File,
        name: &'a str,
        size: usize,
        carry: Vec<u8>,
        base: usize,
        line: u32,
        first: bool,
        capped: bool,
        warnings: Vec<String>,
    }

    impl Reader<'_> {
        fn next_batch(&mut self) -> Result<Next, String> {
            let mut batch: Batch = Vec::new();
            while batch.len() < batch_len() && !self.capped {
                let Some((mut bytes, skipped)) =
                    next_chunk(&mut self.f, &mut self.carry, self.size)
                        .map_err(|e| format!("cannot read: {e}"))?
                else {
                    break;
                };
                if self.base + bytes.len() > MAX_SOURCE_BYTES {
                    bytes = cap_size_at(bytes, MAX_SOURCE_BYTES - self.base);
                    self.warnings.push(format!("{}: larger than 4 GiB; read up to byte offset {}, the rest is not analysed", self.name, self.base + bytes.len()));
                    self.capped = true;
                }
                if self.first {
                    self.first = false;
                    if let Some(why) = bytes::looks_binary(&bytes) {
                        return Err(why);
                    }
                    if is_docker_json_file(&bytes) {
                        return Ok(Next::NotPlain);
                    }
                }
                // NUL runs are dropped line by line on the whole-text path.
                if memchr::memchr(0, &bytes).is_some() {
                    return Ok(Next::NotPlain);
                }
                let Ok(text) = String::from_utf8(bytes) else {
                    return Ok(Next::NotPlain);
                };
                let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count() as u32;
                let lines = newlines + u32::from(!text.ends_with('\n'));
                let len = text.len();
                if skipped > 0 {
                    let kept = len - memchr::memrchr(b'\n', text.as_bytes()).map_or(0, |p| p + 1);
                    self.warnings.push(format!(
                        "{}:{}: a line longer than {} MiB: its first {kept} bytes are read, the other {skipped} are not",
                        self.name,
                        self.line + lines,
                        MAX_LINE_BYTES >> 20,
                    ));
                }
                batch.push((self.base, text, (self.line, lines)));
                // The chunk's next byte in the file is after what was skipped.
                self.base += len + skipped as usize;
                self.line += lines;
            }
            Ok(Next::Batch(batch))
        }
    }

    /// Parses a batch's chunks in parallel, in order.
    fn parse_batch(batch: &Batch, component: Component, cfg: &IngestConfig) -> Vec<ChunkOut> {
        batch
            .par_iter()
            .map(|(at, text, lines)| {
                let spec = ChunkSpec {
                    lines: *lines,
                    component,
                    first: *at == 0,
                    keep_text: false,
                    event_messages: cfg.event_messages,
                    quotes: cfg.max_unparsed_warnings,
                };
                let mut part = parse_chunk(text, (0, text.len()), spec);
                part.move_to(*at);
                part
            })
            .collect()
    }

    /// The streaming itself; `None` when the bytes need the whole-text path.
    /// The next batch is read while the one before is parsed and stitched.
    fn read_file(
        spec: &SourceSpec,
        path: &std::path::Path,
        cfg: &IngestConfig,
    ) -> Result<Option<Source>, String> {
        let f = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
        let opened = f.metadata().map_err(|e| format!("cannot read: {e}"))?;
        let file_len = opened.len();
        let mut reader = Reader {
            f,
            name: &spec.name,
            size: cfg.chunk_bytes.clamp(1, STREAM_CHUNK_BYTES),
            carry: Vec::new(),
            base: 0,
            line: 0,
            first: true,
            capped: false,
            warnings: Vec::new(),
        };
        let mut src = new_source(spec.without_content());
        let mut warnings: Vec<String> = spec
            .notes
            .iter()
            .map(|n| format!("{}: {n}", spec.name))
            .collect();
        let mut stitch = Stitcher::default();
        let Next::Batch(mut batch) = reader.next_batch()? else {
            return Ok(None);
        };
        let mut first = true;
        while !batch.is_empty() {
            let component = src.component;
            let (parts, next) = rayon::join(
                || parse_batch(&batch, component, cfg),
                || reader.next_batch(),
            );
            let read_before = batch.last().map_or(0, |(at, t, _)| at + t.len());
            drop(std::mem::take(&mut batch));
            for part in parts {
                stitch.push(&mut src, &mut warnings, part);
            }
            if std::mem::take(&mut first) {
                reserve_like_first_batch(&mut src, read_before, file_len as usize);
            }
            batch = match next? {
                Next::Batch(b) => b,
                Next::NotPlain => return Ok(None),
            };
        }
        warnings.append(&mut reader.warnings);
        let read = (reader.base + reader.carry.len()) as u64;
        let expected = file_len.min(MAX_SOURCE_BYTES as u64);
        if !reader.capped {
            let changed = bytes::changed_while_read(&reader.f, &opened, expected, read);
            warnings.extend(changed.map(|c| format!("{}: {c}", spec.name)));
        }
        stitch.finish(&mut src, warnings, cfg);
        fit(&mut src);
        // Hashed from its file off the read path ([`hash_files`]).
        src.compacted = true;
        src.reread = Some(path.to_path_buf());
        Ok(Some(src))
    }
}

/// Sizes a streamed source's vectors once, from what its first `read` bytes
/// gave, for a file of `len` bytes: a vector that doubles while it grows
/// holds up to twice what it needs, and the copy at each doubling is a peak.
fn reserve_like_first_batch(src: &mut Source, read: usize, len: usize) {
    let scale = |n: usize| (n as f64 * len as f64 / read.max(1) as f64 * 1.05) as usize;
    let more = |n: usize| scale(n).saturating_sub(n);
    src.records.reserve(more(src.records.len()));
    src.texts.reserve(more(src.texts.len()));
    src.arena.reserve(more(src.arena.len()));
    src.fields.reserve(more(src.fields.len()));
    src.recognised.reserve(more(src.recognised.len()));
    src.requests.reserve(more(src.requests.len()));
}

/// Gives back what the estimate over-reserved. Shrinking a large block
/// moves nothing (the allocator returns its tail), and the source is kept
/// to the end of the run.
fn fit(src: &mut Source) {
    // `Vec` and `String` alike.
    macro_rules! fit_each {
        ($($v:expr),*) => {$(
            $v.shrink_to_fit();
        )*};
    }
    fit_each!(
        src.records,
        src.texts,
        src.arena,
        src.fields,
        src.recognised,
        src.requests,
        src.request_errors
    );
}

/// True when the first non-empty line is a Docker json-file record.
fn is_docker_json_file(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1 << 20)];
    let text = String::from_utf8_lossy(head);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut probe = String::new();
    parsers::decode_docker_json(first, &mut probe)
}

/// The bytes up to the last newline before `max` (or `max` itself).
fn cap_size_at(mut bytes: Vec<u8>, max: usize) -> Vec<u8> {
    let max = max.min(bytes.len());
    let cut = memchr::memrchr(b'\n', &bytes[..max])
        .map(|p| p + 1)
        .unwrap_or(max);
    bytes.truncate(cut);
    bytes
}

/// Spans are 32-bit offsets: a single source is read up to its last line
/// below 4 GiB (Milvus rotates its logs at 300 MB by default).
const MAX_SOURCE_BYTES: usize = u32::MAX as usize;

fn cap_size(mut bytes: Vec<u8>, name: &str, warnings: &mut Vec<String>) -> Vec<u8> {
    if bytes.len() > MAX_SOURCE_BYTES {
        let cut = memchr::memrchr(b'\n', &bytes[..MAX_SOURCE_BYTES])
            .map(|p| p + 1)
            .unwrap_or(MAX_SOURCE_BYTES);
        warnings.push(format!(
            "{name}: larger than 4 GiB; read up to byte offset {cut}, the rest is not analysed"
        ));
        bytes.truncate(cut);
    }
    bytes
}

/// A Docker json-file log (`{"log":…,"stream":…,"time":…}` a line) becomes
/// `<time> <line>` lines, one per record, so physical lines stay the same.
fn decode_docker_json_file(text: String, name: &str, warnings: &mut Vec<String>) -> String {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut probe = String::new();
    if !parsers::decode_docker_json(first, &mut probe) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut kept = 0usize;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if !parsers::decode_docker_json(body, &mut out) {
            out.push_str(body);
            kept += 1;
        }
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    if kept > 0 {
        warnings.push(format!("{name}: Docker json-file log with {kept} lines that are not json-file records (kept as they are)"));
    }
    out
}

/// The lines of a text, each with its newline (the last one may have none):
/// `str::split_inclusive`, with the memchr crate's vectorised search.
fn lines_of(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes())
        .map(|i| i + 1)
        .chain(std::iter::once(text.len()));
    ends.filter_map(move |end| {
        let line = text.get(start..end).filter(|l| !l.is_empty());
        start = end;
        line
    })
}

/// Byte ranges of chunks of about `size` bytes, each ending before a line
/// that starts a record ([`boundary_after`]).
fn chunks(text: &str, size: usize) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while start < b.len() {
        let mut end = (start + size).min(b.len());
        if end < b.len() {
            end = boundary_after(b, end);
        }
        out.push((start, end));
        start = end;
    }
    out
}

// Where chunks end. A line that a grammar reads as a record starts a new
// record whatever came before it, so a chunk that begins with one parses
// as it would inside the whole text: no line of it waits for the chunk
// before (to continue its record, or to join the fragments of a record a
// terminal cut). Anywhere else, a record's fragments could be split.

/// How far a chunk boundary moves to find a line that starts a record;
/// past it, the boundary is the nearest line break (the chunks are then
/// joined as lines that may continue the record before them).
const BOUNDARY_SEARCH_BYTES: usize = 1 << 20;

/// The start of the first line after `at` that a grammar reads as a record,
/// or of the first line after `at` when none does within
/// [`BOUNDARY_SEARCH_BYTES`]; the end of `b` when it comes first.
fn boundary_after(b: &[u8], at: usize) -> usize {
    let mut starts = memchr::memchr_iter(b'\n', &b[at..]).map(|p| at + p + 1);
    let Some(first) = starts.next() else {
        return b.len();
    };
    let mut start = first;
    while start - at <= BOUNDARY_SEARCH_BYTES {
        if start >= b.len() {
            return b.len();
        }
        let end = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |p| start + p);
        if starts_a_record(&b[start..end]) {
            return start;
        }
        start = end + 1;
    }
    first
}

/// Where a chunk read into `b` ends: the start of the last whole line that
/// a grammar reads as a record, searched back up to
/// [`BOUNDARY_SEARCH_BYTES`] (the bytes from there wait for the next
/// chunk); else the end of the last line. `None` when `b` holds no line break.
fn boundary_before_end(b: &[u8]) -> Option<usize> {
    let last = memchr::memrchr(b'\n', b)?;
    let mut end = last;
    loop {
        let start = memchr::memrchr(b'\n', &b[..end]).map_or(0, |p| p + 1);
        if start == 0 || last - start > BOUNDARY_SEARCH_BYTES {
            return Some(last + 1);
        }
        if starts_a_record(&b[start..end]) {
            return Some(start);
        }
        end = start - 1;
    }
}

/// True when a grammar reads the line as a record (see above).
fn starts_a_record(line: &[u8]) -> bool {
    let Ok(line) = std::str::from_utf8(line) else {
        // Such a file is read on the whole-text path.
        return false;
    };
    let mut out = LineOut::default();
    parsers::parse_line(line.trim_end_matches('\r'), &mut out) == LineKind::Records
}

/// A line longer than this is still read, and named in a warning: it is a
/// blob or a lost newline rather than a log line.
const HUGE_LINE_BYTES: usize = 1 << 20;

/// How many grammars there are.
const GRAMMARS: usize = Grammar::ALL.len();

/// A line before the first record of a chunk: whether it continues the
/// previous chunk's last record is decided when the chunks are stitched.
struct Leading {
    line: u32,
    offset: usize,
    len: usize,
    /// The line itself: the chunk's text may be gone when chunks are stitched.
    text: String,
}

/// How much of an unparsed line its warning quotes.
const UNPARSED_QUOTE_CHARS: usize = 120;

/// The start of a line, as an unparsed-line warning quotes it.
fn quote(line: &str) -> String {
    line.chars().take(UNPARSED_QUOTE_CHARS).collect()
}

/// What one chunk gave.
#[derive(Default)]
struct ChunkOut {
    records: Vec<Record>,
    texts: Vec<RecordText>,
    fields: Vec<FieldSpan>,
    arena: String,
    acct: Accounting,
    /// Lines per grammar, indexed by `Grammar as usize`.
    formats: [u64; GRAMMARS],
    leading: Vec<Leading>,
    /// Grammar of the record still open at the end of the chunk.
    open: Option<Grammar>,
    /// The first unparsed lines (as many as a source's warnings name): (line, quote).
    unparsed: Vec<(u32, String)>,
    /// Lines over [`HUGE_LINE_BYTES`]: (line, offset, len).
    huge: Vec<(u32, usize, usize)>,
    /// What the recogniser found (record indexes of this chunk).
    recognised: Vec<Recognised>,
    /// Client requests (record indexes of this chunk).
    requests: Vec<RequestRow>,
    /// Their error texts (indexes of this chunk).
    request_errors: Vec<Box<str>>,
    /// Spans the stdout exporters (Go, C++) wrote into the log, with their lines.
    spans: Vec<(u32, parsers::spans::Span)>,
    /// The C++ span block being read: its `{` line, and what it said so far.
    cpp_block: Option<(u32, parsers::spans::CppSpanBlock)>,
}

/// Converts a borrowed text of `full` into a span (or interns it when it is
/// a string the grammar supplied itself).
fn span_of(full: &str, t: parsers::Text<'_>, arena: &mut String) -> Span {
    if t.raw.is_empty() {
        return Span::default();
    }
    let base = full.as_ptr() as usize;
    let p = t.raw.as_ptr() as usize;
    if p >= base && p + t.raw.len() <= base + full.len() {
        Span {
            start: (p - base) as u32,
            len: t.raw.len() as u32,
            escape: t.escape.into(),
            in_arena: false,
        }
    } else {
        let start = arena.len();
        arena.push_str(t.raw);
        Span {
            start: start as u32,
            len: t.raw.len() as u32,
            escape: t.escape.into(),
            in_arena: true,
        }
    }
}

/// How one chunk is parsed.
#[derive(Clone, Copy)]
struct ChunkSpec {
    /// The line number before its first line, and its line count.
    lines: (u32, u32),
    /// The source's component.
    component: Component,
    /// The first chunk of its source (no record before it to continue).
    first: bool,
    /// Keep every record's text (else compact: see [`compact_chunk`]).
    keep_text: bool,
    /// Compacting, keep every recognised record's message.
    event_messages: bool,
    /// How many unparsed lines to quote.
    quotes: usize,
}

fn parse_chunk(full: &str, (from, to): (usize, usize), spec: ChunkSpec) -> ChunkOut {
    let ChunkSpec {
        lines: (first_line, lines),
        component: source_component,
        first: first_chunk,
        keep_text,
        event_messages,
        quotes,
    } = spec;
    // About one record a line: sizing once avoids copying while growing.
    let lines = lines as usize;
    let mut c = ChunkOut {
        records: Vec::with_capacity(lines),
        texts: Vec::with_capacity(lines),
        fields: Vec::with_capacity(lines * 4),
        ..Default::default()
    };
    let mut out = LineOut::default();
    let mut line_no = first_line;
    let mut offset = from;
    // Index in `c.records` of the record that continuation lines extend.
    let mut open: Option<(Grammar, usize)> = None;
    // The line before ended inside a record (a terminal or a paste wrapped
    // it): an unknown line after it is that record's next fragment.
    let mut cut = false;
    for raw_line in lines_of(&full[from..to]) {
        line_no += 1;
        let line = raw_line.trim_end_matches(['\n', '\r']);
        let line_off = offset;
        offset += raw_line.len();
        c.acct.lines_total += 1;
        if line.len() > HUGE_LINE_BYTES {
            c.huge.push((line_no, line_off, line.len()));
        }
        match parsers::parse_line(line, &mut out) {
            LineKind::Records => {
                // A new record ends a C++ span block cut before its `}`.
                flush_cpp_block(&mut c);
                c.acct.lines_parsed += 1;
                c.formats[out.records[0].grammar as usize] += 1;
                for r in &out.records {
                    // Milvus' stdout exporter writes its spans into the log.
                    // A C++ block counts once it closes as a span.
                    if r.grammar == Grammar::OtelGoSpan {
                        c.acct.spans_total += 1;
                        let object = line.find('{').map_or(line, |i| &line[i..]);
                        if let Some(span) = parsers::spans::parse_go_stdout_span(object) {
                            c.spans.push((line_no, span));
                        }
                    }
                    if r.grammar == Grammar::OtelCppSpan {
                        c.cpp_block = Some((line_no, Default::default()));
                    }
                    let (rec, text) =
                        convert(full, line_off, line_no, r, &out, &mut c, source_component);
                    push_record(&mut c, rec, text);
                }
                let last = out
                    .records
                    .last()
                    .map(|r| r.grammar)
                    .unwrap_or(Grammar::Wrapped);
                open = Some((last, c.records.len() - 1));
                cut = ends_inside_record(last, line);
            }
            LineKind::Unknown if cut && joins_bare(&c, open) => {
                // The next fragment of a record read by no grammar, or by its
                // wrapper only: one record, whose text the recogniser reads whole.
                match c.records.last().and_then(|r| r.grammar) {
                    Some(g) => {
                        c.acct.lines_continuation += 1;
                        c.formats[g as usize] += 1;
                    }
                    None => {
                        c.acct.lines_unparsed += 1;
                        if c.unparsed.len() < quotes {
                            c.unparsed.push((line_no, quote(line)));
                        }
                    }
                }
                extend_to(&mut c, line_off + line.len());
                cut = !ends_record(line);
                if let Some(g) = reparse_joined(full, &mut c, source_component) {
                    open = Some((g, c.records.len() - 1));
                }
            }
            LineKind::Unknown if cut && open.is_some() => {
                // The next fragment of the open record's wrapped line.
                if let Some((g, _)) = open {
                    c.acct.lines_continuation += 1;
                    c.formats[g as usize] += 1;
                }
                cut = !ends_record(line);
            }
            kind => {
                let blank = kind == LineKind::Blank;
                cut = kind == LineKind::Unknown && starts_record(line) && !ends_record(line);
                match open {
                    Some((g, idx)) if blank || parsers::continues(g, line) => {
                        c.acct.lines_continuation += 1;
                        c.formats[g as usize] += 1;
                        if g == Grammar::OtelCppSpan {
                            extend_cpp_span(full, line, &mut c, idx);
                            cpp_block_line(&mut c, line);
                        }
                    }
                    None if !first_chunk && c.records.is_empty() => c.leading.push(Leading {
                        line: line_no,
                        offset: line_off,
                        len: line.len(),
                        text: line.to_string(),
                    }),
                    _ => {
                        c.acct.lines_unparsed += 1;
                        if c.unparsed.len() < quotes {
                            c.unparsed.push((line_no, quote(line)));
                        }
                        let (rec, text) =
                            unparsed_record(line_no, line_off, line.len(), source_component);
                        push_record(&mut c, rec, text);
                    }
                }
            }
        }
    }
    c.open = open.map(|(g, _)| g);
    // A C++ span block the file ends inside (a log cut while written): the
    // span as far as it was written. Chunks end before a line that starts a
    // record, so a block continues in the next chunk only when it is longer
    // than the boundary search (1 MiB); it is then read as far as this one.
    flush_cpp_block(&mut c);
    recognise_chunk(full, &mut c);
    if !keep_text {
        compact_chunk(full, &mut c, event_messages);
    }
    c
}

impl ChunkOut {
    /// Moves the byte offsets of a chunk parsed on its own to where it sits
    /// in its source (its spans already point into its arena).
    fn move_to(&mut self, at: usize) {
        for r in &mut self.records {
            r.offset += at as u32;
        }
        for t in &mut self.texts {
            t.offset += at as u32;
        }
        for l in &mut self.leading {
            l.offset += at;
        }
        for h in &mut self.huge {
            h.1 += at;
        }
    }
}

/// Runs the recognition table on every record of a chunk, while its text is read.
fn recognise_chunk(full: &str, c: &mut ChunkOut) {
    let view = View {
        text: full,
        arena: &c.arena,
        texts: &c.texts,
        fields: &c.fields,
    };
    for (i, r) in c.records.iter().enumerate() {
        let i = i as u32;
        c.recognised
            .extend(crate::recognise::recognise_record(&view, r, i));
        if let Some(q) = crate::recognise::client_request(&view, r) {
            let error = q.error.map(|e| {
                c.request_errors.push(e);
                (c.request_errors.len() - 1) as u32
            });
            c.requests.push(RequestRow::new(i, error, q.end_delta_us));
        }
    }
}

/// What later stages read of each record's text: the message and the
/// fields the recogniser's [`ReadLater`] names for its rule, the banner's
/// message (the version), a C++ span's message (taken from a later line,
/// so reading the record's own line again would not give it), every
/// recognised message with `event_messages`.
fn read_later(c: &ChunkOut, event_messages: bool) -> Vec<ReadLater> {
    let banner = ReadLater::MESSAGE;
    let mut keep: Vec<ReadLater> = c
        .records
        .iter()
        .map(|r| match r.grammar {
            // The version; a C++ span's name, from a member line after it.
            Some(Grammar::Banner | Grammar::OtelCppSpan) => banner,
            _ => ReadLater::default(),
        })
        .collect();
    for x in &c.recognised {
        let k = &mut keep[x.record as usize];
        *k = ReadLater::of_rule(x.rule);
        k.message |= event_messages;
    }
    keep
}

/// Keeps the text later stages read and drops the rest: the message and the
/// fields of a record that [`read_later`] names are copied into a new arena
/// (the strings the grammars supplied for the other records go with the
/// old one); other records keep their place, time and counts but no text.
/// A report's verbatim line is read again from the file ([`Source::line_text`]).
fn compact_chunk(full: &str, c: &mut ChunkOut, event_messages: bool) {
    let keep = read_later(c, event_messages);
    let old_fields = std::mem::take(&mut c.fields);
    let old_texts = std::mem::take(&mut c.texts);
    let old_arena = std::mem::take(&mut c.arena);
    let old = View {
        text: full,
        arena: &old_arena,
        texts: &[],
        fields: &[],
    };
    // Before compaction a chunk's texts are its records', one each, in order.
    debug_assert_eq!(old_texts.len(), c.records.len());
    for (i, r) in c.records.iter().enumerate() {
        let read = keep[i];
        let Some(t) = old_texts.get(i).filter(|_| !read.is_empty()) else {
            continue;
        };
        let fstart = c.fields.len() as u32;
        for f in &old_fields[t.fields.start as usize..t.fields.end as usize] {
            if read.field(old.raw_of(f.key)) {
                let key = copy_span(&old, &mut c.arena, f.key);
                let value = copy_span(&old, &mut c.arena, f.value);
                c.fields.push(FieldSpan { key, value });
            }
        }
        let message = if read.message {
            copy_span(&old, &mut c.arena, t.message)
        } else {
            Span::EMPTY
        };
        c.texts.push(RecordText {
            line: r.line,
            offset: r.offset,
            message,
            fields: fstart..c.fields.len() as u32,
            ..Default::default()
        });
    }
}

/// Appends a record and its text spans to a chunk.
fn push_record(c: &mut ChunkOut, rec: Record, text: RecordText) {
    c.texts.push(RecordText {
        line: rec.line,
        offset: rec.offset,
        ..text
    });
    c.records.push(rec);
}

/// A span of a chunk's text or old arena copied into `arena`.
fn copy_span(from: &View<'_>, arena: &mut String, s: Span) -> Span {
    if s.len == 0 {
        return Span {
            escape: s.escape,
            ..Span::EMPTY
        };
    }
    let start = arena.len() as u32;
    arena.push_str(from.raw_of(s));
    Span {
        start,
        in_arena: true,
        ..s
    }
}

/// Feeds a line of a C++ span block to its reader; the span goes into the
/// chunk's spans when the block closes.
fn cpp_block_line(c: &mut ChunkOut, line: &str) {
    if c.cpp_block.as_mut().is_some_and(|(_, b)| b.line(line)) {
        flush_cpp_block(c);
    }
}

/// Ends the C++ span block being read: its span, as far as it was written,
/// goes into the chunk's spans. A lone `{` … `}` without a span's ids (a
/// JSON document's) is no span.
fn flush_cpp_block(c: &mut ChunkOut) {
    if let Some((at, b)) = c.cpp_block.take() {
        if let Some(s) = b.finish() {
            c.acct.spans_total += 1;
            c.spans.push((at, s));
        }
    }
}

/// A C++ span block's `start` and `name` members give its record a time and
/// a message.
fn extend_cpp_span(full: &str, line: &str, c: &mut ChunkOut, idx: usize) {
    let Some((k, v)) = parsers::cpp_span_member(line) else {
        return;
    };
    let rec = &mut c.records[idx];
    match k {
        "start" => {
            if let Some(ts) = parsers::cpp_span_start(v) {
                rec.set_stamp(Some(ts), false);
            }
        }
        "name" => {
            // Before compaction, texts and records go one to one.
            let Some(t) = c.texts.get_mut(idx) else {
                return;
            };
            if t.message.len == 0 {
                let base = full.as_ptr() as usize;
                t.message = Span {
                    start: (v.as_ptr() as usize - base) as u32,
                    len: v.len() as u32,
                    ..Default::default()
                };
            }
        }
        _ => {}
    }
}

/// True when a parsed line of `grammar` stops inside its record: a Milvus
/// or etcd record line ends with its last `]` or `}`; anything else there
/// was cut by a wrap.
fn ends_inside_record(grammar: Grammar, line: &str) -> bool {
    let record = match grammar {
        Grammar::MilvusText | Grammar::MilvusJson | Grammar::EtcdJson | Grammar::EtcdClientJson => {
            true
        }
        // A wrapper around the start of a record its grammar could not read.
        Grammar::Wrapped => starts_record(line),
        _ => false,
    };
    record && !ends_record(line)
}

/// A record's last byte, `]` or `}` (quotes and white space after it are a
/// paste's).
fn ends_record(line: &str) -> bool {
    line.trim_end_matches(|c: char| c.is_whitespace() || c == '"' || c == '`')
        .ends_with([']', '}'])
}

/// A line that holds the start of a Milvus or JSON record near its start
/// (after a wrapper's prefix, if any).
fn starts_record(line: &str) -> bool {
    let head = &line.as_bytes()[..line.len().min(RECORD_START_WITHIN)];
    memchr::memmem::find(head, b"{\"").is_some() || memchr::memmem::find(head, b"[20").is_some()
}

/// How far into a line a wrapper's prefix can push a record's start.
const RECORD_START_WITHIN: usize = 200;

/// True when the chunk's last record is read by no grammar, or by its
/// wrapper only, and is not older than the open record: the fragment
/// before this one was such a line.
fn joins_bare(c: &ChunkOut, open: Option<(Grammar, usize)>) -> bool {
    let last = c.records.len().checked_sub(1);
    last.is_some_and(|i| {
        matches!(c.records[i].grammar, None | Some(Grammar::Wrapped))
            && open.is_none_or(|(_, o)| o <= i)
            && !c.texts[i].message.in_arena
    })
}

/// Reads the fragments an unparsed record now spans as one line (without
/// the breaks a wrap put in them); when a grammar reads that, its record
/// replaces the unparsed one and the fragments count as its line and
/// continuations. Returns the grammar.
fn reparse_joined(full: &str, c: &mut ChunkOut, component: Component) -> Option<Grammar> {
    let (rec, text) = (c.records.last()?, c.texts.last()?);
    if rec.grammar.is_some() || text.message.in_arena {
        return None;
    }
    let (start, end) = (
        text.message.start as usize,
        (text.message.start + text.message.len) as usize,
    );
    let spanned = full.get(start..end)?;
    let joined: String = spanned
        .chars()
        .filter(|&ch| ch != '\n' && ch != '\r')
        .collect();
    let mut out = LineOut::default();
    if parsers::parse_line(&joined, &mut out) != LineKind::Records {
        return None;
    }
    let fragments = spanned.matches('\n').count() as u64 + 1;
    let (line_no, line_off) = (rec.line, start);
    c.records.pop();
    c.texts.pop();
    // The fragments were counted as unparsed lines, and quoted.
    c.acct.lines_unparsed -= fragments;
    c.unparsed
        .retain(|(l, _)| u64::from(*l) < u64::from(line_no));
    c.acct.lines_parsed += 1;
    c.acct.lines_continuation += fragments - 1;
    let g = out.records[0].grammar;
    c.formats[g as usize] += fragments;
    for r in &out.records {
        if r.grammar == Grammar::OtelGoSpan {
            c.acct.spans_total += 1;
        }
        let (rec, text) = convert(full, line_off, line_no, r, &out, c, component);
        push_record(c, rec, text);
    }
    out.records.last().map(|r| r.grammar)
}

/// Stretches the last record's message over the next fragment, up to
/// `end` (the line break between stays in it; the recogniser drops it).
fn extend_to(c: &mut ChunkOut, end: usize) {
    if let Some(t) = c.texts.last_mut() {
        t.message.len = (end - t.message.start as usize) as u32;
    }
}

/// Appends key/value pairs the ingest made itself (not slices of a line)
/// as fields of the chunk: their text goes to the arena.
fn convert_fields(full: &str, fields: &[(&str, String)], c: &mut ChunkOut) {
    for (k, v) in fields {
        let key = span_of(full, parsers::Text::plain(k), &mut c.arena);
        let value = span_of(full, parsers::Text::plain(v), &mut c.arena);
        c.fields.push(FieldSpan { key, value });
    }
}

/// A line no grammar read: a record without grammar or time whose message
/// is the whole line.
fn unparsed_record(
    line: u32,
    offset: usize,
    len: usize,
    component: Component,
) -> (Record, RecordText) {
    let mut rec = Record::new(line, offset as u32, component);
    rec.set_ts_inferred(true);
    let text = RecordText {
        message: Span {
            start: offset as u32,
            len: len as u32,
            ..Default::default()
        },
        ..Default::default()
    };
    (rec, text)
}

fn convert(
    full: &str,
    line_off: usize,
    line_no: u32,
    r: &parsers::Record<'_>,
    out: &LineOut<'_>,
    c: &mut ChunkOut,
    source_component: Component,
) -> (Record, RecordText) {
    let fstart = c.fields.len() as u32;
    for f in out.fields_of(r) {
        let key = span_of(full, f.key, &mut c.arena);
        let value = span_of(full, f.value, &mut c.arena);
        c.fields.push(FieldSpan { key, value });
    }
    let component = line_component(source_component, r);
    let mut rec = Record::new(line_no, (line_off + r.offset) as u32, component);
    rec.set_stamp(r.ts.or(r.wrapper_ts), r.ts.is_none());
    rec.level = r.level;
    rec.grammar = Some(r.grammar);
    let text = RecordText {
        line: line_no,
        offset: rec.offset,
        caller: span_of(full, parsers::Text::plain(r.caller), &mut c.arena),
        message: span_of(full, r.message, &mut c.arena),
        fields: fstart..c.fields.len() as u32,
    };
    (rec, text)
}

/// The component of a line: the source's (or, in a mixed stream, its
/// wrapper label's), refined by caller in multi-role streams; a file whose
/// name says nothing takes the grammar's side.
fn line_component(source: Component, r: &parsers::Record<'_>) -> Component {
    // A stream of several containers (`docker compose logs`, a pasted pod
    // list) names each line's container in its label.
    let source = match source {
        Component::Other | Component::Milvus if !r.label.is_empty() => {
            match component::from_name(r.label) {
                Component::Other => source,
                by_label => by_label,
            }
        }
        s => s,
    };
    let by_grammar = match r.grammar {
        Grammar::EtcdJson | Grammar::EtcdCapnslog | Grammar::RaftStdlog => Some(Component::Etcd),
        Grammar::ClientJsonl | Grammar::Pymilvus | Grammar::PythonLogging => {
            Some(Component::Client)
        }
        _ => None,
    };
    let source = match (source, by_grammar) {
        (Component::Other, Some(c)) => return c,
        (Component::Other, None)
            if matches!(r.grammar, Grammar::MilvusText | Grammar::MilvusJson) =>
        {
            Component::Milvus
        }
        (s, _) => s,
    };
    component::of_line(source, r.caller, r.message.raw)
}

/// An empty source for a spec: what is read from it is stitched in.
fn new_source(spec: SourceSpec) -> Source {
    Source {
        name: spec.name,
        dir: spec.dir,
        component: spec.component,
        previous: spec.previous,
        role_file: spec.role_file,
        process: spec.process,
        text: String::new(),
        arena: String::new(),
        records: Vec::new(),
        texts: Vec::new(),
        fields: Vec::new(),
        accounting: Accounting::default(),
        formats: BTreeMap::new(),
        warnings: Vec::new(),
        recognised: Vec::new(),
        requests: Vec::new(),
        request_errors: Vec::new(),
        compacted: false,
        sha256: None,
        reread: None,
        spans: Default::default(),
    }
}

/// Joins parsed chunks, in order, into their source.
#[derive(Default)]
struct Stitcher {
    /// Grammar of the record still open at the end of the chunks so far.
    open: Option<Grammar>,
    /// Quotes of the first unparsed lines.
    unparsed: Vec<(u32, String)>,
}

impl Stitcher {
    /// Appends the next chunk: its leading lines continue the open record or
    /// are unparsed; huge lines are named.
    fn push(&mut self, src: &mut Source, warnings: &mut Vec<String>, mut part: ChunkOut) {
        for (line, off, len) in part.huge.drain(..) {
            warnings.push(format!(
                "{}:{line}: a line of {len} bytes at byte offset {off}: read as one line",
                src.name
            ));
        }
        let head = settle_leading(&mut part, self.open, src.component, &mut self.unparsed);
        if part.open.is_some() {
            self.open = part.open;
        }
        append_chunk(src, head, part, &mut self.unparsed);
    }

    /// Names the unparsed lines and hands the warnings to the source.
    fn finish(self, src: &mut Source, mut warnings: Vec<String>, cfg: &IngestConfig) {
        warn_unparsed(
            &src.name,
            self.unparsed,
            src.accounting.lines_unparsed,
            cfg.max_unparsed_warnings,
            &mut warnings,
        );
        // Chunks and the lines before their first records come in line order.
        debug_assert!(src
            .records
            .windows(2)
            .all(|w| (w[0].line, w[0].offset) <= (w[1].line, w[1].offset)));
        src.warnings = warnings;
        src.spans.finish();
    }
}

/// Parses a whole source held in memory, in parallel chunks when it is large.
fn parse_source(
    spec: SourceSpec,
    text: String,
    mut warnings: Vec<String>,
    cfg: &IngestConfig,
    keep_text: bool,
) -> Source {
    if spec.component == Component::Kubernetes {
        if let Some(d) = parsers::pod_describe::parse(&text) {
            let (part, warning) = describe::describe_chunk(&text, &d, spec.component, &spec.name);
            warnings.extend(warning);
            // Small, and read whole: its text is kept.
            return stitch_source(spec, vec![part], text, warnings, cfg, true);
        }
    }
    let ranges = chunks(&text, cfg.chunk_bytes.max(1));
    let firsts = first_lines(&text, &ranges);
    let component = spec.component;
    let parts: Vec<ChunkOut> = ranges
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            let spec = ChunkSpec {
                lines: firsts[i],
                component,
                first: i == 0,
                keep_text,
                event_messages: cfg.event_messages,
                quotes: cfg.max_unparsed_warnings,
            };
            parse_chunk(&text, *r, spec)
        })
        .collect();
    stitch_source(spec, parts, text, warnings, cfg, keep_text)
}

/// The source of parsed chunks, in order, with its text when kept.
fn stitch_source(
    spec: SourceSpec,
    parts: Vec<ChunkOut>,
    text: String,
    mut warnings: Vec<String>,
    cfg: &IngestConfig,
    keep_text: bool,
) -> Source {
    let mut src = new_source(spec);
    let mut stitch = Stitcher::default();
    for part in parts {
        stitch.push(&mut src, &mut warnings, part);
    }
    stitch.finish(&mut src, warnings, cfg);
    if cfg.hash {
        src.sha256 = Some(crate::record::sha256_hex(text.as_bytes()));
    }
    src.compacted = !keep_text;
    if keep_text {
        src.text = text;
    }
    src
}

/// For each chunk: the line number before its first line, and its line
/// count (from one newline count per chunk).
fn first_lines(text: &str, ranges: &[(usize, usize)]) -> Vec<(u32, u32)> {
    let counts: Vec<u32> = ranges
        .par_iter()
        .map(|(a, b)| memchr::memchr_iter(b'\n', &text.as_bytes()[*a..*b]).count() as u32)
        .collect();
    let mut firsts = Vec::with_capacity(ranges.len());
    let mut acc = 0u32;
    for (i, (a, b)) in ranges.iter().enumerate() {
        // A final line without a newline still is a line.
        let lines =
            counts[i] + u32::from(i + 1 == ranges.len() && b > a && !text[..*b].ends_with('\n'));
        firsts.push((acc, lines));
        acc += lines;
    }
    firsts
}

/// Decides the lines before a chunk's first record: they continue the open
/// record of the chunk before (`open`), or are unparsed records, returned.
fn settle_leading(
    part: &mut ChunkOut,
    open: Option<Grammar>,
    component: Component,
    unparsed: &mut Vec<(u32, String)>,
) -> Vec<(Record, RecordText)> {
    let mut head = Vec::new();
    for l in &part.leading {
        let line = l.text.as_str();
        match open {
            Some(g) if line.trim().is_empty() || parsers::continues(g, line) => {
                part.acct.lines_continuation += 1;
                part.formats[g as usize] += 1;
            }
            _ => {
                part.acct.lines_unparsed += 1;
                unparsed.push((l.line, quote(line)));
                head.push(unparsed_record(l.line, l.offset, l.len, component));
            }
        }
    }
    head
}

/// Appends a chunk's records, fields, arena and counts to the source,
/// moving its field and arena offsets behind what is there.
fn append_chunk(
    src: &mut Source,
    head: Vec<(Record, RecordText)>,
    part: ChunkOut,
    unparsed: &mut Vec<(u32, String)>,
) {
    let fbase = src.fields.len() as u32;
    let abase = src.arena.len() as u32;
    let shift = |s: &mut Span| {
        if s.in_arena {
            s.start += abase;
        }
    };
    for mut f in part.fields {
        shift(&mut f.key);
        shift(&mut f.value);
        src.fields.push(f);
    }
    src.arena.push_str(&part.arena);
    for (r, t) in head {
        // The line's text is kept only with the source's text.
        if !src.compacted {
            src.texts.push(RecordText {
                line: r.line,
                offset: r.offset,
                ..t
            });
        }
        src.records.push(r);
    }
    let rbase = src.records.len() as u32;
    for mut t in part.texts {
        t.fields = t.fields.start + fbase..t.fields.end + fbase;
        shift(&mut t.caller);
        shift(&mut t.message);
        src.texts.push(t);
    }
    src.recognised
        .extend(part.recognised.into_iter().map(|x| Recognised {
            record: x.record + rbase,
            ..x
        }));
    let ebase = src.request_errors.len() as u32;
    src.requests
        .extend(part.requests.into_iter().map(|q| q.shifted(rbase, ebase)));
    src.request_errors.extend(part.request_errors);
    for (line, span) in &part.spans {
        let row = spans::row_of(&mut src.spans, *line, span);
        src.spans.rows.push(row);
    }
    src.records.extend(part.records);
    src.accounting.add(&part.acct);
    for g in Grammar::ALL {
        let n = part.formats[g as usize];
        if n > 0 {
            *src.formats.entry(g.name()).or_default() += n;
        }
    }
    unparsed.extend(part.unparsed);
}

/// Names the first `max` unparsed lines of a source (file:line and the
/// line's start), and how many more there are.
fn warn_unparsed(
    name: &str,
    mut quoted: Vec<(u32, String)>,
    total: u64,
    max: usize,
    warnings: &mut Vec<String>,
) {
    quoted.sort_unstable();
    for (line, s) in quoted.iter().take(max) {
        warnings.push(format!(
            "{name}:{line}: no grammar recognises this line: {s:?}"
        ));
    }
    if total > max as u64 {
        warnings.push(format!(
            "{name}: … and {} more unparsed lines",
            total - max as u64
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{Content, SourceSpec};

    fn spec(name: &str, text: &str) -> SourceSpec {
        SourceSpec::from_bytes(name, text.as_bytes().to_vec())
    }

    const STDERR: &str = "2026/11/26 04:14:41 maxprocs: Leaving GOMAXPROCS=2: CPU quota undefined\n\n    __  _________ _   ____  ______    \nWelcome to use Milvus!\nVersion:   v2.3.5-lite\nsomething nobody knows\n{\"level\":\"warn\",\"ts\":\"2026-11-26T04:15:47.175Z\",\"logger\":\"etcd-client\",\"caller\":\"v3@v3.5.5/retry_interceptor.go:62\",\"msg\":\"retrying of unary invoker failed\"}\npanic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/go/src/main.go:5 +0x1d\nexit status 2";

    #[test]
    fn a_record_stays_small() {
        // One per physical line: its size is the memory of a bundle.
        assert!(
            std::mem::size_of::<Record>() <= 24,
            "{}",
            std::mem::size_of::<Record>()
        );
        // One per request of a client log.
        assert!(
            std::mem::size_of::<RequestRow>() <= 16,
            "{}",
            std::mem::size_of::<RequestRow>()
        );
        assert!(std::mem::size_of::<crate::windows::Request>() <= 24);
        // One per recognised line.
        assert!(
            std::mem::size_of::<crate::recognise::Event>() <= 48,
            "{}",
            std::mem::size_of::<crate::recognise::Event>()
        );
    }

    #[test]
    fn every_line_is_accounted_for() {
        let s = load(
            spec("milvus/milvus-stderr.log", STDERR),
            &IngestConfig::default(),
        )
        .unwrap();
        let a = &s.accounting;
        assert_eq!(a.lines_total, 13);
        assert_eq!(
            a.lines_parsed + a.lines_continuation + a.lines_unparsed,
            a.lines_total
        );
        assert_eq!(a.lines_unparsed, 1);
        assert_eq!(a.lines_continuation, 6);
        assert!(
            s.warnings[0].contains("milvus/milvus-stderr.log:6: no grammar recognises this line")
        );
        // The unparsed line is kept as a record, in line order.
        assert!(s.records.iter().any(|r| r.grammar.is_none() && r.line == 6));
        assert_eq!(s.formats.get("go-panic"), Some(&6));
    }

    #[test]
    fn chunked_parse_equals_whole_parse() {
        let text = STDERR.repeat(50);
        let whole = load(spec("a.log", &text), &IngestConfig::default()).unwrap();
        for size in [1, 7, 64, 300] {
            let cfg = IngestConfig {
                chunk_bytes: size,
                ..Default::default()
            };
            let parts = load(spec("a.log", &text), &cfg).unwrap();
            assert_eq!(parts.accounting, whole.accounting, "chunk {size}");
            assert_eq!(parts.formats, whole.formats);
            let key = |s: &Source| {
                s.records
                    .iter()
                    .map(|r| (r.line, r.offset, r.grammar, s.message(r).into_owned()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(key(&parts), key(&whole), "chunk {size}");
        }
    }

    #[test]
    fn binary_and_invalid_utf8() {
        let core = "\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0\x3e\0\x01\0\0\0";
        let bin = load(spec("core.log", core), &IngestConfig::default()).unwrap_err();
        assert!(bin.reason.contains("binary file"), "{}", bin.reason);
        // NUL bytes inside text cost only themselves.
        let s = load(
            spec("a.log", "abc\0def\n\0\0ghi\n"),
            &IngestConfig::default(),
        )
        .unwrap();
        assert_eq!(s.accounting.lines_total, 2);
        assert!(
            s.warnings[0].contains("a.log:1: 3 NUL bytes dropped from 2 line(s)"),
            "{:?}",
            s.warnings
        );
        let mut bytes =
            b"[2026/11/26 04:14:41.569 +00:00] [INFO] [roles/roles.go:255] [ok]\n".to_vec();
        bytes.extend_from_slice(
            b"[2026/11/26 04:14:41.569 +00:00] [INFO] [roles/roles.go:255] [bad\xff]\n",
        );
        let sp = SourceSpec {
            content: Content::Bytes(bytes, None),
            ..spec("m.log", "")
        };
        let s = load(sp, &IngestConfig::default()).unwrap();
        assert!(s.warnings[0].starts_with("m.log:2: invalid UTF-8"));
        assert_eq!(s.accounting.lines_parsed, 2);
    }

    #[test]
    fn compose_labels_name_each_line_s_container() {
        // `docker compose logs` of the Milvus compose file: one stream, several containers.
        let text = "milvus-etcd  | {\"level\":\"info\",\"ts\":\"2024-03-25T09:40:56.830Z\",\"caller\":\"etcdserver/server.go:2069\",\"msg\":\"published local member to cluster through raft\"}\nmilvus-standalone  | [2024/03/25 09:40:57.001 +00:00] [INFO] [querycoordv2/server.go:748] [\"a node down, remove it\"] [nodeID=5]\nmilvus-standalone  | [2024/03/25 09:40:57.002 +00:00] [INFO] [sessionutil/session_util.go:1] [x]\n";
        let s = load(spec("compose.log", text), &IngestConfig::default()).unwrap();
        let comps: Vec<Component> = s.records.iter().map(|r| r.component).collect();
        assert_eq!(
            comps,
            vec![
                Component::Etcd,
                Component::Querycoord,
                Component::Standalone
            ]
        );
    }

    #[test]
    fn huge_lines_are_read_and_named() {
        let blob = "x".repeat(super::HUGE_LINE_BYTES + 10);
        let text = format!("[2026/11/26 04:14:41.569 +00:00] [INFO] [roles/roles.go:255] [ok]\n{blob}\n[2026/11/26 04:14:41.570 +00:00] [INFO] [roles/roles.go:255] [ok]\n");
        let cfg = IngestConfig {
            chunk_bytes: 1 << 16,
            ..Default::default()
        };
        let s = load(spec("big.log", &text), &cfg).unwrap();
        assert_eq!(
            (
                s.accounting.lines_total,
                s.accounting.lines_parsed,
                s.accounting.lines_unparsed
            ),
            (3, 2, 1)
        );
        assert!(
            s.warnings
                .iter()
                .any(|w| w.starts_with("big.log:2: a line of 1048586 bytes at byte offset 66")),
            "{:?}",
            s.warnings
        );
    }

    /// A file read whole (its text kept), and streamed in 64 KiB chunks
    /// without its text (`base` gives the other settings of the second).
    fn whole_and_streamed(
        path: &std::path::Path,
        name: &str,
        base: &IngestConfig,
    ) -> (Source, Source) {
        let file_spec = || SourceSpec {
            content: Content::File(path.to_path_buf()),
            ..spec(name, "")
        };
        let whole = load(file_spec(), &IngestConfig::default()).unwrap();
        let cfg = IngestConfig {
            chunk_bytes: 64 << 10,
            keep_text: false,
            ..base.clone()
        };
        (whole, load(file_spec(), &cfg).unwrap())
    }

    /// The `timeline` export reads a compacted source's text again: every
    /// record's message and fields equal those of the whole text kept, on
    /// real files of every kind (Milvus text and JSON logs, the client
    /// request log, pymilvus with tracebacks, glog/banner stderr, etcd, and
    /// a stdout log with Go and C++ trace spans).
    #[test]
    fn text_read_again_equals_text_kept() {
        let root = env!("CARGO_MANIFEST_DIR");
        for file in [
            "samples/kill-restart-1/milvus/standalone-2.log",
            "samples/kill-restart-1/milvus/milvus-stderr.log",
            "samples/kill-restart-1/client/client.jsonl",
            "samples/kill-restart-1/client/pymilvus.log",
            "samples/kill-restart-1/etcd/etcd.log",
            "samples/kill-restart-json-1/milvus/milvus-stdout.log",
            "parsers/tests/data/otel-stdout-2.3.5.log",
        ] {
            let path = std::path::Path::new(root).join(file);
            let (whole, compact) =
                whole_and_streamed(&path, "milvus/milvus-stdout.log", &IngestConfig::default());
            assert!(compact.compacted, "{file}");
            assert!(whole.records.len() > 10, "{file}");
            let sources = [whole, compact];
            let mut again = reread::Reread::new(&sources);
            for ri in 0..sources[0].records.len() {
                let kept = again.text(0, ri);
                let read = again.text(1, ri);
                assert_eq!(
                    read, kept,
                    "{file}: record {ri} (line {})",
                    sources[0].records[ri].line
                );
            }
        }
    }

    /// A real capture's file log, streamed in small chunks without keeping
    /// its text, gives the same records, recognised rows and accounting as
    /// the whole text kept; evidence lines come back verbatim, from the kept
    /// text or read again from the file.
    #[test]
    fn streamed_and_compacted_equals_whole() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/kill-restart-1/milvus/standalone-2.log"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let (whole, streamed) = whole_and_streamed(
            path.as_ref(),
            "milvus/standalone-2.log",
            &IngestConfig::default(),
        );
        assert!(streamed.compacted && streamed.text.is_empty());
        assert_eq!(streamed.accounting, whole.accounting);
        assert_eq!(streamed.formats, whole.formats);
        assert_eq!(streamed.recognised, whole.recognised);
        assert!(!streamed.recognised.is_empty());
        let key = |r: &Record| (r.line, r.offset, r.grammar, r.level, r.component);
        assert_eq!(
            streamed.records.iter().map(key).collect::<Vec<_>>(),
            whole.records.iter().map(key).collect::<Vec<_>>()
        );
        // Recognised records keep what later stages read of them: the fields
        // and the message their rule's `ReadLater` names.
        let read_later = |s: &Source, r: &Record, read: ReadLater| {
            s.fields_of(r)
                .filter(|(k, _)| read.field(k))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect::<Vec<_>>()
        };
        let (mut kept_fields, mut kept_messages) = (0, 0);
        for x in &whole.recognised {
            let read = ReadLater::of_rule(x.rule);
            let (a, b) = (
                &whole.records[x.record as usize],
                &streamed.records[x.record as usize],
            );
            if read.message {
                assert_eq!(streamed.message(b), whole.message(a));
                kept_messages += 1;
            }
            assert_eq!(read_later(&streamed, b, read), read_later(&whole, a, read));
            assert_eq!(
                streamed.fields_of(b).count(),
                read_later(&whole, a, read).len()
            );
            kept_fields += read_later(&streamed, b, read).len();
        }
        assert!(
            kept_fields > 0 && kept_messages > 0,
            "{kept_fields} {kept_messages}"
        );
        // `timeline --events` keeps every recognised message.
        let events = whole_and_streamed(
            path.as_ref(),
            "milvus/standalone-2.log",
            &IngestConfig {
                event_messages: true,
                ..Default::default()
            },
        )
        .1;
        for x in &whole.recognised {
            let (a, b) = (
                &whole.records[x.record as usize],
                &events.records[x.record as usize],
            );
            assert_eq!(events.message(b), whole.message(a));
        }
        // Every line, kept or not, is the file's line.
        let lines: Vec<&str> = text.lines().collect();
        for (i, r) in streamed.records.iter().enumerate().step_by(97) {
            assert_eq!(
                streamed.line_text(i as u32),
                lines[r.line as usize - 1],
                "line {}",
                r.line
            );
        }
        // Not hashed on the read path: from its file, as the pipeline does.
        assert_eq!(streamed.sha256, None);
        assert_eq!(
            hash_files(vec![(7, path.into())]),
            vec![(7, Some(crate::record::sha256_hex(text.as_bytes())))]
        );
    }

    /// A JSON record that a terminal cut in two lines is one record, read
    /// whole or in chunks, from bytes or streamed from its file: a chunk
    /// never ends between its fragments. (The `framing` fuzz target's
    /// finding, fuzz/README.md.)
    #[test]
    fn a_record_cut_across_a_chunk_boundary_is_joined_as_in_a_whole_read() {
        let unit = |i: usize| {
            format!(
                concat!(
                    "{{\"level\":\"info\",\"ts\":\"2026-12-01T16:39:53.154Z\",\"caller\":\"raft/raft.go:1\",\"msg\":\"a{}\"}}\n",
                    "{{\"level\":\"info\",\"ts\":\"2026-12-01T16:39:5\n",
                    "3.154Z\",\"caller\":\"raft/raft.go:706\",\"msg\":\"b{}\"}}\n",
                ),
                i, i
            )
        };
        let key = |s: &Source| {
            let records = s.records.iter();
            let k: Vec<_> = records
                .map(|r| (r.line, r.grammar, s.message(r).into_owned()))
                .collect();
            (k, s.accounting.clone())
        };
        let text = unit(0);
        let whole = load(spec("etcd/etcd.log", &text), &IngestConfig::default()).unwrap();
        assert_eq!(whole.records.len(), 2, "the cut record is one");
        let cfg = IngestConfig {
            chunk_bytes: 7,
            ..Default::default()
        };
        let parts = load(spec("etcd/etcd.log", &text), &cfg).unwrap();
        assert_eq!(key(&parts), key(&whole));
        // Streamed: reads of 64 KiB, whose ends fall anywhere in a unit.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("etcd.log");
        std::fs::write(&path, (0..3000).map(unit).collect::<String>()).unwrap();
        let (whole, streamed) = whole_and_streamed(&path, "etcd/etcd.log", &cfg);
        assert_eq!(whole.records.len(), 6000);
        // A streamed source keeps no message of a record without an event.
        let place = |s: &Source| {
            let records = s.records.iter();
            let k: Vec<_> = records.map(|r| (r.line, r.offset, r.grammar)).collect();
            (k, s.accounting.clone())
        };
        let (a, b) = (place(&streamed), place(&whole));
        let first_difference = a.0.iter().zip(&b.0).position(|(x, y)| x != y);
        assert_eq!(first_difference, None);
        assert_eq!(a, b);
    }

    /// A chunk boundary moves past the fragments of a cut record to the next
    /// line that starts a record, and falls back to the nearest line break
    /// when none does in the bound.
    #[test]
    fn chunks_end_before_a_line_that_starts_a_record() {
        let rec = "{\"level\":\"info\",\"ts\":\"2026-12-01T16:39:53.154Z\",\"msg\":\"a\"}\n";
        let cut = [
            "{\"level\":\"info\",\"ts\":\"2026-12-01T1\n",
            "6:39:53.154Z\",\"msg\":\"b\"}\n",
        ];
        let text = [rec, cut[0], cut[1], rec].concat();
        let b = text.as_bytes();
        let before_last = b.len() - rec.len();
        assert_eq!(boundary_after(b, 1), before_last);
        assert_eq!(boundary_before_end(b), Some(before_last));
        // The last line is not whole yet: the fragments before it are not
        // split from their record.
        let partial = [rec, rec, cut[0], cut[1], "{\"lev"].concat();
        assert_eq!(boundary_before_end(partial.as_bytes()), Some(rec.len()));
        let prose = "no record here\n".repeat(BOUNDARY_SEARCH_BYTES / 8);
        let long = format!("{rec}{prose}");
        assert_eq!(boundary_after(long.as_bytes(), 1), rec.len());
        assert_eq!(boundary_before_end(long.as_bytes()), Some(long.len()));
        assert_eq!(boundary_before_end(b"no line break"), None);
        assert_eq!(boundary_after(b"no line break", 3), 13);
        assert_eq!(boundary_after(&b[..before_last], 1), before_last);
    }

    /// One endless line does not fill memory: it is read up to the bound,
    /// the rest of it skipped and counted, and the lines after it are read.
    #[test]
    fn a_line_longer_than_the_bound_is_cut_and_the_rest_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.log");
        let line = |i: u32, m: &str| {
            format!("[2026/11/26 04:14:4{i}.569 +00:00] [INFO] [roles/roles.go:255] [{m}]\n")
        };
        let long = "x".repeat(stream::MAX_LINE_BYTES + (3 << 20));
        std::fs::write(
            &path,
            [line(1, "first"), line(2, &long), line(3, "third")].concat(),
        )
        .unwrap();
        let cfg = IngestConfig {
            keep_text: false,
            ..Default::default()
        };
        let src = load(
            SourceSpec {
                content: Content::File(path.clone()),
                ..spec("long.log", "")
            },
            &cfg,
        )
        .unwrap();
        assert_eq!(src.accounting.lines_total, 3);
        let third = src
            .records
            .iter()
            .find(|r| r.line == 3)
            .expect("the line after the long one");
        assert_eq!(third.grammar, Some(Grammar::MilvusText));
        assert!(
            src.warnings
                .iter()
                .any(|w| w.starts_with("long.log:2: a line longer than 16 MiB")),
            "{:?}",
            src.warnings
        );
    }

    /// A file that shrinks between its opening and the end of its reading
    /// is named (a rotation truncated it), and one that grows too.
    #[test]
    fn a_file_changed_while_read_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        std::fs::write(&path, vec![b'a'; 100]).unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let before = f.metadata().unwrap();
        f.set_len(10).unwrap();
        let w = bytes::changed_while_read(&f, &before, 100, 10).unwrap();
        assert!(w.contains("it shrank"), "{w}");
        f.set_len(200).unwrap();
        let w = bytes::changed_while_read(&f, &before, 100, 100).unwrap();
        assert!(w.contains("still writing"), "{w}");
    }

    /// A file that shrank after it was read gives an empty evidence line, not
    /// a crash (it is read, not memory-mapped: no SIGBUS).
    #[test]
    fn reread_of_a_shrunk_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.log");
        let line =
            "[2026/11/26 04:15:52.437 +00:00] [INFO] [gc/gc_tuner.go:90] [\"GC Tune done\"]\n";
        std::fs::write(&path, line.repeat(50)).unwrap();
        let cfg = IngestConfig {
            keep_text: false,
            ..Default::default()
        };
        let sp = SourceSpec {
            content: Content::File(path.clone()),
            ..spec("q.log", "")
        };
        let s = load(sp, &cfg).unwrap();
        assert_eq!(s.line_text(49), line.trim_end());
        std::fs::write(&path, line).unwrap();
        assert_eq!(s.line_text(49), "");
    }

    #[test]
    fn docker_json_file_keeps_physical_lines() {
        let text = "{\"log\":\"[2024/12/19 08:12:33.123 +00:00] [INFO] [querycoordv2/server.go:748] [\\\"a node down, remove it\\\"] [nodeID=5]\\n\",\"stream\":\"stdout\",\"time\":\"2024-12-19T08:12:33.124567Z\"}\n{\"log\":\"Welcome to use Milvus!\\n\",\"stream\":\"stderr\",\"time\":\"2024-12-19T08:12:34Z\"}\n";
        let s = load(
            spec("containers/abc-json.log", text),
            &IngestConfig::default(),
        )
        .unwrap();
        assert_eq!(s.accounting.lines_parsed, 2);
        assert_eq!(s.message(&s.records[0]), "a node down, remove it");
        assert_eq!(s.records[1].line, 2);
    }
}

//! End-to-end tests of the `milvus-postmortem` binary on real bundles.
//!
//! One test binary (see Cargo.toml `autotests = false`):
//! * `architecture`: the pipeline's boundaries (report writers read the model);
//! * `util`: running the built binary, finding the shared bundles, copying;
//! * `ingest`: line accounting of every real bundle, annotations and archives;
//! * `corpus`: every timestamped line of the public corpus comes out at its time;
//! * `timeline`: merge order, incarnations, time zones, skews, filters, formats;
//! * `compare`: before vs after, against each side's analysis and client log;
//! * `cli`: exit codes, help, determinism across thread counts;
//! * `hostile`: special files, bombs, NUL runs, links, collisions, escapes,
//!   closed stderr, and exit codes that never say "all clear" by mistake;
//! * `query`: SQL over an incident, against the analysis and the exports;
//! * `traces`: the spans of OTLP captures, and of a Jaeger export written from one;
//! * `windows`: client-failure windows and root causes against the client log;
//! * `schema`: `analyze --json` against `schema/analyze.schema.json`, and the
//!   `timeline --events` wire format;
//! * `report`: the HTML, Markdown and SVG reports (self-contained, escaped,
//!   deterministic, rendered by Chromium).

mod architecture;
mod cli;
mod compare;
mod corpus;
mod hostile;
mod ingest;
mod query;
mod report;
mod schema;
mod timeline;
mod traces;
mod util;
mod windows;

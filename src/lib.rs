//! milvus-postmortem: turns the logs collected after a Milvus outage into one
//! timeline and, stage by stage, into an answer.
//!
//! The folders follow the pipeline of DESIGN.md:
//! [`discover`] (bundle → sources) → [`ingest`] (parallel parse with the
//! `parsers` crate → [`record`]s) → [`timeline`] (UTC, incarnations, one
//! order) → [`recognise`] (records → events) and [`identity`] (server ids over
//! time) → [`windows`] (client-failure windows, outages, log holes) →
//! [`attribute`] (phases, root cause, evidence, recommendations) → [`report`].
//! [`component`] names roles, [`settings`] reads the timing settings of
//! `milvus.yaml`, [`pipeline`] runs the stages and [`cli`] turns the command
//! line into a [`pipeline::Config`].

#![deny(missing_docs)]

pub mod attribute;
pub mod cli;
pub mod compare;
pub mod component;
pub mod discover;
pub mod identity;
pub mod ingest;
pub mod pipeline;
pub mod query;
pub mod recognise;
pub mod record;
pub mod report;
pub mod settings;
pub mod timeline;
pub mod windows;
pub mod zone;

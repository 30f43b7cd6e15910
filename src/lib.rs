//! storybank: a self-hosted win/loss story bank.
//!
//! ```text
//! deals.csv + transcripts/ ──► corpus (parse) ──► ingest (roles, anonymize, chunk)
//!        ──► embed (local ONNX) ──► store (records, tantivy BM25, flat or Qdrant vectors)
//!        ──► search (keyword | semantic | hybrid, filters, similar deals) ──► api (axum) / cli
//! ```
//!
//! [`app::Storybank`] is the facade the HTTP and CLI layers call; modules below it never import
//! axum or clap.

#![warn(missing_docs)]

pub mod access;
pub mod admin;
pub mod alerts;
pub mod anonymize;
pub mod api;
pub mod app;
pub mod briefing;
pub mod cli;
pub mod config;
pub mod corpus;
pub mod dashboard;
pub mod embed;
pub mod error;
pub mod eval;
pub mod http_client;
pub mod ingest;
pub mod insights;
pub mod mcp;
pub mod model;
pub mod packs;
pub mod pool;
pub mod privacy;
pub mod program;
pub mod search;
pub mod stance;
pub mod store;
pub mod sync;
pub mod theme_model;
pub mod themes;
pub mod upload;
pub mod watch;

pub use app::{IngestReport, Storybank};
pub use config::Settings;
pub use error::{Code, Error, Result};

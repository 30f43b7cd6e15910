//! Integration tests: one binary, the real local model, real tantivy and vector indexes on temp
//! folders, the router driven in-process, and the CLI binary run as a user would.

mod common;

mod admin;
mod alerts;
mod anonymize;
mod api;
mod bank;
mod browser;
mod cli;
mod durability;
mod home;
mod ingest;
mod privacy;
mod program;
mod qdrant;
mod team;

//! Reading a corpus folder: the CRM export (`deals.csv`, storybank's header or a Salesforce or
//! HubSpot report's, with an optional `mapping.toml`), transcripts in `.txt`/`.md` (speaker
//! labels, Otter-style headers), `.vtt` (Zoom and Teams), `.srt`, `.docx` and `.json`, and the optional
//! `competitors.toml` of aliases.
//!
//! Parsing is pure and synchronous; every error names the file and the line.

pub mod aliases;
pub mod columns;
pub mod deals;
pub mod docx;
pub mod transcript;

pub use aliases::Aliases;
pub use deals::read_deals;
pub use transcript::{Segment, Transcript, Turn, parse_transcript};

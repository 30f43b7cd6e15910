//! On-disk storage: the source of record (a SQLite database, [`db`]), the manifest, and the
//! two derived indexes, which record the last change of the store they contain and catch up
//! on open.
//!
//! ```text
//! <index>/manifest.json       format version, embedding model id and dimension
//! <index>/store.sqlite        the source of record: deals, quotes, raw transcripts (admin
//!                             only), packs, stories, corrections, erasures, embedding cache
//! <index>/keyword/            tantivy BM25 index (derived; commit payload = change number)
//! <index>/vectors/log.bin     flat vector index (derived; append-only, checksummed frames)
//! <index>/vectors/qdrant.json with a Qdrant backend: the change the collection reflects,
//!                             each deal's quote ids and centroid
//! <index>/backups/            copies taken before a migration or a JSON import
//! ```

pub mod backup;
pub mod cache;
pub mod db;
pub mod keyword;
pub mod legacy;
pub mod lock;
pub mod qdrant;
pub mod scan;
pub mod vector;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::anonymize::Term;
use crate::error::{Error, Result};
use crate::model::{DealInfo, DealRow, QuoteRecord};

/// Version of the on-disk layout; bumped on incompatible changes. Version 1 (JSON files as
/// the record) is imported into the store on open.
pub const FORMAT_VERSION: u32 = 2;

/// One deal as stored for serving: no names, only anonymized text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealRecord {
    /// Deal id.
    pub deal_id: String,
    /// Non-identifying CRM metadata.
    pub info: DealInfo,
    /// Transcript file name, when one was ingested.
    pub transcript: Option<String>,
    /// Anonymized buyer quotes in transcript order.
    pub quotes: Vec<QuoteRecord>,
}

/// Admin-only data of a deal: never served by a reader endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PrivateRecord {
    /// Deal id.
    pub deal_id: String,
    /// Every CRM-known identifying string of the deal (names, account forms).
    pub pii_terms: Vec<String>,
    /// The unredacted transcript file content.
    pub raw_transcript: Option<String>,
    /// Redactions made while anonymizing, by kind (`BUYER`, `EMAIL`, ...).
    #[serde(default)]
    pub redactions: BTreeMap<String, usize>,
    /// People of the deal: (placeholder, name), for erasure by person.
    #[serde(default)]
    pub people: Vec<(String, String)>,
    /// Quote id -> placeholder of the person who said it.
    #[serde(default)]
    pub quote_speakers: BTreeMap<String, String>,
    /// The CRM terms with their placeholders: what the response guard checks (records written
    /// before they were kept fall back to `pii_terms`).
    #[serde(default)]
    pub crm_terms: Vec<Term>,
    /// The CRM row as ingested, names included, so that `reanonymize` can rebuild served text.
    #[serde(default)]
    pub row: Option<DealRow>,
}

impl PrivateRecord {
    /// The terms the response guard checks for this deal.
    pub fn guard_terms(&self) -> Vec<Term> {
        if !self.crm_terms.is_empty() {
            return self.crm_terms.clone();
        }
        self.pii_terms
            .iter()
            .map(|form| Term {
                form: form.clone(),
                placeholder: "[REDACTED]".into(),
                case_sensitive: crate::anonymize::crm::case_sensitive(form, false),
            })
            .collect()
    }
}

/// What an index was built with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// On-disk format version.
    pub format_version: u32,
    /// Embedding model id.
    pub model_id: String,
    /// Embedding dimension.
    pub dimension: usize,
    /// The vector backend (`flat`, or a `qdrant://` URL without credentials); absent = flat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vectors: Option<String>,
}

impl Manifest {
    /// Reads `<index>/manifest.json`, or `None` when the folder has no index yet.
    pub fn read(index_dir: &Path) -> Result<Option<Manifest>> {
        let path = index_dir.join("manifest.json");
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes).map_err(|err| {
                Error::IndexIncompatible {
                    path: index_dir.to_path_buf(),
                    reason: format!("unreadable manifest.json: {err}"),
                }
            })?)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(Error::io(format!("reading {}", path.display()), err)),
        }
    }

    /// Fails unless the manifest matches the running model.
    pub fn check(&self, index_dir: &Path, model_id: &str, dimension: usize) -> Result<()> {
        let incompatible =
            |reason: String| Error::IndexIncompatible { path: index_dir.to_path_buf(), reason };
        if self.format_version != FORMAT_VERSION && self.format_version != 1 {
            return Err(incompatible(format!(
                "format version {} (this storybank reads {FORMAT_VERSION}); re-ingest into a new folder",
                self.format_version
            )));
        }
        if self.model_id != model_id || self.dimension != dimension {
            return Err(incompatible(format!(
                "built with model {} ({}-d) but the configured model is {model_id} ({dimension}-d); \
                 use the same model (--model {}), or ingest into a new index folder to use this one",
                self.model_id,
                self.dimension,
                self.model_id.split('#').next().unwrap_or(&self.model_id)
            )));
        }
        Ok(())
    }

    /// The vector backend the index uses.
    pub fn backend(&self) -> Result<crate::store::vector::Backend> {
        crate::store::vector::Backend::parse(self.vectors.as_deref().unwrap_or("flat"))
    }

    /// Writes the manifest atomically.
    pub fn write(&self, index_dir: &Path) -> Result<()> {
        write_atomic(&index_dir.join("manifest.json"), &serde_json::to_vec_pretty(self)?)
    }
}

/// Writes a file through a temporary sibling, fsync and a rename (and fsyncs the folder), so
/// readers never see half a file and a crash leaves the old or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_durable(path, bytes)
}

/// See [`write_atomic`].
pub fn write_durable(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = path
        .with_extension(format!("{}.tmp", path.extension().and_then(|e| e.to_str()).unwrap_or("")));
    let context = || format!("writing {}", tmp.display());
    let mut file = std::fs::File::create(&tmp).map_err(|err| Error::io(context(), err))?;
    file.write_all(bytes).map_err(|err| Error::io(context(), err))?;
    file.sync_all().map_err(|err| Error::io(context(), err))?;
    drop(file);
    std::fs::rename(&tmp, path)
        .map_err(|err| Error::io(format!("renaming {}", tmp.display()), err))?;
    if let Some(parent) = path.parent()
        && let Ok(dir) = std::fs::File::open(parent)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Creates a folder and its parents.
pub fn create_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path)
        .map_err(|err| Error::io(format!("creating {}", path.display()), err))
}

/// A durable write point for the crash tests: `STORYBANK_CRASH_AT=N` aborts the process at the
/// N-th point reached, as `kill -9` would, and `STORYBANK_CRASH_TRACE=1` prints each point to
/// stderr. Compiled into every build, so that the test command's release build is the demo's
/// (one build, issue 15); unset, a point costs one atomic increment on a commit path.
#[inline]
pub fn crash_point(name: &str) {
    {
        use std::sync::OnceLock;
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        static AT: OnceLock<(Option<usize>, bool)> = OnceLock::new();
        let (at, trace) = *AT.get_or_init(|| {
            (
                std::env::var("STORYBANK_CRASH_AT").ok().and_then(|v| v.parse().ok()),
                std::env::var_os("STORYBANK_CRASH_TRACE").is_some(),
            )
        });
        let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
        if trace {
            eprintln!("storybank crash point {n}: {name}");
        }
        if at == Some(n) {
            eprintln!("storybank: crashing on purpose at point {n} ({name})");
            std::process::abort();
        }
    }
}

//! On-disk storage: the source of record (anonymized deals and quotes, one JSON file per deal),
//! the admin-only private area, the manifest, and the two derived indexes.
//!
//! ```text
//! <index>/manifest.json       format version, embedding model id and dimension
//! <index>/aliases.json        competitor aliases seen so far
//! <index>/deals/<id>.json     anonymized deal metadata and quotes (what is served)
//! <index>/private/<id>.json   raw transcript and CRM PII terms (admin only, never served)
//! <index>/keyword/            tantivy BM25 index (derived, rebuildable)
//! <index>/vectors/            flat vector index (derived, rebuildable)
//! <index>/embed-cache.bin     text-hash -> vector cache so rebuilds do not re-embed
//! ```

pub mod cache;
pub mod keyword;
pub mod vector;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::anonymize::Term;
use crate::error::{Error, Result};
use crate::model::{DealInfo, DealRow, QuoteRecord};

/// Version of the on-disk layout; bumped on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

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
        if self.format_version != FORMAT_VERSION {
            return Err(incompatible(format!(
                "format version {} (this storybank reads {FORMAT_VERSION}); re-ingest into a new folder",
                self.format_version
            )));
        }
        if self.model_id != model_id || self.dimension != dimension {
            return Err(incompatible(format!(
                "built with model {} ({}-d) but the configured model is {model_id} ({dimension}-d); \
                 use the same model or run `storybank reindex` to re-embed",
                self.model_id, self.dimension
            )));
        }
        Ok(())
    }

    /// Writes the manifest atomically.
    pub fn write(&self, index_dir: &Path) -> Result<()> {
        write_atomic(&index_dir.join("manifest.json"), &serde_json::to_vec_pretty(self)?)
    }
}

/// Writes a file through a temporary sibling and a rename, so readers never see half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path
        .with_extension(format!("{}.tmp", path.extension().and_then(|e| e.to_str()).unwrap_or("")));
    std::fs::write(&tmp, bytes)
        .map_err(|err| Error::io(format!("writing {}", tmp.display()), err))?;
    std::fs::rename(&tmp, path).map_err(|err| Error::io(format!("renaming {}", tmp.display()), err))
}

/// Creates a folder and its parents.
pub fn create_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path)
        .map_err(|err| Error::io(format!("creating {}", path.display()), err))
}

/// File name for a deal id: safe characters kept, others hex-escaped (ids are validated on
/// ingest, this is defence in depth).
fn file_stem(deal_id: &str) -> String {
    deal_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c.to_string()
            } else {
                format!("%{:02X}", c as u32)
            }
        })
        .collect()
}

/// The source of record: deal files under `deals/` and `private/`.
#[derive(Debug)]
pub struct RecordStore {
    root: PathBuf,
}

impl RecordStore {
    /// Opens (creating) the record folders under an index folder.
    pub fn open(index_dir: &Path) -> Result<RecordStore> {
        create_dir(&index_dir.join("deals"))?;
        create_dir(&index_dir.join("private"))?;
        Ok(RecordStore { root: index_dir.to_path_buf() })
    }

    fn deal_path(&self, deal_id: &str) -> PathBuf {
        self.root.join("deals").join(format!("{}.json", file_stem(deal_id)))
    }

    fn private_path(&self, deal_id: &str) -> PathBuf {
        self.root.join("private").join(format!("{}.json", file_stem(deal_id)))
    }

    /// Stores (replacing) a deal and its private record.
    pub fn put(&self, record: &DealRecord, private: &PrivateRecord) -> Result<()> {
        write_atomic(&self.private_path(&record.deal_id), &serde_json::to_vec(private)?)?;
        write_atomic(&self.deal_path(&record.deal_id), &serde_json::to_vec(record)?)
    }

    /// Stores (replacing) a deal's public record only, leaving its private record as it is.
    pub fn put_public(&self, record: &DealRecord) -> Result<()> {
        write_atomic(&self.deal_path(&record.deal_id), &serde_json::to_vec(record)?)
    }

    /// Loads every deal record, sorted by id.
    pub fn load_all(&self) -> Result<BTreeMap<String, DealRecord>> {
        let dir = self.root.join("deals");
        let entries = std::fs::read_dir(&dir)
            .map_err(|err| Error::io(format!("listing {}", dir.display()), err))?;
        let mut deals = BTreeMap::new();
        for entry in entries {
            let path =
                entry.map_err(|err| Error::io(format!("listing {}", dir.display()), err))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let bytes = std::fs::read(&path)
                .map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
            let record: DealRecord = serde_json::from_slice(&bytes).map_err(|err| {
                Error::Internal(format!("corrupt deal record {}: {err}", path.display()))
            })?;
            deals.insert(record.deal_id.clone(), record);
        }
        Ok(deals)
    }

    /// Deletes a deal's record and private record (missing files are fine).
    pub fn delete(&self, deal_id: &str) -> Result<()> {
        for path in [self.deal_path(deal_id), self.private_path(deal_id)] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(Error::io(format!("removing {}", path.display()), err)),
            }
        }
        Ok(())
    }

    /// Loads the private record of a deal.
    pub fn load_private(&self, deal_id: &str) -> Result<Option<PrivateRecord>> {
        let path = self.private_path(deal_id);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(Error::io(format!("reading {}", path.display()), err)),
        }
    }

    /// Loads every private record's PII terms, by deal id.
    pub fn load_pii_terms(&self) -> Result<BTreeMap<String, Vec<String>>> {
        let dir = self.root.join("private");
        let entries = std::fs::read_dir(&dir)
            .map_err(|err| Error::io(format!("listing {}", dir.display()), err))?;
        let mut terms = BTreeMap::new();
        for entry in entries {
            let path =
                entry.map_err(|err| Error::io(format!("listing {}", dir.display()), err))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let bytes = std::fs::read(&path)
                .map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
            let private: PrivateRecord = serde_json::from_slice(&bytes)?;
            terms.insert(private.deal_id, private.pii_terms);
        }
        Ok(terms)
    }

    /// Loads every private record's guard terms, by deal id.
    pub fn load_guard_terms(&self) -> Result<BTreeMap<String, Vec<Term>>> {
        let dir = self.root.join("private");
        let entries = std::fs::read_dir(&dir)
            .map_err(|err| Error::io(format!("listing {}", dir.display()), err))?;
        let mut terms = BTreeMap::new();
        for entry in entries {
            let path =
                entry.map_err(|err| Error::io(format!("listing {}", dir.display()), err))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let bytes = std::fs::read(&path)
                .map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
            let private: PrivateRecord = serde_json::from_slice(&bytes)?;
            terms.insert(private.deal_id.clone(), private.guard_terms());
        }
        Ok(terms)
    }
}

//! One-time import of a version-1 index (JSON files as the record) into the store.
//!
//! Version 1 kept `deals/<id>.json`, `private/<id>.json`, `packs.json`,
//! `theme-corrections.json`, `forgotten.json`, `aliases.json` and `embed-cache.bin`. On the first
//! open by this version they are read into the store in one transaction, then moved to
//! `backups/json-<time>/` (nothing is deleted); the indexes are rebuilt from the store.

use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::store::db::{Db, EmbeddingTable, doc, tombstone};
use crate::store::{DealRecord, PrivateRecord, create_dir};

/// The files of a version-1 index.
const FILES: [&str; 5] =
    ["packs.json", "theme-corrections.json", "forgotten.json", "aliases.json", "embed-cache.bin"];

#[derive(Debug, Default, Deserialize)]
struct Forgotten {
    #[serde(default)]
    deals: Vec<String>,
    #[serde(default)]
    people: Vec<String>,
}

/// True when the folder holds version-1 files.
pub fn present(index_dir: &Path) -> bool {
    index_dir.join("deals").is_dir() || FILES.iter().any(|file| index_dir.join(file).is_file())
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|err| {
            Error::Internal(format!(
                "{} is unreadable: {err}; nothing was imported",
                path.display()
            ))
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(Error::io(format!("reading {}", path.display()), err)),
    }
}

fn json_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(vec![]) };
    let mut paths: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().and_then(|e| e.to_str()) == Some("json"))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Imports a version-1 index into `db` (one transaction), then moves the old files aside.
/// Returns the number of deals imported.
pub fn import(index_dir: &Path, db: &Db, dimension: usize) -> Result<usize> {
    let mut deals: Vec<(DealRecord, Option<PrivateRecord>)> = vec![];
    for path in json_files(&index_dir.join("deals"))? {
        let Some(record) = read_json::<DealRecord>(&path)? else { continue };
        let private_path = index_dir.join("private").join(path.file_name().expect("file name"));
        let private: Option<PrivateRecord> = read_json(&private_path)?;
        deals.push((record, private));
    }
    let packs: Option<serde_json::Value> = read_json(&index_dir.join("packs.json"))?;
    let corrections: Option<serde_json::Value> =
        read_json(&index_dir.join("theme-corrections.json"))?;
    let aliases: Option<serde_json::Value> = read_json(&index_dir.join("aliases.json"))?;
    let forgotten: Forgotten = read_json(&index_dir.join("forgotten.json"))?.unwrap_or_default();
    let imported = deals.len();
    db.write(|tx| {
        for (record, private) in &deals {
            if forgotten.deals.contains(&record.deal_id) {
                continue;
            }
            tx.put_deal(record, Some(&private.clone().unwrap_or_default()))?;
        }
        for deal in &forgotten.deals {
            tx.add_tombstone(tombstone::DEAL, deal)?;
        }
        for person in &forgotten.people {
            let erased = crate::anonymize::erased::ErasedPerson::from_name(person);
            tx.add_tombstone(tombstone::PERSON_HASHED, &erased.tombstone())?;
        }
        if let Some(packs) = &packs {
            tx.put_document(doc::PACKS, packs)?;
        }
        if let Some(corrections) = &corrections {
            tx.put_document(doc::CORRECTIONS, corrections)?;
        }
        if let Some(aliases) = &aliases {
            tx.put_document(doc::ALIASES, aliases)?;
        }
        Ok(())
    })?;
    let cache = index_dir.join("embed-cache.bin");
    if cache.is_file() {
        // Converted in place to a table, then copied into the store's own table.
        let old = EmbeddingTable::open(&cache, dimension, true)?;
        let rows = old.all()?;
        drop(old);
        EmbeddingTable::open(db.path(), dimension, false)?.insert(&rows)?;
    }
    let aside = index_dir.join("backups").join(format!("json-{}", crate::store::db::stamp()));
    create_dir(&aside)?;
    for name in ["deals", "private", "generation"].iter().chain(FILES.iter()) {
        let from = index_dir.join(name);
        if from.exists() {
            std::fs::rename(&from, aside.join(name))
                .map_err(|err| Error::io(format!("moving {}", from.display()), err))?;
        }
    }
    tracing::info!(deals = imported, backup = %aside.display(), "imported the JSON index into the store");
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DealInfo;

    #[test]
    fn a_json_index_is_imported_once_and_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path();
        for sub in ["deals", "private"] {
            std::fs::create_dir_all(index.join(sub)).unwrap();
        }
        for id in ["D-1", "D-2"] {
            let record = DealRecord {
                deal_id: id.into(),
                info: DealInfo::default(),
                transcript: None,
                quotes: vec![],
            };
            std::fs::write(
                index.join(format!("deals/{id}.json")),
                serde_json::to_vec(&record).unwrap(),
            )
            .unwrap();
            let private = PrivateRecord { deal_id: id.into(), ..Default::default() };
            std::fs::write(
                index.join(format!("private/{id}.json")),
                serde_json::to_vec(&private).unwrap(),
            )
            .unwrap();
        }
        std::fs::write(
            index.join("forgotten.json"),
            r#"{"deals": ["D-2"], "people": ["Ann Bee"]}"#,
        )
        .unwrap();
        std::fs::write(
            index.join("packs.json"),
            r#"{"next_story": 0, "next_pack": 1, "stories": {}, "packs": {}}"#,
        )
        .unwrap();
        assert!(present(index));
        let db = Db::open(index).unwrap();
        assert_eq!(import(index, &db, 4).unwrap(), 2);
        let deals = db.deals().unwrap();
        assert_eq!(deals.keys().collect::<Vec<_>>(), ["D-1"], "an erased deal is not imported");
        let tombstones = db.tombstones().unwrap();
        let ann = crate::anonymize::erased::ErasedPerson::from_name("Ann Bee").tombstone();
        assert!(tombstones.deals.contains("D-2") && tombstones.people.contains(&ann));
        assert!(!tombstones.people.iter().any(|value| value.contains("Ann")), "no plain name");
        let packs: serde_json::Value = db.document(doc::PACKS).unwrap();
        assert_eq!(packs["next_pack"], 1);
        assert!(!present(index), "the old files moved to backups/");
        assert!(std::fs::read_dir(index.join("backups")).unwrap().count() == 1);
    }
}

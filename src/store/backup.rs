//! Consistent backups of a live index and restoring them.
//!
//! A backup is a folder holding `store.sqlite` (a `VACUUM INTO` copy: one consistent
//! snapshot, taken while the server keeps reading and writing), `manifest.json` and the
//! optional `themes.toml`, `routing.toml` and `alerts.toml`. The derived indexes are not copied: a restored index rebuilds them
//! from the store on first open, from the embedding cache inside it (nothing is re-embedded).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::db::{DB_FILE, Db, stamp};
use crate::store::lock::WriteLock;
use crate::store::{create_dir, write_durable};

/// Files copied beside the store.
const SIDE_FILES: [&str; 4] = ["manifest.json", "themes.toml", "routing.toml", "alerts.toml"];

/// What a backup wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    /// The backup folder.
    pub dir: PathBuf,
    /// Size of the store copy, bytes.
    pub bytes: u64,
    /// The store's change number in the copy.
    pub change: i64,
}

/// Writes a backup of the index at `index_dir` into `target` (which must not exist, or be
/// empty), then checks the copy's integrity.
pub fn backup(index_dir: &Path, db: &Db, target: &Path) -> Result<BackupReport> {
    if target.exists()
        && std::fs::read_dir(target)
            .map_err(|err| Error::io(format!("reading {}", target.display()), err))?
            .next()
            .is_some()
    {
        return Err(Error::InvalidRequest(format!(
            "{} is not empty: give a new folder for the backup",
            target.display()
        )));
    }
    create_dir(target)?;
    let copy = target.join(DB_FILE);
    db.backup_to(&copy)?;
    for name in SIDE_FILES {
        let from = index_dir.join(name);
        if from.is_file() {
            let bytes = std::fs::read(&from)
                .map_err(|err| Error::io(format!("reading {}", from.display()), err))?;
            write_durable(&target.join(name), &bytes)?;
        }
    }
    let check = Db::open_read_only(&copy)?;
    check.integrity_check()?;
    let change = check.change()?;
    let bytes = std::fs::metadata(&copy).map(|m| m.len()).unwrap_or(0);
    Ok(BackupReport { dir: target.to_path_buf(), bytes, change })
}

/// The erasures a restore carries over, until the next open has applied them.
pub const PENDING_ERASURES: &str = "erasures-pending.json";

/// The erasures a restore wrote down and no open has applied yet.
pub fn read_pending_erasures(index_dir: &Path) -> Result<Option<crate::store::db::Tombstones>> {
    let path = index_dir.join(PENDING_ERASURES);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|err| Error::Internal(format!("{} is damaged: {err}", path.display()))),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(Error::io(format!("reading {}", path.display()), err)),
    }
}

/// Restores a backup folder into `index_dir`. An index that already has a store is replaced
/// only with `force` (its store is first copied to `<index>/backups/`). Stop a server on the
/// folder first: it keeps the old store open.
pub fn restore(backup_dir: &Path, index_dir: &Path, force: bool) -> Result<i64> {
    let source = backup_dir.join(DB_FILE);
    if !source.is_file() || !backup_dir.join("manifest.json").is_file() {
        return Err(Error::InvalidRequest(format!(
            "{} is not a storybank backup (it needs {DB_FILE} and manifest.json)",
            backup_dir.display()
        )));
    }
    let change = {
        let check = Db::open_read_only(&source)?;
        check.integrity_check()?;
        check.change()?
    };
    create_dir(index_dir)?;
    let _lock = WriteLock::acquire(index_dir)?;
    let current = index_dir.join(DB_FILE);
    if current.exists() {
        if !force {
            return Err(Error::InvalidRequest(format!(
                "{} already holds an index; add --force to replace it (its store is kept in backups/)",
                index_dir.display()
            )));
        }
        let backups = index_dir.join("backups");
        create_dir(&backups)?;
        let replaced = Db::open(index_dir)?;
        // Erasures made since the backup was taken must survive it, even when this restore
        // stops half-way: they are written down before the store is swapped, and the next
        // open of the index applies them (and removes the file) before anything is served.
        let mut erased = read_pending_erasures(index_dir)?.unwrap_or_default();
        let now = replaced.tombstones()?;
        erased.deals.extend(now.deals);
        erased.people.extend(now.people);
        let json = serde_json::to_vec(&erased)
            .map_err(|err| Error::Internal(format!("pending erasures: {err}")))?;
        write_durable(&index_dir.join(PENDING_ERASURES), &json)?;
        let mut aside = backups.join(format!("store-replaced-{}.sqlite", stamp()));
        let mut n = 1;
        while aside.exists() {
            n += 1;
            aside = backups.join(format!("store-replaced-{}-{n}.sqlite", stamp()));
        }
        replaced.backup_to(&aside)?;
        drop(replaced);
    }
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", current.display()));
        if path.exists() {
            std::fs::remove_file(&path)
                .map_err(|err| Error::io(format!("removing {}", path.display()), err))?;
        }
    }
    let bytes = std::fs::read(&source)
        .map_err(|err| Error::io(format!("reading {}", source.display()), err))?;
    write_durable(&current, &bytes)?;
    for name in SIDE_FILES {
        let from = backup_dir.join(name);
        if from.is_file() {
            let bytes = std::fs::read(&from)
                .map_err(|err| Error::io(format!("reading {}", from.display()), err))?;
            write_durable(&index_dir.join(name), &bytes)?;
        }
    }
    for derived in ["keyword", "vectors"] {
        let path = index_dir.join(derived);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .map_err(|err| Error::io(format!("removing {}", path.display()), err))?;
        }
    }
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_carries_the_side_files_and_restores_them() {
        let index = tempfile::tempdir().unwrap();
        let db = Db::open(index.path()).unwrap();
        for name in SIDE_FILES {
            std::fs::write(index.path().join(name), format!("# {name}\n")).unwrap();
        }
        let target = tempfile::tempdir().unwrap();
        let copy = target.path().join("copy");
        backup(index.path(), &db, &copy).unwrap();
        for name in SIDE_FILES {
            assert!(copy.join(name).is_file(), "{name}");
        }
        let restored = tempfile::tempdir().unwrap();
        restore(&copy, restored.path(), false).unwrap();
        for name in SIDE_FILES {
            let text = std::fs::read_to_string(restored.path().join(name)).unwrap();
            assert_eq!(text, format!("# {name}\n"));
        }
        // A second restore onto an index needs --force.
        assert!(restore(&copy, restored.path(), false).is_err());
    }
}

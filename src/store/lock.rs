//! The index folder's writer lock: one process at a time changes the store's deals and the
//! derived indexes (an ingest, a reindex, an erasure, a theme correction); readers never wait.
//! The operating system releases it when the holder dies, so a crash never leaves it stuck.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};

const LOCK_FILE: &str = "write.lock";

/// A held writer lock; released on drop.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}

fn open(index_dir: &Path) -> Result<File> {
    let path = index_dir.join(LOCK_FILE);
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|err| Error::io(format!("opening {}", path.display()), err))
}

impl WriteLock {
    /// Takes the lock, waiting for another process's write to finish.
    pub fn acquire(index_dir: &Path) -> Result<WriteLock> {
        let file = open(index_dir)?;
        match file.try_lock() {
            Ok(()) => return Ok(WriteLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                tracing::info!(
                    "another storybank process is writing to this index; waiting for it"
                );
            }
            Err(std::fs::TryLockError::Error(err)) => {
                return Err(Error::io(format!("locking {}", index_dir.display()), err));
            }
        }
        file.lock().map_err(|err| Error::io(format!("locking {}", index_dir.display()), err))?;
        Ok(WriteLock { _file: file })
    }

    /// Takes the lock if no other process holds it.
    pub fn try_acquire(index_dir: &Path) -> Result<Option<WriteLock>> {
        let file = open(index_dir)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(WriteLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(err)) => {
                Err(Error::io(format!("locking {}", index_dir.display()), err))
            }
        }
    }
}

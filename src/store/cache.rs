//! Content-addressed embedding cache: `sha256(model id, text)` -> vector, in an append-only
//! file. Re-ingesting unchanged text and rebuilding the indexes never re-run the model.

use std::collections::HashMap;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"SBEMBC01";

/// Key of a cached vector.
pub type TextKey = [u8; 32];

/// Returns the cache key of a text under a model.
pub fn text_key(model_id: &str, text: &str) -> TextKey {
    let mut hasher = Sha256::new();
    hasher.update(model_id.as_bytes());
    hasher.update([0u8]);
    hasher.update(text.as_bytes());
    hasher.finalize().into()
}

/// An embedding cache loaded in memory, appending new vectors to its file.
#[derive(Debug)]
pub struct EmbeddingCache {
    path: PathBuf,
    dimension: usize,
    vectors: HashMap<TextKey, Vec<f32>>,
    pending: Vec<TextKey>,
}

impl EmbeddingCache {
    /// Opens the cache file for a dimension; a file of another dimension or a damaged tail is
    /// ignored from that point (the cache is an optimisation, never the source of truth).
    pub fn open(path: &Path, dimension: usize) -> Result<EmbeddingCache> {
        let mut cache = EmbeddingCache {
            path: path.to_path_buf(),
            dimension,
            vectors: HashMap::new(),
            pending: vec![],
        };
        let mut bytes = vec![];
        match std::fs::File::open(path) {
            Ok(mut file) => {
                file.read_to_end(&mut bytes)
                    .map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(cache),
            Err(err) => return Err(Error::io(format!("opening {}", path.display()), err)),
        }
        let header = 8 + 4;
        if bytes.len() < header
            || &bytes[..8] != MAGIC
            || u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize != dimension
        {
            tracing::warn!(path = %path.display(), "embedding cache has another format or dimension; starting a new one");
            std::fs::remove_file(path)
                .map_err(|err| Error::io(format!("removing {}", path.display()), err))?;
            return Ok(cache);
        }
        let record = 32 + 4 * dimension;
        for chunk in bytes[header..].chunks_exact(record) {
            let key: TextKey = chunk[..32].try_into().unwrap();
            let vector = chunk[32..]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect();
            cache.vectors.insert(key, vector);
        }
        Ok(cache)
    }

    /// Returns a cached vector.
    pub fn get(&self, key: &TextKey) -> Option<&[f32]> {
        self.vectors.get(key).map(Vec::as_slice)
    }

    /// Adds a vector (written on [`EmbeddingCache::flush`]).
    pub fn insert(&mut self, key: TextKey, vector: Vec<f32>) {
        debug_assert_eq!(vector.len(), self.dimension);
        if self.vectors.insert(key, vector).is_none() {
            self.pending.push(key);
        }
    }

    /// Number of cached vectors.
    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// Appends pending vectors to the file.
    pub fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let context = || format!("writing {}", self.path.display());
        let exists = self.path.exists();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|err| Error::io(context(), err))?;
        let mut writer = BufWriter::new(file);
        if !exists {
            writer.write_all(MAGIC).map_err(|err| Error::io(context(), err))?;
            writer
                .write_all(&(self.dimension as u32).to_le_bytes())
                .map_err(|err| Error::io(context(), err))?;
        }
        for key in &self.pending {
            writer.write_all(key).map_err(|err| Error::io(context(), err))?;
            for value in &self.vectors[key] {
                writer.write_all(&value.to_le_bytes()).map_err(|err| Error::io(context(), err))?;
            }
        }
        writer.flush().map_err(|err| Error::io(context(), err))?;
        self.pending.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_ignores_other_dimensions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.bin");
        let mut cache = EmbeddingCache::open(&path, 3).unwrap();
        cache.insert(text_key("m", "a"), vec![1.0, 2.0, 3.0]);
        cache.flush().unwrap();
        cache.insert(text_key("m", "b"), vec![4.0, 5.0, 6.0]);
        cache.flush().unwrap();
        let reopened = EmbeddingCache::open(&path, 3).unwrap();
        assert_eq!(reopened.len(), 2);
        assert_eq!(reopened.get(&text_key("m", "b")), Some(&[4.0, 5.0, 6.0][..]));
        assert!(reopened.get(&text_key("other", "b")).is_none());
        assert!(EmbeddingCache::open(&path, 4).unwrap().is_empty());
    }
}

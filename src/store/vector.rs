//! The vector index, behind one small interface ([`VectorStore`]).
//!
//! The embedded default is an exact flat index ([`FlatIndex`]): contiguous `f32` rows, cosine
//! similarity as a dot product of unit vectors, filtering by precomputed per-deal row lists.
//! It has 100% recall, needs no optimize step, and scans ~100k 384-d rows in ~20 ms on one core
//! (`../shared/notes/vector-store.md`). A Qdrant backend is planned as a second variant.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::{create_dir, write_atomic};

/// One nearest-neighbour hit.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorHit {
    /// Quote id of the row.
    pub quote_id: String,
    /// Cosine similarity.
    pub score: f32,
}

/// The vector store: one variant per backend.
#[derive(Debug)]
pub enum VectorStore {
    /// Embedded exact flat index on local disk.
    Flat(FlatIndex),
}

impl VectorStore {
    /// Opens (or creates) the embedded flat index under `<index>/vectors`.
    pub fn open_flat(index_dir: &Path, dimension: usize) -> Result<VectorStore> {
        Ok(VectorStore::Flat(FlatIndex::open(&index_dir.join("vectors"), dimension)?))
    }

    /// Replaces all rows of a deal.
    pub fn replace_deal(&mut self, deal_id: &str, rows: Vec<(String, Vec<f32>)>) -> Result<()> {
        match self {
            VectorStore::Flat(index) => index.replace_deal(deal_id, rows),
        }
    }

    /// Removes all rows of a deal.
    pub fn remove_deal(&mut self, deal_id: &str) {
        match self {
            VectorStore::Flat(index) => index.remove_deal(deal_id),
        }
    }

    /// Persists pending changes.
    pub fn commit(&mut self) -> Result<()> {
        match self {
            VectorStore::Flat(index) => index.save(),
        }
    }

    /// Returns the `limit` nearest rows, restricted to `allowed_deals` when given.
    pub fn search(
        &self,
        query: &[f32],
        limit: usize,
        allowed_deals: Option<&HashSet<String>>,
    ) -> Vec<VectorHit> {
        match self {
            VectorStore::Flat(index) => index.search(query, limit, allowed_deals),
        }
    }

    /// Returns the vectors of a deal's rows, keyed by quote id.
    pub fn deal_vectors(&self, deal_id: &str) -> Vec<(&str, &[f32])> {
        match self {
            VectorStore::Flat(index) => index.deal_vectors(deal_id),
        }
    }

    /// Number of live rows.
    pub fn len(&self) -> usize {
        match self {
            VectorStore::Flat(index) => index.live_rows,
        }
    }

    /// True when the store holds no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RowMeta {
    quote_id: String,
    deal_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct RowsFile {
    dimension: usize,
    rows: Vec<RowMeta>,
}

/// Exact flat vector index.
#[derive(Debug)]
pub struct FlatIndex {
    dir: std::path::PathBuf,
    dimension: usize,
    vectors: Vec<f32>,
    rows: Vec<RowMeta>,
    live: Vec<bool>,
    live_rows: usize,
    rows_by_deal: HashMap<String, Vec<u32>>,
}

/// Dot product with eight independent accumulators so the compiler vectorises it.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut sums = [0.0f32; 8];
    let chunks_a = a.chunks_exact(8);
    let chunks_b = b.chunks_exact(8);
    let tail: f32 = chunks_a.remainder().iter().zip(chunks_b.remainder()).map(|(x, y)| x * y).sum();
    for (ca, cb) in chunks_a.zip(chunks_b) {
        for lane in 0..8 {
            sums[lane] += ca[lane] * cb[lane];
        }
    }
    sums.iter().sum::<f32>() + tail
}

impl FlatIndex {
    /// Opens the index in `dir`, or starts an empty one.
    pub fn open(dir: &Path, dimension: usize) -> Result<FlatIndex> {
        create_dir(dir)?;
        let mut index = FlatIndex {
            dir: dir.to_path_buf(),
            dimension,
            vectors: vec![],
            rows: vec![],
            live: vec![],
            live_rows: 0,
            rows_by_deal: HashMap::new(),
        };
        let rows_path = dir.join("rows.json");
        let vectors_path = dir.join("vectors.f32");
        let rows_bytes = match std::fs::read(&rows_path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(index),
            Err(err) => return Err(Error::io(format!("reading {}", rows_path.display()), err)),
        };
        let rows_file: RowsFile = serde_json::from_slice(&rows_bytes)?;
        if rows_file.dimension != dimension {
            return Err(Error::IndexIncompatible {
                path: dir.to_path_buf(),
                reason: format!(
                    "vector index has dimension {} but the model has {dimension}",
                    rows_file.dimension
                ),
            });
        }
        let raw = std::fs::read(&vectors_path)
            .map_err(|err| Error::io(format!("reading {}", vectors_path.display()), err))?;
        if raw.len() != rows_file.rows.len() * dimension * 4 {
            return Err(Error::Internal(format!(
                "vector file {} does not match rows.json; run `storybank reindex`",
                vectors_path.display()
            )));
        }
        index.vectors =
            raw.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
        for (row, meta) in rows_file.rows.iter().enumerate() {
            index.rows_by_deal.entry(meta.deal_id.clone()).or_default().push(row as u32);
        }
        index.live = vec![true; rows_file.rows.len()];
        index.live_rows = rows_file.rows.len();
        index.rows = rows_file.rows;
        Ok(index)
    }

    fn remove_deal(&mut self, deal_id: &str) {
        if let Some(rows) = self.rows_by_deal.remove(deal_id) {
            for row in rows {
                if std::mem::replace(&mut self.live[row as usize], false) {
                    self.live_rows -= 1;
                }
            }
        }
    }

    fn replace_deal(&mut self, deal_id: &str, rows: Vec<(String, Vec<f32>)>) -> Result<()> {
        self.remove_deal(deal_id);
        let mut row_ids = Vec::with_capacity(rows.len());
        for (quote_id, vector) in rows {
            if vector.len() != self.dimension {
                return Err(Error::Internal(format!(
                    "vector of {quote_id} has dimension {} instead of {}",
                    vector.len(),
                    self.dimension
                )));
            }
            row_ids.push(self.rows.len() as u32);
            self.vectors.extend_from_slice(&vector);
            self.rows.push(RowMeta { quote_id, deal_id: deal_id.to_string() });
            self.live.push(true);
            self.live_rows += 1;
        }
        if !row_ids.is_empty() {
            self.rows_by_deal.insert(deal_id.to_string(), row_ids);
        }
        Ok(())
    }

    /// Compacts away removed rows and writes the index atomically.
    fn save(&mut self) -> Result<()> {
        if self.live_rows != self.rows.len() {
            let mut vectors = Vec::with_capacity(self.live_rows * self.dimension);
            let mut rows = Vec::with_capacity(self.live_rows);
            for (row, meta) in self.rows.iter().enumerate() {
                if self.live[row] {
                    vectors.extend_from_slice(
                        &self.vectors[row * self.dimension..(row + 1) * self.dimension],
                    );
                    rows.push(meta.clone());
                }
            }
            self.vectors = vectors;
            self.rows = rows;
            self.live = vec![true; self.rows.len()];
            self.rows_by_deal.clear();
            for (row, meta) in self.rows.iter().enumerate() {
                self.rows_by_deal.entry(meta.deal_id.clone()).or_default().push(row as u32);
            }
        }
        let mut raw = Vec::with_capacity(self.vectors.len() * 4);
        for value in &self.vectors {
            raw.extend_from_slice(&value.to_le_bytes());
        }
        // Vectors first, rows last: rows.json is the commit point checked against the vector size.
        write_atomic(&self.dir.join("vectors.f32"), &raw)?;
        let rows_file = RowsFile { dimension: self.dimension, rows: self.rows.clone() };
        write_atomic(&self.dir.join("rows.json"), &serde_json::to_vec(&rows_file)?)
    }

    fn row_vector(&self, row: usize) -> &[f32] {
        &self.vectors[row * self.dimension..(row + 1) * self.dimension]
    }

    fn search(
        &self,
        query: &[f32],
        limit: usize,
        allowed_deals: Option<&HashSet<String>>,
    ) -> Vec<VectorHit> {
        if limit == 0 || query.len() != self.dimension {
            return vec![];
        }
        let mut scored: Vec<(f32, u32)> = match allowed_deals {
            Some(deals) => deals
                .iter()
                .filter_map(|deal| self.rows_by_deal.get(deal))
                .flatten()
                .map(|&row| (dot(query, self.row_vector(row as usize)), row))
                .collect(),
            None => (0..self.rows.len())
                .filter(|&row| self.live[row])
                .map(|row| (dot(query, self.row_vector(row)), row as u32))
                .collect(),
        };
        let by_score = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if scored.len() > limit {
            scored.select_nth_unstable_by(limit - 1, by_score);
            scored.truncate(limit);
        }
        scored.sort_by(by_score);
        scored
            .into_iter()
            .map(|(score, row)| VectorHit {
                quote_id: self.rows[row as usize].quote_id.clone(),
                score,
            })
            .collect()
    }

    fn deal_vectors(&self, deal_id: &str) -> Vec<(&str, &[f32])> {
        self.rows_by_deal
            .get(deal_id)
            .map(|rows| {
                rows.iter()
                    .map(|&row| {
                        (self.rows[row as usize].quote_id.as_str(), self.row_vector(row as usize))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(values: &[f32]) -> Vec<f32> {
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        values.iter().map(|v| v / norm).collect()
    }

    #[test]
    fn search_filters_replaces_and_persists() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = VectorStore::open_flat(dir.path(), 3).unwrap();
        store
            .replace_deal(
                "D-1",
                vec![
                    ("D-1-q1".into(), unit(&[1.0, 0.0, 0.0])),
                    ("D-1-q2".into(), unit(&[0.0, 1.0, 0.0])),
                ],
            )
            .unwrap();
        store.replace_deal("D-2", vec![("D-2-q1".into(), unit(&[0.9, 0.1, 0.0]))]).unwrap();
        let hits = store.search(&unit(&[1.0, 0.0, 0.0]), 2, None);
        assert_eq!(
            hits.iter().map(|h| h.quote_id.as_str()).collect::<Vec<_>>(),
            vec!["D-1-q1", "D-2-q1"]
        );
        let only_two: HashSet<String> = ["D-2".to_string()].into();
        assert_eq!(store.search(&unit(&[1.0, 0.0, 0.0]), 5, Some(&only_two)).len(), 1);
        // Re-ingesting a deal replaces its rows.
        store.replace_deal("D-1", vec![("D-1-q1".into(), unit(&[0.0, 0.0, 1.0]))]).unwrap();
        assert_eq!(store.len(), 2);
        store.commit().unwrap();
        let reopened = VectorStore::open_flat(dir.path(), 3).unwrap();
        assert_eq!(reopened.len(), 2);
        let hits = reopened.search(&unit(&[0.0, 0.0, 1.0]), 1, None);
        assert_eq!(hits[0].quote_id, "D-1-q1");
        assert!((hits[0].score - 1.0).abs() < 1e-6);
        assert!(matches!(
            VectorStore::open_flat(dir.path(), 4),
            Err(Error::IndexIncompatible { .. })
        ));
    }

    #[test]
    fn dot_matches_naive() {
        let a: Vec<f32> = (0..387).map(|i| (i as f32).sin()).collect();
        let b: Vec<f32> = (0..387).map(|i| (i as f32).cos()).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-3);
    }
}

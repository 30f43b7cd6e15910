//! The vector index, behind one small interface ([`VectorStore`]).
//!
//! The embedded default is an exact flat index ([`FlatIndex`]): contiguous `f32` rows, cosine
//! similarity as a dot product of unit vectors, filtering by precomputed per-deal row lists.
//! It has 100% recall, needs no optimize step, and scans ~100k 384-d rows in ~20 ms on one core
//! (`../shared/notes/vector-store.md`). The scale-out variant is a Qdrant server or cluster
//! ([`crate::store::qdrant`]).
//!
//! On disk the flat index is an append-only log, `<index>/vectors/log.bin`: a header (magic,
//! dimension), then frames `[len u32][body][crc32 u32]`, each body one operation (replace a
//! deal's rows, remove a deal, or mark a change number) stamped with the store's change number.
//! A commit appends and fsyncs; nothing is rewritten. On open, a torn or damaged tail frame is
//! cut off (the store's catch-up re-applies what it held), and the last change read is the
//! change the index contains. When dead rows outnumber live ones, the log is compacted into a
//! new file (written, fsynced, renamed).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use std::io::Write;

use crate::error::{Error, Result};
use crate::store::create_dir;

/// One nearest-neighbour hit.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorHit {
    /// Quote id of the row.
    pub quote_id: String,
    /// Cosine similarity.
    pub score: f32,
}

/// What a filtered vector search may return, in the two forms the backends use: the deals the
/// request's filters allow (the flat index scans their rows), and the same filters as
/// conditions on quote payloads (a Qdrant cluster applies them inside its search). Both are
/// built from one request by [`crate::search::filter::scope`], and a property test checks they
/// select the same quotes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    /// Deals whose quotes may be returned (quote-level conditions apply on top).
    pub deals: HashSet<String>,
    /// All must hold.
    pub conditions: Vec<Condition>,
}

/// One condition on a quote's payload (see [`crate::store::qdrant::quote_payload`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The field (a string or a list of strings) equals one of the values.
    AnyOf {
        /// Payload field.
        field: &'static str,
        /// Accepted values (normalised as the payload stores them).
        values: Vec<String>,
    },
    /// The integer field lies in the inclusive range.
    Range {
        /// Payload field.
        field: &'static str,
        /// Lower bound.
        gte: Option<i64>,
        /// Upper bound.
        lte: Option<i64>,
    },
}

impl Condition {
    /// Whether a payload (a JSON object) meets the condition: what a Qdrant server does, for
    /// the tests that check translation without one.
    pub fn matches(&self, payload: &serde_json::Value) -> bool {
        match self {
            Condition::AnyOf { field, values } => match payload.get(*field) {
                Some(serde_json::Value::String(value)) => values.contains(value),
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .any(|item| item.as_str().is_some_and(|v| values.iter().any(|w| w == v))),
                _ => false,
            },
            Condition::Range { field, gte, lte } => {
                payload.get(*field).and_then(serde_json::Value::as_i64).is_some_and(|value| {
                    gte.is_none_or(|low| value >= low) && lte.is_none_or(|high| value <= high)
                })
            }
        }
    }
}

/// The best-matching quotes of one deal for a probe vector, best first.
pub type DealTop = Vec<(String, f32)>;

/// The vector store: one variant per backend, chosen per index at creation (see
/// [`Backend`]).
#[derive(Debug)]
pub enum VectorStore {
    /// Embedded exact flat index on local disk.
    Flat(FlatIndex),
    /// A Qdrant server or cluster.
    Qdrant(crate::store::qdrant::QdrantIndex),
}

/// Which vector backend an index uses, as recorded in its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The embedded flat index (the default).
    Flat,
    /// A Qdrant server or cluster.
    Qdrant(crate::store::qdrant::Target),
}

impl Backend {
    /// Parses `flat` or a `qdrant://` / `qdrants://` URL.
    pub fn parse(text: &str) -> Result<Backend> {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("flat") {
            return Ok(Backend::Flat);
        }
        Ok(Backend::Qdrant(crate::store::qdrant::Target::parse(text)?))
    }

    /// The form written in the manifest (no API key).
    pub fn describe(&self) -> String {
        match self {
            Backend::Flat => "flat".into(),
            Backend::Qdrant(target) => target.to_string(),
        }
    }
}

impl VectorStore {
    /// Opens (or creates) the embedded flat index under `<index>/vectors`.
    pub fn open_flat(index_dir: &Path, dimension: usize) -> Result<VectorStore> {
        Ok(VectorStore::Flat(FlatIndex::open(&index_dir.join("vectors"), dimension)?))
    }

    /// Opens the backend an index uses. A Qdrant backend is not contacted here: an unreachable
    /// cluster shows at the first call (catching up, or a search).
    pub fn open(index_dir: &Path, backend: &Backend, dimension: usize) -> Result<VectorStore> {
        match backend {
            Backend::Flat => Self::open_flat(index_dir, dimension),
            Backend::Qdrant(target) => Ok(VectorStore::Qdrant(
                crate::store::qdrant::QdrantIndex::open(index_dir, target, dimension)?,
            )),
        }
    }

    /// The backend, as the manifest records it.
    pub fn backend(&self) -> Backend {
        match self {
            VectorStore::Flat(_) => Backend::Flat,
            VectorStore::Qdrant(index) => Backend::Qdrant(index.target().clone()),
        }
    }

    /// Replaces all rows of a deal; `record` supplies the payload a server-side filter reads.
    pub fn replace_deal(
        &mut self,
        record: &crate::store::DealRecord,
        rows: Vec<(String, Vec<f32>)>,
    ) -> Result<()> {
        match self {
            VectorStore::Flat(index) => index.replace_deal(&record.deal_id, rows),
            VectorStore::Qdrant(index) => index.replace_deal(record, rows),
        }
    }

    /// Removes all rows of a deal.
    pub fn remove_deal(&mut self, deal_id: &str) -> Result<()> {
        match self {
            VectorStore::Flat(index) => {
                index.remove_deal(deal_id);
                Ok(())
            }
            VectorStore::Qdrant(index) => index.remove_deal(deal_id),
        }
    }

    /// Removes every row.
    pub fn clear(&mut self) -> Result<()> {
        match self {
            VectorStore::Flat(index) => index.clear(),
            VectorStore::Qdrant(index) => index.clear(),
        }
    }

    /// Persists pending changes, recording that the index now holds the store's `change`.
    pub fn commit(&mut self, change: i64) -> Result<()> {
        match self {
            VectorStore::Flat(index) => index.commit(change),
            VectorStore::Qdrant(index) => index.commit(change),
        }
    }

    /// The store change number the persisted index contains (0 for a new index).
    pub fn applied_change(&self) -> i64 {
        match self {
            VectorStore::Flat(index) => index.applied_change,
            VectorStore::Qdrant(index) => index.applied_change(),
        }
    }

    /// Quote ids per deal, as this index recorded them (to check the index against the store).
    pub fn quote_ids_by_deal(&self) -> HashMap<String, Vec<String>> {
        match self {
            VectorStore::Flat(index) => index
                .rows_by_deal
                .iter()
                .map(|(deal, rows)| {
                    let ids = rows.iter().map(|&row| index.rows[row as usize].quote_id.clone());
                    (deal.clone(), ids.collect())
                })
                .collect(),
            VectorStore::Qdrant(index) => index.quote_ids_by_deal(),
        }
    }

    /// Checks what the backend really holds against this index's record: `Ok(None)` when they
    /// agree, `Ok(Some(why))` when they do not (the caller rebuilds), an error when the backend
    /// cannot be asked.
    pub fn verify(&self) -> Result<Option<String>> {
        match self {
            VectorStore::Flat(_) => Ok(None),
            VectorStore::Qdrant(index) => index.verify(),
        }
    }

    /// Number of points the backend itself reports (a server count for Qdrant).
    pub fn backend_count(&self) -> Result<usize> {
        match self {
            VectorStore::Flat(index) => Ok(index.live_rows),
            VectorStore::Qdrant(index) => index.count(),
        }
    }

    /// Whether the vectors live on another machine (and can change behind this process).
    pub fn is_remote(&self) -> bool {
        matches!(self, VectorStore::Qdrant(_))
    }

    /// Whether a search applies quote-level conditions (themes) itself, so that the caller
    /// need not over-fetch to filter afterwards.
    pub fn filters_quotes(&self) -> bool {
        matches!(self, VectorStore::Qdrant(_))
    }

    /// Returns the `limit` nearest rows within `scope` (all rows when `None`).
    pub fn search(
        &self,
        query: &[f32],
        limit: usize,
        scope: Option<&Scope>,
    ) -> Result<Vec<VectorHit>> {
        match self {
            VectorStore::Flat(index) => Ok(index.search(query, limit, scope.map(|s| &s.deals))),
            VectorStore::Qdrant(index) => index.search(query, limit, scope),
        }
    }

    /// Server-side hybrid (dense + sparse BM25 fused by the server), when the backend has it
    /// (Qdrant); `None` for the flat index.
    pub fn server_hybrid(
        &self,
        dense: &[f32],
        text: &str,
        depth: usize,
        scope: Option<&Scope>,
        fusion: crate::store::qdrant::ServerFusion,
    ) -> Result<Option<Vec<VectorHit>>> {
        match self {
            VectorStore::Flat(_) => Ok(None),
            VectorStore::Qdrant(index) => {
                index.server_hybrid(dense, text, depth, scope, fusion).map(Some)
            }
        }
    }

    /// The best `per_deal` quotes of every deal in `scope` for a probe vector: the similar-deals
    /// ranking reads these.
    pub fn top_per_deal(
        &self,
        probe: &[f32],
        per_deal: usize,
        scope: Option<&Scope>,
    ) -> Result<HashMap<String, DealTop>> {
        match self {
            VectorStore::Flat(index) => {
                Ok(index.top_per_deal(probe, per_deal, scope.map(|s| &s.deals)))
            }
            VectorStore::Qdrant(index) => index.top_per_deal(probe, per_deal, scope),
        }
    }

    /// The normalised mean of a deal's quote vectors.
    pub fn centroid(&self, deal_id: &str) -> Option<Vec<f32>> {
        match self {
            VectorStore::Flat(index) => {
                let vectors: Vec<&[f32]> =
                    index.deal_vectors(deal_id).into_iter().map(|(_, v)| v).collect();
                centroid(&vectors)
            }
            VectorStore::Qdrant(index) => index.centroid(deal_id),
        }
    }

    /// Returns the vectors of a deal's rows, keyed by quote id.
    pub fn deal_vectors(&self, deal_id: &str) -> Result<Vec<(String, Vec<f32>)>> {
        match self {
            VectorStore::Flat(index) => Ok(index
                .deal_vectors(deal_id)
                .into_iter()
                .map(|(id, v)| (id.to_string(), v.to_vec()))
                .collect()),
            VectorStore::Qdrant(index) => index.deal_vectors(deal_id),
        }
    }

    /// Number of rows this index recorded.
    pub fn len(&self) -> usize {
        match self {
            VectorStore::Flat(index) => index.live_rows,
            VectorStore::Qdrant(index) => index.len(),
        }
    }

    /// True when the store holds no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Fails unless every row has the index's dimension.
pub fn check_dimensions(rows: &[(String, Vec<f32>)], dimension: usize) -> Result<()> {
    match rows.iter().find(|(_, vector)| vector.len() != dimension) {
        Some((quote_id, vector)) => Err(Error::Internal(format!(
            "vector of {quote_id} has dimension {} instead of {dimension}",
            vector.len()
        ))),
        None => Ok(()),
    }
}

/// The normalised mean of some unit vectors (`None` without vectors, or when they cancel out).
pub fn centroid(vectors: &[&[f32]]) -> Option<Vec<f32>> {
    let first = vectors.first()?;
    let mut sum = vec![0.0f32; first.len()];
    for vector in vectors {
        sum.iter_mut().zip(vector.iter()).for_each(|(s, v)| *s += v);
    }
    let norm = sum.iter().map(|v| v * v).sum::<f32>().sqrt();
    (norm > 0.0).then(|| sum.iter().map(|v| v / norm).collect())
}

#[derive(Debug, Clone)]
struct RowMeta {
    quote_id: String,
    deal_id: String,
}

const LOG_FILE: &str = "log.bin";
const MAGIC: &[u8; 8] = b"SBVLOG01";
const HEADER: usize = 12;
const OP_REPLACE: u8 = 1;
const OP_REMOVE: u8 = 2;
const OP_MARK: u8 = 3;

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
    /// Frames written since the last commit.
    pending: Vec<u8>,
    /// The store change the persisted log contains.
    applied_change: i64,
    /// Whether the whole log must be rewritten at the next commit (after `clear`).
    rewrite: bool,
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
    fn empty(dir: &Path, dimension: usize) -> FlatIndex {
        FlatIndex {
            dir: dir.to_path_buf(),
            dimension,
            vectors: vec![],
            rows: vec![],
            live: vec![],
            live_rows: 0,
            rows_by_deal: HashMap::new(),
            pending: vec![],
            applied_change: 0,
            rewrite: false,
        }
    }

    /// Opens the index in `dir`, or starts an empty one. A torn or damaged tail is cut off;
    /// files of the old format (`rows.json` + `vectors.f32`) are removed (the store rebuilds
    /// the index from change 0).
    pub fn open(dir: &Path, dimension: usize) -> Result<FlatIndex> {
        create_dir(dir)?;
        for old in ["rows.json", "vectors.f32"] {
            let path = dir.join(old);
            if path.exists() {
                std::fs::remove_file(&path)
                    .map_err(|err| Error::io(format!("removing {}", path.display()), err))?;
            }
        }
        let mut index = FlatIndex::empty(dir, dimension);
        let path = dir.join(LOG_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(index),
            Err(err) => return Err(Error::io(format!("reading {}", path.display()), err)),
        };
        if bytes.len() < HEADER || &bytes[..8] != MAGIC {
            tracing::warn!(path = %path.display(), "vector log unreadable; it will be rebuilt from the store");
            index.rewrite = true;
            return Ok(index);
        }
        let stored_dimension = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if stored_dimension as usize != dimension {
            return Err(Error::IndexIncompatible {
                path: dir.to_path_buf(),
                reason: format!(
                    "vector index has dimension {stored_dimension} but the model has {dimension}"
                ),
            });
        }
        // A commit is its frames up to and including its change mark: only whole commits count.
        let mut offset = HEADER;
        let mut committed = HEADER;
        while let Some((op, used)) = check_frame(&bytes[offset..]) {
            offset += used;
            if op == OP_MARK {
                committed = offset;
            }
        }
        if committed < bytes.len() {
            tracing::warn!(
                path = %path.display(),
                kept = committed,
                dropped = bytes.len() - committed,
                "vector log ends in a torn, damaged or unfinished commit; cutting it off (the store re-applies it)"
            );
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|err| Error::io(format!("opening {}", path.display()), err))?;
            file.set_len(committed as u64)
                .and_then(|()| file.sync_all())
                .map_err(|err| Error::io(format!("truncating {}", path.display()), err))?;
        }
        let mut offset = HEADER;
        while offset < committed {
            offset += index.read_frame(&bytes[offset..committed]).ok_or_else(|| {
                Error::Internal(format!("vector log {} changed while reading", path.display()))
            })?;
        }
        Ok(index)
    }

    /// Applies one frame at the start of `bytes`; returns its size, or `None` when it is torn
    /// or fails its checksum.
    fn read_frame(&mut self, bytes: &[u8]) -> Option<usize> {
        let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        let body = bytes.get(4..4 + len)?;
        let crc = u32::from_le_bytes(bytes.get(4 + len..8 + len)?.try_into().ok()?);
        if crc32fast::hash(body) != crc {
            return None;
        }
        let mut reader = Reader { bytes: body, at: 0 };
        let op = reader.u8()?;
        let change = reader.u64()? as i64;
        match op {
            OP_REPLACE => {
                let deal_id = reader.string()?;
                let count = reader.u32()? as usize;
                let mut rows = Vec::with_capacity(count);
                for _ in 0..count {
                    let quote_id = reader.string()?;
                    let vector = reader.floats(self.dimension)?;
                    rows.push((quote_id, vector));
                }
                self.apply_replace(&deal_id, rows);
            }
            OP_REMOVE => {
                let deal_id = reader.string()?;
                self.apply_remove(&deal_id);
            }
            OP_MARK => {}
            _ => return None,
        }
        self.applied_change = self.applied_change.max(change);
        Some(8 + len)
    }

    fn apply_remove(&mut self, deal_id: &str) {
        if let Some(rows) = self.rows_by_deal.remove(deal_id) {
            for row in rows {
                if std::mem::replace(&mut self.live[row as usize], false) {
                    self.live_rows -= 1;
                }
            }
        }
    }

    fn apply_replace(&mut self, deal_id: &str, rows: Vec<(String, Vec<f32>)>) {
        self.apply_remove(deal_id);
        let mut row_ids = Vec::with_capacity(rows.len());
        for (quote_id, vector) in rows {
            row_ids.push(self.rows.len() as u32);
            self.vectors.extend_from_slice(&vector);
            self.rows.push(RowMeta { quote_id, deal_id: deal_id.to_string() });
            self.live.push(true);
            self.live_rows += 1;
        }
        if !row_ids.is_empty() {
            self.rows_by_deal.insert(deal_id.to_string(), row_ids);
        }
    }

    fn remove_deal(&mut self, deal_id: &str) {
        self.apply_remove(deal_id);
        let mut body = vec![OP_REMOVE];
        body.extend_from_slice(&0u64.to_le_bytes());
        put_string(&mut body, deal_id);
        push_frame(&mut self.pending, &body);
    }

    fn replace_deal(&mut self, deal_id: &str, rows: Vec<(String, Vec<f32>)>) -> Result<()> {
        check_dimensions(&rows, self.dimension)?;
        push_frame(&mut self.pending, &replace_body(deal_id, &rows, 0));
        self.apply_replace(deal_id, rows);
        Ok(())
    }

    fn clear(&mut self) -> Result<()> {
        let dir = self.dir.clone();
        *self = FlatIndex::empty(&dir, self.dimension);
        self.rewrite = true;
        Ok(())
    }

    /// Appends the pending frames and a change mark, then fsyncs; compacts into a new file
    /// when dead rows outnumber live ones (or after `clear`).
    fn commit(&mut self, change: i64) -> Result<()> {
        let dead = self.rows.len() - self.live_rows;
        if self.rewrite || (dead > 256 && dead > self.live_rows) {
            return self.compact(change);
        }
        let mut mark = vec![OP_MARK];
        mark.extend_from_slice(&(change as u64).to_le_bytes());
        push_frame(&mut self.pending, &mark);
        let path = self.dir.join(LOG_FILE);
        let context = || format!("writing {}", path.display());
        let exists = path.exists();
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|err| Error::io(context(), err))?;
        if !exists || file.metadata().map(|m| m.len()).unwrap_or(0) < HEADER as u64 {
            file.set_len(0).map_err(|err| Error::io(context(), err))?;
            file.write_all(&header(self.dimension)).map_err(|err| Error::io(context(), err))?;
        }
        crate::store::crash_point("vectors.append");
        file.write_all(&self.pending).map_err(|err| Error::io(context(), err))?;
        file.sync_data().map_err(|err| Error::io(context(), err))?;
        crate::store::crash_point("vectors.synced");
        self.pending.clear();
        self.applied_change = change;
        Ok(())
    }

    /// Rewrites the log with only live rows: one frame per deal, then the change mark.
    fn compact(&mut self, change: i64) -> Result<()> {
        let mut deals: Vec<(&String, &Vec<u32>)> = self.rows_by_deal.iter().collect();
        deals.sort();
        let mut bytes = header(self.dimension).to_vec();
        let mut vectors = Vec::with_capacity(self.live_rows * self.dimension);
        let mut rows = Vec::with_capacity(self.live_rows);
        for (deal_id, row_ids) in deals {
            let deal_rows: Vec<(String, Vec<f32>)> = row_ids
                .iter()
                .map(|&row| {
                    (
                        self.rows[row as usize].quote_id.clone(),
                        self.row_vector(row as usize).to_vec(),
                    )
                })
                .collect();
            push_frame(&mut bytes, &replace_body(deal_id, &deal_rows, change));
            for (quote_id, vector) in deal_rows {
                vectors.extend_from_slice(&vector);
                rows.push(RowMeta { quote_id, deal_id: deal_id.clone() });
            }
        }
        let mut mark = vec![OP_MARK];
        mark.extend_from_slice(&(change as u64).to_le_bytes());
        push_frame(&mut bytes, &mark);
        crate::store::crash_point("vectors.compact");
        crate::store::write_durable(&self.dir.join(LOG_FILE), &bytes)?;
        self.vectors = vectors;
        self.rows = rows;
        self.live = vec![true; self.rows.len()];
        self.live_rows = self.rows.len();
        self.rows_by_deal.clear();
        for (row, meta) in self.rows.iter().enumerate() {
            self.rows_by_deal.entry(meta.deal_id.clone()).or_default().push(row as u32);
        }
        self.pending.clear();
        self.rewrite = false;
        self.applied_change = change;
        Ok(())
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

    fn top_per_deal(
        &self,
        probe: &[f32],
        per_deal: usize,
        allowed_deals: Option<&HashSet<String>>,
    ) -> HashMap<String, DealTop> {
        if probe.len() != self.dimension || per_deal == 0 {
            return HashMap::new();
        }
        self.rows_by_deal
            .iter()
            .filter(|(deal, _)| allowed_deals.is_none_or(|allowed| allowed.contains(*deal)))
            .map(|(deal, rows)| {
                let mut top: Vec<(String, f32)> = rows
                    .iter()
                    .map(|&row| {
                        let row = row as usize;
                        (self.rows[row].quote_id.clone(), dot(probe, self.row_vector(row)))
                    })
                    .collect();
                top.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                top.truncate(per_deal);
                (deal.clone(), top)
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

/// The operation and size of a well-formed frame at the start of `bytes`.
fn check_frame(bytes: &[u8]) -> Option<(u8, usize)> {
    let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let body = bytes.get(4..4 + len)?;
    let crc = u32::from_le_bytes(bytes.get(4 + len..8 + len)?.try_into().ok()?);
    (crc32fast::hash(body) == crc && !body.is_empty()).then(|| (body[0], 8 + len))
}

fn header(dimension: usize) -> [u8; HEADER] {
    let mut header = [0u8; HEADER];
    header[..8].copy_from_slice(MAGIC);
    header[8..].copy_from_slice(&(dimension as u32).to_le_bytes());
    header
}

fn put_string(body: &mut Vec<u8>, value: &str) {
    let bytes = &value.as_bytes()[..value.len().min(u16::MAX as usize)];
    body.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
    body.extend_from_slice(bytes);
}

fn replace_body(deal_id: &str, rows: &[(String, Vec<f32>)], change: i64) -> Vec<u8> {
    let mut body = vec![OP_REPLACE];
    body.extend_from_slice(&(change as u64).to_le_bytes());
    put_string(&mut body, deal_id);
    body.extend_from_slice(&(rows.len() as u32).to_le_bytes());
    for (quote_id, vector) in rows {
        put_string(&mut body, quote_id);
        for value in vector {
            body.extend_from_slice(&value.to_le_bytes());
        }
    }
    body
}

fn push_frame(out: &mut Vec<u8>, body: &[u8]) {
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
}

/// Reads a frame body.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let slice = self.bytes.get(self.at..self.at + n)?;
        self.at += n;
        Some(slice)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn string(&mut self) -> Option<String> {
        let len = u16::from_le_bytes(self.take(2)?.try_into().ok()?) as usize;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
    fn floats(&mut self, n: usize) -> Option<Vec<f32>> {
        Some(
            self.take(n * 4)?
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(deal_id: &str) -> crate::store::DealRecord {
        crate::store::DealRecord {
            deal_id: deal_id.into(),
            info: Default::default(),
            transcript: None,
            quotes: vec![],
        }
    }

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
                &rec("D-1"),
                vec![
                    ("D-1-q1".into(), unit(&[1.0, 0.0, 0.0])),
                    ("D-1-q2".into(), unit(&[0.0, 1.0, 0.0])),
                ],
            )
            .unwrap();
        store.replace_deal(&rec("D-2"), vec![("D-2-q1".into(), unit(&[0.9, 0.1, 0.0]))]).unwrap();
        let hits = store.search(&unit(&[1.0, 0.0, 0.0]), 2, None).unwrap();
        assert_eq!(
            hits.iter().map(|h| h.quote_id.as_str()).collect::<Vec<_>>(),
            vec!["D-1-q1", "D-2-q1"]
        );
        let only_two = Scope { deals: ["D-2".to_string()].into(), conditions: vec![] };
        assert_eq!(store.search(&unit(&[1.0, 0.0, 0.0]), 5, Some(&only_two)).unwrap().len(), 1);
        let top = store.top_per_deal(&unit(&[1.0, 0.0, 0.0]), 1, None).unwrap();
        assert_eq!(top["D-1"], vec![("D-1-q1".to_string(), 1.0)]);
        assert_eq!(top["D-2"].len(), 1);
        // Re-ingesting a deal replaces its rows.
        store.replace_deal(&rec("D-1"), vec![("D-1-q1".into(), unit(&[0.0, 0.0, 1.0]))]).unwrap();
        assert_eq!(store.len(), 2);
        store.commit(7).unwrap();
        let reopened = VectorStore::open_flat(dir.path(), 3).unwrap();
        assert_eq!(reopened.len(), 2);
        assert_eq!(reopened.applied_change(), 7);
        let hits = reopened.search(&unit(&[0.0, 0.0, 1.0]), 1, None).unwrap();
        assert_eq!(hits[0].quote_id, "D-1-q1");
        assert!((hits[0].score - 1.0).abs() < 1e-6);
        assert!(matches!(
            VectorStore::open_flat(dir.path(), 4),
            Err(Error::IndexIncompatible { .. })
        ));
    }

    #[test]
    fn a_torn_or_damaged_tail_is_cut_off_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = VectorStore::open_flat(dir.path(), 2).unwrap();
        store.replace_deal(&rec("D-1"), vec![("D-1-q1".into(), unit(&[1.0, 0.0]))]).unwrap();
        store.commit(1).unwrap();
        store.replace_deal(&rec("D-2"), vec![("D-2-q1".into(), unit(&[0.0, 1.0]))]).unwrap();
        store.commit(2).unwrap();
        let log = dir.path().join("vectors").join(LOG_FILE);
        let full = std::fs::read(&log).unwrap();
        // Every cut inside the second commit keeps exactly the first one.
        let first_commit_end = {
            let mut probe = FlatIndex::empty(dir.path(), 2);
            let mut offset = HEADER;
            while probe.applied_change < 1 {
                offset += probe.read_frame(&full[offset..]).unwrap();
            }
            assert_eq!(check_frame(&full[offset..]).map(|(op, _)| op), Some(OP_REPLACE));
            offset
        };
        for cut in first_commit_end..full.len() {
            std::fs::write(&log, &full[..cut]).unwrap();
            let reopened = VectorStore::open_flat(dir.path(), 2).unwrap();
            assert_eq!(reopened.applied_change(), 1, "cut at {cut}");
            assert_eq!(reopened.len(), 1);
        }
        // A flipped byte in the last frame fails its checksum.
        let mut damaged = full.clone();
        let last = damaged.len() - 6;
        damaged[last] ^= 0xff;
        std::fs::write(&log, &damaged).unwrap();
        assert_eq!(VectorStore::open_flat(dir.path(), 2).unwrap().applied_change(), 1);
        // Removing and compacting keeps what is live.
        std::fs::write(&log, &full).unwrap();
        let mut store = VectorStore::open_flat(dir.path(), 2).unwrap();
        store.remove_deal("D-1").unwrap();
        store.clear().unwrap();
        store.replace_deal(&rec("D-3"), vec![("D-3-q1".into(), unit(&[1.0, 1.0]))]).unwrap();
        store.commit(3).unwrap();
        let reopened = VectorStore::open_flat(dir.path(), 2).unwrap();
        assert_eq!(reopened.len(), 1);
        assert_eq!(reopened.applied_change(), 3);
    }

    #[test]
    fn dot_matches_naive() {
        let a: Vec<f32> = (0..387).map(|i| (i as f32).sin()).collect();
        let b: Vec<f32> = (0..387).map(|i| (i as f32).cos()).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-3);
    }
}

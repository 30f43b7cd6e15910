//! The vector index, behind one small interface ([`VectorStore`]).
//!
//! The embedded default is a flat index ([`FlatIndex`]): contiguous `f32` rows, cosine
//! similarity as a dot product of unit vectors, filtering by precomputed per-deal row lists.
//! A large search scans an int8 copy of the rows and re-scores a shortlist exactly in `f32`
//! ([`crate::store::scan`]); a very large unfiltered one first reads the rows' sign bits and
//! scans only their shortlist in int8. Returned scores are exact; recall@10 against an
//! exhaustive `f32` scan is measured by `storybank bench-scan`. No optimize step. The
//! scale-out variant is a Qdrant server or cluster ([`crate::store::qdrant`]).
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
pub use crate::store::scan::dot;
use crate::store::scan::{self, by_score};

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

/// Flat vector index.
#[derive(Debug)]
pub struct FlatIndex {
    dir: std::path::PathBuf,
    dimension: usize,
    vectors: Vec<f32>,
    /// The rows in int8 (`codes[row * dimension..]`, each about `vector / scales[row]`): what a
    /// large search scans before re-scoring its shortlist in `f32`. Memory only; the log keeps
    /// `f32`.
    codes: Vec<i8>,
    scales: Vec<f32>,
    /// The rows' signs around `center` ([`scan::push_signs`], in blocks of 32 rows): the first
    /// pass of a very large unfiltered search, whose shortlist the int8 codes re-score. Memory
    /// only.
    signs: Vec<u8>,
    /// The mean of the rows when the bits were last coded (empty: not centred). Embeddings
    /// share a common direction; signs around the mean carry far more of each row.
    center: Vec<f32>,
    /// Rows when `center` was taken: the bits are coded again around a new mean each time the
    /// index doubles (amortised, and the same for the same log).
    centred_rows: usize,
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

/// Searches scanning at least this many rows use the int8 copy and an exact re-score;
/// smaller ones score every row in `f32`.
const QUANTIZED_MIN_ROWS: usize = 4096;

/// The shortlist an int8 scan keeps for an exact re-score of `limit` results: int8 rounding
/// moves a cosine by about 0.005, far less than the score gap across this many places.
fn shortlist(limit: usize) -> usize {
    (limit * 4).max(limit + 64)
}

/// Rows before the bits are centred on the rows' mean.
const CENTRE_MIN_ROWS: usize = 1024;

/// Unfiltered searches over at least this many live rows start with a sign-bit pass
/// ([`scan::top_k_signs`]) and re-score its shortlist in int8: at 100k rows and depth 100,
/// 1.5 ms on one core with the re-scores, where the int8 scan of every row took 1.5 ms split
/// across two. Below it the int8 scan is as cheap (10k rows: 0.2 ms).
const BITS_MIN_ROWS: usize = 50_000;

/// The sign-bit shortlist kept for `keep` int8 candidates: recall@10 against an exhaustive
/// `f32` scan 0.997 at 12x, 0.995 at 8x, 0.992 at 6x (99,931 QMSum quotes, 300 questions;
/// 0.995, 0.991, 0.987 at depth 100).
const BITS_OVERSAMPLE: usize = 12;

impl FlatIndex {
    fn empty(dir: &Path, dimension: usize) -> FlatIndex {
        FlatIndex {
            dir: dir.to_path_buf(),
            dimension,
            vectors: vec![],
            codes: vec![],
            scales: vec![],
            signs: vec![],
            center: vec![],
            centred_rows: 0,
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
            self.scales.push(scan::quantize_into(&vector, &mut self.codes));
            self.vectors.extend_from_slice(&vector);
            self.push_bits(self.rows.len());
            self.rows.push(RowMeta { quote_id, deal_id: deal_id.to_string() });
            self.live.push(true);
            self.live_rows += 1;
        }
        if !row_ids.is_empty() {
            self.rows_by_deal.insert(deal_id.to_string(), row_ids);
        }
        if self.rows.len() >= CENTRE_MIN_ROWS && self.rows.len() >= 2 * self.centred_rows {
            self.recentre();
        }
    }

    /// Codes row `row`'s sign bits around the current centre.
    fn push_bits(&mut self, row: usize) {
        let residual = self.centred(self.row_vector(row));
        scan::push_signs(&residual, row, &mut self.signs);
    }

    /// `vector` minus the centre the bits are coded around (itself when there is none).
    fn centred(&self, vector: &[f32]) -> Vec<f32> {
        if self.center.is_empty() {
            return vector.to_vec();
        }
        vector.iter().zip(&self.center).map(|(v, c)| v - c).collect()
    }

    /// Takes the live rows' mean as the centre and codes every row's bits again around it.
    fn recentre(&mut self) {
        let mut center = vec![0.0f64; self.dimension];
        let mut live = 0usize;
        for row in (0..self.rows.len()).filter(|&row| self.live[row]) {
            live += 1;
            for (sum, &value) in center.iter_mut().zip(self.row_vector(row)) {
                *sum += f64::from(value);
            }
        }
        self.center = if live == 0 {
            vec![]
        } else {
            center.into_iter().map(|sum| (sum / live as f64) as f32).collect()
        };
        self.centred_rows = self.rows.len();
        self.signs.clear();
        for row in 0..self.rows.len() {
            self.push_bits(row);
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
        let mut codes = Vec::with_capacity(self.live_rows * self.dimension);
        let mut scales = Vec::with_capacity(self.live_rows);
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
                scales.push(scan::quantize_into(&vector, &mut codes));
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
        self.codes = codes;
        self.scales = scales;
        self.rows = rows;
        self.live = vec![true; self.rows.len()];
        self.live_rows = self.rows.len();
        self.rows_by_deal.clear();
        for (row, meta) in self.rows.iter().enumerate() {
            self.rows_by_deal.entry(meta.deal_id.clone()).or_default().push(row as u32);
        }
        self.recentre();
        self.pending.clear();
        self.rewrite = false;
        self.applied_change = change;
        Ok(())
    }

    fn row_vector(&self, row: usize) -> &[f32] {
        &self.vectors[row * self.dimension..(row + 1) * self.dimension]
    }

    /// The live rows a search scans: those of the allowed deals, or all.
    fn scan_rows(&self, allowed_deals: Option<&HashSet<String>>) -> Vec<u32> {
        match allowed_deals {
            Some(deals) => deals
                .iter()
                .filter_map(|deal| self.rows_by_deal.get(deal))
                .flatten()
                .copied()
                .collect(),
            None => (0..self.rows.len() as u32).filter(|&row| self.live[row as usize]).collect(),
        }
    }

    fn search(
        &self,
        query: &[f32],
        limit: usize,
        allowed_deals: Option<&HashSet<String>>,
    ) -> Vec<VectorHit> {
        self.search_with(query, limit, allowed_deals, true)
    }

    /// `quantized: false` scores every row in `f32` (the exact reference `bench-scan` measures
    /// recall against).
    pub fn search_with(
        &self,
        query: &[f32],
        limit: usize,
        allowed_deals: Option<&HashSet<String>>,
        quantized: bool,
    ) -> Vec<VectorHit> {
        if limit == 0 || query.len() != self.dimension {
            return vec![];
        }
        let exact = |row: u32| dot(query, self.row_vector(row as usize));
        let keep = shortlist(limit);
        let quantize = |rows: usize| quantized && rows >= QUANTIZED_MIN_ROWS.max(keep * 4);
        // The query in int8, for the scans below.
        let query_codes = || {
            let mut codes = Vec::with_capacity(self.dimension);
            let scale = scan::quantize_into(query, &mut codes);
            (codes, scale)
        };
        // These rows' best `keep` in int8, re-scored exactly.
        let rescore = |rows: &[u32]| -> Vec<(f32, u32)> {
            let (codes, scale) = query_codes();
            // In chunks, so a long list (a large filtered scan) needs no buffer of its size.
            let mut dots = [0i32; 256];
            let mut candidates = Vec::with_capacity(2 * keep);
            for chunk in rows.chunks(dots.len()) {
                scan::gather_dots_i8(&codes, &self.codes, chunk, &mut dots);
                candidates.extend(
                    chunk
                        .iter()
                        .zip(dots)
                        .map(|(&row, dot)| (scale * self.scales[row as usize] * dot as f32, row)),
                );
                if candidates.len() >= 2 * keep {
                    candidates = scan::best(candidates, keep);
                }
            }
            let candidates: Vec<u32> =
                scan::best(candidates, keep).into_iter().map(|(_, row)| row).collect();
            candidates
                .iter()
                .enumerate()
                .map(|(i, &row)| {
                    if let Some(&next) = candidates.get(i + 4) {
                        scan::prefetch(self.row_vector(next as usize));
                    }
                    (exact(row), row)
                })
                .collect()
        };
        let mut scored = if allowed_deals.is_none() && quantized && self.live_rows >= BITS_MIN_ROWS
        {
            // Very large and unfiltered: sign bits pick a wide shortlist, int8 narrows it.
            rescore(&self.sign_shortlist(query, keep, |row| self.live[row]))
        } else if allowed_deals.is_none() && quantize(self.live_rows) {
            // Unfiltered: the rows are the whole contiguous matrix, scanned in blocks.
            let (codes, scale) = query_codes();
            let candidates = scan::top_k_i8(
                &codes,
                scale,
                &self.codes,
                &self.scales,
                |row| self.live[row],
                keep,
            );
            candidates.into_iter().map(|(_, row)| (exact(row), row)).collect()
        } else {
            let rows = self.scan_rows(allowed_deals);
            if quantized && self.signs_for_filter(rows.len()) {
                let mut allowed = vec![false; self.rows.len()];
                for &row in &rows {
                    allowed[row as usize] = true;
                }
                rescore(&self.sign_shortlist(query, keep, |row| allowed[row]))
            } else if quantize(rows.len()) {
                rescore(&rows)
            } else {
                scan::top_k(&rows, limit, exact)
            }
        };
        scored.sort_by(by_score);
        scored.truncate(limit);
        scored
            .into_iter()
            .map(|(score, row)| VectorHit {
                quote_id: self.rows[row as usize].quote_id.clone(),
                score,
            })
            .collect()
    }

    /// Whether a filtered search that keeps `rows` rows starts with the sign-bit pass, the
    /// filter as its mask: a filter that keeps a large part of a very large index. At 100k
    /// rows a filter keeping 45% of them took 2.6-3.1 ms gathering its rows in int8 against
    /// 1.4-1.5 ms through the sign pass, which reads every block whatever the filter.
    fn signs_for_filter(&self, rows: usize) -> bool {
        self.live_rows >= BITS_MIN_ROWS && rows >= BITS_MIN_ROWS / 2 && rows * 4 >= self.live_rows
    }

    /// The rows `live` keeps whose sign bits estimate the best `keep` x [`BITS_OVERSAMPLE`]
    /// scores for `query`.
    fn sign_shortlist(&self, query: &[f32], keep: usize, live: impl Fn(usize) -> bool) -> Vec<u32> {
        scan::top_k_signs(
            &scan::SignQuery::new(&self.centred(query)),
            &self.signs,
            self.rows.len(),
            live,
            keep * BITS_OVERSAMPLE,
        )
        .into_iter()
        .map(|(_, row)| row)
        .collect()
    }

    /// Stored vectors to use as probe queries: `count` rows spread evenly over the index.
    pub fn probe_vectors(&self, count: usize) -> Vec<Vec<f32>> {
        let live: Vec<usize> = (0..self.rows.len()).filter(|&row| self.live[row]).collect();
        let step = (live.len() / count.max(1)).max(1);
        live.iter().step_by(step).take(count).map(|&row| self.row_vector(row).to_vec()).collect()
    }

    /// Recall and speed of the int8 scan with exact re-score against the exhaustive `f32`
    /// scan, over unfiltered searches for `queries`, at each depth in `limits`.
    pub fn measure_scan(&self, queries: &[Vec<f32>], limits: &[usize]) -> Vec<ScanMeasure> {
        let timed = |quantized: bool, query: &[f32], limit: usize| {
            let started = std::time::Instant::now();
            let hits = self.search_with(query, limit, None, quantized);
            (started.elapsed().as_secs_f64() * 1000.0, hits)
        };
        limits
            .iter()
            .map(|&limit| {
                let (mut exact_ms, mut quantized_ms, mut found, mut wanted) =
                    (vec![], vec![], 0usize, 0usize);
                for query in queries {
                    let (ms, exact) = timed(false, query, limit);
                    exact_ms.push(ms);
                    let (ms, quantized) = timed(true, query, limit);
                    quantized_ms.push(ms);
                    let truth: HashSet<&str> = exact.iter().map(|h| h.quote_id.as_str()).collect();
                    wanted += truth.len();
                    found +=
                        quantized.iter().filter(|h| truth.contains(h.quote_id.as_str())).count();
                }
                let p50 = |mut v: Vec<f64>| {
                    v.sort_by(f64::total_cmp);
                    v.get(v.len() / 2).copied().unwrap_or(0.0)
                };
                ScanMeasure {
                    rows: self.live_rows,
                    queries: queries.len(),
                    limit,
                    recall: if wanted == 0 { 1.0 } else { found as f64 / wanted as f64 },
                    exact_p50_ms: p50(exact_ms),
                    quantized_p50_ms: p50(quantized_ms),
                }
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

/// One depth of [`FlatIndex::measure_scan`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScanMeasure {
    /// Live rows scanned.
    pub rows: usize,
    /// Queries measured.
    pub queries: usize,
    /// Results asked for.
    pub limit: usize,
    /// Share of the exact scan's results the int8 scan also returned.
    pub recall: f64,
    /// Median time of the exhaustive `f32` scan.
    pub exact_p50_ms: f64,
    /// Median time of the int8 scan and exact re-score.
    pub quantized_p50_ms: f64,
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
    fn the_int8_scan_finds_what_the_exact_scan_finds_with_exact_scores() {
        quantized_scans_find_what_the_exact_scan_finds(48, 600, 20, QUANTIZED_MIN_ROWS);
    }

    #[test]
    fn the_sign_bit_pass_finds_what_the_exact_scan_finds_with_exact_scores() {
        // Many clusters of a few dozen rows: a real corpus's spread (2,600 near-copies per
        // cluster, as 20 clusters would give, is no embedding index's shape).
        let index = quantized_scans_find_what_the_exact_scan_finds(128, 5200, 2000, BITS_MIN_ROWS);
        assert_eq!(index.center.len(), 128, "centred on the rows' mean");
        assert!(index.centred_rows * 2 > index.rows.len(), "re-centred as the index doubled");
        assert_eq!(
            index.signs.len(),
            index.rows.len().div_ceil(scan::SIGN_BLOCK_ROWS) * scan::sign_block_bytes(128)
        );
        // A removed deal, then the bits coded again around a new mean (as compaction does):
        // the other hits stay.
        let query = index.probe_vectors(3)[1].clone();
        let before = index.search_with(&query, 10, None, true);
        let mut index = index;
        index.apply_remove("D0");
        index.recentre();
        let after = index.search_with(&query, 10, None, true);
        assert!(after.iter().all(|h| !h.quote_id.starts_with("D0-")));
        assert_eq!(
            before.iter().filter(|h| !h.quote_id.starts_with("D0-")).take(5).collect::<Vec<_>>(),
            after.iter().take(5).collect::<Vec<_>>()
        );
    }

    /// Rows in `clusters` clusters, like embeddings (near neighbours differ by little), `deals`
    /// x 10 of them; asserts the quantized paths' recall and exact scores, and that filters
    /// hold.
    fn quantized_scans_find_what_the_exact_scan_finds(
        dimension: usize,
        deals: usize,
        clusters: usize,
        at_least: usize,
    ) -> FlatIndex {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f32 / (1u64 << 53) as f32 - 0.5
        };
        let centres: Vec<Vec<f32>> =
            (0..clusters).map(|_| (0..dimension).map(|_| next()).collect()).collect();
        let mut index = FlatIndex::empty(Path::new("unused"), dimension);
        for deal in 0..deals {
            let rows = (0..10)
                .map(|q| {
                    let centre = &centres[(deal * 7 + q) % centres.len()];
                    let row: Vec<f32> = centre.iter().map(|c| c + 0.15 * next()).collect();
                    (format!("D{deal}-q{q}"), unit(&row))
                })
                .collect();
            index.apply_replace(&format!("D{deal}"), rows);
        }
        assert!(index.live_rows >= at_least);
        let queries = index.probe_vectors(40);
        for measure in index.measure_scan(&queries, &[10, 100]) {
            assert!(measure.recall >= 0.99, "{measure:?}");
        }
        let query = &queries[3];
        let exact = index.search_with(query, 10, None, false);
        let fast = index.search_with(query, 10, None, true);
        for hit in &fast {
            if let Some(same) = exact.iter().find(|e| e.quote_id == hit.quote_id) {
                assert_eq!(same.score, hit.score, "re-scored exactly");
            }
        }
        // A filter keeping half the rows finds what the exact scan finds.
        let half: HashSet<String> = (0..deals).step_by(2).map(|deal| format!("D{deal}")).collect();
        assert_eq!(index.signs_for_filter(index.live_rows / 2), at_least >= BITS_MIN_ROWS);
        let (mut found, mut wanted) = (0, 0);
        for query in &queries {
            let exact = index.search_with(query, 10, Some(&half), false);
            let fast = index.search_with(query, 10, Some(&half), true);
            assert!(fast.iter().all(|h| half.contains(h.quote_id.split('-').next().unwrap())));
            wanted += exact.len();
            found += fast.iter().filter(|h| exact.iter().any(|e| e.quote_id == h.quote_id)).count();
        }
        assert!(found as f64 >= 0.99 * wanted as f64, "filtered recall {found} of {wanted}");
        // A filter scans only its deals, whichever path it takes.
        let allowed: HashSet<String> = ["D5".to_string(), "D9".to_string()].into();
        let hits = index.search_with(query, 50, Some(&allowed), true);
        assert_eq!(hits.len(), 20);
        assert!(
            hits.iter().all(|h| h.quote_id.starts_with("D5-") || h.quote_id.starts_with("D9-"))
        );
        index
    }
}

//! The source of record: one SQLite database, `<index>/store.sqlite`, in WAL mode with
//! `synchronous=FULL` (a committed change survives a crash or a power cut).
//!
//! Every logical change (the ingest of one deal, one erasure, one pack edit, one theme
//! correction) is one transaction and gets the next **change number** (`changes.seq`). The
//! derived indexes (tantivy, the vector log) record the last change they contain and catch up
//! from here on open, so a crash between the store and an index never loses or corrupts
//! anything: the store is right, the indexes follow.
//!
//! ```text
//! meta(key, value)                 schema_version
//! changes(seq, kind, deal_id, at)  one row per change; seq is the change number
//! deals(deal_id, record, change)   anonymized deal + quotes (JSON), what is served
//! private(deal_id, record)         raw transcript, CRM row and terms (admin only)
//! tombstones(kind, value, change)  erased deals and people: never ingested again
//! documents(name, body)            packs and stories, theme corrections, competitor aliases
//! embeddings(key, vector, crc)     text hash -> vector (so rebuilds never re-embed)
//! api_keys(id, name, role, hash)   API keys: SHA-256 of the key only (schema 2)
//! audit(seq, at, actor, role, ...) who changed what, ids only (schema 2)
//! ```
//!
//! SQLite was chosen over redb by measurement (2 cores, 2,000 deals of ~40 KB, one durable
//! transaction each): equal write speed (~4 ms per durable commit), 2x faster cold full reads,
//! a 25% smaller file, and, deciding, a second process (the CLI beside a running server) can
//! read and write the same file, and `VACUUM INTO` takes a consistent copy while serving.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::anonymize::Term;
use crate::error::{Error, Result};
use crate::store::{DealRecord, PrivateRecord};

/// The database file inside an index folder.
pub const DB_FILE: &str = "store.sqlite";

/// The schema this build writes; older databases are migrated forward on open.
pub const SCHEMA_VERSION: i64 = 2;

/// Document names in `documents`.
pub mod doc {
    /// Stories and packs.
    pub const PACKS: &str = "packs";
    /// Theme and polarity corrections.
    pub const CORRECTIONS: &str = "theme-corrections";
    /// Competitor aliases seen so far.
    pub const ALIASES: &str = "aliases";
}

/// Kinds of tombstones.
pub mod tombstone {
    /// An erased deal id.
    pub const DEAL: &str = "deal";
    /// An erased person by plain name: written before names were hashed, and turned into
    /// [`PERSON_HASHED`] by the next open.
    pub const PERSON: &str = "person";
    /// An erased person as hashes of their name
    /// ([`crate::anonymize::erased::ErasedPerson::tombstone`]): the store keeps no name.
    pub const PERSON_HASHED: &str = "person-hashed";
}

const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    deal_id TEXT,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_deal ON changes(deal_id);
CREATE TABLE IF NOT EXISTS deals (
    deal_id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    change INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS private (deal_id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tombstones (
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    change INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embeddings (
    key BLOB PRIMARY KEY,
    vector BLOB NOT NULL,
    crc INTEGER NOT NULL
);
";

/// Schema 2: API keys and the audit log (see [`crate::access`]).
const SCHEMA_V2: &str = "
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash BLOB NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    ids TEXT NOT NULL
);
";

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match err.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => {
                Error::Storage("the disk is full: nothing was written; free space and retry".into())
            }
            Some(ErrorCode::SystemIoFailure) => Error::Storage(format!(
                "the store could not be written (disk full or failing?): {err}; the last change was not kept, free space and retry"
            )),
            Some(ErrorCode::ReadOnly)
            | Some(ErrorCode::CannotOpen)
            | Some(ErrorCode::PermissionDenied) => {
                Error::Storage(format!("the store cannot be written: {err}"))
            }
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => Error::Storage(
                "the store is busy with another writer (an ingest?); retry shortly".into(),
            ),
            Some(ErrorCode::DatabaseCorrupt) | Some(ErrorCode::NotADatabase) => {
                Error::Internal(format!("the store is damaged: {err}; restore a backup"))
            }
            _ => Error::Internal(format!("store: {err}")),
        }
    }
}

/// Now, as RFC 3339 UTC.
fn now() -> String {
    crate::packs::now_rfc3339()
}

/// The record store: one connection, serialised (reads are rare: the catalog is in memory).
#[derive(Debug)]
pub struct Db {
    path: PathBuf,
    conn: Mutex<Connection>,
}

/// Opens a connection with storybank's settings.
pub(crate) fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Deleted rows are overwritten, not left in free pages: an erasure leaves no text behind.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(conn)
}

impl Db {
    /// Opens (creating) the store of an index folder and migrates it to [`SCHEMA_VERSION`],
    /// copying the old file to `<index>/backups/` before a migration.
    pub fn open(index_dir: &Path) -> Result<Db> {
        let path = index_dir.join(DB_FILE);
        let conn = connect(&path)?;
        let db = Db { path, conn: Mutex::new(conn) };
        db.migrate(index_dir)?;
        Ok(db)
    }

    /// Opens a database file read-only (a backup being checked), without migrating it.
    pub fn open_read_only(path: &Path) -> Result<Db> {
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Ok(Db { path: path.to_path_buf(), conn: Mutex::new(conn) })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn.lock().map_err(|_| Error::Internal("store lock poisoned".into()))
    }

    /// The schema version of the file (0 for a new one).
    pub fn schema_version(&self) -> Result<i64> {
        let conn = self.conn()?;
        schema_version(&conn)
    }

    /// Brings the schema forward, one step at a time, each in its own transaction.
    fn migrate(&self, index_dir: &Path) -> Result<()> {
        let mut conn = self.conn()?;
        let version = schema_version(&conn)?;
        if version > SCHEMA_VERSION {
            return Err(Error::IndexIncompatible {
                path: index_dir.to_path_buf(),
                reason: format!(
                    "the store has schema {version}; this storybank reads up to {SCHEMA_VERSION} (upgrade storybank)"
                ),
            });
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        if version > 0 {
            let backups = index_dir.join("backups");
            crate::store::create_dir(&backups)?;
            let target = backups.join(format!("store-schema{version}-{}.sqlite", stamp()));
            vacuum_into(&conn, &target)?;
            tracing::info!(from = version, to = SCHEMA_VERSION, backup = %target.display(), "migrating the store");
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // One step per version, each `if version < N`.
        if version < 1 {
            tx.execute_batch(SCHEMA_V1)?;
        }
        if version < 2 {
            tx.execute_batch(SCHEMA_V2)?;
        }
        tx.execute(
            "INSERT INTO meta(key, value) VALUES('schema_version', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![SCHEMA_VERSION.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The last change number (0 when nothing was ever written).
    pub fn change(&self) -> Result<i64> {
        let conn = self.conn()?;
        Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |row| row.get(0))?)
    }

    /// Deals touched by changes after `seq`, and whether a bank-wide document changed too.
    pub fn changes_since(&self, seq: i64) -> Result<ChangesSince> {
        let conn = self.conn()?;
        let mut statement =
            conn.prepare("SELECT kind, deal_id FROM changes WHERE seq > ?1 ORDER BY seq")?;
        let mut since = ChangesSince::default();
        let rows = statement.query_map(params![seq], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?))
        })?;
        for row in rows {
            let (kind, deal_id) = row?;
            match deal_id {
                Some(deal_id) => {
                    since.deals.insert(deal_id);
                }
                None => {
                    since.documents.insert(kind);
                }
            }
        }
        Ok(since)
    }

    /// Runs `f` in one write transaction (`BEGIN IMMEDIATE`: the store's single writer lock) and
    /// commits; returns `f`'s value and the last change number it wrote (the current one when
    /// it wrote none).
    pub fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<(T, i64)> {
        let mut conn = self.conn()?;
        let transaction = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut tx = Tx { tx: transaction, last_change: None };
        let value = f(&mut tx)?;
        crate::store::crash_point("store.commit");
        let last = match tx.last_change {
            Some(seq) => seq,
            None => {
                tx.tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |r| r.get(0))?
            }
        };
        tx.tx.commit()?;
        crate::store::crash_point("store.committed");
        Ok((value, last))
    }

    /// Every deal record, by id.
    pub fn deals(&self) -> Result<BTreeMap<String, DealRecord>> {
        let conn = self.conn()?;
        let mut statement = conn.prepare("SELECT deal_id, record FROM deals")?;
        let rows = statement
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
        let mut deals = BTreeMap::new();
        for row in rows {
            let (deal_id, json) = row?;
            let record: DealRecord = serde_json::from_str(&json).map_err(|err| {
                Error::Internal(format!("deal {deal_id} in the store is unreadable: {err}"))
            })?;
            deals.insert(deal_id, record);
        }
        Ok(deals)
    }

    /// One deal record.
    pub fn deal(&self, deal_id: &str) -> Result<Option<DealRecord>> {
        let conn = self.conn()?;
        read_json(&conn, "SELECT record FROM deals WHERE deal_id = ?1", deal_id)
    }

    /// One deal's private record.
    pub fn private(&self, deal_id: &str) -> Result<Option<PrivateRecord>> {
        let conn = self.conn()?;
        read_json(&conn, "SELECT record FROM private WHERE deal_id = ?1", deal_id)
    }

    /// Every private record's guard terms, by deal id.
    pub fn guard_terms(&self) -> Result<BTreeMap<String, Vec<Term>>> {
        let conn = self.conn()?;
        let mut statement = conn.prepare("SELECT deal_id, record FROM private")?;
        let rows = statement
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
        let mut terms = BTreeMap::new();
        for row in rows {
            let (deal_id, json) = row?;
            let private: PrivateRecord = serde_json::from_str(&json)?;
            terms.insert(deal_id, private.guard_terms());
        }
        Ok(terms)
    }

    /// A bank-wide document (its default when never written).
    pub fn document<T: DeserializeOwned + Default>(&self, name: &str) -> Result<T> {
        let conn = self.conn()?;
        Ok(read_json(&conn, "SELECT body FROM documents WHERE name = ?1", name)?
            .unwrap_or_default())
    }

    /// Erased deal ids and people.
    pub fn tombstones(&self) -> Result<Tombstones> {
        let conn = self.conn()?;
        tombstones(&conn)
    }

    /// Writes a consistent copy of the store to `target` while others keep reading and writing.
    pub fn backup_to(&self, target: &Path) -> Result<()> {
        let conn = self.conn()?;
        vacuum_into(&conn, target)
    }

    /// Copies the write-ahead log into the database and truncates it, so the log keeps no
    /// older copy of pages an erasure rewrote. Best effort: a reader holding an old snapshot
    /// keeps part of it until the next erasure or checkpoint.
    pub fn purge_log(&self) {
        let Ok(conn) = self.conn() else { return };
        if let Err(err) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
            tracing::warn!(error = %err, "could not truncate the store's log after an erasure");
        }
    }

    /// Runs SQLite's integrity check; `Ok(())` when the file is sound.
    pub fn integrity_check(&self) -> Result<()> {
        let conn = self.conn()?;
        let verdict: String = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(Error::Internal(format!("store integrity check failed: {verdict}")))
        }
    }
}

/// What changed after a given change number.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangesSince {
    /// Deals written or deleted.
    pub deals: BTreeSet<String>,
    /// Bank-wide changes by kind (`packs`, `aliases`, ...).
    pub documents: BTreeSet<String>,
}

/// Erased deals and people.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tombstones {
    /// Erased deal ids.
    pub deals: BTreeSet<String>,
    /// Erased people: hashed tombstones (plain full names in stores written before).
    pub people: BTreeSet<String>,
}

fn tombstones(conn: &Connection) -> Result<Tombstones> {
    let mut statement = conn.prepare("SELECT kind, value FROM tombstones")?;
    let rows =
        statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
    let mut found = Tombstones::default();
    for row in rows {
        let (kind, value) = row?;
        match kind.as_str() {
            tombstone::DEAL => found.deals.insert(value),
            _ => found.people.insert(value),
        };
    }
    Ok(found)
}

fn schema_version(conn: &Connection) -> Result<i64> {
    let has_meta: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
        [],
        |row| row.get(0),
    )?;
    if !has_meta {
        return Ok(0);
    }
    let version: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |row| row.get(0))
        .optional()?;
    Ok(version.and_then(|v| v.parse().ok()).unwrap_or(0))
}

fn read_json<T: DeserializeOwned>(conn: &Connection, sql: &str, key: &str) -> Result<Option<T>> {
    let json: Option<String> = conn.query_row(sql, params![key], |row| row.get(0)).optional()?;
    json.map(|json| serde_json::from_str(&json).map_err(Error::from)).transpose()
}

fn vacuum_into(conn: &Connection, target: &Path) -> Result<()> {
    if target.exists() {
        return Err(Error::InvalidRequest(format!("{} already exists", target.display())));
    }
    let target = target
        .to_str()
        .ok_or_else(|| Error::InvalidRequest(format!("{} is not UTF-8", target.display())))?;
    conn.execute("VACUUM INTO ?1", params![target])?;
    Ok(())
}

/// A compact UTC time stamp for file names.
pub fn stamp() -> String {
    now().replace([':', '-'], "")
}

/// One write transaction. Every method that changes the record writes a change row.
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
    last_change: Option<i64>,
}

impl Tx<'_> {
    /// Records a change and returns its number.
    pub fn record_change(&mut self, kind: &str, deal_id: Option<&str>) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO changes(kind, deal_id, at) VALUES(?1, ?2, ?3)",
            params![kind, deal_id, now()],
        )?;
        let seq = self.tx.last_insert_rowid();
        self.last_change = Some(seq);
        Ok(seq)
    }

    /// Erased deals and people, as this transaction sees them.
    pub fn tombstones(&self) -> Result<Tombstones> {
        tombstones(&self.tx)
    }

    /// Stores (replacing) a deal and its private record; `private: None` keeps the stored one.
    pub fn put_deal(
        &mut self,
        record: &DealRecord,
        private: Option<&PrivateRecord>,
    ) -> Result<i64> {
        let seq = self.record_change("deal", Some(&record.deal_id))?;
        self.tx.execute(
            "INSERT INTO deals(deal_id, record, change) VALUES(?1, ?2, ?3)
             ON CONFLICT(deal_id) DO UPDATE SET record = excluded.record, change = excluded.change",
            params![record.deal_id, serde_json::to_string(record)?, seq],
        )?;
        if let Some(private) = private {
            self.tx.execute(
                "INSERT INTO private(deal_id, record) VALUES(?1, ?2)
                 ON CONFLICT(deal_id) DO UPDATE SET record = excluded.record",
                params![record.deal_id, serde_json::to_string(private)?],
            )?;
        }
        Ok(seq)
    }

    /// One deal record, as this transaction sees it.
    pub fn deal(&self, deal_id: &str) -> Result<Option<DealRecord>> {
        read_json(&self.tx, "SELECT record FROM deals WHERE deal_id = ?1", deal_id)
    }

    /// One private record, as this transaction sees it.
    pub fn private(&self, deal_id: &str) -> Result<Option<PrivateRecord>> {
        read_json(&self.tx, "SELECT record FROM private WHERE deal_id = ?1", deal_id)
    }

    /// Every deal id.
    pub fn deal_ids(&self) -> Result<Vec<String>> {
        let mut statement = self.tx.prepare("SELECT deal_id FROM deals ORDER BY deal_id")?;
        let ids = statement.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// Deletes a deal, its private record and raw text; returns whether it existed.
    pub fn delete_deal(&mut self, deal_id: &str) -> Result<bool> {
        let deleted = self.tx.execute("DELETE FROM deals WHERE deal_id = ?1", params![deal_id])?;
        self.tx.execute("DELETE FROM private WHERE deal_id = ?1", params![deal_id])?;
        if deleted > 0 {
            self.record_change("delete", Some(deal_id))?;
        }
        Ok(deleted > 0)
    }

    /// Records an erasure, so nothing brings the deal or person back.
    pub fn add_tombstone(&mut self, kind: &str, value: &str) -> Result<()> {
        let seq = self.record_change(&format!("tombstone:{kind}"), None)?;
        self.tx.execute(
            "INSERT INTO tombstones(kind, value, change, at) VALUES(?1, ?2, ?3, ?4)
             ON CONFLICT(kind, value) DO NOTHING",
            params![kind, value, seq, now()],
        )?;
        Ok(())
    }

    /// Deletes a tombstone (only to rewrite it in another form).
    pub fn delete_tombstone(&mut self, kind: &str, value: &str) -> Result<()> {
        self.tx.execute(
            "DELETE FROM tombstones WHERE kind = ?1 AND value = ?2",
            params![kind, value],
        )?;
        Ok(())
    }

    /// The plain names of person tombstones written before names were hashed.
    pub fn plain_person_tombstones(&self) -> Result<Vec<String>> {
        let mut statement = self.tx.prepare("SELECT value FROM tombstones WHERE kind = ?1")?;
        let rows = statement.query_map(params![tombstone::PERSON], |row| row.get(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// A bank-wide document (its default when never written).
    pub fn document<T: DeserializeOwned + Default>(&self, name: &str) -> Result<T> {
        Ok(read_json(&self.tx, "SELECT body FROM documents WHERE name = ?1", name)?
            .unwrap_or_default())
    }

    /// Replaces a bank-wide document.
    pub fn put_document<T: Serialize>(&mut self, name: &str, value: &T) -> Result<()> {
        self.record_change(name, None)?;
        self.tx.execute(
            "INSERT INTO documents(name, body) VALUES(?1, ?2)
             ON CONFLICT(name) DO UPDATE SET body = excluded.body",
            params![name, serde_json::to_string(value)?],
        )?;
        Ok(())
    }
}

/// One cached vector: the text key and the vector.
pub type CachedVector = ([u8; 32], Vec<f32>);

/// Little-endian bytes of a vector.
pub fn vector_bytes(vector: &[f32]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(vector.len() * 4);
    for value in vector {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    bytes
}

/// A vector from little-endian bytes.
pub fn bytes_vector(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// The embedding cache: a table of text hash -> vector with a CRC per row, in the index's
/// store or in a file of its own (`--embed-cache`).
#[derive(Debug)]
pub struct EmbeddingTable {
    conn: Mutex<Connection>,
    dimension: usize,
}

impl EmbeddingTable {
    /// Opens the table in the SQLite file at `path` (creating it). With `import_legacy`, a
    /// file in the old append-only format (`SBEMBC01`) is imported and replaced. Never ask it
    /// of a store this process has open: any `open`/`close` of the file outside SQLite drops
    /// the process's POSIX locks on it, and another process could then checkpoint and delete
    /// the WAL under the open connections.
    pub fn open(path: &Path, dimension: usize, import_legacy: bool) -> Result<EmbeddingTable> {
        let legacy = if import_legacy { read_legacy_cache(path, dimension)? } else { None };
        let conn = connect(path)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS embeddings (
                key BLOB PRIMARY KEY, vector BLOB NOT NULL, crc INTEGER NOT NULL)",
        )?;
        let table = EmbeddingTable { conn: Mutex::new(conn), dimension };
        if let Some(rows) = legacy {
            table.insert(&rows)?;
            tracing::info!(vectors = rows.len(), path = %path.display(), "imported the old embedding cache");
        }
        Ok(table)
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn.lock().map_err(|_| Error::Internal("embedding cache lock poisoned".into()))
    }

    /// The cached vectors of `keys`; a row whose CRC or size is wrong counts as missing.
    pub fn get_many(&self, keys: &[[u8; 32]]) -> Result<HashMap<[u8; 32], Vec<f32>>> {
        let conn = self.conn()?;
        let mut statement =
            conn.prepare_cached("SELECT vector, crc FROM embeddings WHERE key = ?1")?;
        let mut found = HashMap::new();
        for key in keys {
            let row: Option<(Vec<u8>, i64)> = statement
                .query_row(params![&key[..]], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            if let Some((blob, crc)) = row {
                if blob.len() == self.dimension * 4 && i64::from(crc32fast::hash(&blob)) == crc {
                    found.insert(*key, bytes_vector(&blob));
                } else {
                    tracing::warn!(
                        "a damaged embedding cache row was ignored and will be recomputed"
                    );
                }
            }
        }
        Ok(found)
    }

    /// Removes the vectors of `keys` (the quotes of an erased deal or person).
    pub fn remove(&self, keys: &[[u8; 32]]) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut statement = tx.prepare_cached("DELETE FROM embeddings WHERE key = ?1")?;
            for key in keys {
                statement.execute(params![&key[..]])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores vectors in one transaction.
    pub fn insert(&self, rows: &[([u8; 32], Vec<f32>)]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut statement = tx.prepare_cached(
                "INSERT INTO embeddings(key, vector, crc) VALUES(?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET vector = excluded.vector, crc = excluded.crc",
            )?;
            for (key, vector) in rows {
                let blob = vector_bytes(vector);
                statement.execute(params![&key[..], blob, crc32fast::hash(&blob)])?;
            }
        }
        crate::store::crash_point("cache.commit");
        tx.commit()?;
        Ok(())
    }

    /// Every cached vector (for moving a cache into another file).
    pub fn all(&self) -> Result<Vec<([u8; 32], Vec<f32>)>> {
        let conn = self.conn()?;
        let mut statement = conn.prepare("SELECT key, vector FROM embeddings")?;
        let rows = statement
            .query_map([], |row| Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Vec<u8>>(1)?)))?;
        let mut all = vec![];
        for row in rows {
            let (key, blob) = row?;
            if let (Ok(key), true) = (key.try_into(), blob.len() == self.dimension * 4) {
                all.push((key, bytes_vector(&blob)));
            }
        }
        Ok(all)
    }

    /// Number of cached vectors.
    pub fn count(&self) -> Result<usize> {
        let conn = self.conn()?;
        let count: i64 = conn.query_row("SELECT COUNT(*) FROM embeddings", [], |r| r.get(0))?;
        Ok(count as usize)
    }
}

/// Reads (and removes) a cache file in the old append-only format; `None` for anything else.
fn read_legacy_cache(path: &Path, dimension: usize) -> Result<Option<Vec<CachedVector>>> {
    // Look at the magic first: the usual path is the store itself, which is not read whole.
    let mut magic = [0u8; 8];
    let is_legacy = std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut magic))
        .is_ok()
        && &magic == b"SBEMBC01";
    if !is_legacy {
        return Ok(None);
    }
    let bytes =
        std::fs::read(path).map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
    if bytes.len() < 12 {
        return Ok(None);
    }
    let mut rows = vec![];
    if u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize == dimension {
        let record = 32 + 4 * dimension;
        // A torn last record is dropped, never misaligning the rest.
        for chunk in bytes[12..].chunks_exact(record) {
            let key: [u8; 32] = chunk[..32].try_into().expect("32 bytes");
            rows.push((key, bytes_vector(&chunk[32..])));
        }
    }
    std::fs::remove_file(path)
        .map_err(|err| Error::io(format!("removing {}", path.display()), err))?;
    Ok(Some(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DealInfo;

    fn record(deal_id: &str) -> DealRecord {
        DealRecord {
            deal_id: deal_id.into(),
            info: DealInfo::default(),
            transcript: None,
            quotes: vec![],
        }
    }

    #[test]
    fn a_schema_1_store_is_backed_up_then_migrated_keeping_its_deals() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = connect(&dir.path().join(DB_FILE)).unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            conn.execute("INSERT INTO meta(key, value) VALUES('schema_version', '1')", []).unwrap();
            conn.execute(
                "INSERT INTO deals(deal_id, record, change) VALUES ('D-1', ?1, 1)",
                params![serde_json::to_string(&record("D-1")).unwrap()],
            )
            .unwrap();
        }
        let db = Db::open(dir.path()).unwrap();
        assert_eq!(db.schema_version().unwrap(), 2);
        assert!(db.deal("D-1").unwrap().is_some(), "the deal survived the migration");
        let backups: Vec<_> = std::fs::read_dir(dir.path().join("backups")).unwrap().collect();
        assert_eq!(backups.len(), 1, "one copy taken before migrating");
        // The new tables work.
        let access = crate::access::Access::open(dir.path()).unwrap();
        assert_eq!(access.active_keys().unwrap(), 0);
    }

    #[test]
    fn changes_are_numbered_and_tombstones_stick() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        assert_eq!(db.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(db.change().unwrap(), 0);
        let ((), first) = db.write(|tx| tx.put_deal(&record("D-1"), None).map(drop)).unwrap();
        let ((), second) = db.write(|tx| tx.put_deal(&record("D-2"), None).map(drop)).unwrap();
        assert!(second > first);
        let since = db.changes_since(first).unwrap();
        assert_eq!(since.deals.into_iter().collect::<Vec<_>>(), ["D-2"]);
        db.write(|tx| {
            tx.delete_deal("D-1")?;
            tx.add_tombstone(tombstone::DEAL, "D-1")
        })
        .unwrap();
        assert!(db.deal("D-1").unwrap().is_none());
        assert!(db.tombstones().unwrap().deals.contains("D-1"));
        // A failed transaction writes nothing.
        let failed: Result<((), i64)> = db.write(|tx| {
            tx.put_deal(&record("D-3"), None)?;
            Err(Error::InvalidRequest("boom".into()))
        });
        assert!(failed.is_err());
        assert!(db.deal("D-3").unwrap().is_none());
        // Reopening keeps everything; the schema is not migrated twice.
        drop(db);
        let db = Db::open(dir.path()).unwrap();
        assert_eq!(db.deals().unwrap().len(), 1);
        let backup = dir.path().join("copy.sqlite");
        db.backup_to(&backup).unwrap();
        assert!(backup.is_file());
    }

    /// The store's SQLite lock stays held while the embedding table opens on the same file: a
    /// plain `open`/`close` of it would drop the process's POSIX locks, and a reader in another
    /// process could then checkpoint and unlink the WAL the server still writes to.
    #[cfg(target_os = "linux")]
    #[test]
    fn opening_the_embedding_table_keeps_the_stores_lock() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let _table = EmbeddingTable::open(db.path(), 2, false).unwrap();
        let inode = std::fs::metadata(db.path()).unwrap().ino();
        let pid = std::process::id().to_string();
        let locks = std::fs::read_to_string("/proc/locks").unwrap();
        let held = locks.lines().any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(owner), Some(file)) = (fields.get(4), fields.get(5)) else { return false };
            *owner == pid && file.rsplit(':').next() == Some(inode.to_string().as_str())
        });
        assert!(held, "no lock on the store (inode {inode}) held by {pid}:\n{locks}");
    }

    #[test]
    fn embeddings_round_trip_and_import_the_old_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.bin");
        let mut old = b"SBEMBC01".to_vec();
        old.extend_from_slice(&2u32.to_le_bytes());
        old.extend_from_slice(&[7u8; 32]);
        old.extend_from_slice(&vector_bytes(&[0.5, -1.0]));
        old.extend_from_slice(&[9u8; 20]); // a torn record
        std::fs::write(&path, old).unwrap();
        let table = EmbeddingTable::open(&path, 2, true).unwrap();
        assert_eq!(table.count().unwrap(), 1);
        table.insert(&[([1u8; 32], vec![1.0, 2.0])]).unwrap();
        let found = table.get_many(&[[7u8; 32], [1u8; 32], [2u8; 32]]).unwrap();
        assert_eq!(found[&[7u8; 32]], vec![0.5, -1.0]);
        assert_eq!(found[&[1u8; 32]], vec![1.0, 2.0]);
        assert_eq!(found.len(), 2);
    }
}

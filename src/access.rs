//! Who may do what: API keys with roles, and the audit log of every state change. Both live in
//! the index's store (`api_keys`, `audit`), read through a connection of their own so checking
//! a key never waits for an ingest (WAL readers do not block on the writer).
//!
//! A key is `sbk_<id>_<secret>`: the id (12 hex digits) is public and finds the row; only the
//! SHA-256 of the whole key is stored, and it is compared in constant time. Keys carry 256 bits
//! of randomness, so a fast hash is the right one (the same choice as GitHub's tokens): a slow
//! password hash protects guessable secrets, which these are not.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::error::{Error, Result};

/// What a caller may do. Reader, editor and admin each include the ones before; `intake` is a
/// key for a CRM webhook or a meeting tool: it may only send deals in (`POST /v1/intake/deals`),
/// and read nothing.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Only `POST /v1/intake/deals`.
    Intake,
    /// Search, similar deals, ask, evidence, analytics, digests; read packs and stories.
    Reader,
    /// Reader, plus packs, stories and theme corrections.
    Editor,
    /// Editor, plus ingest, erasure, raw transcripts, re-anonymization, keys and the audit log.
    Admin,
}

impl Role {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Intake => "intake",
            Role::Reader => "reader",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// Parses `reader`, `editor` or `admin`.
    pub fn parse(text: &str) -> Result<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "intake" => Ok(Role::Intake),
            "reader" => Ok(Role::Reader),
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            other => Err(Error::InvalidRequest(format!(
                "role `{other}` is not one of reader, editor, admin, intake"
            ))),
        }
    }
}

/// The caller of a request, as the audit log and the packs record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Identity {
    /// The key's name ("Ana (enablement)"), the proxy's user, or `local` without keys.
    pub name: String,
    /// Role.
    pub role: Role,
    /// The key id, when the caller used a key.
    pub key_id: Option<String>,
}

impl Identity {
    /// The identity of a server with no keys (loopback only) and of the CLI.
    pub fn local(name: &str) -> Identity {
        Identity { name: name.to_string(), role: Role::Admin, key_id: None }
    }
}

/// An API key as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeyInfo {
    /// Public id (the part after `sbk_`).
    pub id: String,
    /// Who it is for.
    pub name: String,
    /// Role.
    pub role: Role,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// A new key: the only time its secret is shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewKey {
    /// The key as listed.
    #[serde(flatten)]
    pub info: KeyInfo,
    /// The key to send as `Authorization: Bearer <key>`. Shown once; only its hash is kept.
    pub key: String,
}

/// One line of the audit log: who changed what, ids only (never text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// Position in the log (increasing).
    pub seq: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Key name, proxy user or `local`/`cli`.
    pub actor: String,
    /// The caller's role.
    pub role: Role,
    /// HTTP method or `cli`.
    pub method: String,
    /// Route template (`/v1/packs/{pack_id}`) or CLI command.
    pub route: String,
    /// HTTP status (0 for the CLI).
    pub status: u16,
    /// Ids the change touched: deals, quotes, packs, stories, keys.
    pub ids: Vec<String>,
}

/// Keys and the audit log of one index.
#[derive(Debug)]
pub struct Access {
    /// Key checks and listings: a WAL reader never waits for a writer.
    read: Mutex<Connection>,
    /// Key changes and audit lines.
    write: Mutex<Connection>,
}

fn now() -> String {
    crate::packs::now_rfc3339()
}

fn sha256(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|err| Error::Internal(format!("no randomness for a key: {err}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// The id of a well-formed key (`sbk_<12 hex>_<64 hex>`).
fn key_id(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("sbk_")?;
    let (id, secret) = rest.split_once('_')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 12) && hex(secret, 64)).then_some(id)
}

impl Access {
    /// Opens the keys and audit tables of an index whose store is already open (and migrated).
    pub fn open(index_dir: &Path) -> Result<Access> {
        let path = index_dir.join(crate::store::db::DB_FILE);
        let read = crate::store::db::connect(&path)?;
        let write = crate::store::db::connect(&path)?;
        Ok(Access { read: Mutex::new(read), write: Mutex::new(write) })
    }

    fn reader(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.read.lock().map_err(|_| Error::Internal("access lock poisoned".into()))
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.write.lock().map_err(|_| Error::Internal("access lock poisoned".into()))
    }

    /// Creates a key for `name` with `role`; the answer holds the key, shown this once.
    pub fn create_key(&self, name: &str, role: Role) -> Result<NewKey> {
        let name = crate::model::trim_blank(name);
        if name.is_empty() {
            return Err(Error::InvalidRequest("a key needs a name (who it is for)".into()));
        }
        crate::model::check_length("name", name, crate::model::MAX_NAME_CHARS)?;
        let id = random_hex(6)?;
        let key = format!("sbk_{id}_{}", random_hex(32)?);
        let info = KeyInfo {
            id: id.clone(),
            name: name.to_string(),
            role,
            created_at: now(),
            revoked_at: None,
        };
        self.writer()?.execute(
            "INSERT INTO api_keys(id, name, role, hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, info.name, role.as_str(), sha256(&key), info.created_at],
        )?;
        Ok(NewKey { info, key })
    }

    /// Every key, newest first, revoked ones included.
    pub fn keys(&self) -> Result<Vec<KeyInfo>> {
        let conn = self.reader()?;
        let mut statement = conn.prepare(
            "SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at DESC, id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut keys = vec![];
        for row in rows {
            let (id, name, role, created_at, revoked_at) = row?;
            keys.push(KeyInfo { id, name, role: Role::parse(&role)?, created_at, revoked_at });
        }
        Ok(keys)
    }

    /// Revokes a key (idempotent); it stops working at once, in every process.
    pub fn revoke_key(&self, id: &str) -> Result<KeyInfo> {
        let id = id.trim().trim_start_matches("sbk_");
        let id = id.split('_').next().unwrap_or(id);
        self.writer()?.execute(
            "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, now()],
        )?;
        self.keys()?
            .into_iter()
            .find(|key| key.id == id)
            .ok_or_else(|| Error::KeyNotFound(id.to_string()))
    }

    /// How many keys were ever made, revoked ones included. Before the first, a loopback
    /// server answers as `local`; after it, never again (revoking every key does not reopen a
    /// server).
    pub fn keys_ever_made(&self) -> Result<usize> {
        let conn = self.reader()?;
        let count: i64 = conn.query_row("SELECT COUNT(*) FROM api_keys", [], |row| row.get(0))?;
        Ok(count as usize)
    }

    /// How many keys work now.
    pub fn active_keys(&self) -> Result<usize> {
        let conn = self.reader()?;
        let count: i64 =
            conn.query_row("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL", [], |row| {
                row.get(0)
            })?;
        Ok(count as usize)
    }

    /// The identity of a key, or `None` when it is malformed, unknown or revoked.
    pub fn verify(&self, key: &str) -> Result<Option<Identity>> {
        let Some(id) = key_id(key) else {
            return Ok(None);
        };
        let row: Option<(String, String, Vec<u8>, Option<String>)> = self
            .reader()?
            .query_row(
                "SELECT name, role, hash, revoked_at FROM api_keys WHERE id = ?1",
                params![id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        let Some((name, role, hash, revoked_at)) = row else {
            return Ok(None);
        };
        let matches: bool = sha256(key).ct_eq(&hash).into();
        if !matches || revoked_at.is_some() {
            return Ok(None);
        }
        Ok(Some(Identity { name, role: Role::parse(&role)?, key_id: Some(id.to_string()) }))
    }

    /// Appends a line to the audit log (durably) and returns its position.
    pub fn record(
        &self,
        who: &Identity,
        method: &str,
        route: &str,
        status: u16,
        ids: &[String],
    ) -> Result<i64> {
        let conn = self.writer()?;
        conn.execute(
            "INSERT INTO audit(at, actor, role, method, route, status, ids)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                now(),
                who.name,
                who.role.as_str(),
                method,
                route,
                status,
                serde_json::to_string(ids)?
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Audit lines after position `after`, oldest first, at most `limit`.
    pub fn audit(&self, after: i64, limit: usize) -> Result<Vec<AuditEntry>> {
        let conn = self.reader()?;
        let mut statement = conn.prepare(
            "SELECT seq, at, actor, role, method, route, status, ids FROM audit
             WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = statement.query_map(params![after, limit as i64], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, u16>(6)?,
                row.get::<_, String>(7)?,
            ))
        })?;
        let mut entries = vec![];
        for row in rows {
            let (seq, at, actor, role, method, route, status, ids) = row?;
            entries.push(AuditEntry {
                seq,
                at,
                actor,
                role: Role::parse(&role)?,
                method,
                route,
                status,
                ids: serde_json::from_str(&ids)?,
            });
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access() -> (tempfile::TempDir, Access) {
        let dir = tempfile::tempdir().unwrap();
        crate::store::db::Db::open(dir.path()).unwrap();
        let access = Access::open(dir.path()).unwrap();
        (dir, access)
    }

    #[test]
    fn keys_are_stored_hashed_verified_and_revoked() {
        let (dir, access) = access();
        assert_eq!(access.active_keys().unwrap(), 0);
        let new = access.create_key("Ana (enablement)", Role::Editor).unwrap();
        assert!(key_id(&new.key).is_some(), "{}", new.key);
        let who = access.verify(&new.key).unwrap().unwrap();
        assert_eq!((who.name.as_str(), who.role), ("Ana (enablement)", Role::Editor));
        // Only the hash is on disk: the secret appears nowhere in the database files.
        drop(access);
        let secret = new.key.rsplit('_').next().unwrap().to_string();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                assert!(!text.contains(&secret), "{} holds the key", path.display());
            }
        }
        let access = Access::open(dir.path()).unwrap();
        // A wrong secret with a real id, a malformed key, an unknown id: nobody.
        let mut forged = new.key.clone();
        forged.replace_range(forged.len() - 1.., if new.key.ends_with('0') { "1" } else { "0" });
        for key in [forged.as_str(), "sbk_nothing", "", "Bearer x", "sbk_000000000000_00"] {
            assert_eq!(access.verify(key).unwrap(), None, "{key}");
        }
        let revoked = access.revoke_key(&new.info.id).unwrap();
        assert!(revoked.revoked_at.is_some());
        assert_eq!(access.verify(&new.key).unwrap(), None);
        assert_eq!(access.active_keys().unwrap(), 0);
        assert!(matches!(access.revoke_key("abc"), Err(Error::KeyNotFound(_))));
    }

    #[test]
    fn the_audit_log_keeps_ids_in_order() {
        let (_dir, access) = access();
        let who = Identity::local("cli");
        access.record(&who, "cli", "forget", 0, &["D-1".into()]).unwrap();
        access.record(&who, "POST", "/v1/packs", 201, &["pk-1".into()]).unwrap();
        let all = access.audit(0, 10).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].ids, vec!["pk-1".to_string()]);
        assert_eq!(access.audit(all[0].seq, 10).unwrap().len(), 1);
    }
}

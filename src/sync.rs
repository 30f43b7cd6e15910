//! Keeping a [`Storybank`] in step with its store: the writer lock and write sessions, catching
//! the derived indexes up to the store's last change, reloading what another process
//! committed, and the health that says when answers may be incomplete.

use std::collections::{BTreeSet, HashMap};
use std::sync::RwLockWriteGuard;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::anonymize::PiiGuard;
use crate::app::{
    DealVectors, IngestReport, Storybank, effective_backend, embedding_input, keyword_docs,
};
use crate::corpus::Aliases;
use crate::error::{Error, Result};
use crate::search::Catalog;
use crate::store::DealRecord;
use crate::store::Manifest;
use crate::store::cache::text_key;
use crate::store::db::doc;
use crate::store::keyword::KeywordIndex;
use crate::store::lock::WriteLock;
use crate::store::vector::{Backend, VectorStore};

/// Held while this instance writes: the process's writer mutex and the folder's file lock.
pub(crate) struct WriteSession<'a> {
    _local: std::sync::MutexGuard<'a, ()>,
    _lock: WriteLock,
}

/// Whether answers are complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` while an index is behind the store.
    pub status: String,
    /// Why it is degraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The store's last change number.
    pub store_change: i64,
    /// The change number the served indexes reflect.
    pub index_change: i64,
}

impl Storybank {
    /// Takes this process's writer mutex, then the folder's writer lock.
    pub(crate) fn write_session(&self) -> Result<WriteSession<'_>> {
        let local =
            self.writer.lock().map_err(|_| Error::Internal("writer lock poisoned".into()))?;
        let lock = WriteLock::acquire(&self.settings.index_dir)?;
        Ok(WriteSession { _local: local, _lock: lock })
    }

    /// Takes the writer lock and brings the catalog and indexes up to the store's last change
    /// (another process may have written since this one last looked).
    pub(crate) fn begin_write(&self) -> Result<(WriteSession<'_>, RwLockWriteGuard<'_, Catalog>)> {
        let session = self.write_session()?;
        let store_change = self.db.change()?;
        if store_change != self.seen()? {
            self.reload_locked(&session)?;
        }
        Ok((session, self.write_catalog()?))
    }

    pub(crate) fn write_catalog(&self) -> Result<RwLockWriteGuard<'_, Catalog>> {
        self.catalog.write().map_err(|_| Error::Internal("catalog lock poisoned".into()))
    }

    pub(crate) fn seen(&self) -> Result<i64> {
        Ok(*self.seen_change.lock().map_err(|_| Error::Internal("lock".into()))?)
    }

    pub(crate) fn set_seen(&self, change: i64) -> Result<()> {
        *self.seen_change.lock().map_err(|_| Error::Internal("lock".into()))? = change;
        Ok(())
    }

    pub(crate) fn set_degraded(&self, reason: Option<String>) {
        if let Ok(mut degraded) = self.degraded.lock() {
            *degraded = reason;
        }
    }

    /// Whether answers are complete: `degraded` while the served indexes are behind the store
    /// (another process is writing, or catching up failed), with the reason.
    pub fn health(&self) -> Result<Health> {
        let store_change = self.db.change()?;
        let index_change = self.seen()?;
        let mut reason = self.degraded.lock().ok().and_then(|d| d.clone());
        // Behind only when deals changed since (a pack edit changes no index).
        if reason.is_none()
            && index_change < store_change
            && !self.db.changes_since(index_change)?.deals.is_empty()
        {
            reason = Some(format!(
                "indexes at change {index_change}, store at {store_change}: catching up"
            ));
        }
        Ok(Health {
            status: if reason.is_some() { "degraded" } else { "ok" }.into(),
            reason,
            store_change,
            index_change,
        })
    }

    /// Reloads deals from the store and reopens both indexes, catching them up to the store,
    /// when the writer lock is free. When another process holds it, only the deal records are
    /// refreshed (so erasures apply at once) and the indexes wait for the next reload.
    pub(crate) fn reload(&self) -> Result<bool> {
        let local = self.writer.try_lock().ok();
        let lock = match (local, WriteLock::try_acquire(&self.settings.index_dir)?) {
            (Some(local), Some(lock)) => Some(WriteSession { _local: local, _lock: lock }),
            _ => None,
        };
        match lock {
            Some(session) => {
                self.reload_locked(&session)?;
                Ok(true)
            }
            None => {
                self.refresh_records()?;
                Ok(false)
            }
        }
    }

    /// Deals, aliases and guard terms from the store, without touching the indexes: quotes the
    /// store no longer holds (an erasure) stop being served at once.
    pub(crate) fn refresh_records(&self) -> Result<()> {
        let deals = self.db.deals()?;
        let guard = self.load_guard()?;
        let aliases = self.db.document(doc::ALIASES)?;
        let mut catalog = self.write_catalog()?;
        catalog.deals = deals;
        catalog.guard = guard;
        catalog.aliases = aliases;
        catalog.index_quotes();
        Ok(())
    }

    pub(crate) fn load_guard(&self) -> Result<PiiGuard> {
        let aliases: Aliases = self.db.document(doc::ALIASES)?;
        let protected = crate::anonymize::Protected::new(&aliases);
        let mut guard = PiiGuard::default();
        for (deal_id, terms) in self.db.guard_terms()? {
            guard.set_deal(&deal_id, &terms, &protected);
        }
        Ok(guard)
    }

    /// The vector backend to open: the manifest's (another process may have moved the
    /// vectors), reached through the hosts this instance was given when it is the same store.
    pub(crate) fn current_backend(&self) -> Result<Backend> {
        let index_dir = &self.settings.index_dir;
        let recorded = match Manifest::read(index_dir)? {
            Some(manifest) => manifest.backend()?,
            None => {
                return Ok(self
                    .backend
                    .lock()
                    .map_err(|_| Error::Internal("lock".into()))?
                    .clone());
            }
        };
        let mut mine = self.backend.lock().map_err(|_| Error::Internal("lock".into()))?;
        let effective = effective_backend(index_dir, &recorded, Some(&mine)).unwrap_or(recorded);
        *mine = effective.clone();
        Ok(effective)
    }

    /// Full reload under the writer lock: records from the store, indexes reopened from disk
    /// and caught up (see [`Storybank::catch_up`]).
    pub(crate) fn reload_locked(&self, _session: &WriteSession<'_>) -> Result<()> {
        let store_change = self.db.change()?;
        let index_dir = &self.settings.index_dir;
        let mut catalog = Catalog {
            deals: self.db.deals()?,
            quotes: HashMap::new(),
            aliases: self.db.document(doc::ALIASES)?,
            keyword: KeywordIndex::open(index_dir)?,
            vectors: VectorStore::open(
                index_dir,
                &self.current_backend()?,
                self.embedder.dimension(),
            )?,
            guard: self.load_guard()?,
        };
        catalog.index_quotes();
        match self.catch_up(&mut catalog, store_change) {
            Ok(()) => self.set_degraded(None),
            Err(err) => {
                tracing::error!(error = %err, "could not bring the indexes up to the store");
                self.set_degraded(Some(format!(
                    "indexes could not catch up with the store: {err}"
                )));
            }
        }
        *self.write_catalog()? = catalog;
        self.set_seen(store_change)
    }

    /// Brings both indexes to the store's `store_change`: deals changed since an index's
    /// recorded change are re-applied (removed when the store no longer has them); an index
    /// ahead of the store (a restored backup) or without a record is rebuilt; then every deal's
    /// vector rows and the keyword document count are checked against the store, and whatever
    /// disagrees is re-applied. Vectors come from the embedding cache (embedded only if
    /// missing), so nothing is re-embedded that was embedded before.
    pub(crate) fn catch_up(&self, catalog: &mut Catalog, store_change: i64) -> Result<()> {
        let keyword_change = catalog.keyword.applied_change();
        let vector_change = catalog.vectors.applied_change();
        let quotes = catalog.quotes.len() as u64;
        let keyword_rebuild = keyword_change > store_change
            || (keyword_change == 0 && catalog.keyword.num_docs() > 0);
        let mut vector_rebuild = vector_change > store_change;
        // A backend that lives elsewhere (a Qdrant cluster) may have lost or kept points behind
        // this index's back: its count must match the record.
        if !vector_rebuild && let Some(why) = catalog.vectors.verify()? {
            tracing::warn!(reason = %why, "vector store disagrees with its record; rebuilding it");
            vector_rebuild = true;
        }
        let mut keyword_deals = BTreeSet::new();
        let mut vector_deals = BTreeSet::new();
        if keyword_rebuild {
            catalog.keyword.clear()?;
            keyword_deals.extend(catalog.deals.keys().cloned());
        } else if keyword_change < store_change {
            keyword_deals.extend(self.db.changes_since(keyword_change)?.deals);
        }
        if vector_rebuild {
            catalog.vectors.clear()?;
            vector_deals.extend(catalog.deals.keys().cloned());
        } else if vector_change < store_change {
            vector_deals.extend(self.db.changes_since(vector_change)?.deals);
        }
        // Whatever the numbers say, the vector rows must be exactly the store's quotes.
        let indexed = catalog.vectors.quote_ids_by_deal();
        for (deal_id, record) in &catalog.deals {
            let mut want: Vec<&str> = record.quotes.iter().map(|q| q.quote_id.as_str()).collect();
            let mut have: Vec<&str> = indexed
                .get(deal_id.as_str())
                .map(|ids| ids.iter().map(String::as_str).collect())
                .unwrap_or_default();
            want.sort_unstable();
            have.sort_unstable();
            if want != have {
                vector_deals.insert(deal_id.clone());
            }
        }
        for deal_id in indexed.keys() {
            if !catalog.deals.contains_key(deal_id) {
                vector_deals.insert(deal_id.clone());
            }
        }
        drop(indexed);
        if keyword_deals.is_empty()
            && vector_deals.is_empty()
            && keyword_change == store_change
            && vector_change == store_change
            && catalog.keyword.num_docs() == quotes
        {
            return Ok(());
        }
        tracing::info!(
            store_change,
            keyword_change,
            vector_change,
            keyword_deals = keyword_deals.len(),
            vector_deals = vector_deals.len(),
            "bringing the indexes up to the store"
        );
        for deal_id in &keyword_deals {
            match catalog.deals.get(deal_id) {
                Some(record) => catalog.keyword.replace_deal(deal_id, &keyword_docs(record))?,
                None => catalog.keyword.remove_deal(deal_id)?,
            }
        }
        for deal_id in &vector_deals {
            match catalog.deals.get(deal_id) {
                Some(record) => {
                    let rows = self.vectors_of(record, &mut IngestReport::default())?;
                    catalog.vectors.replace_deal(record, rows)?;
                }
                None => catalog.vectors.remove_deal(deal_id)?,
            }
        }
        catalog.keyword.commit(store_change)?;
        if catalog.keyword.num_docs() != quotes {
            tracing::warn!(
                docs = catalog.keyword.num_docs(),
                quotes,
                "keyword index disagrees with the store; rebuilding it"
            );
            catalog.keyword.clear()?;
            for (deal_id, record) in &catalog.deals {
                catalog.keyword.replace_deal(deal_id, &keyword_docs(record))?;
            }
            catalog.keyword.commit(store_change)?;
        }
        catalog.vectors.commit(store_change)?;
        Ok(())
    }

    /// The vectors of a deal's quotes: from the cache, embedding (and caching) what is missing.
    pub(crate) fn vectors_of(
        &self,
        record: &DealRecord,
        report: &mut IngestReport,
    ) -> Result<DealVectors> {
        let model_id = self.embedder.model_id().to_string();
        let inputs: Vec<String> = record.quotes.iter().map(embedding_input).collect();
        let keys: Vec<[u8; 32]> = inputs.iter().map(|input| text_key(&model_id, input)).collect();
        let mut cached = self.embeddings.get_many(&keys)?;
        report.cached_vectors += cached.len();
        let missing: Vec<usize> =
            (0..keys.len()).filter(|i| !cached.contains_key(&keys[*i])).collect();
        if !missing.is_empty() {
            let texts: Vec<&str> = missing.iter().map(|&i| inputs[i].as_str()).collect();
            let vectors = self.embedder.embed_passages(&texts)?;
            let rows: Vec<([u8; 32], Vec<f32>)> =
                missing.iter().zip(vectors).map(|(&i, vector)| (keys[i], vector)).collect();
            self.embeddings.insert(&rows)?;
            cached.extend(rows);
        }
        Ok(record
            .quotes
            .iter()
            .zip(&keys)
            .map(|(quote, key)| (quote.quote_id.clone(), cached[key].clone()))
            .collect())
    }

    /// Picks up what another process (an `ingest`, `reindex`, `forget` or `tag` run) committed
    /// since this instance last looked: erased deals and quotes stop being served at once, and
    /// the indexes are reloaded as soon as no other process is writing. Returns true when it
    /// reloaded. `serve` calls this every 2 seconds.
    pub fn reload_if_changed(&self) -> Result<bool> {
        let store_change = self.db.change()?;
        let seen = self.seen()?;
        let degraded = self.degraded.lock().map(|d| d.is_some()).unwrap_or(false);
        if degraded {
            // Catching up failed (a vector cluster was down): try again.
            return self.reload();
        }
        if self.remote_check_due() {
            // A vector store on another machine can lose points behind this process's back
            // (a wiped or restored cluster): compare its count with the record now and then.
            let verdict = self.read()?.vectors.verify();
            match verdict {
                Ok(None) => {}
                Ok(Some(why)) => {
                    tracing::warn!(reason = %why, "vector store disagrees with its record; rebuilding");
                    return self.reload();
                }
                Err(err) => {
                    self.set_degraded(Some(format!("vector store unreachable: {err}")));
                    return Ok(false);
                }
            }
        }
        if store_change == seen {
            return Ok(false);
        }
        // Pack and story edits are read from the store on every request: nothing to reload.
        let since = self.db.changes_since(seen)?;
        if since.deals.is_empty() && !since.documents.contains(doc::ALIASES) {
            self.set_seen(store_change)?;
            return Ok(false);
        }
        let reloaded = self.reload()?;
        if reloaded {
            tracing::info!(store_change, "the store changed; reloaded");
        }
        Ok(reloaded)
    }

    /// Whether a remote vector store is due a count check (every 30 s).
    fn remote_check_due(&self) -> bool {
        let remote = self.read().is_ok_and(|c| c.vectors.is_remote());
        if !remote {
            return false;
        }
        let now = std::time::Instant::now();
        let Ok(mut last) = self.last_remote_check.lock() else { return false };
        if last.is_some_and(|at| now.duration_since(at) < std::time::Duration::from_secs(30)) {
            return false;
        }
        *last = Some(now);
        true
    }

    /// After a write that changed only documents no index reads (insights, packs): the indexes
    /// still reflect the store, so the change this instance has seen moves past it, unless
    /// another process changed deals meanwhile.
    pub(crate) fn note_document_change(&self) -> Result<()> {
        let seen = self.seen()?;
        let change = self.db.change()?;
        if change > seen {
            let since = self.db.changes_since(seen)?;
            if since.deals.is_empty() && !since.documents.contains(doc::ALIASES) {
                self.set_seen(change)?;
            }
        }
        Ok(())
    }

    /// Commits both indexes as holding the store's current change (under the writer lock, so
    /// every change up to it is in memory) and records that this instance has seen it.
    pub(crate) fn commit_indexes(
        &self,
        _session: &WriteSession<'_>,
        catalog: &mut Catalog,
    ) -> Result<()> {
        let change = self.db.change()?;
        catalog.keyword.commit(change)?;
        catalog.vectors.commit(change)?;
        self.set_seen(change)
    }
}

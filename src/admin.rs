//! Admin operations on a [`Storybank`]: reading a raw transcript, redaction audit counts, and
//! erasure of a deal or of a person. An erasure is one store transaction: the deal's (or the
//! person's) quotes, raw text and stories are deleted and a tombstone is written together, so
//! a crash leaves either nothing erased or everything; the indexes follow (and catch up on
//! the next open if a crash came first), every read path serves only what the store holds,
//! and no later ingest or edit can bring the data back.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::anonymize::{contains_word, same_person};
use crate::app::Storybank;
use crate::error::{Error, Result};
use crate::model::QuoteRecord;
use crate::store::db::{Tombstones, tombstone};
use crate::store::{DealRecord, PrivateRecord};

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ForgetReport {
    /// Deals removed entirely.
    pub deals: Vec<String>,
    /// Quotes removed.
    pub quotes: Vec<String>,
    /// Deals whose raw transcript was dropped because it contains the person.
    pub raw_transcripts: Vec<String>,
    /// Saved stories removed with their quotes (and taken out of their packs, with a notice).
    #[serde(default)]
    pub stories: Vec<String>,
}

/// Removes from a deal every quote spoken by, or naming, a person; drops the raw transcript when
/// the person appears in it. Returns the removed quotes.
pub fn remove_person(
    record: &mut DealRecord,
    private: &mut PrivateRecord,
    name: &str,
) -> Vec<QuoteRecord> {
    let placeholders: HashSet<String> = private
        .people
        .iter()
        .filter(|(_, person)| same_person(person, name))
        .map(|(p, _)| p.clone())
        .collect();
    let raw_mentions = private.raw_transcript.as_deref().is_some_and(|raw| {
        let lower = raw.to_lowercase();
        crate::anonymize::name_forms(name)
            .iter()
            .any(|form| contains_word(&lower, &form.to_lowercase()))
    });
    if placeholders.is_empty() && !raw_mentions {
        return vec![];
    }
    let mut removed = vec![];
    record.quotes.retain(|quote| {
        let spoken =
            private.quote_speakers.get(&quote.quote_id).is_some_and(|p| placeholders.contains(p));
        let named = placeholders.iter().any(|p| {
            quote.text.contains(p.as_str())
                || quote.context.as_deref().is_some_and(|c| c.contains(p.as_str()))
        });
        if spoken || named {
            removed.push(quote.clone());
        }
        !(spoken || named)
    });
    private.raw_transcript = None;
    private.people.retain(|(_, person)| !same_person(person, name));
    removed
}

impl Storybank {
    /// The unredacted transcript of a deal (admin only; never served over HTTP).
    pub fn raw_transcript(&self, deal_id: &str) -> Result<String> {
        let private =
            self.db.private(deal_id)?.ok_or_else(|| Error::DealNotFound(deal_id.to_string()))?;
        private.raw_transcript.ok_or_else(|| Error::TranscriptNotFound(deal_id.to_string()))
    }

    /// Redactions made while anonymizing a deal, by kind.
    pub fn redactions(&self, deal_id: &str) -> Result<BTreeMap<String, usize>> {
        let private =
            self.db.private(deal_id)?.ok_or_else(|| Error::DealNotFound(deal_id.to_string()))?;
        Ok(private.redactions)
    }

    /// Erases a deal from the source of record and both indexes, and remembers the erasure.
    pub fn forget_deal(&self, deal_id: &str) -> Result<ForgetReport> {
        let (_session, mut catalog) = self.begin_write()?;
        let ((record, stories), _) = self.db.write(|tx| {
            let Some(record) = tx.deal(deal_id)? else {
                // Erasing again (a rerun after a crash) is not an error.
                if tx.tombstones()?.deals.contains(deal_id) {
                    let empty = DealRecord {
                        deal_id: deal_id.to_string(),
                        info: Default::default(),
                        transcript: None,
                        quotes: vec![],
                    };
                    return Ok((empty, vec![]));
                }
                return Err(Error::DealNotFound(deal_id.to_string()));
            };
            tx.delete_deal(deal_id)?;
            tx.add_tombstone(tombstone::DEAL, deal_id)?;
            let stories = crate::packs::drop_stories_in_tx(
                tx,
                &|story| story.deal_id == deal_id,
                "deal erased with forget",
            )?;
            Ok((record, stories))
        })?;
        crate::store::crash_point("forget.stored");
        catalog.remove_deal(deal_id);
        catalog.guard.remove_deal(deal_id);
        catalog.keyword.remove_deal(deal_id)?;
        catalog.vectors.remove_deal(deal_id)?;
        self.commit_indexes(&_session, &mut catalog)?;
        // The cached vectors of its quotes go too, and the log's old pages with them.
        let model_id = self.embedder.model_id().to_string();
        let keys: Vec<[u8; 32]> = record
            .quotes
            .iter()
            .map(|quote| {
                crate::store::cache::text_key(&model_id, &crate::app::embedding_input(quote))
            })
            .collect();
        self.embeddings.remove(&keys)?;
        self.db.purge_log();
        tracing::info!(
            deal_id,
            quotes = record.quotes.len(),
            stories = stories.len(),
            "deal forgotten"
        );
        Ok(ForgetReport {
            deals: vec![deal_id.to_string()],
            quotes: record.quotes.iter().map(|q| q.quote_id.clone()).collect(),
            raw_transcripts: if record.quotes.is_empty() && record.transcript.is_none() {
                vec![]
            } else {
                vec![deal_id.to_string()]
            },
            stories,
        })
    }

    /// Applies erasures recorded elsewhere (the store a restore replaced) that this store does
    /// not have yet; returns how many deal and person erasures it applied.
    pub fn reapply_erasures(&self, erased: &Tombstones) -> Result<(usize, usize)> {
        let have = self.db.tombstones()?;
        let mut counts = (0, 0);
        for deal_id in erased.deals.difference(&have.deals) {
            match self.forget_deal(deal_id) {
                Ok(_) => {}
                Err(Error::DealNotFound(_)) => {
                    self.db.write(|tx| tx.add_tombstone(tombstone::DEAL, deal_id))?;
                }
                Err(err) => return Err(err),
            }
            counts.0 += 1;
        }
        for person in erased.people.difference(&have.people) {
            self.forget_person(person)?;
            counts.1 += 1;
        }
        Ok(counts)
    }

    /// Erases every quote spoken by or naming a person, in every deal, and remembers the erasure.
    pub fn forget_person(&self, name: &str) -> Result<ForgetReport> {
        if name.split(crate::model::is_blank_char).filter(|w| !w.is_empty()).count() < 2 {
            return Err(Error::InvalidRequest(
                "give the person's full name (first and last), e.g. \"Priya Raman\"".into(),
            ));
        }
        let name = crate::model::trim_blank(name);
        let (session, mut catalog) = self.begin_write()?;
        let model_id = self.embedder.model_id().to_string();
        let (changed, _) = self.db.write(|tx| {
            let mut report = ForgetReport::default();
            let mut changed = vec![];
            let mut keys: Vec<[u8; 32]> = vec![];
            for deal_id in tx.deal_ids()? {
                let (Some(mut record), Some(mut private)) =
                    (tx.deal(&deal_id)?, tx.private(&deal_id)?)
                else {
                    continue;
                };
                let had_raw = private.raw_transcript.is_some();
                let removed = remove_person(&mut record, &mut private, name);
                if removed.is_empty() && (private.raw_transcript.is_some() || !had_raw) {
                    continue;
                }
                // The cached vectors of the erased quotes go with them.
                keys.extend(removed.iter().map(|quote| {
                    crate::store::cache::text_key(&model_id, &crate::app::embedding_input(quote))
                }));
                if had_raw && private.raw_transcript.is_none() {
                    report.raw_transcripts.push(deal_id.clone());
                }
                tx.put_deal(&record, Some(&private))?;
                report.quotes.extend(removed.into_iter().map(|quote| quote.quote_id));
                changed.push(record);
            }
            tx.add_tombstone(tombstone::PERSON, name)?;
            let removed = report.quotes.clone();
            report.stories = crate::packs::drop_stories_in_tx(
                tx,
                &|story| removed.contains(&story.quote_id),
                "quote erased with forget --person",
            )?;
            Ok((report, changed, keys))
        })?;
        crate::store::crash_point("forget.stored");
        let (report, records, keys) = changed;
        for record in records {
            let kept: HashSet<&str> = record.quotes.iter().map(|q| q.quote_id.as_str()).collect();
            let rows: Vec<(String, Vec<f32>)> = catalog
                .vectors
                .deal_vectors(&record.deal_id)?
                .into_iter()
                .filter(|(id, _)| kept.contains(id.as_str()))
                .collect();
            catalog.index_deal(&record, rows)?;
            catalog.put_deal(record);
        }
        self.commit_indexes(&session, &mut catalog)?;
        self.embeddings.remove(&keys)?;
        self.db.purge_log();
        tracing::info!(
            quotes = report.quotes.len(),
            deals = report.raw_transcripts.len(),
            "person forgotten"
        );
        Ok(report)
    }

    /// Checks that the store is sound and that both indexes hold exactly the store's quotes
    /// (opening already caught them up); lists every problem found.
    pub fn check(&self) -> Result<CheckReport> {
        let catalog = self.read_catalog()?;
        let mut problems = vec![];
        if let Err(err) = self.db.integrity_check() {
            problems.push(err.to_string());
        }
        let health = self.health()?;
        if let Some(reason) = health.reason {
            problems.push(reason);
        }
        let stored: BTreeMap<String, Vec<String>> = self
            .db
            .deals()?
            .into_iter()
            .map(|(id, record)| (id, record.quotes.into_iter().map(|q| q.quote_id).collect()))
            .collect();
        let all: std::collections::BTreeSet<&str> =
            stored.values().flatten().map(String::as_str).collect();
        let mut keyword = catalog.keyword.quote_ids()?;
        keyword.sort();
        let before = keyword.len();
        keyword.dedup();
        if keyword.len() != before {
            problems.push(format!("keyword index: {} duplicate documents", before - keyword.len()));
        }
        let keyword: std::collections::BTreeSet<&str> =
            keyword.iter().map(String::as_str).collect();
        let recorded = catalog.vectors.quote_ids_by_deal();
        let vectors: std::collections::BTreeSet<&str> =
            recorded.values().flatten().map(String::as_str).collect();
        for (name, indexed) in [("keyword", &keyword), ("vector", &vectors)] {
            let missing = all.difference(indexed).count();
            let extra = indexed.difference(&all).count();
            if missing > 0 || extra > 0 {
                problems.push(format!(
                    "{name} index: {missing} stored quotes missing, {extra} not in the store"
                ));
            }
        }
        // What the backend itself holds (a Qdrant collection can lose or keep points behind the
        // index's back).
        let vector_points = match catalog.vectors.backend_count() {
            Ok(count) => {
                if count != all.len() {
                    problems.push(format!(
                        "vector store {} holds {count} vectors for {} stored quotes",
                        catalog.vectors.backend().describe(),
                        all.len()
                    ));
                }
                Some(count)
            }
            Err(err) => {
                problems.push(format!("vector store unreachable: {err}"));
                None
            }
        };
        let served: std::collections::BTreeSet<&str> =
            catalog.quotes.keys().map(String::as_str).collect();
        if served != all {
            problems.push("served quotes differ from the store".into());
        }
        let tombstones = self.db.tombstones()?;
        for deal in &tombstones.deals {
            if stored.contains_key(deal) {
                problems.push(format!("erased deal {deal} is in the store"));
            }
        }
        Ok(CheckReport {
            deals: stored,
            erased_deals: tombstones.deals.into_iter().collect(),
            erased_people: tombstones.people.len(),
            store_change: health.store_change,
            index_change: health.index_change,
            vectors: catalog.vectors.backend().describe(),
            vector_points,
            problems,
        })
    }
}

/// What `storybank check` found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckReport {
    /// Quote ids per deal in the store.
    pub deals: BTreeMap<String, Vec<String>>,
    /// Erased deal ids.
    pub erased_deals: Vec<String>,
    /// Number of erased people.
    pub erased_people: usize,
    /// The store's last change.
    pub store_change: i64,
    /// The change the indexes reflect.
    pub index_change: i64,
    /// The vector backend (`flat` or the Qdrant URL, without credentials).
    pub vectors: String,
    /// Vectors the backend holds (`None` when it cannot be reached).
    pub vector_points: Option<usize>,
    /// Everything wrong (empty when sound).
    pub problems: Vec<String>,
}

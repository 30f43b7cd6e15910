//! Admin operations on a [`Storybank`]: reading a raw transcript, redaction audit counts, and
//! erasure of a deal or of a person. An erasure is one store transaction: the deal's (or the
//! person's) quotes, raw text and stories are deleted and a tombstone is written together, so
//! a crash leaves either nothing erased or everything; the indexes follow (and catch up on
//! the next open if a crash came first), every read path serves only what the store holds,
//! and no later ingest or edit can bring the data back.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::anonymize::erased::{Erased, ErasedPerson};
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

/// Removes from a deal everything of the erased people: every quote spoken by them, naming them
/// by placeholder, or naming them in plain words (a full name in any deal; a given name or
/// surname that is no English word in a deal they are part of); the raw transcript when it holds
/// any form of their names or they are part of the deal; and their names from the deal's people,
/// CRM row and guard terms (forms that are also another person's of the deal stay). Returns the
/// removed quotes.
pub fn remove_person(
    record: &mut DealRecord,
    private: &mut PrivateRecord,
    erased: &Erased,
) -> Vec<QuoteRecord> {
    if erased.is_empty() {
        return vec![];
    }
    let erased_name = |name: &str| erased.people.iter().any(|person| person.is(name));
    let mut placeholders: HashSet<String> = HashSet::new();
    let mut in_deal: HashSet<usize> = HashSet::new();
    let row_names = private.row.iter().flat_map(|row| {
        row.contact_names.iter().chain([&row.rep_name, &row.interviewer]).map(|name| ("", name))
    });
    let people = private.people.iter().map(|(placeholder, name)| (placeholder.as_str(), name));
    for (placeholder, name) in people.chain(row_names) {
        for (index, person) in erased.people.iter().enumerate() {
            if person.is(name) {
                in_deal.insert(index);
                if !placeholder.is_empty() {
                    placeholders.insert(placeholder.to_string());
                }
            }
        }
    }
    let plain = |text: &str| {
        erased
            .mentions(text)
            .iter()
            .any(|(person, mention)| mention.full || (mention.single && in_deal.contains(person)))
    };
    let mut removed = vec![];
    record.quotes.retain(|quote| {
        let spoken =
            private.quote_speakers.get(&quote.quote_id).is_some_and(|p| placeholders.contains(p));
        let named = placeholders.iter().any(|p| {
            quote.text.contains(p.as_str())
                || quote.context.as_deref().is_some_and(|c| c.contains(p.as_str()))
        });
        let erase =
            spoken || named || plain(&quote.text) || quote.context.as_deref().is_some_and(plain);
        if erase {
            removed.push(quote.clone());
        }
        !erase
    });
    let raw_mentions =
        private.raw_transcript.as_deref().is_some_and(|raw| !erased.mentions(raw).is_empty());
    if raw_mentions || !in_deal.is_empty() {
        private.raw_transcript = None;
    }
    if in_deal.is_empty() {
        return removed;
    }
    // Their names go from what the deal keeps; another person's forms stay.
    private.people.retain(|(_, person)| !erased_name(person));
    if let Some(row) = &mut private.row {
        row.contact_names.retain(|name| !erased_name(name));
        for name in [&mut row.rep_name, &mut row.interviewer] {
            if erased_name(name) {
                name.clear();
            }
        }
    }
    let key = |form: &str| crate::anonymize::erased::words(form).join(" ");
    let mut kept: HashSet<String> = private
        .people
        .iter()
        .flat_map(|(_, person)| crate::anonymize::name_forms(person))
        .map(|form| key(&form))
        .collect();
    private.crm_terms.retain(|term| {
        !(placeholders.contains(&term.placeholder) && erased.is_form(&term.form))
            || kept.contains(&key(&term.form))
    });
    kept.extend(private.crm_terms.iter().map(|term| key(&term.form)));
    private.pii_terms.retain(|form| !erased.is_form(form) || kept.contains(&key(form)));
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
        for value in erased.people.difference(&have.people) {
            let person = ErasedPerson::from_tombstone(value);
            if !have.people.contains(&person.tombstone()) {
                self.forget_erased(person)?;
                counts.1 += 1;
            }
        }
        Ok(counts)
    }

    /// Rewrites person tombstones written before names were hashed into hashes, so the store
    /// keeps no erased name; returns how many it rewrote. Run by every open that finds one;
    /// never waits: while another process writes, the next open does it.
    pub(crate) fn hash_person_tombstones(&self) -> Result<usize> {
        let Some(_lock) = crate::store::lock::WriteLock::try_acquire(&self.settings.index_dir)?
        else {
            return Ok(0);
        };
        let (rewritten, _) = self.db.write(|tx| {
            let plain = tx.plain_person_tombstones()?;
            for name in &plain {
                tx.delete_tombstone(tombstone::PERSON, name)?;
                let hashed = ErasedPerson::from_name(name).tombstone();
                tx.add_tombstone(tombstone::PERSON_HASHED, &hashed)?;
            }
            Ok(plain.len())
        })?;
        self.db.purge_log();
        Ok(rewritten)
    }

    /// Erases every quote spoken by or naming a person, in every deal, and remembers the erasure.
    pub fn forget_person(&self, name: &str) -> Result<ForgetReport> {
        if name.split(crate::model::is_blank_char).filter(|w| !w.is_empty()).count() < 2 {
            return Err(Error::InvalidRequest(
                "give the person's full name (first and last), e.g. \"Priya Raman\"".into(),
            ));
        }
        self.forget_erased(ErasedPerson::from_name(crate::model::trim_blank(name)))
    }

    /// Erases a person the store knows by their hashed name (a tombstone).
    fn forget_erased(&self, person: ErasedPerson) -> Result<ForgetReport> {
        let tombstone = person.tombstone();
        let erased = Erased::of([person]);
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
                let before = private.clone();
                let removed = remove_person(&mut record, &mut private, &erased);
                if removed.is_empty() && private == before {
                    continue;
                }
                // The cached vectors of the erased quotes go with them.
                keys.extend(removed.iter().map(|quote| {
                    crate::store::cache::text_key(&model_id, &crate::app::embedding_input(quote))
                }));
                if before.raw_transcript.is_some() && private.raw_transcript.is_none() {
                    report.raw_transcripts.push(deal_id.clone());
                }
                tx.put_deal(&record, Some(&private))?;
                report.quotes.extend(removed.into_iter().map(|quote| quote.quote_id));
                changed.push(record);
            }
            tx.add_tombstone(tombstone::PERSON_HASHED, &tombstone)?;
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

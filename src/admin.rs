//! Admin operations on a [`Storybank`]: reading a raw transcript, redaction audit counts, and
//! erasure of a deal or of a person. Erasure is recorded in `<index>/forgotten.json`, so a
//! later ingest of the same files does not bring the data back (and a reindex cannot: it reads
//! the source of record, from which the data is gone).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::anonymize::{contains_word, same_person};
use crate::app::Storybank;
use crate::error::{Error, Result};
use crate::store::{DealRecord, PrivateRecord, write_atomic};

/// Deals and people that were erased; consulted by every ingest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Forgotten {
    /// Erased deal ids.
    pub deals: BTreeSet<String>,
    /// Erased people (full names as given to `forget --person`).
    pub people: BTreeSet<String>,
}

impl Forgotten {
    /// Reads `<index>/forgotten.json` (empty when absent).
    pub fn read(index_dir: &Path) -> Result<Forgotten> {
        let path = index_dir.join("forgotten.json");
        match std::fs::read(&path) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes)?),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Forgotten::default()),
            Err(err) => Err(Error::io(format!("reading {}", path.display()), err)),
        }
    }

    fn write(&self, index_dir: &Path) -> Result<()> {
        write_atomic(&index_dir.join("forgotten.json"), &serde_json::to_vec_pretty(self)?)
    }
}

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
/// the person appears in it. Returns the removed quote ids.
pub fn remove_person(
    record: &mut DealRecord,
    private: &mut PrivateRecord,
    name: &str,
) -> Vec<String> {
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
            removed.push(quote.quote_id.clone());
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
        let private = self
            .records
            .load_private(deal_id)?
            .ok_or_else(|| Error::DealNotFound(deal_id.to_string()))?;
        private.raw_transcript.ok_or_else(|| {
            Error::InvalidRequest(format!("deal {deal_id} has no raw transcript stored"))
        })
    }

    /// Redactions made while anonymizing a deal, by kind.
    pub fn redactions(&self, deal_id: &str) -> Result<BTreeMap<String, usize>> {
        let private = self
            .records
            .load_private(deal_id)?
            .ok_or_else(|| Error::DealNotFound(deal_id.to_string()))?;
        Ok(private.redactions)
    }

    /// Erases a deal from the source of record and both indexes, and remembers the erasure.
    pub fn forget_deal(&self, deal_id: &str) -> Result<ForgetReport> {
        let mut catalog =
            self.catalog.write().map_err(|_| Error::Internal("catalog lock poisoned".into()))?;
        let Some(record) = catalog.deals.remove(deal_id) else {
            return Err(Error::DealNotFound(deal_id.to_string()));
        };
        self.records.delete(deal_id)?;
        catalog.keyword.remove_deal(deal_id)?;
        catalog.vectors.remove_deal(deal_id);
        catalog.keyword.commit()?;
        catalog.vectors.commit()?;
        catalog.guard.remove_deal(deal_id);
        catalog.index_quotes();
        let mut forgotten = Forgotten::read(self.index_dir())?;
        forgotten.deals.insert(deal_id.to_string());
        forgotten.write(self.index_dir())?;
        drop(catalog);
        self.bump_generation()?;
        let stories = self
            .packs
            .drop_stories(&|story| story.deal_id == deal_id, "deal erased with forget")?;
        tracing::info!(
            deal_id,
            quotes = record.quotes.len(),
            stories = stories.len(),
            "deal forgotten"
        );
        Ok(ForgetReport {
            deals: vec![deal_id.to_string()],
            quotes: record.quotes.iter().map(|q| q.quote_id.clone()).collect(),
            raw_transcripts: vec![deal_id.to_string()],
            stories,
        })
    }

    /// Erases every quote spoken by or naming a person, in every deal, and remembers the erasure.
    pub fn forget_person(&self, name: &str) -> Result<ForgetReport> {
        if name.split_whitespace().count() < 2 {
            return Err(Error::InvalidRequest(
                "give the person's full name (first and last), e.g. \"Priya Raman\"".into(),
            ));
        }
        let mut catalog =
            self.catalog.write().map_err(|_| Error::Internal("catalog lock poisoned".into()))?;
        let mut report = ForgetReport::default();
        let deal_ids: Vec<String> = catalog.deals.keys().cloned().collect();
        for deal_id in deal_ids {
            let Some(mut private) = self.records.load_private(&deal_id)? else { continue };
            let mut record = catalog.deals[&deal_id].clone();
            let had_raw = private.raw_transcript.is_some();
            let removed = remove_person(&mut record, &mut private, name);
            if removed.is_empty() && (private.raw_transcript.is_some() || !had_raw) {
                continue;
            }
            if had_raw && private.raw_transcript.is_none() {
                report.raw_transcripts.push(deal_id.clone());
            }
            let kept: HashSet<&str> = record.quotes.iter().map(|q| q.quote_id.as_str()).collect();
            let rows: Vec<(String, Vec<f32>)> = catalog
                .vectors
                .deal_vectors(&deal_id)
                .into_iter()
                .filter(|(id, _)| kept.contains(id))
                .map(|(id, vector)| (id.to_string(), vector.to_vec()))
                .collect();
            catalog.index_deal(&record, rows)?;
            self.records.put(&record, &private)?;
            report.quotes.extend(removed);
            catalog.deals.insert(deal_id, record);
        }
        catalog.keyword.commit()?;
        catalog.vectors.commit()?;
        catalog.index_quotes();
        let mut forgotten = Forgotten::read(self.index_dir())?;
        forgotten.people.insert(name.trim().to_string());
        forgotten.write(self.index_dir())?;
        drop(catalog);
        self.bump_generation()?;
        let removed = report.quotes.clone();
        report.stories = self.packs.drop_stories(
            &|story| removed.contains(&story.quote_id),
            "quote erased with forget --person",
        )?;
        tracing::info!(
            quotes = report.quotes.len(),
            deals = report.raw_transcripts.len(),
            "person forgotten"
        );
        Ok(report)
    }
}

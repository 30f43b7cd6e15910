//! Privacy maintenance of a live bank: `reanonymize` rebuilds every served text from the
//! admin-only raw transcripts and CRM rows with the current rules (quote ids, packs and theme
//! corrections are kept, because quotes are cut from the raw words), and `pii_scan` audits the
//! stored text against every deal's CRM terms, reporting deal ids and counts only.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::app::{IngestReport, Storybank};
use crate::corpus::Transcript;
use crate::error::Result;
use crate::ingest::{self, ChunkLimits};
use crate::store::{DealRecord, PrivateRecord};

/// What `reanonymize` did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReanonymizeReport {
    /// Deals rebuilt.
    pub deals: usize,
    /// Quotes stored after the rebuild.
    pub quotes: usize,
    /// Quotes whose served text (or question) changed.
    pub quotes_changed: usize,
    /// Quote ids that no longer exist (their stories and corrections no longer apply).
    pub quotes_gone: Vec<String>,
    /// Deals left as they were, with the reason.
    pub skipped: Vec<String>,
    /// Quotes whose vector came from the embedding cache.
    pub cached_vectors: usize,
    /// Wall time, milliseconds.
    pub elapsed_ms: u64,
}

/// One deal's findings in `pii_scan`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ScanFinding {
    /// The deal whose stored text carries CRM terms.
    pub deal_id: String,
    /// Fields (quote texts, questions, speaker labels) carrying the deal's own CRM terms.
    pub own_terms: usize,
    /// Fields carrying another deal's CRM terms.
    pub other_terms: usize,
}

impl Storybank {
    /// Rebuilds every deal's served text from its raw transcript and CRM row with the current
    /// anonymization rules, then re-embeds (cache first) and re-indexes it.
    pub fn reanonymize(&self, progress: &dyn Fn(usize, usize)) -> Result<ReanonymizeReport> {
        let started = Instant::now();
        let mut report = ReanonymizeReport::default();
        let deals = self.db.deals()?;
        let mut inputs: Vec<(crate::model::DealRow, Transcript, String, DealRecord)> = vec![];
        for (deal_id, record) in deals {
            let private = self.db.private(&deal_id)?.unwrap_or_default();
            let (Some(row), Some(raw), Some(file)) =
                (private.row, private.raw_transcript, record.transcript.clone())
            else {
                report.skipped.push(format!(
                    "{deal_id}: no raw transcript or CRM row kept (ingested before they were, \
                     metadata only, or a person in it was erased); re-ingest it from its corpus"
                ));
                continue;
            };
            match crate::corpus::transcript::parse_transcript_text(Path::new(&file), &raw) {
                Ok(mut transcript) => {
                    transcript.file_name = file;
                    inputs.push((row, transcript, raw, record));
                }
                Err(err) => report.skipped.push(format!("{deal_id}: raw transcript: {err}")),
            }
        }
        let aliases = self.read_catalog()?.aliases.clone();
        let vocabulary = ingest::lowercase_vocabulary(inputs.iter().map(|(_, t, _, _)| t));
        let corpus_terms = ingest::corpus_terms(inputs.iter().map(|(_, t, _, _)| t));
        let options = ingest::BuildOptions {
            aliases: &aliases,
            vocabulary: &vocabulary,
            limits: ChunkLimits {
                target_words: self.settings.chunk_words,
                ..ChunkLimits::default()
            },
            ner: self.pii_tagger()?,
            corpus_terms: &corpus_terms,
        };
        let forgotten = self.db.tombstones()?;
        let erased = crate::anonymize::erased::Erased::new(&forgotten.people);
        let mut built: Vec<(DealRecord, PrivateRecord)> = vec![];
        for (row, transcript, raw, old) in &inputs {
            let (mut record, mut private) =
                ingest::build_deal(row, Some(transcript), Some(raw.clone()), &options);
            crate::admin::remove_person(&mut record, &mut private, &erased);
            let before: HashMap<&str, (&str, Option<&str>)> = old
                .quotes
                .iter()
                .map(|q| (q.quote_id.as_str(), (q.text.as_str(), q.context.as_deref())))
                .collect();
            let now: BTreeSet<&str> = record.quotes.iter().map(|q| q.quote_id.as_str()).collect();
            report.quotes_changed += record
                .quotes
                .iter()
                .filter(|q| {
                    before.get(q.quote_id.as_str())
                        != Some(&(q.text.as_str(), q.context.as_deref()))
                })
                .count();
            report.quotes_gone.extend(
                old.quotes
                    .iter()
                    .filter(|q| !now.contains(q.quote_id.as_str()))
                    .map(|q| q.quote_id.clone()),
            );
            built.push((record, private));
        }
        let mut ingest_report = IngestReport::default();
        let total: usize = built.iter().map(|(record, _)| record.quotes.len()).sum();
        self.commit_built(built, aliases, &mut ingest_report, &|done| {
            progress(done.quotes, total)
        })?;
        report.deals = ingest_report.deals;
        report.quotes = ingest_report.quotes;
        report.cached_vectors = ingest_report.cached_vectors;
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        tracing::info!(
            deals = report.deals,
            quotes_changed = report.quotes_changed,
            skipped = report.skipped.len(),
            "reanonymize finished"
        );
        Ok(report)
    }

    /// Audits the stored served text of every deal against the CRM terms as the current
    /// rules derive them from each stored CRM row (or the terms kept at ingest, for older
    /// records): the deal's own full term set and every other deal's distinctive terms.
    /// Returns deals with findings only.
    pub fn pii_scan(&self) -> Result<Vec<ScanFinding>> {
        let catalog = self.read_catalog()?;
        let protected = crate::anonymize::Protected::new(&catalog.aliases);
        let mut guard = crate::anonymize::PiiGuard::default();
        for deal_id in catalog.deals.keys() {
            let private = self.db.private(deal_id)?.unwrap_or_default();
            let terms = match &private.row {
                Some(row) => {
                    let interviewers: Vec<&str> =
                        [row.interviewer.as_str()].into_iter().filter(|n| !n.is_empty()).collect();
                    crate::anonymize::crm::listed(
                        &row.contact_names,
                        &interviewers,
                        &row.rep_name,
                        &[row.account_name.as_str()],
                    )
                    .terms
                }
                None => private.guard_terms(),
            };
            guard.set_deal(deal_id, &terms, &protected);
        }
        let mut findings = vec![];
        for (deal_id, deal) in &catalog.deals {
            let mut finding = ScanFinding { deal_id: deal_id.clone(), ..ScanFinding::default() };
            let fields = deal.quotes.iter().flat_map(|quote| {
                [Some(quote.text.as_str()), quote.context.as_deref(), Some(quote.speaker.as_str())]
            });
            for field in fields.flatten() {
                if guard.names_deal(deal_id, field) {
                    finding.own_terms += 1;
                } else if guard.scrub_body(field).is_some() {
                    finding.other_terms += 1;
                }
            }
            if finding.own_terms + finding.other_terms > 0 {
                findings.push(finding);
            }
        }
        Ok(findings)
    }
}

/// One line per deal with findings (ids and counts only: stored text is never printed).
pub fn describe(findings: &[ScanFinding]) -> String {
    if findings.is_empty() {
        return "no stored text carries a CRM term".to_string();
    }
    findings
        .iter()
        .map(|f| {
            format!(
                "{}: {} field(s) with its own CRM terms, {} with another deal's",
                f.deal_id, f.own_terms, f.other_terms
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

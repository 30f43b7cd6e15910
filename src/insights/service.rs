//! The story-bank operations of [`Storybank`]: themes and corrections, win rates, evidence,
//! ask, digest, stories and packs. Each takes the catalog read lock only while it computes.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    AskRequest, AskResponse, Digest, Evidence, WinRates, digest, evidence, generator, win_rates,
};
use crate::app::Storybank;
use crate::error::{Error, Result};
use crate::model::{Filters, Quote};
use crate::packs::{
    NewPack, NewStory, Pack, PackPatch, PackRecord, Story, StoryPatch, StoryRecord,
};
use crate::search::{Catalog, Mode, SearchRequest};
use crate::themes::{Corrections, TagCorrection, validate_correction};

/// A quote or story named in a request body that does not exist (erased, deleted or never
/// there): a conflict with the bank's current state, answered `409 conflict`. A missing
/// resource named by the path stays `404`.
fn missing_reference(kind: &str, id: &str) -> Error {
    Error::Conflict(format!("{kind} {id} does not exist: it was erased, deleted or never there"))
}

/// A theme of the taxonomy with how often it is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ThemeUsage {
    /// Theme id (use it in `filters.theme`).
    pub id: String,
    /// Label.
    pub label: String,
    /// Quotes tagged with it.
    pub quotes: usize,
    /// Deals with such a quote.
    pub deals: usize,
}

/// `GET /v1/themes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ThemesView {
    /// Themes in taxonomy order.
    pub themes: Vec<ThemeUsage>,
    /// Quotes by polarity toward the seller.
    pub polarity: BTreeMap<String, usize>,
    /// Quotes whose tags a user corrected.
    pub corrected: usize,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON (the API's own shape).
    Json,
    /// Markdown.
    Md,
    /// A print-ready HTML page.
    Html,
    /// CSV (packs only).
    Csv,
}

impl Format {
    /// Parses `json`, `md`/`markdown`, `html`, `csv`.
    pub fn parse(text: &str) -> Result<Format> {
        match text.to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "md" | "markdown" => Ok(Format::Md),
            "html" => Ok(Format::Html),
            "csv" => Ok(Format::Csv),
            other => Err(Error::InvalidRequest(format!(
                "format `{other}` is not one of json, md, html, csv"
            ))),
        }
    }

    /// The content type of the format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Md => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Md => "md",
            Format::Html => "html",
            Format::Csv => "csv",
        }
    }
}

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Format.
    pub format: Format,
    /// Suggested file name.
    pub file_name: String,
    /// Content.
    pub body: String,
}

fn served(catalog: &Catalog, quote_id: &str) -> Option<Quote> {
    catalog.quote(quote_id).map(|(deal, quote)| catalog.served_quote(deal, quote, 0.0))
}

fn story_view(catalog: &Catalog, record: &StoryRecord, new: bool) -> Story {
    Story {
        story_id: record.story_id.clone(),
        quote_id: record.quote_id.clone(),
        deal_id: record.deal_id.clone(),
        title: record.title.clone(),
        notes: record.notes.clone(),
        tags: record.tags.clone(),
        created_at: record.created_at.clone(),
        created_by: record.created_by.clone(),
        updated_by: record.updated_by.clone(),
        quote: served(catalog, &record.quote_id),
        new_since_export: new,
    }
}

fn first_sentence(text: &str) -> String {
    let end = text.find(['.', '!', '?']).map_or(text.len(), |i| i + 1);
    let sentence: String = text[..end].chars().take(90).collect();
    sentence.trim().to_string()
}

impl Storybank {
    fn catalog(&self) -> Result<std::sync::RwLockReadGuard<'_, Catalog>> {
        self.catalog.read().map_err(|_| Error::Internal("catalog lock poisoned".into()))
    }

    /// The taxonomy with usage counts.
    pub fn themes(&self) -> Result<ThemesView> {
        let tagger = self.theme_tagger()?;
        let catalog = self.catalog()?;
        let corrections: Corrections = self.db.document(crate::store::db::doc::CORRECTIONS)?;
        let mut themes: Vec<ThemeUsage> = tagger
            .taxonomy()
            .themes
            .iter()
            .map(|t| ThemeUsage { id: t.id.clone(), label: t.label.clone(), quotes: 0, deals: 0 })
            .collect();
        let mut polarity: BTreeMap<String, usize> = BTreeMap::new();
        for deal in catalog.deals.values() {
            for usage in &mut themes {
                let tagged = deal.quotes.iter().filter(|q| q.themes.contains(&usage.id)).count();
                usage.quotes += tagged;
                usage.deals += usize::from(tagged > 0);
            }
            for quote in &deal.quotes {
                if let Some(p) = &quote.polarity {
                    *polarity.entry(p.clone()).or_default() += 1;
                }
            }
        }
        Ok(ThemesView { themes, polarity, corrected: corrections.quotes.len() })
    }

    /// Corrects a quote's themes and/or polarity; the correction survives re-ingest and reindex.
    pub fn correct_tags(&self, quote_id: &str, correction: TagCorrection) -> Result<Quote> {
        let tagger = self.theme_tagger()?;
        validate_correction(&correction, tagger.taxonomy())?;
        if correction.themes.is_none() && correction.polarity.is_none() {
            // Nothing to change: the quote as it is served now.
            let catalog = self.catalog()?;
            let (deal, quote) = catalog
                .quote(quote_id)
                .ok_or_else(|| Error::QuoteNotFound(quote_id.to_string()))?;
            return Ok(catalog.served_quote(deal, quote, 0.0));
        }
        let (_session, mut catalog) = self.begin_write()?;
        let (deal_id, _) = catalog
            .quotes
            .get(quote_id)
            .cloned()
            .ok_or_else(|| Error::QuoteNotFound(quote_id.to_string()))?;
        // Read, corrected and written in one transaction from what the store holds now: a
        // deal erased meanwhile is never written back.
        let (record, _) = self.db.write(|tx| {
            let Some(mut record) = tx.deal(&deal_id)? else {
                return Err(Error::QuoteNotFound(quote_id.to_string()));
            };
            let Some(quote) = record.quotes.iter_mut().find(|q| q.quote_id == quote_id) else {
                return Err(Error::QuoteNotFound(quote_id.to_string()));
            };
            let mut corrections: Corrections = tx.document(crate::store::db::doc::CORRECTIONS)?;
            let entry = corrections
                .quotes
                .entry(quote_id.to_string())
                .or_insert(TagCorrection { themes: None, polarity: None });
            if correction.themes.is_some() {
                entry.themes = correction.themes.clone();
            }
            if correction.polarity.is_some() {
                entry.polarity = correction.polarity.clone();
            }
            corrections.apply(quote_id, &mut quote.themes, &mut quote.polarity);
            crate::stance::drop_if_contradicted(&mut quote.stance, quote.polarity.as_deref());
            tx.put_document(crate::store::db::doc::CORRECTIONS, &corrections)?;
            tx.put_deal(&record, None)?;
            Ok(record)
        })?;
        let position = record
            .quotes
            .iter()
            .position(|q| q.quote_id == quote_id)
            .ok_or_else(|| Error::QuoteNotFound(quote_id.to_string()))?;
        catalog.put_deal(record);
        let record = &catalog.deals[&deal_id];
        let served = catalog.served_quote(record, &record.quotes[position], 0.0);
        self.commit_indexes(&_session, &mut catalog)?;
        Ok(served)
    }

    /// Win rates split by a dimension.
    pub fn win_rates(&self, by: &str, filters: &Filters) -> Result<WinRates> {
        win_rates(&*self.catalog()?, by, filters)
    }

    /// A competitor's battlecard evidence.
    pub fn evidence(&self, competitor: &str) -> Result<Evidence> {
        let tagger = self.theme_tagger()?;
        evidence(&*self.catalog()?, tagger.taxonomy(), competitor, self.settings.min_deals)
    }

    /// Evidence rendered as Markdown or HTML (or JSON).
    pub fn evidence_document(&self, competitor: &str, format: Format) -> Result<Document> {
        let evidence = self.evidence(competitor)?;
        let body = match format {
            Format::Json => serde_json::to_string_pretty(&evidence)?,
            Format::Md => super::render::evidence_markdown(&evidence),
            Format::Html => super::render::evidence_html(&evidence),
            Format::Csv => {
                return Err(Error::InvalidRequest("evidence exports as json, md or html".into()));
            }
        };
        let slug: String = evidence
            .competitor
            .chars()
            .map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
            .collect();
        Ok(Document { format, file_name: format!("evidence-{slug}.{}", format.extension()), body })
    }

    /// An extractive answer with counts; optionally a cited summary from the generator.
    pub fn ask(&self, request: &AskRequest) -> Result<AskResponse> {
        let started = Instant::now();
        if crate::model::trim_blank(&request.question).is_empty() {
            return Err(Error::InvalidRequest("question must not be empty".into()));
        }
        crate::model::check_length("question", &request.question, crate::model::MAX_QUERY_CHARS)?;
        // Unset scope keys are read from the question ("why do we lose to RW?" -> lost deals
        // against RW); explicit filters always win, and the answer says what was inferred.
        let mut request = request.clone();
        let mut inferred = vec![];
        {
            let catalog = self.catalog()?;
            let named = catalog.aliases.mentions(&request.question);
            if request.filters.competitor.is_none() && named.len() == 1 {
                inferred.push(format!("against {}", named[0]));
                request.filters.competitor = Some(crate::model::OneOrMany::One(named[0].clone()));
            }
        }
        if request.filters.outcome.is_none()
            && let Some(outcome) = crate::search::outcome_in(&request.question)
        {
            inferred.insert(0, format!("{} deals", outcome.as_str().replace('_', " ")));
            request.filters.outcome = Some(crate::model::OneOrMany::One(outcome.as_str().into()));
        }
        let request = &request;
        let search = SearchRequest {
            query: request.question.clone(),
            filters: request.filters.clone(),
            limit: Some(30),
            mode: Some(Mode::Hybrid),
            ..SearchRequest::default()
        };
        let ranked = self.search(&search)?.results;
        let tagger = self.theme_tagger()?;
        let mut response = {
            let catalog = self.catalog()?;
            super::answer(&catalog, tagger.taxonomy(), request, &ranked, self.settings.min_deals)?
        };
        if !inferred.is_empty() {
            let text = format!(
                "Scope read from the question: {} ({} deals); pass filters to change it.",
                inferred.join(" "),
                response.deals_in_scope
            );
            response.answer.insert(
                0,
                super::AnswerLine { kind: "note".into(), text, quote_id: None, theme: None },
            );
            response.inferred_scope = inferred;
        }
        if request.summarize && self.settings.generator.is_none() {
            // A summary was asked for on a server that has no generator: the extractive answer
            // still stands, and says why no summary came with it.
            let text = "No summary: this server has no generator configured \
                        (STORYBANK_GENERATOR_URL); the answer is extractive only."
                .to_string();
            response.answer.insert(
                0,
                super::AnswerLine { kind: "note".into(), text, quote_id: None, theme: None },
            );
        }
        if let (true, Some(config)) = (request.summarize, self.settings.generator.as_ref()) {
            let cited: Vec<Quote> = response
                .answer
                .iter()
                .filter_map(|line| line.quote_id.as_ref())
                .filter_map(|id| ranked.iter().find(|q| &q.quote_id == id).cloned())
                .collect();
            let mut summary = generator::summarize(config, &request.question, &cited)?;
            // The generator saw only anonymized quotes; its claims still pass the PII guard of
            // the deals they cite.
            let catalog = self.catalog()?;
            for claim in &mut summary.claims {
                for id in &claim.quote_ids {
                    if let Some(quote) = cited.iter().find(|q| &q.quote_id == id) {
                        claim.text =
                            catalog.guard.scrub(&quote.deal_id, id, "summary", &claim.text);
                    }
                }
            }
            response.summary = Some(summary);
        }
        response.took_ms = started.elapsed().as_millis() as u64;
        Ok(response)
    }

    /// The monthly digest.
    pub fn digest(&self, month: &str) -> Result<Digest> {
        let tagger = self.theme_tagger()?;
        digest(&*self.catalog()?, tagger.taxonomy(), month, self.settings.min_deals)
    }

    /// The digest rendered.
    pub fn digest_document(&self, month: &str, format: Format) -> Result<Document> {
        let digest = self.digest(month)?;
        let body = match format {
            Format::Json => serde_json::to_string_pretty(&digest)?,
            Format::Md => super::render::digest_markdown(&digest),
            Format::Html => super::render::digest_html(&digest),
            Format::Csv => {
                return Err(Error::InvalidRequest("the digest exports as json, md or html".into()));
            }
        };
        Ok(Document { format, file_name: format!("digest-{month}.{}", format.extension()), body })
    }

    fn pack_view(&self, record: PackRecord) -> Result<Pack> {
        self.pack_view_with(record, &self.packs.stories()?)
    }

    /// [`Storybank::pack_view`] with the stories already read (one file read for a list).
    fn pack_view_with(
        &self,
        record: PackRecord,
        stories: &BTreeMap<String, StoryRecord>,
    ) -> Result<Pack> {
        let catalog = self.catalog()?;
        let views: Vec<Story> = record
            .story_ids
            .iter()
            .filter_map(|id| stories.get(id))
            .map(|story| {
                let new = record.last_exported_at.is_some()
                    && !record.exported_story_ids.contains(&story.story_id)
                    || record.last_exported_at.is_none();
                story_view(&catalog, story, new)
            })
            .collect();
        Ok(Pack {
            new_since_export: views.iter().filter(|s| s.new_since_export).count(),
            pack_id: record.pack_id,
            name: record.name,
            description: record.description,
            stories: views,
            saved_search: record.saved_search,
            created_at: record.created_at,
            updated_at: record.updated_at,
            last_exported_at: record.last_exported_at,
            notices: record.notices,
            created_by: record.created_by,
            updated_by: record.updated_by,
        })
    }

    /// Every pack, newest first.
    pub fn list_packs(&self) -> Result<Vec<Pack>> {
        let mut records = self.packs.packs()?;
        records.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.pack_id.cmp(&a.pack_id)));
        let stories = self.packs.stories()?;
        records.into_iter().map(|record| self.pack_view_with(record, &stories)).collect()
    }

    /// One pack.
    pub fn get_pack(&self, pack_id: &str) -> Result<Pack> {
        self.pack_view(self.packs.pack(pack_id)?)
    }

    /// Creates a pack, optionally filled from a saved search.
    pub fn create_pack(&self, new: NewPack, by: &str) -> Result<Pack> {
        let results = match &new.from_search {
            Some(search) => {
                let mut search = search.clone();
                search.limit = Some(search.limit.unwrap_or(10));
                self.search(&search)?.results
            }
            None => vec![],
        };
        let record = self.packs.create_pack(&new.name, new.description, new.from_search, by)?;
        let mut ids = vec![];
        for quote in &results {
            let story = NewStory {
                quote_id: Some(quote.quote_id.clone()),
                title: Some(first_sentence(&quote.text)),
                ..NewStory::default()
            };
            ids.push(
                self.packs.create_story(&quote.quote_id, &quote.deal_id, &story, by)?.story_id,
            );
        }
        let record = if ids.is_empty() {
            record
        } else {
            self.packs.add_to_pack(&record.pack_id, &ids, by)?
        };
        self.pack_view(record)
    }

    /// Adds the saved search's new results to a pack built from one.
    pub fn refresh_pack(&self, pack_id: &str, by: &str) -> Result<Pack> {
        let record = self.packs.pack(pack_id)?;
        let Some(search) = record.saved_search.clone() else {
            return Err(Error::Conflict(format!("pack {pack_id} was not built from a search")));
        };
        let stories = self.packs.stories()?;
        let have: Vec<&str> = record
            .story_ids
            .iter()
            .filter_map(|id| stories.get(id))
            .map(|s| s.quote_id.as_str())
            .collect();
        let mut search = search;
        search.limit = Some(search.limit.unwrap_or(10));
        let mut ids = vec![];
        for quote in self.search(&search)?.results {
            if have.contains(&quote.quote_id.as_str()) {
                continue;
            }
            let story = NewStory {
                quote_id: Some(quote.quote_id.clone()),
                title: Some(first_sentence(&quote.text)),
                ..NewStory::default()
            };
            ids.push(
                self.packs.create_story(&quote.quote_id, &quote.deal_id, &story, by)?.story_id,
            );
        }
        let record =
            if ids.is_empty() { record } else { self.packs.add_to_pack(pack_id, &ids, by)? };
        self.pack_view(record)
    }

    /// Renames, describes or reorders a pack.
    pub fn update_pack(&self, pack_id: &str, patch: PackPatch, by: &str) -> Result<Pack> {
        let record = self.packs.update_pack(pack_id, patch, by)?;
        self.pack_view(record)
    }

    /// Deletes a pack (its stories stay saved).
    pub fn delete_pack(&self, pack_id: &str) -> Result<()> {
        self.packs.delete_pack(pack_id)
    }

    /// Saves a quote as a story.
    pub fn create_story(&self, new: &NewStory, by: &str) -> Result<Story> {
        let quote_id = new
            .quote_id
            .as_deref()
            .ok_or_else(|| Error::InvalidRequest("quote_id is required".into()))?;
        let catalog = self.catalog()?;
        let (deal, quote) =
            catalog.quote(quote_id).ok_or_else(|| missing_reference("quote", quote_id))?;
        let mut new = new.clone();
        if new.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            new.title = Some(first_sentence(&quote.text));
        }
        let record = self.packs.create_story(quote_id, &deal.deal_id, &new, by)?;
        Ok(story_view(&catalog, &record, false))
    }

    /// Every saved story.
    pub fn list_stories(&self) -> Result<Vec<Story>> {
        let stories = self.packs.stories()?;
        let catalog = self.catalog()?;
        Ok(stories.values().map(|s| story_view(&catalog, s, false)).collect())
    }

    /// One story.
    pub fn get_story(&self, story_id: &str) -> Result<Story> {
        let record = self.packs.story(story_id)?;
        Ok(story_view(&*self.catalog()?, &record, false))
    }

    /// Edits a story.
    pub fn update_story(&self, story_id: &str, patch: StoryPatch, by: &str) -> Result<Story> {
        let record = self.packs.update_story(story_id, patch, by)?;
        Ok(story_view(&*self.catalog()?, &record, false))
    }

    /// Deletes a story (and takes it out of every pack).
    pub fn delete_story(&self, story_id: &str) -> Result<()> {
        self.packs.delete_story(story_id)
    }

    /// Adds a new story (`quote_id`) or an existing one (`story_id`) to a pack.
    pub fn add_story_to_pack(&self, pack_id: &str, new: &NewStory, by: &str) -> Result<Pack> {
        self.packs.pack(pack_id)?;
        let story_id = match (&new.story_id, &new.quote_id) {
            (Some(story_id), None) => match self.packs.story(story_id) {
                Err(Error::PackNotFound(_)) => return Err(missing_reference("story", story_id)),
                found => found?.story_id,
            },
            (None, Some(_)) => self.create_story(new, by)?.story_id,
            _ => {
                return Err(Error::InvalidRequest("give either quote_id or story_id".into()));
            }
        };
        let record = self.packs.add_to_pack(pack_id, &[story_id], by)?;
        self.pack_view(record)
    }

    /// Takes a story out of a pack.
    pub fn remove_story_from_pack(&self, pack_id: &str, story_id: &str, by: &str) -> Result<Pack> {
        let record = self.packs.remove_from_pack(pack_id, story_id, by)?;
        self.pack_view(record)
    }

    /// Renders a pack; unless `preview`, records the export (its stories stop being "new").
    pub fn export_pack(&self, pack_id: &str, format: Format, preview: bool) -> Result<Document> {
        let pack = self.get_pack(pack_id)?;
        let now = crate::packs::now_rfc3339();
        let body = match format {
            Format::Json => serde_json::to_string_pretty(&pack)?,
            Format::Md => super::render::pack_markdown(&pack, &now),
            Format::Html => super::render::pack_html(&pack, &now),
            Format::Csv => super::render::pack_csv(&pack),
        };
        if !preview {
            self.packs.mark_exported(pack_id)?;
        }
        Ok(Document { format, file_name: format!("{pack_id}.{}", format.extension()), body })
    }
}

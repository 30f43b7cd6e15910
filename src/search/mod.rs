//! Retrieval: keyword (BM25), semantic (dense) and hybrid (fused) search over quotes, and
//! similar past deals. Filters are resolved to allowed deals and applied inside both
//! retrievers.

pub mod facets;
pub mod filter;
pub mod fusion;
pub mod rerank;
pub mod similar;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::anonymize::PiiGuard;
use crate::corpus::Aliases;
use crate::embed::Embedder;
use crate::error::{Error, Result};
use crate::model::{Explain, Filters, Quote, QuoteRecord};
use crate::store::DealRecord;
use crate::store::keyword::{KeywordDoc, KeywordIndex};
use crate::store::vector::VectorHit;
use crate::store::vector::VectorStore;

pub use filter::allowed_deals;

/// Default number of results.
pub const DEFAULT_LIMIT: usize = 10;
/// Largest accepted `limit`.
pub const MAX_LIMIT: usize = 100;
/// At most this many quotes of one deal in the first [`DIVERSITY_WINDOW`] results.
pub const MAX_QUOTES_PER_DEAL: usize = 3;
/// The window the per-deal cap applies to.
pub const DIVERSITY_WINDOW: usize = 10;
/// Added to a candidate's fused score (0-1 scale) per matched competitor or reason. Measured:
/// dev hybrid nDCG@10 0.509 at 0 to 0.1 (its queries already filter on both), sample 0.640 ->
/// 0.642 (0.03), 0.650 (0.06), 0.652 (0.1).
const UNDERSTOOD_BOOST: f32 = 0.05;
/// Candidates taken from each retriever before fusion.
const MIN_CANDIDATES: usize = 100;

/// Retrieval mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// BM25 only.
    Keyword,
    /// Dense vectors only.
    Semantic,
    /// Both, fused.
    #[default]
    Hybrid,
}

/// `POST /v1/search` request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// The question or keywords (at most 2,000 characters, not blank).
    #[schema(pattern = r"[^\s\x85]", max_length = 2000)]
    pub query: String,
    /// Optional filters.
    #[serde(default)]
    pub filters: Filters,
    /// Number of quotes (default 10, max 100).
    #[schema(minimum = 1, maximum = 100)]
    #[serde(default, deserialize_with = "crate::model::whole_number")]
    pub limit: Option<usize>,
    /// Retrieval mode (default hybrid).
    pub mode: Option<Mode>,
    /// Adds per-result ranks and scores from each retriever.
    #[serde(default)]
    pub explain: bool,
    /// How hybrid mode fuses the two lists (default convex).
    pub fusion: Option<Fusion>,
    /// Reorders the top 20 with a local cross-encoder (slow: ~0.6 s; for batch work).
    #[serde(default)]
    pub rerank: bool,
}

/// Fusion method for hybrid mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Fusion {
    /// Convex combination of min-max normalised scores (dense weight 0.9).
    #[default]
    Convex,
    /// Reciprocal rank fusion (k = 60).
    Rrf,
}

/// `POST /v1/search` response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SearchResponse {
    /// Quotes, best first.
    pub results: Vec<Quote>,
    /// The scope the question (or the filters) named, when one did: its quotes come first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<SearchScope>,
    /// Server time spent, in milliseconds.
    pub took_ms: u64,
}

/// The scope a question names ("why do we lose to Tallyfold?": lost deals against Tallyfold),
/// read like `ask` reads it: a competitor (the filter's, else the one competitor the question
/// names) and an outcome (the filter's, else the question's "lose"/"win" words). Quotes of
/// deals in scope rank first: the per-deal cap applies among them, and a quote from outside
/// the scope never ranks above an in-scope quote with a higher score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchScope {
    /// Canonical competitor names (empty: any competitor).
    pub competitors: Vec<String>,
    /// The outcome (`null`: any outcome).
    pub outcome: Option<crate::model::Outcome>,
    /// Readable: `lost deals against Tallyfold`.
    pub label: String,
    /// Results in scope.
    pub quotes: usize,
    /// Deals of the results in scope.
    pub deals: usize,
}

impl SearchScope {
    /// Whether a deal is in scope.
    pub fn holds(&self, info: &crate::model::DealInfo, aliases: &Aliases) -> bool {
        let competitor = self.competitors.is_empty()
            || info.competitors.iter().any(|c| {
                let name = aliases.resolve(c).unwrap_or(c);
                self.competitors.iter().any(|s| s.eq_ignore_ascii_case(name))
            });
        competitor && (self.outcome.is_none() || info.outcome == self.outcome)
    }
}

/// The scope a question and its filters name, if any (see [`SearchScope`]).
pub fn named_scope(query: &str, filters: &Filters, aliases: &Aliases) -> Option<SearchScope> {
    let competitors: Vec<String> = match &filters.competitor {
        Some(named) => named
            .values()
            .iter()
            .map(|name| aliases.resolve(name).unwrap_or(name).to_string())
            .collect(),
        None => {
            let named = aliases.mentions(query);
            if named.len() == 1 { named } else { vec![] }
        }
    };
    let outcome = match &filters.outcome {
        Some(named) => match named.values().as_slice() {
            [one] => crate::model::Outcome::parse(one),
            _ => None,
        },
        None => outcome_in(query),
    };
    if competitors.is_empty() && outcome.is_none() {
        return None;
    }
    let mut label = match outcome {
        Some(outcome) => format!("{} deals", outcome.as_str().replace('_', "-")),
        None => "deals".to_string(),
    };
    if !competitors.is_empty() {
        label.push_str(&format!(" against {}", competitors.join(" or ")));
    }
    Some(SearchScope { competitors, outcome, label, quotes: 0, deals: 0 })
}

/// Everything searches read: deals, quote lookup, aliases and both indexes.
#[derive(Debug)]
pub struct Catalog {
    /// Deals by id.
    pub deals: BTreeMap<String, DealRecord>,
    /// Quote id -> (deal id, position in the deal's quotes).
    pub quotes: HashMap<String, (String, usize)>,
    /// Competitor aliases.
    pub aliases: Aliases,
    /// BM25 index.
    pub keyword: KeywordIndex,
    /// Vector index.
    pub vectors: VectorStore,
    /// Last check of served text against each deal's CRM-known PII.
    pub guard: PiiGuard,
}

/// The outcome a question asks about: "why do we lose..." -> lost, "how did we win..." -> won.
pub fn outcome_in(query: &str) -> Option<crate::model::Outcome> {
    let lower = query.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| crate::anonymize::contains_word(&lower, w));
    if has(&["lose", "lost", "losing", "loss", "losses"]) {
        Some(crate::model::Outcome::Lost)
    } else if has(&["win", "won", "winning", "wins", "beat"]) {
        Some(crate::model::Outcome::Won)
    } else {
        None
    }
}

/// Checks a limit against the contract.
pub fn validate_limit(limit: Option<usize>, default: usize) -> Result<usize> {
    match limit.unwrap_or(default) {
        0 => Err(Error::InvalidRequest("limit must be at least 1".into())),
        limit if limit > MAX_LIMIT => {
            Err(Error::InvalidRequest(format!("limit must be at most {MAX_LIMIT}")))
        }
        limit => Ok(limit),
    }
}

impl Catalog {
    /// Rebuilds the quote lookup from the deals.
    pub fn index_quotes(&mut self) {
        self.quotes.clear();
        for (deal_id, deal) in &self.deals {
            for (position, quote) in deal.quotes.iter().enumerate() {
                self.quotes.insert(quote.quote_id.clone(), (deal_id.clone(), position));
            }
        }
    }

    /// Adds or replaces a deal record and its quotes' entries in the quote map.
    pub fn put_deal(&mut self, record: DealRecord) {
        if let Some(old) = self.deals.get(&record.deal_id) {
            for quote in &old.quotes {
                self.quotes.remove(&quote.quote_id);
            }
        }
        for (position, quote) in record.quotes.iter().enumerate() {
            self.quotes.insert(quote.quote_id.clone(), (record.deal_id.clone(), position));
        }
        self.deals.insert(record.deal_id.clone(), record);
    }

    /// Removes a deal record and its quotes from the maps (not from the indexes).
    pub fn remove_deal(&mut self, deal_id: &str) -> Option<DealRecord> {
        let record = self.deals.remove(deal_id)?;
        for quote in &record.quotes {
            self.quotes.remove(&quote.quote_id);
        }
        Some(record)
    }

    /// Replaces a deal's documents in both indexes (commit separately).
    pub fn index_deal(&mut self, record: &DealRecord, rows: Vec<(String, Vec<f32>)>) -> Result<()> {
        let docs: Vec<KeywordDoc<'_>> = record
            .quotes
            .iter()
            .map(|quote| KeywordDoc {
                quote_id: &quote.quote_id,
                text: &quote.text,
                context: quote.context.as_deref(),
            })
            .collect();
        self.keyword.replace_deal(&record.deal_id, &docs)?;
        self.vectors.replace_deal(record, rows)
    }

    /// Query understanding: a competitor named in the question (by any alias), reason words
    /// ("pricing", "security review", "champion left") and outcome words ("why do we lose")
    /// softly boost quotes of matching deals, without filtering anything out.
    fn boost_understood(&self, query: &str, fused: &mut [fusion::Fused]) {
        let boost = UNDERSTOOD_BOOST;
        let competitors: Vec<String> = self
            .aliases
            .mentions(query)
            .iter()
            .map(|name| crate::corpus::aliases::normalize_name(name))
            .collect();
        let lower = query.to_lowercase();
        let reasons: Vec<&str> = similar::REASON_CUES
            .iter()
            .filter(|(_, cues, _)| {
                cues.iter().any(|cue| crate::anonymize::contains_word(&lower, cue))
            })
            .map(|(code, _, _)| *code)
            .collect();
        let outcome = outcome_in(query);
        if competitors.is_empty() && reasons.is_empty() && outcome.is_none() {
            return;
        }
        for item in fused.iter_mut() {
            let Some((deal, _)) = self.quote(&item.id) else { continue };
            let info = &deal.info;
            if info
                .competitors
                .iter()
                .any(|c| competitors.contains(&crate::corpus::aliases::normalize_name(c)))
            {
                item.score += boost;
            }
            let reason_match = [&info.loss_reason, &info.win_reason].iter().any(|r| {
                r.as_deref().is_some_and(|r| reasons.contains(&filter::normalize_value(r).as_str()))
            });
            if reason_match {
                item.score += boost;
            }
            if outcome.is_some() && info.outcome == outcome {
                item.score += boost;
            }
        }
        fused.sort_by(|a, b| b.score.total_cmp(&a.score));
    }

    /// Returns a stored quote and its deal.
    pub fn quote(&self, quote_id: &str) -> Option<(&DealRecord, &QuoteRecord)> {
        let (deal_id, position) = self.quotes.get(quote_id)?;
        let deal = self.deals.get(deal_id)?;
        Some((deal, deal.quotes.get(*position)?))
    }

    /// Builds the served form of a quote.
    pub fn served_quote(&self, deal: &DealRecord, quote: &QuoteRecord, score: f32) -> Quote {
        Quote {
            quote_id: quote.quote_id.clone(),
            deal_id: deal.deal_id.clone(),
            text: self.guard.scrub(&deal.deal_id, &quote.quote_id, "text", &quote.text),
            context: quote
                .context
                .as_ref()
                .map(|c| self.guard.scrub(&deal.deal_id, &quote.quote_id, "context", c)),
            speaker: self.guard.scrub(&deal.deal_id, &quote.quote_id, "speaker", &quote.speaker),
            deal: deal.info.clone(),
            source: quote.source.clone(),
            themes: quote.themes.clone(),
            polarity: quote.polarity.clone(),
            stance: quote.stance.clone(),
            score,
            explain: None,
        }
    }

    /// Expands a query with the canonical names (and one-word aliases) of competitors it mentions.
    pub fn expand_query(&self, query: &str) -> String {
        let mut expanded = query.to_string();
        for canonical in self.aliases.mentions(query) {
            for form in self.aliases.all_forms(&canonical) {
                let single_word = !form.contains(char::is_whitespace);
                if single_word && !query.to_lowercase().contains(&form.to_lowercase()) {
                    expanded.push(' ');
                    expanded.push_str(form);
                }
            }
        }
        expanded
    }

    /// Runs a quote search.
    pub fn search(
        &self,
        embedder: &Embedder,
        reranker: Option<&rerank::Reranker>,
        request: &SearchRequest,
    ) -> Result<(Vec<Quote>, Option<SearchScope>)> {
        self.search_with(embedder, reranker, request, None)
    }

    /// Runs a quote search; with `server`, hybrid mode lets a Qdrant backend fuse its dense and
    /// sparse BM25 candidates itself instead of tantivy + convex fusion (measured in `eval`).
    pub fn search_with(
        &self,
        embedder: &Embedder,
        reranker: Option<&rerank::Reranker>,
        request: &SearchRequest,
        server: Option<crate::store::qdrant::ServerFusion>,
    ) -> Result<(Vec<Quote>, Option<SearchScope>)> {
        let query = crate::model::trim_blank(&request.query);
        if query.is_empty() {
            return Err(Error::InvalidRequest("query must not be empty".into()));
        }
        crate::model::check_length("query", query, crate::model::MAX_QUERY_CHARS)?;
        request.filters.validate()?;
        let limit = validate_limit(request.limit, DEFAULT_LIMIT)?;
        let mode = request.mode.unwrap_or_default();
        let scope = filter::scope(&request.filters, &self.deals, &self.aliases);
        let mut named = named_scope(query, &request.filters, &self.aliases);
        if scope.as_ref().is_some_and(|s| s.deals.is_empty()) {
            return Ok((vec![], named));
        }
        let allowed = scope.as_ref().map(|s| &s.deals);
        let expanded = self.expand_query(query);
        let depth = (limit * 5).max(MIN_CANDIDATES);
        let (mut keyword_depth, mut vector_depth) = (depth, depth);
        if request.filters.theme.is_some() {
            // Themes are per quote: rank every quote of the allowed deals, keep the tagged ones,
            // then the best `depth` of them (exact, like a filter inside retrieval). A backend
            // that filters quotes itself returns the same list directly.
            keyword_depth = depth.max(self.quotes.len());
            if !self.vectors.filters_quotes() {
                vector_depth = keyword_depth;
            }
        }

        let tagged = |id: &str| {
            request.filters.theme.is_none()
                || self.quote(id).is_some_and(|(_, quote)| {
                    filter::quote_has_theme(&request.filters.theme, &quote.themes)
                })
        };
        let server = server.filter(|_| mode == Mode::Hybrid);
        let run_keyword = mode != Mode::Semantic && server.is_none();
        let keyword_search = || -> Result<Vec<crate::store::keyword::KeywordHit>> {
            if !run_keyword {
                return Ok(vec![]);
            }
            let _span = tracing::debug_span!("search.keyword").entered();
            self.keyword.search(&expanded, keyword_depth, allowed)
        };
        let semantic_search = || -> Result<(Vec<VectorHit>, Option<Vec<VectorHit>>)> {
            if mode == Mode::Keyword {
                return Ok((vec![], None));
            }
            let _span = tracing::debug_span!("search.semantic").entered();
            let query_vector = {
                let _span = tracing::debug_span!("search.embed").entered();
                embedder.embed_query(&expanded)?
            };
            let _span = tracing::debug_span!("search.vectors").entered();
            match server {
                Some(fusion) => {
                    let hits = self
                        .vectors
                        .server_hybrid(
                            &query_vector,
                            &expanded,
                            vector_depth,
                            scope.as_ref(),
                            fusion,
                        )?
                        .ok_or_else(|| {
                            Error::InvalidRequest(
                                "server-side hybrid needs a Qdrant-backed index".into(),
                            )
                        })?;
                    Ok((vec![], Some(hits)))
                }
                None => {
                    Ok((self.vectors.search(&query_vector, vector_depth, scope.as_ref())?, None))
                }
            }
        };
        // One after the other on this thread: running BM25 on another thread while the query
        // is embedded cost CPU under load and gained a lone search nothing once the vector pass
        // was fast (README, Speed).
        let (keyword_result, semantic_result) = (keyword_search(), semantic_search());
        let _span = tracing::debug_span!("search.rank").entered();
        let mut keyword_hits = keyword_result?;
        let (mut semantic_hits, server_hits) = semantic_result?;
        if request.filters.theme.is_some() {
            keyword_hits.retain(|hit| tagged(&hit.quote_id));
            keyword_hits.truncate(depth);
            semantic_hits.retain(|hit| tagged(&hit.quote_id));
            semantic_hits.truncate(depth);
        }
        let keyword_list: Vec<(String, f32)> =
            keyword_hits.iter().map(|h| (h.quote_id.clone(), h.score)).collect();
        let semantic_list: Vec<(String, f32)> =
            semantic_hits.iter().map(|h| (h.quote_id.clone(), h.score)).collect();
        let mut fused = match (server_hits, request.fusion.unwrap_or_default()) {
            (Some(mut hits), _) => {
                if request.filters.theme.is_some() {
                    hits.retain(|hit| tagged(&hit.quote_id));
                }
                hits.into_iter()
                    .map(|hit| fusion::Fused {
                        id: hit.quote_id,
                        score: hit.score,
                        keyword_rank: None,
                        semantic_rank: None,
                    })
                    .collect()
            }
            (None, Fusion::Convex) => {
                fusion::convex(&keyword_list, &semantic_list, fusion::DENSE_WEIGHT)
            }
            (None, Fusion::Rrf) => fusion::rrf(&keyword_list, &semantic_list, 1.0, 1.0),
        };
        if mode == Mode::Hybrid {
            self.boost_understood(query, &mut fused);
        }
        let keyword_scores: HashMap<&str, f32> =
            keyword_hits.iter().map(|h| (h.quote_id.as_str(), h.score)).collect();
        let semantic_scores: HashMap<&str, f32> =
            semantic_hits.iter().map(|h| (h.quote_id.as_str(), h.score)).collect();

        let mut candidates: Vec<(fusion::Fused, &DealRecord, &QuoteRecord)> = fused
            .into_iter()
            .filter_map(|item| {
                let (deal, quote) = self.quote(&item.id)?;
                Some((item, deal, quote))
            })
            .filter(|(_, _, quote)| filter::quote_has_theme(&request.filters.theme, &quote.themes))
            .collect();
        if let (true, Some(reranker)) = (request.rerank, reranker) {
            let _span = tracing::debug_span!("search.rerank").entered();
            let depth = candidates.len().min(rerank::RERANK_DEPTH);
            let documents: Vec<&str> =
                candidates[..depth].iter().map(|(_, _, quote)| quote.text.as_str()).collect();
            let scores = reranker.scores(query, &documents)?;
            // Blend the min-max normalised cross-encoder score with the fused score. On the dev
            // corpus reranking did not pay at any weight (hybrid 0.509; blended 0.3: 0.498, 0.5:
            // 0.482, pure: 0.443): ms-marco was trained on web passages, not conversation.
            let weight = rerank::RERANK_WEIGHT;
            let norm = |values: Vec<f32>| -> Vec<f32> {
                let low = values.iter().copied().fold(f32::INFINITY, f32::min);
                let high = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                values
                    .iter()
                    .map(|v| if high > low { (v - low) / (high - low) } else { 1.0 })
                    .collect()
            };
            let fused_scores =
                norm(candidates[..depth].iter().map(|(item, _, _)| item.score).collect());
            let scores: Vec<f32> = norm(scores)
                .into_iter()
                .zip(fused_scores)
                .map(|(r, f)| weight * r + (1.0 - weight) * f)
                .collect();
            let mut head: Vec<_> = candidates.drain(..depth).zip(scores).collect();
            head.sort_by(|a, b| b.1.total_cmp(&a.1));
            let reranked = head.into_iter().map(|(mut candidate, score)| {
                candidate.0.score = score;
                candidate
            });
            candidates = reranked.chain(candidates).collect();
        }
        let ranked = match &named {
            Some(named) => fusion::diversify_in_scope(
                candidates,
                |(_, deal, _)| named.holds(&deal.info, &self.aliases),
                |(item, _, _)| item.score,
                |(_, deal, _)| deal.deal_id.as_str(),
                MAX_QUOTES_PER_DEAL,
                DIVERSITY_WINDOW,
            ),
            None => fusion::diversify(
                candidates,
                |(_, deal, _)| deal.deal_id.as_str(),
                MAX_QUOTES_PER_DEAL,
                DIVERSITY_WINDOW,
            ),
        };
        if let Some(named) = &mut named {
            let inside: Vec<&str> = ranked
                .iter()
                .take(limit)
                .filter(|(_, deal, _)| named.holds(&deal.info, &self.aliases))
                .map(|(_, deal, _)| deal.deal_id.as_str())
                .collect();
            named.quotes = inside.len();
            named.deals = inside.iter().collect::<std::collections::HashSet<_>>().len();
        }
        let results = ranked
            .into_iter()
            .take(limit)
            .map(|(item, deal, quote)| {
                let score = match mode {
                    Mode::Keyword => keyword_scores.get(item.id.as_str()).copied().unwrap_or(0.0),
                    Mode::Semantic => semantic_scores.get(item.id.as_str()).copied().unwrap_or(0.0),
                    Mode::Hybrid => item.score,
                };
                let mut served = self.served_quote(deal, quote, score);
                if request.explain {
                    served.explain = Some(Explain {
                        keyword_rank: item.keyword_rank,
                        semantic_rank: item.semantic_rank,
                        keyword_score: keyword_scores.get(item.id.as_str()).copied(),
                        semantic_score: semantic_scores.get(item.id.as_str()).copied(),
                    });
                }
                served
            })
            .collect();
        Ok((results, named))
    }
}

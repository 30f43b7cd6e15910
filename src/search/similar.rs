//! Similar past deals: a deal is represented by its quotes' vectors (centroid and best matches)
//! plus its CRM fields; every answer says why it is similar.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Catalog, filter, filter::normalize_value, validate_limit};
use crate::anonymize::contains_word;
use crate::corpus::aliases::normalize_name;
use crate::embed::Embedder;
use crate::error::{Error, Result};
use crate::model::{DealInfo, Filters, Outcome, Quote};
use crate::store::DealRecord;
use crate::store::vector::{DealTop, dot};

/// Default number of similar deals.
pub const DEFAULT_SIMILAR_LIMIT: usize = 5;
const QUOTES_PER_DEAL: usize = 3;

/// `POST /v1/deals/similar` request: a description or a deal id.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimilarRequest {
    /// Free-text description of a deal (at most 2,000 characters).
    #[schema(max_length = 2000)]
    pub query: Option<String>,
    /// An ingested deal to find look-alikes of (excluded from the answer).
    pub deal_id: Option<String>,
    /// Optional filters on the candidates.
    #[serde(default)]
    pub filters: Filters,
    /// Number of deals (default 5, max 100).
    #[schema(minimum = 1, maximum = 100)]
    #[serde(default, deserialize_with = "crate::model::whole_number")]
    pub limit: Option<usize>,
}

/// One similar deal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SimilarDeal {
    /// Deal id.
    pub deal_id: String,
    /// Deal metadata.
    #[serde(flatten)]
    pub info: DealInfo,
    /// Similarity, comparable within one response.
    pub score: f32,
    /// Reasons it is similar.
    pub why: Vec<String>,
    /// Up to three of its quotes most relevant to the request.
    pub quotes: Vec<Quote>,
}

/// `POST /v1/deals/similar` response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SimilarResponse {
    /// Deals, most similar first.
    pub deals: Vec<SimilarDeal>,
    /// Server time spent, in milliseconds.
    pub took_ms: u64,
}

/// Reason codes and words that signal them in a description.
pub(crate) const REASON_CUES: [(&str, &[&str], &str); 10] = [
    (
        "price",
        &["price", "pricing", "cost", "expensive", "cheaper", "budget", "overage"],
        "both turned on price",
    ),
    (
        "security_compliance",
        &[
            "security",
            "compliance",
            "soc",
            "questionnaire",
            "hipaa",
            "gdpr",
            "residency",
            "infosec",
            "audit",
        ],
        "both hinged on security review",
    ),
    (
        "implementation_risk",
        &["implementation", "onboarding", "rollout", "deployment", "migration", "go-live"],
        "both hinged on implementation risk",
    ),
    (
        "integration",
        &["integration", "integrations", "connector", "connectors", "sync", "api"],
        "both hinged on integrations",
    ),
    ("missing_feature", &["feature", "missing", "gap", "roadmap"], "both cited a missing feature"),
    (
        "no_urgency",
        &["urgency", "priority", "status quo", "stalled", "later", "in-house", "homegrown"],
        "both lacked urgency",
    ),
    (
        "champion_left",
        &["champion", "left the company", "sponsor left", "reorg"],
        "champion left in both",
    ),
    (
        "competitor_relationship",
        &["relationship", "incumbent", "existing vendor"],
        "both had a competitor relationship",
    ),
    (
        "sales_experience",
        &["sales experience", "rep", "responsiveness"],
        "both turned on the sales experience",
    ),
    ("roi_unclear", &["roi", "business case", "value", "payback"], "both struggled with ROI"),
];

const SEGMENT_CUES: [(&str, &[&str]); 3] = [
    ("smb", &["smb", "small business", "startup", "small company", "small team"]),
    ("mid_market", &["mid-market", "mid market", "midmarket", "mid-sized", "mid-size"]),
    ("enterprise", &["enterprise", "large company", "global company"]),
];

/// Mean of a deal's best similarities to the probe (at most `n`, best first).
fn best_mean(top: &[(String, f32)], n: usize) -> f32 {
    let take = top.len().min(n).max(1);
    top.iter().take(take).map(|(_, score)| score).sum::<f32>() / take as f32
}

impl Catalog {
    /// Finds deals similar to a description or to a given deal.
    pub fn similar(
        &self,
        embedder: &Embedder,
        request: &SimilarRequest,
    ) -> Result<Vec<SimilarDeal>> {
        request.filters.validate()?;
        let limit = validate_limit(request.limit, DEFAULT_SIMILAR_LIMIT)?;
        let query =
            request.query.as_deref().map(crate::model::trim_blank).filter(|q| !q.is_empty());
        if let Some(query) = query {
            crate::model::check_length("query", query, crate::model::MAX_QUERY_CHARS)?;
        }
        let base: Option<&DealRecord> = match (&request.deal_id, query) {
            (Some(_), Some(_)) => {
                return Err(Error::InvalidRequest("give either query or deal_id, not both".into()));
            }
            (None, None) => {
                return Err(Error::InvalidRequest("query or deal_id is required".into()));
            }
            (Some(deal_id), None) => {
                Some(self.deals.get(deal_id).ok_or_else(|| Error::DealNotFound(deal_id.clone()))?)
            }
            (None, Some(_)) => None,
        };
        let scope = filter::scope(&request.filters, &self.deals, &self.aliases);
        let probe: Vec<f32> = match (base, query) {
            (Some(deal), _) => self.vectors.centroid(&deal.deal_id).unwrap_or_default(),
            (None, Some(text)) => embedder.embed_query(&self.expand_query(text))?,
            (None, None) => unreachable!("checked above"),
        };
        // Each deal's best quotes for the probe: one pass (one grouped query on Qdrant).
        let tops = if probe.is_empty() || scope.as_ref().is_some_and(|s| s.deals.is_empty()) {
            HashMap::new()
        } else {
            self.vectors.top_per_deal(&probe, QUOTES_PER_DEAL, scope.as_ref())?
        };
        let query_lower = query.map(str::to_lowercase).unwrap_or_default();
        let mentioned: Vec<String> = query.map(|q| self.aliases.mentions(q)).unwrap_or_default();

        let mut scored: Vec<(f32, Vec<String>, &DealRecord)> = vec![];
        for deal in self.deals.values() {
            if base.is_some_and(|b| b.deal_id == deal.deal_id)
                || scope.as_ref().is_some_and(|s| !s.deals.contains(&deal.deal_id))
            {
                continue;
            }
            let semantic = match (self.vectors.centroid(&deal.deal_id), tops.get(&deal.deal_id)) {
                (Some(center), Some(top)) if !probe.is_empty() && !top.is_empty() => {
                    0.5 * dot(&probe, &center) + 0.5 * best_mean(top, QUOTES_PER_DEAL)
                }
                _ => 0.0,
            };
            let (bonus, why) = match base {
                Some(base) => self.metadata_match(&base.info, &deal.info),
                None => self.description_match(&query_lower, &mentioned, &deal.info),
            };
            scored.push((semantic + bonus, why, deal));
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.2.deal_id.cmp(&b.2.deal_id)));
        Ok(scored
            .into_iter()
            .take(limit)
            .map(|(score, mut why, deal)| {
                if why.is_empty() {
                    why.push("similar buyer stories".to_string());
                }
                SimilarDeal {
                    deal_id: deal.deal_id.clone(),
                    info: deal.info.clone(),
                    score,
                    why,
                    quotes: self.best_quotes(deal, tops.get(&deal.deal_id)),
                }
            })
            .collect())
    }

    /// A deal's best quotes for the probe, or its first ones without a probe.
    fn best_quotes(&self, deal: &DealRecord, top: Option<&DealTop>) -> Vec<Quote> {
        let ranked: Vec<(f32, &str)> = match top {
            Some(top) => top.iter().map(|(id, score)| (*score, id.as_str())).collect(),
            None => deal.quotes.iter().map(|q| (0.0, q.quote_id.as_str())).collect(),
        };
        ranked
            .into_iter()
            .take(QUOTES_PER_DEAL)
            .filter_map(|(score, id)| {
                let (deal, quote) = self.quote(id)?;
                Some(self.served_quote(deal, quote, score))
            })
            .collect()
    }

    fn same_competitors(&self, a: &[String], b: &[String]) -> Vec<String> {
        a.iter()
            .filter(|name| {
                b.iter().any(|other| {
                    normalize_name(self.aliases.resolve(other).unwrap_or(other))
                        == normalize_name(self.aliases.resolve(name).unwrap_or(name))
                })
            })
            .cloned()
            .collect()
    }

    fn metadata_match(&self, base: &DealInfo, other: &DealInfo) -> (f32, Vec<String>) {
        let mut bonus = 0.0;
        let mut why = vec![];
        let shared = self.same_competitors(&base.competitors, &other.competitors);
        if !shared.is_empty() {
            bonus += 0.15;
            why.push(format!("same competitor ({})", shared.join(", ")));
        }
        if base.outcome.is_some() && base.outcome == other.outcome {
            bonus += 0.05;
            why.push(format!("same outcome ({})", base.outcome.map_or("", Outcome::as_str)));
        }
        let same = |a: &Option<String>, b: &Option<String>| {
            a.as_deref().map(normalize_value).is_some()
                && a.as_deref().map(normalize_value) == b.as_deref().map(normalize_value)
        };
        for (reason_a, reason_b) in
            [(&base.loss_reason, &other.loss_reason), (&base.win_reason, &other.win_reason)]
        {
            if same(reason_a, reason_b) {
                bonus += 0.1;
                let code = reason_a.as_deref().unwrap_or_default();
                why.push(REASON_CUES.iter().find(|(c, _, _)| *c == code).map_or_else(
                    || format!("same reason ({code})"),
                    |(_, _, text)| text.to_string(),
                ));
            }
        }
        for (label, weight, a, b) in [
            ("same segment", 0.05, &base.segment, &other.segment),
            ("same industry", 0.05, &base.industry, &other.industry),
            ("similar size", 0.03, &base.size_band, &other.size_band),
            ("same region", 0.02, &base.region, &other.region),
        ] {
            if same(a, b) {
                bonus += weight;
                why.push(label.to_string());
            }
        }
        (bonus, why)
    }

    fn description_match(
        &self,
        query: &str,
        mentioned: &[String],
        info: &DealInfo,
    ) -> (f32, Vec<String>) {
        let mut bonus = 0.0;
        let mut why = vec![];
        let shared = self.same_competitors(mentioned, &info.competitors);
        if !shared.is_empty() {
            bonus += 0.15;
            why.push(format!("same competitor ({})", shared.join(", ")));
        }
        let reason =
            info.loss_reason.as_deref().or(info.win_reason.as_deref()).map(normalize_value);
        if let Some((_, _, text)) = REASON_CUES.iter().find(|(code, cues, _)| {
            reason.as_deref() == Some(*code) && cues.iter().any(|cue| contains_word(query, cue))
        }) {
            bonus += 0.1;
            why.push(text.to_string());
        }
        if let Some(segment) = info.segment.as_deref().map(normalize_value)
            && SEGMENT_CUES.iter().any(|(code, cues)| {
                *code == segment && cues.iter().any(|cue| contains_word(query, cue))
            })
        {
            bonus += 0.05;
            why.push("same segment".to_string());
        }
        if let Some(industry) = info.industry.as_deref().map(str::to_lowercase)
            && contains_word(query, &industry)
        {
            bonus += 0.05;
            why.push("same industry".to_string());
        }
        let outcome_cues: [(Outcome, &[&str]); 3] = [
            (Outcome::Lost, &["lost", "lose", "losing"]),
            (Outcome::Won, &["won", "win", "winning"]),
            (
                Outcome::NoDecision,
                &["no decision", "no_decision", "stalled", "status quo", "did nothing"],
            ),
        ];
        if let Some(outcome) = info.outcome
            && outcome_cues
                .iter()
                .any(|(o, cues)| *o == outcome && cues.iter().any(|cue| contains_word(query, cue)))
        {
            bonus += 0.05;
            why.push(format!("same outcome ({})", outcome.as_str()));
        }
        (bonus, why)
    }
}

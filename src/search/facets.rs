//! What the bank holds, for filter pickers: every filterable value with its deal count, the
//! competitors with their aliases, the close-date range, and a listing of deals. Only
//! non-identifying CRM metadata appears here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::corpus::aliases::normalize_name;
use crate::model::DealInfo;
use crate::search::Catalog;

/// One filter value and how many deals carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FacetValue {
    /// The value, as stored (use it in `filters`).
    pub value: String,
    /// Deals with this value.
    pub deals: usize,
}

/// A competitor with the other names buyers use for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompetitorFacet {
    /// Canonical name.
    pub name: String,
    /// Aliases that resolve to it.
    pub aliases: Vec<String>,
    /// Deals that named it.
    pub deals: usize,
}

/// `GET /v1/facets`: every filterable value in the bank.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Facets {
    /// Optional capabilities this server offers (e.g. `packs`), for clients that adapt.
    pub features: Vec<String>,
    /// Deals stored.
    pub deals: usize,
    /// Quotes stored.
    pub quotes: usize,
    /// Competitors, most-met first.
    pub competitors: Vec<CompetitorFacet>,
    /// `won`, `lost`, `no_decision`.
    pub outcome: Vec<FacetValue>,
    /// Segments.
    pub segment: Vec<FacetValue>,
    /// Industries.
    pub industry: Vec<FacetValue>,
    /// Regions.
    pub region: Vec<FacetValue>,
    /// Buyer personas.
    pub buyer_persona: Vec<FacetValue>,
    /// Loss reasons.
    pub loss_reason: Vec<FacetValue>,
    /// Win reasons.
    pub win_reason: Vec<FacetValue>,
    /// Deal size bands.
    pub size_band: Vec<FacetValue>,
    /// Quote themes.
    pub theme: Vec<FacetValue>,
    /// Earliest close date, `YYYY-MM-DD`.
    pub closed_from: Option<String>,
    /// Latest close date, `YYYY-MM-DD`.
    pub closed_to: Option<String>,
}

/// One row of `GET /v1/deals`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DealSummary {
    /// Deal id.
    pub deal_id: String,
    /// Metadata.
    #[serde(flatten)]
    pub info: DealInfo,
    /// Quotes stored for it.
    pub quotes: usize,
}

/// Counts values, most frequent first, ties by value.
fn ranked(counts: BTreeMap<String, usize>) -> Vec<FacetValue> {
    let mut values: Vec<FacetValue> =
        counts.into_iter().map(|(value, deals)| FacetValue { value, deals }).collect();
    values.sort_by(|a, b| b.deals.cmp(&a.deals).then_with(|| a.value.cmp(&b.value)));
    values
}

impl Catalog {
    /// Every filterable value with its deal count.
    pub fn facets(&self) -> Facets {
        let mut fields: [BTreeMap<String, usize>; 9] = Default::default();
        let mut competitors: BTreeMap<String, usize> = BTreeMap::new();
        let (mut from, mut to) = (None, None);
        for deal in self.deals.values() {
            let info = &deal.info;
            let values = [
                info.outcome.map(|o| o.as_str().to_string()),
                info.segment.clone(),
                info.industry.clone(),
                info.region.clone(),
                info.buyer_persona.clone(),
                info.loss_reason.clone(),
                info.win_reason.clone(),
                info.size_band.clone(),
            ];
            for (counts, value) in fields.iter_mut().zip(values) {
                if let Some(value) = value {
                    *counts.entry(value).or_default() += 1;
                }
            }
            let mut themes: Vec<&str> =
                deal.quotes.iter().flat_map(|q| q.themes.iter().map(String::as_str)).collect();
            themes.sort_unstable();
            themes.dedup();
            for theme in themes {
                *fields[8].entry(theme.to_string()).or_default() += 1;
            }
            for name in &info.competitors {
                let canonical = self.aliases.resolve(name).unwrap_or(name).to_string();
                *competitors.entry(canonical).or_default() += 1;
            }
            if let Some(day) = info.close_date {
                from = Some(from.map_or(day, |d: crate::model::Day| d.min(day)));
                to = Some(to.map_or(day, |d: crate::model::Day| d.max(day)));
            }
        }
        let mut competitors: Vec<CompetitorFacet> = competitors
            .into_iter()
            .map(|(name, deals)| {
                let aliases = self
                    .aliases
                    .all_forms(&name)
                    .into_iter()
                    .filter(|form| normalize_name(form) != normalize_name(&name))
                    .map(String::from)
                    .collect();
                CompetitorFacet { name, aliases, deals }
            })
            .collect();
        competitors.sort_by(|a, b| b.deals.cmp(&a.deals).then_with(|| a.name.cmp(&b.name)));
        let [
            outcome,
            segment,
            industry,
            region,
            buyer_persona,
            loss_reason,
            win_reason,
            size_band,
            theme,
        ] = fields.map(ranked);
        Facets {
            features: vec!["themes".into(), "packs".into(), "ask".into(), "evidence".into()],
            deals: self.deals.len(),
            quotes: self.quotes.len(),
            competitors,
            outcome,
            segment,
            industry,
            region,
            buyer_persona,
            loss_reason,
            win_reason,
            size_band,
            theme,
            closed_from: from.map(|d| d.to_string()),
            closed_to: to.map(|d| d.to_string()),
        }
    }

    /// Every deal's metadata, newest close first.
    pub fn deal_summaries(&self) -> Vec<DealSummary> {
        let mut deals: Vec<DealSummary> = self
            .deals
            .values()
            .map(|deal| DealSummary {
                deal_id: deal.deal_id.clone(),
                info: deal.info.clone(),
                quotes: deal.quotes.len(),
            })
            .collect();
        deals.sort_by(|a, b| {
            b.info.close_date.cmp(&a.info.close_date).then_with(|| a.deal_id.cmp(&b.deal_id))
        });
        deals
    }
}

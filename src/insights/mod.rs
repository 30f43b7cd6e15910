//! The story bank's analyses: segmented win rates with an uncertainty interval, battlecard
//! evidence per competitor, extractive answers with honest counts (`ask`), and the monthly
//! digest. Every number is computed from the stored deals and quote tags; every sentence of an
//! answer is either a buyer quote or a computed count.

pub mod generator;
pub mod render;
pub mod service;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, Result};
use crate::model::{Day, Filters, Outcome, Quote};
use crate::search::filter::normalize_value;
use crate::search::{Catalog, allowed_deals};
use crate::store::DealRecord;
use crate::themes::{COMPETITOR_STRENGTHS, Taxonomy};

/// Below this many deals in scope, answers say the sample is too small to generalise.
pub const DEFAULT_MIN_DEALS: usize = 5;
/// z for a 95% interval.
const Z95: f64 = 1.959_964;

/// The dimensions win rates can be split by.
pub const WIN_RATE_DIMENSIONS: [&str; 7] =
    ["competitor", "segment", "industry", "persona", "size_band", "lead_source", "region"];

/// A Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// Wilson score 95% interval of `successes` out of `trials` (None when no trials).
pub fn wilson(successes: usize, trials: usize) -> Option<Interval> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z95 * Z95;
    let center = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    Some(Interval { low: (center - half).max(0.0), high: (center + half).min(1.0) })
}

/// Deal counts and win rate of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WinRate {
    /// The group's value (`Tallyfold`, `mid_market`...); `all` for the whole set.
    pub value: String,
    /// Deals in the group.
    pub deals: usize,
    /// Won.
    pub won: usize,
    /// Lost.
    pub lost: usize,
    /// No decision.
    pub no_decision: usize,
    /// won / (won + lost); null when nothing was decided.
    pub win_rate: Option<f64>,
    /// Wilson 95% interval of the win rate.
    pub interval: Option<Interval>,
}

impl WinRate {
    /// Counts of a group of deals.
    pub(crate) fn of<'a>(value: &str, deals: impl Iterator<Item = &'a DealRecord>) -> WinRate {
        let mut rate = WinRate {
            value: value.to_string(),
            deals: 0,
            won: 0,
            lost: 0,
            no_decision: 0,
            win_rate: None,
            interval: None,
        };
        for deal in deals {
            rate.deals += 1;
            match deal.info.outcome {
                Some(Outcome::Won) => rate.won += 1,
                Some(Outcome::Lost) => rate.lost += 1,
                Some(Outcome::NoDecision) => rate.no_decision += 1,
                None => {}
            }
        }
        let decided = rate.won + rate.lost;
        rate.win_rate = (decided > 0).then(|| rate.won as f64 / decided as f64);
        rate.interval = wilson(rate.won, decided);
        rate
    }
}

/// `GET /v1/analytics/win-rates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WinRates {
    /// The dimension.
    pub by: String,
    /// Every deal in scope.
    pub overall: WinRate,
    /// One row per value, most deals first. A deal with two competitors counts in both rows.
    pub groups: Vec<WinRate>,
    /// How to read the numbers.
    pub method: String,
}

pub(crate) fn dimension_values(deal: &DealRecord, by: &str, catalog: &Catalog) -> Vec<String> {
    let info = &deal.info;
    let one = |value: &Option<String>| vec![value.clone().unwrap_or_else(|| "(none)".into())];
    match by {
        "competitor" => {
            let names: BTreeSet<String> = info
                .competitors
                .iter()
                .map(|name| catalog.aliases.resolve(name).unwrap_or(name).to_string())
                .collect();
            if names.is_empty() { vec!["(none)".into()] } else { names.into_iter().collect() }
        }
        "segment" => one(&info.segment),
        "industry" => one(&info.industry),
        "persona" => one(&info.buyer_persona),
        "size_band" => one(&info.size_band),
        "lead_source" => one(&info.lead_source),
        "region" => one(&info.region),
        _ => vec![],
    }
}

fn scope<'a>(catalog: &'a Catalog, filters: &Filters) -> Result<Vec<&'a DealRecord>> {
    filters.validate()?;
    let allowed = allowed_deals(filters, &catalog.deals, &catalog.aliases);
    Ok(catalog
        .deals
        .values()
        .filter(|deal| allowed.as_ref().is_none_or(|set| set.contains(&deal.deal_id)))
        .collect())
}

/// Win rates split by a dimension, over the deals the filters allow.
pub fn win_rates(catalog: &Catalog, by: &str, filters: &Filters) -> Result<WinRates> {
    if !WIN_RATE_DIMENSIONS.contains(&by) {
        return Err(Error::InvalidRequest(format!(
            "by must be one of {}",
            WIN_RATE_DIMENSIONS.join(", ")
        )));
    }
    let deals = scope(catalog, filters)?;
    let mut groups: BTreeMap<String, Vec<&DealRecord>> = BTreeMap::new();
    for deal in &deals {
        for value in dimension_values(deal, by, catalog) {
            groups.entry(value).or_default().push(deal);
        }
    }
    let mut rows: Vec<WinRate> =
        groups.iter().map(|(value, deals)| WinRate::of(value, deals.iter().copied())).collect();
    rows.sort_by(|a, b| b.deals.cmp(&a.deals).then_with(|| a.value.cmp(&b.value)));
    Ok(WinRates {
        by: by.to_string(),
        overall: WinRate::of("all", deals.iter().copied()),
        groups: rows,
        method:
            "win_rate = won / (won + lost); no-decision deals are counted but not in the rate; \
                 interval = Wilson score 95%"
                .into(),
    })
}

/// How often a theme comes up in a set of deals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ThemeCount {
    /// Theme id.
    pub theme: String,
    /// Display label.
    pub label: String,
    /// Quotes tagged with it.
    pub quotes: usize,
    /// Deals with at least one such quote.
    pub deals: usize,
    /// Of those deals: won.
    pub won: usize,
    /// Lost.
    pub lost: usize,
    /// No decision.
    pub no_decision: usize,
    /// Representative quotes.
    pub examples: Vec<Quote>,
}

pub(crate) fn label_of(taxonomy: &Taxonomy, theme: &str) -> String {
    taxonomy
        .themes
        .iter()
        .find(|t| t.id == theme)
        .map_or_else(|| theme.replace('_', " "), |t| t.label.clone())
}

/// Counts themes over deals; keeps up to `examples` quotes per theme, preferring the given
/// polarity and quotes that name one of `mentions`, newest deals first.
fn theme_counts(
    catalog: &Catalog,
    taxonomy: &Taxonomy,
    deals: &[&DealRecord],
    prefer_polarity: Option<&str>,
    mentions: &[String],
    examples: usize,
) -> Vec<ThemeCount> {
    /// Per theme: quotes, deal ids, (deal, quote position) of each tagged quote.
    type Tally<'a> = (usize, BTreeSet<&'a str>, Vec<(&'a DealRecord, usize)>);
    let mut by_theme: BTreeMap<&str, Tally<'_>> = BTreeMap::new();
    for deal in deals {
        for (position, quote) in deal.quotes.iter().enumerate() {
            for theme in &quote.themes {
                let entry = by_theme.entry(theme.as_str()).or_default();
                entry.0 += 1;
                entry.1.insert(deal.deal_id.as_str());
                entry.2.push((deal, position));
            }
        }
    }
    let mut counts: Vec<ThemeCount> = by_theme
        .into_iter()
        .map(|(theme, (quotes, deal_ids, mut found))| {
            let outcome_of = |id: &str| catalog.deals.get(id).and_then(|d| d.info.outcome);
            let count = |o: Outcome| deal_ids.iter().filter(|id| outcome_of(id) == Some(o)).count();
            found.sort_by_key(|(deal, position)| {
                let quote = &deal.quotes[*position];
                let polarity_miss =
                    prefer_polarity.is_some_and(|p| quote.polarity.as_deref() != Some(p));
                let names = !mentions.is_empty()
                    && !catalog.aliases.mentions(&quote.text).iter().any(|m| mentions.contains(m));
                (
                    polarity_miss,
                    names,
                    std::cmp::Reverse(deal.info.close_date),
                    deal.deal_id.clone(),
                    *position,
                )
            });
            let mut seen_deals = HashSet::new();
            let examples = found
                .iter()
                .filter(|(deal, _)| seen_deals.insert(deal.deal_id.clone()))
                .take(examples)
                .map(|(deal, position)| catalog.served_quote(deal, &deal.quotes[*position], 0.0))
                .collect();
            ThemeCount {
                theme: theme.to_string(),
                label: label_of(taxonomy, theme),
                quotes,
                deals: deal_ids.len(),
                won: count(Outcome::Won),
                lost: count(Outcome::Lost),
                no_decision: count(Outcome::NoDecision),
                examples,
            }
        })
        .collect();
    counts.sort_by(|a, b| {
        b.deals.cmp(&a.deals).then(b.quotes.cmp(&a.quotes)).then_with(|| a.theme.cmp(&b.theme))
    });
    counts
}

/// A deal in a competitor's evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EvidenceDeal {
    /// Deal id.
    pub deal_id: String,
    /// Outcome.
    pub outcome: Option<Outcome>,
    /// Segment.
    pub segment: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Close date.
    #[schema(value_type = Option<String>, format = Date)]
    pub close_date: Option<Day>,
    /// Loss reason.
    pub loss_reason: Option<String>,
    /// Win reason.
    pub win_reason: Option<String>,
}

/// `GET /v1/competitors/{name}/evidence`: a battlecard's evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evidence {
    /// Canonical name.
    pub competitor: String,
    /// Other names buyers use.
    pub aliases: Vec<String>,
    /// Deals where it competed, newest first.
    pub deals: Vec<EvidenceDeal>,
    /// Win rate against it.
    pub win_rate: WinRate,
    /// Win rate against it by segment.
    pub by_segment: Vec<WinRate>,
    /// Themes of the deals we lost to it, most deals first, with quotes.
    pub loss_themes: Vec<ThemeCount>,
    /// Themes of the deals we won against it.
    pub win_themes: Vec<ThemeCount>,
    /// What buyers praised about it.
    pub competitor_praise: Vec<Quote>,
    /// The newest quotes that name it.
    pub newest_quotes: Vec<Quote>,
    /// Honest sample-size note, when the deals are few.
    pub sample_note: Option<String>,
}

/// Sample-size note: `None` when there are enough deals.
pub fn sample_note(deals: usize, min_deals: usize) -> Option<String> {
    (deals < min_deals).then(|| {
        format!(
            "{deals} {}: too few to generalise (fewer than {min_deals})",
            if deals == 1 { "deal" } else { "deals" }
        )
    })
}

/// Evidence for a competitor (any alias), over the deals the filters allow.
pub fn evidence(
    catalog: &Catalog,
    taxonomy: &Taxonomy,
    name: &str,
    min_deals: usize,
) -> Result<Evidence> {
    let canonical = catalog
        .aliases
        .resolve(name)
        .map(str::to_string)
        .or_else(|| {
            catalog
                .deals
                .values()
                .flat_map(|d| d.info.competitors.iter())
                .find(|c| normalize_value(c) == normalize_value(name))
                .cloned()
        })
        .ok_or_else(|| Error::CompetitorNotFound(name.to_string()))?;
    let filters = Filters {
        competitor: Some(crate::model::OneOrMany::One(canonical.clone())),
        ..Filters::default()
    };
    let mut deals = scope(catalog, &filters)?;
    if deals.is_empty() {
        return Err(Error::CompetitorNotFound(name.to_string()));
    }
    deals.sort_by(|a, b| {
        b.info.close_date.cmp(&a.info.close_date).then_with(|| a.deal_id.cmp(&b.deal_id))
    });
    let mentions = vec![canonical.clone()];
    let of_outcome = |o: Outcome| -> Vec<&DealRecord> {
        deals.iter().copied().filter(|d| d.info.outcome == Some(o)).collect()
    };
    let (lost, won) = (of_outcome(Outcome::Lost), of_outcome(Outcome::Won));
    let loss_themes = theme_counts(catalog, taxonomy, &lost, Some("criticism"), &mentions, 2)
        .into_iter()
        .filter(|t| t.theme != COMPETITOR_STRENGTHS)
        .take(5)
        .collect();
    let win_themes = theme_counts(catalog, taxonomy, &won, Some("praise"), &mentions, 2)
        .into_iter()
        .filter(|t| t.theme != COMPETITOR_STRENGTHS)
        .take(5)
        .collect();
    let names_it = |text: &str| catalog.aliases.mentions(text).contains(&canonical);
    let mut competitor_praise = vec![];
    let mut newest_quotes = vec![];
    for deal in &deals {
        for quote in &deal.quotes {
            if names_it(&quote.text) {
                if quote.themes.iter().any(|t| t == COMPETITOR_STRENGTHS)
                    && competitor_praise.len() < 5
                {
                    competitor_praise.push(catalog.served_quote(deal, quote, 0.0));
                }
                if newest_quotes.len() < 5
                    && !newest_quotes.iter().any(|q: &Quote| q.deal_id == deal.deal_id)
                {
                    newest_quotes.push(catalog.served_quote(deal, quote, 0.0));
                }
            }
        }
    }
    let mut segments: BTreeMap<String, Vec<&DealRecord>> = BTreeMap::new();
    for deal in &deals {
        segments
            .entry(deal.info.segment.clone().unwrap_or_else(|| "(none)".into()))
            .or_default()
            .push(deal);
    }
    let by_segment =
        segments.iter().map(|(segment, list)| WinRate::of(segment, list.iter().copied())).collect();
    Ok(Evidence {
        aliases: catalog
            .aliases
            .all_forms(&canonical)
            .into_iter()
            .filter(|form| normalize_value(form) != normalize_value(&canonical))
            .map(String::from)
            .collect(),
        deals: deals
            .iter()
            .map(|deal| EvidenceDeal {
                deal_id: deal.deal_id.clone(),
                outcome: deal.info.outcome,
                segment: deal.info.segment.clone(),
                industry: deal.info.industry.clone(),
                close_date: deal.info.close_date,
                loss_reason: deal.info.loss_reason.clone(),
                win_reason: deal.info.win_reason.clone(),
            })
            .collect(),
        win_rate: WinRate::of(&canonical, deals.iter().copied()),
        by_segment,
        loss_themes,
        win_themes,
        competitor_praise,
        newest_quotes,
        sample_note: sample_note(deals.len(), min_deals),
        competitor: canonical,
    })
}

/// `POST /v1/ask` request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    /// The question (at most 2,000 characters, not blank).
    #[schema(pattern = r"[^\s\x85]", max_length = 2000)]
    pub question: String,
    /// Optional filters (the scope).
    #[serde(default)]
    pub filters: Filters,
    /// Quotes per theme (default 3, max 10).
    #[serde(default, deserialize_with = "crate::model::whole_number")]
    pub quotes_per_theme: Option<usize>,
    /// Themes in the answer (default 3, max 8).
    #[serde(default, deserialize_with = "crate::model::whole_number")]
    pub themes: Option<usize>,
    /// Ask the configured generator for a cited summary (off unless configured).
    #[serde(default)]
    pub summarize: bool,
}

/// One sentence of an answer: a computed count or a buyer quote, never anything else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AnswerLine {
    /// `count`, `quote` or `note`.
    pub kind: String,
    /// The sentence.
    pub text: String,
    /// The quote it is (kind `quote`).
    pub quote_id: Option<String>,
    /// The theme it belongs to.
    pub theme: Option<String>,
}

/// `POST /v1/ask` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AskResponse {
    /// The question.
    pub question: String,
    /// Deals the filters allow.
    pub deals_in_scope: usize,
    /// Scope keys read from the question (e.g. `lost deals`, `against Heapster`).
    pub inferred_scope: Vec<String>,
    /// Of those: won, lost, no decision.
    pub scope: WinRate,
    /// The themes that answer, with counts over the deals in scope and their best quotes.
    pub themes: Vec<ThemeCount>,
    /// The answer, sentence by sentence.
    pub answer: Vec<AnswerLine>,
    /// Honest sample-size note.
    pub sample_note: Option<String>,
    /// A generated summary, only when asked and configured; every kept claim cites quotes.
    pub summary: Option<generator::Summary>,
    /// Server time, ms.
    pub took_ms: u64,
}

/// Attribution line of a quote: role · segment industry · outcome vs competitors · month.
pub fn attribution(quote: &Quote) -> String {
    let deal = &quote.deal;
    let mut parts = vec![quote.speaker.clone()];
    let place: Vec<String> = [deal.segment.clone(), deal.industry.clone()]
        .into_iter()
        .flatten()
        .map(|v| v.replace('_', " "))
        .collect();
    if !place.is_empty() {
        parts.push(place.join(" "));
    }
    let versus = if deal.competitors.is_empty() {
        String::new()
    } else {
        format!(" vs {}", deal.competitors.join(", "))
    };
    if let Some(outcome) = deal.outcome {
        parts.push(format!("{}{versus}", outcome.as_str().replace('_', " ")));
    }
    if let Some(day) = deal.close_date {
        let (y, m, _) = day.ymd();
        parts.push(format!("{y}-{m:02}"));
    }
    parts.push(format!("deal {}", quote.deal_id));
    parts.join(" · ")
}

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Builds the extractive answer from ranked quotes (best first) over the deals in scope.
pub fn answer(
    catalog: &Catalog,
    taxonomy: &Taxonomy,
    request: &AskRequest,
    ranked: &[Quote],
    min_deals: usize,
) -> Result<AskResponse> {
    let per_theme = request.quotes_per_theme.unwrap_or(3).clamp(1, 10);
    let max_themes = request.themes.unwrap_or(3).clamp(1, 8);
    let deals = scope(catalog, &request.filters)?;
    let scope_rate = WinRate::of("scope", deals.iter().copied());
    // Themes are ranked by the relevance their quotes carry in the retrieved list (rank-decayed),
    // so the themes that answer the question come first, not the most common ones.
    let mut weight: BTreeMap<&str, f64> = BTreeMap::new();
    for (rank, quote) in ranked.iter().enumerate() {
        for theme in &quote.themes {
            *weight.entry(theme.as_str()).or_default() += 1.0 / (rank as f64 + 2.0).log2();
        }
    }
    let mut chosen: Vec<(&str, f64)> = weight.into_iter().collect();
    chosen.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let population = theme_counts(catalog, taxonomy, &deals, None, &[], 0);
    let mut themes = vec![];
    let mut answer = vec![];
    let losses = scope_rate.lost;
    let wins = scope_rate.won;
    for (theme, _) in chosen.into_iter().take(max_themes) {
        let Some(mut count) = population.iter().find(|c| c.theme == theme).cloned() else {
            continue;
        };
        count.examples = ranked
            .iter()
            .filter(|q| q.themes.iter().any(|t| t == theme))
            .take(per_theme)
            .cloned()
            .collect();
        let mut sentence = format!(
            "{}: comes up in {} of {} in scope",
            count.label,
            count.deals,
            plural(deals.len(), "deal", "deals"),
        );
        let mut splits = vec![];
        if losses > 0 {
            splits.push(format!("{} of {}", count.lost, plural(losses, "loss", "losses")));
        }
        if wins > 0 {
            splits.push(format!("{} of {}", count.won, plural(wins, "win", "wins")));
        }
        if !splits.is_empty() {
            sentence.push_str(&format!(" ({})", splits.join(", ")));
        }
        sentence.push_str(&format!(", {}.", plural(count.quotes, "quote", "quotes")));
        answer.push(AnswerLine {
            kind: "count".into(),
            text: sentence,
            quote_id: None,
            theme: Some(count.theme.clone()),
        });
        for quote in &count.examples {
            answer.push(AnswerLine {
                kind: "quote".into(),
                text: format!("\u{201c}{}\u{201d} \u{2014} {}", quote.text, attribution(quote)),
                quote_id: Some(quote.quote_id.clone()),
                theme: Some(count.theme.clone()),
            });
        }
        themes.push(count);
    }
    if themes.is_empty() && !ranked.is_empty() {
        answer.push(AnswerLine {
            kind: "note".into(),
            text: "No theme stands out; the most relevant quotes follow.".into(),
            quote_id: None,
            theme: None,
        });
        for quote in ranked.iter().take(per_theme) {
            answer.push(AnswerLine {
                kind: "quote".into(),
                text: format!("\u{201c}{}\u{201d} \u{2014} {}", quote.text, attribution(quote)),
                quote_id: Some(quote.quote_id.clone()),
                theme: None,
            });
        }
    }
    let note = sample_note(deals.len(), min_deals);
    if let Some(note) = &note {
        answer.push(AnswerLine {
            kind: "note".into(),
            text: format!("{note}."),
            quote_id: None,
            theme: None,
        });
    }
    Ok(AskResponse {
        question: request.question.clone(),
        deals_in_scope: deals.len(),
        inferred_scope: vec![],
        scope: scope_rate,
        themes,
        answer,
        sample_note: note,
        summary: None,
        took_ms: 0,
    })
}

/// One recommendation of the digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Recommendation {
    /// `product`, `marketing` or `sales`.
    pub team: String,
    /// The theme it is drawn from.
    pub theme: String,
    /// The recommendation, with its count.
    pub text: String,
    /// A quote that backs it.
    pub evidence: Option<Quote>,
    /// Every quote it is drawn from: each criticises the seller or praises a competitor on
    /// the theme (polarity `criticism`), never the opposite direction.
    #[serde(default)]
    pub quote_ids: Vec<String>,
}

/// The monthly digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Digest {
    /// `YYYY-MM`.
    pub month: String,
    /// Deals closed that month, by outcome.
    pub deals: WinRate,
    /// Win rate by competitor that month.
    pub by_competitor: Vec<WinRate>,
    /// Themes of the month's wins, with one quote each.
    pub top_win_themes: Vec<ThemeCount>,
    /// Themes of the month's losses, with one quote each.
    pub top_loss_themes: Vec<ThemeCount>,
    /// One each for product, marketing and sales, from the most-cited themes.
    pub recommendations: Vec<Recommendation>,
    /// Honest sample-size note.
    pub sample_note: Option<String>,
}

const TEAMS: [(&str, &[&str]); 3] = [
    ("product", &["product_gaps", "integrations", "security", "implementation", "support"]),
    ("marketing", &[COMPETITOR_STRENGTHS, "roi", "pricing", "urgency", "product_gaps"]),
    ("sales", &["sales_experience", "champion", "pricing", "urgency", "roi", "security"]),
];

fn action(team: &str, theme: &str, label: &str) -> String {
    match (team, theme) {
        ("product", "product_gaps") => "close the capability gaps buyers named".into(),
        ("product", "integrations") => "fix the integration gaps buyers named".into(),
        ("product", "security") => {
            "shorten security review (ready answers, reports, hosting options)".into()
        }
        ("product", "implementation") => "make onboarding faster and more hands-on".into(),
        ("product", "support") => "raise support responsiveness".into(),
        ("marketing", COMPETITOR_STRENGTHS) => {
            "answer the competitor strengths buyers cited".into()
        }
        ("marketing", "roi") => "arm buyers with a business case they can reuse".into(),
        ("marketing", "pricing") => "make pricing and packaging easier to compare".into(),
        ("marketing", "urgency") => "give buyers a reason to act now".into(),
        ("sales", "sales_experience") => {
            "coach on the sales-experience moments buyers described".into()
        }
        ("sales", "champion") => "multi-thread deals so one departure cannot stall them".into(),
        ("sales", "pricing") => "qualify budget and price early".into(),
        ("sales", "urgency") => "test urgency before forecasting".into(),
        ("sales", "security") => "start security review in the first weeks".into(),
        _ => format!("review what buyers said about {}", label.to_lowercase()),
    }
}

/// The digest of deals closed in `month` (`YYYY-MM`).
pub fn digest(
    catalog: &Catalog,
    taxonomy: &Taxonomy,
    month: &str,
    min_deals: usize,
) -> Result<Digest> {
    let valid = month.len() == 7 && Day::parse(&format!("{month}-01")).is_some();
    if !valid {
        return Err(Error::InvalidRequest(format!("month `{month}` is not YYYY-MM")));
    }
    let in_month: Vec<&DealRecord> = catalog
        .deals
        .values()
        .filter(|deal| deal.info.close_date.is_some_and(|d| d.to_string().starts_with(month)))
        .collect();
    let of = |o: Outcome| -> Vec<&DealRecord> {
        in_month.iter().copied().filter(|d| d.info.outcome == Some(o)).collect()
    };
    let (won, lost) = (of(Outcome::Won), of(Outcome::Lost));
    let top = |deals: &[&DealRecord], polarity: &str| -> Vec<ThemeCount> {
        theme_counts(catalog, taxonomy, deals, Some(polarity), &[], 1).into_iter().take(3).collect()
    };
    let top_win_themes = top(&won, "praise");
    let top_loss_themes = top(&lost, "criticism");
    // Recommendations read direction: only quotes that criticise the seller or praise a
    // competitor (polarity `criticism`) can back "make X better"; a quote saying the
    // competitor was dearer is evidence for us, not advice to change pricing.
    let supporting = |deals: &[&DealRecord]| -> Vec<DealRecord> {
        deals
            .iter()
            .map(|deal| {
                let mut deal = (*deal).clone();
                deal.quotes.retain(|q| q.polarity.as_deref() == Some("criticism"));
                deal
            })
            .collect()
    };
    let (lost_support, month_support) = (supporting(&lost), supporting(&in_month));
    let lost_support: Vec<&DealRecord> = lost_support.iter().collect();
    let month_support: Vec<&DealRecord> = month_support.iter().collect();
    let all_loss = theme_counts(catalog, taxonomy, &lost_support, Some("criticism"), &[], 1);
    let all_other = theme_counts(catalog, taxonomy, &month_support, Some("criticism"), &[], 1);
    let mut recommendations = vec![];
    for (team, themes) in TEAMS {
        // The team's most-cited theme in losses, else in all the month's deals.
        let pick = [&all_loss, &all_other].into_iter().find_map(|counts| {
            counts.iter().find(|c| themes.contains(&c.theme.as_str())).map(|c| (c, counts))
        });
        let Some((count, counts)) = pick else { continue };
        let losses_basis = std::ptr::eq(counts, &all_loss);
        let basis_deals = if losses_basis { &lost_support } else { &month_support };
        let quote_ids: Vec<String> = basis_deals
            .iter()
            .flat_map(|deal| &deal.quotes)
            .filter(|q| q.themes.contains(&count.theme))
            .map(|q| q.quote_id.clone())
            .collect();
        let basis = if losses_basis {
            format!(
                "cited in {} of {} this month",
                count.deals,
                plural(lost.len(), "loss", "losses")
            )
        } else {
            format!(
                "cited in {} of {} this month",
                count.deals,
                plural(in_month.len(), "deal", "deals")
            )
        };
        recommendations.push(Recommendation {
            team: team.to_string(),
            theme: count.theme.clone(),
            text: format!(
                "{}: {} \u{2014} {} ({basis}).",
                capitalize(team),
                action(team, &count.theme, &count.label),
                count.label
            ),
            evidence: count.examples.first().cloned(),
            quote_ids,
        });
    }
    let mut by_competitor: BTreeMap<String, Vec<&DealRecord>> = BTreeMap::new();
    for deal in &in_month {
        for name in dimension_values(deal, "competitor", catalog) {
            by_competitor.entry(name).or_default().push(deal);
        }
    }
    Ok(Digest {
        month: month.to_string(),
        deals: WinRate::of(month, in_month.iter().copied()),
        by_competitor: by_competitor
            .iter()
            .map(|(name, deals)| WinRate::of(name, deals.iter().copied()))
            .collect(),
        top_win_themes,
        top_loss_themes,
        recommendations,
        sample_note: sample_note(in_month.len(), min_deals),
    })
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().collect::<String>() + chars.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_known_values() {
        // 7 of 12: 0.583, Wilson 95% [0.320, 0.807].
        let interval = wilson(7, 12).unwrap();
        assert!((interval.low - 0.3195).abs() < 0.002, "{interval:?}");
        assert!((interval.high - 0.8067).abs() < 0.002, "{interval:?}");
        let all = wilson(5, 5).unwrap();
        assert!(all.high == 1.0 && all.low > 0.5 && all.low < 0.6, "{all:?}");
        assert!(wilson(0, 0).is_none());
    }

    #[test]
    fn sample_notes_are_honest() {
        assert_eq!(sample_note(3, 5).unwrap(), "3 deals: too few to generalise (fewer than 5)");
        assert!(sample_note(5, 5).is_none());
    }
}

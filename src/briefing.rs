//! The quarterly briefing for leadership and product, and the numbers of the home dashboard.
//!
//! Both read the stored deals of one calendar period against the period before. The briefing
//! ranks the gaps that cost deals (by deals and by the deal value they touched), says where each
//! competitor is ahead or behind in buyers' own words, lists themes new or rising this quarter,
//! gives win rates by lead source and segment with Wilson intervals, and picks the quarter's top
//! stories. Every claim carries the ids of the quotes it rests on; every quote is served
//! through the catalog's anonymization guard. Deal amounts come from the admin-only CRM rows
//! and leave only as sums.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::alerts::{Alert, Period, Span};
use crate::app::Storybank;
use crate::error::{Error, Result};
use crate::insights::render::{escape, page, percent, quote_html, quote_md};
use crate::insights::service::{Document, Format};
use crate::insights::{WinRate, attribution, dimension_values, label_of, sample_note};
use crate::model::{Day, Outcome, Quote};
use crate::search::Catalog;
use crate::store::DealRecord;
use crate::themes::{COMPETITOR_STRENGTHS, Taxonomy};

/// Quotes cited per claim.
const EXAMPLES: usize = 2;
/// A theme is "rising" when its share of the period's deals grows by this much.
const RISING_POINTS: f64 = 0.15;

/// A gap buyers named in deals we did not win.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Gap {
    /// Theme id.
    pub theme: String,
    /// Display label.
    pub label: String,
    /// Lost or no-decision deals with a quote on it.
    pub deals: usize,
    /// Of them, lost.
    pub lost: usize,
    /// Of them, no decision.
    pub no_decision: usize,
    /// Sum of the amounts of those deals, where the CRM gave one (USD).
    pub value_usd: f64,
    /// Deals whose amount is known.
    pub value_known: usize,
    /// Every quote behind it.
    pub quote_ids: Vec<String>,
    /// The strongest quotes.
    pub examples: Vec<Quote>,
}

/// A theme with its deal count, for a competitor's position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ThemeDeals {
    /// Theme id.
    pub theme: String,
    /// Display label.
    pub label: String,
    /// Deals with such a quote.
    pub deals: usize,
    /// The quotes.
    pub quote_ids: Vec<String>,
}

/// Where a competitor is ahead of us or behind, in buyers' words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompetitorPosition {
    /// Canonical name.
    pub competitor: String,
    /// Win rate against it this period.
    pub win_rate: WinRate,
    /// The period before.
    pub previous: WinRate,
    /// Change in win rate, percentage points (when both periods had decided deals).
    pub change_points: Option<f64>,
    /// What buyers said in deals we lost to it (themes, most deals first).
    pub ahead_in: Vec<ThemeDeals>,
    /// Quotes where buyers credit it.
    pub ahead_quotes: Vec<Quote>,
    /// What buyers said in deals we won against it.
    pub behind_in: Vec<ThemeDeals>,
    /// Quotes from those wins.
    pub behind_quotes: Vec<Quote>,
}

/// A theme that is new or rising.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Emerging {
    /// Theme id.
    pub theme: String,
    /// Display label.
    pub label: String,
    /// Deals with a quote on it, this period.
    pub deals: usize,
    /// Share of the period's deals.
    pub share: f64,
    /// Deals with it in the period before.
    pub previous_deals: usize,
    /// Share of the previous period's deals.
    pub previous_share: f64,
    /// Never heard before this period.
    pub new: bool,
    /// The quotes (up to three).
    pub quote_ids: Vec<String>,
    /// One quote.
    pub example: Option<Quote>,
}

/// One of the period's top stories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TopStory {
    /// Deal id.
    pub deal_id: String,
    /// Outcome.
    pub outcome: Option<Outcome>,
    /// Competitors.
    pub competitors: Vec<String>,
    /// Size band.
    pub size_band: Option<String>,
    /// Themes of the quote.
    pub themes: Vec<String>,
    /// The quote.
    pub quote: Quote,
}

/// `GET /v1/briefing`: the quarterly briefing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Briefing {
    /// `2025-Q2`.
    pub quarter: String,
    /// First day.
    #[schema(value_type = String, format = Date)]
    pub start: Day,
    /// Last day.
    #[schema(value_type = String, format = Date)]
    pub end: Day,
    /// The quarter before.
    pub previous_quarter: String,
    /// Deals closed this quarter.
    pub deals: WinRate,
    /// Deals closed the quarter before.
    pub previous: WinRate,
    /// Gaps that cost deals, most deals (then most value) first.
    pub gaps: Vec<Gap>,
    /// Per competitor met this quarter, most deals first.
    pub competitors: Vec<CompetitorPosition>,
    /// Themes new this quarter or rising.
    pub emerging: Vec<Emerging>,
    /// Win rate by lead source.
    pub by_lead_source: Vec<WinRate>,
    /// Win rate by segment.
    pub by_segment: Vec<WinRate>,
    /// The quarter's top stories: the largest decided deals, a quote each.
    pub top_stories: Vec<TopStory>,
    /// Honest sample-size note.
    pub sample_note: Option<String>,
    /// How the numbers are made.
    pub method: String,
}

/// Parses `2025-Q2` (also `2025Q2`, `q2-2025` is refused).
pub fn parse_quarter(text: &str) -> Result<Span> {
    let bad = || Error::InvalidRequest(format!("quarter `{text}` is not YYYY-QN (e.g. 2025-Q2)"));
    let upper = text.trim().to_ascii_uppercase();
    let (year, q) = upper.split_once("-Q").or_else(|| upper.split_once('Q')).ok_or_else(bad)?;
    let year: i32 = year.parse().map_err(|_| bad())?;
    let q: u32 = q.parse().map_err(|_| bad())?;
    if !(1..=4).contains(&q) || !(1900..=2999).contains(&year) {
        return Err(bad());
    }
    let day = Day::parse(&format!("{year:04}-{:02}-01", (q - 1) * 3 + 1)).ok_or_else(bad)?;
    Ok(Period::Quarter.span(day))
}

/// The newest close date in the bank (the default "now" of the briefing and the dashboard:
/// the latest period with data).
pub fn newest_close(catalog: &Catalog) -> Option<Day> {
    catalog.deals.values().filter_map(|d| d.info.close_date).max()
}

pub(crate) fn in_span<'a>(catalog: &'a Catalog, span: &Span) -> Vec<&'a DealRecord> {
    catalog
        .deals
        .values()
        .filter(|d| d.info.close_date.is_some_and(|day| day >= span.start && day <= span.end))
        .collect()
}

/// Per theme: the deals with a quote on it and those quotes, over quotes `keep` accepts.
type ThemeIndex<'a> = BTreeMap<&'a str, (BTreeSet<&'a str>, Vec<(&'a DealRecord, usize)>)>;

fn index_themes<'a>(
    deals: &[&'a DealRecord],
    keep: impl Fn(&DealRecord, &crate::model::QuoteRecord) -> bool,
) -> ThemeIndex<'a> {
    let mut index: ThemeIndex<'a> = BTreeMap::new();
    for deal in deals {
        for (position, quote) in deal.quotes.iter().enumerate() {
            if !keep(deal, quote) {
                continue;
            }
            for theme in &quote.themes {
                let entry = index.entry(theme.as_str()).or_default();
                entry.0.insert(deal.deal_id.as_str());
                entry.1.push((deal, position));
            }
        }
    }
    index
}

/// Strongest first: the wanted polarity, then quotes of a useful length, newest deals first.
fn rank_quotes(found: &mut [(&DealRecord, usize)], polarity: &str) {
    found.sort_by_key(|(deal, position)| {
        let quote = &deal.quotes[*position];
        let len = quote.text.chars().count();
        (
            quote.polarity.as_deref() != Some(polarity),
            !(60..=420).contains(&len),
            std::cmp::Reverse(deal.info.close_date),
            deal.deal_id.clone(),
            *position,
        )
    });
}

/// One quote per deal, at most `n`.
fn examples(catalog: &Catalog, found: &[(&DealRecord, usize)], n: usize) -> Vec<Quote> {
    let mut seen = BTreeSet::new();
    found
        .iter()
        .filter(|(deal, _)| seen.insert(deal.deal_id.as_str()))
        .take(n)
        .map(|(deal, position)| catalog.served_quote(deal, &deal.quotes[*position], 0.0))
        .collect()
}

fn ids(found: &[(&DealRecord, usize)]) -> Vec<String> {
    found.iter().map(|(deal, position)| deal.quotes[*position].quote_id.clone()).collect()
}

/// Change in win rate, percentage points to one decimal.
pub(crate) fn change(now: &WinRate, before: &WinRate) -> Option<f64> {
    Some(((now.win_rate? - before.win_rate?) * 1000.0).round() / 10.0)
}

/// Win rates of `deals` grouped by a dimension, most deals first.
pub(crate) fn grouped(catalog: &Catalog, deals: &[&DealRecord], by: &str) -> Vec<WinRate> {
    let mut groups: BTreeMap<String, Vec<&DealRecord>> = BTreeMap::new();
    for deal in deals {
        for value in dimension_values(deal, by, catalog) {
            groups.entry(value).or_default().push(deal);
        }
    }
    let mut rows: Vec<WinRate> =
        groups.iter().map(|(value, deals)| WinRate::of(value, deals.iter().copied())).collect();
    rows.sort_by(|a, b| b.deals.cmp(&a.deals).then_with(|| a.value.cmp(&b.value)));
    rows
}

fn themes_with_deals(
    taxonomy: &Taxonomy,
    index: &ThemeIndex<'_>,
    skip: &[&str],
    n: usize,
) -> Vec<ThemeDeals> {
    let mut rows: Vec<ThemeDeals> = index
        .iter()
        .filter(|(theme, _)| !skip.contains(theme))
        .map(|(theme, (deals, found))| ThemeDeals {
            theme: theme.to_string(),
            label: label_of(taxonomy, theme),
            deals: deals.len(),
            quote_ids: ids(found),
        })
        .collect();
    rows.sort_by(|a, b| b.deals.cmp(&a.deals).then_with(|| a.theme.cmp(&b.theme)));
    rows.truncate(n);
    rows
}

/// Themes new this period (never heard before it) or whose share of deals rose by at least
/// [`RISING_POINTS`], in at least two deals; most deals first.
pub(crate) fn emerging(
    catalog: &Catalog,
    taxonomy: &Taxonomy,
    span: &Span,
    previous: &Span,
) -> Vec<Emerging> {
    let now = in_span(catalog, span);
    let before = in_span(catalog, previous);
    let earlier: Vec<&DealRecord> = catalog
        .deals
        .values()
        .filter(|d| d.info.close_date.is_some_and(|day| day < span.start))
        .collect();
    let all = |_: &DealRecord, _: &crate::model::QuoteRecord| true;
    let now_index = index_themes(&now, all);
    let before_index = index_themes(&before, all);
    let heard: BTreeSet<&str> = index_themes(&earlier, all).keys().copied().collect();
    let share =
        |deals: usize, total: usize| if total == 0 { 0.0 } else { deals as f64 / total as f64 };
    let mut rows: Vec<Emerging> = now_index
        .into_iter()
        .filter_map(|(theme, (deals, mut found))| {
            let previous_deals = before_index.get(theme).map_or(0, |(d, _)| d.len());
            let (s, p) = (share(deals.len(), now.len()), share(previous_deals, before.len()));
            let new = !heard.contains(theme);
            if deals.len() < 2 || !(new || s - p >= RISING_POINTS) {
                return None;
            }
            rank_quotes(&mut found, "criticism");
            let example = examples(catalog, &found, 1).into_iter().next();
            Some(Emerging {
                theme: theme.to_string(),
                label: label_of(taxonomy, theme),
                deals: deals.len(),
                share: s,
                previous_deals,
                previous_share: p,
                new,
                quote_ids: ids(&found).into_iter().take(3).collect(),
                example,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.deals
            .cmp(&a.deals)
            .then(b.new.cmp(&a.new))
            .then(b.share.total_cmp(&a.share))
            .then_with(|| a.theme.cmp(&b.theme))
    });
    rows
}

/// The fewest known amounts a deal-value sum is shown for.
pub const MIN_DEALS_IN_A_SUM: usize = 3;

/// Builds the briefing of `span` against `previous`. `amounts` holds the CRM amounts of deals.
pub fn build(
    catalog: &Catalog,
    taxonomy: &Taxonomy,
    span: &Span,
    previous: &Span,
    amounts: &HashMap<String, f64>,
    min_deals: usize,
) -> Briefing {
    let deals = in_span(catalog, span);
    let before = in_span(catalog, previous);
    let not_won: Vec<&DealRecord> = deals
        .iter()
        .copied()
        .filter(|d| matches!(d.info.outcome, Some(Outcome::Lost | Outcome::NoDecision)))
        .collect();

    // Gaps: what buyers criticised (or said without praise) in deals we did not win.
    let gap_index = index_themes(&not_won, |_, q| q.polarity.as_deref() != Some("praise"));
    let mut gaps: Vec<Gap> = gap_index
        .into_iter()
        .filter(|(theme, _)| *theme != COMPETITOR_STRENGTHS)
        .map(|(theme, (ids_of_deals, mut found))| {
            let outcome = |o| {
                ids_of_deals
                    .iter()
                    .filter(|id| catalog.deals.get(**id).and_then(|d| d.info.outcome) == Some(o))
                    .count()
            };
            let mut known: Vec<f64> =
                ids_of_deals.iter().filter_map(|id| amounts.get(*id).copied()).collect();
            // A sum of one or two amounts would tell a deal's own amount: only larger sums
            // leave.
            if known.len() < MIN_DEALS_IN_A_SUM {
                known.clear();
            }
            rank_quotes(&mut found, "criticism");
            Gap {
                theme: theme.to_string(),
                label: label_of(taxonomy, theme),
                deals: ids_of_deals.len(),
                lost: outcome(Outcome::Lost),
                no_decision: outcome(Outcome::NoDecision),
                value_usd: known.iter().sum(),
                value_known: known.len(),
                quote_ids: ids(&found),
                examples: examples(catalog, &found, EXAMPLES),
            }
        })
        .collect();
    gaps.sort_by(|a, b| {
        b.deals
            .cmp(&a.deals)
            .then(b.value_usd.total_cmp(&a.value_usd))
            .then_with(|| a.theme.cmp(&b.theme))
    });

    // Competitors: ahead in what buyers said when we lost to them, behind in what they said
    // when we won.
    let mut against: BTreeMap<String, Vec<&DealRecord>> = BTreeMap::new();
    for deal in &deals {
        for name in dimension_values(deal, "competitor", catalog) {
            if name != "(none)" {
                against.entry(name).or_default().push(deal);
            }
        }
    }
    let mut against_before: BTreeMap<String, Vec<&DealRecord>> = BTreeMap::new();
    for deal in &before {
        for name in dimension_values(deal, "competitor", catalog) {
            against_before.entry(name).or_default().push(deal);
        }
    }
    let mut competitors: Vec<CompetitorPosition> = against
        .iter()
        .map(|(name, theirs)| {
            let of = |o: Outcome| -> Vec<&DealRecord> {
                theirs.iter().copied().filter(|d| d.info.outcome == Some(o)).collect()
            };
            let (lost, won) = (of(Outcome::Lost), of(Outcome::Won));
            let ahead = index_themes(&lost, |_, q| q.polarity.as_deref() != Some("praise"));
            let credited =
                index_themes(&lost, |_, q| q.themes.iter().any(|t| t == COMPETITOR_STRENGTHS));
            let mut ahead_found: Vec<(&DealRecord, usize)> = credited
                .get(COMPETITOR_STRENGTHS)
                .map(|(_, found)| found.clone())
                .unwrap_or_default();
            if ahead_found.is_empty() {
                ahead_found = ahead.values().flat_map(|(_, found)| found.clone()).collect();
            }
            // A quote naming this competitor first.
            ahead_found.sort_by_key(|(deal, position)| {
                let quote = &deal.quotes[*position];
                !catalog.aliases.mentions(&quote.text).iter().any(|m| m == name)
            });
            let mut ahead_ranked = ahead_found.clone();
            rank_quotes(&mut ahead_ranked, "criticism");
            ahead_ranked.sort_by_key(|(deal, position)| {
                !catalog.aliases.mentions(&deal.quotes[*position].text).iter().any(|m| m == name)
            });
            let behind = index_themes(&won, |_, q| q.polarity.as_deref() == Some("praise"));
            let mut behind_found: Vec<(&DealRecord, usize)> =
                behind.values().flat_map(|(_, found)| found.clone()).collect();
            behind_found.dedup_by_key(|(deal, position)| (deal.deal_id.clone(), *position));
            rank_quotes(&mut behind_found, "praise");
            let rate = WinRate::of(name, theirs.iter().copied());
            let previous = WinRate::of(
                name,
                against_before.get(name).map(|v| v.as_slice()).unwrap_or(&[]).iter().copied(),
            );
            CompetitorPosition {
                competitor: name.clone(),
                change_points: change(&rate, &previous),
                win_rate: rate,
                previous,
                ahead_in: themes_with_deals(taxonomy, &ahead, &[], 3),
                ahead_quotes: examples(catalog, &ahead_ranked, EXAMPLES),
                behind_in: themes_with_deals(taxonomy, &behind, &[COMPETITOR_STRENGTHS], 3),
                behind_quotes: examples(catalog, &behind_found, EXAMPLES),
            }
        })
        .collect();
    competitors.sort_by(|a, b| {
        b.win_rate.deals.cmp(&a.win_rate.deals).then_with(|| a.competitor.cmp(&b.competitor))
    });

    // Top stories: the largest decided deals (amount, else size band order), a quote each.
    let mut decided: Vec<&DealRecord> = deals
        .iter()
        .copied()
        .filter(|d| matches!(d.info.outcome, Some(Outcome::Won | Outcome::Lost)))
        .filter(|d| !d.quotes.is_empty())
        .collect();
    decided.sort_by(|a, b| {
        let amount = |d: &DealRecord| amounts.get(&d.deal_id).copied().unwrap_or(-1.0);
        amount(b)
            .total_cmp(&amount(a))
            .then(b.info.close_date.cmp(&a.info.close_date))
            .then_with(|| a.deal_id.cmp(&b.deal_id))
    });
    let top_stories = decided
        .into_iter()
        .take(5)
        .filter_map(|deal| {
            let want = if deal.info.outcome == Some(Outcome::Won) { "praise" } else { "criticism" };
            let mut found: Vec<(&DealRecord, usize)> =
                (0..deal.quotes.len()).map(|i| (deal, i)).collect();
            rank_quotes(&mut found, want);
            // A quote with a theme says more than one without.
            found.sort_by_key(|(deal, i)| deal.quotes[*i].themes.is_empty());
            let (deal, position) = *found.first()?;
            let quote = catalog.served_quote(deal, &deal.quotes[position], 0.0);
            Some(TopStory {
                deal_id: deal.deal_id.clone(),
                outcome: deal.info.outcome,
                competitors: deal.info.competitors.clone(),
                size_band: deal.info.size_band.clone(),
                themes: quote.themes.iter().map(|t| label_of(taxonomy, t)).collect(),
                quote,
            })
        })
        .collect();

    Briefing {
        quarter: span.label.clone(),
        start: span.start,
        end: span.end,
        previous_quarter: previous.label.clone(),
        deals: WinRate::of(&span.label, deals.iter().copied()),
        previous: WinRate::of(&previous.label, before.iter().copied()),
        gaps,
        competitors,
        emerging: emerging(catalog, taxonomy, span, previous),
        by_lead_source: grouped(catalog, &deals, "lead_source"),
        by_segment: grouped(catalog, &deals, "segment"),
        top_stories,
        sample_note: sample_note(deals.len(), min_deals),
        method: "Deals are those closed in the quarter. Gaps: themes of buyer quotes (not praise) in \
                 lost and no-decision deals, ranked by deals, then by the CRM amounts of those \
                 deals. Ahead: themes of quotes in deals lost to the competitor (quotes crediting it \
                 first); behind: praise in deals won against it. Emerging: themes never heard \
                 before the quarter, or whose share of deals rose 15 points or more, in two deals \
                 or more. Win rate = won / (won + lost), Wilson 95% interval."
            .into(),
    }
}

fn money(value: f64) -> String {
    if value >= 1_000_000.0 {
        format!("${:.1}M", value / 1_000_000.0)
    } else if value >= 1_000.0 {
        format!("${:.0}k", value / 1_000.0)
    } else {
        format!("${value:.0}")
    }
}

fn cite(ids: &[String]) -> String {
    if ids.is_empty() {
        return String::new();
    }
    let shown: Vec<&str> = ids.iter().take(6).map(String::as_str).collect();
    let more = if ids.len() > 6 { format!(" +{} more", ids.len() - 6) } else { String::new() };
    format!(" [{}{more}]", shown.join(", "))
}

fn quote_ids(quotes: &[Quote]) -> Vec<String> {
    quotes.iter().map(|q| q.quote_id.clone()).collect()
}

fn gap_line(gap: &Gap) -> String {
    let value = if gap.value_known > 0 {
        format!(
            "; {} in deal value ({} of {} with an amount)",
            money(gap.value_usd),
            gap.value_known,
            gap.deals
        )
    } else {
        String::new()
    };
    format!(
        "{}: {} ({} lost, {} no decision){value}",
        gap.label,
        crate::insights::plural(gap.deals, "deal", "deals"),
        gap.lost,
        gap.no_decision
    )
}

fn rate_line(rate: &WinRate) -> String {
    format!("{}: {}", rate.value, rate_text(rate))
}

fn rate_text(rate: &WinRate) -> String {
    format!(
        "{} ({} won, {} lost, {} no decision of {})",
        percent(rate),
        rate.won,
        rate.lost,
        rate.no_decision,
        crate::insights::plural(rate.deals, "deal", "deals")
    )
}

fn change_text(points: Option<f64>, previous: &str) -> String {
    match points {
        Some(p) if p > 0.0 => format!(", up {p:.0} points on {previous}"),
        Some(p) if p < 0.0 => format!(", down {:.0} points on {previous}", -p),
        Some(_) => format!(", level with {previous}"),
        None => String::new(),
    }
}

fn themes_text(themes: &[ThemeDeals]) -> String {
    themes
        .iter()
        .map(|t| format!("{} ({}){}", t.label, t.deals, cite(&t.quote_ids)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The briefing as Markdown; every claim cites quote ids in brackets.
pub fn markdown(briefing: &Briefing) -> String {
    let mut out = format!("# Win/loss briefing: {}\n\n", briefing.quarter);
    let d = &briefing.deals;
    let _ = writeln!(
        out,
        "{} deals closed from {} to {}: {} won, {} lost, {} no decision; win rate {}{}.\n",
        d.deals,
        briefing.start,
        briefing.end,
        d.won,
        d.lost,
        d.no_decision,
        percent(d),
        change_text(change(d, &briefing.previous), &briefing.previous_quarter)
    );
    if let Some(note) = &briefing.sample_note {
        let _ = writeln!(out, "> **Sample size:** {note}.\n");
    }
    out.push_str("## Gaps that cost deals\n\n");
    if briefing.gaps.is_empty() {
        out.push_str("_No tagged buyer quotes in this quarter's lost or no-decision deals._\n\n");
    }
    for (rank, gap) in briefing.gaps.iter().take(6).enumerate() {
        let _ = writeln!(out, "{}. **{}**{}", rank + 1, gap_line(gap), cite(&gap.quote_ids));
        for quote in &gap.examples {
            let _ = writeln!(
                out,
                "   > \u{201c}{}\u{201d} \u{2014} {} [{}]",
                quote.text.replace('\n', " "),
                attribution(quote),
                quote.quote_id
            );
        }
    }
    out.push_str("\n## Competitors: ahead and behind, in buyers' words\n\n");
    if briefing.competitors.is_empty() {
        out.push_str("_No competitive deals this quarter._\n\n");
    }
    for position in &briefing.competitors {
        let _ = writeln!(
            out,
            "### {}\n\nWin rate against them {}{}.\n",
            position.competitor,
            rate_text(&position.win_rate),
            change_text(position.change_points, &briefing.previous_quarter)
        );
        if !position.ahead_in.is_empty() {
            let _ = writeln!(out, "- **They beat us on:** {}", themes_text(&position.ahead_in));
        }
        for quote in &position.ahead_quotes {
            let _ = writeln!(
                out,
                "  > \u{201c}{}\u{201d} \u{2014} {} [{}]",
                quote.text.replace('\n', " "),
                attribution(quote),
                quote.quote_id
            );
        }
        if !position.behind_in.is_empty() {
            let _ = writeln!(out, "- **We beat them on:** {}", themes_text(&position.behind_in));
        }
        for quote in &position.behind_quotes {
            let _ = writeln!(
                out,
                "  > \u{201c}{}\u{201d} \u{2014} {} [{}]",
                quote.text.replace('\n', " "),
                attribution(quote),
                quote.quote_id
            );
        }
        out.push('\n');
    }
    out.push_str("## Emerging requirements\n\n");
    if briefing.emerging.is_empty() {
        out.push_str("_No theme is new or rising this quarter._\n\n");
    }
    for theme in &briefing.emerging {
        let _ = writeln!(
            out,
            "- **{}**{}: {} this quarter ({:.0}% of deals), {} in {} ({:.0}%){}",
            theme.label,
            if theme.new { " (new)" } else { "" },
            crate::insights::plural(theme.deals, "deal", "deals"),
            theme.share * 100.0,
            theme.previous_deals,
            briefing.previous_quarter,
            theme.previous_share * 100.0,
            cite(&theme.quote_ids)
        );
    }
    out.push_str("\n## Win rate by lead source\n\n");
    for rate in &briefing.by_lead_source {
        let _ = writeln!(out, "- {}", rate_line(rate));
    }
    out.push_str("\n## Win rate by segment\n\n");
    for rate in &briefing.by_segment {
        let _ = writeln!(out, "- {}", rate_line(rate));
    }
    out.push_str("\n## Top stories\n\n");
    for story in &briefing.top_stories {
        let _ = writeln!(
            out,
            "**{} ({}{})**{}\n",
            story.deal_id,
            story.outcome.map_or("open", |o| o.as_str()),
            if story.competitors.is_empty() {
                String::new()
            } else {
                format!(", against {}", story.competitors.join(", "))
            },
            if story.themes.is_empty() {
                String::new()
            } else {
                format!(": {}", story.themes.join(", "))
            }
        );
        out.push_str(
            &quote_md(&story.quote).replace("\n\n", &format!(" [{}]\n\n", story.quote.quote_id)),
        );
    }
    let _ = writeln!(out, "---\n\n_Method: {}_", briefing.method);
    out
}

fn cite_html(ids: &[String]) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        format!(" <span class=\"meta\">{}</span>", escape(cite(ids).trim()))
    }
}

/// The briefing as a print-ready HTML page.
pub fn html(briefing: &Briefing) -> String {
    let mut body = format!("<h1>Win/loss briefing: {}</h1>\n", escape(&briefing.quarter));
    let d = &briefing.deals;
    let _ = writeln!(
        body,
        "<p class=\"meta\">{} to {} · {} deals: {} won, {} lost, {} no decision · win rate {}{}</p>",
        briefing.start,
        briefing.end,
        d.deals,
        d.won,
        d.lost,
        d.no_decision,
        escape(&percent(d)),
        escape(&change_text(change(d, &briefing.previous), &briefing.previous_quarter))
    );
    if let Some(note) = &briefing.sample_note {
        let _ = writeln!(body, "<p class=\"notice\">Sample size: {}.</p>", escape(note));
    }
    body.push_str("<h2>Gaps that cost deals</h2>\n<ol>\n");
    for gap in briefing.gaps.iter().take(6) {
        let _ = writeln!(
            body,
            "<li class=\"story\" data-theme=\"{}\"><strong>{}</strong>{}",
            escape(&gap.theme),
            escape(&gap_line(gap)),
            cite_html(&gap.quote_ids)
        );
        for quote in &gap.examples {
            body.push_str(&quote_html(quote));
        }
        body.push_str("</li>\n");
    }
    body.push_str("</ol>\n<h2>Competitors: ahead and behind, in buyers' words</h2>\n");
    for position in &briefing.competitors {
        let _ = writeln!(
            body,
            "<section class=\"story\"><h3>{}</h3><p>Win rate against them {}{}</p>",
            escape(&position.competitor),
            escape(&rate_text(&position.win_rate)),
            escape(&change_text(position.change_points, &briefing.previous_quarter))
        );
        if !position.ahead_in.is_empty() {
            let _ = writeln!(
                body,
                "<p><strong>They beat us on:</strong> {}</p>",
                escape(&themes_text(&position.ahead_in))
            );
        }
        for quote in &position.ahead_quotes {
            body.push_str(&quote_html(quote));
        }
        if !position.behind_in.is_empty() {
            let _ = writeln!(
                body,
                "<p><strong>We beat them on:</strong> {}</p>",
                escape(&themes_text(&position.behind_in))
            );
        }
        for quote in &position.behind_quotes {
            body.push_str(&quote_html(quote));
        }
        body.push_str("</section>\n");
    }
    body.push_str("<h2>Emerging requirements</h2>\n<ul>\n");
    for theme in &briefing.emerging {
        let _ = writeln!(
            body,
            "<li><strong>{}</strong>{}: {} deals this quarter ({:.0}%), {} in {} ({:.0}%){}</li>",
            escape(&theme.label),
            if theme.new { " (new)" } else { "" },
            theme.deals,
            theme.share * 100.0,
            theme.previous_deals,
            escape(&briefing.previous_quarter),
            theme.previous_share * 100.0,
            cite_html(&theme.quote_ids)
        );
    }
    body.push_str("</ul>\n");
    for (title, rows) in [
        ("Win rate by lead source", &briefing.by_lead_source),
        ("Win rate by segment", &briefing.by_segment),
    ] {
        let _ = writeln!(
            body,
            "<h2>{title}</h2>\n<table><tr><th>group</th><th>win rate (95% interval)</th><th>won</th><th>lost</th><th>no decision</th></tr>"
        );
        for rate in rows {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&rate.value),
                escape(&percent(rate)),
                rate.won,
                rate.lost,
                rate.no_decision
            );
        }
        body.push_str("</table>\n");
    }
    body.push_str("<h2>Top stories</h2>\n");
    for story in &briefing.top_stories {
        let _ = writeln!(
            body,
            "<section class=\"story\"><h3>{} ({}{})</h3>",
            escape(&story.deal_id),
            story.outcome.map_or("open", |o| o.as_str()),
            escape(&if story.competitors.is_empty() {
                String::new()
            } else {
                format!(", against {}", story.competitors.join(", "))
            })
        );
        body.push_str(&quote_html(&story.quote));
        body.push_str("</section>\n");
    }
    let _ = writeln!(body, "<p class=\"meta\">Method: {}</p>", escape(&briefing.method));
    page(&format!("Win/loss briefing {}", briefing.quarter), &body)
}

/// Every quote id the briefing cites (for tests and audits).
pub fn cited_ids(briefing: &Briefing) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for gap in &briefing.gaps {
        all.extend(gap.quote_ids.iter().cloned());
        all.extend(quote_ids(&gap.examples));
    }
    for position in &briefing.competitors {
        for t in position.ahead_in.iter().chain(&position.behind_in) {
            all.extend(t.quote_ids.iter().cloned());
        }
        all.extend(quote_ids(&position.ahead_quotes));
        all.extend(quote_ids(&position.behind_quotes));
    }
    for theme in &briefing.emerging {
        all.extend(theme.quote_ids.iter().cloned());
    }
    for story in &briefing.top_stories {
        all.insert(story.quote.quote_id.clone());
    }
    all
}

impl Storybank {
    /// CRM amounts of deals (admin-only rows; only sums leave).
    fn amounts(&self, deal_ids: &[String]) -> Result<HashMap<String, f64>> {
        let mut amounts = HashMap::new();
        for deal_id in deal_ids {
            if let Some(amount) =
                self.db.private(deal_id)?.and_then(|p| p.row).and_then(|row| row.amount_usd)
            {
                amounts.insert(deal_id.clone(), amount);
            }
        }
        Ok(amounts)
    }

    /// The quarterly briefing of `quarter` (`2025-Q2`; default: the quarter of the newest
    /// closed deal).
    pub fn briefing(&self, quarter: Option<&str>) -> Result<Briefing> {
        let tagger = self.theme_tagger()?;
        let (span, deal_ids) = {
            let catalog = self.read_catalog()?;
            let span = match quarter {
                Some(q) => parse_quarter(q)?,
                None => Period::Quarter
                    .span(newest_close(&catalog).unwrap_or_else(crate::program::today)),
            };
            let ids =
                in_span(&catalog, &span).iter().map(|d| d.deal_id.clone()).collect::<Vec<_>>();
            (span, ids)
        };
        let amounts = self.amounts(&deal_ids)?;
        let previous = Period::Quarter.previous(&span);
        let catalog = self.read_catalog()?;
        Ok(build(
            &catalog,
            tagger.taxonomy(),
            &span,
            &previous,
            &amounts,
            self.settings().min_deals,
        ))
    }

    /// The briefing rendered as Markdown, HTML or JSON.
    pub fn briefing_document(&self, quarter: Option<&str>, format: Format) -> Result<Document> {
        let briefing = self.briefing(quarter)?;
        let body = match format {
            Format::Json => serde_json::to_string_pretty(&briefing)?,
            Format::Md => markdown(&briefing),
            Format::Html => html(&briefing),
            Format::Csv => {
                return Err(Error::InvalidRequest(
                    "the briefing exports as json, md or html".into(),
                ));
            }
        };
        Ok(Document {
            format,
            file_name: format!("briefing-{}.{}", briefing.quarter, format.extension()),
            body,
        })
    }
}

/// Alerts still worth a look on the dashboard: fired for this period or the one before.
pub(crate) fn open_alerts(alerts: Vec<Alert>, span: &Span, previous: &Span) -> Vec<Alert> {
    alerts
        .into_iter()
        .filter(|a| a.current.period == span.label || a.current.period == previous.label)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_parse_and_bad_ones_say_why() {
        let q = parse_quarter("2025-Q2").unwrap();
        assert_eq!(
            (q.start.to_string(), q.end.to_string()),
            ("2025-04-01".into(), "2025-06-30".into())
        );
        assert_eq!(parse_quarter("2025q4").unwrap().end.to_string(), "2025-12-31");
        for bad in ["2025-Q5", "Q2-2025", "2025", "", "2025-Q0"] {
            let err = parse_quarter(bad).unwrap_err().to_string();
            assert!(err.contains("YYYY-QN"), "{bad}: {err}");
        }
    }

    #[test]
    fn money_reads_like_a_slide() {
        assert_eq!(money(1_250_000.0), "$1.2M");
        assert_eq!(money(84_000.0), "$84k");
        assert_eq!(money(950.0), "$950");
    }
}

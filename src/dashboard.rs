//! The home dashboard's numbers (`GET /v1/dashboard`): win rates by competitor and by segment
//! for a period against the one before, with Wilson intervals; the newest interviews; themes
//! rising; open alerts; the caller's overdue insights; and example questions built from the
//! corpus's own competitors and themes. The web page draws exactly these numbers.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::alerts::{Alert, Period};
use crate::app::Storybank;
use crate::briefing::{Emerging, change, emerging, grouped, in_span, newest_close, open_alerts};
use crate::error::Result;
use crate::insights::WinRate;
use crate::model::{Day, Outcome, Quote};
use crate::program::{Insight, InsightQuery};

/// `GET /v1/dashboard` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// The day whose period is shown (default: the newest close date in the bank).
    #[param(value_type = Option<String>, format = Date)]
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of: Option<Day>,
    /// `quarter` (default) or `month`.
    #[param(inline)]
    pub period: Option<Period>,
    /// Whose overdue insights to show (default: the signed-in user; everyone without keys).
    pub owner: Option<String>,
}

/// A group's win rate now and in the period before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RateChange {
    /// Group value (`Tallyfold`, `mid_market`, or `all`).
    pub value: String,
    /// This period.
    pub current: WinRate,
    /// The period before.
    pub previous: WinRate,
    /// Change in percentage points, when both periods had decided deals.
    pub change_points: Option<f64>,
}

/// One of the newest interviews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewInterview {
    /// Deal id.
    pub deal_id: String,
    /// Close date.
    #[schema(value_type = Option<String>, format = Date)]
    pub close_date: Option<Day>,
    /// Outcome.
    pub outcome: Option<Outcome>,
    /// Competitors.
    pub competitors: Vec<String>,
    /// Segment.
    pub segment: Option<String>,
    /// Quotes from it.
    pub quotes: usize,
    /// Its first tagged quote (anonymized).
    pub quote: Option<Quote>,
}

/// `GET /v1/dashboard` answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Dashboard {
    /// The day shown.
    #[schema(value_type = String, format = Date)]
    pub as_of: Day,
    /// `2025-Q2` or `2025-06`.
    pub period: String,
    /// The period before.
    pub previous_period: String,
    /// All deals.
    pub overall: RateChange,
    /// By competitor, most deals this period first (at most 8).
    pub by_competitor: Vec<RateChange>,
    /// By segment, most deals this period first.
    pub by_segment: Vec<RateChange>,
    /// Newest interviews (at most 6).
    pub newest: Vec<NewInterview>,
    /// Themes new or rising this period.
    pub rising_themes: Vec<Emerging>,
    /// Alerts fired this period or the one before.
    pub open_alerts: Vec<Alert>,
    /// Whose overdue insights are listed (`null`: everyone's).
    pub owner: Option<String>,
    /// Their overdue insights.
    pub overdue: Vec<Insight>,
    /// Overdue insights, everyone's.
    pub overdue_total: usize,
    /// Example questions from the corpus's competitors and themes.
    pub questions: Vec<String>,
}

fn changes(current: Vec<WinRate>, previous: &[WinRate], n: usize) -> Vec<RateChange> {
    current
        .into_iter()
        .filter(|rate| rate.value != "(none)")
        .take(n)
        .map(|rate| {
            let before = previous
                .iter()
                .find(|p| p.value == rate.value)
                .cloned()
                .unwrap_or(WinRate::of(&rate.value, std::iter::empty()));
            RateChange {
                change_points: change(&rate, &before),
                value: rate.value.clone(),
                current: rate,
                previous: before,
            }
        })
        .collect()
}

impl Storybank {
    /// The home dashboard. `caller` is the signed-in user, used when the query names no owner.
    pub fn dashboard(&self, query: &DashboardQuery, caller: Option<&str>) -> Result<Dashboard> {
        let period = query.period.unwrap_or(Period::Quarter);
        let tagger = self.theme_tagger()?;
        let today = crate::program::today();
        let owner = query
            .owner
            .as_deref()
            .or(caller)
            .map(crate::model::trim_blank)
            .filter(|o| !o.is_empty())
            .map(str::to_string);
        let overdue_all = self
            .list_insights_on(&InsightQuery { overdue: Some(true), ..Default::default() }, today)?;
        let overdue_total = overdue_all.insights.len();
        let overdue = match &owner {
            Some(owner) => overdue_all
                .insights
                .into_iter()
                .filter(|i| i.owners.iter().any(|o| o == owner))
                .collect(),
            None => overdue_all.insights,
        };
        let alerts = self.list_alerts()?.alerts;
        let catalog = self.read_catalog()?;
        let as_of = query.as_of.or_else(|| newest_close(&catalog)).unwrap_or(today);
        let span = period.span(as_of);
        let previous = period.previous(&span);
        let now = in_span(&catalog, &span);
        let before = in_span(&catalog, &previous);
        let overall = changes(
            vec![WinRate::of("all", now.iter().copied())],
            &[WinRate::of("all", before.iter().copied())],
            1,
        )
        .remove(0);
        let by_competitor = changes(
            grouped(&catalog, &now, "competitor"),
            &grouped(&catalog, &before, "competitor"),
            8,
        );
        let by_segment =
            changes(grouped(&catalog, &now, "segment"), &grouped(&catalog, &before, "segment"), 8);
        let mut newest: Vec<&crate::store::DealRecord> =
            catalog.deals.values().filter(|d| !d.quotes.is_empty()).collect();
        newest.sort_by(|a, b| {
            b.info.close_date.cmp(&a.info.close_date).then_with(|| a.deal_id.cmp(&b.deal_id))
        });
        let newest = newest
            .into_iter()
            .take(6)
            .map(|deal| NewInterview {
                deal_id: deal.deal_id.clone(),
                close_date: deal.info.close_date,
                outcome: deal.info.outcome,
                competitors: deal.info.competitors.clone(),
                segment: deal.info.segment.clone(),
                quotes: deal.quotes.len(),
                quote: deal
                    .quotes
                    .iter()
                    .find(|q| !q.themes.is_empty())
                    .or(deal.quotes.first())
                    .map(|q| catalog.served_quote(deal, q, 0.0)),
            })
            .collect();
        let rising_themes = emerging(&catalog, tagger.taxonomy(), &span, &previous);
        // Example questions: the competitors met most and the themes heard most, over the bank.
        let all: Vec<&crate::store::DealRecord> = catalog.deals.values().collect();
        let competitors: Vec<String> = grouped(&catalog, &all, "competitor")
            .into_iter()
            .filter(|r| r.value != "(none)")
            .map(|r| r.value)
            .take(2)
            .collect();
        let mut theme_deals: std::collections::BTreeMap<&str, usize> = Default::default();
        for deal in &all {
            let themes: std::collections::BTreeSet<&str> =
                deal.quotes.iter().flat_map(|q| q.themes.iter().map(String::as_str)).collect();
            for theme in themes {
                *theme_deals.entry(theme).or_default() += 1;
            }
        }
        let mut themes: Vec<(&str, usize)> = theme_deals
            .into_iter()
            .filter(|(t, _)| *t != crate::themes::COMPETITOR_STRENGTHS)
            .collect();
        themes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut questions = vec![];
        if let Some(first) = competitors.first() {
            questions.push(format!("Why do we lose to {first}?"));
            questions.push(format!("What do buyers like about {first}?"));
        }
        if let Some(second) = competitors.get(1) {
            questions.push(format!("How did we win against {second}?"));
        }
        for (theme, _) in themes.iter().take(2) {
            let label = crate::insights::label_of(tagger.taxonomy(), theme).to_lowercase();
            questions.push(format!("What did buyers say about {label}?"));
        }
        Ok(Dashboard {
            as_of,
            period: span.label.clone(),
            previous_period: previous.label.clone(),
            overall,
            by_competitor,
            by_segment,
            newest,
            rising_themes,
            open_alerts: open_alerts(alerts, &span, &previous),
            owner,
            overdue,
            overdue_total,
            questions,
        })
    }
}

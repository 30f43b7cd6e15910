//! The program loop's first half: **insights routed to owners with SLAs**.
//!
//! An insight is a finding with evidence (quote ids), a kind (competitive positioning, rep
//! behaviour, product gap, pricing and packaging), a deal scope and, for competitive ones, a
//! competitor. Insights are proposed from new interviews ([`Storybank::propose_insights`]: a
//! product gap, a pricing objection, a rep-behaviour complaint or a competitor strength named by
//! buyers, each with its quotes; an open insight on the same finding gathers the new evidence
//! instead of a duplicate) or created by hand from quotes. `routing.toml` in the index folder
//! ([`Routing`]) gives each kind an owner and an SLA, and every competitive insight also goes to
//! that competitor's battlecard owner. Owners acknowledge, record the action taken, or dismiss
//! with a reason; an insight past its due date and still open is overdue. The program's health
//! metric, **insight-to-action rate within SLA**, is computed per owner and overall
//! ([`InsightMetrics`]).
//!
//! Everything lives in one document of the store (`documents.insights`), written in one
//! transaction per change; an edit based on a stale read (another process wrote in between) is
//! refused rather than lost, as for packs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Storybank;
use crate::error::{Error, Result};
use crate::model::{Day, Quote};
use crate::store::db::Db;

/// The routing file in the index folder.
pub const ROUTING_FILE: &str = "routing.toml";
const DOCUMENT: &str = "insights";
/// Evidence quotes kept per insight (the strongest first).
pub const MAX_EVIDENCE: usize = 12;
const MAX_TITLE: usize = 200;
const MAX_TEXT: usize = 4000;
/// Without review dates, a "next review" SLA is this many days.
const DEFAULT_REVIEW_DAYS: u32 = 30;

/// What an insight is about; decides its owner.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InsightKind {
    /// How buyers compare us with a competitor (product marketing, battlecards).
    Positioning,
    /// What buyers say about how our reps sold (enablement).
    RepBehaviour,
    /// Something buyers needed that the product lacks (product).
    ProductGap,
    /// Price level, structure or packaging (revenue operations).
    Pricing,
}

impl InsightKind {
    /// Every kind.
    pub const ALL: [InsightKind; 4] = [
        InsightKind::Positioning,
        InsightKind::RepBehaviour,
        InsightKind::ProductGap,
        InsightKind::Pricing,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            InsightKind::Positioning => "positioning",
            InsightKind::RepBehaviour => "rep_behaviour",
            InsightKind::ProductGap => "product_gap",
            InsightKind::Pricing => "pricing",
        }
    }

    fn parse(text: &str) -> Option<InsightKind> {
        InsightKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    fn label(self) -> &'static str {
        match self {
            InsightKind::Positioning => "Competitive positioning",
            InsightKind::RepBehaviour => "Rep behaviour",
            InsightKind::ProductGap => "Product gap",
            InsightKind::Pricing => "Pricing and packaging",
        }
    }
}

/// Where an insight stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InsightStatus {
    /// New, nobody has looked yet.
    Open,
    /// An owner has seen it and is on it.
    Acknowledged,
    /// An owner recorded the action taken.
    Actioned,
    /// An owner dismissed it, with a reason.
    Dismissed,
}

impl InsightStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            InsightStatus::Open => "open",
            InsightStatus::Acknowledged => "acknowledged",
            InsightStatus::Actioned => "actioned",
            InsightStatus::Dismissed => "dismissed",
        }
    }

    fn is_closed(self) -> bool {
        matches!(self, InsightStatus::Actioned | InsightStatus::Dismissed)
    }
}

/// How long an owner has.
#[derive(Debug, Clone, PartialEq)]
pub enum Sla {
    /// This many days after the insight was raised.
    Days(u32),
    /// The next roadmap review date of the routing file.
    NextReview,
}

/// An owner and an SLA.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Who owns the kind (a team alias or a person's sign-in name).
    pub owner: String,
    /// How long they have.
    pub sla: Sla,
}

/// Who owns which insights (`routing.toml`):
///
/// ```toml
/// [kinds.positioning]
/// owner = "product-marketing"
/// sla_days = 14
/// [kinds.product_gap]
/// owner = "product"
/// due = "next_review"            # the next of the dates below
/// reviews = ["2027-01-15", "2027-04-15"]
/// [battlecards]                  # every competitive insight also goes to these owners
/// "Tallyfold" = "ana@example.com"
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    /// Per kind.
    pub kinds: BTreeMap<InsightKind, Route>,
    /// Roadmap review dates, ascending.
    pub reviews: Vec<Day>,
    /// Competitor (normalised name) -> battlecard owner.
    pub battlecards: BTreeMap<String, String>,
}

impl Default for Routing {
    /// Positioning to product marketing in 14 days, rep behaviour to enablement in 7, product
    /// gaps to product by the next roadmap review, pricing to revenue operations in 14.
    fn default() -> Routing {
        let route = |owner: &str, sla: Sla| Route { owner: owner.into(), sla };
        Routing {
            kinds: BTreeMap::from([
                (InsightKind::Positioning, route("product-marketing", Sla::Days(14))),
                (InsightKind::RepBehaviour, route("enablement", Sla::Days(7))),
                (InsightKind::ProductGap, route("product", Sla::NextReview)),
                (InsightKind::Pricing, route("revenue-operations", Sla::Days(14))),
            ]),
            reviews: vec![],
            battlecards: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutingFile {
    #[serde(default)]
    kinds: BTreeMap<String, KindFile>,
    #[serde(default)]
    reviews: Vec<String>,
    #[serde(default)]
    battlecards: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KindFile {
    owner: String,
    sla_days: Option<u32>,
    due: Option<String>,
}

impl Routing {
    /// Parses a routing file; errors name the file and line. Kinds it does not list keep the
    /// defaults.
    pub fn parse(path: &Path, text: &str) -> Result<Routing> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let file: RoutingFile = toml::from_str(text).map_err(|err| {
            let line = err.span().map_or(0, |span| line_of(span.start));
            Error::parse(path, line, err.message().to_string())
        })?;
        let mut routing = Routing::default();
        let line_with = |needle: &str| text.find(needle).map_or(0, line_of);
        for (name, kind) in file.kinds {
            let Some(parsed) = InsightKind::parse(&name) else {
                return Err(Error::parse(
                    path,
                    line_with(&name),
                    format!(
                        "unknown kind `{name}`; kinds are positioning, rep_behaviour, product_gap, pricing"
                    ),
                ));
            };
            let owner = crate::model::trim_blank(&kind.owner);
            if owner.is_empty() {
                return Err(Error::parse(
                    path,
                    line_with(&name),
                    format!("kind `{name}` needs an owner"),
                ));
            }
            let sla = match (kind.sla_days, kind.due.as_deref()) {
                (Some(days), None) if (1..=365).contains(&days) => Sla::Days(days),
                (None, Some("next_review")) => Sla::NextReview,
                (None, None) => routing.kinds[&parsed].sla.clone(),
                _ => {
                    return Err(Error::parse(
                        path,
                        line_with(&name),
                        format!(
                            "kind `{name}`: give sla_days (1-365) or due = \"next_review\", not both"
                        ),
                    ));
                }
            };
            routing.kinds.insert(parsed, Route { owner: owner.to_string(), sla });
        }
        for date in &file.reviews {
            let day = Day::parse(date).ok_or_else(|| {
                Error::parse(
                    path,
                    line_with(date),
                    format!("review date `{date}` is not YYYY-MM-DD"),
                )
            })?;
            routing.reviews.push(day);
        }
        routing.reviews.sort();
        for (competitor, owner) in file.battlecards {
            let owner = crate::model::trim_blank(&owner);
            if owner.is_empty() {
                return Err(Error::parse(
                    path,
                    line_with(&competitor),
                    format!("battlecard owner of `{competitor}` is empty"),
                ));
            }
            routing
                .battlecards
                .insert(crate::corpus::aliases::normalize_name(&competitor), owner.to_string());
        }
        Ok(routing)
    }

    /// The routing of an index: its `routing.toml`, else the defaults.
    pub fn for_index(index_dir: &Path) -> Result<Routing> {
        let path = index_dir.join(ROUTING_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Routing::parse(&path, &text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Routing::default()),
            Err(err) => Err(Error::io(format!("reading {}", path.display()), err)),
        }
    }

    /// The owners of an insight (the kind's, then the competitor's battlecard owner) and its
    /// due date when raised on `raised`.
    pub fn route(
        &self,
        kind: InsightKind,
        competitor: Option<&str>,
        raised: Day,
    ) -> (Vec<String>, Day) {
        let route = &self.kinds[&kind];
        let mut owners = vec![route.owner.clone()];
        if let Some(owner) = competitor
            .and_then(|c| self.battlecards.get(&crate::corpus::aliases::normalize_name(c)))
            && !owners.contains(owner)
        {
            owners.push(owner.clone());
        }
        let due = match route.sla {
            Sla::Days(days) => Day(raised.0 + days as i32),
            Sla::NextReview => self
                .reviews
                .iter()
                .copied()
                .find(|review| *review > raised)
                .unwrap_or(Day(raised.0 + DEFAULT_REVIEW_DAYS as i32)),
        };
        (owners, due)
    }
}

/// One step of an insight's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InsightEvent {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who (key name, SSO user, `local` or `cli:<user>`).
    pub by: String,
    /// The status it moved to.
    pub status: InsightStatus,
    /// The action taken, the reason for dismissing, or a note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An insight as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightRecord {
    insight_id: String,
    kind: InsightKind,
    title: String,
    finding: String,
    quote_ids: Vec<String>,
    deal_ids: Vec<String>,
    competitor: Option<String>,
    /// The theme a proposed insight was found by (its key with kind and competitor).
    theme: Option<String>,
    owners: Vec<String>,
    raised_on: Day,
    due: Day,
    status: InsightStatus,
    /// `proposed` or `manual`.
    origin: String,
    created_at: String,
    created_by: String,
    /// The day the action was recorded.
    actioned_on: Option<Day>,
    events: Vec<InsightEvent>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct InsightFile {
    revision: u64,
    next: u64,
    insights: BTreeMap<String, InsightRecord>,
    /// Deals already read for proposals.
    proposed_deals: BTreeSet<String>,
}

/// An insight as served: its record, whether it is overdue, and its evidence quotes
/// (anonymized; quotes erased since are gone).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Insight {
    /// `in-<n>`.
    pub insight_id: String,
    /// What it is about.
    pub kind: InsightKind,
    /// One line.
    pub title: String,
    /// What buyers said, in a sentence or two.
    pub finding: String,
    /// Deals the evidence comes from.
    pub deal_ids: Vec<String>,
    /// The competitor, for a competitive insight.
    pub competitor: Option<String>,
    /// Who owns it (the kind's owner, then the battlecard owner).
    pub owners: Vec<String>,
    /// When it was raised.
    #[schema(value_type = String, format = Date)]
    pub raised_on: Day,
    /// When action is due.
    #[schema(value_type = String, format = Date)]
    pub due: Day,
    /// Where it stands.
    pub status: InsightStatus,
    /// Open or acknowledged past its due date.
    pub overdue: bool,
    /// `proposed` (from new interviews) or `manual`.
    pub origin: String,
    /// Who raised it.
    pub created_by: String,
    /// The day the action was recorded.
    #[schema(value_type = Option<String>, format = Date)]
    pub actioned_on: Option<Day>,
    /// History, oldest first.
    pub events: Vec<InsightEvent>,
    /// The evidence, strongest first.
    pub evidence: Vec<Quote>,
}

/// `GET /v1/insights` answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InsightList {
    /// Matching insights, overdue first, then by due date.
    pub insights: Vec<Insight>,
}

/// `POST /v1/insights` body: an insight raised by hand from quotes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInsight {
    /// What it is about.
    pub kind: InsightKind,
    /// One line (at most 200 characters).
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\s\x85]")]
    pub title: String,
    /// What buyers said (at most 4,000 characters).
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub finding: Option<String>,
    /// Evidence quotes (1-12 ids).
    #[schema(min_items = 1, max_items = 12)]
    pub quote_ids: Vec<String>,
    /// The competitor, for a competitive insight (default: the evidence deals' only one; at
    /// most 200 characters).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub competitor: Option<String>,
}

/// Body of an acknowledge, action or dismiss.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsightNote {
    /// The action taken (required to record an action), the reason (required to dismiss), or a
    /// note (optional when acknowledging); at most 4,000 characters.
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub note: Option<String>,
}

/// Body of an action or a dismissal: what was done, or why not.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredNote {
    /// The action taken, or the reason for dismissing (at most 4,000 characters).
    #[schema(min_length = 1, max_length = 4000, pattern = r"[^\s\x85]")]
    pub note: String,
}

/// What can be done to an insight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsightStep {
    /// Seen, on it.
    Acknowledge,
    /// Action taken (note required).
    Action,
    /// Dismissed (reason required).
    Dismiss,
}

/// Insight-to-action rate within SLA for one owner (or everyone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OwnerMetrics {
    /// The owner, or `all`.
    pub owner: String,
    /// Insights routed to them.
    pub insights: usize,
    /// Still open or acknowledged.
    pub open: usize,
    /// Open past the due date.
    pub overdue: usize,
    /// Actioned by the due date.
    pub actioned_in_sla: usize,
    /// Actioned after the due date.
    pub actioned_late: usize,
    /// Dismissed with a reason (left out of the rate).
    pub dismissed: usize,
    /// Insights the rate is over: actioned, plus open ones already past due.
    pub due: usize,
    /// `actioned_in_sla / due`; `null` when nothing is due yet.
    pub rate: Option<f64>,
}

/// `GET /v1/insights/metrics` answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InsightMetrics {
    /// The day the numbers are for.
    #[schema(value_type = String, format = Date)]
    pub today: Day,
    /// Everyone together.
    pub overall: OwnerMetrics,
    /// Per owner, by name.
    pub owners: Vec<OwnerMetrics>,
}

/// Filters of `GET /v1/insights`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InsightQuery {
    /// Only this owner's (an empty value means everyone's).
    pub owner: Option<String>,
    /// Only this status.
    #[param(inline)]
    pub status: Option<InsightStatus>,
    /// Only this kind.
    #[param(inline)]
    pub kind: Option<InsightKind>,
    /// Only overdue ones (`true`), or only those that are not (`false`).
    pub overdue: Option<bool>,
}

/// What a proposal round did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ProposalReport {
    /// Deals read for the first time.
    pub deals: usize,
    /// New insights.
    pub created: Vec<String>,
    /// Open insights that gathered new evidence.
    pub updated: Vec<String>,
}

/// Metrics over records, as of `today`.
fn metrics_of(records: &[&InsightRecord], owner: &str, today: Day) -> OwnerMetrics {
    let mut m = OwnerMetrics {
        owner: owner.to_string(),
        insights: records.len(),
        open: 0,
        overdue: 0,
        actioned_in_sla: 0,
        actioned_late: 0,
        dismissed: 0,
        due: 0,
        rate: None,
    };
    for record in records {
        match record.status {
            InsightStatus::Open | InsightStatus::Acknowledged => {
                m.open += 1;
                if record.due < today {
                    m.overdue += 1;
                }
            }
            InsightStatus::Actioned => {
                if record.actioned_on.is_some_and(|day| day <= record.due) {
                    m.actioned_in_sla += 1;
                } else {
                    m.actioned_late += 1;
                }
            }
            InsightStatus::Dismissed => m.dismissed += 1,
        }
    }
    m.due = m.actioned_in_sla + m.actioned_late + m.overdue;
    m.rate = (m.due > 0).then(|| m.actioned_in_sla as f64 / m.due as f64);
    m
}

/// Today (UTC).
pub fn today() -> Day {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Day(seconds.div_euclid(86_400) as i32)
}

fn clean(text: Option<String>, field: &str, max: usize) -> Result<Option<String>> {
    let Some(text) = text else { return Ok(None) };
    let trimmed = crate::model::trim_blank(&text);
    if trimmed.is_empty() {
        return Ok(None);
    }
    crate::model::check_length(field, trimmed, max)?;
    Ok(Some(trimmed.to_string()))
}

/// The store of insights: one document, changed in one transaction per edit.
struct InsightStore<'a> {
    db: &'a Db,
}

impl InsightStore<'_> {
    fn load(&self) -> Result<InsightFile> {
        self.db.document(DOCUMENT)
    }

    fn save(&self, file: &InsightFile) -> Result<()> {
        self.db
            .write(|tx| {
                let current: InsightFile = tx.document(DOCUMENT)?;
                if current.revision != file.revision {
                    return Err(Error::Conflict(
                        "insights were changed by another storybank process meanwhile; retry"
                            .into(),
                    ));
                }
                let mut next = file.clone();
                next.revision += 1;
                tx.put_document(DOCUMENT, &next)
            })
            .map(drop)
    }
}

/// Which insight kind a theme's criticism points to, if any.
fn kind_of_theme(theme: &str) -> Option<InsightKind> {
    match theme {
        "pricing" | "roi" => Some(InsightKind::Pricing),
        "product_gaps" | "integrations" | "security" | "implementation" | "support" => {
            Some(InsightKind::ProductGap)
        }
        "sales_experience" => Some(InsightKind::RepBehaviour),
        crate::themes::COMPETITOR_STRENGTHS => Some(InsightKind::Positioning),
        _ => None,
    }
}

impl Storybank {
    fn insights(&self) -> InsightStore<'_> {
        InsightStore { db: &self.db }
    }

    /// The routing of this index (`routing.toml`, else the defaults).
    pub fn routing(&self) -> Result<Routing> {
        Routing::for_index(&self.settings().index_dir)
    }

    fn serve_insight(&self, record: &InsightRecord, today: Day) -> Result<Insight> {
        let catalog = self.read_catalog()?;
        let evidence: Vec<Quote> = record
            .quote_ids
            .iter()
            .filter_map(|id| {
                let (deal, quote) = catalog.quote(id)?;
                Some(catalog.served_quote(deal, quote, 0.0))
            })
            .collect();
        Ok(Insight {
            insight_id: record.insight_id.clone(),
            kind: record.kind,
            title: record.title.clone(),
            finding: record.finding.clone(),
            deal_ids: record
                .deal_ids
                .iter()
                .filter(|deal| catalog.deals.contains_key(*deal))
                .cloned()
                .collect(),
            competitor: record.competitor.clone(),
            owners: record.owners.clone(),
            raised_on: record.raised_on,
            due: record.due,
            status: record.status,
            overdue: !record.status.is_closed() && record.due < today,
            origin: record.origin.clone(),
            created_by: record.created_by.clone(),
            actioned_on: record.actioned_on,
            events: record.events.clone(),
            evidence,
        })
    }

    /// Insights matching a query, overdue first, then by due date.
    pub fn list_insights(&self, query: &InsightQuery) -> Result<InsightList> {
        self.list_insights_on(query, today())
    }

    /// [`Storybank::list_insights`] as of a given day.
    pub fn list_insights_on(&self, query: &InsightQuery, today: Day) -> Result<InsightList> {
        let file = self.insights().load()?;
        let owner = query.owner.as_deref().map(crate::model::trim_blank).filter(|o| !o.is_empty());
        let mut insights = vec![];
        for record in file.insights.values() {
            let overdue = !record.status.is_closed() && record.due < today;
            if owner.is_some_and(|o| !record.owners.iter().any(|x| x == o))
                || query.status.is_some_and(|s| s != record.status)
                || query.kind.is_some_and(|k| k != record.kind)
                || query.overdue.is_some_and(|want| want != overdue)
            {
                continue;
            }
            insights.push(self.serve_insight(record, today)?);
        }
        insights.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then(a.status.is_closed().cmp(&b.status.is_closed()))
                .then(a.due.cmp(&b.due))
                .then(a.insight_id.cmp(&b.insight_id))
        });
        Ok(InsightList { insights })
    }

    /// One insight.
    pub fn get_insight(&self, insight_id: &str) -> Result<Insight> {
        let file = self.insights().load()?;
        let record = file
            .insights
            .get(insight_id)
            .ok_or_else(|| Error::InsightNotFound(insight_id.to_string()))?;
        self.serve_insight(record, today())
    }

    /// Raises an insight by hand from quotes, routed per `routing.toml`.
    pub fn create_insight(&self, new: NewInsight, by: &str) -> Result<Insight> {
        self.create_insight_on(new, by, today())
    }

    /// [`Storybank::create_insight`] as of a given day.
    pub fn create_insight_on(&self, new: NewInsight, by: &str, today: Day) -> Result<Insight> {
        let title = crate::model::trim_blank(&new.title);
        if title.is_empty() {
            return Err(Error::InvalidRequest("title must not be empty".into()));
        }
        crate::model::check_length("title", title, MAX_TITLE)?;
        let finding = clean(new.finding, "finding", MAX_TEXT)?;
        if new.quote_ids.is_empty() || new.quote_ids.len() > MAX_EVIDENCE {
            return Err(Error::InvalidRequest(format!(
                "quote_ids must list 1 to {MAX_EVIDENCE} quotes"
            )));
        }
        let routing = self.routing()?;
        let (deal_ids, competitor) = {
            let catalog = self.read_catalog()?;
            let mut deals = BTreeSet::new();
            let mut competitors = BTreeSet::new();
            for id in &new.quote_ids {
                let (deal, _) = catalog
                    .quote(id)
                    .ok_or_else(|| Error::Conflict(format!("quote {id} not found")))?;
                deals.insert(deal.deal_id.clone());
                competitors.extend(deal.info.competitors.iter().cloned());
            }
            let competitor = match clean(new.competitor, "competitor", 200)? {
                Some(name) => Some(catalog.aliases.resolve(&name).unwrap_or(&name).to_string()),
                None if competitors.len() == 1 => competitors.into_iter().next(),
                None => None,
            };
            (deals.into_iter().collect::<Vec<_>>(), competitor)
        };
        let (owners, due) = routing.route(new.kind, competitor.as_deref(), today);
        let mut quote_ids = new.quote_ids;
        quote_ids.dedup();
        let store = self.insights();
        let mut file = store.load()?;
        file.next += 1;
        let now = crate::packs::now_rfc3339();
        let record = InsightRecord {
            insight_id: format!("in-{}", file.next),
            kind: new.kind,
            title: title.to_string(),
            finding: finding.unwrap_or_default(),
            quote_ids,
            deal_ids,
            competitor,
            theme: None,
            owners,
            raised_on: today,
            due,
            status: InsightStatus::Open,
            origin: "manual".into(),
            created_at: now.clone(),
            created_by: by.to_string(),
            actioned_on: None,
            events: vec![InsightEvent {
                at: now,
                by: by.to_string(),
                status: InsightStatus::Open,
                note: None,
            }],
        };
        file.insights.insert(record.insight_id.clone(), record.clone());
        store.save(&file)?;
        self.serve_insight(&record, today)
    }

    /// Acknowledges, records the action taken on, or dismisses an insight.
    pub fn step_insight(
        &self,
        insight_id: &str,
        step: InsightStep,
        note: InsightNote,
        by: &str,
    ) -> Result<Insight> {
        self.step_insight_on(insight_id, step, note, by, today())
    }

    /// [`Storybank::step_insight`] as of a given day.
    pub fn step_insight_on(
        &self,
        insight_id: &str,
        step: InsightStep,
        note: InsightNote,
        by: &str,
        today: Day,
    ) -> Result<Insight> {
        let note = clean(note.note, "note", MAX_TEXT)?;
        let status = match step {
            InsightStep::Acknowledge => InsightStatus::Acknowledged,
            InsightStep::Action => InsightStatus::Actioned,
            InsightStep::Dismiss => InsightStatus::Dismissed,
        };
        if note.is_none() && step != InsightStep::Acknowledge {
            return Err(Error::InvalidRequest(match step {
                InsightStep::Action => "note must say what action was taken".into(),
                _ => "note must give the reason for dismissing".into(),
            }));
        }
        let store = self.insights();
        let mut file = store.load()?;
        let record = file
            .insights
            .get_mut(insight_id)
            .ok_or_else(|| Error::InsightNotFound(insight_id.to_string()))?;
        if record.status.is_closed() {
            return Err(Error::Conflict(format!(
                "insight {insight_id} is already {}",
                if record.status == InsightStatus::Actioned { "actioned" } else { "dismissed" }
            )));
        }
        record.status = status;
        if status == InsightStatus::Actioned {
            record.actioned_on = Some(today);
        }
        record.events.push(InsightEvent {
            at: crate::packs::now_rfc3339(),
            by: by.to_string(),
            status,
            note,
        });
        let record = record.clone();
        store.save(&file)?;
        self.serve_insight(&record, today)
    }

    /// Insight-to-action rate within SLA, per owner and overall.
    pub fn insight_metrics(&self) -> Result<InsightMetrics> {
        self.insight_metrics_on(today())
    }

    /// [`Storybank::insight_metrics`] as of a given day.
    pub fn insight_metrics_on(&self, today: Day) -> Result<InsightMetrics> {
        let file = self.insights().load()?;
        let all: Vec<&InsightRecord> = file.insights.values().collect();
        let owners: BTreeSet<&String> = all.iter().flat_map(|r| r.owners.iter()).collect();
        Ok(InsightMetrics {
            today,
            overall: metrics_of(&all, "all", today),
            owners: owners
                .into_iter()
                .map(|owner| {
                    let theirs: Vec<&InsightRecord> =
                        all.iter().copied().filter(|r| r.owners.contains(owner)).collect();
                    metrics_of(&theirs, owner, today)
                })
                .collect(),
        })
    }

    /// Reads the deals not read before and proposes insights from what their buyers said: per
    /// finding (a kind, the theme it came from, and the competitor for a competitive one), the
    /// buyers' critical quotes on that theme become the evidence. An open insight on the same
    /// finding gathers the new evidence and deals instead of a duplicate.
    pub fn propose_insights(&self, by: &str) -> Result<ProposalReport> {
        self.propose_insights_on(by, today())
    }

    /// [`Storybank::propose_insights`] as of a given day.
    pub fn propose_insights_on(&self, by: &str, today: Day) -> Result<ProposalReport> {
        let routing = self.routing()?;
        let taxonomy = crate::themes::Taxonomy::for_index(&self.settings().index_dir)?;
        let label = |id: &str| {
            taxonomy
                .themes
                .iter()
                .find(|t| t.id == id)
                .map_or_else(|| id.replace('_', " "), |t| t.label.clone())
        };
        let store = self.insights();
        let mut file = store.load()?;
        let mut report = ProposalReport::default();
        // Findings of the new deals: (kind, theme, competitor) -> (deal ids, quote ids).
        type Finding = (BTreeSet<String>, Vec<String>);
        let mut findings: BTreeMap<(InsightKind, String, Option<String>), Finding> =
            BTreeMap::new();
        {
            let catalog = self.read_catalog()?;
            for (deal_id, deal) in &catalog.deals {
                if file.proposed_deals.contains(deal_id) {
                    continue;
                }
                report.deals += 1;
                file.proposed_deals.insert(deal_id.clone());
                for quote in &deal.quotes {
                    for theme in &quote.themes {
                        let Some(kind) = kind_of_theme(theme) else { continue };
                        // A competitor's strength is praise of them; everything else counts
                        // when buyers criticise.
                        let critical = quote.polarity.as_deref() == Some("criticism");
                        if kind != InsightKind::Positioning && !critical {
                            continue;
                        }
                        let competitors: Vec<Option<String>> =
                            if kind == InsightKind::Positioning {
                                // The competitors the quote names (any alias), else the deal's.
                                let named: Vec<&String> =
                                    deal.info
                                        .competitors
                                        .iter()
                                        .filter(|c| {
                                            let c = crate::corpus::aliases::normalize_name(c);
                                            catalog.aliases.mentions(&quote.text).iter().any(|m| {
                                                crate::corpus::aliases::normalize_name(m) == c
                                            })
                                        })
                                        .collect();
                                let pool = if named.is_empty() {
                                    deal.info.competitors.iter().collect()
                                } else {
                                    named
                                };
                                pool.into_iter().map(|c| Some(c.clone())).collect()
                            } else {
                                vec![None]
                            };
                        for competitor in competitors {
                            let entry =
                                findings.entry((kind, theme.clone(), competitor)).or_default();
                            entry.0.insert(deal_id.clone());
                            if !entry.1.contains(&quote.quote_id) {
                                entry.1.push(quote.quote_id.clone());
                            }
                        }
                    }
                }
            }
        }
        let now = crate::packs::now_rfc3339();
        for ((kind, theme, competitor), (deals, quotes)) in findings {
            let existing = file.insights.values_mut().find(|r| {
                !r.status.is_closed()
                    && r.origin == "proposed"
                    && r.kind == kind
                    && r.theme.as_deref() == Some(theme.as_str())
                    && r.competitor == competitor
            });
            match existing {
                Some(record) => {
                    for deal in deals {
                        if !record.deal_ids.contains(&deal) {
                            record.deal_ids.push(deal);
                        }
                    }
                    for quote in quotes {
                        if record.quote_ids.len() < MAX_EVIDENCE
                            && !record.quote_ids.contains(&quote)
                        {
                            record.quote_ids.push(quote);
                        }
                    }
                    record.finding = finding_text(
                        kind,
                        &label(&theme),
                        competitor.as_deref(),
                        record.deal_ids.len(),
                    );
                    report.updated.push(record.insight_id.clone());
                }
                None => {
                    file.next += 1;
                    let (owners, due) = routing.route(kind, competitor.as_deref(), today);
                    let theme_label = label(&theme);
                    let title = match (&competitor, kind) {
                        (Some(c), _) => {
                            format!("{}: buyers say {c} is stronger ({theme_label})", kind.label())
                        }
                        (None, _) => format!(
                            "{}: buyers criticise {}",
                            kind.label(),
                            theme_label.to_lowercase()
                        ),
                    };
                    let deal_ids: Vec<String> = deals.into_iter().collect();
                    let record = InsightRecord {
                        insight_id: format!("in-{}", file.next),
                        kind,
                        title,
                        finding: finding_text(
                            kind,
                            &theme_label,
                            competitor.as_deref(),
                            deal_ids.len(),
                        ),
                        quote_ids: quotes.into_iter().take(MAX_EVIDENCE).collect(),
                        deal_ids,
                        competitor,
                        theme: Some(theme),
                        owners,
                        raised_on: today,
                        due,
                        status: InsightStatus::Open,
                        origin: "proposed".into(),
                        created_at: now.clone(),
                        created_by: by.to_string(),
                        actioned_on: None,
                        events: vec![InsightEvent {
                            at: now.clone(),
                            by: by.to_string(),
                            status: InsightStatus::Open,
                            note: None,
                        }],
                    };
                    report.created.push(record.insight_id.clone());
                    file.insights.insert(record.insight_id.clone(), record);
                }
            }
        }
        if report.deals > 0 {
            store.save(&file)?;
        }
        Ok(report)
    }
}

fn finding_text(kind: InsightKind, theme: &str, competitor: Option<&str>, deals: usize) -> String {
    let deals = if deals == 1 { "1 deal".to_string() } else { format!("{deals} deals") };
    match (kind, competitor) {
        (InsightKind::Positioning, Some(c)) => {
            format!("Buyers in {deals} say {c} did something better than we did.")
        }
        _ => format!("Buyers in {deals} were critical of {}.", theme.to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_files_parse_with_defaults_and_name_their_errors() {
        let path = Path::new("routing.toml");
        let routing = Routing::parse(
            path,
            r#"
reviews = ["2027-04-15", "2027-01-15"]
[kinds.positioning]
owner = "pmm"
sla_days = 10
[kinds.product_gap]
owner = "product"
due = "next_review"
[battlecards]
"Tally Fold" = "ana@example.com"
"#,
        )
        .unwrap();
        let day = Day::parse("2027-01-01").unwrap();
        assert_eq!(
            routing.route(InsightKind::Positioning, Some("tally fold"), day),
            (vec!["pmm".to_string(), "ana@example.com".to_string()], Day(day.0 + 10))
        );
        assert_eq!(
            routing.route(InsightKind::ProductGap, None, day).1,
            Day::parse("2027-01-15").unwrap()
        );
        // After the last review: 30 days. Kinds not listed keep their defaults.
        let late = Day::parse("2027-05-01").unwrap();
        assert_eq!(routing.route(InsightKind::ProductGap, None, late).1, Day(late.0 + 30));
        assert_eq!(
            routing.route(InsightKind::RepBehaviour, None, day),
            (vec!["enablement".into()], Day(day.0 + 7))
        );
        for (text, line) in [
            ("[kinds.pricing]\nowner = \"revops\"\nsla_days = 0\n", 1),
            ("[kinds.pricng]\nowner = \"x\"\n", 1),
            ("\n[kinds.pricing]\nowner = \"x\"\ncolour = 1\n", 4),
            ("reviews = [\"2027-13-01\"]\n", 1),
            ("[kinds.pricing]\nowner = \" \"\n", 1),
        ] {
            match Routing::parse(path, text) {
                Err(Error::Parse { line: got, .. }) => assert_eq!(got, line, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_rate_counts_actions_by_their_due_date() {
        let record = |status, due: i32, actioned: Option<i32>| InsightRecord {
            insight_id: "in-1".into(),
            kind: InsightKind::Pricing,
            title: "t".into(),
            finding: String::new(),
            quote_ids: vec![],
            deal_ids: vec![],
            competitor: None,
            theme: None,
            owners: vec!["x".into()],
            raised_on: Day(0),
            due: Day(due),
            status,
            origin: "manual".into(),
            created_at: String::new(),
            created_by: "t".into(),
            actioned_on: actioned.map(Day),
            events: vec![],
        };
        let records = [
            record(InsightStatus::Actioned, 10, Some(9)),
            record(InsightStatus::Actioned, 10, Some(10)),
            record(InsightStatus::Actioned, 10, Some(12)),
            record(InsightStatus::Open, 10, None),
            record(InsightStatus::Acknowledged, 30, None),
            record(InsightStatus::Dismissed, 5, None),
        ];
        let refs: Vec<&InsightRecord> = records.iter().collect();
        let m = metrics_of(&refs, "x", Day(20));
        assert_eq!(
            (m.actioned_in_sla, m.actioned_late, m.overdue, m.open, m.dismissed),
            (2, 1, 1, 2, 1)
        );
        assert_eq!(m.due, 4);
        assert_eq!(m.rate, Some(0.5));
        assert_eq!(metrics_of(&[], "x", Day(20)).rate, None);
    }
}

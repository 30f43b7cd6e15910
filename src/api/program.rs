//! Insights routed to owners with SLAs (see [`crate::program`]): the inbox, hand-raised
//! insights, acknowledge / action / dismiss, proposals from new interviews and the
//! insight-to-action metric.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use super::bank::AppQuery;
use super::error::ApiError;
use super::{AppJson, blocking};
use crate::app::Storybank;
use crate::program::{
    Insight, InsightList, InsightMetrics, InsightNote, InsightQuery, InsightStep, NewInsight,
    ProposalReport, RequiredNote,
};

/// Insights, overdue first: an owner's inbox with `owner=`.
#[utoipa::path(get, path = "/v1/insights", params(InsightQuery),
    responses((status = 200, body = InsightList), (status = 400, body = super::ErrorBody)))]
pub async fn list_insights(
    State(bank): State<Arc<Storybank>>,
    AppQuery(query): AppQuery<InsightQuery>,
) -> Result<Json<InsightList>, ApiError> {
    Ok(Json(blocking(move || bank.list_insights(&query)).await?))
}

/// Raises an insight by hand from quotes; it is routed per `routing.toml`.
#[utoipa::path(post, path = "/v1/insights", request_body = NewInsight,
    responses((status = 201, body = Insight), (status = 400, body = super::ErrorBody), (status = 409, body = super::ErrorBody, description = "A quote named does not exist"), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn create_insight(
    State(bank): State<Arc<Storybank>>,
    Extension(who): Extension<crate::access::Identity>,
    AppJson(new): AppJson<NewInsight>,
) -> Result<Response, ApiError> {
    let insight = blocking(move || bank.create_insight(new, &who.name)).await?;
    let ids = super::auth::AuditIds(vec![insight.insight_id.clone()]);
    let mut response = (StatusCode::CREATED, Json(insight)).into_response();
    response.extensions_mut().insert(ids);
    Ok(response)
}

/// One insight.
#[utoipa::path(get, path = "/v1/insights/{insight_id}", params(("insight_id" = String, Path, description = "Insight id")),
    responses((status = 200, body = Insight), (status = 404, body = super::ErrorBody)))]
pub async fn get_insight(
    State(bank): State<Arc<Storybank>>,
    Path(insight_id): Path<String>,
) -> Result<Json<Insight>, ApiError> {
    Ok(Json(blocking(move || bank.get_insight(&insight_id)).await?))
}

async fn step(
    bank: Arc<Storybank>,
    insight_id: String,
    step: InsightStep,
    note: InsightNote,
    who: crate::access::Identity,
) -> Result<Response, ApiError> {
    let insight = blocking(move || bank.step_insight(&insight_id, step, note, &who.name)).await?;
    let ids = super::auth::AuditIds(vec![insight.insight_id.clone()]);
    let mut response = Json(insight).into_response();
    response.extensions_mut().insert(ids);
    Ok(response)
}

/// An owner has seen the insight and is on it (`note` optional).
#[utoipa::path(post, path = "/v1/insights/{insight_id}/acknowledge", request_body = InsightNote, params(("insight_id" = String, Path, description = "Insight id")),
    responses((status = 200, body = Insight), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody, description = "Already actioned or dismissed"), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn acknowledge_insight(
    State(bank): State<Arc<Storybank>>,
    Path(insight_id): Path<String>,
    Extension(who): Extension<crate::access::Identity>,
    AppJson(note): AppJson<InsightNote>,
) -> Result<Response, ApiError> {
    step(bank, insight_id, InsightStep::Acknowledge, note, who).await
}

/// Records the action taken (`note` says what); this closes the insight.
#[utoipa::path(post, path = "/v1/insights/{insight_id}/action", request_body = RequiredNote, params(("insight_id" = String, Path, description = "Insight id")),
    responses((status = 200, body = Insight), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody, description = "Already actioned or dismissed"), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn action_insight(
    State(bank): State<Arc<Storybank>>,
    Path(insight_id): Path<String>,
    Extension(who): Extension<crate::access::Identity>,
    AppJson(note): AppJson<RequiredNote>,
) -> Result<Response, ApiError> {
    step(bank, insight_id, InsightStep::Action, InsightNote { note: Some(note.note) }, who).await
}

/// Dismisses the insight (`note` gives the reason); this closes it.
#[utoipa::path(post, path = "/v1/insights/{insight_id}/dismiss", request_body = RequiredNote, params(("insight_id" = String, Path, description = "Insight id")),
    responses((status = 200, body = Insight), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody, description = "Already actioned or dismissed"), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn dismiss_insight(
    State(bank): State<Arc<Storybank>>,
    Path(insight_id): Path<String>,
    Extension(who): Extension<crate::access::Identity>,
    AppJson(note): AppJson<RequiredNote>,
) -> Result<Response, ApiError> {
    step(bank, insight_id, InsightStep::Dismiss, InsightNote { note: Some(note.note) }, who).await
}

/// Insight-to-action rate within SLA, per owner and overall.
#[utoipa::path(get, path = "/v1/insights/metrics",
    responses((status = 200, body = InsightMetrics)))]
pub async fn insight_metrics(
    State(bank): State<Arc<Storybank>>,
) -> Result<Json<InsightMetrics>, ApiError> {
    Ok(Json(blocking(move || bank.insight_metrics()).await?))
}

/// Reads the deals not read before and proposes insights from them (also done after every
/// ingest).
#[utoipa::path(post, path = "/v1/insights/propose",
    responses((status = 200, body = ProposalReport)))]
pub async fn propose_insights(
    State(bank): State<Arc<Storybank>>,
    Extension(who): Extension<crate::access::Identity>,
) -> Result<Response, ApiError> {
    let report = blocking(move || bank.propose_insights(&who.name)).await?;
    let mut ids = report.created.clone();
    ids.extend(report.updated.iter().cloned());
    let mut response = Json(report).into_response();
    response.extensions_mut().insert(super::auth::AuditIds(ids));
    Ok(response)
}

/// `GET /v1/briefing` parameters.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BriefingQuery {
    /// `YYYY-QN` (default: the quarter of the newest closed deal).
    #[param(pattern = "^(19|2[0-9])[0-9]{2}-?[Qq][1-4]$")]
    pub quarter: Option<String>,
    /// json (default), md or html.
    #[param(inline)]
    pub format: Option<super::bank::DocFormat>,
}

/// The quarterly briefing: gaps that cost deals (by deals and value), where competitors are
/// ahead or behind in buyers' words, emerging requirements, win rate by lead source and segment
/// with intervals, top stories; every claim cites quote ids.
#[utoipa::path(get, path = "/v1/briefing", params(BriefingQuery),
    responses((status = 200, description = "The briefing, as JSON or a document", content((crate::briefing::Briefing = "application/json"), (String = "text/markdown"), (String = "text/html"))), (status = 400, body = super::ErrorBody)))]
pub async fn briefing(
    State(bank): State<Arc<Storybank>>,
    AppQuery(query): AppQuery<BriefingQuery>,
) -> Result<Response, ApiError> {
    let format = crate::insights::service::Format::from(query.format.unwrap_or_default());
    let quarter = query.quarter;
    if format == crate::insights::service::Format::Json {
        return Ok(Json(blocking(move || bank.briefing(quarter.as_deref())).await?).into_response());
    }
    Ok(super::bank::document(
        blocking(move || bank.briefing_document(quarter.as_deref(), format)).await?,
    ))
}

/// The home dashboard: win rates by competitor and segment against the period before (with
/// intervals), newest interviews, rising themes, open alerts, the caller's overdue insights and
/// example questions.
#[utoipa::path(get, path = "/v1/dashboard", params(crate::dashboard::DashboardQuery),
    responses((status = 200, body = crate::dashboard::Dashboard), (status = 400, body = super::ErrorBody)))]
pub async fn dashboard(
    State(bank): State<Arc<Storybank>>,
    Extension(who): Extension<crate::access::Identity>,
    AppQuery(query): AppQuery<crate::dashboard::DashboardQuery>,
) -> Result<Json<crate::dashboard::Dashboard>, ApiError> {
    // Without keys everyone is `local`: the dashboard then shows everyone's overdue insights.
    let caller = (who.key_id.is_some() || who.name != "local").then_some(who.name);
    Ok(Json(blocking(move || bank.dashboard(&query, caller.as_deref())).await?))
}

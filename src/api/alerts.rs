//! Alerts on pattern shifts (see [`crate::alerts`]): what fired, and a check on demand.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ApiError;
use super::{AppJson, blocking};
use crate::alerts::{AlertCheck, AlertList};
use crate::app::Storybank;
use crate::model::Day;

/// `POST /v1/alerts/check` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// The day to check as of (default: today); its period is compared with the one before.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of: Option<Day>,
}

/// Fired alerts, newest period first, and the rules in force (`alerts.toml`).
#[utoipa::path(get, path = "/v1/alerts", responses((status = 200, body = AlertList)))]
pub async fn list_alerts(State(bank): State<Arc<Storybank>>) -> Result<Json<AlertList>, ApiError> {
    Ok(Json(blocking(move || bank.list_alerts()).await?))
}

/// Checks every rule now: fires (once per rule and period) and delivers what holds.
#[utoipa::path(post, path = "/v1/alerts/check", request_body = CheckRequest,
    responses((status = 200, body = AlertCheck), (status = 400, body = super::ErrorBody), (status = 409, body = super::ErrorBody, description = "Another process checked meanwhile; retry"), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn check_alerts(
    State(bank): State<Arc<Storybank>>,
    AppJson(request): AppJson<CheckRequest>,
) -> Result<Response, ApiError> {
    let as_of = request.as_of.unwrap_or_else(crate::program::today);
    let check = blocking(move || bank.check_alerts(as_of)).await?;
    let ids: Vec<String> = check.fired.iter().map(|a| a.alert_id.clone()).collect();
    let mut response = Json(check).into_response();
    response.extensions_mut().insert(super::auth::AuditIds(ids));
    Ok(response)
}

/// Adds an alert rule, or replaces the one with this id (written to `alerts.toml`). The body is
/// the rule without its id (the path's).
#[utoipa::path(put, path = "/v1/alerts/rules/{rule_id}", params(("rule_id" = String, Path, description = "Rule id: letters, digits, -, _ or .")),
    request_body = crate::alerts::Rule,
    responses((status = 200, body = crate::alerts::Rule), (status = 400, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn put_rule(
    State(bank): State<Arc<Storybank>>,
    axum::extract::Path(rule_id): axum::extract::Path<String>,
    AppJson(body): AppJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    if body.contains_key("id") {
        return Err(crate::Error::InvalidRequest(
            "a rule's id is the path's; leave `id` out of the body".into(),
        )
        .into());
    }
    let mut rule: crate::alerts::Rule = serde_json::from_value(body.into())
        .map_err(|err| crate::Error::InvalidRequest(format!("invalid rule: {err}")))?;
    rule.id = rule_id.clone();
    let stored = blocking(move || bank.put_alert_rule(rule)).await?;
    let mut response = Json(stored).into_response();
    response.extensions_mut().insert(super::auth::AuditIds(vec![rule_id]));
    Ok(response)
}

/// Removes an alert rule; what it fired stays in the history.
#[utoipa::path(delete, path = "/v1/alerts/rules/{rule_id}", params(("rule_id" = String, Path, description = "Rule id")),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn delete_rule(
    State(bank): State<Arc<Storybank>>,
    axum::extract::Path(rule_id): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let id = rule_id.clone();
    blocking(move || bank.delete_alert_rule(&id)).await?;
    let mut response = axum::http::StatusCode::NO_CONTENT.into_response();
    response.extensions_mut().insert(super::auth::AuditIds(vec![rule_id]));
    Ok(response)
}

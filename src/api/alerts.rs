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

//! The HTTP layer (axum): routes of `../shared/spec/api.md`, JSON errors, request tracing and
//! the generated OpenAPI document. Handlers only parse, call [`Storybank`] on a blocking thread
//! and shape the answer.

pub mod admin;
pub mod alerts;
pub mod auth;
pub mod bank;
pub mod error;
pub mod mcp;
pub mod openapi;
pub mod program;
pub mod server;
mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequest, Path, State};
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use bank as b;
use serde::{Deserialize, Serialize};
use tower_http::trace::TraceLayer;
use utoipa::ToSchema;

use crate::app::{DealView, Storybank};
use crate::search::facets::{DealSummary, Facets};
use crate::search::similar::{SimilarRequest, SimilarResponse};
use crate::search::{SearchRequest, SearchResponse};
pub use error::{ApiError, ErrorBody};

/// JSON body extractor whose rejections use the contract's error shape. The body must be a
/// JSON object (serde would otherwise read a struct from an array of its fields) sent as
/// `application/json` (or `application/*+json`).
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let json = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(|mime| mime.trim().to_ascii_lowercase())
            .is_some_and(|mime| {
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_request",
                "invalid request body: expected `Content-Type: application/json`",
            ));
        }
        let bytes = axum::body::Bytes::from_request(request, state).await.map_err(|err| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                crate::error::Code::PayloadTooLarge.name(),
                format!(
                    "the request body is over the limit of {} bytes ({})",
                    MAX_JSON_BODY,
                    err.body_text()
                ),
            )
        })?;
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "invalid request body: expected a JSON object",
            ));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(AppJson(value))
    }
}

/// Runs blocking core work off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| ApiError::from(crate::Error::Internal(format!("worker failed: {err}"))))?
        .map_err(ApiError::from)
}

/// [`blocking`] for searches, admitted a few at a time in arrival order: tokio's semaphore is
/// fair, so a burst of searches queues first come, first served instead of all competing for
/// two cores, and the slowest of a burst stays near the median (measured in the README).
async fn blocking_query<T: Send + 'static>(
    work: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    static ADMITTED: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let admitted = ADMITTED.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        tokio::sync::Semaphore::new(cores * QUERIES_PER_CORE)
    });
    let _turn = admitted
        .acquire()
        .await
        .map_err(|_| ApiError::from(crate::Error::Internal("search queue closed".into())))?;
    blocking(work).await
}

/// Searches running at once per core (the rest wait their turn).
const QUERIES_PER_CORE: usize = 2;

/// Health answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Status, reason and change numbers.
    #[serde(flatten)]
    pub health: crate::sync::Health,
    /// Deals in the index.
    pub deals: usize,
    /// Quotes in the index.
    pub quotes: usize,
    /// Embedding model id.
    pub model: String,
}

/// Anonymized buyer quotes for a question.
#[utoipa::path(post, path = "/v1/search", request_body = SearchRequest,
    responses((status = 200, body = SearchResponse), (status = 400, body = ErrorBody), (status = 415, body = ErrorBody, description = "Content-Type is not application/json"), (status = 429, body = ErrorBody, description = "Too many requests, or a rerank already running for this caller")))]
async fn search(
    State(bank): State<Arc<Storybank>>,
    Extension(gate): Extension<Arc<auth::Gate>>,
    Extension(who): Extension<crate::access::Identity>,
    AppJson(request): AppJson<SearchRequest>,
) -> Result<Json<SearchResponse>, ApiError> {
    // Reranking is slow: one at a time per caller, so nobody starves the rest.
    let _slot = if request.rerank { Some(gate.expensive(&who)?) } else { None };
    Ok(Json(blocking_query(move || bank.search(&request)).await?))
}

/// Past deals most like a description or a given deal.
#[utoipa::path(post, path = "/v1/deals/similar", request_body = SimilarRequest,
    responses((status = 200, body = SimilarResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 415, body = ErrorBody, description = "Content-Type is not application/json")))]
async fn similar(
    State(bank): State<Arc<Storybank>>,
    AppJson(request): AppJson<SimilarRequest>,
) -> Result<Json<SimilarResponse>, ApiError> {
    Ok(Json(blocking_query(move || bank.similar(&request)).await?))
}

/// A deal's metadata and all its anonymized quotes.
#[utoipa::path(get, path = "/v1/deals/{deal_id}", params(("deal_id" = String, Path, description = "Deal id")),
    responses((status = 200, body = DealView), (status = 404, body = ErrorBody)))]
async fn get_deal(
    State(bank): State<Arc<Storybank>>,
    Path(deal_id): Path<String>,
) -> Result<Json<DealView>, ApiError> {
    Ok(Json(blocking(move || bank.deal(&deal_id)).await?))
}

/// Every filterable value in the bank with its deal count, competitors with their aliases,
/// and the close-date range: what filter pickers offer.
#[utoipa::path(get, path = "/v1/facets", responses((status = 200, body = Facets)))]
async fn facets(State(bank): State<Arc<Storybank>>) -> Result<Json<Facets>, ApiError> {
    Ok(Json(blocking(move || bank.facets()).await?))
}

/// Every deal's non-identifying metadata, newest close first.
#[utoipa::path(get, path = "/v1/deals", responses((status = 200, body = DealList)))]
async fn list_deals(State(bank): State<Arc<Storybank>>) -> Result<Json<DealList>, ApiError> {
    Ok(Json(DealList { deals: blocking(move || bank.deals()).await? }))
}

/// `GET /v1/deals` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DealList {
    /// Deals, newest close first.
    pub deals: Vec<DealSummary>,
}

/// Liveness and readiness: the indexes are open and the model is loaded.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
async fn healthz(State(bank): State<Arc<Storybank>>) -> Result<Json<Health>, ApiError> {
    let (stats, health) =
        tokio::task::spawn_blocking(move || Ok::<_, crate::Error>((bank.stats()?, bank.health()?)))
            .await
            .map_err(|err| crate::Error::Internal(format!("health check: {err}")))??;
    Ok(Json(Health { health, deals: stats.deals, quotes: stats.quotes, model: stats.model }))
}

/// The OpenAPI document of this server, with this index's theme ids.
async fn openapi(State(bank): State<Arc<Storybank>>) -> Result<Json<serde_json::Value>, ApiError> {
    let themes = blocking(move || {
        let tagger = bank.theme_tagger()?;
        Ok(tagger.taxonomy().themes.iter().map(|theme| theme.id.clone()).collect::<Vec<_>>())
    })
    .await?;
    Ok(Json(openapi::document(&themes)))
}

/// Routes whose bodies are compiled into the binary and can hold no PII, and the admin's raw
/// transcript (unredacted on purpose: it is how a redaction is checked).
fn unguarded_route(path: &str) -> bool {
    path == "/"
        || path == "/openapi.json"
        || path == "/favicon.ico"
        || path.starts_with("/assets/")
        || (path.starts_with("/v1/admin/deals/") && path.ends_with("/raw"))
}

/// The response guard on every body: any CRM term of any deal that reached a response (a
/// quote of another deal, a note typed into a pack, an export) becomes `[REDACTED]`; the
/// incident is logged with the route only.
async fn guard_bodies(
    State(bank): State<Arc<Storybank>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path().to_string();
    // Logged instead of the path, which may carry a name ("/v1/competitors/{name}/evidence").
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |matched| matched.as_str().to_string());
    let response = next.run(request).await;
    let content_type = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let json = content_type.starts_with("application/json");
    let textual = json || content_type.starts_with("text/");
    if unguarded_route(&path) || !textual {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::from(crate::Error::Internal("response body failed".into()))
            .into_response();
    };
    if std::str::from_utf8(&bytes).is_err() {
        return axum::response::Response::from_parts(parts, axum::body::Body::from(bytes));
    }
    // The check takes the catalog's lock, which an ingest may hold: off the async workers.
    let checked = bytes.clone();
    let scrubbed = tokio::task::spawn_blocking(move || {
        let _span = tracing::debug_span!("guard.scrub").entered();
        let body = std::str::from_utf8(&checked).unwrap_or_default();
        if json { bank.scrub_json(body) } else { bank.scrub_body(body) }
    })
    .await;
    let Ok(scrubbed) = scrubbed else {
        return ApiError::from(crate::Error::Internal("response check failed".into()))
            .into_response();
    };
    match scrubbed {
        Some((scrubbed, hits)) => {
            tracing::warn!(route = %route, hits, "pii guard redacted a response body");
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            axum::response::Response::from_parts(parts, axum::body::Body::from(scrubbed))
        }
        None => axum::response::Response::from_parts(parts, axum::body::Body::from(bytes)),
    }
}

/// Turns an error that an extractor answered in plain text ("Invalid URL: Invalid UTF-8 in
/// `deal_id`") into the contract's JSON error.
async fn json_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let response = next.run(request).await;
    let status = response.status();
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, 64 << 10).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        status if status.is_server_error() => "internal",
        _ => crate::error::Code::InvalidRequest.name(),
    };
    let message = if text.is_empty() || status.is_server_error() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text
    };
    let mut converted = ApiError::new(status, code, message).into_response();
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            converted.headers_mut().insert(name.clone(), value.clone());
        }
    }
    converted
}

/// How long one request may take before it is answered `503 timeout`.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Answers a request that runs too long with a JSON error instead of an empty 503.
async fn time_limit(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // An uploaded batch (or a webhook's transcript) is embedded while the caller waits: it
    // may take minutes, and an answer of 503 for a change that is then saved would be wrong.
    if matches!(request.uri().path(), "/v1/admin/ingest" | "/v1/intake/deals") {
        return next.run(request).await;
    }
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took longer than 60 s; try again or narrow it",
        )
        .into_response(),
    }
}

/// For a server bound to a loopback address: only requests addressed to a loopback name, or to
/// one of `allowed` (the public name a reverse proxy passes on), are served, so a web page
/// elsewhere whose name resolves to 127.0.0.1 (DNS rebinding) cannot read the API through a
/// visitor's browser.
pub fn loopback_only(router: Router, allowed: Vec<String>) -> Router {
    let allowed: Arc<Vec<String>> = Arc::new(allowed.iter().map(|name| host_name(name)).collect());
    router.layer(axum::middleware::from_fn_with_state(allowed, check_loopback_host))
}

/// The name part of a `Host` value (no port, no brackets, no trailing dot), lower case.
fn host_name(host: &str) -> String {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) { name } else { host }
        })
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// True when a `Host` header value names the loopback interface (any port).
pub fn is_loopback_host(host: &str) -> bool {
    let name = host_name(host);
    name == "localhost"
        || name.ends_with(".localhost")
        || name == "::1"
        || name.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

async fn check_loopback_host(
    State(allowed): State<Arc<Vec<String>>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let host = request
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_string()));
    match host {
        Some(host) if !is_loopback_host(&host) && !allowed.contains(&host_name(&host)) => {
            ApiError::new(
                StatusCode::MISDIRECTED_REQUEST,
                "host_not_allowed",
                "this server is bound to loopback and answers only requests addressed to localhost \
                 (behind a reverse proxy, start it with --allow-host <public name>)",
            )
        }
        .into_response(),
        _ => next.run(request).await,
    }
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method not allowed on this endpoint",
    )
}

/// Largest JSON request body accepted.
pub const MAX_JSON_BODY: usize = 1 << 20;

/// Builds the application router over a storybank, with the default access settings: open
/// as `local` while no key exists (for loopback servers and in-process tests).
pub fn router(bank: Arc<Storybank>) -> Router {
    router_with(bank, auth::AccessConfig::default())
}

/// Builds the application router with explicit access settings.
pub fn router_with(bank: Arc<Storybank>, access: auth::AccessConfig) -> Router {
    let max_upload = access.max_upload;
    let gate = Arc::new(auth::Gate::new(access));
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
        let matched = request.extensions().get::<axum::extract::MatchedPath>().map(|path| path.as_str().to_string());
        // Path and method only: bodies (queries, quotes) are never logged.
        tracing::info_span!("http", method = %request.method(), path = matched.as_deref().unwrap_or("unmatched"))
    });
    Router::new()
        .route("/v1/search", post(search).fallback(method_not_allowed))
        .route("/v1/deals/similar", post(similar).fallback(method_not_allowed))
        .route("/v1/deals", get(list_deals).fallback(method_not_allowed))
        .route("/v1/deals/{deal_id}", get(get_deal).fallback(method_not_allowed))
        .route("/v1/facets", get(facets).fallback(method_not_allowed))
        .route("/v1/themes", get(b::themes).fallback(method_not_allowed))
        .route("/v1/quotes/{quote_id}/themes", post(b::correct_themes).fallback(method_not_allowed))
        .route("/v1/analytics/win-rates", get(b::win_rates).fallback(method_not_allowed))
        .route("/v1/competitors/{name}/evidence", get(b::evidence).fallback(method_not_allowed))
        .route("/v1/ask", post(b::ask).fallback(method_not_allowed))
        .route("/v1/digest", get(b::digest).fallback(method_not_allowed))
        .route("/v1/packs", get(b::list_packs).post(b::create_pack).fallback(method_not_allowed))
        .route(
            "/v1/packs/{pack_id}",
            get(b::get_pack)
                .patch(b::update_pack)
                .delete(b::delete_pack)
                .fallback(method_not_allowed),
        )
        .route(
            "/v1/packs/{pack_id}/stories",
            post(b::add_story_to_pack).fallback(method_not_allowed),
        )
        .route(
            "/v1/packs/{pack_id}/stories/{story_id}",
            axum::routing::delete(b::remove_story_from_pack).fallback(method_not_allowed),
        )
        .route("/v1/packs/{pack_id}/refresh", post(b::refresh_pack).fallback(method_not_allowed))
        .route(
            "/v1/packs/{pack_id}/export",
            get(b::export_pack).post(b::record_export).fallback(method_not_allowed),
        )
        .route(
            "/v1/stories",
            get(b::list_stories).post(b::create_story).fallback(method_not_allowed),
        )
        .route(
            "/v1/stories/{story_id}",
            get(b::get_story)
                .patch(b::update_story)
                .delete(b::delete_story)
                .fallback(method_not_allowed),
        )
        .route(
            "/v1/insights",
            get(program::list_insights).post(program::create_insight).fallback(method_not_allowed),
        )
        .route("/v1/insights/metrics", get(program::insight_metrics).fallback(method_not_allowed))
        .route("/v1/insights/propose", post(program::propose_insights).fallback(method_not_allowed))
        .route("/v1/insights/{insight_id}", get(program::get_insight).fallback(method_not_allowed))
        .route(
            "/v1/insights/{insight_id}/acknowledge",
            post(program::acknowledge_insight).fallback(method_not_allowed),
        )
        .route(
            "/v1/insights/{insight_id}/action",
            post(program::action_insight).fallback(method_not_allowed),
        )
        .route(
            "/v1/insights/{insight_id}/dismiss",
            post(program::dismiss_insight).fallback(method_not_allowed),
        )
        .route("/v1/alerts", get(alerts::list_alerts).fallback(method_not_allowed))
        .route("/v1/alerts/check", post(alerts::check_alerts).fallback(method_not_allowed))
        .route(
            "/v1/alerts/rules/{rule_id}",
            axum::routing::put(alerts::put_rule)
                .delete(alerts::delete_rule)
                .fallback(method_not_allowed),
        )
        .route("/v1/briefing", get(program::briefing).fallback(method_not_allowed))
        .route("/v1/dashboard", get(program::dashboard).fallback(method_not_allowed))
        .route("/mcp", post(mcp::post).fallback(method_not_allowed))
        .route("/healthz", get(healthz).fallback(method_not_allowed))
        .route("/v1/me", get(admin::me).fallback(method_not_allowed))
        .route(
            "/v1/admin/ingest",
            post(admin::ingest)
                .layer(axum::extract::DefaultBodyLimit::max(max_upload))
                .fallback(method_not_allowed),
        )
        .route(
            "/v1/intake/deals",
            post(admin::intake)
                .layer(axum::extract::DefaultBodyLimit::max(max_upload))
                .fallback(method_not_allowed),
        )
        .route("/v1/admin/forget", post(admin::forget).fallback(method_not_allowed))
        .route(
            "/v1/admin/deals/{deal_id}/raw",
            get(admin::raw_transcript).fallback(method_not_allowed),
        )
        .route("/v1/admin/audit", get(admin::audit).fallback(method_not_allowed))
        .route(
            "/v1/admin/keys",
            get(admin::list_keys).post(admin::create_key).fallback(method_not_allowed),
        )
        .route(
            "/v1/admin/keys/{key_id}",
            axum::routing::delete(admin::revoke_key).fallback(method_not_allowed),
        )
        .route("/openapi.json", get(openapi))
        .merge(web::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(json_errors))
        .layer(axum::middleware::from_fn_with_state(bank.clone(), guard_bodies))
        .layer(axum::middleware::from_fn_with_state((bank.clone(), gate.clone()), auth::authorize))
        .layer(Extension(gate))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BODY))
        .layer(axum::middleware::from_fn(time_limit))
        .layer(trace)
        .with_state(bank)
}

#[cfg(test)]
mod tests {
    #[test]
    fn loopback_host_names() {
        for host in [
            "localhost",
            "LOCALHOST:7700",
            "127.0.0.1:80",
            "127.1.2.3",
            "[::1]:7700",
            "a.localhost",
        ] {
            assert!(super::is_loopback_host(host), "{host}");
        }
        for host in
            ["example.com", "localhost.example.com", "10.0.0.1:7700", "[2001:db8::1]:80", ""]
        {
            assert!(!super::is_loopback_host(host), "{host}");
        }
    }
}

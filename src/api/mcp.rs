//! The MCP server over streamable HTTP (see [`crate::mcp`]): `POST /mcp` takes one JSON-RPC
//! message and answers it as JSON (no server-initiated stream: `GET /mcp` is 405), behind the
//! same keys and reader role as the API. A message that is not JSON, or not one JSON-RPC
//! object, is answered `400` with its JSON-RPC error.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::blocking;
use crate::app::Storybank;

/// MCP (Model Context Protocol) over streamable HTTP: one JSON-RPC message in, its answer out
/// (202 with no body for a notification). Tools: search_quotes, similar_deals,
/// competitor_evidence, ask, insights.
#[utoipa::path(post, path = "/mcp", request_body(content = Object, description = "One JSON-RPC 2.0 message (a request, a notification, or a response)"),
    responses((status = 200, description = "The JSON-RPC answer", body = Object), (status = 202, description = "A notification was taken"), (status = 400, description = "Not JSON, or not one JSON-RPC message object: the JSON-RPC error", body = Object), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn post(
    State(bank): State<Arc<Storybank>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, super::ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return Err(super::ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
            "MCP messages are sent as `Content-Type: application/json`",
        ));
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let answer = blocking(move || Ok(crate::mcp::handle_line(&bank, &text))).await?;
    Ok(match answer {
        // Unreadable, or not a JSON-RPC 2.0 message: refused.
        Some(answer) if matches!(answer["error"]["code"].as_i64(), Some(-32700) | Some(-32600)) => {
            (StatusCode::BAD_REQUEST, axum::Json(answer)).into_response()
        }
        Some(answer) => axum::Json(answer).into_response(),
        None => StatusCode::ACCEPTED.into_response(),
    })
}

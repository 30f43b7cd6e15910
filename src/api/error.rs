//! The contract's error shape, `{"error": {"code", "message"}}`, for every failure.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Code, Error};

/// Error details.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code.
    pub code: String,
    /// One human sentence.
    pub message: String,
}

/// Error response body.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    /// Builds an error with an explicit status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), headers: vec![] }
    }

    /// Adds a response header (`Retry-After`, `WWW-Authenticate`).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> ApiError {
        self.headers.push((name, value));
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        let code = err.code();
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            // Logged once here, never sent: 5xx messages carry no internal details.
            tracing::error!(code = code.name(), error = %err, "request failed");
            let message = match code {
                Code::IndexMissing | Code::IndexIncompatible | Code::ModelUnavailable => {
                    "the service is not ready: its index or model is unavailable".to_string()
                }
                Code::VectorStoreUnavailable => {
                    "the vector store cannot be reached; retry shortly".to_string()
                }
                _ => "internal error".to_string(),
            };
            if code == Code::GeneratorUnavailable {
                // The user's own endpoint: say what failed.
                return ApiError::new(status, code.name(), err.to_string());
            }
            return ApiError::new(status, code.name(), message);
        }
        ApiError::new(status, code.name(), err.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = match rejection {
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            JsonRejection::BytesRejection(_) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        let detail = rejection.body_text();
        let detail = detail
            .strip_prefix("Failed to deserialize the JSON body into the target type: ")
            .unwrap_or(&detail);
        ApiError::new(
            status,
            Code::InvalidRequest.name(),
            format!("invalid request body: {detail}"),
        )
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        let detail = rejection.body_text();
        let detail = detail.strip_prefix("Failed to deserialize query string: ").unwrap_or(&detail);
        ApiError::new(
            StatusCode::BAD_REQUEST,
            Code::InvalidRequest.name(),
            format!("invalid query string: {detail}"),
        )
    }
}

/// A span of a client error's message that echoes what the request sent: between backticks
/// or double quotes.
static ECHO: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r#"`([^`]*)`|"([^"]*)""#).expect("static regex"));

/// A client error's message with every echoed value masked unless it reads as an id or a
/// field path ("S-2001", "filters.outcome", "quote_id"): the response guard would redact an
/// echoed CRM name and leave any other name as sent, telling a caller which names the bank
/// holds.
pub fn mask_echoes(message: &str) -> String {
    ECHO.replace_all(message, |caps: &regex::Captures<'_>| {
        let (quote, inner) = match (caps.get(1), caps.get(2)) {
            (Some(inner), _) => ('`', inner.as_str()),
            (_, Some(inner)) => ('"', inner.as_str()),
            _ => return caps[0].to_string(),
        };
        // Field names and enum values: lower case, and either an English word ("limit") or
        // marked as code ("quote_id", "filters.outcome"); a lower-case name ("gemma") is
        // neither. Ids carry a digit ("S-2001").
        let short = inner.len() <= 60;
        let field = inner
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-./:{}<>[]".contains(c))
            && (inner.chars().any(|c| c.is_ascii_digit() || "_./:{}<>[]".contains(c))
                || (crate::anonymize::lexicon::is_english_word(inner)
                    && !crate::anonymize::lexicon::is_known_name(inner)));
        let id = inner.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            && inner.chars().any(|c| c.is_ascii_digit());
        let id_like = short && (field || id);
        if id_like || inner.is_empty() { caps[0].to_string() } else { format!("{quote}…{quote}") }
    })
    .into_owned()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message =
            if self.status.is_client_error() { mask_echoes(&self.message) } else { self.message };
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_string(), message } };
        let mut response = (self.status, Json(body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::mask_echoes;

    #[test]
    fn client_errors_echo_ids_and_fields_but_no_free_text() {
        assert_eq!(
            mask_echoes("competitor `Gemma Thornbury` not found"),
            "competitor `…` not found"
        );
        assert_eq!(mask_echoes("competitor `gemma` not found"), "competitor `…` not found");
        assert_eq!(mask_echoes("deal `S-2001` not found"), "deal `S-2001` not found");
        assert_eq!(mask_echoes("pack `p_7f3a` not found"), "pack `p_7f3a` not found");
        assert_eq!(
            mask_echoes(r#"invalid type: string "John Smith", expected u32 at `limit`"#),
            r#"invalid type: string "…", expected u32 at `limit`"#
        );
        assert_eq!(mask_echoes("unknown field `quote_id`"), "unknown field `quote_id`");
        assert_eq!(
            mask_echoes("Invalid UTF-8 in `deal_id`, see `filters.outcome`"),
            "Invalid UTF-8 in `deal_id`, see `filters.outcome`"
        );
    }
}

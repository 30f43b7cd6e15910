//! The crate's one error type and its closed table of stable error codes.
//!
//! Core modules return [`Error`]; the HTTP layer maps [`Error::code`] to a status and the
//! contract's `{"error": {"code", "message"}}` shape. Nothing here depends on a web framework.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Stable machine-readable error codes. Each is listed once with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The request is malformed or a value is out of range.
    InvalidRequest,
    /// No deal with the given id.
    DealNotFound,
    /// No quote with the given id.
    QuoteNotFound,
    /// No pack or story with the given id.
    PackNotFound,
    /// No insight with the given id.
    InsightNotFound,
    /// No alert rule with the given id.
    AlertRuleNotFound,
    /// No competitor with that name or alias.
    CompetitorNotFound,
    /// The index folder holds no storybank index.
    IndexMissing,
    /// The index was built with another model, dimension or format.
    IndexIncompatible,
    /// The embedding model or ONNX Runtime could not be loaded.
    ModelUnavailable,
    /// An input file could not be parsed.
    InvalidInput,
    /// The configured summary generator failed.
    GeneratorUnavailable,
    /// The write lost a race with another writer; retrying is safe.
    Conflict,
    /// The store cannot be written now (disk full, read-only, busy).
    StorageUnavailable,
    /// No API key with that id.
    KeyNotFound,
    /// The deal has no raw transcript stored.
    TranscriptNotFound,
    /// No valid credentials: a missing, malformed, unknown or revoked key.
    Unauthorized,
    /// The caller's role does not allow this.
    Forbidden,
    /// Too many requests from one caller; retry after the time given.
    RateLimited,
    /// The request body is larger than the limit.
    PayloadTooLarge,
    /// The vector store (a Qdrant cluster) cannot be reached or timed out; retrying is safe.
    VectorStoreUnavailable,
    /// Anything else; details are logged, never returned.
    Internal,
}

impl Code {
    /// Returns the snake_case wire name of the code.
    pub fn name(self) -> &'static str {
        match self {
            Code::InvalidRequest => "invalid_request",
            Code::DealNotFound => "deal_not_found",
            Code::QuoteNotFound => "quote_not_found",
            Code::PackNotFound => "pack_not_found",
            Code::InsightNotFound => "insight_not_found",
            Code::AlertRuleNotFound => "alert_rule_not_found",
            Code::CompetitorNotFound => "competitor_not_found",
            Code::IndexMissing => "index_missing",
            Code::IndexIncompatible => "index_incompatible",
            Code::ModelUnavailable => "model_unavailable",
            Code::InvalidInput => "invalid_input",
            Code::GeneratorUnavailable => "generator_unavailable",
            Code::Conflict => "conflict",
            Code::StorageUnavailable => "storage_unavailable",
            Code::KeyNotFound => "key_not_found",
            Code::TranscriptNotFound => "transcript_not_found",
            Code::Unauthorized => "unauthorized",
            Code::Forbidden => "forbidden",
            Code::RateLimited => "rate_limited",
            Code::PayloadTooLarge => "payload_too_large",
            Code::VectorStoreUnavailable => "vector_store_unavailable",
            Code::Internal => "internal",
        }
    }

    /// Returns the HTTP status that goes with the code.
    pub fn http_status(self) -> u16 {
        match self {
            Code::InvalidRequest | Code::InvalidInput => 400,
            Code::DealNotFound
            | Code::QuoteNotFound
            | Code::PackNotFound
            | Code::InsightNotFound
            | Code::AlertRuleNotFound
            | Code::CompetitorNotFound
            | Code::KeyNotFound
            | Code::TranscriptNotFound => 404,
            Code::Unauthorized => 401,
            Code::Forbidden => 403,
            Code::RateLimited => 429,
            Code::PayloadTooLarge => 413,
            Code::IndexMissing | Code::IndexIncompatible | Code::ModelUnavailable => 503,
            Code::GeneratorUnavailable => 502,
            Code::Conflict => 409,
            Code::StorageUnavailable | Code::VectorStoreUnavailable => 503,
            Code::Internal => 500,
        }
    }
}

/// Every failure storybank can report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request value is invalid; the message names the field.
    #[error("{0}")]
    InvalidRequest(String),
    /// The deal id is unknown.
    #[error("deal `{0}` not found")]
    DealNotFound(String),
    /// The quote id is unknown.
    #[error("quote `{0}` not found")]
    QuoteNotFound(String),
    /// The pack or story id is unknown.
    #[error("{0} not found")]
    PackNotFound(String),
    /// The insight id is unknown.
    #[error("insight `{0}` not found")]
    InsightNotFound(String),
    /// The alert rule id is unknown.
    #[error("alert rule `{0}` not found")]
    AlertRuleNotFound(String),
    /// The competitor is unknown.
    #[error("competitor `{0}` not found (no deal names it under any alias)")]
    CompetitorNotFound(String),
    /// No index at the path.
    #[error("no storybank index at {}: run `storybank ingest <DIR> --index {}` first", path.display(), path.display())]
    IndexMissing {
        /// The index folder that was opened.
        path: PathBuf,
    },
    /// The index does not match the running configuration.
    #[error("index at {} is incompatible: {reason}", path.display())]
    IndexIncompatible {
        /// The index folder.
        path: PathBuf,
        /// What differs.
        reason: String,
    },
    /// The configured summary generator could not be reached or answered badly.
    #[error("summary generator unavailable: {0}")]
    GeneratorUnavailable(String),
    /// The embedding model could not be loaded or run.
    #[error("embedding model unavailable: {0}")]
    ModelUnavailable(String),
    /// An input file is malformed; names the file and the line.
    #[error("{}:{line}: {message}", file.display())]
    Parse {
        /// The file that failed.
        file: PathBuf,
        /// 1-based line number (0 when the whole file is affected).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A filesystem operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the path.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The keyword index failed.
    #[error("keyword index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// Another writer changed what this write was based on.
    #[error("{0}")]
    Conflict(String),
    /// The store cannot be written (disk full, read-only folder, busy).
    #[error("{0}")]
    Storage(String),
    /// No API key with that id.
    #[error("no key with id {0}")]
    KeyNotFound(String),
    /// The deal has no raw transcript stored (metadata only, or erased with a person).
    #[error("deal {0} has no raw transcript stored")]
    TranscriptNotFound(String),
    /// Missing or invalid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// The role does not allow the operation.
    #[error("{0}")]
    Forbidden(String),
    /// The vector store cannot be reached, or did not answer in time.
    #[error("vector store unavailable: {0}")]
    VectorStoreUnavailable(String),
    /// An internal invariant failed.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// Returns the stable code of the error.
    pub fn code(&self) -> Code {
        match self {
            Error::InvalidRequest(_) => Code::InvalidRequest,
            Error::DealNotFound(_) => Code::DealNotFound,
            Error::QuoteNotFound(_) => Code::QuoteNotFound,
            Error::PackNotFound(_) => Code::PackNotFound,
            Error::InsightNotFound(_) => Code::InsightNotFound,
            Error::AlertRuleNotFound(_) => Code::AlertRuleNotFound,
            Error::CompetitorNotFound(_) => Code::CompetitorNotFound,
            Error::IndexMissing { .. } => Code::IndexMissing,
            Error::IndexIncompatible { .. } => Code::IndexIncompatible,
            Error::ModelUnavailable(_) => Code::ModelUnavailable,
            Error::GeneratorUnavailable(_) => Code::GeneratorUnavailable,
            Error::Parse { .. } => Code::InvalidInput,
            Error::Conflict(_) => Code::Conflict,
            Error::Storage(_) => Code::StorageUnavailable,
            Error::KeyNotFound(_) => Code::KeyNotFound,
            Error::TranscriptNotFound(_) => Code::TranscriptNotFound,
            Error::Unauthorized(_) => Code::Unauthorized,
            Error::Forbidden(_) => Code::Forbidden,
            Error::VectorStoreUnavailable(_) => Code::VectorStoreUnavailable,
            Error::Io { source, .. }
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::StorageFull
                        | std::io::ErrorKind::ReadOnlyFilesystem
                        | std::io::ErrorKind::PermissionDenied
                ) =>
            {
                Code::StorageUnavailable
            }
            Error::Io { .. } | Error::Tantivy(_) | Error::Internal(_) => Code::Internal,
        }
    }

    /// Builds an [`Error::Io`] naming what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    /// Builds an [`Error::Parse`].
    pub fn parse(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::Parse { file: file.into(), line, message: message.into() }
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Error::Internal(format!("json: {err}"))
    }
}

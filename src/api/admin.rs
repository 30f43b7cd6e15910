//! Admin routes: erasure, raw transcripts, API keys and the audit log, plus `GET /v1/me`.
//! Every one of them is behind the admin role in [`super::auth::POLICY`] (except `/v1/me`).

use std::sync::Arc;

use axum::extract::{FromRequest, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::AuditIds;
use super::bank::AppQuery;
use super::{ApiError, AppJson, blocking};
use crate::access::{AuditEntry, Identity, KeyInfo, NewKey, Role};
use crate::admin::ForgetReport;
use crate::app::Storybank;
use crate::upload::Upload;

/// `GET /v1/me` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// Who the server takes the caller for.
    #[serde(flatten)]
    pub identity: Identity,
}

/// Who the caller is and what role they have (the web page's sign-in checks a key with it).
#[utoipa::path(get, path = "/v1/me", responses((status = 200, body = Me), (status = 401, body = super::ErrorBody)))]
pub async fn me(Extension(identity): Extension<Identity>) -> Json<Me> {
    Json(Me { identity })
}

/// `POST /v1/admin/ingest` form (for the OpenAPI document).
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadForm {
    /// Transcripts (`.txt`, `.vtt`, `.json`, `.md`, named by deal id), a `deals.csv`, a
    /// `competitors.toml`, or `.zip` files holding them; as many `file` fields as needed.
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1)]
    pub file: Vec<Vec<u8>>,
}

/// Ingests uploaded interviews with the same per-file report as `storybank ingest`: a bad file
/// costs only itself. Without a `deals.csv`, transcripts must be of deals already in the bank.
#[utoipa::path(post, path = "/v1/admin/ingest", request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = crate::app::IngestReport), (status = 400, body = super::ErrorBody), (status = 413, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Not multipart/form-data")))]
pub async fn ingest(
    State(bank): State<Arc<Storybank>>,
    Extension(gate): Extension<Arc<super::auth::Gate>>,
    request: axum::extract::Request,
) -> Result<Response, ApiError> {
    let multipart_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart_type {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
            "send the files as multipart/form-data `file` fields",
        ));
    }
    let mut multipart =
        axum::extract::Multipart::from_request(request, &()).await.map_err(|err| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("invalid upload: {}", err.body_text()),
            )
        })?;
    let mut files = vec![];
    let bad = |err: axum::extract::multipart::MultipartError| {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                crate::error::Code::PayloadTooLarge.name(),
                "the upload is over the server's limit (serve --max-upload-mb); split it",
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("invalid upload: {}", err.body_text()),
            )
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let Some(name) = field.file_name().map(str::to_string) else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "every part must be a file (with a filename), e.g. curl -F file=@S-2001.txt",
            ));
        };
        let bytes = field.bytes().await.map_err(bad)?;
        files.push(Upload { name, bytes: bytes.to_vec() });
    }
    // A zip may expand to four times the upload limit.
    let expanded = gate.max_upload() as u64 * 4;
    let report = blocking(move || bank.ingest_uploads(files, expanded)).await?;
    let ids = AuditIds(report.deal_ids.clone());
    let mut response = Json(report).into_response();
    response.extensions_mut().insert(ids);
    Ok(response)
}

/// A closed deal as a CRM workflow sends it (storybank's field names).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeDeal {
    /// The CRM's deal id.
    #[schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
    pub deal_id: String,
    /// How it ended.
    #[schema(inline)]
    pub outcome: IntakeOutcome,
    /// The account (never served; used to anonymize).
    #[schema(max_length = 300)]
    pub account_name: Option<String>,
    /// Competitors in the deal.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub competitors: Vec<String>,
    /// Deal amount in USD.
    #[schema(minimum = 0)]
    pub amount_usd: Option<f64>,
    /// Segment.
    #[schema(max_length = 100)]
    pub segment: Option<String>,
    /// Industry.
    #[schema(max_length = 100)]
    pub industry: Option<String>,
    /// Region.
    #[schema(max_length = 100)]
    pub region: Option<String>,
    /// Buyer persona.
    #[schema(max_length = 100)]
    pub buyer_persona: Option<String>,
    /// Lead source.
    #[schema(max_length = 100)]
    pub lead_source: Option<String>,
    /// Furthest stage reached.
    #[schema(max_length = 100)]
    pub stage_reached: Option<String>,
    /// Close date.
    #[schema(value_type = Option<String>, format = Date)]
    pub close_date: Option<crate::model::Day>,
    /// Loss reason.
    #[schema(max_length = 300)]
    pub loss_reason: Option<String>,
    /// Win reason.
    #[schema(max_length = 300)]
    pub win_reason: Option<String>,
    /// The rep (never served; used to anonymize).
    #[schema(max_length = 300)]
    pub rep_name: Option<String>,
    /// Buyer contacts (never served; used to anonymize).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub contact_names: Vec<String>,
    /// Who ran the interview.
    #[schema(max_length = 300)]
    pub interviewer: Option<String>,
}

/// Outcomes a webhook may send.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntakeOutcome {
    /// Won.
    Won,
    /// Lost.
    Lost,
    /// Ended without a decision.
    NoDecision,
}

/// Transcript formats a webhook may send.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IntakeFormat {
    /// Speaker-labelled text (or Otter-style headers).
    Txt,
    /// WebVTT (Zoom, Teams).
    Vtt,
    /// SubRip.
    Srt,
    /// storybank's JSON utterances.
    Json,
}

/// The interview of the deal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeTranscript {
    /// Its format.
    #[schema(inline)]
    pub format: IntakeFormat,
    /// The transcript as exported.
    pub text: String,
}

/// `POST /v1/intake/deals` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeRequest {
    /// The closed deal.
    pub deal: IntakeDeal,
    /// Its interview, if there is one yet (a later call with the same deal adds it).
    pub transcript: Option<IntakeTranscript>,
}

/// One closed deal, with or without its interview, as a CRM's "closed won/lost" webhook or a
/// meeting tool sends it; ingested like an upload (a deal sent again replaces it). Answers the
/// ingest report: a transcript that cannot be read is in `failures`, and the deal's metadata is
/// kept.
#[utoipa::path(post, path = "/v1/intake/deals", request_body = IntakeRequest,
    responses((status = 200, body = crate::app::IngestReport), (status = 400, body = super::ErrorBody), (status = 413, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn intake(
    State(bank): State<Arc<Storybank>>,
    AppJson(request): AppJson<IntakeRequest>,
) -> Result<Response, ApiError> {
    let deal = &request.deal;
    if !crate::corpus::deals::is_safe_deal_id(&deal.deal_id) {
        return Err(crate::Error::InvalidRequest(
            "deal_id: use 1-64 letters, digits, `.`, `_`, `-` or `:`, starting with a letter or digit".into(),
        )
        .into());
    }
    validate_intake(deal)?;
    let text = |value: &Option<String>| value.as_deref().unwrap_or_default().trim().to_string();
    let list = |values: &[String]| -> Vec<String> {
        values.iter().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect()
    };
    let row = crate::model::DealRow {
        deal_id: deal.deal_id.clone(),
        account_name: text(&deal.account_name),
        outcome: Some(match deal.outcome {
            IntakeOutcome::Won => crate::model::Outcome::Won,
            IntakeOutcome::Lost => crate::model::Outcome::Lost,
            IntakeOutcome::NoDecision => crate::model::Outcome::NoDecision,
        }),
        competitors: list(&deal.competitors),
        amount_usd: deal.amount_usd,
        segment: text(&deal.segment).to_ascii_lowercase(),
        industry: text(&deal.industry),
        region: text(&deal.region),
        buyer_persona: text(&deal.buyer_persona),
        lead_source: text(&deal.lead_source),
        stage_reached: text(&deal.stage_reached),
        close_date: deal.close_date,
        loss_reason: text(&deal.loss_reason),
        win_reason: text(&deal.win_reason),
        rep_name: text(&deal.rep_name),
        contact_names: list(&deal.contact_names),
        interviewer: text(&deal.interviewer),
    };
    let transcript = request.transcript.map(|transcript| {
        let extension = match transcript.format {
            IntakeFormat::Txt => "txt",
            IntakeFormat::Vtt => "vtt",
            IntakeFormat::Srt => "srt",
            IntakeFormat::Json => "json",
        };
        Upload { name: format!("{}.{extension}", row.deal_id), bytes: transcript.text.into_bytes() }
    });
    let report = blocking(move || bank.ingest_deal(row, transcript)).await?;
    let ids = AuditIds(report.deal_ids.clone());
    let mut response = Json(report).into_response();
    response.extensions_mut().insert(ids);
    Ok(response)
}

/// The limits the OpenAPI document states for an intake deal.
fn validate_intake(deal: &IntakeDeal) -> Result<(), ApiError> {
    use crate::model::check_length;
    if deal.amount_usd.is_some_and(|amount| amount < 0.0) {
        return Err(crate::Error::InvalidRequest("amount_usd must be at least 0".into()).into());
    }
    if deal.competitors.len() > 20 || deal.contact_names.len() > 50 {
        return Err(crate::Error::InvalidRequest(
            "at most 20 competitors and 50 contact names".into(),
        )
        .into());
    }
    let long = [
        ("account_name", &deal.account_name),
        ("loss_reason", &deal.loss_reason),
        ("win_reason", &deal.win_reason),
        ("rep_name", &deal.rep_name),
        ("interviewer", &deal.interviewer),
    ];
    for (field, value) in long {
        if let Some(value) = value {
            check_length(field, value, 300)?;
        }
    }
    let short = [
        ("segment", &deal.segment),
        ("industry", &deal.industry),
        ("region", &deal.region),
        ("buyer_persona", &deal.buyer_persona),
        ("lead_source", &deal.lead_source),
        ("stage_reached", &deal.stage_reached),
    ];
    for (field, value) in short {
        if let Some(value) = value {
            check_length(field, value, 100)?;
        }
    }
    Ok(())
}

/// `POST /v1/admin/forget` body: a deal or a person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgetRequest {
    /// The deal to erase.
    pub deal_id: Option<String>,
    /// The person to erase, first and last name ("Priya Raman").
    #[schema(max_length = 300)]
    pub person: Option<String>,
}

/// Erases a deal, or every quote spoken by or naming a person, everywhere; later ingests skip
/// it. Answers what was removed (ids only).
#[utoipa::path(post, path = "/v1/admin/forget", request_body = ForgetRequest,
    responses((status = 200, body = ForgetReport), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn forget(
    State(bank): State<Arc<Storybank>>,
    AppJson(request): AppJson<ForgetRequest>,
) -> Result<Response, ApiError> {
    let report = blocking(move || match (request.deal_id, request.person) {
        (Some(deal_id), None) => bank.forget_deal(&deal_id),
        (None, Some(person)) => {
            crate::model::check_length("person", &person, crate::model::MAX_NAME_CHARS)?;
            bank.forget_person(&person)
        }
        _ => Err(crate::Error::InvalidRequest("give either deal_id or person".into())),
    })
    .await?;
    // The audit line holds the ids removed, never the person's name.
    let mut ids = report.deals.clone();
    ids.extend(report.quotes.iter().cloned());
    let mut response = Json(report).into_response();
    response.extensions_mut().insert(AuditIds(ids));
    Ok(response)
}

/// A deal's unredacted transcript, to check a redaction. Every read is in the audit log.
#[utoipa::path(get, path = "/v1/admin/deals/{deal_id}/raw", params(("deal_id" = String, Path, description = "Deal id")),
    responses((status = 200, description = "The raw transcript", content_type = "text/plain"), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn raw_transcript(
    State(bank): State<Arc<Storybank>>,
    Path(deal_id): Path<String>,
) -> Result<Response, ApiError> {
    let text = blocking(move || bank.raw_transcript(&deal_id)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        text,
    )
        .into_response())
}

/// `GET /v1/admin/audit` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Lines after this position (default 0: from the start).
    #[serde(default)]
    #[param(minimum = 0)]
    pub after: i64,
    /// At most this many lines (default 100, max 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// `GET /v1/admin/audit` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditLog {
    /// Lines, oldest first.
    pub entries: Vec<AuditEntry>,
}

/// The audit log: who changed what and when, ids only.
#[utoipa::path(get, path = "/v1/admin/audit", params(AuditQuery),
    responses((status = 200, body = AuditLog), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn audit(
    State(bank): State<Arc<Storybank>>,
    AppQuery(query): AppQuery<AuditQuery>,
) -> Result<Json<AuditLog>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) || query.after < 0 {
        return Err(crate::Error::InvalidRequest(
            "limit must be 1 to 1000 and after at least 0".into(),
        )
        .into());
    }
    let entries = blocking(move || bank.access().audit(query.after, limit)).await?;
    Ok(Json(AuditLog { entries }))
}

/// `GET /v1/admin/keys` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct KeyList {
    /// Keys, newest first (never their secrets).
    pub keys: Vec<KeyInfo>,
}

/// Every API key, revoked ones included.
#[utoipa::path(get, path = "/v1/admin/keys",
    responses((status = 200, body = KeyList), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn list_keys(State(bank): State<Arc<Storybank>>) -> Result<Json<KeyList>, ApiError> {
    Ok(Json(KeyList { keys: blocking(move || bank.access().keys()).await? }))
}

/// `POST /v1/admin/keys` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    /// Who the key is for ("Ana (enablement)").
    #[schema(pattern = r"[^\s\x85]", max_length = 300)]
    pub name: String,
    /// Its role.
    pub role: Role,
}

/// Creates a key; the answer shows it once (only its hash is kept).
#[utoipa::path(post, path = "/v1/admin/keys", request_body = CreateKey,
    responses((status = 201, body = NewKey), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn create_key(
    State(bank): State<Arc<Storybank>>,
    AppJson(request): AppJson<CreateKey>,
) -> Result<Response, ApiError> {
    let key = blocking(move || bank.access().create_key(&request.name, request.role)).await?;
    let id = key.info.id.clone();
    let mut response =
        (StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], Json(key)).into_response();
    response.extensions_mut().insert(AuditIds(vec![format!("key:{id}")]));
    Ok(response)
}

/// Revokes a key: it stops working at once.
#[utoipa::path(delete, path = "/v1/admin/keys/{key_id}", params(("key_id" = String, Path, description = "Key id")),
    responses((status = 200, body = KeyInfo), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn revoke_key(
    State(bank): State<Arc<Storybank>>,
    Path(key_id): Path<String>,
) -> Result<Json<KeyInfo>, ApiError> {
    Ok(Json(blocking(move || bank.access().revoke_key(&key_id)).await?))
}

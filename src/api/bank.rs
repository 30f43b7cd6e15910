//! Story-bank routes: themes and corrections, win rates, competitor evidence, ask, digest,
//! stories and packs with their exports.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, AppJson, blocking};
use crate::app::Storybank;
use crate::insights::service::{Document, Format, ThemesView};
use crate::insights::{AskRequest, AskResponse, Digest, Evidence, WinRates};
use crate::model::{Day, Filters, OneOrMany, Quote};
use crate::packs::{NewPack, NewStory, Pack, PackPatch, Story, StoryPatch};
use crate::themes::TagCorrection;

/// Query-string extractor whose rejections use the contract's error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct AppQuery<T>(pub T);

/// The content security policy of exported documents: inline styles only, no scripts, no
/// requests anywhere.
const EXPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn document(doc: Document) -> Response {
    let disposition = format!("inline; filename=\"{}\"", doc.file_name);
    (
        [
            (header::CONTENT_TYPE, doc.format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            // Exported pages run nothing and load nothing from elsewhere.
            (header::CONTENT_SECURITY_POLICY, EXPORT_CSP.to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        doc.body,
    )
        .into_response()
}

fn format_of(format: Option<&str>) -> Result<Format, ApiError> {
    Ok(Format::parse(format.unwrap_or("json"))?)
}

/// The taxonomy with how many quotes and deals carry each theme.
#[utoipa::path(get, path = "/v1/themes", responses((status = 200, body = ThemesView)))]
pub async fn themes(State(bank): State<Arc<Storybank>>) -> Result<Json<ThemesView>, ApiError> {
    Ok(Json(blocking(move || bank.themes()).await?))
}

/// Corrects a quote's themes and/or polarity. The correction wins over the tagger on every
/// later ingest and reindex.
#[utoipa::path(post, path = "/v1/quotes/{quote_id}/themes", request_body = TagCorrection,
    params(("quote_id" = String, Path, description = "Quote id")),
    responses((status = 200, body = Quote), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn correct_themes(
    State(bank): State<Arc<Storybank>>,
    Path(quote_id): Path<String>,
    AppJson(correction): AppJson<TagCorrection>,
) -> Result<Json<Quote>, ApiError> {
    Ok(Json(blocking(move || bank.correct_tags(&quote_id, correction)).await?))
}

/// `GET /v1/analytics/win-rates` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WinRateQuery {
    /// competitor, segment, industry, persona, size_band, lead_source or region.
    pub by: String,
    /// Only deals against this competitor (any alias).
    pub competitor: Option<String>,
    /// Only this outcome.
    pub outcome: Option<String>,
    /// Only this segment.
    pub segment: Option<String>,
    /// Only this industry.
    pub industry: Option<String>,
    /// Only this region.
    pub region: Option<String>,
    /// Closed on or after (YYYY-MM-DD).
    pub closed_after: Option<String>,
    /// Closed on or before (YYYY-MM-DD).
    pub closed_before: Option<String>,
}

fn day(value: &Option<String>, name: &str) -> Result<Option<Day>, ApiError> {
    value
        .as_deref()
        .map(|text| {
            Day::parse(text).ok_or_else(|| {
                ApiError::from(crate::Error::InvalidRequest(format!(
                    "{name}: invalid date `{text}`, expected YYYY-MM-DD"
                )))
            })
        })
        .transpose()
}

/// Win rates split by a dimension, with Wilson 95% intervals.
#[utoipa::path(get, path = "/v1/analytics/win-rates", params(WinRateQuery),
    responses((status = 200, body = WinRates), (status = 400, body = super::ErrorBody)))]
pub async fn win_rates(
    State(bank): State<Arc<Storybank>>,
    AppQuery(query): AppQuery<WinRateQuery>,
) -> Result<Json<WinRates>, ApiError> {
    let one = |v: &Option<String>| v.clone().map(OneOrMany::One);
    let filters = Filters {
        competitor: one(&query.competitor),
        outcome: one(&query.outcome),
        segment: one(&query.segment),
        industry: one(&query.industry),
        region: one(&query.region),
        closed_after: day(&query.closed_after, "closed_after")?,
        closed_before: day(&query.closed_before, "closed_before")?,
        ..Filters::default()
    };
    Ok(Json(blocking(move || bank.win_rates(&query.by, &filters)).await?))
}

/// `?format=` of exports.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// json (default), md or html (csv for packs).
    pub format: Option<String>,
    /// Packs: render without recording an export (stories stay "new").
    #[serde(default)]
    pub preview: bool,
}

/// Battlecard evidence for a competitor (any alias): win rate overall and by segment, themes of
/// wins and losses with quotes, what buyers praise about it, newest quotes. `?format=md|html`
/// exports it.
#[utoipa::path(get, path = "/v1/competitors/{name}/evidence", params(("name" = String, Path, description = "Competitor name or alias"), FormatQuery),
    responses((status = 200, body = Evidence), (status = 404, body = super::ErrorBody)))]
pub async fn evidence(
    State(bank): State<Arc<Storybank>>,
    Path(name): Path<String>,
    AppQuery(query): AppQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = format_of(query.format.as_deref())?;
    if format == Format::Json {
        return Ok(Json(blocking(move || bank.evidence(&name)).await?).into_response());
    }
    Ok(document(blocking(move || bank.evidence_document(&name, format)).await?))
}

/// An extractive answer: the themes that answer the question with counts over the deals in
/// scope, the best quotes, and an honest sample-size note. Nothing is invented.
#[utoipa::path(post, path = "/v1/ask", request_body = AskRequest,
    responses((status = 200, body = AskResponse), (status = 400, body = super::ErrorBody), (status = 502, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn ask(
    State(bank): State<Arc<Storybank>>,
    AppJson(request): AppJson<AskRequest>,
) -> Result<Json<AskResponse>, ApiError> {
    Ok(Json(blocking(move || bank.ask(&request)).await?))
}

/// `GET /v1/digest` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DigestQuery {
    /// `YYYY-MM`.
    pub month: String,
    /// json (default), md or html.
    pub format: Option<String>,
}

/// The one-page monthly digest of deals closed that month.
#[utoipa::path(get, path = "/v1/digest", params(DigestQuery),
    responses((status = 200, body = Digest), (status = 400, body = super::ErrorBody)))]
pub async fn digest(
    State(bank): State<Arc<Storybank>>,
    AppQuery(query): AppQuery<DigestQuery>,
) -> Result<Response, ApiError> {
    let format = format_of(query.format.as_deref())?;
    if format == Format::Json {
        return Ok(Json(blocking(move || bank.digest(&query.month)).await?).into_response());
    }
    Ok(document(blocking(move || bank.digest_document(&query.month, format)).await?))
}

/// `GET /v1/packs` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PackList {
    /// Packs, newest first.
    pub packs: Vec<Pack>,
}

/// `GET /v1/stories` answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StoryList {
    /// Saved stories.
    pub stories: Vec<Story>,
}

/// Every pack with its stories.
#[utoipa::path(get, path = "/v1/packs", responses((status = 200, body = PackList)))]
pub async fn list_packs(State(bank): State<Arc<Storybank>>) -> Result<Json<PackList>, ApiError> {
    Ok(Json(PackList { packs: blocking(move || bank.list_packs()).await? }))
}

/// Creates a pack; with `from_search`, every result of that search becomes a story.
#[utoipa::path(post, path = "/v1/packs", request_body = NewPack,
    responses((status = 201, body = Pack), (status = 400, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn create_pack(
    State(bank): State<Arc<Storybank>>,
    AppJson(new): AppJson<NewPack>,
) -> Result<(StatusCode, Json<Pack>), ApiError> {
    Ok((StatusCode::CREATED, Json(blocking(move || bank.create_pack(new)).await?)))
}

/// One pack.
#[utoipa::path(get, path = "/v1/packs/{pack_id}", params(("pack_id" = String, Path, description = "Pack id")),
    responses((status = 200, body = Pack), (status = 404, body = super::ErrorBody)))]
pub async fn get_pack(
    State(bank): State<Arc<Storybank>>,
    Path(pack_id): Path<String>,
) -> Result<Json<Pack>, ApiError> {
    Ok(Json(blocking(move || bank.get_pack(&pack_id)).await?))
}

/// Renames, describes or reorders a pack (`order` lists its story ids).
#[utoipa::path(patch, path = "/v1/packs/{pack_id}", request_body = PackPatch, params(("pack_id" = String, Path, description = "Pack id")),
    responses((status = 200, body = Pack), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn update_pack(
    State(bank): State<Arc<Storybank>>,
    Path(pack_id): Path<String>,
    AppJson(patch): AppJson<PackPatch>,
) -> Result<Json<Pack>, ApiError> {
    Ok(Json(blocking(move || bank.update_pack(&pack_id, patch)).await?))
}

/// Deletes a pack (its stories stay saved).
#[utoipa::path(delete, path = "/v1/packs/{pack_id}", params(("pack_id" = String, Path, description = "Pack id")),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn delete_pack(
    State(bank): State<Arc<Storybank>>,
    Path(pack_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    blocking(move || bank.delete_pack(&pack_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a story to a pack: a new one from `quote_id`, or an existing `story_id`.
#[utoipa::path(post, path = "/v1/packs/{pack_id}/stories", request_body = NewStory, params(("pack_id" = String, Path, description = "Pack id")),
    responses((status = 200, body = Pack), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn add_story_to_pack(
    State(bank): State<Arc<Storybank>>,
    Path(pack_id): Path<String>,
    AppJson(new): AppJson<NewStory>,
) -> Result<Json<Pack>, ApiError> {
    Ok(Json(blocking(move || bank.add_story_to_pack(&pack_id, &new)).await?))
}

/// Takes a story out of a pack (the story stays saved).
#[utoipa::path(delete, path = "/v1/packs/{pack_id}/stories/{story_id}",
    params(("pack_id" = String, Path, description = "Pack id"), ("story_id" = String, Path, description = "Story id")),
    responses((status = 200, body = Pack), (status = 404, body = super::ErrorBody)))]
pub async fn remove_story_from_pack(
    State(bank): State<Arc<Storybank>>,
    Path((pack_id, story_id)): Path<(String, String)>,
) -> Result<Json<Pack>, ApiError> {
    Ok(Json(blocking(move || bank.remove_story_from_pack(&pack_id, &story_id)).await?))
}

/// Adds the new results of the pack's saved search.
#[utoipa::path(post, path = "/v1/packs/{pack_id}/refresh", params(("pack_id" = String, Path, description = "Pack id")),
    responses((status = 200, body = Pack), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn refresh_pack(
    State(bank): State<Arc<Storybank>>,
    Path(pack_id): Path<String>,
) -> Result<Json<Pack>, ApiError> {
    Ok(Json(blocking(move || bank.refresh_pack(&pack_id)).await?))
}

/// Exports a pack as Markdown, print-ready HTML, CSV or JSON; records the export unless
/// `preview=true` (stories added later show as new).
#[utoipa::path(get, path = "/v1/packs/{pack_id}/export", params(("pack_id" = String, Path, description = "Pack id"), FormatQuery),
    responses((status = 200, description = "The document"), (status = 404, body = super::ErrorBody)))]
pub async fn export_pack(
    State(bank): State<Arc<Storybank>>,
    Path(pack_id): Path<String>,
    AppQuery(query): AppQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = format_of(query.format.as_deref().or(Some("md")))?;
    Ok(document(blocking(move || bank.export_pack(&pack_id, format, query.preview)).await?))
}

/// Every saved story.
#[utoipa::path(get, path = "/v1/stories", responses((status = 200, body = StoryList)))]
pub async fn list_stories(State(bank): State<Arc<Storybank>>) -> Result<Json<StoryList>, ApiError> {
    Ok(Json(StoryList { stories: blocking(move || bank.list_stories()).await? }))
}

/// Saves a quote as a story (title defaults to its first sentence).
#[utoipa::path(post, path = "/v1/stories", request_body = NewStory,
    responses((status = 201, body = Story), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn create_story(
    State(bank): State<Arc<Storybank>>,
    AppJson(new): AppJson<NewStory>,
) -> Result<(StatusCode, Json<Story>), ApiError> {
    Ok((StatusCode::CREATED, Json(blocking(move || bank.create_story(&new)).await?)))
}

/// One story.
#[utoipa::path(get, path = "/v1/stories/{story_id}", params(("story_id" = String, Path, description = "Story id")),
    responses((status = 200, body = Story), (status = 404, body = super::ErrorBody)))]
pub async fn get_story(
    State(bank): State<Arc<Storybank>>,
    Path(story_id): Path<String>,
) -> Result<Json<Story>, ApiError> {
    Ok(Json(blocking(move || bank.get_story(&story_id)).await?))
}

/// Edits a story's title, notes or tags.
#[utoipa::path(patch, path = "/v1/stories/{story_id}", request_body = StoryPatch, params(("story_id" = String, Path, description = "Story id")),
    responses((status = 200, body = Story), (status = 404, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn update_story(
    State(bank): State<Arc<Storybank>>,
    Path(story_id): Path<String>,
    AppJson(patch): AppJson<StoryPatch>,
) -> Result<Json<Story>, ApiError> {
    Ok(Json(blocking(move || bank.update_story(&story_id, patch)).await?))
}

/// Deletes a story and takes it out of every pack.
#[utoipa::path(delete, path = "/v1/stories/{story_id}", params(("story_id" = String, Path, description = "Story id")),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn delete_story(
    State(bank): State<Arc<Storybank>>,
    Path(story_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    blocking(move || bank.delete_story(&story_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

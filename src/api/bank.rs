//! Story-bank routes: themes and corrections, win rates, competitor evidence, ask, digest,
//! stories and packs with their exports.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
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

pub(super) fn document(doc: Document) -> Response {
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

/// What win rates are split by.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WinRateBy {
    /// Each competitor (canonical name).
    Competitor,
    /// Each segment.
    Segment,
    /// Each industry.
    Industry,
    /// Each buyer persona.
    Persona,
    /// Each deal size band.
    SizeBand,
    /// Each lead source.
    LeadSource,
    /// Each region.
    Region,
}

impl WinRateBy {
    fn as_str(self) -> &'static str {
        match self {
            WinRateBy::Competitor => "competitor",
            WinRateBy::Segment => "segment",
            WinRateBy::Industry => "industry",
            WinRateBy::Persona => "persona",
            WinRateBy::SizeBand => "size_band",
            WinRateBy::LeadSource => "lead_source",
            WinRateBy::Region => "region",
        }
    }
}

/// A deal outcome, as query parameters accept it.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeParam {
    /// Won deals.
    Won,
    /// Lost deals.
    Lost,
    /// Deals that ended without a decision.
    NoDecision,
}

/// An empty query-string value (`?competitor=`, as an HTML form sends an empty field) means
/// the parameter was not given.
fn empty_as_none<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let text: Option<String> = Option::deserialize(deserializer)?;
    Ok(text.filter(|text| !text.trim().is_empty()))
}

/// `GET /v1/analytics/win-rates` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WinRateQuery {
    /// The dimension to split by.
    #[param(inline)]
    pub by: WinRateBy,
    /// Only deals against this competitor (any alias).
    #[serde(default, deserialize_with = "empty_as_none")]
    pub competitor: Option<String>,
    /// Only this outcome.
    #[param(inline)]
    pub outcome: Option<OutcomeParam>,
    /// Only this segment.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub segment: Option<String>,
    /// Only this industry.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub industry: Option<String>,
    /// Only this region.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub region: Option<String>,
    /// Closed on or after (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    pub closed_after: Option<Day>,
    /// Closed on or before (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    pub closed_before: Option<Day>,
}

/// Win rates split by a dimension, with Wilson 95% intervals.
#[utoipa::path(get, path = "/v1/analytics/win-rates", params(WinRateQuery),
    responses((status = 200, body = WinRates), (status = 400, body = super::ErrorBody)))]
pub async fn win_rates(
    State(bank): State<Arc<Storybank>>,
    AppQuery(query): AppQuery<WinRateQuery>,
) -> Result<Json<WinRates>, ApiError> {
    let one = |v: &Option<String>| v.clone().map(OneOrMany::One);
    let outcome = query.outcome.map(|o| {
        let name = match o {
            OutcomeParam::Won => "won",
            OutcomeParam::Lost => "lost",
            OutcomeParam::NoDecision => "no_decision",
        };
        OneOrMany::One(name.to_string())
    });
    let filters = Filters {
        competitor: one(&query.competitor),
        outcome,
        segment: one(&query.segment),
        industry: one(&query.industry),
        region: one(&query.region),
        closed_after: query.closed_after,
        closed_before: query.closed_before,
        ..Filters::default()
    };
    let by = query.by.as_str();
    Ok(Json(blocking(move || bank.win_rates(by, &filters)).await?))
}

/// The formats of a document (evidence, digest).
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DocFormat {
    /// The API's JSON (default).
    #[default]
    Json,
    /// Markdown.
    #[serde(alias = "markdown")]
    Md,
    /// A print-ready HTML page.
    Html,
}

impl From<DocFormat> for Format {
    fn from(format: DocFormat) -> Format {
        match format {
            DocFormat::Json => Format::Json,
            DocFormat::Md => Format::Md,
            DocFormat::Html => Format::Html,
        }
    }
}

/// The formats of a pack export.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PackFormat {
    /// The pack as JSON.
    Json,
    /// Markdown (default).
    #[default]
    #[serde(alias = "markdown")]
    Md,
    /// A print-ready HTML page.
    Html,
    /// One row per story.
    Csv,
}

impl From<PackFormat> for Format {
    fn from(format: PackFormat) -> Format {
        match format {
            PackFormat::Json => Format::Json,
            PackFormat::Md => Format::Md,
            PackFormat::Html => Format::Html,
            PackFormat::Csv => Format::Csv,
        }
    }
}

/// `?format=` of evidence.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DocQuery {
    /// json (default), md or html.
    #[param(inline)]
    pub format: Option<DocFormat>,
}

/// `GET /v1/packs/{id}/export` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// md (default), html, csv or json.
    #[param(inline)]
    pub format: Option<PackFormat>,
    /// Accepted from old links and ignored: a `GET` never records an export.
    #[serde(default)]
    pub preview: bool,
}

/// `POST /v1/packs/{id}/export` body.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// md (default), html, csv or json.
    pub format: Option<PackFormat>,
}

/// Battlecard evidence for a competitor (any alias): win rate overall and by segment, themes of
/// wins and losses with quotes, what buyers praise about it, newest quotes. `?format=md|html`
/// exports it.
#[utoipa::path(get, path = "/v1/competitors/{name}/evidence", params(("name" = String, Path, description = "Competitor name or alias"), DocQuery),
    responses((status = 200, description = "The evidence, as JSON or a document", content((Evidence = "application/json"), (String = "text/markdown"), (String = "text/html"))), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn evidence(
    State(bank): State<Arc<Storybank>>,
    Path(name): Path<String>,
    AppQuery(query): AppQuery<DocQuery>,
) -> Result<Response, ApiError> {
    let format = Format::from(query.format.unwrap_or_default());
    if format == Format::Json {
        return Ok(Json(blocking(move || bank.evidence(&name)).await?).into_response());
    }
    Ok(document(blocking(move || bank.evidence_document(&name, format)).await?))
}

/// An extractive answer: the themes that answer the question with counts over the deals in
/// scope, the best quotes, and an honest sample-size note. Nothing is invented.
#[utoipa::path(post, path = "/v1/ask", request_body = AskRequest,
    responses((status = 200, body = AskResponse), (status = 400, body = super::ErrorBody), (status = 502, body = super::ErrorBody), (status = 429, body = super::ErrorBody, description = "Too many requests, or a summary already running for this caller"), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn ask(
    State(bank): State<Arc<Storybank>>,
    Extension(gate): Extension<Arc<super::auth::Gate>>,
    Extension(who): Extension<crate::access::Identity>,
    AppJson(request): AppJson<AskRequest>,
) -> Result<Json<AskResponse>, ApiError> {
    // A generated summary is slow: one at a time per caller.
    let _slot = if request.summarize { Some(gate.expensive(&who)?) } else { None };
    Ok(Json(blocking(move || bank.ask(&request)).await?))
}

/// `GET /v1/digest` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DigestQuery {
    /// `YYYY-MM`.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// json (default), md or html.
    #[param(inline)]
    pub format: Option<DocFormat>,
}

/// The one-page monthly digest of deals closed that month.
#[utoipa::path(get, path = "/v1/digest", params(DigestQuery),
    responses((status = 200, description = "The digest, as JSON or a document", content((Digest = "application/json"), (String = "text/markdown"), (String = "text/html"))), (status = 400, body = super::ErrorBody)))]
pub async fn digest(
    State(bank): State<Arc<Storybank>>,
    AppQuery(query): AppQuery<DigestQuery>,
) -> Result<Response, ApiError> {
    let format = Format::from(query.format.unwrap_or_default());
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
    Extension(who): Extension<crate::access::Identity>,
    AppJson(new): AppJson<NewPack>,
) -> Result<Response, ApiError> {
    let pack = blocking(move || bank.create_pack(new, &who.name)).await?;
    let ids = super::auth::AuditIds(vec![pack.pack_id.clone()]);
    let mut response = (StatusCode::CREATED, Json(pack)).into_response();
    response.extensions_mut().insert(ids);
    Ok(response)
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
    responses((status = 200, body = Pack), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody, description = "`order` does not list exactly the pack's current story ids"), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn update_pack(
    State(bank): State<Arc<Storybank>>,
    Path(pack_id): Path<String>,
    Extension(who): Extension<crate::access::Identity>,
    AppJson(patch): AppJson<PackPatch>,
) -> Result<Json<Pack>, ApiError> {
    Ok(Json(blocking(move || bank.update_pack(&pack_id, patch, &who.name)).await?))
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
    responses((status = 200, body = Pack), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody, description = "No such pack"), (status = 409, body = super::ErrorBody, description = "The quote or story named in the body does not exist"), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn add_story_to_pack(
    State(bank): State<Arc<Storybank>>,
    Path(pack_id): Path<String>,
    Extension(who): Extension<crate::access::Identity>,
    AppJson(new): AppJson<NewStory>,
) -> Result<Json<Pack>, ApiError> {
    Ok(Json(blocking(move || bank.add_story_to_pack(&pack_id, &new, &who.name)).await?))
}

/// Takes a story out of a pack (the story stays saved).
#[utoipa::path(delete, path = "/v1/packs/{pack_id}/stories/{story_id}",
    params(("pack_id" = String, Path, description = "Pack id"), ("story_id" = String, Path, description = "Story id")),
    responses((status = 200, body = Pack), (status = 404, body = super::ErrorBody)))]
pub async fn remove_story_from_pack(
    State(bank): State<Arc<Storybank>>,
    Path((pack_id, story_id)): Path<(String, String)>,
    Extension(who): Extension<crate::access::Identity>,
) -> Result<Json<Pack>, ApiError> {
    Ok(Json(blocking(move || bank.remove_story_from_pack(&pack_id, &story_id, &who.name)).await?))
}

/// Adds the new results of the pack's saved search.
#[utoipa::path(post, path = "/v1/packs/{pack_id}/refresh", params(("pack_id" = String, Path, description = "Pack id")),
    responses((status = 200, body = Pack), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody, description = "The pack was not built from a search")))]
pub async fn refresh_pack(
    State(bank): State<Arc<Storybank>>,
    Path(pack_id): Path<String>,
    Extension(who): Extension<crate::access::Identity>,
) -> Result<Json<Pack>, ApiError> {
    Ok(Json(blocking(move || bank.refresh_pack(&pack_id, &who.name)).await?))
}

/// Renders a pack as Markdown, print-ready HTML, CSV or JSON. Changes nothing: its stories
/// stay "new" until an export is recorded with `POST`.
#[utoipa::path(get, path = "/v1/packs/{pack_id}/export", params(("pack_id" = String, Path, description = "Pack id"), ExportQuery),
    responses((status = 200, description = "The document", content((Pack = "application/json"), (String = "text/markdown"), (String = "text/html"), (String = "text/csv"))), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn export_pack(
    State(bank): State<Arc<Storybank>>,
    Path(pack_id): Path<String>,
    AppQuery(query): AppQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = Format::from(query.format.unwrap_or_default());
    Ok(document(blocking(move || bank.export_pack(&pack_id, format, true)).await?))
}

/// Exports a pack and records the export: its stories stop being "new" (stories added later
/// show as new). Answers the document, as the `GET` does.
#[utoipa::path(post, path = "/v1/packs/{pack_id}/export", request_body = ExportRequest, params(("pack_id" = String, Path, description = "Pack id")),
    responses((status = 200, description = "The document", content((Pack = "application/json"), (String = "text/markdown"), (String = "text/html"), (String = "text/csv"))), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn record_export(
    State(bank): State<Arc<Storybank>>,
    Path(pack_id): Path<String>,
    AppJson(request): AppJson<ExportRequest>,
) -> Result<Response, ApiError> {
    let format = Format::from(request.format.unwrap_or_default());
    Ok(document(blocking(move || bank.export_pack(&pack_id, format, false)).await?))
}

/// `POST /v1/stories` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStory {
    /// The quote to save.
    pub quote_id: String,
    /// Title (default: the quote's first sentence).
    #[schema(max_length = 300)]
    pub title: Option<String>,
    /// Notes.
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// Tags (at most 50, each at most 100 characters).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub tags: Vec<String>,
}

/// Every saved story.
#[utoipa::path(get, path = "/v1/stories", responses((status = 200, body = StoryList)))]
pub async fn list_stories(State(bank): State<Arc<Storybank>>) -> Result<Json<StoryList>, ApiError> {
    Ok(Json(StoryList { stories: blocking(move || bank.list_stories()).await? }))
}

/// Saves a quote as a story (title defaults to its first sentence).
#[utoipa::path(post, path = "/v1/stories", request_body = CreateStory,
    responses((status = 201, body = Story), (status = 400, body = super::ErrorBody), (status = 409, body = super::ErrorBody, description = "The quote does not exist"), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn create_story(
    State(bank): State<Arc<Storybank>>,
    Extension(who): Extension<crate::access::Identity>,
    AppJson(new): AppJson<CreateStory>,
) -> Result<Response, ApiError> {
    let new = NewStory {
        quote_id: Some(new.quote_id),
        story_id: None,
        title: new.title,
        notes: new.notes,
        tags: new.tags,
    };
    let story = blocking(move || bank.create_story(&new, &who.name)).await?;
    let ids = super::auth::AuditIds(vec![story.story_id.clone(), story.quote_id.clone()]);
    let mut response = (StatusCode::CREATED, Json(story)).into_response();
    response.extensions_mut().insert(ids);
    Ok(response)
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
    responses((status = 200, body = Story), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 415, body = super::ErrorBody, description = "Content-Type is not application/json")))]
pub async fn update_story(
    State(bank): State<Arc<Storybank>>,
    Path(story_id): Path<String>,
    Extension(who): Extension<crate::access::Identity>,
    AppJson(patch): AppJson<StoryPatch>,
) -> Result<Json<Story>, ApiError> {
    Ok(Json(blocking(move || bank.update_story(&story_id, patch, &who.name)).await?))
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

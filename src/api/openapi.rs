//! The OpenAPI document of this server: what utoipa derives from the handlers and types, plus
//! what derive attributes cannot say. Every request the document calls valid is one the server
//! accepts (schemathesis checks it in `scripts/test`), so the few rules that span two fields
//! (give a quote or a story, a description or a deal) and this index's own theme ids are
//! written into the document here.

use serde_json::{Value, json};
use utoipa::OpenApi;

use super::ErrorBody;
use super::bank as b;

/// Longest tag accepted on a story, in characters.
const MAX_TAG_CHARS: usize = 100;

/// The derived part of the document.
#[derive(OpenApi)]
#[openapi(
    info(title = "storybank", description = "Anonymized, searchable win/loss buyer quotes."),
    paths(
        crate::api::search,
        crate::api::similar,
        crate::api::get_deal,
        crate::api::list_deals,
        crate::api::facets,
        crate::api::healthz,
        b::themes,
        b::correct_themes,
        b::win_rates,
        b::evidence,
        b::ask,
        b::digest,
        b::list_packs,
        b::create_pack,
        b::get_pack,
        b::update_pack,
        b::delete_pack,
        b::add_story_to_pack,
        b::remove_story_from_pack,
        b::refresh_pack,
        b::export_pack,
        b::record_export,
        b::list_stories,
        b::create_story,
        b::get_story,
        b::update_story,
        b::delete_story,
        crate::api::admin::me,
        crate::api::admin::ingest,
        crate::api::admin::forget,
        crate::api::admin::intake,
        crate::api::admin::raw_transcript,
        crate::api::admin::audit,
        crate::api::admin::list_keys,
        crate::api::admin::create_key,
        crate::api::admin::revoke_key,
        crate::api::program::list_insights,
        crate::api::program::create_insight,
        crate::api::program::get_insight,
        crate::api::program::acknowledge_insight,
        crate::api::program::action_insight,
        crate::api::program::dismiss_insight,
        crate::api::program::insight_metrics,
        crate::api::program::propose_insights,
        crate::api::alerts::list_alerts,
        crate::api::alerts::check_alerts,
        crate::api::alerts::put_rule,
        crate::api::alerts::delete_rule,
        crate::api::program::briefing,
        crate::api::program::dashboard,
        crate::api::mcp::post
    ),
    components(schemas(ErrorBody))
)]
pub struct ApiDoc;

/// The whole document for an index whose taxonomy has `theme_ids`.
pub fn document(theme_ids: &[String]) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document is JSON");
    refine(&mut doc, theme_ids);
    doc
}

/// The schema of a component, which must exist.
fn component<'a>(doc: &'a mut Value, name: &str) -> &'a mut Value {
    doc.pointer_mut(&format!("/components/schemas/{name}"))
        .unwrap_or_else(|| panic!("the OpenAPI document has no schema {name}"))
}

/// A property of a component's schema, which must exist.
fn property<'a>(doc: &'a mut Value, schema: &str, name: &str) -> &'a mut Value {
    component(doc, schema)
        .pointer_mut(&format!("/properties/{name}"))
        .unwrap_or_else(|| panic!("schema {schema} has no property {name}"))
}

/// "Exactly one of `a` and `b` (each a string as its schema says); the other absent or null."
fn exactly_one_of(a: &str, b: &str, a_schema: Value, b_schema: Value) -> Value {
    json!([
        {"required": [a], "properties": {a: a_schema, b: {"type": "null"}}},
        {"required": [b], "properties": {b: b_schema, a: {"type": "null"}}},
    ])
}

/// Every protected operation: the role it needs, its bearer-key security, and the 401, 403 and
/// 429 answers the access layer gives.
fn access(doc: &mut Value) {
    let error = json!({"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}});
    let answers = [
        ("401", "No valid key (missing, malformed, unknown or revoked)"),
        ("403", "The key's role does not allow this"),
        ("429", "Too many requests from this caller; see Retry-After"),
    ];
    doc["components"]["securitySchemes"] = json!({"apiKey": {"type": "http", "scheme": "bearer", "description": "An API key from `storybank keys create` or `POST /v1/admin/keys`."}});
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, operations) in paths.iter_mut() {
        let Some(operations) = operations.as_object_mut() else { continue };
        for (method, operation) in operations.iter_mut() {
            let rule = super::auth::policy(&method.to_ascii_uppercase(), path);
            let role = match rule.map(|rule| rule.need) {
                Some(super::auth::Need::Role(role)) => role.as_str(),
                Some(super::auth::Need::Intake) => "intake` or `admin",
                _ => continue,
            };
            operation["security"] = json!([{"apiKey": []}]);
            let text = operation["description"].as_str().unwrap_or_default().to_string();
            operation["description"] =
                json!(format!("{text}\n\nNeeds the `{role}` role.").trim().to_string());
            let responses = &mut operation["responses"];
            for (status, description) in answers {
                if responses.get(status).is_none() {
                    let mut answer = error.clone();
                    answer["description"] = json!(description);
                    responses[status] = answer;
                }
            }
        }
    }
}

fn refine(doc: &mut Value, theme_ids: &[String]) {
    access(doc);
    // Cross-field rules.
    let string = json!({"type": "string"});
    component(doc, "SimilarRequest")["oneOf"] = exactly_one_of(
        "query",
        "deal_id",
        json!({"type": "string", "pattern": crate::model::NOT_BLANK}),
        string.clone(),
    );
    component(doc, "NewStory")["oneOf"] =
        exactly_one_of("quote_id", "story_id", string.clone(), string.clone());
    // A person is erased by first and last name.
    component(doc, "ForgetRequest")["oneOf"] = exactly_one_of(
        "deal_id",
        "person",
        string,
        json!({"type": "string", "pattern": r"[^\s\x85][\s\x85]+[^\s\x85]"}),
    );
    // An alert rule needs what its kind reads (`Rule::check`); `PUT` takes its id from the
    // path, so the body has none.
    let rate = json!({"type": "number", "minimum": 0, "maximum": 1});
    let points = json!({"type": "number", "exclusiveMinimum": 0, "maximum": 100});
    let mut body = component(doc, "Rule").clone();
    if let Some(properties) = body["properties"].as_object_mut() {
        properties.remove("id");
    }
    if let Some(required) = body["required"].as_array_mut() {
        required.retain(|name| name != "id");
    }
    body["additionalProperties"] = json!(false);
    body["oneOf"] = json!([
        {"properties": {"when": {"enum": ["win_rate_below", "no_decision_above"]}, "threshold": rate}, "required": ["when", "threshold"]},
        {"properties": {"when": {"enum": ["win_rate_drop"]}, "points": points}, "required": ["when", "points"]},
        {"properties": {"when": {"enum": ["reason_rising"]}, "points": points, "reason": {"type": "string"}, "theme": {"type": "null"}}, "required": ["when", "points", "reason"]},
        {"properties": {"when": {"enum": ["reason_rising"]}, "points": points, "theme": {"type": "string"}, "reason": {"type": "null"}}, "required": ["when", "points", "theme"]},
    ]);
    doc["components"]["schemas"]["RuleBody"] = body;
    if let Some(request) = doc.pointer_mut(
        "/paths/~1v1~1alerts~1rules~1{rule_id}/put/requestBody/content/application~1json/schema",
    ) {
        *request = json!({"$ref": "#/components/schemas/RuleBody"});
    }
    if let Some(id) =
        doc.pointer_mut("/paths/~1v1~1alerts~1rules~1{rule_id}/put/parameters/0/schema")
    {
        id["pattern"] = json!("^[A-Za-z0-9._-]{1,64}$");
    }
    // One JSON-RPC 2.0 message (`mcp::check_shape`).
    if let Some(request) =
        doc.pointer_mut("/paths/~1mcp/post/requestBody/content/application~1json/schema")
    {
        let id = json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
        *request = json!({
            "type": "object",
            "required": ["jsonrpc"],
            "properties": {"jsonrpc": {"type": "string", "enum": ["2.0"]}, "id": id},
            "oneOf": [
                {"required": ["method"], "properties": {"method": {"type": "string"}, "params": {"type": "object"}},
                 "not": {"anyOf": [{"required": ["result"]}, {"required": ["error"]}]}},
                {"required": ["id", "result"], "not": {"anyOf": [{"required": ["method"]}, {"required": ["error"]}]}},
                {"required": ["id", "error"], "properties": {"error": {"type": "object"}},
                 "not": {"anyOf": [{"required": ["method"]}, {"required": ["result"]}]}},
            ],
        });
    }
    // Closed vocabularies.
    let outcomes = json!(["won", "lost", "no_decision"]);
    let outcome = property(doc, "Filters", "outcome");
    let description = outcome.pointer("/oneOf/1/description").cloned();
    *outcome = json!({
        "oneOf": [
            {"type": "null"},
            {"type": "string", "enum": outcomes},
            {"type": "array", "items": {"type": "string", "enum": outcomes}},
        ],
    });
    if let Some(description) = description {
        outcome["description"] = description;
    }
    property(doc, "TagCorrection", "polarity")["enum"] =
        json!(["praise", "criticism", "neutral", null]);
    property(doc, "TagCorrection", "themes")["items"] =
        json!({"type": "string", "enum": theme_ids});
    for schema in ["NewStory", "StoryPatch", "CreateStory"] {
        property(doc, schema, "tags")["items"]["maxLength"] = json!(MAX_TAG_CHARS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refinement_finds_its_place() {
        // `refine` panics when a schema or property it changes no longer exists.
        let doc = document(&["pricing".to_string(), "security".to_string()]);
        assert_eq!(
            doc["components"]["schemas"]["SimilarRequest"]["oneOf"][1]["required"][0],
            "deal_id"
        );
        assert_eq!(
            doc["components"]["schemas"]["TagCorrection"]["properties"]["themes"]["items"]["enum"]
                [1],
            "security"
        );
        assert_eq!(
            doc["components"]["schemas"]["StoryPatch"]["properties"]["tags"]["items"]["maxLength"],
            MAX_TAG_CHARS
        );
        assert!(doc["paths"]["/v1/packs/{pack_id}/export"]["post"].is_object());
        assert!(doc["paths"]["/v1/packs/{pack_id}/export"]["get"].is_object());
    }
}

//! The story bank on the sample: themes (filter, agreement floor, corrections that survive a
//! reindex), ask (counts that match the data, real quote ids only), competitor evidence, win
//! rates and the digest against deals.csv, packs through CRUD and every export, and forgetting a
//! deal updating the packs.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Value, json};
use storybank::Storybank;

use crate::common::{call, pii_leaks, pii_strings, results, sample_dir, settings, shared};

/// deals.csv rows as maps (the sample has no quoted commas).
fn csv_rows() -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(sample_dir().join("deals.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            header.iter().map(|h| h.to_string()).zip(line.split(',').map(String::from)).collect()
        })
        .collect()
}

fn has_competitor(row: &BTreeMap<String, String>, name: &str) -> bool {
    row["competitors"].split(';').any(|c| c.trim() == name)
}

async fn get(bank: &Arc<Storybank>, uri: &str) -> Value {
    let (status, body) = call(bank, "GET", uri, None).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    body
}

/// Raw body of a GET (exports).
async fn get_text(bank: &Arc<Storybank>, uri: &str) -> (String, String) {
    text_of(bank, "GET", uri, None).await
}

/// Content type and raw body of a request that answers a document.
async fn text_of(
    bank: &Arc<Storybank>,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (String, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut request = axum::http::Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map_or_else(axum::body::Body::empty, |b| axum::body::Body::from(b.to_string()));
    let request = request.body(body).unwrap();
    let response = storybank::api::router(bank.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let kind = response.headers()["content-type"].to_str().unwrap().to_string();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (kind, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn themes_filter_search_and_are_listed() {
    let bank = &shared().bank;
    let themes = get(bank, "/v1/themes").await;
    let security = themes["themes"].as_array().unwrap().iter().find(|t| t["id"] == "security");
    assert!(security.unwrap()["quotes"].as_u64().unwrap() > 0, "{themes}");
    let query = json!({"query": "what slowed the evaluation down?", "limit": 20});
    let (_, all) = call(bank, "POST", "/v1/search", Some(query)).await;
    assert!(
        results(&all).iter().any(|q| !q["themes"].as_array().unwrap().contains(&json!("security"))),
        "the unfiltered search should mix themes"
    );
    let filtered = json!({"query": "what slowed the evaluation down?", "limit": 20,
                          "filters": {"theme": "security"}});
    let (status, body) = call(bank, "POST", "/v1/search", Some(filtered)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!results(&body).is_empty());
    for quote in results(&body) {
        assert!(quote["themes"].as_array().unwrap().contains(&json!("security")), "{quote}");
    }
    let facets = get(bank, "/v1/facets").await;
    assert!(facets["theme"].as_array().unwrap().iter().any(|t| t["value"] == "security"));
}

/// The tagger's agreement with the labelled sample (tests/fixtures/sample/themes.jsonl) stays
/// above the recorded floor (measured: micro-F1 0.56, polarity accuracy 0.48).
#[test]
fn theme_agreement_floor_on_the_sample() {
    let bank = &shared().bank;
    let labels = sample_dir().join("themes.jsonl");
    let report = storybank::eval::themes::agreement(bank, &labels, Default::default()).unwrap();
    assert_eq!(report.quotes, 105);
    assert!(report.micro.f1 >= 0.52, "theme micro-F1 {:.3} below the floor", report.micro.f1);
    assert!(report.polarity_accuracy >= 0.44, "polarity accuracy {:.3}", report.polarity_accuracy);
    assert!(report.per_theme["security"].f1 >= 0.7, "{:?}", report.per_theme["security"]);
}

#[tokio::test]
async fn ask_counts_match_the_data_and_cite_real_quotes() {
    let bank = &shared().bank;
    let (status, body) =
        call(bank, "POST", "/v1/ask", Some(json!({"question": "Why do we lose to Tallyfold?"})))
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Scope read from the question: lost deals against Tallyfold.
    let expected: HashSet<String> = csv_rows()
        .iter()
        .filter(|row| row["outcome"] == "lost" && has_competitor(row, "Tallyfold"))
        .map(|row| row["deal_id"].clone())
        .collect();
    assert_eq!(body["deals_in_scope"].as_u64().unwrap() as usize, expected.len());
    assert_eq!(body["inferred_scope"], json!(["lost deals", "against Tallyfold"]));
    assert!(body["sample_note"].as_str().unwrap().contains("too few to generalise"));
    // Recount every theme from the deals themselves.
    let mut themes_by_deal: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for deal in &expected {
        let view = get(bank, &format!("/v1/deals/{deal}")).await;
        themes_by_deal.insert(deal.clone(), view["quotes"].as_array().unwrap().clone());
    }
    let themes = body["themes"].as_array().unwrap();
    assert!(!themes.is_empty());
    for theme in themes {
        let id = theme["theme"].as_str().unwrap();
        let tagged = |q: &Value| q["themes"].as_array().unwrap().iter().any(|t| t == id);
        let deals = themes_by_deal.values().filter(|quotes| quotes.iter().any(tagged)).count();
        let quotes: usize =
            themes_by_deal.values().map(|quotes| quotes.iter().filter(|q| tagged(q)).count()).sum();
        assert_eq!(theme["deals"].as_u64().unwrap() as usize, deals, "{id}");
        assert_eq!(theme["quotes"].as_u64().unwrap() as usize, quotes, "{id}");
    }
    // Every sentence is a count, a note or a quote that exists, word for word, in scope.
    for line in body["answer"].as_array().unwrap() {
        match line["kind"].as_str().unwrap() {
            "quote" => {
                let id = line["quote_id"].as_str().unwrap();
                let deal = id.rsplit_once("-q").unwrap().0;
                assert!(expected.contains(deal), "{id} outside the scope");
                let stored = themes_by_deal[deal].iter().find(|q| q["quote_id"] == id).unwrap();
                assert!(line["text"].as_str().unwrap().contains(stored["text"].as_str().unwrap()));
            }
            "count" | "note" => assert!(line["quote_id"].is_null()),
            other => panic!("unexpected answer line kind {other}"),
        }
    }
    let (status, body) = call(bank, "POST", "/v1/ask", Some(json!({"question": "  "}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) =
        call(bank, "POST", "/v1/ask", Some(json!({"question": "pricing?", "summarize": true})))
            .await;
    // No generator configured: the extractive answer, a note that says so, no summary.
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["summary"].is_null(), "{body}");
    assert!(body["answer"][0]["text"].as_str().unwrap().contains("no generator"), "{body}");
}

#[tokio::test]
async fn evidence_and_win_rates_match_deals_csv() {
    let bank = &shared().bank;
    let rows = csv_rows();
    for name in ["Tallyfold", "Brackwater", "Veritill"] {
        let evidence = get(bank, &format!("/v1/competitors/{name}/evidence")).await;
        let expected: HashSet<String> = rows
            .iter()
            .filter(|row| has_competitor(row, name))
            .map(|row| row["deal_id"].clone())
            .collect();
        let got: HashSet<String> = evidence["deals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["deal_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, expected, "{name}");
        let count = |outcome: &str| {
            rows.iter().filter(|r| has_competitor(r, name) && r["outcome"] == outcome).count()
        };
        assert_eq!(evidence["win_rate"]["won"].as_u64().unwrap() as usize, count("won"));
        assert_eq!(evidence["win_rate"]["lost"].as_u64().unwrap() as usize, count("lost"));
        for quote in evidence["newest_quotes"].as_array().unwrap() {
            assert!(expected.contains(quote["deal_id"].as_str().unwrap()));
        }
    }
    // Aliases resolve; unknown names are a 404 with the contract's shape.
    let by_alias = get(bank, "/v1/competitors/brack/evidence").await;
    assert_eq!(by_alias["competitor"], "Brackwater");
    let (status, body) = call(bank, "GET", "/v1/competitors/Nobody/evidence", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "competitor_not_found");
    let (kind, markdown) = get_text(bank, "/v1/competitors/Tallyfold/evidence?format=md").await;
    assert!(kind.starts_with("text/markdown"));
    assert!(markdown.starts_with("# Battlecard evidence: Tallyfold"));
    let (kind, html) = get_text(bank, "/v1/competitors/Tallyfold/evidence?format=html").await;
    assert!(
        kind.starts_with("text/html") && html.contains("<h1>Battlecard evidence: Tallyfold</h1>")
    );
    let pii = pii_strings(&sample_dir());
    assert!(pii_leaks(&markdown, &pii).is_empty() && pii_leaks(&html, &pii).is_empty());

    // Win rates by every dimension add up to deals.csv.
    for (by, column) in
        [("segment", "segment"), ("industry", "industry"), ("lead_source", "lead_source")]
    {
        let rates = get(bank, &format!("/v1/analytics/win-rates?by={by}")).await;
        assert_eq!(rates["overall"]["deals"].as_u64().unwrap() as usize, rows.len());
        for group in rates["groups"].as_array().unwrap() {
            let value = group["value"].as_str().unwrap();
            let value = if value == "(none)" { "" } else { value };
            let of = |outcome: &str| {
                rows.iter().filter(|r| r[column] == value && r["outcome"] == outcome).count()
            };
            assert_eq!(group["won"].as_u64().unwrap() as usize, of("won"), "{by}={value}");
            assert_eq!(group["lost"].as_u64().unwrap() as usize, of("lost"), "{by}={value}");
            assert_eq!(group["no_decision"].as_u64().unwrap() as usize, of("no_decision"));
            let interval = &group["interval"];
            if !interval.is_null() {
                let rate = group["win_rate"].as_f64().unwrap();
                assert!(interval["low"].as_f64().unwrap() <= rate);
                assert!(interval["high"].as_f64().unwrap() >= rate);
            }
        }
    }
    let rates = get(bank, "/v1/analytics/win-rates?by=competitor").await;
    for group in rates["groups"].as_array().unwrap() {
        let name = group["value"].as_str().unwrap();
        let deals = if name == "(none)" {
            rows.iter().filter(|r| r["competitors"].trim().is_empty()).count()
        } else {
            rows.iter().filter(|r| has_competitor(r, name)).count()
        };
        assert_eq!(group["deals"].as_u64().unwrap() as usize, deals, "{name}");
    }
    let (status, body) = call(bank, "GET", "/v1/analytics/win-rates?by=color", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = call(bank, "GET", "/v1/analytics/win-rates", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_request");

    // The digest counts the month's deals.
    let month = &rows[0]["close_date"][..7];
    let digest = get(bank, &format!("/v1/digest?month={month}")).await;
    let in_month = rows.iter().filter(|r| r["close_date"].starts_with(month)).count();
    assert_eq!(digest["deals"]["deals"].as_u64().unwrap() as usize, in_month);
    let (_, page) = get_text(bank, &format!("/v1/digest?month={month}&format=html")).await;
    assert!(page.contains(&format!("Win/loss digest: {month}")));
    let (status, _) = call(bank, "GET", "/v1/digest?month=2025-13", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn packs_round_trip_through_crud_and_every_export() {
    let index = tempfile::tempdir().unwrap();
    let bank = Arc::new(Storybank::open(&settings(index.path())).unwrap());
    bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    let (status, pack) = call(
        &bank,
        "POST",
        "/v1/packs",
        Some(json!({"name": "Onboarding objections vs Tallyfold", "description": "Q3 coaching"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{pack}");
    let pack_id = pack["pack_id"].as_str().unwrap().to_string();
    let (_, found) = call(
        &bank,
        "POST",
        "/v1/search",
        Some(json!({"query": "onboarding and implementation", "limit": 3})),
    )
    .await;
    let quotes = results(&found).clone();
    for (i, quote) in quotes.iter().enumerate() {
        let body =
            json!({"quote_id": quote["quote_id"], "notes": format!("note {i}"), "tags": ["q3"]});
        let (status, pack) =
            call(&bank, "POST", &format!("/v1/packs/{pack_id}/stories"), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{pack}");
    }
    let pack = get(&bank, &format!("/v1/packs/{pack_id}")).await;
    let stories = pack["stories"].as_array().unwrap().clone();
    assert_eq!(stories.len(), 3);
    assert_eq!(pack["new_since_export"], 3);
    assert_eq!(stories[0]["quote"]["text"], quotes[0]["text"], "stories serve the stored quote");
    // Reorder, edit, and reject a bad order.
    let ids: Vec<String> = stories.iter().map(|s| s["story_id"].as_str().unwrap().into()).collect();
    let order = json!({"order": [ids[2], ids[0], ids[1]]});
    let (status, pack) = call(&bank, "PATCH", &format!("/v1/packs/{pack_id}"), Some(order)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pack["stories"][0]["story_id"], json!(ids[2]));
    let bad = json!({"order": [ids[0]]});
    let (status, body) = call(&bank, "PATCH", &format!("/v1/packs/{pack_id}"), Some(bad)).await;
    assert_eq!(status, StatusCode::CONFLICT, "an order that is not the pack's stories: {body}");
    assert_eq!(body["error"]["code"], "conflict");
    let (status, body) = call(&bank, "POST", &format!("/v1/packs/{pack_id}/refresh"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "not built from a search: {body}");
    // A quote or story named in a body that does not exist is a conflict, not a missing pack.
    let uri = format!("/v1/packs/{pack_id}/stories");
    for body in [json!({"quote_id": "S-0000-q999"}), json!({"story_id": "st-999999"})] {
        let (status, answer) = call(&bank, "POST", &uri, Some(body.clone())).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}: {answer}");
    }
    let (status, _) =
        call(&bank, "POST", "/v1/stories", Some(json!({"quote_id": "S-0000-q999"}))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let edit = json!({"title": "Lived in our Slack", "notes": "Use in week-2 coaching"});
    let (status, story) =
        call(&bank, "PATCH", &format!("/v1/stories/{}", ids[0]), Some(edit)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(story["title"], "Lived in our Slack");

    // Exports: Markdown, print-ready HTML and CSV carry every quote; a GET records nothing, a
    // POST records the export and clears "new".
    let (kind, md) = get_text(&bank, &format!("/v1/packs/{pack_id}/export?format=md")).await;
    assert!(kind.starts_with("text/markdown"));
    assert!(md.starts_with("# Onboarding objections vs Tallyfold"));
    assert!(md.contains("Lived in our Slack") && md.contains("Use in week-2 coaching"));
    let (kind, html) = get_text(&bank, &format!("/v1/packs/{pack_id}/export?format=html")).await;
    assert!(kind.starts_with("text/html") && html.contains("@media print"));
    let (kind, csv) = get_text(&bank, &format!("/v1/packs/{pack_id}/export?format=csv")).await;
    assert!(kind.starts_with("text/csv"));
    assert_eq!(csv.lines().count(), 1 + 3, "{csv}");
    for quote in &quotes {
        let text = quote["text"].as_str().unwrap();
        assert!(md.contains(text), "markdown misses a quote");
        assert!(html.contains(&storybank::insights::render::escape(text)), "html misses a quote");
        let words: String = text.chars().take(40).collect();
        assert!(csv.contains(&words.replace('"', "\"\"")), "csv misses a quote");
    }
    let pack = get(&bank, &format!("/v1/packs/{pack_id}")).await;
    assert_eq!(pack["new_since_export"], 3, "a GET changed the pack");
    assert!(pack["last_exported_at"].is_null());
    let uri = format!("/v1/packs/{pack_id}/export");
    let (kind, recorded) = text_of(&bank, "POST", &uri, Some(json!({"format": "md"}))).await;
    assert!(kind.starts_with("text/markdown"));
    assert!(quotes.iter().all(|q| recorded.contains(q["text"].as_str().unwrap())));
    let pack = get(&bank, &format!("/v1/packs/{pack_id}")).await;
    assert_eq!(pack["new_since_export"], 0);
    assert!(pack["last_exported_at"].is_string());
    // A story added after the export shows as new.
    let (_, more) =
        call(&bank, "POST", "/v1/search", Some(json!({"query": "pricing", "limit": 1}))).await;
    let body = json!({"quote_id": results(&more)[0]["quote_id"]});
    call(&bank, "POST", &format!("/v1/packs/{pack_id}/stories"), Some(body)).await;
    let pack = get(&bank, &format!("/v1/packs/{pack_id}")).await;
    assert_eq!(pack["new_since_export"], 1);

    // A pack built from a saved search.
    let from_search = json!({"name": "Security stalls", "from_search":
        {"query": "security questionnaire", "filters": {"theme": "security"}, "limit": 4}});
    let (status, built) = call(&bank, "POST", "/v1/packs", Some(from_search)).await;
    assert_eq!(status, StatusCode::CREATED, "{built}");
    assert_eq!(built["stories"].as_array().unwrap().len(), 4);
    assert!(built["saved_search"]["query"] == "security questionnaire");

    // Forgetting a deal takes its stories out of every pack, and the pack says so.
    let victim = stories[0]["deal_id"].as_str().unwrap().to_string();
    let report = bank.forget_deal(&victim).unwrap();
    assert!(!report.stories.is_empty());
    let pack = get(&bank, &format!("/v1/packs/{pack_id}")).await;
    assert!(pack["stories"].as_array().unwrap().iter().all(|s| s["deal_id"] != json!(victim)));
    let notices = pack["notices"].as_array().unwrap();
    assert!(notices.iter().any(|n| n.as_str().unwrap().contains(&victim)), "{notices:?}");
    let (_, md) = get_text(&bank, &format!("/v1/packs/{pack_id}/export?format=md")).await;
    assert!(md.contains(&victim), "the export carries the notice");

    // Delete a story, then the pack.
    let (status, _) = call(&bank, "DELETE", &format!("/v1/stories/{}", ids[1]), None).await;
    assert!(status == StatusCode::NO_CONTENT || status == StatusCode::NOT_FOUND);
    let (status, _) = call(&bank, "DELETE", &format!("/v1/packs/{pack_id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = call(&bank, "GET", &format!("/v1/packs/{pack_id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "pack_not_found");
    let (status, body) =
        call(&bank, "POST", "/v1/stories", Some(json!({"quote_id": "S-9999-q001"}))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "conflict");
}

#[tokio::test]
async fn theme_corrections_survive_reindex_and_reingest() {
    let index = tempfile::tempdir().unwrap();
    let bank = Arc::new(Storybank::open(&settings(index.path())).unwrap());
    bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    let quote_id = bank.deal("S-2003").unwrap().quotes[1].quote_id.clone();
    let body = json!({"themes": ["support", "roi"], "polarity": "praise"});
    let (status, quote) =
        call(&bank, "POST", &format!("/v1/quotes/{quote_id}/themes"), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    assert_eq!(quote["themes"], json!(["support", "roi"]));
    let (status, body) = call(
        &bank,
        "POST",
        &format!("/v1/quotes/{quote_id}/themes"),
        Some(json!({"themes": ["vibes"]})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    bank.reindex(&|_, _| {}).unwrap();
    let check = |bank: &Storybank| {
        let quote =
            bank.deal("S-2003").unwrap().quotes.into_iter().find(|q| q.quote_id == quote_id);
        let quote = quote.unwrap();
        assert_eq!(quote.themes, vec!["support", "roi"]);
        assert_eq!(quote.polarity.as_deref(), Some("praise"));
    };
    check(&bank);
    bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    check(&bank);
    let reopened = Storybank::open_existing(&settings(index.path())).unwrap();
    check(&reopened);
}

/// Users' corrections teach the learned theme classifiers: when users take a theme off every
/// quote of half the deals that had it, the next reindex tags it on fewer quotes of the other
/// half (which nobody corrected), and the corrected quotes keep their corrections.
#[tokio::test]
async fn theme_corrections_teach_the_classifiers() {
    let index = tempfile::tempdir().unwrap();
    let bank = Arc::new(Storybank::open(&settings(index.path())).unwrap());
    bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    let deal_ids = crate::common::deal_ids(&sample_dir());
    let (corrected, untouched) = deal_ids.split_at(deal_ids.len() / 2);
    let count = |bank: &Storybank, deals: &[String], theme: &str| -> usize {
        deals
            .iter()
            .flat_map(|d| bank.deal(d).unwrap().quotes)
            .filter(|q| q.themes.iter().any(|t| t == theme))
            .count()
    };
    let theme = "pricing";
    let before = count(&bank, untouched, theme);
    assert!(before > 0 && count(&bank, corrected, theme) > 2);
    let mut fixed = vec![];
    for deal_id in corrected {
        for quote in bank.deal(deal_id).unwrap().quotes {
            if quote.themes.iter().any(|t| t == theme) {
                let rest: Vec<&String> = quote.themes.iter().filter(|t| *t != theme).collect();
                let uri = format!("/v1/quotes/{}/themes", quote.quote_id);
                let (status, body) = call(&bank, "POST", &uri, Some(json!({"themes": rest}))).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                fixed.push(quote.quote_id.clone());
            }
        }
    }
    bank.reindex(&|_, _| {}).unwrap();
    let after = count(&bank, untouched, theme);
    assert!(after < before, "{theme} on uncorrected deals: {before} -> {after}");
    assert_eq!(count(&bank, corrected, theme), 0, "corrections win");
    // A fresh process learns the same from the stored corrections.
    let reopened = Storybank::open_existing(&settings(index.path())).unwrap();
    reopened.reindex(&|_, _| {}).unwrap();
    assert_eq!(count(&reopened, untouched, theme), after);
}

/// A digest never advises the opposite of its evidence: with every quote of a month pointing
/// the seller's way (praise), nothing backs "make X better" and there is no recommendation;
/// one quote turned into criticism backs exactly the recommendations it is cited by.
#[tokio::test]
async fn digest_recommendations_follow_the_direction_of_their_evidence() {
    let index = tempfile::tempdir().unwrap();
    let bank = Arc::new(Storybank::open(&settings(index.path())).unwrap());
    bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    // The month with the most lost deals.
    let rows = csv_rows();
    let mut months: BTreeMap<String, usize> = BTreeMap::new();
    for row in &rows {
        if row["outcome"] == "lost" {
            *months.entry(row["close_date"][..7].to_string()).or_default() += 1;
        }
    }
    let month = months.iter().max_by_key(|(_, n)| **n).unwrap().0.clone();
    let deals: Vec<String> = rows
        .iter()
        .filter(|r| r["close_date"].starts_with(&month))
        .map(|r| r["deal_id"].clone())
        .collect();
    let lost: Vec<&String> = rows
        .iter()
        .filter(|r| r["close_date"].starts_with(&month) && r["outcome"] == "lost")
        .map(|r| &r["deal_id"])
        .collect();
    let mut tagged_in_loss = None;
    for deal_id in &deals {
        for quote in bank.deal(deal_id).unwrap().quotes {
            if tagged_in_loss.is_none() && lost.contains(&deal_id) && !quote.themes.is_empty() {
                tagged_in_loss = Some(quote.clone());
            }
            let uri = format!("/v1/quotes/{}/themes", quote.quote_id);
            let (status, body) =
                call(&bank, "POST", &uri, Some(json!({"polarity": "praise"}))).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    }
    let digest = get(&bank, &format!("/v1/digest?month={month}")).await;
    assert_eq!(
        digest["recommendations"],
        json!([]),
        "every quote praises the seller: nothing backs advice to change"
    );
    let (_, markdown) = get_text(&bank, &format!("/v1/digest?month={month}&format=md")).await;
    assert!(markdown.contains("No quote this month criticises us"), "{markdown}");

    let critical = tagged_in_loss.expect("a tagged quote in a lost deal");
    let uri = format!("/v1/quotes/{}/themes", critical.quote_id);
    let (status, body) = call(&bank, "POST", &uri, Some(json!({"polarity": "criticism"}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.get("stance")
            .is_none_or(|s| s.is_null() || s == "us_negative" || s == "competitor_positive"),
        "{body}"
    );
    let digest = get(&bank, &format!("/v1/digest?month={month}")).await;
    let recommendations = digest["recommendations"].as_array().unwrap();
    assert!(!recommendations.is_empty(), "the criticism backs a recommendation: {digest}");
    for recommendation in recommendations {
        assert_eq!(recommendation["quote_ids"], json!([critical.quote_id]), "{recommendation}");
        assert_eq!(recommendation["evidence"]["quote_id"], json!(critical.quote_id));
        let theme = recommendation["theme"].as_str().unwrap();
        assert!(
            critical.themes.iter().any(|t| t == theme),
            "{theme} not among {:?}",
            critical.themes
        );
    }
    let (_, markdown) = get_text(&bank, &format!("/v1/digest?month={month}&format=md")).await;
    assert!(markdown.contains(&format!("Drawn from: {}", critical.quote_id)), "{markdown}");
}

/// Every quote's polarity follows its stance: a confident stance implies the polarity, no
/// stance means neutral; the labelled set joins the index and scores on its test half.
#[tokio::test]
async fn stances_are_consistent_and_the_labelled_set_scores() {
    let index = tempfile::tempdir().unwrap();
    let bank = Arc::new(Storybank::open(&settings(index.path())).unwrap());
    bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    let mut with_stance = 0;
    let mut quotes = 0;
    for deal_id in crate::common::deal_ids(&sample_dir()) {
        for quote in bank.deal(&deal_id).unwrap().quotes {
            quotes += 1;
            match quote.stance.as_deref() {
                Some(stance) => {
                    with_stance += 1;
                    assert!(storybank::stance::LABELS[..4].contains(&stance), "{stance}");
                    assert_eq!(
                        quote.polarity.as_deref(),
                        Some(storybank::stance::polarity_of(stance))
                    );
                }
                None => {
                    assert_eq!(quote.polarity.as_deref(), Some("neutral"), "{}", quote.quote_id)
                }
            }
        }
    }
    assert!(with_stance > 0 && with_stance < quotes, "{with_stance} of {quotes} with a stance");
    let labels_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/labels/sample.jsonl");
    let labels = storybank::eval::labels::read_labels(&labels_path).unwrap();
    assert_eq!(labels.len(), quotes, "every sample quote is labelled");
    let joined = storybank::eval::labels::join(&bank, &labels, &labels_path).unwrap();
    let report = storybank::eval::labels::report(
        &joined,
        storybank::stance::StanceModel::builtin(),
        storybank::theme_model::ThemeModel::builtin(),
    );
    assert!(report.test_quotes > 30 && report.tune_quotes > 30, "{report:?}");
    assert_eq!(report.themes.len(), 11);
    // The learned classifiers tag the default model's quotes, and beat the prototypes on the
    // sample's test half.
    assert_eq!(report.theme_method, "learned");
    assert!(report.theme_macro_f1 > report.prototype_macro_f1, "{report:?}");
    assert!(report.stance_accuracy.unwrap() > 0.3, "{report:?}");
}

//! The PII tagger and anonymization on text nobody listed, with the real local model.

use storybank::anonymize::ner::{EntityKind, NerModel};

use serde_json::json;

use crate::common::{call, settings};

fn model() -> NerModel {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path());
    NerModel::load(&settings.model.models_dir, None, 1).unwrap()
}

fn found(model: &NerModel, text: &str, kind: EntityKind) -> Vec<String> {
    model
        .detect(text)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind)
        .map(|e| text[e.start..e.end].to_string())
        .collect()
}

#[test]
fn tagger_finds_unlisted_people_places_and_addresses() {
    let ner = model();
    let people = found(
        &ner,
        "honestly Marcus was great, and my boss jen signed off. Krisztián Szöllösy called later.",
        EntityKind::Person,
    );
    assert!(people.iter().any(|p| p == "Marcus"), "{people:?}");
    assert!(people.iter().any(|p| p == "jen"), "{people:?}");
    assert!(people.iter().any(|p| p.contains("Szöllösy")), "{people:?}");
    let cities =
        found(&ner, "we moved the team from Leeds to our Manchester office", EntityKind::City);
    assert!(cities.iter().any(|c| c == "Leeds"), "{cities:?}");
    let address = found(&ner, "send it to 42 Baker Street, please", EntityKind::Address);
    assert!(address.iter().any(|a| a.contains("Baker Street")), "{address:?}");
    assert!(found(&ner, "the SOC 2 questionnaire took seven weeks", EntityKind::Person).is_empty());
}

/// A deal whose transcript names people nobody listed, in every form the issue lists.
#[tokio::test]
async fn unlisted_names_contact_details_and_competitors_through_ingest() {
    let corpus = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(corpus.path().join("transcripts")).unwrap();
    std::fs::write(
        corpus.path().join("deals.csv"),
        "deal_id,account_name,outcome,competitors,amount_usd,segment,industry,region,buyer_persona,lead_source,stage_reached,close_date,loss_reason,win_reason,rep_name,contact_names,interviewer\n\
         X-1,Northwind Freight,lost,Tallyfold,50000,mid_market,logistics,EMEA,CFO,inbound,proposal,2025-06-01,price,,Marcus Feld,Priya Raman,Dana Whitfield\n",
    )
    .unwrap();
    std::fs::write(
        corpus.path().join("competitors.toml"),
        "allow = [\"Quayline\"]\n[competitors]\n\"Tallyfold\" = [\"tally fold\"]\n",
    )
    .unwrap();
    std::fs::write(
        corpus.path().join("transcripts/X-1.txt"),
        "[00:00:01] Dana Whitfield: Thanks Priya. What happened with Quayline?\n\n\
         [00:00:09] Priya Raman (CFO, Northwind Freight): Honestly Marcus's team was great, but my boss Jen Okonkwo signed with tally fold because their price was flat. Jen said the Quayline overage model scared our board.\n\n\
         [00:00:40] Dana Whitfield: Who else weighed in on it?\n\n\
         [00:00:44] Priya Raman: jen again, and Tobias from procurement. You can reach me at priya dot raman at northwind dot com, or call +44 20 7946 0958 or (312) 555-0147. Our Rotterdam office did the security review.\n",
    )
    .unwrap();
    let index = tempfile::tempdir().unwrap();
    let bank = std::sync::Arc::new(storybank::Storybank::open(&settings(index.path())).unwrap());
    let report = bank.ingest_dir(corpus.path(), &|_| {}).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let (_, body) = crate::common::call(&bank, "GET", "/v1/deals/X-1", None).await;
    let served = body.to_string();
    for secret in [
        "Priya",
        "Raman",
        "Marcus",
        "Jen",
        "jen",
        "Okonkwo",
        "Tobias",
        "Northwind",
        "Dana",
        "Whitfield",
        "7946",
        "555-0147",
        "Rotterdam",
        "northwind dot com",
    ] {
        assert!(!served.contains(secret), "{secret} leaked: {served}");
    }
    let quotes = body["quotes"].as_array().unwrap();
    let texts: Vec<&str> = quotes.iter().map(|q| q["text"].as_str().unwrap()).collect();
    let all = texts.join(" ");
    assert!(all.contains("[REP]'s team"), "possessive keeps its 's: {all}");
    assert!(
        all.contains("tally fold") && all.contains("Quayline"),
        "competitor alias and allow-listed names stay: {all}"
    );
    assert!(
        all.contains("[EMAIL]") && all.matches("[PHONE]").count() == 2 && all.contains("[CITY]"),
        "{all}"
    );
    // Jen is the same placeholder everywhere in the deal, capitalised or not.
    let jen = regex::Regex::new(r"my boss (\[COLLEAGUE \d+\])")
        .unwrap()
        .captures(&all)
        .expect("Jen redacted")[1]
        .to_string();
    assert!(all.contains(&format!("{jen} said")) && all.contains(&format!("{jen} again")), "{all}");
    assert_eq!(quotes[1]["context"], "Who else weighed in on it?");
    assert!(quotes[0]["context"].as_str().unwrap().starts_with("Thanks [BUYER]."));
    let counts = bank.redactions("X-1").unwrap();
    assert!(counts["COLLEAGUE"] >= 4 && counts["PHONE"] == 2 && counts["EMAIL"] == 1, "{counts:?}");
}

/// With the CRM seed on (the normal path), no pii.txt string of the labelled dev corpus appears
/// in the output of any endpoint. Optional: runs only where `../shared/eval/dev` exists (a
/// user's clone has no `../shared`), and says so when it skips.
#[tokio::test]
async fn dev_corpus_responses_carry_no_pii() {
    let dev = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/dev");
    if !dev.join("pii.txt").is_file() {
        eprintln!("skipped: {} not found (optional dev-corpus privacy scan)", dev.display());
        return;
    }
    let index = tempfile::tempdir().unwrap();
    let bank = std::sync::Arc::new(storybank::Storybank::open(&settings(index.path())).unwrap());
    let report = bank.ingest_dir(&dev, &|_| {}).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let pii = crate::common::pii_strings(&dev);
    let mut outputs: Vec<(String, String)> = vec![];
    let mut get = async |uri: String| {
        let (status, body) = call(&bank, "GET", &uri, None).await;
        assert!(status.is_success(), "{uri}: {body}");
        outputs.push((uri, body.to_string()));
    };
    for deal in crate::common::deal_ids(&dev) {
        get(format!("/v1/deals/{deal}")).await;
    }
    get("/v1/deals".into()).await;
    get("/v1/facets".into()).await;
    get("/v1/themes".into()).await;
    let facets = bank.facets().unwrap();
    for competitor in &facets.competitors {
        get(format!("/v1/competitors/{}/evidence", competitor.name.replace(' ', "%20"))).await;
        get(format!(
            "/v1/competitors/{}/evidence?format=html",
            competitor.name.replace(' ', "%20")
        ))
        .await;
    }
    let months: std::collections::BTreeSet<String> = bank
        .deals()
        .unwrap()
        .iter()
        .filter_map(|d| d.info.close_date.map(|day| day.to_string()[..7].to_string()))
        .collect();
    for month in months {
        get(format!("/v1/digest?month={month}&format=md")).await;
    }
    for by in storybank::insights::WIN_RATE_DIMENSIONS {
        get(format!("/v1/analytics/win-rates?by={by}")).await;
    }
    let queries = std::fs::read_to_string(dev.join("queries.jsonl")).unwrap();
    for line in queries.lines().filter(|l| !l.trim().is_empty()) {
        let query: serde_json::Value = serde_json::from_str(line).unwrap();
        let Some(text) = query["query"].as_str() else { continue };
        for (uri, body) in [
            ("/v1/search", json!({"query": text, "limit": 20})),
            ("/v1/ask", json!({"question": text})),
            ("/v1/deals/similar", json!({"query": text})),
        ] {
            let (status, answer) = call(&bank, "POST", uri, Some(body)).await;
            assert!(status.is_success(), "{uri}: {answer}");
            outputs.push((uri.to_string(), answer.to_string()));
        }
    }
    let (_, pack) = call(
        &bank,
        "POST",
        "/v1/packs",
        Some(json!({"name": "scan", "from_search": {"query": "why did we lose", "limit": 20}})),
    )
    .await;
    let pack_id = pack["pack_id"].as_str().unwrap().to_string();
    for format in ["md", "html", "csv", "json"] {
        let request = axum::http::Request::builder()
            .uri(format!("/v1/packs/{pack_id}/export?format={format}"))
            .body(axum::body::Body::empty())
            .unwrap();
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let response = storybank::api::router(bank.clone()).oneshot(request).await.unwrap();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        outputs.push((format!("pack export {format}"), String::from_utf8_lossy(&bytes).into()));
    }
    let leaks: Vec<(String, Vec<String>)> = outputs
        .iter()
        .map(|(uri, body)| (uri.clone(), crate::common::pii_leaks(body, &pii)))
        .filter(|(_, found)| !found.is_empty())
        .collect();
    eprintln!("dev-corpus privacy scan: {} responses, {} with PII", outputs.len(), leaks.len());
    assert!(leaks.is_empty(), "PII in {} responses: {leaks:?}", leaks.len());
    assert!(outputs.len() > 100, "scanned only {} responses", outputs.len());
}

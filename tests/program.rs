//! The program loop: insights proposed from new interviews, routed per `routing.toml`, worked
//! through the API, and the insight-to-action rate.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Value, json};
use storybank::Storybank;
use storybank::model::Day;
use storybank::program::{InsightKind, InsightNote, InsightQuery, InsightStatus, InsightStep};

use crate::common::{call, sample_dir, settings};

const ROUTING: &str = r#"
[kinds.positioning]
owner = "pmm"
sla_days = 14
[kinds.rep_behaviour]
owner = "enablement"
sla_days = 7
[kinds.product_gap]
owner = "product"
due = "next_review"
[kinds.pricing]
owner = "revops"
sla_days = 21
[battlecards]
"tally fold" = "ana@example.com"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insights_are_proposed_routed_worked_and_measured() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("routing.toml"), ROUTING).unwrap();
    let settings = settings(dir.path());
    let bank = tokio::task::spawn_blocking(move || {
        let bank = Storybank::open(&settings).unwrap();
        let report = bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
        assert!(!report.insights.is_empty(), "ingest proposes insights: {:?}", report.warnings);
        Arc::new(bank)
    })
    .await
    .unwrap();

    // Every proposed insight is routed per routing.toml, with evidence from its deals.
    let (status, list) = call(&bank, "GET", "/v1/insights", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let insights = list["insights"].as_array().unwrap().clone();
    assert!(!insights.is_empty());
    let owner_of = |kind: &str| match kind {
        "positioning" => "pmm",
        "rep_behaviour" => "enablement",
        "product_gap" => "product",
        _ => "revops",
    };
    let mut kinds = std::collections::BTreeSet::new();
    for insight in &insights {
        let kind = insight["kind"].as_str().unwrap();
        kinds.insert(kind.to_string());
        let owners: Vec<&str> =
            insight["owners"].as_array().unwrap().iter().map(|o| o.as_str().unwrap()).collect();
        assert_eq!(owners[0], owner_of(kind), "{insight}");
        let battlecard = kind == "positioning" && insight["competitor"] == "Tallyfold";
        assert_eq!(owners.contains(&"ana@example.com"), battlecard, "{insight}");
        let evidence = insight["evidence"].as_array().unwrap();
        assert!(!evidence.is_empty(), "{insight}");
        let deals: Vec<&str> =
            insight["deal_ids"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
        for quote in evidence {
            assert!(deals.contains(&quote["deal_id"].as_str().unwrap()), "{insight}");
        }
        let (raised, due) = (
            Day::parse(insight["raised_on"].as_str().unwrap()).unwrap(),
            Day::parse(insight["due"].as_str().unwrap()).unwrap(),
        );
        let days = match kind {
            "positioning" => 14,
            "rep_behaviour" => 7,
            "product_gap" => 30, // no review dates: 30 days
            _ => 21,
        };
        assert_eq!(due.0 - raised.0, days, "{insight}");
        assert_eq!(insight["status"], "open");
        assert_eq!(insight["origin"], "proposed");
    }
    assert!(kinds.len() >= 2, "{kinds:?}");
    // Reading the same deals again proposes nothing new.
    let again = bank.clone();
    let report =
        tokio::task::spawn_blocking(move || again.propose_insights("test").unwrap()).await.unwrap();
    assert_eq!((report.deals, report.created.len()), (0, 0));

    // An owner's inbox holds exactly their insights.
    let (_, inbox) = call(&bank, "GET", "/v1/insights?owner=ana%40example.com", None).await;
    let inbox = inbox["insights"].as_array().unwrap();
    assert!(
        inbox.iter().all(|i| i["owners"].as_array().unwrap().contains(&json!("ana@example.com")))
    );
    let expected = insights
        .iter()
        .filter(|i| i["owners"].as_array().unwrap().contains(&json!("ana@example.com")))
        .count();
    assert_eq!(inbox.len(), expected);

    // Raised by hand from quotes: routed, and the competitor comes from the evidence's deal.
    let (_, found) = call(
        &bank,
        "POST",
        "/v1/search",
        Some(json!({"query": "price", "filters": {"competitor": "Tallyfold", "outcome": "lost"}, "limit": 2})),
    )
    .await;
    let quote_ids: Vec<Value> =
        found["results"].as_array().unwrap().iter().map(|q| q["quote_id"].clone()).collect();
    assert!(!quote_ids.is_empty());
    let (status, manual) = call(
        &bank,
        "POST",
        "/v1/insights",
        Some(json!({"kind": "positioning", "title": "Tallyfold wins on a one-line price", "quote_ids": quote_ids})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{manual}");
    assert_eq!(manual["competitor"], "Tallyfold");
    assert_eq!(manual["owners"], json!(["pmm", "ana@example.com"]));
    assert_eq!(manual["origin"], "manual");
    assert_eq!(manual["evidence"].as_array().unwrap().len(), quote_ids.len());
    for (body, code) in [
        (json!({"kind": "pricing", "title": " ", "quote_ids": quote_ids}), StatusCode::BAD_REQUEST),
        (json!({"kind": "pricing", "title": "x", "quote_ids": []}), StatusCode::BAD_REQUEST),
        (json!({"kind": "pricing", "title": "x", "quote_ids": ["nope-q1"]}), StatusCode::CONFLICT),
        (json!({"kind": "upsell", "title": "x", "quote_ids": quote_ids}), StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = call(&bank, "POST", "/v1/insights", Some(body)).await;
        assert_eq!(status, code, "{body}");
    }

    // Worked through: acknowledge, record an action, dismiss with a reason.
    let id = |insight: &Value| insight["insight_id"].as_str().unwrap().to_string();
    let first = id(&insights[0]);
    let manual_id = id(&manual);
    let (status, acked) =
        call(&bank, "POST", &format!("/v1/insights/{first}/acknowledge"), Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{acked}");
    assert_eq!(acked["status"], "acknowledged");
    let (status, body) =
        call(&bank, "POST", &format!("/v1/insights/{first}/action"), Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an action needs a note: {body}");
    let (status, actioned) = call(
        &bank,
        "POST",
        &format!("/v1/insights/{first}/action"),
        Some(json!({"note": "battlecard updated with the one-line price comparison"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{actioned}");
    assert_eq!(actioned["status"], "actioned");
    assert_eq!(actioned["events"].as_array().unwrap().len(), 3);
    let (status, _) = call(
        &bank,
        "POST",
        &format!("/v1/insights/{first}/dismiss"),
        Some(json!({"note": "late"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, dismissed) = call(
        &bank,
        "POST",
        &format!("/v1/insights/{manual_id}/dismiss"),
        Some(json!({"note": "already covered by the pricing review"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{dismissed}");
    let (status, body) = call(&bank, "GET", "/v1/insights/in-9999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "insight_not_found");

    // The rate, now and after every due date has passed, from the records themselves.
    let (status, metrics) = call(&bank, "GET", "/v1/insights/metrics", None).await;
    assert_eq!(status, StatusCode::OK, "{metrics}");
    let total = insights.len() + 1;
    assert_eq!(metrics["overall"]["insights"], total);
    assert_eq!(metrics["overall"]["actioned_in_sla"], 1);
    assert_eq!(metrics["overall"]["dismissed"], 1);
    assert_eq!(metrics["overall"]["rate"], 1.0, "only the actioned one is due yet");
    let later = Day(metrics["today"].as_str().and_then(Day::parse).unwrap().0 + 100);
    let check = bank.clone();
    let (late, listed) = tokio::task::spawn_blocking(move || {
        let query = InsightQuery { overdue: Some(true), ..Default::default() };
        (check.insight_metrics_on(later).unwrap(), check.list_insights_on(&query, later).unwrap())
    })
    .await
    .unwrap();
    let open = total - 2;
    assert_eq!(late.overall.overdue, open);
    assert_eq!(listed.insights.len(), open);
    assert_eq!(late.overall.due, open + 1);
    assert!((late.overall.rate.unwrap() - 1.0 / (open + 1) as f64).abs() < 1e-9);
    let pmm = late.owners.iter().find(|m| m.owner == "pmm").unwrap();
    assert_eq!(pmm.insights, insights.iter().filter(|i| i["owners"][0] == "pmm").count() + 1);

    // A late action counts as late, and an action by the due date as in time.
    let worker = bank.clone();
    let open_ids: Vec<String> = listed.insights.iter().map(|i| i.insight_id.clone()).collect();
    tokio::task::spawn_blocking(move || {
        let note = || InsightNote { note: Some("done".into()) };
        let one = worker.get_insight(&open_ids[0]).unwrap();
        worker
            .step_insight_on(&open_ids[0], InsightStep::Action, note(), "t", Day(one.due.0 + 1))
            .unwrap();
        let two = worker.get_insight(&open_ids[1]).unwrap();
        worker.step_insight_on(&open_ids[1], InsightStep::Action, note(), "t", two.due).unwrap();
        let m = worker.insight_metrics_on(later).unwrap().overall;
        assert_eq!((m.actioned_in_sla, m.actioned_late), (2, 1));
        assert_eq!(worker.get_insight(&open_ids[0]).unwrap().status, InsightStatus::Actioned);
        assert!(
            worker
                .list_insights(&InsightQuery {
                    kind: Some(InsightKind::Pricing),
                    ..Default::default()
                })
                .unwrap()
                .insights
                .iter()
                .all(|i| i.kind == InsightKind::Pricing)
        );
    })
    .await
    .unwrap();
}

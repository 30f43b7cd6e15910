//! The program's leadership side: the quarterly briefing, the home dashboard's numbers, alert
//! rules over the API, and the MCP server (a scripted client over HTTP and over stdio through
//! the real binary). Two quarters of deals, real model (themes come from the real tagger).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Value, json};
use storybank::Storybank;
use storybank::model::{Day, Filters};

use crate::common::{call, settings};

/// Q1 2025: six deals against Acme, 4 won (buyers praise our support) and 2 lost with no
/// transcript. Q2: against Acme 1 won and 5 lost on price and onboarding (amounts 10k-50k),
/// against Brightline 1 lost on integrations (100k).
fn corpus(dir: &std::path::Path) {
    let mut csv = String::from(
        "deal_id,account_name,outcome,competitors,amount_usd,segment,lead_source,close_date,loss_reason,contact_names\n",
    );
    let deals: Vec<(String, &str, &str, u32, &str, &str, &str)> = vec![
        ("A-10".into(), "won", "Acme", 20_000, "mid_market", "inbound", "2025-02-10"),
        ("A-11".into(), "won", "Acme", 20_000, "mid_market", "inbound", "2025-02-11"),
        ("A-12".into(), "won", "Acme", 20_000, "mid_market", "inbound", "2025-02-12"),
        ("A-13".into(), "won", "Acme", 20_000, "mid_market", "inbound", "2025-02-13"),
        ("A-14".into(), "lost", "Acme", 20_000, "mid_market", "inbound", "2025-02-14"),
        ("A-15".into(), "lost", "Acme", 20_000, "mid_market", "inbound", "2025-02-15"),
        ("A-20".into(), "won", "Acme", 30_000, "mid_market", "inbound", "2025-05-01"),
        ("A-21".into(), "lost", "Acme", 10_000, "mid_market", "inbound", "2025-05-02"),
        ("A-22".into(), "lost", "Acme", 20_000, "mid_market", "inbound", "2025-05-03"),
        ("A-23".into(), "lost", "Acme", 30_000, "mid_market", "inbound", "2025-05-04"),
        ("A-24".into(), "lost", "Acme", 40_000, "smb", "inbound", "2025-05-05"),
        ("A-25".into(), "lost", "Acme", 50_000, "smb", "inbound", "2025-05-06"),
        ("B-20".into(), "lost", "Brightline", 100_000, "enterprise", "partner", "2025-06-10"),
    ];
    for (id, outcome, competitor, amount, segment, source, date) in &deals {
        let reason = if *outcome == "lost" { "price" } else { "" };
        csv.push_str(&format!(
            "{id},Harrowgate Foods {id},{outcome},{competitor},{amount},{segment},{source},{date},{reason},Dana Smith\n"
        ));
    }
    std::fs::write(dir.join("deals.csv"), csv).unwrap();
    std::fs::create_dir_all(dir.join("transcripts")).unwrap();
    let talk = |id: &str, answers: &[&str]| {
        let mut text = format!("---\ndeal_id: {id}\ninterviewer: Ines Calloway\n---\n\n");
        for answer in answers {
            text.push_str(&format!("Ines Calloway: What stood out?\n\nDana Smith: {answer}\n\n"));
        }
        std::fs::write(dir.join(format!("transcripts/{id}.txt")), text).unwrap();
    };
    for id in ["A-10", "A-11", "A-12", "A-13", "A-20"] {
        talk(
            id,
            &[
                "Your support team was excellent. They answered every question the same day and we loved working with them, honestly the best vendor support we have had.",
            ],
        );
    }
    for id in ["A-21", "A-22", "A-23", "A-24", "A-25"] {
        talk(
            id,
            &[
                "Honestly the price. Acme came in at half of your price and the renewal terms were much worse on your side, so the budget decided it.",
                "The onboarding plan looked thin, twelve weeks of implementation with no named trainer, and we did not have twelve weeks.",
            ],
        );
    }
    talk(
        "B-20",
        &[
            "Brightline's integrations were far better. Their connector synced our ERP and the CRM out of the box, and yours needed a custom API project.",
        ],
    );
}

struct Bank {
    bank: Arc<Storybank>,
    dir: tempfile::TempDir,
}

fn two_quarters() -> Bank {
    let corpus_dir = tempfile::tempdir().unwrap();
    corpus(corpus_dir.path());
    let dir = tempfile::tempdir().unwrap();
    let bank = Arc::new(Storybank::open(&settings(dir.path())).unwrap());
    let report = bank.ingest_dir(corpus_dir.path(), &|_| {}).unwrap();
    assert_eq!(report.deals, 13, "{:?}", report.failures);
    Bank { bank, dir }
}

fn amounts() -> BTreeMap<&'static str, f64> {
    [
        ("A-21", 10_000.0),
        ("A-22", 20_000.0),
        ("A-23", 30_000.0),
        ("A-24", 40_000.0),
        ("A-25", 50_000.0),
        ("B-20", 100_000.0),
        ("A-20", 30_000.0),
    ]
    .into_iter()
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_briefing_ranks_gaps_by_deals_and_value_and_cites_every_claim() {
    let Bank { bank, dir: _dir } = two_quarters();
    let briefing = bank.briefing(Some("2025-Q2")).unwrap();
    assert_eq!(briefing.quarter, "2025-Q2");
    assert_eq!(briefing.previous_quarter, "2025-Q1");
    assert_eq!((briefing.deals.deals, briefing.deals.won, briefing.deals.lost), (7, 1, 6));
    assert_eq!((briefing.previous.won, briefing.previous.lost), (4, 2));

    // Gaps, recomputed from the stored tags: per theme, the lost deals with a non-praise quote
    // on it, and the sum of their CRM amounts.
    let amounts = amounts();
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for id in ["A-21", "A-22", "A-23", "A-24", "A-25", "B-20"] {
        for quote in bank.deal(id).unwrap().quotes {
            if quote.polarity.as_deref() == Some("praise") {
                continue;
            }
            for theme in quote.themes {
                if theme != "competitor_strengths" {
                    expected.entry(theme).or_default().insert(id.to_string());
                }
            }
        }
    }
    assert!(expected.contains_key("pricing"), "the tagger hears price: {expected:?}");
    assert_eq!(briefing.gaps.len(), expected.len());
    for gap in &briefing.gaps {
        let deals = &expected[&gap.theme];
        assert_eq!(gap.deals, deals.len(), "{}", gap.theme);
        assert_eq!(gap.lost, deals.len());
        // A sum of fewer than three amounts would tell a deal's own: it is not shown.
        let (value, known) = if deals.len() >= storybank::briefing::MIN_DEALS_IN_A_SUM {
            (deals.iter().map(|id| amounts[id.as_str()]).sum(), deals.len())
        } else {
            (0.0, 0)
        };
        assert_eq!((gap.value_usd, gap.value_known), (value, known), "{}", gap.theme);
        assert!(!gap.examples.is_empty() && !gap.quote_ids.is_empty());
    }
    for pair in briefing.gaps.windows(2) {
        assert!(
            (pair[0].deals, pair[0].value_usd) >= (pair[1].deals, pair[1].value_usd),
            "ranked by deals, then value"
        );
    }
    let pricing = briefing.gaps.iter().find(|g| g.theme == "pricing").unwrap();
    assert!(pricing.deals >= 5 && pricing.value_usd >= 150_000.0, "{pricing:?}");

    // Competitors: Acme's win rate fell from 4 of 6 to 1 of 6.
    let acme = briefing.competitors.iter().find(|c| c.competitor == "Acme").unwrap();
    assert_eq!((acme.win_rate.won, acme.win_rate.lost), (1, 5));
    assert_eq!((acme.previous.won, acme.previous.lost), (4, 2));
    assert_eq!(acme.change_points, Some(-50.0));
    assert!(!acme.ahead_in.is_empty() && !acme.ahead_quotes.is_empty());
    assert!(
        acme.ahead_quotes.iter().all(|q| q.deal.outcome == Some(storybank::model::Outcome::Lost))
    );
    let brightline = briefing.competitors.iter().find(|c| c.competitor == "Brightline").unwrap();
    assert_eq!((brightline.win_rate.lost, brightline.previous.deals), (1, 0));
    assert_eq!(brightline.change_points, None);

    // Price was never heard in Q1: new this quarter.
    let new_pricing = briefing.emerging.iter().find(|e| e.theme == "pricing").unwrap();
    assert!(new_pricing.new && new_pricing.previous_deals == 0, "{new_pricing:?}");
    assert!(briefing.emerging.iter().all(|e| e.deals >= 2));

    // Win rate by lead source and segment, with intervals.
    let source = |v: &str| briefing.by_lead_source.iter().find(|r| r.value == v).unwrap();
    assert_eq!((source("inbound").won, source("inbound").lost), (1, 5));
    assert_eq!((source("partner").won, source("partner").lost), (0, 1));
    assert!(source("inbound").interval.is_some());
    let segments: BTreeSet<&str> = briefing.by_segment.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(segments, BTreeSet::from(["enterprise", "mid_market", "smb"]));

    // Top stories: the largest decided deal first.
    assert_eq!(briefing.top_stories[0].deal_id, "B-20");

    // Every cited id is a stored quote of a deal in the quarter.
    let cited = storybank::briefing::cited_ids(&briefing);
    assert!(!cited.is_empty());
    for id in &cited {
        let deal = id.rsplit_once("-q").unwrap().0;
        let quotes = bank.deal(deal).unwrap().quotes;
        assert!(quotes.iter().any(|q| &q.quote_id == id), "{id}");
        assert!(deal.starts_with("A-2") || deal == "B-20", "{id} is from another quarter");
    }

    // Markdown and HTML over the API; every gap's examples are cited by id; nothing names a
    // buyer or an account.
    let (status, md) = call(&bank, "GET", "/v1/briefing?quarter=2025-Q2&format=md", None).await;
    assert_eq!(status, StatusCode::OK);
    let md = md.as_str().unwrap().to_string();
    assert!(md.starts_with("# Win/loss briefing: 2025-Q2"), "{md}");
    for gap in briefing.gaps.iter().take(6) {
        for quote in &gap.examples {
            assert!(md.contains(&format!("[{}]", quote.quote_id)), "{}", quote.quote_id);
        }
    }
    assert!(md.contains("$150k") || md.contains("$250k"), "{md}");
    let (status, html) = call(&bank, "GET", "/v1/briefing?quarter=2025Q2&format=html", None).await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap().to_string();
    assert!(html.starts_with("<!doctype html>") && html.contains("@media print"));
    assert!(html.contains(&format!("data-quote-id=\"{}\"", pricing.examples[0].quote_id)));
    let (_, json_body) = call(&bank, "GET", "/v1/briefing?quarter=2025-Q2", None).await;
    for text in [&md, &html, &json_body.to_string()] {
        assert!(!text.contains("Dana") && !text.contains("Harrowgate") && !text.contains("Ines"));
    }
    let (status, error) = call(&bank, "GET", "/v1/briefing?quarter=2025-Q5", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"]["code"], "invalid_request");
    // The default quarter is the newest deal's.
    assert_eq!(bank.briefing(None).unwrap().quarter, "2025-Q2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_agrees_with_win_rates_alerts_and_insights() {
    let Bank { bank, dir } = two_quarters();
    // The file sets the period; a rule added over the API keeps it.
    std::fs::write(dir.path().join("alerts.toml"), "period = \"quarter\"\nmin_deals = 5\n")
        .unwrap();
    // A rule over the API, checked for Q2: it fires and shows on the dashboard.
    let (status, rule) = call(
        &bank,
        "PUT",
        "/v1/alerts/rules/acme-low",
        Some(json!({"when": "win_rate_below", "competitor": "Acme", "threshold": 0.4})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rule}");
    assert_eq!(rule["id"], "acme-low");
    let (_, check) =
        call(&bank, "POST", "/v1/alerts/check", Some(json!({"as_of": "2025-06-30"}))).await;
    assert_eq!(check["fired"][0]["alert_id"], "acme-low@2025-Q2", "{check}");
    // An insight raised long ago is overdue now.
    let quote = bank.deal("A-21").unwrap().quotes[0].quote_id.clone();
    let old = bank
        .create_insight_on(
            storybank::program::NewInsight {
                kind: storybank::program::InsightKind::Pricing,
                title: "Acme undercuts us by half".into(),
                finding: None,
                quote_ids: vec![quote],
                competitor: None,
            },
            "test",
            Day::parse("2024-01-02").unwrap(),
        )
        .unwrap();

    let (status, d) = call(&bank, "GET", "/v1/dashboard?as_of=2025-06-30", None).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(
        (d["period"].as_str(), d["previous_period"].as_str()),
        (Some("2025-Q2"), Some("2025-Q1"))
    );
    // Every competitor row equals win rates computed through the analytics path.
    let filters = |from: &str, to: &str| Filters {
        closed_after: Day::parse(from),
        closed_before: Day::parse(to),
        ..Default::default()
    };
    let now = bank.win_rates("competitor", &filters("2025-04-01", "2025-06-30")).unwrap();
    let before = bank.win_rates("competitor", &filters("2025-01-01", "2025-03-31")).unwrap();
    let rows = d["by_competitor"].as_array().unwrap();
    assert_eq!(rows.len(), now.groups.len());
    for row in rows {
        let value = row["value"].as_str().unwrap();
        let expected = now.groups.iter().find(|g| g.value == value).unwrap();
        assert_eq!(serde_json::to_value(expected).unwrap(), row["current"], "{value}");
        if let Some(previous) = before.groups.iter().find(|g| g.value == value) {
            assert_eq!(row["previous"]["won"], previous.won);
            assert_eq!(row["previous"]["lost"], previous.lost);
        }
    }
    let acme = rows.iter().find(|r| r["value"] == "Acme").unwrap();
    assert_eq!(acme["change_points"], -50.0);
    assert_eq!(serde_json::to_value(&now.overall).unwrap()["won"], d["overall"]["current"]["won"]);
    assert_eq!(d["overall"]["current"]["lost"], 6);
    // Newest interviews first; rising themes; the alert; the overdue insight.
    assert_eq!(d["newest"][0]["deal_id"], "B-20");
    assert!(d["newest"][0]["quote"]["text"].as_str().unwrap().contains("Brightline"));
    assert!(d["rising_themes"].as_array().unwrap().iter().any(|t| t["theme"] == "pricing"));
    assert_eq!(d["open_alerts"][0]["alert_id"], "acme-low@2025-Q2");
    assert_eq!(d["overdue_total"], 1);
    assert_eq!(d["overdue"][0]["insight_id"], old.insight_id.as_str());
    let owner = old.owners[0].clone();
    let (_, theirs) = call(&bank, "GET", &format!("/v1/dashboard?owner={owner}"), None).await;
    assert_eq!(theirs["overdue"].as_array().unwrap().len(), 1);
    let (_, nobody) = call(&bank, "GET", "/v1/dashboard?owner=someone-else", None).await;
    assert_eq!(
        (nobody["overdue"].as_array().unwrap().len(), nobody["overdue_total"].as_u64()),
        (0, Some(1))
    );
    let questions: Vec<&str> =
        d["questions"].as_array().unwrap().iter().map(|q| q.as_str().unwrap()).collect();
    assert!(questions.contains(&"Why do we lose to Acme?"), "{questions:?}");
    let text = d.to_string();
    assert!(!text.contains("Dana") && !text.contains("Harrowgate"));

    // Rules over the API are validated, written to alerts.toml, and removable.
    let (status, bad) = call(
        &bank,
        "PUT",
        "/v1/alerts/rules/no-threshold",
        Some(json!({"when": "win_rate_below", "segment": "smb"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad["error"]["message"].as_str().unwrap().contains("threshold"), "{bad}");
    let (status, _) = call(
        &bank,
        "PUT",
        "/v1/alerts/rules/one",
        Some(json!({"id": "one", "when": "no_decision_above", "threshold": 0.3})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(
        &bank,
        "PUT",
        "/v1/alerts/rules/stalls",
        Some(json!({"when": "no_decision_above", "threshold": 0.3, "min_deals": 3})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let file = std::fs::read_to_string(dir.path().join("alerts.toml")).unwrap();
    assert!(file.contains("acme-low") && file.contains("stalls"), "{file}");
    assert_eq!(bank.alert_config().unwrap().period, storybank::alerts::Period::Quarter);
    let (_, list) = call(&bank, "GET", "/v1/alerts", None).await;
    let ids: Vec<&str> =
        list["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["acme-low", "stalls"]);
    let (status, _) = call(&bank, "DELETE", "/v1/alerts/rules/stalls", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone) = call(&bank, "DELETE", "/v1/alerts/rules/stalls", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(gone["error"]["code"], "alert_rule_not_found");
    assert_eq!(bank.alert_config().unwrap().rules.len(), 1);
}

/// A scripted MCP client: the calls an assistant makes, in order.
fn script() -> Vec<Value> {
    vec![
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "script", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "search_quotes", "arguments": {"query": "why do we lose on price?", "filters": {"competitor": "acme"}, "limit": 5}}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "ask", "arguments": {"question": "Why do we lose to Acme?"}}}),
        json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "competitor_evidence", "arguments": {"competitor": "Acme"}}}),
        json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "similar_deals", "arguments": {"deal_id": "A-21", "limit": 3}}}),
        json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "insights", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {"name": "search_quotes", "arguments": {"limit": 5}}}),
        json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "delete_everything", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 10, "method": "resources/list"}),
        json!({"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {"name": "competitor_evidence", "arguments": {"competitor": "Nobody Inc"}}}),
    ]
}

/// Checks the answers to [`script`] (the notification has none).
fn check_answers(bank: &Storybank, answers: &[Value]) {
    let by_id: BTreeMap<u64, &Value> =
        answers.iter().map(|a| (a["id"].as_u64().unwrap(), a)).collect();
    assert_eq!(by_id.len(), 11, "{answers:?}");
    assert_eq!(by_id[&1]["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(by_id[&1]["result"]["serverInfo"]["name"], "storybank");
    let tools: Vec<&str> = by_id[&2]["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["search_quotes", "similar_deals", "competitor_evidence", "ask", "insights"]);
    let search = &by_id[&3]["result"];
    assert_eq!(search["isError"], false, "{search}");
    let results = search["structuredContent"]["results"].as_array().unwrap();
    assert!(!results.is_empty() && results.len() <= 5);
    for quote in results {
        assert!(quote["deal"]["competitors"].as_array().unwrap().contains(&json!("Acme")));
        let id = quote["quote_id"].as_str().unwrap();
        assert!(search["content"][0]["text"].as_str().unwrap().contains(&format!("[{id}]")));
        assert!(bank.deal(quote["deal_id"].as_str().unwrap()).is_ok());
    }
    let ask = &by_id[&4]["result"];
    assert_eq!(ask["isError"], false);
    assert!(ask["structuredContent"]["deals_in_scope"].as_u64().unwrap() >= 6, "{ask}");
    let evidence = &by_id[&5]["result"];
    assert_eq!(evidence["structuredContent"]["win_rate"]["lost"], 7, "{evidence}");
    assert!(evidence["content"][0]["text"].as_str().unwrap().contains("Acme"));
    let similar = &by_id[&6]["result"]["structuredContent"]["deals"];
    assert!(!similar.as_array().unwrap().is_empty());
    assert!(similar.as_array().unwrap().iter().all(|d| d["deal_id"] != "A-21"));
    assert!(by_id[&7]["result"]["structuredContent"]["insights"].is_array());
    // Bad arguments and unknown names: a tool error the model can read, or a protocol error.
    assert_eq!(by_id[&8]["result"]["isError"], true);
    assert!(by_id[&8]["result"]["content"][0]["text"].as_str().unwrap().contains("query"));
    assert_eq!(by_id[&9]["error"]["code"], -32602);
    assert_eq!(by_id[&10]["error"]["code"], -32601);
    assert_eq!(by_id[&11]["result"]["isError"], true);
    assert!(
        by_id[&11]["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("competitor_not_found")
    );
    let all = serde_json::to_string(answers).unwrap();
    assert!(!all.contains("Dana") && !all.contains("Harrowgate") && !all.contains("Ines"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assistant_uses_the_mcp_tools_over_http_and_stdio() {
    let Bank { bank, dir } = two_quarters();
    // Streamable HTTP: one POST per message; a notification is taken with 202.
    let mut answers = vec![];
    for message in script() {
        let notification = message.get("id").is_none();
        let (status, answer) = call(&bank, "POST", "/mcp", Some(message)).await;
        if notification {
            assert_eq!(status, StatusCode::ACCEPTED);
        } else {
            assert_eq!(status, StatusCode::OK, "{answer}");
            answers.push(answer);
        }
    }
    check_answers(&bank, &answers);
    let (status, _) = call(&bank, "GET", "/mcp", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (status, parse) = call(&bank, "POST", "/mcp", Some(json!([1, 2]))).await;
    assert_eq!((status, parse["error"]["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(-32600)));

    // stdio, through the real binary on the same index: one message per line.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_storybank"))
        .arg("--index")
        .arg(dir.path())
        .arg("--models-dir")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".models"))
        .arg("mcp")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for message in script() {
        writeln!(stdin, "{message}").unwrap();
    }
    writeln!(stdin, "this is not json").unwrap();
    drop(stdin);
    let lines: Vec<Value> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|line| serde_json::from_str(&line.unwrap()).expect("every stdout line is JSON-RPC"))
        .collect();
    let status = child.wait().unwrap();
    assert!(status.success());
    let (parse_errors, answers): (Vec<Value>, Vec<Value>) =
        lines.into_iter().partition(|a| a["id"].is_null());
    assert_eq!(parse_errors.len(), 1);
    assert_eq!(parse_errors[0]["error"]["code"], -32700);
    check_answers(&bank, &answers);
}

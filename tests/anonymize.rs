//! The PII tagger and anonymization on text nobody listed, with the real local model.

use storybank::anonymize::ner::{EntityKind, NerModel};

use crate::common::settings;

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
    let report = bank.ingest_dir(corpus.path(), &|_, _| {}).unwrap();
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

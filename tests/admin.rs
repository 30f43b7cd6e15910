//! Admin operations: raw transcripts stay in, redaction audit, erasure by deal and by person
//! that survives a reindex and a re-ingest.

use serde_json::json;
use storybank::Storybank;

use crate::common::{call, results, sample_dir, settings};

#[tokio::test]
async fn forgetting_a_deal_and_a_person_survives_reindex_and_reingest() {
    let index = tempfile::tempdir().unwrap();
    let bank = std::sync::Arc::new(Storybank::open(&settings(index.path())).unwrap());
    bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();

    // Raw text is reachable by an admin call only, and holds the real names.
    let raw = bank.raw_transcript("S-2001").unwrap();
    assert!(raw.contains("Ines Calloway"));
    let counts = bank.redactions("S-2001").unwrap();
    assert!(counts.get("BUYER").copied().unwrap_or(0) > 0, "{counts:?}");
    assert!(counts.contains_key("INTERVIEWER") || counts.contains_key("REP"), "{counts:?}");

    // Erase a deal.
    let report = bank.forget_deal("S-2009").unwrap();
    assert!(!report.quotes.is_empty());
    let (status, _) = call(&bank, "GET", "/v1/deals/S-2009", None).await;
    assert_eq!(status.as_u16(), 404);
    let (_, body) = call(
        &bank,
        "POST",
        "/v1/search",
        Some(json!({"query": "ISO 27001 and EU hosting", "limit": 100})),
    )
    .await;
    assert!(results(&body).iter().all(|q| q["deal_id"] != "S-2009"));

    // Erase a person: the buyer of S-2001 (first contact in deals.csv).
    let csv = std::fs::read_to_string(sample_dir().join("deals.csv")).unwrap();
    let row = csv.lines().find(|l| l.starts_with("S-2001,")).unwrap().to_string();
    let buyer = row.split(',').nth(15).unwrap().split(';').next().unwrap().to_string();
    let before = bank.deal("S-2001").unwrap().quotes.len();
    let cached = || -> i64 {
        let store = rusqlite::Connection::open_with_flags(
            index.path().join("store.sqlite"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        store.query_row("SELECT COUNT(*) FROM embeddings", [], |row| row.get(0)).unwrap()
    };
    let cached_before = cached();
    let report = bank.forget_person(&buyer).unwrap();
    assert!(!report.quotes.is_empty(), "{buyer}: {report:?}");
    // The erased quotes' cached vectors go with them.
    assert_eq!(cached_before - cached(), report.quotes.len() as i64);
    assert!(report.quotes.iter().all(|id| id.starts_with("S-2001-")), "{report:?}");
    let after = bank.deal("S-2001").unwrap().quotes.len();
    assert_eq!(before - after, report.quotes.len());
    assert!(bank.raw_transcript("S-2001").is_err(), "the raw transcript naming them is dropped");
    // The store keeps no form of their name: not in the tombstone, the CRM row, the guard's
    // terms or the people of the deal (its other people stay), nor in the log's old pages.
    let surname = buyer.split_whitespace().last().unwrap().to_string();
    let store_holds = |needle: &str| -> bool {
        let needle = needle.to_lowercase();
        ["store.sqlite", "store.sqlite-wal"].iter().any(|file| {
            let bytes = std::fs::read(index.path().join(file)).unwrap_or_default();
            String::from_utf8_lossy(&bytes).to_lowercase().contains(&needle)
        })
    };
    assert!(store_holds("Felix Ordway"), "the deal's other contact is still known");
    for form in [buyer.as_str(), surname.as_str()] {
        assert!(!store_holds(form), "the store still holds {form:?}");
    }

    // Neither a reindex nor a re-ingest of the same files brings anything back.
    bank.reindex(&|_, _| {}).unwrap();
    assert!(bank.deal("S-2009").is_err());
    assert_eq!(bank.deal("S-2001").unwrap().quotes.len(), after);
    let report = bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    assert!(report.warnings.iter().any(|w| w.contains("S-2009")), "{:?}", report.warnings);
    assert!(bank.deal("S-2009").is_err());
    assert_eq!(
        bank.deal("S-2001").unwrap().quotes.len(),
        after,
        "re-ingest must not restore the person's quotes"
    );
    for form in [buyer.as_str(), surname.as_str()] {
        assert!(!store_holds(form), "a re-ingest wrote {form:?} back");
    }
    let forgotten_ids: std::collections::HashSet<String> =
        bank.deal("S-2001").unwrap().quotes.iter().map(|q| q.quote_id.clone()).collect();
    assert_eq!(forgotten_ids.len(), after);
    assert!(bank.forget_person("Cher").is_err(), "a single name is too ambiguous to erase");
}

/// A person erased before names were hashed (a plain-name tombstone) is rewritten as hashes by
/// the next open, and still keeps a re-ingest from bringing their quotes back.
#[tokio::test]
async fn a_plain_name_tombstone_is_hashed_on_open_and_still_erases() {
    let index = tempfile::tempdir().unwrap();
    let mut quick = settings(index.path());
    quick.pii_tagger = false;
    let name = {
        let bank = Storybank::open(&quick).unwrap();
        bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
        let name = "Gemma Thornbury";
        let spoken = bank.raw_transcript("S-2001").unwrap();
        assert!(spoken.contains(name));
        name
    };
    let store = index.path().join("store.sqlite");
    {
        let db = rusqlite::Connection::open(&store).unwrap();
        db.execute(
            "INSERT INTO tombstones(kind, value, change, at) VALUES('person', ?1, 0, '2025-01-01')",
            [name],
        )
        .unwrap();
    }
    let bank = Storybank::open(&quick).unwrap();
    let values: Vec<(String, String)> = {
        let db = rusqlite::Connection::open(&store).unwrap();
        let mut statement = db.prepare("SELECT kind, value FROM tombstones").unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(values.len(), 1, "{values:?}");
    assert_eq!(values[0].0, "person-hashed");
    assert!(!values[0].1.contains("Thornbury") && !values[0].1.contains("Gemma"));
    // Re-ingesting the transcript applies the hashed erasure.
    let before = bank.deal("S-2001").unwrap().quotes.len();
    bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    assert!(bank.deal("S-2001").unwrap().quotes.len() < before, "her quotes are erased");
    assert!(bank.raw_transcript("S-2001").is_err());
}

/// A serving instance sees what another process (here: another instance on the same folder, as
/// a CLI `ingest` or `forget` would be) changed, after `reload_if_changed`, which `serve` runs
/// every two seconds.
#[tokio::test]
async fn a_serving_instance_reloads_what_another_process_changed() {
    let index = tempfile::tempdir().unwrap();
    let mut quick = settings(index.path());
    quick.pii_tagger = false;
    let server = std::sync::Arc::new(Storybank::open(&quick).unwrap());
    assert_eq!(server.stats().unwrap().deals, 0);
    assert!(!server.reload_if_changed().unwrap(), "nothing changed yet");

    let cli = Storybank::open(&quick).unwrap();
    cli.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    assert!(server.reload_if_changed().unwrap());
    assert_eq!(server.stats().unwrap().deals, 10);
    let (status, body) =
        call(&server, "POST", "/v1/search", Some(json!({"query": "security questionnaire"}))).await;
    assert_eq!(status.as_u16(), 200);
    assert!(!results(&body).is_empty(), "the reloaded keyword and vector indexes answer");
    assert!(!server.reload_if_changed().unwrap(), "no second reload without a change");

    cli.forget_deal("S-2003").unwrap();
    assert!(server.reload_if_changed().unwrap());
    let (status, _) = call(&server, "GET", "/v1/deals/S-2003", None).await;
    assert_eq!(status.as_u16(), 404);

    // The server's own changes do not make it reload itself.
    let quote = server.deal("S-2001").unwrap().quotes[0].quote_id.clone();
    let correction =
        storybank::themes::TagCorrection { themes: Some(vec!["pricing".into()]), polarity: None };
    server.correct_tags(&quote, correction).unwrap();
    assert!(!server.reload_if_changed().unwrap());
}

//! Privacy through the real pipeline: the PII tagger, ingest and the HTTP router. Ordinary
//! words stay words, every response body is guarded, `reanonymize` keeps quote ids and applies
//! new rules, `pii-scan` audits by deal id, and generated interviews from many markets leak
//! nothing with the CRM seed on.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};
use storybank::Storybank;

use crate::common::{call, pii_leaks, pii_strings, sample_dir, settings};

fn quote_texts(deal: &Value) -> String {
    deal["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            format!("{}\n{}\n", q["text"].as_str().unwrap(), q["context"].as_str().unwrap_or(""))
        })
        .collect()
}

/// The four sample sentences whose ordinary words once became people (issue 11), and one more.
#[tokio::test]
async fn ordinary_words_next_to_name_cues_stay_words() {
    let bank = crate::common::shared().bank.clone();
    let expectations = [
        ("S-2001", "[COLLEAGUE 1] owns [ACCOUNT], he approves"),
        ("S-2010", "Honestly, good."),
        ("S-2007", "Our finance director cared more about the payback"),
        ("S-2009", "she arranged a call with their CISO"),
        ("S-2005", "Fine. [REP] was patient"),
    ];
    for (deal, phrase) in expectations {
        let (status, body) = call(&bank, "GET", &format!("/v1/deals/{deal}"), None).await;
        assert!(status.is_success());
        let text = quote_texts(&body);
        assert!(text.contains(phrase), "{deal}: {phrase:?} not served verbatim");
    }
}

fn fresh_sample_bank() -> (tempfile::TempDir, Arc<Storybank>) {
    let index = tempfile::tempdir().unwrap();
    let bank = Storybank::open(&settings(index.path())).unwrap();
    let report = bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    (index, Arc::new(bank))
}

/// A name typed into a story's notes or a pack's description never comes back out, in JSON or
/// in an export.
#[tokio::test]
async fn every_response_body_is_guarded() {
    let (_index, bank) = fresh_sample_bank();
    let (status, story) = call(
        &bank,
        "POST",
        "/v1/stories",
        Some(json!({"quote_id": "S-2001-q002", "notes": "Gemma Thornbury said this; ask Felix at copperleaf"})),
    )
    .await;
    assert!(status.is_success(), "{story}");
    let notes = story["notes"].as_str().unwrap();
    assert!(!notes.contains("Gemma") && !notes.contains("Felix"), "{notes}");
    assert!(!notes.to_lowercase().contains("copperleaf"), "{notes}");
    assert!(notes.contains("[REDACTED]"), "{notes}");
    let (_, pack) = call(
        &bank,
        "POST",
        "/v1/packs",
        Some(json!({"name": "Pricing", "description": "from Casper Lindqvist's deals"})),
    )
    .await;
    let id = pack["pack_id"].as_str().unwrap().to_string();
    let story_id = story["story_id"].as_str().unwrap();
    let (status, _) = call(
        &bank,
        "POST",
        &format!("/v1/packs/{id}/stories"),
        Some(json!({"story_id": story_id})),
    )
    .await;
    assert!(status.is_success());
    for format in ["md", "html", "csv", "json"] {
        let (status, body) =
            call(&bank, "GET", &format!("/v1/packs/{id}/export?format={format}"), None).await;
        assert!(status.is_success(), "{format}: {body}");
        let text = body.to_string();
        for name in ["Gemma", "Thornbury", "Felix", "Casper", "Lindqvist"] {
            assert!(!text.contains(name), "{format} export carries {name}");
        }
    }
}

/// Served text rebuilt from the raw transcripts: a stored quote that still carries a CRM name
/// (as an index built with older rules would) is found by `pii_scan` and fixed by
/// `reanonymize`, with every quote id, story and theme correction kept.
#[tokio::test]
async fn reanonymize_applies_current_rules_and_keeps_ids() {
    let (index, bank) = fresh_sample_bank();
    let before: Vec<(String, Vec<String>)> = ["S-2001", "S-2007"]
        .iter()
        .map(|deal| {
            let view = bank.deal(deal).unwrap();
            (deal.to_string(), view.quotes.iter().map(|q| q.quote_id.clone()).collect())
        })
        .collect();
    let (status, story) =
        call(&bank, "POST", "/v1/stories", Some(json!({"quote_id": "S-2001-q003"}))).await;
    assert!(status.is_success(), "{story}");
    let (status, _) = call(
        &bank,
        "POST",
        "/v1/quotes/S-2001-q003/themes",
        Some(json!({"themes": ["pricing"], "polarity": "criticism"})),
    )
    .await;
    assert!(status.is_success());
    assert!(bank.pii_scan().unwrap().is_empty(), "a fresh ingest is clean");
    // Simulate text anonymized by older rules: put a CRM name back into a stored quote.
    drop(bank);
    let db = storybank::store::db::Db::open(index.path()).unwrap();
    let mut record = db.deal("S-2001").unwrap().unwrap();
    record.quotes[2].text = format!("{} Gemma said so.", record.quotes[2].text);
    db.write(|tx| tx.put_deal(&record, None)).unwrap();
    drop(db);
    let bank = Storybank::open_existing(&settings(index.path())).unwrap();
    let findings = bank.pii_scan().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].deal_id, "S-2001");
    let report = bank.reanonymize(&|_, _| {}).unwrap();
    assert_eq!(report.deals, 10, "{report:?}");
    assert!(report.skipped.is_empty() && report.quotes_gone.is_empty(), "{report:?}");
    assert!(report.quotes_changed >= 1, "{report:?}");
    assert!(bank.pii_scan().unwrap().is_empty());
    for (deal, ids) in before {
        let view = bank.deal(&deal).unwrap();
        let now: Vec<String> = view.quotes.iter().map(|q| q.quote_id.clone()).collect();
        assert_eq!(now, ids, "{deal}: quote ids changed");
    }
    let quote = bank.deal("S-2001").unwrap().quotes.into_iter().nth(2).unwrap();
    assert!(!quote.text.contains("Gemma"));
    assert_eq!(quote.themes, vec!["pricing".to_string()], "the correction survives");
    let bank = Arc::new(bank);
    let (status, story) =
        call(&bank, "GET", &format!("/v1/stories/{}", story["story_id"].as_str().unwrap()), None)
            .await;
    assert!(status.is_success(), "the story survives: {story}");
}

/// Issue 11's property test: 200 generated interviews from many markets and naming cultures,
/// in all three formats, ingested with the CRM seed on (the normal path): no pii.txt string in
/// any response, and no planted ordinary word turned into a placeholder. With the seed off
/// (detection alone) at most 2% of the strings survive. Fixed seed, so a failure replays.
#[tokio::test]
async fn generated_interviews_leak_nothing() {
    let corpus = tempfile::tempdir().unwrap();
    let seed = 20_261_203;
    storybank::eval::generate::generate(
        corpus.path(),
        &storybank::eval::generate::GenerateOptions { interviews: 200, seed },
    )
    .unwrap();
    let index = tempfile::tempdir().unwrap();
    let mut hashed = settings(index.path());
    // Search quality is not under test here: the stand-in embedder keeps this fast.
    hashed.embedder = storybank::config::EmbedderKind::Hashed;
    let bank = Arc::new(Storybank::open(&hashed).unwrap());
    let report = bank.ingest_dir(corpus.path(), &|_| {}).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.deals, 200);
    let pii = pii_strings(corpus.path());
    let mut bodies: Vec<(String, String)> = vec![];
    for deal in crate::common::deal_ids(corpus.path()) {
        let (status, body) = call(&bank, "GET", &format!("/v1/deals/{deal}"), None).await;
        assert!(status.is_success(), "{deal}: {body}");
        bodies.push((deal, body.to_string()));
    }
    for uri in ["/v1/deals", "/v1/facets", "/v1/themes", "/v1/analytics/win-rates?by=segment"] {
        let (_, body) = call(&bank, "GET", uri, None).await;
        bodies.push((uri.to_string(), body.to_string()));
    }
    for query in ["why did we lose on price", "security review took weeks", "who was the champion"]
    {
        let (_, body) =
            call(&bank, "POST", "/v1/search", Some(json!({"query": query, "limit": 50}))).await;
        bodies.push((query.to_string(), body.to_string()));
    }
    let leaks: Vec<String> = bodies
        .iter()
        .flat_map(|(where_, body)| {
            pii_leaks(body, &pii).into_iter().map(move |leak| format!("{where_}: {leak}"))
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "seed {seed}: {} leaks: {:?}",
        leaks.len(),
        &leaks[..leaks.len().min(20)]
    );
    let detection = storybank::eval::anonymize::corpus(corpus.path(), tagger(), false).unwrap();
    let share = detection.surviving.len() as f64 / detection.pii_strings as f64;
    assert!(share <= 0.02, "seed off: {:.1}% survive: {:?}", share * 100.0, detection.surviving);
    assert!(detection.over_redaction_rate <= 0.005, "{}", detection.over_redaction_rate);
    assert_eq!(detection.competitor_redactions, 0);
    let seeded = storybank::eval::anonymize::corpus(corpus.path(), tagger(), true).unwrap();
    assert!(seeded.surviving.is_empty(), "seed on: {:?}", seeded.surviving);
    assert!(seeded.keep_broken.is_empty(), "ordinary words redacted: {:?}", seeded.keep_broken);
    assert!(
        detection.keep_broken.is_empty(),
        "ordinary words redacted: {:?}",
        detection.keep_broken
    );
}

/// Thirteen corpora from markets nobody tuned on when they were written, each by a helper blind to
/// the anonymizer: farm software in Brazil, Argentina, Kenya, Nigeria, the Philippines, New
/// Zealand and South Africa (`agri`); construction software in the Gulf, Poland, Austria,
/// Turkey, Vietnam, West Africa and Québec (`build`); AP software in India, Indonesia, Japan,
/// Korea, Latin America, Israel and Egypt, three interviews of it raw lower-case captions
/// (`fin`); school software in the Low Countries, Switzerland, Italy, Greece, Portugal and the
/// Nordics (`edu`); restaurant and hotel software in the US South, the Caribbean, Ireland,
/// Scotland and Australia (`hosp`); field-inspection software for utilities in Eastern
/// Europe, Central Asia, China and the Maghreb (`energy`); and freight and cold-chain software
/// in West and East Africa, South Asia and South-East Asia (`logi`, whose over-redaction is
/// mostly the big cities its writer left out of `pii.txt`); and dental and clinic software in
/// Japan, Korea, Taiwan, Turkey, Israel, Poland, Czechia, Austria, Germany, the Nordics and
/// Québec (`dent`: family-name-first order, honorific suffixes, patronymics, initials of
/// hyphenated given names, district suffixes, VAT numbers); and law-firm software in Spain,
/// Italy, Malta, Cyprus, Morocco, Senegal, Côte d'Ivoire, Cameroon, Haiti, Fiji, Samoa,
/// Aotearoa and Hawaii (`law`: titles of lawyers, court and tax numbers, post boxes, streets
/// named after their street word, raw Italian captions); and pharmacy software in Hungary,
/// Romania, Moldova, the Western Balkans, Bulgaria, the Baltics, Peru, Bolivia and Ecuador
/// (`pharm`: family-name-first and inflected names, Cyrillic, pharmacies whose noun opens
/// their name, festivals, drug names, spoken phones, raw captions); and facilities-management
/// software in the Gulf, the Levant, Iraq, Iran and Pakistan (`fm`: Arabic particles and kunyas,
/// Persian honorifics, lettered blocks and numbered roads, short address codes, work-order,
/// CR and VAT numbers, lower-case IBANs in captions, Hijri and Persian months); and charity and
/// housing software in England, Wales, Scotland, Ireland, Australia and Canada (`ngo`: Welsh
/// mutations and patronymics, postcodes and Eircodes written and spelled aloud, charity
/// numbers, buildings named by their noun, ordinary-word names in raw captions); and insurance
/// and payroll software in Brazil, Portugal, Lusophone Africa, Mexico, Central America and the
/// Caribbean (`lus`: compound names with particles, diminutives, NIPC, DPI and CPF numbers,
/// phones read in Spanish, neighbourhoods after "sector", festivals opened by their noun); and
/// property-management software across the United States (`us`: towns that are words, counties,
/// vanity phone numbers, housing-agency codes, nicknames of the property, acronyms of compound
/// names); and quality software for factories in East and Southeast Asia (`asia`:
/// family-name-first names, messenger ids, business numbers, lots, puroks, chome addresses,
/// industrial buildings; its raw caption has no speaker labels, which ingest refuses); and
/// construction software from Ukraine to Central Asia, Turkey and Israel (`eur`: transliterated
/// and patronymic names, Uzbek suffixes, Turkish and Azerbaijani street words, phones read in
/// Turkish, Azerbaijani and Russian words); and microfinance software in francophone Africa,
/// Madagascar, Haiti and Morocco (`afr`: phones read in French pairs, quartiers, lot codes,
/// Malagasy names, greetings of a dozen languages); and care scheduling in the Nordics and
/// Baltics (`nord`: given names that are words, patronymics, gendered Baltic surnames,
/// personal and organisation numbers, phones read in Swedish and Finnish number words); and
/// school software in India, Sri Lanka, Nepal and Bangladesh (`ind`: honorific suffixes,
/// initials before names, plot, sector and ward addresses, UPI ids, phones read in Hindi,
/// schools run by trusts); and club and council software in Australia, New Zealand, the
/// Pacific and Canada (`oce`: nicknames that are words, Māori, Samoan and Fijian names,
/// postcodes closing an address, band and corporation numbers); and maintenance software in
/// Germany, Austria, Switzerland, the Benelux and Czechia (`dach`: surnames that are words,
/// stacked titles, tussenvoegsels, German common nouns, register numbers, phones read in Dutch);
/// and fleet software across Latin America (`latam`: names that are virtues, nicknames, double
/// surnames, phones read in Spanish pairs, RTN, RUT and CUIT numbers); and church, school and
/// cooperative finance in anglophone Africa and the Caribbean (`anglo`: virtue names, church
/// honorifics, estates, paybill and slashed registration numbers); and a fifth round
/// (`celt`: farm vets in the UK and Ireland, phones read in Welsh and Irish, herd and
/// insurance numbers; `med`: wineries and mills around the Mediterranean, estates, frazioni
/// and spoken e-mails of regional domains; `levant`: IT services in Israel, Turkey, Iran and
/// the Caucasus, Turkish addresses and initialisms; `east`: contact centres in Japan, Korea,
/// Taiwan, the Philippines and Vietnam, honorific titles and phones read in Tagalog and
/// Japanese; `franco`: ski resorts and tourist offices in France, Belgium, Switzerland,
/// Luxembourg and Monaco, phones read in Belgian French and register numbers); and a sixth
/// round (`china`: freight forwarders in Greater China, Singapore and Malaysia, Hong Kong
/// buildings, rooms and initialisms of a brand's syllables; `slav`: grain elevators from
/// Ukraine to Uzbekistan, patronymics, micro-district addresses, legal forms after the name;
/// `lowl`: greenhouse growers in the Low Countries, Suriname, the Antilles and South Africa,
/// name particles, Dutch postcodes and post boxes, phones read in Afrikaans; `sind`:
/// diagnostic labs in South India, Sri Lanka and the Tamil diaspora, kinship words after
/// names, ward building numbers, PANs of trusts; `nusa`: microfinance in Indonesia, Malaysia,
/// Thailand, Cambodia, Laos and Myanmar, honorifics, Thai nicknames, phones read in Indonesian).
/// They
/// hold ordinary-word names and
/// towns, titles of many languages, nicknames, accounts named with ordinary words, handles,
/// registration numbers, vehicle plates and names in other scripts. The first two leak
/// nothing, with the CRM seed or without it; the others at most what they leaked when their
/// fixes were made (see the README for what is left). No competitor is redacted, and over-redaction stays at its
/// measured level.
#[test]
fn other_market_corpora_leak_nothing() {
    let tagger = tagger();
    // (corpus, most strings surviving with the CRM seed on, and off; most over-redaction)
    for (corpus, most_on, most_off, most_over) in [
        ("agri", 0, 0, 0.006),
        ("build", 0, 0, 0.006),
        ("fin", 4, 4, 0.006),
        ("edu", 2, 5, 0.007),
        ("hosp", 4, 8, 0.006),
        ("energy", 7, 8, 0.006),
        ("logi", 3, 5, 0.010),
        ("dent", 0, 4, 0.004),
        ("law", 3, 3, 0.007),
        ("pharm", 0, 0, 0.008),
        ("fm", 3, 7, 0.007),
        ("ngo", 5, 6, 0.004),
        ("lus", 0, 0, 0.008),
        ("us", 1, 5, 0.005),
        ("asia", 1, 1, 0.009),
        ("eur", 0, 3, 0.007),
        ("afr", 2, 4, 0.008),
        ("nord", 0, 4, 0.004),
        ("ind", 0, 0, 0.008),
        ("oce", 5, 16, 0.006),
        ("dach", 1, 3, 0.008),
        ("latam", 0, 2, 0.011),
        ("anglo", 0, 1, 0.008),
        ("celt", 2, 6, 0.005),
        ("med", 0, 3, 0.009),
        ("levant", 4, 7, 0.006),
        ("east", 2, 5, 0.008),
        ("franco", 3, 9, 0.008),
        ("china", 2, 4, 0.005),
        ("slav", 2, 2, 0.008),
        ("lowl", 3, 6, 0.007),
        ("sind", 0, 2, 0.009),
        ("nusa", 6, 9, 0.011),
    ] {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/privacy").join(corpus);
        for crm in [false, true] {
            let report = storybank::eval::anonymize::corpus(&path, tagger.clone(), crm).unwrap();
            let most = if crm { most_on } else { most_off };
            assert!(report.pii_strings > 250, "{corpus}: {}", report.pii_strings);
            assert!(report.surviving.len() <= most, "{corpus}, crm {crm}: {:?}", report.surviving);
            assert_eq!(report.competitor_redactions, 0, "{corpus}");
            assert!(
                report.over_redaction_rate <= most_over,
                "{corpus}: {}",
                report.over_redaction_rate
            );
        }
    }
}

fn tagger() -> Option<Arc<storybank::anonymize::ner::NerModel>> {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join(".models");
    Some(Arc::new(storybank::anonymize::ner::NerModel::load(&models, None, 2).unwrap()))
}

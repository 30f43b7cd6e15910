//! Ingest through the library: re-ingest, bad files in a batch, incompatible indexes, reindex.

use std::path::Path;

use serde_json::json;
use storybank::Storybank;

use crate::common::{call, results, sample_dir, settings};

/// Copies the sample corpus into `dest` so a test can add broken files to it.
pub fn copy_sample(dest: &Path) {
    let source = sample_dir();
    std::fs::create_dir_all(dest.join("transcripts")).unwrap();
    for name in ["deals.csv", "competitors.toml"] {
        std::fs::copy(source.join(name), dest.join(name)).unwrap();
    }
    for entry in std::fs::read_dir(source.join("transcripts")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dest.join("transcripts").join(path.file_name().unwrap())).unwrap();
    }
}

/// Adds two deals whose transcripts are malformed, and one orphan transcript.
pub fn add_broken_files(corpus: &Path) {
    let mut deals = std::fs::read_to_string(corpus.join("deals.csv")).unwrap();
    deals.push_str("S-2901,Broken Co,lost,Tallyfold,1000,smb,retail,NA,CFO,inbound,demo,2025-01-01,price,,Rep Person,Bea Broken,Ines Calloway\n");
    deals.push_str("S-2902,Shattered Inc,won,,2000,smb,retail,NA,CFO,inbound,demo,2025-01-02,,price,Rep Person,Sam Shattered,Ines Calloway\n");
    deals.push_str("S-2903,Bad Row,perhaps,,,,,,,,,2025-01-03,,,,,\n");
    std::fs::write(corpus.join("deals.csv"), deals).unwrap();
    std::fs::write(corpus.join("transcripts/S-2901.vtt"), "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\n<v Ines Calloway>Hi?</v>\n\n2\n00:00:05,000 -> later\n<v Bea Broken>Words.</v>\n").unwrap();
    std::fs::write(corpus.join("transcripts/S-2902.json"), "{\"deal_id\": \"S-2902\",\n \"utterances\": [\n  {\"speaker\": \"Sam\", \"text\": \"unterminated\n").unwrap();
    std::fs::write(corpus.join("transcripts/S-2999.txt"), "Ines Calloway: Hello?\n\nSomeone Else: Hi, this deal is not in the CRM export at all.\n\nInes Calloway: Thanks.\n").unwrap();
}

#[test]
fn a_bad_file_is_reported_and_the_rest_of_the_batch_is_ingested() {
    let corpus = tempfile::tempdir().unwrap();
    copy_sample(corpus.path());
    add_broken_files(corpus.path());
    let index = tempfile::tempdir().unwrap();
    let bank = Storybank::open(&settings(index.path())).unwrap();
    let report = bank.ingest_dir(corpus.path(), &|_| {}).unwrap();
    let messages: Vec<String> =
        report.failures.iter().map(|f| format!("{}:{}: {}", f.file, f.line, f.message)).collect();
    assert_eq!(report.failures.len(), 4, "{messages:#?}");
    assert!(
        messages.iter().any(|m| m.contains("deals.csv:14:") && m.contains("unknown outcome")),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("S-2901.vtt:8:") && m.contains("timing")),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("S-2902.json:") && m.contains("invalid transcript JSON")),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("S-2999.txt") && m.contains("no valid deals.csv row")),
        "{messages:#?}"
    );
    // The ten good deals are all there; the broken ones are not half-ingested.
    assert_eq!(report.deals, 10);
    assert_eq!(report.transcripts, 10);
    assert!(bank.deal("S-2004").is_ok());
    assert!(bank.deal("S-2901").is_err() && bank.deal("S-2902").is_err());
}

#[tokio::test]
async fn reingest_replaces_instead_of_duplicating_and_reindex_restores() {
    let index = tempfile::tempdir().unwrap();
    let bank = std::sync::Arc::new(Storybank::open(&settings(index.path())).unwrap());
    let first = bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    let second = bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    assert_eq!(first.quotes, second.quotes);
    assert_eq!(second.cached_vectors, second.quotes, "re-ingest reuses cached vectors");
    assert_eq!(bank.stats().unwrap().quotes, first.quotes);
    let request = json!({"query": "Tallyfold NetSuite connector", "limit": 100});
    let (_, body) = call(&bank, "POST", "/v1/search", Some(request.clone())).await;
    let ids: Vec<&str> = results(&body).iter().map(|q| q["quote_id"].as_str().unwrap()).collect();
    let unique: std::collections::HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "duplicate quotes after re-ingest");
    // Reopen from disk without the keyword index, then rebuild both indexes from the records.
    let before = ids.len();
    drop(bank);
    std::fs::remove_dir_all(index.path().join("keyword")).unwrap();
    let reopened = std::sync::Arc::new(Storybank::open_existing(&settings(index.path())).unwrap());
    assert_eq!(reopened.reindex(&|_, _| {}).unwrap(), first.quotes);
    let (_, body) = call(&reopened, "POST", "/v1/search", Some(request)).await;
    assert_eq!(results(&body).len(), before);
}

#[test]
fn an_index_built_with_another_model_is_refused() {
    let index = tempfile::tempdir().unwrap();
    let mut hashed = settings(index.path());
    hashed.embedder = storybank::config::EmbedderKind::Hashed;
    drop(Storybank::open(&hashed).unwrap());
    let err = Storybank::open_existing(&settings(index.path())).unwrap_err();
    assert_eq!(err.code(), storybank::Code::IndexIncompatible);
    assert!(err.to_string().contains("hashed-384-v1"), "{err}");
    let missing = tempfile::tempdir().unwrap();
    let err = Storybank::open_existing(&settings(&missing.path().join("none"))).unwrap_err();
    assert_eq!(err.code(), storybank::Code::IndexMissing);
}

/// A folder `name` under `models` whose files link to the installed default model's.
fn linked_default_model(
    defaults: &storybank::config::Settings,
    models: &Path,
    name: &str,
) -> std::path::PathBuf {
    let source = defaults.model.models_dir.join(storybank::embed::DEFAULT_MODEL);
    let folder = models.join(name);
    std::fs::create_dir(&folder).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::os::unix::fs::symlink(entry.path(), folder.join(entry.file_name())).unwrap();
    }
    folder
}

#[test]
fn a_question_embeds_like_its_instruction_and_text() {
    // A question is embedded by a pooled session with the model's query instruction, and the
    // query cache answers a repeat with the same vector.
    use storybank::embed::{BGE_QUERY_PREFIX, Embedder};
    let index = tempfile::tempdir().unwrap();
    let mut config = settings(index.path()).model;
    config.threads = 2;
    let embedder = Embedder::load(&config).unwrap();
    for question in ["why did we lose on price?", "what did buyers say about onboarding in Q3"] {
        let asked = embedder.embed_query(question).unwrap();
        let written =
            embedder.embed_passages(&[&format!("{BGE_QUERY_PREFIX}{question}")]).unwrap().remove(0);
        assert_eq!(asked.len(), written.len());
        let most = asked.iter().zip(&written).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(most < 1e-5, "{question}: vectors differ by {most}");
        assert_eq!(embedder.embed_query(question).unwrap(), asked, "{question}: cached");
    }
}

#[test]
fn a_model_folder_with_a_spec_file_is_its_own_model() {
    use storybank::embed::{Embedder, MODEL_SPEC_FILE};
    let index = tempfile::tempdir().unwrap();
    let defaults = settings(index.path());
    let models = tempfile::tempdir().unwrap();
    let folder = linked_default_model(&defaults, models.path(), "my-model");
    let spec = |passage_prefix: &str| {
        format!(
            "pooling = \"cls\"\nquery_prefix = \"Represent this sentence for searching relevant \
             passages: \"\npassage_prefix = \"{passage_prefix}\"\ndynamic_int8 = true\n"
        )
    };
    std::fs::write(folder.join(MODEL_SPEC_FILE), spec("")).unwrap();
    let mut custom = defaults.model.clone();
    custom.model = folder.display().to_string();
    let default_model = Embedder::load(&defaults.model).unwrap();
    let same = Embedder::load(&custom).unwrap();
    assert!(same.model_id().starts_with("my-model#"), "{}", same.model_id());
    let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5);
    let question = "why did we lose on price?";
    assert!(close(
        &same.embed_query(question).unwrap(),
        &default_model.embed_query(question).unwrap()
    ));

    std::fs::write(folder.join(MODEL_SPEC_FILE), spec("passage: ")).unwrap();
    let prefixed = Embedder::load(&custom).unwrap();
    assert_ne!(prefixed.model_id(), same.model_id(), "the spec is part of the model's identity");
    std::fs::write(folder.join(MODEL_SPEC_FILE), spec("passage: ") + "theme_min_score = 0.5\n")
        .unwrap();
    let retuned = Embedder::load(&custom).unwrap();
    assert_eq!(retuned.model_id(), prefixed.model_id(), "theme thresholds do not change vectors");
    assert_eq!(retuned.theme_params().min_score, 0.5);
    let quote = "Their onboarding team lived in our Slack.";
    assert!(close(
        &prefixed.embed_passages(&[quote]).unwrap()[0],
        &default_model.embed_passages(&[&format!("passage: {quote}")]).unwrap()[0]
    ));

    drop(Storybank::open(&defaults).unwrap());
    let mut other = defaults.clone();
    other.model = custom;
    let err = Storybank::open_existing(&other).unwrap_err();
    assert_eq!(err.code(), storybank::Code::IndexIncompatible);
    assert!(err.to_string().contains("my-model#"), "{err}");
}

/// `--model a+b`: one index over two models, each query or quote vector the members' unit
/// vectors side by side, scaled so that a cosine is the mean of the members' cosines.
#[test]
fn an_ensemble_of_models_is_one_model_of_both_vectors() {
    use storybank::embed::{DEFAULT_MODEL, Embedder};
    let index = tempfile::tempdir().unwrap();
    let defaults = settings(index.path());
    let models = tempfile::tempdir().unwrap();
    // The same weights read another way (no spec file, a name not starting with `bge`: mean
    // pooling, no query instruction): a second member whose vectors differ.
    let folder = linked_default_model(&defaults, models.path(), "mean-pooled");
    let mut second = defaults.model.clone();
    second.model = folder.display().to_string();
    let mut both = defaults.model.clone();
    both.model = format!("{DEFAULT_MODEL}+{}", folder.display());
    let mut ensemble = defaults.clone();
    ensemble.model = both.clone();
    let (first, second, both) = (
        Embedder::load(&defaults.model).unwrap(),
        Embedder::load(&second).unwrap(),
        Embedder::load(&both).unwrap(),
    );
    assert_eq!(both.model_id(), format!("{DEFAULT_MODEL}+mean-pooled"));
    assert_eq!(both.dimension(), first.dimension() + second.dimension());
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let question = "why did we lose on price?";
    let quote = "Their onboarding team lived in our Slack, and the price was forty percent higher.";
    let (q, p) = (both.embed_query(question).unwrap(), both.embed_passages(&[quote]).unwrap());
    assert_eq!(q.len(), both.dimension());
    assert!((dot(&q, &q) - 1.0).abs() < 1e-4, "a unit vector");
    let mean =
        (dot(&first.embed_query(question).unwrap(), &first.embed_passages(&[quote]).unwrap()[0])
            + dot(
                &second.embed_query(question).unwrap(),
                &second.embed_passages(&[quote]).unwrap()[0],
            ))
            / 2.0;
    assert!((dot(&q, &p[0]) - mean).abs() < 1e-4, "{} vs {mean}", dot(&q, &p[0]));
    let mean_params = (first.theme_params().min_score + second.theme_params().min_score) / 2.0;
    assert!((both.theme_params().min_score - mean_params).abs() < 1e-6);

    drop(Storybank::open(&ensemble).unwrap());
    let err = Storybank::open_existing(&defaults).unwrap_err();
    assert_eq!(err.code(), storybank::Code::IndexIncompatible, "{err}");
}

/// Exports as the tools produce them: a Salesforce opportunity report as deals.csv, and an SRT
/// (Zoom/Rev), a Zoom VTT (`Name:` cues), a Teams VTT (`<v Name>`), an Otter TXT and a Gong-style
/// JSON transcript.
#[test]
fn crm_reports_and_meeting_tool_exports_are_ingested_as_they_come() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/intake");
    let index = tempfile::tempdir().unwrap();
    let mut settings = crate::common::settings(index.path());
    settings.embedder = storybank::config::EmbedderKind::Hashed;
    let bank = storybank::Storybank::open(&settings).unwrap();
    let report = bank.ingest_dir(&corpus, &|_| {}).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!((report.deals, report.transcripts), (5, 5), "{report:?}");
    let pii = crate::common::pii_strings(&corpus);
    let interviewer_words = [
        "What tipped the decision",
        "why did you choose us",
        "What made Brackwater",
        "Would you pick it up",
        "instead of moving to Veritill",
    ];
    for deal in bank.deals().unwrap() {
        let view = bank.deal(&deal.deal_id).unwrap();
        assert!(!view.quotes.is_empty(), "{} has no quotes", deal.deal_id);
        for quote in &view.quotes {
            let leaks = crate::common::pii_leaks(&quote.text, &pii);
            assert!(leaks.is_empty(), "{}: {leaks:?} in {}", deal.deal_id, quote.text);
            for words in interviewer_words {
                assert!(
                    !quote.text.contains(words),
                    "an interviewer turn became a quote: {}",
                    quote.text
                );
            }
        }
    }
    let paused = bank.deal("0065g00001IntD").unwrap();
    assert_eq!(paused.info.outcome.map(|o| o.as_str()), Some("no_decision"));
    assert_eq!(paused.info.close_date.unwrap().to_string(), "2025-06-30");
    assert!(
        paused.quotes.iter().any(|q| q.text.contains("seven weeks")),
        "the Otter turn after a blank line"
    );
    let gong = bank.deal("0065g00001IntE").unwrap();
    assert!(gong.quotes.iter().any(|q| q.text.contains("ERP connector")), "{:?}", gong.quotes);
    let lost = bank.deal("0065g00001IntA").unwrap();
    assert_eq!(lost.info.competitors, vec!["Tallyfold"]);
    assert!(lost.quotes.iter().any(|q| q.text.contains("in our Slack channel")));
}

/// `storybank watch`: files are taken once they hold still, each once; a changed file is taken
/// again, a touched one is not, a broken one is reported once; a restart remembers.
#[test]
fn a_watched_folder_ingests_each_settled_file_once() {
    use storybank::watch::Watcher;
    let folder = tempfile::tempdir().unwrap();
    copy_sample(folder.path());
    let index = tempfile::tempdir().unwrap();
    let mut settings = settings(index.path());
    settings.embedder = storybank::config::EmbedderKind::Hashed;
    let bank = Storybank::open(&settings).unwrap();
    let mut watcher = Watcher::new(&bank, folder.path()).unwrap();
    assert!(watcher.poll().unwrap().is_none(), "new files wait one interval");
    let round = watcher.poll().unwrap().expect("the settled files are taken");
    assert_eq!(round.report.deals, 10, "{:?}", round.report);
    assert!(round.report.failures.is_empty(), "{:?}", round.report.failures);
    assert!(watcher.poll().unwrap().is_none(), "each file once");

    // A changed transcript is taken again (only its deal); a touched one is not.
    let transcripts = folder.path().join("transcripts");
    let changed = transcripts.join("S-2001.txt");
    let mut text = std::fs::read_to_string(&changed).unwrap();
    text.push_str("\n[00:09:00] Gemma Thornbury (Controller, Copperleaf Bistro Group): One more thing: the mobile app crashed on every older iPad we had.\n");
    std::fs::write(&changed, text).unwrap();
    let touched = transcripts.join("S-2003.txt");
    let same = std::fs::read(&touched).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&touched, same).unwrap();
    std::fs::write(transcripts.join("S-2005.vtt"), "WEBVTT\n\nnot a cue at all\n").unwrap();
    assert!(watcher.poll().unwrap().is_none());
    let round = watcher.poll().unwrap().expect("the changed files");
    assert_eq!(round.report.deal_ids, vec!["S-2001".to_string()], "{:?}", round.report);
    assert!(
        round.files.iter().all(|f| !f.ends_with("S-2003.txt")),
        "touched only: {:?}",
        round.files
    );
    assert!(
        round.report.failures.iter().any(|f| f.file.contains("S-2005.vtt")),
        "{:?}",
        round.report.failures
    );
    let quotes = bank.deal("S-2001").unwrap().quotes;
    assert!(quotes.iter().any(|q| q.text.contains("older iPad")));

    // A restart remembers what was handled; the broken file is not retried until it changes.
    drop(watcher);
    let mut again = Watcher::new(&bank, folder.path()).unwrap();
    assert!(again.poll().unwrap().is_none());
    assert!(again.poll().unwrap().is_none(), "nothing is ingested twice after a restart");
    let report = std::fs::read_to_string(index.path().join("watch-report.jsonl")).unwrap();
    assert_eq!(report.lines().count(), 2, "one line per round");
    assert!(!report.contains("older iPad"), "the report holds no transcript text");
}

/// A Word document whose paragraphs are these lines (as Word writes them: runs in paragraphs).
fn docx(lines: &[&str]) -> Vec<u8> {
    let body: String = lines
        .iter()
        .map(|line| {
            let text = line.replace('&', "&amp;").replace('<', "&lt;");
            format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
        })
        .collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut out = std::io::Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("word/document.xml", options).unwrap();
    std::io::Write::write_all(&mut writer, xml.as_bytes()).unwrap();
    writer.finish().unwrap();
    out.into_inner()
}

#[test]
fn a_word_transcript_is_ingested_kept_as_text_and_reanonymized() {
    let corpus = tempfile::tempdir().unwrap();
    let intake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/intake");
    std::fs::copy(intake.join("deals.csv"), corpus.path().join("deals.csv")).unwrap();
    std::fs::create_dir(corpus.path().join("transcripts")).unwrap();
    let otter = std::fs::read_to_string(intake.join("transcripts/0065g00001IntD.txt")).unwrap();
    let lines: Vec<&str> = otter.lines().collect();
    std::fs::write(corpus.path().join("transcripts/0065g00001IntD.docx"), docx(&lines)).unwrap();
    let index = tempfile::tempdir().unwrap();
    let mut settings = settings(index.path());
    settings.embedder = storybank::config::EmbedderKind::Hashed;
    let bank = Storybank::open(&settings).unwrap();
    let report = bank.ingest_dir(corpus.path(), &|_| {}).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.transcripts, 1);
    let deal = bank.deal("0065g00001IntD").unwrap();
    assert!(deal.quotes.iter().any(|q| q.text.contains("seven weeks")), "{:?}", deal.quotes);
    assert!(deal.quotes.iter().all(|q| !q.text.contains("Mads")), "anonymized");
    // The raw transcript kept for admins is the document's text; re-anonymizing reads it.
    assert!(bank.raw_transcript("0065g00001IntD").unwrap().contains("new CFO start"));
    let again = bank.reanonymize(&|_, _| {}).unwrap();
    // Only the deals stored without a transcript are skipped.
    assert!(!again.skipped.iter().any(|s| s.starts_with("0065g00001IntD")), "{:?}", again.skipped);
}

//! Crash tests, the way SQLite tests itself: the CLI is killed (`abort`, as `kill -9` would)
//! at every durable write point of an ingest, a re-ingest, a reindex, an erasure and pack
//! edits (`STORYBANK_CRASH_AT=N`, a test hook in every build), then the index is reopened
//! and checked: it opens, both indexes hold exactly the store's quotes, rerunning the command
//! gives the same quotes as a clean run, and an erased deal or person never comes back.
//!
//! These runs use the deterministic stand-in embedder (`STORYBANK_TEST_HASHED_EMBEDDER`): what
//! is tested is storage, not search quality.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::ingest::copy_sample;

fn storybank(index: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_storybank"));
    command.env_remove("STORYBANK_QDRANT_URL");
    command
        .arg("--index")
        .arg(index)
        .env("STORYBANK_TEST_HASHED_EMBEDDER", "1")
        .env("STORYBANK_NO_PII_TAGGER", "true")
        .env_remove("STORYBANK_CRASH_AT")
        .env_remove("STORYBANK_CRASH_TRACE");
    command
}

fn run(index: &Path, args: &[String], crash_at: Option<usize>) -> Output {
    let mut command = storybank(index);
    command.args(args);
    if let Some(point) = crash_at {
        command.env("STORYBANK_CRASH_AT", point.to_string());
    }
    command.output().expect("storybank runs")
}

fn ok(index: &Path, args: &[String]) -> Output {
    let output = run(index, args, None);
    assert!(
        output.status.success() || output.status.code() == Some(1),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `storybank check --json`, which must open the index and find nothing wrong.
fn check(index: &Path, what: &str) -> Value {
    let output = run(index, &args(&["check", "--json"]), None);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!("{what}: check did not answer: {}", String::from_utf8_lossy(&output.stderr))
    });
    assert!(output.status.success(), "{what}: {}", report["problems"]);
    report
}

fn args(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Durable write points the command passes through, counted on a copy of `base`.
fn crash_points(base: &Path, command: &[String]) -> usize {
    let trial = tempfile::tempdir().unwrap();
    copy_dir(base, trial.path());
    let mut child = storybank(trial.path());
    let output = child.args(command).env("STORYBANK_CRASH_TRACE", "1").output().unwrap();
    String::from_utf8_lossy(&output.stderr).lines().filter(|l| l.contains("crash point")).count()
}

/// One scenario: from `base`, `command` is crashed at every point, then checked.
struct Scenario<'a> {
    name: &'a str,
    base: &'a Path,
    command: Vec<String>,
    /// Run after the recovered command: nothing erased may come back.
    after: Vec<Vec<String>>,
    erased_deal: Option<&'a str>,
    erased_quote_prefix: Option<&'a str>,
}

fn crash_everywhere(scenario: &Scenario<'_>) -> usize {
    // The clean result to compare with.
    let clean = tempfile::tempdir().unwrap();
    copy_dir(scenario.base, clean.path());
    ok(clean.path(), &scenario.command);
    let expected = check(clean.path(), scenario.name)["deals"].clone();
    let points = crash_points(scenario.base, &scenario.command);
    assert!(points > 0, "{}: no crash points", scenario.name);
    let trials: Vec<usize> = (1..=points).collect();
    std::thread::scope(|scope| {
        for worker in trials.chunks(points.div_ceil(2)) {
            let expected = &expected;
            scope.spawn(move || {
                for &point in worker {
                    let what = format!("{} killed at point {point}", scenario.name);
                    let trial = tempfile::tempdir().unwrap();
                    copy_dir(scenario.base, trial.path());
                    let crashed = run(trial.path(), &scenario.command, Some(point));
                    assert!(
                        !crashed.status.success() || crashed.status.code().is_none(),
                        "{what}: the command did not crash"
                    );
                    // The index opens, and both indexes agree with the store.
                    check(trial.path(), &what);
                    // Rerunning the command gives what a clean run gives.
                    ok(trial.path(), &scenario.command);
                    let report = check(trial.path(), &what);
                    assert_eq!(&report["deals"], expected, "{what}: quotes differ after rerun");
                    for extra in &scenario.after {
                        ok(trial.path(), extra);
                    }
                    let report = check(trial.path(), &what);
                    if let Some(deal) = scenario.erased_deal {
                        assert!(report["deals"].get(deal).is_none(), "{what}: {deal} came back");
                    }
                    if let Some(prefix) = scenario.erased_quote_prefix {
                        // A re-ingest brings back none of the erased person's quotes.
                        let now = quotes_with_prefix(&report["deals"], prefix);
                        assert_eq!(now, quotes_with_prefix(expected, prefix), "{what}");
                    }
                }
            });
        }
    });
    points
}

/// How many quote ids of a `check --json` deal map start with `prefix`.
fn quotes_with_prefix(deals: &Value, prefix: &str) -> usize {
    deals
        .as_object()
        .unwrap()
        .values()
        .flat_map(|ids| ids.as_array().unwrap())
        .filter_map(Value::as_str)
        .filter(|id| id.starts_with(prefix))
        .count()
}

#[test]
fn killed_at_every_write_point_nothing_is_lost_half_written_or_undone() {
    let corpus = tempfile::tempdir().unwrap();
    copy_sample(corpus.path());
    let corpus_arg = corpus.path().display().to_string();
    // A changed corpus for the re-ingest: one transcript's words differ.
    let changed = tempfile::tempdir().unwrap();
    copy_sample(changed.path());
    let transcript = changed.path().join("transcripts/S-2001.txt");
    let text = std::fs::read_to_string(&transcript).unwrap();
    std::fs::write(&transcript, text.replace("price", "cost").replace("Price", "Cost")).unwrap();
    let changed_arg = changed.path().display().to_string();

    let empty = tempfile::tempdir().unwrap();
    let base = tempfile::tempdir().unwrap();
    ok(base.path(), &args(&["ingest", &corpus_arg]));
    ok(base.path(), &args(&["pack", "create", "Objections"]));
    check(base.path(), "base");

    // A backup taken before an erasure, for the restore scenario: the erasure must survive a
    // restore killed at any point, and one that fails after the swap.
    let erased_since_backup = tempfile::tempdir().unwrap();
    copy_dir(base.path(), erased_since_backup.path());
    let backups = tempfile::tempdir().unwrap();
    let backup_arg = backups.path().join("before").display().to_string();
    ok(erased_since_backup.path(), &args(&["backup", &backup_arg]));
    ok(erased_since_backup.path(), &args(&["forget", "--deal", "S-2003"]));
    let failed = tempfile::tempdir().unwrap();
    copy_dir(erased_since_backup.path(), failed.path());
    // Without its model the restore fails after the swap, when it opens the bank.
    let output = storybank(failed.path())
        .env_remove("STORYBANK_TEST_HASHED_EMBEDDER")
        .args(["--models-dir", "/nonexistent", "restore", &backup_arg, "--force"])
        .output()
        .unwrap();
    assert!(!output.status.success(), "a restore without its model fails");
    let report = check(failed.path(), "restore that failed after the swap");
    assert!(report["deals"].get("S-2003").is_none(), "the erasure came back: {report}");

    let ingest_again = vec![args(&["ingest", &corpus_arg])];
    let scenarios = [
        Scenario {
            name: "ingest",
            base: empty.path(),
            command: args(&["ingest", &corpus_arg]),
            after: vec![],
            erased_deal: None,
            erased_quote_prefix: None,
        },
        Scenario {
            name: "re-ingest",
            base: base.path(),
            command: args(&["ingest", &changed_arg]),
            after: vec![],
            erased_deal: None,
            erased_quote_prefix: None,
        },
        Scenario {
            name: "reindex",
            base: base.path(),
            command: args(&["reindex"]),
            after: vec![],
            erased_deal: None,
            erased_quote_prefix: None,
        },
        Scenario {
            name: "forget --deal",
            base: base.path(),
            command: args(&["forget", "--deal", "S-2003"]),
            after: ingest_again.clone(),
            erased_deal: Some("S-2003"),
            erased_quote_prefix: None,
        },
        Scenario {
            name: "forget --person",
            base: base.path(),
            command: args(&["forget", "--person", "Gemma Thornbury"]),
            after: ingest_again.clone(),
            erased_deal: None,
            erased_quote_prefix: Some("S-2001-"),
        },
        Scenario {
            name: "re-ingest unchanged",
            base: base.path(),
            command: args(&["ingest", &corpus_arg]),
            after: vec![],
            erased_deal: None,
            erased_quote_prefix: None,
        },
        Scenario {
            name: "restore after an erasure",
            base: erased_since_backup.path(),
            command: args(&["restore", &backup_arg, "--force"]),
            after: ingest_again.clone(),
            erased_deal: Some("S-2003"),
            erased_quote_prefix: None,
        },
        Scenario {
            name: "theme correction",
            base: base.path(),
            command: args(&[
                "tag",
                "S-2002-q001",
                "--themes",
                "pricing",
                "--polarity",
                "criticism",
            ]),
            after: vec![],
            erased_deal: None,
            erased_quote_prefix: None,
        },
        Scenario {
            name: "pack create",
            base: base.path(),
            command: args(&["pack", "create", "Security reviews"]),
            after: vec![],
            erased_deal: None,
            erased_quote_prefix: None,
        },
        Scenario {
            name: "pack add",
            base: base.path(),
            command: args(&["pack", "add", "pk-1", "S-2002-q001"]),
            after: vec![],
            erased_deal: None,
            erased_quote_prefix: None,
        },
    ];
    let mut total = 0;
    for scenario in &scenarios {
        let points = crash_everywhere(scenario);
        eprintln!("crash test: {}: {points} kill points, 0 violations", scenario.name);
        total += points;
    }
    eprintln!("crash test: {total} kill points in all");
    assert!(total >= 100, "only {total} kill points");
}

#[test]
fn a_torn_vector_log_and_a_lost_or_damaged_keyword_index_are_repaired_on_open() {
    let corpus = tempfile::tempdir().unwrap();
    copy_sample(corpus.path());
    let index = tempfile::tempdir().unwrap();
    ok(index.path(), &args(&["ingest", &corpus.path().display().to_string()]));
    let expected = check(index.path(), "clean")["deals"].clone();
    // Cut the vector log mid-frame and delete the keyword index: the next open rebuilds both
    // from the store (the embedding cache inside it: nothing is re-embedded).
    let log = index.path().join("vectors/log.bin");
    let bytes = std::fs::read(&log).unwrap();
    std::fs::write(&log, &bytes[..bytes.len() * 2 / 3]).unwrap();
    std::fs::remove_dir_all(index.path().join("keyword")).unwrap();
    let report = check(index.path(), "repaired");
    assert_eq!(report["deals"], expected);
    // Garbage instead of a log is rebuilt too.
    std::fs::write(&log, b"not a vector log").unwrap();
    assert_eq!(check(index.path(), "garbage")["deals"], expected);
    // A keyword index whose meta.json a disk fault cut short is rebuilt (check compares its
    // documents with the store's quotes).
    let meta = index.path().join("keyword/meta.json");
    let bytes = std::fs::read(&meta).unwrap();
    std::fs::write(&meta, &bytes[..bytes.len() / 2]).unwrap();
    assert_eq!(check(index.path(), "damaged keyword index")["deals"], expected);
}

#[test]
fn a_server_never_writes_back_what_another_process_erased_and_always_reloads_its_ingest() {
    use storybank::Storybank;
    let corpus = tempfile::tempdir().unwrap();
    copy_sample(corpus.path());
    let index = tempfile::tempdir().unwrap();
    let mut settings = crate::common::settings(index.path());
    settings.embedder = storybank::config::EmbedderKind::Hashed;
    settings.pii_tagger = false;
    // A server process's view, opened before the CLI changes anything.
    ok(index.path(), &args(&["ingest", &corpus.path().display().to_string()]));
    let server = Storybank::open_existing(&settings).unwrap();
    // The CLI erases a deal; inside the server's reload window a correction names its quote.
    ok(index.path(), &args(&["forget", "--deal", "S-2003"]));
    let correction =
        storybank::themes::TagCorrection { themes: Some(vec!["pricing".into()]), polarity: None };
    let err = server.correct_tags("S-2003-q001", correction.clone()).unwrap_err();
    assert_eq!(err.code(), storybank::Code::QuoteNotFound, "{err}");
    assert!(server.deal("S-2003").is_err(), "the erased deal is no longer served");
    drop(server);
    let reopened = Storybank::open_existing(&settings).unwrap();
    assert!(reopened.deal("S-2003").is_err(), "erased for good");
    // The CLI ingests more deals; a correction in the server meanwhile must not hide them.
    let more = tempfile::tempdir().unwrap();
    copy_sample(more.path());
    let csv = std::fs::read_to_string(more.path().join("deals.csv")).unwrap();
    std::fs::write(more.path().join("deals.csv"), csv.replace("S-20", "T-20")).unwrap();
    for entry in std::fs::read_dir(more.path().join("transcripts")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().replace("S-20", "T-20");
        let text = std::fs::read_to_string(&path).unwrap().replace("S-20", "T-20");
        std::fs::remove_file(&path).unwrap();
        std::fs::write(path.with_file_name(name), text).unwrap();
    }
    let before = reopened.stats().unwrap().deals;
    ok(index.path(), &args(&["ingest", &more.path().display().to_string()]));
    reopened.correct_tags("S-2002-q001", correction).unwrap();
    reopened.reload_if_changed().unwrap();
    let after = reopened.stats().unwrap().deals;
    assert_eq!(after, before + 10, "the server picked up the CLI's ingest");
    assert_eq!(reopened.health().unwrap().status, "ok");
    assert!(reopened.check().unwrap().problems.is_empty());
    // A pack edit changes no index: health stays ok and nothing needs reloading.
    let new =
        storybank::packs::NewPack { name: "Wins".into(), description: None, from_search: None };
    reopened.create_pack(new, "test").unwrap();
    assert_eq!(reopened.health().unwrap().status, "ok");
    assert!(!reopened.reload_if_changed().unwrap());
}

#[test]
fn a_huge_file_or_a_takeover_costs_only_itself() {
    let corpus = tempfile::tempdir().unwrap();
    copy_sample(corpus.path());
    let transcripts = corpus.path().join("transcripts");
    let huge = "Buyer: the onboarding took seven weeks and nobody owned it.\n".repeat(150_000);
    std::fs::write(transcripts.join("S-2001.txt"), huge).unwrap();
    std::fs::write(
        transcripts.join("S-2002-copy.json"),
        r#"{"deal_id": "S-2002", "utterances": [{"speaker": "Buyer", "text": "Not really us."}]}"#,
    )
    .unwrap();
    let index = tempfile::tempdir().unwrap();
    let output = run(index.path(), &args(&["ingest", &corpus.path().display().to_string()]), None);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("ingested 9 deals"), "{stdout}");
    assert!(stderr.contains("S-2001.txt") && stderr.contains("MB limit"), "{stderr}");
    assert!(
        stderr.contains("S-2002-copy.json:1:") && stderr.contains("named S-2002-copy"),
        "{stderr}"
    );
    let report = check(index.path(), "after a partial batch");
    assert!(report["deals"].get("S-2001").is_none());
    let s2002 = report["deals"]["S-2002"].as_array().unwrap();
    assert!(s2002.len() > 1, "S-2002 comes from its own file, not the impostor");
}

#[test]
fn a_full_disk_fails_clearly_keeps_what_was_committed_and_recovers() {
    // The shell lowers the file-size limit and ignores SIGXFSZ, so writes past it fail the
    // way they do on a full disk (EFBIG/ENOSPC) instead of killing the process.
    let corpus = tempfile::tempdir().unwrap();
    copy_sample(corpus.path());
    let corpus_arg = corpus.path().display().to_string();
    let index = tempfile::tempdir().unwrap();
    let script = "trap '' XFSZ; ulimit -f 400; exec \"$0\" --index \"$1\" ingest \"$2\"";
    let output = Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_storybank"))
        .arg(index.path())
        .arg(&corpus_arg)
        .env("STORYBANK_TEST_HASHED_EMBEDDER", "1")
        .env("STORYBANK_NO_PII_TAGGER", "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the ingest should not fit: {stderr}");
    assert!(output.status.code().is_some(), "an error, not a crash: {stderr}");
    assert!(stderr.contains("could not be written") || stderr.contains("disk is full"), "{stderr}");
    // What was committed opens and is consistent; with space again, the rerun completes.
    let partial = check(index.path(), "after a full disk");
    let stored = partial["deals"].as_object().unwrap().len();
    assert!(stored < 10, "{stored} deals fitted: raise the data or lower the limit");
    ok(index.path(), &args(&["ingest", &corpus_arg]));
    assert_eq!(check(index.path(), "after freeing space")["deals"].as_object().unwrap().len(), 10);
}

#[test]
fn readers_never_wait_for_a_writer() {
    let corpus = tempfile::tempdir().unwrap();
    copy_sample(corpus.path());
    let index = tempfile::tempdir().unwrap();
    ok(index.path(), &args(&["ingest", &corpus.path().display().to_string()]));
    // Another process is writing (it holds the writer lock): a search still answers at once.
    let lock = storybank::store::lock::WriteLock::acquire(index.path()).unwrap();
    let started = std::time::Instant::now();
    let mut child = storybank(index.path());
    child.args(["search", "onboarding", "--limit", "3", "--json"]);
    let mut child = child.stdout(std::process::Stdio::piped()).spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "search waited for the writer lock");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "search failed while a writer held the lock");
    eprintln!("search beside a writer: {:?}", started.elapsed());
    drop(lock);
}

/// An erased deal leaves no text behind in the index folder: not in the store's free pages
/// (secure delete), not in its write-ahead log (truncated after an erasure), not in the
/// embedding cache (its quotes' vectors are removed with it).
#[test]
fn an_erased_deal_leaves_no_text_in_the_index_folder() {
    let corpus = tempfile::tempdir().unwrap();
    copy_sample(corpus.path());
    let index = tempfile::tempdir().unwrap();
    ok(index.path(), &args(&["ingest", &corpus.path().display().to_string()]));
    let secrets = ["Lorraine Achebe", "Wesley Kettering", "Granitebay is three hospitals"];
    let folder_holds = |needle: &str| {
        fn walk(dir: &Path, needle: &[u8]) -> bool {
            std::fs::read_dir(dir).unwrap().any(|entry| {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    return walk(&path, needle);
                }
                let bytes = std::fs::read(&path).unwrap_or_default();
                bytes.windows(needle.len()).any(|window| window == needle)
            })
        }
        walk(index.path(), needle.as_bytes())
    };
    assert!(folder_holds(secrets[0]), "the raw transcript is stored before the erasure");
    let before = check(index.path(), "before")["deals"]["S-2003"].as_array().unwrap().len();
    assert!(before > 0);
    ok(index.path(), &args(&["forget", "--deal", "S-2003"]));
    for secret in secrets {
        assert!(!folder_holds(secret), "`{secret}` is still in the index folder");
    }
}

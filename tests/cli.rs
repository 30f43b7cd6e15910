//! The `storybank` binary, run as a user would.

use std::process::Command;

use crate::common::settings;
use crate::ingest::{add_broken_files, copy_sample};

fn storybank(index: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_storybank"));
    command.env_remove("STORYBANK_QDRANT_URL");
    command.arg("--index").arg(index).arg("--models-dir").arg(&settings(index).model.models_dir);
    command
}

#[test]
fn ingest_reports_bad_files_and_search_prints_attributed_quotes() {
    let corpus = tempfile::tempdir().unwrap();
    copy_sample(corpus.path());
    add_broken_files(corpus.path());
    let index = tempfile::tempdir().unwrap();
    let output = storybank(index.path()).arg("ingest").arg(corpus.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "partial failure exits 1: {stdout} {stderr}");
    assert!(stdout.contains("ingested 10 deals, 10 transcripts,"), "{stdout}");
    assert!(stdout.contains("4 failed"), "{stdout}");
    assert!(stderr.contains("S-2901.vtt:8:"), "{stderr}");
    // Not a terminal: a plain progress line (here only the final one: fewer than 25 deals).
    let progress = stderr.lines().find(|l| l.starts_with("ingest: ")).expect("a progress line");
    let counts = progress.trim_start_matches("ingest: ").split(' ').next().unwrap();
    let (done, total) = counts.split_once('/').unwrap();
    assert_eq!(done, total, "{progress}");
    assert!(progress.contains(" quotes, ") && progress.contains(" quotes/s, eta "), "{progress}");

    let output = storybank(index.path())
        .args([
            "search",
            "why do we lose to Tally Fold on price?",
            "--competitor",
            "tallyfold",
            "--outcome",
            "lost",
            "--limit",
            "3",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(" 1. \""), "{stdout}");
    assert!(stdout.contains("lost to Tallyfold, 2025-"), "{stdout}");

    let output = storybank(index.path())
        .args(["search", "onboarding", "--json", "--limit", "2"])
        .output()
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(body["results"].as_array().unwrap().len(), 2);

    let output =
        storybank(index.path()).args(["search", "x", "--after", "2025-02-30"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--after"));
}

#[test]
fn search_without_an_index_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let output =
        storybank(&dir.path().join("missing")).args(["search", "pricing"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("storybank ingest"));
}

#[test]
fn ingest_dry_run_shows_the_column_mapping_and_writes_nothing() {
    let corpus = tempfile::tempdir().unwrap();
    std::fs::create_dir(corpus.path().join("transcripts")).unwrap();
    std::fs::write(
        corpus.path().join("deals.csv"),
        "Opp Number,Result (final),Rival\nA-1,Closed Won,Tallyfold\n",
    )
    .unwrap();
    let map = corpus.path().join("crm-map.toml");
    std::fs::write(&map, "[columns]\ndeal_id = \"Opp Number\"\noutcome = \"Result (final)\"\ncompetitors = \"Rival\"\n").unwrap();
    let index = tempfile::tempdir().unwrap();
    let output = storybank(index.path())
        .args(["ingest", "--dry-run", "--mapping"])
        .arg(&map)
        .arg(corpus.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout} {}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("deal_id        <- \"Opp Number\" (mapping.toml)"), "{stdout}");
    assert!(stdout.contains("A-1  won"), "{stdout}");
    assert!(!index.path().join("store.sqlite").exists(), "a dry run wrote an index");
    // Without the mapping the required columns are missing, and the error says how to fix it.
    let output =
        storybank(index.path()).args(["ingest", "--dry-run"]).arg(corpus.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("mapping.toml"), "{stderr}");
}

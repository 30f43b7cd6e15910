//! Shared fixtures: a storybank over the bundled sample corpus, built once per test binary with
//! the real local model, and helpers that drive the router in-process.

pub mod webdriver;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use storybank::{Settings, Storybank};
use tower::ServiceExt;

/// The bundled sample corpus.
pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sample")
}

/// Settings for a temp index with the real model installed by `scripts/setup`.
pub fn settings(index: &Path) -> Settings {
    let mut settings = Settings::new(index);
    settings.model.models_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".models");
    assert!(
        settings.model.models_dir.join("lib").is_dir(),
        "the embedding model is not installed: run scripts/setup (the README's test command does)"
    );
    settings
}

/// A storybank with the sample ingested, shared by the tests that only read.
pub struct Shared {
    pub bank: Arc<Storybank>,
    _dir: tempfile::TempDir,
}

pub fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let bank = Storybank::open(&settings(dir.path())).unwrap();
        let report = bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        Shared { bank: Arc::new(bank), _dir: dir }
    })
}

/// Sends one request through the router; returns status and JSON body.
pub async fn call(
    bank: &Arc<Storybank>,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response =
        storybank::api::router(bank.clone()).oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, json)
}

/// Lines of the corpus's pii.txt.
pub fn pii_strings(corpus: &Path) -> Vec<String> {
    std::fs::read_to_string(corpus.join("pii.txt"))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(String::from)
        .collect()
}

/// PII strings found in a text as whole words, case-insensitively.
pub fn pii_leaks(text: &str, pii: &[String]) -> Vec<String> {
    pii.iter()
        .filter(|needle| {
            let escaped = regex::escape(needle);
            let starts = needle.chars().next().is_some_and(char::is_alphanumeric);
            let ends = needle.chars().last().is_some_and(char::is_alphanumeric);
            let pattern = format!(
                "(?i){}{}{}",
                if starts { r"\b" } else { "" },
                escaped,
                if ends { r"\b" } else { "" }
            );
            regex::Regex::new(&pattern).unwrap().is_match(text)
        })
        .cloned()
        .collect()
}

/// Deal ids in a corpus's deals.csv.
pub fn deal_ids(corpus: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(corpus.join("deals.csv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .filter(|id| !id.is_empty())
        .map(String::from)
        .collect()
}

/// Quote results of a search response.
pub fn results(body: &Value) -> &Vec<Value> {
    body["results"].as_array().expect("results array")
}

//! The Qdrant vector backend against a real server. The server comes from the environment:
//! `STORYBANK_QDRANT_BIN` (a `qdrant` executable: these tests start single nodes and a 3-node
//! cluster themselves, on free loopback ports with temporary storage, and stop them) or
//! `STORYBANK_QDRANT_URL` (an existing server: only the tests that need no process control
//! run). Without either they skip, saying so.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};
use storybank::store::qdrant::{ServerFusion, Target};
use storybank::store::vector::Backend;
use storybank::{Settings, Storybank};

use crate::common::{call, sample_dir, settings, shared};

fn qdrant_bin() -> Option<PathBuf> {
    std::env::var_os("STORYBANK_QDRANT_BIN").map(PathBuf::from).filter(|p| p.is_file())
}

fn skip(test: &str, needs: &str) {
    eprintln!(
        "SKIPPED {test}: no Qdrant server. Set {needs} (the official release; see the README's \
         \"Running on a Qdrant cluster\")."
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// GET on a node's REST port: (status, body).
fn http(method: &str, port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Some((status, body))
}

/// One Qdrant process this test owns.
struct Node {
    child: Option<Child>,
    grpc: u16,
    http: u16,
    p2p: u16,
    dir: tempfile::TempDir,
    bootstrap: Option<u16>,
}

impl Node {
    fn start(bin: &Path, cluster: bool, bootstrap: Option<u16>) -> Node {
        let mut node = Node {
            child: None,
            grpc: free_port(),
            http: free_port(),
            p2p: free_port(),
            dir: tempfile::tempdir().unwrap(),
            bootstrap,
        };
        node.spawn(bin, cluster);
        node
    }

    fn spawn(&mut self, bin: &Path, cluster: bool) {
        let mut command = Command::new(bin);
        command
            .current_dir(self.dir.path())
            .env("QDRANT__STORAGE__STORAGE_PATH", self.dir.path().join("storage"))
            .env("QDRANT__STORAGE__SNAPSHOTS_PATH", self.dir.path().join("snapshots"))
            .env("QDRANT__SERVICE__HOST", "127.0.0.1")
            .env("QDRANT__SERVICE__HTTP_PORT", self.http.to_string())
            .env("QDRANT__SERVICE__GRPC_PORT", self.grpc.to_string())
            .env("QDRANT__TELEMETRY_DISABLED", "true")
            .env("QDRANT__LOG_LEVEL", "WARN")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if cluster {
            command
                .env("QDRANT__CLUSTER__ENABLED", "true")
                .env("QDRANT__CLUSTER__P2P__PORT", self.p2p.to_string())
                .arg("--uri")
                .arg(format!("http://127.0.0.1:{}", self.p2p));
            if let Some(first) = self.bootstrap {
                command.arg("--bootstrap").arg(format!("http://127.0.0.1:{first}"));
            }
        }
        self.child = Some(command.spawn().expect("starting qdrant"));
        let started = Instant::now();
        while http("GET", self.http, "/readyz").map(|(s, _)| s) != Some(200) {
            assert!(started.elapsed() < Duration::from_secs(60), "qdrant did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

fn unique(name: &str) -> String {
    format!("{name}_{}_{}", std::process::id(), free_port())
}

fn qdrant_settings(index: &Path, target: &str, hashed: bool) -> Settings {
    let mut settings = settings(index);
    if hashed {
        settings.embedder = storybank::config::EmbedderKind::Hashed;
    }
    settings.vectors = Some(Backend::parse(target).unwrap());
    settings
}

fn ids(results: &Value, key: &str) -> Vec<String> {
    results.as_array().unwrap().iter().map(|r| r[key].as_str().unwrap().to_string()).collect()
}

/// The same ranking: at every position the same id, or another one with the same score (a tie,
/// within float error, which either backend may order its own way).
fn assert_same_ranking(flat: &Value, other: &Value, key: &str, what: &str) {
    let (a, b) = (flat.as_array().unwrap(), other.as_array().unwrap());
    assert_eq!(a.len(), b.len(), "{what}: result counts differ\nflat {flat}\nqdrant {other}");
    for (x, y) in a.iter().zip(b) {
        let (sx, sy) = (x["score"].as_f64().unwrap(), y["score"].as_f64().unwrap());
        assert!(
            x[key] == y[key] && (sx - sy).abs() < 1e-3 || (sx - sy).abs() < 1e-4,
            "{what}: {} ({sy}) where flat has {} ({sx})\nflat {:?}\nqdrant {:?}",
            y[key],
            x[key],
            ids(flat, key),
            ids(other, key)
        );
    }
}

/// Every sample query (as written, without filters, and with each kind of filter), both
/// similar-deal forms, through the router: the Qdrant index answers as the flat one.
async fn assert_answers_like_flat(bank: &Arc<Storybank>, flat: &Arc<Storybank>) -> usize {
    let queries = std::fs::read_to_string(sample_dir().join("queries.jsonl")).unwrap();
    let mut compared = 0;
    let variants = [
        None,
        Some(json!({})),
        Some(json!({"outcome": ["lost", "no_decision"]})),
        Some(json!({"competitor": "tally fold"})),
        Some(json!({"theme": "pricing"})),
        Some(
            json!({"segment": "Mid-Market", "closed_after": "2025-01-01", "closed_before": "2025-09-30"}),
        ),
    ];
    for line in queries.lines().filter(|l| !l.trim().is_empty()) {
        let query: Value = serde_json::from_str(line).unwrap();
        let text = query["query"].as_str().unwrap();
        for variant in &variants {
            let filters = variant
                .clone()
                .or_else(|| query.get("filters").filter(|f| f.is_object()).cloned())
                .unwrap_or_else(|| json!({}));
            for mode in ["hybrid", "semantic"] {
                let body = json!({"query": text, "filters": filters, "mode": mode, "limit": 20});
                let (status, expected) = call(flat, "POST", "/v1/search", Some(body.clone())).await;
                assert_eq!(status, StatusCode::OK, "{expected}");
                let (status, got) = call(bank, "POST", "/v1/search", Some(body.clone())).await;
                assert_eq!(status, StatusCode::OK, "{got}");
                assert_same_ranking(
                    &expected["results"],
                    &got["results"],
                    "quote_id",
                    &body.to_string(),
                );
                compared += 1;
            }
            let body = json!({"query": text, "filters": filters, "limit": 10});
            let (_, expected) = call(flat, "POST", "/v1/deals/similar", Some(body.clone())).await;
            let (status, got) = call(bank, "POST", "/v1/deals/similar", Some(body.clone())).await;
            assert_eq!(status, StatusCode::OK, "{got}");
            assert_same_ranking(&expected["deals"], &got["deals"], "deal_id", &body.to_string());
            compared += 1;
        }
    }
    let deals: Vec<String> = flat.read_catalog_deal_ids();
    for deal in &deals {
        let body = json!({"deal_id": deal, "limit": 10});
        let (_, expected) = call(flat, "POST", "/v1/deals/similar", Some(body.clone())).await;
        let (_, got) = call(bank, "POST", "/v1/deals/similar", Some(body.clone())).await;
        assert_same_ranking(&expected["deals"], &got["deals"], "deal_id", &body.to_string());
        for (a, b) in
            expected["deals"].as_array().unwrap().iter().zip(got["deals"].as_array().unwrap())
        {
            assert_same_ranking(&a["quotes"], &b["quotes"], "quote_id", &body.to_string());
        }
        compared += 1;
    }
    compared
}

trait DealIds {
    fn read_catalog_deal_ids(&self) -> Vec<String>;
}

impl DealIds for Arc<Storybank> {
    fn read_catalog_deal_ids(&self) -> Vec<String> {
        self.check().unwrap().deals.keys().cloned().collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qdrant_index_answers_as_the_flat_one_through_reingest_forget_and_a_move() {
    // A node this test starts, or the server named by STORYBANK_QDRANT_URL.
    let (node, base) = match (qdrant_bin(), std::env::var("STORYBANK_QDRANT_URL").ok()) {
        (Some(bin), _) => {
            let node = Node::start(&bin, false, None);
            let base = format!("qdrant://127.0.0.1:{}", node.grpc);
            (Some(node), base)
        }
        (None, Some(url)) => {
            let target = Target::parse(&url).unwrap();
            (None, format!("qdrant://{}", target.hosts.join(",")))
        }
        (None, None) => {
            return skip(
                "a_qdrant_index_answers_as_the_flat_one",
                "STORYBANK_QDRANT_BIN or STORYBANK_QDRANT_URL",
            );
        }
    };
    let flat = shared().bank.clone();
    let dir = tempfile::tempdir().unwrap();
    let collection = unique("same_answers");
    let url = format!("{base}/{collection}");
    let bank = tokio::task::spawn_blocking({
        let settings = qdrant_settings(dir.path(), &url, false);
        move || {
            let bank = Storybank::open(&settings).unwrap();
            let report = bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
            assert!(report.failures.is_empty(), "{:?}", report.failures);
            Arc::new(bank)
        }
    })
    .await
    .unwrap();
    // The manifest records the backend; the collection holds exactly the store's quotes.
    let manifest = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
    assert!(manifest.contains(&collection), "{manifest}");
    let check = bank.check().unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let quotes: usize = check.deals.values().map(Vec::len).sum();
    assert_eq!(bank.vector_count().unwrap(), quotes);
    let compared = assert_answers_like_flat(&bank, &flat).await;
    assert!(compared > 200, "{compared}");
    // The server's own hybrid (dense + sparse BM25) answers on Qdrant only.
    let request: storybank::search::SearchRequest = serde_json::from_value(
        json!({"query": "why do we lose to Tallyfold on price?", "filters": {"outcome": "lost"}}),
    )
    .unwrap();
    for fusion in [ServerFusion::Rrf, ServerFusion::Dbsf] {
        let results = bank.search_server_fusion(&request, fusion).unwrap().results;
        assert!(!results.is_empty());
        assert!(results.iter().all(|q| q.deal.outcome == Some(storybank::model::Outcome::Lost)));
    }
    let err = flat.search_server_fusion(&request, ServerFusion::Rrf).unwrap_err();
    assert_eq!(err.code().name(), "invalid_request");

    // Re-ingesting the same corpus changes nothing; the answers stay the flat ones.
    let again = bank.clone();
    tokio::task::spawn_blocking(move || again.ingest_dir(&sample_dir(), &|_| {}).unwrap())
        .await
        .unwrap();
    assert_eq!(bank.vector_count().unwrap(), quotes);
    assert_answers_like_flat(&bank, &flat).await;

    // Reopened, it needs no rebuild and names its backend; naming another store is an error.
    drop(bank);
    let reopened = Storybank::open_existing(&qdrant_settings(dir.path(), &url, false)).unwrap();
    assert_eq!(reopened.vector_backend().describe(), Backend::parse(&url).unwrap().describe());
    let mut other = settings(dir.path());
    other.vectors = Some(Backend::Flat);
    let err = Storybank::open_existing(&other).unwrap_err();
    assert_eq!(err.code().name(), "index_incompatible", "{err}");
    assert!(err.to_string().contains("reindex --vectors"), "{err}");
    let mut elsewhere = settings(dir.path());
    elsewhere.vectors = Some(Backend::parse(&format!("{base}/another_collection")).unwrap());
    assert!(Storybank::open_existing(&elsewhere).is_err());
    // Without --vectors the manifest's backend is used.
    let plain = Storybank::open_existing(&settings(dir.path())).unwrap();
    assert!(matches!(plain.vector_backend(), Backend::Qdrant(_)));
    drop(plain);
    let bank = Arc::new(reopened);

    // Forgetting a deal removes its points at once.
    let victim = "S-2001";
    let before = bank.vector_count().unwrap();
    let gone = bank.forget_deal(victim).unwrap();
    assert_eq!(bank.vector_count().unwrap(), before - gone.quotes.len());
    let (_, found) = call(
        &bank,
        "POST",
        "/v1/search",
        Some(json!({"query": "why do we lose to Tallyfold on price?", "mode": "semantic", "limit": 50})),
    )
    .await;
    assert!(ids(&found["results"], "deal_id").iter().all(|d| d != victim));
    let check = bank.check().unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);

    // A collection wiped behind a running storybank: searches say so (503, never an empty
    // answer), the serve loop's periodic check rebuilds it from the embedding cache, and a
    // later open needs nothing.
    if let Some(node) = &node {
        let (status, _) = http("DELETE", node.http, &format!("/collections/{collection}")).unwrap();
        assert_eq!(status, 200);
        let search = json!({"query": "onboarding help", "mode": "semantic"});
        let (status, body) = call(&bank, "POST", "/v1/search", Some(search.clone())).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"]["code"], "vector_store_unavailable");
        let reloading = bank.clone();
        let reloaded = tokio::task::spawn_blocking(move || reloading.reload_if_changed().unwrap())
            .await
            .unwrap();
        assert!(reloaded);
        assert_eq!(bank.vector_count().unwrap(), before - gone.quotes.len());
        let (status, body) = call(&bank, "POST", "/v1/search", Some(search)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        drop(bank);
        let bank = Storybank::open_existing(&qdrant_settings(dir.path(), &url, false)).unwrap();
        assert_eq!(bank.vector_count().unwrap(), before - gone.quotes.len());
        assert!(bank.check().unwrap().problems.is_empty());
    } else {
        drop(bank);
    }

    // Moving to flat and back needs no re-embedding, and the answers stay the same.
    let bank = Storybank::open_existing(&settings(dir.path())).unwrap();
    let moved = bank.move_vectors(Backend::Flat, &|_, _| {}).unwrap();
    assert_eq!(moved, before - gone.quotes.len());
    assert_eq!(bank.vector_backend(), Backend::Flat);
    assert!(!dir.path().join("vectors/qdrant.json").exists());
    drop(bank);
    let bank = Storybank::open_existing(&settings(dir.path())).unwrap();
    assert_eq!(bank.vector_backend(), Backend::Flat);
    assert!(bank.check().unwrap().problems.is_empty());
    let back = format!("{base}/{}", unique("moved_back"));
    let moved = bank.move_vectors(Backend::parse(&back).unwrap(), &|_, _| {}).unwrap();
    assert_eq!(moved, before - gone.quotes.len());
    assert_eq!(bank.vector_count().unwrap(), moved);
    assert!(bank.check().unwrap().problems.is_empty());
    drop(node);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_is_a_503_and_answers_again_when_it_is_back() {
    let Some(bin) = qdrant_bin() else {
        return skip("an_unreachable_cluster_is_a_503", "STORYBANK_QDRANT_BIN");
    };
    let mut node = Node::start(&bin, false, None);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("qdrant://127.0.0.1:{}/{}", node.grpc, unique("outage"));
    let settings = qdrant_settings(dir.path(), &url, true);
    let bank = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || {
            let bank = Storybank::open(&settings).unwrap();
            bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
            Arc::new(bank)
        })
        .await
        .unwrap()
    };
    let search = json!({"query": "onboarding help on site", "limit": 10});
    let (status, before) = call(&bank, "POST", "/v1/search", Some(search.clone())).await;
    assert_eq!(status, StatusCode::OK);

    node.kill();
    let (status, body) = call(&bank, "POST", "/v1/search", Some(search.clone())).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "vector_store_unavailable", "{body}");
    let (status, body) =
        call(&bank, "POST", "/v1/deals/similar", Some(json!({"deal_id": "S-2001"}))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    // Keyword search needs no vectors and keeps answering.
    let (status, _) =
        call(&bank, "POST", "/v1/search", Some(json!({"query": "onboarding", "mode": "keyword"})))
            .await;
    assert_eq!(status, StatusCode::OK);
    // Opening while the cluster is down works, degraded; searching is a 503.
    let opened = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || Arc::new(Storybank::open_existing(&settings).unwrap()))
            .await
            .unwrap()
    };
    assert_eq!(opened.health().unwrap().status, "degraded");
    let (status, _) = call(&opened, "POST", "/v1/search", Some(search.clone())).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    // Back up: both answer again without a restart (the serve loop retries a degraded reload).
    node.spawn(&bin, false);
    let (status, after) = call(&bank, "POST", "/v1/search", Some(search.clone())).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_same_ranking(&before["results"], &after["results"], "quote_id", "after the outage");
    let retry = opened.clone();
    tokio::task::spawn_blocking(move || retry.reload_if_changed().unwrap()).await.unwrap();
    assert_eq!(opened.health().unwrap().status, "ok");
    let (status, again) = call(&opened, "POST", "/v1/search", Some(search)).await;
    assert_eq!(status, StatusCode::OK);
    assert_same_ranking(
        &before["results"],
        &again["results"],
        "quote_id",
        "reopened in the outage",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replicated_cluster_keeps_answering_when_a_node_dies() {
    let Some(bin) = qdrant_bin() else {
        return skip("a_replicated_cluster_keeps_answering", "STORYBANK_QDRANT_BIN");
    };
    let first = Node::start(&bin, true, None);
    let mut nodes = vec![first];
    for _ in 0..2 {
        let bootstrap = nodes[0].p2p;
        nodes.push(Node::start(&bin, true, Some(bootstrap)));
    }
    let started = Instant::now();
    loop {
        let peers = http("GET", nodes[0].http, "/cluster")
            .and_then(|(_, body)| serde_json::from_str::<Value>(&body).ok())
            .and_then(|v| v["result"]["peers"].as_object().map(|p| p.len()))
            .unwrap_or(0);
        if peers == 3 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the cluster did not form");
        std::thread::sleep(Duration::from_millis(200));
    }
    let hosts: Vec<String> = nodes.iter().map(|n| format!("127.0.0.1:{}", n.grpc)).collect();
    let url = format!(
        "qdrant://{}/{}?shards=3&replication=2&write_consistency=1",
        hosts.join(","),
        unique("cluster")
    );
    let dir = tempfile::tempdir().unwrap();
    let settings = qdrant_settings(dir.path(), &url, true);
    let bank = tokio::task::spawn_blocking(move || {
        let bank = Storybank::open(&settings).unwrap();
        bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
        Arc::new(bank)
    })
    .await
    .unwrap();
    let quotes = bank.stats().unwrap().quotes;
    assert_eq!(bank.vector_count().unwrap(), quotes);
    let searches = [
        json!({"query": "price was double", "limit": 10}),
        json!({"query": "security questionnaire", "filters": {"outcome": "lost"}, "limit": 10}),
        json!({"query": "onboarding team on site", "filters": {"competitor": "Veritill"}}),
    ];
    let mut before = vec![];
    for search in &searches {
        let (status, body) = call(&bank, "POST", "/v1/search", Some(search.clone())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        before.push(body["results"].clone());
    }
    // The node storybank talks to first dies between queries: every shard has a copy elsewhere.
    nodes[0].kill();
    for round in 0..3 {
        for (search, expected) in searches.iter().zip(&before) {
            let (status, body) = call(&bank, "POST", "/v1/search", Some(search.clone())).await;
            assert_eq!(status, StatusCode::OK, "round {round}: {body}");
            assert_same_ranking(expected, &body["results"], "quote_id", &format!("round {round}"));
        }
        let (status, body) =
            call(&bank, "POST", "/v1/deals/similar", Some(json!({"deal_id": "S-2002"}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Writes go on with one node down (write consistency 1).
    let writer = bank.clone();
    let forgotten =
        tokio::task::spawn_blocking(move || writer.forget_deal("S-2003").unwrap()).await.unwrap();
    assert_eq!(bank.vector_count().unwrap(), quotes - forgotten.quotes.len());
}

//! The scale-out vector backend: a Qdrant server or cluster, reached through the official
//! `qdrant-client` crate (gRPC).
//!
//! One point per quote: the quote's vector (cosine) and a payload with what filters read
//! ([`quote_payload`]): deal id, competitors, outcome, segment, industry, region, persona,
//! reasons, size band, close date (days since 1970, an integer) and themes, each with a payload
//! index. A filtered search is one query with a payload filter ([`to_filter`]), never a
//! post-filter. Point ids are derived from quote ids, so re-upserting a deal overwrites its
//! points; what the deal no longer has is deleted by a filter (`deal_id` = the deal, id not
//! among the new points), after the upsert, so a concurrent search never sees the deal vanish.
//!
//! storybank keeps the source of record; the collection is derived like the flat index. The
//! change number the collection reflects, and each deal's quote ids and centroid (for similar
//! deals), are kept beside the index in `<index>/vectors/qdrant.json`, written atomically at
//! each commit. On open the collection's point count is checked against that record and the
//! collection is rebuilt from the embedding cache when they disagree (a wiped or restored
//! cluster), without re-embedding.
//!
//! Every call has a timeout, is retried with backoff on transient gRPC errors (unavailable,
//! deadline exceeded, resource exhausted), and fails over to the next host of the URL; what
//! still fails is [`Error::VectorStoreUnavailable`] (HTTP 503 `vector_store_unavailable`).
//! Calls run on a small runtime of their own, so the synchronous store interface can be
//! used from blocking threads and the CLI alike.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use qdrant_client::qdrant::{
    Condition as QCondition, CountPointsBuilder, CreateCollectionBuilder,
    CreateFieldIndexCollectionBuilder, DeletePointsBuilder, Distance, FieldType, Filter, Fusion,
    Modifier, NamedVectors, PayloadIncludeSelector, PointId, PointStruct, PrefetchQueryBuilder,
    Query, QueryPointGroupsBuilder, QueryPointsBuilder, Range, ScrollPointsBuilder,
    SearchParamsBuilder, SparseVectorParamsBuilder, SparseVectorsConfigBuilder,
    UpsertPointsBuilder, Vector, VectorInput, VectorParamsBuilder, WriteOrdering,
    WriteOrderingType, point_id::PointIdOptions, value::Kind,
};
use qdrant_client::{Payload, Qdrant, QdrantError};
use serde::{Deserialize, Serialize};

use crate::corpus::aliases::normalize_name;
use crate::error::{Error, Result};
use crate::model::QuoteRecord;
use crate::search::filter::normalize_value;
use crate::store::DealRecord;
use crate::store::vector::{Condition, DealTop, Scope, VectorHit, centroid, check_dimensions};

/// Collection used when the URL names none.
pub const DEFAULT_COLLECTION: &str = "storybank";
/// Default gRPC port of a Qdrant node.
pub const DEFAULT_PORT: u16 = 6334;
/// Points per upsert request.
pub const UPSERT_BATCH: usize = 256;
/// Search breadth of the HNSW graph (`hnsw_ef`). Measured at 101,782 quotes on one node
/// (`scripts/bench-qdrant`), recall@10 of semantic search against the exact flat index: 0.974
/// at 128, 0.990 at 256, 0.997 at 512 (+3 ms p50). `?ef=N` in the URL changes it.
pub const HNSW_EF: u64 = 512;
const STATE_FILE: &str = "qdrant.json";
/// Payload fields with a keyword index.
const KEYWORD_FIELDS: [&str; 11] = [
    "deal_id",
    "competitors",
    "outcome",
    "segment",
    "industry",
    "region",
    "buyer_persona",
    "loss_reason",
    "win_reason",
    "size_band",
    "themes",
];

/// Where the vectors live: hosts, collection and the collection's cluster settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// TLS (`qdrants://`).
    pub tls: bool,
    /// `host:port` of each node to try, in order.
    pub hosts: Vec<String>,
    /// Collection name.
    pub collection: String,
    /// Shards of a new collection (default: the server's, 1).
    pub shards: Option<u32>,
    /// Copies of each shard in a new collection (default: the server's, 1).
    pub replication: Option<u32>,
    /// Replicas that must acknowledge a write (default: the server's, 1).
    pub write_consistency: Option<u32>,
    /// Search breadth of the HNSW graph (`hnsw_ef`, default [`HNSW_EF`]).
    pub ef: Option<u64>,
}

impl Target {
    /// Parses `qdrant://HOST[:PORT][,HOST[:PORT]...][/COLLECTION][?shards=N&replication=N&
    /// write_consistency=N]` (`qdrants://` for TLS; `http://` and `https://` are accepted too).
    pub fn parse(text: &str) -> Result<Target> {
        let invalid = |why: &str| {
            Error::InvalidRequest(format!(
                "vector store `{text}`: {why}; expected `flat` or \
                 qdrant://HOST[:PORT][,HOST[:PORT]...][/COLLECTION][?shards=N&replication=N&write_consistency=N]"
            ))
        };
        let (scheme, rest) = text.split_once("://").ok_or_else(|| invalid("no scheme"))?;
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "qdrant" | "http" => false,
            "qdrants" | "https" => true,
            _ => return Err(invalid("unknown scheme")),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (rest, None),
        };
        let (hosts, collection) = match rest.split_once('/') {
            Some((hosts, collection)) => (hosts, collection.trim_end_matches('/')),
            None => (rest, ""),
        };
        let collection = if collection.is_empty() { DEFAULT_COLLECTION } else { collection };
        if collection.len() > 64
            || !collection.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(invalid("a collection name is letters, digits, `_` and `-`"));
        }
        let mut parsed = vec![];
        for host in hosts.split(',').map(str::trim) {
            if host.is_empty() || host.contains(['@', ' ']) {
                return Err(invalid("empty or malformed host"));
            }
            let port = if host.starts_with('[') {
                host.split_once("]:").map(|(_, port)| port)
            } else {
                host.split_once(':').map(|(_, port)| port)
            };
            let with_port = match port {
                Some(port) => {
                    port.parse::<u16>().map_err(|_| invalid("bad port"))?;
                    host.to_string()
                }
                None => format!("{host}:{DEFAULT_PORT}"),
            };
            parsed.push(with_port);
        }
        let mut target = Target {
            tls,
            hosts: parsed,
            collection: collection.to_string(),
            shards: None,
            replication: None,
            write_consistency: None,
            ef: None,
        };
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').ok_or_else(|| invalid("bad option"))?;
            if key == "ef" {
                let ef: u64 = value
                    .parse()
                    .ok()
                    .filter(|v| (16..=4096).contains(v))
                    .ok_or_else(|| invalid("ef is a whole number from 16 to 4096"))?;
                target.ef = Some(ef);
                continue;
            }
            let value: u32 = value
                .parse()
                .ok()
                .filter(|v| (1..=64).contains(v))
                .ok_or_else(|| invalid("options are whole numbers from 1 to 64"))?;
            match key {
                "shards" => target.shards = Some(value),
                "replication" | "replication_factor" => target.replication = Some(value),
                "write_consistency" | "write_consistency_factor" => {
                    target.write_consistency = Some(value)
                }
                _ => return Err(invalid("unknown option")),
            }
        }
        Ok(target)
    }

    fn url(&self, host: &str) -> String {
        format!("{}://{host}", if self.tls { "https" } else { "http" })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}://{}/{}",
            if self.tls { "qdrants" } else { "qdrant" },
            self.hosts.join(","),
            self.collection
        )?;
        let options: Vec<String> = [
            ("shards", self.shards),
            ("replication", self.replication),
            ("write_consistency", self.write_consistency),
            ("ef", self.ef.map(|v| v as u32)),
        ]
        .iter()
        .filter_map(|(key, value)| value.map(|v| format!("{key}={v}")))
        .collect();
        if !options.is_empty() {
            write!(f, "?{}", options.join("&"))?;
        }
        Ok(())
    }
}

/// The payload stored with a quote's point: what [`Condition`]s read. Categorical values are
/// normalised as request filters normalise theirs; competitors are kept as the deal names them
/// (normalised), and a competitor filter is widened to every name that resolves to the asked
/// competitor (see [`crate::search::filter::scope`]), so an alias added later needs no re-index.
pub fn quote_payload(record: &DealRecord, quote: &QuoteRecord) -> serde_json::Value {
    let info = &record.info;
    let mut payload = serde_json::Map::new();
    payload.insert("quote_id".into(), quote.quote_id.clone().into());
    payload.insert("deal_id".into(), record.deal_id.clone().into());
    let competitors: Vec<String> = info.competitors.iter().map(|c| normalize_name(c)).collect();
    payload.insert("competitors".into(), competitors.into());
    if let Some(outcome) = info.outcome {
        payload.insert("outcome".into(), outcome.as_str().into());
    }
    for (field, value) in [
        ("segment", &info.segment),
        ("industry", &info.industry),
        ("region", &info.region),
        ("buyer_persona", &info.buyer_persona),
        ("loss_reason", &info.loss_reason),
        ("win_reason", &info.win_reason),
        ("size_band", &info.size_band),
    ] {
        if let Some(value) = value {
            payload.insert(field.into(), normalize_value(value).into());
        }
    }
    if let Some(day) = info.close_date {
        payload.insert("close_date".into(), i64::from(day.0).into());
    }
    let themes: Vec<String> = quote.themes.iter().map(|t| normalize_value(t)).collect();
    payload.insert("themes".into(), themes.into());
    serde_json::Value::Object(payload)
}

/// The Qdrant filter of a scope: every condition must hold.
pub fn to_filter(scope: &Scope) -> Filter {
    Filter::must(scope.conditions.iter().map(|condition| match condition {
        Condition::AnyOf { field, values } => QCondition::matches(*field, values.clone()),
        Condition::Range { field, gte, lte } => QCondition::range(
            *field,
            Range { gte: gte.map(|v| v as f64), lte: lte.map(|v| v as f64), ..Default::default() },
        ),
    }))
}

/// Name of the sparse BM25 vector (server-side hybrid; the IDF comes from the server).
pub const SPARSE: &str = "bm25";
const BM25_K1: f32 = 1.2;
const BM25_B: f32 = 0.75;
/// Typical quote length in terms (stop words removed), for BM25's length normalisation.
const BM25_AVG_TERMS: f32 = 40.0;
/// Weight of the interviewer question's terms, as in the keyword index.
const CONTEXT_WEIGHT: f32 = 0.3;

fn term_index(term: &str) -> u32 {
    // FNV-1a: stable across versions and processes.
    term.bytes()
        .fold(0x811c_9dc5u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}

fn bm25_weights(terms: &[String], weight: f32, into: &mut BTreeMap<u32, f32>) {
    let mut counts: HashMap<u32, f32> = HashMap::new();
    for term in terms {
        *counts.entry(term_index(term)).or_default() += 1.0;
    }
    let norm = BM25_K1 * (1.0 - BM25_B + BM25_B * terms.len() as f32 / BM25_AVG_TERMS);
    for (index, tf) in counts {
        *into.entry(index).or_default() += weight * tf * (BM25_K1 + 1.0) / (tf + norm);
    }
}

/// A quote's sparse BM25 vector (the term-frequency part; the server applies IDF): the keyword
/// index's terms of the text, plus the question's at weight 0.3.
pub fn sparse_passage(text: &str, context: Option<&str>) -> (Vec<u32>, Vec<f32>) {
    let mut weights = BTreeMap::new();
    bm25_weights(&crate::store::keyword::terms(text), 1.0, &mut weights);
    if let Some(context) = context {
        bm25_weights(&crate::store::keyword::terms(context), CONTEXT_WEIGHT, &mut weights);
    }
    weights.into_iter().unzip()
}

/// A query's sparse vector: each distinct term once.
pub fn sparse_query(text: &str) -> (Vec<u32>, Vec<f32>) {
    let indices: std::collections::BTreeSet<u32> =
        crate::store::keyword::terms(text).iter().map(|t| term_index(t)).collect();
    let values = vec![1.0; indices.len()];
    (indices.into_iter().collect(), values)
}

/// How the server fuses its dense and sparse candidate lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerFusion {
    /// Reciprocal rank fusion.
    Rrf,
    /// Distribution-based score fusion.
    Dbsf,
}

/// The point id of a quote: the first 8 bytes of its SHA-256.
pub fn point_id(quote_id: &str) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(quote_id.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// What storybank records beside the index about the collection.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    /// The collection this record describes.
    collection: String,
    /// The store change the collection reflects.
    applied_change: i64,
    /// Per deal: quote ids and the normalised centroid of their vectors.
    deals: BTreeMap<String, DealState>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct DealState {
    quotes: Vec<String>,
    centroid: Vec<f32>,
}

/// A Qdrant-backed vector index.
pub struct QdrantIndex {
    target: Target,
    clients: Vec<Qdrant>,
    /// The host tried first (moves on after a transient failure).
    current: AtomicUsize,
    dimension: usize,
    state_path: PathBuf,
    state: State,
    /// Whether the collection is known to exist with its payload indexes.
    ensured: AtomicBool,
    timeout: Duration,
}

impl std::fmt::Debug for QdrantIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QdrantIndex")
            .field("target", &self.target.to_string())
            .field("applied_change", &self.state.applied_change)
            .field("deals", &self.state.deals.len())
            .finish()
    }
}

/// The runtime the gRPC calls run on (never dropped, so it is safe to reach from anywhere).
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("storybank-qdrant")
            .enable_all()
            .build()
            .expect("starting the Qdrant client runtime")
    })
}

/// Whether a failed call may succeed when retried (on this host or another).
fn transient(err: &QdrantError) -> bool {
    match err {
        QdrantError::ResourceExhaustedError { .. } | QdrantError::Io(_) => true,
        QdrantError::ResponseError { status } => {
            // Cancelled 1, Unknown 2, DeadlineExceeded 4, ResourceExhausted 8, Aborted 10,
            // Internal 13 (a peer of the node failed), Unavailable 14.
            matches!(i32::from(status.code()), 1 | 2 | 4 | 8 | 10 | 13 | 14)
        }
        _ => false,
    }
}

fn not_found(err: &QdrantError) -> bool {
    match err {
        QdrantError::ResponseError { status } => {
            i32::from(status.code()) == 5 || status.message().contains("doesn't exist")
        }
        _ => false,
    }
}

/// How long one call may take (`STORYBANK_QDRANT_TIMEOUT_MS`, default 5 s).
fn call_timeout() -> Duration {
    let ms = std::env::var("STORYBANK_QDRANT_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&ms| ms > 0)
        .unwrap_or(5_000);
    Duration::from_millis(ms)
}

impl QdrantIndex {
    /// Opens the record in `<index>/vectors/qdrant.json` (a new, empty one when it is missing or
    /// describes another collection) and builds one client per host. Nothing is contacted yet.
    pub fn open(index_dir: &Path, target: &Target, dimension: usize) -> Result<QdrantIndex> {
        let dir = index_dir.join("vectors");
        crate::store::create_dir(&dir)?;
        let state_path = dir.join(STATE_FILE);
        let state = match std::fs::read(&state_path) {
            Ok(bytes) => match serde_json::from_slice::<State>(&bytes) {
                Ok(state) if state.collection == target.collection => state,
                Ok(_) => State { collection: target.collection.clone(), ..State::default() },
                Err(err) => {
                    tracing::warn!(error = %err, "qdrant.json unreadable; the collection will be rebuilt");
                    State { collection: target.collection.clone(), ..State::default() }
                }
            },
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                State { collection: target.collection.clone(), ..State::default() }
            }
            Err(err) => {
                return Err(Error::io(format!("reading {}", state_path.display()), err));
            }
        };
        let api_key = std::env::var("STORYBANK_QDRANT_API_KEY").ok().filter(|k| !k.is_empty());
        let timeout = call_timeout();
        let clients = target
            .hosts
            .iter()
            .map(|host| {
                let mut builder = Qdrant::from_url(&target.url(host))
                    .timeout(timeout)
                    .connect_timeout(Duration::from_secs(2))
                    .skip_compatibility_check();
                if let Some(key) = &api_key {
                    builder = builder.api_key(key.clone());
                }
                // Building connects lazily; it only needs the runtime for its channel.
                let _guard = runtime().enter();
                builder
                    .build()
                    .map_err(|err| Error::InvalidRequest(format!("vector store `{target}`: {err}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(QdrantIndex {
            target: target.clone(),
            clients,
            current: AtomicUsize::new(0),
            dimension,
            state_path,
            state,
            ensured: AtomicBool::new(false),
            timeout,
        })
    }

    /// Where the vectors live.
    pub fn target(&self) -> &Target {
        &self.target
    }

    fn ef(&self) -> u64 {
        self.target.ef.unwrap_or(HNSW_EF)
    }

    /// Runs one call with a timeout, retries with backoff on transient errors, and moves to the
    /// next host when one fails. `make` builds the call for a client (it runs once per attempt).
    fn call<T, F, Fut>(&self, what: &str, make: F) -> std::result::Result<T, CallError>
    where
        T: Send + 'static,
        F: Fn(Qdrant) -> Fut,
        Fut: Future<Output = std::result::Result<T, QdrantError>> + Send + 'static,
    {
        let attempts = self.clients.len().max(2) + 1;
        let mut delay = Duration::from_millis(100);
        let mut last = String::new();
        for attempt in 0..attempts {
            let host = self.current.load(Ordering::Relaxed) % self.clients.len();
            let future = make(self.clients[host].clone());
            let timeout = self.timeout;
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            runtime().spawn(async move {
                let _ = tx.send(tokio::time::timeout(timeout, future).await);
            });
            let outcome = rx.recv().map_err(|_| {
                CallError::Unavailable(format!("{what}: the client runtime stopped"))
            })?;
            match outcome {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(err)) if not_found(&err) => return Err(CallError::NotFound),
                Ok(Err(err)) if !transient(&err) => {
                    return Err(CallError::Failed(format!("{what}: {err}")));
                }
                Ok(Err(err)) => last = format!("{what} on {}: {err}", self.target.hosts[host]),
                Err(_) => {
                    last = format!(
                        "{what} on {}: no answer in {} ms",
                        self.target.hosts[host],
                        timeout.as_millis()
                    )
                }
            }
            tracing::warn!(attempt, error = %last, "vector store call failed; retrying");
            let _ = self.current.compare_exchange(
                host,
                (host + 1) % self.clients.len(),
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
            if attempt + 1 < attempts {
                std::thread::sleep(delay);
                delay *= 3;
            }
        }
        Err(CallError::Unavailable(last))
    }

    /// Creates the collection and its payload indexes unless they exist; checks the dimension
    /// of an existing one.
    fn ensure(&self) -> Result<()> {
        if self.ensured.load(Ordering::Acquire) {
            return Ok(());
        }
        let name = self.target.collection.clone();
        let exists = {
            let name = name.clone();
            self.call("checking the collection", move |client| {
                let name = name.clone();
                async move { client.collection_exists(name).await }
            })
            .map_err(CallError::into_error)?
        };
        if exists {
            self.check_dimension()?;
        } else {
            let mut sparse = SparseVectorsConfigBuilder::default();
            sparse.add_named_vector_params(
                SPARSE,
                SparseVectorParamsBuilder::default().modifier(Modifier::Idf),
            );
            let mut create = CreateCollectionBuilder::new(name.clone())
                .vectors_config(VectorParamsBuilder::new(self.dimension as u64, Distance::Cosine))
                .sparse_vectors_config(sparse);
            if let Some(shards) = self.target.shards {
                create = create.shard_number(shards);
            }
            if let Some(replication) = self.target.replication {
                create = create.replication_factor(replication);
            }
            if let Some(consistency) = self.target.write_consistency {
                create = create.write_consistency_factor(consistency);
            }
            let create = create.build();
            let created = self.call("creating the collection", move |client| {
                let create = create.clone();
                async move { client.create_collection(create).await }
            });
            match created {
                Ok(_) => {}
                // Another process created it first.
                Err(CallError::Failed(message)) if message.contains("already exists") => {}
                Err(err) => return Err(err.into_error()),
            }
            let mut fields: Vec<(&str, FieldType)> =
                KEYWORD_FIELDS.iter().map(|f| (*f, FieldType::Keyword)).collect();
            fields.push(("close_date", FieldType::Integer));
            for (field, kind) in fields {
                let request =
                    CreateFieldIndexCollectionBuilder::new(name.clone(), field, kind).wait(true);
                self.call("creating a payload index", move |client| {
                    let request = request.clone();
                    async move { client.create_field_index(request).await }
                })
                .map_err(CallError::into_error)?;
            }
            tracing::info!(collection = %name, target = %self.target, "created the Qdrant collection");
        }
        self.ensured.store(true, Ordering::Release);
        Ok(())
    }

    fn check_dimension(&self) -> Result<()> {
        use qdrant_client::qdrant::vectors_config::Config;
        let name = self.target.collection.clone();
        let info = self
            .call("reading the collection", move |client| {
                let name = name.clone();
                async move { client.collection_info(name).await }
            })
            .map_err(CallError::into_error)?;
        let size = info
            .result
            .and_then(|r| r.config)
            .and_then(|c| c.params)
            .and_then(|p| p.vectors_config)
            .and_then(|v| v.config)
            .and_then(|config| match config {
                Config::Params(params) => Some(params.size),
                Config::ParamsMap(_) => None,
            });
        match size {
            Some(size) if size as usize == self.dimension => Ok(()),
            other => Err(Error::IndexIncompatible {
                path: self.state_path.clone(),
                reason: format!(
                    "Qdrant collection `{}` holds {} vectors, the model makes {}-d vectors; \
                     name another collection in the URL",
                    self.target.collection,
                    other.map_or("named or unknown".to_string(), |s| format!("{s}-d")),
                    self.dimension
                ),
            }),
        }
    }

    fn write_ordering() -> WriteOrdering {
        WriteOrdering { r#type: WriteOrderingType::Medium as i32 }
    }

    fn deal_filter(deal_id: &str) -> Filter {
        Filter::must([QCondition::matches("deal_id", deal_id.to_string())])
    }

    /// Upserts a deal's points (in batches, waiting for each), then deletes the deal's points
    /// that are not among them.
    pub fn replace_deal(
        &mut self,
        record: &DealRecord,
        rows: Vec<(String, Vec<f32>)>,
    ) -> Result<()> {
        self.ensure()?;
        let quotes: HashMap<&str, &QuoteRecord> =
            record.quotes.iter().map(|q| (q.quote_id.as_str(), q)).collect();
        let mut points = Vec::with_capacity(rows.len());
        let mut ids: Vec<PointId> = Vec::with_capacity(rows.len());
        check_dimensions(&rows, self.dimension)?;
        for (quote_id, vector) in &rows {
            let payload = match quotes.get(quote_id.as_str()) {
                Some(quote) => quote_payload(record, quote),
                None => serde_json::json!({"quote_id": quote_id, "deal_id": record.deal_id}),
            };
            let payload = Payload::try_from(payload)
                .map_err(|err| Error::Internal(format!("quote payload: {err}")))?;
            let id = point_id(quote_id);
            ids.push(id.into());
            let (indices, values) = match quotes.get(quote_id.as_str()) {
                Some(quote) => sparse_passage(&quote.text, quote.context.as_deref()),
                None => (vec![], vec![]),
            };
            let mut vectors = NamedVectors::default().add_vector("", vector.clone());
            if !indices.is_empty() {
                vectors = vectors.add_vector(SPARSE, Vector::new_sparse(indices, values));
            }
            points.push(PointStruct::new(id, vectors, payload));
        }
        let collection = self.target.collection.clone();
        for batch in points.chunks(UPSERT_BATCH) {
            let request = UpsertPointsBuilder::new(collection.clone(), batch.to_vec())
                .wait(true)
                .ordering(Self::write_ordering())
                .build();
            self.call("upserting points", move |client| {
                let request = request.clone();
                async move { client.upsert_points(request).await }
            })
            .map_err(CallError::into_error)?;
        }
        let mut stale = Self::deal_filter(&record.deal_id);
        if !ids.is_empty() {
            stale.must_not.push(QCondition::has_id(ids));
        }
        self.delete(stale)?;
        let vectors: Vec<&[f32]> = rows.iter().map(|(_, v)| v.as_slice()).collect();
        if rows.is_empty() {
            self.state.deals.remove(&record.deal_id);
        } else {
            self.state.deals.insert(
                record.deal_id.clone(),
                DealState {
                    quotes: rows.iter().map(|(id, _)| id.clone()).collect(),
                    centroid: centroid(&vectors).unwrap_or_default(),
                },
            );
        }
        Ok(())
    }

    fn delete(&self, filter: Filter) -> Result<()> {
        let request = DeletePointsBuilder::new(self.target.collection.clone())
            .points(filter)
            .wait(true)
            .ordering(Self::write_ordering())
            .build();
        match self.call("deleting points", move |client| {
            let request = request.clone();
            async move { client.delete_points(request).await }
        }) {
            Ok(_) | Err(CallError::NotFound) => Ok(()),
            Err(err) => Err(err.into_error()),
        }
    }

    /// Deletes a deal's points.
    pub fn remove_deal(&mut self, deal_id: &str) -> Result<()> {
        self.delete(Self::deal_filter(deal_id))?;
        self.state.deals.remove(deal_id);
        Ok(())
    }

    /// Drops the collection (it is created again, with the URL's settings, at the next write)
    /// and records an empty index at change 0, so a crash before the rebuild commits leaves an
    /// index that is rebuilt on open.
    pub fn clear(&mut self) -> Result<()> {
        let name = self.target.collection.clone();
        match self.call("dropping the collection", move |client| {
            let name = name.clone();
            async move { client.delete_collection(name).await }
        }) {
            Ok(_) | Err(CallError::NotFound) => {}
            Err(err) => return Err(err.into_error()),
        }
        self.ensured.store(false, Ordering::Release);
        self.state = State { collection: self.target.collection.clone(), ..State::default() };
        self.write_state()
    }

    /// Records that the collection holds the store's `change` (every write before it waited
    /// for the cluster's acknowledgement).
    pub fn commit(&mut self, change: i64) -> Result<()> {
        self.state.applied_change = change;
        crate::store::crash_point("qdrant.commit");
        self.write_state()
    }

    fn write_state(&self) -> Result<()> {
        crate::store::write_atomic(&self.state_path, &serde_json::to_vec(&self.state)?)
    }

    /// The store change the collection reflects.
    pub fn applied_change(&self) -> i64 {
        self.state.applied_change
    }

    /// Quote ids per deal, as recorded.
    pub fn quote_ids_by_deal(&self) -> HashMap<String, Vec<String>> {
        self.state.deals.iter().map(|(deal, entry)| (deal.clone(), entry.quotes.clone())).collect()
    }

    /// Number of quotes recorded.
    pub fn len(&self) -> usize {
        self.state.deals.values().map(|d| d.quotes.len()).sum()
    }

    /// True when no quote is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The collection's exact point count (0 when it does not exist).
    pub fn count(&self) -> Result<usize> {
        let request = CountPointsBuilder::new(self.target.collection.clone()).exact(true).build();
        match self.call("counting points", move |client| {
            let request = request.clone();
            async move { client.count(request).await }
        }) {
            Ok(response) => Ok(response.result.map_or(0, |r| r.count as usize)),
            Err(CallError::NotFound) => Ok(0),
            Err(err) => Err(err.into_error()),
        }
    }

    /// Compares the collection's point count with the record.
    pub fn verify(&self) -> Result<Option<String>> {
        let count = self.count()?;
        let recorded = self.len();
        Ok((count != recorded).then(|| {
            format!(
                "Qdrant collection `{}` holds {count} points, the index recorded {recorded}",
                self.target.collection
            )
        }))
    }

    /// A read found no collection: fine for an empty index; for one that recorded points, the
    /// collection was dropped behind storybank's back, and an empty answer would be a silent
    /// lie. It is a 503 until the next reload rebuilds it (`serve` checks every 30 s).
    fn missing_collection(&self) -> Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        Err(Error::VectorStoreUnavailable(format!(
            "the Qdrant collection `{}` is missing; it is rebuilt from the store at the next reload",
            self.target.collection
        )))
    }

    /// A read call: `None` when the collection does not exist (an empty index), an error when
    /// it should exist (see [`QdrantIndex::missing_collection`]) or the call failed.
    fn read<T, F, Fut>(&self, what: &str, make: F) -> Result<Option<T>>
    where
        T: Send + 'static,
        F: Fn(Qdrant) -> Fut,
        Fut: Future<Output = std::result::Result<T, QdrantError>> + Send + 'static,
    {
        match self.call(what, make) {
            Ok(value) => Ok(Some(value)),
            Err(CallError::NotFound) => self.missing_collection().map(|()| None),
            Err(err) => Err(err.into_error()),
        }
    }

    fn include_quote_id() -> PayloadIncludeSelector {
        PayloadIncludeSelector { fields: vec!["quote_id".to_string()] }
    }

    /// The `limit` nearest quotes within `scope`, filtered inside the search.
    pub fn search(
        &self,
        query: &[f32],
        limit: usize,
        scope: Option<&Scope>,
    ) -> Result<Vec<VectorHit>> {
        if limit == 0 || query.len() != self.dimension {
            return Ok(vec![]);
        }
        let mut request = QueryPointsBuilder::new(self.target.collection.clone())
            .query(query.to_vec())
            .limit(limit as u64)
            .with_payload(Self::include_quote_id())
            .params(SearchParamsBuilder::default().hnsw_ef(self.ef()));
        if let Some(scope) = scope {
            request = request.filter(to_filter(scope));
        }
        let request = request.build();
        let Some(response) = self.read("searching", move |client| {
            let request = request.clone();
            async move { client.query(request).await }
        })?
        else {
            return Ok(vec![]);
        };
        Ok(vector_hits(response.result))
    }

    /// Server-side hybrid: the dense and the sparse BM25 candidates (each `depth` deep, both
    /// filtered) fused by the server; one query.
    pub fn server_hybrid(
        &self,
        dense: &[f32],
        text: &str,
        depth: usize,
        scope: Option<&Scope>,
        fusion: ServerFusion,
    ) -> Result<Vec<VectorHit>> {
        let (indices, values) = sparse_query(text);
        let filter = scope.map(to_filter);
        let mut dense_prefetch = PrefetchQueryBuilder::default()
            .query(Query::new_nearest(dense.to_vec()))
            .limit(depth as u64)
            .params(SearchParamsBuilder::default().hnsw_ef(self.ef()));
        let mut sparse_prefetch = PrefetchQueryBuilder::default()
            .query(Query::new_nearest(VectorInput::new_sparse(indices, values)))
            .using(SPARSE)
            .limit(depth as u64);
        if let Some(filter) = &filter {
            dense_prefetch = dense_prefetch.filter(filter.clone());
            sparse_prefetch = sparse_prefetch.filter(filter.clone());
        }
        let fusion = match fusion {
            ServerFusion::Rrf => Fusion::Rrf,
            ServerFusion::Dbsf => Fusion::Dbsf,
        };
        let request = QueryPointsBuilder::new(self.target.collection.clone())
            .add_prefetch(dense_prefetch)
            .add_prefetch(sparse_prefetch)
            .query(Query::new_fusion(fusion))
            .limit(depth as u64)
            .with_payload(Self::include_quote_id())
            .build();
        let Some(response) = self.read("hybrid searching", move |client| {
            let request = request.clone();
            async move { client.query(request).await }
        })?
        else {
            return Ok(vec![]);
        };
        Ok(vector_hits(response.result))
    }

    /// The best `per_deal` quotes of each deal in `scope`: one grouped query.
    pub fn top_per_deal(
        &self,
        probe: &[f32],
        per_deal: usize,
        scope: Option<&Scope>,
    ) -> Result<HashMap<String, DealTop>> {
        let deals = scope.map_or(self.state.deals.len(), |s| s.deals.len());
        if probe.len() != self.dimension || per_deal == 0 || deals == 0 {
            return Ok(HashMap::new());
        }
        let mut request = QueryPointGroupsBuilder::new(self.target.collection.clone(), "deal_id")
            .query(probe.to_vec())
            .group_size(per_deal as u64)
            .limit(deals as u64)
            .with_payload(qdrant_client::qdrant::with_payload_selector::SelectorOptions::from(
                Self::include_quote_id(),
            ))
            .params(SearchParamsBuilder::default().hnsw_ef(self.ef().max(deals as u64)));
        if let Some(scope) = scope {
            // Similar deals filter deals, not quotes: a theme filter allows the deals that have
            // a tagged quote (the scope's deals), and all their quotes count.
            let mut deal_level = Scope {
                deals: Default::default(),
                conditions: scope
                    .conditions
                    .iter()
                    .filter(|c| !matches!(c, Condition::AnyOf { field: "themes", .. }))
                    .cloned()
                    .collect(),
            };
            if deal_level.conditions.len() < scope.conditions.len() {
                let mut deals: Vec<String> = scope.deals.iter().cloned().collect();
                deals.sort();
                deal_level.conditions.push(Condition::AnyOf { field: "deal_id", values: deals });
            }
            request = request.filter(to_filter(&deal_level));
        }
        let request = request.build();
        let Some(response) = self.read("searching by deal", move |client| {
            let request = request.clone();
            async move { client.query_groups(request).await }
        })?
        else {
            return Ok(HashMap::new());
        };
        let mut tops = HashMap::new();
        for group in response.result.map(|r| r.groups).unwrap_or_default() {
            use qdrant_client::qdrant::group_id::Kind as GroupKind;
            let Some(GroupKind::StringValue(deal)) = group.id.and_then(|id| id.kind) else {
                continue;
            };
            let mut top: DealTop = group
                .hits
                .into_iter()
                .filter_map(|p| Some((payload_string(&p.payload, "quote_id")?, p.score)))
                .collect();
            top.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            tops.insert(deal, top);
        }
        Ok(tops)
    }

    /// The recorded centroid of a deal.
    pub fn centroid(&self, deal_id: &str) -> Option<Vec<f32>> {
        self.state.deals.get(deal_id).map(|d| d.centroid.clone()).filter(|c| !c.is_empty())
    }

    /// A deal's vectors, read back from the collection.
    pub fn deal_vectors(&self, deal_id: &str) -> Result<Vec<(String, Vec<f32>)>> {
        use qdrant_client::qdrant::vector_output::Vector;
        let expected = self.state.deals.get(deal_id).map_or(0, |d| d.quotes.len());
        if expected == 0 {
            return Ok(vec![]);
        }
        let request = ScrollPointsBuilder::new(self.target.collection.clone())
            .filter(Self::deal_filter(deal_id))
            .limit((expected + 16) as u32)
            .with_payload(Self::include_quote_id())
            .with_vectors(true)
            .build();
        let Some(response) = self.read("reading a deal's vectors", move |client| {
            let request = request.clone();
            async move { client.scroll(request).await }
        })?
        else {
            return Ok(vec![]);
        };
        let mut by_id: HashMap<String, Vec<f32>> = HashMap::new();
        for point in response.result {
            let Some(quote_id) = payload_string(&point.payload, "quote_id") else { continue };
            if let Some(Vector::Dense(dense)) = point.vectors.and_then(|v| v.get_vector()) {
                by_id.insert(quote_id, dense.data);
            }
        }
        // In the recorded quote order.
        let order = &self.state.deals[deal_id].quotes;
        Ok(order.iter().filter_map(|id| Some((id.clone(), by_id.remove(id)?))).collect())
    }

    /// Whether a point id is the quote's (for tests).
    pub fn point_of(quote_id: &str) -> PointId {
        PointId { point_id_options: Some(PointIdOptions::Num(point_id(quote_id))) }
    }
}

/// Scored points as quote hits (points without a quote id are skipped).
fn vector_hits(points: Vec<qdrant_client::qdrant::ScoredPoint>) -> Vec<VectorHit> {
    points
        .into_iter()
        .filter_map(|point| {
            Some(VectorHit {
                quote_id: payload_string(&point.payload, "quote_id")?,
                score: point.score,
            })
        })
        .collect()
}

fn payload_string(
    payload: &HashMap<String, qdrant_client::qdrant::Value>,
    field: &str,
) -> Option<String> {
    match payload.get(field)?.kind.as_ref()? {
        Kind::StringValue(value) => Some(value.clone()),
        _ => None,
    }
}

/// How a call failed.
#[derive(Debug)]
enum CallError {
    /// The collection does not exist.
    NotFound,
    /// Unreachable or timed out after every retry.
    Unavailable(String),
    /// The server refused the request.
    Failed(String),
}

impl CallError {
    fn into_error(self) -> Error {
        match self {
            CallError::NotFound => Error::Internal("the Qdrant collection does not exist".into()),
            CallError::Unavailable(message) => Error::VectorStoreUnavailable(message),
            CallError::Failed(message) => Error::Internal(format!("Qdrant: {message}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_defaults_and_options() {
        let target = Target::parse("qdrant://localhost").unwrap();
        assert_eq!(target.hosts, vec!["localhost:6334"]);
        assert_eq!(target.collection, DEFAULT_COLLECTION);
        assert!(!target.tls);
        assert_eq!(target.to_string(), "qdrant://localhost:6334/storybank");
        let target = Target::parse(
            "qdrants://a:7000,b,10.0.0.3:6334/winloss?shards=3&replication=2&write_consistency=1&ef=256",
        )
        .unwrap();
        assert!(target.tls);
        assert_eq!(target.hosts, vec!["a:7000", "b:6334", "10.0.0.3:6334"]);
        assert_eq!(target.collection, "winloss");
        assert_eq!(
            (target.shards, target.replication, target.write_consistency, target.ef),
            (Some(3), Some(2), Some(1), Some(256))
        );
        assert_eq!(Target::parse(&target.to_string()).unwrap(), target);
        for bad in [
            "localhost:6334",
            "ftp://x",
            "qdrant://",
            "qdrant://a,,b",
            "qdrant://a:notaport",
            "qdrant://a/bad name",
            "qdrant://a?shards=0",
            "qdrant://a?colour=red",
            "qdrant://a?ef=8",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sparse_vectors_share_the_keyword_terms() {
        let (indices, values) =
            sparse_passage("Pricing, pricing and the priced onboarding.", Some("The price?"));
        assert!(indices.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
        assert_eq!(indices.len(), values.len());
        // "pricing", "priced" and "price" stem to one term: three in the text, one in the
        // question at weight 0.3; "and" and "the" are stop words.
        let (query, weights) = sparse_query("the PRICE");
        assert_eq!(query.len(), 1);
        assert_eq!(weights, vec![1.0]);
        let price = indices.iter().position(|i| *i == query[0]).expect("shared term");
        let onboarding = indices.iter().position(|i| *i != query[0]).expect("second term");
        assert!(values[price] > values[onboarding]);
        assert_eq!(indices.len(), 2);
        assert_eq!(sparse_passage("", None), (vec![], vec![]));
    }

    #[test]
    fn point_ids_are_stable_and_distinct() {
        assert_eq!(point_id("D-1-q1"), point_id("D-1-q1"));
        let ids: std::collections::HashSet<u64> =
            (0..10_000).map(|i| point_id(&format!("D-{}-q{}", i / 40, i % 40))).collect();
        assert_eq!(ids.len(), 10_000);
    }

    #[test]
    fn scopes_translate_to_one_qdrant_filter() {
        let scope = Scope {
            deals: Default::default(),
            conditions: vec![
                Condition::AnyOf {
                    field: "competitors",
                    values: vec!["acme".into(), "globex".into()],
                },
                Condition::AnyOf { field: "outcome", values: vec!["lost".into()] },
                Condition::Range { field: "close_date", gte: Some(19_500), lte: None },
            ],
        };
        let expected = Filter::must([
            QCondition::matches("competitors", vec!["acme".to_string(), "globex".to_string()]),
            QCondition::matches("outcome", vec!["lost".to_string()]),
            QCondition::range("close_date", Range { gte: Some(19_500.0), ..Default::default() }),
        ]);
        assert_eq!(to_filter(&scope), expected);
    }

    /// A small deterministic generator (xorshift) for the property test.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }
        fn maybe(&mut self, items: &[&str]) -> Option<String> {
            (!self.next().is_multiple_of(4)).then(|| self.pick(items).to_string())
        }
        fn some(&mut self, items: &[&str]) -> Vec<String> {
            (0..self.next() % 3).map(|_| self.pick(items).to_string()).collect()
        }
    }

    /// Whatever the filter, the payload conditions a Qdrant server applies select exactly the
    /// quotes the flat index returns (its allowed deals, then the theme check): aliases, case,
    /// spaces and hyphens, lists, missing values and date bounds included.
    #[test]
    fn payload_filters_select_what_the_flat_index_selects() {
        use crate::model::{Day, DealInfo, Filters, OneOrMany, Outcome, QuoteSource};
        use crate::search::filter::{quote_has_theme, scope};
        const COMPETITORS: [&str; 5] = ["Acme Corp", "acme", "Globex", "Initech Ltd", "Umbrella"];
        const SEGMENTS: [&str; 4] = ["Mid-Market", "mid market", "Enterprise", "SMB"];
        const REASONS: [&str; 4] = ["price", "Security Review", "security-review", "roadmap"];
        const THEMES: [&str; 4] = ["pricing", "onboarding", "Security Review", "support"];
        let mut aliases = crate::corpus::Aliases::default();
        aliases.add_alias("Acme Corp", "acme");
        aliases.add_alias("Initech Ltd", "Initech");
        aliases.add_canonical("Globex");
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut deals = BTreeMap::new();
        for n in 0..60 {
            let deal_id = format!("D-{n}");
            let quotes = (0..1 + rng.next() % 4)
                .map(|q| QuoteRecord {
                    quote_id: format!("{deal_id}-q{q}"),
                    text: "text".into(),
                    context: None,
                    speaker: "[BUYER]".into(),
                    source: QuoteSource { transcript: "t.txt".into(), start_seconds: None },
                    themes: rng.some(&THEMES),
                    polarity: None,
                    stance: None,
                })
                .collect();
            let info = DealInfo {
                outcome: [None, Some(Outcome::Won), Some(Outcome::Lost), Some(Outcome::NoDecision)]
                    [(rng.next() % 4) as usize],
                competitors: rng.some(&COMPETITORS),
                segment: rng.maybe(&SEGMENTS),
                industry: rng.maybe(&["Retail", "health care", "Health-Care"]),
                region: rng.maybe(&["EMEA", "emea", "NA"]),
                buyer_persona: rng.maybe(&["CFO", "IT Lead"]),
                loss_reason: rng.maybe(&REASONS),
                win_reason: rng.maybe(&REASONS),
                close_date: (!rng.next().is_multiple_of(5))
                    .then(|| Day(19_000 + (rng.next() % 400) as i32)),
                size_band: rng.maybe(&["<25k", "25k-100k"]),
                ..Default::default()
            };
            deals.insert(deal_id.clone(), DealRecord { deal_id, info, transcript: None, quotes });
        }
        let one_or_many = |rng: &mut Rng, items: &[&str]| -> Option<OneOrMany> {
            match rng.next() % 5 {
                0 | 1 => None,
                2 => Some(OneOrMany::One(rng.pick(items).to_string())),
                _ => Some(OneOrMany::Many(rng.some(items))),
            }
        };
        let mut checked = 0;
        for _ in 0..3_000 {
            let filters = Filters {
                competitor: one_or_many(
                    &mut rng,
                    &["acme", "ACME CORP", "Initech", "Globex", "Hooli"],
                ),
                outcome: one_or_many(&mut rng, &["won", "Lost", "no_decision", "loss"]),
                segment: one_or_many(&mut rng, &SEGMENTS),
                industry: one_or_many(&mut rng, &["retail", "Health Care"]),
                region: one_or_many(&mut rng, &["EMEA", "na"]),
                buyer_persona: one_or_many(&mut rng, &["cfo", "it lead"]),
                loss_reason: one_or_many(&mut rng, &REASONS),
                win_reason: one_or_many(&mut rng, &REASONS),
                size_band: one_or_many(&mut rng, &["<25k"]),
                theme: one_or_many(&mut rng, &THEMES),
                closed_after: (rng.next().is_multiple_of(3))
                    .then(|| Day(19_000 + (rng.next() % 400) as i32)),
                closed_before: (rng.next().is_multiple_of(3))
                    .then(|| Day(19_000 + (rng.next() % 400) as i32)),
            };
            let Some(scope) = scope(&filters, &deals, &aliases) else {
                assert!(filters.is_empty());
                continue;
            };
            for deal in deals.values() {
                for quote in &deal.quotes {
                    let flat = scope.deals.contains(&deal.deal_id)
                        && quote_has_theme(&filters.theme, &quote.themes);
                    let payload = quote_payload(deal, quote);
                    let server = scope.conditions.iter().all(|c| c.matches(&payload));
                    assert_eq!(flat, server, "{filters:?} on {}: {payload}", quote.quote_id);
                    checked += usize::from(flat);
                }
            }
        }
        assert!(checked > 500, "the generator should select quotes often ({checked})");
    }
}

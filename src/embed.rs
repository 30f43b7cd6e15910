//! Text embeddings.
//!
//! [`Embedder::Onnx`] runs `bge-small-en-v1.5` (int8) locally through fastembed and the ONNX
//! Runtime library that `scripts/setup` installs from PyPI wheels: no model hub, no network.
//! [`Embedder::Hashed`] is a deterministic stand-in (feature hashing) for fast unit tests of
//! plumbing only; nothing that claims search quality uses it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
const BGE_QUERY_PREFIX: &str = "Represent this sentence for searching relevant passages: ";
const HASHED_DIMENSION: usize = 384;

/// Where to find the model files.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// Folder holding `lib/` and one folder per model (as `scripts/setup` lays it out).
    pub models_dir: PathBuf,
    /// Model folder name under `models_dir`.
    pub model: String,
    /// ONNX Runtime library path (defaults to `<models_dir>/lib/libonnxruntime.so.1.24.4`).
    pub ort_library: Option<PathBuf>,
    /// Intra-op threads for inference.
    pub threads: usize,
}

/// Computes sentence embeddings (unit vectors).
pub enum Embedder {
    /// A local ONNX model.
    Onnx(Box<OnnxEmbedder>),
    /// Deterministic feature hashing, for plumbing tests only.
    Hashed,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Embedder({})", self.model_id())
    }
}

/// fastembed over a user-supplied ONNX model.
pub struct OnnxEmbedder {
    model_id: String,
    dimension: usize,
    query_prefix: &'static str,
    session: Mutex<TextEmbedding>,
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
    /// Loads the ONNX model described by `config`.
    pub fn load(config: &ModelConfig) -> Result<Embedder> {
        let library = config
            .ort_library
            .clone()
            .unwrap_or_else(|| config.models_dir.join("lib").join(ORT_LIBRARY));
        let environment = ort_environment(&library)?;
        let dir = config.models_dir.join(&config.model);
        let tokenizer = TokenizerFiles {
            tokenizer_file: read_model_file(&dir, "tokenizer.json")?,
            config_file: read_model_file(&dir, "config.json")?,
            special_tokens_map_file: read_model_file(&dir, "special_tokens_map.json")?,
            tokenizer_config_file: read_model_file(&dir, "tokenizer_config.json")?,
        };
        let onnx = read_model_file(&dir, "model.onnx")?;
        let is_bge = config.model.starts_with("bge");
        let model = UserDefinedEmbeddingModel::new(onnx, tokenizer)
            .with_pooling(if is_bge { Pooling::Cls } else { Pooling::Mean })
            .with_quantization(if config.model.contains("int8") && is_bge {
                QuantizationMode::Dynamic
            } else {
                QuantizationMode::None
            });
        let options = InitOptionsUserDefined::new()
            .with_environment(environment)
            .with_intra_threads(config.threads.max(1))
            .with_max_length(512);
        let mut session = TextEmbedding::try_new_from_user_defined(model, options)
            .map_err(|err| Error::ModelUnavailable(format!("loading {}: {err}", dir.display())))?;
        let probe = session
            .embed(["dimension probe"], None)
            .map_err(|err| Error::ModelUnavailable(err.to_string()))?;
        let dimension = probe.first().map_or(0, Vec::len);
        Ok(Embedder::Onnx(Box::new(OnnxEmbedder {
            model_id: config.model.clone(),
            dimension,
            query_prefix: if is_bge { BGE_QUERY_PREFIX } else { "" },
            session: Mutex::new(session),
        })))
    }

    /// Identifies the model; recorded in the index manifest.
    pub fn model_id(&self) -> &str {
        match self {
            Embedder::Onnx(onnx) => &onnx.model_id,
            Embedder::Hashed => "hashed-384-v1",
        }
    }

    /// Vector dimension.
    pub fn dimension(&self) -> usize {
        match self {
            Embedder::Onnx(onnx) => onnx.dimension,
            Embedder::Hashed => HASHED_DIMENSION,
        }
    }

    /// Embeds passages (quotes). One text per model call: the int8-dynamic model's activation
    /// scales depend on batch composition, and batching buys nothing on two cores.
    pub fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        texts.iter().map(|text| self.embed_one(text)).collect()
    }

    /// Embeds a search query (with the model's query instruction, if it has one).
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>> {
        match self {
            Embedder::Onnx(onnx) => self.embed_one(&format!("{}{text}", onnx.query_prefix)),
            Embedder::Hashed => self.embed_one(text),
        }
    }

    fn embed_one(&self, text: &str) -> Result<Vec<f32>> {
        match self {
            Embedder::Onnx(onnx) => {
                let mut session = onnx
                    .session
                    .lock()
                    .map_err(|_| Error::Internal("embedding session poisoned".into()))?;
                let mut vectors = session
                    .embed([text], None)
                    .map_err(|err| Error::ModelUnavailable(err.to_string()))?;
                vectors.pop().ok_or_else(|| Error::Internal("model returned no vector".into()))
            }
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

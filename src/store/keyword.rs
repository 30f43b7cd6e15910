//! The keyword index: tantivy BM25 over quote text (and, with a lower weight, the interviewer
//! question it answers). Filters arrive as a set of allowed deals and are applied inside the
//! query, never by trimming a top-k afterwards.

use std::collections::HashSet;
use std::path::Path;

use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery, TermSetQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

use crate::error::{Error, Result};
use crate::store::create_dir;

const ANALYZER: &str = "storybank_en";
/// Weight of a match in the interviewer question relative to one in the quote itself.
const CONTEXT_BOOST: f32 = 0.3;
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// Fields of the keyword schema.
#[derive(Debug, Clone, Copy)]
struct Fields {
    quote_id: Field,
    deal_id: Field,
    text: Field,
    context: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(ANALYZER)
        .set_index_option(IndexRecordOption::WithFreqs);
    let text_options = TextOptions::default().set_indexing_options(indexing);
    let fields = Fields {
        quote_id: builder.add_text_field("quote_id", STRING | STORED),
        deal_id: builder.add_text_field("deal_id", STRING),
        text: builder.add_text_field("text", text_options.clone()),
        context: builder.add_text_field("context", text_options),
    };
    (builder.build(), fields)
}

/// The terms the keyword index makes of a text (English stemming, stop words removed): also
/// what the Qdrant backend's sparse BM25 vectors are built from.
pub fn terms(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut terms = vec![];
    while stream.advance() {
        terms.push(stream.token().text.clone());
    }
    terms
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::new(Language::English).expect("tantivy ships English stop words"))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// One BM25 hit.
#[derive(Debug, Clone, PartialEq)]
pub struct KeywordHit {
    /// Quote id.
    pub quote_id: String,
    /// BM25 score.
    pub score: f32,
}

/// A document to index.
#[derive(Debug, Clone)]
pub struct KeywordDoc<'a> {
    /// Quote id.
    pub quote_id: &'a str,
    /// Anonymized quote text.
    pub text: &'a str,
    /// Anonymized interviewer question.
    pub context: Option<&'a str>,
}

/// The tantivy index with its reader; a writer is opened only for ingest.
pub struct KeywordIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    writer: Option<IndexWriter>,
}

impl std::fmt::Debug for KeywordIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeywordIndex").field("docs", &self.reader.searcher().num_docs()).finish()
    }
}

/// Why the keyword index did not open.
enum Opening {
    /// Its files cannot be read as an index.
    Damaged(tantivy::TantivyError),
    /// Anything else (the folder cannot be opened, another process's lock).
    Failed(Error),
}

impl Opening {
    fn into_error(self) -> Error {
        match self {
            Opening::Damaged(err) => err.into(),
            Opening::Failed(err) => err,
        }
    }
}

/// Opens or creates the index in `dir`, with its analyzer and a reader.
fn open_in(dir: &Path, schema: &Schema) -> std::result::Result<(Index, IndexReader), Opening> {
    let directory = tantivy::directory::MmapDirectory::open(dir).map_err(|err| {
        Opening::Failed(Error::Internal(format!("opening keyword index {}: {err}", dir.display())))
    })?;
    let damaged = |err: tantivy::TantivyError| match err {
        tantivy::TantivyError::LockFailure(..) => Opening::Failed(err.into()),
        other => Opening::Damaged(other),
    };
    let index = Index::open_or_create(directory, schema.clone()).map_err(damaged)?;
    index.tokenizers().register(ANALYZER, analyzer());
    let reader =
        index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(damaged)?;
    // A segment whose files are cut short fails only when read: read every one once.
    for segment in reader.searcher().segment_readers() {
        for field in segment.schema().fields().map(|(field, _)| field) {
            if segment.schema().get_field_entry(field).is_indexed() {
                segment.inverted_index(field).map_err(damaged)?;
            }
        }
    }
    Ok((index, reader))
}

impl KeywordIndex {
    /// Opens (or creates) the index under `<index>/keyword`. A damaged one (a truncated
    /// `meta.json` or segment file after a disk fault) is derived data: it is removed and
    /// created empty, and opening the bank rebuilds it from the store.
    pub fn open(index_dir: &Path) -> Result<KeywordIndex> {
        let dir = index_dir.join("keyword");
        create_dir(&dir)?;
        let (schema, fields) = schema();
        let (index, reader) = match open_in(&dir, &schema) {
            Ok(opened) => opened,
            Err(Opening::Damaged(err)) => {
                tracing::warn!(
                    error = %err,
                    dir = %dir.display(),
                    "the keyword index is damaged; rebuilding it from the store"
                );
                // Removed, not set aside: a copy would keep the text of later erasures.
                std::fs::remove_dir_all(&dir)
                    .map_err(|e| Error::io(format!("removing {}", dir.display()), e))?;
                create_dir(&dir)?;
                open_in(&dir, &schema).map_err(Opening::into_error)?
            }
            Err(other) => return Err(other.into_error()),
        };
        Ok(KeywordIndex { index, reader, fields, writer: None })
    }

    fn writer(&mut self) -> Result<&mut IndexWriter> {
        if self.writer.is_none() {
            let writer = self.index.writer_with_num_threads(1, WRITER_MEMORY).map_err(|err| match err {
                tantivy::TantivyError::LockFailure(..) => Error::Internal(
                    "the keyword index is locked by another storybank process (ingest or reindex running?)".into(),
                ),
                other => other.into(),
            })?;
            // Files a commit killed half-way left behind (a deal's `.del` file written before
            // its meta.json) would collide with the retry's at the same operation number:
            // everything meta.json does not reference goes first.
            if let Err(err) = writer.garbage_collect_files().wait() {
                tracing::warn!(error = %err, "could not clear the keyword index's stale files");
            }
            self.writer = Some(writer);
        }
        Ok(self.writer.as_mut().expect("writer was just set"))
    }

    /// Replaces every document of a deal.
    pub fn replace_deal(&mut self, deal_id: &str, docs: &[KeywordDoc<'_>]) -> Result<()> {
        let fields = self.fields;
        let writer = self.writer()?;
        writer.delete_term(Term::from_field_text(fields.deal_id, deal_id));
        for document in docs {
            writer.add_document(doc!(
                fields.quote_id => document.quote_id,
                fields.deal_id => deal_id,
                fields.text => document.text,
                fields.context => document.context.unwrap_or(""),
            ))?;
        }
        Ok(())
    }

    /// Removes every document of a deal.
    pub fn remove_deal(&mut self, deal_id: &str) -> Result<()> {
        let fields = self.fields;
        self.writer()?.delete_term(Term::from_field_text(fields.deal_id, deal_id));
        Ok(())
    }

    /// Removes every document.
    pub fn clear(&mut self) -> Result<()> {
        self.writer()?.delete_all_documents()?;
        Ok(())
    }

    /// Commits pending changes, recording in the commit's payload that the index now holds the
    /// store's `change`, and makes them visible to searches.
    pub fn commit(&mut self, change: i64) -> Result<()> {
        let writer = self.writer()?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&change.to_string());
        crate::store::crash_point("keyword.commit");
        prepared.commit()?;
        crate::store::crash_point("keyword.committed");
        // Another process (the CLI beside a server) may write next: release the folder's lock.
        self.release_writer();
        self.reader.reload()?;
        Ok(())
    }

    /// The store change number the committed index contains (0 for a new or pre-payload index).
    pub fn applied_change(&self) -> i64 {
        self.index
            .load_metas()
            .ok()
            .and_then(|metas| metas.payload)
            .and_then(|payload| payload.parse().ok())
            .unwrap_or(0)
    }

    /// Releases the writer (and its lock on the folder) so another process can write.
    pub fn release_writer(&mut self) {
        if let Some(writer) = self.writer.take() {
            let _ = writer.wait_merging_threads();
        }
    }

    /// The quote id of every document visible to searches (for consistency checks).
    pub fn quote_ids(&self) -> Result<Vec<String>> {
        let searcher = self.reader.searcher();
        let mut ids = vec![];
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(64)
                .map_err(|err| Error::io("reading the keyword index", err))?;
            for doc_id in segment.doc_ids_alive() {
                let document: TantivyDocument = store.get(doc_id)?;
                if let Some(id) = document.get_first(self.fields.quote_id).and_then(|v| v.as_str())
                {
                    ids.push(id.to_string());
                }
            }
        }
        Ok(ids)
    }

    /// Number of documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Returns the analyzed terms of a text (lower-cased, stemmed, stop words removed).
    pub fn analyze(text: &str) -> Vec<String> {
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut terms = vec![];
        while let Some(token) = stream.next() {
            if !terms.contains(&token.text) {
                terms.push(token.text.clone());
            }
        }
        terms
    }

    /// BM25 search restricted to `allowed_deals` when given.
    pub fn search(
        &self,
        query_text: &str,
        limit: usize,
        allowed_deals: Option<&HashSet<String>>,
    ) -> Result<Vec<KeywordHit>> {
        let terms = Self::analyze(query_text);
        if terms.is_empty() || limit == 0 || allowed_deals.is_some_and(HashSet::is_empty) {
            return Ok(vec![]);
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = vec![];
        for term in &terms {
            let text_term = Term::from_field_text(self.fields.text, term);
            should.push((
                Occur::Should,
                Box::new(TermQuery::new(text_term, IndexRecordOption::WithFreqs)),
            ));
            let context_term = Term::from_field_text(self.fields.context, term);
            let context_query = TermQuery::new(context_term, IndexRecordOption::WithFreqs);
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(context_query), CONTEXT_BOOST)),
            ));
        }
        let text_query: Box<dyn Query> = Box::new(BooleanQuery::new(should));
        let query: Box<dyn Query> = match allowed_deals {
            Some(deals) => {
                let deal_terms =
                    deals.iter().map(|deal| Term::from_field_text(self.fields.deal_id, deal));
                let filter = ConstScoreQuery::new(Box::new(TermSetQuery::new(deal_terms)), 0.0);
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, text_query),
                    (Occur::Must, Box::new(filter)),
                ]))
            }
            None => text_query,
        };
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            let quote_id = document
                .get_first(self.fields.quote_id)
                .and_then(|value| value.as_str())
                .unwrap_or_default();
            hits.push(KeywordHit { quote_id: quote_id.to_string(), score });
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bm25_with_deal_filter_and_replacement() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = KeywordIndex::open(dir.path()).unwrap();
        index
            .replace_deal(
                "D-1",
                &[
                    KeywordDoc {
                        quote_id: "D-1-q1",
                        text: "The pricing was confusing with overages",
                        context: None,
                    },
                    KeywordDoc {
                        quote_id: "D-1-q2",
                        text: "Onboarding took weeks",
                        context: Some("Tell me about pricing"),
                    },
                ],
            )
            .unwrap();
        index
            .replace_deal(
                "D-2",
                &[KeywordDoc { quote_id: "D-2-q1", text: "Their prices were flat", context: None }],
            )
            .unwrap();
        index.commit(1).unwrap();
        let hits = index.search("why is our pricing so hard?", 10, None).unwrap();
        let ids: Vec<&str> = hits.iter().map(|h| h.quote_id.as_str()).collect();
        assert_eq!(ids[0], "D-1-q1");
        assert!(ids.contains(&"D-2-q1"), "stemming matches prices/pricing: {ids:?}");
        let only_two: HashSet<String> = ["D-2".to_string()].into();
        let hits = index.search("pricing", 10, Some(&only_two)).unwrap();
        assert_eq!(hits.len(), 1);
        index
            .replace_deal(
                "D-1",
                &[KeywordDoc { quote_id: "D-1-q9", text: "new words", context: None }],
            )
            .unwrap();
        index.commit(1).unwrap();
        assert_eq!(index.num_docs(), 2);
        assert!(index.search("the and of", 10, None).unwrap().is_empty());
    }

    #[test]
    fn a_damaged_index_opens_empty_for_the_rebuild() {
        let build = |dir: &Path| {
            let mut index = KeywordIndex::open(dir).unwrap();
            let docs = [KeywordDoc { quote_id: "D-1-q1", text: "pricing was fine", context: None }];
            index.replace_deal("D-1", &docs).unwrap();
            index.commit(7).unwrap();
            assert_eq!(index.num_docs(), 1);
        };
        // A cut meta.json, then a segment's term dictionary cut short.
        for damage in ["meta.json", ".term"] {
            let dir = tempfile::tempdir().unwrap();
            build(dir.path());
            let folder = dir.path().join("keyword");
            let file = std::fs::read_dir(&folder)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.to_string_lossy().ends_with(damage))
                .unwrap();
            let bytes = std::fs::read(&file).unwrap();
            std::fs::write(&file, &bytes[..bytes.len() / 3]).unwrap();
            let index = KeywordIndex::open(dir.path()).unwrap();
            assert_eq!((index.num_docs(), index.applied_change()), (0, 0), "{damage}");
        }
    }
}

//! Retrieval evaluation: runs a corpus's `queries.jsonl` through [`Storybank`] and scores it
//! exactly as `eval/FORMAT.md` ("How a run is scored") describes: a returned quote hits a
//! labelled span when both come from the same deal and at least half of the span's word bigrams
//! occur in the first 150 words of the quote; each span is credited once; nDCG@10 with graded
//! gains, Recall@10 over spans, MRR@10; similar deals: nDCG@5 and Recall@5.

pub mod anonymize;
pub mod generate;
pub mod labels;
pub mod themes;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::app::Storybank;
use crate::error::{Error, Result};
use crate::model::{Filters, Quote};
use crate::search::similar::SimilarRequest;
use crate::search::{Fusion, Mode, SearchRequest};
use crate::store::qdrant::ServerFusion;

/// One labelled span.
#[derive(Debug, Clone, Deserialize)]
pub struct Relevant {
    /// Deal the span comes from.
    pub deal_id: String,
    /// Verbatim buyer words.
    pub text: String,
    /// 2 = answers directly, 1 = partially.
    pub grade: u32,
}

/// One evaluation query.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalQuery {
    /// Query id.
    pub id: String,
    /// `quotes` or `similar_deals`.
    pub kind: String,
    /// The question.
    pub query: String,
    /// Filters to send.
    #[serde(default)]
    pub filters: Option<Filters>,
    /// Labelled spans (quote queries).
    #[serde(default)]
    pub relevant: Vec<Relevant>,
    /// Relevant deals (similar-deal queries).
    #[serde(default)]
    pub relevant_deals: Vec<String>,
}

/// Scores of one query.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QueryScore {
    /// Query id.
    pub id: String,
    /// nDCG at the cutoff.
    pub ndcg: f64,
    /// Recall at the cutoff.
    pub recall: f64,
    /// Reciprocal rank of the first hit.
    pub mrr: f64,
    /// Wall time, milliseconds.
    pub millis: f64,
}

/// Mean scores over a set of queries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Number of queries.
    pub queries: usize,
    /// Mean nDCG.
    pub ndcg: f64,
    /// Mean recall.
    pub recall: f64,
    /// Mean reciprocal rank.
    pub mrr: f64,
    /// Median latency, milliseconds.
    pub p50_ms: f64,
    /// 95th percentile latency, milliseconds.
    pub p95_ms: f64,
}

/// A whole evaluation run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalReport {
    /// Per mode: all quote queries.
    pub modes: BTreeMap<String, Summary>,
    /// Per mode: paraphrase queries only (ids from the corpus README).
    pub paraphrase: BTreeMap<String, Summary>,
    /// Per mode: the other quote queries.
    pub direct: BTreeMap<String, Summary>,
    /// Similar-deal queries (nDCG@5, Recall@5).
    pub similar: Summary,
    /// Per mode, per query.
    pub per_query: BTreeMap<String, Vec<QueryScore>>,
    /// Per mode: queries whose results put a quote from outside the scope the question names
    /// above an in-scope quote with a higher score (must be 0).
    #[serde(default)]
    pub scope_violations: BTreeMap<String, usize>,
}

/// Whether `results` put a quote from outside `scope` above an in-scope quote that scores
/// higher.
pub fn breaks_scope(
    results: &[Quote],
    scope: &crate::search::SearchScope,
    aliases: &crate::corpus::Aliases,
) -> bool {
    // The weakest out-of-scope quote ranked so far.
    let mut weakest_outside = f32::INFINITY;
    for quote in results {
        if scope.holds(&quote.deal, aliases) {
            if quote.score > weakest_outside {
                return true;
            }
        } else {
            weakest_outside = weakest_outside.min(quote.score);
        }
    }
    false
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace() || *c == '_')
        .collect::<String>()
        .split_whitespace()
        .map(String::from)
        .collect()
}

fn bigrams(words: &[String]) -> HashSet<(String, String)> {
    if words.len() == 1 {
        return [(words[0].clone(), String::new())].into();
    }
    words.windows(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect()
}

/// True when a quote hits a span (same deal checked by the caller).
pub fn hits(quote_text: &str, span_text: &str) -> bool {
    let quote_words: Vec<String> = words(quote_text).into_iter().take(150).collect();
    let span = bigrams(&words(span_text));
    if span.is_empty() {
        return false;
    }
    let quote = bigrams(&quote_words);
    let shared = span.iter().filter(|bigram| quote.contains(*bigram)).count();
    shared * 2 >= span.len()
}

fn dcg(gains: &[f64]) -> f64 {
    gains.iter().enumerate().map(|(i, gain)| gain / ((i + 2) as f64).log2()).sum()
}

/// Scores a ranked list of quotes against labelled spans: (nDCG@k, Recall@k, MRR@k).
pub fn score_quotes(
    results: &[(String, String)],
    relevant: &[Relevant],
    k: usize,
) -> (f64, f64, f64) {
    let mut credited = vec![false; relevant.len()];
    let mut gains = vec![];
    for (deal_id, text) in results.iter().take(k) {
        let mut gain = 0.0f64;
        for (index, span) in relevant.iter().enumerate() {
            if !credited[index] && span.deal_id == *deal_id && hits(text, &span.text) {
                credited[index] = true;
                gain = gain.max(span.grade as f64);
            }
        }
        gains.push(gain);
    }
    let mut ideal: Vec<f64> = relevant.iter().map(|span| span.grade as f64).collect();
    ideal.sort_by(|a, b| b.total_cmp(a));
    ideal.truncate(k);
    let ideal_dcg = dcg(&ideal);
    let ndcg = if ideal_dcg > 0.0 { dcg(&gains) / ideal_dcg } else { 0.0 };
    let recall = if relevant.is_empty() {
        0.0
    } else {
        credited.iter().filter(|c| **c).count() as f64 / relevant.len() as f64
    };
    let mrr = gains.iter().position(|g| *g > 0.0).map_or(0.0, |i| 1.0 / (i + 1) as f64);
    (ndcg, recall, mrr)
}

fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn summarize(scores: &[&QueryScore]) -> Summary {
    let n = scores.len().max(1) as f64;
    let millis: Vec<f64> = scores.iter().map(|s| s.millis).collect();
    Summary {
        queries: scores.len(),
        ndcg: scores.iter().map(|s| s.ndcg).sum::<f64>() / n,
        recall: scores.iter().map(|s| s.recall).sum::<f64>() / n,
        mrr: scores.iter().map(|s| s.mrr).sum::<f64>() / n,
        p50_ms: percentile(&millis, 50.0),
        p95_ms: percentile(&millis, 95.0),
    }
}

/// Every stored quote vector by quote id (the taggers' evals recompute tags from them).
pub fn quote_vectors(catalog: &crate::search::Catalog) -> Result<BTreeMap<String, Vec<f32>>> {
    let mut vectors = BTreeMap::new();
    for deal_id in catalog.deals.keys() {
        vectors.extend(catalog.vectors.deal_vectors(deal_id)?);
    }
    Ok(vectors)
}

/// Reads a JSON-lines file (blank lines skipped); a bad line is an error naming its line.
pub fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
    let mut out = vec![];
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(line)
                .map_err(|err| Error::parse(path, index + 1, err.to_string()))?,
        );
    }
    Ok(out)
}

/// Reads `queries.jsonl`.
pub fn read_queries(corpus: &Path) -> Result<Vec<EvalQuery>> {
    let path = corpus.join("queries.jsonl");
    let text = std::fs::read_to_string(&path)
        .map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line)
                .map_err(|err| Error::parse(&path, index + 1, format!("invalid query: {err}")))
        })
        .collect()
}

/// Paraphrase query ids named in the corpus README ("Paraphrase queries ... q03, q06").
pub fn paraphrase_ids(corpus: &Path) -> HashSet<String> {
    let text = std::fs::read_to_string(corpus.join("README.md")).unwrap_or_default();
    let Some(start) = text.find("Paraphrase queries").or_else(|| text.find("paraphrase queries"))
    else {
        return HashSet::new();
    };
    let rest = &text[start..];
    let end = rest.find("The rest").unwrap_or(rest.len().min(600));
    let pattern = regex::Regex::new(r"\bq\d+\b").expect("static regex");
    pattern.find_iter(&rest[..end]).map(|m| m.as_str().to_string()).collect()
}

/// Runs every query of a corpus against a storybank: keyword, semantic, hybrid (convex fusion)
/// and hybrid with RRF, for comparison; on a Qdrant-backed index also the server's own hybrid
/// (dense + sparse BM25, fused with RRF or DBSF).
pub fn evaluate(bank: &Storybank, corpus: &Path) -> Result<EvalReport> {
    let mut variants = vec![
        ("keyword", Mode::Keyword, Fusion::Convex),
        ("semantic", Mode::Semantic, Fusion::Convex),
        ("hybrid", Mode::Hybrid, Fusion::Convex),
        ("hybrid_rrf", Mode::Hybrid, Fusion::Rrf),
        ("hybrid_rerank", Mode::Hybrid, Fusion::Convex),
    ];
    if matches!(bank.vector_backend(), crate::store::vector::Backend::Qdrant(_)) {
        variants.push(("hybrid_qdrant_rrf", Mode::Hybrid, Fusion::Convex));
        variants.push(("hybrid_qdrant_dbsf", Mode::Hybrid, Fusion::Convex));
    }
    let queries = read_queries(corpus)?;
    let paraphrase = paraphrase_ids(corpus);
    let mut report = EvalReport::default();
    for (name, mode, fusion) in variants {
        let name = name.to_string();
        let mut scores = vec![];
        for query in queries.iter().filter(|q| q.kind != "similar_deals") {
            let request = SearchRequest {
                query: query.query.clone(),
                filters: query.filters.clone().unwrap_or_default(),
                limit: Some(10),
                mode: Some(mode),
                explain: false,
                fusion: Some(fusion),
                rerank: name == "hybrid_rerank",
            };
            let started = Instant::now();
            let response = match name.as_str() {
                "hybrid_qdrant_rrf" => bank.search_server_fusion(&request, ServerFusion::Rrf)?,
                "hybrid_qdrant_dbsf" => bank.search_server_fusion(&request, ServerFusion::Dbsf)?,
                _ => bank.search(&request)?,
            };
            let millis = started.elapsed().as_secs_f64() * 1000.0;
            let results: Vec<Quote> = response.results;
            if let Some(scope) = &response.scope
                && breaks_scope(&results, scope, &bank.read_catalog()?.aliases)
            {
                *report.scope_violations.entry(name.clone()).or_default() += 1;
            }
            report.scope_violations.entry(name.clone()).or_default();
            let ranked: Vec<(String, String)> =
                results.into_iter().map(|q| (q.deal_id, q.text)).collect();
            let (ndcg, recall, mrr) = score_quotes(&ranked, &query.relevant, 10);
            scores.push(QueryScore { id: query.id.clone(), ndcg, recall, mrr, millis });
        }
        let all: Vec<&QueryScore> = scores.iter().collect();
        let para: Vec<&QueryScore> = scores.iter().filter(|s| paraphrase.contains(&s.id)).collect();
        let direct: Vec<&QueryScore> =
            scores.iter().filter(|s| !paraphrase.contains(&s.id)).collect();
        report.modes.insert(name.clone(), summarize(&all));
        if !para.is_empty() {
            report.paraphrase.insert(name.clone(), summarize(&para));
        }
        report.direct.insert(name.clone(), summarize(&direct));
        report.per_query.insert(name, scores);
    }
    let mut similar_scores = vec![];
    for query in queries.iter().filter(|q| q.kind == "similar_deals") {
        let started = Instant::now();
        let request = SimilarRequest {
            query: Some(query.query.clone()),
            limit: Some(5),
            ..SimilarRequest::default()
        };
        let deals = bank.similar(&request)?.deals;
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        let gains: Vec<f64> = deals
            .iter()
            .map(|d| if query.relevant_deals.contains(&d.deal_id) { 1.0 } else { 0.0 })
            .collect();
        let ideal: Vec<f64> = vec![1.0; query.relevant_deals.len().min(5)];
        let ndcg = if ideal.is_empty() { 0.0 } else { dcg(&gains) / dcg(&ideal) };
        let found = gains.iter().filter(|g| **g > 0.0).count() as f64;
        let recall = if query.relevant_deals.is_empty() {
            0.0
        } else {
            found / query.relevant_deals.len() as f64
        };
        let mrr = gains.iter().position(|g| *g > 0.0).map_or(0.0, |i| 1.0 / (i + 1) as f64);
        similar_scores.push(QueryScore { id: query.id.clone(), ndcg, recall, mrr, millis });
    }
    report.similar = summarize(&similar_scores.iter().collect::<Vec<_>>());
    report.per_query.insert("similar".into(), similar_scores);
    Ok(report)
}

impl EvalReport {
    /// Renders the report as a Markdown table.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from(
            "| mode | nDCG@10 | Recall@10 | MRR@10 | nDCG@10 paraphrase | nDCG@10 other | p50 ms | p95 ms |\n|---|---|---|---|---|---|---|---|\n",
        );
        for (mode, summary) in &self.modes {
            let para =
                self.paraphrase.get(mode).map_or("-".to_string(), |s| format!("{:.3}", s.ndcg));
            let direct =
                self.direct.get(mode).map_or("-".to_string(), |s| format!("{:.3}", s.ndcg));
            out.push_str(&format!(
                "| {mode} | {:.3} | {:.3} | {:.3} | {para} | {direct} | {:.1} | {:.1} |\n",
                summary.ndcg, summary.recall, summary.mrr, summary.p50_ms, summary.p95_ms
            ));
        }
        out.push_str(&format!(
            "\nsimilar deals ({} queries): nDCG@5 {:.3}, Recall@5 {:.3}, p50 {:.1} ms\n",
            self.similar.queries, self.similar.ndcg, self.similar.recall, self.similar.p50_ms
        ));
        let broken: Vec<String> = self
            .scope_violations
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(mode, n)| format!("{mode} {n}"))
            .collect();
        out.push_str(&format!(
            "scope: {}\n",
            if broken.is_empty() {
                "no query ranks an out-of-scope quote above a higher-scoring in-scope one"
                    .to_string()
            } else {
                format!("queries ranking out-of-scope above in-scope: {}", broken.join(", "))
            }
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weaker_quote_from_outside_the_scope_above_a_stronger_one_inside_is_caught() {
        let quote = |deal: &str, competitor: &str, score: f32| {
            let mut quote: Quote = serde_json::from_value(serde_json::json!({
                "quote_id": format!("{deal}-q001"), "deal_id": deal, "text": "t", "context": null,
                "speaker": "Buyer", "deal": {"outcome": "lost", "competitors": [competitor],
                "segment": null, "industry": null, "region": null, "buyer_persona": null,
                "loss_reason": null, "win_reason": null, "close_date": null, "size_band": null,
                "stage_reached": null, "lead_source": null},
                "source": {"transcript": "t.txt", "start_seconds": null}, "themes": [],
                "polarity": null, "score": 0.0
            }))
            .unwrap();
            quote.score = score;
            quote
        };
        let aliases = crate::corpus::Aliases::default();
        let scope = crate::search::named_scope(
            "why do we lose to Acme?",
            &crate::model::Filters {
                competitor: Some(crate::model::OneOrMany::One("Acme".into())),
                ..Default::default()
            },
            &aliases,
        )
        .unwrap();
        assert_eq!(scope.label, "lost deals against Acme");
        let fine = [quote("A", "Acme", 0.9), quote("B", "Other", 0.95), quote("A", "Acme", 0.5)];
        assert!(!breaks_scope(&fine, &scope, &aliases), "a stronger outside quote may lead");
        let broken = [quote("B", "Other", 0.4), quote("A", "Acme", 0.9)];
        assert!(breaks_scope(&broken, &scope, &aliases));
    }

    fn span(deal: &str, text: &str, grade: u32) -> Relevant {
        Relevant { deal_id: deal.into(), text: text.into(), grade }
    }

    #[test]
    fn hit_rule_needs_half_the_bigrams() {
        assert!(hits(
            "Well, their onboarding team basically lived in our Slack for two weeks!",
            "their onboarding team basically lived in our Slack"
        ));
        assert!(hits(
            "their onboarding team basically lived",
            "their onboarding team basically lived in our Slack"
        ));
        assert!(!hits("their onboarding", "their onboarding team basically lived in our Slack"));
        let long = format!("{} their onboarding team lived here", "filler ".repeat(150));
        assert!(!hits(&long, "their onboarding team lived here"), "only the first 150 words count");
    }

    #[test]
    fn spans_are_credited_once_with_graded_gains() {
        let relevant = vec![
            span("D-1", "flat monthly price was cheaper", 2),
            span("D-1", "nobody had to do math", 1),
            span("D-2", "security review took weeks", 2),
        ];
        let results = vec![
            ("D-9".to_string(), "flat monthly price was cheaper".to_string()),
            (
                "D-1".to_string(),
                "the flat monthly price was cheaper and nobody had to do math".to_string(),
            ),
            ("D-1".to_string(), "flat monthly price was cheaper".to_string()),
        ];
        let (ndcg, recall, mrr) = score_quotes(&results, &relevant, 10);
        assert!((recall - 2.0 / 3.0).abs() < 1e-9);
        assert!((mrr - 0.5).abs() < 1e-9);
        let expected = (2.0 / 3f64.log2()) / (2.0 + 2.0 / 3f64.log2() + 1.0 / 4f64.log2());
        assert!((ndcg - expected).abs() < 1e-9, "{ndcg} vs {expected}");
    }
}

//! Measuring anonymization: (a) on a labelled win/loss corpus, with the CRM seed on (as at
//! ingest) or switched off (detection alone): the share of `pii.txt` strings that survive in served text, the
//! over-redaction rate (redacted tokens that belong to no PII string, over all tokens) and
//! whether any competitor name was redacted; (b) on the Presidio synthetic set: entity-level
//! precision and recall per type.
//!
//! Redactions are recovered by aligning the tokens of the original and the redacted text (LCS),
//! so the measurement needs nothing from the anonymizer's internals.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::anonymize::{Anonymizer, KnownParties};
use crate::corpus::{self, Aliases};
use crate::error::{Error, Result};

static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[[A-Z]+(?: \d+)?\]|[\p{L}\p{N}]+|[^\s\p{L}\p{N}]").expect("static regex")
});

/// A token with its byte range in the text.
#[derive(Debug, Clone)]
struct Token<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    TOKEN
        .find_iter(text)
        .map(|m| Token { text: m.as_str(), start: m.start(), end: m.end() })
        .collect()
}

/// A replaced run of original tokens and the placeholder kind it became.
#[derive(Debug, Clone, PartialEq)]
pub struct Replacement {
    /// Byte range in the original text.
    pub start: usize,
    /// Byte end in the original text.
    pub end: usize,
    /// Placeholder kinds in the replacement (`COLLEAGUE`, `EMAIL`, ...); adjacent redactions
    /// merge into one run, so a run can carry several.
    pub kinds: Vec<String>,
    /// Original tokens replaced.
    pub tokens: Vec<String>,
}

/// Aligns original and redacted text; returns the replaced runs.
pub fn replacements(original: &str, redacted: &str) -> Vec<Replacement> {
    let a = tokens(original);
    let b = tokens(redacted);
    // Case apart: raw lower-case captions come back with names and sentence starts
    // capitalised ("vera" -> "Vera"), which is not a redaction.
    let lower_a: Vec<String> = a.iter().map(|token| token.text.to_lowercase()).collect();
    let lower_b: Vec<String> = b.iter().map(|token| token.text.to_lowercase()).collect();
    let same = |i: usize, j: usize| lower_a[i] == lower_b[j];
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] =
                if same(i, j) { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut runs = vec![];
    let (mut i, mut j) = (0, 0);
    let mut pending_a: Vec<usize> = vec![];
    let mut pending_b: Vec<usize> = vec![];
    let mut flush = |pending_a: &mut Vec<usize>, pending_b: &mut Vec<usize>| {
        let kinds: Vec<String> = pending_b
            .iter()
            .filter_map(|&k| {
                b[k].text.strip_prefix('[').map(|rest| {
                    rest.trim_end_matches(']').split(' ').next().unwrap_or_default().to_string()
                })
            })
            .collect();
        if let (false, Some(&first), Some(&last)) =
            (kinds.is_empty(), pending_a.first(), pending_a.last())
        {
            runs.push(Replacement {
                start: a[first].start,
                end: a[last].end,
                kinds,
                tokens: pending_a.iter().map(|&k| a[k].text.to_string()).collect(),
            });
        }
        pending_a.clear();
        pending_b.clear();
    };
    while i < n || j < m {
        if i < n && j < m && same(i, j) {
            flush(&mut pending_a, &mut pending_b);
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            pending_b.push(j);
            j += 1;
        } else {
            pending_a.push(i);
            i += 1;
        }
    }
    flush(&mut pending_a, &mut pending_b);
    runs
}

/// Results on a labelled win/loss corpus.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CorpusAnonymization {
    /// Whether the CRM names of deals.csv seeded the anonymizer.
    pub crm_seed: bool,
    /// pii.txt strings checked.
    pub pii_strings: usize,
    /// pii.txt strings still present in served text.
    pub surviving: Vec<String>,
    /// Tokens of buyer speech and context examined.
    pub tokens: usize,
    /// Tokens redacted that are part of no pii.txt string.
    pub over_redacted_tokens: usize,
    /// Over-redaction rate.
    pub over_redaction_rate: f64,
    /// The most frequent over-redacted tokens.
    pub over_redacted_examples: Vec<(String, usize)>,
    /// Competitor mentions (canonical or alias) in the originals.
    pub competitor_mentions: usize,
    /// Competitor mentions that were redacted.
    pub competitor_redactions: usize,
    /// Which competitor forms were redacted, how often.
    pub redacted_competitors: Vec<(String, usize)>,
    /// Ordinary-word phrases planted next to name cues (`keep.tsv`: deal id, phrase) checked.
    pub keep_phrases: usize,
    /// Planted phrases that did not survive verbatim (deal id, phrase).
    pub keep_broken: Vec<(String, String)>,
    /// Transcripts that could not be read, with the reason (file and line): they were not
    /// measured, as ingest would not take them either.
    pub unreadable: Vec<String>,
}

/// Whole-word occurrences of `needle` in `haystack`.
fn count_words(haystack: &str, needle: &str) -> usize {
    let starts_word = needle.chars().next().is_some_and(char::is_alphanumeric);
    let ends_word = needle.chars().last().is_some_and(char::is_alphanumeric);
    haystack
        .match_indices(needle)
        .filter(|(start, _)| {
            let before = haystack[..*start].chars().last();
            let after = haystack[start + needle.len()..].chars().next();
            (!starts_word || before.is_none_or(|c| !c.is_alphanumeric()))
                && (!ends_word || after.is_none_or(|c| !c.is_alphanumeric()))
        })
        .count()
}

/// `keep.tsv` of a corpus: (deal id, phrase that must survive verbatim).
fn keep_phrases(corpus: &Path) -> Result<Vec<(String, String)>> {
    let path = corpus.join("keep.tsv");
    if !path.is_file() {
        return Ok(vec![]);
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
    Ok(text
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(deal, phrase)| (deal.trim().to_string(), phrase.to_string()))
        .filter(|(deal, phrase)| !deal.is_empty() && !phrase.is_empty())
        .collect())
}

/// Anonymizes every transcript of a corpus, turn by turn, and measures leaks and
/// over-redaction against its `pii.txt` (and planted ordinary words against `keep.tsv`).
/// With `crm_seed` the anonymizer knows the names deals.csv lists, as at ingest; without it,
/// detection works alone.
pub fn corpus(
    corpus: &Path,
    ner: Option<std::sync::Arc<crate::anonymize::ner::NerModel>>,
    crm_seed: bool,
) -> Result<CorpusAnonymization> {
    let pii: Vec<String> = std::fs::read_to_string(corpus.join("pii.txt"))
        .map_err(|err| Error::io(format!("reading {}", corpus.join("pii.txt").display()), err))?
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(String::from)
        .collect();
    let pii_tokens: HashSet<String> = pii
        .iter()
        .flat_map(|s| tokens(s).into_iter().map(|t| t.text.to_lowercase()).collect::<Vec<_>>())
        .collect();
    let rows: Vec<_> =
        corpus::read_deals(&corpus.join("deals.csv"))?.into_iter().filter_map(Result::ok).collect();
    let mut aliases = Aliases::default();
    for row in &rows {
        for competitor in &row.competitors {
            aliases.add_canonical(competitor);
        }
    }
    if corpus.join("competitors.toml").is_file() {
        aliases.merge(&Aliases::read(&corpus.join("competitors.toml"))?);
    }
    let mut transcripts = vec![];
    let mut unreadable = vec![];
    let mut listing: Vec<std::path::PathBuf> = std::fs::read_dir(corpus.join("transcripts"))
        .map_err(|err| Error::io("listing transcripts", err))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    listing.sort();
    for path in listing {
        match corpus::parse_transcript(&path) {
            Ok(transcript) => transcripts.push(transcript),
            Err(err) => unreadable.push(err.to_string()),
        }
    }
    let keep = keep_phrases(corpus)?;
    let vocabulary = crate::ingest::lowercase_vocabulary(&transcripts);
    let corpus_terms = crate::ingest::corpus_terms(&transcripts);
    let competitor_forms: Vec<&str> = aliases.every_form();
    let mut result = CorpusAnonymization {
        crm_seed,
        pii_strings: pii.len(),
        keep_phrases: keep.len(),
        unreadable,
        ..CorpusAnonymization::default()
    };
    let mut served = String::new();
    let mut served_by_deal: BTreeMap<String, String> = BTreeMap::new();
    let mut over: BTreeMap<String, usize> = BTreeMap::new();
    let mut redacted_competitors: BTreeMap<String, usize> = BTreeMap::new();
    // `STORYBANK_EVAL_DEBUG=OVER` prints every over-redacted token with its context.
    let debug_over = std::env::var("STORYBANK_EVAL_DEBUG").is_ok_and(|v| v == "OVER");
    for transcript in &transcripts {
        let stem = transcript.file_name.rsplit_once('.').map_or("", |(stem, _)| stem);
        let deal_id = transcript.deal_id.clone().unwrap_or_else(|| stem.to_string());
        let row = rows.iter().find(|row| row.deal_id == deal_id).filter(|_| crm_seed);
        let interviewers: Vec<&str> = row
            .map(|row| vec![row.interviewer.as_str()])
            .unwrap_or_default()
            .into_iter()
            .chain(transcript.interviewer.as_deref().filter(|_| crm_seed))
            .filter(|name| !name.trim().is_empty())
            .collect();
        let contacts: &[String] = row.map_or(&[], |row| &row.contact_names);
        let roles = crate::ingest::roles::assign_roles(transcript, &interviewers, contacts);
        let mut buyer_speakers: Vec<&str> = vec![];
        let mut interviewer_speakers: Vec<&str> = vec![];
        for turn in &transcript.turns {
            let list = if roles.get(&turn.speaker) == Some(&crate::ingest::Role::Interviewer) {
                &mut interviewer_speakers
            } else {
                &mut buyer_speakers
            };
            if !list.contains(&turn.speaker.as_str()) {
                list.push(&turn.speaker);
            }
        }
        // Organisations named in speaker labels are transcript structure, not CRM data, so
        // detection alone may use them.
        let mut accounts: Vec<&str> = crate::ingest::label_organisations(transcript, &roles);
        if let Some(row) = row {
            accounts.insert(0, row.account_name.as_str());
        }
        let parties = KnownParties {
            contacts,
            rep: row.map_or("", |row| row.rep_name.as_str()),
            interviewers: interviewers.clone(),
            accounts,
            buyer_speakers,
            interviewer_speakers,
            vocabulary: Some(&vocabulary),
            ner: ner.clone(),
            corpus_terms: Some(&corpus_terms),
        };
        let anonymizer = Anonymizer::new(&parties, &aliases);
        // As ingest does: read the whole interview first, then redact, so a name recognised
        // late (or a buyer's company named in passing) is redacted everywhere.
        let texts: Vec<(bool, String)> = transcript
            .turns
            .iter()
            .map(|turn| {
                (roles.get(&turn.speaker) == Some(&crate::ingest::Role::Interviewer), turn.text())
            })
            .collect();
        anonymizer.learn_interview(texts.iter().map(|(role, text)| (*role, vec![text.as_str()])));
        let deal_served = served_by_deal.entry(deal_id.clone()).or_default();
        for turn in &transcript.turns {
            let original = turn.text();
            let redacted = anonymizer.redact(&original);
            served.push_str(&redacted.to_lowercase());
            served.push('\n');
            deal_served.push_str(&redacted);
            deal_served.push('\n');
            result.tokens += tokens(&original).len();
            let lower_original = original.to_lowercase();
            let lower_redacted = redacted.to_lowercase();
            for form in &competitor_forms {
                let before = count_words(&lower_original, &form.to_lowercase());
                result.competitor_mentions += before;
                let after = count_words(&lower_redacted, &form.to_lowercase());
                if after < before {
                    result.competitor_redactions += before - after;
                    *redacted_competitors.entry(form.to_string()).or_insert(0) += before - after;
                }
            }
            for replacement in replacements(&original, &redacted) {
                for token in &replacement.tokens {
                    let is_word = token.chars().any(char::is_alphanumeric);
                    if is_word && !pii_tokens.contains(&token.to_lowercase()) {
                        result.over_redacted_tokens += 1;
                        *over.entry(token.clone()).or_insert(0) += 1;
                        if debug_over {
                            let from = original[..replacement.start]
                                .char_indices()
                                .rev()
                                .nth(50)
                                .map_or(0, |(i, _)| i);
                            // 30 characters on, not bytes: a byte count can end inside "í".
                            let to = original[replacement.end..]
                                .char_indices()
                                .nth(30)
                                .map_or(original.len(), |(i, _)| replacement.end + i);
                            eprintln!(
                                "OVER {token:?} ({:?}) in {:?}",
                                replacement.kinds,
                                &original[from..to]
                            );
                        }
                    }
                }
            }
        }
    }
    result.surviving = pii
        .iter()
        .filter(|s| crate::anonymize::contains_word(&served, &s.to_lowercase()))
        .cloned()
        .collect();
    // `STORYBANK_EVAL_DEBUG=LEAK` prints where each surviving string was served.
    if std::env::var("STORYBANK_EVAL_DEBUG").is_ok_and(|v| v == "LEAK") {
        for leak in &result.surviving {
            let pattern = regex::Regex::new(&format!(r"(?i)\b{}\b", regex::escape(leak)));
            for (deal, text) in &served_by_deal {
                let lower = text.to_lowercase();
                let found = pattern.as_ref().ok().and_then(|p| p.find(&lower)).map(|m| m.start());
                if let Some(at) = found {
                    let from = lower[..at].char_indices().rev().nth(60).map_or(0, |(i, _)| i);
                    let to = (at + leak.len() + 40).min(text.len());
                    let to =
                        (to..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
                    eprintln!("LEAK {leak:?} in {deal}: {:?}", &text[from..to]);
                }
            }
        }
    }
    result.keep_broken = keep
        .into_iter()
        .filter(|(deal, phrase)| {
            // Case apart, as above: re-cased raw captions keep their words.
            served_by_deal
                .get(deal)
                .is_some_and(|text| !text.to_lowercase().contains(&phrase.to_lowercase()))
        })
        .collect();
    result.redacted_competitors = redacted_competitors.into_iter().collect();
    result.over_redaction_rate = result.over_redacted_tokens as f64 / result.tokens.max(1) as f64;
    let mut examples: Vec<(String, usize)> = over.into_iter().collect();
    examples.sort_by_key(|example| std::cmp::Reverse(example.1));
    examples.truncate(25);
    result.over_redacted_examples = examples;
    Ok(result)
}

#[derive(Deserialize)]
struct PresidioSample {
    full_text: String,
    spans: Vec<PresidioSpan>,
}

#[derive(Deserialize)]
struct PresidioSpan {
    entity_type: String,
    start_position: usize,
    end_position: usize,
}

/// Precision and recall of one entity type.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TypeScore {
    /// Gold entities.
    pub gold: usize,
    /// Gold entities overlapped by a redaction of a matching kind.
    pub found: usize,
    /// Redactions of the matching kinds.
    pub predicted: usize,
    /// Redactions that overlap a gold entity of the type.
    pub correct: usize,
    /// found / gold.
    pub recall: f64,
    /// correct / predicted.
    pub precision: f64,
}

/// Which placeholder kinds count for a Presidio entity type.
pub fn matching_kinds(entity_type: &str) -> &'static [&'static str] {
    match entity_type {
        "PERSON" => &["BUYER", "COLLEAGUE", "REP", "INTERVIEWER", "NAME"],
        "EMAIL_ADDRESS" => &["EMAIL"],
        "PHONE_NUMBER" => &["PHONE"],
        "STREET_ADDRESS" | "GPE" => &["ADDRESS", "CITY"],
        _ => &[],
    }
}

/// Scores anonymization on the Presidio synthetic set (entity level, overlap matching; the
/// STREET_ADDRESS and GPE types are scored together).
pub fn presidio(
    path: &Path,
    ner: Option<std::sync::Arc<crate::anonymize::ner::NerModel>>,
) -> Result<BTreeMap<String, TypeScore>> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
    let samples: Vec<PresidioSample> = serde_json::from_str(&text)?;
    let aliases = Aliases::default();
    // As at ingest: words the whole set uses in lower case are never taken for names.
    let mut empty = HashSet::new();
    for sample in &samples {
        for word in sample.full_text.split(|c: char| !c.is_alphanumeric()) {
            if word.chars().next().is_some_and(char::is_lowercase) {
                empty.insert(word.to_string());
            }
        }
    }
    let mut scores: BTreeMap<String, TypeScore> = BTreeMap::new();
    let groups = [
        ("PERSON", vec!["PERSON"]),
        ("EMAIL_ADDRESS", vec!["EMAIL_ADDRESS"]),
        ("PHONE_NUMBER", vec!["PHONE_NUMBER"]),
        ("STREET_ADDRESS/GPE", vec!["STREET_ADDRESS", "GPE"]),
        ("STREET_ADDRESS", vec!["STREET_ADDRESS"]),
        ("GPE", vec!["GPE"]),
        // Country names are deliberately kept (a country rarely identifies a buyer, and
        // "buyers in Germany" is a search a sales team runs): GPE without them.
        ("GPE, countries kept", vec!["GPE"]),
    ];
    // The whole set is one batch, as an ingest would read it.
    let batch: Vec<crate::corpus::Transcript> = samples
        .iter()
        .map(|sample| crate::corpus::Transcript {
            turns: vec![crate::corpus::Turn {
                speaker: String::new(),
                title: None,
                org: None,
                segments: vec![crate::corpus::Segment {
                    start: None,
                    text: sample.full_text.clone(),
                    line: 1,
                }],
            }],
            ..crate::corpus::Transcript::default()
        })
        .collect();
    let corpus_terms = crate::ingest::corpus_terms(&batch);
    for sample in &samples {
        let parties = KnownParties {
            vocabulary: Some(&empty),
            ner: ner.clone(),
            corpus_terms: Some(&corpus_terms),
            ..KnownParties::default()
        };
        let anonymizer = Anonymizer::new(&parties, &aliases);
        let redacted = anonymizer.redact(&sample.full_text);
        let runs = replacements(&sample.full_text, &redacted);
        // Presidio positions are in characters; convert run byte offsets to characters.
        let char_of = |byte: usize| sample.full_text[..byte].chars().count();
        let runs: Vec<(usize, usize, &str)> = runs
            .iter()
            .flat_map(|r| r.kinds.iter().map(move |kind| (r.start, r.end, kind.as_str())))
            .map(|(start, end, kind)| (char_of(start), char_of(end), kind))
            .collect();
        for (name, types) in &groups {
            let kinds = matching_kinds(types[0]);
            let score = scores.entry(name.to_string()).or_default();
            let chars: Vec<char> = sample.full_text.chars().collect();
            let is_country = |span: &PresidioSpan| {
                let text: String = chars[span.start_position..span.end_position].iter().collect();
                crate::anonymize::lexicon::COUNTRIES.contains(text.trim().to_lowercase().as_str())
            };
            let gold: Vec<&PresidioSpan> = sample
                .spans
                .iter()
                .filter(|s| types.contains(&s.entity_type.as_str()))
                .filter(|s| !name.ends_with("countries kept") || !is_country(s))
                .collect();
            let overlaps = |(start, end): (usize, usize), span: &PresidioSpan| {
                start < span.end_position && span.start_position < end
            };
            score.gold += gold.len();
            score.found += gold
                .iter()
                .filter(|span| {
                    runs.iter().any(|(s, e, kind)| kinds.contains(kind) && overlaps((*s, *e), span))
                })
                .count();
            let predicted: Vec<&(usize, usize, &str)> =
                runs.iter().filter(|(_, _, kind)| kinds.contains(kind)).collect();
            score.predicted += predicted.len();
            score.correct += predicted
                .iter()
                .filter(|(s, e, _)| gold.iter().any(|span| overlaps((*s, *e), span)))
                .count();
            if std::env::var("STORYBANK_EVAL_DEBUG").is_ok_and(|v| v == *name) {
                let chars: Vec<char> = sample.full_text.chars().collect();
                let slice = |s: usize, e: usize| chars[s..e].iter().collect::<String>();
                for span in gold.iter().filter(|span| {
                    !runs
                        .iter()
                        .any(|(s, e, kind)| kinds.contains(kind) && overlaps((*s, *e), span))
                }) {
                    eprintln!(
                        "MISS {:?} in {:?}",
                        slice(span.start_position, span.end_position),
                        sample.full_text
                    );
                }
                for (s, e, kind) in predicted
                    .iter()
                    .filter(|(s, e, _)| !gold.iter().any(|span| overlaps((*s, *e), span)))
                {
                    eprintln!("FALSE {kind} {:?} in {:?}", slice(*s, *e), sample.full_text);
                }
            }
        }
    }
    for score in scores.values_mut() {
        score.recall = score.found as f64 / score.gold.max(1) as f64;
        score.precision =
            if score.predicted == 0 { 0.0 } else { score.correct as f64 / score.predicted as f64 };
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_recovers_replaced_runs() {
        let runs =
            replacements("Ask Priya Raman at priya@x.com today.", "Ask [BUYER] at [EMAIL] today.");
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].kinds, vec!["BUYER"]);
        assert_eq!(runs[0].tokens, vec!["Priya", "Raman"]);
        assert_eq!(runs[1].kinds, vec!["EMAIL"]);
        assert!(replacements("nothing changed", "nothing changed").is_empty());
    }
}

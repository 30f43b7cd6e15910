//! Turning a CRM row and its transcript into an anonymized [`DealRecord`]: speaker roles,
//! redaction, chunking into quotes with their interviewer question as context.
//!
//! Pure and synchronous; embedding and indexing happen in [`crate::app`].

pub mod chunk;
pub mod roles;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::anonymize::{Anonymizer, KnownParties, is_role_label};
use crate::corpus::{Aliases, Transcript};
use crate::model::{DealInfo, DealRow, QuoteRecord, QuoteSource};
use crate::store::{DealRecord, PrivateRecord};

pub use chunk::ChunkLimits;
pub use roles::Role;

/// Calls `visit(word, sentence_start)` for every word of every segment.
fn for_each_word<'a>(transcript: &'a Transcript, mut visit: impl FnMut(&'a str, bool)) {
    for turn in &transcript.turns {
        for segment in &turn.segments {
            let text = segment.text.as_str();
            let mut sentence_start = true;
            let mut word_start: Option<usize> = None;
            for (index, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
                if c.is_alphanumeric() {
                    word_start.get_or_insert(index);
                    continue;
                }
                if let Some(start) = word_start.take() {
                    visit(&text[start..index], sentence_start);
                    sentence_start = false;
                }
                if matches!(c, '.' | '!' | '?' | ':' | '"' | '\u{201c}') {
                    sentence_start = true;
                }
            }
        }
    }
}

/// Words a set of transcripts uses mostly in lower case ("will", "onboarding"); recognizers
/// never take them for names. A name typed in lower case now and then ("at serrano") stays a
/// name: it is written capitalised more often. For English words only mid-sentence capitals
/// count ("Maverick spend" opens many sentences and is still an ordinary word). Transcripts
/// without capitals (raw captions) are left out.
pub fn lowercase_vocabulary<'a>(
    transcripts: impl IntoIterator<Item = &'a Transcript>,
) -> HashSet<String> {
    let mut lower: HashMap<String, usize> = HashMap::new();
    let mut capitalised: HashMap<String, usize> = HashMap::new();
    for transcript in transcripts {
        // Raw captions write every name in lower case: they say nothing about which words are
        // ordinary.
        let texts = transcript.turns.iter().flat_map(|turn| turn.segments.iter());
        if crate::anonymize::text::is_caseless(texts.map(|segment| segment.text.as_str())) {
            continue;
        }
        for_each_word(transcript, |word, sentence_start| {
            let Some(first) = word.chars().next() else { return };
            if first.is_lowercase() {
                *lower.entry(word.to_string()).or_insert(0) += 1;
            } else if first.is_uppercase() {
                let key = word.to_lowercase();
                if !sentence_start || !crate::anonymize::lexicon::is_english_word(&key) {
                    *capitalised.entry(key).or_insert(0) += 1;
                }
            }
        });
    }
    lower
        .into_iter()
        .filter(|(word, count)| *count > capitalised.get(word).copied().unwrap_or(0))
        .map(|(word, _)| word)
        .collect()
}

/// Capitalised words of a batch of transcripts, lower-cased.
#[derive(Debug, Clone, Default)]
pub struct CorpusTerms {
    /// In at least half of the transcripts (and five): the seller, its products.
    pub common: HashSet<String>,
    /// In at least two transcripts: tools and vendors, never one buyer's own organisation.
    pub shared: HashSet<String>,
    /// Written capitalised in the middle of a sentence somewhere: names and other proper
    /// nouns (a word only ever capitalised at a sentence start is an ordinary word).
    pub mid_sentence: HashSet<String>,
    /// Names as common as the seller's words that a person frame shows are someone's ("Rutger
    /// from your side was honest"): the seller's rep, whom buyers name in interview after
    /// interview. Not in `common`; every deal redacts them as people.
    pub people: BTreeSet<String>,
}

/// Capitalised words (lower-cased) that occur in at least half of the transcripts, and in at
/// least five: the seller, its products, common tools. A person of one deal is never that common.
pub fn corpus_terms<'a>(transcripts: impl IntoIterator<Item = &'a Transcript>) -> CorpusTerms {
    let transcripts: Vec<&Transcript> = transcripts.into_iter().collect();
    let mut document_frequency: HashMap<String, usize> = HashMap::new();
    let mut mid_sentence = HashSet::new();
    let mut documents = 0;
    for &transcript in &transcripts {
        documents += 1;
        let mut seen = HashSet::new();
        for_each_word(transcript, |word, sentence_start| {
            if word.chars().next().is_some_and(char::is_uppercase) {
                seen.insert(word.to_lowercase());
                if !sentence_start {
                    mid_sentence.insert(word.to_lowercase());
                }
            }
        });
        for word in seen {
            *document_frequency.entry(word).or_insert(0) += 1;
        }
    }
    let threshold = (documents / 2).max(5);
    let mut common: HashSet<String> = document_frequency
        .iter()
        .filter(|(_, count)| **count >= threshold)
        .map(|(word, _)| word.clone())
        .collect();
    let shared = document_frequency
        .into_iter()
        .filter(|(_, count)| *count >= 2)
        .map(|(word, _)| word)
        .collect();
    let people = common_people(&transcripts, &common);
    common.retain(|word| !people.iter().any(|name| name.to_lowercase() == *word));
    CorpusTerms { common, shared, mid_sentence, people }
}

/// The words of `common` that a strong person frame names somewhere in `transcripts` ("Rutger
/// from your side", "Mint, our loan officer,"): one word, no English word, no tool.
fn common_people(transcripts: &[&Transcript], common: &HashSet<String>) -> BTreeSet<String> {
    let mut people = BTreeSet::new();
    for transcript in transcripts {
        for turn in &transcript.turns {
            let text: Vec<&str> = turn.segments.iter().map(|s| s.text.as_str()).collect();
            for (name, strong) in crate::anonymize::people::context_names(&text.join(" ")) {
                let lower = name.to_lowercase();
                if strong
                    && !name.contains(char::is_whitespace)
                    && common.contains(&lower)
                    && !crate::anonymize::lexicon::is_english_word(&lower)
                    && !crate::anonymize::lexicon::is_vendor(&name)
                {
                    people.insert(name);
                }
            }
        }
    }
    people
}

/// Context questions longer than this keep only their last words (the question itself).
const MAX_CONTEXT_WORDS: usize = 60;

/// What building a deal needs besides its row and transcript.
#[derive(Debug, Clone)]
pub struct BuildOptions<'a> {
    /// Competitor names and aliases (never redacted).
    pub aliases: &'a Aliases,
    /// Words the batch uses in lower case (never taken for names).
    pub vocabulary: &'a HashSet<String>,
    /// Quote sizes.
    pub limits: ChunkLimits,
    /// The PII tagger, when enabled.
    pub ner: Option<std::sync::Arc<crate::anonymize::ner::NerModel>>,
    /// Capitalised words used across much of the batch (see [`corpus_terms`]).
    pub corpus_terms: &'a CorpusTerms,
}

/// Builds the served record and the private record of one deal.
pub fn build_deal(
    row: &DealRow,
    transcript: Option<&Transcript>,
    raw_transcript: Option<String>,
    options: &BuildOptions<'_>,
) -> (DealRecord, PrivateRecord) {
    let BuildOptions { aliases, vocabulary, limits, .. } = *options;
    let empty = Transcript::default();
    let transcript_ref = transcript.unwrap_or(&empty);
    let named_interviewers: Vec<&str> =
        [Some(row.interviewer.as_str()), transcript_ref.interviewer.as_deref()]
            .into_iter()
            .flatten()
            .filter(|n| !n.trim().is_empty())
            .collect();
    let roles = roles::assign_roles(transcript_ref, &named_interviewers, &row.contact_names);

    let mut buyer_speakers: Vec<&str> = vec![];
    let mut interviewer_speakers: Vec<&str> = vec![];
    for turn in &transcript_ref.turns {
        let list = if roles.get(&turn.speaker) == Some(&Role::Interviewer) {
            &mut interviewer_speakers
        } else {
            &mut buyer_speakers
        };
        if !list.contains(&turn.speaker.as_str()) {
            list.push(&turn.speaker);
        }
    }
    let mut accounts: Vec<&str> = vec![row.account_name.as_str()];
    accounts.extend(label_organisations(transcript_ref, &roles));
    let parties = KnownParties {
        contacts: &row.contact_names,
        rep: &row.rep_name,
        interviewers: named_interviewers.clone(),
        accounts,
        buyer_speakers,
        interviewer_speakers,
        vocabulary: Some(vocabulary),
        ner: options.ner.clone(),
        corpus_terms: Some(options.corpus_terms),
    };
    let anonymizer = Anonymizer::new(&parties, aliases);

    // First read every quotable turn and question with every recognizer, then redact.
    anonymizer.learn_interview(
        transcript_ref
            .turns
            .iter()
            .filter(|turn| {
                turn.segments.iter().map(|s| s.text.split_whitespace().count()).sum::<usize>()
                    >= limits.min_turn_words
            })
            .map(|turn| {
                let interviewer = roles.get(&turn.speaker) == Some(&Role::Interviewer);
                (interviewer, turn.segments.iter().map(|segment| segment.text.as_str()).collect())
            }),
    );
    let mut titles: BTreeMap<&str, String> = BTreeMap::new();
    for turn in &transcript_ref.turns {
        if let Some(title) = &turn.title {
            titles.entry(turn.speaker.as_str()).or_insert_with(|| anonymizer.redact(title));
        }
    }

    let mut quotes = vec![];
    let mut quote_speakers = BTreeMap::new();
    let mut last_question: Option<String> = None;
    for turn in &transcript_ref.turns {
        if roles.get(&turn.speaker) == Some(&Role::Interviewer) {
            last_question = Some(turn.text());
            continue;
        }
        // Turns too short to quote are never redacted: the PII tagger is the slow part of ingest.
        let words: usize =
            turn.segments.iter().map(|segment| segment.text.split_whitespace().count()).sum();
        if words < limits.min_turn_words {
            continue;
        }
        let speaker = speaker_label(turn.speaker.as_str(), &titles, &anonymizer, row);
        let context = last_question
            .as_deref()
            .map(|question| anonymizer.redact(&tail_words(question, MAX_CONTEXT_WORDS)));
        // Quotes are cut from the raw words and then redacted, so their boundaries (and ids)
        // do not depend on the anonymization rules: `reanonymize` keeps every quote id.
        for chunk in chunk::chunk_turn(&turn.segments, limits) {
            let text = anonymizer.redact_learned(&chunk.text);
            if let Some(placeholder) = anonymizer.speaker_placeholder(&turn.speaker) {
                let quote_id = format!("{}-q{:03}", row.deal_id, quotes.len() + 1);
                quote_speakers.insert(quote_id, placeholder.to_string());
            }
            quotes.push(QuoteRecord {
                quote_id: format!("{}-q{:03}", row.deal_id, quotes.len() + 1),
                text,
                context: context.clone(),
                speaker: speaker.clone(),
                source: QuoteSource {
                    transcript: transcript_ref.file_name.clone(),
                    start_seconds: chunk.start,
                },
                themes: vec![],
                polarity: None,
                stance: None,
            });
        }
    }
    let record = DealRecord {
        deal_id: row.deal_id.clone(),
        info: DealInfo::from_row(row),
        transcript: transcript.map(|t| t.file_name.clone()),
        quotes,
    };
    let private = PrivateRecord {
        deal_id: row.deal_id.clone(),
        pii_terms: anonymizer.pii_terms(),
        raw_transcript,
        redactions: anonymizer.redaction_counts(),
        people: anonymizer.people(),
        quote_speakers,
        crm_terms: anonymizer.crm_terms().to_vec(),
        row: Some(row.clone()),
    };
    (record, private)
}

/// Organisations named in speaker labels: "Priya (CFO, Northwind)", and a buyer's bracket
/// without a comma that names an organisation, not a role ("Marcelina Condori (Farmacias
/// Kantuta)"; an interviewer's names the seller). Transcript structure, not CRM data.
pub fn label_organisations<'t>(
    transcript: &'t Transcript,
    roles: &BTreeMap<String, Role>,
) -> Vec<&'t str> {
    transcript
        .turns
        .iter()
        .filter_map(|turn| {
            let buyer = roles.get(&turn.speaker) != Some(&Role::Interviewer);
            turn.org.as_deref().or(turn
                .title
                .as_deref()
                .filter(|title| buyer && crate::anonymize::orgs::bracket_names_org(title)))
        })
        .collect()
}

fn speaker_label(
    label: &str,
    titles: &BTreeMap<&str, String>,
    anonymizer: &Anonymizer,
    row: &DealRow,
) -> String {
    if let Some(title) = titles.get(label) {
        return title.clone();
    }
    if is_role_label(label) {
        return label.to_string();
    }
    match anonymizer.speaker_placeholder(label) {
        Some("[BUYER]") if !row.buyer_persona.trim().is_empty() => {
            row.buyer_persona.trim().to_string()
        }
        Some("[BUYER]") | None => "Buyer".to_string(),
        Some(_) => "Colleague".to_string(),
    }
}

fn tail_words(text: &str, max_words: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= max_words {
        return words.join(" ");
    }
    format!("… {}", words[words.len() - max_words..].join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Segment, Turn};

    fn turn(speaker: &str, title: Option<&str>, text: &str) -> Turn {
        Turn {
            speaker: speaker.into(),
            title: title.map(String::from),
            org: title.map(|_| "Northwind Freight".to_string()),
            segments: vec![Segment { start: Some(1.0), text: text.into(), line: 1 }],
        }
    }

    #[test]
    fn a_rep_named_in_most_interviews_is_a_person_not_the_seller_s_word() {
        let said = [
            "Rutger was very correct with us, and Glasshouse was quick.",
            "Rutger fixed it quickly. Glasshouse had the better climate screen.",
            "Honestly, Rutger from your side was honest with us about Glasshouse.",
            "I told Rutger that also, but Glasshouse was too dear.",
            "Rutger let us test Glasshouse for a month.",
            "Mostly fine. Rutger was direct, and Glasshouse was fair.",
        ];
        let transcripts: Vec<Transcript> = said
            .iter()
            .map(|text| Transcript {
                turns: vec![turn("Buyer", None, text)],
                ..Transcript::default()
            })
            .collect();
        let terms = corpus_terms(&transcripts);
        assert!(terms.people.contains("Rutger"), "{:?}", terms.people);
        assert!(!terms.common.contains("rutger") && terms.common.contains("glasshouse"));
        // Every deal then redacts him, frame or not.
        let parties = crate::anonymize::KnownParties {
            corpus_terms: Some(&terms),
            ..crate::anonymize::KnownParties::default()
        };
        let a = crate::anonymize::Anonymizer::new(&parties, &Aliases::default());
        let out = a.redact(said[3]);
        assert!(!out.contains("Rutger") && out.contains("Glasshouse"), "{out}");
    }

    #[test]
    fn quotes_are_buyer_only_anonymized_and_carry_context() {
        let row = DealRow {
            deal_id: "D-9".into(),
            account_name: "Northwind Freight Ltd".into(),
            contact_names: vec!["Priya Raman".into(), "Callum Hadley".into()],
            rep_name: "Marcus Feld".into(),
            interviewer: "Dana Whitfield".into(),
            buyer_persona: "CFO".into(),
            ..DealRow::default()
        };
        let transcript = Transcript {
            file_name: "D-9.txt".into(),
            turns: vec![
                turn("Dana Whitfield", None, "Thanks Priya. How did pricing land at Northwind?"),
                turn(
                    "Priya Raman",
                    Some("VP Finance"),
                    "Honestly Marcus was great, but Callum hated the overage model and the way it punished growth.",
                ),
                turn("Dana Whitfield", None, "Anything else?"),
                turn(
                    "Priya Raman",
                    None,
                    "Email me at priya.raman@northwind.com if you need the numbers we compared.",
                ),
            ],
            ..Transcript::default()
        };
        let (record, private) = build_deal(
            &row,
            Some(&transcript),
            None,
            &BuildOptions {
                aliases: &Aliases::default(),
                vocabulary: &HashSet::new(),
                limits: ChunkLimits::default(),
                ner: None,
                corpus_terms: &CorpusTerms::default(),
            },
        );
        assert_eq!(record.quotes.len(), 2);
        let first = &record.quotes[0];
        assert_eq!(
            first.text,
            "Honestly [REP] was great, but [COLLEAGUE 1] hated the overage model and the way it punished growth."
        );
        assert_eq!(
            first.context.as_deref(),
            Some("Thanks [BUYER]. How did pricing land at [ACCOUNT]?")
        );
        assert_eq!(first.speaker, "VP Finance");
        assert_eq!(
            record.quotes[1].text,
            "Email me at [EMAIL] if you need the numbers we compared."
        );
        assert_eq!(record.quotes[1].quote_id, "D-9-q002");
        assert!(private.pii_terms.iter().any(|term| term == "Priya Raman"));
        let served = serde_json::to_string(&record).unwrap();
        for name in ["Priya", "Raman", "Callum", "Marcus", "Dana", "Northwind"] {
            assert!(!served.contains(name), "{name} leaked: {served}");
        }
    }
}

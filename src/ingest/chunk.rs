//! Chunking buyer speech into quotable passages: one to a few whole sentences, never crossing
//! speakers, never cutting a sentence (unless one sentence alone exceeds the hard limit).

use crate::corpus::Segment;

/// Chunk size limits, in words.
#[derive(Debug, Clone, Copy)]
pub struct ChunkLimits {
    /// A chunk is closed once it reaches this many words and the next sentence would overflow.
    pub target_words: usize,
    /// Never exceeded, except that a too-long sentence is split at word boundaries.
    pub max_words: usize,
    /// A trailing remainder shorter than this is merged into the previous chunk when it fits.
    pub min_words: usize,
    /// Turns shorter than this are not quotable ("Yeah.", "Kind of?").
    pub min_turn_words: usize,
}

impl Default for ChunkLimits {
    fn default() -> Self {
        ChunkLimits { target_words: 100, max_words: 120, min_words: 15, min_turn_words: 6 }
    }
}

/// A chunk of one turn: its text and the start time of the segment it begins in.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// Whole sentences joined by spaces.
    pub text: String,
    /// Start of the first cue the chunk draws from.
    pub start: Option<f64>,
}

const ABBREVIATIONS: [&str; 22] = [
    "mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "inc", "co", "corp", "ltd",
    "jr", "sr", "no", "approx", "dept", "u.s", "a.m", "p.m",
];

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Splits text into sentences, keeping punctuation. Handles common abbreviations, initials,
/// decimals and ellipses followed by lower-case words.
pub fn split_sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut sentences = vec![];
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '.' | '!' | '?' | '…') {
            let mut end = i + 1;
            while end < chars.len()
                && matches!(chars[end], '.' | '!' | '?' | '…' | '"' | '\'' | '”' | '’' | ')' | ']')
            {
                end += 1;
            }
            let next_is_space = end >= chars.len() || chars[end].is_whitespace();
            let mut next_word_start = end;
            while next_word_start < chars.len() && chars[next_word_start].is_whitespace() {
                next_word_start += 1;
            }
            let next_char = chars.get(next_word_start).copied();
            let next_starts_sentence = next_char.is_none_or(|n| {
                n.is_uppercase() || n.is_ascii_digit() || matches!(n, '"' | '“' | '[' | '(' | '\'')
            });
            let word_before: String = chars[start..i]
                .iter()
                .rev()
                .take_while(|ch| !ch.is_whitespace())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let word_lower = word_before.to_lowercase();
            let is_abbreviation = c == '.'
                && (ABBREVIATIONS.contains(&word_lower.trim_start_matches(['(', '"']))
                    || (word_before.chars().count() == 1
                        && word_before.chars().all(char::is_uppercase)));
            if next_is_space && next_starts_sentence && !is_abbreviation {
                let sentence: String = chars[start..end].iter().collect();
                if !sentence.trim().is_empty() {
                    sentences.push(sentence.trim().to_string());
                }
                start = end;
            }
            i = end;
            continue;
        }
        i += 1;
    }
    let rest: String = chars[start..].iter().collect();
    if !rest.trim().is_empty() {
        sentences.push(rest.trim().to_string());
    }
    sentences
}

/// Chunks one buyer turn (its segments in order) into quotes.
pub fn chunk_turn(segments: &[Segment], limits: ChunkLimits) -> Vec<Chunk> {
    let total_words: usize = segments.iter().map(|segment| word_count(&segment.text)).sum();
    if total_words < limits.min_turn_words {
        return vec![];
    }
    // Sentences with the start time of the segment each begins in. A sentence that runs across
    // two cues is rejoined.
    let mut sentences: Vec<(String, Option<f64>)> = vec![];
    let mut carry: Option<(String, Option<f64>)> = None;
    for segment in segments {
        let mut pieces = split_sentences(&segment.text);
        if let Some((carried, start)) = carry.take() {
            if let Some(first) = pieces.first_mut() {
                *first = format!("{carried} {first}");
                sentences.push((pieces.remove(0), start));
            } else {
                carry = Some((carried, start));
                continue;
            }
        }
        let ends_open = !segment.text.trim_end().ends_with(['.', '!', '?', '…', '"', '”']);
        let count = pieces.len();
        for (index, piece) in pieces.into_iter().enumerate() {
            if index + 1 == count && ends_open {
                carry = Some((piece, segment.start));
            } else {
                sentences.push((piece, segment.start));
            }
        }
    }
    if let Some(carried) = carry {
        sentences.push(carried);
    }

    let mut chunks: Vec<(Vec<String>, Option<f64>, usize)> = vec![];
    for (sentence, start) in sentences {
        for piece in split_long(&sentence, limits.max_words) {
            let words = word_count(&piece);
            match chunks.last_mut() {
                Some((texts, _, count))
                    if *count < limits.target_words && *count + words <= limits.max_words =>
                {
                    texts.push(piece);
                    *count += words;
                }
                _ => chunks.push((vec![piece], start, words)),
            }
        }
    }
    // Merge a short tail into its predecessor when it fits.
    if chunks.len() >= 2 {
        let last = chunks.len() - 1;
        if chunks[last].2 < limits.min_words
            && chunks[last - 1].2 + chunks[last].2 <= limits.max_words
        {
            let (texts, _, count) = chunks.pop().unwrap();
            let previous = chunks.last_mut().unwrap();
            previous.0.extend(texts);
            previous.2 += count;
        }
    }
    chunks
        .into_iter()
        .filter(|(_, _, count)| *count >= limits.min_turn_words)
        .map(|(texts, start, _)| Chunk { text: texts.join(" "), start })
        .collect()
}

fn split_long(sentence: &str, max_words: usize) -> Vec<String> {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    if words.len() <= max_words {
        return vec![sentence.to_string()];
    }
    let parts = words.len().div_ceil(max_words);
    let size = words.len().div_ceil(parts);
    words.chunks(size).map(|piece| piece.join(" ")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(text: &str, start: f64) -> Segment {
        Segment { start: Some(start), text: text.to_string(), line: 1 }
    }

    #[test]
    fn sentences_respect_abbreviations_and_decimals() {
        let sentences = split_sentences(
            "We met Dr. Smith at 3.5 p.m. on Monday. It was fine... mostly. Was it? Yes! J. Doe agreed.",
        );
        assert_eq!(
            sentences,
            vec![
                "We met Dr. Smith at 3.5 p.m. on Monday.",
                "It was fine... mostly.",
                "Was it?",
                "Yes!",
                "J. Doe agreed."
            ]
        );
    }

    #[test]
    fn chunks_are_whole_sentences_within_limits() {
        let sentence = "This sentence has exactly ten words in it, you see.";
        let text = vec![sentence; 30].join(" ");
        let chunks = chunk_turn(&[segment(&text, 12.0)], ChunkLimits::default());
        assert!(chunks.len() >= 3);
        for chunk in &chunks {
            let words = word_count(&chunk.text);
            assert!((15..=120).contains(&words), "{words}");
            assert!(chunk.text.ends_with("you see."));
            assert!(chunk.text.starts_with("This sentence"));
        }
        let rejoined: Vec<String> = chunks.iter().map(|c| c.text.clone()).collect();
        assert_eq!(rejoined.join(" "), text);
    }

    #[test]
    fn chunk_start_comes_from_its_first_cue_and_cues_rejoin() {
        let first = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty. ".repeat(3);
        let segments = [
            segment(first.trim(), 10.0),
            segment("So we were looking at", 20.0),
            segment("three tools in total, honestly.", 25.0),
        ];
        let chunks =
            chunk_turn(&segments, ChunkLimits { target_words: 20, ..ChunkLimits::default() });
        let last = chunks.last().unwrap();
        assert!(
            last.text.ends_with("So we were looking at three tools in total, honestly."),
            "{chunks:?}"
        );
        assert_eq!(chunks[0].start, Some(10.0));
    }

    #[test]
    fn tiny_turns_are_dropped_and_giant_sentences_split() {
        assert!(chunk_turn(&[segment("Yeah.", 1.0)], ChunkLimits::default()).is_empty());
        let giant = vec!["word"; 300].join(" ");
        let chunks = chunk_turn(&[segment(&giant, 1.0)], ChunkLimits::default());
        assert!(chunks.iter().all(|c| word_count(&c.text) <= 120));
        assert_eq!(chunks.iter().map(|c| word_count(&c.text)).sum::<usize>(), 300);
    }
}

//! Telling interviewer turns from buyer turns.
//!
//! The interviewer is named by the CRM's `interviewer` column or the transcript header; when
//! neither names a speaker present, a heuristic picks the speaker who asks the most questions,
//! talks least per turn and usually opens the call.

use std::collections::BTreeMap;

use crate::anonymize::{fold_accents, same_person};
use crate::corpus::Transcript;

/// Who a speaker is in the interview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Asks the questions; never quoted.
    Interviewer,
    /// Buyer-side speaker; their words become quotes.
    Buyer,
}

const INTERVIEWER_LABELS: [&str; 7] =
    ["interviewer", "moderator", "host", "q", "question", "researcher", "facilitator"];

fn is_interviewer_label(label: &str) -> bool {
    let key = fold_accents(label).to_lowercase();
    INTERVIEWER_LABELS.contains(&key.trim())
}

/// Returns the role of every distinct speaker label of the transcript.
///
/// `named_interviewers` are names from the CRM row and the transcript header; `buyer_names` are
/// the deal's contacts (never the interviewer).
pub fn assign_roles(
    transcript: &Transcript,
    named_interviewers: &[&str],
    buyer_names: &[String],
) -> BTreeMap<String, Role> {
    let speakers: Vec<&str> = {
        let mut seen: Vec<&str> = vec![];
        for turn in &transcript.turns {
            if !seen.contains(&turn.speaker.as_str()) {
                seen.push(&turn.speaker);
            }
        }
        seen
    };
    let named: Vec<&str> = speakers
        .iter()
        .copied()
        .filter(|label| {
            is_interviewer_label(label)
                || named_interviewers
                    .iter()
                    .any(|name| !name.trim().is_empty() && same_person(label, name))
        })
        .collect();
    let interviewers: Vec<&str> = if named.is_empty() && speakers.len() > 1 {
        guess_interviewer(transcript, &speakers, buyer_names).into_iter().collect()
    } else {
        named
    };
    speakers
        .into_iter()
        .map(|label| {
            let role = if interviewers.contains(&label) { Role::Interviewer } else { Role::Buyer };
            (label.to_string(), role)
        })
        .collect()
}

fn guess_interviewer<'a>(
    transcript: &Transcript,
    speakers: &[&'a str],
    buyer_names: &[String],
) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    let total_words: usize =
        transcript.turns.iter().map(|turn| turn.text().split_whitespace().count()).sum();
    for (position, &label) in speakers.iter().enumerate() {
        if buyer_names.iter().any(|name| same_person(label, name)) {
            continue;
        }
        let turns: Vec<_> = transcript.turns.iter().filter(|turn| turn.speaker == label).collect();
        let questions = turns.iter().filter(|turn| turn.text().contains('?')).count() as f64
            / turns.len() as f64;
        let words: usize = turns.iter().map(|turn| turn.text().split_whitespace().count()).sum();
        let word_share = words as f64 / total_words.max(1) as f64;
        let opener = if position == 0 { 0.25 } else { 0.0 };
        let score = questions - word_share + opener;
        if best.is_none_or(|(_, best_score)| score > best_score) {
            best = Some((label, score));
        }
    }
    best.map(|(label, _)| label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Segment, Turn};

    fn transcript(turns: &[(&str, &str)]) -> Transcript {
        Transcript {
            turns: turns
                .iter()
                .map(|(speaker, text)| Turn {
                    speaker: speaker.to_string(),
                    title: None,
                    org: None,
                    segments: vec![Segment { start: None, text: text.to_string(), line: 0 }],
                })
                .collect(),
            ..Transcript::default()
        }
    }

    #[test]
    fn named_interviewer_matches_by_first_name() {
        let t = transcript(&[("Dana", "Why?"), ("Priya Raman", "Because."), ("Dana", "And?")]);
        let roles = assign_roles(&t, &["Dana Whitfield"], &[]);
        assert_eq!(roles["Dana"], Role::Interviewer);
        assert_eq!(roles["Priya Raman"], Role::Buyer);
    }

    #[test]
    fn heuristic_picks_the_questioner() {
        let t = transcript(&[
            ("Sam", "Thanks for joining. What were you trying to solve?"),
            (
                "Alex",
                "We had no funnels at all and the board kept asking for retention numbers every month.",
            ),
            ("Sam", "Who else was involved?"),
            (
                "Alex",
                "Our CFO and the data team, mostly. They cared about price more than anything else.",
            ),
        ]);
        let roles = assign_roles(&t, &[], &[]);
        assert_eq!(roles["Sam"], Role::Interviewer);
        assert_eq!(roles["Alex"], Role::Buyer);
        // A listed contact is never picked, even if they ask more questions.
        let roles = assign_roles(&t, &[], &["Sam Contact".to_string()]);
        assert_eq!(roles["Alex"], Role::Interviewer);
    }
}

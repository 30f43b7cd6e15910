//! Never redacted: competitor names, their aliases and misspellings, and the allow-list (the
//! seller, its products, partners), including the distinctive words of multi-word names
//! ("Okonkwo" of "Okonkwo Cloud").

use std::collections::HashSet;

use super::lexicon::{GENERIC_ORG_WORDS, LEGAL_FORMS};
use super::text::edit_distance;
use crate::corpus::Aliases;
use crate::corpus::aliases::normalize_name;

/// The protected names of a bank, normalised (lower case, letters and digits only).
#[derive(Debug, Clone, Default)]
pub struct Protected {
    /// Whole names and aliases: misspellings count too.
    names: HashSet<String>,
    /// Distinctive words of multi-word names: exact matches only ("Castellanos" of
    /// "Castellanos Pay" does not protect the surname "Castellane").
    words: HashSet<String>,
}

impl Protected {
    /// Every competitor form and allowed name of `aliases`.
    pub fn new(aliases: &Aliases) -> Protected {
        let mut names = HashSet::new();
        let mut words_of_names = HashSet::new();
        for form in aliases.every_form() {
            names.insert(normalize_name(form));
            let words: Vec<&str> = form.split_whitespace().collect();
            if words.len() > 1 {
                for word in words {
                    let lower = word.to_lowercase();
                    let key = normalize_name(word);
                    if key.chars().count() >= 3
                        && !GENERIC_ORG_WORDS.contains(lower.as_str())
                        && !LEGAL_FORMS.contains(key.as_str())
                    {
                        words_of_names.insert(key);
                    }
                }
            }
        }
        names.remove("");
        words_of_names.remove("");
        Protected { names, words: words_of_names }
    }

    /// True when the text, normalised, is a protected name.
    pub fn contains(&self, surface: &str) -> bool {
        let key = normalize_name(surface);
        self.names.contains(&key) || self.words.contains(&key)
    }

    /// True when `start..end` of `text` is part of a longer word that is protected: "Dex" in
    /// "Pay-Dex's", "Flow" in "Cash-Flow.io". The word runs to the nearest whitespace, without
    /// its outer punctuation or a possessive.
    pub fn inside_protected_word(&self, text: &str, start: usize, end: usize) -> bool {
        let (Some(before), Some(after)) = (text.get(..start), text.get(end..)) else {
            return false;
        };
        let from = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let to = end + after.find(char::is_whitespace).unwrap_or(after.len());
        let word = text[from..to].trim_matches(|c: char| !c.is_alphanumeric());
        let word = ["'s", "’s"].iter().find_map(|s| word.strip_suffix(s)).unwrap_or(word);
        if word.len() > end - start && self.looks_protected(word) {
            return true;
        }
        // "Lu" of "Tian Lu": a word of a protected name written in two.
        let clean = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
        let previous = text[..from].split_whitespace().next_back().map(clean);
        let next = text[to..].split_whitespace().next().map(clean);
        let current = clean(&text[from..to]);
        let joined = |a: &str, b: &str| format!("{a} {b}");
        previous.as_deref().is_some_and(|p| !p.is_empty() && self.contains(&joined(p, &current)))
            || next.as_deref().is_some_and(|n| !n.is_empty() && self.contains(&joined(&current, n)))
    }

    /// True for a protected name or a misspelling of one ("Amplify" for "Amplifly"): buyers
    /// misspell competitors, and those must stay searchable. Tolerance grows with length: none
    /// up to 4 letters, 1 up to 7, 2 beyond.
    pub fn looks_protected(&self, surface: &str) -> bool {
        let key = normalize_name(surface);
        if key.is_empty() {
            return false;
        }
        if self.words.contains(&key) {
            return true;
        }
        self.names.iter().any(|protected| {
            let tolerance = match protected.chars().count().min(key.chars().count()) {
                0..=4 => 0,
                5..=7 => 1,
                _ => 2,
            };
            edit_distance(protected, &key) <= tolerance
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn competitors_aliases_misspellings_and_distinctive_words_are_protected() {
        let mut aliases = Aliases::default();
        aliases.add_canonical("Amplifly");
        aliases.add_canonical("Okonkwo Cloud");
        aliases.add_alias("Amplifly", "the Amp folks");
        let protected = Protected::new(&aliases);
        assert!(protected.looks_protected("Amplify") && protected.looks_protected("amplifly"));
        assert!(protected.contains("Okonkwo") && !protected.contains("Cloud"));
        assert!(!protected.looks_protected("Valeria") && !protected.contains("the"));
        aliases.add_canonical("Castellanos Pay");
        let protected = Protected::new(&aliases);
        assert!(protected.contains("Castellanos") && !protected.looks_protected("Castellane"));
    }

    #[test]
    fn a_part_of_a_joined_protected_name_is_protected_where_it_stands() {
        let mut aliases = Aliases::default();
        aliases.add_canonical("Paydex");
        aliases.add_alias("Paydex", "Pay-Dex");
        aliases.add_canonical("Cash-Flow.io");
        let protected = Protected::new(&aliases);
        let at = |text: &str, part: &str| {
            let start = text.find(part).unwrap();
            protected.inside_protected_word(text, start, start + part.len())
        };
        assert!(at("Pay-Dex's onboarding team", "Dex"));
        assert!(at("we went with Pay-Dex.", "Dex"));
        assert!(at("(Pay-Dex)", "Pay"));
        assert!(at("Cash-Flow.io, mostly", "Flow"));
        assert!(!at("Dex said no.", "Dex"), "the word alone is the person");
        assert!(!at("Dex-Martin said no.", "Dex"));
        assert!(!at("", ""));
    }
}

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
}

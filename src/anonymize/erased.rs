//! People erased with `forget --person`, as the store remembers them: hashes of their name's
//! tokens and spoken forms, never the name. The store must keep recognising an erased person
//! (a re-ingest of the same transcript, a restore of an older backup, a later CRM export) without
//! keeping the very name the erasure was asked to remove.
//!
//! The hashes are unkeyed (SHA-256 with a fixed prefix): a tombstone written by one store must
//! match in another (a restore applies the replaced store's erasures to the backup). So they hide
//! the name from anyone reading the store's file or its backups, not from someone who already has
//! a list of candidate names and tries each: the store itself must be able to do exactly that.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::lexicon::{TITLES, is_english_word};
use super::text::{fold_accents, name_tokens};

/// Prefix of every hashed string: hashes of erased names are no other hash of the store.
const DOMAIN: &[u8] = b"storybank erased person v1\0";

fn digest(text: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(DOMAIN);
    hasher.update(text.as_bytes());
    hasher.finalize()[..16].iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A text as lower-case, accent-folded words ("O'Brien-Eze, P." -> o brien eze p): how
/// forms and texts are compared, so punctuation and hyphens never hide a mention.
pub fn words(text: &str) -> Vec<String> {
    fold_accents(text)
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect()
}

/// A name's tokens as [`super::same_person`] compares them: honorifics left out.
fn person_tokens(name: &str) -> Vec<String> {
    let mut tokens = name_tokens(name);
    tokens.retain(|token| !TITLES.contains(&token.as_str()));
    tokens
}

/// One spoken form of an erased name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasedForm {
    /// Hash of the form's [`words`], joined by single spaces.
    pub hash: String,
    /// How many words the form has.
    pub words: usize,
    /// False when every word of the form is an English word ("Will", "Rose Hill"): such a form
    /// alone is no evidence that a quote names the person.
    pub distinctive: bool,
}

/// An erased person, as a tombstone keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasedPerson {
    /// Hashes of the name's tokens, honorifics left out, in order.
    pub tokens: Vec<String>,
    /// True when every token has more than one letter (a longer label then holding all of
    /// them is the same person, as in [`super::same_person`]).
    pub long_tokens: bool,
    /// The forms people use for them (full name, given name, surnames, initials, nicknames).
    pub forms: Vec<ErasedForm>,
}

impl ErasedPerson {
    /// The erasure of a person given by name.
    pub fn from_name(name: &str) -> ErasedPerson {
        let tokens = person_tokens(name);
        let mut seen = HashSet::new();
        let forms = super::name_forms(name)
            .iter()
            .chain(std::iter::once(&name.to_string()))
            .filter_map(|form| {
                let form_words = words(form);
                let key = form_words.join(" ");
                (!key.is_empty() && seen.insert(key.clone())).then(|| ErasedForm {
                    hash: digest(&key),
                    words: form_words.len(),
                    distinctive: !form_words.iter().all(|word| is_english_word(word)),
                })
            })
            .collect();
        ErasedPerson {
            long_tokens: tokens.iter().all(|token| token.chars().count() > 1),
            tokens: tokens.iter().map(|token| digest(token)).collect(),
            forms,
        }
    }

    /// A tombstone's value: the hashed form written by [`ErasedPerson::tombstone`], or a plain
    /// name (tombstones written before names were hashed).
    pub fn from_tombstone(value: &str) -> ErasedPerson {
        serde_json::from_str(value).unwrap_or_else(|_| ErasedPerson::from_name(value))
    }

    /// What the store keeps: JSON of the hashes, never the name.
    pub fn tombstone(&self) -> String {
        serde_json::to_string(self).expect("hashes serialise")
    }

    /// [`super::same_person`] against the hashed name: a speaker label or listed name that
    /// is this person ("Dr. Brenner" for "Jonas Brenner").
    pub fn is(&self, label: &str) -> bool {
        let label_tokens = person_tokens(label);
        if label_tokens.is_empty() || self.tokens.is_empty() {
            return false;
        }
        let hashed: Vec<String> = label_tokens.iter().map(|token| digest(token)).collect();
        hashed == self.tokens
            || (hashed.len() < self.tokens.len()
                && label_tokens.iter().all(|token| token.chars().count() > 1)
                && hashed.iter().all(|token| self.tokens.contains(token)))
            || (self.tokens.len() < hashed.len()
                && self.long_tokens
                && self.tokens.iter().all(|token| hashed.contains(token)))
    }
}

/// How a text mentions an erased person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mention {
    /// By any form, English-word forms included.
    pub any: bool,
    /// By a distinctive form of two words or more (a full name).
    pub full: bool,
    /// By a distinctive form of one word (a given name or surname).
    pub single: bool,
}

/// Every erased person of a store, with their forms indexed for scanning texts.
#[derive(Debug, Clone, Default)]
pub struct Erased {
    /// The people, in tombstone order.
    pub people: Vec<ErasedPerson>,
    /// Form hash -> (person, distinctive, words).
    forms: HashMap<String, Vec<(usize, bool, usize)>>,
    /// The most words of any form.
    longest: usize,
}

impl Erased {
    /// The erased people of these tombstone values.
    pub fn new<'a>(tombstones: impl IntoIterator<Item = &'a String>) -> Erased {
        Erased::of(tombstones.into_iter().map(|value| ErasedPerson::from_tombstone(value)))
    }

    /// These people.
    pub fn of(people: impl IntoIterator<Item = ErasedPerson>) -> Erased {
        let mut erased = Erased::default();
        for (index, person) in people.into_iter().enumerate() {
            for form in &person.forms {
                erased.longest = erased.longest.max(form.words);
                erased.forms.entry(form.hash.clone()).or_default().push((
                    index,
                    form.distinctive,
                    form.words,
                ));
            }
            erased.people.push(person);
        }
        erased
    }

    /// True when no one was erased.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// How `text` mentions each erased person (by index; people it does not mention are absent).
    pub fn mentions(&self, text: &str) -> HashMap<usize, Mention> {
        let mut found: HashMap<usize, Mention> = HashMap::new();
        if self.forms.is_empty() {
            return found;
        }
        let words = words(text);
        for start in 0..words.len() {
            let mut key = String::new();
            for (n, word) in words[start..].iter().take(self.longest).enumerate() {
                if n > 0 {
                    key.push(' ');
                }
                key.push_str(word);
                let Some(people) = self.forms.get(&digest(&key)) else { continue };
                for &(person, distinctive, form_words) in people {
                    let mention = found.entry(person).or_default();
                    mention.any = true;
                    mention.full |= distinctive && form_words >= 2;
                    mention.single |= distinctive && form_words == 1;
                }
            }
        }
        found
    }

    /// True when `text`, read as [`words`], is one of an erased person's forms.
    pub fn is_form(&self, text: &str) -> bool {
        self.forms.contains_key(&digest(&words(text).join(" ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tombstone_holds_no_name_and_still_recognises_the_person() {
        let person = ErasedPerson::from_name("Dr. Priya Raman-Oduya");
        let value = person.tombstone();
        for part in ["priya", "raman", "oduya", "Priya", "Raman"] {
            assert!(!value.contains(part), "{value}");
        }
        let back = ErasedPerson::from_tombstone(&value);
        assert_eq!(back, person);
        // Labels as same_person reads them.
        for label in ["Priya Raman-Oduya", "Priya", "Dr. Priya Raman-Oduya", "PRIYA RAMAN-ODUYA"] {
            assert!(back.is(label), "{label}");
        }
        for label in ["Priya Shah", "Raman Oduya Mehta", "", "Dr."] {
            assert!(!back.is(label), "{label}");
        }
        // A plain name (a tombstone written before hashing) reads the same.
        assert_eq!(ErasedPerson::from_tombstone("Dr. Priya Raman-Oduya"), person);
    }

    #[test]
    fn texts_are_scanned_for_every_form_with_punctuation_and_case_ignored() {
        let erased = Erased::of([
            ErasedPerson::from_name("Priya Raman"),
            ErasedPerson::from_name("Will Parker"),
        ]);
        let mentions = erased.mentions("I told PRIYA, and then P. Raman's team signed.");
        assert_eq!(mentions[&0], Mention { any: true, full: true, single: true });
        assert!(!mentions.contains_key(&1));
        // "will" is a form of Will Parker, but an English word: any, never single.
        let mentions = erased.mentions("We will see.");
        assert_eq!(mentions[&1], Mention { any: true, full: false, single: false });
        assert!(erased.mentions("Parker said so")[&1].single);
        assert!(erased.mentions("Will Parker said so")[&1].full);
        assert!(erased.mentions("nobody here").is_empty());
        assert!(
            erased.is_form("Raman") && erased.is_form("priya  raman") && !erased.is_form("Raj")
        );
        assert!(Erased::default().mentions("Priya").is_empty());
    }
}

//! A capitalised name the buyer repeats that nothing else explains: not at the start of a
//! sentence, said at least twice, and neither a competitor, an alias, the seller, a product or
//! tool, a place already known, an acronym nor an ordinary word. In one interview that is a
//! person, a town or the buyer's own organisation; it becomes `[NAME]`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::lexicon::{
    CITIES, COUNTRIES, FIRST_NAMES, GREETING_PHRASES, HONORIFICS, in_country_or_region, is_acronym,
    is_calendar_or_place, is_english_word, is_region, is_trailing_honorific, is_vendor,
    is_vendor_at, without_name_suffix,
};
use super::text::is_camel_case;
use super::{Found, Scope};

static CAPITALISED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\p{Lu}[\p{L}-]*\p{L}\b").expect("static regex"));

/// A capitalised word after an article or a possessive, closing its phrase ("her Totvs.").
static THING: LazyLock<Regex> = LazyLock::new(|| {
    let determiners = super::lexicon::DETERMINERS.join("|");
    Regex::new(&format!(r"\b(?i:{determiners})\s+(?P<w>\p{{Lu}}[\p{{L}}-]*\p{{L}})(?:[.,;:!?…]|$)"))
        .expect("static regex")
});

/// Times a name must be said (mid-sentence) before it is redacted on this evidence alone.
const MIN_MENTIONS: usize = 2;

/// Names repeated mid-sentence across `texts` (one interview's buyer turns) that no other
/// explanation covers; `known` tells which forms the deal already redacts.
pub fn repeated_names(scope: &Scope, texts: &[&str], known: impl Fn(&str) -> bool) -> Vec<Found> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    // "touching her Totvs...", "It was the Totvs.": a word owned or pointed at, with nothing
    // after it, is a thing.
    let mut things: Vec<String> = vec![];
    for text in texts {
        for caps in THING.captures_iter(text) {
            things.push(caps["w"].to_string());
        }
        let phrases: Vec<(usize, usize)> =
            GREETING_PHRASES.find_iter(text).map(|m| (m.start(), m.end())).collect();
        for found in CAPITALISED.find_iter(text) {
            let before = text[..found.start()].trim_end();
            let sentence_start = before.is_empty()
                || before.ends_with(['.', '!', '?', ':', '"', '\u{201c}', '\n', '('])
                || before.ends_with("...");
            if sentence_start || before.ends_with('[') {
                continue;
            }
            // "South Korea", "Costa Rica": a word of a country's name is no one's name, nor
            // one of a greeting's or a holiday's ("during Durga Puja").
            let in_phrase =
                phrases.iter().any(|&(start, end)| start <= found.start() && found.end() <= end);
            // "Nabız" of "e-Nabız": part of a tool's hyphenated name.
            // "Loi 25": a word before its number names a law or a thing there (or a street:
            // "rue de Nimy 52"), so that mention does not count.
            if super::lexicon::followed_by_number(text, found.end()) {
                continue;
            }
            if in_phrase
                || in_country_or_region(text, found.start(), found.end())
                || is_vendor_at(text, found.start(), found.end())
            {
                continue;
            }
            let word = found.as_str();
            let word = word
                .strip_suffix("'s")
                .or_else(|| word.strip_suffix("’s"))
                .unwrap_or(word)
                .trim_end_matches(['\'', '’', '-']);
            // "Nakamura-san": the honorific suffix stays outside the placeholder.
            let word = without_name_suffix(word);
            *counts.entry(word.to_string()).or_insert(0) += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(word, count)| {
            *count >= MIN_MENTIONS && !things.contains(word) && unexplained(scope, word, &known)
        })
        .map(|(word, _)| Found::Other(word, "[NAME]"))
        .collect()
}

fn unexplained(scope: &Scope, word: &str, known: &impl Fn(&str) -> bool) -> bool {
    let lower = word.to_lowercase();
    word.chars().filter(|c| c.is_alphabetic()).count() >= 3
        && !is_english_word(&lower)
        && !FIRST_NAMES.contains(word)
        && !is_acronym(word)
        && !HONORIFICS.contains(&lower.as_str())
        && !is_trailing_honorific(word)
        && !word.chars().skip(1).all(|c| c.is_uppercase() || !c.is_alphabetic())
        && !is_camel_case(word)
        && !is_vendor(word)
        && !is_calendar_or_place(&lower)
        && !super::lexicon::is_nationality(&lower)
        && !COUNTRIES.contains(lower.as_str())
        && !is_region(&lower)
        && !CITIES.contains(&word)
        && !scope.vocabulary.contains(&lower)
        && !scope.corpus_terms.shared.contains(&lower)
        && !scope.corpus_terms.common.contains(&lower)
        && !scope.protected.looks_protected(word)
        && !known(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Nakamura-san" said twice is "Nakamura"; "Fatma Hanım" said twice is not "Hanım".
    #[test]
    fn honorifics_are_not_the_repeated_name() {
        let scope = Scope::default();
        let texts = [
            "We ran it past Nakamura-san and Fatma Hanım first.",
            "I remember Nakamura-san saying so, and Fatma Hanım too.",
        ];
        let found = repeated_names(&scope, &texts, |_| false);
        assert_eq!(
            found,
            [Found::Other("Fatma".into(), "[NAME]"), Found::Other("Nakamura".into(), "[NAME]")]
        );
    }

    /// "her Totvs.", "It was the Totvs.": a word owned or pointed at is a thing.
    #[test]
    fn a_word_owned_or_pointed_at_is_a_thing() {
        let scope = Scope::default();
        let texts = [
            "Everything is in Totvs, and Oyelaran said so twice.",
            "She was touching her Totvs... It was the Totvs. Ask Oyelaran.",
        ];
        let found = repeated_names(&scope, &texts, |_| false);
        assert_eq!(found, [Found::Other("Oyelaran".into(), "[NAME]")]);
    }

    #[test]
    fn words_of_country_names_are_not_names() {
        let scope = Scope::default();
        let texts = ["Everyone in South Korea uses it.", "A partner here in South Korea helped."];
        assert!(repeated_names(&scope, &texts, |_| false).is_empty());
    }

    #[test]
    fn repeated_unexplained_names_only() {
        let scope = Scope::default();
        let texts = [
            "We called Vasquez-Ortiz first, then the people in Jalisco. Honestly, Slack helped.",
            "I told Vasquez-Ortiz that. Then Jalisco again, and Salesforce, and Salesforce.",
            "The CISO said no. The CISO said yes. Price. Price.",
        ];
        // A region ("Jalisco", a Mexican state) is no name.
        let found = repeated_names(&scope, &texts, |_| false);
        assert_eq!(found, [Found::Other("Vasquez-Ortiz".into(), "[NAME]")]);
        assert!(repeated_names(&scope, &texts, |name| name == "Vasquez-Ortiz").is_empty());
    }
}

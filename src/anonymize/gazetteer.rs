//! The name gazetteers: a capitalised word nobody listed that is a census given name, a world
//! given name or surname in a name's position, a hyphenated given name, a word in Vietnamese
//! spelling, or a word in no dictionary (or a listed name that is a rare word) said where a
//! pronoun for one person is; and the join of a capitalised name part to the person placeholder
//! it touches (a listed surname that is a word too, after a person).

use std::sync::LazyLock;

use regex::Regex;

use super::lexicon::{
    CITIES, COMMON_WORDS, COUNTRIES, DETERMINERS, FIRST_NAMES, HONORIFICS, NATIONALITIES,
    WORLD_NAMES, in_country_or_region, in_nickname_table, is_acronym, is_calendar_or_place,
    is_english_word, is_frequent_word, is_given_name_or_word, is_greeting, is_known_name,
    is_region, is_vendor, is_vendor_at, without_name_suffix,
};
use super::orgs::{ORG_AFTER, in_firm_list};
use super::places::HOSTING_CONTEXT;
use super::text::{fold_accents, is_camel_case};
use super::{Found, Scope};

/// A capitalised word ("Valeria", "Çelik", "Yu-na", "McAllister", "Valeria's"); the next
/// word is looked at to tell a name followed by another name.
static CAPITALISED_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\p{Lu}\p{L}*\p{Ll}\p{L}*(?:-\p{L}+)?(?:['’]\p{Ll}+)?\b").unwrap()
});

/// A pronoun that stands for one person ("she", "him"; not "they", not "it").
static PERSON_PRONOUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:she|he|her|him|hers|herself|himself)\b").expect("static regex")
});

/// Words after which a capitalised word is a place or a time, not a person talked about.
const PLACE_OR_TIME_PREPOSITIONS: [&str; 9] =
    ["at", "in", "on", "during", "since", "until", "over", "through", "around"];

/// "like a child at Christmas", "one in Évora": the word at `start` follows a preposition of
/// place or time.
fn after_place_or_time_preposition(text: &str, start: usize) -> bool {
    let previous_word = text[..start].split_whitespace().next_back().unwrap_or("");
    PLACE_OR_TIME_PREPOSITIONS.contains(&previous_word.to_lowercase().as_str())
}

/// Whether a pronoun for one person is said in the sentence around `start..end` or in the
/// next one ("Vy pushed hard for a signature. She kept...", "everyone calls him Venky"): an
/// unlisted word that is no English word, said where a person is talked about.
///
/// Not a word said as a sentence of its own ("Hmm.", "Right!": an interjection, not a
/// subject), a word without a vowel ("Hmm, she said", "Mm"), or a word right after a
/// preposition of place or time.
fn person_talked_about(text: &str, start: usize, end: usize) -> bool {
    let boundary = |c: char| matches!(c, '.' | '!' | '?' | '\n');
    let word = &text[start..end];
    if !fold_accents(word).to_lowercase().contains(['a', 'e', 'i', 'o', 'u', 'y']) {
        return false;
    }
    if after_place_or_time_preposition(text, start) {
        return false;
    }
    let sentence_start = text[..start].rfind(boundary).map_or(0, |i| i + 1);
    let mut after = text[end..].char_indices().filter(|&(_, c)| boundary(c)).map(|(i, _)| i);
    let first = after.next();
    let sentence_end = first.map_or(text.len(), |i| end + i);
    let has_letters = |part: &str| part.chars().any(char::is_alphabetic);
    if !has_letters(&text[sentence_start..start]) && !has_letters(&text[end..sentence_end]) {
        return false;
    }
    // The rest of this sentence and the next one.
    let window_end = match after.next() {
        Some(second) => end + second,
        None => text.len(),
    };
    PERSON_PRONOUN.is_match(&text[sentence_start..start])
        || PERSON_PRONOUN.is_match(&text[end..window_end])
        || PERSON_VERB.is_match(&text[end..sentence_end])
}

/// Verbs right after a name that only people do ("Thaís pushed really hard", "Yaw said", "Efua
/// chased us every week").
static PERSON_VERB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:['’]s)?\s+(?:(?:really|just|also|then|even|never|always|still|basically|actually)\s+)?(?:said|says|told|tells|asked|asks|mentioned|insisted|explained|thought|felt|knew|listened|chased|emailed|texted|rang|phoned|flew|drove|promised|pushed|pushes|begged|laughed|smiled|agreed|disagreed|complained|apologi[sz]ed|resigned|retired)\b")
        .expect("static regex")
});

/// "Young-ho", "Seung-woo", "Min-ah": a listed name, then a syllable of at most three letters
/// that is no particle ("Mark-up" is a word).
fn is_name_and_syllable(word: &str) -> bool {
    word.split_once('-').is_some_and(|(head, tail)| {
        is_known_name(head)
            && (2..=3).contains(&tail.chars().count())
            && tail.chars().all(char::is_lowercase)
            && !["up", "in", "on", "out", "off", "by", "to", "ins", "ons", "ups"].contains(&tail)
    })
}

/// A person placeholder and a capitalised name part right next to it ("[COLLEAGUE 2] Ngô",
/// "Sharma [COLLEAGUE 4]"), or after a patronymic particle ("[COLLEAGUE 4] ap Iorwerth",
/// "[BUYER] bin Rashid"): the part belongs to the same person.
static PLACEHOLDER_NEIGHBOUR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<before>\b\p{Lu}[\p{L}-]*\p{L} )?(?P<placeholder>\[(?:BUYER|REP|INTERVIEWER|ACCOUNT|COLLEAGUE \d+)\])(?P<after>(?P<particle> (?:ap|ab|ferch|verch|bin|bint|binti|ibn|ould|nic|ní|ó))? \p{Lu}[\p{L}-]*\p{L}\b)?")
        .expect("static regex")
});

/// Folds a capitalised word that nothing else explains into the person placeholder it
/// touches: the tagger or a list found one part of a name and not the other.
pub fn absorb_adjacent_parts(scope: &Scope, text: &str) -> String {
    let text = absorb_place_continuations(scope, text);
    PLACEHOLDER_NEIGHBOUR
        .replace_all(&text, |caps: &regex::Captures<'_>| {
            let placeholder = &caps["placeholder"];
            // After a person, a listed surname that is also a word is the surname ("[COLLEAGUE
            // 3] Fang did the calls", "[BUYER] Young"); never after an account.
            let surname_may_be_a_word = placeholder != "[ACCOUNT]";
            let part = |word: &str, after: bool| {
                let word = word.trim();
                let lower = word.to_lowercase();
                word.chars().filter(|c| c.is_alphabetic()).count() >= 2
                    && (!is_english_word(&lower)
                        || COMMON_WORDS.contains(lower.as_str())
                        || (after && surname_may_be_a_word && is_known_name(word)))
                    && !HONORIFICS.contains(&lower.as_str())
                    && !is_greeting(word)
                    // "[COLLEAGUE 14] Moldovan": a nationality after a person is a surname.
                    && !is_calendar_or_place(&lower)
                    && (!NATIONALITIES.contains(lower.as_str()) || (after && surname_may_be_a_word))
                    && !COUNTRIES.contains(lower.as_str())
                    && !is_region(&lower)
                    && !CITIES.contains(&word)
                    && !is_vendor(word)
                    && !scope.protected.looks_protected(word)
                    && !scope.corpus_terms.common.contains(&lower)
                    && !scope.vocabulary.contains(&lower)
            };
            let mut out = String::new();
            // A given name right before a person is theirs even when it is a word too ("Autumn
            // [COLLEAGUE 1]", "Sterling [COLLEAGUE 4]"); not a month ("in May [BUYER] left"),
            // and not opening a sentence, where a verb is capitalised ("Tell [REP] he's
            // welcome").
            let opens_sentence = caps.name("before").is_some_and(|before| {
                let lead = text[..before.start()].trim_end();
                lead.is_empty() || lead.ends_with(['.', '!', '?', ':', '"', '“', '\n'])
            });
            let given = |word: &str| {
                !opens_sentence && surname_may_be_a_word && given_name_here(scope, word.trim())
            };
            match caps.name("before") {
                Some(before) if part(before.as_str(), false) || given(before.as_str()) => {}
                Some(before) => out.push_str(before.as_str()),
                None => {}
            }
            out.push_str(placeholder);
            let particle = caps.name("particle").is_some();
            match caps.name("after") {
                // The particle goes with the name it opens; never after an account.
                Some(after) if particle && surname_may_be_a_word => {
                    let name = after.as_str().rsplit(' ').next().unwrap_or_default();
                    if !part(name, true) {
                        out.push_str(after.as_str());
                    }
                }
                Some(after) if particle => out.push_str(after.as_str()),
                Some(after) if part(after.as_str(), true) => {}
                Some(after) => out.push_str(after.as_str()),
                None => {}
            }
            out
        })
        .into_owned()
}

/// True for a given name, even one that is a word too ("Sterling"), that is here no honorific,
/// month, place, tool, competitor or word the whole corpus shares: the first part of the
/// person whose placeholder follows it.
fn given_name_here(scope: &Scope, word: &str) -> bool {
    let lower = word.to_lowercase();
    is_given_name_or_word(word)
        && !HONORIFICS.contains(&lower.as_str())
        && !is_calendar_or_place(&lower)
        && !is_vendor(word)
        && !scope.protected.looks_protected(word)
        && !scope.corpus_terms.common.contains(&lower)
}

/// A lower-case word right before a person placeholder, in a caseless transcript ("rep sterling
/// [COLLEAGUE 4]").
static LOWER_BEFORE_PERSON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<before>\p{Ll}[\p{L}-]*\p{L}) (?P<placeholder>\[(?:BUYER|REP|INTERVIEWER|COLLEAGUE \d+)\])")
        .expect("static regex")
});

/// In a caseless transcript (raw captions), folds a given name into the person placeholder
/// right after it, even when the name is a word too: captions write "sterling nelson" with no
/// capital to tell the name from the currency. Not a month, a tool or a competitor.
pub fn absorb_lowercase_given_names(scope: &Scope, text: &str) -> String {
    LOWER_BEFORE_PERSON
        .replace_all(text, |caps: &regex::Captures<'_>| {
            if given_name_here(scope, &caps["before"]) {
                caps["placeholder"].to_string()
            } else {
                caps[0].to_string()
            }
        })
        .into_owned()
}

/// A town or address placeholder and the capitalised word right after it, inside a sentence
/// ("[CITY] Normal" of "Bloomington-Normal", "[CITY] Heights", "[ADDRESS] Nimy" of "rue de
/// Nimy"): the tagger or a list found one part of the place.
static PLACE_NEIGHBOUR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[(?P<kind>CITY|ADDRESS)\] (?P<after>\p{Lu}\p{Ll}[\p{L}'’-]*\p{L})\b")
        .expect("static regex")
});

/// Words that open a clause rather than continue a place's name, when captions run two
/// sentences together ("in [CITY] The thing is"), event nouns and public bodies, lower case.
const CLAUSE_WORDS: &[&str] = &[
    "the",
    "and",
    "but",
    "or",
    "so",
    "we",
    "they",
    "he",
    "she",
    "it",
    "you",
    "this",
    "that",
    "then",
    "there",
    "here",
    "which",
    "who",
    "what",
    "when",
    "where",
    "why",
    "how",
    "yes",
    "no",
    "okay",
    "well",
    "because",
    "if",
    "our",
    "my",
    "their",
    "his",
    "her",
    "its",
    "also",
    "just",
    "not",
    "now",
    "from",
    "for",
    "with",
    "near",
    "since",
    "until",
    "after",
    "before",
    "on",
    "at",
    "in",
    "to",
    "by",
    "of",
    "yeah",
    "sure",
    "right",
    "oh",
    "um",
    "uh",
    // An event named after a place ("Melbourne Cup", "Waitangi Day") is no longer place.
    "day",
    "days",
    "week",
    "weekend",
    "cup",
    "festival",
    "feast",
    "fair",
    "show",
    "eve",
    "holiday",
    "holidays",
    "carnival",
    "games",
    "marathon",
    "race",
    "derby",
    "open",
    "season",
    "night",
    // A city's public bodies ("Dubai Municipality", "[CITY] Police") name no one's site.
    "municipality",
    "council",
    "police",
    "airport",
    "metro",
    "port",
    "chamber",
    "customs",
    "court",
    "government",
    "authority",
    "governorate",
    "emirate",
    "province",
    "district",
];

/// Folds the capitalised word after a `[CITY]` or an `[ADDRESS]` into it unless the word is a
/// calendar word, a country or region, a clause opener, or the seller's, a product's or a
/// competitor's word.
fn absorb_place_continuations(scope: &Scope, text: &str) -> String {
    if !text.contains("[CITY] ") && !text.contains("[ADDRESS]") {
        return text.to_string();
    }
    let keep = |word: &str| {
        let lower = word.to_lowercase();
        CLAUSE_WORDS.contains(&lower.as_str())
            || is_calendar_or_place(&lower)
            || NATIONALITIES.contains(lower.as_str())
            || COUNTRIES.contains(lower.as_str())
            || is_region(&lower)
            || is_greeting(word)
            || is_vendor(word)
            || scope.protected.looks_protected(word)
            || scope.corpus_terms.common.contains(&lower)
    };
    let text = PLACE_NEIGHBOUR.replace_all(text, |caps: &regex::Captures<'_>| {
        if keep(&caps["after"]) { caps[0].to_string() } else { format!("[{}]", &caps["kind"]) }
    });
    // "Yanagisawa [ADDRESS]-7" of "Yanagisawa 3-chome 14-7": the district named before an
    // address the tagger found, when it is no English word, and the block numbers after it.
    ADDRESS_BEFORE
        .replace_all(&text, |caps: &regex::Captures<'_>| match caps.name("before") {
            Some(before) if keep(before.as_str()) || is_english_word(before.as_str()) => {
                format!("{} [ADDRESS]", before.as_str())
            }
            _ => "[ADDRESS]".to_string(),
        })
        .into_owned()
}

/// An address placeholder with the capitalised word before it or the block numbers glued
/// after it ("Yanagisawa [ADDRESS]", "[ADDRESS]-7").
static ADDRESS_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\b(?P<before>\p{Lu}\p{Ll}[\p{L}'’-]*\p{L}) )?\[ADDRESS\](?:-\d{1,4}\b)*")
        .expect("static regex")
});

/// Letters only Vietnamese spelling uses (ă, đ, ơ, ư, and vowels with a dot below or a hook
/// above; not the â, ê, ô, é of French or Portuguese), lower case.
const VIETNAMESE_ONLY: &str = "ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ";

/// True for a word in Vietnamese spelling. In an English interview a capitalised one is a
/// proper name, nearly always a person's (Vietnamese given names are short and in no list:
/// "Hiếu", "Vy"; a place so spelt, "Đà Nẵng", is redacted too, which costs a town, not a
/// person).
fn is_vietnamese(word: &str) -> bool {
    word.chars().flat_map(char::to_lowercase).any(|c| VIETNAMESE_ONLY.contains(c))
}

/// Besides [`DETERMINERS`], words after which a word names a thing or a place ("close in
/// Totvs"), not a person.
const THING_BEFORE: [&str; 4] = ["in", "into", "inside", "via"];

/// Names nobody listed, found by the gazetteers: a capitalised word that is a census given
/// name, a world given name or surname said mid-sentence or next to another name ("Sharma
/// Frank"), or a hyphenated given name ("Yu-na", "Min-jun"), unless the batch uses it in lower
/// case, it is common across the batch (the seller, a product), a place, a tool, a competitor,
/// part of a firm's name or an English word. Learned for the whole deal.
pub fn gazetteer_names(scope: &Scope, text: &str) -> Vec<Found> {
    // Each name found, with the byte offset where it ends.
    let mut spans: Vec<(String, usize)> = vec![];
    let mut previous_end = usize::MAX;
    let words: Vec<regex::Match<'_>> = CAPITALISED_WORD.find_iter(text).collect();
    for (index, word_match) in words.iter().enumerate() {
        let word = word_match.as_str();
        let base = word.split(['\'', '’']).next().unwrap_or(word);
        // "Sasaki-san", "Kim-ssi": a Japanese or Korean honorific suffix is not the name.
        let base = without_name_suffix(base);
        let lower = base.to_lowercase();
        let before = text[..word_match.start()].trim_end();
        let mid_sentence =
            !(before.is_empty() || before.ends_with(['.', '!', '?', ':', '"', '\u{201c}', '\n']));
        let adjacent_name = |other: Option<&regex::Match<'_>>, gap: &str| {
            other.is_some_and(|other| {
                let other = other.as_str().split(['\'', '’']).next().unwrap_or("");
                gap.trim().is_empty()
                    && (is_known_name(other)
                        || COMMON_WORDS.contains(other.to_lowercase().as_str()))
            })
        };
        let next = words.get(index + 1);
        let next_gap = next.map_or("x", |next| &text[word_match.end()..next.start()]);
        let previous = index.checked_sub(1).and_then(|i| words.get(i));
        let previous_gap =
            previous.map_or("x", |previous| &text[previous.end()..word_match.start()]);
        // A census name that is also an English word ("Maverick", "Virginia") needs to be
        // mid-sentence or next to another name, as a world name does.
        let census = FIRST_NAMES.contains(fold_accents(base).as_str())
            && (!is_english_word(&lower)
                || mid_sentence
                || adjacent_name(next, next_gap)
                || adjacent_name(previous, previous_gap));
        let world = WORLD_NAMES.contains(base)
            && !is_english_word(&lower)
            && (mid_sentence
                || adjacent_name(next, next_gap)
                || adjacent_name(previous, previous_gap));
        let hyphenated = base.split_once('-').is_some_and(|(head, tail)| {
            tail.chars().all(char::is_lowercase)
                && tail.chars().count() <= 5
                && ((!is_english_word(&lower) && head.chars().count() <= 4)
                    || is_name_and_syllable(base))
        });
        // "Tôn Hiếu": a word in Vietnamese spelling, or one with accents next to it.
        let vietnamese = is_vietnamese(base)
            || (!base.is_ascii()
                && [(next, next_gap), (previous, previous_gap)].iter().any(|(other, gap)| {
                    *gap == " " && other.is_some_and(|other| is_vietnamese(other.as_str()))
                }));
        // "Vy pushed hard. She...": a word in no list and no dictionary (or a listed name
        // that is a rare word, "Nacho"), where a person is talked about.
        let listed = is_known_name(base) || in_nickname_table(base);
        let unlisted_word = !is_english_word(&lower) || is_name_and_syllable(base);
        // "her Totvs", "the Totvs connector", "close in Totvs": a word in no list after an
        // article, a possessive or "in" is a thing; people are named without one.
        let determined =
            before.rsplit(|c: char| !c.is_alphabetic()).next().map(str::to_lowercase).is_some_and(
                |previous| {
                    DETERMINERS.contains(&previous.as_str())
                        || THING_BEFORE.contains(&previous.as_str())
                },
            );
        let talked_about = (unlisted_word || (listed && !is_frequent_word(&lower)))
            && (!determined || listed)
            && !is_acronym(base)
            && !is_camel_case(base)
            && person_talked_about(text, word_match.start(), word_match.end());
        // A competitor's misspelling ("Vendorra") stays searchable, but a listed name one
        // letter from an alias ("Venky", "Vendy") is a person where one is talked about.
        let protected = scope.protected.contains(base)
            || (scope.protected.looks_protected(base) && !(talked_about && listed));
        // "the Co-op", "a Post-it": a hyphenated word after an article is a thing.
        let hyphenated = hyphenated && !determined;
        let is_name = (census || world || hyphenated || vietnamese || talked_about)
            && !HOSTING_CONTEXT.is_match(&text[..word_match.start()])
            && !HONORIFICS.contains(&lower.as_str())
            && !in_firm_list(text, word_match.start(), word_match.end())
            && !ORG_AFTER.is_match(&text[word_match.end()..])
            && !super::lexicon::followed_by_number(text, word_match.end())
            && !scope.vocabulary.contains(&lower)
            && !scope.corpus_terms.common.contains(&lower)
            && !is_calendar_or_place(&lower)
            && !NATIONALITIES.contains(lower.as_str())
            && !CITIES.contains(&base)
            && !COUNTRIES.contains(lower.as_str())
            && !in_country_or_region(text, word_match.start(), word_match.end())
            && !is_vendor(base)
            && !is_vendor_at(text, word_match.start(), word_match.end())
            && !protected
            && !COMMON_WORDS.contains(lower.as_str());
        if is_name {
            let start = word_match.start();
            // "Mette Mäkinen": adjacent names are one person, not two.
            match spans.last_mut() {
                Some((name, end)) if text[*end..start] == *" " && *end == previous_end => {
                    name.push(' ');
                    name.push_str(base);
                    *end = start + base.len();
                }
                _ => spans.push((base.to_string(), start + base.len())),
            }
            previous_end = start + base.len();
        }
    }
    spans.into_iter().map(|(name, _)| Found::Person(name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The people the gazetteers find in `text` (they find nothing else).
    fn people(text: &str) -> Vec<String> {
        gazetteer_names(&Scope::default(), text)
            .into_iter()
            .map(|found| match found {
                Found::Person(name) => name,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    /// A word in no list and no dictionary is a person where a pronoun for one person is said
    /// in its sentence or the next ("Vy pushed hard. She..."); names from many languages in
    /// several frames, and what must stay: interjections, acronyms, product names in camel
    /// case, words with no pronoun near, ordinary words.
    #[test]
    fn an_unlisted_word_where_a_person_is_talked_about_is_a_name() {
        let frames = [
            "{} pushed really hard for a signature. She kept calling every day.",
            "I liked {}. He never pushed us, he just made sure we had what we needed.",
            "Everyone calls him {}, by the way, nobody uses his full name.",
            "So when things got political, {} didn't panic, she just kept things moving.",
            "How was the sales experience?\n{} pushed really hard for a signature before June.",
            "Honestly {} said the price was fixed, and that was that.",
        ];
        for name in ["Vy", "Thaís", "Venky", "Aoi", "Bongani", "Zuzka", "Oyelaran", "Tuğçe"] {
            for frame in frames {
                let text = frame.replace("{}", name);
                assert_eq!(people(&text), [name], "{text}");
            }
        }
        for text in [
            "Hmm. She owned the relationship from there.",
            "Hmm, she said the budget was gone.",
            "We moved everything to SAP. She signed off on it.",
            "We tried ClickTrack for a month. He hated it.",
            "Onboarding took seven weeks and the Zorvex pilot slipped twice.",
            "The pilot slipped. She said the security review took seven weeks.",
            "He was like a child at Christmas. He loved it.",
        ] {
            assert!(people(text).is_empty(), "{text}: {:?}", people(text));
        }
    }

    /// Vietnamese names are in no list and short: a word in Vietnamese spelling is a name,
    /// and an accented word next to one is part of it. French and Portuguese accents are not.
    #[test]
    fn names_in_vietnamese_spelling_are_names() {
        let surnames = ["Tôn", "Trần", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"];
        let given =
            ["Hiếu", "Thư", "Dũng", "Phượng", "Hằng", "Quỳnh", "Ngọc", "Đức", "Thảo", "Lộc"];
        for (i, surname) in surnames.iter().enumerate() {
            let first = given[i];
            let full = format!("{surname} {first}");
            assert_eq!(people(&format!("I talked to {full} about it.")), [full]);
            assert_eq!(people(&format!("{first} said the pilot was fine.")), [first]);
            assert_eq!(people(&format!("so we asked {first}, and")), [first]);
        }
        for text in [
            "Our office on the Côte d'Azur, and one in Évora.",
            "The Fête was fun. Crème brûlée after.",
            "We met in Montréal and Genève.",
        ] {
            assert!(people(text).is_empty(), "{text}: {:?}", people(text));
        }
    }

    #[test]
    fn parts_next_to_a_person_placeholder_join_it() {
        let scope = Scope::default();
        assert_eq!(
            absorb_adjacent_parts(&scope, "[COLLEAGUE 2] Ngô runs it. Sharma [COLLEAGUE 4] too."),
            "[COLLEAGUE 2] runs it. [COLLEAGUE 4] too."
        );
        assert_eq!(
            absorb_adjacent_parts(&scope, "Thanks [BUYER] The rest, [REP] Monday."),
            "Thanks [BUYER] The rest, [REP] Monday."
        );
    }
}

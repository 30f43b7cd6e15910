//! What the PII tagger's hits become. The tagger reads context, so it finds names nobody
//! listed and names typed in lower case; it also fires on ordinary words next to name cues
//! ("Honestly, good.", "director cared", "their CISO", "Felix owns"). Each hit is checked
//! here before it is learned: words of the wrong case in a span, English words, acronyms,
//! one-word sentences, calendar and place words, titles and product names are not people.

use super::lexicon::{
    CITIES, COMMON_WORDS, COUNTRIES, GENERIC_ORG_WORDS, HONORIFICS, TITLE_WORDS, continues_name,
    in_country_or_region, is_acronym, is_calendar_word, is_english_word, is_given_name,
    is_known_name, is_nationality, is_region, is_vendor, is_vendor_at,
};
use std::sync::LazyLock;

use regex::Regex;

use super::ner::{Entity, EntityKind};
use super::orgs::{ORG_AFTER, ORG_BEFORE, in_firm_list};
use super::people::NAME_CUE_BEFORE;
use super::places::HOSTING_CONTEXT;
use super::text::{contains_word, is_camel_case};
use super::{Found, Scope};

/// A unit word right before a number ("Apt. ", "Suite ", "Unit ", "#").
static UNIT_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:apt|apartment|suite|ste|unit|floor|fl|room|rm|no|nr|box|bldg|building)\.?\s*$|#\s*$")
        .expect("static regex")
});

/// Job-title words the tagger takes for names ("I'm Head of IT").
pub(super) const ROLE_TITLES: [&str; 24] = [
    "head",
    "chief",
    "director",
    "manager",
    "lead",
    "officer",
    "president",
    "controller",
    "founder",
    "partner",
    "principal",
    "associate",
    "analyst",
    "engineer",
    "consultant",
    "coordinator",
    "specialist",
    "supervisor",
    "administrator",
    "assistant",
    "treasurer",
    "secretary",
    "counsel",
    "buyer",
];

/// Name particles that stay lower case inside a name ("Ana de Souza", "Jan van der Berg").
const PARTICLES: [&str; 18] = [
    "de", "da", "do", "dos", "das", "del", "della", "di", "du", "van", "von", "der", "den", "ter",
    "la", "le", "bin", "al",
];

/// The names in a person span: the span is cut where a sentence or clause ends inside it
/// ("Fine. Noelle"), and in a part with capitalised words, a lower-case word that is not a
/// particle is not part of the name ("Felix owns").
fn names_in_span(surface: &str) -> Vec<String> {
    let mut parts: Vec<Vec<&str>> = vec![vec![]];
    for word in surface.split_whitespace() {
        let initial = word.trim_end_matches('.').chars().count() <= 1;
        parts.last_mut().expect("one part").push(word);
        if word.ends_with(['.', '!', '?', ',', ';', ':']) && !initial {
            parts.push(vec![]);
        }
    }
    parts
        .into_iter()
        .map(|words| {
            let words: Vec<&str> =
                words.iter().map(|w| w.trim_end_matches([',', ';', ':', '!', '?'])).collect();
            let words: Vec<&str> = words
                .iter()
                .map(|w| {
                    if w.trim_end_matches('.').chars().count() > 1 {
                        w.trim_end_matches('.')
                    } else {
                        w
                    }
                })
                .collect();
            if !words.iter().any(|w| w.starts_with(char::is_uppercase)) {
                // All lower case ("jen smith", "maverick spend"): a name only around a word
                // that is a name and no English word; otherwise its English words go.
                let anchored = words.iter().any(|w| is_known_name(w) && !is_english_word(w));
                let kept: Vec<&str> = if anchored {
                    words
                } else {
                    words.into_iter().filter(|w| !is_english_word(w)).collect()
                };
                return kept.join(" ");
            }
            let kept: Vec<&str> = words
                .into_iter()
                .filter(|w| {
                    w.starts_with(char::is_uppercase)
                        || PARTICLES.contains(&w.to_lowercase().as_str())
                })
                .skip_while(|w| {
                    HONORIFICS.contains(&w.trim_end_matches('.').to_lowercase().as_str())
                })
                .collect();
            // "Emine Hanım", "Hakan Bey": an honorific after the name is not part of it either.
            let honorific =
                |w: &&str| HONORIFICS.contains(&w.trim_end_matches('.').to_lowercase().as_str());
            let trailing = kept.iter().rev().take_while(|w| honorific(w)).count();
            let kept = &kept[..kept.len() - trailing];
            // Particles only make sense inside a name.
            let start = kept.iter().position(|w| w.starts_with(char::is_uppercase)).unwrap_or(0);
            let end =
                kept.iter().rposition(|w| w.starts_with(char::is_uppercase)).map_or(0, |e| e + 1);
            kept[start..end.max(start)].join(" ")
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// True when a one-word person hit is an ordinary word in its place.
fn ordinary_person_word(scope: &Scope, text: &str, start: usize, surface: &str) -> bool {
    let lower = surface.to_lowercase();
    let capitalised = surface.starts_with(char::is_uppercase);
    let english = is_english_word(&lower);
    let given = is_given_name(surface);
    let cue = NAME_CUE_BEFORE.is_match(&text[..start]);
    // "CISO", "VP": acronyms are roles and teams, not people; "Head (of IT)" is a title.
    if !given && (is_acronym(surface) || ROLE_TITLES.contains(&lower.as_str())) {
        return true;
    }
    if !capitalised {
        // Lower case: a known ordinary word never; otherwise a given name, or a cue before it
        // ("my boss jen").
        return COMMON_WORDS.contains(lower.as_str())
            || (english && !(given && cue))
            || (!given && !cue);
    }
    // "Price. I mean, it was price." / "Fine. Noelle was patient.": a one-word sentence (or a
    // sentence opener followed by a comma) is not a name when the speaker also says the word
    // in lower case, or when it is an English word that ends its own sentence.
    let before = text[..start].trim_end();
    let opens = before.is_empty() || before.ends_with(['.', '!', '?', ':', '\n', '"', '\u{201c}']);
    let after = &text[start + surface.len()..];
    let closes = after.starts_with(['.', ',', '!', '?', ';']);
    let ends_sentence = after.starts_with(['.', '!', '?']);
    if opens
        && ((closes && contains_word(text, &lower))
            || ((ends_sentence || after.starts_with(',')) && english && !given))
    {
        return true;
    }
    // "Price came up in every meeting", "Summer is our peak season": a sentence-initial English
    // word the batch mostly writes in lower case, or never capitalises mid-sentence.
    let mid_sentence = &scope.corpus_terms.mid_sentence;
    opens
        && english
        && !cue
        && (scope.vocabulary.contains(&lower)
            || (!given && !mid_sentence.is_empty() && !mid_sentence.contains(&lower)))
}

/// A capitalised word that may continue a name the tagger cut short ("Sharma" before a tagged
/// "Frank"): no English word, no protected name, place, tool or month.
fn name_part(scope: &Scope, word: &str) -> bool {
    let lower = word.to_lowercase();
    word.starts_with(char::is_uppercase)
        && word.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && word.chars().all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’'))
        && !is_english_word(&lower)
        && !is_calendar_word(&lower)
        && !HONORIFICS.contains(&lower.as_str())
        && !COUNTRIES.contains(lower.as_str())
        && !is_region(&lower)
        && !CITIES.contains(&word)
        && !is_vendor(word)
        && !scope.protected.looks_protected(word)
        && !scope.corpus_terms.common.contains(&lower)
}

/// Widens a person span over adjacent name parts (one space apart), at most two each side.
fn extend_name(scope: &Scope, text: &str, mut start: usize, mut end: usize) -> (usize, usize) {
    for _ in 0..2 {
        let before = &text[..start];
        let Some(space) = before.strip_suffix(' ') else { break };
        let word_start = space.rfind(|c: char| c.is_whitespace()).map_or(0, |i| i + 1);
        let word = &space[word_start..];
        if !name_part(scope, word) {
            break;
        }
        start = word_start;
    }
    for _ in 0..2 {
        let after = &text[end..];
        let Some(rest) = after.strip_prefix(' ') else { break };
        let word_end = rest
            .find(|c: char| !(c.is_alphabetic() || matches!(c, '-' | '\'' | '’')))
            .unwrap_or(rest.len());
        let word = rest[..word_end].trim_end_matches(['\'', '’']);
        let word = word.strip_suffix("'s").or_else(|| word.strip_suffix("’s")).unwrap_or(word);
        if word.is_empty() || !name_part(scope, word) {
            break;
        }
        end += 1 + word.len();
    }
    (start, end)
}

/// Joins address parts the tagger reports apart ("42" + "Baker Street", "CA" + "94105") when
/// only spaces or a comma separate them, so a part is judged with the whole address.
fn merge_addresses(text: &str, entities: Vec<Entity>) -> Vec<Entity> {
    let mut merged: Vec<Entity> = vec![];
    for entity in entities {
        if let Some(last) = merged.last_mut()
            && last.kind == EntityKind::Address
            && entity.kind == EntityKind::Address
            && entity.start >= last.end
            && text[last.end..entity.start].chars().all(|c| c == ' ' || c == ',')
            && entity.start - last.end <= 2
        {
            last.end = entity.end;
            continue;
        }
        merged.push(entity);
    }
    merged
}

/// Words that make a street of ordinary words ("main road", "church street").
const STREET_WORDS: [&str; 16] = [
    "road",
    "rd",
    "street",
    "st",
    "avenue",
    "ave",
    "lane",
    "drive",
    "way",
    "highway",
    "boulevard",
    "blvd",
    "close",
    "crescent",
    "square",
    "place",
];

/// A person hit checked: `None` when it is not a name, an account when an organisation
/// frame surrounds it.
/// A word in capitals only, three letters or more: an agency's or a system's letters, never a
/// person's name in a transcript written in both cases. (A transcript in capitals only, as
/// some captions are, is itself shouted: there a word in capitals may be anyone's name.)
pub(super) fn shouted(word: &str) -> bool {
    let upper = word.chars().filter(|c| c.is_uppercase()).count();
    let lower = word.chars().filter(|c| c.is_lowercase()).count();
    upper >= 3 && upper > 4 * lower
}

fn person(scope: &Scope, text: &str, span_start: usize, name: &str) -> Option<Found> {
    if name.chars().any(|c| c.is_ascii_digit())
        || name.chars().filter(|c| c.is_alphanumeric()).count() < 2
    {
        return None;
    }
    let start = text[span_start..].find(name).map_or(span_start, |o| span_start + o);
    let lower = name.to_lowercase();
    let not_a_name = lower.split_whitespace().all(is_calendar_word)
        || (lower.split(['-', ' ']).all(is_nationality) && !continues_name(text, start))
        || (COUNTRIES.contains(lower.as_str()) && !is_given_name(name))
        || in_country_or_region(text, start, start + name.len())
        // "Notaris de Catalunya": a body of a region, not a person ("Ana Navarra" still is).
        || name.split_whitespace().collect::<Vec<_>>().windows(2).any(|pair| {
            ["de", "of", "di", "del", "du", "della"].contains(&pair[0].to_lowercase().as_str())
                && is_region(&pair[1].to_lowercase())
        })
        || TITLE_WORDS.contains(&lower.as_str())
        // "DIGEMID", "Salud" of "Seguro Integral de Salud", "e-Factura": an agency's letters, a
        // generic word of a body's name, an electronic system.
        || (!name.contains(' ') && shouted(name) && !shouted(text))
        || (!name.contains(' ') && GENERIC_ORG_WORDS.contains(lower.as_str()) && !is_given_name(name))
        || lower.starts_with("e-")
        // "Loi 25", "Bill 96", "Windows 11": a word before its number names a law or a thing.
        || (!name.contains(' ') && super::lexicon::followed_by_number(text, start + name.len()))
        || is_camel_case(name)
        || scope.corpus_terms.common.contains(&lower)
        || scope.protected.looks_protected(name)
        || (!name.contains(' ') && ordinary_person_word(scope, text, start, name));
    if not_a_name {
        return None;
    }
    let end = start + name.len();
    let (start, end) = extend_name(scope, text, start, end);
    let name = &text[start..end];
    // "Grupo Ebrolux", "Banco Ribera": a generic company word opens the name.
    let opens_like_company = name.split_whitespace().next().is_some_and(|first| {
        name.contains(' ')
            && GENERIC_ORG_WORDS.contains(first.to_lowercase().as_str())
            && first.starts_with(char::is_uppercase)
            && !is_given_name(first)
    });
    if opens_like_company
        || ORG_AFTER.is_match(&text[end..])
        || ORG_BEFORE.is_match(&text[..start])
        || in_firm_list(text, start, end)
    {
        Some(Found::Account(name.to_string()))
    } else if !name.contains(' ')
        && super::places::is_listed_place(name)
        && let Some(title) = title_before(text, start)
    {
        // "Mrs. Izumi": a one-word name that is also a town's is a person after a title the
        // tagger left out (alone, such a name is taken for the town).
        Some(Found::Person(text[title..end].to_string()))
    } else {
        Some(Found::Person(name.to_string()))
    }
}

/// Where a capitalised title right before `start` begins ("Mrs. " before "Izumi").
fn title_before(text: &str, start: usize) -> Option<usize> {
    let before = text.get(..start)?.strip_suffix(' ')?;
    let from = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let word = &before[from..];
    let skip = word.find(char::is_alphanumeric)?;
    let title = &word[skip..];
    (title.starts_with(char::is_uppercase) && super::lexicon::is_title(title))
        .then_some(from + skip)
}

/// A sentence that starts with a capital: the text is written in sentence case.
static SENTENCE_CAPITAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[.!?]\s+)\p{Lu}").expect("static regex"));

/// Turns the tagger's hits on `text` into findings, dropping the ones that are not PII.
pub fn interpret(scope: &Scope, text: &str, entities: Vec<Entity>) -> Vec<Found> {
    let mut found = vec![];
    for entity in merge_addresses(text, entities) {
        let raw = &text[entity.start..entity.end];
        let surface = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let surface =
            surface.strip_suffix("'s").or_else(|| surface.strip_suffix("’s")).unwrap_or(surface);
        if surface.chars().filter(|c| c.is_alphanumeric()).count() < 2
            || scope.protected.looks_protected(surface)
            || scope.protected.inside_protected_word(text, entity.start, entity.end)
            || surface.split_whitespace().any(|token| scope.protected.looks_protected(token))
            || surface.starts_with('[')
        {
            continue;
        }
        // A name never spans lines or holds digits ("721\n ASKIM\n Sweden" is an address).
        let surface = surface.lines().next().unwrap_or(surface).trim();
        let mut start =
            text[entity.start..].find(surface).map_or(entity.start, |o| entity.start + o);
        // "Apt. 656": a unit number reported alone takes its unit word.
        let mut surface = surface;
        if entity.kind == EntityKind::Address
            && surface.chars().all(|c| c.is_ascii_digit())
            && let Some(unit) = UNIT_BEFORE.find(&text[..start])
        {
            let number_end = start + surface.len();
            start = unit.start();
            surface = &text[start..number_end];
        }
        // "payroll link to Xero", "through M-Pesa": a tool is nobody and nowhere.
        if is_vendor_at(text, start, start + surface.len()) {
            continue;
        }
        if entity.kind == EntityKind::Person {
            for name in names_in_span(surface) {
                if let Some(finding) = person(scope, text, start, &name) {
                    found.push(finding);
                }
            }
            continue;
        }
        let lower = surface.to_lowercase();
        let ordinary = (!surface.contains(' ')
            && (COMMON_WORDS.contains(lower.as_str()) || scope.vocabulary.contains(&lower))
            && !surface.starts_with(char::is_uppercase))
            || is_calendar_word(&lower)
            || scope.corpus_terms.common.contains(&lower);
        let digits = surface.chars().filter(char::is_ascii_digit).count();
        let letters = surface.chars().filter(|c| c.is_alphabetic()).count();
        // Each kind's hit must look like one: the tagger also fires on "It", "Hmm" and "26".
        let (placeholder, plausible) = match entity.kind {
            EntityKind::Person => unreachable!("handled above"),
            EntityKind::City => (
                "[CITY]",
                !HOSTING_CONTEXT.is_match(&text[..start])
                    && !ordinary
                    && !COUNTRIES.contains(lower.as_str())
                    && !in_country_or_region(text, start, start + surface.len()),
            ),
            EntityKind::Address => (
                "[ADDRESS]",
                !HOSTING_CONTEXT.is_match(&text[..start])
                    && !ordinary
                    && !COUNTRIES.contains(lower.as_str())
                    && !is_region(&lower)
                    && (letters >= 3 || digits >= 5)
                    && !is_english_word(&lower)
                    // "near the high speed rail station": lower-case English words, no number
                    // and no street word ("western main road" of a caption is a street). Where
                    // sentences start with capitals, a street is written with them ("our
                    // nurses drive", "a tractor road" name no street).
                    && (digits > 0
                        || surface.chars().any(char::is_uppercase)
                        || !lower.split_whitespace().all(is_english_word)
                        || (lower.split_whitespace().any(|w| STREET_WORDS.contains(&w))
                            && !SENTENCE_CAPITAL.is_match(text))),
            ),
            EntityKind::Email => (
                "[EMAIL]",
                surface.contains('@') || (surface.contains(" at ") && surface.contains(" dot ")),
            ),
            EntityKind::Phone => ("[PHONE]", digits >= 6),
            EntityKind::Url => ("[URL]", surface.contains('.') && !surface.contains(' ')),
            EntityKind::Identifier => ("[ID]", digits >= 4),
        };
        if !plausible {
            continue;
        }
        found.push(Found::Other(surface.to_string(), placeholder));
    }
    found
}

#[cfg(test)]
mod tests {
    #[test]
    fn capitals_are_an_agency_only_in_a_text_with_lower_case() {
        assert!(super::shouted("DIGEMID") && super::shouted("NZOK"));
        assert!(!super::shouted("Digemid") && !super::shouted("Al"));
        assert!(!super::shouted("We report prices to DIGEMID every month."));
        assert!(super::shouted("MARIA QUISPE SAID THE PRICE WAS TOO HIGH"));
    }

    use super::*;

    #[test]
    fn only_the_name_words_of_a_span() {
        assert_eq!(names_in_span("Felix owns"), ["Felix"]);
        assert_eq!(names_in_span("Ana de Souza"), ["Ana de Souza"]);
        assert_eq!(names_in_span("de Souza said"), ["Souza"]);
        assert_eq!(names_in_span("jen smith"), ["jen smith"]);
        assert_eq!(names_in_span("Fine. Noelle"), ["Fine", "Noelle"]);
        assert_eq!(names_in_span("J. Ortega"), ["J. Ortega"]);
        assert_eq!(names_in_span("Señora Vargas"), ["Vargas"]);
        assert!(names_in_span("maverick spend").is_empty());
    }

    #[test]
    fn a_street_of_lower_case_words_only_in_a_caption() {
        let address = |text: &str, span: &str| {
            let start = text.find(span).expect("span in text");
            let hit = Entity { kind: EntityKind::Address, start, end: start + span.len() };
            interpret(&Scope::default(), text, vec![hit]).len()
        };
        assert_eq!(address("Our nurses drive forty kilometres on gravel.", "nurses drive"), 0);
        assert_eq!(address("Some live at the end of a tractor road. Far out.", "tractor road"), 0);
        assert_eq!(
            address("yeah were on the western main road near the mill", "western main road"),
            1
        );
    }

    fn person_hits(text: &str, words: &[&str]) -> Vec<String> {
        let scope = Scope::default();
        let entities = words
            .iter()
            .map(|word| {
                let start = text.find(word).expect("word in text");
                Entity { kind: EntityKind::Person, start, end: start + word.len() }
            })
            .collect();
        interpret(&scope, text, entities)
            .into_iter()
            .filter_map(|found| match found {
                Found::Person(name) => Some(name),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn ordinary_words_next_to_name_cues_are_not_people() {
        assert!(person_hits("Honestly, good. Casper offered to restart.", &["good"]).is_empty());
        assert!(
            person_hits("Our finance director cared more about payback.", &["cared"]).is_empty()
        );
        assert!(
            person_hits("she arranged a call with their CISO. A good call", &["CISO"]).is_empty()
        );
        assert!(person_hits("Fine. Noelle was patient.", &["Fine"]).is_empty());
        assert_eq!(person_hits("Felix owns Copperleaf, he approves", &["Felix owns"]), ["Felix"]);
        assert_eq!(person_hits("my boss jen said no", &["jen"]), ["jen"]);
        assert_eq!(person_hits("I talked to Okafor about it.", &["Okafor"]), ["Okafor"]);
        assert_eq!(person_hits("Sharma Frank was on the call.", &["Frank"]), ["Sharma Frank"]);
        assert_eq!(person_hits("Then Frank Okoye's team left.", &["Frank"]), ["Frank Okoye"]);
    }

    /// A competitor written as joined words, one of them a given name ("Pay-Dex"), stays
    /// whole wherever the tagger reads the name part as a person, with any punctuation after.
    #[test]
    fn a_given_name_inside_a_joined_competitor_name_is_no_person() {
        for (i, given) in ["Dex", "Lena", "Arlo", "Kai", "Maya", "Otto"].iter().enumerate() {
            for (joined, part) in [
                (format!("Pay-{given}"), *given),
                (format!("{given}-Ledger"), *given),
                (format!("{given}.io"), *given),
            ] {
                let mut aliases = crate::corpus::Aliases::default();
                aliases.add_canonical(&format!("Competitor{i}"));
                aliases.add_alias(&format!("Competitor{i}"), &joined);
                let scope = Scope {
                    protected: crate::anonymize::protect::Protected::new(&aliases),
                    ..Scope::default()
                };
                for text in [
                    format!("{joined}'s onboarding team just showed up."),
                    format!("We went with {joined}. Fine."),
                    format!("the others ({joined}, mostly) were cheaper"),
                ] {
                    let start = text.find(&joined).unwrap() + joined.find(part).unwrap();
                    let entity =
                        Entity { kind: EntityKind::Person, start, end: start + part.len() };
                    assert!(interpret(&scope, &text, vec![entity]).is_empty(), "{text}");
                }
                // The same name standing alone is still a person.
                let text = format!("{given} said the price was wrong.");
                let entity = Entity { kind: EntityKind::Person, start: 0, end: given.len() };
                assert_eq!(interpret(&scope, &text, vec![entity]).len(), 1, "{text}");
            }
        }
    }

    #[test]
    fn an_honorific_the_tagger_left_out_joins_the_name() {
        assert_eq!(person_hits("We met Mrs. Izumi at the fair.", &["Izumi"]), ["Mrs. Izumi"]);
        assert_eq!(person_hits("Ask Dr Lennox about it.", &["Lennox"]), ["Dr Lennox"]);
        assert_eq!(person_hits("says Izumi, and", &["Izumi"]), ["Izumi"]);
        assert_eq!(person_hits("(Señora Izumi) agreed", &["Izumi"]), ["Señora Izumi"]);
        assert_eq!(person_hits("Don Izumi agreed", &["Izumi"]), ["Izumi"]);
        // Names that are no town's keep the tagger's span: "Mr. [COLLEAGUE 1]".
        assert_eq!(person_hits("Herr Brandt signed.", &["Brandt"]), ["Brandt"]);
        assert_eq!(person_hits("this is Mr. Dustin Wirth.", &["Dustin Wirth"]), ["Dustin Wirth"]);
        // Only right before the name, and only as a word.
        assert_eq!(person_hits("Mrs. Kato and Izumi came.", &["Izumi"]), ["Izumi"]);
        assert_eq!(person_hits("the HR Izumi team", &["Izumi"]), ["Izumi"]);
    }
}

//! First-level anonymization: every person and account the CRM knows about, every speaker
//! label, emails (written and spoken), phone numbers, URLs and major cities become consistent
//! placeholders before anything is indexed or stored for serving. Competitor names stay.
//!
//! One [`Anonymizer`] is built per deal, so the same person is the same placeholder across the
//! deal's quotes and their context.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

pub mod ner;

use crate::corpus::Aliases;
use crate::corpus::aliases::normalize_name;

static CITIES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| word_list(include_str!("cities.txt")));
/// Every listed city as one whole-word, case-sensitive alternation (longest first).
static CITY_PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    let mut cities: Vec<&str> = CITIES.clone();
    cities.sort_by_key(|city| std::cmp::Reverse(city.len()));
    let alternatives: Vec<String> = cities.iter().map(|city| regex::escape(city)).collect();
    Regex::new(&format!(r"\b(?:{})\b", alternatives.join("|"))).expect("escaped cities")
});
static FIRST_NAMES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("first_names.txt")).into_iter().collect());
static CAPITALISED_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\p{Lu}\p{Ll}+(?:['’]\p{Ll}+)?\b").unwrap());
static COUNTRIES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("countries.txt")).into_iter().collect());
/// Titles that the tagger takes for names ("The Princess Royal").
const TITLE_WORDS: [&str; 16] = [
    "princess", "prince", "king", "queen", "duke", "duchess", "lord", "lady", "sir", "dame",
    "pope", "saint", "emperor", "empress", "sultan", "sheikh",
];
static COMMON_WORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("common_words.txt")).into_iter().collect());

fn word_list(text: &'static str) -> Vec<&'static str> {
    text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).collect()
}

/// Legal and generic suffixes dropped to find an account's short forms.
const ACCOUNT_SUFFIXES: [&str; 16] = [
    "inc",
    "inc.",
    "llc",
    "ltd",
    "ltd.",
    "limited",
    "co",
    "co.",
    "corp",
    "corp.",
    "corporation",
    "gmbh",
    "ag",
    "sa",
    "plc",
    "holdings",
];

/// Speaker labels made of these words are roles ("Project Manager", "Grad B"), not names.
const ROLE_WORDS: [&str; 24] = [
    "interviewer",
    "moderator",
    "host",
    "buyer",
    "customer",
    "speaker",
    "participant",
    "respondent",
    "grad",
    "phd",
    "professor",
    "postdoc",
    "manager",
    "project",
    "marketing",
    "industrial",
    "designer",
    "user",
    "interface",
    "expert",
    "lead",
    "team",
    "vp",
    "cfo",
];

/// Replaces accented Latin letters by their ASCII base letter.
pub fn fold_accents(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'A',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' | 'Ø' => 'O',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
            'ñ' => 'n',
            'Ñ' => 'N',
            'ç' => 'c',
            'Ç' => 'C',
            'ß' => 's',
            'ý' | 'ÿ' => 'y',
            '’' => '\'',
            other => other,
        })
        .collect()
}

fn name_tokens(name: &str) -> Vec<String> {
    fold_accents(name)
        .to_lowercase()
        .split_whitespace()
        .map(|token| token.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// True when a speaker label and a full name plausibly denote the same person ("Dana" and
/// "Dana Whitfield", "D. Whitfield" excluded).
pub fn same_person(label: &str, name: &str) -> bool {
    let label_tokens = name_tokens(label);
    let name_tokens = name_tokens(name);
    if label_tokens.is_empty() || name_tokens.is_empty() {
        return false;
    }
    label_tokens == name_tokens
        || (label_tokens.len() < name_tokens.len()
            && label_tokens.iter().all(|t| t.len() > 1 && name_tokens.contains(t)))
        || (name_tokens.len() < label_tokens.len()
            && name_tokens.iter().all(|t| t.len() > 1 && label_tokens.contains(t)))
}

/// True when `needle` occurs in `haystack` as a whole word (word boundaries are required only
/// where the needle itself starts or ends with a letter or digit, so `+1 555` and `Co.` work).
pub fn contains_word(haystack: &str, needle: &str) -> bool {
    let starts_word = needle.chars().next().is_some_and(char::is_alphanumeric);
    let ends_word = needle.chars().last().is_some_and(char::is_alphanumeric);
    !needle.is_empty()
        && haystack.match_indices(needle).any(|(start, _)| {
            let before = haystack[..start].chars().last();
            let after = haystack[start + needle.len()..].chars().next();
            (!starts_word || before.is_none_or(|c| !c.is_alphanumeric()))
                && (!ends_word || after.is_none_or(|c| !c.is_alphanumeric()))
        })
}

/// The forms a person's name is written in: full, first name alone, surname, first two names.
pub fn name_forms(name: &str) -> Vec<String> {
    let mut builder = FormBuilder { forms: vec![] };
    builder.person(name, "");
    builder.forms.into_iter().map(|(form, _)| form).collect()
}

/// True when a speaker label is a role, not a person's name.
pub fn is_role_label(label: &str) -> bool {
    let tokens = name_tokens(label);
    tokens.is_empty() || tokens.iter().any(|token| ROLE_WORDS.contains(&token.as_str()))
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+\b").unwrap());
static SPOKEN_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9]+(?:\s+(?:dot|underscore|dash)\s+[a-z0-9]+)*\s+(?:at|@)\s+[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)*\s+dot\s+(?:com|org|net|io|co|uk|de|fr|nl|es|it|au|ca|eu|us|ai|app|dev|biz|info)\b").unwrap()
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:https?://|www\.)[^\s<>()]+[^\s<>().,;:!?]|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co\.uk|ai|app|dev)\b").unwrap()
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+\d{1,3}[ \t.-]?)?(?:\(\d{1,4}\)[ \t.-]?)?\d{1,4}(?:[ \t.-]\d{2,4}){1,5}|\b\d{10,11}\b")
        .unwrap()
});
static DATE_LIKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$").unwrap());
static HOSTING_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:host(?:ed|ing)?|data[- ]?cent(?:er|re)s?|region|residency|servers?|datacenters?)\W+(?:\w+\W+){0,3}$").unwrap()
});

/// Decides whether a digit run found by [`PHONE`] is a phone number. `cue` is true when a word
/// like "phone", "call" or "mobile" comes just before it.
fn is_phone(candidate: &str, cue: bool) -> bool {
    let digits = candidate.chars().filter(char::is_ascii_digit).count();
    if DATE_LIKE.is_match(candidate.trim()) || DATE_PREFIX.is_match(candidate.trim()) {
        return false;
    }
    let groups = candidate.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).count();
    let has_plus = candidate.starts_with('+');
    let has_paren = candidate.contains('(');
    let has_dash_or_dot = candidate.contains('-') || candidate.contains('.');
    if cue {
        return (7..=15).contains(&digits);
    }
    if has_plus {
        return (8..=15).contains(&digits);
    }
    if has_paren {
        return (8..=15).contains(&digits);
    }
    (has_dash_or_dot && groups >= 3 && (8..=12).contains(&digits))
        || (has_dash_or_dot && (9..=12).contains(&digits))
        || (10..=12).contains(&digits)
}

static DATE_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}").unwrap());
static PHONE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:phone|mobile|cell|call|tel|fax|desk|office|reach (?:me|us)|number|whatsapp|text me|line)\W{0,3}(?:\w+\W+){0,2}$").unwrap()
});
static PHONE_CUE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\W{0,3}(?:office|fax|mobile|cell|desk|home|work|direct)\b").unwrap()
});
/// Government and network identifiers: social security numbers, IPv4 addresses, long card or
/// account digit runs.
static IDENTIFIER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d{3}-\d{2}-\d{4}\b|\b\d{1,3}(?:\.\d{1,3}){3}\b|\b\d{4}(?:[ -]\d{4}){3}\b|\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}\b").unwrap()
});

/// True for a one-word form that is also an ordinary word ("Will", "Grant"): matched only with
/// its own capitalisation.
fn is_common_form(form: &str) -> bool {
    !form.contains(' ') && COMMON_WORDS.contains(form.to_lowercase().as_str())
}

/// Regex source matching a name form as a whole word, with either apostrophe, case-insensitively
/// unless the form is also an ordinary word.
fn term_pattern(form: &str) -> String {
    let escaped = regex::escape(form).replace('\'', "['’]");
    let starts_word = form.chars().next().is_some_and(char::is_alphanumeric);
    let ends_word = form.chars().last().is_some_and(char::is_alphanumeric);
    let pattern = format!(
        "{}{escaped}{}",
        if starts_word { r"\b" } else { "" },
        if ends_word { r"\b" } else { "" }
    );
    if is_common_form(form) { format!("(?-i:{pattern})") } else { pattern }
}

fn alternation(patterns: &[String]) -> Option<Regex> {
    (!patterns.is_empty()).then(|| {
        Regex::new(&format!("(?i)(?:{})", patterns.join("|")))
            .expect("escaped alternation is a valid regex")
    })
}

/// The last line of defence: before a quote leaves the server, the CRM-known PII terms of its
/// deal are looked for once more. A hit is redacted and logged (ids only) as an incident.
#[derive(Debug, Default)]
pub struct PiiGuard {
    by_deal: HashMap<String, Regex>,
}

impl PiiGuard {
    /// Sets (replacing) the terms of a deal. Terms that are competitor names are ignored.
    pub fn set_deal(&mut self, deal_id: &str, terms: &[String], aliases: &Aliases) {
        let protected: HashSet<String> =
            aliases.every_form().into_iter().map(normalize_name).collect();
        let patterns: Vec<String> = terms
            .iter()
            .filter(|term| term.chars().filter(|c| c.is_alphanumeric()).count() >= 3)
            .filter(|term| !protected.contains(&normalize_name(term)))
            .map(|term| term_pattern(term))
            .collect();
        match alternation(&patterns) {
            Some(regex) => self.by_deal.insert(deal_id.to_string(), regex),
            None => self.by_deal.remove(deal_id),
        };
    }

    /// Returns the text with any known PII of the deal replaced by `[REDACTED]`, logging an
    /// incident (deal and field only, never the text).
    pub fn scrub(&self, deal_id: &str, quote_id: &str, field: &str, text: &str) -> String {
        let Some(regex) = self.by_deal.get(deal_id) else { return text.to_string() };
        if !regex.is_match(text) {
            return text.to_string();
        }
        tracing::warn!(deal_id, quote_id, field, "pii guard redacted a response field");
        regex.replace_all(text, "[REDACTED]").into_owned()
    }
}

/// Levenshtein distance between two strings, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// Per-deal replacement of identifying strings by placeholders.
#[derive(Debug)]
pub struct Anonymizer {
    names: Option<Regex>,
    /// lower-cased form -> placeholder (case-insensitive forms).
    insensitive: HashMap<String, String>,
    /// exact form -> placeholder (forms that are also ordinary words).
    sensitive: HashMap<String, String>,
    /// Speaker label -> placeholder for people.
    speakers: BTreeMap<String, String>,
    /// Every identifying string known for the deal (for the response guard).
    pii_terms: Vec<String>,
    protected: HashSet<String>,
    /// Lower-cased words the corpus uses in lower case: never taken for names.
    vocabulary: HashSet<String>,
    /// Names found by the gazetteer, with the placeholder each received.
    discovered: std::sync::Mutex<Vec<(String, String)>>,
    colleagues: usize,
    /// Known people: (placeholder, full name as listed or spoken).
    people: Vec<(String, String)>,
    /// Redactions made so far, by placeholder kind.
    counts: std::sync::Mutex<BTreeMap<String, usize>>,
    ner: Option<std::sync::Arc<ner::NerModel>>,
    learned: std::sync::Mutex<Learned>,
    corpus_terms: crate::ingest::CorpusTerms,
}

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[(BUYER|COLLEAGUE|REP|INTERVIEWER|ACCOUNT|CITY|ADDRESS|EMAIL|PHONE|URL|ID|NAME)(?: \d+)?\]")
        .unwrap()
});

fn count_placeholders(text: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for caps in PLACEHOLDER.captures_iter(text) {
        *counts.entry(caps[1].to_string()).or_insert(0) += 1;
    }
    counts
}

/// People and accounts known for one deal.
#[derive(Debug, Default)]
pub struct KnownParties<'a> {
    /// Buyer-side people, interviewee first.
    pub contacts: &'a [String],
    /// The seller's rep.
    pub rep: &'a str,
    /// The interviewer(s).
    pub interviewers: Vec<&'a str>,
    /// The customer account and organisation names seen in speaker titles.
    pub accounts: Vec<&'a str>,
    /// Buyer speaker labels in order of first appearance.
    pub buyer_speakers: Vec<&'a str>,
    /// Interviewer speaker labels.
    pub interviewer_speakers: Vec<&'a str>,
    /// Words the corpus uses in lower case ("will", "mark"): never taken for names.
    pub vocabulary: Option<&'a HashSet<String>>,
    /// The PII tagger, when loaded: finds names, cities and addresses nobody listed.
    pub ner: Option<std::sync::Arc<ner::NerModel>>,
    /// Capitalised words used across much of the corpus (the seller, products): a person of one
    /// deal is not mentioned in half of all interviews.
    pub corpus_terms: Option<&'a crate::ingest::CorpusTerms>,
}

/// Countries and nationalities the tagger sometimes takes for names.
const PLACE_WORDS: [&str; 40] = [
    "america",
    "american",
    "britain",
    "british",
    "canada",
    "canadian",
    "china",
    "chinese",
    "france",
    "french",
    "germany",
    "german",
    "india",
    "indian",
    "italy",
    "italian",
    "japan",
    "japanese",
    "spain",
    "spanish",
    "europe",
    "european",
    "africa",
    "african",
    "asia",
    "asian",
    "australia",
    "australian",
    "mexico",
    "mexican",
    "brazil",
    "brazilian",
    "dutch",
    "english",
    "irish",
    "scottish",
    "swiss",
    "cambodian",
    "russian",
    "polish",
];

/// An organisation suffix right after a tagged name ("Russell Investments", "Davis, Reynolds
/// and Williamson Orchestra"): the name is a company's, not a person's.
static ORG_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:,? (?:and |& )?\p{Lu}[\p{L}'-]*){0,3},? (?:Inc|Incorporated|Corp|Corporation|LLC|Ltd|Limited|Group|Holdings|Investments|Partners|Capital|Bank|Orchestra|University|College|Foundation|Institute|Associates|Company|Co)\b").unwrap()
});

/// "I work for X", "a year at X": X is an organisation ("joined X" is not: "joined Priya's
/// team").
static ORG_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:work(?:s|ed|ing)?\s+(?:for|at)|employed\s+(?:by|at)|(?:a|one|two|three|four|five|\d+)\s+(?:years?|months?)\s+at)\s*$").unwrap()
});
/// "Jones, Mitchell and Williams": three coordinated surnames name a firm.
static FIRM_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\p{Lu}[\p{L}'-]+), (\p{Lu}[\p{L}'-]+),? (?:and|&) (\p{Lu}[\p{L}'-]+)\b")
        .unwrap()
});
/// ... unless the text says they are people ("our 3 founders: Eklund, Michael and Hodge").
static PEOPLE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:founders?|co-?founders?|colleagues|friends|children|kids|sons|daughters|brothers|sisters)\b\W+(?:\w+\W+){0,2}$").unwrap()
});

/// True when `start..end` lies inside a firm name made of coordinated surnames: at most one of
/// the three is a given name, and no people cue comes before the list.
fn in_firm_list(text: &str, start: usize, end: usize) -> bool {
    FIRM_LIST.captures_iter(text).any(|caps| {
        let whole = caps.get(0).expect("match");
        let given = (1..=3).filter(|i| FIRST_NAMES.contains(&caps[*i])).count();
        whole.start() <= start
            && end <= whole.end()
            && given <= 1
            && !PEOPLE_BEFORE.is_match(&text[..whole.start()])
    })
}

/// Words right before a name: "my name is", "call me", "my boss", "honestly".
static NAME_CUE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:name\s+is|name's|call(?:s|ed)?\s+me|this\s+is|boss|manager|colleague|co-?worker|cfo|ceo|cto|coo|vp|director|lead|head|rep|honestly|ask|asked|tell|told|thanks|thank\s+you|hi|hello|hey|dear)[\s,:]*$").unwrap()
});

/// "my name is X", "call me X", "everyone calls me X": X (one or two words) is a person.
static INTRODUCED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:(?:my|her|his|their)\s+(?:(?:maiden|last|first|full|middle|real)\s+)?name(?:\s+is|'s)|call\s+me|calls\s+me|called\s+me)\s+([\p{L}][\p{L}'-]*(?:\s+[\p{L}][\p{L}'-]*)?)").unwrap()
});
/// "Dr. Wells", "Ms Okafor": an honorific and a capitalised name.
static HONORIFIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:Dr|Mr|Mrs|Ms|Mx|Prof|Miss)\.?\s+(\p{Lu}[\p{L}'-]+(?:\s+\p{Lu}[\p{L}'-]+)?)")
        .unwrap()
});
/// "our founders: Eklund, Michael and Hodge": a list of people right after "founders" (not
/// "colleagues in Finance, Legal and IT", which names departments).
static PEOPLE_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:founders?|co-?founders?)(?:\s+(?:are|were))?)\s*:?\s+(\p{Lu}[\p{L}'-]+), (\p{Lu}[\p{L}'-]+),? (?:and|&) (\p{Lu}[\p{L}'-]+)").unwrap()
});
/// Words that end an introduced name ("my name is Borna but...").
const NAME_STOP: &[&str] = &[
    "but", "and", "or", "from", "at", "in", "on", "i", "the", "a", "an", "to", "so", "because",
    "by", "with", "for", "is", "was", "here", "there", "please", "now", "too", "as", "of", "when",
    "if", "back", "later", "after", "before", "tomorrow", "today", "anytime", "again", "once",
    "up", "you", "your", "we", "they", "he", "she", "it", "that", "this", "about", "maybe", "any",
    "anything", "whatever", "what", "sometime", "soon", "next", "asap", "then",
];

/// Names that context alone shows are people (introductions, honorifics, lists of founders);
/// `true` marks the contexts strong enough to take an ordinary word ("Dr. White") for a name.
fn context_names(text: &str) -> Vec<(String, bool)> {
    let mut names = vec![];
    for caps in INTRODUCED.captures_iter(text) {
        let words: Vec<&str> = caps[1]
            .split_whitespace()
            .take_while(|w| !NAME_STOP.contains(&w.to_lowercase().as_str()))
            .collect();
        // "call me crazy": after "call me", a lower-case word must be a given name; "my name
        // is ..." is trusted as written.
        let called = caps[0].to_lowercase().contains("call");
        let plausible = words.first().is_some_and(|first| {
            !called || first.starts_with(char::is_uppercase) || lower_case_given_name(first)
        });
        if !words.is_empty() && plausible {
            names.push((words.join(" "), false));
        }
    }
    for caps in HONORIFIC.captures_iter(text) {
        names.push((caps[1].to_string(), true));
    }
    for caps in PEOPLE_LIST.captures_iter(text) {
        names.extend((1..=3).map(|i| (caps[i].to_string(), true)));
    }
    // A contact block or signature ("Priya Raman / Head of AP / +1 555 ...") opens with the
    // person's name: two to four capitalised words on the first line, digits further down.
    let lines: Vec<&str> = text
        .lines()
        .map(|line| {
            line.trim_start_matches(|c: char| {
                matches!(c, '>' | '?' | '-' | '*' | '|') || c.is_whitespace()
            })
        })
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    if lines.len() >= 3 && lines[1..].iter().any(|line| line.chars().any(|c| c.is_ascii_digit())) {
        let words: Vec<&str> = lines[0].split_whitespace().collect();
        let name_like = (2..=4).contains(&words.len())
            && words.iter().all(|word| {
                word.chars().next().is_some_and(char::is_uppercase)
                    && word.chars().all(|c| c.is_alphabetic() || matches!(c, '.' | '\'' | '-'))
            });
        if name_like {
            names.push((lines[0].to_string(), false));
        }
    }
    names
}

/// True when a lower-case word could be a given name ("jen", "marcus").
fn lower_case_given_name(token: &str) -> bool {
    let folded = fold_accents(token);
    let mut chars = folded.chars();
    chars.next().is_some_and(|first| {
        let capitalised: String = first.to_uppercase().chain(chars).collect();
        FIRST_NAMES.contains(capitalised.as_str())
    })
}

/// Product names in CamelCase ("HubSpot", "BigQuery") are not people ("McKenzie" is).
fn is_camel_case(surface: &str) -> bool {
    surface.chars().zip(surface.chars().skip(1)).any(|(a, b)| a.is_lowercase() && b.is_uppercase())
        && !surface.starts_with("Mc")
        && !surface.starts_with("Mac")
}

impl Learned {
    fn rebuild(&mut self) {
        let mut forms = self.forms.clone();
        forms.sort_by_key(|form| std::cmp::Reverse(form.0.len()));
        let patterns: Vec<String> = forms.iter().map(|(form, _)| term_pattern(form)).collect();
        self.matcher = alternation(&patterns);
    }
}

/// A buyer naming their own organisation: "we're X", "here at X", "team at X", "X is a ...".
static SELF_REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    let name = r"\p{Lu}[\p{L}'’-]+(?:(?: &| and)? \p{Lu}[\p{L}'’-]+){0,2}";
    Regex::new(&format!(
        r"(?:\b(?:[Ww]e(?:'re|’re| are)|[Hh]ere at|team at|[Ww]ork(?:s|ed)? (?:at|for)|[Jj]oined|(?:^|[.!?] )At) (?P<a>{name}))|(?:(?:^|[.!?] )(?P<b>{name}) (?:is an?|sells|makes|builds|provides|runs|was founded)\b)"
    ))
    .expect("static regex")
});

/// Words that open a sentence before a name ("So Healthbridge is a telehealth company").
const DISCOURSE_OPENERS: [&str; 12] = [
    "So ",
    "Well ",
    "And ",
    "But ",
    "Yeah ",
    "Okay ",
    "OK ",
    "Basically ",
    "Honestly ",
    "Now ",
    "Anyway ",
    "Actually ",
];

/// Calendar words the tagger sometimes takes for given names.
const CALENDAR_WORDS: [&str; 19] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Forms learned from the tagger while redacting a deal, with their compiled matcher.
#[derive(Debug, Default)]
struct Learned {
    forms: Vec<(String, String)>,
    matcher: Option<Regex>,
    /// Texts already read by the tagger (it is the slow part; each text is read once).
    read: HashSet<String>,
}

impl Learned {
    /// Remembers forms under a placeholder (forms already known keep their first placeholder).
    fn add(&mut self, forms: Vec<String>, placeholder: &str) {
        for form in forms {
            if !self.forms.iter().any(|(known, _)| known.eq_ignore_ascii_case(&form)) {
                self.forms.push((form, placeholder.to_string()));
            }
        }
    }
}

/// The forms a person found in the text is matched by: the whole name, and each word of three or
/// more letters that is not an ordinary word. Words lose their punctuation: a span the tagger
/// ran across a full stop ("price. Casper") must not teach "price." as a name.
fn person_forms(name: &str) -> Vec<String> {
    let mut forms = vec![name.to_string()];
    forms.extend(
        name.split_whitespace()
            .map(|token| token.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|token| token.chars().count() >= 3 && *token != name)
            .filter(|token| !COMMON_WORDS.contains(token.to_lowercase().as_str()))
            .map(String::from),
    );
    forms
}

struct FormBuilder {
    forms: Vec<(String, String)>,
}

impl FormBuilder {
    fn person(&mut self, name: &str, placeholder: &str) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let tokens: Vec<&str> = name.split_whitespace().collect();
        self.add(name, placeholder);
        if tokens.len() >= 2 {
            self.add(tokens[0], placeholder);
            if tokens.len() >= 3 {
                self.add(&tokens[..2].join(" "), placeholder);
                let particle_start =
                    tokens.iter().position(|t| t.chars().next().is_some_and(char::is_lowercase));
                if let Some(start) = particle_start.filter(|&start| start > 0) {
                    self.add(&tokens[start..].join(" "), placeholder);
                }
            }
            let last = tokens[tokens.len() - 1];
            if last.chars().filter(|c| c.is_alphabetic()).count() >= 3 {
                self.add(last, placeholder);
            }
        }
    }

    fn account(&mut self, name: &str, placeholder: &str) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        self.add(name, placeholder);
        let mut tokens: Vec<&str> = name.split_whitespace().collect();
        while tokens.last().is_some_and(|t| ACCOUNT_SUFFIXES.contains(&t.to_lowercase().as_str())) {
            tokens.pop();
        }
        for end in 1..=tokens.len() {
            let prefix = tokens[..end].join(" ");
            let last = tokens[end - 1];
            if last == "&" || last.eq_ignore_ascii_case("and") || last.eq_ignore_ascii_case("the") {
                continue;
            }
            if prefix.chars().filter(|c| c.is_alphanumeric()).count() >= 3 {
                self.add(&prefix, placeholder);
            }
        }
        // Glued forms used in speech and domains: "Parcel & Pine" -> "ParcelPine" is rare; skip.
    }

    fn add(&mut self, form: &str, placeholder: &str) {
        let form = form.trim().trim_end_matches(',');
        if form.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
            return;
        }
        for variant in [form.to_string(), fold_accents(form)] {
            if !self.forms.iter().any(|(known, _)| *known == variant) {
                self.forms.push((variant, placeholder.to_string()));
            }
        }
    }
}

impl Anonymizer {
    /// Builds the anonymizer of one deal. Names that equal a competitor name or alias are kept.
    pub fn new(parties: &KnownParties<'_>, aliases: &Aliases) -> Anonymizer {
        let protected: HashSet<String> =
            aliases.every_form().into_iter().map(normalize_name).collect();
        let mut builder = FormBuilder { forms: vec![] };
        let mut speakers = BTreeMap::new();
        let mut colleague_count = 0;
        let mut next_colleague = || {
            colleague_count += 1;
            format!("[COLLEAGUE {colleague_count}]")
        };
        let mut people: Vec<(String, String)> = vec![];
        let mut contact_placeholders: Vec<(String, String)> = vec![];
        for (index, contact) in parties.contacts.iter().enumerate() {
            let placeholder = if index == 0 { "[BUYER]".to_string() } else { next_colleague() };
            builder.person(contact, &placeholder);
            people.push((placeholder.clone(), contact.clone()));
            contact_placeholders.push((contact.clone(), placeholder));
        }
        for interviewer in &parties.interviewers {
            builder.person(interviewer, "[INTERVIEWER]");
            people.push(("[INTERVIEWER]".to_string(), interviewer.to_string()));
        }
        builder.person(parties.rep, "[REP]");
        if !parties.rep.trim().is_empty() {
            people.push(("[REP]".to_string(), parties.rep.to_string()));
        }
        for account in &parties.accounts {
            builder.account(account, "[ACCOUNT]");
        }
        for label in &parties.interviewer_speakers {
            if !is_role_label(label) {
                builder.person(label, "[INTERVIEWER]");
            }
            speakers.insert(label.to_string(), "[INTERVIEWER]".to_string());
        }
        let mut buyer_seen = !parties.contacts.is_empty();
        for label in &parties.buyer_speakers {
            if is_role_label(label) {
                continue;
            }
            let known = contact_placeholders.iter().find(|(name, _)| same_person(label, name));
            let placeholder = match known {
                Some((_, placeholder)) => placeholder.clone(),
                None if !buyer_seen => {
                    buyer_seen = true;
                    "[BUYER]".to_string()
                }
                None => next_colleague(),
            };
            builder.person(label, &placeholder);
            if known.is_none() {
                people.push((placeholder.clone(), label.to_string()));
            }
            speakers.insert(label.to_string(), placeholder);
        }

        let mut forms = builder.forms;
        forms.retain(|(form, _)| !protected.contains(&normalize_name(form)));
        forms.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let mut insensitive = HashMap::new();
        let mut sensitive = HashMap::new();
        let mut alternatives = vec![];
        for (form, placeholder) in &forms {
            if is_common_form(form) {
                sensitive.insert(form.clone(), placeholder.clone());
            } else {
                insensitive.entry(form.to_lowercase()).or_insert_with(|| placeholder.clone());
            }
            alternatives.push(term_pattern(form));
        }
        let names = alternation(&alternatives);
        let pii_terms = forms.iter().map(|(form, _)| form.clone()).collect();
        Anonymizer {
            names,
            insensitive,
            sensitive,
            speakers,
            pii_terms,
            protected,
            vocabulary: parties.vocabulary.cloned().unwrap_or_default(),
            discovered: std::sync::Mutex::new(vec![]),
            colleagues: colleague_count,
            people,
            counts: std::sync::Mutex::new(BTreeMap::new()),
            ner: parties.ner.clone(),
            learned: std::sync::Mutex::new(Learned::default()),
            corpus_terms: parties.corpus_terms.cloned().unwrap_or_default(),
        }
    }

    /// Returns the placeholder of a person's speaker label, if the label names a person.
    pub fn speaker_placeholder(&self, label: &str) -> Option<&str> {
        self.speakers.get(label).map(String::as_str)
    }

    /// Every identifying string known for the deal (names, accounts, their short forms), plus
    /// the names the gazetteer found so far.
    pub fn pii_terms(&self) -> Vec<String> {
        let mut terms = self.pii_terms.clone();
        if let Ok(discovered) = self.discovered.lock() {
            terms.extend(discovered.iter().map(|(name, _)| name.clone()));
        }
        terms
    }

    /// Known and discovered people with their placeholder in this deal.
    pub fn people(&self) -> Vec<(String, String)> {
        let mut people = self.people.clone();
        if let Ok(discovered) = self.discovered.lock() {
            people.extend(
                discovered.iter().map(|(name, placeholder)| (placeholder.clone(), name.clone())),
            );
        }
        people
    }

    /// Redactions made so far, by kind (`BUYER`, `COLLEAGUE`, `EMAIL`, ...).
    pub fn redaction_counts(&self) -> BTreeMap<String, usize> {
        self.counts.lock().map(|counts| counts.clone()).unwrap_or_default()
    }

    /// Replaces given names nobody listed (gazetteer) by a consistent colleague placeholder.
    fn redact_unlisted_names(&self, text: &str) -> String {
        let Ok(mut discovered) = self.discovered.lock() else { return text.to_string() };
        CAPITALISED_WORD
            .replace_all(text, |caps: &regex::Captures<'_>| {
                let word = &caps[0];
                let base = word.split(['\'', '’']).next().unwrap_or(word);
                let lower = base.to_lowercase();
                let is_name = FIRST_NAMES.contains(fold_accents(base).as_str())
                    && !self.vocabulary.contains(&lower)
                    && !self.corpus_terms.common.contains(&lower)
                    && !CALENDAR_WORDS.contains(&lower.as_str())
                    && !PLACE_WORDS.contains(&lower.as_str())
                    && !CITIES.contains(&base)
                    && !self.looks_protected(base)
                    && !COMMON_WORDS.contains(lower.as_str())
                    && !self.protected.contains(&normalize_name(base));
                if !is_name {
                    return word.to_string();
                }
                let placeholder = match discovered.iter().find(|(name, _)| name == base) {
                    Some((_, placeholder)) => placeholder.clone(),
                    None => {
                        let number = self.colleagues + discovered.len() + 1;
                        let placeholder = format!("[COLLEAGUE {number}]");
                        discovered.push((base.to_string(), placeholder.clone()));
                        placeholder
                    }
                };
                format!("{placeholder}{}", &word[base.len()..])
            })
            .into_owned()
    }

    /// Replaces every identifying string of `text` by its placeholder.
    pub fn redact(&self, text: &str) -> String {
        let redacted = self.redact_uncounted(text);
        let before = count_placeholders(text);
        if let Ok(mut counts) = self.counts.lock() {
            for (kind, after) in count_placeholders(&redacted) {
                *counts.entry(kind.clone()).or_insert(0) +=
                    after.saturating_sub(before.get(&kind).copied().unwrap_or(0));
            }
        }
        redacted
    }

    /// Runs the tagger on a text and remembers what it found, so that every later mention in
    /// the deal gets the same placeholder even where the tagger misses it.
    /// Reads texts with the tagger before any redaction, so that a name the tagger only
    /// recognises late in the interview is redacted in earlier turns too.
    pub fn learn_from<'t>(&self, texts: impl IntoIterator<Item = &'t str>) {
        for text in texts {
            self.learn(text);
        }
    }

    fn learn(&self, text: &str) {
        let Ok(mut learned) = self.learned.lock() else { return };
        if !learned.read.insert(text.to_string()) {
            return;
        }
        drop(learned);
        self.learn_entities(text);
        self.learn_context_names(text);
        let accounts = self.self_references(text);
        let Ok(mut learned) = self.learned.lock() else { return };
        let before = learned.forms.len();
        for form in accounts {
            // A name the tagger already took for a person stays a person.
            let known = form
                .split_whitespace()
                .any(|word| learned.forms.iter().any(|(f, _)| f.eq_ignore_ascii_case(word)));
            if !known && !learned.forms.iter().any(|(f, _)| f.eq_ignore_ascii_case(&form)) {
                learned.forms.push((form, "[ACCOUNT]".to_string()));
            }
        }
        if learned.forms.len() != before {
            learned.rebuild();
        }
    }

    /// Learns the people that context shows (see [`context_names`]), tagger or not.
    fn learn_context_names(&self, text: &str) {
        // Ordinary words learned here are matched case-sensitively (see `term_pattern`), so
        // "Dr. White" does not turn "white paper" into a placeholder.
        let found: Vec<String> = context_names(text)
            .into_iter()
            .filter(|(name, strong)| {
                let lower = name.to_lowercase();
                name.chars().filter(|c| c.is_alphabetic()).count() >= 2
                    && !self.looks_protected(name)
                    && !name.split_whitespace().any(|token| self.looks_protected(token))
                    && (*strong || !COMMON_WORDS.contains(lower.as_str()))
                    && !CALENDAR_WORDS.contains(&lower.as_str())
            })
            .map(|(name, _)| name)
            .collect();
        if found.is_empty() {
            return;
        }
        let placeholders: Vec<(String, String)> =
            found.into_iter().map(|name| (self.person_placeholder(&name), name)).collect();
        let Ok(mut learned) = self.learned.lock() else { return };
        let before = learned.forms.len();
        for (placeholder, name) in placeholders {
            learned.add(person_forms(&name), &placeholder);
        }
        if learned.forms.len() != before {
            learned.rebuild();
        }
    }

    fn learn_entities(&self, text: &str) {
        let Some(model) = &self.ner else { return };
        let entities = match model.detect(text) {
            Ok(entities) => entities,
            Err(err) => {
                tracing::warn!(error = %err, "pii tagger failed; falling back to rules for this text");
                return;
            }
        };
        let Ok(mut learned) = self.learned.lock() else { return };
        let before = learned.forms.len();
        for entity in entities {
            let surface =
                text[entity.start..entity.end].trim_matches(|c: char| !c.is_alphanumeric());
            let surface = surface
                .strip_suffix("'s")
                .or_else(|| surface.strip_suffix("’s"))
                .unwrap_or(surface);
            if surface.chars().filter(|c| c.is_alphanumeric()).count() < 2
                || self.looks_protected(surface)
                || surface.split_whitespace().any(|token| self.looks_protected(token))
                || surface.starts_with('[')
            {
                continue;
            }
            // A name never spans lines or holds digits ("721\n ASKIM\n Sweden" is an address).
            let surface = surface.lines().next().unwrap_or(surface).trim();
            if entity.kind == ner::EntityKind::Person
                && (surface.chars().any(|c| c.is_ascii_digit())
                    || surface.chars().filter(|c| c.is_alphanumeric()).count() < 2)
            {
                continue;
            }
            let lower = surface.to_lowercase();
            // The tagger reads context, so a lower-case name ("my boss jen") is trusted unless it
            // is a known ordinary word; the corpus vocabulary only guards cities.
            let in_vocabulary =
                entity.kind != ner::EntityKind::Person && self.vocabulary.contains(&lower);
            let ordinary_word = (!surface.contains(' ')
                && (COMMON_WORDS.contains(lower.as_str()) || in_vocabulary)
                && !surface.starts_with(char::is_uppercase))
                || CALENDAR_WORDS.contains(&lower.as_str())
                || (entity.kind == ner::EntityKind::Person
                    && (PLACE_WORDS.contains(&lower.as_str())
                        || (COUNTRIES.contains(lower.as_str()) && !lower_case_given_name(surface))
                        || TITLE_WORDS.contains(&lower.as_str())
                        || is_camel_case(surface)))
                // A lower-case one-word "name" must be a given name or follow a name cue ("my
                // boss", "call me"): the tagger also fires on ordinary words ("killers",
                // "satanic") in sloppy text.
                || (entity.kind == ner::EntityKind::Person
                    && !surface.contains(' ')
                    && !surface.chars().any(char::is_uppercase)
                    && !lower_case_given_name(surface)
                    && !NAME_CUE_BEFORE.is_match(&text[..entity.start]))
                || self.corpus_terms.common.contains(&lower);
            // "Price. I mean, it was price.": a one-word sentence (or a sentence opener followed
            // by a comma) that the speaker also says in lower case is not a name, however the
            // tagger reads it.
            let sentence_word =
                entity.kind == ner::EntityKind::Person && !surface.contains(' ') && {
                    let start = text[entity.start..]
                        .find(surface)
                        .map_or(entity.start, |o| entity.start + o);
                    let before = text[..start].trim_end();
                    let opens = before.is_empty()
                        || before.ends_with(['.', '!', '?', ':', '\n', '"', '\u{201c}']);
                    let closes =
                        text[start + surface.len()..].starts_with(['.', ',', '!', '?', ';']);
                    opens && closes && contains_word(text, &lower)
                };
            let placeholder = match entity.kind {
                ner::EntityKind::Person if ordinary_word || sentence_word => continue,
                ner::EntityKind::Person
                    if ORG_AFTER.is_match(&text[entity.end..])
                        || ORG_BEFORE.is_match(&text[..entity.start])
                        || in_firm_list(text, entity.start, entity.end) =>
                {
                    "[ACCOUNT]".to_string()
                }
                ner::EntityKind::Person => self.person_placeholder(surface),
                ner::EntityKind::City => {
                    if HOSTING_CONTEXT.is_match(&text[..entity.start]) || ordinary_word {
                        continue;
                    }
                    "[CITY]".to_string()
                }
                ner::EntityKind::Address => "[ADDRESS]".to_string(),
                ner::EntityKind::Email => "[EMAIL]".to_string(),
                ner::EntityKind::Phone => "[PHONE]".to_string(),
                ner::EntityKind::Url => "[URL]".to_string(),
                ner::EntityKind::Identifier => "[ID]".to_string(),
            };
            let forms = if entity.kind == ner::EntityKind::Person {
                person_forms(surface)
            } else {
                vec![surface.to_string()]
            };
            learned.add(forms, &placeholder);
        }
        if learned.forms.len() != before {
            learned.rebuild();
        }
    }

    /// Names a buyer uses for their own organisation ("we're Parcel & Pine", "Harbourgate is a
    /// mid-sized bank", "our data team at Orbitask"), seen in no other interview of the batch:
    /// tools and vendors come up in several interviews, one buyer's company in one.
    fn self_references(&self, text: &str) -> Vec<String> {
        let mut found = vec![];
        for caps in SELF_REFERENCE.captures_iter(text) {
            let Some(name) = caps.name("a").or_else(|| caps.name("b")) else { continue };
            // "So Healthbridge is a ...": a sentence's opening filler is not part of the name.
            let name = name.as_str().trim();
            let name = DISCOURSE_OPENERS
                .iter()
                .find_map(|opener| {
                    name.strip_prefix(opener)
                        .map(|rest| rest.trim_start_matches(',').trim_start())
                        .filter(|rest| rest.starts_with(char::is_uppercase))
                })
                .unwrap_or(name);
            let words: Vec<&str> = name
                .split_whitespace()
                .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
                .collect();
            // "Parcel & Pine": ordinary words joined by "&" make a company name.
            let joined = name.contains(" & ") && words.len() >= 2;
            let private = words.iter().all(|word| {
                let lower = word.to_lowercase();
                !self.corpus_terms.shared.contains(&lower)
                    && !self.vocabulary.contains(&lower)
                    && !CALENDAR_WORDS.contains(&lower.as_str())
                    && !PLACE_WORDS.contains(&lower.as_str())
                    && !self.looks_protected(word)
            }) && (joined
                || !words.iter().all(|word| COMMON_WORDS.contains(word.to_lowercase().as_str())));
            if words.is_empty()
                || !private
                || self.people.iter().any(|(_, person)| same_person(name, person))
            {
                continue;
            }
            found.push(name.to_string());
            if let Some(first) =
                words.first().filter(|first| first.chars().count() >= 4 && words.len() > 1)
            {
                found.push(first.to_string());
            }
        }
        found
    }

    /// True for a competitor or allowed name, or a misspelling of one ("Amplify" for
    /// "Amplifly"): buyers misspell competitors, and those must stay searchable.
    fn looks_protected(&self, surface: &str) -> bool {
        let key = normalize_name(surface);
        self.protected.iter().any(|protected| {
            let tolerance = match protected.chars().count().min(key.chars().count()) {
                0..=4 => 0,
                5..=7 => 1,
                _ => 2,
            };
            edit_distance(protected, &key) <= tolerance
        })
    }

    /// The placeholder of a person found by the tagger: a known person's, a person found
    /// earlier in the deal, or the next colleague number.
    fn person_placeholder(&self, surface: &str) -> String {
        if let Some((placeholder, _)) =
            self.people.iter().find(|(_, name)| same_person(surface, name))
        {
            return placeholder.clone();
        }
        let Ok(mut discovered) = self.discovered.lock() else { return "[NAME]".to_string() };
        if let Some((_, placeholder)) =
            discovered.iter().find(|(name, _)| same_person(surface, name))
        {
            return placeholder.clone();
        }
        let placeholder = format!("[COLLEAGUE {}]", self.colleagues + discovered.len() + 1);
        discovered.push((surface.to_string(), placeholder.clone()));
        placeholder
    }

    fn redact_learned(&self, text: &str) -> String {
        let Ok(learned) = self.learned.lock() else { return text.to_string() };
        let Some(matcher) = &learned.matcher else { return text.to_string() };
        matcher
            .replace_all(text, |caps: &regex::Captures<'_>| {
                let found = caps[0].to_lowercase();
                learned
                    .forms
                    .iter()
                    .find(|(form, _)| {
                        form.to_lowercase() == found
                            || fold_accents(form).to_lowercase() == fold_accents(&found)
                    })
                    .map_or_else(|| "[NAME]".to_string(), |(_, placeholder)| placeholder.clone())
            })
            .into_owned()
    }

    fn redact_uncounted(&self, text: &str) -> String {
        self.learn(text);
        let text = EMAIL.replace_all(text, "[EMAIL]");
        let text = SPOKEN_EMAIL.replace_all(&text, "[EMAIL]");
        let text = URL.replace_all(&text, "[URL]");
        let text = IDENTIFIER.replace_all(&text, |caps: &regex::Captures<'_>| {
            let found = caps.get(0).expect("whole match");
            // "03.93.92.16.85" is a phone, not an IP address followed by ".85".
            let continues = text[found.end()..].starts_with('.')
                && text[found.end()..].chars().nth(1).is_some_and(|c| c.is_ascii_digit());
            if continues { found.as_str().to_string() } else { "[ID]".to_string() }
        });
        let mut phoned = String::with_capacity(text.len());
        let mut last = 0;
        for found in PHONE.find_iter(&text) {
            let candidate = found.as_str();
            let before = &text[..found.start()];
            let glued = before.chars().last().is_some_and(|c| c.is_alphanumeric() || c == '$');
            phoned.push_str(&text[last..found.start()]);
            let cue = PHONE_CUE.is_match(before) || PHONE_CUE_AFTER.is_match(&text[found.end()..]);
            if !glued && is_phone(candidate, cue) {
                phoned.push_str("[PHONE]");
            } else {
                phoned.push_str(candidate);
            }
            last = found.end();
        }
        phoned.push_str(&text[last..]);
        let text = phoned;
        let text = match &self.names {
            Some(names) => names
                .replace_all(&text, |caps: &regex::Captures<'_>| {
                    let found = &caps[0];
                    let normalized = fold_accents(found).replace('’', "'");
                    self.sensitive
                        .get(found)
                        .or_else(|| self.insensitive.get(&found.to_lowercase()))
                        .or_else(|| self.insensitive.get(&normalized.to_lowercase()))
                        .cloned()
                        .unwrap_or_else(|| "[NAME]".to_string())
                })
                .into_owned(),
            None => text,
        };
        let text = self.redact_learned(&text);
        let text = self.redact_unlisted_names(&text);
        self.redact_cities(&text)
    }

    fn redact_cities(&self, text: &str) -> String {
        CITY_PATTERN
            .replace_all(text, |caps: &regex::Captures<'_>| {
                let found = caps.get(0).expect("whole match");
                let keep = self.protected.contains(&normalize_name(found.as_str()))
                    || HOSTING_CONTEXT.is_match(&text[..found.start()]);
                if keep { found.as_str().to_string() } else { "[CITY]".to_string() }
            })
            .into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_shows_people_the_tagger_may_miss() {
        let names = |text: &str| -> Vec<String> {
            context_names(text).into_iter().map(|(name, _)| name).collect()
        };
        // "borna" after "calls me" is not a census given name, but the full name's forms
        // (learned from "my name is") cover it.
        assert_eq!(
            names("hi, my name is borna jerkovic but everyone calls me borna"),
            ["borna jerkovic"]
        );
        assert_eq!(names("Her maiden name is LeBlanc"), ["LeBlanc"]);
        assert_eq!(names("call me when you're back"), Vec::<String>::new());
        assert_eq!(names("call me crazy, but it worked"), Vec::<String>::new());
        assert_eq!(names("everyone calls me jen"), ["jen"]);
        assert_eq!(names("I spoke to Dr. White yesterday"), ["White"]);
        assert_eq!(
            names("our 3 founders: Eklund, Moreau and Hodge."),
            ["Eklund", "Moreau", "Hodge"]
        );
        assert_eq!(
            names("Priya Raman\nHead of Accounts Payable\n+1 555 0100\n12 Harbour Street"),
            ["Priya Raman"]
        );
        assert!(names("Thanks for joining.\nWe met in 2021.\nIt went fine.").is_empty());
        assert!(names("our colleagues in Finance, Legal and IT signed off").is_empty());
    }

    #[test]
    fn firms_of_surnames_are_organisations_unless_called_people() {
        let text = "She spent a year at Jones, Pemberton and Whitlock as an analyst.";
        let start = text.find("Pemberton").unwrap();
        assert!(in_firm_list(text, start, start + "Pemberton".len()));
        let founders = "our founders: Jones, Pemberton and Whitlock.";
        let start = founders.find("Pemberton").unwrap();
        assert!(!in_firm_list(founders, start, start + 9));
        let friends = "We met Dana, Priya and Sam at the offsite.";
        let start = friends.find("Priya").unwrap();
        assert!(!in_firm_list(friends, start, start + 5), "given names are people");
        assert!(ORG_BEFORE.is_match("I work for "));
        assert!(ORG_BEFORE.is_match("after two years at "));
        assert!(!ORG_BEFORE.is_match("I joined "));
        assert!(!ORG_BEFORE.is_match("I work with "));
        assert!(lower_case_given_name("jen") && !lower_case_given_name("killers"));
    }

    fn anonymizer() -> Anonymizer {
        let contacts =
            vec!["Priya Raman".to_string(), "Callum Hadley".to_string(), "Tomás Reyes".to_string()];
        let parties = KnownParties {
            contacts: &contacts,
            rep: "Marcus Feld",
            interviewers: vec!["Dana Whitfield"],
            accounts: vec!["Northwind Freight Ltd"],
            buyer_speakers: vec!["Priya Raman", "Wei Ling Tan"],
            interviewer_speakers: vec!["Dana Whitfield"],
            vocabulary: None,
            ner: None,
            corpus_terms: None,
        };
        let mut aliases = Aliases::default();
        aliases.add_canonical("Heapster");
        aliases.add_alias("Heapster", "the Heap folks");
        Anonymizer::new(&parties, &aliases)
    }

    #[test]
    fn a_buyers_own_company_nobody_listed_becomes_account() {
        let a = anonymizer();
        a.learn_from([
            "So, we're Parcel & Pine, home goods, mostly online.",
            "So Brightwell is a telehealth company. Video visits, prescriptions.",
            "I'm the CFO, and at Parcel & Pine finance reconciles everything.",
        ]);
        let out = a.redact("At Parcel & Pine and at Brightwell we reconcile. A pine table.");
        assert_eq!(out, "At [ACCOUNT] and at [ACCOUNT] we reconcile. A pine table.");
    }

    #[test]
    fn people_and_accounts_get_consistent_placeholders() {
        let a = anonymizer();
        assert_eq!(
            a.redact("Priya said Callum's team at Northwind liked Heapster, and Marcus was great."),
            "[BUYER] said [COLLEAGUE 1]'s team at [ACCOUNT] liked Heapster, and [REP] was great."
        );
        assert_eq!(
            a.redact("Raman and callum hadley, Tomas too."),
            "[BUYER] and [COLLEAGUE 1], [COLLEAGUE 2] too."
        );
        assert_eq!(a.redact("Wei Ling and Tan"), "[COLLEAGUE 3] and [COLLEAGUE 3]");
        assert_eq!(a.speaker_placeholder("Wei Ling Tan"), Some("[COLLEAGUE 3]"));
        let counts = a.redaction_counts();
        assert_eq!(counts["BUYER"], 2);
        assert_eq!(counts["COLLEAGUE"], 5);
        assert!(a.people().contains(&("[COLLEAGUE 3]".to_string(), "Wei Ling Tan".to_string())));
        assert_eq!(
            a.redact("Dana asked about Northwind Freight."),
            "[INTERVIEWER] asked about [ACCOUNT]."
        );
    }

    #[test]
    fn unlisted_given_names_become_consistent_colleagues() {
        let vocabulary: HashSet<String> = ["will", "may"].map(String::from).into();
        let contacts = vec!["Priya Raman".to_string()];
        let parties = KnownParties {
            contacts: &contacts,
            vocabulary: Some(&vocabulary),
            ..KnownParties::default()
        };
        let a = Anonymizer::new(&parties, &Aliases::default());
        assert_eq!(
            a.redact("We started with a saleswoman, Valeria, in May. Valeria's quote was fine. Will said so."),
            "We started with a saleswoman, [COLLEAGUE 1], in May. [COLLEAGUE 1]'s quote was fine. Will said so."
        );
        assert_eq!(a.redact("Then Jerome joined."), "Then [COLLEAGUE 2] joined.");
        assert!(a.pii_terms().contains(&"Valeria".to_string()));
    }

    #[test]
    fn misspelled_competitors_and_calendar_words_are_not_people() {
        let mut aliases = Aliases::default();
        aliases.add_canonical("Amplifly");
        let contacts = vec!["Priya Raman".to_string()];
        let parties = KnownParties { contacts: &contacts, ..KnownParties::default() };
        let a = Anonymizer::new(&parties, &aliases);
        assert!(
            a.looks_protected("Amplify")
                && a.looks_protected("amplifly")
                && !a.looks_protected("Valeria")
        );
        assert_eq!(
            a.redact("September and January are huge, Valeria said."),
            "September and January are huge, [COLLEAGUE 1] said."
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn guard_catches_what_slipped_through() {
        let mut guard = PiiGuard::default();
        let mut aliases = Aliases::default();
        aliases.add_canonical("Heapster");
        guard.set_deal(
            "D-1",
            &["Priya Raman".into(), "Priya".into(), "Heapster".into(), "Will".into()],
            &aliases,
        );
        assert_eq!(
            guard.scrub("D-1", "q", "text", "ask priya about Heapster, we will"),
            "ask [REDACTED] about Heapster, we will"
        );
        assert_eq!(guard.scrub("D-2", "q", "text", "ask Priya"), "ask Priya");
    }

    #[test]
    fn contact_details_and_cities() {
        let a = anonymizer();
        assert_eq!(
            a.redact("mail priya.r@northwind.com or call +44 20 7946 0958"),
            "mail [EMAIL] or call [PHONE]"
        );
        assert_eq!(a.redact("it's priya dot r at northwind dot com"), "it's [EMAIL]");
        assert_eq!(a.redact("ring (312) 555-0147 or 617-555-0143"), "ring [PHONE] or [PHONE]");
        assert_eq!(a.redact("my line is +33 1 84 88 42 17."), "my line is [PHONE].");
        assert_eq!(a.redact("APO AA 61487\n416 60 039 office"), "APO AA 61487\n[PHONE] office");
        assert_eq!(
            a.redact("call me on 01.84.17.61.18? SSN 460-89-9847, ip 10.1.2.3"),
            "call me on [PHONE]? SSN [ID], ip [ID]"
        );
        assert_eq!(a.redact("see https://example.org/x."), "see [URL].");
        assert_eq!(
            a.redact("our Rotterdam office, EU hosting in Frankfurt"),
            "our [CITY] office, EU hosting in Frankfurt"
        );
        assert_eq!(
            a.redact("we paid 18500 in 2025-11-07, 16 to 26 weeks"),
            "we paid 18500 in 2025-11-07, 16 to 26 weeks"
        );
    }

    #[test]
    fn ordinary_words_and_competitors_survive() {
        let contacts = vec!["Will Grant".to_string()];
        let parties = KnownParties {
            contacts: &contacts,
            accounts: vec!["Heapster Labs"],
            ..KnownParties::default()
        };
        let mut aliases = Aliases::default();
        aliases.add_canonical("Heapster");
        let a = Anonymizer::new(&parties, &aliases);
        assert_eq!(
            a.redact("Will said we will apply for a grant, Grant agreed."),
            "[BUYER] said we will apply for a grant, [BUYER] agreed."
        );
        assert_eq!(a.redact("Heapster was cheaper"), "Heapster was cheaper");
        assert!(
            is_role_label("Project Manager")
                && is_role_label("Grad B")
                && !is_role_label("Kayla Moreno")
        );
    }
}

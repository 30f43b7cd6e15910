//! Anonymization: every person, the buyer's organisation, places and contact details become
//! consistent placeholders before anything is indexed or stored for serving; competitor names
//! stay searchable.
//!
//! One [`Anonymizer`] is built per deal. It is a pipeline of recognizers, each a small module
//! with one job, run in a fixed order (like Presidio's recognizer registry, and a spaCy
//! pipeline whose later components see what earlier ones decided):
//!
//! | order | module | finds |
//! |---|---|---|
//! | 0 | [`protect`] | what is never redacted: competitors, aliases, misspellings, the allow-list |
//! | 1 | [`crm`] | the CRM's people and account, in every form they are said |
//! | 2 | [`tagged`] over [`ner`] | people, cities, addresses the PII tagger finds, checked for ordinary words |
//! | 3 | [`people`], [`gazetteer`] | people that context shows (introductions, honorifics, signatures, roles), and given names and surnames nobody listed said where a name stands |
//! | 4 | [`orgs`] | the buyer's organisation in the frames people use for it |
//! | 5 | [`places`] | towns after location cues; major cities anywhere |
//! | 6 | [`contact`] | emails (written and spoken), phones, URLs, identifiers |
//! | 7 | [`pseudonyms`] | one placeholder per person across the deal |
//! | 8 | [`guard`] | the last check of every response against the CRM terms |
//!
//! Learning reads the whole interview first (steps 2-5 turn findings into name forms of the
//! deal), so a name recognised late is redacted everywhere; redaction then replaces contact
//! details, CRM forms, learned forms, unlisted given names and cities, in that order.

pub mod contact;
pub mod crm;
pub mod erased;
pub mod gazetteer;
pub mod guard;
pub mod lexicon;
pub mod ner;
pub mod orgs;
pub mod people;
pub mod places;
pub mod protect;
pub mod pseudonyms;
pub mod recurring;
pub mod tagged;
pub mod text;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

use regex::Regex;

pub use guard::PiiGuard;
use lexicon::ROLE_WORDS;
pub use protect::Protected;
use pseudonyms::People;
pub use pseudonyms::same_person;
pub use text::{Term, contains_word, edit_distance, fold_accents};
use text::{Terms, name_tokens};

use crate::corpus::Aliases;
use crate::ingest::CorpusTerms;

/// The forms a person's name is written in (full, given name, surnames, initials, nicknames).
pub fn name_forms(name: &str) -> Vec<String> {
    let mut terms = vec![];
    crm::person_terms(name, "", &mut terms);
    terms.into_iter().map(|term| term.form).collect()
}

/// True when a speaker label is a role, not a person's name.
pub fn is_role_label(label: &str) -> bool {
    let tokens = name_tokens(label);
    tokens.is_empty() || tokens.iter().any(|token| ROLE_WORDS.contains(&token.as_str()))
}

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[(BUYER|COLLEAGUE|REP|INTERVIEWER|ACCOUNT|CITY|ADDRESS|EMAIL|PHONE|URL|ID|NAME|HANDLE)(?: \d+)?\]")
        .unwrap()
});

fn count_placeholders(text: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for caps in PLACEHOLDER.captures_iter(text) {
        *counts.entry(caps[1].to_string()).or_insert(0) += 1;
    }
    counts
}

/// What a recognizer found in the text.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// A person's name as written.
    Person(String),
    /// An organisation's name as written.
    Account(String),
    /// Anything else, with its placeholder (`[CITY]`, `[ADDRESS]`, ...).
    Other(String, &'static str),
}

/// What the recognizers of one deal may consult.
#[derive(Debug, Default)]
pub struct Scope {
    /// Never redacted.
    pub protected: Protected,
    /// Words the batch uses in lower case.
    pub vocabulary: HashSet<String>,
    /// Capitalised words common across the batch (the seller, products, tools).
    pub corpus_terms: CorpusTerms,
    /// People of the deal and their placeholders.
    pub people: People,
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
    pub ner: Option<Arc<ner::NerModel>>,
    /// Capitalised words used across much of the corpus (the seller, products): a person of one
    /// deal is not mentioned in half of all interviews.
    pub corpus_terms: Option<&'a CorpusTerms>,
}

/// Forms learned while reading a deal, and the texts already read.
#[derive(Debug, Default)]
struct Learned {
    terms: Terms,
    read: HashSet<String>,
    /// Words of the holidays and festivals the interview names ("Gran Poder"), lower case.
    events: HashSet<String>,
}

/// Per-deal replacement of identifying strings by placeholders.
#[derive(Debug)]
pub struct Anonymizer {
    scope: Scope,
    /// CRM terms and speaker labels, compiled.
    known: Terms,
    /// The same, as listed (for the guard and the private record).
    crm_terms: Vec<Term>,
    /// Speaker label -> placeholder for people.
    speakers: BTreeMap<String, String>,
    /// Redactions made so far, by placeholder kind.
    counts: Mutex<BTreeMap<String, usize>>,
    ner: Option<Arc<ner::NerModel>>,
    learned: Mutex<Learned>,
    /// The interview is written without capitals (raw automatic captions): names and towns
    /// from the lists get their capitals back before any recognizer reads a text.
    caseless: std::sync::atomic::AtomicBool,
}

impl Anonymizer {
    /// Builds the anonymizer of one deal. Names that equal a competitor name or alias are kept.
    pub fn new(parties: &KnownParties<'_>, aliases: &Aliases) -> Anonymizer {
        let protected = Protected::new(aliases);
        let crm::Listed { mut terms, mut people, colleagues } =
            crm::listed(parties.contacts, &parties.interviewers, parties.rep, &parties.accounts);
        let mut speakers = BTreeMap::new();
        let mut colleagues = colleagues;
        let mut next_colleague = || {
            colleagues += 1;
            format!("[COLLEAGUE {colleagues}]")
        };
        for label in &parties.interviewer_speakers {
            if !is_role_label(label) {
                crm::person_terms(label, "[INTERVIEWER]", &mut terms);
            }
            speakers.insert(label.to_string(), "[INTERVIEWER]".to_string());
        }
        let contacts = parties.contacts.len();
        let mut buyer_seen = !parties.contacts.is_empty();
        for label in &parties.buyer_speakers {
            if is_role_label(label) {
                continue;
            }
            let known = people[..contacts].iter().find(|(_, name)| same_person(label, name));
            let placeholder = match known {
                Some((placeholder, _)) => placeholder.clone(),
                None if !buyer_seen => {
                    buyer_seen = true;
                    "[BUYER]".to_string()
                }
                None => next_colleague(),
            };
            crm::person_terms(label, &placeholder, &mut terms);
            if known.is_none() {
                people.push((placeholder.clone(), label.to_string()));
            }
            speakers.insert(label.to_string(), placeholder);
        }
        // People the whole batch names as often as the seller (its rep, without the CRM).
        if let Some(corpus) = parties.corpus_terms {
            for name in &corpus.people {
                if !terms.iter().any(|term| term.form.eq_ignore_ascii_case(name)) {
                    crm::person_terms(name, "[NAME]", &mut terms);
                }
            }
        }
        terms.retain(|term| !protected.contains(&term.form));
        let mut known = Terms::default();
        for term in &terms {
            known.add(&term.form, &term.placeholder, term.case_sensitive);
        }
        known.rebuild();
        Anonymizer {
            scope: Scope {
                protected,
                vocabulary: parties.vocabulary.cloned().unwrap_or_default(),
                corpus_terms: parties.corpus_terms.cloned().unwrap_or_default(),
                people: People::new(people, colleagues),
            },
            known,
            crm_terms: terms,
            speakers,
            counts: Mutex::new(BTreeMap::new()),
            ner: parties.ner.clone(),
            learned: Mutex::new(Learned::default()),
            caseless: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Returns the placeholder of a person's speaker label, if the label names a person.
    pub fn speaker_placeholder(&self, label: &str) -> Option<&str> {
        self.speakers.get(label).map(String::as_str)
    }

    /// The CRM terms of the deal (what the response guard checks).
    pub fn crm_terms(&self) -> &[Term] {
        &self.crm_terms
    }

    /// Every identifying string known for the deal (CRM forms), plus the names found so far.
    pub fn pii_terms(&self) -> Vec<String> {
        let mut terms: Vec<String> = self.crm_terms.iter().map(|term| term.form.clone()).collect();
        terms.extend(self.scope.people.discovered_names());
        terms
    }

    /// Known and discovered people with their placeholder in this deal.
    pub fn people(&self) -> Vec<(String, String)> {
        self.scope.people.all()
    }

    /// Redactions made so far, by kind (`BUYER`, `COLLEAGUE`, `EMAIL`, ...).
    pub fn redaction_counts(&self) -> BTreeMap<String, usize> {
        self.counts.lock().map(|counts| counts.clone()).unwrap_or_default()
    }

    /// Reads texts with every recognizer before any redaction, so that a name recognised late
    /// in the interview is redacted in earlier turns too.
    pub fn learn_from<'t>(&self, texts: impl IntoIterator<Item = &'t str>) {
        self.learn_interview(texts.into_iter().map(|text| (false, vec![text])));
    }

    /// Like [`Anonymizer::learn_from`], turn by turn (each turn's texts, and whether the
    /// interviewer speaks): the first buyer answers are where a company introduces itself
    /// ("X places nurses into hospitals"), and a name the buyer repeats is looked at once the
    /// whole interview is read.
    pub fn learn_interview<'t>(&self, turns: impl IntoIterator<Item = (bool, Vec<&'t str>)>) {
        let turns: Vec<(bool, Vec<&str>)> = turns.into_iter().collect();
        if text::is_caseless(turns.iter().flat_map(|(_, texts)| texts.iter().copied())) {
            self.caseless.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        // Festivals first: a name read before the sentence that shows it is one is not learned.
        for text in turns.iter().flat_map(|(_, texts)| texts) {
            self.learn_events(&self.cased(text));
        }
        let mut buyer_turns = 0;
        let mut buyer_texts: Vec<String> = vec![];
        for (interviewer, texts) in &turns {
            let opening = !interviewer && buyer_turns < 3;
            if !interviewer {
                buyer_turns += 1;
                buyer_texts.extend(texts.iter().map(|text| self.cased(text).into_owned()));
            }
            for text in texts {
                self.learn(text, opening);
            }
        }
        // A list read before one of its towns was learned ("Rancate, Genestrerio, Ligornetto",
        // Rancate named again later after "in"): read the lists again with every town known.
        for text in turns.iter().flat_map(|(_, texts)| texts) {
            self.learn_list_neighbours(&self.cased(text));
        }
        let buyer_texts: Vec<&str> = buyer_texts.iter().map(String::as_str).collect();
        let found = recurring::repeated_names(&self.scope, &buyer_texts, |name| {
            self.known.contains(name) || self.is_learned(name)
        });
        self.remember(found);
        let texts: Vec<String> = turns
            .iter()
            .flat_map(|(_, texts)| texts.iter().map(|text| self.cased(text).into_owned()))
            .collect();
        self.learn_spelling_variants(&texts);
    }

    /// Other spellings of a person's name the deal knows, as transliterations and typists vary
    /// it ("in English sometimes Petrossian" of "Armen Petrosyan"): learned with that person's
    /// placeholder. Only words of five letters or more that are no English word, place, tool
    /// or competitor.
    fn learn_spelling_variants(&self, texts: &[String]) {
        static WORD: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"\b\p{Lu}[\p{L}'’]{4,}\b").expect("static regex"));
        let person = |placeholder: &str| {
            ["[BUYER", "[COLLEAGUE", "[REP", "[INTERVIEWER", "[NAME"]
                .iter()
                .any(|kind| placeholder.starts_with(kind))
        };
        let mut keys: BTreeMap<String, String> = BTreeMap::new();
        {
            let Ok(learned) = self.learned.lock() else { return };
            for term in self.known.iter().chain(learned.terms.iter()) {
                if !person(&term.placeholder) {
                    continue;
                }
                for word in term.form.split_whitespace() {
                    if word.chars().count() >= 5 && word.chars().all(char::is_alphabetic) {
                        keys.entry(text::spelling_key(word))
                            .or_insert_with(|| term.placeholder.clone());
                    }
                }
            }
        }
        if keys.is_empty() {
            return;
        }
        let mut variants: Vec<(String, String)> = vec![];
        for text in texts {
            for word in WORD.find_iter(text).map(|found| found.as_str()) {
                let Some(placeholder) = keys.get(&text::spelling_key(word)) else { continue };
                let lower = word.to_lowercase();
                if self.known.contains(word)
                    || self.is_learned(word)
                    || variants.iter().any(|(known, _)| known == word)
                    || lexicon::is_english_word(&lower)
                    || lexicon::is_calendar_or_place(&lower)
                    || lexicon::is_vendor(word)
                    || places::is_listed_place(word)
                    || self.scope.protected.contains(word)
                    || self.scope.corpus_terms.common.contains(&lower)
                {
                    continue;
                }
                variants.push((word.to_string(), placeholder.clone()));
            }
        }
        if variants.is_empty() {
            return;
        }
        let Ok(mut learned) = self.learned.lock() else { return };
        for (word, placeholder) in variants {
            learned.terms.add(&word, &placeholder, false);
        }
        learned.terms.rebuild();
    }

    fn is_learned(&self, form: &str) -> bool {
        self.learned.lock().is_ok_and(|learned| learned.terms.contains(form))
    }

    /// `text` as the recognizers read it: with the capitals of listed names and towns back in
    /// a caseless interview.
    fn cased<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        if self.caseless.load(std::sync::atomic::Ordering::Relaxed) {
            std::borrow::Cow::Owned(text::restore_capitals(text))
        } else {
            std::borrow::Cow::Borrowed(text)
        }
    }

    fn learn(&self, text: &str, opening: bool) {
        let text = &*self.cased(text);
        {
            let Ok(mut learned) = self.learned.lock() else { return };
            if !learned.read.insert(text.to_string()) {
                return;
            }
        }
        self.learn_events(text);
        let mut found = self.tagged(text);
        found.extend(people::find(&self.scope, text));
        found.extend(gazetteer::gazetteer_names(&self.scope, text));
        // A name read only inside a town ("Trent" of "Stoke-on-Trent") is the town's, and one
        // read only inside a greeting ("Kia" of "Kia ora") names nobody.
        let mut places = places::compound_places(text, &self.scope.protected);
        places.extend(places::dated_towns(text));
        let greets = lexicon::GREETING_PHRASES.is_match(text) || lexicon::EPONYM.is_match(text);
        if !places.is_empty() || greets {
            let rest = lexicon::GREETING_PHRASES.replace_all(text, " ");
            let mut rest = lexicon::EPONYM.replace_all(&rest, " ").into_owned();
            for place in &places {
                rest = rest.replace(place.as_str(), " ");
            }
            found.retain(|finding| match finding {
                Found::Person(name) => rest.contains(name.as_str()),
                _ => true,
            });
        }
        self.remember(found);
        let accounts = orgs::find(&self.scope, text, opening);
        self.remember(accounts);
        // Towns after a location cue, then buildings and neighbourhoods named by their noun.
        let places = places::cued_places(text, &self.scope.protected)
            .into_iter()
            .map(|place| (place, "[CITY]"))
            .chain(
                places::buildings(text, &self.scope.protected)
                    .into_iter()
                    .map(|building| (building, "[ADDRESS]")),
            )
            .filter(|(place, _)| !self.known.contains(place))
            .map(|(place, placeholder)| Found::Other(place, placeholder))
            .collect();
        self.remember(places);
        self.learn_list_neighbours(text);
    }

    /// The other items of a list in `text` that holds a town this deal has learned.
    fn learn_list_neighbours(&self, text: &str) {
        let cities: HashSet<String> = match self.learned.lock() {
            Ok(learned) => learned
                .terms
                .iter()
                .filter(|term| term.placeholder == "[CITY]")
                .map(|term| term.form.to_lowercase())
                .collect(),
            Err(_) => HashSet::new(),
        };
        let neighbours = places::list_neighbours(text, &self.scope.protected, |item| {
            cities.contains(&item.to_lowercase())
        })
        .into_iter()
        .filter(|place| !self.known.contains(place))
        .map(|place| Found::Other(place, "[CITY]"))
        .collect();
        self.remember(neighbours);
    }
}

/// A person finding as a recognizer read it; `None` when it is only honorifics ("Dr", "Mr.":
/// the tagger sometimes splits "Dr. Brenner" in two) or a greeting of another language
/// ("Obrigado"); a place when the name is a listed city or town and in no name list
/// ("Frankfurt", "Dublin" are `[CITY]`, not a colleague; "Salinas" and "Mr. Lennox" stay
/// people).
fn person_name(name: &str) -> Option<Found> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let honorific =
        |w: &str| lexicon::HONORIFICS.contains(&w.trim_end_matches('.').to_lowercase().as_str());
    // "Obrigado", "bonne journée": a greeting of another language names nobody.
    let greeting = |w: &str| lexicon::is_greeting(w.trim_matches(|c: char| !c.is_alphabetic()));
    if words.iter().all(|w| greeting(w)) {
        return None;
    }
    // "Geschäftsführung", "Gemeinderat": a German common noun names nobody.
    if words.len() == 1 && lexicon::is_german_noun(words[0]) {
        return None;
    }
    // "the Mairie", "Leiter Verkauf", "thats": offices, titles and caption contractions.
    let office = |w: &str| {
        lexicon::NOT_NAMES
            .contains(&w.trim_matches(|c: char| !c.is_alphabetic()).to_lowercase().as_str())
    };
    let article = |w: &str| {
        ["la", "le", "les", "il", "el", "the", "lo", "o", "a", "der", "die", "das"]
            .contains(&w.to_lowercase().as_str())
    };
    if words.iter().any(|w| office(w)) && words.iter().all(|w| office(w) || article(w)) {
        return None;
    }
    // "Mummy", "Da": a family word said alone names nobody.
    if words.len() == 1 && lexicon::KINSHIP.contains(&words[0].to_lowercase().as_str()) {
        return None;
    }
    // "la Dottoressa": an article and a title name nobody.
    if words.len() > 1 && words.iter().all(|w| article(w) || honorific(w)) {
        return None;
    }
    // "Bonjour Marie-Ève": a greeting before the name is no more part of it than a title.
    // "So I'm Muthu": the speaker's "I'm" is no part of the name.
    let me = |w: &str| w == "I" || people::is_contraction(w);
    let start = match words.iter().position(|w| !honorific(w) && !greeting(w) && !me(w)) {
        Some(start) => start,
        // "Anh", "Chief": a title that is also a listed given name is a person said alone.
        None if words.len() == 1 && !greeting(words[0]) && lexicon::is_known_name(words[0]) => 0,
        None => return None,
    };
    let rest = words[start..].join(" ");
    // After an honorific it is a person ("Mr. Salinas"); alone, a town that no name list
    // holds is the town.
    if start == 0
        && words.len() == 1
        && places::is_listed_place(&rest)
        && !lexicon::is_given_name(&rest)
        && !lexicon::is_known_name(&rest)
    {
        return Some(Found::Other(rest, "[CITY]"));
    }
    let greetings = words.iter().take_while(|w| greeting(w) || me(w)).count();
    Some(Found::Person(words[greetings..].join(" ")))
}

impl Anonymizer {
    /// A person's name without the words at its ends that are the seller's, a product's or a
    /// competitor's ("brieflane giacomo" of raw captions is "giacomo"): the tagger sometimes
    /// runs a name into the word beside it, and that word must not become a form of theirs.
    fn without_common_ends(&self, name: &str) -> String {
        let common = |w: &str| {
            let bare = w.trim_matches(|c: char| !c.is_alphanumeric());
            self.scope.corpus_terms.common.contains(&bare.to_lowercase())
                || self.scope.protected.contains(bare)
        };
        let words: Vec<&str> = name.split_whitespace().collect();
        let start = words.iter().position(|w| !common(w)).unwrap_or(words.len());
        let end = words.iter().rposition(|w| !common(w)).map_or(start, |i| i + 1);
        if start >= end || (start == 0 && end == words.len()) {
            return name.to_string();
        }
        words[start..end].join(" ")
    }

    /// Turns findings into learned forms of the deal.
    fn remember(&self, found: Vec<Found>) {
        if found.is_empty() {
            return;
        }
        // The bool: matched like an account's words (any English word only with its own case).
        let additions: Vec<(Vec<String>, String, bool)> = found
            .into_iter()
            .filter_map(|finding| match finding {
                Found::Person(name) => person_name(&self.without_common_ends(&name)),
                other => Some(other),
            })
            .map(|finding| match finding {
                Found::Person(name) => {
                    let placeholder = self.scope.people.placeholder_for(&name);
                    (people::person_forms(&name), placeholder, false)
                }
                Found::Account(name) => (orgs::forms(&name), "[ACCOUNT]".to_string(), true),
                Found::Other(text, placeholder) => (vec![text], placeholder.to_string(), true),
            })
            .collect();
        let Ok(mut learned) = self.learned.lock() else { return };
        let before = learned.terms.len();
        // "Gran Poder" of "before Gran Poder, in May" is a festival, not a colleague, even when
        // a word of it is a given name elsewhere ("Jāņi", "Nikola" of "Sveti Nikola"); people
        // the CRM lists are redacted by its terms whatever is learned here.
        let events = std::mem::take(&mut learned.events);
        let festive =
            |form: &str| form.split_whitespace().all(|word| events.contains(&word.to_lowercase()));
        // A form already learned keeps its first placeholder (a name the tagger took for a
        // person stays a person).
        for (forms, placeholder, account) in additions {
            // A country is nobody's name and no account's ("outside Ghana" beside "Ghana
            // Frozen Link"), except a given name that is one ("Jordan").
            let person = placeholder != "[ACCOUNT]" && placeholder != "[CITY]";
            // The seller's or a product's word is no one's town or company ("she moved to
            // Dozaris a year ago").
            // Nor is a tool's ("we use Xero").
            let common = |form: &str| {
                self.scope.corpus_terms.common.contains(&form.to_lowercase())
                    || lexicon::is_vendor(form)
            };
            for form in forms.into_iter().filter(|form| {
                (!lexicon::COUNTRIES.contains(form.to_lowercase().as_str())
                    || (person && lexicon::is_given_name(form)))
                    && !common(form)
                    && (person || !lexicon::is_nationality(&form.to_lowercase()))
                    && !(placeholder != "[ACCOUNT]" && festive(form))
            }) {
                let case_sensitive = crm::case_sensitive(&form, account);
                learned.terms.add(&form, &placeholder, case_sensitive);
            }
        }
        learned.events = events;
        if learned.terms.len() != before {
            learned.terms.rebuild();
        }
    }

    /// Notes the holidays and festivals `text` names (see [`lexicon::event_names`]).
    fn learn_events(&self, text: &str) {
        let names = lexicon::event_names(text);
        if names.is_empty() {
            return;
        }
        let Ok(mut learned) = self.learned.lock() else { return };
        for name in names {
            learned.events.extend(name.split_whitespace().map(str::to_lowercase));
        }
    }

    fn tagged(&self, text: &str) -> Vec<Found> {
        let Some(model) = &self.ner else { return vec![] };
        match model.detect(text) {
            Ok(entities) => tagged::interpret(&self.scope, text, entities),
            Err(err) => {
                tracing::warn!(error = %err, "pii tagger failed; falling back to rules for this text");
                vec![]
            }
        }
    }

    /// Replaces every identifying string of `text` by its placeholder (reading it with every
    /// recognizer first, when it was not read yet).
    pub fn redact(&self, text: &str) -> String {
        self.learn(text, false);
        self.redact_learned(text)
    }

    /// Replaces every identifying string of `text` by its placeholder with what the deal's
    /// recognizers learned so far (for text cut from what was read: quotes of a read turn).
    pub fn redact_learned(&self, text: &str) -> String {
        let text = &*self.cased(text);
        let redacted = self.redact_known(text);
        let before = count_placeholders(text);
        if let Ok(mut counts) = self.counts.lock() {
            for (kind, after) in count_placeholders(&redacted) {
                *counts.entry(kind.clone()).or_insert(0) +=
                    after.saturating_sub(before.get(&kind).copied().unwrap_or(0));
            }
        }
        redacted
    }

    /// True when a known or learned form is longer than `place` and holds it ("Stoke-on-Trent
    /// Care Homes" holds "Stoke-on-Trent"): that form is redacted whole.
    fn holds_longer_form(&self, place: &str) -> bool {
        let place = place.to_lowercase();
        let holds = |term: &Term| {
            term.form.len() > place.len() && term.form.to_lowercase().contains(&place)
        };
        self.known.iter().any(holds)
            || self.learned.lock().is_ok_and(|learned| learned.terms.iter().any(holds))
    }

    /// Redacts with what the deal's recognizers have learned so far, learning nothing new.
    fn redact_known(&self, text: &str) -> String {
        // A competitor named by its domain ("Monday.com", "Kai.io") is no contact detail.
        let text = contact::redact_contacts_keeping(text, |address| {
            let bare = !address.contains('/') && !address.to_lowercase().starts_with("www.");
            let name = address.rsplit_once('.').map_or(address, |(name, _)| name);
            bare && (self.scope.protected.looks_protected(address)
                || self.scope.protected.contains(name))
        });
        // Towns of several words go before names, unless an account's name holds one.
        let text = places::redact_compound_places(&text, &self.scope.protected, |place| {
            !self.holds_longer_form(place)
        });
        // A name inside a joined competitor name stays ("Pay-Dex" with a colleague "Dex").
        // A name inside a country's name of several words stays ("Sri" of "Sri Lanka").
        let protected = |text: &str, start: usize, end: usize| {
            self.scope.protected.inside_protected_word(text, start, end)
                || lexicon::in_country_or_region(text, start, end)
        };
        let text = self.known.redact_except(&text, protected);
        let text = match self.learned.lock() {
            Ok(learned) => learned.terms.redact_except(&text, protected),
            Err(_) => text,
        };
        let text = contact::redact_addresses(&text, |word| self.scope.protected.contains(word));
        let text = places::redact_cities(&text, &self.scope.protected);
        let text = text::redact_other_scripts(&text, |run| self.scope.protected.contains(run));
        let text = people::redact_honorific_initials(&text);
        let text = people::redact_dotted_initials(&text, |initials| {
            self.scope.protected.contains(initials)
                || self.scope.protected.contains(initials.trim_end_matches('.'))
        });
        let text = gazetteer::absorb_adjacent_parts(&self.scope, &text);
        if self.caseless.load(std::sync::atomic::Ordering::Relaxed) {
            gazetteer::absorb_lowercase_given_names(&self.scope, &text)
        } else {
            text
        }
    }
}

#[cfg(test)]
mod tests;

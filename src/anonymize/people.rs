//! People that context shows, tagger or not: introductions ("my name is", "everyone calls
//! me"), honorifics ("Dr. Wells", "Frau Becker"), lists of founders, the first line of a
//! signature, roles and teams. Also the forms a found person is matched by afterwards.

use std::sync::LazyLock;

use regex::Regex;

/// A name of one to three capitalised words, for the frames below.
const NAME: &str = r"(?:(?:de|van|von|da|dos|del|al|el|bin|le|la|di|du|ter|ten)\s+)?\p{Lu}[\p{L}'’-]*\p{L}(?:\s+(?:(?:de|da|do|dos|del|van|von|der|den|al|bin|el|la|le)\s+)?\p{Lu}[\p{L}'’-]*\p{L}){0,2}";

/// How much a person frame proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Evidence {
    /// A name only when its words look like one.
    Weak,
    /// Whatever the words mean: what people call someone.
    Strong,
    /// Set apart and picked up as a person ("Mercy, the clerk at the co-op, she had to"):
    /// strong once sentence connectors ("But", "And") are dropped, unless what is left is an
    /// interjection or a department ("Look", "Finance").
    Apposed,
    /// Like `Apposed`; opening a sentence, only for names in a name list whatever else they
    /// mean ("Rose from HSE"), not other words ("Help from IT").
    Listed,
}

/// Frames that show a person by role or team: "Chase Lý in accounts payable", "Will Çelik runs
/// our warehouse systems", "Hope McAllister, our finance lead", "our controller, Felix",
/// "Hüso, as he goes by", "I mean Temi, that's what we all call her".
static PERSON_FRAMES: LazyLock<Vec<(Regex, Evidence)>> = LazyLock::new(|| {
    let teams = r"(?:accounts payable|accounts receivable|AP|AR|procurement|purchasing|finance|legal|IT|security|infosec|operations|ops|HR|people ops|facilities|the plant|the warehouse|the factory|the site|treasury|tax|payroll|compliance|engineering|marketing|sales|logistics|supply chain|customer service|support|the board|our board|the office|head office|the team|our team|my team|IT security|HSE|QHSE|QA|QC|quality|accounts|admin|the co-op|the cooperative|the farm|the estate|the mill|the depot|the yard|the lab)";
    let roles = r"(?:lead|manager|director|head|controller|cfo|ceo|cto|coo|cio|ciso|cmo|vp|svp|analyst|engineer|specialist|officer|accountant|buyer|champion|sponsor|boss|admin|administrator|coordinator|supervisor|owner|partner|founder|co-founder|president|chair|chairman|chairwoman|architect|consultant|counsel|clerk|bookkeeper|planner|lawyer|colleague|deputy|assistant|intern|rep|account manager|csm|foreman|agronomist|treasurer|secretary|surveyor|estimator|superintendent|inspector|technician|auditor|dispatcher|scheduler|daughter|son|wife|husband|brother|sister|cousin|uncle|aunt|cook|chef|bartender|waiter|waitress|hostess|barista|cashier|dishwasher|nurse|teacher|principal|person|guy|lady|salesperson|salesman|saleswoman|dentist|hygienist|therapist|physiotherapist|receptionist|vet|veterinarian|orthodontist|graduate|trainee|paralegal|notary|solicitor|barrister|associate)";
    let praise = r"(?:great|responsive|helpful|patient|fantastic|amazing|brilliant|excellent|awesome|lovely|nice|kind|sharp|pushy|aggressive|slow|rude|unresponsive|honest|transparent|knowledgeable|professional|the best|the worst|good|terrible|useless|on it|all over it|correct|direct|fair|polite|friendly|reliable|quick|fast|clear|straight|arrogant|vague)";
    // Each frame with how much it proves (see `Evidence`): strong frames name someone by what
    // people call them (the name may be an ordinary word: "Nacho").
    let frames = [
        (format!(r"(?P<n>{NAME}) (?:(?:in|from|at|over in|on|with|of) {teams})\b"), Evidence::Weak),
        (
            format!(
                r"(?P<n>{NAME}) (?:runs|ran|heads|headed|leads|led|manages|managed|handles|handled|oversees|oversaw|owns|owned|looks after|looked after) (?:(?:our|the|all|all of|most of|his|her) |(?i:{teams})\b)"
            ),
            Evidence::Weak,
        ),
        (
            format!(
                r"(?P<n>{NAME}), who (?:runs|ran|heads|headed|leads|led|manages|managed|handles|handled|owns|owned|looks after|looked after|is our|was our|is in charge|was in charge|sits in|works in)\b"
            ),
            Evidence::Weak,
        ),
        (
            format!(
                r"(?P<n>{NAME}), (?:our|my|the|their|his|her) (?:[\p{{L}}-]+ ){{0,3}}(?i:{roles})\b"
            ),
            Evidence::Weak,
        ),
        (
            format!(r"(?i:\b(?:our|my|the|their) (?:[\p{{L}}-]+ ){{0,2}}{roles}),? (?P<n>{NAME})"),
            Evidence::Weak,
        ),
        // "the driver Abebe took it", "our mechanic Kiprono": field roles before a name (not
        // in `roles`, whose other frames would read "the printer driver" as a person's role).
        (
            format!(
                r"(?i:\b(?:our|my|the|their|his|her) (?:[\p{{L}}-]+ )?(?:driver|mechanic|storekeeper|loader|fitter|conductor|turn-?boy|watchman|guard|porter|picker|packer|forklift operator)),? (?P<n>{NAME})"
            ),
            Evidence::Weak,
        ),
        (
            format!(
                r"(?P<n>{NAME}) (?:was|is|has been) (?:really |very |super |so |always |pretty |quite |incredibly |genuinely |actually |just )?{praise}\b"
            ),
            Evidence::Weak,
        ),
        (
            format!(
                r"(?P<n>{NAME}) (?:was|is|were) (?:also |there |)(?:on|in) (?:the|that|those|every|all the|our|each) (?:call|calls|meeting|meetings|demo|demos|thread|email|evaluation|committee)\b"
            ),
            Evidence::Weak,
        ),
        (
            format!(
                r"(?P<n>{NAME}) (?:joined|sat in on|dialled in|dialed in|attended|chaired|signed off|pushed back|asked|emailed|called|wrote)\b"
            ),
            Evidence::Weak,
        ),
        // "Mercy, the clerk at the co-op, she had to": a name set apart by commas, said with
        // a role and picked up by a pronoun, whatever else the word means.
        (
            format!(
                r"(?P<n>{NAME}), (?:the|our|my|their|his|her|a) (?:[\p{{L}}-]+ ){{0,3}}(?i:{roles})\b[^.!?,]{{0,60}}, (?:she|he)\b"
            ),
            Evidence::Apposed,
        ),
        // "June, she is our document controller", "Dawn Street, she's our financial
        // controller".
        (
            format!(
                r"(?P<n>{NAME}), (?:she|he)(?:'s|’s| is| was) (?:our|my|the|their|his|her) (?:[\p{{L}}-]+ ){{0,3}}(?i:{roles})\b"
            ),
            Evidence::Apposed,
        ),
        // "Honey, our bookkeeper,", "Lucky, our store manager at the mall": a name with our
        // role.
        (
            format!(
                r"(?P<n>{NAME}), (?:our|my) (?:[\p{{L}}-]+ ){{0,2}}(?i:{roles})(?:,|\s+(?:at|in|for|from|on)\b)"
            ),
            Evidence::Apposed,
        ),
        // "Joy, one of his AP clerks,".
        (
            format!(
                r"(?P<n>{NAME}), one of (?:our|my|his|her|their|the) (?:[\p{{L}}-]+ ){{0,2}}(?i:{roles})s?\b"
            ),
            Evidence::Apposed,
        ),
        // "Sky, from IT."
        (format!(r"(?P<n>{NAME}), (?:from|in|at) {teams}\b"), Evidence::Apposed),
        // "And Ice, our IT, he said": a name set apart with a team and picked up by a pronoun.
        (
            format!(r"(?P<n>{NAME}), (?:our|my|the|their) (?:[\p{{L}}-]+ )?{teams}, (?:she|he)\b"),
            Evidence::Apposed,
        ),
        // "Rutger from your side was honest": someone of the seller's or the buyer's side.
        (
            format!(
                r"(?P<n>{NAME}),? from (?:your|our|their|the other) (?:side|team|company|end)\b"
            ),
            Evidence::Apposed,
        ),
        // "the loan officer is Mint.": a role said to be someone, the name closing the clause.
        (
            format!(
                r"(?i:\b(?:our|my|the|their) (?:[\p{{L}}-]+ ){{0,2}}{roles} (?:is|was)) (?P<n>\p{{Lu}}\p{{Ll}}+)[.,;!?]"
            ),
            Evidence::Apposed,
        ),
        // "P'Mint we call her", "Khun Ploy": the Thai title before a given name, glued or not.
        (format!(r"(?:\bP['’]|\bKhun\s+)(?P<n>{NAME})"), Evidence::Strong),
        // "Rose from HSE": a name-list word from a team.
        (format!(r"(?P<n>{NAME}) (?:from|in|at|over in) {teams}\b"), Evidence::Listed),
        // "Srinivas Reddy garu", "Sharma ji", "Ramesh sir", "Jolly chechi", "Mercy sister",
        // "Raja anna": an honorific or a kinship word said after a name;
        // Korean and Japanese titles too ("Lee daeri", "Oh siljangnim", "Park timjangnim",
        // "Tanaka buchō").
        (
            format!(
                r"(?P<n>{NAME})\s+(?i:garu|ji|sahab|saab|saheb|sir|ma'am|madam|anna|akka|chechi|chettan|chetta|ettan|thambi|amma|sister|bhai|bhaiya|didi|machan|ssi|nim|daeri|juim|gwajang(?:nim)?|chajang(?:nim)?|bujang(?:nim)?|timjang(?:nim)?|siljang(?:nim)?|sajang(?:nim)?|isa(?:nim)?|sangmu(?:nim)?|jeonmu(?:nim)?|hoejang(?:nim)?|seonsaeng(?:nim)?|sunbae(?:nim)?|buch[oō]|kach[oō]|shach[oō]|kakarich[oō]|senpai|sensei)\b"
            ),
            Evidence::Apposed,
        ),
        // "Duke is Marcus Thibodeaux, he owns it", "Peaches, that's Tanisha Boudreaux, she's
        // our head bartender": a nickname said to be a full name, picked up by a pronoun.
        (
            format!(
                r"(?P<n>{NAME})(?:,? (?:that's|that’s|that is)| is) \p{{Lu}}\p{{Ll}}+(?: \p{{Lu}}[\p{{L}}'’-]+){{1,2}}, (?:he|she)\b"
            ),
            Evidence::Apposed,
        ),
        // "Cookie's our fry cook, Darnell Fontenot": a nickname with a role and a full name.
        (
            format!(
                r"(?P<n>{NAME})(?:['’]s| is) (?:our|my) (?:[\p{{L}}-]+ ){{0,2}}(?i:{roles})s?, \p{{Lu}}\p{{Ll}}+ \p{{Lu}}[\p{{L}}'’-]+\b"
            ),
            Evidence::Apposed,
        ),
        (format!(r"(?P<n>{NAME}),? as (?:he|she|they) (?:goes|go|went) by"), Evidence::Strong),
        // The interviewer's "Who's Will?": a name heard and asked about.
        (format!(r"(?i:\bwho(?:'s|’s| is| was)) (?P<n>{NAME})\?"), Evidence::Strong),
        (
            format!(
                r"(?P<n>{NAME}),? (?:sorry, )?(?:that's|that is|which is) what (?:we|everyone|everybody|they|people) (?:all )?call(?:s)? (?:him|her|them)"
            ),
            Evidence::Strong,
        ),
        (
            format!(
                r"(?i:\b(?:we|everyone|everybody|they|people) (?:all )?call(?:s|ed)? (?:him|her|them)) (?P<n>{NAME})"
            ),
            Evidence::Strong,
        ),
    ];
    frames
        .iter()
        .map(|(frame, evidence)| (Regex::new(frame).expect("static person frame"), *evidence))
        .collect()
});

use super::lexicon::{
    COMMON_WORDS, HONORIFICS, continues_name, is_acronym, is_calendar_or_place, is_calendar_word,
    is_english_word, is_given_name, is_known_name, is_vendor,
};
use super::{Found, Scope};

/// Words right before a name: "my name is", "call me", "my boss", "honestly".
pub static NAME_CUE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:name\s+is|name's|call(?:s|ed)?\s+me|this\s+is|boss|manager|colleague|co-?worker|cfo|ceo|cto|coo|vp|director|lead|head|rep|honestly|ask|asked|tell|told|thanks|thank\s+you|hi|hello|hey|dear)[\s,:]*$").unwrap()
});

/// "my name is X", "call me X", "everyone calls me X", "everyone calls him X": X (one or two
/// words) is a person.
static INTRODUCED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:(?:my|her|his|their)\s+(?:(?:maiden|last|first|full|middle|real)\s+)?name(?:\s+is|'s)|call\s+(?:me|him|her)|calls\s+(?:me|him|her)|called\s+(?:me|him|her)|goes\s+by|known\s+as)\s+([\p{L}][\p{L}'-]*(?:\s+[\p{L}][\p{L}'-]*)?)").unwrap()
});
/// "Dr. Wells", "Ms Okafor", "Frau Becker", "Señora Ruiz", "Frau Mag. Huber", "Alhaji Musa":
/// honorifics and a capitalised name.
static HONORIFIC: LazyLock<Regex> = LazyLock::new(|| {
    let titles = HONORIFIC_TITLES;
    Regex::new(&format!(r"\b{titles}\.?\s+(?:{titles}\.?\s+)*(\p{{Lu}}[\p{{L}}-]*(?:['’]\p{{Lu}}[\p{{L}}-]*)?(?:\s+\p{{Lu}}[\p{{L}}-]*(?:['’]\p{{Lu}}[\p{{L}}-]*)?)?)"))
        .unwrap()
});
/// The honorifics of [`HONORIFIC`], as a regex alternation.
const HONORIFIC_TITLES: &str = r"(?:Dr|Mr|Mrs|Ms|Mx|Prof|Miss|Herr|Frau|Sra|Srta|Señor|Señora|Senhor|Senhora|Seu|Dona|Doña|Don|Meneer|Mevrouw|Mevr|Dhr|Monsieur|Madame|Mme|Signor|Signora|Sayın|Engr|Eng|Ing|Mag|Dipl|Atty|Alhaji|Alhaja|Hajia|Mallam|Chief|Kuya|Ate|Tita|Tito|Manang|Manong|Oom|Tannie|Sheikh|Sheikha|Weyzero|Woizero|Weyzerit|Ustaz|Cllr|Councillor|Rev|Revd|Fr|Aunty|Auntie|Uncle|Elder|Pastor|Doutor|Doutora|Dra|Lic|Licenciado|Licenciada|Ingeniero|Ingeniera|Engenheiro|Engenheira|Professora|Profesora)";
/// "Mrs G", "Dr. K.": an honorific and one capital letter, a person known by an initial.
static HONORIFIC_INITIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\b(?P<title>{HONORIFIC_TITLES}\.?\s+)(?P<initial>[A-HJ-Z])(?P<end>\.?(?:[^\p{{L}}\p{{N}}'’-]|$))"))
        .unwrap()
});

/// Replaces the initial of "Mrs G" by `[NAME]`, the honorific kept ("Mrs [NAME]").
pub fn redact_honorific_initials(text: &str) -> String {
    HONORIFIC_INITIAL.replace_all(text, "${title}[NAME]${end}").into_owned()
}

/// Initials with their dots, as a person goes by them ("J.P., he is our IT person", "ask
/// K.J."); the dotted abbreviations below are not people.
/// Also spaced when every letter has its dot ("when M. K. says something").
static DOTTED_INITIALS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:(?:[A-Z]\.){1,2}[A-Z]\.?|(?:[A-Z]\. ){1,2}[A-Z]\.)(?:[^\p{L}\p{N}.]|$)")
        .unwrap()
});
/// Initials a person signs with ("in the tickets he signs PSN", "she signs off as JB", "his
/// initials are KT"): two to four capitals after a person signing, not a contract signed
/// ("we signed NDA").
static SIGNED_INITIALS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<cue>(?i:(?:he|she|who)\s+(?:always\s+|usually\s+|just\s+)?signs(?:\s+(?:off|everything|his\s+\w+|her\s+\w+))?(?:\s+(?:as|with))?|sign(?:s|ed)\s+off\s+as|initials\s+(?:are|were|is))\s+)(?P<initials>[A-Z]{2,4})\b").unwrap()
});
/// What a person signs that is no one's initials ("she signs NDAs", "he signs the PO").
const CONTRACT_ACRONYMS: &[&str] =
    &["NDA", "MSA", "SOW", "DPA", "BAA", "SLA", "MOU", "LOI", "RFP", "RFQ", "PO", "POS", "EULA"];
const DOTTED_ABBREVIATIONS: &[&str] = &[
    "US", "UK", "EU", "AM", "PM", "PS", "NB", "DC", "LA", "NY", "IT", "HR", "ID", "TV", "UN", "OK",
    "AD", "BC", "PO", "RIP", "QC", "NZ", "BA", "MA", "MD", "RN", "CV", "EG", "IE", "VS", "SA",
    "SL", "SRL", "SPA", "BV", "NV", "AG", "SAS", "LLC", "PC", "LLP", "PLC", "UAE", "USA", "DIY",
    "FAQ", "ASAP", "ETA", "RSVP", "PTO", "CEO", "CFO", "VP", "GP", "MP", "JD", "MBA", "BSC", "MSC",
    "PHD", "DDS", "DMD", "CPA", "LTD", "INC", "CO", "NO", "AKA", "FYI", "RE", "GM", "QA", "AI",
    "IP", "AC", "DR", "MR", "MS", "ST", "WC", "SC", "NSW", "QLD", "ACT", "WA", "NT", "SP", "RJ",
    "MG", "CA", "TX", "NL", "BR", "PT", "MX", "CR",
];

/// Replaces dotted initials that are no abbreviation ("J.P.") by `[NAME]`, except those `keep`
/// holds (a competitor's name).
pub fn redact_dotted_initials(text: &str, keep: impl Fn(&str) -> bool) -> String {
    let text = SIGNED_INITIALS.replace_all(text, |caps: &regex::Captures<'_>| {
        let initials = &caps["initials"];
        if DOTTED_ABBREVIATIONS.contains(&initials)
            || CONTRACT_ACRONYMS.contains(&initials)
            || keep(initials)
        {
            caps[0].to_string()
        } else {
            format!("{}[NAME]", &caps["cue"])
        }
    });
    DOTTED_INITIALS
        .replace_all(&text, |caps: &regex::Captures<'_>| {
            let found = &caps[0];
            let end =
                found.rfind(|c: char| c.is_ascii_uppercase() || c == '.').map_or(0, |i| i + 1);
            let (initials, tail) = found.split_at(end);
            let letters: String = initials.chars().filter(char::is_ascii_uppercase).collect();
            if DOTTED_ABBREVIATIONS.contains(&letters.as_str()) || keep(initials) {
                return found.to_string();
            }
            format!("[NAME]{tail}")
        })
        .into_owned()
}
/// "our founders: Eklund, Michael and Hodge": a list of people right after "founders" (not
/// "colleagues in Finance, Legal and IT", which names departments).
static PEOPLE_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:founders?|co-?founders?)(?:\s+(?:are|were))?)\s*:?\s+(\p{Lu}[\p{L}'-]+), (\p{Lu}[\p{L}'-]+),? (?:and|&) (\p{Lu}[\p{L}'-]+)").unwrap()
});
/// Words that end an introduced name ("my name is Borna but...").
const NAME_STOP: &[&str] = &[
    "except",
    "since",
    "but",
    "and",
    "or",
    "from",
    "at",
    "in",
    "on",
    "i",
    "the",
    "a",
    "an",
    "to",
    "so",
    "because",
    "by",
    "with",
    "for",
    "is",
    "was",
    "here",
    "there",
    "please",
    "now",
    "too",
    "as",
    "of",
    "when",
    "if",
    "back",
    "later",
    "after",
    "before",
    "tomorrow",
    "today",
    "anytime",
    "again",
    "once",
    "up",
    "you",
    "your",
    "we",
    "they",
    "he",
    "she",
    "it",
    "that",
    "this",
    "about",
    "maybe",
    "any",
    "anything",
    "whatever",
    "what",
    "sometime",
    "soon",
    "next",
    "asap",
    "then",
    "though",
    "around",
    "internally",
    "everyone",
    "everybody",
];

/// Names that context alone shows are people; `true` marks the contexts strong enough to take
/// an ordinary word ("Dr. White") for a name.
pub fn context_names(text: &str) -> Vec<(String, bool)> {
    let mut names = vec![];
    for caps in INTRODUCED.captures_iter(text) {
        let mut words: Vec<&str> = caps[1]
            .split_whitespace()
            .take_while(|w| !NAME_STOP.contains(&w.to_lowercase().as_str()))
            .collect();
        // "everyone calls me Engenheira even though": after a capitalised name, a lower-case
        // word is the sentence going on.
        if words.first().is_some_and(|first| first.starts_with(char::is_uppercase)) {
            let capitalised =
                words.iter().take_while(|w| w.starts_with(char::is_uppercase)).count();
            words.truncate(capitalised);
        }
        // "call me crazy": after "call me", a lower-case word must be a given name; "my name
        // is ..." is trusted as written.
        let called = caps[0].to_lowercase().contains("call");
        let plausible = words.first().is_some_and(|first| {
            !called
                || first.starts_with(char::is_uppercase)
                || (is_given_name(first) && !is_english_word(first))
        });
        // "everyone calls him Nacho", "she goes by Bear": a capitalised word in a nickname
        // frame is what a person is called, whatever else it means.
        let nickname = (called || caps[0].to_lowercase().contains("goes"))
            && words.first().is_some_and(|first| first.starts_with(char::is_uppercase));
        if !words.is_empty() && plausible {
            names.push((words.join(" "), nickname));
        }
    }
    for caps in HONORIFIC.captures_iter(text) {
        names.push((caps[1].to_string(), true));
    }
    for caps in PEOPLE_LIST.captures_iter(text) {
        names.extend((1..=3).map(|i| (caps[i].to_string(), true)));
    }
    if let Some(name) = signature_name(text) {
        names.push((name, false));
    }
    for (frame, evidence) in PERSON_FRAMES.iter() {
        for caps in frame.captures_iter(text) {
            let name = caps.name("n").expect("named group").as_str();
            match evidence {
                Evidence::Strong => {
                    names.push((name.to_string(), true));
                    continue;
                }
                Evidence::Apposed | Evidence::Listed => {
                    // "Help from IT" opening a sentence is help; "And Mercy from HSE" is Mercy.
                    let n = caps.name("n").expect("named group");
                    let before = text[..n.start()].trim_end();
                    let first = name.split_whitespace().next().unwrap_or_default();
                    let opens = (before.is_empty()
                        || before.ends_with(['.', '!', '?', ':', '\n', '"']))
                        && !CONNECTORS.contains(&first.to_lowercase().as_str());
                    let listed = *evidence == Evidence::Listed && opens;
                    // "He is John Smith, he ...", "This is our CFO, Dana Whitfield": a pronoun
                    // is nobody's nickname.
                    if PRONOUNS.contains(&first.to_lowercase().as_str()) {
                        continue;
                    }
                    if let Some(name) = apposed_name(name, listed) {
                        names.push((name, true));
                    }
                    continue;
                }
                Evidence::Weak => {}
            }
            // "our finance lead, Hope McAllister": the frame names one person; words of an
            // ordinary sentence start ("Honestly Hope") are not part of it.
            let words: Vec<&str> = name
                .split_whitespace()
                .skip_while(|word| {
                    *word == "I"
                        || is_contraction(word)
                        || is_english_word(word)
                            && !is_known_name(word)
                            && !is_given_name(word)
                            && !COMMON_WORDS.contains(word.to_lowercase().as_str())
                })
                .collect();
            // "I'm Head of IT": one surname that is also an English word ("Head", "Look") is no
            // evidence on its own; a given name, a word that is no English word, or two known
            // names together ("Will Lee") are.
            let has_name = words.iter().any(|word| {
                (!is_english_word(word) && !is_acronym(word) && !super::text::is_camel_case(word))
                    || is_given_name(word)
            }) || (words.len() >= 2 && words.iter().all(|word| is_known_name(word)));
            // "our CISO signed off": roles are not people.
            let words: Vec<&str> =
                words.into_iter().filter(|word| !is_acronym(word) || is_given_name(word)).collect();
            // "Look, our CEO had...": one English word opening a sentence is an interjection,
            // not a name, unless it is a given name ("Hope, our CFO").
            let n = caps.name("n").expect("named group");
            let before = text[..n.start()].trim_end();
            let opens = before.is_empty() || before.ends_with(['.', '!', '?', ':', '\n', '"']);
            let interjection =
                opens && words.len() == 1 && is_english_word(words[0]) && !is_given_name(words[0]);
            if !words.is_empty() && has_name && !interjection {
                names.push((words.join(" "), false));
            }
        }
    }
    // One entry per name, strong when any frame was.
    let mut unique: Vec<(String, bool)> = vec![];
    for (name, strong) in names {
        match unique.iter_mut().find(|(known, _)| *known == name) {
            Some((_, known_strong)) => *known_strong |= strong,
            None => unique.push((name, strong)),
        }
    }
    unique
}

/// Sentence connectors and interjections said before a comma ("Look, our CEO", "But
/// Honey, our bookkeeper"): never the name of an apposed frame.
/// Words that stand for a person or a thing without naming it.
const PRONOUNS: &[&str] = &[
    "he",
    "she",
    "it",
    "they",
    "we",
    "you",
    "i",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "who",
    "what",
    "which",
    "everyone",
    "everybody",
    "someone",
    "somebody",
    "nobody",
    "anyone",
    "anybody",
    "one",
    "mine",
    "yours",
    "ours",
    "theirs",
    "his",
    "hers",
];

const CONNECTORS: &[&str] = &[
    "and",
    "but",
    "so",
    "or",
    "then",
    "now",
    "well",
    "look",
    "listen",
    "see",
    "yes",
    "yeah",
    "no",
    "okay",
    "ok",
    "oh",
    "ah",
    "um",
    "uh",
    "also",
    "because",
    "anyway",
    "actually",
    "basically",
    "honestly",
    "frankly",
    "again",
    "right",
    "sure",
    "like",
    "i",
    "plus",
    "still",
    "sorry",
    "even",
    "only",
    "just",
    "first",
    "second",
    "finally",
    "later",
    "afterwards",
    "morning",
    "evening",
    "afternoon",
    "night",
    "thanks",
    "thank",
    "hello",
    "hi",
    "hey",
    "dear",
    "bye",
    "good",
    "great",
    "exactly",
    "correct",
    "true",
    "absolutely",
    "definitely",
    "please",
    "when",
    "while",
    "if",
    "once",
    "whenever",
];

/// The person an apposed frame names: its words after any leading connector ("But Honey" ->
/// "Honey"), unless a word is a department, a business word or an interjection, or (when
/// `listed`) a word is ordinary English in no name list.
fn apposed_name(name: &str, listed: bool) -> Option<String> {
    let words: Vec<&str> = name
        .split_whitespace()
        .skip_while(|word| CONNECTORS.contains(&word.to_lowercase().as_str()))
        .collect();
    let plain = |word: &&str| {
        let lower = word.to_lowercase();
        CONNECTORS.contains(&lower.as_str())
            || is_acronym(word)
            || super::lexicon::WORKPLACE_WORDS.contains(&lower.as_str())
            || super::lexicon::GENERIC_ORG_WORDS.contains(lower.as_str())
            || is_calendar_or_place(&lower) && !super::lexicon::is_calendar_word(&lower)
            || (listed
                && is_english_word(word)
                && !is_known_name(word)
                && !is_given_name(word)
                && !COMMON_WORDS.contains(lower.as_str()))
    };
    (!words.is_empty() && !words.iter().any(plain)).then(|| words.join(" "))
}

/// A contact block or signature ("Priya Raman / Head of AP / +1 555 ...") opens with the
/// person's name: two to four capitalised words on the first line, digits further down.
fn signature_name(text: &str) -> Option<String> {
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
    if lines.len() < 3 || !lines[1..].iter().any(|line| line.chars().any(|c| c.is_ascii_digit())) {
        return None;
    }
    let words: Vec<&str> = lines[0].split_whitespace().collect();
    let name_like = (2..=4).contains(&words.len())
        && words.iter().all(|word| {
            word.chars().next().is_some_and(char::is_uppercase)
                && word.chars().all(|c| c.is_alphabetic() || matches!(c, '.' | '\'' | '-'))
        });
    name_like.then(|| lines[0].to_string())
}

/// "I'm", "don't", "we'll": an apostrophe followed by a lower-case ending.
pub fn is_contraction(token: &str) -> bool {
    token.split_once(['\'', '’']).is_some_and(|(head, tail)| {
        !tail.is_empty()
            && tail.chars().all(char::is_lowercase)
            && (head.chars().count() <= 1 || is_english_word(head) || tail.len() <= 2)
    })
}

/// The forms a person found in the text is matched by: the whole name, and each word of three
/// or more letters that is not an ordinary word (and each part of a hyphenated one). Words
/// lose their punctuation: a span the tagger ran across a full stop ("price. Casper") must not
/// teach "price." as a name.
pub fn person_forms(name: &str) -> Vec<String> {
    // A leading title stays in the text ("Ms. [COLLEAGUE 3]"): it names nobody.
    let mut words: Vec<&str> = name.split_whitespace().collect();
    // Only unambiguous titles: "Don Alvarez" keeps "Don", a given name, in its full form.
    let titled = words.iter().position(|w| !super::lexicon::is_title(w)).filter(|&start| start > 0);
    if let Some(start) = titled {
        words.drain(..start);
    }
    // So do a trailing honorific and an honorific suffix: "[COLLEAGUE 2] Hanım",
    // "[COLLEAGUE 1]-san".
    while words.len() > 1 && words.last().is_some_and(|w| super::lexicon::is_trailing_honorific(w))
    {
        words.pop();
    }
    // A span the tagger cut at an apostrophe ("tsvetan doesn" of "tsvetan doesn't").
    while words.len() > 1
        && words.last().is_some_and(|w| CONTRACTION_STEMS.contains(&w.to_lowercase().as_str()))
    {
        words.pop();
    }
    if let Some(last) = words.last_mut() {
        *last = super::lexicon::without_name_suffix(last);
    }
    let name = words.join(" ");
    let name = name.as_str();
    let mut forms = vec![name.to_string()];
    for token in name.split_whitespace() {
        let token = token.trim_matches(|c: char| !c.is_alphanumeric());
        if is_contraction(token) {
            continue;
        }
        let parts = std::iter::once(token).chain(token.split('-').filter(|_| token.contains('-')));
        for part in parts {
            if part.chars().count() >= 3
                && part != name
                && !COMMON_WORDS.contains(part.to_lowercase().as_str())
                && !HONORIFICS.contains(&part.to_lowercase().as_str())
                && !forms.iter().any(|known| known == part)
            {
                forms.push(part.to_string());
                if name.contains(' ') && part == token {
                    forms.extend(inflected_forms(token));
                }
            }
        }
    }
    forms
}

/// English contractions' first halves ("doesn" of "doesn't"), lower case; not the ones that
/// are names too ("Don", "Won", "Ain").
const CONTRACTION_STEMS: &[&str] = &[
    "doesn", "didn", "isn", "wasn", "weren", "aren", "couldn", "wouldn", "shouldn", "hasn",
    "haven", "hadn", "mustn", "needn",
];

/// The forms a name part takes in the languages that inflect names where an English
/// interview still quotes them: the Hungarian married name ("Szabó" -> "Szabóné"), and the
/// Lithuanian wife's, daughter's and vocative forms ("Kazlauskas" -> "Kazlauskienė",
/// "Kazlauskaitė", "Jonas" -> "Jonai"). Forms no one bears cost nothing.
pub fn inflected_forms(token: &str) -> Vec<String> {
    let letters = token.chars().count();
    if letters < 3 || !token.chars().all(|c| c.is_alphabetic() || c == '-') {
        return vec![];
    }
    let mut forms = vec![format!("{token}né")];
    forms.extend(welsh_mutations(token));
    if letters >= 5 {
        let stem = |suffix: &str| token.strip_suffix(suffix);
        // Lithuanian wives' and daughters' forms, and the Greek genitive ("tou Papadaki" of
        // "Papadakis", "Papadopoulou" of "Papadopoulos", "Vlacha" of "Vlachas").
        if let Some(stem) = stem("as") {
            forms.extend([
                format!("{stem}ienė"),
                format!("{stem}aitė"),
                format!("{stem}ai"),
                format!("{stem}a"),
            ]);
        } else if let Some(stem) = stem("is").or_else(|| stem("ys")) {
            forms.extend([format!("{stem}ienė"), format!("{stem}ytė")]);
            if token.ends_with("is") {
                forms.push(format!("{stem}i"));
            }
        } else if let Some(stem) = stem("os") {
            forms.push(format!("{stem}ou"));
        } else if let Some(stem) = stem("us") {
            forms.extend([format!("{stem}uvienė"), format!("{stem}utė")]);
        }
    }
    forms
}

/// The Welsh mutations of a name ("Dafydd" -> "Ddafydd" after "wrth", "Gareth" -> "Nghareth",
/// "Tomos" -> "Thomos"), as a Welsh phrase quoted in an English interview writes them; not the
/// ones that make an English word ("Ben" -> "Men", "Mair" -> "Fair").
fn welsh_mutations(token: &str) -> Vec<String> {
    const MUTATIONS: &[(&str, &[&str])] = &[
        ("P", &["B", "Mh", "Ph"]),
        ("T", &["D", "Nh", "Th"]),
        ("C", &["G", "Ngh", "Ch"]),
        ("B", &["F", "M"]),
        ("D", &["Dd", "N"]),
        ("G", &["", "Ng"]),
        ("M", &["F"]),
        ("Ll", &["L"]),
        ("Rh", &["R"]),
    ];
    if token.contains('-') {
        return vec![];
    }
    let Some((from, tos)) = MUTATIONS
        .iter()
        .filter(|(from, _)| token.starts_with(from))
        .max_by_key(|(from, _)| from.len())
    else {
        return vec![];
    };
    let rest = &token[from.len()..];
    tos.iter()
        .map(|to| {
            let mutated = format!("{to}{rest}");
            let mut chars = mutated.chars();
            chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
        })
        .filter(|form| {
            form.chars().count() >= 4
                && !is_english_word(&form.to_lowercase())
                && !COMMON_WORDS.contains(form.to_lowercase().as_str())
        })
        .collect()
}

/// People that context shows (see [`context_names`]), tagger or not.
pub fn find(scope: &Scope, text: &str) -> Vec<Found> {
    // Ordinary words learned here are matched case-sensitively, so "Dr. White" does not
    // turn "white paper" into a placeholder.
    context_names(text)
        .into_iter()
        .filter(|(name, strong)| {
            let lower = name.to_lowercase();
            name.chars().filter(|c| c.is_alphabetic()).count() >= 2
                && !name.split_whitespace().any(|word| {
                    let lower = word.to_lowercase();
                    scope.corpus_terms.common.contains(&lower) || is_vendor(word)
                })
                // A misspelt competitor stays searchable, but not over a strong frame: "calls
                // him Venky" beside the alias "Vendy".
                && !scope.protected.contains(name)
                && (*strong
                    || (!scope.protected.looks_protected(name)
                        && !name
                            .split_whitespace()
                            .any(|token| scope.protected.looks_protected(token))))
                && (*strong || !COMMON_WORDS.contains(lower.as_str()))
                && (*strong
                    || !name
                        .split_whitespace()
                        .all(|word| is_english_word(word) && !is_known_name(word)))
                // "June, she is our controller": a strong frame outweighs the calendar, and
                // a nationality ("Farsi" of "Hope al-Farsi, our finance lead").
                && !(is_calendar_or_place(&lower) && !(*strong && is_calendar_word(&lower)))
                && (*strong
                    || !super::lexicon::is_nationality(&lower)
                    || text.match_indices(name.as_str()).any(|(at, _)| continues_name(text, at)))
        })
        .flat_map(|(name, strong)| {
            // "Dawn Street, she's our controller": her given name alone is her too, however
            // ordinary a word it is (matched as written, so "at dawn" stays).
            let first = name.split_whitespace().next().unwrap_or_default().to_string();
            let given = strong
                && name.split_whitespace().count() >= 2
                && COMMON_WORDS.contains(first.to_lowercase().as_str())
                && is_known_name(&first);
            std::iter::once(Found::Person(name)).chain(given.then_some(Found::Person(first)))
        })
        .collect()
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
        assert_eq!(names("everyone calls him Paco, honestly"), ["Paco"]);
        assert_eq!(names("I spoke to Dr. White yesterday"), ["White"]);
        assert_eq!(names("Frau Becker signed it"), ["Becker"]);
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
        assert_eq!(names("Chase Lý in accounts payable chased them"), ["Chase Lý"]);
        assert_eq!(names("Will Çelik runs our warehouse systems."), ["Will Çelik"]);
        assert_eq!(
            names("It was hard. Hope McAllister, our finance lead, agreed."),
            ["Hope McAllister"]
        );
        assert_eq!(names("Hüso, as he goes by, ran it."), ["Hüso"]);
        assert_eq!(names("I mean Nacho, sorry, that's what we all call him."), ["Nacho"]);
        assert_eq!(names("me and Tôn Quân, who runs IT."), ["Tôn Quân"]);
        assert_eq!(names("Honestly Yu-na was great."), ["Yu-na"]);
        assert!(names("Onboarding was great.").is_empty());
        assert_eq!(names("Frank Hồ was on the call too."), ["Frank Hồ"]);
        assert_eq!(names("that. de Wit Hope, our finance lead, agreed"), ["de Wit Hope"]);
        assert_eq!(names("It's parked. Yamada Frank joined late."), ["Yamada Frank"]);
        assert!(names("Legal asked for a DPA.").is_empty());
        assert_eq!(names("I mean Temi, sorry, that's what we all call her."), ["Temi"]);
        assert_eq!(names("our controller, Felix, approves"), ["Felix"]);
        assert!(names("The Finance team runs the budget").is_empty());
    }

    #[test]
    fn forms_of_found_people() {
        // Each word of a full name brings its inflected forms ("Casperné", the Welsh "Gasper":
        // see `inflected_forms`).
        assert_eq!(
            person_forms("Casper Lindqvist"),
            [
                "Casper Lindqvist",
                "Casper",
                "Casperné",
                "Gasper",
                "Nghasper",
                "Chasper",
                "Lindqvist",
                "Lindqvistné"
            ]
        );
        assert_eq!(
            person_forms("Ana García-López"),
            [
                "Ana García-López",
                "Ana",
                "Anané",
                "García-López",
                "García-Lópezné",
                "García",
                "López"
            ]
        );
        assert_eq!(person_forms("Will Grant"), ["Will Grant"]);
        assert_eq!(person_forms("Ms. Prescott"), ["Prescott"]);
        assert_eq!(person_forms("Dr Li"), ["Li"]);
        assert_eq!(person_forms("Don Alvarez"), ["Don Alvarez", "Alvarez", "Alvarezné"]);
        assert_eq!(person_forms("Señora Vargas"), ["Vargas"]);
        assert_eq!(
            person_forms("Frau Dr. Anja Kohl"),
            ["Anja Kohl", "Anja", "Anjané", "Kohl", "Kohlné"]
        );
        assert_eq!(
            person_forms("I'm Naomi Ryan"),
            ["I'm Naomi Ryan", "Naomi", "Naominé", "Ryan", "Ryanné"]
        );
        assert!(inflected_forms("Kazlauskas").contains(&"Kazlauskienė".to_string()));
        assert!(inflected_forms("Jonas").contains(&"Jonai".to_string()));
        assert!(is_contraction("I'm") && is_contraction("don't") && !is_contraction("O'Brien"));
    }
}

//! Text helpers the recognizers share, and [`Terms`]: a set of name forms, each with its
//! placeholder, compiled into one whole-word matcher.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::lexicon::is_english_word;

/// Replaces accented Latin letters by their ASCII base letter.
pub fn fold_accents(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// The ASCII base letter of an accented Latin letter (others unchanged).
pub fn fold_char(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' | 'ạ' | 'ả' | 'ấ' | 'ầ' | 'ẩ' | 'ẫ'
        | 'ậ' | 'ắ' | 'ằ' | 'ẳ' | 'ẵ' | 'ặ' => 'a',
        'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' | 'Ā' | 'Ă' | 'Ą' | 'Ạ' | 'Ả' | 'Ấ' | 'Ầ' | 'Ẩ' | 'Ẫ'
        | 'Ậ' | 'Ắ' | 'Ằ' | 'Ẳ' | 'Ẵ' | 'Ặ' => 'A',
        'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' | 'ẹ' | 'ẻ' | 'ẽ' | 'ế' | 'ề' | 'ể' | 'ễ'
        | 'ệ' => 'e',
        'É' | 'È' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' | 'Ẹ' | 'Ẻ' | 'Ẽ' | 'Ế' | 'Ề' | 'Ể' | 'Ễ'
        | 'Ệ' => 'E',
        'í' | 'ì' | 'î' | 'ï' | 'ī' | 'į' | 'ı' | 'ị' | 'ỉ' | 'ĩ' => 'i',
        'Í' | 'Ì' | 'Î' | 'Ï' | 'Ī' | 'Į' | 'İ' | 'Ị' | 'Ỉ' | 'Ĩ' => 'I',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' | 'ő' | 'ơ' | 'ọ' | 'ỏ' | 'ố' | 'ồ' | 'ổ' | 'ỗ'
        | 'ộ' | 'ớ' | 'ờ' | 'ở' | 'ỡ' | 'ợ' => 'o',
        'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' | 'Ø' | 'Ō' | 'Ő' | 'Ơ' | 'Ọ' | 'Ỏ' | 'Ố' | 'Ồ' | 'Ổ' | 'Ỗ'
        | 'Ộ' | 'Ớ' | 'Ờ' | 'Ở' | 'Ỡ' | 'Ợ' => 'O',
        'ú' | 'ù' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' | 'ư' | 'ụ' | 'ủ' | 'ũ' | 'ứ' | 'ừ' | 'ử'
        | 'ữ' | 'ự' => 'u',
        'Ú' | 'Ù' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' | 'Ų' | 'Ư' | 'Ụ' | 'Ủ' | 'Ũ' | 'Ứ' | 'Ừ' | 'Ử'
        | 'Ữ' | 'Ự' => 'U',
        'ñ' | 'ń' | 'ň' | 'ņ' => 'n',
        'Ñ' | 'Ń' | 'Ň' | 'Ņ' => 'N',
        'ç' | 'ć' | 'č' | 'ĉ' => 'c',
        'Ç' | 'Ć' | 'Č' | 'Ĉ' => 'C',
        'ś' | 'š' | 'ş' | 'ș' => 's',
        'Ś' | 'Š' | 'Ş' | 'Ș' => 'S',
        'ź' | 'ż' | 'ž' => 'z',
        'Ź' | 'Ż' | 'Ž' => 'Z',
        'ł' | 'ļ' => 'l',
        'Ł' | 'Ļ' => 'L',
        'ğ' | 'ģ' => 'g',
        'Ğ' | 'Ģ' => 'G',
        'ķ' => 'k',
        'Ķ' => 'K',
        'ř' => 'r',
        'Ř' => 'R',
        'ť' | 'ț' | 'ţ' => 't',
        'Ť' | 'Ț' | 'Ţ' => 'T',
        'ď' | 'đ' => 'd',
        'Ď' | 'Đ' => 'D',
        'ß' => 's',
        'ý' | 'ÿ' | 'ỳ' | 'ỵ' | 'ỷ' | 'ỹ' => 'y',
        'Ý' | 'Ÿ' | 'Ỳ' | 'Ỵ' | 'Ỷ' | 'Ỹ' => 'Y',
        'æ' => 'a',
        'Æ' => 'A',
        '’' | '‘' | 'ʼ' => '\'',
        other => other,
    }
}

/// A name's spelling as transliterations and typists vary it: accents folded, lower case,
/// "þ" as "th" and "ð" as "d", the letters spellings swap ("kh"/"h", "ph"/"f", "ou"/"u",
/// "dj"/"j", "tch"/"ch", "sch"/"sh", "th"/"t", "ck"/"k", "x"/"ks", "w"/"v", "y"/"i") as one,
/// and doubled letters once: "Petrossian" and "Petrosyan", "Mohammed" and "Mohamed", "Andrei"
/// and "Andrey", "Aleksei" and "Alexey", "Þórhildur" and "Thorhildur" have one key.
pub fn spelling_key(word: &str) -> String {
    let lower: String = word
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            'þ' => vec!['t', 'h'],
            'ð' => vec!['d'],
            other => vec![fold_char(other)],
        })
        .collect();
    let mut key = lower;
    for (from, to) in [
        ("tch", "ch"),
        ("sch", "sh"),
        ("kh", "h"),
        ("ph", "f"),
        ("dj", "j"),
        ("ou", "u"),
        ("th", "t"),
        ("ck", "k"),
        ("x", "ks"),
        ("w", "v"),
        ("y", "i"),
    ] {
        key = key.replace(from, to);
    }
    let mut out = String::with_capacity(key.len());
    for c in key.chars() {
        if out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    out
}

/// A name's words, accent-folded, lower case, without surrounding punctuation.
pub fn name_tokens(name: &str) -> Vec<String> {
    fold_accents(name)
        .to_lowercase()
        .split_whitespace()
        .map(|token| token.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|t| !t.is_empty())
        .collect()
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

/// Product names in CamelCase ("HubSpot", "BigQuery") are not people ("McKenzie",
/// "Hope McAllister", "DiCaprio", "LeBlanc" are).
pub fn is_camel_case(surface: &str) -> bool {
    surface.split_whitespace().any(|token| {
        let inner_capital = token
            .chars()
            .zip(token.chars().skip(1))
            .any(|(a, b)| a.is_lowercase() && b.is_uppercase());
        let name_prefix =
            ["Mc", "Mac", "O'", "Di", "De", "Le", "La", "Van", "Von", "Fitz", "Al-", "El-"]
                .iter()
                .any(|prefix| token.starts_with(prefix));
        inner_capital && !name_prefix
    })
}

/// Regex source matching a form as a whole word, with either apostrophe; case-sensitive
/// forms keep their own capitalisation.
/// The accented Latin letters of each ASCII letter ('a' -> "àáâãäåāăą..."), from
/// [`fold_char`].
static ACCENTED: LazyLock<HashMap<char, String>> = LazyLock::new(|| {
    let mut variants: HashMap<char, String> = HashMap::new();
    for c in ('\u{00C0}'..='\u{024F}').chain('\u{1E00}'..='\u{1EFF}') {
        let base = fold_char(c);
        if base != c && base.is_ascii_alphabetic() {
            variants.entry(base).or_default().push(c);
        }
    }
    variants
});

/// A regex for `folded` (accents already stripped) that matches it with any accents: each
/// letter becomes a class of itself and its accented forms.
fn any_accents(folded: &str) -> String {
    let mut pattern = String::with_capacity(folded.len() * 4);
    for c in folded.chars() {
        match ACCENTED.get(&c) {
            Some(variants) => {
                pattern.push('[');
                pattern.push(c);
                pattern.push_str(variants);
                pattern.push(']');
            }
            None if c == '\'' => pattern.push_str("['’]"),
            None => pattern.push_str(&regex::escape(&c.to_string())),
        }
    }
    pattern
}

/// A word-bounded regex for `form`, already written as the regex `pattern`.
fn bounded(form: &str, pattern: &str, case_sensitive: bool) -> String {
    let starts_word = form.chars().next().is_some_and(char::is_alphanumeric);
    let ends_word = form.chars().last().is_some_and(char::is_alphanumeric);
    let pattern = format!(
        "{}{pattern}{}",
        if starts_word { r"\b" } else { "" },
        if ends_word { r"\b" } else { "" }
    );
    if case_sensitive { format!("(?-i:{pattern})") } else { pattern }
}

fn term_pattern(form: &str, case_sensitive: bool) -> String {
    bounded(form, &regex::escape(form).replace('\'', "['’]"), case_sensitive)
}

/// Words right before a person's name ("asked fang", "my boss, will", "thanks mark").
const PERSON_CUE_BEFORE: &str = r"asked|ask|told|tell|thanks|thank\s+you|hi|hello|hey|dear|boss|manager|colleague|co-?worker|cfo|ceo|cto|coo|cio|ciso|vp|director|emailed|pinged|cc'd|me\s+and|looped\s+in";

/// Words right after a person's name ("fang said", "mark and i").
const PERSON_CUE_AFTER: &str = r"said|says|told|asked|mentioned|emailed|and\s+i|and\s+me|was\s+like|thinks|thought|wanted|insisted";

/// One name form and what it becomes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Term {
    /// The form as written ("Serrano", "Paco", "J. Ortega").
    pub form: String,
    /// Its placeholder ("[ACCOUNT]", "[COLLEAGUE 2]").
    pub placeholder: String,
    /// Matched only with its own capitalisation (the form is also an ordinary word).
    pub case_sensitive: bool,
}

/// A set of forms compiled into one matcher (longest form first).
#[derive(Debug, Default, Clone)]
pub struct Terms {
    terms: Vec<Term>,
    matcher: Option<Regex>,
    /// A person's case-sensitive forms in any case, where the words around them hold a person
    /// ("i asked fang to", "will said"): lower-case transcripts write names in lower case.
    cued: Option<Regex>,
    exact: HashMap<String, usize>,
    folded: HashMap<String, usize>,
}

fn fold_key(form: &str) -> String {
    fold_accents(form).replace('’', "'").to_lowercase()
}

impl Terms {
    /// Adds a form unless an equal one (ignoring case and accents) is already there; returns
    /// whether it was added. Call [`Terms::rebuild`] after adding.
    pub fn add(&mut self, form: &str, placeholder: &str, case_sensitive: bool) -> bool {
        let key = fold_key(form);
        if self.exact.contains_key(form) {
            return false;
        }
        // "Dũng" and "Dung" (as foreigners write it): a fold that makes an English word is
        // matched only as written, so each spelling the text shows is a form of its own, with
        // the placeholder of the first.
        let same = self.folded.get(&key).copied().or_else(|| {
            self.terms.iter().position(|term| term.case_sensitive && fold_key(&term.form) == key)
        });
        if let Some(index) = same {
            let written_only = is_english_word(&fold_accents(form));
            if !written_only
                || !form.starts_with(char::is_uppercase)
                || self.terms[index].form == form
            {
                return false;
            }
            let placeholder = self.terms[index].placeholder.clone();
            self.exact.insert(form.to_string(), self.terms.len());
            self.terms.push(Term { form: form.to_string(), placeholder, case_sensitive: true });
            return true;
        }
        let index = self.terms.len();
        self.terms.push(Term {
            form: form.to_string(),
            placeholder: placeholder.to_string(),
            case_sensitive,
        });
        if case_sensitive {
            self.exact.insert(form.to_string(), index);
            self.exact.insert(fold_accents(form), index);
        } else {
            self.folded.insert(key, index);
        }
        true
    }

    /// True when the set has a form equal to `form` (ignoring case and accents).
    pub fn contains(&self, form: &str) -> bool {
        self.folded.contains_key(&fold_key(form))
            || self.terms.iter().any(|term| term.form.eq_ignore_ascii_case(form))
    }

    /// Compiles the matcher.
    pub fn rebuild(&mut self) {
        let mut order: Vec<&Term> = self.terms.iter().collect();
        order.sort_by(|a, b| b.form.len().cmp(&a.form.len()).then_with(|| a.form.cmp(&b.form)));
        let mut patterns: Vec<String> = vec![];
        for term in order {
            // A form matches however it is accented ("Kahu Ridge" learned, "Kāhu Ridge"
            // said). "Cần" (of "Cần Thơ") is also written "Can", but "can" is a word: a fold
            // that makes an English word is matched only as written.
            let folded = fold_accents(&term.form);
            if folded.contains(' ') || !is_english_word(&folded) {
                patterns.push(bounded(&folded, &any_accents(&folded), term.case_sensitive));
            } else {
                patterns.push(term_pattern(&term.form, term.case_sensitive));
            }
        }
        self.matcher = (!patterns.is_empty()).then(|| {
            Regex::new(&format!("(?i)(?:{})", patterns.join("|")))
                .expect("escaped alternation is a valid regex")
        });
        let people: Vec<String> = self
            .terms
            .iter()
            // Initials ("ME", "J-F") are matched in capitals only, even after a cue ("tell me").
            .filter(|term| {
                term.case_sensitive
                    && term.placeholder != "[ACCOUNT]"
                    && !term.form.chars().all(|c| !c.is_alphabetic() || c.is_uppercase())
            })
            .map(|term| regex::escape(&fold_key(&term.form)))
            .collect();
        self.cued = (!people.is_empty()).then(|| {
            let forms = people.join("|");
            Regex::new(&format!(
                r"(?i)\b(?:(?P<cue>{PERSON_CUE_BEFORE})[\s,:]+(?P<a>{forms})\b|(?P<b>{forms})(?P<after>\s+(?:{PERSON_CUE_AFTER})\b|['’]s\s+(?:team|boss|manager|desk|email|call|idea)\b))"
            ))
            .expect("escaped alternation is a valid regex")
        });
    }

    /// Every form.
    pub fn iter(&self) -> impl Iterator<Item = &Term> {
        self.terms.iter()
    }

    /// Number of forms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when there are no forms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Replaces every form in `text` by its placeholder.
    pub fn redact(&self, text: &str) -> String {
        self.redact_except(text, |_, _, _| false)
    }

    /// Replaces every form in `text` by its placeholder, except a match at `start..end` of the
    /// text being redacted for which `keep(text, start, end)` holds.
    pub fn redact_except(&self, text: &str, keep: impl Fn(&str, usize, usize) -> bool) -> String {
        let Some(matcher) = &self.matcher else { return text.to_string() };
        let placeholder = |found: &str| {
            let key = fold_key(found);
            self.exact
                .get(found)
                .or_else(|| self.folded.get(&key))
                .copied()
                .or_else(|| self.terms.iter().position(|term| fold_key(&term.form) == key))
                .map_or_else(|| "[NAME]".to_string(), |i| self.terms[i].placeholder.clone())
        };
        let text = matcher.replace_all(text, |caps: &regex::Captures<'_>| {
            let found = caps.get(0).expect("a match");
            if keep(text, found.start(), found.end()) {
                return found.as_str().to_string();
            }
            placeholder(found.as_str())
        });
        let Some(cued) = &self.cued else { return text.into_owned() };
        let first = text.as_ref();
        cued.replace_all(first, |caps: &regex::Captures<'_>| {
            match (caps.name("a"), caps.name("b")) {
                (Some(name), _) if !keep(first, name.start(), name.end()) => {
                    let cue_and_gap =
                        &caps[0][..name.start() - caps.get(0).map_or(0, |m| m.start())];
                    format!("{cue_and_gap}{}", placeholder(name.as_str()))
                }
                (_, Some(name)) if !keep(first, name.start(), name.end()) => {
                    format!("{}{}", placeholder(name.as_str()), &caps["after"])
                }
                _ => caps[0].to_string(),
            }
        })
        .into_owned()
    }

    /// True when any form occurs in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.matcher.as_ref().is_some_and(|matcher| matcher.is_match(text))
    }
}

/// True when an interview is written without capitals, as raw automatic captions are: at least
/// 150 words, and fewer than 1 in 100 start with a capital ("I" and placeholders aside).
pub fn is_caseless<'t>(texts: impl IntoIterator<Item = &'t str>) -> bool {
    let (mut words, mut capitalised) = (0usize, 0usize);
    for text in texts {
        for word in text.split_whitespace() {
            let word = word.trim_matches(|c: char| !c.is_alphabetic());
            if word.is_empty() || word == "I" || word.starts_with("I'") || word.starts_with("I’")
            {
                continue;
            }
            words += 1;
            if word.starts_with(char::is_uppercase) {
                capitalised += 1;
            }
        }
    }
    words >= 150 && capitalised * 100 < words
}

static LOWER_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\p{Ll}[\p{Ll}'’-]*\b").expect("static regex"));

/// A run of words written in a script other than the Latin one ("Бане", "გიორგი ბერიძე",
/// "鹏城电力").
static OTHER_SCRIPT: LazyLock<Regex> = LazyLock::new(|| {
    let word = r"[\p{L}&&[^\p{Latin}]][\p{L}\p{M}&&[^\p{Latin}]]*";
    Regex::new(&format!(r"{word}(?:[\s·・-]+{word})*")).expect("static regex")
});

/// Replaces words of another script inside a Latin-script text by `[NAME]`: in an interview
/// held in English, what a buyer writes out in Cyrillic, Georgian, Chinese or Arabic letters
/// is a name (their own, a colleague's, the company's on its business card). A text mostly in
/// another script is left to the other recognizers. `keep` spares competitor names.
pub fn redact_other_scripts(text: &str, keep: impl Fn(&str) -> bool) -> String {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    let latin = LATIN_LETTER.find_iter(text).count();
    if latin * 2 < letters || latin == letters {
        return text.to_string();
    }
    OTHER_SCRIPT
        .replace_all(text, |caps: &regex::Captures<'_>| {
            let run = &caps[0];
            if keep(run) {
                run.to_string()
            } else if run.chars().any(char::is_lowercase) && run.chars().all(capitalising_script) {
                capitalised_only(run)
            } else {
                "[NAME]".to_string()
            }
        })
        .into_owned()
}

/// True for a letter of a script that writes names with a capital (Cyrillic, Greek,
/// Armenian; not Georgian, whose names are written in the same letters as other words), or
/// for a space or mark between words.
fn capitalising_script(c: char) -> bool {
    !c.is_alphabetic()
        || matches!(c, '\u{0370}'..='\u{058F}' | '\u{1C80}'..='\u{1C8F}' | '\u{1F00}'..='\u{1FFF}' | '\u{2DE0}'..='\u{2DFF}' | '\u{A640}'..='\u{A69F}')
}

/// A run of a script with capitals (Cyrillic, Greek, Armenian) with each run of capitalised
/// words as one `[NAME]` and the lower-case words kept: "ово није у реду" is a sentence, not a
/// name, while "Марко Петровић" is one.
fn capitalised_only(run: &str) -> String {
    let separator = |c: char| c.is_whitespace() || c == '·' || c == '・';
    let mut out = String::new();
    let mut in_name = false;
    let mut gap = "";
    for piece in run.split_inclusive(separator) {
        let word = piece.trim_end_matches(separator);
        if word.chars().next().is_some_and(char::is_uppercase) {
            // The words of one name share one placeholder, the gaps between them too.
            if !in_name {
                out.push_str(gap);
                out.push_str("[NAME]");
                in_name = true;
            }
        } else {
            out.push_str(gap);
            out.push_str(word);
            in_name = false;
        }
        gap = &piece[word.len()..];
    }
    out.push_str(gap);
    out
}

static LATIN_LETTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\p{Latin}").expect("static regex"));

/// A speaker introducing themselves, right before their name ("hi i'm ", "i am "). A given
/// name that is also an adjective ("i'm frank") costs a word; an interview rarely says it.
static SELF_INTRODUCTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\p{L}'’])(?:i'm|i’m|i\s+am)\s+$").expect("static regex"));

/// Spoken fillers that no dictionary lists: never capitalised.
const FILLERS: [&str; 16] = [
    "gonna", "wanna", "gotta", "kinda", "sorta", "yeah", "yep", "yup", "nope", "hmm", "mhm",
    "uh-huh", "okay", "alright", "dunno", "lemme",
];

/// Gives the words a caption writer would capitalise their capital back: listed given names,
/// surnames and towns, and words no dictionary holds ("vikram from billora" -> "Vikram from
/// Billora", "in hosur" -> "in Hosur"); never an English word, a common word, a tool, a
/// greeting or a filler; and "i" -> "I". The recognizers then need the same evidence as in any
/// transcript (a pronoun, a role, a list) before a word is a name.
pub fn restore_capitals(text: &str) -> String {
    LOWER_WORD
        .replace_all(text, |caps: &regex::Captures<'_>| {
            let word = &caps[0];
            if word == "i" {
                return "I".to_string();
            }
            let mut chars = word.chars();
            let capital: String =
                chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
            // "hi i'm robin i'm doing these interviews": a given name introducing its speaker
            // gets its capital, even when it is an English word too.
            let start = caps.get(0).map_or(0, |word| word.start());
            if super::lexicon::is_given_name(word) && SELF_INTRODUCTION.is_match(&text[..start]) {
                return capital;
            }
            // "that's", "don't": a contraction of an English word is English.
            let head = word.split(['\'', '’']).next().unwrap_or(word);
            if word.chars().count() >= 3
                && !is_english_word(word)
                && !(head != word && (is_english_word(head) || head == "i"))
                && !super::lexicon::COMMON_WORDS.contains(word)
                && !super::lexicon::is_vendor(word)
                && !super::lexicon::is_greeting(word)
                && !FILLERS.contains(&word)
                && !super::lexicon::HONORIFICS.contains(&word)
                && !super::lexicon::is_trailing_honorific(word)
            {
                capital
            } else {
                word.to_string()
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_another_script_in_an_english_interview_are_names() {
        let keep = |run: &str| run == "Тиха";
        assert_eq!(
            redact_other_scripts("my name is in Georgian letters, გიორგი ბერიძე, ok", keep),
            "my name is in Georgian letters, [NAME], ok"
        );
        assert_eq!(
            redact_other_scripts("On our business card it is 鹏城电力. We liked Тиха.", keep),
            "On our business card it is [NAME]. We liked Тиха."
        );
        let russian = "Мы выбрали их, потому что цена была ниже.";
        assert_eq!(redact_other_scripts(russian, keep), russian);
    }

    #[test]
    fn terms_match_whole_words_longest_first_and_respect_case_when_asked() {
        let mut terms = Terms::default();
        terms.add("Serrano Salud", "[ACCOUNT]", false);
        terms.add("Serrano", "[ACCOUNT]", false);
        terms.add("Tomás Reyes", "[BUYER]", false);
        terms.add("Will", "[COLLEAGUE 1]", true);
        assert!(!terms.add("serrano", "[X]", false), "same form, other case");
        terms.rebuild();
        assert_eq!(
            terms.redact("At serrano salud, Serrano's team and Tomas Reyes: Will will call."),
            "At [ACCOUNT], [ACCOUNT]'s team and [BUYER]: [COLLEAGUE 1] will call."
        );
        assert_eq!(terms.redact("Serranos"), "Serranos");
        let mut terms = Terms::default();
        terms.add("Cần", "[NAME]", false);
        terms.add("Hải", "[NAME]", false);
        terms.rebuild();
        assert_eq!(terms.redact("Cần, Hai: we can. Can you?"), "[NAME], [NAME]: we can. Can you?");
    }

    #[test]
    fn helpers() {
        assert_eq!(fold_accents("Łukasz Nguyễn Çelik Øyvind"), "Lukasz Nguyen Celik Oyvind");
        assert!(contains_word("call +1 555 now", "+1 555") && !contains_word("tomato", "tom"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        for (a, b) in [
            ("Petrossian", "Petrosyan"),
            ("Mohammed", "Mohamed"),
            ("Andrei", "Andrey"),
            ("Aleksei", "Alexey"),
            ("Þórhildur", "Thorhildur"),
            ("Tchoumi", "Chumi"),
            ("Ozoliņš", "Ozolins"),
        ] {
            assert_eq!(spelling_key(a), spelling_key(b), "{a} / {b}");
        }
        assert_ne!(spelling_key("Petrosyan"), spelling_key("Petrovic"));
        assert!(is_camel_case("HubSpot") && !is_camel_case("McKenzie"));
        assert!(!is_camel_case("Hope McAllister") && !is_camel_case("LeBlanc"));
        assert_eq!(name_tokens("  Dana  O'Neil, "), ["dana", "o'neil"]);
    }
}

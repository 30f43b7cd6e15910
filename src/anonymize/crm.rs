//! CRM terms: every form in which the people and the account a deal's CRM row lists can be
//! said. People: full name, given name, each surname part (hyphenated and compound surnames,
//! particles), the first two names, nicknames from the nickname table, initials ("J. Ortega").
//! Accounts: every distinctive word and word sequence once legal forms and generic words in
//! several languages are set aside ("Distribuidora Serrano Salud S.A. de C.V." -> "Serrano",
//! "Serrano Salud", ...), CamelCase splits and initialisms. The anonymizer and the response
//! guard use exactly this term set.

use super::lexicon::{
    COMMON_WORDS, COUNTRIES, GENERIC_ORG_WORDS, LEGAL_FORMS, is_calendar_or_place, is_english_word,
    is_frequent_word, is_given_name_or_word, nicknames_of,
};
use super::text::{Term, fold_accents};

/// Words that join the parts of a name ("Pelham & Rowe", "Banco de Chile", "Jan van der Berg").
const CONNECTORS: [&str; 26] = [
    "&", "and", "y", "e", "et", "und", "of", "the", "de", "del", "della", "di", "da", "do", "dos",
    "das", "du", "von", "van", "der", "den", "la", "le", "el", "bin", "al",
];
/// Particles that open a surname and so an account name made of one ("de Wit Groep").
const NAME_PARTICLES: [&str; 15] = [
    "de", "van", "von", "da", "del", "di", "le", "la", "ter", "der", "den", "ten", "du", "dos",
    "das",
];
/// Legal forms that open a name ("PT Maju Jaya", "OOO Romashka").
const LEADING_LEGAL: [&str; 9] = ["pt", "cv", "ooo", "oao", "zao", "pao", "jsc", "pjsc", "ojsc"];
/// Acronyms an account's initials must not be mistaken for.
pub(crate) const COMMON_ACRONYMS: [&str; 40] = [
    "ceo", "cfo", "cto", "coo", "cio", "crm", "erp", "api", "sso", "sla", "roi", "kpi", "usa",
    "emea", "apac", "soc", "gdpr", "aws", "gcp", "ocr", "pdf", "csv", "sql", "faq", "rfp", "rfi",
    "poc", "mvp", "ipo", "llc", "plc", "ltd", "inc", "hr", "it", "ap", "ar", "po", "qa", "vp",
];

fn bare(token: &str) -> String {
    token
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '&')
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_connector(token: &str) -> bool {
    CONNECTORS.contains(&bare(token).as_str())
}

/// True when a form should be matched only with its own capitalisation: a single word that is
/// also an ordinary word ("Will", "Grant", "Long"; any English word for an account: "Pine"),
/// unless it is a given name first ("Maria", "Lee").
pub fn case_sensitive(form: &str, account: bool) -> bool {
    let lower = form.to_lowercase();
    !form.contains(' ')
        && (COMMON_WORDS.contains(lower.as_str())
            || (account && is_english_word(&lower))
            || (is_frequent_word(&lower) && !is_given_name_or_word(form)))
}

/// Collects forms for one placeholder, without duplicates.
struct Collector<'a> {
    terms: &'a mut Vec<Term>,
    placeholder: &'a str,
    account: bool,
}

impl Collector<'_> {
    fn add(&mut self, form: &str) {
        let form = form.trim().trim_end_matches(',').trim();
        if form.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
            return;
        }
        if self.terms.iter().any(|term| term.form == form) {
            return;
        }
        self.terms.push(Term {
            form: form.to_string(),
            placeholder: self.placeholder.to_string(),
            case_sensitive: case_sensitive(form, self.account),
        });
    }

    /// Adds a form matched only as written.
    fn add_exact(&mut self, form: &str) {
        self.add(form);
        if let Some(term) = self.terms.iter_mut().find(|term| term.form == form) {
            term.case_sensitive = true;
        }
    }
}

/// The people and account a CRM row lists, with their placeholders.
#[derive(Debug, Default)]
pub struct Listed {
    /// Every form of every listed name.
    pub terms: Vec<Term>,
    /// Listed people: (placeholder, name).
    pub people: Vec<(String, String)>,
    /// Colleague numbers used.
    pub colleagues: usize,
}

/// The CRM terms of a deal: contacts (`[BUYER]` for the first, then `[COLLEAGUE n]`), the
/// interviewers, the rep and the account names.
pub fn listed(contacts: &[String], interviewers: &[&str], rep: &str, accounts: &[&str]) -> Listed {
    let mut listed = Listed::default();
    for (index, contact) in contacts.iter().enumerate() {
        let placeholder = if index == 0 {
            "[BUYER]".to_string()
        } else {
            listed.colleagues += 1;
            format!("[COLLEAGUE {}]", listed.colleagues)
        };
        person_terms(contact, &placeholder, &mut listed.terms);
        listed.people.push((placeholder, contact.clone()));
    }
    for interviewer in interviewers {
        person_terms(interviewer, "[INTERVIEWER]", &mut listed.terms);
        listed.people.push(("[INTERVIEWER]".to_string(), interviewer.to_string()));
    }
    person_terms(rep, "[REP]", &mut listed.terms);
    if !rep.trim().is_empty() {
        listed.people.push(("[REP]".to_string(), rep.to_string()));
    }
    for account in accounts {
        account_terms(account, "[ACCOUNT]", &mut listed.terms);
    }
    listed
}

/// The forms of a person's name, each with `placeholder`.
pub fn person_terms(name: &str, placeholder: &str, terms: &mut Vec<Term>) {
    let name = name.trim();
    if name.is_empty() {
        return;
    }
    // "Đorđe" is "Djordje" in English documents (and "Dorde" once accents are folded).
    if name.contains(['Đ', 'đ']) {
        person_terms(&name.replace('Đ', "Dj").replace('đ', "dj"), placeholder, terms);
    }
    let mut out = Collector { terms, placeholder, account: false };
    out.add(name);
    let tokens: Vec<&str> = name.split_whitespace().collect();
    let given = tokens[0];
    for nick in nicknames_of(given) {
        out.add(&nick);
    }
    if tokens.len() < 2 {
        return;
    }
    out.add(given);
    if tokens.len() >= 3 {
        out.add(&tokens[..2].join(" "));
        // Everything after the first (or second) given name: "García López", "van der Berg".
        for split in 1..tokens.len() - 1 {
            out.add(&tokens[split..].join(" "));
        }
    }
    if let Some(start) = tokens.iter().position(|t| t.starts_with(char::is_lowercase))
        && start > 0
    {
        out.add(&tokens[start..].join(" "));
    }
    let surnames: Vec<&str> = tokens[1..].iter().copied().filter(|t| !is_connector(t)).collect();
    // "Szabóné", "Kazlauskienė": inflected forms of every part (the family name may come first).
    for token in tokens.iter().filter(|t| !is_connector(t)) {
        for form in super::people::inflected_forms(token) {
            out.add(&form);
        }
    }
    for surname in &surnames {
        let letters = surname.chars().filter(|c| c.is_alphabetic()).count();
        if letters >= 3 || (letters == 2 && !is_english_word(surname)) {
            out.add(surname);
        }
        if surname.contains('-') {
            for part in surname.split('-').filter(|p| p.chars().count() >= 2) {
                out.add(part);
            }
            out.add(&surname.replace('-', " "));
        }
    }
    // "Sherzodbek", "Sherzodjon" of "Sherzod": the Uzbek and Tajik suffixes of respect and
    // affection, written onto the given name.
    if given.chars().count() >= 3 && given.chars().all(char::is_alphabetic) {
        for suffix in ["bek", "jon"] {
            out.add(&format!("{given}{suffix}"));
        }
    }
    // "Minji" of "Min-ji": a hyphenated name as others write it, without the hyphen.
    for token in tokens.iter().filter(|t| !is_connector(t)) {
        if let Some((first, second)) = token.split_once('-')
            && first.chars().count() >= 2
            && second.chars().count() >= 2
            && second.chars().all(char::is_alphabetic)
        {
            out.add(&format!("{first}{}", second.to_lowercase()));
        }
    }
    // A hyphenated given name said by its initials: "Jean-François" -> "J-F", "JF".
    let parts: Vec<&str> = given.split('-').collect();
    if parts.len() == 2 && parts.iter().all(|p| p.chars().count() >= 2) {
        let initials: Vec<String> = parts
            .iter()
            .map(|p| fold_accents(p))
            .filter_map(|p| p.chars().next())
            .flat_map(char::to_uppercase)
            .map(String::from)
            .collect();
        if initials.len() == 2 && initials.iter().all(|i| i.chars().all(char::is_alphabetic)) {
            let (a, b) = (&initials[0], &initials[1]);
            // Only in capitals: "M-E" or "ME" of "Marie-Ève" is never "me" (a hyphen between
            // two letters matches no hyphen too).
            out.add_exact(&format!("{a}-{b}"));
            out.add_exact(&format!("{a}{b}"));
        }
    }
    let last = tokens[tokens.len() - 1];
    let initial: String = given.chars().take(1).collect();
    if initial.chars().all(char::is_alphabetic) {
        out.add(&format!("{initial}. {last}"));
        out.add(&format!("{initial} {last}"));
    }
    if let Some(last_initial) = last.chars().next() {
        out.add(&format!("{given} {last_initial}."));
    }
    for nick in nicknames_of(given) {
        out.add(&format!("{nick} {last}"));
    }
}

/// Splits "BrightCart" into "Bright Cart" (None when not CamelCase).
fn camel_split(token: &str) -> Option<String> {
    let mut out = String::new();
    let mut previous_lower = false;
    let mut split = false;
    for c in token.chars() {
        if c.is_uppercase() && previous_lower {
            out.push(' ');
            split = true;
        }
        previous_lower = c.is_lowercase();
        out.push(c);
    }
    split.then_some(out)
}

/// A capitalised compound of two English words as its halves ("Homeowners" -> "Home",
/// "Owners"; "Greenleaf" -> "Green", "Leaf"), each of three letters or more; any other word
/// as it is.
fn compound_halves(word: &str) -> Vec<String> {
    let lower = word.to_lowercase();
    if word.starts_with(char::is_uppercase) && word.chars().all(char::is_alphabetic) {
        for (at, _) in lower.char_indices().skip(3) {
            let (head, tail) = lower.split_at(at);
            if tail.chars().count() >= 3 && is_english_word(head) && is_english_word(tail) {
                let head_len = word.char_indices().nth(head.chars().count()).map_or(0, |(i, _)| i);
                let tail = &word[head_len..];
                let mut chars = tail.chars();
                let capital: String =
                    chars.next().into_iter().flat_map(char::to_uppercase).chain(chars).collect();
                return vec![word[..head_len].to_string(), capital];
            }
        }
    }
    vec![word.to_string()]
}

/// The forms of an account name, each with `placeholder`.
pub fn account_terms(name: &str, placeholder: &str, terms: &mut Vec<Term>) {
    let name = name.trim();
    if name.is_empty() {
        return;
    }
    let mut out = Collector { terms, placeholder, account: true };
    out.add(name);
    let mut tokens: Vec<&str> = name.split_whitespace().collect();
    // Legal forms at the end ("S.A. de C.V.", "Pty Ltd", "& Co") and at the start ("PT").
    let mut stripped = false;
    while tokens.len() > 1 {
        let last = bare(tokens[tokens.len() - 1]);
        if LEGAL_FORMS.contains(last.as_str()) || last.is_empty() {
            tokens.pop();
            stripped = true;
        } else if stripped && is_connector(tokens[tokens.len() - 1]) {
            tokens.pop();
        } else {
            break;
        }
    }
    while tokens.len() > 1 && LEADING_LEGAL.contains(&bare(tokens[0]).as_str()) {
        tokens.remove(0);
    }
    let core = tokens.join(" ");
    let core = core.trim_end_matches(',');
    out.add(core);
    let distinctive = |token: &str| {
        let lower = bare(token);
        !lower.is_empty()
            && !GENERIC_ORG_WORDS.contains(lower.as_str())
            && !LEGAL_FORMS.contains(lower.as_str())
            && !is_connector(token)
    };
    // A name that is a description of what an organisation runs, then "of" and its owner
    // ("Voluntary Blood Bank of the Sengamalam Trust"): the description's English words are
    // no form of the account ("Blood Bank" is said of any blood bank).
    let head_end = tokens
        .iter()
        .rposition(|t| TAIL_OPENERS.contains(&bare(t).as_str()))
        .filter(|&at| at > 0 && at + 1 < tokens.len())
        .unwrap_or(0);
    let description = |slice: &[&str], start: usize| {
        start + slice.len() <= head_end
            && slice.iter().all(|t| {
                let word = t.trim_matches(|c: char| !c.is_alphanumeric());
                is_connector(t) || is_english_word(&word.to_lowercase())
            })
    };
    // Every word sequence that does not open or close on a connector and holds a distinctive
    // word; single words only when distinctive, not a country or month, three letters or more.
    for start in 0..tokens.len() {
        for end in start + 1..=tokens.len() {
            let slice = &tokens[start..end];
            if description(slice, start) {
                continue;
            }
            // A name particle may open a form ("de Wit", "van Leer"), no other connector.
            let particle_first = slice.len() > 1
                && NAME_PARTICLES.contains(&slice[0])
                && slice[1].starts_with(char::is_uppercase);
            if (is_connector(slice[0]) && !particle_first) || is_connector(slice[slice.len() - 1]) {
                continue;
            }
            if !slice.iter().any(|t| distinctive(t)) {
                continue;
            }
            // A surname's particles alone ("Van", "van der") name nobody: "Van Reenen's Pass".
            if slice.iter().all(|t| NAME_PARTICLES.contains(&t.to_lowercase().as_str())) {
                continue;
            }
            if slice.len() == 1 {
                let word = slice[0].trim_matches(|c: char| !c.is_alphanumeric());
                let lower = word.to_lowercase();
                if word.chars().filter(|c| c.is_alphabetic()).count() < 3
                    || COUNTRIES.contains(lower.as_str())
                    || is_calendar_or_place(&lower)
                {
                    continue;
                }
                out.add(word);
                if let Some(split) = camel_split(word) {
                    out.add(&split);
                }
                continue;
            }
            out.add(&slice.join(" "));
        }
    }
    push_initialisms(name, &tokens, placeholder, out.terms, false);
    // A Chinese brand said by its syllables' initials ("Qianhui" -> "QH", "Yuefeng" -> "YF").
    for token in &tokens {
        let word = token.trim_matches(|c: char| !c.is_alphanumeric());
        let lower = word.to_lowercase();
        if !distinctive(word)
            || is_english_word(&lower)
            || COUNTRIES.contains(lower.as_str())
            || is_calendar_or_place(&lower)
            || super::places::is_listed_place(word)
        {
            continue;
        }
        if let Some(initials) = pinyin_initials(word) {
            let two = initials.to_lowercase();
            if !TWO_LETTER_ACRONYMS.contains(&two.as_str())
                && !COMMON_ACRONYMS.contains(&two.as_str())
                && !out.terms.iter().any(|t| t.form == initials)
            {
                out.terms.push(Term {
                    form: initials,
                    placeholder: placeholder.to_string(),
                    case_sensitive: true,
                });
            }
        }
    }
    // An organisation named after a department or body of another ("Customer Contact Center of
    // Hoshizora Life Insurance" -> "HLI", "Municipality of Kiryat Shaldag" -> "KS"): the
    // initials of what follows the last "of", also of two words.
    let words: Vec<&str> = name.split_whitespace().collect();
    if let Some(at) = words.iter().rposition(|w| TAIL_OPENERS.contains(&bare(w).as_str())) {
        let tail = words[at + 1..].join(" ");
        let tail_tokens: Vec<&str> = tokens
            .iter()
            .copied()
            .skip_while(|t| words[at + 1..].first().is_none_or(|first| first != t))
            .collect();
        if at > 0 && !tail_tokens.is_empty() {
            push_initialisms(&tail, &tail_tokens, placeholder, out.terms, true);
        }
    }
    if let Some(amp) =
        tokens.iter().position(|t| *t == "&").filter(|&i| i > 0 && i + 1 < tokens.len())
    {
        let (a, b) = (tokens[amp - 1].chars().next(), tokens[amp + 1].chars().next());
        if let (Some(a), Some(b)) = (a, b) {
            out.terms.push(Term {
                form: format!("{a}&{b}"),
                placeholder: placeholder.to_string(),
                case_sensitive: true,
            });
        }
    }
}

/// Pinyin syllables of two letters or more, for [`pinyin_initials`].
const PINYIN: &str = "ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu \
ca cai can cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua \
chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den \
deng di dian diao die ding diu dong dou du duan dui dun duo ei en eng er fa fan fang fei fen feng \
fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai \
han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao \
jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke ken keng kong kou ku kua kuai kuan \
kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long \
lou lu luan lun luo lv lve ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo \
mou mu na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan \
nuo nv nve ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian \
qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan \
rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei shen sheng shi shou \
shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te \
teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia \
xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you \
yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng \
zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo";

/// The initials of a capitalised word of exactly two pinyin syllables ("Qianhui" -> "QH",
/// "Hengda" -> "HD"): how a Chinese company's brand is shortened. The longest first syllable
/// wins ("Qianhui" is "qian hui", not "qi an hui").
fn pinyin_initials(word: &str) -> Option<String> {
    static SYLLABLES: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| PINYIN.split_whitespace().collect());
    let lower = word.to_lowercase();
    if !word.starts_with(|c: char| c.is_ascii_uppercase())
        || !lower.chars().all(|c| c.is_ascii_lowercase())
        || !(5..=12).contains(&lower.len())
    {
        return None;
    }
    (2..=lower.len() - 2).rev().find_map(|at| {
        let (first, second) = lower.split_at(at);
        (SYLLABLES.contains(first) && SYLLABLES.contains(second)).then(|| {
            [first, second]
                .iter()
                .filter_map(|s| s.chars().next())
                .flat_map(char::to_uppercase)
                .collect()
        })
    })
}

/// What follows these words names an organisation of its own ("... Center of Hoshizora Life
/// Insurance", "Municipality of ...", "Office de Tourisme de ...").
const TAIL_OPENERS: [&str; 12] =
    ["of", "de", "du", "des", "di", "del", "della", "do", "da", "dos", "das", "der"];

/// Two-letter acronyms and words of ordinary speech, which a two-word name's initials must not
/// be (besides [`COMMON_ACRONYMS`], which every initialism is checked against).
const TWO_LETTER_ACRONYMS: &[&str] = &[
    "ai", "am", "pm", "tv", "ok", "uk", "us", "eu", "un", "id", "ip", "os", "pc", "hq", "ux", "ui",
    "bi", "ml", "pr", "dm", "pa", "ps", "ms", "mr", "dr", "st", "rd", "av", "ev", "vr", "gp", "md",
    "rn", "ot", "er", "cc", "re", "fw", "ny", "la", "sf", "dc", "gm", "cx", "cs", "fy", "kg", "km",
    "mb", "gb", "tb", "jv", "pv", "hp", "ac", "ed", "hd", "sd", "ep", "mo", "nb", "ss", "ad", "bc",
    "hs", "pt", "sp", "tc", "vc", "wc", "qc", "bd", "sa", "se", "ag", "co", "cv", "va", "bt", "fm",
    "an", "as", "at", "be", "by", "do", "go", "he", "hi", "if", "in", "is", "me", "my", "no", "of",
    "oh", "on", "or", "so", "to", "up", "we", "ex",
];

/// Pushes the initialisms people make of an account's name (`tokens`: its words without legal
/// forms), matched case-sensitively; `two_letters` also lets a name of two words give one.
fn push_initialisms(
    name: &str,
    tokens: &[&str],
    placeholder: &str,
    terms: &mut Vec<Term>,
    two_letters: bool,
) {
    // Initials of a long name ("Granitebay Health System" -> "GHS"), and "P&R" for "Pelham &
    // Rowe"; matched case-sensitively.
    let words: Vec<&str> = tokens.iter().copied().filter(|t| !is_connector(t)).collect();
    // The ways people spell them: every word's capital; with each part of a hyphenated word
    // ("Noord-Veluwe" -> "NV", "Hsin-Tai" -> "HT") and after an elided article ("d'Entretien"
    // -> "E"); without legal forms ("S.C.", "TOO"); and accent-free ("Údržba" -> "U").
    let parts: Vec<&str> = words
        .iter()
        .flat_map(|w| w.split('-'))
        .map(|w| w.rsplit(['\'', '’']).next().unwrap_or(w))
        .filter(|w| !w.is_empty() && !is_connector(w))
        .collect();
    let no_legal = |list: &[&'_ str]| -> Vec<String> {
        list.iter()
            .filter(|w| {
                !LEGAL_FORMS.contains(bare(w).as_str())
                    && !LEADING_LEGAL.contains(&bare(w).as_str())
            })
            .map(|w| w.to_string())
            .collect()
    };
    // With the legal forms the name ends on ("Philippine Lamig Express Inc." -> "PLEI").
    let full: Vec<String> = name
        .split_whitespace()
        .filter(|t| !is_connector(t))
        .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|t| !t.is_empty())
        .collect();
    // With a capitalised particle kept ("Al Fuhaid Hospitality Company" -> "AFHC").
    let with_particles: Vec<String> = no_legal(
        &name
            .split_whitespace()
            .filter(|t| !is_connector(t) || t.starts_with(char::is_uppercase))
            .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>(),
    );
    let variants: Vec<Vec<String>> = vec![
        words.iter().map(|w| w.to_string()).collect(),
        full,
        with_particles,
        parts.iter().map(|w| w.to_string()).collect(),
        no_legal(&words),
        no_legal(&parts),
        // A compound said as its two words ("Pine Hollow Homeowners Association" -> "PHHOA").
        no_legal(&words).iter().flat_map(|w| compound_halves(w)).collect(),
    ];
    // An acronym among the words said whole ("Behpardaz IT Services" -> "BITS").
    let is_acronym =
        |w: &str| (2..=4).contains(&w.len()) && w.chars().all(|c| c.is_ascii_uppercase());
    let kept = no_legal(&words);
    let acronym_whole = kept.iter().any(|w| is_acronym(w)).then(|| {
        kept.iter()
            .map(|w| if is_acronym(w) { w.clone() } else { w.chars().take(1).collect() })
            .collect::<String>()
    });
    let mut seen: Vec<String> = vec![];
    let mut push = |initials: String| {
        let lower = initials.to_lowercase();
        let count = initials.chars().count();
        // Capitals that spell a short English word are that word ("ACE"); longer ones are an
        // acronym ("BITS"), and two letters go by the list of ordinary speech's acronyms.
        if (count >= 3
            || (two_letters && count == 2 && !TWO_LETTER_ACRONYMS.contains(&lower.as_str())))
            && initials.chars().all(|c| c.is_ascii_uppercase())
            && !COMMON_ACRONYMS.contains(&lower.as_str())
            && !(count == 3 && is_english_word(&lower))
            && !seen.contains(&initials)
        {
            seen.push(initials.clone());
            terms.push(Term {
                form: initials,
                placeholder: placeholder.to_string(),
                case_sensitive: true,
            });
        }
    };
    for (n, list) in variants.iter().enumerate() {
        // The plain form needs three words, or exactly two (P&R-like, or a tail's two words);
        // variants need three.
        let two = list.len() == 2 && ((n == 0 && tokens.len() == 2) || two_letters);
        if !(list.len() >= 3 || two) {
            continue;
        }
        // "(Tsing" of "Hong Kong (Tsing Yi) Godown" is "Tsing".
        let initials: String = list
            .iter()
            .filter_map(|w| w.trim_start_matches(|c: char| !c.is_alphanumeric()).chars().next())
            .filter(|c| c.is_uppercase())
            .collect();
        let initials = fold_accents(&initials);
        if initials.chars().count() == list.len() {
            // And its first three words or more: people drop a name's tail ("Kallarakkal
            // Memorial Hospital & Research Institute" -> "KMH", "Hong Kong (Tsing Yi) Godown
            // & Transport" -> "HKTY").
            for end in 3..initials.chars().count() {
                push(initials.chars().take(end).collect());
            }
            push(initials);
        }
    }
    if let Some(initials) = acronym_whole {
        push(fold_accents(&initials));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(build: fn(&str, &str, &mut Vec<Term>), name: &str) -> Vec<String> {
        let mut terms = vec![];
        build(name, "[X]", &mut terms);
        terms.into_iter().map(|term| term.form).collect()
    }

    #[test]
    fn initialisms_of_an_organisation_named_after_another_and_of_acronym_words() {
        let has = |name: &str, form: &str| forms(account_terms, name).iter().any(|f| f == form);
        assert!(has("Customer Contact Center of Hoshizora Life Insurance", "HLI"));
        assert!(has("Customer Care Hub of Kalasag Life Assurance Corporation", "KLAC"));
        assert!(has("Municipality of Kiryat Shaldag", "KS"));
        assert!(has("Office de Tourisme de Piton-Vanille", "OTPV"));
        assert!(has("Behpardaz IT Services LLC", "BITS"));
        // Two letters only from what follows "of", never an acronym of ordinary speech.
        assert!(!has("Kiryat Shaldag", "KS"));
        assert!(!has("Department of Pacific Venture", "PV"));
    }

    #[test]
    fn initials_of_a_name_s_head_and_of_a_chinese_brand_s_syllables() {
        let has = |name: &str, form: &str| forms(account_terms, name).iter().any(|f| f == form);
        assert!(has("Kallarakkal Memorial Hospital & Research Institute", "KMH"));
        assert!(has("Hong Kong (Tsing Yi) Godown & Transport Company Limited", "HKTY"));
        assert!(has("Shenzhen Qianhui International Freight Forwarding Co., Ltd.", "QH"));
        assert!(has("Dongguan Yuefeng Warehousing & Logistics Co., Ltd.", "YF"));
        assert_eq!(pinyin_initials("Hengda").as_deref(), Some("HD"));
        // English words and other names have no syllables' initials.
        for (word, initials) in [("Memorial", "ML"), ("Lantern", "LT"), ("Shenzhen", "SZ")] {
            assert!(!has(&format!("{word} Freight Co., Ltd."), initials), "{word}");
        }
        assert!(pinyin_initials("Lantern").is_none() && pinyin_initials("Andes").is_none());
        // A description before "of" is no form of the account; its owner is.
        let blood = forms(account_terms, "Voluntary Blood Bank of the Sengamalam Trust");
        assert!(!blood.iter().any(|f| f == "Blood Bank" || f == "Blood" || f == "Voluntary"));
        assert!(
            blood.iter().any(|f| f == "Sengamalam")
                && blood.iter().any(|f| f == "Sengamalam Trust")
        );
    }

    #[test]
    fn accounts_in_every_form_people_say() {
        let has = |name: &str, form: &str| forms(account_terms, name).iter().any(|f| f == form);
        assert!(has("Distribuidora Serrano Salud", "Serrano"));
        assert!(has("Distribuidora Serrano Salud", "Serrano Salud"));
        assert!(!has("Distribuidora Serrano Salud", "Salud"));
        assert!(!has("Distribuidora Serrano Salud", "Distribuidora"));
        assert!(has("Grupo Andino", "Andino") && has("Banco Ribera", "Ribera"));
        assert!(has("The Halvorsen Company", "Halvorsen") && !has("The Halvorsen Company", "The"));
        assert!(has("Compagnie Vaubrun SAS", "Vaubrun"));
        assert!(has("Textiles Ocampo S.A. de C.V.", "Textiles Ocampo"));
        assert!(has("Textiles Ocampo S.A. de C.V.", "Ocampo"));
        assert!(has("Kiyomizu Shoji KK", "Kiyomizu") && has("Nordvik Oy", "Nordvik"));
        assert!(has("PT Maju Jaya Tbk", "Maju Jaya"));
        assert!(
            has("Pelham & Rowe Retail", "Pelham & Rowe") && has("Pelham & Rowe Retail", "Rowe")
        );
        assert!(has("Pelham & Rowe Retail", "P&R"));
        assert!(has("Granitebay Health System", "GHS"));
        assert!(has("BrightCart Supply Co.", "Bright Cart"));
        assert!(has("Health Co", "Health"), "a generic word that is the brand stays");
        assert!(has("de Wit Groep BV", "de Wit"));
        assert!(!has("Banco de Chile", "Chile"), "countries are not account names");
        let mut terms = vec![];
        account_terms("Parcel & Pine", "[ACCOUNT]", &mut terms);
        let pine = terms.iter().find(|term| term.form == "Pine").expect("Pine");
        assert!(pine.case_sensitive, "an English word is matched capitalised only");
    }

    #[test]
    fn people_in_every_form() {
        let has = |name: &str, form: &str| forms(person_terms, name).iter().any(|f| f == form);
        assert!(has("María José García López", "María José"));
        assert!(has("María José García López", "García López"));
        assert!(
            has("María José García López", "García") && has("María José García López", "López")
        );
        assert!(has("Ana García-López", "López") && has("Ana García-López", "García López"));
        assert!(has("Jan van der Berg", "van der Berg") && has("Jan van der Berg", "Berg"));
        assert!(has("Juan Ortega", "J. Ortega") && has("Juan Ortega", "Juan O."));
        assert!(has("Francisco Ruiz", "Paco") && has("Francisco Ruiz", "Paco Ruiz"));
        assert!(has("Wei Li", "Li") && has("Minh Ng", "Ng"));
        assert!(has("Đorđe Stojanović", "Djordje") && has("Đorđe Stojanović", "Đorđe"));
        let mut terms = vec![];
        person_terms("Will Grant", "[BUYER]", &mut terms);
        assert!(terms.iter().all(|t| t.case_sensitive == (t.form == "Will" || t.form == "Grant")));
    }
}

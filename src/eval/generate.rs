//! Seeded generator of adversarial synthetic win/loss corpora, for measuring the anonymizer.
//!
//! [`generate`] writes a corpus folder in the layout of `eval/FORMAT.md` (`deals.csv`, one
//! transcript per deal in `.txt`, `.vtt` or `.json`, `competitors.toml`, `pii.txt`, `README.md`)
//! plus `keep.tsv`: `deal_id<TAB>phrase` lines that must survive anonymization verbatim (ordinary
//! words next to name cues, and each spelling of a competitor that looks like a person's name).
//! One seed and count give one corpus, byte for byte; everything in it is fictional.
//!
//! Names, places, account patterns and sentences are plain text under `generate/`, written for
//! this generator (independent of the anonymizer's lists). Name parts, nicknames, brands and towns
//! that equal a word of the sentences, traps, titles, countries, seller or competitors are dropped
//! at load time, so a `pii.txt` line never collides with the ordinary text around it.
//!
//! Placeholders in `lines.txt` and `traps.txt`: `{X}` a short form of the account (`{x}` lower
//! case, `{XF}` full), `{PARENT}`, `{C}` `{C2}` competitors, `{SELLER}`, `{REP}` `{REPF}` the
//! account executive (`{rhe}` `{Rhe}` `{rhim}`), `{P}` a colleague in a varied form (full, given,
//! honorific, nickname, initial), `{PS}` possessive, `{PF}` full, `{PG}` given, `{PL}` lower case,
//! `{PH}` honorific, `{PI}` initial, `{PNICK}`, `{PT}` title, `{PR}` what they run (`{he}` `{He}`
//! `{him}` `{his}`), `{B}` `{BT}` `{ROLE}` the interviewee, `{I}` `{IF}` the interviewer, `{T}`
//! `{T2}` towns, `{COUNTRY}`, `{N}` `{NN}` `{PCT}` numbers, `{EMAIL}` `{SPOKEN}` `{PHONE}`, and
//! `{TP}` a trap colleague whose given name is an ordinary word (only the full name is PII).
//! Line topics are named after the CRM reason codes they illustrate.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::Day;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Number of interviews (deals).
    pub interviews: usize,
    /// Seed: the same seed and count give byte-identical output.
    pub seed: u64,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct GenerateSummary {
    /// Number of interviews (deals).
    pub interviews: usize,
    /// Lines of `pii.txt`.
    pub pii_strings: usize,
    /// Lines of `keep.tsv`.
    pub keep_phrases: usize,
    /// Every file written.
    pub files: Vec<PathBuf>,
}

/// Writes a complete corpus folder (creating it): deals.csv, transcripts/, competitors.toml,
/// pii.txt, keep.tsv, README.md.
pub fn generate(dir: &Path, options: &GenerateOptions) -> Result<GenerateSummary> {
    let corpus = build(options);
    let folder = dir.join("transcripts");
    std::fs::create_dir_all(&folder)
        .map_err(|err| Error::io(format!("creating {}", folder.display()), err))?;
    let mut files = Vec::new();
    for (name, text) in &corpus.files {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|err| Error::io(format!("writing {}", path.display()), err))?;
        files.push(path);
    }
    let (pii_strings, keep_phrases) = (corpus.pii, corpus.keep);
    Ok(GenerateSummary { interviews: options.interviews, pii_strings, keep_phrases, files })
}

/// The data files, one record a line; each describes its fields at the top.
const TEXTS: [&str; 8] = [
    include_str!("generate/given.txt"),
    include_str!("generate/surnames.txt"),
    include_str!("generate/nicknames.txt"),
    include_str!("generate/places.txt"),
    include_str!("generate/accounts.txt"),
    include_str!("generate/market.txt"),
    include_str!("generate/lines.txt"),
    include_str!("generate/traps.txt"),
];
const HEADER: &str = "deal_id,account_name,outcome,competitors,amount_usd,segment,industry,region,buyer_persona,lead_source,stage_reached,close_date,loss_reason,win_reason,rep_name,contact_names,interviewer";
/// Surname particles, never listed alone in pii.txt.
const PARTICLES: [&str; 15] = [
    "van", "von", "der", "den", "de", "da", "do", "dos", "del", "la", "di", "al", "el", "bin", "zu",
];
/// Lower-case words the transcript parser accepts inside a speaker label.
const LABEL_PARTICLES: [&str; 10] =
    ["van", "von", "de", "da", "del", "der", "la", "le", "di", "bin"];

/// One `|`-separated line of a data file.
type Rec = Vec<&'static str>;

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let z = (self.0 ^ (self.0 >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn range(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

fn records(text: &'static str) -> Vec<Rec> {
    let lines = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
    lines.map(|line| line.split('|').map(str::trim).collect()).collect()
}

/// The records of one kind (first field).
fn of<'a>(recs: &'a [Rec], kind: &str) -> Vec<&'a Rec> {
    recs.iter().filter(|r| r[0] == kind).collect()
}

/// Distinct values, in first-seen order.
fn unique<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    values.for_each(|value| {
        if !out.contains(&value) {
            out.push(value)
        }
    });
    out
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// The parts of a name that identify on their own (particles dropped).
fn name_parts(name: &str, hyphens: bool) -> impl Iterator<Item = &str> {
    let parts = name.split(move |c| c == ' ' || (hyphens && c == '-'));
    parts.filter(|p| !p.is_empty() && !PARTICLES.contains(&p.to_lowercase().as_str()))
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

fn csv_field(value: &str) -> String {
    let quote = value.contains([',', '"', '\n']);
    if quote { format!("\"{}\"", value.replace('"', "\"\"")) } else { value.to_string() }
}

fn json_str(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn clock(seconds: f64, millis: bool) -> String {
    let ms = (seconds * 1000.0).round() as u64;
    let hms = format!("{:02}:{:02}:{:02}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
    if millis { format!("{hms}.{:03}", ms % 1000) } else { hms }
}

fn word_count(text: &[String]) -> usize {
    text.iter().map(|s| s.split_whitespace().count()).sum()
}

/// The placeholder keys of a template.
fn keys(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|part| part.split_once('}').map(|(key, _)| key))
}

/// The data files, with colliding names dropped.
struct Data {
    given: Vec<Rec>,
    surnames: Vec<Rec>,
    nicks: Vec<Rec>,
    places: Vec<Rec>,
    accounts: Vec<Rec>,
    market: Vec<Rec>,
    lines: Vec<Rec>,
    traps: Vec<Rec>,
    cultures: Vec<&'static str>,
    families: Vec<&'static str>,
}

impl Data {
    fn load() -> Data {
        let [mut given, mut surnames, mut nicks, mut places, mut accounts, market, lines, traps] =
            TEXTS.map(records);
        let cultures = unique(given.iter().map(|r| r[0]));
        let families = unique(of(&accounts, "pattern").into_iter().map(|r| r[1]));
        let mut stop: HashSet<String> =
            lines.iter().chain(&traps).flat_map(|r| words(r[1])).collect();
        for r in market.iter().filter(|r| r[0] != "fold") {
            stop.extend(r[1..].iter().flat_map(|field| words(field).chain([field.to_lowercase()])));
        }
        for r in of(&places, "country").into_iter().chain(of(&accounts, "pattern")) {
            stop.extend(words(r[2]).chain(words(r[3])));
        }
        let clear = |name: &str, hyphens| {
            name_parts(name, hyphens).all(|p| !stop.contains(&p.to_lowercase()))
        };
        given.retain(|r| clear(r[2], false));
        surnames.retain(|r| r[1..].iter().all(|s| clear(s, true)));
        for r in &mut nicks {
            let formal = r[0];
            r.retain(|nick| *nick == formal || clear(nick, false));
        }
        nicks.retain(|r| r.len() > 1);
        accounts.retain(|r| r[0] != "brand" || clear(r[1], false));
        places.retain(|r| !["town", "city"].contains(&r[0]) || clear(r[2], false));
        Data { given, surnames, nicks, places, accounts, market, lines, traps, cultures, families }
    }

    /// Lower-cases a name for an email address: ASCII letters and digits only.
    fn fold(&self, text: &str) -> String {
        let mut out = String::new();
        for c in text.chars().flat_map(char::to_lowercase) {
            match self.market.iter().find(|r| r[0] == "fold" && r[2].contains(c)) {
                Some(r) => out.push_str(r[1]),
                None if c.is_ascii_alphanumeric() => out.push(c),
                None => {}
            }
        }
        out
    }
}

#[derive(Clone, Default)]
struct Person {
    given: String,
    surname: String,
    culture: &'static str,
    female: bool,
    surname_first: bool,
    nick: Option<String>,
    /// CRM persona, job title, what they run.
    title: [&'static str; 3],
    /// A trap colleague: the given name alone is an ordinary word, never listed.
    trap: bool,
    introduced: bool,
    nick_known: bool,
}

impl Person {
    fn full(&self) -> String {
        let (first, last) = (&self.given, &self.surname);
        if self.surname_first { format!("{last} {first}") } else { format!("{first} {last}") }
    }
    /// The full name as a transcript label the parser accepts (particles it knows stay lower).
    fn label(&self) -> String {
        let words = self.full();
        let words = words.split(' ').map(|word| match word.starts_with(char::is_lowercase) {
            true if !LABEL_PARTICLES.contains(&word) => capitalize(word),
            _ => word.to_string(),
        });
        words.collect::<Vec<_>>().join(" ")
    }
    fn pii(&self) -> Vec<String> {
        let mut out = vec![self.full(), self.surname.clone()];
        if !self.trap {
            out.push(self.given.clone());
            out.extend(name_parts(&self.given, false).map(String::from));
        }
        out.extend(name_parts(&self.surname, true).map(String::from));
        out
    }
    /// `he`, `him`, `his` (or `rhe`...), capitalised like the key.
    fn pronoun(&self, key: &str) -> String {
        let forms = if self.female { ["she", "her", "her"] } else { ["he", "him", "his"] };
        let at = ["he", "him", "his"].iter().position(|k| key.to_lowercase().ends_with(k));
        let word = forms[at.unwrap_or(0)];
        if key.starts_with(char::is_uppercase) { capitalize(word) } else { word.to_string() }
    }
}

#[derive(Default)]
struct Account {
    full: String,
    shorts: Vec<String>,
}

/// One utterance: the interviewer (`None`) or a buyer-side person, in sentences.
struct Utt {
    who: Option<usize>,
    sentences: Vec<String>,
}

#[derive(Default)]
struct Deal {
    id: String,
    account: Account,
    parent: Option<String>,
    /// `country|code|name|region|tld|cultures...`
    country: Rec,
    outcome: &'static str,
    reason: &'static str,
    /// Indices into the corpus competitors.
    comps: Vec<usize>,
    rep: usize,
    interviewer: usize,
    /// 0: named in deals.csv and the transcript, 1: in the transcript only, 2: anonymous.
    iv_mode: u8,
    /// The interviewee first, then colleagues.
    people: Vec<Person>,
    towns: [&'static str; 2],
    /// Outcome, reason, industry, praise/criticism, comp/nocomp, multi: select lines.
    tags: Vec<&'static str>,
    speaker: Option<usize>,
    focus: Option<usize>,
    trap_name: &'static str,
    used: HashSet<usize>,
    /// Interview date, days since 1970.
    date: i32,
    row: Vec<String>,
}

/// A whole corpus in memory.
#[cfg_attr(not(test), allow(dead_code))]
struct Corpus {
    files: Vec<(String, String)>,
    pii: usize,
    keep: usize,
    not_pii: Vec<String>,
    interviewers: Vec<String>,
    cultures: BTreeSet<&'static str>,
    families: BTreeSet<&'static str>,
}

struct Gen<'d> {
    data: &'d Data,
    rng: Rng,
    pii: Vec<String>,
    pii_seen: HashSet<String>,
    keep: Vec<String>,
    /// Full names of people and accounts already used.
    taken: HashSet<String>,
    seller: &'static str,
    comps: Vec<&'d Rec>,
    reps: Vec<Person>,
    interviewers: Vec<Person>,
}

fn build(options: &GenerateOptions) -> Corpus {
    let data = Data::load();
    let mut rng = Rng(options.seed ^ 0x5EED_0F57_0BA4_C0DE);
    let seller = rng.pick(&of(&data.market, "seller"))[1];
    let (mut named, mut brands): (Vec<&Rec>, Vec<&Rec>) =
        of(&data.market, "comp").into_iter().partition(|r| r[1] == "person");
    rng.shuffle(&mut named);
    rng.shuffle(&mut brands);
    let total = rng.range(4, 6);
    let persons = rng.range(2, 3).min(total - 2);
    let mut comps: Vec<&Rec> = named.into_iter().take(persons).collect();
    comps.extend(brands.into_iter().take(total - persons));
    let (pii, pii_seen, keep, taken) = (Vec::new(), HashSet::new(), Vec::new(), HashSet::new());
    let (reps, interviewers) = (Vec::new(), Vec::new());
    let mut generator =
        Gen { data: &data, rng, pii, pii_seen, keep, taken, seller, comps, reps, interviewers };
    let (reps, interviewers) = (generator.rng.range(4, 6), generator.rng.range(3, 5));
    for staff in 0..reps + interviewers {
        let culture = generator.rng.pick(&data.cultures);
        let person = generator.person(culture);
        let list = if staff < reps { &mut generator.reps } else { &mut generator.interviewers };
        list.push(person);
    }
    generator.corpus(options)
}

impl Gen<'_> {
    fn add_pii(&mut self, text: &str) {
        let text = text.trim();
        if !text.is_empty() && self.pii_seen.insert(text.to_lowercase()) {
            self.pii.push(text.to_string());
        }
    }

    fn add_person(&mut self, person: &Person) {
        person.pii().iter().for_each(|text| self.add_pii(text));
    }

    fn keep_phrase(&mut self, deal: &str, phrase: &str) {
        let line = format!("{deal}\t{phrase}");
        if !self.keep.contains(&line) {
            self.keep.push(line);
        }
    }

    fn surname(&mut self, culture: &str, female: bool) -> &'static str {
        let pool: Vec<&Rec> = self.data.surnames.iter().filter(|s| s[0] == culture).collect();
        let entry = self.rng.pick(&pool);
        if female { entry[entry.len() - 1] } else { entry[1] }
    }

    fn person(&mut self, culture: &'static str) -> Person {
        loop {
            let female = self.rng.chance(0.5);
            let sex = if female { "f" } else { "m" };
            let pool: Vec<&Rec> =
                self.data.given.iter().filter(|g| g[0] == culture && g[1] == sex).collect();
            let given = self.rng.pick(&pool)[2];
            let (mut surname, second) =
                (self.surname(culture, female).to_string(), self.surname(culture, female));
            let plain = !surname.contains(' ') && !second.contains(' ') && second != surname;
            if culture == "es" && second != surname && self.rng.chance(0.4) {
                surname = format!("{surname} {second}");
            } else if plain && ["es", "pt", "en", "de"].contains(&culture) && self.rng.chance(0.12)
            {
                surname = format!("{surname}-{second}");
            }
            let surname_first = match culture {
                "zh" | "ko" => self.rng.chance(0.6),
                "vi" => self.rng.chance(0.8),
                "ja" => self.rng.chance(0.3),
                _ => false,
            };
            let nicks = self.data.nicks.iter().find(|r| r[0] == given);
            let nick = nicks.map(|r| r[1 + self.rng.below(r.len() - 1)].to_string());
            let t = self.rng.pick(&of(&self.data.market, "title"));
            let (given, title) = (given.to_string(), [t[1], t[2], t[3]]);
            let person = Person {
                given,
                surname,
                culture,
                female,
                surname_first,
                nick,
                title,
                ..Person::default()
            };
            if self.taken.insert(person.full().to_lowercase()) {
                return person;
            }
        }
    }

    /// An account name of one pattern (`pattern|family|countries|full|shorts`).
    fn account(&mut self, pattern: &Rec, country: &Rec) -> Account {
        let brands: Vec<&str> = of(&self.data.accounts, "brand").iter().map(|r| r[1]).collect();
        let single: Vec<&str> =
            brands.iter().copied().filter(|b| !b.contains([' ', '-'])).collect();
        loop {
            let culture = self.rng.pick(&country[5..]);
            let (s1, s2) = (self.surname(culture, false), self.surname(culture, false));
            let (b1, b2) = (self.rng.pick(&brands), self.rng.pick(&brands));
            let suffix = self.rng.pick(&of(&self.data.accounts, "suffix"))[1];
            let glued = format!("{}{suffix}", self.rng.pick(&single));
            let phrase = self.rng.pick(&of(&self.data.accounts, "phrase"))[1];
            let fill = |text: &str| {
                let text = text.replace("{B2}", b2).replace("{B}", b1).replace("{S2}", s2);
                text.replace("{S}", s1).replace("{W}", phrase).replace("{G}", &glued)
            };
            let full = fill(pattern[3]);
            if b1 != b2 && s1 != s2 && self.taken.insert(full.to_lowercase()) {
                return Account { full, shorts: pattern[4].split(';').map(fill).collect() };
            }
        }
    }

    fn corpus(mut self, options: &GenerateOptions) -> Corpus {
        let (mut cultures, mut families) = (self.data.cultures.clone(), self.data.families.clone());
        let (mut rows, mut files, mut used) =
            (Vec::new(), Vec::new(), (BTreeSet::new(), BTreeSet::new()));
        for index in 0..options.interviews {
            // Shuffled rounds: every culture and account family appears once per round.
            if index % cultures.len() == 0 {
                self.rng.shuffle(&mut cultures);
            }
            if index % families.len() == 0 {
                self.rng.shuffle(&mut families);
            }
            let (culture, family) =
                (cultures[index % cultures.len()], families[index % families.len()]);
            used.0.insert(culture);
            used.1.insert(family);
            let mut deal = self.deal(index, culture, family);
            let utts = self.interview(&mut deal);
            let (ext, text) = match self.rng.below(100) {
                0..60 => ("txt", self.write_txt(&deal, &utts)),
                60..85 => ("vtt", self.write_vtt(&deal, &utts)),
                _ => ("json", self.write_json(&deal, &utts)),
            };
            files.push((format!("transcripts/{}.{ext}", deal.id), text));
            rows.push(deal.row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",") + "\n");
        }
        files.insert(0, ("deals.csv".into(), format!("{HEADER}\n{}", rows.concat())));
        let mut toml = String::from(
            "# Canonical competitor name (as in deals.csv) -> spellings buyers use in the transcripts.\n[competitors]\n",
        );
        let (mut not_pii, mut described) = (vec![self.seller.to_string()], Vec::new());
        for r in &self.comps {
            let aliases: Vec<String> = r[3..].iter().map(|a| json_str(a)).collect();
            toml.push_str(&format!("{} = [{}]\n", json_str(r[2]), aliases.join(", ")));
            not_pii.extend(r[2..].iter().map(|name| name.to_string()));
            described.push(format!("{} ({})", r[2], r[3..].join(", ")));
        }
        files.push(("competitors.toml".into(), toml));
        files.push(("pii.txt".into(), self.pii.iter().map(|l| format!("{l}\n")).collect()));
        files.push(("keep.tsv".into(), self.keep.iter().map(|l| format!("{l}\n")).collect()));
        let (n, seed, seller) = (options.interviews, options.seed, self.seller);
        let (pii, keep, described) = (self.pii.len(), self.keep.len(), described.join("; "));
        let readme = format!(
            "# Synthetic win/loss corpus\n\nGenerated by storybank's generator (`eval::generate`) with seed {seed}: {n} buyer interviews (one transcript per deal), {pii} strings in pii.txt that must never appear in any output, and {keep} phrases in keep.tsv that must survive anonymization verbatim. The seller is {seller}; the competitors and the spellings buyers use are {described}. Everything here is fictional: the people, accounts, emails, phone numbers and deals are invented, and any resemblance to real ones is accidental.\n"
        );
        files.push(("README.md".into(), readme));
        let interviewers = self.interviewers.iter().map(Person::full).collect();
        let (cultures, families) = used;
        Corpus { files, pii, keep, not_pii, interviewers, cultures, families }
    }

    fn deal(&mut self, index: usize, culture: &'static str, family: &'static str) -> Deal {
        let data = self.data;
        let patterns: Vec<&Rec> =
            of(&data.accounts, "pattern").into_iter().filter(|r| r[1] == family).collect();
        let pattern = self.rng.pick(&patterns);
        let countries = of(&data.places, "country");
        let code = match pattern[2] {
            "*" => self.rng.pick(&countries)[1],
            codes => self.rng.pick(&codes.split(',').collect::<Vec<_>>()),
        };
        let country = countries.into_iter().find(|c| c[1] == code).unwrap_or(&data.places[0]);
        let account = self.account(pattern, country);
        let parents: Vec<&Rec> = of(&data.accounts, "pattern")
            .into_iter()
            .filter(|p| {
                p[1] == "grupo" || ["holdings", "group"].contains(&p[1]) && p[2].contains(code)
            })
            .collect();
        let parent = self.rng.chance(0.2).then(|| {
            let parent = self.rng.pick(&parents);
            self.account(parent, country).full
        });
        let outcome = match self.rng.below(20) {
            0..9 => "lost",
            9..16 => "won",
            _ => "no_decision",
        };
        let reasons = of(&data.market, "reason").into_iter().find(|r| r[1] == outcome);
        let reason = self.rng.pick(reasons.map_or(&[][..], |r| &r[2..]));
        let mut comps: Vec<usize> = (0..self.comps.len()).collect();
        self.rng.shuffle(&mut comps);
        comps.truncate(match outcome {
            "lost" => self.rng.range(1, 3),
            "won" => self.rng.range(0, 4).min(2),
            _ => self.rng.range(0, 1),
        });
        let mut people = vec![self.person(culture)];
        for _ in 0..self.rng.range(1, 3) {
            let local = self.rng.pick(&country[5..]);
            let colleague = if self.rng.chance(0.5) { culture } else { local };
            people.push(self.person(colleague));
        }
        let towns: Vec<&str> = data
            .places
            .iter()
            .filter(|r| ["town", "city"].contains(&r[0]) && r[1] == code)
            .map(|r| r[2])
            .collect();
        let first = self.rng.below(towns.len());
        let towns =
            [towns[first], towns[(first + 1 + self.rng.below(towns.len() - 1)) % towns.len()]];
        let industry = self.rng.pick(&of(&data.market, "industry"))[1];
        let praise = match outcome {
            "won" => self.rng.chance(0.85),
            _ => reason != "sales_experience" && self.rng.chance(0.45),
        };
        let mut tags = vec![outcome, reason, industry, if praise { "praise" } else { "criticism" }];
        tags.push(if comps.is_empty() { "nocomp" } else { "comp" });
        tags.extend((comps.len() > 1).then_some("multi"));
        let (id, country) = (format!("G-{:04}", index + 1), country.clone());
        let (rep, interviewer) =
            (self.rng.below(self.reps.len()), self.rng.below(self.interviewers.len()));
        let iv_mode = [0, 1, 2][usize::from(self.rng.chance(0.15)) * self.rng.range(1, 2)];
        let mut deal = Deal {
            id,
            account,
            parent,
            country,
            outcome,
            reason,
            comps,
            rep,
            interviewer,
            iv_mode,
            people,
            towns,
            tags,
            ..Deal::default()
        };
        self.row(&mut deal, industry);
        deal
    }

    /// Sets the deals.csv row and the interview date; registers every name written in the row.
    fn row(&mut self, deal: &mut Deal, industry: &str) {
        let segment = self.rng.pick(&["smb", "smb", "mid_market", "mid_market", "enterprise"]);
        let amount = 100
            * match segment {
                "smb" => self.rng.range(80, 400),
                "mid_market" => self.rng.range(400, 1500),
                _ => self.rng.range(1500, 9000),
            };
        let stage = match deal.outcome {
            "won" => "closed",
            "lost" => self.rng.pick(&["demo", "technical_eval", "proposal", "negotiation"]),
            _ => self.rng.pick(&["discovery", "demo", "technical_eval", "proposal"]),
        };
        let close = Day(Day::parse("2024-01-08").map_or(0, |d| d.0) + self.rng.below(700) as i32);
        deal.date = close.0 + self.rng.range(14, 28) as i32;
        let lead = self.rng.pick(&["inbound", "outbound", "referral", "partner", "event"]);
        self.add_pii(&deal.account.full);
        deal.people.iter().for_each(|person| self.add_person(person));
        let (rep, interviewer) =
            (self.reps[deal.rep].clone(), self.interviewers[deal.interviewer].clone());
        self.add_person(&rep);
        if deal.iv_mode < 2 {
            self.add_person(&interviewer);
        }
        let competitors: Vec<&str> = deal.comps.iter().map(|&i| self.comps[i][2]).collect();
        let (won, none) = (deal.outcome == "won", String::new());
        let contacts: Vec<String> = deal.people.iter().map(Person::full).collect();
        deal.row = [deal.id.as_str(), &deal.account.full, deal.outcome, &competitors.join(";")]
            .into_iter()
            .map(String::from)
            .chain([amount.to_string(), segment.into(), industry.into(), deal.country[3].into()])
            .chain([deal.people[0].title[0].into(), lead.into(), stage.into(), close.to_string()])
            .chain([if won { none.clone() } else { deal.reason.into() }])
            .chain([if won { deal.reason.into() } else { none.clone() }, rep.full()])
            .chain([contacts.join(";"), if deal.iv_mode == 0 { interviewer.full() } else { none }])
            .collect();
    }

    fn usable(&self, d: &Deal, text: &str) -> bool {
        let focus = d.focus.map(|i| &d.people[i]);
        keys(text).all(|key| match key {
            "C" => !d.comps.is_empty(),
            "C2" => d.comps.len() > 1,
            "PARENT" => d.parent.is_some(),
            "I" | "IF" => d.iv_mode < 2,
            "PNICK" => focus.is_some_and(|p| p.nick.is_some()),
            "PG" | "PL" | "PH" | "PI" => focus.is_some_and(|p| p.introduced),
            "P" | "PS" | "PF" | "PT" | "PR" | "he" | "He" | "him" | "his" => focus.is_some(),
            _ => true,
        })
    }

    /// Picks who a sentence may mention: anyone on the buyer side but the speaker.
    fn choose_focus(&mut self, d: &mut Deal) {
        let speaker = d.speaker.unwrap_or(0);
        let others: Vec<usize> = (0..d.people.len()).filter(|&i| i != speaker).collect();
        d.focus = (!others.is_empty()).then(|| self.rng.pick(&others));
    }

    fn filler(&mut self, topic: &str) -> &'static str {
        self.rng.pick(&of(&self.data.lines, topic))[1]
    }

    fn line(&mut self, d: &mut Deal, topic: &str, decorate: bool) -> Option<String> {
        self.choose_focus(d);
        self.line_at(d, topic, decorate)
    }

    /// Renders an unused line of `topic` that fits the deal's tags and the current focus.
    fn line_at(&mut self, d: &mut Deal, topic: &str, decorate: bool) -> Option<String> {
        let data = self.data;
        let fits = |i: &usize| {
            let mut head = data.lines[*i][0].split(['.', '+']);
            head.next() == Some(topic)
                && head.all(|tag| d.tags.contains(&tag))
                && !d.used.contains(i)
                && self.usable(d, data.lines[*i][1])
        };
        let picks: Vec<usize> = (0..data.lines.len()).filter(fits).collect();
        let pick = *picks.get(self.rng.below(picks.len()))?;
        d.used.insert(pick);
        let template = data.lines[pick][1];
        let mut text = self.render(d, template);
        if ["{P}", "{PS}", "{PF}", "{PH}", "{PI}"].iter().any(|key| template.starts_with(key)) {
            text = capitalize(&text);
        }
        Some(if decorate { self.decorate(text, !template.starts_with('{')) } else { text })
    }

    /// Adds spoken texture: an opener, a false start or a tag question.
    fn decorate(&mut self, text: String, plain: bool) -> String {
        let first = text.split(' ').next().unwrap_or_default().to_string();
        let mut rest = first.chars().skip(1).filter(|c| c.is_alphabetic());
        let lowerable =
            plain && first != "I" && !first.starts_with("I'") && rest.all(char::is_lowercase);
        let lowered =
            if lowerable { first.to_lowercase() + &text[first.len()..] } else { text.clone() };
        match self.rng.below(10) {
            0 | 1 => {
                let opener = self.filler("filler_open");
                format!("{opener} {}", if opener.ends_with('.') { text } else { lowered })
            }
            2 if lowerable && first.chars().all(char::is_alphabetic) => {
                format!("{first}, uh, {lowered}")
            }
            3 if text.ends_with('.') => {
                format!("{}{}", &text[..text.len() - 1], self.filler("filler_tag"))
            }
            _ => text,
        }
    }

    fn render(&mut self, d: &mut Deal, template: &str) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some((head, tail)) = rest.split_once('{') {
            let Some((key, tail)) = tail.split_once('}') else { break };
            out.push_str(head);
            let value = self.fill(d, key);
            out.push_str(&value);
            rest = tail;
        }
        out + rest
    }

    /// One placeholder's text; PII goes to pii.txt, surname-like competitors to keep.tsv.
    fn fill(&mut self, d: &mut Deal, key: &str) -> String {
        let focus = d.focus.unwrap_or(0);
        let person = match key {
            "B" | "BT" | "ROLE" => d.people[0].clone(),
            "REP" | "REPF" | "rhe" | "Rhe" | "rhim" => self.reps[d.rep].clone(),
            "I" | "IF" => self.interviewers[d.interviewer].clone(),
            _ => d.people[focus].clone(),
        };
        let text = match key {
            "B" | "PG" | "REP" | "I" => person.given.clone(),
            "PF" | "REPF" | "IF" => {
                d.people[focus].introduced |= key == "PF";
                person.full()
            }
            "BT" | "PT" => person.title[1].into(),
            "ROLE" | "PR" => person.title[2].into(),
            "he" | "He" | "him" | "his" | "rhe" | "Rhe" | "rhim" => person.pronoun(key),
            "P" => self.mention(d),
            "PS" => self.mention(d) + "'s",
            "PL" if person.nick_known => person.nick.unwrap_or_default().to_lowercase(),
            "PL" => person.given.to_lowercase(),
            "PH" => self.honorific(&person),
            "PI" => self.initial(&person),
            "PNICK" => {
                d.people[focus].nick_known = true;
                person.nick.unwrap_or_default()
            }
            "X" | "x" => {
                let shorts = &d.account.shorts;
                let text = match self.rng.below(10) {
                    0..5 => shorts[0].clone(),
                    5..8 => shorts[self.rng.below(shorts.len())].clone(),
                    _ => d.account.full.clone(),
                };
                self.add_pii(&text);
                if key == "x" { text.to_lowercase() } else { text }
            }
            "XF" => d.account.full.clone(),
            "PARENT" => d.parent.clone().unwrap_or_default(),
            "C" | "C2" => {
                let competitor = self.comps[d.comps[usize::from(key == "C2")]];
                let text = if self.rng.chance(0.7) {
                    competitor[2]
                } else {
                    self.rng.pick(&competitor[3..])
                };
                if competitor[1] == "person" {
                    self.keep_phrase(&d.id, text);
                }
                text.into()
            }
            "SELLER" => self.seller.into(),
            "T" | "T2" => d.towns[usize::from(key == "T2")].into(),
            "COUNTRY" => d.country[2].into(),
            "N" => self.rng.range(3, 40).to_string(),
            "NN" => (self.rng.range(12, 90) * 10).to_string(),
            "PCT" => self.rng.range(8, 35).to_string(),
            "PHONE" => {
                let formats = of(&self.data.places, "phone");
                let formats: Vec<&Rec> =
                    formats.into_iter().filter(|r| r[1] == d.country[1]).collect();
                let format = self.rng.pick(&formats)[2].chars();
                format
                    .map(|c| if c == '#' { char::from(b'0' + self.rng.below(10) as u8) } else { c })
                    .collect()
            }
            "EMAIL" | "SPOKEN" => self.email(d, key == "SPOKEN"),
            "TP" => {
                let culture = self.rng.pick(&self.data.cultures);
                let surname = self.surname(culture, false).into();
                let (given, trap) = (d.trap_name.to_string(), true);
                let colleague = Person { given, surname, trap, nick: None, ..person };
                self.add_person(&colleague);
                colleague.full()
            }
            _ => format!("{{{key}}}"),
        };
        if ["PARENT", "PNICK", "T", "T2", "PHONE", "EMAIL", "SPOKEN"].contains(&key) {
            self.add_pii(&text);
        }
        text
    }

    /// A colleague as people refer to them: the full name first, then varied forms.
    fn mention(&mut self, d: &mut Deal) -> String {
        let person = d.people[d.focus.unwrap_or(0)].clone();
        if !person.introduced {
            d.people[d.focus.unwrap_or(0)].introduced = true;
            return person.full();
        }
        match self.rng.below(20) {
            0..9 => person.given.clone(),
            9..12 => self.honorific(&person),
            12..15 if person.nick_known => person.nick.clone().unwrap_or(person.given),
            15..17 => self.initial(&person),
            _ => person.full(),
        }
    }

    /// "Frau Becker", "Tanaka-san", "Mehmet Bey", "Mr. Okafor".
    fn honorific(&mut self, person: &Person) -> String {
        let all = of(&self.data.market, "hon");
        let own: Vec<&Rec> = all.iter().copied().filter(|h| h[1] == person.culture).collect();
        let any: Vec<&Rec> = all.into_iter().filter(|h| h[1] == "*").collect();
        let own_form = !own.is_empty() && self.rng.chance(0.7);
        let form =
            self.rng.pick(if own_form { &own } else { &any })[if person.female { 3 } else { 2 }];
        match (form.strip_prefix('-'), form.strip_prefix('+')) {
            (Some(_), _) => format!("{}{form}", person.surname),
            (_, Some(after)) => format!("{} {after}", person.given),
            _ => format!("{form} {}", person.surname),
        }
    }

    /// "J. Ortega" (registered in pii.txt).
    fn initial(&mut self, person: &Person) -> String {
        if person.surname_first {
            return person.given.clone();
        }
        let text = format!("{}. {}", person.given.chars().next().unwrap_or('X'), person.surname);
        self.add_pii(&text);
        text
    }

    /// The interviewee's email, written or spoken ("k underscore nowak at serrano dot com").
    fn email(&mut self, d: &Deal, spoken: bool) -> String {
        let person = &d.people[0];
        let given = match &person.nick {
            Some(nick) if self.rng.chance(0.3) => nick.as_str(),
            _ => person.given.as_str(),
        };
        let given = self.data.fold(given.split(' ').next().unwrap_or_default());
        let (surname, initial) =
            (self.data.fold(&person.surname), given.chars().take(1).collect::<String>());
        let local = match self.rng.below(5) {
            0 => format!("{given}.{surname}"),
            1 => format!("{initial}{surname}"),
            2 => format!("{initial}_{surname}"),
            3 => given,
            _ => format!("{surname}.{initial}"),
        };
        let words: Vec<String> =
            d.account.shorts[0].split(' ').map(|w| self.data.fold(w)).collect();
        let words: Vec<String> = words.into_iter().filter(|w| !w.is_empty()).collect();
        let email = format!(
            "{local}@{}.{}",
            words.join(if self.rng.chance(0.3) { "-" } else { "" }),
            d.country[4]
        );
        if !spoken {
            return email;
        }
        let email = email.replace('.', " dot ").replace('@', " at ");
        email.replace('_', " underscore ").replace('-', " dash ")
    }

    fn ask(&mut self, d: &mut Deal, utts: &mut Vec<Utt>, topic: &str) {
        d.speaker = None;
        if topic != "join" {
            self.choose_focus(d);
        }
        let text = self.line_at(d, &format!("ask_{topic}"), false);
        utts.push(Utt { who: None, sentences: vec![text.unwrap_or_else(|| "Okay.".into())] });
    }

    /// `count` lines of `topic` from the speaker, sometimes with an aside.
    fn answer(&mut self, d: &mut Deal, topic: &str, count: usize) -> Vec<String> {
        let mut sentences: Vec<String> =
            (0..count).filter_map(|_| self.line(d, topic, true)).collect();
        let late = ["decision", "contact", "close"].contains(&topic);
        if sentences.is_empty() || !late && self.rng.chance(0.45) {
            let at = self.rng.range(0, sentences.len());
            let aside = self.line(d, "aside", true);
            sentences.insert(at, aside.unwrap_or_else(|| self.filler("filler_short").into()));
        }
        sentences
    }

    fn section(&mut self, d: &mut Deal, utts: &mut Vec<Utt>, topic: &str, count: usize) {
        self.ask(d, utts, topic);
        d.speaker = Some(0);
        let sentences = self.answer(d, topic, count);
        utts.push(Utt { who: Some(0), sentences });
    }

    /// 15 to 30 utterances: opening, the company, trigger, buying group, competitors, 3-5
    /// topics (the deal's reason among them), maybe a colleague joining, decision, contact, close.
    fn interview(&mut self, d: &mut Deal) -> Vec<Utt> {
        let mut utts = Vec::new();
        let mut chosen = vec![if d.reason == "roi_unclear" { "roi" } else { d.reason }];
        if chosen[0] != "sales_experience" && self.rng.chance(0.8) {
            chosen.push("sales_experience");
        }
        let middle = of(&self.data.market, "middle")[0];
        let mut others: Vec<&str> =
            middle[1..].iter().copied().filter(|t| !chosen.contains(t)).collect();
        self.rng.shuffle(&mut others);
        let extra = self.rng.range(3, 5).saturating_sub(chosen.len());
        chosen.extend(others.into_iter().take(extra));
        self.rng.shuffle(&mut chosen);
        let (contact, join) = (self.rng.chance(0.65), d.people.len() > 1 && self.rng.chance(0.3));
        let planned = 13 + 2 * (chosen.len() + usize::from(contact) + usize::from(join));
        let mut probes = ((30 - planned) / 2).min(2);
        self.ask(d, &mut utts, "open");
        d.speaker = Some(0);
        let mut intro: Vec<String> =
            ["intro", "desc"].iter().filter_map(|t| self.line(d, t, false)).collect();
        for (topic, p) in [("place", 0.6), ("parent", 0.7)] {
            if self.rng.chance(p) {
                intro.extend(self.line(d, topic, true));
            }
        }
        utts.push(Utt { who: Some(0), sentences: intro });
        self.section(d, &mut utts, "trigger", 3);
        self.ask(d, &mut utts, "team");
        let mut team = Vec::new();
        for i in 1..d.people.len() {
            (d.speaker, d.focus) = (Some(0), Some(i));
            team.extend(self.line_at(d, "team", true));
            if d.people[i].nick.is_some() && self.rng.chance(0.6) {
                team.extend(self.line_at(d, "nick", false));
            }
        }
        utts.push(Utt { who: Some(0), sentences: team });
        self.section(d, &mut utts, "competitor", 1);
        let rival = if self.rng.chance(0.7) { self.line(d, "rival", true) } else { None };
        let last = utts.len() - 1;
        utts[last].sentences.extend(rival);
        let join_at = self.rng.below(chosen.len());
        for (n, topic) in chosen.iter().enumerate() {
            if join && n == join_at {
                (d.speaker, d.focus) = (Some(0), Some(1));
                let line = self.line_at(d, "join", false);
                let last = utts.len() - 1;
                utts[last].sentences.extend(line);
                self.ask(d, &mut utts, "join");
                d.speaker = Some(1);
                let topic =
                    if self.rng.chance(0.5) { "security_compliance" } else { "integration" };
                let sentences = self.answer(d, topic, 2);
                utts.push(Utt { who: Some(1), sentences });
            }
            let count = self.rng.range(3, 4);
            self.section(d, &mut utts, topic, count);
            if probes > 0 && self.rng.chance(0.5) {
                probes -= 1;
                self.ask(d, &mut utts, "probe");
                d.speaker = Some(0);
                let sentences = self.answer(d, topic, 2);
                utts.push(Utt { who: Some(0), sentences });
            }
        }
        self.section(d, &mut utts, "decision", 3);
        if contact {
            self.section(d, &mut utts, "contact", 1);
        }
        self.section(d, &mut utts, "close", 1);
        self.ask(d, &mut utts, "thanks");
        self.plant_traps(d, &mut utts);
        utts
    }

    /// Plants 1-3 traps in the buyer's later answers and records their phrases in keep.tsv.
    fn plant_traps(&mut self, d: &mut Deal, utts: &mut [Utt]) {
        let mut order: Vec<&Rec> = self.data.traps.iter().collect();
        self.rng.shuffle(&mut order);
        let mut want = self.rng.range(1, 3);
        let turns: Vec<usize> = (2..utts.len()).filter(|&i| utts[i].who == Some(0)).collect();
        for trap in order {
            d.speaker = Some(0);
            self.choose_focus(d);
            if want == 0 || !self.usable(d, trap[1]) {
                continue;
            }
            d.trap_name = trap[0];
            let sentence = self.render(d, trap[1]);
            self.keep_phrase(&d.id, trap[2]);
            let turn = &mut utts[self.rng.pick(&turns)];
            turn.sentences.insert(self.rng.range(0, turn.sentences.len()), sentence);
            want -= 1;
        }
    }

    fn speaker(&self, d: &Deal, who: Option<usize>, label: bool) -> String {
        let person = match who {
            Some(i) => &d.people[i],
            None if d.iv_mode == 2 => return "Interviewer".to_string(),
            None => &self.interviewers[d.interviewer],
        };
        if label { person.label() } else { person.full() }
    }

    /// Start times in seconds: about 2.8 words a second plus pauses.
    fn starts(&mut self, utts: &[Utt]) -> Vec<f64> {
        let mut clock = 2.0 + self.rng.below(40) as f64 / 10.0;
        let mut starts = Vec::new();
        for utt in utts {
            starts.push(clock);
            clock +=
                word_count(&utt.sentences) as f64 * 0.36 + 0.6 + self.rng.below(20) as f64 / 10.0;
        }
        starts
    }

    fn write_txt(&mut self, d: &Deal, utts: &[Utt]) -> String {
        let mut out = String::new();
        if d.iv_mode == 1 || self.rng.chance(0.75) {
            let name = self.interviewers[d.interviewer].full();
            let interviewer =
                if d.iv_mode < 2 { format!("interviewer: {name}\n") } else { String::new() };
            out.push_str(&format!(
                "---\ndeal_id: {}\n{interviewer}date: {}\n---\n\n",
                d.id,
                Day(d.date)
            ));
        }
        let stamps = self.rng.chance(0.75);
        let mut seen = vec![false; d.people.len()];
        for (utt, start) in utts.iter().zip(self.starts(utts)) {
            let mut label = self.speaker(d, utt.who, true);
            if let Some(i) = utt.who.filter(|&i| !seen[i]) {
                seen[i] = true;
                label = format!("{label} ({}, {})", d.people[i].title[1], d.account.full);
            }
            if stamps {
                out.push_str(&format!("[{}] ", clock(start, false)));
            }
            let len = utt.sentences.len();
            let split = if len >= 4 && self.rng.chance(0.3) { len / 2 } else { len };
            out.push_str(&format!("{label}: {}\n\n", utt.sentences[..split].join(" ")));
            if split < len {
                out.push_str(&format!("{}\n\n", utt.sentences[split..].join(" ")));
            }
        }
        out
    }

    fn write_vtt(&mut self, d: &Deal, utts: &[Utt]) -> String {
        let mut out = String::from("WEBVTT\n\n");
        let (mut cue, mut at) = (0, 2.0 + self.rng.below(40) as f64 / 10.0);
        for utt in utts {
            let name = self.speaker(d, utt.who, false);
            // Long answers go over several cues of about twenty words.
            let mut chunks: Vec<Vec<String>> = vec![Vec::new()];
            for sentence in &utt.sentences {
                if word_count(&chunks[chunks.len() - 1]) > 18 {
                    chunks.push(Vec::new());
                }
                let last = chunks.len() - 1;
                chunks[last].push(sentence.clone());
            }
            for chunk in chunks {
                cue += 1;
                let end = at + word_count(&chunk) as f64 * 0.36 + 0.3;
                let text =
                    chunk.join(" ").replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
                let (from, to) = (clock(at, true), clock(end, true));
                out.push_str(&format!("{cue}\n{from} --> {to}\n<v {name}>{text}</v>\n\n"));
                at = end + 0.2;
            }
            at += 0.4 + self.rng.below(20) as f64 / 10.0;
        }
        out
    }

    fn write_json(&mut self, d: &Deal, utts: &[Utt]) -> String {
        let name = json_str(&self.interviewers[d.interviewer].full());
        let interviewer =
            if d.iv_mode < 2 { format!("\"interviewer\": {name}, ") } else { String::new() };
        let mut out = format!(
            "{{\"deal_id\": \"{}\", {interviewer}\"date\": \"{}\",\n \"utterances\": [\n",
            d.id,
            Day(d.date)
        );
        let mut items = Vec::new();
        for (utt, start) in utts.iter().zip(self.starts(utts)) {
            let (speaker, text) =
                (json_str(&self.speaker(d, utt.who, false)), json_str(&utt.sentences.join(" ")));
            items.push(format!(
                "  {{\"speaker\": {speaker}, \"start\": {start:.1}, \"text\": {text}}}"
            ));
        }
        out.push_str(&items.join(",\n"));
        out + "\n ]}\n"
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::corpus::{Aliases, parse_transcript, read_deals};

    fn options(interviews: usize, seed: u64) -> GenerateOptions {
        GenerateOptions { interviews, seed }
    }

    fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        for folder in [dir.to_path_buf(), dir.join("transcripts")] {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    let bytes = std::fs::read(&path).unwrap();
                    files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), bytes);
                }
            }
        }
        files
    }

    struct Parsed {
        text: String,
        raw: String,
        turns: usize,
        words: usize,
        speakers: Vec<String>,
    }

    /// Deal id -> what the parser read from its transcript.
    fn transcripts(dir: &Path) -> BTreeMap<String, Parsed> {
        let mut out = BTreeMap::new();
        for entry in std::fs::read_dir(dir.join("transcripts")).unwrap() {
            let path = entry.unwrap().path();
            let parsed = parse_transcript(&path).unwrap_or_else(|err| panic!("{err}"));
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            assert_eq!(parsed.deal_id.as_deref().unwrap_or(&stem), stem);
            let mut text: Vec<String> = parsed.interviewer.iter().cloned().collect();
            for turn in &parsed.turns {
                text.extend([turn.speaker.clone(), turn.text()]);
                text.extend(turn.title.iter().chain(&turn.org).cloned());
            }
            let words = parsed.turns.iter().map(|turn| turn.text().split(' ').count()).sum();
            let raw = std::fs::read_to_string(&path).unwrap();
            let turns = parsed.turns.len();
            let mut speakers: Vec<String> =
                parsed.turns.iter().map(|t| t.speaker.clone()).collect();
            speakers.retain(|speaker| Some(speaker) != parsed.interviewer.as_ref());
            out.insert(stem, Parsed { text: text.join("\n"), raw, turns, words, speakers });
        }
        out
    }

    fn whole_word(haystack: &str, needle: &str) -> bool {
        haystack.match_indices(needle).any(|(at, _)| {
            let before = haystack[..at].chars().next_back();
            let after = haystack[at + needle.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    }

    #[test]
    fn same_seed_gives_the_same_bytes_and_another_seed_differs() {
        let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
        let summary = generate(dirs[0].path(), &options(12, 7)).unwrap();
        generate(dirs[1].path(), &options(12, 7)).unwrap();
        generate(dirs[2].path(), &options(12, 8)).unwrap();
        assert_eq!(summary.files.len(), 12 + 5);
        assert_eq!(summary.interviews, 12);
        let first = contents(dirs[0].path());
        assert_eq!(first.len(), 12 + 5);
        assert_eq!(first, contents(dirs[1].path()));
        assert_ne!(first, contents(dirs[2].path()));
    }

    #[test]
    fn every_file_parses_and_every_transcript_has_a_deal() {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), &options(60, 3)).unwrap();
        let corpus = build(&options(60, 3));
        let rows: Vec<_> = read_deals(&dir.path().join("deals.csv"))
            .unwrap()
            .into_iter()
            .map(|row| row.unwrap_or_else(|err| panic!("{err}")))
            .collect();
        assert_eq!(rows.len(), 60);
        Aliases::read(&dir.path().join("competitors.toml")).unwrap();
        let transcripts = transcripts(dir.path());
        assert_eq!(transcripts.len(), 60);
        for (deal, Parsed { text, turns, words, speakers, .. }) in &transcripts {
            let row = rows.iter().find(|row| row.deal_id == *deal);
            let row = row.unwrap_or_else(|| panic!("{deal} has no deals.csv row"));
            let same =
                |name: &String, speaker: &String| name.to_lowercase() == speaker.to_lowercase();
            for speaker in speakers {
                let known = row.contact_names.iter().any(|name| same(name, speaker))
                    || corpus.interviewers.iter().any(|name| same(name, speaker))
                    || speaker == "Interviewer";
                assert!(known, "{deal}: unknown speaker {speaker}");
            }
            assert!((14..=30).contains(turns), "{deal}: {turns} turns");
            assert!((450..=1300).contains(words), "{deal}: {words} words");
            assert!(!text.contains(['{', '}']), "{deal}: unfilled placeholder");
        }
        for row in &rows {
            assert!(row.outcome.is_some() && !row.rep_name.is_empty());
            assert!((2..=4).contains(&row.contact_names.len()), "{}", row.deal_id);
            assert!(["smb", "mid_market", "enterprise"].contains(&row.segment.as_str()));
            assert!(row.close_date.is_some() && !row.account_name.is_empty());
        }
        let named = rows.iter().filter(|row| !row.interviewer.is_empty()).count();
        assert!(named < rows.len() && named > rows.len() / 2, "{named} rows name the interviewer");
    }

    #[test]
    fn pii_lines_occur_and_never_collide_with_kept_text() {
        let options = options(80, 11);
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), &options).unwrap();
        let corpus = build(&options);
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
        let deals = read("deals.csv").to_lowercase();
        let transcripts = transcripts(dir.path());
        let lowered: Vec<String> =
            transcripts.values().map(|t| format!("{}\n{}", t.text, t.raw).to_lowercase()).collect();
        let pii: Vec<String> = read("pii.txt").lines().map(str::to_lowercase).collect();
        let keep: Vec<(String, String)> = read("keep.tsv")
            .lines()
            .map(|line| line.split_once('\t').unwrap())
            .map(|(deal, phrase)| (deal.to_string(), phrase.to_string()))
            .collect();
        // The seller, then every competitor name and alias.
        let not_pii: HashSet<String> = corpus.not_pii.iter().map(|s| s.to_lowercase()).collect();
        assert!(not_pii.len() > 4 * 4);
        let mut unique = HashSet::new();
        for line in &pii {
            assert!(unique.insert(line), "duplicate pii line {line}");
            let found =
                deals.contains(line.as_str()) || lowered.iter().any(|t| t.contains(line.as_str()));
            assert!(found, "pii line `{line}` occurs nowhere");
            assert!(!not_pii.contains(line), "pii line `{line}` is a competitor or the seller");
            for generic in ["grupo", "salud", "gmbh", "the", "company", "holdings", "will", "de"] {
                assert_ne!(line, generic);
            }
        }
        assert!(keep.len() >= 80);
        for name in &not_pii {
            assert!(!pii.iter().any(|line| whole_word(name, line)), "`{name}` holds a pii line");
        }
        for (deal, phrase) in &keep {
            let text = &transcripts[deal].text;
            assert!(text.contains(phrase.as_str()), "{deal}: `{phrase}` not in its transcript");
            let phrase = phrase.to_lowercase();
            for line in &pii {
                assert!(!whole_word(&phrase, line), "{deal}: keep `{phrase}` holds pii `{line}`");
            }
        }
    }

    #[test]
    fn two_hundred_interviews_cover_every_culture_family_and_format() {
        let corpus = build(&options(200, 2024));
        let data = Data::load();
        for culture in &data.cultures {
            assert!(corpus.cultures.contains(culture), "culture {culture} missing");
        }
        for family in &data.families {
            assert!(corpus.families.contains(family), "account family {family} missing");
        }
        let count = |ext: &str| corpus.files.iter().filter(|(name, _)| name.ends_with(ext)).count();
        let (txt, vtt, json) = (count(".txt") - 1, count(".vtt"), count(".json"));
        assert_eq!(txt + vtt + json, 200);
        assert!(txt > vtt && vtt > json && json > 10, "{txt} {vtt} {json}");
        let pii = &corpus.files.iter().find(|(name, _)| name == "pii.txt").unwrap().1;
        for feature in
            ["-", "van der ", "de ", "al-", "bin ", "ü", "ø", "ł", "ç", "ễ", ". ", " dot ", "+"]
        {
            assert!(pii.contains(feature), "no pii line with `{feature}`");
        }
        let all: String = corpus.files.iter().map(|(_, text)| text.as_str()).collect();
        let personal = of(&data.market, "comp").into_iter().filter(|r| r[1] == "person");
        assert!(personal.filter(|r| all.contains(r[2])).count() >= 2);
    }
}

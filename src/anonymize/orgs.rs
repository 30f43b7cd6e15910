//! Organisations nobody listed: the buyer's own company in the frames people use for it, in
//! buyer and interviewer turns alike ("here at X", "over at X", "we at X", "X's team",
//! "what X was looking for", "How did this start at X?", "X has 40 stores", "our parent X",
//! the company introduction "X's a home goods chain" / "X places nurses into hospitals"), and
//! firms made of surnames ("Jones, Mitchell and Williams"), which are organisations, not people.

use std::sync::LazyLock;

use regex::Regex;

use super::lexicon::{
    CITIES, COUNTRIES, DISCOURSE_OPENERS, FIRST_NAMES, GENERIC_ORG_WORDS, HONORIFICS, LEGAL_FORMS,
    ROLE_ACRONYMS, WORKPLACE_WORDS, is_calendar_or_place, is_english_word, is_nationality,
    is_vendor,
};
use super::tagged::shouted;
use super::{Found, Scope};
use crate::corpus::aliases::normalize_name;

/// A capitalised name of one to three words ("Parcel & Pine", "Serrano", "Grupo Andino"),
/// perhaps after a surname's lower-case particle ("de Wit Groep", "van Dijk Transport") or a
/// saint's abbreviation ("St. Aidan's College").
const NAME: &str = r"(?:(?:de|van|von|der|den|ter|ten|du|di|da|le|la|del|della|dos|das) ){0,2}(?:St\. |Ste\. )?\p{Lu}[\p{L}'’-]+(?:(?: &| and| de| del| y| of the)? \p{Lu}[\p{L}'’-]+){0,5}";

/// [`NAME`] in title case only (no acronym opens it: "RFP", "POC").
const TITLED_NAME: &str =
    r"\p{Lu}\p{Ll}[\p{L}'’-]*(?:(?: &| and| de| del| y)? \p{Lu}[\p{L}'’-]+){0,5}";

/// Nouns that end a venue's name ("the Railway Hotel", "Shazza's Wine Bar"), as written.
const VENUE_AFTER: &str = "Hotel|Motel|Inn|Tavern|Arms|Pub|Bar|Café|Cafe|Bistro|Brasserie|Lodge|Guesthouse|Resort|Brewery|Brewing|Distillery|Winery|Grill|Diner|Bakery|Deli|Pharmacy|Chemist|Chemists|Drugstore|Dispensary|Clinic|Surgery|Salon|Garage";

/// Nouns that open a venue's name in other languages ("Farmacia Santa Rosa", "Apoteka Lipa"),
/// as written; not the ones English also puts first ("Hotel Management", "Pension Fund").
const VENUE_BEFORE: &str = "Farmacias|Farmacia|Farmácia|Boticas|Pharmacie|Apotheke|Apoteka|Apteka|Apotek|Apoteek|Apteek|Aptieka|Vaistinė|Vaistine|Gyógyszertár|Ljekarna|Lekarna|Lekáreň|Lékárna|Botica|Drogería|Drogaria|Hostal|Albergo|Ristorante|Trattoria|Osteria|Restaurante|Taverna|Brasserie|Clínica|Klinik|Klinika|Poliklinika|Kafana|Pekara";

/// Lower-case particles of surnames that open a company's name ("de Wit", "van der Berg").
const PARTICLES: [&str; 16] = [
    "de", "van", "von", "der", "den", "ter", "ten", "du", "di", "da", "le", "la", "del", "della",
    "dos", "das",
];
/// The same, lower-case allowed (for the strongest frames: "here at serrano").
const ANY_NAME: &str = r"[\p{L}][\p{L}'’-]+";

/// Frames that name the speaker's (or, asked by the interviewer, the buyer's) organisation.
static FRAMES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    let people_at = r"(?:we(?:'re|’re| are)?|us|you|team|teams|people|folks|everyone|everybody|colleagues|staff|leadership|board|finance|procurement|IT|ops|operations)";
    let roles_at = r"(?:cfo|ceo|cto|coo|cio|ciso|vp|svp|evp|director|head|manager|controller|lead|owner|founder|partner|buyer|analyst|engineer|treasurer|bookkeeper|accountant|administrator|jefe|jefa|gerente|directora|coordinador|coordinadora|encargado|encargada|chefe|diretor|diretora|responsable|directeur|directrice)";
    let frames = [
        format!(
            r"(?:\b(?:[Ww]e(?:'re|’re| are)|[Hh]ere at|[Oo]ver at|[Tt]eam at|[Ww]ork(?:s|ed|ing)? (?:at|for)|[Jj]oined|(?:^|[.!?] )At) (?P<n>{NAME}))"
        ),
        format!(r"\b{people_at} (?:here |over |out |up |down )?at (?P<n>{NAME})"),
        format!(
            r"(?i:\b(?:here|over|we|us|job|role|career|time|years?|months?|tenure|start(?:ed|ing)?|happening|going on|changed?|decided?|like|happened|situation|process|problem|challenges?|priorities|today|before|project|do|doing|did) at) (?P<n>{NAME})"
        ),
        format!(r"(?i:\b(?:here|over|we|us) at) (?P<n>{ANY_NAME})"),
        format!(
            r"(?i:\b{roles_at}(?: (?:of|de) [\p{{L}}]+(?: [\p{{L}}]+)?)? (?:at|for))(?: the)? (?P<n>{NAME})"
        ),
        // "principal of Little Wren ICSE School", "bursar at St. Aidan's College": the roles
        // of a school's or a trust's head, which name the institution after "of" too.
        format!(
            r"(?i:\b(?:principal|vice[- ]principal|headmaster|headmistress|head ?teacher|bursar|rector|correspondent|trustee|matron|warden) (?:of|at))(?: the)? (?P<n>{NAME})"
        ),
        // "Kaveri Public School, run by the Kaveri Education Society", "The school is run by
        // Sarada Vidya Trust": a school and the trust or society that runs it.
        format!(
            r"(?:^|[.!?] )(?P<n>{NAME}),? (?:is )?(?:run|owned|managed|governed) by\b"
        ),
        format!(
            r"(?i:\b(?:is|are|was|were|,) (?:run|owned|managed|governed) by)(?: the)? (?P<n>{NAME} (?:Trust|Society|Foundation|Samiti|Sangh|Mission|Association|Diocese|Educational Institutions|Institutions))\b"
        ),
        // "the Voluntary Blood Bank of the Sengamalam Trust": a trust, society or foundation
        // that owns what the sentence names.
        format!(
            r"(?i:\bof the) (?P<n>{NAME} (?:Trust|Foundation|Society|Samiti|Sangh|Mission|Devaswom|Waqf|Wakaf))\b"
        ),
        // "co-owner of the Centro Médico Los Almendros", "founder of Kaveri Agro".
        format!(
            r"(?i:\b(?:co-?owner|owner|co-?founder|founder|proprietor|proprietress) of)(?: the)? (?P<n>{NAME})"
        ),
        // "Centro Médico Los Almendros, S.A.", "Žitni Breg d.o.o.", "Zbożex Sp. z o.o.",
        // "Oltin Boshoq MChJ": a name with its legal form.
        format!(
            r"\b(?:(?:Before|After|At|For|With|From|Since|In|Like|Unlike|Until|Via|Then|When) )?(?P<n>{NAME}),? (?:S\.A\.|S\.L\.|S\.R\.L\.|S\. de R\.L\.|S\.A\.S\.|S\.p\.A\.|B\.V\.|N\.V\.|Ltda\.?|Lda\.?|Ltd\.?|LLC|Inc\.|GmbH|Pty Ltd|PLC|plc|SRL|SpA|d\.o\.o\.|d\.d\.|Sp\. z o\.o\.|s\.r\.o\.|a\.s\.|Kft\.?|Zrt\.?|MChJ|TOV|TOO|EOOD|OOD|Sdn\.? Bhd\.?|Pte\.? Ltd\.?|Tbk|OÜ|UAB|SIA|ApS)(?:[^\p{{L}}]|$)"
        ),
        format!(
            r"(?i:\b(?:run|runs|ran|lead|leads|led|manage|manages|managed|own|owns|head|heads|oversee|oversees)(?: the)? [\p{{L}}]+(?: [\p{{L}}]+)? (?:at|for)) (?P<n>{NAME})"
        ),
        format!(
            r"(?i:\bwhat) (?P<n>{NAME}) (?:was|were|is|are|had been) (?:looking|trying|hoping|after|doing)"
        ),
        format!(
            r"(?P<n>{NAME})['’]s (?i:decision|team|teams|warehouse|warehouses|board|leadership|finance|IT|procurement|side|stores|store|plants|plant|offices|office|headquarters|HQ|CFO|CEO|CTO|COO|CIO|budget|growth|business|operations|customers|network|staff|management|owners?|founders?|parent|stack|setup|process|processes|footprint|needs|requirements|situation|clinics|hospitals|branches|fleet|drivers|nurses|kitchens|restaurants|locations|sites|employees|accounting|AP|books|ERP)\b"
        ),
        format!(r"(?P<n>{NAME}), where (?:I|we) (?:work|am|are|'m|’m|run|lead)"),
        format!(
            r"(?P<n>{NAME}) (?:has|had|have|runs|ran|operates|employs|employed) (?:about |around |roughly |over |nearly |some |maybe |like |just |almost )?(?:\d[\d,.]*|a few|several|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a hundred|hundreds|a thousand|thousands|a dozen|dozens)\b"
        ),
        format!(
            r"(?i:\bour (?:parent|parent company|holding|holding company|group|mother company|owner|owners|sister company|subsidiary)),? (?P<n>{NAME})"
        ),
        format!(
            r"(?i:\b(?:the|their|its|a|my) (?:parent company|holding company|mother company|sister (?:company|firm|concern|business)|subsidiary|affiliate)),? (?P<n>{NAME})"
        ),
        format!(
            r"(?i:\b(?:we(?:'re|’re| are)|we were|i'm|i am) (?:now |still |actually |technically |really )?(?:part|a part|a subsidiary|a division|a unit|a brand|one) of)(?: the)? (?P<n>{NAME})"
        ),
        format!(
            r"(?i:\b(?:we|it|i) (?:technically |actually |still |really )?(?:belong|belongs|report|reports) (?:in)?to)(?: the)? (?P<n>{NAME})"
        ),
        format!(
            r"(?i:\b(?:(?:we(?:'re|’re| are)|we were) (?:\w+ )?owned by|(?:a )?(?:subsidiary|division|unit|daughter company) of))(?: the)? (?P<n>{NAME})"
        ),
        format!(
            r"(?:^|[.!?] )(?P<n>{NAME}) (?:is|are|was|were) (?:about |around |roughly |over |nearly |some |just |almost )?(?:\d[\d,.]*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a hundred|hundreds|a thousand|thousands|a dozen|dozens)(?: [\p{{L}}-]+){{0,4}} (?i:homes|stores|shops|sites|clinics|hospitals|branches|locations|facilities|schools|colleges|restaurants|practices|surgeries|pharmacies|hotels|venues|properties|centres|centers|warehouses|plants|factories|offices|depots|wards|people|staff|employees|beds|brands)\b"
        ),
        format!(
            r"(?:^|[.!?] |\b(?:so|well|yeah|yes|okay|ok|um|uh) )(?:the )?(?P<n>{NAME}) (?:is an?|was founded|is basically an?|is essentially an?|is kind of an?|is mostly an?)\b"
        ),
        // "Rift Valley Grain, we are aggregators.", "Straits Harbour Logistics, SHL, we do
        // third-party logistics."
        format!(
            r"(?:^|[.!?] )(?P<n>{NAME}),(?: \p{{Lu}}{{2,5}},)? (?:we(?:'re|’re| are)|we (?:do|make|run|sell|build|have|move|ship|distribute|manufacture|operate|grow|buy)|that's us|that’s us)\b"
        ),
        // "we bought the Railway Hotel", "our Cherry Picker Hotel": capitalised words before a
        // venue's noun that ends the name ("the Cameroon Bar Council" is no bar) name a
        // business, whatever the words mean alone.
        format!(
            r"(?:\b(?:[Tt]he|[Oo]ur|[Tt]heir|[Mm]y|[Hh]is|[Hh]er) )(?P<n>(?:\p{{Lu}}[\p{{L}}'’-]+ ){{1,3}}(?:{VENUE_AFTER}))(?:[^\p{{L}}\s]|\s+[^\p{{Lu}}\s]|$)"
        ),
        // "Farmacia Santa Rosa", "Apoteka Lipa": a venue's noun that opens its name.
        format!(
            r"\b(?P<n>(?:{VENUE_BEFORE}) \p{{Lu}}[\p{{L}}'’-]+(?:(?: (?:de|del|la|los|las|di|da|do|dos|na|u|a|al|zum|zur|am))? \p{{Lu}}[\p{{L}}'’-]+){{0,3}})"
        ),
        // The interviewer's first question: "Tell me a bit about the Copper Kettle." (a name in
        // title case that ends the question: "the RFP process" or "RFP" is no organisation).
        format!(
            r"(?i:\btell (?:me|us) (?:a (?:bit|little)(?: more)? |more |briefly )?about)(?: the)? (?P<n>{TITLED_NAME})[.?!]"
        ),
        // "we call it the Island Anchor", "everybody calls us Kedai Pak Mat".
        format!(
            r"(?i:\b(?:we|everyone|everybody|people|locals|customers|staff) (?:just |all |usually |always )?call(?:s|ed)? (?:it|us|the place|the shop|the site|the hotel|the pharmacy)),? (?:the )?(?P<n>{TITLED_NAME})"
        ),
        // "Most people just say the Valleys Trust", "or just \"el ITNA\"": the short name
        // everyone uses.
        format!(
            r#"(?i:\b(?:we|everyone|everybody|people|locals|customers|staff|they) (?:all |usually |always |mostly )?(?:just|only|simply) (?:say|says|write|writes|call (?:it|us)|calls (?:it|us))),? ["“]?(?:(?:the|el|la|o|a|os|as|los|las|le|les|il|lo) )?(?P<n>{TITLED_NAME}|\p{{Lu}}{{2,6}}\b)"#
        ),
        r#"(?i:\bor (?:just|simply))(?: (?i:say|says))?,? ["“](?:(?i:the|el|la|o|a|os|as|los|las|le|les|il|lo) )?(?P<n>\p{Lu}{2,6})["”]"#.to_string(),
        // "Our company is Sông Hồng, in English it is Red River Construction."
        format!(
            r"(?i:\b(?:our|the|my) (?:company|business|cooperative|co-op|firm|organi[sz]ation|group|farm|estate|trust)(?:'s| is| was) (?:called |named )?)(?P<n>{NAME})"
        ),
        format!(
            r"(?i:\bin english,? (?:it is|it's|it’s|that's|that’s|we say|we call it|it means|that means|means)) (?P<n>{NAME})"
        ),
        format!(
            r"(?:^|[.!?] )(?P<n>{NAME})['’]s (?:an?|basically an?|essentially an?|kind of an?|mostly an?|one of|the|about|around|roughly)\b"
        ),
        format!(
            r"(?:^|[.!?] )(?P<n>{NAME}) (?:sells|makes|builds|provides|runs|operates|distributes|imports|exports|manufactures|supplies|serves|ships|delivers|produces|designs|develops|offers|brokers|trains|staffs|recruits|repairs|leases|rents|installs|insures|lends|hauls|grows|packs|processes|prints|publishes|places|connects|specialises|specializes|does)\b"
        ),
    ];
    frames.iter().map(|frame| Regex::new(frame).expect("static org frame")).collect()
});

/// A name followed by its initials in apposition ("Transportes Cordillera Sur, TCS, that's
/// what's painted on the trucks", "Kaveri Agro Traders (KAT)").
static APPOSED_INITIALS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?P<n>{NAME})(?:,\s+|\s*\(\s*|\s+or\s+)(?P<a>\p{{Lu}}{{3,6}})\b\)?"))
        .expect("static regex")
});

/// The short form people use for their organisation, after a name or in a "we say" frame
/// ("Stichting Katholiek Onderwijs Noord-Veluwe, or SKONV", "Sint-Jozefcollege or just SJC",
/// "in the region everybody says just PKU", "people say ..., or ShET", "the banks write RCG"):
/// two to six capitals,
/// perhaps with one lower-case letter after the first.
static SHORT_FORM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(?P<before>\p{Lu}[\p{L}.'’-]*),?\s+or\s+(?:just\s+|simply\s+)?|(?i:\b(?:we|everybody|everyone|people|they|locals|staff|clients|customers|the\s+(?:banks?|government(?:\s+side)?|ministry|authorities|bank|tax\s+office|auditors|suppliers|vendors))\s+(?:just\s+|all\s+|usually\s+|mostly\s+|always\s+)?(?:say|says|call\s+(?:it|us)|calls\s+(?:it|us)|write|writes)\s+(?:it\s+)?(?:just\s+|simply\s+)?))(?P<a>\p{Lu}\p{Ll}?\p{Lu}{1,5})\b")
        .expect("static regex")
});

/// A short form said before its frame ("So we're [ACCOUNT]. PW Law, most people say."): capitals
/// with perhaps one generic company word.
static SHORT_FORM_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<a>\p{Lu}{2,5}(?:\s+\p{Lu}\p{Ll}+)?),\s+(?i:(?:most|all|the)\s+)?(?i:people|everybody|everyone|clients|locals)\s+(?i:say|says|call\s+us|know\s+us\s+as)\b")
        .expect("static regex")
});

/// Standards, agencies and terms said as acronyms that no account's short form is.
const GENERIC_ACRONYMS: [&str; 24] = [
    "ISO", "IEC", "GOST", "SOC", "SAML", "HIPAA", "PCI", "GDPR", "VAT", "GST", "SKU", "SMB", "SME",
    "USD", "EUR", "GBP", "EBITDA", "OPEX", "CAPEX", "TCO", "SAAS", "MES", "WMS", "TMS",
];

/// Short forms named in [`SHORT_FORM`]'s frames: not a role, a tool, a competitor or a
/// generic acronym ("SAP or ERP").
pub fn short_forms(scope: &Scope, text: &str) -> Vec<String> {
    let before = SHORT_FORM_BEFORE.captures_iter(text).filter(|caps| {
        // "PW Law": the word after the capitals must be a generic company word.
        caps["a"]
            .split_whitespace()
            .nth(1)
            .is_none_or(|word| GENERIC_ORG_WORDS.contains(word.to_lowercase().as_str()))
    });
    SHORT_FORM
        .captures_iter(text)
        .chain(before)
        .filter(|caps| {
            // After a name, that name must be more than an English word or a tool.
            caps.name("before").is_none_or(|before| {
                let word = before.as_str().trim_end_matches([',', '.']);
                // "GDPR or ISO", "AWS or GCP": an acronym before "or" is a standard or a tool.
                !word.chars().all(|c| !c.is_alphabetic() || c.is_uppercase())
                    && !is_english_word(&word.to_lowercase())
                    && !is_vendor(word)
                    && !scope.protected.looks_protected(word)
            })
        })
        .map(|caps| caps["a"].to_string())
        .filter(|short| {
            short.chars().filter(|c| c.is_uppercase()).count() >= 3
                && !ROLE_ACRONYMS.contains(&short.to_lowercase().as_str())
                && !super::crm::COMMON_ACRONYMS.contains(&short.to_lowercase().as_str())
                && !GENERIC_ACRONYMS.contains(&short.as_str())
                && !is_vendor(short)
                && !scope.protected.looks_protected(short)
                && !COUNTRIES.contains(short.to_lowercase().as_str())
                && !is_calendar_or_place(&short.to_lowercase())
        })
        .collect()
}

/// A run of capitalised words ("Ho-Ping Smile Orthodontics"), for [`spelled_by`].
static CAPITALISED_RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\p{Lu}[\p{L}'’]*(?:-\p{L}[\p{L}'’]*)*(?:\s+(?:&\s+|and\s+)?\p{Lu}[\p{L}'’]*(?:-\p{L}[\p{L}'’]*)*)*")
        .expect("static regex")
});

/// The name in `text` that a short form spells ("Ho-Ping Smile Orthodontics, internally we just
/// say HPS"): capitalised words whose initials, or whose hyphenated parts' initials, are the
/// short form, with the generic company words after them, when a word of it is more than an
/// English or a generic one.
pub fn spelled_by(text: &str, short: &str) -> Vec<String> {
    let mut found = vec![];
    for run in CAPITALISED_RUN.find_iter(text) {
        let words: Vec<&str> =
            run.as_str().split_whitespace().filter(|w| !matches!(*w, "&" | "and")).collect();
        for start in 0..words.len() {
            for by_parts in [false, true] {
                let mut spelled = String::new();
                let mut end = start;
                while end < words.len() && spelled.len() < short.len() {
                    let parts: Vec<&str> =
                        if by_parts { words[end].split('-').collect() } else { vec![words[end]] };
                    spelled.extend(
                        parts.iter().filter_map(|p| p.chars().next()).flat_map(char::to_uppercase),
                    );
                    end += 1;
                }
                if spelled != short || end - start < 2 && !by_parts {
                    continue;
                }
                while end < words.len()
                    && GENERIC_ORG_WORDS.contains(words[end].to_lowercase().as_str())
                {
                    end += 1;
                }
                let name = &words[start..end];
                let distinctive = name.iter().any(|w| {
                    let lower = w.to_lowercase();
                    !is_english_word(&lower) && !GENERIC_ORG_WORDS.contains(lower.as_str())
                });
                let joined = name.join(" ");
                if distinctive && name.len() >= 2 && !found.contains(&joined) {
                    found.push(joined);
                }
            }
        }
    }
    found
}

/// The initials of a name's capitalised words, particles and "&" left out ("TCS").
fn initials(words: &[&str]) -> String {
    words
        .iter()
        .filter(|w| !PARTICLES.contains(w) && !matches!(**w, "&" | "and" | "y"))
        .filter_map(|w| w.chars().next().filter(|c| c.is_uppercase()))
        .collect()
}

/// A negation right before or inside a frame.
static NEGATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:not|never|don't|don’t|doesn't|doesn’t|didn't|didn’t|no longer)\b")
        .unwrap()
});

/// "I work for X", "a year at X": X is an organisation ("joined X" is not: "joined Priya's
/// team").
pub static ORG_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:work(?:s|ed|ing)?\s+(?:for|at)|employed\s+(?:by|at)|(?:a|one|two|three|four|five|\d+)\s+(?:years?|months?)\s+at)\s*$").unwrap()
});
/// An organisation suffix right after a tagged name ("Russell Investments", "Davis, Reynolds
/// and Williamson Orchestra"): the name is a company's, not a person's.
pub static ORG_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:,? (?:and |& )?\p{Lu}[\p{L}'-]*){0,3},? (?:Inc|Incorporated|Corp|Corporation|LLC|Ltd|Limited|Group|Holdings|Investments|Partners|Capital|Bank|Orchestra|University|College|Foundation|Institute|Associates|Company|Co|GmbH|AG|SA|SpA|BV|Oy|AB|KK|Pty|Ltda|Logistics|Solutions|Systems|Industries)\b").unwrap()
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
pub fn in_firm_list(text: &str, start: usize, end: usize) -> bool {
    FIRM_LIST.captures_iter(text).any(|caps| {
        let whole = caps.get(0).expect("match");
        let given = (1..=3).filter(|i| FIRST_NAMES.contains(&caps[*i])).count();
        whole.start() <= start
            && end <= whole.end()
            && given <= 1
            && !PEOPLE_BEFORE.is_match(&text[..whole.start()])
    })
}

/// Drops a sentence's opening filler ("So Healthbridge" -> "Healthbridge") and trailing
/// lower-case words; `None` when nothing name-like is left.
fn clean(name: &str) -> Option<String> {
    let name = name.trim();
    let name = DISCOURSE_OPENERS
        .iter()
        .find_map(|opener| {
            name.strip_prefix(opener).map(|rest| rest.trim_start_matches(',').trim_start()).filter(
                |rest| {
                    let after_particles =
                        rest.split_whitespace().find(|w| !PARTICLES.contains(w)).unwrap_or(rest);
                    after_particles.starts_with(char::is_uppercase)
                },
            )
        })
        .unwrap_or(name);
    let name = name.trim_end_matches(|c: char| !c.is_alphanumeric());
    // "The Bakheet Group runs SAP": the article opens the sentence, not the name.
    let name = match name.strip_prefix("The ") {
        Some(rest) if rest.starts_with(char::is_uppercase) => rest,
        _ => name,
    };
    let name = name.strip_suffix("'s").or_else(|| name.strip_suffix("’s")).unwrap_or(name);
    (!name.is_empty()).then(|| name.to_string())
}

/// Candidate organisation names in a text, as written, from every frame; the company
/// introduction by verb ("X places nurses into hospitals") only in an `opening` answer.
pub fn candidates(text: &str, opening: bool) -> Vec<String> {
    let mut found: Vec<String> = vec![];
    let frames = if opening { &FRAMES[..] } else { &FRAMES[..FRAMES.len() - 1] };
    for frame in frames {
        for caps in frame.captures_iter(text) {
            // "I don't work for Quayline": a negated frame names someone else's organisation.
            let whole = caps.get(0).expect("match");
            let lead =
                &text[text[..whole.start()].char_indices().rev().nth(11).map_or(0, |(i, _)| i)
                    ..whole.start()];
            if NEGATION.is_match(lead) || NEGATION.is_match(whole.as_str()) {
                continue;
            }
            let Some(name) = caps.name("n").and_then(|n| clean(n.as_str())) else { continue };
            if !found.contains(&name) {
                found.push(name);
            }
        }
    }
    // A name that spells its own initials is an organisation's, when a word of it is more
    // than an English one ("Request For Proposal (RFP)" is not).
    for caps in APPOSED_INITIALS.captures_iter(text) {
        let (Some(name), Some(acronym)) = (caps.name("n"), caps.name("a")) else { continue };
        let Some(name) = clean(name.as_str()) else { continue };
        let words: Vec<&str> = name.split_whitespace().collect();
        let distinctive = words.iter().any(|w| {
            let lower = w.to_lowercase();
            !is_english_word(&lower) && !GENERIC_ORG_WORDS.contains(lower.as_str())
        });
        if words.len() >= 3
            && initials(&words) == acronym.as_str()
            && distinctive
            && !found.contains(&name)
        {
            found.push(name);
        }
    }
    found
}

/// What people call the place: "Most folks just say the Acres", "Everybody out here just calls
/// it the Hale", "the students call it VCB" (one capitalised word after "the", or an acronym),
/// and a short name said first ("Sure. Norteco, we say.").
static NICKNAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:we|everyone|everybody|people|folks|locals|residents|tenants|students|kids|members|staff|they)(?:\s+(?:out|around|up|down)\s+here|\s+here)?\s+(?:all\s+|usually\s+|always\s+|mostly\s+)?(?:just\s+)?(?:say|says|call(?:s|ed)?\s+(?:it|us|the\s+place))),?\s+(?:(?i:the)\s+(?P<n>\p{Lu}\p{Ll}+)|(?P<n2>\p{Lu}{2,6}))\b|(?:^|[.!?]\s+|\b(?i:sure|yes|yeah|well|so),?\s+)(?P<n3>\p{Lu}\p{Ll}{3,}),\s+(?i:we|everyone|everybody|people)\s+(?i:just\s+)?(?i:say|call\s+(?:it|us))\b")
        .expect("static regex")
});

/// Whether a candidate's words could name a private organisation: the caller's test for each
/// word (not shared across interviews, not protected...) plus, for a single word, that it is
/// not an ordinary word in lower case.
pub fn plausible(name: &str, word_ok: impl Fn(&str) -> bool) -> bool {
    let words: Vec<&str> = name
        .split_whitespace()
        .filter(|w| !matches!(*w, "&" | "and" | "y" | "of" | "the") && !PARTICLES.contains(w))
        .collect();
    // "de Wit": a surname's particle before a capitalised word names a family, whatever the
    // word means in English.
    let particled = name.split_whitespace().next().is_some_and(|w| PARTICLES.contains(&w))
        && words.first().is_some_and(|w| w.starts_with(char::is_uppercase));
    // Generic words ("Grupo", "Industrial") are shared across many names: only the other
    // words must pass the caller's test.
    let generic = |w: &str| GENERIC_ORG_WORDS.contains(w.to_lowercase().as_str());
    if words.is_empty()
        || words.iter().all(|w| generic(w))
        || !words.iter().filter(|w| !generic(w)).all(|w| word_ok(w))
        || words.iter().all(|w| ROLE_ACRONYMS.contains(&w.to_lowercase().as_str()))
    {
        return false;
    }
    // "Parcel & Pine": ordinary words joined by "&" make a company name; otherwise at least
    // one word must be more than an ordinary or generic word.
    let joined = name.contains(" & ") && words.len() >= 2;
    // "Rift Valley Grain", "Red River Construction": two or more capitalised ordinary words
    // in an organisation's frame are its name, unless all of them name a department or a
    // function ("Customer Success", "Head Office"; "Straits Harbour Logistics" is a name).
    let titled = is_titled(&words)
        && !words.iter().all(|w| WORKPLACE_WORDS.contains(&w.to_lowercase().as_str()));
    let lower_case = !name.chars().any(char::is_uppercase);
    let distinctive = words.iter().any(|w| {
        let lower = w.to_lowercase();
        !is_english_word(&lower) && !GENERIC_ORG_WORDS.contains(lower.as_str())
    });
    (joined || distinctive || particled || titled) && (!lower_case || words.len() == 1)
}

/// Job-title and department words of the languages buyers' speaker labels are written in
/// (beside the English ones in `ROLE_TITLES`, `ROLE_ACRONYMS` and `WORKPLACE_WORDS`): a
/// bracket holding one is a role ("Gerente de RH", "Jefa de Compras", "Responsable achats"),
/// not an organisation.
const ROLE_LABEL_WORDS: &[&str] = &[
    // English
    "co-founder",
    "owner",
    "accountant",
    "bookkeeper",
    "pharmacist",
    "nurse",
    "doctor",
    "dentist",
    "teacher",
    "registrar",
    "bursar",
    "trustee",
    "chair",
    "deputy",
    "interviewer",
    "customer",
    "moderator",
    "host",
    "guest",
    "interviewee",
    "respondent",
    "champion",
    "sponsor",
    "user",
    "admin",
    "superintendent",
    "foreman",
    "dispatcher",
    "clerk",
    "interpreter",
    "translator",
    "observer",
    "note-taker",
    // Spanish, Portuguese, Italian
    "gerente",
    "directora",
    "diretor",
    "diretora",
    "direttore",
    "direttrice",
    "jefe",
    "jefa",
    "chefe",
    "dueño",
    "dueña",
    "dono",
    "dona",
    "socio",
    "socia",
    "sócio",
    "sócia",
    "encargado",
    "encargada",
    "coordinador",
    "coordinadora",
    "coordenador",
    "coordenadora",
    "administrador",
    "administradora",
    "contador",
    "contadora",
    "contable",
    "contabilista",
    "farmacéutico",
    "farmacéutica",
    "farmacêutico",
    "farmacêutica",
    "regente",
    "propietario",
    "propietaria",
    "proprietário",
    "proprietária",
    "presidente",
    "presidenta",
    "tesorero",
    "tesorera",
    "tesoureiro",
    "tesoureira",
    "secretario",
    "secretaria",
    "secretário",
    "secretária",
    "analista",
    "ingeniero",
    "ingeniera",
    "engenheiro",
    "engenheira",
    "ingegnere",
    "titolare",
    "responsabile",
    "amministratore",
    "licenciado",
    "licenciada",
    "doctora",
    "doutor",
    "doutora",
    "compras",
    "finanzas",
    "finanças",
    "ventas",
    "vendas",
    "operaciones",
    "operações",
    "rh",
    "ti",
    "recursos",
    "humanos",
    "contabilidad",
    "contabilidade",
    "tesorería",
    "tesouraria",
    "logística",
    "calidad",
    "qualidade",
    "mantenimiento",
    "manutenção",
    "sistemas",
    "informática",
    "dirección",
    "direção",
    "gerencia",
    "gerência",
    "acquisti",
    "amministrazione",
    // French, German, Dutch, Nordic, Polish
    "directeur",
    "directrice",
    "gérant",
    "gérante",
    "responsable",
    "chef",
    "président",
    "présidente",
    "comptable",
    "associé",
    "associée",
    "fondateur",
    "fondatrice",
    "adjoint",
    "adjointe",
    "achats",
    "ventes",
    "informatique",
    "juridique",
    "leiter",
    "leiterin",
    "geschäftsführer",
    "geschäftsführerin",
    "inhaber",
    "inhaberin",
    "vorstand",
    "prokurist",
    "einkauf",
    "buchhaltung",
    "eigenaar",
    "hoofd",
    "inkoop",
    "ekonomichef",
    "vd",
    "kierownik",
    "dyrektor",
    "prezes",
    "właściciel",
    "właścicielka",
];

/// True when a speaker label's bracket, written without a comma, names an organisation rather
/// than a role ("Marcelina Condori (Farmacias Kantuta)", "Priya (Northwind Freight)"): every
/// word capitalised (or a connector), none a job title or a department, and one word that no
/// English dictionary holds, or a legal form or generic organisation word beside another word.
/// "Head Pharmacist", "Finance", "CFO" and "Gerente de RH" stay roles.
pub fn bracket_names_org(bracket: &str) -> bool {
    let words: Vec<&str> = bracket
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':' | '"' | '\'')))
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 6 {
        return false;
    }
    let connector = |lower: &str| {
        matches!(lower, "&" | "and" | "of" | "the" | "y" | "e" | "et" | "und")
            || PARTICLES.contains(&lower)
    };
    let mut content = vec![];
    for word in &words {
        let lower = word.to_lowercase();
        if connector(&lower) {
            continue;
        }
        if ROLE_LABEL_WORDS.contains(&lower.as_str())
            || super::tagged::ROLE_TITLES.contains(&lower.as_str())
            || ROLE_ACRONYMS.contains(&lower.as_str())
            || WORKPLACE_WORDS.contains(&lower.as_str())
            || !word.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
        {
            return false;
        }
        content.push(lower);
    }
    let org_word = |lower: &str| LEGAL_FORMS.contains(lower) || GENERIC_ORG_WORDS.contains(lower);
    // "(Portuguese)", "(Lisboa)", "(Zoom)": a language, place or tool is no organisation's name.
    let elsewhere = |lower: &str| {
        is_nationality(lower)
            || is_calendar_or_place(lower)
            || COUNTRIES.contains(lower)
            || CITIES.iter().any(|city| city.eq_ignore_ascii_case(lower))
            || is_vendor(lower)
    };
    let distinctive = content.iter().any(|w| !is_english_word(w) && !org_word(w) && !elsewhere(w));
    distinctive || (content.len() >= 2 && content.iter().any(|w| org_word(w)))
}

/// Two or more words in title case ("Rift Valley Grain"), not acronyms ("SDKs") and not
/// opening with a gerund ("Maintaining Pipelines").
fn is_titled(words: &[&str]) -> bool {
    // A board or standard in capitals among them is no ordinary word ("Little Wren ICSE
    // School").
    let words: Vec<&str> = words.iter().copied().filter(|w| !shouted(w)).collect();
    words.len() >= 2
        && words.iter().all(|w| {
            let mut chars = w.chars();
            chars.next().is_some_and(char::is_uppercase) && !chars.any(char::is_uppercase)
        })
        && !words[0].to_lowercase().ends_with("ing")
}

/// The forms to learn for an organisation name: the name, its initials when it has three or
/// more capitalised words ("SHL"), and, for a multi-word name, its distinctive words ("Parcel &
/// Pine" -> "Parcel & Pine"; "Serrano Salud" -> "Serrano").
pub fn forms(name: &str) -> Vec<String> {
    let mut forms = vec![name.to_string()];
    let words: Vec<&str> = name.split_whitespace().collect();
    // "SHL" of "Straits Harbour Logistics": the initials people paint on the trucks.
    let initials = initials(&words);
    if initials.chars().count() >= 3 && !ROLE_ACRONYMS.contains(&initials.to_lowercase().as_str()) {
        forms.push(initials);
    }
    // "Straits Harbour" of "Straits Harbour Logistics": the name without its generic words
    // at the end, when two or more words are left; and without the board, standard or
    // country in capitals before them ("Little Wren" of "Little Wren ICSE School").
    let mut core = words.clone();
    while core.last().is_some_and(|w| {
        GENERIC_ORG_WORDS.contains(w.to_lowercase().as_str())
            || LEGAL_FORMS.contains(normalize_name(w).as_str())
            || (core.len() > 2 && core.len() < words.len() && shouted(w))
    }) {
        core.pop();
    }
    if core.len() >= 2 && core.len() < words.len() {
        forms.push(core.join(" "));
    }
    if words.len() > 1 {
        for (i, word) in words.iter().enumerate() {
            let lower = word.to_lowercase();
            // A word in capitals after the first is a board, standard or country ("ICSE",
            // "NSW"), which other organisations carry too.
            if word.chars().count() >= 4
                && !is_english_word(&lower)
                && !GENERIC_ORG_WORDS.contains(lower.as_str())
                && (i == 0 || !shouted(word))
            {
                forms.push(word.to_string());
            }
        }
    }
    forms
}

/// Organisation names in their frames ("here at X", "X's team", "What was X looking
/// for?"), kept when they could name one deal's organisation and nothing else: not shared
/// with other interviews, not protected, no person, no ordinary word.
pub fn find(scope: &Scope, text: &str, opening: bool) -> Vec<Found> {
    let shorts = short_forms(scope, text);
    let spelled: Vec<Found> = shorts
        .iter()
        .flat_map(|short| spelled_by(text, short))
        .filter(|name| !scope.protected.looks_protected(name))
        .map(Found::Account)
        .collect();
    let short = shorts.into_iter().map(|short| Found::Other(short, "[ACCOUNT]")).chain(spelled);
    // "Most folks just say the Acres", "the students call it VCB": the name people use for
    // the place, even an ordinary word, when it is no tool, competitor, place or department.
    let nicknames: Vec<Found> = NICKNAME
        .captures_iter(text)
        .filter_map(|caps| caps.name("n").or_else(|| caps.name("n2")).or_else(|| caps.name("n3")))
        .map(|name| name.as_str().to_string())
        .filter(|name| {
            let lower = name.to_lowercase();
            !scope.protected.looks_protected(name)
                && !scope.protected.contains(name)
                && !is_vendor(name)
                && !scope.corpus_terms.common.contains(&lower)
                && !is_calendar_or_place(&lower)
                && !COUNTRIES.contains(lower.as_str())
                && !CITIES.contains(&name.as_str())
                && !WORKPLACE_WORDS.contains(&lower.as_str())
                && !ROLE_ACRONYMS.contains(&lower.as_str())
                && !super::crm::COMMON_ACRONYMS.contains(&lower.as_str())
                && !GENERIC_ORG_WORDS.contains(lower.as_str())
        })
        .map(|name| Found::Other(name, "[ACCOUNT]"))
        .collect();
    let short = short.chain(nicknames);
    candidates(text, opening)
        .into_iter()
        .filter(|name| {
            let lower_case = !name.chars().any(char::is_uppercase);
            // A misspelt competitor inside a name built like a company ("Grupo Industrial
            // Castellane" beside the competitor "Castellanos") is that company's own word:
            // only an exact protected word vetoes it there.
            let built_as_org = name.split_whitespace().count() > 1
                && name.split_whitespace().any(|word| {
                    let lower = word.to_lowercase();
                    GENERIC_ORG_WORDS.contains(lower.as_str())
                        || LEGAL_FORMS.contains(normalize_name(word).as_str())
                })
                && !scope.protected.looks_protected(name);
            // "Rift Valley Grain": words the batch also writes in lower case are the name's
            // when two or more are capitalised together in the frame.
            let words: Vec<&str> = name
                .split_whitespace()
                .filter(|w| !matches!(*w, "&" | "and" | "y") && !PARTICLES.contains(w))
                .collect();
            let titled = is_titled(&words);
            let words_ok = |word: &str| {
                let lower = word.to_lowercase();
                let protected = if built_as_org {
                    scope.protected.contains(word)
                } else {
                    scope.protected.looks_protected(word)
                };
                // A board or standard in capitals inside a name built as an organisation's is
                // shared with other interviews ("Little Wren ICSE School"), not the seller's.
                // Nor is a language or a country ("English Medium School"): capitalised in
                // every interview by grammar, not because the seller is named.
                (!scope.corpus_terms.common.contains(&lower)
                    || (built_as_org
                        && ((shouted(word) && name.split_whitespace().next() != Some(word))
                            || is_nationality(&lower)
                            || COUNTRIES.contains(lower.as_str()))))
                    && (lower_case || titled || !scope.vocabulary.contains(&lower))
                    && !protected
                    && !is_vendor(word)
            };
            // "Niger Delta Pride" may hold a country; a name made of places only is no company.
            let only_places = name.split_whitespace().all(|word| {
                let lower = word.to_lowercase();
                COUNTRIES.contains(lower.as_str())
                    || is_calendar_or_place(&lower)
                    || GENERIC_ORG_WORDS.contains(lower.as_str())
                    || matches!(word, "&" | "and" | "de" | "del" | "y")
            });
            let single_given = !name.contains(' ') && FIRST_NAMES.contains(name.as_str());
            // "Herr Weiß's team": an honorific opens a person's name, not a company's.
            let honorific = name.split_whitespace().next().is_some_and(|first| {
                HONORIFICS.contains(&first.trim_end_matches('.').to_lowercase().as_str())
            });
            !only_places
                && !honorific
                && plausible(name, words_ok)
                && !single_given
                && !scope.people.is_listed(name)
                && !CITIES.contains(&name.as_str())
        })
        .map(Found::Account)
        .chain(short)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_speaker_bracket_without_a_comma_names_an_organisation_only_when_it_reads_as_one() {
        for org in [
            "Farmacias Kantuta",
            "Northwind Freight",
            "Kantuta",
            "Grupo Andino",
            "Ovanto S.A.",
            "Red River Construction Ltd",
            "Cooperativa Agrícola Esperança",
            "Tŷ Cwmtawe Trust",
            "Pine Hollow HOA",
        ] {
            assert!(bracket_names_org(org), "{org}");
        }
        for role in [
            "Head Pharmacist",
            "Finance",
            "CFO",
            "VP Finance",
            "Gerente de RH",
            "Jefa de Compras",
            "Responsable achats",
            "Owner",
            "buyer",
            "IT",
            "Geschäftsführer",
            "Customer Success",
            "Operations Director",
            "Portuguese",
            "Lisbon",
            "Zoom",
            "translated",
            "via Teams",
            "Red River",
            "Kierownik apteki",
            "",
        ] {
            assert!(!bracket_names_org(role), "{role}");
        }
    }

    #[test]
    fn organisations_in_the_frames_people_use() {
        let has = |text: &str, name: &str| candidates(text, true).iter().any(|c| c == name);
        assert!(has("How did this project start at Serrano?", "Serrano"));
        assert!(has("What was happening at Andino before you looked?", "Andino"));
        assert!(has("Can you describe what Halvorsen was looking for?", "Halvorsen"));
        assert!(has("Can you describe what Ondarra was looking for?", "Ondarra"));
        assert!(has("Ondarra places locum nurses into hospitals, so speed mattered.", "Ondarra"));
        assert!(has("I run supply chain at Serrano, so", "Serrano"));
        assert!(has("Kestrelway's a home goods chain, 40 stores.", "Kestrelway"));
        assert!(has("So Locumly places locum nurses into hospitals.", "Locumly"));
        assert!(has("we at Andino do things slowly", "Andino"));
        assert!(has("Marvex has 40 stores in the north.", "Marvex"));
        assert!(has("Our parent, Grupo Andino, decides.", "Grupo Andino"));
        assert!(has("We're part of Grupo Industrial Ovanto, so IT", "Grupo Industrial Ovanto"));
        assert!(has("Technically we belong to Grupo Ashcombe, but", "Grupo Ashcombe"));
        assert!(has("we're a subsidiary of Halvora Holdings.", "Halvora Holdings"));
        assert!(has(
            "we belong to Grupo Industrial Hoa Sen Việt, but",
            "Grupo Industrial Hoa Sen Việt"
        ));
        assert!(has("Marvex, where I work, is old-fashioned.", "Marvex"));
        assert!(has("That was Serrano's decision.", "Serrano"));
        assert!(has("honestly, here at serrano we wait", "serrano"));
        assert!(has("So, we're Parcel & Pine, home goods.", "Parcel & Pine"));
        assert!(!has("Felix owns Copperleaf, he approves", "Felix"), "owns is not an intro verb");
        assert!(!has("I'm independent, I don't work for Quayline.", "Quayline"));
        assert!(has("What do you do at Wisłomar?", "Wisłomar"));
        assert!(has(
            "Transportes Cordillera Sur, TCS, that's what's painted on the trucks.",
            "Transportes Cordillera Sur"
        ));
        assert!(has("We buy from Kaveri Agro Traders (KAT) mostly.", "Kaveri Agro Traders"));
        assert!(!has("We sent a Request For Proposal (RFP) out.", "Request For Proposal"));
        assert!(!has("Transportes Cordillera Sur, TS, and", "Transportes Cordillera Sur"));
        let scope = Scope::default();
        let short = |text: &str| short_forms(&scope, text);
        assert_eq!(
            short("Stichting Katholiek Onderwijs Noord-Veluwe, or SKONV in mails"),
            ["SKONV"]
        );
        assert_eq!(short("in the region everybody says just PKU."), ["PKU"]);
        assert!(short("we need GDPR or ISO, and AWS or GCP").is_empty());
    }

    #[test]
    fn plausibility_and_forms() {
        let ok = |_: &str| true;
        assert!(plausible("Serrano", ok) && plausible("Parcel & Pine", ok));
        assert!(!plausible("Finance", ok) && !plausible("Grupo", ok));
        assert!(!plausible("the team", ok) && !plausible("CIO", ok));
        assert_eq!(forms("Serrano Salud"), ["Serrano Salud", "Serrano"]);
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
    }
}

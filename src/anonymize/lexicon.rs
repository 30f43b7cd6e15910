//! Word lists every recognizer shares: given names, English words, calendar and place words,
//! role and title words, legal forms and generic words of company names, nicknames. Lists live
//! in text files beside this module (one entry per line, `#` comments) and are read once.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::text::fold_accents;

/// The non-comment, non-empty lines of a bundled list.
pub fn word_list(text: &'static str) -> Vec<&'static str> {
    text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).collect()
}

/// Given names (US Census 1990, minus ordinary words), capitalised.
pub static FIRST_NAMES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("first_names.txt")).into_iter().collect());
/// Given names and surnames of many countries (Faker's person lists, minus English words).
pub static WORLD_NAMES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("world_names.txt")).into_iter().collect());
/// Census names that are also English words: given names (`G`) and surnames (`S`).
static NAME_WORDS: LazyLock<HashMap<&'static str, bool>> = LazyLock::new(|| {
    word_list(include_str!("name_words.txt"))
        .into_iter()
        .filter_map(|line| line.split_once(' '))
        .map(|(name, kind)| (name, kind == "G"))
        .collect()
});

/// True for a given name, including the frequent census given names that are also words
/// ("Heather", "Lee"): matched in any case when the CRM lists them.
pub fn is_given_name_or_word(token: &str) -> bool {
    is_given_name(token) || NAME_WORDS.get(capitalise(token).as_str()).copied().unwrap_or(false)
}

fn capitalise(token: &str) -> String {
    let mut chars = token.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect())
        .unwrap_or_default()
}

/// Names that are also ordinary words ("will", "grant"): matched only with their own case.
pub static COMMON_WORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("common_words.txt")).into_iter().collect());
/// Lower-case English words with their inflections (SCOWL size 50).
pub static ENGLISH_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    let mut words: HashSet<&'static str> = word_list(include_str!("english_words.txt"))
        .into_iter()
        .map(|word| word.trim_end_matches('+'))
        .collect();
    words.extend(word_list(include_str!("business_words.txt")));
    words
});
/// The frequent ones (SCOWL size 35): "long", "park", "grace", not "dieter".
pub static FREQUENT_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    word_list(include_str!("english_words.txt"))
        .into_iter()
        .filter(|word| !word.ends_with('+'))
        .collect()
});
/// Nationalities, peoples, languages and scripts, lower case ("moldovan", "cyrillic").
pub static NATIONALITIES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("nationalities.txt")).into_iter().collect());

/// True for a nationality, a people, a language or a script, lower case.
pub fn is_nationality(lower: &str) -> bool {
    NATIONALITIES.contains(lower) || PLACE_WORDS.contains(&lower)
}
/// True when the word at `start` continues a name: right after a hyphen ("al-Farsi") or a
/// given name ("Frank Farsi"), where a nationality's word is a surname.
pub fn continues_name(text: &str, start: usize) -> bool {
    let before = &text[..start];
    before.ends_with('-')
        || before.strip_suffix(' ').is_some_and(|rest| {
            rest.rsplit(' ').next().is_some_and(|word| {
                word.starts_with(char::is_uppercase) && (is_given_name(word) || is_known_name(word))
            })
        })
}

/// Country names, lower case.
pub static COUNTRIES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("countries.txt")).into_iter().collect());
/// First-level regions (states, provinces, Länder, cantons) and well-known historical regions,
/// lower case, hyphens as spaces, as written and without accents; never a given name.
pub static REGIONS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut regions = HashSet::new();
    for region in word_list(include_str!("regions.txt")) {
        if !region.contains([' ', '-']) && is_given_name(region) {
            continue;
        }
        let lower = region.to_lowercase().replace('-', " ");
        regions.insert(fold_accents(&lower));
        regions.insert(lower);
    }
    regions
});

/// True when `lower` (a lower-case span, words apart by spaces or hyphens) is a region, or a
/// part of a region or country named by its direction ("south-east queensland", "northern
/// bavaria", "western kenya").
pub fn is_region(lower: &str) -> bool {
    const DIRECTIONS: [&str; 16] = [
        "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
        "upper", "lower", "greater", "inner", "outer", "rural", "coastal",
    ];
    let spaced = lower.replace('-', " ");
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let bare = words.iter().position(|w| !DIRECTIONS.contains(w)).unwrap_or(0);
    REGIONS.contains(&spaced)
        || (bare > 0 && {
            let rest = words[bare..].join(" ");
            REGIONS.contains(&rest) || COUNTRIES.contains(rest.as_str())
        })
}

/// Major cities, as written.
pub static CITIES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| word_list(include_str!("cities.txt")));
/// Towns of 15,000+ people (5,000+ in the UK, Ireland, Australia, New Zealand and India) from
/// GeoNames, as written and without accents, minus English words, given names, brands and
/// regions (see TOWNS-SOURCE.md).
pub static TOWNS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| word_list(include_str!("towns.txt")));
/// Towns whose name is also an English word ("Reading", "Hope", "Centurion"), as written: places
/// only after a location cue or a place preposition (see `word_towns.txt`).
pub static WORD_TOWNS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("word_towns.txt")).into_iter().collect());

/// Titles that the tagger takes for names ("The Princess Royal").
pub const TITLE_WORDS: [&str; 16] = [
    "princess", "prince", "king", "queen", "duke", "duchess", "lord", "lady", "sir", "dame",
    "pope", "saint", "emperor", "empress", "sultan", "sheikh",
];

/// Speaker labels made of these words are roles ("Project Manager", "Grad B"), not names.
pub const ROLE_WORDS: [&str; 24] = [
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

/// Countries and nationalities the tagger sometimes takes for names.
pub const PLACE_WORDS: &[&str] = &[
    "wolof",
    "pulaar",
    "bambara",
    "dioula",
    "baoulé",
    "baoule",
    "lingala",
    "ewondo",
    "euskera",
    "euskara",
    "basque",
    "catalan",
    "català",
    "galician",
    "galego",
    "maltese",
    "hawaiian",
    "samoan",
    "fijian",
    "tongan",
    "māori",
    "maori",
    "kreyòl",
    "kreyol",
    "creole",
    "darija",
    "tamazight",
    "amazigh",
    "berber",
    "zealander",
    "zealanders",
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
    "czech",
    "danish",
    "swedish",
    "norwegian",
    "finnish",
    "greek",
    "turkish",
    "korean",
    "vietnamese",
    "thai",
    "indonesian",
    "filipino",
    "nigerian",
    "kenyan",
    "egyptian",
    "moroccan",
    "israeli",
    "iranian",
    "iraqi",
    "saudi",
    "emirati",
    "pakistani",
    "bangladeshi",
    "argentine",
    "argentinian",
    "chilean",
    "colombian",
    "peruvian",
    "venezuelan",
    "cuban",
    "portuguese",
    "austrian",
    "belgian",
    "hungarian",
    "romanian",
    "ukrainian",
    "slovak",
    "croatian",
    "serbian",
    "icelandic",
    "welsh",
    "latin",
    "latino",
    "nordic",
    "scandinavian",
    "arab",
    "arabic",
    "persian",
    "hindi",
    "mandarin",
    "cantonese",
    "malay",
    "swiss-german",
    "filipina",
    "pinoy",
    "pinay",
    "kiwi",
    "kiwis",
    "aussie",
    "aussies",
    "māori",
    "maori",
    "pākehā",
    "pakeha",
    "ghanaian",
    "ugandan",
    "tanzanian",
    "afrikaans",
    "afrikaner",
    "xhosa",
    "swahili",
    "yoruba",
    "igbo",
    "hausa",
    "tagalog",
    "bisaya",
    "cebuano",
    "ilocano",
    "québécois",
    "quebecois",
    "québec",
    "quebec",
    "flemish",
    "catalan",
    "basque",
    "galician",
    "tamil",
    "telugu",
    "kannada",
    "malayalam",
    "marathi",
    "gujarati",
    "punjabi",
    "bengali",
    "urdu",
    "sinhala",
    "nepali",
    "malaysian",
    "singaporean",
    "qatari",
    "omani",
    "kuwaiti",
    "bahraini",
    "jordanian",
    "lebanese",
    "syrian",
    "algerian",
    "tunisian",
    "ethiopian",
    "rwandan",
    "zambian",
    "zimbabwean",
    "namibian",
    "mozambican",
    "angolan",
    "senegalese",
    "ivorian",
    "cameroonian",
    "congolese",
    "bolivian",
    "paraguayan",
    "uruguayan",
    "ecuadorian",
    "guatemalan",
    "panamanian",
    "jamaican",
    "haitian",
    "slovenian",
    "bulgarian",
    "estonian",
    "latvian",
    "lithuanian",
    "georgian",
    "armenian",
    "kazakh",
    "uzbek",
    "mongolian",
    "taiwanese",
    "francophone",
    "anglophone",
    "hebrew",
    "bahasa",
    "javanese",
    "sundanese",
    "balinese",
    "korean-american",
    "amharic",
    "tigrinya",
    "oromo",
    "somali",
    "bangla",
    "lankan",
    "sinhalese",
    "assamese",
    "odia",
    "oriya",
    "konkani",
    "tulu",
    "sindhi",
    "pashto",
    "balochi",
    "kikuyu",
    "luganda",
    "twi",
    "zulu",
    "sesotho",
    "setswana",
    "visayan",
    "waray",
    "hiligaynon",
    "kapampangan",
    "bikolano",
    "khmer",
    "lao",
    "burmese",
    "nepalese",
    "bhutanese",
    "maldivian",
    "afghan",
    "tajik",
    "kyrgyz",
    "turkmen",
    "yiddish",
];

/// Calendar words and holidays the tagger sometimes takes for given names ("May", "Ramadan",
/// "Tết", "Carnaval").
const CALENDAR_WORDS: &[&str] = &[
    // Calendars and their months: Hijri, Persian (solar Hijri), Hebrew.
    "gregorian",
    "hijri",
    "julian",
    "jalali",
    "muharram",
    "safar",
    "rabi",
    "jumada",
    "rajab",
    "shaban",
    "sha'ban",
    "shawwal",
    "dhul-qadah",
    "dhul-hijjah",
    "farvardin",
    "ordibehesht",
    "khordad",
    "mordad",
    "shahrivar",
    "mehr",
    "aban",
    "azar",
    "bahman",
    "esfand",
    "tishrei",
    "cheshvan",
    "kislev",
    "tevet",
    "shevat",
    "adar",
    "nisan",
    "iyar",
    "sivan",
    "tammuz",
    "elul",
    "yalda",
    "ashura",
    "mawlid",
    "sinterklaas",
    "karneval",
    "kanaval",
    "paquinou",
    "magal",
    "korité",
    "korite",
    "diada",
    "þorrablót",
    "thorrablot",
    "nyepi",
    "valborg",
    "walpurgis",
    "walpurgisnacht",
    "jól",
    "toussaint",
    "ascension",
    "pascha",
    "kataklysmos",
    "pinksteren",
    "paska",
    "thaipusam",
    "chaturthi",
    "puasa",
    "pchum",
    "idul",
    "phagwa",
    "evdomada",
    "ferragosto",
    "juhannus",
    "fasnacht",
    "mărțișor",
    "martisor",
    "vidovdan",
    "giorgoba",
    "nauryz",
    "navruz",
    "nowruz",
    "norouz",
    "yennayer",
    "junkanoo",
    "kadooment",
    "divali",
    "sumfest",
    "hogmanay",
    "koningsdag",
    "vappu",
    "midsommar",
    "chuseok",
    "songkran",
    "pesach",
    "purim",
    "hanukkah",
    "shavuot",
    "sukkot",
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
    "ramazan",
    "ramzan",
    "easter",
    "christmas",
    "xmas",
    "christmastime",
    "diwali",
    "deepavali",
    "holi",
    "navratri",
    "dussehra",
    "onam",
    "pongal",
    "vesak",
    "tết",
    "carnaval",
    "carnival",
    "chanukah",
    "passover",
    "lent",
    "pentecost",
    "whitsun",
    "thanksgiving",
    "halloween",
    "matariki",
    "waitangi",
    "anzac",
    "muharram",
    "lebaran",
    "seollal",
    "obon",
    "wigilia",
    "fasching",
    "oktoberfest",
    "midsummer",
    "shabbat",
    "sabbath",
    "iftar",
    "lohri",
    "baisakhi",
    "vaisakhi",
    "sallah",
    "timket",
    "timkat",
    "genna",
    "meskel",
    "meskal",
    "fasika",
    "enkutatash",
    "uttarayan",
    "sankranti",
    "pujo",
    "boishakh",
    "sinulog",
    "ashura",
    "mawlid",
    "tabaski",
    "kwanzaa",
    "ugadi",
    "bihu",
    "janmashtami",
    "rakhi",
    "bakrid",
    "nyepi",
    "galungan",
    "imlek",
    "waisak",
    "thingyan",
    "losar",
    "dashain",
    "tihar",
    "teej",
    "avurudu",
    "poson",
    "perahera",
    "durbar",
    "homowo",
    "mashujaa",
    "madaraka",
    "jamhuri",
    "navidad",
    "nochebuena",
    "natal",
    "páscoa",
    "pascoa",
    "pascua",
    "réveillon",
    "reveillon",
    "naidoc",
    "hogmanay",
    "maslenitsa",
    "nooruz",
    "juneteenth",
    "jaanipäev",
    "jaanipaev",
    "jāņi",
    "līgo",
    "ligo",
    "joninės",
    "jonines",
    "ólavsøka",
    "olavsoka",
    "rajyotsava",
    "vishu",
    "ganpati",
    "ganeshotsav",
    "mahalaya",
    "navarathri",
];

/// Words that open a sentence before a name ("So Healthbridge is a telehealth company").
pub const DISCOURSE_OPENERS: [&str; 12] = [
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

/// Legal forms of companies in many jurisdictions, lower case, without dots: never a brand on
/// their own ("S.A. de C.V." is matched as its words `s a de c v` or `sa de cv`).
pub static LEGAL_FORMS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("legal_forms.txt")).into_iter().collect());
/// Generic words of company names in several languages ("Grupo", "Distribuidora",
/// "Holdings", "Health", "Salud"): part of a name, never a name alone.
pub static GENERIC_ORG_WORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| word_list(include_str!("generic_org_words.txt")).into_iter().collect());

/// Formal given name -> nicknames, and nickname -> formal names, folded to lower case.
pub static NICKNAMES: LazyLock<HashMap<String, Vec<String>>> = LazyLock::new(|| {
    let mut table: HashMap<String, Vec<String>> = HashMap::new();
    for line in word_list(include_str!("nicknames.txt")) {
        let Some((formal, nicks)) = line.split_once(':') else { continue };
        let formal = fold_accents(formal.trim()).to_lowercase();
        for nick in nicks.split(',').map(|n| fold_accents(n.trim()).to_lowercase()) {
            if nick.is_empty() {
                continue;
            }
            table.entry(formal.clone()).or_default().push(nick.clone());
            table.entry(nick).or_default().push(formal.clone());
        }
    }
    table
});

/// Nicknames of a given name (and, for a nickname, its formal names), capitalised as the
/// given name is.
pub fn nicknames_of(given: &str) -> Vec<String> {
    let key = fold_accents(given).to_lowercase();
    let Some(found) = NICKNAMES.get(&key) else { return vec![] };
    found
        .iter()
        .map(|nick| {
            let mut chars = nick.chars();
            match chars.next() {
                Some(first) if given.starts_with(char::is_uppercase) => {
                    first.to_uppercase().chain(chars).collect()
                }
                _ => nick.clone(),
            }
        })
        .collect()
}

/// True for a given name or nickname of the nickname table ("Venky", "Venkatesh", "Nacho").
pub fn in_nickname_table(word: &str) -> bool {
    NICKNAMES.contains_key(&fold_accents(word).to_lowercase())
}

/// True for a frequent lower-case English word.
pub fn is_frequent_word(word: &str) -> bool {
    FREQUENT_WORDS.contains(word.to_lowercase().as_str())
}

/// True for a name in either gazetteer (census given names, world names), as written or
/// without accents.
pub fn is_known_name(token: &str) -> bool {
    let capitalised = capitalise(token);
    WORLD_NAMES.contains(token)
        || WORLD_NAMES.contains(capitalised.as_str())
        || NAME_WORDS.contains_key(capitalised.as_str())
        || is_given_name(token)
}

/// True for a lower-case English word (inflections included), or a compound of them
/// ("follow-up", "built-in", "long-term").
pub fn is_english_word(word: &str) -> bool {
    let lower = word.to_lowercase();
    ENGLISH_WORDS.contains(lower.as_str())
        || (lower.contains('-')
            && lower.split('-').all(|part| !part.is_empty() && ENGLISH_WORDS.contains(part)))
}

/// True when a word could be a given name in the census list, whatever its case ("jen").
pub fn is_given_name(token: &str) -> bool {
    let folded = fold_accents(token);
    let mut chars = folded.chars();
    chars.next().is_some_and(|first| {
        let capitalised: String =
            first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect();
        FIRST_NAMES.contains(capitalised.as_str())
    })
}

/// True for a one-word name form that is also an ordinary word ("Will", "Grant"): matched
/// only with its own capitalisation.
pub fn is_common_form(form: &str) -> bool {
    !form.contains(' ') && COMMON_WORDS.contains(form.to_lowercase().as_str())
}

/// A German common noun by its ending, which German capitalises so that it reads as a name
/// ("Geschäftsführung", "Instandhaltungsleiter", "Gemeinderat", "Landesbeamter",
/// "Prüfprotokolle"): only with a stem long enough that no surname ends so ("Hartung",
/// "Baumeister" stay names).
pub fn is_german_noun(word: &str) -> bool {
    const ENDINGS: [(&str, usize); 16] = [
        ("ungen", 5),
        ("ung", 5),
        ("heit", 4),
        ("keit", 4),
        ("schaft", 4),
        ("leiterin", 4),
        ("leiter", 4),
        ("beamter", 3),
        ("beamtin", 3),
        ("protokolle", 2),
        ("protokoll", 2),
        ("rat", 5),
        ("station", 3),
        ("kasse", 4),
        ("händler", 3),
        ("händer", 3),
    ];
    let lower = word.to_lowercase();
    word.starts_with(char::is_uppercase)
        && ENDINGS.iter().any(|(ending, stem)| {
            lower.strip_suffix(ending).is_some_and(|rest| rest.chars().count() >= *stem)
        })
}

/// Words the tagger takes for a person that name nobody, alone or together: civic offices and
/// job titles of other languages ("Monsieur le maire", "the Mairie", "Leiter Verkauf",
/// "Direktur Utama", "Bendahara") and contractions automatic captions write without their
/// apostrophe ("thats", "dont"). Lower case.
pub const NOT_NAMES: &[&str] = &[
    "maire",
    "mairie",
    "bourgmestre",
    "échevin",
    "échevins",
    "echevin",
    "echevins",
    "préfet",
    "prefet",
    "préfecture",
    "burgemeester",
    "wethouder",
    "bürgermeister",
    "buergermeister",
    "sindaco",
    "alcalde",
    "alcaldesa",
    "intendente",
    "leiter",
    "leiterin",
    "verkauf",
    "einkauf",
    "vertrieb",
    "treuhänder",
    "direktur",
    "utama",
    "kepatuhan",
    "bendahara",
    "ketua",
    "camat",
    "lurah",
    "bupati",
    "walikota",
    "thats",
    "dont",
    "doesnt",
    "didnt",
    "cant",
    "wont",
    "isnt",
    "wasnt",
    "arent",
    "werent",
    "couldnt",
    "wouldnt",
    "shouldnt",
    "youre",
    "theyre",
    "ive",
    "youve",
    "weve",
    "theyve",
    "hes",
    "shes",
    "whats",
    "theres",
    "im",
];

/// True for a calendar word, or its plural ("fridays", "mondays"), lower case.
pub fn is_calendar_word(lower: &str) -> bool {
    CALENDAR_WORDS.contains(&lower)
        || lower.strip_suffix('s').is_some_and(|single| CALENDAR_WORDS.contains(&single))
}

/// Greetings, thanks and farewells of other languages, lower case, as buyers say them in an
/// English interview ("Obrigado!", "Tschüss", "bonne journée"): never a name.
const GREETINGS: &[&str] = &[
    // Cherokee, Mexican Spanish, Korean, Thai, Vietnamese, Japanese; Cajun and Southern
    // words of address ("Thank you, cher", "Fella named..."); Armenian, Kazakh, Arabic,
    // Darija, Fang, Lingala, Ewe, Bambara and Malagasy thanks and greetings; Turkish "Hocam".
    "osiyo",
    "órale",
    "orale",
    "kamsahamnida",
    "gamsahamnida",
    "annyeong",
    "khop",
    "khob",
    "sawasdee",
    "sawatdee",
    "cảm",
    "arigato",
    "arigatō",
    "gozaimasu",
    "konnichiwa",
    "cher",
    "fella",
    "shnorhakalutyun",
    "rakhmet",
    "rahmet",
    "ahlan",
    "safi",
    "mbolo",
    "matondo",
    "awanu",
    "barika",
    "barka",
    "misaotra",
    "hocam",
    // Baltic, Sámi, Faroese, Indian, Sinhala, Bengali, Tongan, Inuktitut, Cree and Aboriginal
    // Australian thanks and greetings.
    "paldies",
    "aitäh",
    "aitah",
    "ačiū",
    "aciu",
    "giitu",
    "bohoma",
    "sthuthi",
    "ayubowan",
    "aney",
    "nanni",
    "dhonnobad",
    "dhanyabad",
    "dhanyavad",
    "dhanyavaad",
    "namaskar",
    "namaskaram",
    "vanakkam",
    "walaikum",
    "mālō",
    "qujannamiik",
    "nakurmiik",
    "yuwai",
    "palya",
    "ekosi",
    "ekosani",
    // Breton, Luxembourgish, Alsatian, Gascon, Welsh, Scottish Gaelic, Armenian, Turkish,
    // Japanese, Korean, Tagalog, Basque, Galician, Maltese and Croatian greetings, thanks and
    // farewells.
    "demat",
    "kenavo",
    "trugarez",
    "moien",
    "villmools",
    "addi",
    "hopla",
    "adje",
    "adishatz",
    "diolch",
    "duw",
    "tapadh",
    "barev",
    "günler",
    "otsukaresama",
    "otsukaresamadeshita",
    "sugohaseyo",
    "sugohasyeosseoyo",
    "ingat",
    "kaixo",
    "eskerrik",
    "agur",
    "grazas",
    "bongu",
    "grazzi",
    "bok",
    // Swiss German, Czech, Dutch, Luganda, Bemba, Shona, isiZulu, Igbo, Trinidadian and Spanish
    // greetings, thanks and fillers.
    "grüessech",
    "znüni",
    "äuä",
    "dobrý",
    "jasně",
    "prosím",
    "děkuji",
    "nou",
    "webale",
    "natotela",
    "ndizvo",
    "zvakanaka",
    "makorokoto",
    "haibo",
    "kedu",
    "biko",
    "steups",
    "chau",
    "hola",
    "gracias",
    "adiós",
    "adios",
    "buenas",
    "buenos",
    "obrigado",
    "obrigada",
    "olá",
    "tchau",
    "valeu",
    "ciao",
    "grazie",
    "prego",
    "buongiorno",
    "arrivederci",
    "merci",
    "bonjour",
    "bonsoir",
    "salut",
    "bonne",
    "journée",
    "soirée",
    "danke",
    "tschüss",
    "tschüs",
    "servus",
    "moin",
    "grüezi",
    "hallo",
    "bedankt",
    "doei",
    "dank",
    "tack",
    "takk",
    "kiitos",
    "hej",
    "dziękuję",
    "dzięki",
    "cześć",
    "ahoj",
    "děkuji",
    "spasibo",
    "merhaba",
    "teşekkürler",
    "sağol",
    "shukran",
    "salaam",
    "salam",
    "shalom",
    "toda",
    "namaste",
    "namaskar",
    "dhanyavaad",
    "shukriya",
    "asante",
    "jambo",
    "sawubona",
    "ngiyabonga",
    "dankie",
    "arigato",
    "arigatou",
    "konnichiwa",
    "annyeong",
    "salamat",
    "selamat",
    "terima",
    "bye",
    "bye-bye",
    "hei",
    "terve",
    "jërëjëf",
    "jerejef",
    "bula",
    "vinaka",
    "diolch",
    "croeso",
    "shwmae",
    "hwyl",
    "slán",
    "sláinte",
    "slainte",
    "abraço",
    "abraços",
    "beijos",
    "não",
    "mahalo",
    "aloha",
    "talofa",
    "soifua",
    "fa'afetai",
    "gràcies",
    "adéu",
    "grazzi",
    "saħħa",
    "hamdoulah",
    "hamdoullah",
    "bslama",
    "mèsi",
    "anpil",
    "bonjou",
    "kounye",
    "vaja",
    "ndank",
    "basta",
    "gerne",
    "bitte",
    "yalla",
    "sababa",
    "todah",
    "góðan",
    "daginn",
    "kalimera",
    "kalispera",
    "efcharisto",
    "gamarjoba",
    "madloba",
    "rahmat",
    "multumesc",
    "mulțumesc",
    "hvala",
    "zdravo",
    "privet",
    "dyakuyu",
    "assalomu",
    "alaykum",
    "giornata",
    "selam",
    "karibu",
    "ameseginalehu",
    "habari",
    "mambo",
    "akwaaba",
    "medaase",
    "ekaabo",
    "nagode",
    "daalu",
    "vanakkam",
    "nandri",
    "ayubowan",
    "mabuhay",
    "kumusta",
    "kamusta",
    "sawasdee",
    "arre",
    "arey",
    "yaar",
    "haan",
    "accha",
    "achha",
    "acha",
    "chalo",
    "ayyo",
    "aiyo",
    "aiyoh",
    "abeg",
    "oya",
    "wallahi",
    "walahi",
    "inshallah",
    "mashallah",
    "alhamdulillah",
    // Mandarin, Burmese, Lao, Balinese, Khmer, Indonesian and Javanese, Dutch, Flemish,
    // Papiamento, Afrikaans and Sranan courtesies ("Xiexie", "Mingalaba", "Sabaidee", "Suksma",
    // "Orkun", "Wassalam", "Matur nuwun", "Fijne dag", "Amai", "Danki", "Lekker", "Tangi").
    "xiexie",
    "zaijian",
    "keqi",
    "mingalaba",
    "mingalarbar",
    "sabaidee",
    "suksma",
    "orkun",
    "wassalam",
    "insya",
    "insyallah",
    "nuwun",
    "sugeng",
    "fijne",
    "amai",
    "danki",
    "middag",
    "lekker",
    "tangi",
    "ja",
];

/// Words for family members ("Mummy", "Da", "Granny"): said alone they name nobody outside the
/// family, and a placeholder for them would only cost the sentence.
pub const KINSHIP: &[&str] = &[
    "mummy", "mommy", "mom", "mum", "mam", "mammy", "daddy", "dad", "da", "granny", "gran",
    "grandma", "grandpa", "grandad", "granddad", "nana", "nanna", "nan", "auntie", "aunty", "appa",
    "amma", "achan", "ammachi", "appachan", "thatha", "paati",
];

/// Greetings and holidays of two or more words whose first word is also a name or a name's
/// particle ("Kia ora", "Ngā mihi", "De nada", "Salam alaikum", "Semana Santa", "Hari Raya"),
/// and holidays that are names too after a word of time ("after Ramadan", "before Kurban
/// Bayram", "during Eid"), and agencies that open on a given name ("Bea Cukai", Indonesia's
/// customs; "Fannie Mae", a US mortgage agency): the name inside one names nobody.
pub static GREETING_PHRASES: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(?:kia\s+(?:ora|kaha)|ng[aā]\s+mihi|de\s+nada|bun[aă]\s+ziua|kali\s+synecheia|buona\s+giornata|mardi\s+gras|sankt\s+hans|s[ãa]o\s+(?:jo[ãa]o|martinho|pedro)|ching\s+ming|qing\s*ming|crop\s+over|krsna\s+slava|(?-i:(?:St\.?|Saint|San|Sankt|Santa|São|Sao)\s+\p{Lu}\p{Ll}+(?:['’]s)?\s+(?:Day|Eve|day|eve|feast|holiday|night))|(?:on|before|after|during|until|till|since|for|over|around|by)\s+(?-i:(?:\p{Lu}[\p{L}'’.]+\s+){1,2}Day)|(?:during|after|before|until|till|since|around|over|for|in|through|throughout|by|at|then|(?:end|start|beginning|middle|rest)\s+of)\s+(?:the\s+)?(?:ramadan|(?:kurban|kurbán|şeker|seker|ramazan)\s+bayram[ıi]?|bayram[ıi]?|sallah|eid(?:\s+al-\w+)?)|semana\s+santa|hari\s+raya|sham\s+el-nessim|golden\s+week|juneteenth|(?:kurban|cumhuriyet|ramazan|şeker|seker)\s+bayram[ıi]?|a[ïi]d\s+el-\p{L}+|nanga\s+def|sa[ğg]\s+ol(?:un)?|kolay\s+gelsin|manao\s+ahoana|asalaa?\s+maa?lekum|bank\s+al-maghrib|teudat\s+zehut|c[ôo]te\s+d['’]ivoire|fannie\s+mae|freddie\s+mac|ginnie\s+mae|sallie\s+mae|(?:lunar|chinese)\s+new\s+year|rosh\s+hashanah|yom\s+kippur|d[ií]a\s+de\s+(?:los\s+)?muertos|salaam?u?\s+(?:alaikum|alaykum|aleikum|alekum)|durga\s+puj[ao]|pohela\s+boishakh|simbang\s+gabi|ayudha\s+poo?ja|sat\s+sri\s+akal|(?:allah|khuda|khoda)\s+ha(?:fiz|fez)|jai\s+shri\s+(?:krishna|ram)|makar\s+sankranti|eid\s+mubarak|chhath\s+puja|ganesh\s+chaturthi|raksha\s+bandhan|gudi\s+padwa|karva\s+chauth|hari\s+merdeka|tet\s+nguyen\s+dan|heroes[\'’]?\s+day|bea\s+cukai|corpus\s+christi|saint-jean(?:-baptiste)?|st-jean(?:-baptiste)?|f[êe]te\s+nationale|bo[żz]e\s+cia[łl]o|rica\s+ederim|g[óo]ðan\s+daginn|partita\s+iva|codice\s+fiscale|sant\s+jordi|santa\s+marija|merrie\s+monarch|ng[āa]ti\s+\p{Lu}\p{L}+|ng[āa]i\s+tahu|te\s+reo(?:\s+m[āa]ori)?|na\s+so|go\s+raibh\s+maith\s+agat|diolch\s+yn\s+fawr|bore\s+da|nos\s+da|gra[çc]as\s+a\s+deus|selv\s+tak|sch[öo]nen\s+feierabend|ehrlich\s+gesagt|asante\s+sana|karibu\s+tena|pura\s+vida|dobr[ýy]\s+den|d[ií]a\s+de\s+la\s+independencia|fiestas\s+patrias|(?:ministerio|secretar[íi]a|superintendencia)\s+de\s+(?:la\s+)?\p{Lu}\p{L}+|tusen\s+takk|laba\s+diena|labas\s+rytas|tere\s+p[äa]evast|buorre\s+(?:beaivi|idit|eahket)|kem\s+cho|ram\s+ram|ligoni[ųu]\s+kasa|sj[úu]kratryggingar\s+[íi]slands|revenu\s+qu[ée]bec|gracias\s+a\s+dios|nossa\s+senhora|baile\s+[áa]tha\s+cliath|keti\s+koti|pchum\s+ben|idul\s+(?:fitri|adha)|matur\s+nuwun|bon\s+dia|fijne\s+dag|bu\s+keqi|insya\s+allah|vinayaka\s+chaturthi|independence\s+day|valentine['’]?s\s+day)\b",
    )
    .expect("static regex")
});

/// A holiday or festival nobody listed, told by how people speak of one: "during Inti Raymi",
/// "a happy Kurban Bajram", "before Gran Poder, in May", "before Jāņi, the Latvian midsummer",
/// "Vodici celebrations", and one its own noun opens ("Festa Junina", "Día de Reyes", "Semana
/// Morazánica", "Quarta-feira de Cinzas"). Not after "for" or "by", which name people as often ("we waited for
/// Carlos, in June he signed"). The name is in group `e`, `m`, `t`, `f` or `o`.
static EVENT_PHRASE: LazyLock<regex::Regex> = LazyLock::new(|| {
    let run = r"\p{Lu}[\p{L}'’]+(?:\s+(?:(?:de|del|los|las|la|e|i|da|do|dos|di|od|na)\s+)?\p{Lu}[\p{L}'’]+){0,3}";
    let months =
        "January|February|March|April|May|June|July|August|September|October|November|December";
    regex::Regex::new(&format!(
        r"(?:\b(?i:during|(?:a|wish(?:ed|es)?\s+(?:you|us|them|him|her|everyone|everybody)(?:\s+a)?)\s+(?:happy|merry))\s+(?P<e>{run}))|(?:\b(?i:before|after|until|till|since|around)\s+(?P<m>{run}),?\s+(?i:in|on|early in|late in)\s+(?:{months})\b)|(?:\b(?i:before|after|during|until)\s+(?P<t>{run}),\s+(?i:the|our|a)\s+(?:\p{{L}}+\s+){{0,2}}(?i:midsummer|holiday|festival|feast|new year|celebration|carnival|fair|pilgrimage|procession|saint's day|name day|patron saint))|(?:\b(?P<f>{run})\s+(?:festival|festivities|holidays?|celebrations?|feast|eve|night|processions?|pilgrimage)\b)|(?:\b(?P<o>(?:Festa|Festas|Fiesta|Fiestas|Feria|Feira|Semana|D[ií]a|Noche|Noite|Quarta-feira|Sexta-feira|Jour|F[êe]te)\s+(?:(?:de|del|da|do|dos|das|la|las|los|des|du)\s+)*\p{{Lu}}[\p{{L}}'’]+))"
    ))
    .expect("static regex")
});

/// The holidays and festivals `text` names in [`EVENT_PHRASE`]'s frames, as written; not a
/// person's possessive ("during Ana's visit").
pub fn event_names(text: &str) -> Vec<String> {
    let mut found = vec![];
    for caps in EVENT_PHRASE.captures_iter(text) {
        let Some(name) = ["e", "m", "t", "f", "o"].iter().find_map(|group| caps.name(group)) else {
            continue;
        };
        if text[name.end()..].starts_with(['\'', '’']) {
            continue;
        }
        found.push(name.as_str().to_string());
    }
    found
}

/// A surname that names a technique or a device ("Buchholz relay", "Francis turbine", "Pareto
/// chart", "Weibull analysis", "Petersen coil"): no person is talked about.
pub static EPONYM: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"\b\p{Lu}\p{Ll}+\s+(?:relays?|turbines?|coils?|charts?|analysis|analyses|tests?|testers?|distributions?|curves?|diagrams?|indexes|indices|principle|effect|equations?|transforms?|plots?|valves?|cycles?|constants?|filters?|coefficients?|criteria|criterion)\b",
    )
    .expect("static regex")
});

/// True when a number follows `text[..end]` right after one space ("Loi 25", "Bill 96",
/// "Windows 11"): the word before it names a law or a thing, not a person.
pub fn followed_by_number(text: &str, end: usize) -> bool {
    text[end..].strip_prefix(' ').is_some_and(|rest| {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let after = &rest[digits..];
        // Not a phone number after a name ("text Priya 0412 345 678").
        (1..=4).contains(&digits)
            && !after.starts_with(|c: char| c.is_alphanumeric())
            && !after.trim_start_matches([' ', '-', '.']).starts_with(|c: char| c.is_ascii_digit())
    })
}

/// True for a greeting, thanks or farewell of another language (see [`GREETINGS`]).
pub fn is_greeting(word: &str) -> bool {
    GREETINGS.contains(&word.to_lowercase().as_str())
}

/// True when the word at `text[start..end]` is part of a country's name of two or three words
/// with its neighbours ("Sri Lanka", "Costa Rica", "Sierra Leone", "Papua New Guinea"), or is
/// or is part of a region's ("Kerala", "Tamil Nadu", "Baden-Württemberg"): its words may be
/// names elsewhere, never here.
pub fn in_country_or_region(text: &str, start: usize, end: usize) -> bool {
    let word = |s: &str| s.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    let before: Vec<String> = text[..start].split_whitespace().rev().take(2).map(word).collect();
    let after: Vec<String> = text[end..].split_whitespace().take(2).map(word).collect();
    let this = word(&text[start..end]);
    if is_region(&this) {
        return true;
    }
    let mut candidates = vec![];
    if let Some(b) = before.first() {
        candidates.push(format!("{b} {this}"));
        if let Some(b2) = before.get(1) {
            candidates.push(format!("{b2} {b} {this}"));
        }
        if let Some(a) = after.first() {
            candidates.push(format!("{b} {this} {a}"));
        }
    }
    if let Some(a) = after.first() {
        candidates.push(format!("{this} {a}"));
        if let Some(a2) = after.get(1) {
            candidates.push(format!("{this} {a} {a2}"));
        }
    }
    candidates.iter().any(|c| COUNTRIES.contains(c.as_str()) || is_region(c))
}

/// True for calendar words and nationalities (lower case): never a person.
pub fn is_calendar_or_place(lower: &str) -> bool {
    is_calendar_word(lower) || PLACE_WORDS.contains(&lower)
}

/// Well-known tools and vendors, lower case.
pub static VENDORS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    word_list(include_str!("vendors.txt")).into_iter().map(str::to_lowercase).collect()
});

/// True for a well-known tool or vendor ("NetSuite", "Slack").
pub fn is_vendor(word: &str) -> bool {
    VENDORS.contains(&word.to_lowercase())
}

/// True when `text[start..end]` is a vendor's name or part of one joined by hyphens ("Pesa"
/// of "M-Pesa").
pub fn is_vendor_at(text: &str, start: usize, end: usize) -> bool {
    let joined = |c: char| c.is_alphanumeric() || c == '-';
    let from = text[..start]
        .rfind(|c: char| !joined(c))
        .map_or(0, |i| i + text[i..].chars().next().map_or(1, char::len_utf8));
    let to = text[end..].find(|c: char| !joined(c)).map_or(text.len(), |i| end + i);
    is_vendor(&text[start..end]) || is_vendor(text[from..to].trim_matches('-'))
}

/// Honorifics that open a name ("Señora Vargas", "Herr Meyer"), lower case: never a name
/// themselves.
pub const HONORIFICS: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "mx",
    "dr",
    "prof",
    "miss",
    "herr",
    "frau",
    "señor",
    "senor",
    "señora",
    "senora",
    "sra",
    "srta",
    "doña",
    "dona",
    "don",
    "senhor",
    "senhora",
    "seu",
    "monsieur",
    "madame",
    "mme",
    "signor",
    "signora",
    "sig",
    "sir",
    "dame",
    "pan",
    "pani",
    "bey",
    "hanım",
    "hanim",
    "sayın",
    "san",
    "sama",
    "kun",
    "meneer",
    "mevrouw",
    "mevr",
    "dhr",
    "engr",
    "ssi",
    "nim",
    "ing",
    "mag",
    "dipl",
    "eng",
    "atty",
    "arch",
    "alhaji",
    "alhaja",
    "alhaja",
    "hajia",
    "hajiya",
    "mallam",
    "malam",
    "chief",
    "kuya",
    "tita",
    "tito",
    "oom",
    "tannie",
    "sheikh",
    "sheikha",
    "weyzero",
    "woizero",
    "weyzerit",
    "ustaz",
    "ustadh",
    "bapak",
    "ibu",
    "mbak",
    "didi",
    "bhaiya",
    "chettan",
    "chechi",
    "akka",
    "thambi",
    "begum",
    "sahib",
    "dottore",
    "dottoressa",
    "dott",
    "avvocato",
    "avvocata",
    "avv",
    "notaio",
    "notaire",
    "maître",
    "maitre",
    "kyrie",
    "kyria",
    "lalla",
    "hajj",
    "hadj",
    "ratu",
    "cllr",
    "councillor",
    "rev",
    "revd",
    "reverend",
    "fr",
    "elder",
    "pastor",
    "uncle",
    "doutor",
    "doutora",
    "dra",
    "lic",
    "licenciado",
    "licenciada",
    "ingeniero",
    "ingeniera",
    "engenheiro",
    "engenheira",
    "professora",
    "profesora",
];

/// Japanese and Korean honorific suffixes ("Sasaki-san", "Kim-ssi"): not part of the name.
const NAME_SUFFIXES: [&str; 7] = ["-san", "-sama", "-kun", "-chan", "-sensei", "-ssi", "-nim"];

/// Honorifics said after a name ("Fatma Hanım", "Mehmet Bey"), lower case. Not "Pan" or
/// "Don", which are surnames too at a name's end.
const TRAILING_HONORIFICS: &[&str] = &[
    "bey", "hanım", "hanim", "efendi", "sahib", "saheb", "sahab", "saab", "garu", "ji", "akka",
    "chechi", "chettan", "ettan", "thambi", "machan", "bhaiya", "didi",
];

/// True for an honorific said after a name ([`TRAILING_HONORIFICS`]).
pub fn is_trailing_honorific(word: &str) -> bool {
    TRAILING_HONORIFICS.contains(&word.to_lowercase().as_str())
}

/// `word` without an honorific suffix ("Nakamura-san" -> "Nakamura").
pub fn without_name_suffix(word: &str) -> &str {
    NAME_SUFFIXES.iter().find_map(|suffix| word.strip_suffix(suffix)).unwrap_or(word)
}

/// Titles that only ever stand before a name, accents folded, lower case: unlike some
/// [`HONORIFICS`] ("don", "pan", "san") never a name or a word themselves.
pub const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "mx", "dr", "prof", "miss", "herr", "frau", "senor", "senora", "sra",
    "srta", "monsieur", "madame", "mme", "signor", "signora", "meneer", "mevrouw", "ing", "mag",
    "dipl", "engr", "atty", "alhaji", "alhaja", "hajia", "hajiya", "mallam", "malam", "chief",
    "kuya", "tita", "oom", "tannie",
];

/// True for a title before a name ("Mrs.", "Señora", "DR").
pub fn is_title(word: &str) -> bool {
    TITLES.contains(&fold_accents(word.trim_end_matches('.')).to_lowercase().as_str())
}

/// Articles, possessives and demonstratives, lower case: a capitalised word right after one
/// names a thing ("her Totvs", "the Totvs connector"), not a person.
pub const DETERMINERS: &[&str] =
    &["the", "a", "an", "her", "his", "our", "their", "my", "your", "its", "this", "that", "these"];

/// Departments, functions and workplace words, lower case: a capitalised run of them names a
/// part of a company ("Customer Success", "Head Office", "Supply Chain"), not a company or a
/// person.
pub const WORKPLACE_WORDS: &[&str] = &[
    "finance",
    "legal",
    "security",
    "operations",
    "ops",
    "sales",
    "marketing",
    "support",
    "procurement",
    "purchasing",
    "engineering",
    "compliance",
    "payroll",
    "accounts",
    "admin",
    "quality",
    "logistics",
    "treasury",
    "tax",
    "facilities",
    "product",
    "design",
    "research",
    "management",
    "leadership",
    "board",
    "infosec",
    "audit",
    "risk",
    "help",
    "service",
    "services",
    "maintenance",
    "production",
    "planning",
    "dispatch",
    "accounting",
    "safety",
    "customer",
    "customers",
    "success",
    "supply",
    "chain",
    "head",
    "office",
    "offices",
    "team",
    "teams",
    "executive",
    "committee",
    "steering",
    "project",
    "projects",
    "program",
    "programme",
    "budget",
    "business",
    "people",
    "desk",
    "center",
    "centre",
    "human",
    "resources",
    "information",
    "technology",
    "data",
    "digital",
    "commercial",
    "strategy",
    "growth",
    "revenue",
    "partnerships",
    "enablement",
    "training",
    "learning",
    "development",
    "the",
    "and",
    "of",
    "our",
    "we",
    "i",
    "it",
    "so",
    "but",
    "well",
];

/// Role, team and system acronyms: never a person or an organisation.
pub const ROLE_ACRONYMS: [&str; 40] = [
    "ceo", "cfo", "cio", "cto", "coo", "ciso", "cmo", "cro", "cpo", "chro", "cdo", "cso", "vp",
    "svp", "evp", "avp", "gm", "md", "it", "hr", "ap", "ar", "pmo", "qa", "erp", "crm", "soc",
    "ops", "devops", "sre", "dba", "bi", "ai", "ml", "pm", "po", "sdr", "bdr", "ae", "csm",
];

/// True for an acronym: two to six capitals, maybe with digits ("CISO", "SOC2", "VP").
pub fn is_acronym(token: &str) -> bool {
    let letters = token.chars().filter(|c| c.is_alphabetic()).count();
    (2..=6).contains(&letters)
        && token.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && token.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_answer_what_recognizers_ask() {
        assert!(is_english_word("owns") && is_english_word("Cared") && !is_english_word("serrano"));
        assert!(is_english_word("Follow-up") && is_english_word("built-in"));
        assert!(
            !is_english_word("Min-jun") && !is_english_word("follow-") && !is_english_word("-")
        );
        assert!(is_calendar_word("fridays") && is_calendar_word("june") && !is_calendar_word("s"));
        assert!(in_nickname_table("Venky") && in_nickname_table("venkatesh"));
        assert!(is_greeting("Tschüss") && is_greeting("OBRIGADO") && !is_greeting("Valeria"));
        assert!(is_given_name("jen") || is_given_name("jennifer"));
        assert!(is_given_name("FELIX") && !is_given_name("killers"));
        assert!(is_common_form("Will") && !is_common_form("Will Grant"));
        assert!(
            is_acronym("CISO") && is_acronym("SOC2") && !is_acronym("Ciso") && !is_acronym("A")
        );
        assert!(LEGAL_FORMS.contains("gmbh") && LEGAL_FORMS.contains("cv"));
        assert!(GENERIC_ORG_WORDS.contains("grupo") && GENERIC_ORG_WORDS.contains("salud"));
        assert!(nicknames_of("Francisco").contains(&"Paco".to_string()));
        assert!(nicknames_of("bob").contains(&"robert".to_string()));
    }
}

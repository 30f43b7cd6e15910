//! Contact details: emails (written and spoken), URLs, phone numbers in international and
//! national formats, and identifiers (social security numbers, IP addresses, card and IBAN
//! digit runs). Pattern recognizers: they need no list and run on every text.

use std::sync::LazyLock;

use regex::Regex;

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+\b").unwrap());
/// "priya dot r at northwind dot com", "k underscore nowak at serrano salud dot com dot mx",
/// and in French, Spanish, Portuguese, German, the Nordic languages and Indian English
/// ("marie-eve point gagnon arobas beaulieu point ca", "joao ponto silva arroba valeverde ponto
/// com ponto br", "anna snabel-a solglantan punkt se", "ravi at the rate padhloop dot in"), with
/// any country's two-letter domain that is no English word ("point ci", "dot lk", "dot re";
/// not "of": "checks at the point of request") and regional and city
/// domains ("dot corsica", "dot eus", "dot gal"); the domain's words may be joined by "dash"
/// ("pruneta dash sorbellu dot corsica").
static SPOKEN_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    let dot = r"(?:dot|point|punto|ponto|punkt|punktum|punkts|punktur|piste|prikk|nokta|nuqta)";
    let tld = r"(?:com|org|net|io|co|uk|de|fr|nl|es|it|au|ca|eu|us|ai|app|dev|biz|info|mx|br|ar|cl|pe|pt|pl|se|no|dk|fi|jp|kr|cn|in|ng|ae|sa|tr|vn|ch|at|be|ie|nz|za|sg|hk|tw|ru|cz|hu|ro|gr|ci|sn|ml|bf|tg|bj|cm|ga|cd|cg|mg|ht|dz|tn|eg|ke|gh|tz|ug|rw|et|zm|zw|mz|ao|bw|mu|gn|id|ph|th|kh|mm|bd|lk|np|pk|ir|iq|jo|lb|qa|kw|bh|om|kz|uz|kg|tj|az|ge|md|ua|lt|lv|ee|fo|gt|hn|sv|ni|cr|cu|pr|jm|tt|ve|ec|bo|py|uy|fj|ws|pg|lu|mt|cy|si|sk|hr|ba|rs|mk|bg|gov|edu|ac|coop|asia|online|re|mc|li|ad|sm|gi|im|je|gg|al|gl|ax|pf|nc|yt|gp|mq|gf|pm|wf|sc|cv|gw|gq|sl|lr|ne|td|cf|ss|sd|er|dj|km|ly|ma|mr|bi|mw|ls|sz|na|gm|gy|sr|bz|bs|bb|ag|dm|lc|vc|gd|kn|ky|bm|tc|vg|vi|aw|cw|sx|ms|fk|sh|ck|nu|tk|tv|ki|nr|fm|mh|pw|sb|vu|nf|cx|bt|mv|bn|tl|la|mn|mo|af|sy|ye|ps|cc|corsica|bzh|alsace|paris|swiss|eus|gal|cat|scot|wales|cymru|irish|london|tokyo|berlin|wien|koeln|hamburg|bayern|nyc|quebec|africa|lat|moscow|istanbul|ist|amsterdam|brussels|vlaanderen|barcelona|madrid|rio|melbourne|sydney|nrw|saarland|ruhr|tirol|frl|krd|capetown|durban|joburg|kiwi|vegas|miami|boston)";
    Regex::new(&format!(r"(?i)\b[\p{{L}}0-9-]+(?:\s+(?:{dot}|underscore|dash|hyphen|tiret|guion|guión|trait|viiva|bindestreck)\s+[\p{{L}}0-9-]+)*\s+(?:at|@|arobas|arobase|arroba|klammeraffe|snabel-a|snabela|kr[øo]llalfa|ät|at\s+the\s+rate(?:\s+of)?)\s+[\p{{L}}0-9-]+(?:\s+(?:dash|hyphen|tiret|guion|guión|trait)\s+[\p{{L}}0-9-]+|\s+[\p{{L}}0-9-]+){{0,2}}?(?:\s+{dot}\s+[\p{{L}}0-9-]+)*\s+{dot}\s+{tld}\b")).unwrap()
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:https?://|www\.)[^\s<>()]+[^\s<>().,;:!?]|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co\.uk|ai|app|dev)\b").unwrap()
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+\d{1,3}[ \t.-]?)?(?:\(\d{1,4}\)[ \t.-]?)?\d{1,4}(?:[ \t.-]\d{2,8}){1,5}|\b\d{10,11}\b")
        .unwrap()
});
static DATE_LIKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$").unwrap());
static DATE_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}").unwrap());
static PHONE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:phone|mobile|cell|call|tel|fax|desk|office|reach (?:me|us)|number|whatsapp|text me|message me|ping me|line)\W{0,3}(?:\w+\W+){0,2}$").unwrap()
});
static PHONE_CUE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\W{0,3}(?:office|fax|mobile|cell|desk|home|work|direct)\b").unwrap()
});
/// Government and network identifiers: social security numbers, IPv4 addresses, long card or
/// account digit runs, IBANs, VAT numbers ("ATU68142937", "DE123456789", "CHE-123.456.789"),
/// India's PAN of a person, company or trust ("AABTS7419Q").
/// A court, case or file number: letters, then groups joined by "/" or "-" holding seven digits
/// or more ("HCF/127/2025", "CIV-2025-416-000218"); a date has no letters, a standard
/// ("ISO-27001") too few groups.
static CASE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z]{2,6}(?:[/-][A-Z0-9]{1,8}){2,5}\b").unwrap());

/// A post box or a numbered plot, villa, flat or room ("P.O. Box 1947", "08 BP 1947", "Private
/// Bag 12", "Villa 9127", "Plot No. 44", "Lot 12B", "Sector 21", "Ward No. 9", a deposited
/// plan's "DP 123456", New Zealand's rural delivery "RD 2", "postbus 1187", "Room 1607", "House
/// 203", a Kerala ward's "Building No. XI/482").
static POST_BOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\b\d{1,3}\s+)?\b(?:P\.\s?O\.\s?Box|PO\s+Box|POB|Post\s+Box|BP|B\.P\.|Private\s+Bag|PMB|Postfach|Apartado|Apdo\.?|Caixa\s+Postal|Casella\s+Postale|Villa|Plot|Lot|Parcelle|Erf|Stand\s+No\.?|Apt\.?|Apartment|House\s+No\.?|Building|Bldg\.?|Block|Road|Way|Unit|Shop|Purok|Lô|Moo|Soi|Blok|Kavling|Lote|Quadra|DP|RD|Sector|Ward|č\.\s?p\.|č\.\s?ev\.|C\.\s?P\.|Postbus|postbus|Room|Rm\.?|Suite|House|Kamer)\s+(?:No\.?\s*|Number\s+|#\s*)?(?:[IVXL]{1,6}/)?[A-Z]?-?\d{1,6}[A-Z]?\b(?:\s+[\p{Lu}][\p{L}-]+(?:\s+\d{1,2}\b)?)?").unwrap()
});

/// A street named after its French, Spanish, Portuguese, Italian, Catalan, Greek or Maltese
/// street word ("Rue Njo-Njo", "Calle de Alcalá", "Carrer Gran", "Triq il-Kbira"), which French
/// and Spanish write in lower case too ("rue de Nimy"; not "via" or "avenue", English words).
static STREET_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:Rue|Avenue|Av\.|Boulevard|Bd|Chemin|Allée|Impasse|Quai|Calle|C/|Carrer|Carrera|Avinguda|Passeig|Viale|Piazza|Largo|Corso|Rua|Avenida|Travessa|Odos|Odós|Leoforos|Triq|Rehov|Rechov|Derech|Sderot|Vulytsia|Vul\.|Prospekt|Ulitsa|Ulica|Quartier|rue|boulevard|chemin|allée|impasse|quai|calle|carrer|avinguda|passeig|viale|piazza|corso|rua|avenida|travessa|vulytsia|vul\.|prospekt|ulitsa|ulica|quartier)\s+(?:(?:de|du|des|de\s+la|la|le|les|del|della|delle|dei|di|da|do|dos|das|d['’]|il-|ir-|is-|it-|tal-)\s*)*\p{Lu}[\p{L}'’-]+(?:\s+\p{Lu}[\p{L}'’-]+)?").unwrap()
});

static IDENTIFIER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d{3}-\d{2}-\d{4}\b|\b\d{1,3}(?:\.\d{1,3}){3}\b|\b\d{4}(?:[ -]\d{4}){3}\b|\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}\b|\b[A-Z]{2}U?\d{8,12}\b|\bCHE[- ]?\d{3}\.\d{3}\.\d{3}\b|\b\d{2,4}-\d{3,6}-[A-Z]{1,3}\b|\b[A-Z]{4}\d{4}\b|\b[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b|\b[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]\b").unwrap()
});

/// A phone number said digit by digit, as automatic captions write it ("nine eight one one zero
/// four two two seven three", "oh eight one double one"): seven or more digit words in a row.
/// Also in Spanish, Portuguese, French, Italian and German ("ocho cero nueve, cinco cinco
/// cinco", "nove nove meia oito").
static SPOKEN_PHONE: LazyLock<Regex> = LazyLock::new(|| {
    let digit = digit_alternation();
    Regex::new(&format!(
        r"(?i)\b(?:(?:{digit}|double|triple|doble|duplo)[\s,-]+){{6,}}(?:{digit})\b"
    ))
    .unwrap()
});
/// A phone number read in a language whose digit words English also has or lacks: Portuguese,
/// where "um" is one ("nove nove oito sete meia dois um quatro"), Hindi ("nau aath do aath
/// shunya, ek teen saat paanch chhah"), the Nordic languages ("noll sju tre fyra ett sex") and
/// Finnish: seven digit words or more, one of them a word only that language has (in an English
/// caption "um" is the filler and "do" a verb, which [`SPOKEN_PHONE`] leaves out).
static OTHER_LANGUAGE_PHONE: LazyLock<Regex> = LazyLock::new(|| {
    let digit = digit_alternation();
    let other = OTHER_DIGITS.iter().chain(FINNISH_DIGITS).copied().collect::<Vec<_>>().join("|");
    Regex::new(&format!(
        r"(?i)\b(?:(?:a\s+)?(?:{digit}|{other})[\s,-]+){{6,}}(?:a\s+)?(?:{digit}|{other})\b"
    ))
    .unwrap()
});
/// Digit words of Portuguese, Hindi, Swedish, Norwegian, Danish, Finnish, Dutch, German, Welsh,
/// Irish, Tagalog, romanised Japanese, Afrikaans, Ukrainian and Russian, Romanian, Polish,
/// Serbian, Indonesian and Malay, Thai, Tamil and Malayalam, Mandarin and Cantonese that
/// [`DIGIT_WORDS`] does not hold, or holds only
/// among other digits ("dim saith naw tri un", "a náid, a hocht, a seacht", "sero siyam isa
/// pito", "zero-kyū-zero, ni-ichi-roku-go").
const OTHER_DIGITS: &[&str] = &[
    "dim",
    "un",
    "dau",
    "dwy",
    "tri",
    "tair",
    "pedwar",
    "pedair",
    "pump",
    "chwech",
    "saith",
    "wyth",
    "naw",
    "náid",
    "naid",
    "haon",
    "aon",
    "dó",
    "dhá",
    "trí",
    "ceathair",
    "cúig",
    "cuig",
    "sé",
    "seacht",
    "hocht",
    "ocht",
    "naoi",
    "sero",
    "isa",
    "dalawa",
    "tatlo",
    "apat",
    "lima",
    "anim",
    "pito",
    "walo",
    "siyam",
    "rei",
    "maru",
    "ichi",
    "san",
    "yon",
    "shi",
    "go",
    "roku",
    "nana",
    "shichi",
    "hachi",
    "kyū",
    "kyuu",
    "kyu",
    "ku",
    "nul",
    "drie",
    "één",
    "een",
    "twee",
    "vijf",
    "zes",
    "zeven",
    "negen",
    "zwo",
    "um",
    "dois",
    "duas",
    "três",
    "quatro",
    "meia",
    "sete",
    "oito",
    "nove",
    "shunya",
    "sunya",
    "ek",
    "do",
    "teen",
    "char",
    "chaar",
    "paanch",
    "panch",
    "chhah",
    "chhe",
    "saat",
    "aath",
    "nau",
    "noll",
    "nul",
    "ett",
    "en",
    "två",
    "to",
    "tre",
    "fyra",
    "fire",
    "fem",
    "sex",
    "seks",
    "sju",
    "syv",
    "åtta",
    "åtte",
    "otte",
    "nio",
    "ni",
    // Afrikaans.
    "vyf",
    "ses",
    "sewe",
    "agt",
    "nege",
    // Ukrainian and Russian, romanised.
    "odyn",
    "odin",
    "dva",
    "try",
    "chotyry",
    "chetyre",
    "pyat",
    "p'yat",
    "shist",
    "shest",
    "sim",
    "sem",
    "visim",
    "vosem",
    "devyat",
    "nol",
    // Romanian, Polish, Serbian and Croatian.
    "unu",
    "doi",
    "trei",
    "patru",
    "cinci",
    "șase",
    "şase",
    "sase",
    "șapte",
    "şapte",
    "sapte",
    "opt",
    "nouă",
    "noua",
    "jeden",
    "dwa",
    "trzy",
    "cztery",
    "pięć",
    "piec",
    "sześć",
    "szesc",
    "siedem",
    "osiem",
    "dziewięć",
    "dziewiec",
    "nula",
    "jedan",
    "četiri",
    "cetiri",
    "pet",
    "šest",
    "sedam",
    "osam",
    "devet",
    // Indonesian and Malay.
    "kosong",
    "satu",
    "dua",
    "tiga",
    "empat",
    "enam",
    "tujuh",
    "delapan",
    "lapan",
    "sembilan",
    // Thai.
    "soon",
    "nueng",
    "neung",
    "song",
    "sam",
    "hok",
    "jet",
    "chet",
    "paet",
    "kao",
    "gao",
    // Tamil and Malayalam.
    "poojyam",
    "pujyam",
    "sunyam",
    "onnu",
    "ondru",
    "rendu",
    "randu",
    "irandu",
    "moonu",
    "moonnu",
    "moondru",
    "naalu",
    "naangu",
    "anju",
    "anchu",
    "aindhu",
    "aaru",
    "ezhu",
    "ettu",
    "onbadhu",
    "onbathu",
    "onpathu",
    // Mandarin and Cantonese, romanised ("yao" is one read in a phone number).
    "ling",
    "yi",
    "yao",
    "er",
    "liang",
    "si",
    "wu",
    "liu",
    "qi",
    "ba",
    "jiu",
    "yat",
    "saam",
    "sei",
    "ng",
    "chat",
    "luk",
    "baat",
    "gau",
];
/// Finnish digit words, read alone or in groups (no English word among them).
const FINNISH_DIGITS: &[&str] = &[
    "nolla",
    "yksi",
    "kaksi",
    "kolme",
    "neljä",
    "viisi",
    "kuusi",
    "seitsemän",
    "kahdeksan",
    "yhdeksän",
];

/// A code said digit by digit, four to six digit words ("Texas seven five four six zero",
/// "read me seven seven four one"): a postcode, a PIN, the last four of a social security or
/// card number, an account or a licence number.
static SPOKEN_CODE: LazyLock<Regex> = LazyLock::new(|| {
    let digit = digit_alternation();
    Regex::new(&format!(r"(?i)\b(?:(?:{digit})[\s,-]+){{3,5}}(?:{digit})\b")).unwrap()
});

/// Letters as people spell them aloud ("bee", "aitch", "zed", "double-u"): names no English
/// word has. [`SPOKEN_ALNUM`] also reads the ones that are words ("see", "you", "why") and
/// single letters, where they sit among digits.
const LETTER_NAMES: &[&str] = &[
    "ay", "bee", "cee", "dee", "ef", "eff", "gee", "aitch", "haitch", "jay", "kay", "ell", "pee",
    "queue", "cue", "arr", "ess", "tee", "vee", "double-u", "ex", "zed", "zee",
];
/// Letters whose names are words too, in English or a buyer's other language ("el", "en").
const LETTER_WORDS: &[&str] =
    &["a", "eye", "i", "are", "see", "sea", "be", "you", "why", "tea", "el", "em", "en", "ar"];

/// A code spelled aloud with letters and digits, as a postcode or a reference is read out
/// ("bee ay five two queue ex", "see aitch seven, one ay zed", "v zero x one l zero"): five
/// words or more, letter names, single letters and number words.
static SPOKEN_ALNUM: LazyLock<Regex> = LazyLock::new(|| {
    let word = format!(
        r"(?:{}|{}|[a-z]|{}|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|double|triple)",
        LETTER_NAMES.join("|"),
        LETTER_WORDS.join("|"),
        digit_alternation()
    );
    Regex::new(&format!(r"(?i)\b{word}(?:[\s,]+{word}){{4,}}\b")).unwrap()
});

/// A Canadian rural address, written or read out ("RR 2, Site 14, Comp 7", "rr two site
/// fourteen comp seven").
static RURAL_ROUTE: LazyLock<Regex> = LazyLock::new(|| {
    let number = format!(
        r"(?:\d{{1,3}}|{}|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty(?:[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))?)",
        digit_alternation()
    );
    Regex::new(&format!(r"(?i)\b(?:(?:rr|r\.r\.|rural\s+route)\s*#?\s*{number}(?:[\s,]+site\s+{number})?|site\s+{number})[\s,]+comp(?:artment)?\s+{number}\b|\b(?:rr|r\.r\.|rural\s+route)\s*#?\s*{number}\b(?:[\s,]+site\s+{number})?")).unwrap()
});

/// The part of a [`SPOKEN_ALNUM`] run that spells a code, if one does: from its first to its
/// last letter or digit, with two digits and two letters or more, one of them a letter's name
/// (or letters and digits taking turns, "v zero x one l zero"), and no counting up.
fn spelled_code(run: &str) -> Option<(usize, usize)> {
    #[derive(PartialEq, Clone, Copy)]
    enum Kind {
        Letter,
        Named,
        Digit,
        Word,
    }
    let kind = |word: &str| {
        let lower = word.to_lowercase();
        if LETTER_NAMES.contains(&lower.as_str()) {
            Kind::Named
        } else if digit_value(&lower).is_some()
            || ["oh", "double", "triple"].contains(&lower.as_str())
        {
            Kind::Digit
        } else if lower.len() == 1 && lower != "a" && lower != "i" {
            Kind::Letter
        } else if LETTER_WORDS.contains(&lower.as_str()) {
            Kind::Word
        } else {
            Kind::Digit
        }
    };
    let words: Vec<(usize, &str)> = run
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| (w.as_ptr() as usize - run.as_ptr() as usize, w))
        .collect();
    let kinds: Vec<Kind> = words.iter().map(|(_, w)| kind(w)).collect();
    // Letters whose names are words count as letters here; at the ends they are trimmed below.
    let counts = |k: Kind| kinds.iter().filter(|&&x| x == k).count();
    let digits = counts(Kind::Digit);
    let named = counts(Kind::Named);
    let letters = named + counts(Kind::Letter) + counts(Kind::Word);
    let alternating = kinds.len() >= 6
        && kinds.windows(2).all(|pair| (pair[0] == Kind::Digit) != (pair[1] == Kind::Digit));
    let counting = run.split(|c: char| !c.is_alphabetic()).filter_map(digit_value).count() >= 3
        && counts_up(run);
    if digits < 2 || letters < 2 || (named == 0 && !alternating) || counting {
        return None;
    }
    // At the ends, "a", "I", "are", "be" and "you" are more likely the sentence's words.
    let edge = |i: usize| {
        kinds[i] != Kind::Word
            || !["a", "i", "are", "be", "you"].contains(&words[i].1.to_lowercase().as_str())
    };
    let first = (0..words.len()).find(|&i| edge(i))?;
    let last = (0..words.len()).rfind(|&i| edge(i))?;
    let (start, _) = words[first];
    let (end_at, end_word) = words[last];
    Some((start, end_at + end_word.len()))
}

/// A postcode written as the UK ("BT39 4PL", "CF10 3NQ"), Canada ("V0X 1L0") or Ireland (the
/// Eircode "D24 X7K2") write one.
static POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d|[AC-FHKNPRTV-Y]\d[\dW] (?:[A-Z\d]{4}))\b").unwrap()
});

/// A Dutch postcode ("2678 ZH", "2678ZH"): four digits, the first not 0, and two capitals
/// (never SA, SD or SS); [`is_dutch_postcode`] drops units, eras and a year before an acronym
/// ("1500 KG", "2000 BC", "since 2019 HQ").
static DUTCH_POSTCODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[1-9]\d{3} ?[A-Z]{2}\b").unwrap());

/// True when a [`DUTCH_POSTCODE`] match is one, not an amount with its unit or a year with its
/// era.
fn is_dutch_postcode(found: &str) -> bool {
    const NOT: &[&str] = &[
        "SA", "SD", "SS", "KB", "MB", "GB", "TB", "PB", "KW", "MW", "GW", "TW", "KM", "CM", "MM",
        "KG", "MG", "AM", "PM", "AD", "BC", "CE", "HP", "PS", "CC", "ML", "KV", "MV", "KL", "HL",
        "LB", "OZ", "FT", "SQ", "TL", "TC", "US", "UK", "EU", "HR", "IT", "PC", "PO", "VS", "OK",
        "HQ", "GM", "QA", "QC", "AI", "BI", "PR", "CX", "UX", "UI", "ID", "IP", "OS", "TV", "VP",
    ];
    let letters = &found[found.len() - 2..];
    !NOT.contains(&letters)
}

/// A post-Soviet address of numbers only ("mkr. 5, d. 12, kv. 40", "d. 7, kv. 118"): the
/// micro-district, building, block and flat.
static NUMBERED_BLOCK_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:(?:mkr|mkrn|mikrorayon|mikroraion|mikrorajon|kvartal)\.?\s*\d{1,3}[a-z]?(?:,?\s*(?:d|dom|korp|k|kv|of)\.?\s*\d{1,4}[a-z]?)*|(?:d|dom)\.\s*\d{1,4}[a-z]?(?:,?\s*(?:korp|k)\.\s*\d{1,3})?,?\s*(?:kv|of)\.\s*\d{1,4})\b").unwrap()
});

/// A postcode with its country's letters right after a town that was redacted ("[CITY],
/// MD-4512"), or whose letters the town took ("[CITY]4512").
static POSTCODE_AFTER_TOWN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<lead>\[(?:CITY|ADDRESS)\](?:,?\s+[A-Z]{1,3}-|-?))(?P<code>\d{4,6})\b").unwrap()
});

/// True when a [`POSTCODE`] match is one: an Eircode's last group mixes letters and digits.
fn is_postcode(found: &str) -> bool {
    match found.split_once(' ') {
        Some((_, last)) if last.len() == 4 => {
            last.chars().any(|c| c.is_ascii_digit()) && last.chars().any(|c| c.is_ascii_uppercase())
        }
        _ => true,
    }
}

/// A postcode written with its country's letters ("N-4471 Sola", "D-80331, [CITY]", "FO 410
/// Gøta"), before a town.
static PREFIXED_POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:(?:A|B|CH|CZ|D|DK|E|EST|F|FI|FIN|GR|H|HR|I|IS|L|LT|LV|N|NL|P|PL|RO|S|SK|SLO|SI|MD|BG|UA|RS|SRB|ME|BA|MK|AL|BY|KZ|GE|AM|AZ)-\d{4,5}|(?:FO|GL|IS|DK|FI|NO|SE|EE|LT|LV)[- ]\d{3,5})(?P<town>,? (?:\p{Lu}|\[CITY\]))").unwrap()
});

/// A run of number words ("zero five eight six hundred two fourteen"): a phone number read the
/// way people read one, in groups, when six or more words hold three or more digit words.
static SPOKEN_NUMBER_RUN: LazyLock<Regex> = LazyLock::new(|| {
    let word = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|double|triple)";
    Regex::new(&format!(r"(?i)\b{word}(?:[\s,-]+{word}){{5,}}\b")).unwrap()
});

/// Number words of Spanish, Portuguese, French, Turkish, Azerbaijani, transliterated Russian
/// and the Nordic languages, as phone numbers are read in pairs and groups ("treinta y tres,
/// dieciocho, cuarenta y dos", "soixante-dix, trente-huit",
/// "sıfır beş yüz otuz iki", "nol' pyat' pyat' pyat'", "noll sju tre, fyra ett sex, nittio
/// två, arton").
const GROUP_NUMBER_WORDS: &[&str] = &[
    "cero",
    "uno",
    "una",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "dieciseis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidós",
    "veintidos",
    "veintitrés",
    "veintitres",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintiseis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
    "treinta",
    "cuarenta",
    "cincuenta",
    "sesenta",
    "setenta",
    "ochenta",
    "noventa",
    "cien",
    "y",
    "trinta",
    "quarenta",
    "cinquenta",
    "sessenta",
    "oitenta",
    "vinte",
    "dezoito",
    "dezessete",
    "dezesseis",
    "catorze",
    "treze",
    "doze",
    "dez",
    "dezenove",
    "e",
    "noll",
    "ett",
    "två",
    "tre",
    "fyra",
    "fem",
    "sex",
    "sju",
    "åtta",
    "nio",
    "tio",
    "elva",
    "tolv",
    "tretton",
    "fjorton",
    "femton",
    "sexton",
    "sjutton",
    "arton",
    "nitton",
    "tjugo",
    "trettio",
    "fyrtio",
    "femtio",
    "sextio",
    "sjuttio",
    "åttio",
    "nittio",
    "null",
    "fire",
    "seks",
    "syv",
    "åtte",
    "tretten",
    "femten",
    "seksten",
    "sytten",
    "atten",
    "tjue",
    "tretti",
    "førti",
    "femti",
    "seksti",
    "sytti",
    "åtti",
    "nitti",
    "nul",
    "otte",
    "tyve",
    "tredive",
    "fyrre",
    "halvtreds",
    "tres",
    "halvfjerds",
    "firs",
    "halvfems",
    "kymmenen",
    "zéro",
    "zero",
    "un",
    "une",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "vingt",
    "vingts",
    "trente",
    "quarante",
    "cinquante",
    "soixante",
    "septante",
    "huitante",
    "octante",
    "nonante",
    "cent",
    "cents",
    "et",
    "sıfır",
    "bir",
    "iki",
    "üç",
    "dört",
    "beş",
    "altı",
    "yedi",
    "sekiz",
    "dokuz",
    "on",
    "yirmi",
    "otuz",
    "kırk",
    "elli",
    "altmış",
    "yetmiş",
    "seksen",
    "doksan",
    "yüz",
    "dörd",
    "yeddi",
    "səkkiz",
    "doqquz",
    "iyirmi",
    "qırx",
    "əlli",
    "səksən",
    "doxsan",
    "nol'",
    "odin",
    "odna",
    "dva",
    "dve",
    "tri",
    "chetyre",
    "pyat'",
    "shest'",
    "sem'",
    "vosem'",
    "devyat'",
    "desyat'",
    "odinnadtsat'",
    "dvenadtsat'",
    "dvadtsat'",
    "tridtsat'",
    "sorok",
    "pyat'desyat",
    "shest'desyat",
    "sem'desyat",
    "vosem'desyat",
    "devyanosto",
    "sto",
];

/// Four or more comma-separated groups of those number words right after a phone number or its
/// cue ("[PHONE], soixante-dix, trente-huit, quatre-vingt-onze, quarante-six"): the number said
/// again in words.
static GROUPED_NUMBER_RUN: LazyLock<Regex> = LazyLock::new(|| {
    let mut words: Vec<String> = GROUP_NUMBER_WORDS
        .iter()
        .chain(FINNISH_DIGITS)
        .map(|w| regex::escape(w).replace('\'', "['’]"))
        .collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let word = format!("(?:{})", words.join("|"));
    let group = format!(r"{word}(?:[\s-]+{word}){{0,4}}");
    Regex::new(&format!(
        r"(?i)(?P<cue>\[PHONE\]|\b(?:number|phone|mobile|cell|call\s+me|whatsapp|numéro|téléphone|telefon|nomer|raqam|celular|móvil|movil|teléfono|telefone|número|numero)\b)(?P<gap>[^.!?\n]{{0,40}}?[\s,:]\s*)(?P<run>{group}(?:\s*,\s*{group}){{3,}})(?:[^\p{{L}}'’]|$)"
    ))
    .unwrap()
});

/// True when a [`SPOKEN_NUMBER_RUN`] reads like a phone number, not an amount: three or more
/// single digits among its words.
fn reads_like_phone(run: &str) -> bool {
    run.split(|c: char| !c.is_alphabetic())
        .filter(|w| w.eq_ignore_ascii_case("oh") || digit_value(w).is_some())
        .count()
        >= 3
}

/// A block given by its letter ("Block H", "Block C-2"), an address part where blocks are
/// lettered.
static LETTERED_BLOCK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bBlock\s+\p{Lu}(?:-\d{1,3})?\b").unwrap());

/// A ticket, work-order or case number: capitals, a hyphen and five digits or more
/// ("WO-118734"); standards ("ISO-27001", "IEC-62443") are not.
static TICKET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?P<prefix>[A-Z]{1,4})-\d{5,}\b").unwrap());

/// Prefixes of standards and public catalogues, whose numbers name no one.
const STANDARD_PREFIXES: &[&str] = &[
    "ISO", "IEC", "EN", "DIN", "NFPA", "ASTM", "BS", "CVE", "RFC", "SOC", "PCI", "NEN", "UNE",
    "SASO",
];

/// An IBAN as automatic captions write it, in any case ("bh67 Bmag 0000 1299 1234 56"): a
/// country code, two check digits and groups of four holding ten digits or more.
static LOWER_IBAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z]{2}\d{2}(?: [a-z0-9]{4}){3,7}(?: [a-z0-9]{1,4})?\b").unwrap()
});

/// Digit words with their values, in English, Spanish, Portuguese, French, Italian and
/// German ("meia" is six in a Brazilian phone number). Not the Portuguese "um": it is the
/// English filler of every raw caption ("one, um, two, um, three").
const DIGIT_WORDS: &[(&str, usize)] = &[
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("cero", 0),
    ("uno", 1),
    ("una", 1),
    ("dos", 2),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("siete", 7),
    ("ocho", 8),
    ("nueve", 9),
    ("dois", 2),
    ("duas", 2),
    ("três", 3),
    ("quatro", 4),
    ("meia", 6),
    ("sete", 7),
    ("oito", 8),
    ("nove", 9),
    ("zéro", 0),
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("sept", 7),
    ("huit", 8),
    ("neuf", 9),
    ("due", 2),
    ("tre", 3),
    ("quattro", 4),
    ("cinque", 5),
    ("sei", 6),
    ("sette", 7),
    ("otto", 8),
    ("null", 0),
    ("eins", 1),
    ("zwei", 2),
    ("drei", 3),
    ("vier", 4),
    ("fünf", 5),
    ("sechs", 6),
    ("sieben", 7),
    ("acht", 8),
    ("neun", 9),
];

/// [`DIGIT_WORDS`] and "oh" (a zero read aloud), as a regex alternation.
fn digit_alternation() -> String {
    let mut words: Vec<&str> = DIGIT_WORDS.iter().map(|(word, _)| *word).collect();
    words.push("oh");
    words.join("|")
}

/// The value of a digit word ("seven" -> 7, "ocho" -> 8), any case.
fn digit_value(word: &str) -> Option<usize> {
    let lower = word.to_lowercase();
    DIGIT_WORDS.iter().find(|(digit, _)| *digit == lower).map(|(_, value)| *value)
}

/// True when digit words count up one by one ("one two three four five"): counting, not a code.
fn counts_up(words: &str) -> bool {
    let digits: Vec<usize> =
        words.split(|c: char| !c.is_alphabetic()).filter_map(digit_value).collect();
    digits.windows(2).all(|pair| pair[1] == pair[0] + 1)
}

/// A code that names a supplier, an employee or a customer ("vendor code VC-20931",
/// "employee ID 48213"): the code, after its cue.
static CODED_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:vendor|supplier|employee|customer|member|staff|badge|client|payee)\s+(?:code|id|number|no\.?|num|#)(?:\s+is)?\s*[:#]?\s*)(?P<id>[A-Z]{0,4}-?\d[0-9A-Z-]{3,})\b").unwrap()
});

/// Decides whether a digit run found by [`PHONE`] is a phone number. `cue` is true when a word
/// like "phone", "call" or "mobile" comes just before it.
fn is_phone(candidate: &str, cue: bool) -> bool {
    let digits = candidate.chars().filter(char::is_ascii_digit).count();
    if DATE_LIKE.is_match(candidate.trim()) || DATE_PREFIX.is_match(candidate.trim()) {
        return false;
    }
    let groups = candidate.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).count();
    if all_years(candidate) {
        return false;
    }
    let has_plus = candidate.starts_with('+');
    let has_paren = candidate.contains('(');
    let has_dash_or_dot = candidate.contains('-') || candidate.contains('.');
    if cue {
        return (7..=15).contains(&digits);
    }
    if has_plus || has_paren {
        return (8..=15).contains(&digits);
    }
    (has_dash_or_dot && groups >= 3 && (8..=12).contains(&digits))
        || (has_dash_or_dot && (9..=12).contains(&digits))
        || (10..=12).contains(&digits)
}

/// True when every digit group is a year ("2019 2020 2021"): a list of years, no number.
fn all_years(candidate: &str) -> bool {
    candidate
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .all(|g| g.len() == 4 && (g.starts_with("19") || g.starts_with("20")))
}

/// True for a digit run of nine digits or more in groups that no phone, amount or date takes
/// ("2456 78901 1710", a national id read from a card): not thousands ("120 000 000").
fn is_long_id(candidate: &str) -> bool {
    let digits = candidate.chars().filter(char::is_ascii_digit).count();
    let groups: Vec<&str> =
        candidate.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).collect();
    let thousands =
        groups.first().is_some_and(|g| g.len() <= 3) && groups.iter().skip(1).all(|g| g.len() == 3);
    digits >= 9
        && groups.len() >= 2
        && !thousands
        && !all_years(candidate)
        && !DATE_LIKE.is_match(candidate.trim())
        && !DATE_PREFIX.is_match(candidate.trim())
}

/// A social or messaging handle ("@sanya_hr", "@saltandvine.bn").
static HANDLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s(,:;])(?P<handle>@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)").unwrap()
});
/// A messenger id after its app's name ("my WeChat ID is wangwei_pc88", "LINE tigerlin0520"):
/// only a token with a digit, an underscore or a dot, so "Telegram is great" stays.
static MESSENGER_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:wechat|weixin|telegram|line|skype|signal|whatsapp|viber|kakao(?:talk)?|zalo|instagram|insta|twitter|tiktok|facebook|slack|discord|snapchat)(?:\s+(?:id|handle|name|account|username|user)(?:\s+is|\s*:)?|\s+is|\s*:|['’]s)\s+)(?P<id>[A-Za-z][A-Za-z0-9_.-]*[0-9_.][A-Za-z0-9_.-]*[A-Za-z0-9])\b").unwrap()
});
/// A messenger id a few words after its app's name, or after "my id is" ("WeChat is best,
/// kevinzw_jh88", "LINE, my id is jackwu.hyo"): the app written as its maker does (not the word
/// "line"), and only a token with a digit, an underscore or an inner dot.
static MESSENGER_NEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\b(?:WeChat|Wechat|Weixin|LINE|Line|KakaoTalk|Kakao|Zalo|Telegram|Viber|Skype|WhatsApp|Signal|Discord)\b[^.!?\n\[\]]{0,40}?|(?i:\bmy\s+(?:id|handle|username|user\s*name)\s+(?:is\s+|:\s*)))[\s,:]\s*(?P<id>[A-Za-z][A-Za-z0-9]*(?:[_.][A-Za-z0-9\[\]]+|[0-9]+[A-Za-z_][A-Za-z0-9_.]*)+)\b").unwrap()
});
/// A code of capitals and digits after "code", "number" or "id" ("PHA code AR119", "unit
/// number B204"): what no phone, amount or date looks like.
static CUED_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:code|number|no\.|id)\s*(?:is\s+|was\s+|:\s*|#\s*)?)(?P<id>[A-Z]{1,4}-?\d{3,}[A-Z0-9]*)\b").unwrap()
});
/// A toll-free vanity number ("855-GO-HOLLOW", "1-800-FLOWERS").
static VANITY_PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:1[-. ])?8(?:00|33|44|55|66|77|88)[-. ](?:[A-Z0-9]{2,}-)*[A-Z]{2,}[A-Z0-9]*(?:-[A-Z0-9]+)*\b").unwrap()
});
/// A street or a neighbourhood named before its Turkish or Azerbaijani word ("Atatürk Caddesi
/// No: 88/3", "Gül Sokak", "Narınclı qəsəbəsi", "Nizami küçəsi").
static STREET_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\p{Lu}[\p{L}'’-]+(?:\s+\p{Lu}[\p{L}'’-]+)?\s+(?:Caddesi|Cad\.|Sokak|Sokağı|Sk\.|Bulvarı|Mahallesi|Mah\.|Köyü|köyü|küçəsi|Küçəsi|prospekti|qəsəbəsi|Qəsəbəsi|kəndi)\b(?:\s+No\.?:?\s*\d+(?:/\d+)?)?").unwrap()
});
/// A lot by its Roman numeral, letters and number ("Lot II F 23", "Lot IVG 204 Bis").
static LOT_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bLot\s+[IVX]+[A-Z]{0,3}(?:\s+[A-Z]{1,3})?\s+\d{1,5}(?:\s+Bis)?\b").unwrap()
});
/// A Japanese address by its block ("Yanagisawa 3-chome 14-7"): the district before it too.
static CHOME_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:\p{Lu}\p{Ll}+\s+)?\d{1,2}-chome(?:\s+\d{1,4}(?:-\d{1,4}){0,2})?").unwrap()
});
/// A registration or tax number after its cue ("the organisation number is 938 123 456",
/// "VAT's GB 319 7720 41", "EDRPOU 41234567").
static CUED_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:organi[sz]ation|org|company|corporate|registration|business|business\s+registration|tax|vat|fiscal|trade|licen[cs]e|liquor\s+licen[cs]e|permit|registry|establishment|pharmacy|facility|operating)\s*(?:number|no\.?|id|code|nr\.?|#)|\bvat['’]s|\b(?:ein|abn|acn|cui|ico|ičo|dič|dic|bin|iin|inn|edrpou|uscc|kvk|siret|siren|cif|nif|nip|regon|cvr|afm|oib|rfc|rut|nit|cuit|tin|pan|gstin|uid|ust-idnr|ustid|btw|mwst|moms|vkn|tckn|mersis|osek|orgnr|y-tunnus|kennitala|pesel|ninea|rccm|ice|iva|p\.\s?iva|codice\s+fiscale|partita\s+iva|nie|nuit|tpin|kra\s+pin|cr|c\.r\.|vat|trn|iqama|cnic|ntn|nipc|dpi|rnc|cpf|cnpj|curp|c[ée]dula|susep|rcn|chy|ubn|uen|brn|mst|npwp|nib|ssm|nric|stir|pinfl|hrb|hra|rtn|nrc|trn|bvn|cro|rcs|rci|neq|nzbn|ird|pps|ppsn|herd|holding|accreditation(?:\s+(?:number|no\.?|code))?|registered\s+charity|charity|scottish\s+charity|society\s+number|charity\s+(?:number|no\.?|registration(?:\s+number)?))\b)(?:(?:[\s,]+[\p{L}']+){0,6}?[\s,]+(?:is|was|number|no\.?))?[\s,]*[:#]?\s*(?P<id>[A-Z]{1,5}-\d{2,6}(?:[/.][A-Z0-9]{1,6})+\b|[A-Z]{1,4}-\d{3,6}\b|(?:[A-Z]{1,3}[\s-]?)?\d[\d .-]{4,}\d(?:-?[A-Z][A-Z0-9]{0,2}\b)?|\d{4,5}[A-Z]{1,2}\b|\d{1,3}\s?[A-Z]\s?\d{4,6}\b)").unwrap()
});

/// One group of a vehicle registration plate: letters, digits, or both glued ("KAN", "482",
/// "417M", "61C", "3-A" is two groups).
const PLATE_GROUP: &str = r"(?:[A-Z]{1,4}|\d{1,6}[A-Z]{0,2}|[A-Z]{1,3}\d{1,5}[A-Z]?)";
/// A vehicle registration plate after its vehicle ("truck KAN 482 XA", "one of our trucks, APP
/// 318 GD", "pilot van 61C-248.19", "the driver on truck JU-4471"): two to five groups joined by
/// spaces, hyphens or dots, holding a digit and a capital letter.
static CUED_PLATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i:\b(?:trucks?|lorry|lorries|vans?|vehicles?|trailers?|tankers?|buses|bus|reefers?|prime\s+movers?|motorbikes?|bikes?|bodas?|tuk-?tuks?|rigs?|pick-?ups?|cars?|jeepneys?|rickshaws?|number\s+plates?|licen[cs]e\s+plates?|plates?|registration|rego|reg\.?)\b)(?:[\s,:#]+(?i:our|a|the|one|number|no\.?|reg\.?|plate|is|was|with))*[\s,:#]+(?P<plate>{PLATE_GROUP}(?:[ .-]{PLATE_GROUP}){{0,4}})\b"
    ))
    .unwrap()
});
/// Plate shapes that need no vehicle before them: letters, digits, letters (and digits)
/// ("GJ 12 AZ 5083", "B 9412 UXK", "KAN 482 XA"), letters then digits with a letter ("KCK
/// 417M"), and a district's metro series ("Chatta Metro-Ta 11-4471").
static PLATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<plate>[A-Z]{1,3} \d{2,4} [A-Z]{1,3}(?: \d{3,4})?|[A-Z]{2,3} \d{3}[A-Z]|\p{Lu}\p{Ll}+ Metro-\p{Lu}\p{Ll}{0,3} \d{2}-\d{4})\b")
        .unwrap()
});
/// Currencies, units and standards a plate-shaped run may hold ("USD 40 K", "A 40 FT", "ISO
/// 9001 ISO"): no plate.
const NOT_PLATE_WORDS: &[&str] = &[
    "USD", "EUR", "GBP", "INR", "NGN", "KES", "GHS", "ZAR", "PKR", "BDT", "LKR", "IDR", "PHP",
    "VND", "KB", "MB", "GB", "TB", "KG", "KM", "FT", "AM", "PM", "HZ", "ISO", "SOC", "PCI", "IEC",
    "NIST", "API", "FY", "SKU", "SLA", "ERP", "TMS", "WMS", "POS", "GST", "VAT", "NO", "ID", "AND",
    "OR", "THE",
];
/// Whether a run found by [`CUED_PLATE`] or [`PLATE`] is a plate: a digit and a capital letter,
/// four characters or more, no currency or unit, and (alone) a single letter opens only before
/// three digits or more.
fn is_plate(run: &str) -> bool {
    let groups: Vec<&str> = run.split([' ', '-', '.']).filter(|g| !g.is_empty()).collect();
    let alnum = run.chars().filter(char::is_ascii_alphanumeric).count();
    if alnum < 4
        || !run.chars().any(|c| c.is_ascii_digit())
        || !run.chars().any(|c| c.is_ascii_uppercase())
        || groups.iter().any(|g| NOT_PLATE_WORDS.contains(g))
    {
        return false;
    }
    match groups.as_slice() {
        [first, digits, ..]
            if first.len() == 1 && first.chars().all(|c| c.is_ascii_uppercase()) =>
        {
            digits.chars().filter(char::is_ascii_digit).count() >= 3
        }
        _ => true,
    }
}

/// A tax or registration id spelled out in lower-case captions ("gstin 33 a k l p m 4821 q 1 z
/// v"): six or more short groups after the cue, single letters or digit groups.
static SPELLED_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:gstin|gst\s+number|tin|pan|ntn|npwp|bin|kra\s+pin|vat\s+number|tax\s+(?:id|number)|registration\s+number)\b)(?:\s+(?:number|no|is|was))?\s+(?P<id>(?:(?:[a-z]|\d{1,5}|[a-z]\d{1,4}|\d{1,4}[a-z])\s+){5,}(?:[a-z]|\d{1,5}|[a-z]\d{1,4}|\d{1,4}[a-z]))\b").unwrap()
});

/// Replaces the plates of [`CUED_PLATE`] and [`PLATE`], and the ids of [`SPELLED_ID`], by `[ID]`.
fn redact_plates(text: &str) -> String {
    let mut text = text.to_string();
    for regex in [&*CUED_PLATE, &*PLATE, &*SPELLED_ID] {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for caps in regex.captures_iter(&text) {
            let found = caps.name("plate").or_else(|| caps.name("id")).expect("named group");
            let mut run = found.as_str();
            // A trailing lone capital after a space is a word ("truck 42 I think").
            while let Some((head, tail)) = run.rsplit_once(' ') {
                if tail.len() == 1 && tail.chars().all(|c| c.is_ascii_uppercase()) {
                    run = head;
                } else {
                    break;
                }
            }
            let spelled = caps.name("id").is_some();
            let digits = run.chars().filter(char::is_ascii_digit).count();
            if (spelled && digits >= 2) || (!spelled && is_plate(run)) {
                out.push_str(&text[last..found.start()]);
                out.push_str("[ID]");
                last = found.start() + run.len();
            }
        }
        out.push_str(&text[last..]);
        text = out;
    }
    text
}

/// Replaces emails, URLs, identifiers, handles and phone numbers by `[EMAIL]`, `[URL]`,
/// `[ID]`, `[HANDLE]` and `[PHONE]`.
pub fn redact_contacts(text: &str) -> String {
    redact_contacts_keeping(text, |_| false)
}

/// Post boxes, numbered plots and streets named after their street word, as `[ADDRESS]`, except
/// a street whose every word `keep` holds (a competitor's name). Run after the addresses the
/// tagger found were replaced whole: these are often one part of such an address.
pub fn redact_addresses(text: &str, keep: impl Fn(&str) -> bool) -> String {
    let text = CHOME_ADDRESS.replace_all(text, "[ADDRESS]");
    let text = LOT_CODE.replace_all(&text, "[ADDRESS]");
    let text = STREET_AFTER.replace_all(&text, "[ADDRESS]");
    let text = POST_BOX.replace_all(&text, "[ADDRESS]");
    let text = RURAL_ROUTE.replace_all(&text, "[ADDRESS]");
    let text = POSTCODE.replace_all(&text, |caps: &regex::Captures<'_>| {
        if is_postcode(&caps[0]) { "[ADDRESS]".to_string() } else { caps[0].to_string() }
    });
    let text = LETTERED_BLOCK.replace_all(&text, "[ADDRESS]");
    let text = PREFIXED_POSTCODE.replace_all(&text, "[ADDRESS]$town");
    let text = DUTCH_POSTCODE.replace_all(&text, |caps: &regex::Captures<'_>| {
        if is_dutch_postcode(&caps[0]) { "[ADDRESS]".to_string() } else { caps[0].to_string() }
    });
    let text = NUMBERED_BLOCK_ADDRESS.replace_all(&text, "[ADDRESS]");
    let text = STREET_BEFORE.replace_all(&text, |caps: &regex::Captures<'_>| {
        let found = &caps[0];
        if found.split_whitespace().skip(1).all(&keep) {
            found.to_string()
        } else {
            "[ADDRESS]".to_string()
        }
    });
    // After the streets, so a postcode past a street and its number closes it too.
    let text = redact_closing_postcodes(&text);
    let text = POSTCODE_AFTER_TOWN.replace_all(&text, "$lead[ADDRESS]");
    STREET_AFTER_ADDRESS.replace_all(&text, "$lead[ADDRESS]").into_owned()
}

/// Replaces the `group` of every match of `regex` by `placeholder`, keeping the rest of the
/// match (its cue); a match whose group `keep` holds stays whole.
fn replace_group(
    text: &str,
    regex: &Regex,
    group: &str,
    placeholder: &str,
    keep: impl Fn(&str) -> bool,
) -> String {
    replace_group_unless(text, regex, group, placeholder, |caps, _| keep(&caps[group]))
}

/// [`replace_group`] where `keep` sees the whole match's groups and the text after it (a cue
/// or what follows the number decides, not only the number).
fn replace_group_unless(
    text: &str,
    regex: &Regex,
    group: &str,
    placeholder: &str,
    keep: impl Fn(&regex::Captures<'_>, &str) -> bool,
) -> String {
    regex
        .replace_all(text, |caps: &regex::Captures<'_>| {
            let whole = caps.get(0).expect("whole match");
            let found = caps.name(group).expect("named group");
            if keep(caps, &text[whole.end()..]) {
                return whole.as_str().to_string();
            }
            let (start, end) = (found.start() - whole.start(), found.end() - whole.start());
            format!("{}{placeholder}{}", &whole.as_str()[..start], &whole.as_str()[end..])
        })
        .into_owned()
}

/// [`redact_contacts`], keeping the web addresses for which `keep` holds (a competitor's own
/// name written as a domain: "Monday.com").
pub fn redact_contacts_keeping(text: &str, keep: impl Fn(&str) -> bool) -> String {
    let text = EMAIL.replace_all(text, "[EMAIL]");
    let text = SPOKEN_EMAIL.replace_all(&text, "[EMAIL]");
    let text = OTHER_LANGUAGE_PHONE.replace_all(&text, |caps: &regex::Captures<'_>| {
        let run = caps[0].to_lowercase();
        let only_theirs = |w: &str| {
            (OTHER_DIGITS.contains(&w) || FINNISH_DIGITS.contains(&w))
                && w != "um"
                && !super::lexicon::is_english_word(w)
        };
        // Three different words at least: "ha ha ha ha ha ha ha" is laughter, "song song..."
        // a chorus.
        let words: Vec<&str> =
            run.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).collect();
        let distinct = words.iter().collect::<std::collections::HashSet<_>>().len();
        if distinct >= 3 && words.iter().any(|w| only_theirs(w)) {
            "[PHONE]".to_string()
        } else {
            caps[0].to_string()
        }
    });
    let text = SPOKEN_PHONE.replace_all(&text, "[PHONE]");
    let text = SPOKEN_NUMBER_RUN.replace_all(&text, |caps: &regex::Captures<'_>| {
        if reads_like_phone(&caps[0]) && !counts_up(&caps[0]) {
            "[PHONE]".to_string()
        } else {
            caps[0].to_string()
        }
    });
    let text = replace_group(&text, &GROUPED_NUMBER_RUN, "run", "[PHONE]", |_| false);
    let text = SPOKEN_CODE.replace_all(&text, |caps: &regex::Captures<'_>| {
        if counts_up(&caps[0]) { caps[0].to_string() } else { "[ID]".to_string() }
    });
    let text = SPOKEN_ALNUM.replace_all(&text, |caps: &regex::Captures<'_>| {
        let whole = caps.get(0).expect("whole match");
        // The "s" of "That's" is no letter read out.
        let skip = if text[..whole.start()].ends_with(['\'', '’']) {
            whole.as_str().find([' ', ',']).unwrap_or(whole.len())
        } else {
            0
        };
        let (kept, run) = whole.as_str().split_at(skip);
        match spelled_code(run) {
            Some((start, end)) => format!("{kept}{}[ID]{}", &run[..start], &run[end..]),
            None => whole.as_str().to_string(),
        }
    });
    let text = replace_group(&text, &CODED_ID, "id", "[ID]", |_| false);
    let text = redact_plates(&text);
    let text = replace_group(&text, &CUED_NUMBER, "id", "[ID]", |_| false);
    let text = VANITY_PHONE.replace_all(&text, "[PHONE]");
    let text = replace_group(&text, &CUED_CODE, "id", "[ID]", |_| false);
    // Twice: a number given after another's ("mine is [ID] and Niamh's is 2286").
    let text = redact_short_ids(&redact_short_ids(&text));
    let text = SLASHED_ID.replace_all(&text, |caps: &regex::Captures<'_>| {
        if STANDARD_PREFIXES.contains(&&caps["prefix"]) {
            caps[0].to_string()
        } else {
            "[ID]".to_string()
        }
    });
    let text = PAYMENT_HANDLE.replace_all(&text, "[HANDLE]");
    // Short dotted words are abbreviations ("WhatsApp, e.g. for orders", "a.m."), not ids.
    let text = replace_group(&text, &MESSENGER_NEAR, "id", "[HANDLE]", |id| {
        keep(id) || id.starts_with('[') || id.chars().count() < 5
    });
    let text = replace_group(&text, &MESSENGER_ID, "id", "[HANDLE]", &keep);
    let text = replace_group(&text, &HANDLE, "handle", "[HANDLE]", |handle| {
        keep(handle.trim_start_matches('@'))
    });
    let text = URL.replace_all(&text, |caps: &regex::Captures<'_>| {
        let found = &caps[0];
        if keep(found) { found.to_string() } else { "[URL]".to_string() }
    });
    let text = CASE_NUMBER.replace_all(&text, |caps: &regex::Captures<'_>| {
        let found = &caps[0];
        let digits = found.chars().filter(char::is_ascii_digit).count();
        if digits >= 7 { "[ID]".to_string() } else { found.to_string() }
    });
    let text = TICKET.replace_all(&text, |caps: &regex::Captures<'_>| {
        if STANDARD_PREFIXES.contains(&&caps["prefix"]) {
            caps[0].to_string()
        } else {
            "[ID]".to_string()
        }
    });
    let text = LOWER_IBAN.replace_all(&text, |caps: &regex::Captures<'_>| {
        let digits = caps[0].chars().filter(char::is_ascii_digit).count();
        if digits >= 10 { "[ID]".to_string() } else { caps[0].to_string() }
    });
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
        } else if !glued && is_long_id(candidate) {
            phoned.push_str("[ID]");
        } else {
            phoned.push_str(candidate);
        }
        last = found.end();
    }
    phoned.push_str(&text[last..]);
    redact_bare_numbers(&phoned)
}

/// Seven to nine digits, or twelve and more, written together with no grouping ("our BR
/// number three times, 63915527", "our RTN, 08019012345678"): how an id is read off a
/// document, never how people say an amount (ten or eleven are phones, taken before).
/// Also digit groups joined by hyphens or slashes that hold seven digits or more
/// ("50-48213-0-9", a holding number "52/418/0076"), left once phones and dates are taken.
static BARE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d{7,9}\b|\b\d{12,20}\b|\b\d+(?:-\d+){2,}\b|\b\d+(?:/\d+){2,}\b").unwrap()
});
/// A short registration or member number after what it numbers ("Our ICN is 8127", "Band
/// number's 318", "membership no. 40217", an M-Pesa "paybill 522918"): three digits or more after our own acronym or after
/// a register's number, or after whose it is when numbers are the topic ("The VCI numbers
/// for the vets, mine is 4471 and Niamh's is 2286"), not a year, an amount, a count or a business metric ("our NPS
/// is 120").
static CUED_SHORT_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\b(?i:our|my)\s+(?P<cue>[A-Z]{2,6})(?:['’]s|\s+is|\s*:)|\b(?i:numbers?|no\.|ids?)\b[^!?\n\d]{0,80}?(?:\b(?i:mine|his|hers)|\b\p{Lu}[\p{L}-]+['’]s)\s+(?i:is|was)|\[ID\],?\s+(?i:and\s+)?(?:\b(?i:mine|his|hers)|\b\p{Lu}[\p{L}-]+['’]s)\s+(?i:is|was)|\b(?i:band|member(?:ship)?|society|registration|charity|licen[cs]e|permit|policy|account|customer|client|file|case|reference|ref|folio|roll|affiliation|school|udise|till|agent|merchant)\s+(?i:number|no\.?|#|id|code)(?:['’]s|\s+(?i:is|was)|\s*[:#])?|\b(?i:paybill|pay\s+bill)(?:\s+(?i:number|no\.?|#))?(?:\s+(?i:is|was))?)\s*(?P<id>\d{3,9})\b").unwrap()
});
/// Capitals that name a measure, not a register ("ROI was 300").
const METRIC_ACRONYMS: &[&str] = &[
    "ROI", "NPS", "ARR", "MRR", "CAC", "LTV", "SLA", "KPI", "MOQ", "ETA", "API", "HTTP", "ISO",
    "GDP", "VAT", "GST", "TAX", "EBITDA", "OKR", "TCO", "CPU", "RAM", "AUD", "USD", "EUR", "GBP",
    "INR", "NZD", "CAD",
];

/// True when four digits read as a year ("2019").
fn is_year(digits: &str) -> bool {
    digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20"))
}

/// True when what follows a number makes it an amount, a count, a measure or a decimal
/// ("2500 members", "40%", "12.5").
fn amount_follows(after: &str) -> bool {
    AMOUNT_AFTER.is_match(after)
        || after.starts_with('%')
        || (after.starts_with(['.', ',']) && after[1..].starts_with(|d: char| d.is_ascii_digit()))
}

/// Replaces the numbers of [`CUED_SHORT_ID`] by `[ID]`.
fn redact_short_ids(text: &str) -> String {
    replace_group_unless(text, &CUED_SHORT_ID, "id", "[ID]", |caps, after| {
        caps.name("cue").is_some_and(|cue| METRIC_ACRONYMS.contains(&cue.as_str()))
            || is_year(&caps["id"])
            || amount_follows(after)
    })
}

/// A postcode after the address or town it closes, past a house number ("[ADDRESS], RD 2,
/// Ōtaki Beach 5581", "[ADDRESS] 27, 08020", a Maltese "[ACCOUNT], WQS 2041", "PO
/// Box 88, Yarrabin Creek NT 0870", "the postcode's 2480"): four digits after an Australian
/// state, a postcode's name, or a redacted address or town and up to three names or
/// placeholders after it; not a year or an amount.
static CLOSING_POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\b(?:NSW|VIC|Vic|QLD|Qld|SA|WA|TAS|Tas|NT|ACT)|\b(?i:post\s*code|postal\s+code|zip(?:\s+code)?|pin\s*code|pincode)(?:['’]s|\s+is|\s+was|:)?|\[(?:ADDRESS|CITY)\](?:,?\s+(?:\p{Lu}\p{Ll}[\p{L}'’-]*|\[[A-Z]+(?: \d+)?\]|RD\s+\d{1,2}|\d{1,4}[A-Za-z]?)){0,3},?|\[ACCOUNT\],?)\s+(?P<code>\d{4,6}|[A-Z]{3}\s?\d{4})\b").unwrap()
});

/// Replaces the postcodes of [`CLOSING_POSTCODE`] by `[ADDRESS]`.
fn redact_closing_postcodes(text: &str) -> String {
    replace_group_unless(text, &CLOSING_POSTCODE, "code", "[ADDRESS]", |caps, after| {
        let code = caps.name("code").expect("code group");
        let cue = &caps[0][..code.start() - caps.get(0).expect("whole match").start()];
        let named = ["post", "zip", "pin"].iter().any(|word| cue.to_lowercase().contains(word));
        (is_year(code.as_str()) && !named) || amount_follows(after)
    })
}

/// A street of ordinary words that continues an address ("[ADDRESS], Old Mill Road", "Lot 7,
/// Long Gully Lane"): capitalised words and a street noun right after a redacted address part.
static STREET_AFTER_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<lead>\[ADDRESS\],?\s+)(?:\p{Lu}\p{Ll}+\s+){1,3}(?:Road|Street|Lane|Avenue|Drive|Crescent|Terrace|Highway|Parade|Place|Close|Way|Track|Rd|St|Ave)\b").unwrap()
});

/// A registration number of capitals and digits joined by slashes ("IT/145872", "ENS/CTCS/1487"):
/// four digits or more at the end, not a standard ("ISO/27001").
static SLASHED_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?P<prefix>[A-Z]{2,6})(?:/[A-Z]{2,6})*/\d{4,}\b").unwrap());

/// A payment handle without a domain ("pragati@okaxis", "9845012345@paytm"), as UPI ids are
/// written: left once e-mails are taken.
static PAYMENT_HANDLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Za-z0-9._-]{2,}@[A-Za-z][A-Za-z0-9]+\b").unwrap());

/// Currency codes, as said before or after an amount.
const CURRENCY_CODES: &str = "usd|eur|gbp|inr|cad|aud|nzd|chf|jpy|cny|rmb|krw|sek|nok|dkk|isk|pln|czk|huf|ron|uah|kzt|ils|aed|sar|qar|egp|xof|xaf|ngn|kes|ghs|zar|brl|mxn|clp|ars|php|idr|myr|thb|vnd|sgd|hkd|twd|lkr|npr|bdt|pkr|fjd|wst";
/// What makes a bare digit run an amount, a count or a measure: the word after it.
static AMOUNT_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)^\s*(?:(?:{CURRENCY_CODES})\b|dollars?|euros?|pounds?|francs?|rupees?|yen|yuan|won|pesos?|reais|rand|naira|shillings?|cedis?|dirhams?|riyals?|lira|kron[aeo]r?|zloty|hryvnias?|tenge|som|rubles?|roubles?|dong|baht|ringgit|rupiah|taka|units?|users?|people|rows?|records?|lines?|items?|transactions?|members?|visits?|calls?|messages?|emails?|customers?|clients?|patients?|students?|invoices?|pages?|documents?|files?|downloads?|views?|clicks?|bytes?|kb|mb|gb|tb|km|kg|tons?|tonnes?|litres?|liters?|hours?|minutes?|seconds?|times|thousand|million|billion|lakhs?|crores?|k\b|staff|employees|workers|beds|homes|houses|flats|apartments|rooms|schools|branches|stores|shops|sites|offices|vehicles|trucks|cars|buses|drivers|nurses|doctors|teachers|residents|tenants|families|children|kids|parents|volunteers|players|lots|acres|hectares|miles|kilometres|kilometers|metres|meters|square|licen[cs]es|seats|a\s+(?:year|month|week|day)|per\b|%|percent)")).unwrap()
});

/// Replaces the digit runs of [`BARE_NUMBER`] by `[ID]`, except amounts (a currency before or
/// after), counts and measures (a unit after), and dates written together ("20250314").
fn redact_bare_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for found in BARE_NUMBER.find_iter(text) {
        let before = text[..found.start()].trim_end();
        let after = &text[found.end()..];
        let joined = text[..found.start()].ends_with(|c: char| ".,/:-+#$€£¥₹".contains(c))
            || after.starts_with(|c: char| "/:-%".contains(c))
            || (after.starts_with(['.', ','])
                && after[1..].starts_with(|c: char| c.is_ascii_digit()));
        let currency = before.ends_with(|c: char| "$€£¥₹".contains(c))
            || before.rsplit(char::is_whitespace).next().is_some_and(|word| {
                let word = word.to_lowercase();
                CURRENCY_CODES.split('|').any(|code| code == word) || word == "rs" || word == "rs."
            });
        let digits = found.as_str();
        if digits.contains(['-', '/']) {
            let count = digits.chars().filter(char::is_ascii_digit).count();
            if count >= 7 && !DATE_LIKE.is_match(digits) && !DATE_PREFIX.is_match(digits) && !joined
            {
                out.push_str(&text[last..found.start()]);
                out.push_str("[ID]");
                last = found.end();
            }
            continue;
        }
        let date = digits.len() == 8
            && (digits.starts_with("19") || digits.starts_with("20"))
            && matches!(digits[4..6].parse::<u32>(), Ok(1..=12))
            && matches!(digits[6..].parse::<u32>(), Ok(1..=31));
        if joined || currency || date || AMOUNT_AFTER.is_match(after) {
            continue;
        }
        out.push_str(&text[last..found.start()]);
        out.push_str("[ID]");
        last = found.end();
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers_post_boxes_plots_and_streets_named_first() {
        for (text, want) in [
            ("the suit, HCF/127/2025, was", "the suit, [ID], was"),
            ("file CIV-2025-416-000218 in the High Court", "file [ID] in the High Court"),
            ("She put our NINEA, 004821753 2G2, on it", "She put our NINEA, [ID], on it"),
            ("with our partita iva 03481270136 already in", "with our partita iva [ID] already in"),
            ("The postal address is 08 BP 1947 Abidjan 08.", "The postal address is [ADDRESS]."),
            ("write to P.O. Box 5521, or", "write to [ADDRESS], or"),
            ("we are in Sacré-Cœur, Villa 9127, near", "we are in Sacré-Cœur, [ADDRESS], near"),
            ("in Bonapriso, on Rue Njo-Njo, next to", "in Bonapriso, on [ADDRESS], next to"),
            ("the office on Calle de Ercilla since", "the office on [ADDRESS] since"),
            ("Triq il-Kbira, in the old town", "[ADDRESS], in the old town"),
        ] {
            let redacted = redact_addresses(&redact_contacts(text), |_| false);
            assert_eq!(redacted, want, "{text}");
        }
        // Dates, standards, percentages and products stay.
        for text in [
            "on 2025-03-14 we signed",
            "ISO-27001 and SOC-2 first",
            "Flat 20 percent, a lot 12 of them",
            "via Slack and via email",
            "the ISO/IEC 27001 audit",
        ] {
            assert_eq!(redact_addresses(&redact_contacts(text), |_| false), text);
        }
    }

    #[test]
    fn vehicle_plates_and_spelled_ids() {
        for (text, want) in [
            ("tested it with truck KAN 482 XA on the run", "tested it with truck [ID] on the run"),
            ("One of our trucks, APP 318 GD, stood there", "One of our trucks, [ID], stood there"),
            ("KCK 417M was one of them", "[ID] was one of them"),
            ("our truck 3-A 48213 AA, the driver", "our truck [ID], the driver"),
            ("a truck, ND 482-117, had a reefer alarm", "a truck, [ID], had a reefer alarm"),
            ("Truck PB 10 GK 7731 waited", "Truck [ID] waited"),
            ("fitted a test device on GJ 12 AZ 5083.", "fitted a test device on [ID]."),
            ("on our truck WP LG-4471, and", "on our truck [ID], and"),
            ("The driver on truck JU-4471 had", "The driver on truck [ID] had"),
            ("one truck, B 9412 UXK, driver", "one truck, [ID], driver"),
            ("'s van NBC 4821 had the sensor", "'s van [ID] had the sensor"),
            ("pilot van 61C-248.19 also", "pilot van [ID] also"),
            ("our van Chatta Metro-Ta 11-4471 got held", "our van [ID] got held"),
            ("with our gstin 33 a k l p m 4821 q 1 z v it was", "with our gstin [ID] it was"),
        ] {
            assert_eq!(redact_contacts(text), want, "{text}");
        }
        // Not plates: fleet numbers, standards, money, units, a lone capital after them.
        for text in [
            "truck 42 broke down",
            "truck 42 I think",
            "we run 40 trucks and 12 vans",
            "ISO 9001 ISO audits",
            "SOC 2 Type II and GDPR",
            "a USD 40 K deposit",
            "A 40 FT reefer",
            "the van was 3 hours late",
            "the Q3 FY review",
            "the pan was hot and a b c d e f",
        ] {
            assert_eq!(redact_contacts(text), text, "{text}");
        }
    }

    #[test]
    fn codes_spelled_aloud_postcodes_and_registered_numbers() {
        let cases = [
            (
                "our own office postcode, bee ay five two queue ex, next",
                "our own office postcode, [ID], next",
            ),
            ("That's see aitch seven, one ay zed.", "That's [ID]."),
            ("people write it eye vee five four eight why tee", "people write it [ID]"),
            ("visit again, pee ell thirteen one ay dee", "visit again, [ID]"),
            ("hope bc v zero x one l zero so", "hope bc [ID] so"),
            ("mail goes to rr two site fourteen comp seven", "mail goes to [ADDRESS]"),
            (
                "Same number, ocho cero nueve, cinco cinco cinco, cero uno cuatro siete. Or",
                "Same number, [PHONE]. Or",
            ),
            ("meu celular é nove nove oito sete meia dois um quatro", "meu celular é [PHONE]"),
            (
                "tested it at the pitch, BT39 4PL, with one bar",
                "tested it at the pitch, [ADDRESS], with one bar",
            ),
            ("make D24 X7K2 into a UK postcode", "make [ADDRESS] into a UK postcode"),
            (
                "The address is rue de Nimy 52, 7000 Mons.",
                "The address is [ADDRESS] 52, [ADDRESS] Mons.",
            ),
            ("Charity number 1187342, if you need it", "Charity number [ID], if you need it"),
            ("Registered charity 1172290.", "Registered charity [ID]."),
            ("We're a Scottish charity, SC048213, and", "We're a Scottish charity, [ID], and"),
            (
                "Our society number is 31442R on the register",
                "Our society number is [ID] on the register",
            ),
            ("instead of our NIPC, 509 876 543.", "instead of our NIPC, [ID]."),
            ("my DPI for the contract, 2456 78901 1710, for", "my DPI for the contract, [ID], for"),
        ];
        for (text, want) in cases {
            assert_eq!(redact_addresses(&redact_contacts(text), |_| false), want, "{text}");
        }
        // Words and numbers that spell nothing.
        for text in [
            "I see you are two",
            "one two three four five six, easy",
            "a one and a two",
            "tee one, tee two",
            "we budgeted 120 000 000 for it",
            "the grants of 2019 2020 2021 were flat",
            "a CF10 grant",
            "en el uno de los dos",
            "the A380 and the 737 MAX",
            "another avenue Salesforce offers, or via Teams",
            "one, um, two, um, three, um, four, they said",
        ] {
            assert_eq!(redact_addresses(&redact_contacts(text), |_| false), text, "{text}");
        }
    }

    #[test]
    fn spoken_emails_with_any_country_or_regional_domain_and_dashes() {
        for (said, left) in [
            ("write to anna dot fiori at pruneta dash sorbellu dot corsica please", "please"),
            ("it's marie at otpv dot re, thanks", ", thanks"),
            ("uxia dot outeiro at pazodalousa dot gal. Or", ". Or"),
            ("the email is iker at mahastiberri dot eus", ""),
        ] {
            let out = redact_contacts(said);
            assert!(out.contains("[EMAIL]") && out.ends_with(left), "{said} -> {out}");
            for word in ["sorbellu", "otpv", "pazodalousa", "mahastiberri"] {
                assert!(!out.contains(word), "{said} -> {out}");
            }
        }
        // French "point" and an English two-letter word make no e-mail.
        let said = "Budget checks at the point of request, that was the killer";
        assert_eq!(redact_contacts(said), said);
    }

    #[test]
    fn phones_read_in_welsh_irish_tagalog_japanese_and_belgian_french() {
        for said in [
            "to test them: dim saith naw tri un, pedwar pump wyth, dau dau chwech.",
            "as Gaeilge: a náid, a hocht, a seacht, a trí, a cúig, a haon, a naoi, a dó.",
            "in Tagalog, sero siyam isa pito, apat walo dalawa, anim anim isa sero.",
            "in Japanese, zero-kyū-zero, ni-ichi-roku-go, nana-san-hachi-yon.",
            "call me on my GSM, zéro quatre septante-cinq, soixante et un, vingt-neuf, \
             quatre-vingt-trois.",
        ] {
            let out = redact_contacts(said);
            assert!(out.contains("[PHONE]"), "{said} -> {out}");
            for word in ["saith", "hocht", "siyam", "hachi", "septante", "vingt-neuf"] {
                assert!(!out.contains(word), "{said} -> {out}");
            }
        }
        // Seven words in a row that English also has stay words.
        let plain = "go go go, san is one of them";
        assert_eq!(redact_contacts(plain), plain);
    }

    #[test]
    fn phones_read_in_afrikaans_slavic_malay_thai_tamil_and_chinese_digits() {
        for (said, word) in [
            ("phone my cell, nul agt twee, ses vyf drie, een nege vier sewe, so", "sewe"),
            ("Or phone, nul shist visim, dva try sim, visim odyn, devyat nul.", "visim"),
            ("sunați la zero sapte doi doi, unu doi trei, patru cinci sase.", "patru"),
            ("My number, nol delapan satu tiga, dua tujuh empat nol, lima lima satu.", "delapan"),
            ("En number, onbadhu ettu naalu poojyam moonu, ezhu aaru onnu rendu anju.", "onbadhu"),
            ("For your notes, that is yao san jiu er ba si liu qi qi san yao.", "jiu"),
            ("In Cantonese, okay: yat saam ng saam baat yi chat luk yat sei ling.", "baat"),
            ("in Thai, soon paet nueng, song sam si, hok jet paet kao.", "nueng"),
        ] {
            let out = redact_contacts(said);
            assert!(out.contains("[PHONE]") && !out.contains(word), "{said} -> {out}");
        }
        // Laughter and a chorus are not numbers.
        for plain in ["ha ha ha ha ha ha ha ha", "song song song song song song song"] {
            assert_eq!(redact_contacts(plain), plain);
        }
    }

    #[test]
    fn rooms_post_boxes_block_addresses_and_postcodes_of_more_countries() {
        let cases = [
            (
                "Our office is Room 1607, Tower 2, next to",
                "Our office is [ADDRESS], Tower 2, next to",
            ),
            (
                "[ADDRESS], [ADDRESS], House 203, about twenty",
                "[ADDRESS], [ADDRESS], [ADDRESS], about twenty",
            ),
            (
                "our address wrong. Building No. XI/482 is the old",
                "our address wrong. [ADDRESS] is the old",
            ),
            (
                "We use the postbus, postbus 1187, 2678 ZH [CITY], and",
                "We use the postbus, [ADDRESS], [ADDRESS] [CITY], and",
            ),
            ("the office is mkr. 5, d. 12, kv. 40, it's", "the office is [ADDRESS], it's"),
            (
                "str. Eminescu nr. 7, [CITY], MD-4512, not the old one",
                "str. Eminescu nr. 7, [CITY], MD-[ADDRESS], not the old one",
            ),
            ("nr. 7, [CITY], [CITY]4512, not", "nr. 7, [CITY], [CITY][ADDRESS], not"),
        ];
        for (said, want) in cases {
            assert_eq!(redact_addresses(said, |_| false), want);
        }
        // Amounts with their unit and years with their era stay.
        for plain in ["a 1500 KG pallet", "since 1200 AD", "a 2000 MW plant", "in room for 12 more"]
        {
            assert_eq!(redact_addresses(plain, |_| false), plain);
        }
    }

    #[test]
    fn accreditation_and_licence_numbers_and_pans() {
        assert_eq!(
            redact_contacts("Our accreditation, MC-5817, comes up for surveillance"),
            "Our accreditation, [ID], comes up for surveillance"
        );
        assert_eq!(
            redact_contacts("the licence number, KEP-118/KR.04/2009, also on every letter"),
            "the licence number, [ID], also on every letter"
        );
        assert_eq!(
            redact_contacts("GSTIN is on file, PAN AABTS7419Q. The secretary"),
            "GSTIN is on file, PAN [ID]. The secretary"
        );
    }

    #[test]
    fn registration_numbers_insurance_numbers_and_holding_numbers() {
        assert_eq!(
            redact_contacts("We're a limited company, CRO 648213 in Dublin"),
            "We're a limited company, CRO [ID] in Dublin"
        );
        assert_eq!(redact_contacts("the RCI is 14 S 06312, and"), "the RCI is [ID], and");
        assert_eq!(redact_contacts("his own, JT 48 22 91 C, and"), "his own, [ID], and");
        assert_eq!(redact_contacts("the herd is 52/418/0076 and"), "the herd is [ID] and");
        // Dates keep their slashes.
        for date in ["signed on 2025/03/12", "signed on 12/03/2025"] {
            assert_eq!(redact_contacts(date), date);
        }
        assert_eq!(
            redact_contacts("The VCI numbers for the vets, mine is 4471 and Niamh's is 2286."),
            "The VCI numbers for the vets, mine is [ID] and Niamh's is [ID]."
        );
        assert_eq!(
            redact_contacts("Our VCI numbers went in fine. Niamh's is 2286 and it checked."),
            "Our VCI numbers went in fine. Niamh's is [ID] and it checked."
        );
        let counted = "numbers went up: mine is 2019, his is 300 cows";
        assert_eq!(redact_contacts(counted), counted);
    }

    #[test]
    fn postcodes_past_a_street_and_its_number() {
        assert_eq!(
            redact_addresses("The office is Corso Umberto 27, 08020 Sa Mandra.", |_| false),
            "The office is [ADDRESS] 27, [ADDRESS] Sa Mandra."
        );
        assert_eq!(
            redact_addresses("[ADDRESS], [ACCOUNT], WQS 2041. The", |_| false),
            "[ADDRESS], [ACCOUNT], [ADDRESS]. The"
        );
    }

    #[test]
    fn contact_details() {
        assert_eq!(
            redact_contacts("mail priya.r@northwind.com or call +44 20 7946 0958"),
            "mail [EMAIL] or call [PHONE]"
        );
        assert_eq!(redact_contacts("it's priya dot r at northwind dot com"), "it's [EMAIL]");
        assert_eq!(
            redact_contacts("or marie-eve point gagnon arobas constructionsbeaulieu point ca."),
            "or [EMAIL]."
        );
        assert_eq!(
            redact_contacts("joao ponto silva arroba valeverde ponto com ponto br"),
            "[EMAIL]"
        );
        assert_eq!(
            redact_contacts("my number is nine eight one one zero four two two seven three ok"),
            "my number is [PHONE] ok"
        );
        assert_eq!(
            redact_contacts("oh eight one one nine oh four five two two six one and"),
            "[PHONE] and"
        );
        assert_eq!(redact_contacts("one two three, easy as that"), "one two three, easy as that");
        assert_eq!(
            redact_contacts("vendor code VC-20931 in our system, employee ID 48213."),
            "vendor code [ID] in our system, employee ID [ID]."
        );
        assert_eq!(
            redact_contacts("gemma dot t at copperleaf bistro dot com. Nobody"),
            "[EMAIL]. Nobody"
        );
        assert_eq!(
            redact_contacts("ring (312) 555-0147 or 617-555-0143"),
            "ring [PHONE] or [PHONE]"
        );
        assert_eq!(redact_contacts("my line is +33 1 84 88 42 17."), "my line is [PHONE].");
        assert_eq!(
            redact_contacts("Just message me, 06-52720800, I'm"),
            "Just message me, [PHONE], I'm"
        );
        assert_eq!(
            redact_contacts("APO AA 61487\n416 60 039 office"),
            "APO AA 61487\n[PHONE] office"
        );
        assert_eq!(
            redact_contacts("call me on 01.84.17.61.18? SSN 460-89-9847, ip 10.1.2.3"),
            "call me on [PHONE]? SSN [ID], ip [ID]"
        );
        assert_eq!(redact_contacts("see https://example.org/x."), "see [URL].");
        assert_eq!(
            redact_contacts("Telegram is @sanya_hr, or DM us, we're @bigearlsbbq."),
            "Telegram is [HANDLE], or DM us, we're [HANDLE]."
        );
        assert_eq!(
            redact_contacts("My WeChat ID is wangwei_pc88. Telegram is great though."),
            "My WeChat ID is [HANDLE]. Telegram is great though."
        );
        assert_eq!(
            redact_contacts("The organisation number, if they need it, is 938 123 456."),
            "The organisation number, if they need it, is [ID]."
        );
        assert_eq!(
            redact_contacts("The organisation number is 938 123 456. And VAT's GB 319 7720 41."),
            "The organisation number is [ID]. And VAT's [ID]."
        );
        assert_eq!(redact_contacts("our EDRPOU 41234567, fine"), "our EDRPOU [ID], fine");
        assert_eq!(
            redact_contacts("the product line v2.5 and Slack 4.1 work"),
            "the product line v2.5 and Slack 4.1 work"
        );
        assert_eq!(
            redact_contacts("we paid 20% VAT on 12 000 units"),
            "we paid 20% VAT on 12 000 units"
        );
        assert_eq!(
            redact_contacts("we paid 18500 in 2025-11-07, 16 to 26 weeks"),
            "we paid 18500 in 2025-11-07, 16 to 26 weeks"
        );
        assert_eq!(
            redact_contacts("we looked at them at the conference, so we did at least"),
            "we looked at them at the conference, so we did at least"
        );
    }
}

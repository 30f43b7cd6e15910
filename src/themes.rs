//! Themes and polarity of quotes.
//!
//! Every quote gets up to [`MAX_THEMES`] themes from a taxonomy (a built-in default, or
//! `themes.toml` in the index folder) and a polarity toward the seller. The method, measured on
//! the labelled sample (`tests/fixtures/sample/themes.jsonl`, see the README):
//!
//! * **prototypes**: each theme has a few example sentences, embedded with the same model as the
//!   quotes; a theme's similarity is the best cosine between the quote's vector (interviewer
//!   question + answer) and its prototypes;
//! * **cues**: words and phrases that name the theme ("security questionnaire", "onboarding")
//!   add [`CUE_BONUS`] each (at most two);
//! * a theme is kept when its score clears [`MIN_SCORE`] and is within [`MARGIN`] of the best;
//! * `competitor_strengths` (when the taxonomy has it) is kept when a sentence names a competitor
//!   with praise words;
//! * polarity: praise and criticism words (with negation) counted per sentence; sentences naming a
//!   competitor count against the seller when they praise it.
//!
//! Users correct tags with `POST /v1/quotes/{id}/themes` or `storybank tag`; corrections live in
//! the store and win over the tagger on every re-ingest and reindex.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::corpus::Aliases;
use crate::error::{Error, Result};
use crate::theme_model::ThemeModel;

/// At most this many themes per quote.
pub const MAX_THEMES: usize = 3;
/// Added per matched cue (at most two count).
pub const CUE_BONUS: f32 = 0.09;
/// Lowest score a theme needs.
pub const MIN_SCORE: f32 = 0.65;
/// A kept theme scores at least the best theme's score minus this.
pub const MARGIN: f32 = 0.06;
/// The theme a competitor's praise adds, when the taxonomy has it.
pub const COMPETITOR_STRENGTHS: &str = "competitor_strengths";

/// One theme of the taxonomy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Theme {
    /// Stable id used in filters (`pricing`).
    pub id: String,
    /// Display label (`Pricing`).
    pub label: String,
    /// Lower-case words or phrases that name the theme (prefix match on word starts).
    #[serde(default)]
    pub cues: Vec<String>,
    /// Example buyer sentences, embedded as prototypes.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// The theme taxonomy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Taxonomy {
    /// Themes, in display order.
    pub themes: Vec<Theme>,
}

fn theme(id: &str, label: &str, cues: &[&str], examples: &[&str]) -> Theme {
    Theme {
        id: id.into(),
        label: label.into(),
        cues: cues.iter().map(|c| c.to_string()).collect(),
        examples: examples.iter().map(|c| c.to_string()).collect(),
    }
}

impl Default for Taxonomy {
    fn default() -> Self {
        Taxonomy {
            themes: vec![
                theme(
                    "pricing",
                    "Pricing",
                    &[
                        "price",
                        "pricing",
                        "priced",
                        "expensive",
                        "cheaper",
                        "cheapest",
                        "discount",
                        "fee",
                        "fees",
                        "per seat",
                        "per user",
                        "minimum commitment",
                        "budget",
                        "list price",
                        "renewal",
                        "cost",
                        "costs",
                        "license",
                        "licence",
                    ],
                    &[
                        "Their price was half of yours for the first year.",
                        "The per-user fee and the platform fee added up to more than our budget.",
                        "We asked for a discount and the commercial terms did not move.",
                        "Honestly it came down to cost; the other quote was much cheaper.",
                    ],
                ),
                theme(
                    "implementation",
                    "Implementation & onboarding",
                    &[
                        "implementation",
                        "implement",
                        "onboarding",
                        "onboard",
                        "go-live",
                        "go live",
                        "rollout",
                        "roll out",
                        "migration",
                        "kickoff",
                        "kick-off",
                        "setup",
                        "set up",
                        "training",
                        "up and running",
                    ],
                    &[
                        "Their onboarding team was with us every day until we went live.",
                        "The implementation plan said twelve weeks and we did not have twelve weeks.",
                        "Migrating our data and training the team was the part we were worried about.",
                        "We were up and running in two weeks with their setup help.",
                    ],
                ),
                theme(
                    "security",
                    "Security & compliance",
                    &[
                        "security",
                        "questionnaire",
                        "soc 2",
                        "soc2",
                        "compliance",
                        "compliant",
                        "audit",
                        "gdpr",
                        "hipaa",
                        "data residency",
                        "hosted",
                        "hosting",
                        "sso",
                        "single sign-on",
                        "encryption",
                        "infosec",
                        "pen test",
                        "regulated",
                        "privacy",
                        "legal review",
                    ],
                    &[
                        "The security questionnaire took seven weeks to get through.",
                        "Our compliance team needed to know where the data is hosted.",
                        "IT would not sign off without SSO and a current SOC 2 report.",
                        "Legal and infosec review is where the deal stalled.",
                    ],
                ),
                theme(
                    "integrations",
                    "Integrations",
                    &[
                        "integration",
                        "integrate",
                        "integrates",
                        "sync",
                        "syncs",
                        "api",
                        "connector",
                        "erp",
                        "plug into",
                        "plugs into",
                        "data flow",
                        "two-way",
                        "one-way",
                    ],
                    &[
                        "The integration with our ERP only synced one way.",
                        "It had to plug into the accounting system we already run.",
                        "Their API and connectors meant no manual re-keying between systems.",
                        "Data did not flow back from the other system, so we kept fixing records by hand.",
                    ],
                ),
                theme(
                    "product_gaps",
                    "Product & capability",
                    &[
                        "feature",
                        "features",
                        "missing",
                        "lacked",
                        "lacking",
                        "roadmap",
                        "capability",
                        "functionality",
                        "workaround",
                        "clunky",
                        "usability",
                        "user interface",
                        "didn't support",
                        "doesn't support",
                        "accuracy",
                        "accurate",
                        "workflow",
                        "dashboard",
                        "reporting",
                        "mobile app",
                        "out of the box",
                        "configur",
                        "customiz",
                        "easy to use",
                        "user-friendly",
                        "ocr",
                        "automation",
                        "automat",
                    ],
                    &[
                        "The product was missing a feature we needed every day.",
                        "Their tool handled the core workflow better and was easier to use.",
                        "It was on the roadmap, but we needed it now, not next year.",
                        "The accuracy on our messy documents was not good enough.",
                        "The rules and routing were more flexible, you could configure anything.",
                        "Their mobile app and dashboards were simpler for the team to use.",
                    ],
                ),
                theme(
                    "roi",
                    "ROI & business case",
                    &[
                        "roi",
                        "business case",
                        "payback",
                        "savings",
                        "save",
                        "saved",
                        "hours a week",
                        "hours per week",
                        "headcount",
                        "justify",
                        "return on",
                    ],
                    &[
                        "We built a business case around the hours it would save the team.",
                        "The payback period was too long to justify the spend.",
                        "Finance needed to see the ROI before approving it.",
                        "It would save us a full-time hire, which paid for itself.",
                    ],
                ),
                theme(
                    "sales_experience",
                    "Sales experience",
                    &[
                        "sales rep",
                        "salesperson",
                        "account executive",
                        "demo",
                        "proposal",
                        "pushy",
                        "follow up",
                        "followed up",
                        "responsive",
                        "pitch",
                        "sales process",
                        "sales team",
                        "negotiat",
                    ],
                    &[
                        "The sales rep was responsive and really understood our process.",
                        "Their demo was polished but the proposal felt pushy.",
                        "They kept following up and answered every question within a day.",
                        "The sales process felt like they were not listening to us.",
                    ],
                ),
                theme(
                    "support",
                    "Support & service",
                    &[
                        "support team",
                        "customer support",
                        "support was",
                        "support is",
                        "their support",
                        "your support",
                        "customer success",
                        "ticket",
                        "help desk",
                        "helpdesk",
                        "response time",
                        "service level",
                        "sla",
                        "account manager",
                    ],
                    &[
                        "Their support team answered tickets within the hour.",
                        "We heard from references that support was slow after signing.",
                        "Having a named customer success manager mattered to us.",
                        "When something broke nobody from the vendor picked up.",
                    ],
                ),
                theme(
                    "urgency",
                    "Urgency & status quo",
                    &[
                        "priority",
                        "priorities",
                        "urgency",
                        "urgent",
                        "status quo",
                        "spreadsheet",
                        "spreadsheets",
                        "next year",
                        "on hold",
                        "pause",
                        "paused",
                        "freeze",
                        "not now",
                        "timing",
                        "shelved",
                        "wait",
                    ],
                    &[
                        "In the end it just was not a priority this year.",
                        "We decided to stay on spreadsheets for now.",
                        "The project was put on hold when budgets were frozen.",
                        "Nothing was broken enough to force a change.",
                    ],
                ),
                theme(
                    "champion",
                    "Champion & politics",
                    &[
                        "champion",
                        "sponsor",
                        "left the company",
                        "reorg",
                        "re-org",
                        "stakeholder",
                        "buy-in",
                        "committee",
                        "sign-off",
                        "signed off",
                        "decision maker",
                        "procurement",
                        "board",
                        "politic",
                    ],
                    &[
                        "Our sponsor left the company halfway through the evaluation.",
                        "The new CFO had a different vendor in mind.",
                        "Procurement and the steering committee had the final say.",
                        "Without someone pushing internally the project lost momentum.",
                    ],
                ),
                theme(
                    COMPETITOR_STRENGTHS,
                    "Competitor strengths",
                    &[],
                    &[
                        "The other vendor was simply better at what we needed.",
                        "Their product did this out of the box, yours did not.",
                        "We chose them because their team was stronger.",
                    ],
                ),
            ],
        }
    }
}

impl Taxonomy {
    /// Reads `themes.toml` (`[[themes]]` tables with `id`, `label`, `cues`, `examples`).
    pub fn read(path: &Path) -> Result<Taxonomy> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
        let taxonomy: Taxonomy = toml::from_str(&text).map_err(|err| {
            let line = err.span().map_or(0, |span| text[..span.start].lines().count().max(1));
            Error::parse(path, line, err.message())
        })?;
        if taxonomy.themes.is_empty() {
            return Err(Error::parse(path, 0, "no [[themes]] tables"));
        }
        for theme in &taxonomy.themes {
            if theme.examples.is_empty()
                && theme.cues.is_empty()
                && theme.id != COMPETITOR_STRENGTHS
            {
                return Err(Error::parse(
                    path,
                    0,
                    format!("theme `{}` needs examples or cues", theme.id),
                ));
            }
        }
        Ok(taxonomy)
    }

    /// The taxonomy of an index: `<index>/themes.toml` when present, else the default.
    pub fn for_index(index_dir: &Path) -> Result<Taxonomy> {
        let path = index_dir.join("themes.toml");
        if path.is_file() { Taxonomy::read(&path) } else { Ok(Taxonomy::default()) }
    }

    /// Whether an id is a theme of this taxonomy.
    pub fn contains(&self, id: &str) -> bool {
        self.themes.iter().any(|theme| theme.id == id)
    }
}

/// Embedded prototypes of a taxonomy, ready to tag quotes.
#[derive(Debug, Clone)]
pub struct ThemeTagger {
    taxonomy: Taxonomy,
    /// Per theme: its prototype vectors (unit length).
    prototypes: Vec<Vec<Vec<f32>>>,
    /// Per theme: its cue matchers.
    cues: Vec<Vec<regex::Regex>>,
    /// Per theme: how generic its prototypes are (their mean best similarity to the other
    /// themes' prototypes, minus the average of that over themes); subtracted from its score so
    /// a theme whose examples resemble everything does not win everywhere.
    offsets: Vec<f32>,
    /// Thresholds used by [`ThemeTagger::tag`].
    params: ThemeParams,
    /// The learned classifiers, when fitted for this embedding model and taxonomy: they tag
    /// instead of the prototype scores.
    learned: Option<std::sync::Arc<ThemeModel>>,
}

/// The tagger's thresholds (defaults: [`MIN_SCORE`], [`MARGIN`], [`CUE_BONUS`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThemeParams {
    /// Lowest score a theme needs.
    pub min_score: f32,
    /// A kept theme scores at least the best minus this.
    pub margin: f32,
    /// Added per matched cue (two at most).
    pub cue_bonus: f32,
}

impl Default for ThemeParams {
    fn default() -> Self {
        ThemeParams { min_score: MIN_SCORE, margin: MARGIN, cue_bonus: CUE_BONUS }
    }
}

/// A quote's tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tags {
    /// Theme ids, strongest first.
    pub themes: Vec<String>,
    /// `praise`, `criticism` or `neutral`.
    pub polarity: String,
}

fn cue_regex(cue: &str) -> regex::Regex {
    let escaped = regex::escape(&cue.to_lowercase()).replace(r"\-", " ").replace(' ', r"[\s-]+");
    let end =
        if cue.ends_with(|c: char| c.is_alphanumeric()) && cue.len() <= 4 { r"\b" } else { "" };
    regex::Regex::new(&format!(r"(?i)\b{escaped}{end}")).expect("cue regex")
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl ThemeTagger {
    /// Builds a tagger from a taxonomy and its example vectors (one per example, in order).
    pub fn new(taxonomy: Taxonomy, mut example_vectors: Vec<Vec<f32>>) -> ThemeTagger {
        let mut prototypes: Vec<Vec<Vec<f32>>> = Vec::with_capacity(taxonomy.themes.len());
        let mut rest = example_vectors.drain(..);
        for theme in &taxonomy.themes {
            prototypes.push(rest.by_ref().take(theme.examples.len()).collect());
        }
        let cues = taxonomy
            .themes
            .iter()
            .map(|theme| theme.cues.iter().map(|cue| cue_regex(cue)).collect())
            .collect();
        let generic: Vec<f32> = (0..prototypes.len())
            .map(|index| {
                let others: Vec<&Vec<f32>> = prototypes
                    .iter()
                    .enumerate()
                    .filter(|(other, _)| *other != index)
                    .flat_map(|(_, vectors)| vectors.iter())
                    .collect();
                if others.is_empty() || prototypes[index].is_empty() {
                    return 0.0;
                }
                let total: f32 = others
                    .iter()
                    .map(|other| {
                        prototypes[index].iter().map(|p| dot(p, other)).fold(f32::MIN, f32::max)
                    })
                    .sum();
                total / others.len() as f32
            })
            .collect();
        let mean = generic.iter().sum::<f32>() / generic.len().max(1) as f32;
        let offsets = generic.iter().map(|g| g - mean).collect();
        ThemeTagger {
            taxonomy,
            prototypes,
            cues,
            offsets,
            params: ThemeParams::default(),
            learned: None,
        }
    }

    /// The same tagger with other thresholds (another embedding model's similarity scale).
    pub fn with_params(mut self, params: ThemeParams) -> ThemeTagger {
        self.params = params;
        self
    }

    /// The same tagger with learned classifiers (see [`crate::theme_model`]); ignored unless
    /// the model has one classifier per theme of the taxonomy, in order.
    pub fn with_model(mut self, model: Option<std::sync::Arc<ThemeModel>>) -> ThemeTagger {
        self.learned = model.filter(|m| {
            m.themes.iter().map(|t| t.theme.as_str()).eq(self
                .taxonomy
                .themes
                .iter()
                .map(|t| t.id.as_str()))
        });
        self
    }

    /// The learned classifiers in use, if any.
    pub fn model(&self) -> Option<&ThemeModel> {
        self.learned.as_deref()
    }

    /// Per theme, the learned classifier's own inputs for a quote: cue words found in the
    /// answer (count) and in the question (0 or 1), the best cosine between the quote's vector
    /// and the theme's examples, whether the quote names a competitor; and for
    /// `competitor_strengths` how its sentences about a competitor read
    /// ([`competitor_inputs`]).
    pub fn theme_features(
        &self,
        text: &str,
        context: Option<&str>,
        vector: &[f32],
        aliases: &Aliases,
    ) -> Vec<Vec<f32>> {
        let names_competitor = f32::from(u8::from(!aliases.mentions(text).is_empty()));
        self.taxonomy
            .themes
            .iter()
            .enumerate()
            .map(|(index, theme)| {
                let (similarity, in_answer, in_question) =
                    self.signals(index, text, context, vector);
                let mut row = vec![
                    in_answer as f32,
                    f32::from(u8::from(in_question)),
                    similarity.max(-1.0),
                    names_competitor,
                ];
                if theme.id == COMPETITOR_STRENGTHS {
                    row.extend(competitor_inputs(text, context, aliases));
                }
                row
            })
            .collect()
    }

    /// What both taggers read of one theme: the best cosine between the quote's vector and the
    /// theme's examples, how many of its cues the answer holds, and whether the question holds
    /// one.
    fn signals(
        &self,
        index: usize,
        text: &str,
        context: Option<&str>,
        vector: &[f32],
    ) -> (f32, usize, bool) {
        let similarity = self.prototypes[index]
            .iter()
            .map(|prototype| dot(vector, prototype))
            .fold(f32::MIN, f32::max);
        let in_answer = self.cues[index].iter().filter(|cue| cue.is_match(text)).count();
        let in_question =
            self.cues[index].iter().any(|cue| context.is_some_and(|c| cue.is_match(c)));
        (similarity, in_answer, in_question)
    }

    /// The thresholds [`ThemeTagger::tag`] uses.
    pub fn params(&self) -> ThemeParams {
        self.params
    }

    /// Every example sentence of the taxonomy, in order (to embed for [`ThemeTagger::new`]).
    pub fn examples(taxonomy: &Taxonomy) -> Vec<String> {
        taxonomy.themes.iter().flat_map(|theme| theme.examples.iter().cloned()).collect()
    }

    /// The taxonomy.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// Tags a quote from its text, its interviewer question and its vector.
    pub fn tag(
        &self,
        text: &str,
        context: Option<&str>,
        vector: &[f32],
        aliases: &Aliases,
    ) -> Tags {
        if let Some(model) = &self.learned {
            let features = self.theme_features(text, context, vector, aliases);
            let themes = model.themes_of(&features, vector);
            return Tags { themes, polarity: polarity(text, aliases).to_string() };
        }
        self.tag_with(self.params, text, context, vector, aliases)
    }

    /// [`ThemeTagger::tag`] with other thresholds (for calibration).
    pub fn tag_with(
        &self,
        params: ThemeParams,
        text: &str,
        context: Option<&str>,
        vector: &[f32],
        aliases: &Aliases,
    ) -> Tags {
        let competitor_praise = competitor_praise(text, aliases);
        let mut scored: Vec<(f32, &str)> = vec![];
        for (index, theme) in self.taxonomy.themes.iter().enumerate() {
            if theme.id == COMPETITOR_STRENGTHS {
                continue;
            }
            let (similarity, in_answer, in_question) = self.signals(index, text, context, vector);
            let hits = in_answer + usize::from(in_question);
            let score =
                similarity.max(0.0) - self.offsets[index] + params.cue_bonus * hits.min(2) as f32;
            scored.push((score, &theme.id));
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let best = scored.first().map_or(0.0, |s| s.0);
        let mut themes: Vec<String> = scored
            .iter()
            .filter(|(score, _)| *score >= params.min_score && *score >= best - params.margin)
            .take(MAX_THEMES)
            .map(|(_, id)| id.to_string())
            .collect();
        if competitor_praise && self.taxonomy.contains(COMPETITOR_STRENGTHS) {
            if themes.len() == MAX_THEMES {
                themes.pop();
            }
            themes.push(COMPETITOR_STRENGTHS.to_string());
        }
        Tags { themes, polarity: polarity(text, aliases).to_string() }
    }
}

const PRAISE: &[&str] = &[
    "cheaper",
    "lower",
    "slick",
    "favorite",
    "favourite",
    "included",
    "free",
    "surprisingly",
    "seamless",
    "painless",
    "perfect",
    "exactly",
    "helped",
    "chose",
    "picked",
    "recommend",
    "great",
    "love",
    "loved",
    "liked",
    "easy",
    "easier",
    "easiest",
    "helpful",
    "impressed",
    "impressive",
    "polished",
    "smooth",
    "fast",
    "faster",
    "quick",
    "quicker",
    "responsive",
    "better",
    "best",
    "excellent",
    "fantastic",
    "good",
    "nice",
    "nicer",
    "clean",
    "simple",
    "simpler",
    "solid",
    "trust",
    "trusted",
    "happy",
    "confident",
    "winner",
    "won",
    "strong",
    "stronger",
    "clear",
    "clearer",
    "works",
    "worked",
    "reliable",
    "flexible",
    "saved",
];
const CRITICISM: &[&str] = &[
    "twice",
    "double",
    "penalties",
    "overtime",
    "extension",
    "delay",
    "delayed",
    "waiting",
    "unclear",
    "vague",
    "rigid",
    "heavy",
    "overwhelming",
    "generic",
    "scripted",
    "ignored",
    "bad",
    "worse",
    "worst",
    "slow",
    "slower",
    "expensive",
    "pricey",
    "hard",
    "harder",
    "difficult",
    "confusing",
    "clunky",
    "painful",
    "frustrating",
    "frustrated",
    "annoying",
    "missing",
    "lacked",
    "lacking",
    "broken",
    "buggy",
    "problem",
    "problems",
    "issue",
    "issues",
    "concern",
    "concerns",
    "concerned",
    "worried",
    "worry",
    "risk",
    "risky",
    "weak",
    "weaker",
    "complicated",
    "complex",
    "pushy",
    "unresponsive",
    "disappointed",
    "disappointing",
    "couldn't",
    "wouldn't",
    "failed",
    "fail",
    "stalled",
    "dropped",
    "lost",
    "overkill",
    "overpriced",
    "nightmare",
    "mess",
    "gap",
    "gaps",
    "blocker",
    "dealbreaker",
];
const NEGATIONS: &[&str] =
    &["not", "no", "never", "didn't", "don't", "doesn't", "wasn't", "isn't", "weren't", "hardly"];

fn words(sentence: &str) -> Vec<String> {
    sentence
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('’', "'"))
        .collect()
}

/// Sentiment of a sentence: praise minus criticism words, a negation flips the next 3 words.
fn sentence_sentiment(sentence: &str) -> i32 {
    let words = words(sentence);
    let mut score = 0;
    for (index, word) in words.iter().enumerate() {
        let sign = if PRAISE.contains(&word.as_str()) {
            1
        } else if CRITICISM.contains(&word.as_str()) {
            -1
        } else {
            continue;
        };
        let negated =
            words[index.saturating_sub(3)..index].iter().any(|w| NEGATIONS.contains(&w.as_str()));
        score += if negated { -sign } else { sign };
    }
    score
}

fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(['.', '!', '?']).map(str::trim).filter(|s| !s.is_empty())
}

/// True when a sentence names a competitor and it, or the next sentence (buyers name the
/// competitor, then say what it did: "X was the early favourite. The price was lower..."),
/// praises it.
fn competitor_praise(text: &str, aliases: &Aliases) -> bool {
    let all: Vec<&str> = sentences(text).collect();
    all.iter().enumerate().any(|(index, sentence)| {
        if aliases.mentions(sentence).is_empty() {
            return false;
        }
        let next = all
            .get(index + 1)
            .filter(|next| aliases.mentions(next).is_empty())
            .map_or(0, |next| sentence_sentiment(next).max(0));
        sentence_sentiment(sentence) + next > 0
    })
}

/// Words that say the buyer chose someone ("went with", "picked").
static CHOICE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(?:chose|chosen|picked|went with|signed with|go with|going with|favou?rite|prefer)",
    )
    .expect("static regex")
});

/// Inputs for `competitor_strengths`: names a competitor, the question names one, how many
/// sentences name one, the lexicon sentiment of those and of the rest
/// ([`sentiment_by_target`]), how often the buyer says "they" (log), a choice verb, and whether
/// a sentence naming a competitor praises it ([`competitor_praise`]).
pub fn competitor_inputs(text: &str, context: Option<&str>, aliases: &Aliases) -> [f32; 8] {
    let naming = sentences(text).filter(|s| !aliases.mentions(s).is_empty()).count();
    let [toward_competitor, toward_rest] = sentiment_by_target(text, aliases);
    let they = words(text)
        .iter()
        .filter(|w| matches!(w.as_str(), "they" | "their" | "them" | "they're" | "they'd"))
        .count();
    let flag = |b: bool| f32::from(u8::from(b));
    [
        flag(naming > 0),
        flag(context.is_some_and(|c| !aliases.mentions(c).is_empty())),
        naming as f32,
        toward_competitor,
        toward_rest,
        (they as f32).ln_1p(),
        flag(CHOICE.is_match(text)),
        flag(competitor_praise(text, aliases)),
    ]
}

/// Lexicon sentiment of the sentences that name a competitor and of those that do not
/// (each the sum of [`sentence_sentiment`], squashed to -1..1): features for the stance model.
pub fn sentiment_by_target(text: &str, aliases: &Aliases) -> [f32; 2] {
    let (mut competitor, mut other) = (0i32, 0i32);
    for sentence in sentences(text) {
        let sentiment = sentence_sentiment(sentence);
        if aliases.mentions(sentence).is_empty() {
            other += sentiment;
        } else {
            competitor += sentiment;
        }
    }
    [(competitor as f32 / 2.0).tanh(), (other as f32 / 2.0).tanh()]
}

/// Polarity toward the seller. Praise of a competitor counts against the seller, criticism of a
/// competitor counts half for it (buyers criticise the loser to explain a win).
pub fn polarity(text: &str, aliases: &Aliases) -> &'static str {
    let mut total = 0.0f32;
    for sentence in sentences(text) {
        let sentiment = sentence_sentiment(sentence) as f32;
        total += if aliases.mentions(sentence).is_empty() {
            sentiment
        } else if sentiment > 0.0 {
            -1.0
        } else {
            0.5 * sentiment.signum().abs()
        };
    }
    match total {
        t if t >= 1.0 => "praise",
        t if t <= -1.0 => "criticism",
        _ => "neutral",
    }
}

/// A user's correction of a quote's tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagCorrection {
    /// The quote's themes (replaces the tagger's).
    pub themes: Option<Vec<String>>,
    /// `praise`, `criticism` or `neutral`.
    pub polarity: Option<String>,
}

/// Corrections by quote id, kept in the store (`documents.theme-corrections`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Corrections {
    /// Quote id -> correction.
    pub quotes: BTreeMap<String, TagCorrection>,
}

impl Corrections {
    /// Applies the correction of a quote, if any, over its tags.
    pub fn apply(&self, quote_id: &str, themes: &mut Vec<String>, polarity: &mut Option<String>) {
        if let Some(correction) = self.quotes.get(quote_id) {
            if let Some(corrected) = &correction.themes {
                themes.clone_from(corrected);
            }
            if let Some(corrected) = &correction.polarity {
                *polarity = Some(corrected.clone());
            }
        }
    }
}

/// Checks a correction against a taxonomy.
pub fn validate_correction(correction: &TagCorrection, taxonomy: &Taxonomy) -> Result<()> {
    for theme in correction.themes.iter().flatten() {
        if !taxonomy.contains(theme) {
            let known: Vec<&str> = taxonomy.themes.iter().map(|t| t.id.as_str()).collect();
            return Err(Error::InvalidRequest(format!(
                "unknown theme `{theme}`; themes are {}",
                known.join(", ")
            )));
        }
    }
    if let Some(polarity) = &correction.polarity
        && !["praise", "criticism", "neutral"].contains(&polarity.as_str())
    {
        return Err(Error::InvalidRequest(format!(
            "unknown polarity `{polarity}`, expected praise, criticism or neutral"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aliases() -> Aliases {
        let mut aliases = Aliases::default();
        aliases.add_canonical("Heapster");
        aliases
    }

    #[test]
    fn polarity_reads_negation_and_competitor_praise() {
        let a = aliases();
        assert_eq!(
            polarity("Your onboarding was great and the team was so helpful.", &a),
            "praise"
        );
        assert_eq!(polarity("It was slow and the setup was painful.", &a), "criticism");
        assert_eq!(polarity("Heapster was simply better and easier.", &a), "criticism");
        assert_eq!(polarity("It was not bad, honestly.", &a), "praise");
        assert_eq!(polarity("Heapster was slow and we were not impressed.", &a), "neutral");
        assert_eq!(polarity("Your team was slow and we were not impressed.", &a), "criticism");
        assert_eq!(polarity("We have four offices.", &a), "neutral");
        assert!(competitor_praise("Heapster was faster to set up.", &a));
        assert!(!competitor_praise("Heapster was slow.", &a));
    }

    #[test]
    fn cues_match_word_starts_and_spaced_phrases() {
        assert!(cue_regex("onboard").is_match("the Onboarding team"));
        assert!(cue_regex("go live").is_match("before go-live"));
        assert!(!cue_regex("api").is_match("rapid"));
        assert!(!cue_regex("api").is_match("capital"));
        assert!(cue_regex("soc 2").is_match("a SOC 2 report"));
    }

    #[test]
    fn corrections_win_and_are_validated() {
        let taxonomy = Taxonomy::default();
        let correction = TagCorrection { themes: Some(vec!["pricing".into()]), polarity: None };
        validate_correction(&correction, &taxonomy).unwrap();
        let bad = TagCorrection { themes: Some(vec!["vibes".into()]), polarity: None };
        assert!(validate_correction(&bad, &taxonomy).is_err());
        let mut corrections = Corrections::default();
        corrections.quotes.insert("D-1-q001".into(), correction);
        let (mut themes, mut polarity) = (vec!["support".to_string()], Some("neutral".to_string()));
        corrections.apply("D-1-q001", &mut themes, &mut polarity);
        assert_eq!(themes, vec!["pricing"]);
        assert_eq!(polarity.as_deref(), Some("neutral"));
    }

    #[test]
    fn default_taxonomy_has_the_issue_themes_with_examples() {
        let taxonomy = Taxonomy::default();
        assert_eq!(taxonomy.themes.len(), 11);
        assert_eq!(ThemeTagger::examples(&taxonomy).len(), 45);
    }
}

//! Domain types shared by ingest, storage, search and the HTTP layer: deals, quotes, filters.
//!
//! Public types ([`DealInfo`], [`Quote`]) hold only anonymized or non-identifying fields; the
//! CRM's names live in [`DealRow`] and never reach a response.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, Result};

/// Outcome of a deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The seller won.
    Won,
    /// A competitor won.
    Lost,
    /// Nobody won: status quo.
    NoDecision,
}

impl Outcome {
    /// Parses `won`, `lost` or `no_decision` (case-insensitive, `-`/space tolerated).
    pub fn parse(value: &str) -> Option<Outcome> {
        match value.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "won" | "win" => Some(Outcome::Won),
            "lost" | "loss" => Some(Outcome::Lost),
            "no_decision" | "nodecision" => Some(Outcome::NoDecision),
            _ => None,
        }
    }

    /// Returns the wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Won => "won",
            Outcome::Lost => "lost",
            Outcome::NoDecision => "no_decision",
        }
    }
}

/// A calendar date kept as days since 1970-01-01, printed as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

impl Day {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Day> {
        let text = text.trim();
        let mut parts = text.splitn(3, '-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        if text.len() != 10
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
        {
            return None;
        }
        Some(Day(days_from_civil(year, month, day)))
    }

    /// The day of a year, month and day (any year: periods next to 9999-12-31 need 10000).
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Day {
        Day(days_from_civil(year, month, day))
    }

    /// Returns `(year, month, day)`.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Day::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid date `{text}`, expected YYYY-MM-DD"))
        })
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil calendar algorithms.
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i32::from(month <= 2);
    (year, month, day)
}

/// One row of the CRM export, names included. Never serialized into a response (it is kept
/// in the admin-only private record so that `reanonymize` can rebuild served text).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DealRow {
    /// Deal id, e.g. `D-1042`.
    pub deal_id: String,
    /// The customer account (PII).
    pub account_name: String,
    /// Won, lost or no decision; `None` when the export left it empty.
    pub outcome: Option<Outcome>,
    /// Canonical competitor names.
    pub competitors: Vec<String>,
    /// Deal size in US dollars.
    pub amount_usd: Option<f64>,
    /// `smb`, `mid_market` or `enterprise`.
    pub segment: String,
    /// Industry label.
    pub industry: String,
    /// Region label.
    pub region: String,
    /// Persona of the main buyer.
    pub buyer_persona: String,
    /// Lead source.
    pub lead_source: String,
    /// Furthest stage reached.
    pub stage_reached: String,
    /// Close date.
    pub close_date: Option<Day>,
    /// Loss reason code.
    pub loss_reason: String,
    /// Win reason code.
    pub win_reason: String,
    /// The seller's account executive (PII).
    pub rep_name: String,
    /// Buyer-side people, interviewee first (PII).
    pub contact_names: Vec<String>,
    /// The neutral interviewer (PII).
    pub interviewer: String,
}

/// Public, non-identifying metadata of a deal, as served.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DealInfo {
    /// Won, lost or no decision.
    pub outcome: Option<Outcome>,
    /// Canonical competitor names.
    pub competitors: Vec<String>,
    /// Market segment.
    pub segment: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Persona of the main buyer.
    pub buyer_persona: Option<String>,
    /// Loss reason code.
    pub loss_reason: Option<String>,
    /// Win reason code.
    pub win_reason: Option<String>,
    /// Close date, `YYYY-MM-DD`.
    #[schema(value_type = Option<String>, format = Date)]
    pub close_date: Option<Day>,
    /// Deal size band: `<25k`, `25k-100k`, `100k-250k`, `>=250k`.
    pub size_band: Option<String>,
    /// Furthest stage reached.
    pub stage_reached: Option<String>,
    /// Lead source.
    pub lead_source: Option<String>,
}

fn non_empty(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// Returns the size band of a deal amount.
pub fn size_band(amount_usd: f64) -> &'static str {
    match amount_usd {
        a if a < 25_000.0 => "<25k",
        a if a < 100_000.0 => "25k-100k",
        a if a < 250_000.0 => "100k-250k",
        _ => ">=250k",
    }
}

impl DealInfo {
    /// Keeps the non-identifying fields of a CRM row.
    pub fn from_row(row: &DealRow) -> DealInfo {
        DealInfo {
            outcome: row.outcome,
            competitors: row.competitors.clone(),
            segment: non_empty(&row.segment),
            industry: non_empty(&row.industry),
            region: non_empty(&row.region),
            buyer_persona: non_empty(&row.buyer_persona),
            loss_reason: non_empty(&row.loss_reason),
            win_reason: non_empty(&row.win_reason),
            close_date: row.close_date,
            size_band: row.amount_usd.map(|amount| size_band(amount).to_string()),
            stage_reached: non_empty(&row.stage_reached),
            lead_source: non_empty(&row.lead_source),
        }
    }
}

/// Where a quote comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuoteSource {
    /// Transcript file name.
    pub transcript: String,
    /// Start of the quote's first cue, in seconds, when the transcript has timestamps.
    pub start_seconds: Option<f64>,
}

/// An anonymized buyer quote as stored (without the deal's metadata).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteRecord {
    /// Stable id: `<deal_id>-q<seq>`.
    pub quote_id: String,
    /// Anonymized buyer words.
    pub text: String,
    /// The anonymized interviewer question it answers.
    pub context: Option<String>,
    /// Role label of the speaker.
    pub speaker: String,
    /// Transcript position.
    pub source: QuoteSource,
    /// Theme ids (see `themes`), strongest first.
    #[serde(default)]
    pub themes: Vec<String>,
    /// Polarity toward the seller: `praise`, `criticism` or `neutral`.
    #[serde(default)]
    pub polarity: Option<String>,
    /// Which way the quote points and at whom (`us_positive`, `us_negative`,
    /// `competitor_positive`, `competitor_negative`), only when the stance model is confident
    /// enough to be right at least 85% of the time ([`crate::stance`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stance: Option<String>,
}

/// A quote as served: the record plus its deal's metadata and a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Quote {
    /// Stable quote id.
    pub quote_id: String,
    /// The deal it belongs to.
    pub deal_id: String,
    /// Anonymized buyer words.
    pub text: String,
    /// The anonymized interviewer question it answers, if any.
    pub context: Option<String>,
    /// Role label of the speaker.
    pub speaker: String,
    /// The deal's metadata.
    pub deal: DealInfo,
    /// Transcript position.
    pub source: QuoteSource,
    /// Theme ids, strongest first.
    pub themes: Vec<String>,
    /// Polarity toward the seller: `praise`, `criticism` or `neutral`.
    pub polarity: Option<String>,
    /// Which way the quote points and at whom (`us_positive`, `us_negative`,
    /// `competitor_positive`, `competitor_negative`); absent when the stance model is not
    /// confident (shown stances were right 86% of the time on held-out labelled quotes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stance: Option<String>,
    /// Relevance score, comparable only within one response.
    pub score: f32,
    /// Why the quote ranked where it did (only with `"explain": true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<Explain>,
}

/// Per-result ranking details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Explain {
    /// 1-based rank in the BM25 candidate list.
    pub keyword_rank: Option<usize>,
    /// 1-based rank in the dense candidate list.
    pub semantic_rank: Option<usize>,
    /// BM25 score.
    pub keyword_score: Option<f32>,
    /// Cosine similarity.
    pub semantic_score: Option<f32>,
}

/// A string or a list of strings, as filters accept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One value.
    One(String),
    /// Any of these values.
    Many(Vec<String>),
}

impl OneOrMany {
    /// Returns the values as a slice-like vector.
    pub fn values(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(value) => vec![value.as_str()],
            OneOrMany::Many(values) => values.iter().map(String::as_str).collect(),
        }
    }
}

/// Search and similar-deal filters, as in the HTTP contract. All keys optional; keys AND, lists OR.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// Competitor canonical names or aliases.
    pub competitor: Option<OneOrMany>,
    /// `won`, `lost`, `no_decision`.
    pub outcome: Option<OneOrMany>,
    /// Segment.
    pub segment: Option<OneOrMany>,
    /// Industry.
    pub industry: Option<OneOrMany>,
    /// Region.
    pub region: Option<OneOrMany>,
    /// Buyer persona.
    pub buyer_persona: Option<OneOrMany>,
    /// Loss reason.
    pub loss_reason: Option<OneOrMany>,
    /// Win reason.
    pub win_reason: Option<OneOrMany>,
    /// Deal size band.
    pub size_band: Option<OneOrMany>,
    /// Quote theme ids (`pricing`, `security`...): quotes tagged with any of them.
    pub theme: Option<OneOrMany>,
    /// Closed on or after this date.
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_after: Option<Day>,
    /// Closed on or before this date.
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_before: Option<Day>,
}

impl Filters {
    /// Checks values that have a closed vocabulary.
    pub fn validate(&self) -> Result<()> {
        if let Some(outcomes) = &self.outcome {
            for value in outcomes.values() {
                if Outcome::parse(value).is_none() {
                    return Err(Error::InvalidRequest(format!(
                        "filters.outcome: unknown outcome `{value}`, expected won, lost or no_decision"
                    )));
                }
            }
        }
        // closed_after later than closed_before is an empty range: it matches no deal.
        Ok(())
    }

    /// Returns true when no key is set.
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

/// Reads an optional count written as `5` or, as some JSON writers do, `5.0`. Fractions and
/// negative numbers are errors; a count beyond `usize` saturates (every caller caps it).
pub fn whole_number<'de, D>(deserializer: D) -> std::result::Result<Option<usize>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let Some(value) = Option::<f64>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if !value.is_finite() || value < 0.0 || value.fract() != 0.0 {
        return Err(serde::de::Error::custom(format!(
            "invalid value {value}, expected a whole number of at least 0"
        )));
    }
    Ok(Some(value as usize))
}

/// A blank character: Unicode white space, or U+FEFF. Exactly the characters the OpenAPI
/// document's `[^\s\x85]` pattern excludes (ECMAScript's `\s` counts U+FEFF and not U+0085;
/// Rust's white space the other way round), so "not blank" means the same on both sides.
pub fn is_blank_char(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// The text without blank characters at either end.
pub fn trim_blank(text: &str) -> &str {
    text.trim_matches(is_blank_char)
}

/// The pattern of a text that is not blank, for the OpenAPI document.
pub const NOT_BLANK: &str = r"[^\s\x85]";

/// Longest question or search text accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 2_000;
/// Longest free text (notes, descriptions) accepted, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;
/// Longest name or title accepted, in characters.
pub const MAX_NAME_CHARS: usize = 300;

/// Fails with `invalid_request` naming the field when `text` is longer than `max` characters.
pub fn check_length(field: &str, text: &str, max: usize) -> crate::Result<()> {
    let length = text.chars().count();
    if length > max {
        return Err(crate::Error::InvalidRequest(format!(
            "{field} is {length} characters long; at most {max} are accepted"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    #[test]
    fn blank_means_what_the_openapi_pattern_says() {
        // ECMAScript's `\s` (the document's pattern) counts U+FEFF as space and U+0085 not;
        // Rust the other way round. Both are blank here, so `[^\s\x85]` and `trim_blank` agree.
        for blank in ["", " \t\r\n", "\u{85}", "\u{feff}", "\u{3000}\u{2028}"] {
            assert!(trim_blank(blank).is_empty(), "{blank:?}");
        }
        assert_eq!(trim_blank("\u{feff} Price \u{85}"), "Price");
        assert_eq!(NOT_BLANK, "[^\\s\\x85]");
    }

    use super::*;

    #[test]
    fn days_round_trip() {
        for text in ["1970-01-01", "2000-02-29", "2025-11-07", "2026-12-31", "1969-07-20"] {
            let day = Day::parse(text).unwrap();
            assert_eq!(day.to_string(), text);
        }
        assert_eq!(Day::parse("1970-01-02").unwrap().0, 1);
        assert!(Day::parse("2025-02-29").is_none());
        assert!(Day::parse("2025-13-01").is_none());
        assert!(Day::parse("25-1-1").is_none());
    }

    #[test]
    fn outcome_parsing() {
        assert_eq!(Outcome::parse("No Decision"), Some(Outcome::NoDecision));
        assert_eq!(Outcome::parse("LOST"), Some(Outcome::Lost));
        assert_eq!(Outcome::parse("maybe"), None);
    }
}

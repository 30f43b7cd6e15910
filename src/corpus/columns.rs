//! Which CSV column holds which deal field. storybank's own header names always work; the
//! report headers of Salesforce and HubSpot exports are recognised too ("Opportunity ID",
//! "Stage", "Close Date", "Primary Competitor", "Closed Lost Reason", "Deal owner", ...), and a
//! `mapping.toml` beside `deals.csv` names any other column explicitly:
//!
//! ```toml
//! [columns]
//! deal_id = "Opp Number"
//! competitors = "Competitor (Main)"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// storybank's deal fields, in `deals.csv` order.
pub const FIELDS: [&str; 17] = [
    "deal_id",
    "account_name",
    "outcome",
    "competitors",
    "amount_usd",
    "segment",
    "industry",
    "region",
    "buyer_persona",
    "lead_source",
    "stage_reached",
    "close_date",
    "loss_reason",
    "win_reason",
    "rep_name",
    "contact_names",
    "interviewer",
];

/// Report headers of the usual CRMs, normalised (lower case, words split on anything else).
const ALIASES: &[(&str, &[&str])] = &[
    ("deal_id", &["opportunity id", "opportunity 18 digit id", "record id", "deal id", "id"]),
    (
        "account_name",
        &["account name", "account", "company", "company name", "associated company", "customer"],
    ),
    ("outcome", &["stage", "deal stage", "status", "result", "won lost"]),
    ("competitors", &["primary competitor", "competitor", "main competitor", "competitor s"]),
    ("amount_usd", &["amount", "amount usd", "deal amount", "amount converted", "total amount"]),
    ("segment", &["market segment", "customer segment", "company size segment"]),
    ("industry", &["account industry", "company industry"]),
    (
        "region",
        &["billing country", "billing country region", "country", "territory", "sales region"],
    ),
    ("buyer_persona", &["persona", "primary contact title", "contact title", "buyer role"]),
    ("lead_source", &["source", "original source", "original source type", "opportunity source"]),
    ("stage_reached", &["furthest stage", "last stage", "stage before close"]),
    ("close_date", &["close date", "closed date", "date closed"]),
    (
        "loss_reason",
        &["closed lost reason", "lost reason", "reason lost", "closed lost reason detail"],
    ),
    ("win_reason", &["closed won reason", "won reason", "reason won"]),
    (
        "rep_name",
        &[
            "opportunity owner",
            "deal owner",
            "owner",
            "owner name",
            "account executive",
            "sales rep",
        ],
    ),
    ("contact_names", &["contact name", "primary contact", "contacts", "contact"]),
    ("interviewer", &["interviewed by", "win loss interviewer"]),
];

/// Lower case, words only: "Closed Lost Reason" and "closed_lost_reason" are the same.
pub fn normalise(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    columns: BTreeMap<String, String>,
}

/// Field -> column index, and how each field was found (for `ingest --dry-run`).
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    index: BTreeMap<&'static str, usize>,
    /// (field, header as written, how: `exact`, `alias` or `mapping.toml`).
    pub found: Vec<(&'static str, String, &'static str)>,
}

impl ColumnMap {
    /// The column of a field.
    pub fn get(&self, field: &str) -> Option<usize> {
        self.index.get(field).copied()
    }

    /// Resolves the header of `csv` (mapping file `mapping`, if it exists, first).
    pub fn resolve(headers: &[String], mapping: &Path, csv: &Path) -> Result<ColumnMap> {
        let mut map = ColumnMap::default();
        let normalised: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
        if mapping.is_file() {
            let text = std::fs::read_to_string(mapping)
                .map_err(|err| Error::io(format!("reading {}", mapping.display()), err))?;
            let file: MappingFile = toml::from_str(&text)
                .map_err(|err| Error::parse(mapping, 0, format!("invalid mapping: {err}")))?;
            for (field, header) in &file.columns {
                let Some(field) = FIELDS.iter().copied().find(|f| f == field) else {
                    return Err(Error::parse(
                        mapping,
                        0,
                        format!("unknown field `{field}`; fields are {}", FIELDS.join(", ")),
                    ));
                };
                let Some(index) = normalised.iter().position(|h| *h == normalise(header)) else {
                    return Err(Error::parse(
                        mapping,
                        0,
                        format!("{field} = \"{header}\": {} has no such column", csv.display()),
                    ));
                };
                map.index.insert(field, index);
                map.found.push((field, headers[index].clone(), "mapping.toml"));
            }
        }
        for field in FIELDS {
            if map.index.contains_key(field) {
                continue;
            }
            let exact = normalise(field);
            let taken: Vec<usize> = map.index.values().copied().collect();
            let free = |i: &usize| !taken.contains(i);
            if let Some(index) =
                (0..normalised.len()).filter(free).find(|&i| normalised[i] == exact)
            {
                map.index.insert(field, index);
                map.found.push((field, headers[index].clone(), "exact"));
                continue;
            }
            let aliases = ALIASES.iter().find(|(f, _)| *f == field).map_or(&[][..], |(_, a)| a);
            // The first alias in the table's order wins ("Opportunity ID" over "ID").
            let hit = aliases.iter().find_map(|alias| {
                (0..normalised.len()).filter(free).find(|&i| normalised[i] == *alias)
            });
            if let Some(index) = hit {
                map.index.insert(field, index);
                map.found.push((field, headers[index].clone(), "alias"));
            }
        }
        Ok(map)
    }
}

/// A CRM stage or outcome as storybank's: "Closed Won", "closedwon", "Won" -> `won`; "Closed
/// Lost" -> `lost`; "Closed - No Decision" -> `no_decision`; anything else unchanged.
pub fn outcome_text(value: &str) -> String {
    let words = normalise(value).replace("closed ", "closed");
    match words.as_str() {
        "closedwon" | "won" | "closed won" | "win" => "won".into(),
        "closedlost" | "lost" | "closed lost" | "loss" => "lost".into(),
        "closedno decision" | "no decision" | "closednodecision" | "nodecision" => {
            "no_decision".into()
        }
        _ => value.to_string(),
    }
}

/// A CRM date as `YYYY-MM-DD`: ISO dates with or without a time, and `M/D/YYYY` (Salesforce's
/// US format; `D/M/YYYY` when the first number cannot be a month).
pub fn date_text(value: &str) -> String {
    let value = value.trim();
    if value.len() >= 10 && value.as_bytes()[4] == b'-' && value.as_bytes()[7] == b'-' {
        return value[..10].to_string();
    }
    let date = value.split([' ', 'T']).next().unwrap_or(value);
    let parts: Vec<&str> = date.split(['/', '.']).collect();
    if let [a, b, year] = parts[..]
        && let (Ok(a), Ok(b), Ok(year)) = (a.parse::<u32>(), b.parse::<u32>(), year.parse::<u32>())
        && year >= 1900
    {
        let (month, day) = if a > 12 { (b, a) } else { (a, b) };
        return format!("{year:04}-{month:02}-{day:02}");
    }
    value.to_string()
}

/// An amount without currency codes, symbols or thousands separators ("USD 14,200.00").
pub fn amount_text(value: &str) -> String {
    value.chars().filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crm_values_become_storybanks() {
        assert_eq!(outcome_text("Closed Won"), "won");
        assert_eq!(outcome_text("closedlost"), "lost");
        assert_eq!(outcome_text("Closed - No Decision"), "no_decision");
        assert_eq!(outcome_text("Negotiation"), "Negotiation");
        assert_eq!(date_text("3/14/2025"), "2025-03-14");
        assert_eq!(date_text("14/3/2025"), "2025-03-14");
        assert_eq!(date_text("2025-03-14 10:22"), "2025-03-14");
        assert_eq!(amount_text("USD 14,200.00"), "14200.00");
        assert_eq!(normalise("Closed_Lost Reason "), "closed lost reason");
    }
}

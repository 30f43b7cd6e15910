//! Resolving request filters to the set of deals they allow.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::corpus::Aliases;
use crate::corpus::aliases::normalize_name;
use crate::model::{Filters, OneOrMany, Outcome};
use crate::store::DealRecord;
use crate::store::vector::{Condition, Scope};

/// Normalises a categorical value: lower case, spaces and hyphens as underscores.
pub fn normalize_value(value: &str) -> String {
    value.trim().to_lowercase().replace([' ', '-'], "_")
}

fn matches_any(wanted: &Option<OneOrMany>, actual: Option<&str>) -> bool {
    let Some(wanted) = wanted else { return true };
    let Some(actual) = actual else { return false };
    let actual = normalize_value(actual);
    wanted.values().iter().any(|value| normalize_value(value) == actual)
}

/// True when no theme is asked for, or the quote has one of the asked themes.
pub fn quote_has_theme(wanted: &Option<OneOrMany>, themes: &[String]) -> bool {
    let Some(wanted) = wanted else { return true };
    wanted.values().iter().any(|value| {
        let value = normalize_value(value);
        themes.iter().any(|theme| normalize_value(theme) == value)
    })
}

/// The scope of a filtered search in both forms the vector backends read (allowed deals, and
/// conditions on quote payloads), or `None` when the filter is empty.
pub fn scope(
    filters: &Filters,
    deals: &BTreeMap<String, DealRecord>,
    aliases: &Aliases,
) -> Option<Scope> {
    let allowed = allowed_deals(filters, deals, aliases)?;
    let mut conditions = vec![];
    if let Some(wanted) = &filters.competitor {
        let wanted: HashSet<String> = wanted
            .values()
            .iter()
            .map(|value| normalize_name(aliases.resolve(value).unwrap_or(value)))
            .collect();
        // Every name a deal uses for an asked competitor, as payloads store names.
        let forms: BTreeSet<String> = deals
            .values()
            .flat_map(|deal| deal.info.competitors.iter())
            .filter(|name| wanted.contains(&normalize_name(aliases.resolve(name).unwrap_or(name))))
            .map(|name| normalize_name(name))
            .collect();
        conditions
            .push(Condition::AnyOf { field: "competitors", values: forms.into_iter().collect() });
    }
    if let Some(wanted) = &filters.outcome {
        let values: BTreeSet<String> = wanted
            .values()
            .iter()
            .filter_map(|value| Outcome::parse(value))
            .map(|outcome| outcome.as_str().to_string())
            .collect();
        conditions
            .push(Condition::AnyOf { field: "outcome", values: values.into_iter().collect() });
    }
    for (field, wanted) in [
        ("segment", &filters.segment),
        ("industry", &filters.industry),
        ("region", &filters.region),
        ("buyer_persona", &filters.buyer_persona),
        ("loss_reason", &filters.loss_reason),
        ("win_reason", &filters.win_reason),
        ("size_band", &filters.size_band),
        ("themes", &filters.theme),
    ] {
        if let Some(wanted) = wanted {
            let values: BTreeSet<String> =
                wanted.values().iter().map(|value| normalize_value(value)).collect();
            conditions.push(Condition::AnyOf { field, values: values.into_iter().collect() });
        }
    }
    if filters.closed_after.is_some() || filters.closed_before.is_some() {
        conditions.push(Condition::Range {
            field: "close_date",
            gte: filters.closed_after.map(|day| i64::from(day.0)),
            lte: filters.closed_before.map(|day| i64::from(day.0)),
        });
    }
    Some(Scope { deals: allowed, conditions })
}

/// Returns the deals a filter allows, or `None` when the filter is empty (all deals).
pub fn allowed_deals(
    filters: &Filters,
    deals: &BTreeMap<String, DealRecord>,
    aliases: &Aliases,
) -> Option<HashSet<String>> {
    if filters.is_empty() {
        return None;
    }
    let competitors: Option<Vec<String>> = filters.competitor.as_ref().map(|wanted| {
        wanted
            .values()
            .iter()
            .map(|value| normalize_name(aliases.resolve(value).unwrap_or(value)))
            .collect()
    });
    let outcomes: Option<Vec<Outcome>> = filters
        .outcome
        .as_ref()
        .map(|wanted| wanted.values().iter().filter_map(|value| Outcome::parse(value)).collect());
    let allowed = deals
        .values()
        .filter(|deal| {
            let info = &deal.info;
            competitors.as_ref().is_none_or(|wanted| {
                info.competitors.iter().any(|name| {
                    wanted.contains(&normalize_name(aliases.resolve(name).unwrap_or(name)))
                })
            }) && outcomes
                .as_ref()
                .is_none_or(|wanted| info.outcome.is_some_and(|outcome| wanted.contains(&outcome)))
                && matches_any(&filters.segment, info.segment.as_deref())
                && matches_any(&filters.industry, info.industry.as_deref())
                && matches_any(&filters.region, info.region.as_deref())
                && matches_any(&filters.buyer_persona, info.buyer_persona.as_deref())
                && matches_any(&filters.loss_reason, info.loss_reason.as_deref())
                && matches_any(&filters.win_reason, info.win_reason.as_deref())
                && matches_any(&filters.size_band, info.size_band.as_deref())
                && filters.theme.as_ref().is_none_or(|_| {
                    deal.quotes.iter().any(|quote| quote_has_theme(&filters.theme, &quote.themes))
                })
                && filters
                    .closed_after
                    .is_none_or(|after| info.close_date.is_some_and(|date| date >= after))
                && filters
                    .closed_before
                    .is_none_or(|before| info.close_date.is_some_and(|date| date <= before))
        })
        .map(|deal| deal.deal_id.clone())
        .collect();
    Some(allowed)
}

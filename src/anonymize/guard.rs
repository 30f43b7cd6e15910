//! The last line of defence. Before anything leaves the server, the CRM terms of the deals are
//! looked for once more: each served quote against its own deal's full term set, and every
//! response body (deal views, exports, digests, packs, evidence, ask) against the union of all
//! deals' distinctive terms. A hit becomes `[REDACTED]` and is logged with ids only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aho_corasick::{AhoCorasick, MatchKind};

use super::protect::Protected;
use super::text::{Term, Terms, fold_char};

/// Body terms shorter than this many letters and digits are left to the per-quote check.
const MIN_BODY_TERM: usize = 3;

/// The CRM terms of every deal, for checking served text.
#[derive(Debug, Default)]
pub struct PiiGuard {
    by_deal: HashMap<String, Terms>,
    /// Per deal, the normalised terms the body check looks for.
    body_terms: HashMap<String, Vec<String>>,
    /// Union matcher over every deal's case-insensitive terms, built on first use.
    body: Mutex<Option<Arc<BodyMatcher>>>,
    /// The bank's competitor names: a term inside one ("Dex" of "Pay-Dex") is no hit.
    protected: Protected,
}

#[derive(Debug)]
struct BodyMatcher {
    automaton: Option<AhoCorasick>,
}

/// Lower-cases and folds accents char by char, decoding the HTML escapes of `'` and `&`, and
/// returns the normalised text with, per normalised byte, the original byte it came from.
fn normalise(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let entity =
            ["&#39;", "&#x27;", "&apos;", "&amp;"].iter().find(|entity| rest.starts_with(**entity));
        let (c, width) = match entity {
            Some(entity) => (if *entity == "&amp;" { '&' } else { '\'' }, entity.len()),
            None => {
                let c = rest.chars().next().expect("non-empty");
                (c, c.len_utf8())
            }
        };
        let folded = fold_char(c).to_lowercase().next().unwrap_or(c);
        let folded = if folded == '’' { '\'' } else { folded };
        for _ in 0..folded.len_utf8() {
            origin.push(i);
        }
        out.push(folded);
        i += width;
    }
    (out, origin)
}

fn normalise_term(form: &str) -> String {
    normalise(form).0
}

fn is_word_char(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

impl BodyMatcher {
    fn build(terms: impl Iterator<Item = String>) -> BodyMatcher {
        let mut patterns: Vec<String> = terms.collect();
        patterns.sort();
        patterns.dedup();
        let automaton = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .expect("literal patterns")
        });
        BodyMatcher { automaton }
    }

    /// Original byte ranges of whole-word matches.
    fn find(&self, text: &str) -> Vec<(usize, usize)> {
        let Some(automaton) = &self.automaton else { return vec![] };
        let (normalised, origin) = normalise(text);
        let mut ranges = vec![];
        for found in automaton.find_iter(&normalised) {
            let before = normalised[..found.start()].chars().next_back();
            let after = normalised[found.end()..].chars().next();
            let first = normalised[found.start()..].chars().next();
            let last = normalised[..found.end()].chars().next_back();
            if (is_word_char(first) && is_word_char(before))
                || (is_word_char(last) && is_word_char(after))
            {
                continue;
            }
            let start = origin[found.start()];
            let end = origin.get(found.end()).copied().unwrap_or(text.len());
            ranges.push((start, end));
        }
        ranges
    }
}

/// True when a term may go into the body matcher: long enough, case-insensitive, and unable to
/// break the JSON, HTML or CSV it is replaced in.
fn body_term(term: &Term, protected: &Protected) -> bool {
    !term.case_sensitive
        && term.form.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_BODY_TERM
        && !term.form.chars().any(|c| matches!(c, '"' | '\\' | '<' | '>' | '\n' | '\r' | '\t'))
        && !protected.looks_protected(&term.form)
}

impl PiiGuard {
    /// Sets (replacing) the terms of a deal. Terms that are competitor names are ignored.
    pub fn set_deal(&mut self, deal_id: &str, terms: &[Term], protected: &Protected) {
        self.protected = protected.clone();
        let mut set = Terms::default();
        let mut body = vec![];
        for term in terms {
            if term.form.chars().filter(|c| c.is_alphanumeric()).count() < 2
                || protected.contains(&term.form)
            {
                continue;
            }
            set.add(&term.form, &term.placeholder, term.case_sensitive);
            if body_term(term, protected) {
                body.push(normalise_term(&term.form));
            }
        }
        set.rebuild();
        if set.is_empty() {
            self.remove_deal(deal_id);
            return;
        }
        self.by_deal.insert(deal_id.to_string(), set);
        self.body_terms.insert(deal_id.to_string(), body);
        self.invalidate();
    }

    /// Forgets a deal's terms.
    pub fn remove_deal(&mut self, deal_id: &str) {
        self.by_deal.remove(deal_id);
        self.body_terms.remove(deal_id);
        self.invalidate();
    }

    fn invalidate(&mut self) {
        if let Ok(mut body) = self.body.lock() {
            *body = None;
        }
    }

    fn body_matcher(&self) -> Arc<BodyMatcher> {
        let mut slot = self.body.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(matcher) = slot.as_ref() {
            return matcher.clone();
        }
        let matcher = Arc::new(BodyMatcher::build(self.body_terms.values().flatten().cloned()));
        *slot = Some(matcher.clone());
        matcher
    }

    /// Returns the text with any known PII of the deal replaced by `[REDACTED]`, logging an
    /// incident (deal and field only, never the text).
    pub fn scrub(&self, deal_id: &str, quote_id: &str, field: &str, text: &str) -> String {
        let Some(terms) = self.by_deal.get(deal_id) else { return text.to_string() };
        if !terms.is_match(text) {
            return text.to_string();
        }
        let mut redacted = Terms::default();
        for term in terms.iter() {
            redacted.add(&term.form, "[REDACTED]", term.case_sensitive);
        }
        redacted.rebuild();
        let scrubbed = redacted.redact_except(text, |text, start, end| {
            self.protected.inside_protected_word(text, start, end)
        });
        if scrubbed != text {
            tracing::warn!(deal_id, quote_id, field, "pii guard redacted a response field");
        }
        scrubbed
    }

    /// Checks a whole response body against every deal's distinctive terms; returns the
    /// scrubbed body and the number of hits, or `None` when nothing was found.
    pub fn scrub_body(&self, body: &str) -> Option<(String, usize)> {
        let mut ranges = self.body_matcher().find(body);
        ranges.retain(|&(start, end)| !self.protected.inside_protected_word(body, start, end));
        if ranges.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(body.len());
        let mut last = 0;
        for (start, end) in &ranges {
            out.push_str(&body[last..*start]);
            out.push_str("[REDACTED]");
            last = *end;
        }
        out.push_str(&body[last..]);
        Some((out, ranges.len()))
    }

    /// True when a term of the deal occurs in `text`.
    pub fn names_deal(&self, deal_id: &str, text: &str) -> bool {
        self.by_deal.get(deal_id).is_some_and(|terms| terms.is_match(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Aliases;

    fn term(form: &str, case_sensitive: bool) -> Term {
        Term { form: form.into(), placeholder: "[X]".into(), case_sensitive }
    }

    #[test]
    fn guard_catches_what_slipped_through() {
        let mut guard = PiiGuard::default();
        let mut aliases = Aliases::default();
        aliases.add_canonical("Heapster");
        let protected = Protected::new(&aliases);
        guard.set_deal(
            "D-1",
            &[
                term("Priya Raman", false),
                term("Priya", false),
                term("Heapster", false),
                term("Will", true),
            ],
            &protected,
        );
        assert_eq!(
            guard.scrub("D-1", "q", "text", "ask priya about Heapster, we will"),
            "ask [REDACTED] about Heapster, we will"
        );
        assert_eq!(guard.scrub("D-2", "q", "text", "ask Priya"), "ask Priya");
        guard.set_deal("D-2", &[term("Tomás Reyes", false), term("O'Brien", false)], &protected);
        let (body, hits) = guard
            .scrub_body(r#"{"notes":"Call PRIYA and tomas reyes; O&#39;Brien too","x":"Heapster"}"#)
            .expect("hits");
        assert_eq!(hits, 3);
        assert_eq!(
            body,
            r#"{"notes":"Call [REDACTED] and [REDACTED]; [REDACTED] too","x":"Heapster"}"#
        );
        assert!(guard.scrub_body("a priyanka will call").is_none(), "whole words only");
        // A term inside a joined competitor name is no hit: "Priya" of "Pay-Priya".
        let mut aliases = Aliases::default();
        aliases.add_canonical("Pay-Priya");
        guard.set_deal(
            "D-1",
            &[term("Priya Raman", false), term("Priya", false)],
            &Protected::new(&aliases),
        );
        assert_eq!(
            guard.scrub("D-1", "q", "text", "Pay-Priya's team, and Priya"),
            "Pay-Priya's team, and [REDACTED]"
        );
        let (body, hits) =
            guard.scrub_body(r#"{"t":"Pay-Priya won; priya signed"}"#).expect("a hit");
        assert_eq!((body.as_str(), hits), (r#"{"t":"Pay-Priya won; [REDACTED] signed"}"#, 1));
        assert!(guard.names_deal("D-2", "Tomas Reyes said") && !guard.names_deal("D-1", "Tomas"));
        guard.remove_deal("D-2");
        assert!(guard.scrub_body("tomas reyes").is_none());
    }
}

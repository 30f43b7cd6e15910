//! The last line of defence. Before anything leaves the server, the CRM terms of the deals are
//! looked for once more: each served quote against its own deal's full term set, and every
//! response body (deal views, exports, digests, packs, evidence, ask) against the union of all
//! deals' distinctive terms. A hit becomes `[REDACTED]` and is logged with ids only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aho_corasick::{AhoCorasick, MatchKind};

use super::lexicon::is_english_word;
use super::protect::Protected;
use super::text::{Term, Terms, fold_char};

/// Body terms shorter than this many letters and digits are left to the per-quote check.
const MIN_BODY_TERM: usize = 3;

/// The CRM terms of every deal, for checking served text.
#[derive(Debug, Default)]
pub struct PiiGuard {
    by_deal: HashMap<String, Terms>,
    /// Per deal, the terms the body check looks for: normalised, or as written (`true`: a
    /// name made only of English words, "Platform Fee", "Fish Fry", matched with its capitals).
    body_terms: HashMap<String, Vec<(String, bool)>>,
    /// Union matcher over every deal's case-insensitive terms, built on first use.
    body: Mutex<Option<Arc<BodyMatcher>>>,
    /// The bank's competitor names: a term inside one ("Dex" of "Pay-Dex") is no hit.
    protected: Protected,
}

#[derive(Debug)]
struct BodyMatcher {
    /// Over the normalised text (case and accents folded).
    automaton: Option<AhoCorasick>,
    /// Over the text as written.
    exact: Option<AhoCorasick>,
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

fn automaton(terms: impl Iterator<Item = String>) -> Option<AhoCorasick> {
    let mut patterns: Vec<String> = terms.collect();
    patterns.sort();
    patterns.dedup();
    (!patterns.is_empty()).then(|| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .expect("literal patterns")
    })
}

/// Byte ranges of `automaton`'s whole-word matches in `text`.
fn whole_words(automaton: &AhoCorasick, text: &str) -> Vec<(usize, usize)> {
    automaton
        .find_iter(text)
        .filter(|found| {
            let before = text[..found.start()].chars().next_back();
            let after = text[found.end()..].chars().next();
            let first = text[found.start()..].chars().next();
            let last = text[..found.end()].chars().next_back();
            !((is_word_char(first) && is_word_char(before))
                || (is_word_char(last) && is_word_char(after)))
        })
        .map(|found| (found.start(), found.end()))
        .collect()
}

impl BodyMatcher {
    fn build<'t>(terms: impl Iterator<Item = &'t (String, bool)> + Clone) -> BodyMatcher {
        BodyMatcher {
            automaton: automaton(terms.clone().filter(|(_, exact)| !exact).map(|(t, _)| t.clone())),
            exact: automaton(terms.filter(|(_, exact)| *exact).map(|(t, _)| t.clone())),
        }
    }

    /// Original byte ranges of whole-word matches, in order, without overlaps.
    fn find(&self, text: &str) -> Vec<(usize, usize)> {
        let mut ranges = vec![];
        if let Some(automaton) = &self.automaton {
            let (normalised, origin) = normalise(text);
            for (start, end) in whole_words(automaton, &normalised) {
                ranges.push((origin[start], origin.get(end).copied().unwrap_or(text.len())));
            }
        }
        if let Some(exact) = &self.exact {
            ranges.extend(whole_words(exact, text));
        }
        ranges.sort_by_key(|&(start, end)| (start, std::cmp::Reverse(end)));
        let mut kept: Vec<(usize, usize)> = vec![];
        for range in ranges {
            match kept.last_mut() {
                Some(last) if range.0 < last.1 => last.1 = last.1.max(range.1),
                _ => kept.push(range),
            }
        }
        kept
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

/// Byte spans of the object keys of a JSON text (the string literals followed by `:`).
fn json_key_spans(json: &str) -> Vec<(usize, usize)> {
    let bytes = json.as_bytes();
    let mut spans = vec![];
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'"' {
            at += 1;
            continue;
        }
        let start = at;
        at += 1;
        while at < bytes.len() && bytes[at] != b'"' {
            at += if bytes[at] == b'\\' { 2 } else { 1 };
        }
        let end = (at + 1).min(bytes.len());
        at = end;
        let next = bytes[end..].iter().find(|b| !b.is_ascii_whitespace());
        if next == Some(&b':') {
            spans.push((start, end));
        }
    }
    spans
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
                // "Platform Fee", "Fish Fry": a name of English words only is matched in other
                // deals' text with its capitals, so the phrase stays a phrase there.
                let ordinary = term.form.split_whitespace().count() > 1
                    && term.form.split_whitespace().all(|word| {
                        let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
                        bare.is_empty() || is_english_word(bare)
                    });
                if ordinary {
                    body.push((term.form.clone(), true));
                } else {
                    body.push((normalise_term(&term.form), false));
                }
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
        let matcher = Arc::new(BodyMatcher::build(self.body_terms.values().flatten()));
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
        self.scrub_ranges(body, |_, _| true)
    }

    fn scrub_ranges(
        &self,
        body: &str,
        keep: impl Fn(usize, usize) -> bool,
    ) -> Option<(String, usize)> {
        let mut ranges = self.body_matcher().find(body);
        ranges.retain(|&(start, end)| {
            keep(start, end) && !self.protected.inside_protected_word(body, start, end)
        });
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

    /// Like [`PiiGuard::scrub_body`] for a JSON body: names inside object keys are left
    /// alone (a name sent as "quote_id" must not rename a field of every answer); string
    /// values are checked as before.
    pub fn scrub_json(&self, body: &str) -> Option<(String, usize)> {
        let keys = json_key_spans(body);
        self.scrub_ranges(body, |start, end| {
            !keys.iter().any(|&(from, to)| start < to && from < end)
        })
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
        // A JSON body: string values only, never keys; a name of English words only keeps its
        // capitals ("Platform Fee", not "the platform fee").
        guard.set_deal(
            "D-3",
            &[term("Quote_id Took_ms", false), term("Platform Fee", false)],
            &Protected::default(),
        );
        let json = r#"{"quote_id":"q1","took_ms":3,"text":"the platform fee, said Platform Fee"}"#;
        assert_eq!(json_key_spans(r#"{"a\"b": "c", "d":[{"e" :1}]}"#).len(), 3);
        let (body, hits) = guard.scrub_json(json).expect("a hit");
        assert_eq!(hits, 1);
        assert_eq!(
            body,
            r#"{"quote_id":"q1","took_ms":3,"text":"the platform fee, said [REDACTED]"}"#
        );
        assert!(guard.scrub_json(r#"{"Quote_id Took_ms":1}"#).is_none());
        assert!(guard.scrub_json(r#"{"t":"quote_id took_ms"}"#).is_some(), "values are checked");
        guard.remove_deal("D-2");
        assert!(guard.scrub_body("tomas reyes").is_none());
    }
}

//! Competitor names and their aliases.
//!
//! Canonical names come from `deals.csv`; `competitors.toml` adds the spellings buyers use:
//!
//! ```toml
//! [competitors]
//! "Heapster" = ["heapster", "Heap-ster", "the Heap folks"]
//! ```
//!
//! Matching ignores case, spaces, hyphens and punctuation, so `Mix Point` finds `Mixpoint`.
//! A top-level `allow = ["Quayline", ...]` lists other names anonymization must keep (the
//! seller, its products, partners).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Longest alias, in words, looked for in free text.
const MAX_ALIAS_WORDS: usize = 4;

/// Canonical competitor names with their aliases.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Aliases {
    /// Canonical name -> aliases (as written by users).
    competitors: BTreeMap<String, Vec<String>>,
    /// Other names that must never be redacted: the seller, its products, partners.
    #[serde(default)]
    allow: Vec<String>,
}

#[derive(Deserialize)]
struct AliasFile {
    #[serde(default)]
    competitors: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    allow: Vec<String>,
}

/// Lower-cases and drops everything but letters and digits.
pub fn normalize_name(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

impl Aliases {
    /// Reads a `competitors.toml` file.
    pub fn read(path: &Path) -> Result<Aliases> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
        Self::parse(path, &text)
    }

    /// Parses `competitors.toml` text; `path` is used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Aliases> {
        let file: AliasFile = toml::from_str(text).map_err(|err| {
            let line = err.span().map_or(0, |span| text[..span.start].lines().count().max(1));
            Error::parse(path, line, err.message().to_string())
        })?;
        let mut aliases = Aliases { allow: file.allow, ..Aliases::default() };
        for (canonical, names) in file.competitors {
            aliases.add_canonical(&canonical);
            for name in names {
                aliases.add_alias(&canonical, &name);
            }
        }
        Ok(aliases)
    }

    /// Registers a canonical competitor name (no-op when known).
    pub fn add_canonical(&mut self, canonical: &str) {
        let canonical = canonical.trim();
        if canonical.is_empty() || self.resolve(canonical).is_some() {
            return;
        }
        self.competitors.entry(canonical.to_string()).or_default();
    }

    /// Registers an alias of a canonical name.
    pub fn add_alias(&mut self, canonical: &str, alias: &str) {
        let alias = alias.trim();
        if normalize_name(alias).is_empty() {
            return;
        }
        // Spellings that differ only in case are one alias; a split spelling ("Rota Bee" of
        // "Rotabee") is kept: its words are what the anonymizer must leave alone.
        let spelling =
            |name: &str| name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        let names = self.competitors.entry(canonical.trim().to_string()).or_default();
        if !names.iter().any(|known| spelling(known) == spelling(alias)) {
            names.push(alias.to_string());
        }
    }

    /// Merges another alias set into this one.
    pub fn merge(&mut self, other: &Aliases) {
        for term in &other.allow {
            if !self.allow.iter().any(|known| normalize_name(known) == normalize_name(term)) {
                self.allow.push(term.clone());
            }
        }
        for (canonical, names) in &other.competitors {
            self.add_canonical(canonical);
            let canonical = self.resolve(canonical).unwrap_or(canonical.as_str()).to_string();
            for name in names {
                self.add_alias(&canonical, name);
            }
        }
    }

    /// Returns the canonical name for a name or alias, if known.
    pub fn resolve(&self, name: &str) -> Option<&str> {
        let key = normalize_name(name);
        if key.is_empty() {
            return None;
        }
        self.competitors.iter().find_map(|(canonical, names)| {
            let hit = normalize_name(canonical) == key
                || names.iter().any(|alias| normalize_name(alias) == key);
            hit.then_some(canonical.as_str())
        })
    }

    /// Returns every canonical name.
    pub fn canonical_names(&self) -> impl Iterator<Item = &str> {
        self.competitors.keys().map(String::as_str)
    }

    /// Returns the canonical name and all its aliases.
    pub fn all_forms(&self, canonical: &str) -> Vec<&str> {
        let mut forms = vec![];
        if let Some((name, aliases)) = self.competitors.get_key_value(canonical) {
            forms.push(name.as_str());
            forms.extend(aliases.iter().map(String::as_str));
        }
        forms
    }

    /// Finds competitors mentioned in free text, by any alias; returns canonical names in order
    /// of first mention.
    pub fn mentions(&self, text: &str) -> Vec<String> {
        let words: Vec<String> = text
            .split(|c: char| c.is_whitespace() || c == '-' || c == '/')
            .map(|word| {
                let word = word.trim_end_matches(|c: char| !c.is_alphanumeric());
                normalize_name(
                    word.strip_suffix("'s").or_else(|| word.strip_suffix("’s")).unwrap_or(word),
                )
            })
            .collect();
        let mut keys: Vec<(String, &str)> = vec![];
        for (canonical, names) in &self.competitors {
            keys.push((normalize_name(canonical), canonical));
            for alias in names {
                keys.push((normalize_name(alias), canonical));
            }
        }
        let mut found: Vec<String> = vec![];
        for start in 0..words.len() {
            let mut joined = String::new();
            for word in words.iter().skip(start).take(MAX_ALIAS_WORDS) {
                joined.push_str(word);
                if let Some((_, canonical)) =
                    keys.iter().find(|(key, _)| !key.is_empty() && *key == joined)
                    && !found.iter().any(|known| known == canonical)
                {
                    found.push(canonical.to_string());
                }
            }
        }
        found
    }

    /// Returns every name (canonical and alias) of every competitor, for allow-lists.
    pub fn every_form(&self) -> Vec<&str> {
        self.competitors
            .iter()
            .flat_map(|(name, aliases)| std::iter::once(name).chain(aliases))
            .chain(&self.allow)
            .map(String::as_str)
            .collect()
    }

    /// Returns true when no competitor is known.
    pub fn is_empty(&self) -> bool {
        self.competitors.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Aliases {
        Aliases::parse(
            Path::new("competitors.toml"),
            "[competitors]\n\"Heapster\" = [\"Heap-ster\", \"the Heap folks\"]\n\"Mixpoint\" = [\"Mix Point\"]\n\"RiverWorks\" = [\"RW\"]\n",
        )
        .unwrap()
    }

    #[test]
    fn resolves_aliases_ignoring_case_and_spacing() {
        let aliases = sample();
        assert_eq!(aliases.resolve("heapster"), Some("Heapster"));
        assert_eq!(aliases.resolve("MIXPOINT"), Some("Mixpoint"));
        assert_eq!(aliases.resolve("mix point"), Some("Mixpoint"));
        assert_eq!(aliases.resolve("rw"), Some("RiverWorks"));
        assert_eq!(aliases.resolve("Acme"), None);
    }

    #[test]
    fn finds_mentions_in_text() {
        let aliases = sample();
        assert_eq!(aliases.mentions("why do we lose to RW?"), vec!["RiverWorks"]);
        assert_eq!(
            aliases.mentions("the Heap folks and Mix Point's team"),
            vec!["Heapster", "Mixpoint"]
        );
        assert!(aliases.mentions("nothing here").is_empty());
    }

    #[test]
    fn bad_toml_names_the_line() {
        let err = Aliases::parse(Path::new("c.toml"), "[competitors]\n\"A\" = [1, \n").unwrap_err();
        assert!(err.to_string().starts_with("c.toml:"), "{err}");
    }
}

//! Pseudonym assignment: which placeholder a person gets in a deal. Listed people keep theirs
//! (`[BUYER]`, `[COLLEAGUE n]`, `[REP]`, `[INTERVIEWER]`); a person found in the text is matched
//! to a listed or earlier-found person by name ("Dana" is "Dana Whitfield") or gets the next
//! colleague number, so one person is one placeholder across the deal.

use std::sync::Mutex;

use super::text::name_tokens;

/// True when a speaker label and a full name plausibly denote the same person ("Dana" and
/// "Dana Whitfield", "Mrs. Whitfield" and "Dana Whitfield"; initials alone never match).
pub fn same_person(label: &str, name: &str) -> bool {
    // Honorifics say nothing about who: "Dr. Brenner" is "Jonas Brenner".
    let tokens = |text: &str| -> Vec<String> {
        let mut tokens = name_tokens(text);
        tokens.retain(|t| !super::lexicon::TITLES.contains(&t.as_str()));
        tokens
    };
    let label_tokens = tokens(label);
    let name_tokens = tokens(name);
    if label_tokens.is_empty() || name_tokens.is_empty() {
        return false;
    }
    label_tokens == name_tokens
        || (label_tokens.len() < name_tokens.len()
            && label_tokens.iter().all(|t| t.len() > 1 && name_tokens.contains(t)))
        || (name_tokens.len() < label_tokens.len()
            && name_tokens.iter().all(|t| t.len() > 1 && label_tokens.contains(t)))
}

/// The people of one deal and their placeholders.
#[derive(Debug, Default)]
pub struct People {
    /// Listed people: (placeholder, name as listed or spoken).
    known: Vec<(String, String)>,
    /// Colleague numbers used by listed people.
    colleagues: usize,
    /// People found in the text: (name, placeholder).
    discovered: Mutex<Vec<(String, String)>>,
}

impl People {
    /// Starts a deal's registry from its listed people.
    pub fn new(known: Vec<(String, String)>, colleagues: usize) -> People {
        People { known, colleagues, discovered: Mutex::new(vec![]) }
    }

    /// True when `name` is one of the listed people.
    pub fn is_listed(&self, name: &str) -> bool {
        self.known.iter().any(|(_, person)| same_person(name, person))
    }

    /// The placeholder of a person found in the text: a listed person's, one found earlier in
    /// the deal, or the next colleague number.
    pub fn placeholder_for(&self, surface: &str) -> String {
        if let Some((placeholder, _)) =
            self.known.iter().find(|(_, name)| same_person(surface, name))
        {
            return placeholder.clone();
        }
        let Ok(mut discovered) = self.discovered.lock() else { return "[NAME]".to_string() };
        if let Some((_, placeholder)) =
            discovered.iter().find(|(name, _)| same_person(surface, name))
        {
            return placeholder.clone();
        }
        self.push(&mut discovered, surface)
    }

    /// The placeholder of a given name found alone by the gazetteer: the same word found
    /// before, or the next colleague number.
    pub fn placeholder_for_word(&self, word: &str) -> String {
        let Ok(mut discovered) = self.discovered.lock() else { return "[NAME]".to_string() };
        if let Some((_, placeholder)) = discovered.iter().find(|(name, _)| name == word) {
            return placeholder.clone();
        }
        self.push(&mut discovered, word)
    }

    fn push(&self, discovered: &mut Vec<(String, String)>, name: &str) -> String {
        let placeholder = format!("[COLLEAGUE {}]", self.colleagues + discovered.len() + 1);
        discovered.push((name.to_string(), placeholder.clone()));
        placeholder
    }

    /// Every person with a placeholder: (placeholder, name).
    pub fn all(&self) -> Vec<(String, String)> {
        let mut people = self.known.clone();
        if let Ok(discovered) = self.discovered.lock() {
            people.extend(
                discovered.iter().map(|(name, placeholder)| (placeholder.clone(), name.clone())),
            );
        }
        people
    }

    /// Names found in the text (not listed).
    pub fn discovered_names(&self) -> Vec<String> {
        self.discovered
            .lock()
            .map(|found| found.iter().map(|(name, _)| name.clone()).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_person_one_placeholder() {
        let people = People::new(vec![("[BUYER]".into(), "Priya Raman".into())], 1);
        assert_eq!(people.placeholder_for("Priya"), "[BUYER]");
        assert_eq!(people.placeholder_for("Jerome Okafor"), "[COLLEAGUE 2]");
        assert_eq!(people.placeholder_for("Okafor"), "[COLLEAGUE 2]");
        assert_eq!(people.placeholder_for_word("Valeria"), "[COLLEAGUE 3]");
        assert_eq!(people.placeholder_for_word("Valeria"), "[COLLEAGUE 3]");
        assert!(same_person("Dana", "Dana Whitfield") && !same_person("D.", "Dana Whitfield"));
        assert!(same_person("Mrs. Whitfield", "Dana Whitfield"));
        assert!(!same_person("Dr.", "Dana Whitfield") && !same_person("Dr. Kim", "Dr. Lee"));
        assert_eq!(people.all().len(), 3);
    }
}

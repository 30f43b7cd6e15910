//! The PII tagger and anonymization on text nobody listed, with the real local model.

use storybank::anonymize::ner::{EntityKind, NerModel};

use crate::common::settings;

fn model() -> NerModel {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path());
    NerModel::load(&settings.model.models_dir, None, 1).unwrap()
}

fn found(model: &NerModel, text: &str, kind: EntityKind) -> Vec<String> {
    model
        .detect(text)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind)
        .map(|e| text[e.start..e.end].to_string())
        .collect()
}

#[test]
fn tagger_finds_unlisted_people_places_and_addresses() {
    let ner = model();
    let people = found(
        &ner,
        "honestly Marcus was great, and my boss jen signed off. Krisztián Szöllösy called later.",
        EntityKind::Person,
    );
    assert!(people.iter().any(|p| p == "Marcus"), "{people:?}");
    assert!(people.iter().any(|p| p == "jen"), "{people:?}");
    assert!(people.iter().any(|p| p.contains("Szöllösy")), "{people:?}");
    let cities =
        found(&ner, "we moved the team from Leeds to our Manchester office", EntityKind::City);
    assert!(cities.iter().any(|c| c == "Leeds"), "{cities:?}");
    let address = found(&ner, "send it to 42 Baker Street, please", EntityKind::Address);
    assert!(address.iter().any(|a| a.contains("Baker Street")), "{address:?}");
    assert!(found(&ner, "the SOC 2 questionnaire took seven weeks", EntityKind::Person).is_empty());
}

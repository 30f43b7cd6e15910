//! The blind-labelled set (`tests/fixtures/labels/<corpus>.jsonl`, guidelines in
//! `GUIDELINES.md` there): themes and stance per quote, split into tune and test halves by deal
//! ([`crate::stance::is_test_deal`]). `storybank train-stance` fits the stance model on the tune
//! half; `storybank eval-labels` scores the theme tagger and the stance model on the test half
//! and the two labellers' agreement on the doubly labelled quotes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::app::Storybank;
use crate::error::{Error, Result};
use crate::eval::themes::Prf;
use crate::stance::{LABELS, StanceModel};
use crate::theme_model::{Example, ThemeModel};

/// One labelled quote as the labels file has it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// The quote.
    pub quote_id: String,
    /// Theme ids.
    pub themes: Vec<String>,
    /// One of [`LABELS`].
    pub polarity: String,
}

/// Reads a labels file, checking every stance value.
pub fn read_labels(path: &Path) -> Result<Vec<Label>> {
    let labels: Vec<Label> = crate::eval::read_jsonl(path)?;
    if let Some(bad) = labels.iter().find(|l| !LABELS.contains(&l.polarity.as_str())) {
        return Err(Error::InvalidRequest(format!(
            "{}: quote {}: unknown stance `{}`",
            path.display(),
            bad.quote_id,
            bad.polarity
        )));
    }
    Ok(labels)
}

/// A labelled quote joined with what the index holds for it.
#[derive(Debug, Clone)]
pub struct Joined {
    /// The label.
    pub label: Label,
    /// Its deal.
    pub deal_id: String,
    /// In the test half.
    pub test: bool,
    /// The stance classifier's input.
    pub features: Vec<f32>,
    /// The prototype tagger's themes (recomputed from the vector, corrections ignored).
    pub tagged: Vec<String>,
    /// The learned theme classifiers' inputs ([`crate::themes::ThemeTagger::theme_features`]).
    pub theme_features: Vec<Vec<f32>>,
    /// The quote's vector.
    pub vector: Vec<f32>,
}

/// Joins `labels` with `bank`'s quotes (every labelled quote must be in the index).
pub fn join(bank: &Storybank, labels: &[Label], source: &Path) -> Result<Vec<Joined>> {
    let tagger = bank.theme_tagger()?;
    let params = tagger.params();
    let catalog = bank.catalog.read().map_err(|_| Error::Internal("catalog lock".into()))?;
    let deals: Vec<String> = catalog.deals.keys().cloned().collect();
    let vectors = crate::eval::quote_vectors(&catalog)?;
    let mut out = vec![];
    for label in labels {
        let (Some((deal, quote)), Some(vector)) =
            (catalog.quote(&label.quote_id), vectors.get(&label.quote_id))
        else {
            return Err(Error::InvalidRequest(format!(
                "{}: quote {} is not in the index (did chunking change?)",
                source.display(),
                label.quote_id
            )));
        };
        let tags = tagger.tag_with(
            params,
            &quote.text,
            quote.context.as_deref(),
            vector,
            &catalog.aliases,
        );
        out.push(Joined {
            label: label.clone(),
            deal_id: deal.deal_id.clone(),
            test: crate::stance::is_test_deal(&deal.deal_id, &deals),
            features: crate::stance::features(vector, &quote.text, &catalog.aliases),
            tagged: tags.themes,
            theme_features: tagger.theme_features(
                &quote.text,
                quote.context.as_deref(),
                vector,
                &catalog.aliases,
            ),
            vector: vector.clone(),
        });
    }
    Ok(out)
}

/// Ridge strengths `train-stance` chooses among.
pub const LAMBDAS: [f32; 4] = [0.1, 0.3, 1.0, 3.0];

/// Fits the stance model on the tune half of `sets`, for each ridge strength in `lambdas`,
/// and keeps the one that shows a stance on most held-out tune quotes at the target precision
/// (the test half is never looked at).
pub fn train_stance(model_id: &str, sets: &[Joined], lambdas: &[f32]) -> Result<StanceModel> {
    let tune: Vec<&Joined> = sets.iter().filter(|j| !j.test).collect();
    let rows: Vec<Vec<f32>> = tune.iter().map(|j| j.features.clone()).collect();
    let labels: Vec<usize> = tune.iter().map(|j| stance_index(&j.label.polarity)).collect();
    let groups: Vec<String> = tune.iter().map(|j| j.deal_id.clone()).collect();
    let mut best: Option<StanceModel> = None;
    for &lambda in lambdas {
        let model = StanceModel::fit(model_id, &rows, &labels, &groups, lambda)?;
        let better = best.as_ref().is_none_or(|b| {
            (model.tune_coverage, model.tune_precision) > (b.tune_coverage, b.tune_precision)
        });
        if better {
            best = Some(model);
        }
    }
    best.ok_or_else(|| Error::InvalidRequest("stance: no ridge strength to try".into()))
}

/// Fits the theme classifiers on the tune half of `sets` (the test half is never looked at).
pub fn train_themes(model_id: &str, sets: &[Joined]) -> Result<ThemeModel> {
    let ids: Vec<String> =
        crate::themes::Taxonomy::default().themes.iter().map(|t| t.id.clone()).collect();
    let examples: Vec<Example> = sets
        .iter()
        .filter(|j| !j.test)
        .map(|j| Example {
            features: j.theme_features.clone(),
            vector: j.vector.clone(),
            labels: ids.iter().map(|id| j.label.themes.contains(id)).collect(),
            group: j.deal_id.clone(),
        })
        .collect();
    ThemeModel::fit(model_id, &ids, &examples)
}

/// The themes `model` gives a labelled quote, as at ingest.
fn learned_themes(model: &ThemeModel, j: &Joined) -> Vec<String> {
    model.themes_of(&j.theme_features, &j.vector)
}

/// What users' corrections teach: the test half's deals split in two (alternately, by id),
/// the first half's labels given to `model` as corrections ([`ThemeModel::adapted`]), and the
/// second half scored before and after. Returns (corrections, macro F1 before, after).
pub fn correction_gain(model: &ThemeModel, sets: &[Joined]) -> Result<(usize, f64, f64)> {
    let deals: Vec<&str> = sets
        .iter()
        .filter(|j| j.test)
        .map(|j| j.deal_id.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let corrected =
        |j: &Joined| deals.iter().position(|d| *d == j.deal_id).is_some_and(|i| i % 2 == 0);
    let corrections: Vec<Example> = sets
        .iter()
        .filter(|j| j.test && corrected(j))
        .map(|j| Example {
            features: j.theme_features.clone(),
            vector: j.vector.clone(),
            labels: model.themes.iter().map(|t| j.label.themes.contains(&t.theme)).collect(),
            group: j.deal_id.clone(),
        })
        .collect();
    let adapted = model.adapted(&corrections)?;
    let scored: Vec<&Joined> = sets.iter().filter(|j| j.test && !corrected(j)).collect();
    let before = macro_f1(&score_themes(&scored, |j| learned_themes(model, j)).0);
    let after = macro_f1(&score_themes(&scored, |j| learned_themes(&adapted, j)).0);
    Ok((corrections.len(), before, after))
}

fn stance_index(label: &str) -> usize {
    LABELS.iter().position(|l| *l == label).unwrap_or(crate::stance::NEUTRAL)
}

/// Scores on the test half.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelReport {
    /// Test-half quotes (tune-half quotes).
    pub test_quotes: usize,
    /// Tune-half quotes.
    pub tune_quotes: usize,
    /// The theme tagger per theme.
    pub themes: BTreeMap<String, Prf>,
    /// Which themes were scored: `learned` (the fitted classifiers) or `prototypes`.
    pub theme_method: String,
    /// Mean F1 over themes.
    pub theme_macro_f1: f64,
    /// The prototype tagger's mean F1 over themes (for comparison).
    pub prototype_macro_f1: f64,
    /// Over all (quote, theme) pairs.
    pub theme_micro: Prf,
    /// Share of test quotes whose top stance matches the label (5 classes).
    pub stance_accuracy: Option<f64>,
    /// Shown stances (confidence at or above the model's threshold) that match the label.
    pub stance_shown_precision: Option<f64>,
    /// Share of test quotes that get a shown stance.
    pub stance_coverage: Option<f64>,
    /// The model's threshold and its held-out precision on the tune half.
    pub stance_threshold: Option<f32>,
    /// Learning from corrections: half the test half's deals given as corrections, the other
    /// half scored: (corrections, macro F1 before, after).
    pub correction_gain: Option<(usize, f64, f64)>,
    /// Labeller agreement on the doubly labelled quotes: (quotes, stance kappa, theme micro-F1).
    pub agreement: Option<(usize, f64, f64)>,
}

/// Per-theme and micro P/R/F1 of `predicted` themes against the labels of `test`.
fn score_themes(
    test: &[&Joined],
    predicted: impl Fn(&Joined) -> Vec<String>,
) -> (BTreeMap<String, Prf>, Prf) {
    let mut themes: BTreeMap<String, Prf> = BTreeMap::new();
    let mut micro = Prf::default();
    let taxonomy = crate::themes::Taxonomy::default();
    let all: BTreeSet<&str> = taxonomy.themes.iter().map(|t| t.id.as_str()).collect();
    for j in test {
        let tagged = predicted(j);
        let predicted: BTreeSet<&str> = tagged.iter().map(String::as_str).collect();
        let wanted: BTreeSet<&str> = j.label.themes.iter().map(String::as_str).collect();
        for theme in &all {
            let entry = themes.entry(theme.to_string()).or_default();
            let (p, g) = (predicted.contains(theme), wanted.contains(theme));
            for prf in [&mut *entry, &mut micro] {
                prf.predicted += usize::from(p);
                prf.gold += usize::from(g);
                prf.agreed += usize::from(p && g);
            }
        }
    }
    (themes.into_iter().map(|(k, v)| (k, v.finish())).collect(), micro.finish())
}

fn macro_f1(themes: &BTreeMap<String, Prf>) -> f64 {
    themes.values().map(|p| p.f1).sum::<f64>() / themes.len().max(1) as f64
}

/// Scores the themes (`theme_model`'s when given, else the prototype tagger's) and the stance
/// `model` on the test half of `sets`.
pub fn report(
    sets: &[Joined],
    model: Option<&StanceModel>,
    theme_model: Option<&ThemeModel>,
) -> LabelReport {
    let test: Vec<&Joined> = sets.iter().filter(|j| j.test).collect();
    let (prototype_themes, prototype_micro) = score_themes(&test, |j| j.tagged.clone());
    let prototype_macro_f1 = macro_f1(&prototype_themes);
    let (themes, micro, theme_method) = match theme_model {
        Some(m) => {
            let (themes, micro) = score_themes(&test, |j| learned_themes(m, j));
            (themes, micro, "learned")
        }
        None => (prototype_themes, prototype_micro, "prototypes"),
    };
    let theme_macro_f1 = macro_f1(&themes);
    let (mut accuracy, mut precision, mut coverage) = (None, None, None);
    if let Some(model) = model {
        let predictions: Vec<_> = test.iter().map(|j| model.predict(&j.features)).collect();
        let gold: Vec<usize> = test.iter().map(|j| stance_index(&j.label.polarity)).collect();
        let right = predictions.iter().zip(&gold).filter(|(p, g)| p.label == **g).count();
        accuracy = Some(right as f64 / test.len().max(1) as f64);
        let (shown, right) = crate::stance::shown_precision(&predictions, &gold, model.show_at);
        precision = (shown > 0).then(|| right as f64 / shown as f64);
        coverage = Some(shown as f64 / test.len().max(1) as f64);
    }
    LabelReport {
        test_quotes: test.len(),
        tune_quotes: sets.len() - test.len(),
        themes,
        theme_method: theme_method.to_string(),
        theme_macro_f1,
        prototype_macro_f1,
        theme_micro: micro,
        stance_accuracy: accuracy,
        stance_shown_precision: precision,
        stance_coverage: coverage,
        stance_threshold: model.map(|m| m.show_at),
        agreement: None,
        correction_gain: theme_model.and_then(|m| correction_gain(m, sets).ok()),
    }
}

/// Agreement between two labellers over the quotes both labelled: (quotes, Cohen's kappa of
/// stance, micro-F1 of one's themes against the other's).
pub fn agreement(first: &[Label], second: &[Label]) -> (usize, f64, f64) {
    let by_id: BTreeMap<&str, &Label> = first.iter().map(|l| (l.quote_id.as_str(), l)).collect();
    let pairs: Vec<(&Label, &Label)> =
        second.iter().filter_map(|b| by_id.get(b.quote_id.as_str()).map(|a| (*a, b))).collect();
    let n = pairs.len().max(1) as f64;
    let observed = pairs.iter().filter(|(a, b)| a.polarity == b.polarity).count() as f64 / n;
    let expected: f64 = LABELS
        .iter()
        .map(|l| {
            let a = pairs.iter().filter(|(a, _)| a.polarity == *l).count() as f64 / n;
            let b = pairs.iter().filter(|(_, b)| b.polarity == *l).count() as f64 / n;
            a * b
        })
        .sum();
    let kappa = if expected < 1.0 { (observed - expected) / (1.0 - expected) } else { 1.0 };
    let mut prf = Prf::default();
    for (a, b) in &pairs {
        let a: BTreeSet<&String> = a.themes.iter().collect();
        let b: BTreeSet<&String> = b.themes.iter().collect();
        prf.gold += a.len();
        prf.predicted += b.len();
        prf.agreed += a.intersection(&b).count();
    }
    (pairs.len(), kappa, prf.finish().f1)
}

impl LabelReport {
    /// A Markdown summary.
    pub fn to_markdown(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "test half: {} quotes (tune half: {}); themes by the {} method\n\n| theme | gold | tagged | P | R | F1 |\n|---|---|---|---|---|---|",
            self.test_quotes, self.tune_quotes, self.theme_method
        );
        for (theme, p) in &self.themes {
            let _ = writeln!(
                out,
                "| {theme} | {} | {} | {:.2} | {:.2} | {:.2} |",
                p.gold, p.predicted, p.precision, p.recall, p.f1
            );
        }
        let _ = writeln!(
            out,
            "| **macro F1** | | | | | **{:.3}** |\n| micro | {} | {} | {:.2} | {:.2} | {:.2} |\n\nprototype tagger's macro F1 on the same quotes: {:.3}\n",
            self.theme_macro_f1,
            self.theme_micro.gold,
            self.theme_micro.predicted,
            self.theme_micro.precision,
            self.theme_micro.recall,
            self.theme_micro.f1,
            self.prototype_macro_f1
        );
        match (self.stance_accuracy, self.stance_threshold) {
            (Some(accuracy), Some(threshold)) => {
                let _ = writeln!(
                    out,
                    "stance (5 classes): accuracy {accuracy:.3}; shown at confidence >= {threshold:.2}: precision {}, coverage {:.1}% of test quotes",
                    self.stance_shown_precision
                        .map_or("n/a (none shown)".into(), |p| format!("{p:.3}")),
                    100.0 * self.stance_coverage.unwrap_or(0.0)
                );
            }
            _ => {
                let _ = writeln!(out, "stance: no model for this embedding model");
            }
        }
        if let Some((n, before, after)) = self.correction_gain {
            let _ = writeln!(
                out,
                "learning from corrections: {n} test-half quotes (half its deals) given as corrections; macro F1 on the other half {before:.3} -> {after:.3}"
            );
        }
        if let Some((n, kappa, f1)) = self.agreement {
            let _ = writeln!(
                out,
                "labellers' agreement on {n} doubly labelled quotes: stance kappa {kappa:.2}, theme micro-F1 {f1:.2}"
            );
        }
        out
    }
}

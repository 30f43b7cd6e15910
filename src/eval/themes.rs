//! Agreement of the theme tagger with a labelled set (`themes.jsonl`: one
//! `{"quote_id", "themes": [...], "polarity"}` per line), recomputed from the stored vectors so
//! users' corrections do not flatter it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::app::Storybank;
use crate::error::{Error, Result};
use crate::themes::ThemeParams;

#[derive(Debug, Deserialize)]
struct Label {
    quote_id: String,
    themes: Vec<String>,
    polarity: String,
}

/// Precision, recall and F1 of one theme (or all, micro-averaged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prf {
    /// Labelled quotes with the theme.
    pub gold: usize,
    /// Quotes the tagger gave the theme.
    pub predicted: usize,
    /// Both.
    pub agreed: usize,
    /// agreed / predicted.
    pub precision: f64,
    /// agreed / gold.
    pub recall: f64,
    /// Harmonic mean.
    pub f1: f64,
}

impl Prf {
    pub(crate) fn finish(mut self) -> Prf {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        self.precision = ratio(self.agreed, self.predicted);
        self.recall = ratio(self.agreed, self.gold);
        let sum = self.precision + self.recall;
        self.f1 = if sum == 0.0 { 0.0 } else { 2.0 * self.precision * self.recall / sum };
        self
    }
}

/// How well the tagger agrees with the labels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ThemeAgreement {
    /// Labelled quotes found in the index.
    pub quotes: usize,
    /// Prototype thresholds used (when `learned` is false).
    pub params: ThemeParams,
    /// Tagged by the learned classifiers ([`crate::theme_model`]) rather than prototypes.
    #[serde(default)]
    pub learned: bool,
    /// Over all (quote, theme) pairs.
    pub micro: Prf,
    /// Per theme.
    pub per_theme: BTreeMap<String, Prf>,
    /// Share of quotes whose polarity matches.
    pub polarity_accuracy: f64,
    /// Cohen's kappa of polarity (agreement beyond chance).
    pub polarity_kappa: f64,
    /// gold -> predicted -> count.
    pub polarity_confusion: BTreeMap<String, BTreeMap<String, usize>>,
}

/// Scores the tagger against `labels` (a themes.jsonl file).
pub fn agreement(bank: &Storybank, labels: &Path, params: ThemeParams) -> Result<ThemeAgreement> {
    let gold: Vec<Label> = crate::eval::read_jsonl(labels)?;
    let tagger = bank.theme_tagger()?;
    let catalog = bank.catalog.read().map_err(|_| Error::Internal("catalog lock".into()))?;
    let vectors = crate::eval::quote_vectors(&catalog)?;
    let mut micro = Prf::default();
    let mut per_theme: BTreeMap<String, Prf> = BTreeMap::new();
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut quotes = 0;
    // The tagger as ingest runs it (learned classifiers when fitted for this model), unless a
    // sweep asks for other prototype thresholds.
    let learned = tagger.model().is_some() && params == tagger.params();
    for label in &gold {
        let (Some((_, quote)), Some(vector)) =
            (catalog.quote(&label.quote_id), vectors.get(&label.quote_id))
        else {
            return Err(Error::InvalidRequest(format!(
                "{}: quote {} is not in the index (did chunking change?)",
                labels.display(),
                label.quote_id
            )));
        };
        quotes += 1;
        let tags = if learned {
            tagger.tag(&quote.text, quote.context.as_deref(), vector, &catalog.aliases)
        } else {
            tagger.tag_with(params, &quote.text, quote.context.as_deref(), vector, &catalog.aliases)
        };
        if std::env::var_os("STORYBANK_EVAL_DEBUG").is_some() {
            // Ids and labels only, never quote text.
            eprintln!(
                "{}\tgold {:?} {}\ttagged {:?} {}",
                label.quote_id, label.themes, label.polarity, tags.themes, tags.polarity
            );
        }
        let predicted: BTreeSet<&str> = tags.themes.iter().map(String::as_str).collect();
        let wanted: BTreeSet<&str> = label.themes.iter().map(String::as_str).collect();
        for theme in predicted.union(&wanted) {
            let entry = per_theme.entry(theme.to_string()).or_default();
            let (p, g) = (predicted.contains(theme), wanted.contains(theme));
            entry.predicted += usize::from(p);
            entry.gold += usize::from(g);
            entry.agreed += usize::from(p && g);
            micro.predicted += usize::from(p);
            micro.gold += usize::from(g);
            micro.agreed += usize::from(p && g);
        }
        *confusion.entry(label.polarity.clone()).or_default().entry(tags.polarity).or_default() +=
            1;
    }
    let total = quotes.max(1) as f64;
    let observed = confusion.iter().map(|(g, row)| row.get(g).copied().unwrap_or(0)).sum::<usize>()
        as f64
        / total;
    let classes: BTreeSet<&String> =
        confusion.keys().chain(confusion.values().flat_map(|row| row.keys())).collect();
    let expected: f64 = classes
        .iter()
        .map(|class| {
            let gold_share =
                confusion.get(*class).map_or(0, |row| row.values().sum()) as f64 / total;
            let predicted_share =
                confusion.values().map(|row| row.get(*class).copied().unwrap_or(0)).sum::<usize>()
                    as f64
                    / total;
            gold_share * predicted_share
        })
        .sum();
    let kappa = if expected < 1.0 { (observed - expected) / (1.0 - expected) } else { 1.0 };
    Ok(ThemeAgreement {
        quotes,
        params,
        learned,
        micro: micro.finish(),
        per_theme: per_theme.into_iter().map(|(k, v)| (k, v.finish())).collect(),
        polarity_accuracy: observed,
        polarity_kappa: kappa,
        polarity_confusion: confusion,
    })
}

impl ThemeAgreement {
    /// A Markdown table of the scores.
    pub fn to_markdown(&self) -> String {
        let method = if self.learned {
            "learned classifiers".to_string()
        } else {
            format!(
                "min_score {}, margin {}, cue_bonus {}",
                self.params.min_score, self.params.margin, self.params.cue_bonus
            )
        };
        let mut out = format!(
            "Theme agreement on {} labelled quotes ({method}):\n\n\
             | theme | gold | tagged | precision | recall | F1 |\n|---|---|---|---|---|---|\n",
            self.quotes
        );
        for (theme, prf) in
            self.per_theme.iter().chain([(&"**all (micro)**".to_string(), &self.micro)])
        {
            out.push_str(&format!(
                "| {theme} | {} | {} | {:.2} | {:.2} | {:.2} |\n",
                prf.gold, prf.predicted, prf.precision, prf.recall, prf.f1
            ));
        }
        out.push_str(&format!(
            "\nPolarity: accuracy {:.2}, Cohen's kappa {:.2}\n",
            self.polarity_accuracy, self.polarity_kappa
        ));
        out
    }
}

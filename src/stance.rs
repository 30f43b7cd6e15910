//! Stance: which way a quote points, and at whom (`us_positive`, `us_negative`,
//! `competitor_positive`, `competitor_negative`, `neutral`): the question battlecards and
//! digests need, where "praise" alone cannot tell "their team lived in our Slack" (a reason we
//! lost) from "your team was great" (a reason we won).
//!
//! A linear classifier over the quote's embedding plus whether it names a competitor, fitted
//! by ridge regression on one-hot labels (closed form: one Cholesky solve, milliseconds) from
//! the tune half of a blind-labelled set (`tests/fixtures/labels`, guidelines there), with a
//! confidence threshold chosen on held-out folds of that half so that the stances it shows are
//! right at least [`TARGET_PRECISION`] of the time. Below the threshold a quote has no stance
//! and is neutral: a badge readers cannot trust is worse than none. The fitted model ships in
//! the binary ([`StanceModel::builtin`]) and applies only to the embedding model it was fitted
//! on; `storybank train-stance` refits it and `storybank eval-labels` scores it on the test
//! half.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::corpus::Aliases;
use crate::error::{Error, Result};

/// The stance labels, in the model's output order.
pub const LABELS: [&str; 5] =
    ["us_positive", "us_negative", "competitor_positive", "competitor_negative", "neutral"];
/// Index of `neutral` in [`LABELS`].
pub const NEUTRAL: usize = 4;
/// The precision a shown stance must reach on held-out folds of the tune half (above the 0.85
/// the test half must show, for the margin a couple of hundred quotes need).
pub const TARGET_PRECISION: f64 = 0.9;
/// Fewest shown predictions a threshold must cover on the held-out folds to be trusted.
const MIN_SHOWN: usize = 10;
/// Softmax sharpness over the ridge scores (scores are one-hot regressions, about 0..1).
const TEMPERATURE: f32 = 8.0;
/// Folds for choosing the threshold (by deal).
const FOLDS: usize = 5;

/// The polarity toward the seller a stance implies: praise of a competitor counts against
/// the seller, criticism of one for it.
pub fn polarity_of(stance: &str) -> &'static str {
    match stance {
        "us_positive" | "competitor_negative" => "praise",
        "us_negative" | "competitor_positive" => "criticism",
        _ => "neutral",
    }
}

/// Clears a stance a user's polarity correction contradicts (the correction wins).
pub fn drop_if_contradicted(stance: &mut Option<String>, polarity: Option<&str>) {
    if stance.as_deref().is_some_and(|s| Some(polarity_of(s)) != polarity) {
        *stance = None;
    }
}

/// A fitted stance model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StanceModel {
    /// The embedding model whose vectors it reads.
    pub model_id: String,
    /// Their dimension.
    pub dimension: usize,
    /// Ridge strength it was fitted with.
    pub lambda: f32,
    /// Lowest confidence shown (below: no stance, polarity neutral; above 1: nothing is shown).
    pub show_at: f32,
    /// Held-out precision of shown stances at `show_at` on the tune half, and how many of the
    /// tune half's quotes were shown.
    pub tune_precision: f64,
    /// Share of the tune half's quotes shown at `show_at`.
    pub tune_coverage: f64,
    /// Quotes it was fitted on.
    pub examples: usize,
    /// One row per label: weights over [`features`], last the bias.
    pub weights: Vec<Vec<f32>>,
}

/// A predicted stance with its confidence (softmax probability).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Index into [`LABELS`].
    pub label: usize,
    /// Softmax probability of that label.
    pub confidence: f32,
}

/// Features after the vector: names a competitor, lexicon sentiment of the sentences that name
/// one and of the others, bias.
pub const EXTRA_FEATURES: usize = 4;

/// The classifier's input: the quote vector, whether the quote names a competitor, the lexicon
/// sentiment toward competitors and toward the rest ([`crate::themes::sentiment_by_target`]),
/// and a bias.
pub fn features(vector: &[f32], text: &str, aliases: &Aliases) -> Vec<f32> {
    let mut out = Vec::with_capacity(vector.len() + EXTRA_FEATURES);
    out.extend_from_slice(vector);
    out.push(if aliases.mentions(text).is_empty() { 0.0 } else { 1.0 });
    out.extend(crate::themes::sentiment_by_target(text, aliases));
    out.push(1.0);
    out
}

static BUILTIN: OnceLock<Option<StanceModel>> = OnceLock::new();

impl StanceModel {
    /// The model fitted on the bundled labelled set, for the default embedding model.
    pub fn builtin() -> Option<&'static StanceModel> {
        BUILTIN
            .get_or_init(|| serde_json::from_str(include_str!("stance_model.json")).ok())
            .as_ref()
    }

    /// The builtin model when it reads this embedding model's vectors.
    pub fn for_embedder(model_id: &str, dimension: usize) -> Option<&'static StanceModel> {
        Self::builtin().filter(|m| m.model_id == model_id && m.dimension == dimension)
    }

    /// Scores one feature row.
    pub fn predict(&self, features: &[f32]) -> Prediction {
        predict(&self.weights, features)
    }

    /// The stance to show, if the model is confident enough.
    pub fn shown(&self, features: &[f32]) -> Option<&'static str> {
        let p = self.predict(features);
        (p.label != NEUTRAL && p.confidence >= self.show_at).then_some(LABELS[p.label])
    }

    /// Fits a model: `groups` (deal ids) keep a deal's quotes in one fold when the threshold
    /// is chosen on held-out predictions.
    pub fn fit(
        model_id: &str,
        rows: &[Vec<f32>],
        labels: &[usize],
        groups: &[String],
        lambda: f32,
    ) -> Result<StanceModel> {
        if rows.is_empty() || rows.len() != labels.len() || rows.len() != groups.len() {
            return Err(Error::InvalidRequest("stance: no labelled quotes to fit".into()));
        }
        let deals: Vec<&String> = groups.iter().collect::<BTreeSet<_>>().into_iter().collect();
        let fold_of = |i: usize| deals.iter().position(|d| *d == &groups[i]).unwrap_or(0) % FOLDS;
        let mut held_out: Vec<Prediction> =
            vec![Prediction { label: NEUTRAL, confidence: 0.0 }; rows.len()];
        for fold in 0..FOLDS {
            let train: Vec<usize> = (0..rows.len()).filter(|&i| fold_of(i) != fold).collect();
            if train.len() == rows.len() {
                continue;
            }
            let weights = ridge(
                &train.iter().map(|&i| rows[i].as_slice()).collect::<Vec<_>>(),
                &train.iter().map(|&i| labels[i]).collect::<Vec<_>>(),
                lambda,
            )?;
            for i in (0..rows.len()).filter(|&i| fold_of(i) == fold) {
                held_out[i] = predict(&weights, &rows[i]);
            }
        }
        // The lowest threshold whose shown predictions reach the target precision, so as many
        // quotes as possible carry a stance readers can trust.
        let mut chosen = None;
        for step in 0..=70 {
            let tau = 0.25 + 0.01 * step as f32;
            let (shown, right) = shown_precision(&held_out, labels, tau);
            if shown >= MIN_SHOWN && right as f64 / shown as f64 >= TARGET_PRECISION {
                chosen = Some((tau, right as f64 / shown as f64, shown));
                break;
            }
        }
        // No threshold reaches the target: show nothing rather than guess.
        let (show_at, precision, shown) = chosen.unwrap_or((2.0, 0.0, 0));
        let weights = ridge(&rows.iter().map(Vec::as_slice).collect::<Vec<_>>(), labels, lambda)?;
        Ok(StanceModel {
            model_id: model_id.to_string(),
            dimension: rows[0].len() - EXTRA_FEATURES,
            lambda,
            show_at,
            tune_precision: precision,
            tune_coverage: shown as f64 / rows.len() as f64,
            examples: rows.len(),
            weights,
        })
    }
}

/// How many predictions are shown at `tau` (not neutral, confident enough) and how many of
/// those match `labels`.
pub fn shown_precision(predictions: &[Prediction], labels: &[usize], tau: f32) -> (usize, usize) {
    let mut shown = 0;
    let mut right = 0;
    for (p, &gold) in predictions.iter().zip(labels) {
        if p.label != NEUTRAL && p.confidence >= tau {
            shown += 1;
            right += usize::from(p.label == gold);
        }
    }
    (shown, right)
}

fn predict(weights: &[Vec<f32>], features: &[f32]) -> Prediction {
    let scores: Vec<f32> = weights
        .iter()
        .map(|w| w.iter().zip(features).map(|(a, b)| a * b).sum::<f32>() * TEMPERATURE)
        .collect();
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
    let total: f32 = exp.iter().sum();
    let (label, best) = exp
        .iter()
        .enumerate()
        .fold((NEUTRAL, f32::NEG_INFINITY), |acc, (i, &e)| if e > acc.1 { (i, e) } else { acc });
    Prediction { label, confidence: if total > 0.0 { best / total } else { 0.0 } }
}

/// One-vs-rest ridge regression on one-hot labels: `W = (XᵀX + λI)⁻¹ XᵀY` (the bias column,
/// the last, unpenalised), solved by Cholesky in `f64`.
fn ridge(rows: &[&[f32]], labels: &[usize], lambda: f32) -> Result<Vec<Vec<f32>>> {
    let d = rows.first().map_or(0, |r| r.len());
    let mut a = vec![0.0f64; d * d];
    let mut b = vec![0.0f64; d * LABELS.len()];
    for (row, &label) in rows.iter().zip(labels) {
        for i in 0..d {
            let ri = f64::from(row[i]);
            if ri == 0.0 {
                continue;
            }
            for j in 0..=i {
                a[i * d + j] += ri * f64::from(row[j]);
            }
            b[i * LABELS.len() + label] += ri;
        }
    }
    for i in 0..d {
        for j in 0..i {
            a[j * d + i] = a[i * d + j];
        }
        if i + 1 < d {
            a[i * d + i] += f64::from(lambda);
        }
    }
    cholesky_in_place(&mut a, d)?;
    let mut weights = vec![vec![0.0f32; d]; LABELS.len()];
    for (k, row) in weights.iter_mut().enumerate() {
        let rhs: Vec<f64> = (0..d).map(|i| b[i * LABELS.len() + k]).collect();
        let solved = cholesky_solve(&a, d, rhs);
        for (w, x) in row.iter_mut().zip(solved) {
            *w = x as f32;
        }
    }
    Ok(weights)
}

/// Lower-triangular `L` with `A = LLᵀ`, written over `a`'s lower triangle.
pub(crate) fn cholesky_in_place(a: &mut [f64], d: usize) -> Result<()> {
    for j in 0..d {
        let mut diag = a[j * d + j];
        for k in 0..j {
            diag -= a[j * d + k] * a[j * d + k];
        }
        if diag <= 1e-12 {
            return Err(Error::Internal(
                "linear solve: the system is not positive definite".into(),
            ));
        }
        let diag = diag.sqrt();
        a[j * d + j] = diag;
        for i in j + 1..d {
            let mut v = a[i * d + j];
            for k in 0..j {
                v -= a[i * d + k] * a[j * d + k];
            }
            a[i * d + j] = v / diag;
        }
    }
    Ok(())
}

pub(crate) fn cholesky_solve(l: &[f64], d: usize, mut x: Vec<f64>) -> Vec<f64> {
    for i in 0..d {
        for k in 0..i {
            x[i] -= l[i * d + k] * x[k];
        }
        x[i] /= l[i * d + i];
    }
    for i in (0..d).rev() {
        for k in i + 1..d {
            x[i] -= l[k * d + i] * x[k];
        }
        x[i] /= l[i * d + i];
    }
    x
}

/// The labelled set's split: a deal is in the test half when its place among its corpus's
/// deals (sorted by id) is odd, so a deal's quotes never straddle the halves.
pub fn is_test_deal(deal_id: &str, deals_sorted: &[String]) -> bool {
    deals_sorted.iter().position(|d| d == deal_id).is_some_and(|i| i % 2 == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five separable clusters with some noise: the fit finds them, shown predictions meet
    /// the target on held-out folds, and the solve matches a direct check.
    #[test]
    fn ridge_fits_separable_classes_and_calibrates_a_threshold() {
        let dim = 8;
        let mut rows = vec![];
        let mut labels = vec![];
        let mut groups = vec![];
        for i in 0..400usize {
            let label = i % 5;
            let mut v = vec![0.0f32; dim];
            v[label] = 1.0;
            // Deterministic noise.
            for (j, x) in v.iter_mut().enumerate() {
                *x += (((i * 31 + j * 17) % 23) as f32 / 23.0 - 0.5) * 0.4;
            }
            v.extend([0.0, 0.0, 0.0, 1.0]);
            rows.push(v);
            labels.push(label);
            groups.push(format!("D-{}", i / 10));
        }
        let model = StanceModel::fit("m", &rows, &labels, &groups, 1.0).unwrap();
        assert_eq!(model.dimension, dim);
        assert!(model.show_at <= 1.0 && model.tune_precision >= TARGET_PRECISION);
        let right = rows.iter().zip(&labels).filter(|(r, l)| model.predict(r).label == **l).count();
        assert!(right >= 380, "{right} of 400");
        assert_eq!(polarity_of("competitor_positive"), "criticism");
        assert_eq!(polarity_of("competitor_negative"), "praise");
        assert_eq!(polarity_of("neutral"), "neutral");
    }

    #[test]
    fn noise_shows_nothing() {
        let mut rows = vec![];
        let mut labels = vec![];
        let mut groups = vec![];
        for i in 0..200usize {
            let v: Vec<f32> = (0..6)
                .map(|j| ((i * 7919 + j * 104_729) % 97) as f32 / 97.0)
                .chain([0.0, 0.0, 0.0, 1.0])
                .collect();
            rows.push(v);
            labels.push((i * 13) % 4);
            groups.push(format!("D-{}", i / 8));
        }
        let model = StanceModel::fit("m", &rows, &labels, &groups, 1.0).unwrap();
        let shown = rows.iter().filter(|r| model.shown(r).is_some()).count();
        assert!(shown < 20, "labels unrelated to the features: {shown} shown");
    }

    #[test]
    fn the_builtin_model_loads_for_the_default_embedder() {
        let model = StanceModel::builtin().expect("src/stance_model.json parses");
        assert_eq!(model.model_id, crate::embed::DEFAULT_MODEL);
        assert_eq!(model.weights.len(), LABELS.len());
        assert!(model.weights.iter().all(|w| w.len() == model.dimension + EXTRA_FEATURES));
        assert!(model.tune_precision >= TARGET_PRECISION, "{}", model.tune_precision);
        assert!(StanceModel::for_embedder("hashed-384-v1", 384).is_none());
    }

    #[test]
    fn the_split_is_by_deal_alternating() {
        let deals: Vec<String> = ["A", "B", "C", "D"].iter().map(|s| s.to_string()).collect();
        let test: Vec<bool> = deals.iter().map(|d| is_test_deal(d, &deals)).collect();
        assert_eq!(test, [false, true, false, true]);
        assert!(!is_test_deal("Z", &deals));
    }
}

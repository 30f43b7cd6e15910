//! Learned theme tagging: one logistic regression per theme over what the prototype tagger
//! reads ([`crate::themes::ThemeTagger::theme_features`]: cue words in the answer and in the
//! question, the best cosine to the theme's example sentences, whether a competitor is named,
//! and for `competitor_strengths` how the sentences naming one read) plus the quote's vector
//! (standardised, down-weighted), fitted with balanced class weights on the tune half of the
//! blind-labelled set (`tests/fixtures/labels`) and the project's training-only corpora
//! (`tests/fixtures/themes-train`). Each theme's decision threshold is the one
//! that maximises F1 over leave-one-deal-out predictions of the tune half; the test half is
//! never looked at. The fitted model ships in the binary ([`ThemeModel::builtin`]) and applies
//! to the embedding model and taxonomy it was fitted on; `storybank train-themes` refits it and
//! `storybank eval-labels` scores it on the test half.
//!
//! Users' corrections teach it too: [`ThemeModel::adapted`] refits every theme's weights on
//! the corrected quotes with the shipped weights as the prior (a Gaussian centred on them), so
//! a handful of corrections moves the model toward them without forgetting the labelled set.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stance::{cholesky_in_place, cholesky_solve};

/// Inverse regularisation strength the model is fitted with (sklearn's `C`: the loss is summed
/// over quotes and weighed against half the squared norm of the weights).
pub const C: f64 = 0.1;
/// Scale of the standardised quote vector against the theme's own inputs (the vector has 384
/// dimensions and the theme's inputs a handful: it should inform, not dominate).
pub const VECTOR_WEIGHT: f32 = 0.3;
/// Newton iterations at most.
const MAX_ITERATIONS: usize = 60;

/// A labelled quote, as the fitter reads it.
#[derive(Debug, Clone)]
pub struct Example {
    /// Per theme (taxonomy order): the theme's own inputs.
    pub features: Vec<Vec<f32>>,
    /// The quote's vector.
    pub vector: Vec<f32>,
    /// Per theme: labelled with it.
    pub labels: Vec<bool>,
    /// The deal (quotes of a deal are held out together).
    pub group: String,
}

/// One theme's classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeClassifier {
    /// The theme id.
    pub theme: String,
    /// Mean of each of the theme's inputs on the fitting set.
    pub mean: Vec<f32>,
    /// 1 / standard deviation of each input.
    pub scale: Vec<f32>,
    /// Weights over the standardised inputs, then over the scaled vector.
    pub weights: Vec<f32>,
    /// Intercept.
    pub bias: f32,
    /// Decision value at and above which the theme is tagged.
    pub threshold: f32,
    /// F1 of leave-one-deal-out predictions on the tune half at `threshold`.
    pub tune_f1: f64,
}

/// A fitted theme model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeModel {
    /// The embedding model whose vectors it reads.
    pub model_id: String,
    /// Their dimension.
    pub dimension: usize,
    /// Quotes it was fitted on.
    pub examples: usize,
    /// Mean over themes of `tune_f1` (leave-one-deal-out on the tune half).
    pub tune_macro_f1: f64,
    /// Mean of each vector dimension on the fitting set.
    pub vector_mean: Vec<f32>,
    /// [`VECTOR_WEIGHT`] / standard deviation of each vector dimension.
    pub vector_scale: Vec<f32>,
    /// One classifier per theme, in taxonomy order.
    pub themes: Vec<ThemeClassifier>,
}

static BUILTIN: OnceLock<Option<ThemeModel>> = OnceLock::new();

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Mean and 1/sd of each column (sd floored so a constant column scores 0).
fn standardiser(rows: &[&[f32]], weight: f32) -> (Vec<f32>, Vec<f32>) {
    let d = rows.first().map_or(0, |r| r.len());
    let n = rows.len().max(1) as f64;
    let mut mean = vec![0.0f64; d];
    for row in rows {
        for (m, &x) in mean.iter_mut().zip(row.iter()) {
            *m += f64::from(x);
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0f64; d];
    for row in rows {
        for ((v, &x), m) in var.iter_mut().zip(row.iter()).zip(&mean) {
            *v += (f64::from(x) - m).powi(2);
        }
    }
    let scale = var.iter().map(|v| (f64::from(weight) / ((v / n).sqrt() + 1e-6)) as f32).collect();
    (mean.into_iter().map(|m| m as f32).collect(), scale)
}

/// A design row: the theme's standardised inputs, then the scaled vector.
fn design(
    features: &[f32],
    mean: &[f32],
    scale: &[f32],
    vector: &[f32],
    vector_mean: &[f32],
    vector_scale: &[f32],
) -> Vec<f64> {
    let own = features.iter().zip(mean).zip(scale).map(|((x, m), s)| f64::from((x - m) * s));
    let vec =
        vector.iter().zip(vector_mean).zip(vector_scale).map(|((x, m), s)| f64::from((x - m) * s));
    own.chain(vec).collect()
}

/// Weighted L2 logistic regression by Newton's method: minimises
/// `½‖w − prior‖² + c Σ sᵢ log(1 + e^{−yᵢ(w·xᵢ + b)})` with `sᵢ` balancing the two classes
/// (the intercept is not penalised). Returns `(w, b)`.
pub fn logistic(
    rows: &[Vec<f64>],
    labels: &[bool],
    c: f64,
    prior: Option<(&[f64], f64)>,
) -> Result<(Vec<f64>, f64)> {
    let n = rows.len();
    let d = rows.first().map_or(0, Vec::len);
    let positives = labels.iter().filter(|&&y| y).count();
    let (w_pos, w_neg) = if positives == 0 || positives == n {
        (1.0, 1.0)
    } else {
        (n as f64 / (2.0 * positives as f64), n as f64 / (2.0 * (n - positives) as f64))
    };
    let sample_weight = |y: bool| if y { w_pos } else { w_neg };
    let (center, mut bias) = match prior {
        Some((w, b)) => (w.to_vec(), b),
        None => (vec![0.0; d], 0.0),
    };
    let mut w = center.clone();
    let objective = |w: &[f64], b: f64| -> f64 {
        let penalty: f64 = w.iter().zip(&center).map(|(a, c0)| (a - c0).powi(2)).sum::<f64>() / 2.0;
        let loss: f64 = rows
            .iter()
            .zip(labels)
            .map(|(x, &y)| {
                let z = x.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() + b;
                let m = if y { z } else { -z };
                // log(1 + e^{-m}) without overflow.
                sample_weight(y) * if m > 0.0 { (-m).exp().ln_1p() } else { -m + m.exp().ln_1p() }
            })
            .sum();
        penalty + c * loss
    };
    let dim = d + 1;
    let mut current = objective(&w, bias);
    for _ in 0..MAX_ITERATIONS {
        let mut grad = vec![0.0f64; dim];
        let mut hess = vec![0.0f64; dim * dim];
        for i in 0..d {
            grad[i] = w[i] - center[i];
            hess[i * dim + i] = 1.0;
        }
        hess[d * dim + d] = 1e-8;
        for (x, &y) in rows.iter().zip(labels) {
            let z = x.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() + bias;
            let p = sigmoid(z);
            let s = c * sample_weight(y);
            let g = s * (p - if y { 1.0 } else { 0.0 });
            let h = s * p * (1.0 - p);
            for i in 0..d {
                grad[i] += g * x[i];
                let hx = h * x[i];
                if hx == 0.0 {
                    continue;
                }
                let row = &mut hess[i * dim..i * dim + i + 1];
                for (j, cell) in row.iter_mut().enumerate() {
                    *cell += hx * x[j];
                }
                hess[i * dim + d] += hx;
            }
            grad[d] += g;
            hess[d * dim + d] += h;
        }
        // Symmetrise (the lower triangle was filled, the bias column as column d).
        for i in 0..d {
            hess[d * dim + i] = hess[i * dim + d];
        }
        for i in 0..dim {
            for j in i + 1..dim {
                hess[i * dim + j] = hess[j * dim + i];
            }
        }
        cholesky_in_place(&mut hess, dim)?;
        let step = cholesky_solve(&hess, dim, grad.clone());
        // Backtracking: a Newton step on the logistic loss can overshoot far from the optimum.
        let mut t = 1.0;
        let (next_w, next_b, next) = loop {
            let nw: Vec<f64> = w.iter().zip(&step).map(|(a, s)| a - t * s).collect();
            let nb = bias - t * step[d];
            let value = objective(&nw, nb);
            if value <= current + 1e-12 || t < 1e-6 {
                break (nw, nb, value);
            }
            t /= 2.0;
        };
        let decrease = current - next;
        w = next_w;
        bias = next_b;
        current = next;
        let size = step.iter().fold(0.0f64, |m, s| m.max(s.abs())) * t;
        if size < 1e-7 || decrease.abs() < 1e-10 * current.abs().max(1.0) {
            break;
        }
    }
    Ok((w, bias))
}

/// The threshold that maximises F1 of `scores` against `labels` (a midpoint between two
/// neighbouring scores), and that F1.
pub fn best_threshold(scores: &[f32], labels: &[bool]) -> (f32, f64) {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let gold = labels.iter().filter(|&&y| y).count();
    let (mut tp, mut best, mut at) = (0usize, -1.0f64, 0usize);
    for (k, &i) in order.iter().enumerate() {
        tp += usize::from(labels[i]);
        let f1 = 2.0 * tp as f64 / ((k + 1) as f64 + gold as f64);
        if f1 > best {
            best = f1;
            at = k;
        }
    }
    if order.is_empty() {
        return (f32::INFINITY, 0.0);
    }
    let threshold = match order.get(at + 1) {
        Some(&next) => (scores[order[at]] + scores[next]) / 2.0,
        None => scores[order[at]] - 1e-6,
    };
    (threshold, best.max(0.0))
}

/// Fits one theme's classifier on `train` and returns it with `threshold` unset (∞).
fn fit_theme(
    theme: usize,
    id: &str,
    examples: &[&Example],
    vector_mean: &[f32],
    vector_scale: &[f32],
    prior: Option<&ThemeClassifier>,
) -> Result<ThemeClassifier> {
    let (mean, scale) = match prior {
        Some(p) => (p.mean.clone(), p.scale.clone()),
        None => standardiser(
            &examples.iter().map(|e| e.features[theme].as_slice()).collect::<Vec<_>>(),
            1.0,
        ),
    };
    let rows: Vec<Vec<f64>> = examples
        .iter()
        .map(|e| design(&e.features[theme], &mean, &scale, &e.vector, vector_mean, vector_scale))
        .collect();
    let labels: Vec<bool> = examples.iter().map(|e| e.labels[theme]).collect();
    let prior_weights: Option<Vec<f64>> =
        prior.map(|p| p.weights.iter().map(|&w| f64::from(w)).collect());
    let (weights, bias) = logistic(
        &rows,
        &labels,
        C,
        prior_weights.as_deref().zip(prior.map(|p| f64::from(p.bias))),
    )?;
    Ok(ThemeClassifier {
        theme: id.to_string(),
        mean,
        scale,
        weights: weights.into_iter().map(|w| w as f32).collect(),
        bias: bias as f32,
        threshold: prior.map_or(f32::INFINITY, |p| p.threshold),
        tune_f1: prior.map_or(0.0, |p| p.tune_f1),
    })
}

impl ThemeClassifier {
    /// The decision value (log-odds scale) for one quote.
    pub fn decision(&self, features: &[f32], vector: &[f32], model: &ThemeModel) -> f32 {
        let x = design(
            features,
            &self.mean,
            &self.scale,
            vector,
            &model.vector_mean,
            &model.vector_scale,
        );
        let z: f64 = x.iter().zip(&self.weights).map(|(a, &b)| a * f64::from(b)).sum();
        (z + f64::from(self.bias)) as f32
    }
}

impl ThemeModel {
    /// The model fitted on the bundled labelled set, for the default embedding model.
    pub fn builtin() -> Option<&'static ThemeModel> {
        BUILTIN.get_or_init(|| serde_json::from_str(include_str!("theme_model.json")).ok()).as_ref()
    }

    /// The builtin model when it reads this embedding model's vectors and these themes (in
    /// this order).
    pub fn for_embedder(
        model_id: &str,
        dimension: usize,
        theme_ids: &[&str],
    ) -> Option<&'static ThemeModel> {
        Self::builtin().filter(|m| {
            m.model_id == model_id
                && m.dimension == dimension
                && m.themes.iter().map(|t| t.theme.as_str()).eq(theme_ids.iter().copied())
        })
    }

    /// Fits one classifier per theme on `examples` and picks each theme's threshold on
    /// leave-one-deal-out predictions.
    pub fn fit(model_id: &str, theme_ids: &[String], examples: &[Example]) -> Result<ThemeModel> {
        if examples.is_empty() {
            return Err(Error::InvalidRequest("themes: no labelled quotes to fit".into()));
        }
        if examples
            .iter()
            .any(|e| e.features.len() != theme_ids.len() || e.labels.len() != theme_ids.len())
        {
            return Err(Error::InvalidRequest("themes: examples do not match the taxonomy".into()));
        }
        let groups: BTreeSet<&str> = examples.iter().map(|e| e.group.as_str()).collect();
        let mut held_out = vec![vec![0.0f32; theme_ids.len()]; examples.len()];
        for group in &groups {
            let train: Vec<&Example> = examples.iter().filter(|e| e.group != *group).collect();
            if train.is_empty() {
                continue;
            }
            let model = Self::fit_all(model_id, theme_ids, &train)?;
            for (i, e) in examples.iter().enumerate().filter(|(_, e)| e.group == *group) {
                for (t, classifier) in model.themes.iter().enumerate() {
                    held_out[i][t] = classifier.decision(&e.features[t], &e.vector, &model);
                }
            }
        }
        let all: Vec<&Example> = examples.iter().collect();
        let mut model = Self::fit_all(model_id, theme_ids, &all)?;
        for (t, classifier) in model.themes.iter_mut().enumerate() {
            let scores: Vec<f32> = held_out.iter().map(|row| row[t]).collect();
            let labels: Vec<bool> = examples.iter().map(|e| e.labels[t]).collect();
            let (threshold, f1) = best_threshold(&scores, &labels);
            classifier.threshold = threshold;
            classifier.tune_f1 = f1;
        }
        model.tune_macro_f1 =
            model.themes.iter().map(|t| t.tune_f1).sum::<f64>() / model.themes.len().max(1) as f64;
        Ok(model)
    }

    fn fit_all(model_id: &str, theme_ids: &[String], examples: &[&Example]) -> Result<ThemeModel> {
        let (vector_mean, vector_scale) = standardiser(
            &examples.iter().map(|e| e.vector.as_slice()).collect::<Vec<_>>(),
            VECTOR_WEIGHT,
        );
        let themes = theme_ids
            .iter()
            .enumerate()
            .map(|(t, id)| fit_theme(t, id, examples, &vector_mean, &vector_scale, None))
            .collect::<Result<Vec<_>>>()?;
        Ok(ThemeModel {
            model_id: model_id.to_string(),
            dimension: examples.first().map_or(0, |e| e.vector.len()),
            examples: examples.len(),
            tune_macro_f1: 0.0,
            vector_mean,
            vector_scale,
            themes,
        })
    }

    /// The model refitted on users' corrected quotes, each theme's weights pulled toward the
    /// corrections from the fitted ones (the prior); thresholds and scales stay.
    pub fn adapted(&self, corrections: &[Example]) -> Result<ThemeModel> {
        if corrections.is_empty() {
            return Ok(self.clone());
        }
        let refs: Vec<&Example> = corrections.iter().collect();
        let themes = self
            .themes
            .iter()
            .enumerate()
            .map(|(t, prior)| {
                fit_theme(
                    t,
                    &prior.theme,
                    &refs,
                    &self.vector_mean,
                    &self.vector_scale,
                    Some(prior),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ThemeModel { themes, examples: self.examples + corrections.len(), ..self.clone() })
    }

    /// The theme ids of one quote, strongest first, at most [`crate::themes::MAX_THEMES`] (as
    /// ingest tags them).
    pub fn themes_of(&self, features: &[Vec<f32>], vector: &[f32]) -> Vec<String> {
        self.predict(features, vector)
            .into_iter()
            .take(crate::themes::MAX_THEMES)
            .map(|(t, _)| self.themes[t].theme.clone())
            .collect()
    }

    /// The themes of one quote (indexes into the taxonomy), strongest first: those whose
    /// decision value reaches their threshold, by how far above it.
    pub fn predict(&self, features: &[Vec<f32>], vector: &[f32]) -> Vec<(usize, f32)> {
        let mut out: Vec<(usize, f32)> = self
            .themes
            .iter()
            .enumerate()
            .filter_map(|(t, c)| {
                let margin = c.decision(features.get(t)?, vector, self) - c.threshold;
                (margin >= 0.0).then_some((t, margin))
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small random problem: theme 0 follows input 0, theme 1 follows vector dimension 2.
    fn examples(n: usize, seed: u64) -> Vec<Example> {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as f64 / (1u64 << 31) as f64) as f32 - 0.5
        };
        (0..n)
            .map(|i| {
                let a = next();
                let noise = next() * 0.2;
                let vector: Vec<f32> = (0..8).map(|_| next()).collect();
                Example {
                    features: vec![vec![a + noise, next()], vec![next(), next()]],
                    labels: vec![a > 0.1, vector[2] > 0.0],
                    vector,
                    group: format!("deal-{}", i % 7),
                }
            })
            .collect()
    }

    #[test]
    fn logistic_matches_a_known_optimum() {
        // One input, no penalty to speak of: the optimum of a separable-ish 1-d problem has a
        // gradient of zero; check the first-order condition directly.
        let rows: Vec<Vec<f64>> =
            [-2.0, -1.0, -0.5, 0.2, 0.4, 1.0, 2.0, -0.1].iter().map(|&x| vec![x]).collect();
        let labels = [false, false, true, false, true, true, true, false];
        let (w, b) = logistic(&rows, &labels, 10.0, None).unwrap();
        let pos = labels.iter().filter(|&&y| y).count() as f64;
        let n = labels.len() as f64;
        let (mut gw, mut gb) = (w[0], 0.0);
        for (x, &y) in rows.iter().zip(&labels) {
            let s = if y { n / (2.0 * pos) } else { n / (2.0 * (n - pos)) };
            let g = 10.0 * s * (sigmoid(w[0] * x[0] + b) - f64::from(u8::from(y)));
            gw += g * x[0];
            gb += g;
        }
        assert!(gw.abs() < 1e-6 && gb.abs() < 1e-6, "gradient {gw} {gb}");
        assert!(w[0] > 0.0);
    }

    #[test]
    fn fit_learns_both_kinds_of_input_and_held_out_thresholds() {
        let train = examples(300, 1);
        let ids = vec!["a".to_string(), "b".to_string()];
        let model = ThemeModel::fit("test-model", &ids, &train).unwrap();
        assert!(model.tune_macro_f1 > 0.8, "{}", model.tune_macro_f1);
        let test = examples(200, 2);
        for t in 0..2 {
            let (mut tp, mut fp, mut fn_) = (0, 0, 0);
            for e in &test {
                let p = model.predict(&e.features, &e.vector).iter().any(|&(i, _)| i == t);
                match (p, e.labels[t]) {
                    (true, true) => tp += 1,
                    (true, false) => fp += 1,
                    (false, true) => fn_ += 1,
                    _ => {}
                }
            }
            let f1 = 2.0 * tp as f64 / (2.0 * tp as f64 + fp as f64 + fn_ as f64);
            assert!(f1 > 0.8, "theme {t}: F1 {f1}");
        }
        // Shuffled labels teach nothing: held-out F1 falls to about the base rate's.
        let mut noise = examples(300, 3);
        for (i, e) in noise.iter_mut().enumerate() {
            e.labels = vec![i % 3 == 0, i % 5 == 0];
        }
        let model = ThemeModel::fit("test-model", &ids, &noise).unwrap();
        assert!(model.tune_macro_f1 < 0.6, "{}", model.tune_macro_f1);
    }

    #[test]
    fn corrections_move_the_model_toward_them() {
        let ids = vec!["a".to_string(), "b".to_string()];
        let model = ThemeModel::fit("test-model", &ids, &examples(200, 4)).unwrap();
        // Users insist theme "a" applies to quotes whose input 1 is high, whatever input 0 says.
        let mut corrections = examples(60, 5);
        for e in &mut corrections {
            e.features[0][0] = -0.4;
            e.labels[0] = e.features[0][1] > 0.0;
        }
        let adapted = model.adapted(&corrections).unwrap();
        let probe = |m: &ThemeModel| {
            let features = [vec![-0.4, 0.45], vec![0.0, 0.0]];
            m.themes[0].decision(&features[0], &[0.0; 8], m)
        };
        assert!(probe(&adapted) > probe(&model) + 1.0, "{} vs {}", probe(&adapted), probe(&model));
        assert_eq!(adapted.themes[0].threshold, model.themes[0].threshold);
        assert!(model.adapted(&[]).unwrap() == model);
    }
}

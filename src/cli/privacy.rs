//! Privacy commands: `anonymize-eval` (leaks, over-redaction, planted ordinary words, Presidio;
//! on a labelled corpus or a generated one), `reanonymize` and `pii-scan`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};

use crate::Storybank;
use crate::config::Settings;
use crate::eval::anonymize::CorpusAnonymization;

/// Which CRM-seed settings `anonymize-eval` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Seed {
    /// The CRM names seed the anonymizer, as at ingest.
    On,
    /// Detection alone.
    Off,
    /// Both.
    Both,
}

/// Flags of `anonymize-eval`.
#[derive(Debug, Args)]
pub struct AnonymizeEvalArgs {
    /// A labelled corpus (deals.csv, transcripts/, pii.txt, optional keep.tsv).
    #[arg(long, default_value = "../shared/eval/dev")]
    pub corpus: PathBuf,
    /// Presidio's synth_dataset_v2.json (measured when present; not with --generate unless
    /// given).
    #[arg(long)]
    pub presidio: Option<PathBuf>,
    /// Generate this many adversarial interviews and measure on them instead of --corpus.
    #[arg(long)]
    pub generate: Option<usize>,
    /// Seed of the generator (default: a new random seed, printed so a failure can be
    /// replayed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Keep the generated corpus in this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Measure with the CRM seed on, off, or both.
    #[arg(long, value_enum, default_value = "both")]
    pub crm: Seed,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

const DEFAULT_PRESIDIO: &str = "../shared/data/pii-presidio/synth_dataset_v2.json";

/// Targets: surviving share with the seed off (dev 1%, generated 2%), 0 with it on,
/// over-redaction 0.5%, no competitor redacted, no planted ordinary word redacted.
fn failures(result: &CorpusAnonymization, generated: bool) -> Vec<String> {
    let share = result.surviving.len() as f64 / result.pii_strings.max(1) as f64;
    let allowed = match (result.crm_seed, generated) {
        (true, _) => 0.0,
        (false, true) => 0.02,
        (false, false) => 0.01,
    };
    let mut failed = vec![];
    if share > allowed {
        failed.push(format!(
            "{:.1}% of pii.txt strings survive (target <= {:.0}%)",
            share * 100.0,
            allowed * 100.0
        ));
    }
    if result.over_redaction_rate > 0.005 {
        failed.push(format!(
            "over-redaction {:.2}% (target <= 0.5%)",
            result.over_redaction_rate * 100.0
        ));
    }
    if result.competitor_redactions > 0 {
        failed.push(format!(
            "{} competitor mentions redacted (target 0)",
            result.competitor_redactions
        ));
    }
    if !result.keep_broken.is_empty() {
        failed.push(format!(
            "{} planted ordinary words redacted (target 0)",
            result.keep_broken.len()
        ));
    }
    if !result.unreadable.is_empty() {
        failed.push(format!(
            "{} transcripts could not be read and were not measured: {}",
            result.unreadable.len(),
            result.unreadable.join("; ")
        ));
    }
    failed
}

fn print_corpus(corpus: &Path, result: &CorpusAnonymization) {
    let seed = if result.crm_seed { "on (as at ingest)" } else { "off (detection alone)" };
    println!("## {} with the CRM seed {seed}\n", corpus.display());
    for unreadable in &result.unreadable {
        println!("- not measured (ingest refuses it too): {unreadable}");
    }
    println!(
        "- pii.txt strings surviving in served text: {} of {} ({:.1}%){}",
        result.surviving.len(),
        result.pii_strings,
        100.0 * result.surviving.len() as f64 / result.pii_strings.max(1) as f64,
        if result.surviving.is_empty() {
            String::new()
        } else {
            format!(": {}", result.surviving.join(", "))
        }
    );
    println!(
        "- over-redaction: {} of {} tokens ({:.2}%); most frequent: {}",
        result.over_redacted_tokens,
        result.tokens,
        100.0 * result.over_redaction_rate,
        result
            .over_redacted_examples
            .iter()
            .take(12)
            .map(|(t, n)| format!("{t} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "- competitor mentions redacted: {} of {}{}",
        result.competitor_redactions,
        result.competitor_mentions,
        if result.redacted_competitors.is_empty() {
            String::new()
        } else {
            let shown: Vec<String> =
                result.redacted_competitors.iter().map(|(f, n)| format!("{f} ({n})")).collect();
            format!(": {}", shown.join(", "))
        }
    );
    if result.keep_phrases > 0 {
        println!(
            "- planted ordinary words redacted: {} of {}{}",
            result.keep_broken.len(),
            result.keep_phrases,
            if result.keep_broken.is_empty() {
                String::new()
            } else {
                let shown: Vec<String> = result
                    .keep_broken
                    .iter()
                    .take(12)
                    .map(|(deal, phrase)| format!("{deal}: {phrase:?}"))
                    .collect();
                format!(": {}", shown.join("; "))
            }
        );
    }
    println!();
}

/// `storybank anonymize-eval`.
pub fn anonymize_eval(settings: &Settings, args: AnonymizeEvalArgs) -> anyhow::Result<u8> {
    let ner = if settings.pii_tagger {
        let model = &settings.model;
        Some(Arc::new(crate::anonymize::ner::NerModel::load(
            &model.models_dir,
            model.ort_library.as_deref(),
            model.threads,
        )?))
    } else {
        None
    };
    let mut output = serde_json::Map::new();
    let mut _generated_dir = None;
    let (corpus, generated) = match args.generate {
        Some(interviews) => {
            let seed = args.seed.unwrap_or_else(random_seed);
            eprintln!(
                "anonymize-eval: generating {interviews} interviews with seed {seed} \
                 (replay with --generate {interviews} --seed {seed})"
            );
            let dir = match &args.out {
                Some(out) => out.clone(),
                None => {
                    let temp = tempfile::tempdir()?;
                    let path = temp.path().to_path_buf();
                    _generated_dir = Some(temp);
                    path
                }
            };
            crate::eval::generate::generate(
                &dir,
                &crate::eval::generate::GenerateOptions { interviews, seed },
            )?;
            output.insert("seed".into(), seed.into());
            (dir, true)
        }
        None => (args.corpus.clone(), false),
    };
    let mut failed = vec![];
    if corpus.join("pii.txt").is_file() {
        let seeds: &[bool] = match args.crm {
            Seed::On => &[true],
            Seed::Off => &[false],
            Seed::Both => &[true, false],
        };
        for &crm_seed in seeds {
            let result = crate::eval::anonymize::corpus(&corpus, ner.clone(), crm_seed)?;
            if !args.json {
                print_corpus(&corpus, &result);
            }
            failed.extend(failures(&result, generated).into_iter().map(|failure| {
                format!("CRM seed {}: {failure}", if crm_seed { "on" } else { "off" })
            }));
            output.insert(
                if crm_seed { "crm_seed_on" } else { "crm_seed_off" }.into(),
                serde_json::to_value(&result)?,
            );
        }
    } else {
        eprintln!(
            "anonymize-eval: {} has no pii.txt; skipping the corpus measurement",
            corpus.display()
        );
    }
    let presidio = match (&args.presidio, generated) {
        (Some(path), _) => Some(path.clone()),
        (None, false) => Some(PathBuf::from(DEFAULT_PRESIDIO)),
        (None, true) => None,
    };
    match presidio {
        Some(path) if path.is_file() => {
            let scores = crate::eval::anonymize::presidio(&path, ner)?;
            if !args.json {
                println!("## Presidio synthetic set ({})\n", path.display());
                println!(
                    "| entity | gold | precision | recall | Presidio out of the box (P / R) |\n|---|---|---|---|---|"
                );
                for (entity, score) in &scores {
                    let reference = match entity.as_str() {
                        "PERSON" => "0.70 / 0.84",
                        "PHONE_NUMBER" => "0.94 / 0.55",
                        "EMAIL_ADDRESS" => "1.00 / 1.00",
                        _ => "-",
                    };
                    println!(
                        "| {entity} | {} | {:.3} | {:.3} | {reference} |",
                        score.gold, score.precision, score.recall
                    );
                }
                println!();
            }
            output.insert("presidio".into(), serde_json::to_value(&scores)?);
        }
        Some(path) => eprintln!(
            "anonymize-eval: {} not found; skipping the Presidio measurement",
            path.display()
        ),
        None => {}
    }
    if args.json {
        output.insert("failures".into(), serde_json::to_value(&failed)?);
        println!("{}", serde_json::to_string_pretty(&output)?);
    } else if failed.is_empty() {
        println!("all anonymization targets met");
    } else {
        println!("targets missed:\n- {}", failed.join("\n- "));
    }
    Ok(u8::from(!failed.is_empty()))
}

/// A seed from the clock and the process id (no randomness crate needed for this).
fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// `storybank reanonymize`.
pub fn reanonymize(settings: &Settings, json: bool) -> anyhow::Result<u8> {
    let bank = Storybank::open_existing(settings)?;
    let report = bank.reanonymize(&|_, _| {})?;
    super::team::audit(bank.access(), "reanonymize", &report.quotes_gone);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "re-anonymized {} deals, {} quotes ({} changed, {} gone, {} vectors from cache) in {:.1}s",
            report.deals,
            report.quotes,
            report.quotes_changed,
            report.quotes_gone.len(),
            report.cached_vectors,
            report.elapsed_ms as f64 / 1000.0
        );
        for skipped in &report.skipped {
            println!("skipped {skipped}");
        }
    }
    Ok(u8::from(!report.skipped.is_empty()))
}

/// `storybank pii-scan`.
pub fn pii_scan(settings: &Settings, json: bool) -> anyhow::Result<u8> {
    let bank = Storybank::open_existing(settings)?;
    let findings = bank.pii_scan()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&findings)?);
    } else {
        println!("{}", crate::privacy::describe(&findings));
    }
    Ok(u8::from(!findings.is_empty()))
}

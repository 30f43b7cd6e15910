//! The command line: parses flags into [`Settings`] and calls [`Storybank`]. Results go to
//! stdout, logs and progress to stderr.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{EmbedderKind, Settings};
use crate::model::{Day, Filters, OneOrMany, Quote};
use crate::search::similar::SimilarRequest;
use crate::search::{Mode, SearchRequest};
use crate::{Storybank, api};

mod bank;
mod privacy;
mod program;
mod team;

/// storybank: a self-hosted win/loss story bank of anonymized buyer quotes.
#[derive(Debug, Parser)]
#[command(name = "storybank", version, about)]
pub struct Cli {
    /// Index folder.
    #[arg(long, global = true, env = "STORYBANK_INDEX", default_value = crate::config::DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    /// Models folder (filled by scripts/setup).
    #[arg(long, global = true, env = "STORYBANK_MODELS_DIR")]
    pub models_dir: Option<PathBuf>,
    /// Embedding model: a folder under the models folder, or a path to one (default:
    /// bge-small-en-v1.5-int8). An index keeps the model it was built with: another model
    /// needs a fresh index folder.
    #[arg(long, global = true, env = "STORYBANK_MODEL")]
    pub model: Option<String>,
    /// ONNX Runtime shared library (default: <models-dir>/lib/libonnxruntime.so.1.24.4).
    #[arg(long, global = true, env = "STORYBANK_ORT_LIBRARY")]
    pub ort_library: Option<PathBuf>,
    /// Embedding cache: a SQLite file (default: the index's own store, <index>/store.sqlite).
    #[arg(long, global = true, env = "STORYBANK_EMBED_CACHE")]
    pub embed_cache: Option<PathBuf>,
    /// Quote size target in words when ingesting (10-120).
    #[arg(long, global = true, env = "STORYBANK_CHUNK_WORDS", value_parser = clap::value_parser!(u16).range(10..=120))]
    pub chunk_words: Option<u16>,
    /// Skip the local PII tagger when ingesting (rules and CRM names only; faster).
    #[arg(long, global = true, env = "STORYBANK_NO_PII_TAGGER")]
    pub no_pii_tagger: bool,
    /// Inference threads.
    #[arg(long, global = true, env = "STORYBANK_THREADS")]
    pub threads: Option<usize>,
    /// Below this many deals, answers say the sample is too small to generalise.
    #[arg(long, global = true, env = "STORYBANK_MIN_DEALS")]
    pub min_deals: Option<usize>,
    /// OpenAI-compatible endpoint for optional cited summaries in `ask` (e.g.
    /// http://127.0.0.1:8080/v1); off when unset. Token: STORYBANK_GENERATOR_API_KEY.
    #[arg(long, global = true, env = "STORYBANK_GENERATOR_URL")]
    pub generator_url: Option<String>,
    /// Model name sent to the generator.
    #[arg(long, global = true, env = "STORYBANK_GENERATOR_MODEL", default_value = "default")]
    pub generator_model: String,
    /// Where vectors live: `flat` (embedded, the default) or a Qdrant cluster,
    /// qdrant://HOST:6334[,HOST:6334...][/COLLECTION][?shards=N&replication=N&write_consistency=N]
    /// (qdrants:// for TLS; API key: STORYBANK_QDRANT_API_KEY). A new index records it and every
    /// later command reopens it; naming another store is an error (`reindex --vectors` moves).
    #[arg(long, global = true, env = "STORYBANK_QDRANT_URL", value_parser = parse_backend)]
    pub vectors: Option<crate::store::vector::Backend>,
    /// Log format on stderr.
    #[arg(long, global = true, env = "STORYBANK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log output format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest a corpus folder: deals.csv (storybank's header, or a Salesforce/HubSpot report;
    /// optional mapping.toml), transcripts/ (.txt, .md, .vtt, .srt, .json), optional
    /// competitors.toml.
    Ingest {
        /// The corpus folder.
        dir: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Show which deals.csv column gives each field and the first rows; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// A TOML file naming deals.csv columns (`[columns] deal_id = "Opp Number"`);
        /// default: mapping.toml in the corpus folder.
        #[arg(long)]
        mapping: Option<PathBuf>,
    },
    /// Ingest a folder as files appear in it (transcripts at the top or in transcripts/,
    /// deals.csv and friends at the top): each file once, after it held still for an interval;
    /// every round is appended to <index>/watch-report.jsonl. Ctrl-C stops.
    Watch {
        /// The folder to watch.
        dir: PathBuf,
        /// Seconds between looks (a file must hold still this long).
        #[arg(long, default_value_t = 2)]
        interval: u64,
        /// Take what is there now (two looks, one interval apart), then exit: for cron.
        #[arg(long)]
        once: bool,
    },
    /// Search buyer quotes.
    Search(SearchArgs),
    /// Find past deals similar to a description or a deal.
    Similar {
        /// A description of the deal.
        query: Option<String>,
        /// An ingested deal id instead of a description.
        #[arg(long = "deal")]
        deal_id: Option<String>,
        /// Number of deals.
        #[arg(long, default_value_t = 5)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the HTTP API. Without API keys only on a loopback address; with keys, every
    /// route but the web page's files, `/healthz` and `/openapi.json` needs one.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "STORYBANK_ADDR", default_value = "127.0.0.1:7700")]
        addr: String,
        /// Trust this header (e.g. X-Forwarded-User) for the signed-in user, set by an SSO
        /// proxy in front of storybank. Off by default.
        #[arg(long, requires = "role_map")]
        trust_proxy_header: Option<String>,
        /// With --trust-proxy-header: a TOML file of roles, `default = "reader"` and a
        /// `[users]` table of `"ana@example.com" = "editor"`.
        #[arg(long)]
        role_map: Option<PathBuf>,
        /// The secret the SSO proxy sends in `X-Storybank-Proxy-Secret`; required when the
        /// header is trusted on a non-loopback address.
        #[arg(long, env = "STORYBANK_PROXY_SECRET", hide_env_values = true)]
        proxy_secret: Option<String>,
        /// Requests per minute per key or proxy user (0: no limit).
        #[arg(long, env = "STORYBANK_RATE_LIMIT", default_value_t = 600)]
        rate_limit: u32,
        /// Largest upload to `POST /v1/admin/ingest`, in MiB.
        #[arg(long, env = "STORYBANK_MAX_UPLOAD_MB", default_value_t = 50)]
        max_upload_mb: usize,
        /// On a loopback address, also answer requests addressed to this name (the public name
        /// a reverse proxy in front passes on as `Host`). Repeatable.
        #[arg(long, env = "STORYBANK_ALLOW_HOSTS", value_delimiter = ',')]
        allow_host: Vec<String>,
    },
    /// Create, list and revoke API keys.
    Keys {
        #[command(subcommand)]
        /// What to do.
        command: team::KeysCommand,
    },
    /// Print the audit log: who changed what and when (ids only, never text).
    Audit {
        /// Lines after this position.
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// At most this many lines.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the keyword and vector indexes from the stored deals. With `--vectors`, move the
    /// vectors to that backend instead (a Qdrant cluster, or back to `flat`), from the
    /// embedding cache: nothing is re-embedded.
    Reindex,
    /// Write a consistent copy of the index's store (safe while `serve` runs) into a new folder.
    Backup {
        /// The backup folder (must not exist or be empty).
        dir: PathBuf,
    },
    /// Restore a backup folder into the index folder (stop `serve` first); the indexes are
    /// rebuilt from it on the next open, without re-embedding.
    Restore {
        /// The backup folder.
        dir: PathBuf,
        /// Replace an existing index (its store is kept under `backups/`).
        #[arg(long)]
        force: bool,
    },
    /// Check the store and that both indexes hold exactly its quotes, and show the vector
    /// backend with its point count against the store's quotes (exit 1 on a problem).
    #[command(alias = "doctor")]
    Check {
        /// Print JSON (quote ids per deal included).
        #[arg(long)]
        json: bool,
    },
    /// Bring the store's schema up to this version (done automatically on open, after a
    /// backup copy into `backups/`; a version-1 JSON index is imported).
    Migrate,
    /// Measure the flat index's int8 scan against an exhaustive f32 scan: recall@k and median
    /// times, unfiltered (scripts/bench runs it).
    #[command(hide = true)]
    BenchScan {
        /// Questions to embed as queries, one per line (default: stored quote vectors).
        #[arg(long)]
        queries: Option<PathBuf>,
        /// Probe queries taken from the index when no file is given.
        #[arg(long, default_value_t = 200)]
        probes: usize,
    },
    /// Print a deal's unredacted transcript (admin only; never served over HTTP).
    ShowRaw {
        /// Deal id.
        deal_id: String,
    },
    /// Print a deal's redaction counts by kind, to spot transcripts where detection looks wrong.
    Redactions {
        /// Deal id.
        deal_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Erase a deal, or every quote spoken by or naming a person, from the records and both
    /// indexes; later ingests skip it too.
    Forget {
        /// The deal to erase.
        #[arg(long, conflicts_with = "person", required_unless_present = "person")]
        deal: Option<String>,
        /// The person to erase ("First Last").
        #[arg(long)]
        person: Option<String>,
    },
    /// Measure anonymization: leaks, over-redaction and planted ordinary words on a labelled or
    /// generated corpus (with and without the CRM names), and precision/recall on the Presidio
    /// synthetic set.
    AnonymizeEval(privacy::AnonymizeEvalArgs),
    /// Rebuild every deal's served text from its raw transcript with the current anonymization
    /// rules (quote ids, packs and theme corrections are kept), re-embed and re-index.
    Reanonymize {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Audit the stored text of every deal against every CRM term; prints deal ids and counts
    /// only (exit code 1 when something is found).
    PiiScan {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the theme taxonomy with usage counts.
    Themes {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Correct a quote's themes and/or polarity (sticks across re-ingest and reindex).
    Tag {
        /// Quote id.
        quote_id: String,
        /// Theme ids, comma-separated (replaces the tagger's).
        #[arg(long, value_delimiter = ',')]
        themes: Option<Vec<String>>,
        /// praise, criticism or neutral.
        #[arg(long)]
        polarity: Option<String>,
    },
    /// Win rates split by competitor, segment, industry, persona, size_band, lead_source or region.
    WinRates {
        /// The dimension.
        #[arg(long, default_value = "competitor")]
        by: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Battlecard evidence for a competitor (Markdown, HTML or JSON).
    Evidence {
        /// Competitor name or alias.
        competitor: String,
        /// md, html or json.
        #[arg(long, default_value = "md")]
        format: String,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Answer a question with themes, honest counts and buyer quotes (nothing invented).
    Ask {
        /// The question.
        question: String,
        /// Also ask the configured generator for a cited summary.
        #[arg(long)]
        summarize: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The one-page monthly digest (Markdown or HTML).
    Digest {
        /// Month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// md, html or json.
        #[arg(long, default_value = "md")]
        format: String,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The quarterly briefing for leadership and product (Markdown, print-ready HTML or JSON):
    /// gaps that cost deals, competitors ahead and behind, emerging requirements, win rates by
    /// lead source and segment, top stories; every claim cites quote ids.
    Briefing {
        /// Quarter, YYYY-QN (default: the quarter of the newest closed deal).
        #[arg(long)]
        quarter: Option<String>,
        /// md, html or json.
        #[arg(long, default_value = "md")]
        format: String,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// A Model Context Protocol server on stdin/stdout (one JSON-RPC message per line), for
    /// assistants: search_quotes, similar_deals, competitor_evidence, ask, insights.
    Mcp,
    /// Stories and packs: create, add, reorder, export.
    #[command(subcommand)]
    Pack(bank::PackCommand),
    /// Insights routed to owners with SLAs (routing.toml): inbox, raise, acknowledge, record
    /// the action, dismiss, propose from new interviews, insight-to-action rate.
    #[command(subcommand)]
    Insights(program::InsightCommand),
    /// Alerts on pattern shifts (alerts.toml): what fired, and a check (for cron).
    #[command(subcommand)]
    Alerts(program::AlertCommand),
    /// Score the theme tagger against a corpus's labelled themes.jsonl (per theme, polarity).
    EvalThemes {
        /// The corpus folder (deals.csv, transcripts/, themes.jsonl).
        corpus: PathBuf,
        /// Use the existing --index instead of ingesting the corpus into a temporary one.
        #[arg(long)]
        use_index: bool,
        /// Also print micro-F1 over a grid of thresholds (calibration).
        #[arg(long)]
        sweep: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Score the theme tagger and the stance model on the test half of the blind-labelled set
    /// (`<labels>/<corpus folder name>.jsonl` per corpus; tests/fixtures/labels/GUIDELINES.md).
    EvalLabels {
        /// Corpus folders (e.g. tests/fixtures/sample ../shared/eval/dev); each is ingested into
        /// a temporary index.
        #[arg(required = true)]
        corpora: Vec<PathBuf>,
        /// The labels folder.
        #[arg(long, default_value = "tests/fixtures/labels")]
        labels: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Fit the stance model on the tune half of the labelled set and write it as JSON (the
    /// builtin one is src/stance_model.json, fitted on the sample and dev corpora).
    TrainStance {
        /// Corpus folders, as for eval-labels.
        #[arg(required = true)]
        corpora: Vec<PathBuf>,
        /// The labels folder.
        #[arg(long, default_value = "tests/fixtures/labels")]
        labels: PathBuf,
        /// Where to write the model.
        #[arg(long, default_value = "src/stance_model.json")]
        out: PathBuf,
        /// Ridge strength (default: the best of 0.1, 0.3, 1 and 3 on held-out tune folds).
        #[arg(long)]
        lambda: Option<f32>,
    },
    /// Fit the theme classifiers on the tune half of the labelled set and write them as JSON
    /// (the builtin ones are src/theme_model.json, fitted on the sample and dev corpora and the
    /// training-only corpora of tests/fixtures/themes-train).
    TrainThemes {
        /// Corpus folders, as for eval-labels.
        #[arg(required = true)]
        corpora: Vec<PathBuf>,
        /// The labels folder.
        #[arg(long, default_value = "tests/fixtures/labels")]
        labels: PathBuf,
        /// Where to write the model.
        #[arg(long, default_value = "src/theme_model.json")]
        out: PathBuf,
        /// Training-only corpora (labels in the same folder): all their quotes join the tune
        /// half, none the test half (default: the project's own, tests/fixtures/themes-train/*).
        #[arg(long = "extra")]
        extra: Vec<PathBuf>,
        /// Fit on the given corpora only, without the default training-only ones.
        #[arg(long)]
        no_extra: bool,
    },
    /// Score retrieval on a labelled corpus (queries.jsonl), per mode, as eval/FORMAT.md says.
    Eval {
        /// The corpus folder.
        corpus: PathBuf,
        /// Use the existing --index instead of ingesting the corpus into a temporary one.
        #[arg(long)]
        use_index: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `storybank search` flags.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The question or keywords.
    pub query: String,
    /// Competitor (canonical name or alias); repeat for any-of.
    #[arg(long)]
    pub competitor: Vec<String>,
    /// won, lost or no_decision; repeat for any-of.
    #[arg(long)]
    pub outcome: Vec<String>,
    /// smb, mid_market or enterprise.
    #[arg(long)]
    pub segment: Vec<String>,
    /// Industry.
    #[arg(long)]
    pub industry: Vec<String>,
    /// Region.
    #[arg(long)]
    pub region: Vec<String>,
    /// Buyer persona.
    #[arg(long)]
    pub persona: Vec<String>,
    /// Loss reason.
    #[arg(long)]
    pub loss_reason: Vec<String>,
    /// Win reason.
    #[arg(long)]
    pub win_reason: Vec<String>,
    /// Quote theme (pricing, implementation, security, ...; repeatable).
    #[arg(long)]
    pub theme: Vec<String>,
    /// Closed on or after (YYYY-MM-DD).
    #[arg(long)]
    pub after: Option<String>,
    /// Closed on or before (YYYY-MM-DD).
    #[arg(long)]
    pub before: Option<String>,
    /// keyword, semantic or hybrid.
    #[arg(long, value_enum, default_value_t = CliMode::Hybrid)]
    pub mode: CliMode,
    /// Number of quotes.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Reorder the top 20 with the local cross-encoder (slower, often better).
    #[arg(long)]
    pub rerank: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Retrieval mode flag.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CliMode {
    /// BM25.
    Keyword,
    /// Dense.
    Semantic,
    /// Fused.
    Hybrid,
}

fn list(values: &[String]) -> Option<OneOrMany> {
    match values {
        [] => None,
        [one] => Some(OneOrMany::One(one.clone())),
        many => Some(OneOrMany::Many(many.to_vec())),
    }
}

fn day(value: &Option<String>, flag: &str) -> anyhow::Result<Option<Day>> {
    value
        .as_deref()
        .map(|text| {
            Day::parse(text).with_context(|| format!("--{flag} `{text}` is not a YYYY-MM-DD date"))
        })
        .transpose()
}

fn parse_backend(text: &str) -> Result<crate::store::vector::Backend, String> {
    crate::store::vector::Backend::parse(text).map_err(|err| err.to_string())
}

impl Cli {
    /// Builds settings from the global flags.
    pub fn settings(&self) -> Settings {
        let mut settings = Settings::new(&self.index);
        if let Some(dir) = &self.models_dir {
            settings.model.models_dir = dir.clone();
        }
        if let Some(model) = &self.model {
            settings.model.model = model.clone();
        }
        settings.model.ort_library = self.ort_library.clone();
        if let Some(threads) = self.threads {
            settings.model.threads = threads;
        }
        settings.embed_cache = self.embed_cache.clone();
        settings.vectors = self.vectors.clone();
        settings.pii_tagger = !self.no_pii_tagger;
        if let Some(words) = self.chunk_words {
            settings.chunk_words = usize::from(words);
        }
        settings.embedder = EmbedderKind::Onnx;
        // The crash tests drive the CLI with the deterministic stand-in (a test hook, kept in
        // release builds so the tests share the demo's build; it warns when set).
        if std::env::var_os("STORYBANK_TEST_HASHED_EMBEDDER").is_some() {
            tracing::warn!(
                "STORYBANK_TEST_HASHED_EMBEDDER is set: a stand-in embedder for tests, no semantic search"
            );
            settings.embedder = EmbedderKind::Hashed;
        }
        if let Some(min) = self.min_deals {
            settings.min_deals = min;
        }
        settings.generator =
            self.generator_url.as_ref().map(|url| crate::insights::generator::GeneratorConfig {
                url: url.clone(),
                model: self.generator_model.clone(),
                api_key: std::env::var("STORYBANK_GENERATOR_API_KEY").ok(),
                timeout: std::time::Duration::from_secs(60),
            });
        settings
    }
}

/// Runs the command; returns the process exit code (0 ok, 1 partial failure or nothing found).
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let settings = cli.settings();
    match cli.command {
        Command::Ingest { dir, dry_run: true, mapping, .. } => dry_run(&dir, mapping.as_deref()),
        Command::Watch { dir, interval, once } => watch(&settings, &dir, interval, once),
        Command::Ingest { dir, json, mapping, .. } => {
            let settings = Settings { mapping, ..settings.clone() };
            ingest(&settings, &dir, json)
        }
        Command::Search(args) => search(&settings, args),
        Command::Similar { query, deal_id, limit, json } => {
            let bank = Storybank::open_existing(&settings)?;
            let response = bank.similar(&SimilarRequest {
                query,
                deal_id,
                filters: Filters::default(),
                limit: Some(limit),
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&response)?);
            } else {
                for deal in &response.deals {
                    println!(
                        "{}  {:.3}  {}  [{}]",
                        deal.deal_id,
                        deal.score,
                        deal.info.outcome.map_or("-", |o| o.as_str()),
                        deal.why.join("; ")
                    );
                    for quote in &deal.quotes {
                        println!("    \"{}\"", quote.text);
                    }
                }
            }
            Ok(u8::from(response.deals.is_empty()))
        }
        Command::Serve {
            addr,
            trust_proxy_header,
            role_map,
            proxy_secret,
            rate_limit,
            max_upload_mb,
            allow_host,
        } => {
            let proxy = match (trust_proxy_header, role_map) {
                (Some(header), Some(map)) => {
                    let text = std::fs::read_to_string(&map)
                        .with_context(|| format!("reading the role map {}", map.display()))?;
                    let roles: api::auth::RoleMap = toml::from_str(&text)
                        .with_context(|| format!("parsing the role map {}", map.display()))?;
                    let header =
                        axum::http::HeaderName::try_from(header.as_str()).with_context(|| {
                            format!("--trust-proxy-header `{header}` is not a header name")
                        })?;
                    Some(api::auth::TrustedProxy { header, secret: proxy_secret, roles })
                }
                _ => None,
            };
            let access = api::auth::AccessConfig {
                open_without_keys: false,
                proxy,
                per_minute: std::num::NonZeroU32::new(rate_limit),
                expensive_per_caller: 1,
                max_upload: max_upload_mb.saturating_mul(1 << 20),
            };
            serve(&settings, &addr, access, allow_host)
        }
        Command::Keys { command } => team::keys(&settings, command),
        Command::Audit { after, limit, json } => team::audit_log(&settings, after, limit, json),
        Command::Eval { corpus, use_index, json } => eval(&settings, &corpus, use_index, json),
        Command::Themes { json } => bank::themes(&settings, json),
        Command::Tag { quote_id, themes, polarity } => {
            bank::tag(&settings, &quote_id, themes, polarity)
        }
        Command::WinRates { by, json } => bank::win_rates(&settings, &by, json),
        Command::Evidence { competitor, format, out } => {
            bank::evidence(&settings, &competitor, &format, out.as_ref())
        }
        Command::Ask { question, summarize, json } => {
            bank::ask(&settings, question, summarize, json)
        }
        Command::Digest { month, format, out } => {
            bank::digest(&settings, &month, &format, out.as_ref())
        }
        Command::Briefing { quarter, format, out } => {
            let bank = Storybank::open_existing(&settings)?;
            let format = crate::insights::service::Format::parse(&format)?;
            bank::write_document(
                &bank.briefing_document(quarter.as_deref(), format)?,
                out.as_ref(),
            )?;
            Ok(0)
        }
        Command::Mcp => {
            let bank = Storybank::open_existing(&settings)?;
            tracing::info!("MCP server on stdin/stdout");
            crate::mcp::serve_stdio(&bank, std::io::stdin().lock(), std::io::stdout().lock())?;
            Ok(0)
        }
        Command::Pack(command) => bank::pack(&settings, command),
        Command::Insights(command) => program::insights(&settings, command),
        Command::Alerts(command) => program::alerts(&settings, command),
        Command::EvalThemes { corpus, use_index, sweep, json } => {
            eval_themes(&settings, &corpus, use_index, sweep, json)
        }
        Command::EvalLabels { corpora, labels, json } => {
            eval_labels(&settings, &corpora, &labels, None, json)
        }
        Command::TrainStance { corpora, labels, out, lambda } => {
            eval_labels(&settings, &corpora, &labels, Some(Train::Stance(&out, lambda)), false)
        }
        Command::TrainThemes { corpora, labels, out, extra, no_extra } => {
            let extra = if no_extra || !extra.is_empty() { extra } else { training_corpora() };
            eval_labels(&settings, &corpora, &labels, Some(Train::Themes(&out, &extra)), false)
        }
        Command::AnonymizeEval(args) => privacy::anonymize_eval(&settings, args),
        Command::Reanonymize { json } => privacy::reanonymize(&settings, json),
        Command::PiiScan { json } => privacy::pii_scan(&settings, json),
        Command::ShowRaw { deal_id } => {
            let bank = Storybank::open_existing(&settings)?;
            let raw = bank.raw_transcript(&deal_id)?;
            team::audit(bank.access(), "show-raw", std::slice::from_ref(&deal_id));
            print!("{raw}");
            Ok(0)
        }
        Command::Redactions { deal_id, json } => {
            let bank = Storybank::open_existing(&settings)?;
            let counts = bank.redactions(&deal_id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&counts)?);
            } else {
                for (kind, count) in &counts {
                    println!("{kind:<12} {count}");
                }
                println!("{:<12} {}", "total", counts.values().sum::<usize>());
            }
            Ok(0)
        }
        Command::Forget { deal, person } => {
            let bank = Storybank::open_existing(&settings)?;
            let report = match (deal, person) {
                (Some(deal), _) => bank.forget_deal(&deal)?,
                (None, Some(person)) => bank.forget_person(&person)?,
                (None, None) => bail!("give --deal ID or --person \"Full Name\""),
            };
            let mut ids = report.deals.clone();
            ids.extend(report.quotes.iter().cloned());
            team::audit(bank.access(), "forget", &ids);
            println!(
                "removed {} deal(s), {} quote(s), {} raw transcript(s){}",
                report.deals.len(),
                report.quotes.len(),
                report.raw_transcripts.len(),
                if report.quotes.is_empty() {
                    String::new()
                } else {
                    format!(": {}", report.quotes.join(", "))
                }
            );
            Ok(0)
        }
        Command::Backup { dir } => {
            let bank = Storybank::open_existing(&settings)?;
            let report = crate::store::backup::backup(bank.index_dir(), &bank.db, &dir)?;
            println!(
                "backed up change {} ({:.1} MB) to {}",
                report.change,
                report.bytes as f64 / 1e6,
                report.dir.display()
            );
            Ok(0)
        }
        Command::Restore { dir, force } => {
            // Erasures made since the backup was taken must survive the restore.
            let store = settings.index_dir.join(crate::store::db::DB_FILE);
            let erased = if store.is_file() {
                crate::store::db::Db::open_read_only(&store)?.tombstones()?
            } else {
                crate::store::db::Tombstones::default()
            };
            let change = crate::store::backup::restore(&dir, &settings.index_dir, force)?;
            // The restore wrote them down; opening the bank applies them before anything else.
            let restored = crate::store::db::Db::open_read_only(&store)?.tombstones()?;
            let deals = erased.deals.difference(&restored.deals).count();
            let people = erased.people.difference(&restored.people).count();
            let bank = Storybank::open_existing(&settings)?;
            let stats = bank.stats()?;
            println!(
                "restored change {change}: {} deals, {} quotes; indexes rebuilt; \
                 {deals} deal and {people} person erasures made since the backup applied again",
                stats.deals, stats.quotes
            );
            Ok(0)
        }
        Command::Check { json } => {
            let bank = Storybank::open_existing(&settings)?;
            let report = bank.check()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                let quotes: usize = report.deals.values().map(Vec::len).sum();
                println!(
                    "{} deals, {} quotes, change {} (indexes at {}); {} erased deals",
                    report.deals.len(),
                    quotes,
                    report.store_change,
                    report.index_change,
                    report.erased_deals.len()
                );
                println!(
                    "vectors: {}, {} points for {quotes} quotes{}",
                    report.vectors,
                    report.vector_points.map_or("unknown".to_string(), |n| n.to_string()),
                    if report.vector_points == Some(quotes) { " (they agree)" } else { "" }
                );
                for problem in &report.problems {
                    println!("problem: {problem}");
                }
            }
            Ok(if report.problems.is_empty() { 0 } else { 1 })
        }
        Command::BenchScan { queries, probes } => bench_scan(&settings, queries.as_deref(), probes),
        Command::Migrate => {
            let bank = Storybank::open_existing(&settings)?;
            println!(
                "store schema {} (this storybank writes {})",
                bank.db.schema_version()?,
                crate::store::db::SCHEMA_VERSION
            );
            Ok(0)
        }
        Command::Reindex => {
            let target = settings.vectors.clone();
            let bank = Storybank::open_existing(&Settings { vectors: None, ..settings.clone() })?;
            let started = std::time::Instant::now();
            let bar = progress_bar();
            let moving = target.filter(|to| !bank.vectors_in(to));
            let quotes = match &moving {
                Some(to) => {
                    bank.move_vectors(to.clone(), &|done, total| update_bar(&bar, done, total))?
                }
                None => bank.reindex(&|done, total| update_bar(&bar, done, total))?,
            };
            if let Some(to) = moving {
                eprintln!("moved the vectors of {quotes} quotes to {}", to.describe());
            }
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            eprintln!("reindexed {quotes} quotes in {:.1}s", started.elapsed().as_secs_f64());
            Ok(0)
        }
    }
}

fn progress_bar() -> Option<indicatif::ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {pos}/{len} quotes ({per_sec}, eta {eta})",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        bar.set_message("embedding");
        bar
    })
}

/// Ingest progress on stderr: a bar with deals/s, quotes/s and an ETA on a terminal, otherwise
/// a plain line every [`IngestMeter::PLAIN_EVERY`] deals (logs, CI) and one at the end.
struct IngestMeter {
    bar: Option<indicatif::ProgressBar>,
    started: std::time::Instant,
    last: std::cell::Cell<crate::app::IngestProgress>,
}

impl IngestMeter {
    const PLAIN_EVERY: usize = 25;

    fn new() -> IngestMeter {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "ingesting [{bar:30}] {pos}/{len} deals, {msg}, eta {eta}",
                )
                .expect("static template")
                .progress_chars("=> "),
            );
            bar
        });
        IngestMeter { bar, started: std::time::Instant::now(), last: Default::default() }
    }

    fn line(&self, done: crate::app::IngestProgress) -> String {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        let deals_per_second = done.deals as f64 / seconds;
        let eta = if done.deals == 0 {
            "?".to_string()
        } else {
            format!("{:.0}s", done.deals_total.saturating_sub(done.deals) as f64 / deals_per_second)
        };
        format!(
            "{}/{} deals, {} quotes, {deals_per_second:.1} deals/s, {:.0} quotes/s, eta {eta}",
            done.deals,
            done.deals_total,
            done.quotes,
            done.quotes as f64 / seconds
        )
    }

    fn update(&self, done: crate::app::IngestProgress) {
        let before = self.last.replace(done);
        match &self.bar {
            Some(bar) => {
                let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
                bar.set_length(done.deals_total as u64);
                bar.set_position(done.deals as u64);
                bar.set_message(format!(
                    "{} quotes ({:.1} deals/s, {:.0} quotes/s)",
                    done.quotes,
                    done.deals as f64 / seconds,
                    done.quotes as f64 / seconds
                ));
            }
            None if done.deals / Self::PLAIN_EVERY > before.deals / Self::PLAIN_EVERY => {
                eprintln!("ingest: {}", self.line(done));
            }
            None => {}
        }
    }

    fn finish(&self) {
        let done = self.last.get();
        match &self.bar {
            Some(bar) => bar.finish_and_clear(),
            None if !done.deals.is_multiple_of(Self::PLAIN_EVERY) => {
                eprintln!("ingest: {}", self.line(done))
            }
            None => {}
        }
    }
}

fn update_bar(bar: &Option<indicatif::ProgressBar>, done: usize, total: usize) {
    if let Some(bar) = bar {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    }
}

/// `storybank watch`: polls the folder and ingests what settles.
fn watch(
    settings: &Settings,
    dir: &std::path::Path,
    interval: u64,
    once: bool,
) -> anyhow::Result<u8> {
    let bank = Storybank::open(settings)?;
    let mut watcher = crate::watch::Watcher::new(&bank, dir)?;
    let pause = std::time::Duration::from_secs(interval.max(1));
    eprintln!("watching {} every {}s (Ctrl-C stops)", dir.display(), pause.as_secs());
    let mut failed = false;
    let mut looks = 0;
    loop {
        if let Some(round) = watcher.poll()? {
            let report = &round.report;
            println!(
                "{}  {} file(s): ingested {} deal(s) [{}], {} quotes; {} failed",
                round.at,
                round.files.len(),
                report.deals,
                report.deal_ids.join(", "),
                report.quotes,
                report.failures.len()
            );
            for failure in &report.failures {
                eprintln!("error: {}:{}: {}", failure.file, failure.line, failure.message);
            }
            failed |= !report.failures.is_empty();
            team::audit(bank.access(), "watch", &report.deal_ids);
        }
        looks += 1;
        if once && looks >= 2 {
            return Ok(u8::from(failed));
        }
        std::thread::sleep(pause);
    }
}

/// `ingest --dry-run`: the column mapping and the first rows as storybank reads them.
fn dry_run(dir: &std::path::Path, mapping: Option<&std::path::Path>) -> anyhow::Result<u8> {
    let path = dir.join("deals.csv");
    let (columns, rows) = crate::corpus::deals::inspect_deals(&path, mapping)?;
    println!("{}: which column gives each field", path.display());
    for field in crate::corpus::columns::FIELDS {
        match columns.found.iter().find(|(f, _, _)| *f == field) {
            Some((_, header, how)) => println!("  {field:<14} <- \"{header}\" ({how})"),
            None => println!("  {field:<14}    (no column)"),
        }
    }
    let good = rows.iter().filter(|row| row.is_ok()).count();
    println!("{} rows: {good} readable, {} with errors", rows.len(), rows.len() - good);
    for row in rows.iter().take(3) {
        match row {
            Ok(row) => println!(
                "  {}  {}  {}  {}  competitors: {}",
                row.deal_id,
                row.outcome.map_or("-", |o| o.as_str()),
                row.close_date.map_or_else(|| "-".to_string(), |d| d.to_string()),
                row.segment,
                row.competitors.join(";")
            ),
            Err(err) => println!("  error: {err}"),
        }
    }
    for row in rows.iter().skip(3).filter_map(|row| row.as_ref().err()).take(5) {
        println!("  error: {row}");
    }
    let transcripts = std::fs::read_dir(dir.join("transcripts")).map(|d| d.count()).unwrap_or(0);
    println!("{transcripts} files in transcripts/; nothing was written (drop --dry-run to ingest)");
    Ok(0)
}

fn ingest(settings: &Settings, dir: &std::path::Path, json: bool) -> anyhow::Result<u8> {
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    let bank = Storybank::open(settings)?;
    let meter = IngestMeter::new();
    let report = bank.ingest_dir(dir, &|done| meter.update(done))?;
    team::audit(bank.access(), "ingest", &report.deal_ids);
    meter.finish();
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for failure in &report.failures {
            eprintln!("error: {}:{}: {}", failure.file, failure.line, failure.message);
        }
        for warning in &report.warnings {
            eprintln!("warning: {warning}");
        }
        let seconds = report.elapsed_ms as f64 / 1000.0;
        println!(
            "ingested {} deals, {} transcripts, {} quotes in {:.1}s ({:.1}s embedding, {} vectors from cache); {} failed",
            report.deals,
            report.transcripts,
            report.quotes,
            seconds,
            report.embed_ms as f64 / 1000.0,
            report.cached_vectors,
            report.failures.len()
        );
    }
    Ok(u8::from(!report.failures.is_empty()))
}

/// The bank an evaluation reads: the existing index, or the corpus ingested into a temporary
/// one (kept alive by the returned folder).
fn eval_bank(
    settings: &Settings,
    corpus: &std::path::Path,
    use_index: bool,
) -> anyhow::Result<(tempfile::TempDir, Storybank)> {
    let temp = tempfile::tempdir().context("creating a temporary index")?;
    if use_index {
        return Ok((temp, Storybank::open_existing(settings)?));
    }
    let mut temp_settings = settings.clone();
    temp_settings.index_dir = temp.path().to_path_buf();
    let bank = Storybank::open(&temp_settings)?;
    let report = bank.ingest_dir(corpus, &|_| {})?;
    eprintln!("ingested {} deals, {} quotes into a temporary index", report.deals, report.quotes);
    Ok((temp, bank))
}

fn eval_themes(
    settings: &Settings,
    corpus: &std::path::Path,
    use_index: bool,
    sweep: bool,
    json: bool,
) -> anyhow::Result<u8> {
    let (_temp, bank) = eval_bank(settings, corpus, use_index)?;
    let labels = corpus.join("themes.jsonl");
    let params = bank.theme_tagger()?.params();
    let report = crate::eval::themes::agreement(&bank, &labels, params)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_markdown());
    }
    if sweep {
        // A wide range: similarity scales differ between embedding models (bge-small's best
        // min_score is near 0.65, all-mpnet-base-v2's far lower).
        let mut rows = vec![];
        for step in 0..=30 {
            let min_score = 0.2 + 0.02 * step as f32;
            for margin in [0.02, 0.04, 0.06, 0.08] {
                for cue_bonus in [0.0, 0.03, 0.06, 0.09, 0.12] {
                    let params = crate::themes::ThemeParams { min_score, margin, cue_bonus };
                    let r = crate::eval::themes::agreement(&bank, &labels, params)?;
                    rows.push((params, r.micro));
                }
            }
        }
        rows.sort_by(|a, b| b.1.f1.total_cmp(&a.1.f1));
        println!(
            "\nBest 15 of {} settings (min_score 0.20-0.80, margin 0.02-0.08, cue_bonus 0-0.12); \
             set them in the model's {}:\n\n| min_score | margin | cue_bonus | micro P | micro R | micro F1 |\n|---|---|---|---|---|---|",
            rows.len(),
            crate::embed::MODEL_SPEC_FILE
        );
        for (p, m) in rows.iter().take(15) {
            println!(
                "| {:.2} | {:.2} | {:.2} | {:.3} | {:.3} | {:.3} |",
                p.min_score, p.margin, p.cue_bonus, m.precision, m.recall, m.f1
            );
        }
    }
    Ok(0)
}

/// What `eval_labels` fits before it scores.
#[derive(Clone, Copy)]
enum Train<'a> {
    /// The stance model (output path, ridge strength).
    Stance(&'a std::path::Path, Option<f32>),
    /// The theme classifiers (output path, training-only corpora).
    Themes(&'a std::path::Path, &'a [PathBuf]),
}

/// The project's training-only corpora for the theme classifiers: the folders of
/// `tests/fixtures/themes-train` (none outside a checkout).
fn training_corpora() -> Vec<PathBuf> {
    let root = PathBuf::from("tests/fixtures/themes-train");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|entries| {
            entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// `eval-labels`, or with `train` `train-stance` or `train-themes`.
fn eval_labels(
    settings: &Settings,
    corpora: &[PathBuf],
    labels: &std::path::Path,
    train: Option<Train<'_>>,
    json: bool,
) -> anyhow::Result<u8> {
    use crate::eval::labels;
    let mut joined = vec![];
    let mut model_id = String::new();
    let mut dimension = 0;
    for corpus in corpora {
        let path = labels_file(labels, corpus);
        let set = labels::read_labels(&path)?;
        let (_temp, bank) = eval_bank(settings, corpus, false)?;
        model_id = bank.embedder.model_id().to_string();
        dimension = bank.embedder.dimension();
        joined.extend(labels::join(&bank, &set, &path)?);
    }
    let theme_ids: Vec<String> =
        crate::themes::Taxonomy::default().themes.iter().map(|t| t.id.clone()).collect();
    let theme_ids: Vec<&str> = theme_ids.iter().map(String::as_str).collect();
    let builtin_themes =
        crate::theme_model::ThemeModel::for_embedder(&model_id, dimension, &theme_ids);
    let stance = crate::stance::StanceModel::for_embedder(&model_id, dimension);
    if let Some(Train::Themes(out, extra)) = train {
        let mut training = joined.clone();
        for corpus in extra {
            let path = labels_file(labels, corpus);
            let set = labels::read_labels(&path)?;
            let (_temp, bank) = eval_bank(settings, corpus, false)?;
            for mut j in labels::join(&bank, &set, &path)? {
                j.test = false;
                training.push(j);
            }
        }
        let started = std::time::Instant::now();
        let model = labels::train_themes(&model_id, &training)?;
        std::fs::write(out, serde_json::to_string(&model)? + "\n")
            .with_context(|| format!("writing {}", out.display()))?;
        println!(
            "theme classifiers fitted on {} tune-half quotes in {:.1} s: leave-one-deal-out \
             macro F1 {:.3} on the tune half; wrote {}",
            model.examples,
            started.elapsed().as_secs_f64(),
            model.tune_macro_f1,
            out.display()
        );
        let mut report = labels::report(&joined, stance, Some(&model));
        report.agreement = second_pass_agreement(labels, corpora)?;
        print!("{}", report.to_markdown());
        return Ok(0);
    }
    if let Some(Train::Stance(out, lambda)) = train {
        let lambdas = lambda.map_or(labels::LAMBDAS.to_vec(), |l| vec![l]);
        let model = labels::train_stance(&model_id, &joined, &lambdas)?;
        std::fs::write(out, serde_json::to_string(&model)? + "\n")
            .with_context(|| format!("writing {}", out.display()))?;
        println!(
            "stance model fitted on {} tune-half quotes (ridge {}): shown at confidence >= {:.2} \
             (held-out precision {:.3}, coverage {:.1}%); wrote {}",
            model.examples,
            model.lambda,
            model.show_at,
            model.tune_precision,
            100.0 * model.tune_coverage,
            out.display()
        );
        let mut report = labels::report(&joined, Some(&model), builtin_themes);
        report.agreement = second_pass_agreement(labels, corpora)?;
        print!("{}", report.to_markdown());
        return Ok(0);
    }
    let mut report = labels::report(&joined, stance, builtin_themes);
    report.agreement = second_pass_agreement(labels, corpora)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_markdown());
    }
    Ok(0)
}

/// A corpus's labels file: `<labels>/<corpus folder name>.jsonl`.
fn labels_file(labels: &std::path::Path, corpus: &std::path::Path) -> PathBuf {
    let corpus = corpus.canonicalize().unwrap_or_else(|_| corpus.to_path_buf());
    let name = corpus.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    labels.join(format!("{name}.jsonl"))
}

/// Agreement of `second_pass.jsonl` with the first labeller's labels, when present.
fn second_pass_agreement(
    labels: &std::path::Path,
    corpora: &[PathBuf],
) -> anyhow::Result<Option<(usize, f64, f64)>> {
    let second = labels.join("second_pass.jsonl");
    if !second.is_file() {
        return Ok(None);
    }
    let mut first = vec![];
    for corpus in corpora {
        first.extend(crate::eval::labels::read_labels(&labels_file(labels, corpus))?);
    }
    let second = crate::eval::labels::read_labels(&second)?;
    Ok(Some(crate::eval::labels::agreement(&first, &second)))
}

fn eval(
    settings: &Settings,
    corpus: &std::path::Path,
    use_index: bool,
    json: bool,
) -> anyhow::Result<u8> {
    let (_temp, bank) = eval_bank(settings, corpus, use_index)?;
    let report = crate::eval::evaluate(&bank, corpus)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_markdown());
    }
    Ok(0)
}

fn search(settings: &Settings, args: SearchArgs) -> anyhow::Result<u8> {
    let bank = Storybank::open_existing(settings)?;
    let filters = Filters {
        competitor: list(&args.competitor),
        outcome: list(&args.outcome),
        segment: list(&args.segment),
        industry: list(&args.industry),
        region: list(&args.region),
        buyer_persona: list(&args.persona),
        loss_reason: list(&args.loss_reason),
        win_reason: list(&args.win_reason),
        size_band: None,
        theme: list(&args.theme),
        closed_after: day(&args.after, "after")?,
        closed_before: day(&args.before, "before")?,
    };
    let mode = match args.mode {
        CliMode::Keyword => Mode::Keyword,
        CliMode::Semantic => Mode::Semantic,
        CliMode::Hybrid => Mode::Hybrid,
    };
    let request = SearchRequest {
        query: args.query,
        filters,
        limit: Some(args.limit),
        mode: Some(mode),
        explain: false,
        fusion: None,
        rerank: args.rerank,
    };
    let response = bank.search(&request)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&response)?);
    } else if response.results.is_empty() {
        eprintln!("no quotes found");
    } else {
        for (rank, quote) in response.results.iter().enumerate() {
            println!("{:>2}. \"{}\"\n    — {}\n", rank + 1, quote.text, attribution(quote));
        }
    }
    Ok(u8::from(response.results.is_empty()))
}

/// "VP Finance, mid_market logistics, lost to Heapster, 2025-11 (D-1042)".
pub fn attribution(quote: &Quote) -> String {
    let deal = &quote.deal;
    let mut parts = vec![quote.speaker.clone()];
    let segment_industry: Vec<&str> =
        [deal.segment.as_deref(), deal.industry.as_deref()].into_iter().flatten().collect();
    if !segment_industry.is_empty() {
        parts.push(segment_industry.join(" "));
    }
    let competitors = deal.competitors.join(", ");
    let outcome = match (deal.outcome.map(|o| o.as_str()), competitors.is_empty()) {
        (Some("lost"), false) => format!("lost to {competitors}"),
        (Some("won"), false) => format!("won against {competitors}"),
        (Some(outcome), false) => format!("{outcome} ({competitors})"),
        (Some(outcome), true) => outcome.to_string(),
        (None, false) => competitors,
        (None, true) => String::new(),
    };
    if !outcome.is_empty() {
        parts.push(outcome);
    }
    if let Some(date) = deal.close_date {
        let (year, month, _) = date.ymd();
        parts.push(format!("{year:04}-{month:02}"));
    }
    format!("{} ({})", parts.join(", "), quote.deal_id)
}

fn serve(
    settings: &Settings,
    addr: &str,
    access: api::auth::AccessConfig,
    allow_hosts: Vec<String>,
) -> anyhow::Result<u8> {
    let bank = Arc::new(Storybank::open_existing(settings)?);
    let keys = bank.access().active_keys()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
        let local = listener.local_addr()?;
        let loopback = local.ip().is_loopback();
        if !loopback && keys == 0 && access.proxy.is_none() {
            bail!(
                "refusing to serve on {local} without API keys: anyone on the network could read every quote and erase deals. \
                 Create one with `storybank keys create --name \"Your Name\" --role admin` (then share reader and editor keys), \
                 or serve on 127.0.0.1"
            );
        }
        if !loopback && access.proxy.as_ref().is_some_and(|p| p.secret.is_none()) {
            bail!(
                "refusing to trust --trust-proxy-header on {local} without a proxy secret: a client reaching storybank directly could claim to be anyone. \
                 Set STORYBANK_PROXY_SECRET (or --proxy-secret) and have the proxy send it in X-Storybank-Proxy-Secret"
            );
        }
        // Without keys, only a loopback server answers (as `local`), and only when no proxy
        // puts it on the network: behind `--allow-host` or an SSO proxy a key is needed.
        let open = loopback && allow_hosts.is_empty() && access.proxy.is_none();
        if loopback && !open && bank.access().keys_ever_made()? == 0 && access.proxy.is_none() {
            eprintln!(
                "storybank: no API key yet; behind --allow-host every request needs one. \
                 Create one with `storybank keys create --name \"Your Name\" --role admin`"
            );
        }
        let access = api::auth::AccessConfig { open_without_keys: open, ..access };
        tracing::info!(addr = %local, keys, "storybank listening");
        eprintln!("storybank serving on http://{local}  (web page at /, POST /v1/search, GET /openapi.json; Ctrl-C stops)");
        // An `ingest`, `reindex`, `forget` or `tag` run by another process shows up within a
        // few seconds, without a restart.
        let watched = bank.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(2));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                every.tick().await;
                let bank = watched.clone();
                match tokio::task::spawn_blocking(move || bank.reload_if_changed()).await {
                    Ok(Err(err)) => tracing::warn!(error = %err, "reloading the index failed; serving the previous one"),
                    Err(err) => tracing::warn!(error = %err, "reload task failed"),
                    Ok(Ok(_)) => {}
                }
            }
        });
        let router = api::router_with(bank, access);
        let router = if loopback { api::loopback_only(router, allow_hosts) } else { router };
        api::server::serve(listener, router, api::server::Limits::default(), shutdown_signal()).await.context("serving")?;
        tracing::info!("storybank stopped");
        anyhow::Ok(0)
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Sets up tracing on stderr. `RUST_LOG` overrides the default level of the command.
pub fn init_tracing(format: LogFormat, command: &Command) {
    use tracing_subscriber::EnvFilter;
    let default = match command {
        Command::Serve { .. } => "storybank=info,tower_http=info",
        _ => "storybank=warn",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // STORYBANK_SPAN_TIMES=1 logs each enabled span's busy and idle time when it closes (with
    // RUST_LOG=storybank=debug: where a search's time goes, stage by stage).
    let spans = if std::env::var_os("STORYBANK_SPAN_TIMES").is_some_and(|v| v == "1") {
        tracing_subscriber::fmt::format::FmtSpan::CLOSE
    } else {
        tracing_subscriber::fmt::format::FmtSpan::NONE
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(spans)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// `storybank bench-scan`: one JSON line per depth.
fn bench_scan(
    settings: &Settings,
    queries: Option<&std::path::Path>,
    probes: usize,
) -> anyhow::Result<u8> {
    let log = settings.index_dir.join("vectors").join("log.bin");
    if !log.is_file() {
        bail!("{} not found: bench-scan measures an index's flat vector log", log.display());
    }
    let embedder = crate::embed::Embedder::load(&settings.model)?;
    let index = crate::store::vector::FlatIndex::open(
        &settings.index_dir.join("vectors"),
        embedder.dimension(),
    )?;
    let vectors = match queries {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading {}", path.display()))?
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(|line| embedder.embed_query(line))
            .collect::<crate::error::Result<Vec<_>>>()?,
        None => index.probe_vectors(probes),
    };
    for measure in index.measure_scan(&vectors, &[10, 100]) {
        println!("{}", serde_json::to_string(&measure)?);
    }
    Ok(0)
}

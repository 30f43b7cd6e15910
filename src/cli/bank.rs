//! Story-bank commands: themes, tag, win-rates, evidence, ask, digest, pack.

use std::path::PathBuf;

use clap::Subcommand;

use super::list;
use crate::Storybank;
use crate::config::Settings;
use crate::insights::AskRequest;
use crate::insights::service::{Document, Format};
use crate::model::Filters;
use crate::packs::{NewPack, NewStory, PackPatch};
use crate::search::SearchRequest;
use crate::themes::TagCorrection;

/// `storybank pack ...`.
#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// List packs.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create a pack, optionally filled from a search.
    Create {
        /// Pack name.
        name: String,
        /// Purpose or audience.
        #[arg(long)]
        description: Option<String>,
        /// Fill it with this search's results (kept as the pack's saved search).
        #[arg(long)]
        from_search: Option<String>,
        /// Saved-search competitor filter.
        #[arg(long)]
        competitor: Vec<String>,
        /// Saved-search outcome filter.
        #[arg(long)]
        outcome: Vec<String>,
        /// Saved-search theme filter.
        #[arg(long)]
        theme: Vec<String>,
        /// Results to take from the search.
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Show a pack.
    Show {
        /// Pack id.
        pack_id: String,
    },
    /// Save a quote as a story in a pack.
    Add {
        /// Pack id.
        pack_id: String,
        /// Quote id.
        quote_id: String,
        /// Story title (default: the quote's first sentence).
        #[arg(long)]
        title: Option<String>,
        /// Notes.
        #[arg(long)]
        notes: Option<String>,
        /// Tags (repeatable).
        #[arg(long)]
        tag: Vec<String>,
    },
    /// Take a story out of a pack.
    Remove {
        /// Pack id.
        pack_id: String,
        /// Story id.
        story_id: String,
    },
    /// Move a story to a 1-based position.
    Move {
        /// Pack id.
        pack_id: String,
        /// Story id.
        story_id: String,
        /// New 1-based position.
        position: usize,
    },
    /// Add the saved search's new results.
    Refresh {
        /// Pack id.
        pack_id: String,
    },
    /// Export as Markdown, HTML or CSV (records the export unless --preview).
    Export {
        /// Pack id.
        pack_id: String,
        /// md, html, csv or json.
        #[arg(long, default_value = "md")]
        format: String,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Do not record the export.
        #[arg(long)]
        preview: bool,
    },
    /// Delete a pack (its stories stay saved).
    Delete {
        /// Pack id.
        pack_id: String,
    },
}

pub(super) fn write_document(doc: &Document, out: Option<&PathBuf>) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, &doc.body)?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{}", doc.body),
    }
    Ok(())
}

/// Runs `storybank pack ...`.
pub fn pack(settings: &Settings, command: PackCommand) -> anyhow::Result<u8> {
    let bank = Storybank::open_existing(settings)?;
    let by = super::team::cli_identity().name;
    let audit = |command: &str, ids: &[&str]| {
        let ids: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
        super::team::audit(bank.access(), command, &ids);
    };
    let show = |pack: &crate::packs::Pack| -> anyhow::Result<()> {
        println!(
            "{}  {}  ({} stories, {} new since export)",
            pack.pack_id,
            pack.name,
            pack.stories.len(),
            pack.new_since_export
        );
        for notice in &pack.notices {
            println!("  note: {notice}");
        }
        for (index, story) in pack.stories.iter().enumerate() {
            println!(
                "  {}. {} {}  {}",
                index + 1,
                story.story_id,
                story.quote_id,
                story.title.as_deref().unwrap_or("")
            );
        }
        Ok(())
    };
    match command {
        PackCommand::List { json } => {
            let packs = bank.list_packs()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&packs)?);
            } else {
                for pack in &packs {
                    show(pack)?;
                }
            }
        }
        PackCommand::Create {
            name,
            description,
            from_search,
            competitor,
            outcome,
            theme,
            limit,
        } => {
            let from_search = from_search.map(|query| SearchRequest {
                query,
                filters: Filters {
                    competitor: list(&competitor),
                    outcome: list(&outcome),
                    theme: list(&theme),
                    ..Filters::default()
                },
                limit: Some(limit),
                ..SearchRequest::default()
            });
            let pack = bank.create_pack(NewPack { name, description, from_search }, &by)?;
            audit("pack create", &[&pack.pack_id]);
            show(&pack)?;
        }
        PackCommand::Show { pack_id } => show(&bank.get_pack(&pack_id)?)?,
        PackCommand::Add { pack_id, quote_id, title, notes, tag } => {
            let new =
                NewStory { quote_id: Some(quote_id), story_id: None, title, notes, tags: tag };
            let pack = bank.add_story_to_pack(&pack_id, &new, &by)?;
            audit("pack add", &[&pack_id]);
            show(&pack)?;
        }
        PackCommand::Remove { pack_id, story_id } => {
            let pack = bank.remove_story_from_pack(&pack_id, &story_id, &by)?;
            audit("pack remove", &[&pack_id, &story_id]);
            show(&pack)?;
        }
        PackCommand::Move { pack_id, story_id, position } => {
            let pack = bank.get_pack(&pack_id)?;
            let mut order: Vec<String> = pack.stories.iter().map(|s| s.story_id.clone()).collect();
            let Some(from) = order.iter().position(|id| *id == story_id) else {
                anyhow::bail!("story {story_id} is not in pack {pack_id}");
            };
            let id = order.remove(from);
            order.insert(position.clamp(1, order.len() + 1) - 1, id);
            let patch = PackPatch { order: Some(order), ..PackPatch::default() };
            let pack = bank.update_pack(&pack_id, patch, &by)?;
            audit("pack move", &[&pack_id, &story_id]);
            show(&pack)?;
        }
        PackCommand::Refresh { pack_id } => {
            let pack = bank.refresh_pack(&pack_id, &by)?;
            audit("pack refresh", &[&pack_id]);
            show(&pack)?;
        }
        PackCommand::Export { pack_id, format, out, preview } => {
            let doc = bank.export_pack(&pack_id, Format::parse(&format)?, preview)?;
            if !preview {
                audit("pack export", &[&pack_id]);
            }
            write_document(&doc, out.as_ref())?;
        }
        PackCommand::Delete { pack_id } => {
            bank.delete_pack(&pack_id)?;
            audit("pack delete", &[&pack_id]);
            println!("deleted {pack_id}");
        }
    }
    Ok(0)
}

/// `storybank themes`.
pub fn themes(settings: &Settings, json: bool) -> anyhow::Result<u8> {
    let bank = Storybank::open_existing(settings)?;
    let view = bank.themes()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&view)?);
    } else {
        for theme in &view.themes {
            println!(
                "{:<22} {:>5} quotes {:>4} deals  {}",
                theme.id, theme.quotes, theme.deals, theme.label
            );
        }
        println!("polarity: {:?}; corrected quotes: {}", view.polarity, view.corrected);
    }
    Ok(0)
}

/// `storybank tag`.
pub fn tag(
    settings: &Settings,
    quote_id: &str,
    themes: Option<Vec<String>>,
    polarity: Option<String>,
) -> anyhow::Result<u8> {
    let bank = Storybank::open_existing(settings)?;
    let quote = bank.correct_tags(quote_id, TagCorrection { themes, polarity })?;
    super::team::audit(bank.access(), "tag", &[quote_id.to_string()]);
    println!(
        "{}: themes [{}], polarity {}",
        quote.quote_id,
        quote.themes.join(", "),
        quote.polarity.as_deref().unwrap_or("-")
    );
    Ok(0)
}

/// `storybank win-rates`.
pub fn win_rates(settings: &Settings, by: &str, json: bool) -> anyhow::Result<u8> {
    let bank = Storybank::open_existing(settings)?;
    let rates = bank.win_rates(by, &Filters::default())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rates)?);
        return Ok(0);
    }
    println!(
        "| {by} | deals | won | lost | no decision | win rate | 95% interval |\n|---|---|---|---|---|---|---|"
    );
    for row in std::iter::once(&rates.overall).chain(&rates.groups) {
        let rate = row.win_rate.map_or("-".into(), |r| format!("{:.0}%", r * 100.0));
        let interval = row
            .interval
            .map_or("-".into(), |i| format!("{:.0}-{:.0}%", i.low * 100.0, i.high * 100.0));
        println!(
            "| {} | {} | {} | {} | {} | {rate} | {interval} |",
            row.value, row.deals, row.won, row.lost, row.no_decision
        );
    }
    println!("\n{}", rates.method);
    Ok(0)
}

/// `storybank evidence`.
pub fn evidence(
    settings: &Settings,
    name: &str,
    format: &str,
    out: Option<&PathBuf>,
) -> anyhow::Result<u8> {
    let bank = Storybank::open_existing(settings)?;
    write_document(&bank.evidence_document(name, Format::parse(format)?)?, out)?;
    Ok(0)
}

/// `storybank digest`.
pub fn digest(
    settings: &Settings,
    month: &str,
    format: &str,
    out: Option<&PathBuf>,
) -> anyhow::Result<u8> {
    let bank = Storybank::open_existing(settings)?;
    write_document(&bank.digest_document(month, Format::parse(format)?)?, out)?;
    Ok(0)
}

/// `storybank ask`.
pub fn ask(
    settings: &Settings,
    question: String,
    summarize: bool,
    json: bool,
) -> anyhow::Result<u8> {
    let bank = Storybank::open_existing(settings)?;
    let response = bank.ask(&AskRequest { question, summarize, ..AskRequest::default() })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&response)?);
        return Ok(0);
    }
    for line in &response.answer {
        match line.kind.as_str() {
            "quote" => println!("    {}", line.text),
            _ => println!("{}", line.text),
        }
    }
    if let Some(summary) = &response.summary {
        println!("\nSummary ({}; {} uncited sentences dropped):", summary.model, summary.dropped);
        for claim in &summary.claims {
            println!("  {}", claim.text);
        }
    }
    Ok(u8::from(response.themes.is_empty()))
}

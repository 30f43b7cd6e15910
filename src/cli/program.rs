//! `storybank insights ...`: the owners' inbox from a shell.

use clap::Subcommand;

use crate::Storybank;
use crate::config::Settings;
use crate::program::{
    Insight, InsightKind, InsightNote, InsightQuery, InsightStatus, InsightStep, NewInsight,
};

/// Insight subcommands.
#[derive(Debug, Subcommand)]
pub enum InsightCommand {
    /// List insights, overdue first (an owner's inbox with --owner).
    List {
        /// Only this owner's.
        #[arg(long)]
        owner: Option<String>,
        /// Only this status: open, acknowledged, actioned, dismissed.
        #[arg(long, value_parser = parse_status)]
        status: Option<InsightStatus>,
        /// Only overdue ones.
        #[arg(long)]
        overdue: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one insight with its evidence.
    Show {
        /// Insight id.
        insight_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Raise an insight by hand from quotes (routed per routing.toml).
    Create {
        /// positioning, rep_behaviour, product_gap or pricing.
        #[arg(long, value_parser = parse_kind)]
        kind: InsightKind,
        /// One line.
        #[arg(long)]
        title: String,
        /// What buyers said.
        #[arg(long)]
        finding: Option<String>,
        /// Evidence quote ids (1-12).
        #[arg(long = "quote", required = true)]
        quotes: Vec<String>,
        /// The competitor, for a competitive insight.
        #[arg(long)]
        competitor: Option<String>,
    },
    /// Mark an insight as seen and being worked on.
    Ack {
        /// Insight id.
        insight_id: String,
        /// Optional note.
        #[arg(long)]
        note: Option<String>,
    },
    /// Record the action taken (closes the insight).
    Action {
        /// Insight id.
        insight_id: String,
        /// What was done.
        note: String,
    },
    /// Dismiss with a reason (closes the insight).
    Dismiss {
        /// Insight id.
        insight_id: String,
        /// Why.
        reason: String,
    },
    /// Propose insights from deals not read before (ingest does this too).
    Propose {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Insight-to-action rate within SLA, per owner and overall.
    Metrics {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn parse_status(text: &str) -> Result<InsightStatus, String> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| "expected open, acknowledged, actioned or dismissed".to_string())
}

fn parse_kind(text: &str) -> Result<InsightKind, String> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| "expected positioning, rep_behaviour, product_gap or pricing".to_string())
}

fn line(insight: &Insight) -> String {
    format!(
        "{}  {:<13} {:<12} due {}{}  {}  [{}]",
        insight.insight_id,
        serde_json::to_value(insight.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
        serde_json::to_value(insight.status)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
        insight.due,
        if insight.overdue { " OVERDUE" } else { "" },
        insight.title,
        insight.owners.join(", ")
    )
}

fn show(insight: &Insight) {
    println!("{}", line(insight));
    if !insight.finding.is_empty() {
        println!("  {}", insight.finding);
    }
    for quote in &insight.evidence {
        println!("  - {} ({}): \"{}\"", quote.quote_id, quote.deal_id, quote.text);
    }
    for event in &insight.events {
        let status =
            serde_json::to_value(event.status).ok().and_then(|v| v.as_str().map(String::from));
        println!(
            "  {} {} {}{}",
            event.at,
            event.by,
            status.unwrap_or_default(),
            event.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
        );
    }
}

/// Runs an insight subcommand.
pub fn insights(settings: &Settings, command: InsightCommand) -> anyhow::Result<u8> {
    let bank = Storybank::open_existing(settings)?;
    let by = super::team::cli_identity().name;
    let audit = |command: &str, ids: &[String]| super::team::audit(bank.access(), command, ids);
    match command {
        InsightCommand::List { owner, status, overdue, json } => {
            let query =
                InsightQuery { owner, status, kind: None, overdue: overdue.then_some(true) };
            let list = bank.list_insights(&query)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for insight in &list.insights {
                    println!("{}", line(insight));
                }
            }
            Ok(if list.insights.is_empty() { 1 } else { 0 })
        }
        InsightCommand::Show { insight_id, json } => {
            let insight = bank.get_insight(&insight_id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&insight)?);
            } else {
                show(&insight);
            }
            Ok(0)
        }
        InsightCommand::Create { kind, title, finding, quotes, competitor } => {
            let new = NewInsight { kind, title, finding, quote_ids: quotes, competitor };
            let insight = bank.create_insight(new, &by)?;
            audit("insights create", std::slice::from_ref(&insight.insight_id));
            show(&insight);
            Ok(0)
        }
        InsightCommand::Ack { insight_id, note } => {
            let insight = bank.step_insight(
                &insight_id,
                InsightStep::Acknowledge,
                InsightNote { note },
                &by,
            )?;
            audit("insights ack", std::slice::from_ref(&insight.insight_id));
            println!("{}", line(&insight));
            Ok(0)
        }
        InsightCommand::Action { insight_id, note } => {
            let insight = bank.step_insight(
                &insight_id,
                InsightStep::Action,
                InsightNote { note: Some(note) },
                &by,
            )?;
            audit("insights action", std::slice::from_ref(&insight.insight_id));
            println!("{}", line(&insight));
            Ok(0)
        }
        InsightCommand::Dismiss { insight_id, reason } => {
            let insight = bank.step_insight(
                &insight_id,
                InsightStep::Dismiss,
                InsightNote { note: Some(reason) },
                &by,
            )?;
            audit("insights dismiss", std::slice::from_ref(&insight.insight_id));
            println!("{}", line(&insight));
            Ok(0)
        }
        InsightCommand::Propose { json } => {
            let report = bank.propose_insights(&by)?;
            let mut ids = report.created.clone();
            ids.extend(report.updated.iter().cloned());
            audit("insights propose", &ids);
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "read {} new deals: {} insights raised, {} gathered new evidence",
                    report.deals,
                    report.created.len(),
                    report.updated.len()
                );
            }
            Ok(0)
        }
        InsightCommand::Metrics { json } => {
            let metrics = bank.insight_metrics()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&metrics)?);
            } else {
                println!("insight-to-action rate within SLA, as of {}", metrics.today);
                for m in std::iter::once(&metrics.overall).chain(&metrics.owners) {
                    println!(
                        "  {:<24} {}  ({} of {} due actioned in time; {} open, {} overdue, {} late, {} dismissed)",
                        m.owner,
                        m.rate.map_or("  n/a".to_string(), |r| format!("{:>4.0}%", r * 100.0)),
                        m.actioned_in_sla,
                        m.due,
                        m.open,
                        m.overdue,
                        m.actioned_late,
                        m.dismissed
                    );
                }
            }
            Ok(0)
        }
    }
}

/// Alert subcommands.
#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Fired alerts, newest period first, and the rules in force (alerts.toml).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check every rule for the period holding a day (default today): fire once per rule and
    /// period, deliver to the webhook, retry failed deliveries. For cron.
    Check {
        /// YYYY-MM-DD.
        #[arg(long)]
        as_of: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an alert subcommand.
pub fn alerts(settings: &Settings, command: AlertCommand) -> anyhow::Result<u8> {
    let bank = Storybank::open_existing(settings)?;
    match command {
        AlertCommand::List { json } => {
            let list = bank.list_alerts()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!("{} rules", list.rules.len());
                for alert in &list.alerts {
                    let delivery = if alert.delivered { "" } else { " (not delivered yet)" };
                    println!("{}  {}{delivery}", alert.alert_id, alert.message);
                }
            }
            Ok(0)
        }
        AlertCommand::Check { as_of, json } => {
            let as_of = match as_of {
                Some(text) => crate::model::Day::parse(&text)
                    .ok_or_else(|| anyhow::anyhow!("--as-of `{text}` is not a YYYY-MM-DD date"))?,
                None => crate::program::today(),
            };
            let check = bank.check_alerts(as_of)?;
            let ids: Vec<String> = check.fired.iter().map(|a| a.alert_id.clone()).collect();
            super::team::audit(bank.access(), "alerts check", &ids);
            if json {
                println!("{}", serde_json::to_string_pretty(&check)?);
            } else {
                println!(
                    "{}: {} fired, {} had fired already this period",
                    check.period,
                    check.fired.len(),
                    check.already_fired.len()
                );
                for alert in &check.fired {
                    let delivery = match (&alert.delivered, &alert.delivery_error) {
                        (true, _) => String::new(),
                        (false, Some(err)) => format!(" (delivery failed: {err})"),
                        (false, None) => " (not delivered)".into(),
                    };
                    println!("  {}  {}{delivery}", alert.alert_id, alert.message);
                }
            }
            Ok(0)
        }
    }
}

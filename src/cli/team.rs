//! `storybank keys ...` and `storybank audit`: API keys and the audit log, straight from the
//! store (no model is loaded).

use anyhow::bail;
use clap::Subcommand;

use crate::access::{Access, Identity, Role};
use crate::config::Settings;

/// `storybank keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key; it is printed once (only its hash is stored).
    Create {
        /// Who it is for, e.g. "Ana (enablement)".
        #[arg(long)]
        name: String,
        /// reader, editor or admin.
        #[arg(long, default_value = "reader")]
        role: String,
    },
    /// List keys (never their secrets).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by id: it stops working at once, also in a running server.
    Revoke {
        /// The key id (`keys list`), or the key itself.
        id: String,
    },
}

/// Who the CLI writes into the audit log.
pub fn cli_identity() -> Identity {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME"));
    Identity::local(&format!("cli:{}", user.as_deref().unwrap_or("unknown")))
}

/// Writes a CLI command's audit line; a failure is reported, never fatal to the change made.
pub fn audit(access: &Access, command: &str, ids: &[String]) {
    if let Err(err) = access.record(&cli_identity(), "cli", command, 0, ids) {
        eprintln!("warning: could not write the audit line: {err}");
    }
}

fn open(settings: &Settings) -> anyhow::Result<Access> {
    let dir = &settings.index_dir;
    if !dir.join(crate::store::db::DB_FILE).is_file() {
        bail!(
            "no storybank index at {}: run `storybank ingest <DIR>` first (keys belong to an index)",
            dir.display()
        );
    }
    // Opening the store migrates it (with a backup) when this build's schema is newer.
    crate::store::db::Db::open(dir)?;
    Ok(Access::open(dir)?)
}

/// Runs `storybank keys ...`.
pub fn keys(settings: &Settings, command: KeysCommand) -> anyhow::Result<u8> {
    let access = open(settings)?;
    match command {
        KeysCommand::Create { name, role } => {
            let key = access.create_key(&name, Role::parse(&role)?)?;
            audit(&access, "keys create", &[format!("key:{}", key.info.id)]);
            eprintln!(
                "created key {} for {} ({}). It is shown once; store it now:",
                key.info.id,
                key.info.name,
                key.info.role.as_str()
            );
            println!("{}", key.key);
        }
        KeysCommand::List { json } => {
            let keys = access.keys()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&keys)?);
            } else if keys.is_empty() {
                println!("no keys: a server answers only on loopback, to anyone there");
            } else {
                for key in keys {
                    let state = key
                        .revoked_at
                        .as_deref()
                        .map_or("active".to_string(), |at| format!("revoked {at}"));
                    println!(
                        "{}  {:<7} {:<30} created {}  {state}",
                        key.id,
                        key.role.as_str(),
                        key.name,
                        key.created_at
                    );
                }
            }
        }
        KeysCommand::Revoke { id } => {
            let key = access.revoke_key(&id)?;
            audit(&access, "keys revoke", &[format!("key:{}", key.id)]);
            println!("revoked {} ({})", key.id, key.name);
        }
    }
    Ok(0)
}

/// Runs `storybank audit`.
pub fn audit_log(settings: &Settings, after: i64, limit: usize, json: bool) -> anyhow::Result<u8> {
    let access = open(settings)?;
    let entries = access.audit(after, limit)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
    } else {
        for entry in entries {
            println!(
                "{:>6} {} {:<24} {:<6} {:<6} {:<40} {:>3} {}",
                entry.seq,
                entry.at,
                entry.actor,
                entry.role.as_str(),
                entry.method,
                entry.route,
                entry.status,
                entry.ids.join(",")
            );
        }
    }
    Ok(0)
}

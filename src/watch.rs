//! Always-on intake from a folder (`storybank watch DIR`): transcripts and CRM exports are
//! ingested as they appear. The folder is a corpus (`deals.csv`, `transcripts/`) or a flat drop
//! folder (transcripts and `deals.csv` side by side). The folder is polled (it works the same on local disks, network
//! shares and synced folders, where change notifications are unreliable); a file is taken once
//! its size and modification time held still for one whole interval (a file still being copied
//! or synced is left alone), and each file is ingested once: the folder's state (size, time and
//! SHA-256 of every file handled) is kept in the index, so a restart does not ingest anything
//! again, a touched but unchanged file is skipped, and a failed file is retried only when it
//! changes. Every round is appended to `<index>/watch-report.jsonl` (file names, deal ids,
//! errors; never transcript text).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::app::{IngestReport, Storybank};
use crate::error::{Error, Result};
use crate::upload::Upload;

/// Corpus files that are not transcripts.
const CORPUS_FILES: [&str; 3] = ["deals.csv", "competitors.toml", "mapping.toml"];
const TRANSCRIPTS: [&str; 6] = ["txt", "md", "vtt", "srt", "docx", "json"];

/// What the watcher knows of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Seen {
    size: u64,
    modified: u128,
    sha256: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// Folder the state belongs to.
    dir: String,
    /// Relative path -> what was handled.
    files: BTreeMap<String, Seen>,
}

/// One round that ingested something.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WatchRound {
    /// When (RFC 3339).
    pub at: String,
    /// Files taken this round (relative to the folder).
    pub files: Vec<String>,
    /// The ingest report (failures name the files).
    pub report: IngestReport,
}

/// Watches one folder for one bank.
pub struct Watcher<'a> {
    bank: &'a Storybank,
    dir: PathBuf,
    state_path: PathBuf,
    state: State,
    /// Size and time seen at the previous poll, per file not yet handled.
    pending: HashMap<String, (u64, u128)>,
}

fn modified(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

impl<'a> Watcher<'a> {
    /// Starts watching `dir` (its state is kept in the bank's index folder).
    pub fn new(bank: &'a Storybank, dir: &Path) -> Result<Watcher<'a>> {
        let dir = dir.canonicalize().map_err(|err| {
            Error::io(format!("opening the watched folder {}", dir.display()), err)
        })?;
        let key = Sha256::digest(dir.to_string_lossy().as_bytes());
        let name = format!("watch-{:02x}{:02x}{:02x}{:02x}.json", key[0], key[1], key[2], key[3]);
        let state_path = bank.settings().index_dir.join(name);
        let state = match std::fs::read(&state_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            Err(_) => State { dir: dir.to_string_lossy().into_owned(), files: BTreeMap::new() },
        };
        Ok(Watcher { bank, dir, state_path, state, pending: HashMap::new() })
    }

    /// Files of the folder that storybank reads: corpus files at the top; transcripts in
    /// `transcripts/` when the folder has one (a corpus), else at the top (a drop folder).
    /// Relative path -> (size, time).
    fn scan(&self) -> BTreeMap<String, (u64, u128)> {
        let mut found = BTreeMap::new();
        let corpus = self.dir.join("transcripts").is_dir();
        for (folder, prefix) in
            [(self.dir.clone(), ""), (self.dir.join("transcripts"), "transcripts/")]
        {
            let top = prefix.is_empty();
            let Ok(entries) = std::fs::read_dir(&folder) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let extension = Path::new(&name)
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let wanted = (top && CORPUS_FILES.contains(&name.as_str()))
                    || (TRANSCRIPTS.contains(&extension.as_str()) && top != corpus);
                if name.starts_with('.') || !wanted {
                    continue;
                }
                if let Ok(meta) = entry.metadata()
                    && meta.is_file()
                {
                    found.insert(format!("{prefix}{name}"), (meta.len(), modified(&meta)));
                }
            }
        }
        found
    }

    /// One poll: takes the files that are new or changed and held still since the last poll,
    /// and ingests them. `None` when there was nothing to take.
    pub fn poll(&mut self) -> Result<Option<WatchRound>> {
        let scanned = self.scan();
        let mut ready: Vec<(String, Vec<u8>, Seen)> = vec![];
        let mut next_pending = HashMap::new();
        for (name, (size, time)) in &scanned {
            let handled = self.state.files.get(name);
            if handled.is_some_and(|seen| seen.size == *size && seen.modified == *time) {
                continue;
            }
            if self.pending.get(name) != Some(&(*size, *time)) {
                // New or still changing: look again next poll.
                next_pending.insert(name.clone(), (*size, *time));
                continue;
            }
            let Ok(bytes) = std::fs::read(self.dir.join(name)) else {
                next_pending.insert(name.clone(), (*size, *time));
                continue;
            };
            let sha256 = format!("{:x}", Sha256::digest(&bytes));
            let seen = Seen { size: *size, modified: *time, sha256 };
            if handled.is_some_and(|old| old.sha256 == seen.sha256) {
                // Touched, not changed.
                self.state.files.insert(name.clone(), seen);
                continue;
            }
            ready.push((name.clone(), bytes, seen));
        }
        self.pending = next_pending;
        let transcripts: Vec<&(String, Vec<u8>, Seen)> =
            ready.iter().filter(|(name, _, _)| !CORPUS_FILES.contains(&name.as_str())).collect();
        let corpus_changed = ready.iter().any(|(name, _, _)| CORPUS_FILES.contains(&name.as_str()));
        if transcripts.is_empty() && !corpus_changed {
            self.save()?;
            return Ok(None);
        }
        // The CRM export goes along when it changed, or when a transcript is of a deal the bank
        // does not know yet (its row is only there).
        let mut unknown_deal = false;
        for (name, _, _) in &transcripts {
            let stem = Path::new(name).file_stem().map(|s| s.to_string_lossy().into_owned());
            unknown_deal |= match stem {
                Some(stem) => self.bank.stored_row(&stem)?.is_none(),
                None => true,
            };
        }
        let mut files: Vec<Upload> = transcripts
            .iter()
            .map(|(name, bytes, _)| Upload { name: name.clone(), bytes: bytes.clone() })
            .collect();
        if corpus_changed || unknown_deal {
            for corpus_file in CORPUS_FILES {
                if let Ok(bytes) = std::fs::read(self.dir.join(corpus_file)) {
                    files.push(Upload { name: corpus_file.to_string(), bytes });
                }
            }
        }
        let report = self.bank.ingest_uploads(files, u64::MAX)?;
        // Each file once: handled now, whatever the outcome, until it changes.
        for (name, _, seen) in &ready {
            self.state.files.insert(name.clone(), seen.clone());
        }
        self.save()?;
        let round = WatchRound {
            at: crate::packs::now_rfc3339(),
            files: ready.iter().map(|(name, _, _)| name.clone()).collect(),
            report,
        };
        self.append_report(&round)?;
        Ok(Some(round))
    }

    fn save(&self) -> Result<()> {
        crate::store::write_durable(&self.state_path, &serde_json::to_vec_pretty(&self.state)?)
    }

    fn append_report(&self, round: &WatchRound) -> Result<()> {
        use std::io::Write;
        let path = self.bank.settings().index_dir.join("watch-report.jsonl");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|err| Error::io(format!("opening {}", path.display()), err))?;
        let line = serde_json::to_string(round)?;
        writeln!(file, "{line}")
            .map_err(|err| Error::io(format!("writing {}", path.display()), err))
    }
}

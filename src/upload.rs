//! Ingest from uploaded files (the admin's `POST /v1/admin/ingest`): transcripts, a
//! `deals.csv`, a `competitors.toml`, or a `.zip` holding any of them. The files are laid out
//! as a corpus folder in a temporary folder inside the index (same disk, removed afterwards)
//! and ingested exactly as `storybank ingest` would, with the same per-file report. Without a
//! `deals.csv`, transcripts of deals already in the bank are ingested against the CRM rows the
//! store kept for them.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::app::{IngestFailure, IngestReport, Storybank};
use crate::error::{Error, Result};
use crate::model::DealRow;

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Its name as sent (only the last path component is used).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Most files one upload (zips expanded) may hold.
pub const MAX_UPLOAD_FILES: usize = 10_000;

/// The last component of an uploaded name, if it is a plain file name.
fn file_name(name: &str) -> Option<&str> {
    let base = name.rsplit(['/', '\\']).next()?.trim();
    let ok = !base.is_empty() && base != "." && base != ".." && !base.starts_with('.');
    ok.then_some(base)
}

/// Lays the files out as a corpus folder under `root`. Bad files become failures.
fn lay_out(
    files: Vec<Upload>,
    root: &Path,
    max_expanded: u64,
    report: &mut IngestReport,
) -> Result<()> {
    let transcripts = root.join("transcripts");
    crate::store::create_dir(&transcripts)?;
    let mut placed = 0usize;
    let mut expanded = 0u64;
    let mut place = |name: &str, bytes: &[u8], report: &mut IngestReport| -> Result<()> {
        let Some(base) = file_name(name) else {
            report.failures.push(IngestFailure {
                file: name.to_string(),
                line: 0,
                message: "not a plain file name; skipped".into(),
            });
            return Ok(());
        };
        placed += 1;
        if placed > MAX_UPLOAD_FILES {
            return Err(Error::InvalidRequest(format!(
                "more than {MAX_UPLOAD_FILES} files in one upload; split it"
            )));
        }
        let target = match base.to_ascii_lowercase().as_str() {
            "deals.csv" | "competitors.toml" | "mapping.toml" => {
                root.join(base.to_ascii_lowercase())
            }
            _ => transcripts.join(base),
        };
        if target.exists() {
            report.failures.push(IngestFailure {
                file: base.to_string(),
                line: 0,
                message: "uploaded twice; the first copy is used".into(),
            });
            return Ok(());
        }
        std::fs::write(&target, bytes)
            .map_err(|source| Error::Io { context: format!("writing the uploaded {base}"), source })
    };
    for file in files {
        if !file.name.to_ascii_lowercase().ends_with(".zip") {
            place(&file.name, &file.bytes, report)?;
            continue;
        }
        let archive = zip::ZipArchive::new(std::io::Cursor::new(&file.bytes));
        let mut archive = match archive {
            Ok(archive) => archive,
            Err(err) => {
                report.failures.push(IngestFailure {
                    file: file.name.clone(),
                    line: 0,
                    message: format!("not a readable zip file: {err}"),
                });
                continue;
            }
        };
        for index in 0..archive.len() {
            let mut entry = match archive.by_index(index) {
                Ok(entry) => entry,
                Err(err) => {
                    report.failures.push(IngestFailure {
                        file: format!("{}#{index}", file.name),
                        line: 0,
                        message: format!("unreadable zip entry: {err}"),
                    });
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let name = entry.enclosed_name().map(|p| p.to_string_lossy().into_owned());
            let Some(name) = name else {
                report.failures.push(IngestFailure {
                    file: format!("{}: {}", file.name, entry.name().unwrap_or_default()),
                    line: 0,
                    message: "path leaves the archive; skipped".into(),
                });
                continue;
            };
            if name.split(['/', '\\']).any(|part| part.starts_with('.') || part == "__MACOSX") {
                continue; // macOS resource forks and hidden files
            }
            // Decompressed bytes are counted against the limit as they are read: a zip bomb
            // stops at the limit instead of filling the disk.
            let budget = max_expanded.saturating_sub(expanded);
            let mut bytes = vec![];
            let read = (&mut entry).take(budget + 1).read_to_end(&mut bytes);
            if let Err(err) = read {
                report.failures.push(IngestFailure {
                    file: format!("{}: {name}", file.name),
                    line: 0,
                    message: format!("could not decompress: {err}"),
                });
                continue;
            }
            expanded += bytes.len() as u64;
            if expanded > max_expanded {
                return Err(Error::InvalidRequest(format!(
                    "{} expands to more than {} MB; split it",
                    file.name,
                    max_expanded / 1_000_000
                )));
            }
            place(&name, &bytes, report)?;
        }
    }
    Ok(())
}

impl Storybank {
    /// Ingests uploaded files; `max_expanded` caps the bytes that zips may expand to.
    pub fn ingest_uploads(&self, files: Vec<Upload>, max_expanded: u64) -> Result<IngestReport> {
        if files.is_empty() {
            return Err(Error::InvalidRequest(
                "no files: send transcripts, a deals.csv or a .zip as multipart `file` fields"
                    .into(),
            ));
        }
        let temp = self.upload_folder()?;
        let root = temp.path();
        let mut report = IngestReport::default();
        lay_out(files, root, max_expanded, &mut report)?;
        let mut report = if root.join("deals.csv").is_file() {
            let mut ingested = self.ingest_dir(root, &|_| {})?;
            ingested.failures.splice(0..0, report.failures);
            ingested
        } else {
            // Transcripts of deals the bank knows: their stored CRM rows.
            let mut rows: BTreeMap<String, DealRow> = BTreeMap::new();
            let mut stems: Vec<String> = std::fs::read_dir(root.join("transcripts"))
                .map_err(|source| Error::Io { context: "reading the upload".into(), source })?
                .filter_map(|entry| entry.ok())
                .filter_map(|entry| {
                    entry.path().file_stem().map(|s| s.to_string_lossy().into_owned())
                })
                .collect();
            stems.sort();
            stems.dedup();
            for stem in stems {
                match self.stored_row(&stem)? {
                    Some(row) => {
                        rows.insert(stem, row);
                    }
                    None => report.failures.push(IngestFailure {
                        file: stem.clone(),
                        line: 0,
                        message: format!(
                            "deal {stem} is not in the bank: upload a deals.csv with its row"
                        ),
                    }),
                }
            }
            self.ingest_rows(root, rows, report, &|_| {})?
        };
        name_as_uploaded(&mut report, root);
        Ok(report)
    }

    /// Ingests one deal as a CRM webhook sends it: its row, and its transcript if there is one.
    pub fn ingest_deal(&self, row: DealRow, transcript: Option<Upload>) -> Result<IngestReport> {
        let temp = self.upload_folder()?;
        let root = temp.path();
        let mut report = IngestReport::default();
        lay_out(transcript.into_iter().collect(), root, 0, &mut report)?;
        let rows = BTreeMap::from([(row.deal_id.clone(), row)]);
        let mut report = self.ingest_rows(root, rows, report, &|_| {})?;
        name_as_uploaded(&mut report, root);
        Ok(report)
    }

    /// A temporary folder inside the index (same disk), removed when dropped.
    fn upload_folder(&self) -> Result<tempfile::TempDir> {
        tempfile::Builder::new()
            .prefix(".upload-")
            .tempdir_in(&self.settings().index_dir)
            .map_err(|source| Error::Io { context: "creating the upload folder".into(), source })
    }
}

/// Names files in a report as they were uploaded, never by the temporary folder.
fn name_as_uploaded(report: &mut IngestReport, root: &Path) {
    let prefix = format!("{}/", root.display());
    let transcripts = format!("{prefix}transcripts/");
    let strip = |text: &str| text.replace(&transcripts, "").replace(&prefix, "");
    for failure in &mut report.failures {
        failure.file = strip(&failure.file);
        failure.message = strip(&failure.message);
    }
    for warning in &mut report.warnings {
        *warning = strip(warning);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_and_zips_cannot_escape_or_explode() {
        assert_eq!(file_name("transcripts/S-1.txt"), Some("S-1.txt"));
        assert_eq!(file_name("C:\\calls\\S-1.vtt"), Some("S-1.vtt"));
        for bad in ["", "..", "../", ".hidden", "a/.."] {
            assert_eq!(file_name(bad), None, "{bad}");
        }
        // A zip whose entry decompresses beyond the limit stops at the limit.
        let mut buffer = std::io::Cursor::new(Vec::new());
        {
            let mut writer = zip::ZipWriter::new(&mut buffer);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            writer.start_file("big.txt", options).unwrap();
            std::io::Write::write_all(&mut writer, &vec![b'a'; 5_000]).unwrap();
            writer.start_file("../escape.txt", options).unwrap();
            std::io::Write::write_all(&mut writer, b"x").unwrap();
            writer.finish().unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let upload = Upload { name: "batch.zip".into(), bytes: buffer.into_inner() };
        let mut report = IngestReport::default();
        let err = lay_out(vec![upload.clone()], dir.path(), 1_000, &mut report).unwrap_err();
        assert!(err.to_string().contains("expands to more than"), "{err}");
        let mut report = IngestReport::default();
        let other = tempfile::tempdir().unwrap();
        lay_out(vec![upload], other.path(), 1_000_000, &mut report).unwrap();
        assert!(other.path().join("transcripts/big.txt").is_file());
        assert!(!other.path().join("escape.txt").exists());
        assert!(report.failures.iter().any(|f| f.message.contains("leaves the archive")));
    }
}

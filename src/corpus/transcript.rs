//! Transcript parsing: plain text with speaker labels, WebVTT with voice tags, and JSON.
//!
//! Consecutive utterances of one speaker merge into one [`Turn`] whose [`Segment`]s keep each
//! cue's start time, so a quote can point at the cue it starts in.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::error::{Error, Result};

/// A piece of one turn: one paragraph, cue or utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Start in seconds, when the source has timestamps.
    pub start: Option<f64>,
    /// The words.
    pub text: String,
    /// 1-based line in the source file (0 when unknown).
    pub line: usize,
}

/// Consecutive speech of one speaker.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// Speaker label as written (name or role), without any parenthesised title.
    pub speaker: String,
    /// Title from a `Name (Title, Account)` label.
    pub title: Option<String>,
    /// Organisation from a `Name (Title, Account)` label.
    pub org: Option<String>,
    /// The speech, in order.
    pub segments: Vec<Segment>,
}

impl Turn {
    /// Returns the whole turn's text.
    pub fn text(&self) -> String {
        self.segments.iter().map(|segment| segment.text.as_str()).collect::<Vec<_>>().join(" ")
    }
}

/// A parsed transcript.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transcript {
    /// File name (no folder).
    pub file_name: String,
    /// Deal id from the header, if any.
    pub deal_id: Option<String>,
    /// Interviewer from the header, if any.
    pub interviewer: Option<String>,
    /// Interview date from the header, if any.
    pub date: Option<String>,
    /// Speaker turns in order.
    pub turns: Vec<Turn>,
}

impl Transcript {
    fn push(
        &mut self,
        speaker: &str,
        title: Option<String>,
        org: Option<String>,
        segment: Segment,
    ) {
        let speaker = speaker.trim();
        if let Some(last) = self.turns.last_mut()
            && last.speaker == speaker
        {
            last.title = last.title.take().or(title);
            last.org = last.org.take().or(org);
            last.segments.push(segment);
            return;
        }
        self.turns.push(Turn { speaker: speaker.to_string(), title, org, segments: vec![segment] });
    }

    fn continue_last(&mut self, segment: Segment, new_segment: bool) -> bool {
        let Some(last) = self.turns.last_mut() else { return false };
        match last.segments.last_mut() {
            Some(previous) if !new_segment && segment.start.is_none() => {
                previous.text.push(' ');
                previous.text.push_str(&segment.text);
            }
            _ => last.segments.push(segment),
        }
        true
    }
}

/// Parses a transcript file by extension: `.txt`, `.vtt` or `.json`.
pub fn parse_transcript(path: &Path) -> Result<Transcript> {
    Ok(read_transcript(path)?.0)
}

/// Reads and parses a transcript file; also returns its text (for a Word file, the text of its
/// paragraphs), which the store keeps as the raw transcript.
pub fn read_transcript(path: &Path) -> Result<(Transcript, String)> {
    let bytes =
        std::fs::read(path).map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
    let docx = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("docx"));
    let text = if docx {
        // Paragraphs become lines, read as a plain-text transcript.
        super::docx::docx_text(path, &bytes)?
    } else {
        String::from_utf8(bytes).map_err(|err| {
            Error::parse(
                path,
                line_of_offset_bytes(err.as_bytes(), err.utf8_error().valid_up_to()),
                "not valid UTF-8",
            )
        })?
    };
    let transcript = parse_transcript_text(path, &text)?;
    Ok((transcript, text))
}

/// Parses transcript text read from `path` (whose extension picks the format).
pub fn parse_transcript_text(path: &Path, text: &str) -> Result<Transcript> {
    let text = text.to_string();
    let extension =
        path.extension().and_then(|ext| ext.to_str()).unwrap_or("").to_ascii_lowercase();
    let mut transcript = match extension.as_str() {
        // A Word file's text (what `docx_text` extracted and the store keeps) reads as text.
        "txt" | "md" | "docx" => parse_txt(path, &text)?,
        "vtt" => parse_vtt(path, &text)?,
        "srt" => parse_srt(path, &text)?,
        "json" => parse_json(path, &text)?,
        other => {
            return Err(Error::parse(path, 0, format!("unsupported transcript format `.{other}`")));
        }
    };
    transcript.file_name =
        path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    if transcript
        .turns
        .iter()
        .all(|turn| turn.segments.iter().all(|segment| segment.text.trim().is_empty()))
    {
        return Err(Error::parse(path, 1, "no speech found"));
    }
    Ok(transcript)
}

fn line_of_offset_bytes(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

fn clean_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parses `[hh:mm:ss(.fff)]`, `hh:mm:ss.fff` or `mm:ss.fff` into seconds.
fn parse_clock(text: &str) -> Option<f64> {
    let text = text.trim().replace(',', ".");
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let mut seconds = 0.0;
    for (i, part) in parts.iter().enumerate() {
        let value: f64 = part.parse().ok()?;
        let is_last = i + 1 == parts.len();
        if value < 0.0 || (!is_last && part.contains('.')) {
            return None;
        }
        seconds = seconds * 60.0 + value;
    }
    Some(seconds)
}

// --- plain text -------------------------------------------------------------------------------

static TXT_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:\[(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\]\s*)?(?P<name>[^:\[\]()]{1,60}?)\s*(?:\((?P<paren>[^()]*)\))?\s*:(?:\s+(?P<text>.*))?$",
    )
    .unwrap()
});

/// An Otter / Fireflies speaker header: `Jane Smith  0:03` alone on its line, the words below.
static TXT_SPEAKER_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<name>[^\s\d\[][^:\[\]]{0,60}?)\s+(?P<ts>(?:\d{1,2}:)?\d{1,2}:\d{2})\s*$")
        .unwrap()
});

static TXT_TIMESTAMP_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*\[(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\]\s*(?P<text>.*)$").unwrap()
});

const NAME_PARTICLES: [&str; 28] = [
    "van", "von", "de", "da", "del", "der", "la", "le", "di", "bin", "dos", "do", "das", "du",
    "den", "ter", "ten", "zu", "af", "av", "al", "el", "ibn", "bint", "binti", "della", "y", "e",
];

/// True when `name` reads like a speaker label: 1-6 words, each capitalised (or a particle).
fn looks_like_label(name: &str) -> bool {
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.is_empty() || words.len() > 6 {
        return false;
    }
    words.iter().all(|word| {
        let first = word.chars().next().unwrap_or(' ');
        // "al-Farsi", "el-Amin": a particle joined to a capitalised name.
        let joined = word.split_once('-').is_some_and(|(head, tail)| {
            NAME_PARTICLES.contains(&head) && tail.starts_with(char::is_uppercase)
        });
        (first.is_uppercase() || first.is_ascii_digit() || NAME_PARTICLES.contains(word) || joined)
            && word.chars().all(|c| c.is_alphanumeric() || "'’.-_&".contains(c))
    })
}

struct TxtLabel<'a> {
    timestamp: Option<f64>,
    name: &'a str,
    paren: Option<&'a str>,
    text: &'a str,
}

fn txt_label(line: &str) -> Option<TxtLabel<'_>> {
    let captures = TXT_LABEL.captures(line)?;
    let name = captures.name("name")?.as_str().trim();
    if !looks_like_label(name) {
        return None;
    }
    Some(TxtLabel {
        timestamp: captures.name("ts").and_then(|ts| parse_clock(ts.as_str())),
        name,
        paren: captures.name("paren").map(|paren| paren.as_str()),
        text: captures.name("text").map_or("", |text| text.as_str()),
    })
}

fn parse_front_matter(path: &Path, lines: &[&str], transcript: &mut Transcript) -> Result<usize> {
    let Some(first) = lines.iter().position(|line| !line.trim().is_empty()) else { return Ok(0) };
    if lines[first].trim() != "---" {
        return Ok(first);
    }
    let Some(end) = lines.iter().skip(first + 1).position(|line| line.trim() == "---") else {
        return Err(Error::parse(
            path,
            first + 1,
            "front matter opened with `---` is never closed",
        ));
    };
    let end = first + 1 + end;
    for (offset, line) in lines[first + 1..end].iter().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(Error::parse(
                path,
                first + 2 + offset,
                "front matter line is not `key: value`",
            ));
        };
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
        match key.trim().to_ascii_lowercase().as_str() {
            "deal_id" | "deal" => transcript.deal_id = Some(value).filter(|v| !v.is_empty()),
            "interviewer" => transcript.interviewer = Some(value).filter(|v| !v.is_empty()),
            "date" => transcript.date = Some(value).filter(|v| !v.is_empty()),
            _ => {}
        }
    }
    Ok(end + 1)
}

fn parse_txt(path: &Path, text: &str) -> Result<Transcript> {
    let text = text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    let mut transcript = Transcript::default();
    let body_start = parse_front_matter(path, &lines, &mut transcript)?;

    // A label without timestamp or title is accepted only if it recurs, so that a sentence like
    // "Pricing: it was fine" inside a paragraph is not taken for a speaker.
    let mut label_counts: HashMap<&str, usize> = HashMap::new();
    for line in &lines[body_start..] {
        if let Some(label) = txt_label(line) {
            *label_counts.entry(label.name).or_default() += 1;
        }
    }
    let header_names: Vec<String> = transcript.interviewer.iter().cloned().collect();
    // Otter-style exports put `Name  0:03` on a line of its own; such headers count when they
    // recur (a sentence ending in a time is not a speaker).
    let speaker_headers =
        lines[body_start..].iter().filter(|line| TXT_SPEAKER_HEADER.is_match(line)).count();
    let mut new_paragraph = true;
    for (index, line) in lines.iter().enumerate().skip(body_start) {
        let line_number = index + 1;
        if line.trim().is_empty() {
            new_paragraph = true;
            continue;
        }
        if speaker_headers >= 2
            && let Some(header) = TXT_SPEAKER_HEADER.captures(line)
        {
            let segment = Segment {
                start: parse_clock(&header["ts"]),
                text: String::new(),
                line: line_number,
            };
            transcript.push(&header["name"], None, None, segment);
            // The words below belong to this segment.
            new_paragraph = false;
            continue;
        }
        // A label heard once still counts when it opens a paragraph and opens the body, reads
        // like a full name, or answers the named interviewer: a buyer who speaks once must not
        // be folded into the interviewer's turn (text before any label is an error anyway).
        let after_interviewer =
            transcript.turns.last().is_some_and(|turn| header_names.contains(&turn.speaker));
        let label = txt_label(line).filter(|label| {
            label.timestamp.is_some()
                || label.paren.is_some()
                || label_counts.get(label.name).copied().unwrap_or(0) >= 2
                || header_names.iter().any(|name| name == label.name)
                || (new_paragraph
                    && (transcript.turns.is_empty()
                        || label.name.split_whitespace().count() >= 2
                        || after_interviewer))
        });
        if let Some(label) = label {
            let (title, org) = split_title(label.paren);
            let segment =
                Segment { start: label.timestamp, text: clean_text(label.text), line: line_number };
            transcript.push(label.name, title, org, segment);
            new_paragraph = false;
            continue;
        }
        let (start, body) = match TXT_TIMESTAMP_ONLY.captures(line) {
            Some(captures) => {
                (parse_clock(&captures["ts"]), captures.name("text").map_or("", |m| m.as_str()))
            }
            None => (None, *line),
        };
        let segment = Segment { start, text: clean_text(body), line: line_number };
        if !transcript.continue_last(segment, new_paragraph) {
            return Err(Error::parse(
                path,
                line_number,
                "text before the first speaker label (expected `Name: words` or `[hh:mm:ss] Name: words`)",
            ));
        }
        new_paragraph = false;
    }
    if transcript.turns.is_empty() {
        return Err(Error::parse(
            path,
            body_start + 1,
            "no speaker turns found (expected `Name: words` lines)",
        ));
    }
    for turn in &mut transcript.turns {
        for segment in &mut turn.segments {
            segment.text = segment.text.trim().to_string();
        }
        turn.segments.retain(|segment| !segment.text.is_empty());
    }
    transcript.turns.retain(|turn| !turn.segments.is_empty());
    Ok(transcript)
}

/// A speaker label of a VTT voice or a JSON utterance with its title in brackets, as text
/// transcripts write it ("Priya Raman (VP Finance, Northwind)"): the name, the title and the
/// organisation; other labels whole.
fn split_label(label: &str) -> (String, Option<String>, Option<String>) {
    let label = label.trim();
    if let Some(open) = label.find(" (")
        && label.ends_with(')')
        && !label[..open].trim().is_empty()
    {
        let (title, org) = split_title(Some(&label[open + 2..label.len() - 1]));
        return (label[..open].trim().to_string(), title, org);
    }
    (label.to_string(), None, None)
}

fn split_title(paren: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(paren) = paren else { return (None, None) };
    let (title, org) = match paren.split_once(',') {
        Some((title, org)) => {
            (title.trim(), Some(org.trim().to_string()).filter(|org| !org.is_empty()))
        }
        None => (paren.trim(), None),
    };
    (Some(title.to_string()).filter(|title| !title.is_empty()), org)
}

// --- WebVTT -----------------------------------------------------------------------------------

static VTT_TIMING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s+-->\s+(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})").unwrap()
});
static VTT_VOICE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<v(?:\.[\w.-]+)?\s+(?P<name>[^>]+)>").unwrap());
static VTT_TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"</?[^>]*>").unwrap());

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn parse_vtt(path: &Path, text: &str) -> Result<Transcript> {
    let text = text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    let Some(first) = lines.iter().position(|line| !line.trim().is_empty()) else {
        return Err(Error::parse(path, 1, "empty file"));
    };
    if !lines[first].trim_start().starts_with("WEBVTT") {
        return Err(Error::parse(path, first + 1, "missing `WEBVTT` header"));
    }
    let mut transcript = Transcript::default();
    // Header metadata lines (`Kind: captions`) run until the first blank line.
    let mut index = first + 1;
    while index < lines.len() && !lines[index].trim().is_empty() {
        index += 1;
    }
    parse_cues(path, &lines, index, &mut transcript)?;
    if transcript.turns.is_empty() {
        return Err(Error::parse(path, first + 1, "no cues with speech found"));
    }
    Ok(transcript)
}

/// SubRip (`.srt`), what Zoom, Otter and Rev export: numbered cues, `00:00:01,000 --> ...`
/// timings, and the speaker as `Name: words` in the cue text.
fn parse_srt(path: &Path, text: &str) -> Result<Transcript> {
    let text = text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    let Some(first) = lines.iter().position(|line| !line.trim().is_empty()) else {
        return Err(Error::parse(path, 1, "empty file"));
    };
    let mut transcript = Transcript::default();
    parse_cues(path, &lines, first, &mut transcript)?;
    if transcript.turns.is_empty() {
        return Err(Error::parse(path, first + 1, "no cues with speech found"));
    }
    Ok(transcript)
}

/// Reads cue blocks (an optional identifier line, a `start --> end` line, the text) from
/// `lines[index..]`: the body of WebVTT and of SubRip.
fn parse_cues(
    path: &Path,
    lines: &[&str],
    mut index: usize,
    transcript: &mut Transcript,
) -> Result<()> {
    while index < lines.len() {
        // Collect one block.
        while index < lines.len() && lines[index].trim().is_empty() {
            index += 1;
        }
        let block_start = index;
        while index < lines.len() && !lines[index].trim().is_empty() {
            index += 1;
        }
        if block_start >= lines.len() {
            break;
        }
        let block = &lines[block_start..index];
        let head = block[0].trim();
        if head.starts_with("NOTE") || head == "STYLE" || head == "REGION" {
            continue;
        }
        let Some(timing_offset) = block.iter().take(2).position(|line| line.contains("-->")) else {
            // Point at the line that tried to be a timing line, if any.
            let attempt = block.iter().take(2).position(|line| {
                line.trim_start().starts_with(|c: char| c.is_ascii_digit()) && line.contains(':')
            });
            return Err(match attempt {
                Some(offset) => Error::parse(
                    path,
                    block_start + offset + 1,
                    "malformed cue timing (expected `hh:mm:ss.mmm --> hh:mm:ss.mmm`)",
                ),
                None => {
                    Error::parse(path, block_start + 1, "cue without a `start --> end` timing line")
                }
            });
        };
        let timing_line = block_start + timing_offset + 1;
        let Some(timing) = VTT_TIMING.captures(block[timing_offset]) else {
            return Err(Error::parse(
                path,
                timing_line,
                "malformed cue timing (expected `hh:mm:ss.mmm --> hh:mm:ss.mmm`)",
            ));
        };
        let start = parse_clock(&timing["start"])
            .ok_or_else(|| Error::parse(path, timing_line, "malformed cue start time"))?;
        let payload = block[timing_offset + 1..].join(" ");
        let payload_line = timing_line + 1;
        push_vtt_payload(path, transcript, &payload, start, payload_line)?;
    }
    Ok(())
}

fn push_vtt_payload(
    path: &Path,
    transcript: &mut Transcript,
    payload: &str,
    start: f64,
    line: usize,
) -> Result<()> {
    let voices: Vec<_> = VTT_VOICE.captures_iter(payload).collect();
    if voices.is_empty() {
        let words = clean_text(&decode_entities(&VTT_TAG.replace_all(payload, " ")));
        if words.is_empty() {
            return Ok(());
        }
        if let Some(label) = txt_label(&words) {
            let segment = Segment { start: Some(start), text: clean_text(label.text), line };
            transcript.push(label.name, None, None, segment);
            return Ok(());
        }
        let segment = Segment { start: Some(start), text: words, line };
        if !transcript.continue_last(segment, true) {
            return Err(Error::parse(
                path,
                line,
                "cue has no speaker (expected `<v Name>` or `Name:`)",
            ));
        }
        return Ok(());
    }
    for (i, voice) in voices.iter().enumerate() {
        let whole = voice.get(0).unwrap();
        let end = voices.get(i + 1).map_or(payload.len(), |next| next.get(0).unwrap().start());
        let body = &payload[whole.end()..end];
        let words = clean_text(&decode_entities(&VTT_TAG.replace_all(body, " ")));
        let name = clean_text(&voice["name"]);
        if words.is_empty() {
            continue;
        }
        let (name, title, org) = split_label(&name);
        transcript.push(&name, title, org, Segment { start: Some(start), text: words, line });
    }
    Ok(())
}

// --- JSON -------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct JsonTranscript {
    deal_id: Option<String>,
    interviewer: Option<String>,
    date: Option<String>,
    #[serde(alias = "turns", alias = "segments")]
    utterances: Vec<JsonUtterance>,
}

#[derive(Deserialize)]
struct JsonUtterance {
    #[serde(alias = "name")]
    speaker: Option<String>,
    #[serde(alias = "start_seconds", alias = "ts")]
    start: Option<f64>,
    text: Option<String>,
    title: Option<String>,
}

fn parse_json(path: &Path, text: &str) -> Result<Transcript> {
    let text = text.trim_start_matches('\u{feff}');
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|err| Error::parse(path, err.line(), format!("invalid transcript JSON: {err}")))?;
    if let Some(monologues) = call_monologues(&value) {
        return parse_call_json(path, &value, &monologues);
    }
    // From the text again, so that a type error names its line.
    let parsed: JsonTranscript = serde_json::from_str(text)
        .map_err(|err| Error::parse(path, err.line(), format!("invalid transcript JSON: {err}")))?;
    let mut transcript = Transcript {
        deal_id: parsed.deal_id.filter(|v| !v.trim().is_empty()),
        interviewer: parsed.interviewer.filter(|v| !v.trim().is_empty()),
        date: parsed.date.filter(|v| !v.trim().is_empty()),
        ..Transcript::default()
    };
    // Approximate each utterance's line by the n-th `"speaker"`-like key; good enough for messages.
    let utterance_lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains("\"text\""))
        .map(|(i, _)| i + 1)
        .collect();
    for (number, utterance) in parsed.utterances.into_iter().enumerate() {
        let line = utterance_lines.get(number).copied().unwrap_or(0);
        let speaker = utterance.speaker.unwrap_or_default();
        if speaker.trim().is_empty() {
            return Err(Error::parse(
                path,
                line,
                format!("utterance {} has no speaker", number + 1),
            ));
        }
        let words = clean_text(&utterance.text.unwrap_or_default());
        if words.is_empty() {
            continue;
        }
        let (speaker, label_title, org) = split_label(&speaker);
        let title = utterance.title.filter(|t| !t.trim().is_empty()).or(label_title);
        transcript.push(
            &speaker,
            title,
            org,
            Segment { start: utterance.start, text: words, line },
        );
    }
    if transcript.turns.is_empty() {
        return Err(Error::parse(path, 1, "no utterances with text"));
    }
    Ok(transcript)
}

// --- call recorders (Gong, Chorus and the like) ------------------------------------------------

/// The first string among `keys` of a JSON object (numbers are read as text).
fn field_text(object: &serde_json::Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| match object.get(*key)? {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    })
}

/// Monologues of a call recorder's export: speaker turns holding `sentences` with millisecond
/// offsets, at the top (`transcript`, `monologues`) or per call (`callTranscripts[].transcript`).
fn call_monologues(value: &serde_json::Value) -> Option<Vec<serde_json::Value>> {
    let has_sentences = |items: &Vec<serde_json::Value>| {
        !items.is_empty() && items.iter().all(|item| item.get("sentences").is_some())
    };
    if let Some(calls) = value.get("callTranscripts").and_then(|v| v.as_array()) {
        let monologues: Vec<serde_json::Value> = calls
            .iter()
            .filter_map(|call| call.get("transcript").and_then(|t| t.as_array()))
            .flatten()
            .cloned()
            .collect();
        return has_sentences(&monologues).then_some(monologues);
    }
    ["transcript", "monologues"]
        .iter()
        .filter_map(|key| value.get(*key).and_then(|v| v.as_array()))
        .find(|items| has_sentences(items))
        .cloned()
}

/// A call recorder's JSON: speakers (`parties` or `speakers`, by id) and monologues of
/// sentences with `start` in milliseconds.
fn parse_call_json(
    path: &Path,
    value: &serde_json::Value,
    monologues: &[serde_json::Value],
) -> Result<Transcript> {
    let mut names: HashMap<String, (String, Option<String>)> = HashMap::new();
    for key in ["parties", "speakers", "participants"] {
        for party in value.get(key).and_then(|v| v.as_array()).into_iter().flatten() {
            let id = field_text(party, &["speakerId", "speaker_id", "id"]);
            let name = field_text(party, &["name", "displayName", "display_name", "speaker_name"]);
            if let (Some(id), Some(name)) = (id, name) {
                let title = field_text(party, &["title", "jobTitle", "job_title"]);
                names.insert(id, (name, title));
            }
        }
    }
    let mut transcript = Transcript {
        deal_id: field_text(value, &["deal_id", "dealId"]),
        interviewer: field_text(value, &["interviewer"]),
        date: field_text(value, &["date", "started"]).map(|d| d.chars().take(10).collect()),
        ..Transcript::default()
    };
    for (number, monologue) in monologues.iter().enumerate() {
        let id = field_text(monologue, &["speakerId", "speaker_id", "speaker"]).unwrap_or_default();
        let Some((name, title)) = names.get(&id).cloned() else {
            return Err(Error::parse(
                path,
                0,
                format!(
                    "monologue {}: speaker `{id}` is not among the parties/speakers",
                    number + 1
                ),
            ));
        };
        let sentences = monologue.get("sentences").and_then(|s| s.as_array());
        for sentence in sentences.into_iter().flatten() {
            let words = clean_text(&field_text(sentence, &["text"]).unwrap_or_default());
            if words.is_empty() {
                continue;
            }
            let start = ["start", "start_ms", "startTime"]
                .iter()
                .find_map(|key| sentence.get(*key).and_then(|v| v.as_f64()))
                .map(|ms| ms / 1000.0);
            // Sentences of one monologue form one paragraph.
            let segment = Segment { start, text: words, line: 0 };
            match transcript.turns.last_mut() {
                Some(last) if last.speaker == name && start.is_some() => {
                    let joined = last.segments.last().is_some_and(|s| s.start.is_some());
                    if joined {
                        let previous = last.segments.last_mut().unwrap();
                        previous.text.push(' ');
                        previous.text.push_str(&segment.text);
                    } else {
                        last.segments.push(segment);
                    }
                }
                _ => transcript.push(&name, title.clone(), None, segment),
            }
        }
    }
    if transcript.turns.is_empty() {
        return Err(Error::parse(path, 1, "no sentences with text"));
    }
    Ok(transcript)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaker_labels_of_many_naming_cultures() {
        for label in ["Ahmed al-Farsi", "João dos Santos", "Jan van der Berg", "Nguyễn Văn An"]
        {
            assert!(looks_like_label(label), "{label}");
        }
        assert!(!looks_like_label("so then we"), "ordinary words are no label");
    }

    #[test]
    fn txt_with_front_matter_titles_and_continuations() {
        let text = "---\ndeal_id: D-1\ninterviewer: Ivy Int\ndate: 2025-01-02\n---\n\n\
            [00:00:04] Ivy Int: Thanks. What happened?\n\n\
            [00:00:23] Ann Bee (VP Finance, Acme Corp): We lost the plot.\nIt was pricing.\n\n\
            A new paragraph of Ann's.\n\n\
            [00:01:00] Ivy Int: Pricing: tell me more.\n\n\
            [00:01:10] Ann Bee: Sure.\n";
        let transcript = parse_txt(Path::new("D-1.txt"), text).unwrap();
        assert_eq!(transcript.deal_id.as_deref(), Some("D-1"));
        assert_eq!(transcript.interviewer.as_deref(), Some("Ivy Int"));
        assert_eq!(transcript.turns.len(), 4);
        let ann = &transcript.turns[1];
        assert_eq!(ann.speaker, "Ann Bee");
        assert_eq!(ann.title.as_deref(), Some("VP Finance"));
        assert_eq!(ann.org.as_deref(), Some("Acme Corp"));
        assert_eq!(ann.segments.len(), 2);
        assert_eq!(ann.segments[0].text, "We lost the plot. It was pricing.");
        assert_eq!(ann.segments[0].start, Some(23.0));
        assert_eq!(ann.segments[1].line, 12);
        assert_eq!(transcript.turns[2].text(), "Pricing: tell me more.");
    }

    #[test]
    fn a_buyer_who_speaks_once_is_a_speaker_of_their_own() {
        for (label, header) in [("Dana Smith", ""), ("Dana", "interviewer: Ines Calloway\n")] {
            let text = format!(
                "---\ndeal_id: D-1\n{header}---\n\nInes Calloway: What stood out?\n\n\
                 {label}: Their connector synced our ERP out of the box.\n"
            );
            let transcript = parse_txt(Path::new("D-1.txt"), &text).unwrap();
            let speakers: Vec<&str> = transcript.turns.iter().map(|t| t.speaker.as_str()).collect();
            assert_eq!(speakers, ["Ines Calloway", label], "{text}");
        }
        // Inside a paragraph, `Word: words` stays text.
        let text = "Ines Calloway: What stood out?\nPricing: it was fine.\n\nAnn Bee: Yes.\n\nInes Calloway: Thanks.\n\nAnn Bee: Sure.\n";
        let transcript = parse_txt(Path::new("D-2.txt"), text).unwrap();
        assert_eq!(transcript.turns[0].text(), "What stood out? Pricing: it was fine.");
    }

    #[test]
    fn txt_without_labels_names_the_line() {
        let err = parse_txt(Path::new("bad.txt"), "\nthis is just prose\nwith no speakers\n")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad.txt:2: text before the first speaker label (expected `Name: words` or `[hh:mm:ss] Name: words`)"
        );
        let err = parse_txt(Path::new("b.txt"), "---\ndeal_id: D-1\n\nA: b\n").unwrap_err();
        assert!(err.to_string().starts_with("b.txt:1: front matter"), "{err}");
    }

    #[test]
    fn vtt_voices_merge_consecutive_cues() {
        let text = "WEBVTT\n\n1\n00:00:05.000 --> 00:00:11.200\n<v Ivy Int>Thanks for the time.</v>\n\n\
            2\n00:00:11.900 --> 00:00:24.000\n<v Ann Bee>Sure. So we were &amp; are</v>\n\n\
            3\n00:00:24.500 --> 00:00:30.000\n<v Ann Bee>looking at <i>three</i> tools.</v>\n\nNOTE a comment\n\n\
            00:01:00.000 --> 00:01:02.000\nIvy Int: Why?\n";
        let transcript = parse_vtt(Path::new("x.vtt"), text).unwrap();
        assert_eq!(transcript.turns.len(), 3);
        assert_eq!(transcript.turns[1].segments.len(), 2);
        assert_eq!(transcript.turns[1].segments[1].start, Some(24.5));
        assert_eq!(transcript.turns[1].text(), "Sure. So we were & are looking at three tools.");
        assert_eq!(transcript.turns[2].speaker, "Ivy Int");
    }

    fn speakers(transcript: &Transcript) -> Vec<(String, String, Option<f64>)> {
        transcript
            .turns
            .iter()
            .map(|t| (t.speaker.clone(), t.text(), t.segments[0].start))
            .collect()
    }

    #[test]
    fn srt_exports_of_zoom_and_rev_read_speakers_from_the_cue_text() {
        let srt = "\u{feff}1\n00:00:01,120 --> 00:00:04,500\nNadia Brennan: Thanks for making time today.\n\n\
                   2\n00:00:05,000 --> 00:00:09,250\nTomás Ruiz: Sure. We picked them because\nthe onboarding was faster.\n\n\
                   3\n00:00:09,300 --> 00:00:12,000\nTomás Ruiz: Much faster, honestly.\n\n";
        let parsed = parse_transcript_text(Path::new("D-1.srt"), srt).unwrap();
        let turns = speakers(&parsed);
        assert_eq!(turns.len(), 2, "{turns:?}");
        assert_eq!(turns[1].0, "Tomás Ruiz");
        assert!(turns[1].1.contains("onboarding was faster. Much faster"), "{turns:?}");
        assert_eq!(turns[1].2, Some(5.0));
        // A cue whose timing is broken names its line.
        let broken = "1\n00:00:01,120 -> 00:00:04,500\nNadia Brennan: Hi.\n";
        let err = parse_transcript_text(Path::new("D-1.srt"), broken).unwrap_err();
        assert!(err.to_string().contains("D-1.srt:2:"), "{err}");
    }

    #[test]
    fn zoom_and_teams_vtt_speakers() {
        // Zoom: `Name: words` in the cue text; Teams: `<v Name>` voice tags.
        let zoom = "WEBVTT\n\n1\n00:00:02.100 --> 00:00:05.000\nNadia Brennan: What tipped it?\n\n\
                    2\n00:00:05.500 --> 00:00:09.000\nOla Nordmann: The security review took seven weeks.\n";
        let teams = "WEBVTT\n\n3f1c-1\n00:00:02.100 --> 00:00:05.000\n<v Nadia Brennan>What tipped it?</v>\n\n\
                     3f1c-2\n00:00:05.500 --> 00:00:09.000\n<v Ola Nordmann>The security review took seven weeks.</v>\n";
        for (name, text) in [("zoom.vtt", zoom), ("teams.vtt", teams)] {
            let turns = speakers(&parse_transcript_text(Path::new(name), text).unwrap());
            assert_eq!(turns.len(), 2, "{name}: {turns:?}");
            assert_eq!(turns[1].0, "Ola Nordmann", "{name}");
            assert_eq!(turns[1].1, "The security review took seven weeks.", "{name}");
        }
    }

    #[test]
    fn vtt_voices_and_json_speakers_split_their_bracketed_title_like_text_labels() {
        let vtt = "WEBVTT\n\n1\n00:00:02.100 --> 00:00:05.000\n<v Nadia Brennan>Tell me.</v>\n\n\
                   2\n00:00:05.500 --> 00:00:09.000\n<v Marcelina Condori (Farmacias Kantuta)>Four pharmacies.</v>\n";
        let parsed = parse_vtt(Path::new("x.vtt"), vtt).unwrap();
        assert_eq!(parsed.turns[1].speaker, "Marcelina Condori");
        assert_eq!(parsed.turns[1].title.as_deref(), Some("Farmacias Kantuta"));
        let json = r#"{"utterances": [{"speaker": "Priya Raman (VP Finance, Northwind Freight)", "text": "Sure."}]}"#;
        let parsed = parse_json(Path::new("D-2.json"), json).unwrap();
        assert_eq!(parsed.turns[0].speaker, "Priya Raman");
        assert_eq!(parsed.turns[0].title.as_deref(), Some("VP Finance"));
        assert_eq!(parsed.turns[0].org.as_deref(), Some("Northwind Freight"));
    }

    #[test]
    fn otter_style_txt_with_speaker_and_time_headers() {
        let otter = "Nadia Brennan  0:03\nThanks for joining. What made you look at other vendors?\n\n\
                     Kwame Mensah  0:09\nHonestly, the renewal quote. It went up forty percent.\n\n\
                     And nobody could explain why.\n\n\
                     Nadia Brennan  1:02:15\nThat is a big jump.\n";
        let parsed = parse_transcript_text(Path::new("D-4.txt"), otter).unwrap();
        let turns = speakers(&parsed);
        assert_eq!(turns.len(), 3, "{turns:?}");
        assert_eq!(turns[1].0, "Kwame Mensah");
        assert_eq!(
            turns[1].1,
            "Honestly, the renewal quote. It went up forty percent. And nobody could explain why."
        );
        assert_eq!(turns[1].2, Some(9.0));
        assert_eq!(turns[2].2, Some(3735.0));
        // One sentence that happens to end in a time is not a speaker.
        let plain = "Nadia Brennan: When did it start?\nKwame Mensah: We met at 10:30\nNadia Brennan: And then?\nKwame Mensah: Nothing.\n";
        let turns = speakers(&parse_transcript_text(Path::new("D-5.txt"), plain).unwrap());
        assert_eq!(turns.len(), 4, "{turns:?}");
    }

    #[test]
    fn call_recorder_json_with_parties_and_millisecond_sentences() {
        let gong = r#"{
          "parties": [
            {"speakerId": "7001", "name": "Nadia Brennan", "affiliation": "Internal"},
            {"speakerId": "7002", "name": "Kwame Mensah", "title": "VP Finance", "affiliation": "External"}
          ],
          "callTranscripts": [{"callId": "55123", "transcript": [
            {"speakerId": "7001", "topic": null, "sentences": [{"start": 1200, "end": 3900, "text": "What made you switch?"}]},
            {"speakerId": "7002", "topic": "Pricing", "sentences": [
              {"start": 4100, "end": 7000, "text": "The renewal went up forty percent."},
              {"start": 7100, "end": 9800, "text": "Nobody could explain why."}]}
          ]}]
        }"#;
        let parsed = parse_transcript_text(Path::new("D-9.json"), gong).unwrap();
        let turns = speakers(&parsed);
        assert_eq!(turns.len(), 2, "{turns:?}");
        assert_eq!(turns[1].0, "Kwame Mensah");
        assert_eq!(turns[1].1, "The renewal went up forty percent. Nobody could explain why.");
        assert_eq!(turns[1].2, Some(4.1));
        assert_eq!(parsed.turns[1].title.as_deref(), Some("VP Finance"));
        // A speaker id missing from the parties is named.
        let broken = gong
            .replace("\"speakerId\": \"7002\", \"topic\"", "\"speakerId\": \"9999\", \"topic\"");
        let err = parse_transcript_text(Path::new("D-9.json"), &broken).unwrap_err();
        assert!(err.to_string().contains("speaker `9999`"), "{err}");
        // Chorus-like: speakers + monologues at the top.
        let chorus = r#"{"speakers": [{"id": 1, "name": "Nadia Brennan"}, {"id": 2, "name": "Ana Souza"}],
          "monologues": [{"speaker_id": 1, "sentences": [{"start_ms": 0, "text": "Why us?"}]},
                         {"speaker_id": 2, "sentences": [{"start_ms": 2500, "text": "Your support answered in an hour."}]}]}"#;
        let turns = speakers(&parse_transcript_text(Path::new("D-8.json"), chorus).unwrap());
        assert_eq!(
            turns[1],
            ("Ana Souza".to_string(), "Your support answered in an hour.".to_string(), Some(2.5))
        );
    }

    #[test]
    fn vtt_errors_name_the_line() {
        let err = parse_vtt(Path::new("x.vtt"), "1\n00:00:01.000 --> 00:00:02.000\n<v A>hi</v>\n")
            .unwrap_err();
        assert_eq!(err.to_string(), "x.vtt:1: missing `WEBVTT` header");
        let err = parse_vtt(Path::new("x.vtt"), "WEBVTT\n\n1\n00:00:01 --> soon\n<v A>hi</v>\n")
            .unwrap_err();
        assert!(err.to_string().starts_with("x.vtt:4: malformed cue timing"), "{err}");
    }

    #[test]
    fn json_utterances_and_errors() {
        let text = r#"{"deal_id": "D-2", "interviewer": "", "date": "2026-03-14",
            "utterances": [{"speaker": "Ivy", "start": 5.0, "text": "Hi?"},
                           {"speaker": "Ann", "start": null, "text": "Hello there."}]}"#;
        let transcript = parse_json(Path::new("D-2.json"), text).unwrap();
        assert_eq!(transcript.interviewer, None);
        assert_eq!(transcript.turns.len(), 2);
        assert_eq!(transcript.turns[1].segments[0].start, None);
        let err = parse_json(Path::new("D-2.json"), "{\n\"utterances\": [\n{\"speaker\": 1}]}")
            .unwrap_err();
        assert!(err.to_string().starts_with("D-2.json:3: invalid transcript JSON"), "{err}");
    }
}

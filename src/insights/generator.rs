//! Optional generated summary of an answer, from any OpenAI-compatible chat endpoint a user
//! configures (off by default; nothing leaves the machine unless configured). The model sees
//! only the anonymized quotes it must cite; every sentence it writes must end with the ids of
//! quotes it was given, or the sentence is dropped. Kept sentences go through the PII guard.
//!
//! The client speaks plain HTTP/1.1 (a local llama.cpp, vLLM or Ollama server, or a TLS proxy);
//! `https://` URLs are refused with a clear error rather than sent in the clear.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::error::{Error, Result};
use crate::model::Quote;

/// Where and how to call the generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratorConfig {
    /// Base URL, e.g. `http://127.0.0.1:8080/v1` or `https://...` (`/chat/completions` is
    /// appended).
    pub url: String,
    /// Model name sent in the request.
    pub model: String,
    /// Bearer token, if the endpoint needs one.
    pub api_key: Option<String>,
    /// Request timeout.
    pub timeout: Duration,
}

/// One claim of a summary and the quotes it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Claim {
    /// The sentence, citations included.
    pub text: String,
    /// Quote ids it cites (all exist in the answer).
    pub quote_ids: Vec<String>,
}

/// A generated summary whose every claim cites real quotes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Summary {
    /// Kept claims.
    pub claims: Vec<Claim>,
    /// Sentences dropped for citing nothing or quotes that were not given.
    pub dropped: usize,
    /// The model that wrote it.
    pub model: String,
}

const SYSTEM: &str = "You summarise anonymized buyer quotes from win/loss interviews for a sales \
team. Write 2 to 4 short sentences that answer the question using ONLY the quotes given. End \
every sentence with the ids of the quotes it rests on in square brackets, like [Q-1] or [Q-1][Q-7]. \
Do not name people or companies other than the competitors named in the quotes. Do not invent \
numbers.";

/// Splits generated text into sentences and keeps those whose citations all exist.
pub fn validate(content: &str, given: &[&str]) -> (Vec<Claim>, usize) {
    let citation = regex::Regex::new(r"\[([A-Za-z0-9][A-Za-z0-9_.:\-]*)\]").expect("regex");
    // A sentence runs to its terminator and keeps the citations that follow it.
    let splitter =
        regex::Regex::new(r"[^.!?\n]+(?:[.!?]+(?:[ \t]*\[[^\]\n]+\])*)?").expect("regex");
    let mut claims = vec![];
    let mut dropped = 0;
    for found in splitter.find_iter(content) {
        let text = found.as_str().trim();
        if text.is_empty() {
            continue;
        }
        let ids: Vec<String> = citation.captures_iter(text).map(|c| c[1].to_string()).collect();
        if ids.is_empty() || !ids.iter().all(|id| given.contains(&id.as_str())) {
            dropped += 1;
            continue;
        }
        let mut unique: Vec<String> = vec![];
        for id in ids {
            if !unique.contains(&id) {
                unique.push(id);
            }
        }
        claims.push(Claim { text: text.to_string(), quote_ids: unique });
    }
    (claims, dropped)
}

fn post_json(config: &GeneratorConfig, body: &serde_json::Value) -> Result<serde_json::Value> {
    let unavailable = |why: String| Error::GeneratorUnavailable(why);
    let url = format!("{}/chat/completions", config.url.trim_end_matches('/'));
    let (status, answer) =
        crate::http_client::post_json(&url, config.api_key.as_deref(), body, config.timeout)
            .map_err(unavailable)?;
    if status != 200 {
        return Err(unavailable(format!("endpoint answered HTTP {status}")));
    }
    serde_json::from_slice(&answer).map_err(|err| unavailable(format!("answer is not JSON: {err}")))
}

/// Asks the generator for a cited summary of `quotes` answering `question`.
pub fn summarize(config: &GeneratorConfig, question: &str, quotes: &[Quote]) -> Result<Summary> {
    let listing: String = quotes.iter().map(|q| format!("[{}] {}\n", q.quote_id, q.text)).collect();
    let body = json!({
        "model": config.model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": format!("Question: {question}\n\nQuotes:\n{listing}")}
        ]
    });
    let answer = post_json(config, &body)?;
    let content = answer["choices"][0]["message"]["content"].as_str().ok_or_else(|| {
        Error::GeneratorUnavailable("answer has no choices[0].message.content".into())
    })?;
    let given: Vec<&str> = quotes.iter().map(|q| q.quote_id.as_str()).collect();
    let (claims, dropped) = validate(content, &given);
    Ok(Summary { claims, dropped, model: config.model.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn only_sentences_citing_given_quotes_survive() {
        let given = ["D-1-q001", "D-2-q003"];
        let text = "Buyers found the price too high [D-1-q001]. Onboarding was praised [D-2-q003][D-1-q001].\n\
                    Everyone loved it. Support was slow [D-9-q009]. Mixed [D-1-q001][X-1].";
        let (claims, dropped) = validate(text, &given);
        assert_eq!(claims.len(), 2, "{claims:?}");
        assert_eq!(claims[0].quote_ids, vec!["D-1-q001"]);
        assert_eq!(claims[1].quote_ids, vec!["D-2-q003", "D-1-q001"]);
        assert_eq!(dropped, 3);
    }

    /// A stand-in OpenAI-compatible server on loopback answers once with `content`; returns the
    /// base URL and a handle yielding the request it received.
    fn mock(content: &str) -> (String, std::thread::JoinHandle<String>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let body = json!({"choices": [{"message": {"role": "assistant", "content": content}}]})
            .to_string();
        let handle = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                let n = stream.read(&mut buf).unwrap();
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if rest.len() >= length {
                        break;
                    }
                }
            }
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(answer.as_bytes()).unwrap();
            String::from_utf8_lossy(&request).to_string()
        });
        (url, handle)
    }

    #[test]
    fn summaries_from_an_openai_compatible_endpoint_keep_only_cited_claims() {
        let (url, server) = mock(
            "Pricing decided the losses [S-1-q001]. Buyers loved the founder [S-9-q009]. Onboarding worried them.",
        );
        let config = GeneratorConfig {
            url,
            model: "local-model".into(),
            api_key: Some("secret".into()),
            timeout: Duration::from_secs(5),
        };
        let quote: Quote = serde_json::from_value(json!({
            "quote_id": "S-1-q001", "deal_id": "S-1", "text": "It came down to price.",
            "context": null, "speaker": "CFO", "themes": [], "polarity": null, "score": 0.0,
            "source": {"transcript": "S-1.txt", "start_seconds": null},
            "deal": {"outcome": "lost", "competitors": [], "segment": null, "industry": null,
                     "region": null, "buyer_persona": null, "loss_reason": null, "win_reason": null,
                     "close_date": null, "size_band": null, "stage_reached": null, "lead_source": null}
        }))
        .unwrap();
        let summary = summarize(&config, "why do we lose?", &[quote]).unwrap();
        assert_eq!(summary.claims.len(), 1, "{summary:?}");
        assert_eq!(summary.claims[0].quote_ids, vec!["S-1-q001"]);
        assert_eq!(summary.dropped, 2);
        let request = server.join().unwrap();
        assert!(request.starts_with("POST /v1/chat/completions HTTP/1.1"), "{request}");
        assert!(request.contains("Authorization: Bearer secret"));
        assert!(request.contains("[S-1-q001] It came down to price."));
    }

    #[test]
    fn other_schemes_are_refused() {
        let config = GeneratorConfig {
            url: "ftp://api.example.com/v1".into(),
            model: "m".into(),
            api_key: None,
            timeout: Duration::from_secs(1),
        };
        let err = summarize(&config, "q", &[]).unwrap_err();
        assert!(err.to_string().contains("not an http:// or https:// URL"), "{err}");
    }
}

//! A Model Context Protocol server, so reps can ask storybank from the assistant they already
//! use. JSON-RPC 2.0 messages; the transport is the caller's: `storybank mcp` reads one message
//! per line on stdin and answers on stdout (logs go to stderr), and `serve` answers the same
//! messages at `POST /mcp` (streamable HTTP, plain JSON answers, behind the API keys).
//!
//! Tools: `search_quotes`, `similar_deals`, `competitor_evidence`, `ask`, `insights`. Each
//! answers with readable text (quotes with their ids) and the API's JSON as
//! `structuredContent`. Everything served is what the HTTP API serves: anonymized quotes only.

use serde_json::{Value, json};

use crate::app::Storybank;
use crate::error::Error;
use crate::insights::{AskRequest, attribution};
use crate::model::Quote;
use crate::program::InsightQuery;
use crate::search::SearchRequest;
use crate::search::similar::SimilarRequest;

/// Protocol revisions this server speaks, newest first.
pub const PROTOCOL_VERSIONS: [&str; 3] = ["2025-06-18", "2025-03-26", "2024-11-05"];

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;

fn filters_schema() -> Value {
    json!({
        "type": "object",
        "description": "Optional filters, as in the HTTP API: competitor, outcome (won|lost|no_decision), segment, industry, region, buyer_persona, loss_reason, win_reason, theme (each a string or a list), closed_after, closed_before (YYYY-MM-DD).",
        "additionalProperties": true
    })
}

/// The tools, as `tools/list` lists them.
pub fn tools() -> Value {
    json!([
        {
            "name": "search_quotes",
            "title": "Search buyer quotes",
            "description": "Anonymized buyer quotes from win/loss interviews that answer a question, best first, with deal outcome, competitors and quote ids.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "A question or keywords, e.g. 'why do we lose to Tallyfold on price?'"},
                    "filters": filters_schema(),
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Quotes to return (default 10)."}
                },
                "required": ["query"]
            }
        },
        {
            "name": "similar_deals",
            "title": "Similar past deals",
            "description": "Past deals most like an open deal (described in words) or like a given past deal, with why and their quotes.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "The open deal, described."},
                    "deal_id": {"type": "string", "description": "Or a past deal's id."},
                    "filters": filters_schema(),
                    "limit": {"type": "integer", "minimum": 1, "maximum": 50}
                }
            }
        },
        {
            "name": "competitor_evidence",
            "title": "Battlecard evidence",
            "description": "A competitor's evidence: win rate against it with an interval, why we lose and win against it, what buyers praise about it, newest quotes.",
            "inputSchema": {
                "type": "object",
                "properties": {"competitor": {"type": "string", "description": "Name or alias."}},
                "required": ["competitor"]
            }
        },
        {
            "name": "ask",
            "title": "Ask the story bank",
            "description": "An extractive answer with honest counts: the themes buyers raised in scope (deals, quotes, won/lost) and a quote for each. Every sentence is a count or a buyer quote.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "question": {"type": "string"},
                    "filters": filters_schema()
                },
                "required": ["question"]
            }
        },
        {
            "name": "insights",
            "title": "Insights inbox",
            "description": "Insights from interviews routed to owners with due dates: open, overdue, actioned.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "owner": {"type": "string"},
                    "status": {"type": "string", "enum": ["open", "acknowledged", "actioned", "dismissed"]},
                    "overdue": {"type": "boolean"}
                }
            }
        }
    ])
}

fn quote_line(index: usize, quote: &Quote) -> String {
    format!(
        "{}. \u{201c}{}\u{201d} \u{2014} {} [{}]",
        index + 1,
        quote.text,
        attribution(quote),
        quote.quote_id
    )
}

fn parse<T: serde::de::DeserializeOwned>(arguments: Value) -> Result<T, String> {
    serde_json::from_value(arguments).map_err(|err| format!("invalid arguments: {err}"))
}

/// Runs a tool: `Ok((text, structured))`, `Err(text)` for a tool error the model should see.
fn call_tool(bank: &Storybank, name: &str, arguments: Value) -> Result<(String, Value), String> {
    let core = |err: Error| format!("{} ({})", err, err.code().name());
    match name {
        "search_quotes" => {
            let mut request: SearchRequest = parse(arguments)?;
            request.limit = Some(request.limit.unwrap_or(10));
            let response = bank.search(&request).map_err(core)?;
            let mut text = format!(
                "{} quotes for \u{201c}{}\u{201d}:\n",
                response.results.len(),
                request.query
            );
            for (i, quote) in response.results.iter().enumerate() {
                text.push_str(&quote_line(i, quote));
                text.push('\n');
            }
            Ok((text, serde_json::to_value(&response).map_err(|e| e.to_string())?))
        }
        "similar_deals" => {
            let request: SimilarRequest = parse(arguments)?;
            let response = bank.similar(&request).map_err(core)?;
            let mut text = String::new();
            for (i, deal) in response.deals.iter().enumerate() {
                text.push_str(&format!(
                    "{}. {} ({}{}) score {:.2}: {}\n",
                    i + 1,
                    deal.deal_id,
                    deal.info.outcome.map_or("open", |o| o.as_str()),
                    if deal.info.competitors.is_empty() {
                        String::new()
                    } else {
                        format!(", against {}", deal.info.competitors.join(", "))
                    },
                    deal.score,
                    deal.why.join("; ")
                ));
                for quote in deal.quotes.iter().take(2) {
                    text.push_str(&format!(
                        "   \u{201c}{}\u{201d} [{}]\n",
                        quote.text, quote.quote_id
                    ));
                }
            }
            if text.is_empty() {
                text = "No similar deals.".into();
            }
            Ok((text, serde_json::to_value(&response).map_err(|e| e.to_string())?))
        }
        "competitor_evidence" => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Args {
                competitor: String,
            }
            let args: Args = parse(arguments)?;
            let evidence = bank.evidence(&args.competitor).map_err(core)?;
            Ok((
                crate::insights::render::evidence_markdown(&evidence),
                serde_json::to_value(&evidence).map_err(|e| e.to_string())?,
            ))
        }
        "ask" => {
            let request: AskRequest = parse(arguments)?;
            let response = bank.ask(&request).map_err(core)?;
            let mut text = String::new();
            for line in &response.answer {
                match &line.quote_id {
                    Some(id) => text.push_str(&format!("  \u{201c}{}\u{201d} [{id}]\n", line.text)),
                    None => text.push_str(&format!("{}\n", line.text)),
                }
            }
            if let Some(note) = &response.sample_note {
                text.push_str(&format!("Note: {note}\n"));
            }
            Ok((text, serde_json::to_value(&response).map_err(|e| e.to_string())?))
        }
        "insights" => {
            let query: InsightQuery = parse(arguments)?;
            let list = bank.list_insights(&query).map_err(core)?;
            let mut text = format!("{} insights\n", list.insights.len());
            for insight in &list.insights {
                text.push_str(&format!(
                    "- {} [{}] {} (owners {}; due {}{}; evidence {})\n",
                    insight.insight_id,
                    insight.status.as_str(),
                    insight.title,
                    insight.owners.join(", "),
                    insight.due,
                    if insight.overdue { ", OVERDUE" } else { "" },
                    insight
                        .evidence
                        .iter()
                        .map(|q| q.quote_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Ok((text, serde_json::to_value(&list).map_err(|e| e.to_string())?))
        }
        other => Err(format!("unknown tool `{other}`")),
    }
}

fn error(id: Value, code: i64, message: impl Into<String>) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message.into()}})
}

fn result(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// Checks a message's JSON-RPC 2.0 shape: a request or notification (`method`, object
/// `params`, string or integer `id`), or a response (`id` and exactly one of `result` and
/// `error`).
pub fn check_shape(message: &serde_json::Map<String, Value>) -> Result<(), String> {
    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err("`jsonrpc` must be \"2.0\"".into());
    }
    let id_ok =
        |id: Option<&Value>| id.is_none_or(|id| id.is_string() || id.is_i64() || id.is_u64());
    if !id_ok(message.get("id")) {
        return Err("`id` must be a string or an integer".into());
    }
    let answers = ["result", "error"].iter().filter(|k| message.contains_key(**k)).count();
    match message.get("method") {
        Some(Value::String(_)) if answers == 0 => match message.get("params") {
            None | Some(Value::Object(_)) => Ok(()),
            Some(_) => Err("`params` must be an object".into()),
        },
        Some(Value::String(_)) => Err("a request carries no `result` or `error`".into()),
        Some(_) => Err("`method` must be a string".into()),
        None if answers == 1 && message.contains_key("id") => match message.get("error") {
            None | Some(Value::Object(_)) => Ok(()),
            Some(_) => Err("`error` must be an object".into()),
        },
        None => {
            Err("a message needs a `method` (or, as a response, an `id` and a `result` or `error`)"
                .into())
        }
    }
}

/// Handles one JSON-RPC message; `None` for a notification (nothing to answer).
pub fn handle(bank: &Storybank, message: Value) -> Option<Value> {
    let Value::Object(message) = message else {
        return Some(error(Value::Null, INVALID_REQUEST, "expected one JSON-RPC message object"));
    };
    let id = message.get("id").cloned();
    if let Err(why) = check_shape(&message) {
        let id = id.filter(|id| id.is_string() || id.is_i64() || id.is_u64());
        return Some(error(id.unwrap_or(Value::Null), INVALID_REQUEST, why));
    }
    let Some(method) = message.get("method").and_then(Value::as_str) else {
        // A response from the client (we send no requests): nothing to say.
        return None;
    };
    let Some(id) = id else {
        // Notifications (`notifications/initialized`, `notifications/cancelled`): nothing to say.
        return None;
    };
    let params = message.get("params").cloned().unwrap_or(Value::Null);
    Some(match method {
        "initialize" => {
            let asked = params.get("protocolVersion").and_then(Value::as_str).unwrap_or("");
            let version =
                PROTOCOL_VERSIONS.iter().find(|v| **v == asked).unwrap_or(&PROTOCOL_VERSIONS[0]);
            result(
                id,
                json!({
                    "protocolVersion": version,
                    "capabilities": {"tools": {"listChanged": false}},
                    "serverInfo": {"name": "storybank", "title": "storybank win/loss story bank", "version": env!("CARGO_PKG_VERSION")},
                    "instructions": "Anonymized buyer quotes from win/loss interviews. Cite quote ids when you use a quote; counts come with sample sizes, so say when a sample is small."
                }),
            )
        }
        "ping" => result(id, json!({})),
        "tools/list" => result(id, json!({"tools": tools()})),
        "tools/call" => {
            let Some(name) = params.get("name").and_then(Value::as_str) else {
                return Some(error(id, INVALID_PARAMS, "tools/call needs params.name"));
            };
            if !tools().as_array().into_iter().flatten().any(|t| t["name"] == name) {
                return Some(error(id, INVALID_PARAMS, format!("unknown tool `{name}`")));
            }
            let arguments = params.get("arguments").cloned().unwrap_or_else(|| json!({}));
            match call_tool(bank, name, arguments) {
                Ok((text, structured)) => result(
                    id,
                    json!({"content": [{"type": "text", "text": text}], "structuredContent": structured, "isError": false}),
                ),
                Err(message) => result(
                    id,
                    json!({"content": [{"type": "text", "text": message}], "isError": true}),
                ),
            }
        }
        other => error(id, METHOD_NOT_FOUND, format!("method `{other}` is not supported")),
    })
}

/// Handles one line of the stdio transport.
pub fn handle_line(bank: &Storybank, line: &str) -> Option<Value> {
    match serde_json::from_str::<Value>(line) {
        Ok(message) => handle(bank, message),
        Err(err) => Some(error(Value::Null, PARSE_ERROR, format!("not JSON: {err}"))),
    }
}

/// The stdio transport: one message per line in, one per line out, until end of input.
pub fn serve_stdio(
    bank: &Storybank,
    input: impl std::io::BufRead,
    mut output: impl std::io::Write,
) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        if let Some(answer) = handle_line(bank, &line) {
            writeln!(output, "{answer}")?;
            output.flush()?;
        }
    }
    Ok(())
}

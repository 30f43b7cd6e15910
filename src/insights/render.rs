//! Exports: Markdown, a print-ready standalone HTML page, and CSV, for packs, competitor
//! evidence and the monthly digest. All text comes from served (anonymized, guarded) quotes and
//! computed counts; HTML escapes everything.

use std::fmt::Write;

use super::{Digest, Evidence, ThemeCount, WinRate, attribution};
use crate::model::Quote;
use crate::packs::Pack;

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub(crate) fn percent(rate: &WinRate) -> String {
    match (rate.win_rate, rate.interval) {
        (Some(r), Some(i)) => {
            format!("{:.0}% (95% interval {:.0}-{:.0}%)", r * 100.0, i.low * 100.0, i.high * 100.0)
        }
        _ => "n/a (nothing decided)".into(),
    }
}

fn counts(rate: &WinRate) -> String {
    format!(
        "{}: {} won, {} lost, {} no decision",
        plural_deals(rate.deals),
        rate.won,
        rate.lost,
        rate.no_decision
    )
}

fn theme_heading(theme: &ThemeCount, total: usize, outcome: &str) -> String {
    let quotes =
        if theme.quotes == 1 { "1 quote".to_string() } else { format!("{} quotes", theme.quotes) };
    format!("{}: {} of {total} {outcome} ({quotes})", theme.label, theme.deals)
}

/// The stylesheet of exported pages (inline: an export is one self-contained file).
pub(crate) const STYLE: &str = "
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1b1f24;max-width:820px;margin:32px auto;padding:0 20px}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;margin:28px 0 8px;border-bottom:1px solid #d9dee4;padding-bottom:4px}
h3{font-size:1rem;margin:18px 0 6px}.meta{color:#5b6570;font-size:.9rem}
blockquote{margin:8px 0;padding:8px 14px;border-left:4px solid #1f4e79;background:#f6f7f9}
blockquote p{margin:0}.attr{color:#5b6570;font-size:.85rem;margin:4px 0 0}
.new{background:#e7f5ec;color:#1d5e39;border-radius:4px;padding:0 6px;font-size:.8rem}
.notice{background:#fff8e1;border:1px solid #f0dc9c;border-radius:6px;padding:6px 10px;font-size:.9rem}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d9dee4;padding:4px 10px;text-align:left}
.story{break-inside:avoid;page-break-inside:avoid;margin-bottom:18px}
@media print{body{margin:0;max-width:none}a{color:inherit;text-decoration:none}}
";

pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

pub(crate) fn quote_html(quote: &Quote) -> String {
    format!(
        "<blockquote data-quote-id=\"{}\"><p>\u{201c}{}\u{201d}</p><p class=\"attr\">{}</p></blockquote>\n",
        escape(&quote.quote_id),
        escape(&quote.text),
        escape(&attribution(quote))
    )
}

pub(crate) fn quote_md(quote: &Quote) -> String {
    let text = quote.text.replace('\n', " ");
    format!("> \u{201c}{text}\u{201d}\n>\n> \u{2014} {}\n\n", attribution(quote))
}

/// A pack as Markdown.
pub fn pack_markdown(pack: &Pack, exported_at: &str) -> String {
    let mut out = format!("# {}\n\n", pack.name);
    if let Some(description) = &pack.description {
        let _ = write!(out, "{description}\n\n");
    }
    let _ = write!(
        out,
        "_{} {} · {} new since the last export · exported {exported_at} · anonymized buyer quotes_\n\n",
        pack.stories.len(),
        if pack.stories.len() == 1 { "story" } else { "stories" },
        pack.new_since_export
    );
    for notice in &pack.notices {
        let _ = write!(out, "> **Note:** {notice}\n\n");
    }
    for (index, story) in pack.stories.iter().enumerate() {
        let title = story.title.clone().unwrap_or_else(|| "Untitled story".into());
        let new = if story.new_since_export { " (new)" } else { "" };
        let _ = write!(out, "## {}. {title}{new}\n\n", index + 1);
        match &story.quote {
            Some(quote) => out.push_str(&quote_md(quote)),
            None => out.push_str("_The quote is no longer in the story bank._\n\n"),
        }
        if let Some(notes) = &story.notes {
            let _ = write!(out, "{notes}\n\n");
        }
        if !story.tags.is_empty() {
            let _ = write!(out, "Tags: {}\n\n", story.tags.join(", "));
        }
    }
    out
}

/// A pack as a print-ready HTML page.
pub fn pack_html(pack: &Pack, exported_at: &str) -> String {
    let mut body = format!("<h1>{}</h1>\n", escape(&pack.name));
    if let Some(description) = &pack.description {
        let _ = writeln!(body, "<p>{}</p>", escape(description));
    }
    let _ = writeln!(
        body,
        "<p class=\"meta\">{} stories · {} new since the last export · exported {} · anonymized buyer quotes</p>",
        pack.stories.len(),
        pack.new_since_export,
        escape(exported_at)
    );
    for notice in &pack.notices {
        let _ = writeln!(body, "<p class=\"notice\">{}</p>", escape(notice));
    }
    for (index, story) in pack.stories.iter().enumerate() {
        let title = story.title.clone().unwrap_or_else(|| "Untitled story".into());
        let new = if story.new_since_export { " <span class=\"new\">new</span>" } else { "" };
        let _ = write!(
            body,
            "<section class=\"story\" data-story-id=\"{}\">\n<h2>{}. {}{new}</h2>\n",
            escape(&story.story_id),
            index + 1,
            escape(&title)
        );
        match &story.quote {
            Some(quote) => body.push_str(&quote_html(quote)),
            None => {
                body.push_str("<p class=\"meta\">The quote is no longer in the story bank.</p>\n")
            }
        }
        if let Some(notes) = &story.notes {
            let _ = writeln!(body, "<p>{}</p>", escape(notes));
        }
        if !story.tags.is_empty() {
            let _ =
                writeln!(body, "<p class=\"meta\">Tags: {}</p>", escape(&story.tags.join(", ")));
        }
        body.push_str("</section>\n");
    }
    page(&pack.name, &body)
}

fn csv_field(text: &str) -> String {
    // A cell a spreadsheet would run as a formula ("=HYPERLINK(...)", "+1", "@SUM") is
    // neutralised with a leading apostrophe (OWASP's advice for CSV injection).
    let neutralised;
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        neutralised = format!("'{text}");
        neutralised.as_str()
    } else {
        text
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// A pack as CSV, one row per story.
pub fn pack_csv(pack: &Pack) -> String {
    let mut out = String::from(
        "position,story_id,title,quote_id,deal_id,quote,interviewer_question,speaker,outcome,competitors,segment,industry,close_date,themes,notes,tags,new_since_export\n",
    );
    for (index, story) in pack.stories.iter().enumerate() {
        let quote = story.quote.as_ref();
        let deal = quote.map(|q| &q.deal);
        let fields = [
            (index + 1).to_string(),
            story.story_id.clone(),
            story.title.clone().unwrap_or_default(),
            story.quote_id.clone(),
            story.deal_id.clone(),
            quote.map(|q| q.text.clone()).unwrap_or_default(),
            quote.and_then(|q| q.context.clone()).unwrap_or_default(),
            quote.map(|q| q.speaker.clone()).unwrap_or_default(),
            deal.and_then(|d| d.outcome).map(|o| o.as_str().to_string()).unwrap_or_default(),
            deal.map(|d| d.competitors.join("; ")).unwrap_or_default(),
            deal.and_then(|d| d.segment.clone()).unwrap_or_default(),
            deal.and_then(|d| d.industry.clone()).unwrap_or_default(),
            deal.and_then(|d| d.close_date).map(|d| d.to_string()).unwrap_or_default(),
            quote.map(|q| q.themes.join("; ")).unwrap_or_default(),
            story.notes.clone().unwrap_or_default(),
            story.tags.join("; "),
            story.new_since_export.to_string(),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

fn theme_md(out: &mut String, themes: &[ThemeCount], total: usize, outcome: &str) {
    if total == 0 {
        let _ = write!(out, "_No {outcome}._\n\n");
    } else if themes.is_empty() {
        let _ = write!(out, "_No tagged quotes in {outcome}._\n\n");
    }
    for theme in themes {
        let _ = write!(out, "### {}\n\n", theme_heading(theme, total, outcome));
        for quote in &theme.examples {
            out.push_str(&quote_md(quote));
        }
    }
}

fn theme_html(body: &mut String, themes: &[ThemeCount], total: usize, outcome: &str) {
    if total == 0 {
        let _ = writeln!(body, "<p class=\"meta\">No {}.</p>", escape(outcome));
    } else if themes.is_empty() {
        let _ = writeln!(body, "<p class=\"meta\">No tagged quotes in {}.</p>", escape(outcome));
    }
    for theme in themes {
        let _ = writeln!(body, "<h3>{}</h3>", escape(&theme_heading(theme, total, outcome)));
        for quote in &theme.examples {
            body.push_str(&quote_html(quote));
        }
    }
}

fn plural_deals(n: usize) -> String {
    format!("{n} {}", if n == 1 { "deal" } else { "deals" })
}

/// Competitor evidence as Markdown.
pub fn evidence_markdown(evidence: &Evidence) -> String {
    let mut out = format!("# Battlecard evidence: {}\n\n", evidence.competitor);
    if !evidence.aliases.is_empty() {
        let _ = write!(out, "Also called: {}\n\n", evidence.aliases.join(", "));
    }
    let _ = write!(
        out,
        "**Win rate against {}: {}** — {}.\n\n",
        evidence.competitor,
        percent(&evidence.win_rate),
        counts(&evidence.win_rate)
    );
    if let Some(note) = &evidence.sample_note {
        let _ = write!(out, "> **Sample size:** {note}.\n\n");
    }
    out.push_str(
        "| segment | deals | won | lost | no decision | win rate |\n|---|---|---|---|---|---|\n",
    );
    for row in &evidence.by_segment {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            row.value.replace('_', " "),
            row.deals,
            row.won,
            row.lost,
            row.no_decision,
            percent(row)
        );
    }
    out.push_str("\n## Why we lose\n\n");
    theme_md(&mut out, &evidence.loss_themes, evidence.win_rate.lost, "losses");
    out.push_str("## Why we win\n\n");
    theme_md(&mut out, &evidence.win_themes, evidence.win_rate.won, "wins");
    let _ = write!(out, "## What buyers praise about {}\n\n", evidence.competitor);
    if evidence.competitor_praise.is_empty() {
        out.push_str("_No quote praises it._\n\n");
    }
    for quote in &evidence.competitor_praise {
        out.push_str(&quote_md(quote));
    }
    out.push_str("## Newest quotes\n\n");
    for quote in &evidence.newest_quotes {
        out.push_str(&quote_md(quote));
    }
    out.push_str("## Deals\n\n| deal | outcome | segment | industry | closed | reason |\n|---|---|---|---|---|---|\n");
    for deal in &evidence.deals {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            deal.deal_id,
            deal.outcome.map_or("", |o| o.as_str()),
            deal.segment.as_deref().unwrap_or(""),
            deal.industry.as_deref().unwrap_or(""),
            deal.close_date.map(|d| d.to_string()).unwrap_or_default(),
            deal.loss_reason.as_deref().or(deal.win_reason.as_deref()).unwrap_or("")
        );
    }
    out
}

/// Competitor evidence as a print-ready HTML page.
pub fn evidence_html(evidence: &Evidence) -> String {
    let name = escape(&evidence.competitor);
    let mut body = format!("<h1>Battlecard evidence: {name}</h1>\n");
    if !evidence.aliases.is_empty() {
        let _ = writeln!(
            body,
            "<p class=\"meta\">Also called: {}</p>",
            escape(&evidence.aliases.join(", "))
        );
    }
    let _ = writeln!(
        body,
        "<p><strong>Win rate against {name}: {}</strong> — {}.</p>",
        escape(&percent(&evidence.win_rate)),
        escape(&counts(&evidence.win_rate))
    );
    if let Some(note) = &evidence.sample_note {
        let _ = writeln!(body, "<p class=\"notice\">Sample size: {}.</p>", escape(note));
    }
    body.push_str("<table><tr><th>segment</th><th>deals</th><th>won</th><th>lost</th><th>no decision</th><th>win rate</th></tr>\n");
    for row in &evidence.by_segment {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&row.value.replace('_', " ")),
            row.deals,
            row.won,
            row.lost,
            row.no_decision,
            escape(&percent(row))
        );
    }
    body.push_str("</table>\n<h2>Why we lose</h2>\n");
    theme_html(&mut body, &evidence.loss_themes, evidence.win_rate.lost, "losses");
    body.push_str("<h2>Why we win</h2>\n");
    theme_html(&mut body, &evidence.win_themes, evidence.win_rate.won, "wins");
    let _ = writeln!(body, "<h2>What buyers praise about {name}</h2>");
    if evidence.competitor_praise.is_empty() {
        body.push_str("<p class=\"meta\">No quote praises it.</p>\n");
    }
    for quote in &evidence.competitor_praise {
        body.push_str(&quote_html(quote));
    }
    body.push_str("<h2>Newest quotes</h2>\n");
    for quote in &evidence.newest_quotes {
        body.push_str(&quote_html(quote));
    }
    body.push_str("<h2>Deals</h2>\n<table><tr><th>deal</th><th>outcome</th><th>segment</th><th>industry</th><th>closed</th></tr>\n");
    for deal in &evidence.deals {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&deal.deal_id),
            deal.outcome.map_or("", |o| o.as_str()),
            escape(deal.segment.as_deref().unwrap_or("")),
            escape(deal.industry.as_deref().unwrap_or("")),
            deal.close_date.map(|d| d.to_string()).unwrap_or_default()
        );
    }
    body.push_str("</table>\n");
    page(&format!("Battlecard evidence: {}", evidence.competitor), &body)
}

/// The digest as Markdown.
pub fn digest_markdown(digest: &Digest) -> String {
    let mut out = format!("# Win/loss digest: {}\n\n", digest.month);
    let _ = write!(out, "**{}** · win rate {}.\n\n", counts(&digest.deals), percent(&digest.deals));
    if let Some(note) = &digest.sample_note {
        let _ = write!(out, "> **Sample size:** {note}.\n\n");
    }
    if !digest.by_competitor.is_empty() {
        out.push_str("| competitor | deals | won | lost | no decision |\n|---|---|---|---|---|\n");
        for row in &digest.by_competitor {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                row.value, row.deals, row.won, row.lost, row.no_decision
            );
        }
        out.push('\n');
    }
    out.push_str("## Top win themes\n\n");
    theme_md(&mut out, &digest.top_win_themes, digest.deals.won, "wins");
    out.push_str("## Top loss themes\n\n");
    theme_md(&mut out, &digest.top_loss_themes, digest.deals.lost, "losses");
    out.push_str("## Recommendations\n\n");
    if digest.recommendations.is_empty() {
        let _ = write!(out, "_{NO_RECOMMENDATION}_\n\n");
    }
    for recommendation in &digest.recommendations {
        let _ = writeln!(out, "- {}", recommendation.text);
        if let Some(quote) = &recommendation.evidence {
            let _ = writeln!(
                out,
                "  - Evidence: \u{201c}{}\u{201d} \u{2014} {}",
                quote.text,
                attribution(quote)
            );
        }
        let _ = writeln!(out, "  - Drawn from: {}", recommendation.quote_ids.join(", "));
    }
    out
}

/// A digest with nothing to recommend says why.
const NO_RECOMMENDATION: &str = "No quote this month criticises us or praises a competitor \
    clearly enough to back a recommendation.";

/// The digest as a one-page HTML document.
pub fn digest_html(digest: &Digest) -> String {
    let mut body = format!("<h1>Win/loss digest: {}</h1>\n", escape(&digest.month));
    let _ = writeln!(
        body,
        "<p><strong>{}</strong> · win rate {}.</p>",
        escape(&counts(&digest.deals)),
        escape(&percent(&digest.deals))
    );
    if let Some(note) = &digest.sample_note {
        let _ = writeln!(body, "<p class=\"notice\">Sample size: {}.</p>", escape(note));
    }
    if !digest.by_competitor.is_empty() {
        body.push_str("<table><tr><th>competitor</th><th>deals</th><th>won</th><th>lost</th><th>no decision</th></tr>\n");
        for row in &digest.by_competitor {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&row.value),
                row.deals,
                row.won,
                row.lost,
                row.no_decision
            );
        }
        body.push_str("</table>\n");
    }
    body.push_str("<h2>Top win themes</h2>\n");
    theme_html(&mut body, &digest.top_win_themes, digest.deals.won, "wins");
    body.push_str("<h2>Top loss themes</h2>\n");
    theme_html(&mut body, &digest.top_loss_themes, digest.deals.lost, "losses");
    body.push_str("<h2>Recommendations</h2>\n");
    if digest.recommendations.is_empty() {
        let _ = writeln!(body, "<p class=\"meta\">{NO_RECOMMENDATION}</p>");
    }
    body.push_str("<ul>\n");
    for recommendation in &digest.recommendations {
        let _ = writeln!(body, "<li>{}", escape(&recommendation.text));
        if let Some(quote) = &recommendation.evidence {
            body.push_str(&quote_html(quote));
        }
        let _ = writeln!(
            body,
            "<p class=\"meta\">Drawn from: {}</p>",
            escape(&recommendation.quote_ids.join(", "))
        );
        body.push_str("</li>\n");
    }
    body.push_str("</ul>\n");
    page(&format!("Win/loss digest {}", digest.month), &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_csv_escape_everything() {
        assert_eq!(
            escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
        assert_eq!(csv_field("a, \"b\""), "\"a, \"\"b\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-40% cheaper"), "'-40% cheaper");
        assert_eq!(csv_field("@admin"), "'@admin");
    }
}

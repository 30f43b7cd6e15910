//! The CRM export: `deals.csv`, one row per deal, RFC 4180 quoting.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{Day, DealRow, Outcome};

const REQUIRED_COLUMNS: [&str; 2] = ["deal_id", "outcome"];

/// Reads `deals.csv`. A bad row becomes an error naming its line; good rows are kept.
///
/// Returns an error only when the file itself cannot be read or has no usable header.
pub fn read_deals(path: &Path) -> Result<Vec<Result<DealRow>>> {
    Ok(inspect_deals(path, None)?.1)
}

/// The mapping file of a `deals.csv`: the one given, else `mapping.toml` beside it.
fn mapping_for(path: &Path, mapping: Option<&Path>) -> std::path::PathBuf {
    mapping.map_or_else(|| path.with_file_name("mapping.toml"), Path::to_path_buf)
}

fn split_list(value: &str) -> Vec<String> {
    value.split(';').map(str::trim).filter(|item| !item.is_empty()).map(String::from).collect()
}

/// True for a deal id storybank accepts: 1-64 ASCII letters, digits, `.`, `_`, `-`, `:`,
/// starting with a letter or digit (ids appear in URLs, file names and logs).
pub fn is_safe_deal_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
}

/// Parses CSV bytes; `path` names the file in messages (and its folder holds `mapping.toml`).
pub fn parse_deals(path: &Path, bytes: &[u8]) -> Result<Vec<Result<DealRow>>> {
    Ok(parse_with_map(path, bytes, &mapping_for(path, None))?.1)
}

/// Reads `deals.csv` with a mapping file (default: `mapping.toml` beside it) and says which
/// column gave each field (`ingest --dry-run`).
pub fn inspect_deals(
    path: &Path,
    mapping: Option<&Path>,
) -> Result<(super::columns::ColumnMap, Vec<Result<DealRow>>)> {
    let bytes =
        std::fs::read(path).map_err(|err| Error::io(format!("reading {}", path.display()), err))?;
    if let Some(mapping) = mapping
        && !mapping.is_file()
    {
        return Err(Error::io(
            format!("reading the mapping {}", mapping.display()),
            std::io::Error::from(std::io::ErrorKind::NotFound),
        ));
    }
    parse_with_map(path, &bytes, &mapping_for(path, mapping))
}

fn parse_with_map(
    path: &Path,
    bytes: &[u8],
    mapping: &Path,
) -> Result<(super::columns::ColumnMap, Vec<Result<DealRow>>)> {
    // The CSV reader runs an unterminated quote silently to the end of the file: cut the file
    // before the row that opens it and report that row.
    let (bytes, unterminated) = match unterminated_quote(bytes) {
        Some((line, row_start)) => (&bytes[..row_start], Some(line)),
        None => (bytes, None),
    };
    let (map, mut rows) = parse_complete(path, bytes, mapping)?;
    if let Some(line) = unterminated {
        rows.push(Err(Error::parse(
            path,
            line,
            "a quote opened on this line is never closed; this row and the rest of the file were not read",
        )));
    }
    Ok((map, rows))
}

/// The line of a quote that is never closed, and the byte offset where its row starts.
fn unterminated_quote(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut line = 1;
    let mut row_start = 0;
    let mut quoted: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], quoted) {
            (b'"', None) => quoted = Some(line),
            (b'"', Some(_)) if bytes.get(i + 1) == Some(&b'"') => i += 1,
            (b'"', Some(_)) => quoted = None,
            (b'\n', state) => {
                line += 1;
                if state.is_none() {
                    row_start = i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    quoted.map(|line| (line, row_start))
}

fn parse_complete(
    path: &Path,
    bytes: &[u8],
    mapping: &Path,
) -> Result<(super::columns::ColumnMap, Vec<Result<DealRow>>)> {
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|err| Error::parse(path, 1, format!("unreadable header: {err}")))?;
    let headers: Vec<String> = headers.iter().map(str::to_string).collect();
    let columns = super::columns::ColumnMap::resolve(&headers, mapping, path)?;
    for required in REQUIRED_COLUMNS {
        if columns.get(required).is_none() {
            return Err(Error::parse(
                path,
                1,
                format!(
                    "missing required column `{required}` (or a CRM header for it; name it in mapping.toml)"
                ),
            ));
        }
    }
    let index_of = |name: &str| columns.get(name);
    let mut rows = Vec::new();
    let mut first_line: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, |pos| pos.line() as usize);
                rows.push(Err(Error::parse(path, line, format!("malformed row: {err}"))));
                continue;
            }
        };
        let line = record.position().map_or(0, |pos| pos.line() as usize);
        let field = |name: &str| {
            index_of(name).and_then(|i| record.get(i)).unwrap_or("").trim().to_string()
        };
        let row = row_from_fields(path, line, &field);
        if let Ok(row) = &row
            && let Some(first) = first_line.get(&row.deal_id)
        {
            rows.push(Err(Error::parse(
                path,
                line,
                format!(
                    "duplicate deal_id `{}` (first on line {first}); this row was not ingested",
                    row.deal_id
                ),
            )));
            continue;
        }
        if let Ok(row) = &row {
            first_line.insert(row.deal_id.clone(), line);
        }
        rows.push(row);
    }
    Ok((columns, rows))
}

fn row_from_fields(path: &Path, line: usize, field: &dyn Fn(&str) -> String) -> Result<DealRow> {
    let deal_id = field("deal_id");
    if deal_id.is_empty() {
        return Err(Error::parse(path, line, "empty deal_id"));
    }
    if !is_safe_deal_id(&deal_id) {
        return Err(Error::parse(
            path,
            line,
            format!(
                "invalid deal_id `{}`: use 1-64 letters, digits, `.`, `_`, `-` or `:`, starting with a letter or digit",
                deal_id.chars().take(80).collect::<String>()
            ),
        ));
    }
    let outcome_text = super::columns::outcome_text(&field("outcome"));
    let outcome = if outcome_text.is_empty() {
        None
    } else {
        Some(Outcome::parse(&outcome_text).ok_or_else(|| {
            Error::parse(
                path,
                line,
                format!(
                    "deal {deal_id}: unknown outcome `{outcome_text}` (expected won, lost or no_decision, or a closed CRM stage like `Closed Won`; open deals are not interviewed yet)"
                ),
            )
        })?)
    };
    let close_text = super::columns::date_text(&field("close_date"));
    let close_date = if close_text.is_empty() {
        None
    } else {
        Some(Day::parse(&close_text).ok_or_else(|| {
            Error::parse(
                path,
                line,
                format!("deal {deal_id}: invalid close_date `{close_text}`, expected YYYY-MM-DD"),
            )
        })?)
    };
    let amount_text = super::columns::amount_text(&field("amount_usd"));
    let amount_usd = if amount_text.is_empty() {
        None
    } else {
        Some(amount_text.parse::<f64>().map_err(|_| {
            Error::parse(path, line, format!("deal {deal_id}: invalid amount_usd `{amount_text}`"))
        })?)
    };
    Ok(DealRow {
        deal_id,
        account_name: field("account_name"),
        outcome,
        competitors: split_list(&field("competitors")),
        amount_usd,
        segment: field("segment").to_ascii_lowercase(),
        industry: field("industry"),
        region: field("region"),
        buyer_persona: field("buyer_persona"),
        lead_source: field("lead_source"),
        stage_reached: field("stage_reached"),
        close_date,
        loss_reason: field("loss_reason"),
        win_reason: field("win_reason"),
        rep_name: field("rep_name"),
        contact_names: split_list(&field("contact_names")),
        interviewer: field("interviewer"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "deal_id,account_name,outcome,competitors,amount_usd,segment,industry,region,buyer_persona,lead_source,stage_reached,close_date,loss_reason,win_reason,rep_name,contact_names,interviewer\n";

    #[test]
    fn parses_rows_and_reports_bad_ones_by_line() {
        let csv = format!(
            "{HEADER}D-1,\"Acme, Inc.\",lost,Foo;Bar,18500,smb,retail,NA,CFO,inbound,proposal,2025-11-07,price,,Rep One,Ann Bee;Cid Dee,Ivy Int\n\
             D-2,Beta,maybe,,,,,,,,,2025-01-01,,,,,\n\
             D-3,Gamma,won,,,,,,,,,2025-02-30,,,,,\n\
             D-4,Delta,won,,,,,,,,,,,,,,\n"
        );
        let rows = parse_deals(Path::new("deals.csv"), csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 4);
        let first = rows[0].as_ref().unwrap();
        assert_eq!(first.account_name, "Acme, Inc.");
        assert_eq!(first.competitors, vec!["Foo", "Bar"]);
        assert_eq!(first.contact_names, vec!["Ann Bee", "Cid Dee"]);
        assert_eq!(first.close_date.unwrap().to_string(), "2025-11-07");
        let second = rows[1].as_ref().unwrap_err().to_string();
        assert!(second.starts_with("deals.csv:3:"), "{second}");
        assert!(second.contains("unknown outcome"));
        let third = rows[2].as_ref().unwrap_err().to_string();
        assert!(third.starts_with("deals.csv:4:") && third.contains("close_date"), "{third}");
        assert!(rows[3].is_ok());
    }

    #[test]
    fn duplicate_and_unsafe_ids_and_an_unterminated_quote_name_their_lines() {
        let csv = format!(
            "{HEADER}D-1,One,won,,,,,,,,,,,,,,\n\
             D-1,Again,lost,,,,,,,,,,,,,,\n\
             ../etc,Bad,won,,,,,,,,,,,,,,\n\
             D-5,\"Unterminated,won,,,,,,,,,,,,,,\n"
        );
        let rows = parse_deals(Path::new("deals.csv"), csv.as_bytes()).unwrap();
        assert!(rows[0].is_ok());
        let dup = rows[1].as_ref().unwrap_err().to_string();
        assert!(dup.starts_with("deals.csv:3:") && dup.contains("first on line 2"), "{dup}");
        let bad = rows[2].as_ref().unwrap_err().to_string();
        assert!(bad.starts_with("deals.csv:4:") && bad.contains("invalid deal_id"), "{bad}");
        let last = rows.last().unwrap();
        let message = match last {
            Ok(row) => panic!("an unterminated quote was read as {row:?}"),
            Err(err) => err.to_string(),
        };
        assert!(message.starts_with("deals.csv:5:"), "{message}");
        assert!(is_safe_deal_id("S-2001") && is_safe_deal_id("opp:0061x.v2"));
        assert!(!is_safe_deal_id("") && !is_safe_deal_id("-x") && !is_safe_deal_id("a b"));
    }

    #[test]
    fn salesforce_and_hubspot_reports_are_read_as_they_export() {
        let salesforce = "Opportunity ID,Opportunity Name,Account Name,Stage,Close Date,Amount,Primary Competitor,Closed Lost Reason,Opportunity Owner,Lead Source,Industry,Billing Country\n\
            0065g00000AbCdE,Renewal 2025,Harbourline Freight,Closed Lost,3/14/2025,\"USD 32,000.00\",Tallyfold,Onboarding,Dana Whitlock,Web,Logistics,Norway\n\
            0065g00000AbCdF,New logo,Brightwater Dental,Closed Won,11/2/2025,\"$8,400\",Veritill,,Dana Whitlock,Partner,Healthcare,Ireland\n";
        let rows = parse_deals(Path::new("deals.csv"), salesforce.as_bytes()).unwrap();
        let first = rows[0].as_ref().unwrap();
        assert_eq!(first.deal_id, "0065g00000AbCdE");
        assert_eq!(first.account_name, "Harbourline Freight");
        assert_eq!(first.outcome, Some(Outcome::Lost));
        assert_eq!(first.close_date.unwrap().to_string(), "2025-03-14");
        assert_eq!(first.amount_usd, Some(32000.0));
        assert_eq!(first.competitors, vec!["Tallyfold"]);
        assert_eq!(
            (first.loss_reason.as_str(), first.rep_name.as_str()),
            ("Onboarding", "Dana Whitlock")
        );
        assert_eq!((first.region.as_str(), first.industry.as_str()), ("Norway", "Logistics"));
        assert_eq!(rows[1].as_ref().unwrap().outcome, Some(Outcome::Won));
        let hubspot = "Record ID,Deal Name,Deal Stage,Close Date,Amount,Deal owner,Associated Company,Closed lost reason,Closed won reason,Competitor\n\
            9137458812,Expansion,closedlost,2025-06-30 14:02,12000,Priya Raman,Kestrel Labs,Price,,Brackwater\n";
        let rows = parse_deals(Path::new("deals.csv"), hubspot.as_bytes()).unwrap();
        let row = rows[0].as_ref().unwrap();
        assert_eq!(
            (row.deal_id.as_str(), row.account_name.as_str()),
            ("9137458812", "Kestrel Labs")
        );
        assert_eq!(row.outcome, Some(Outcome::Lost));
        assert_eq!(row.close_date.unwrap().to_string(), "2025-06-30");
        assert_eq!((row.rep_name.as_str(), row.loss_reason.as_str()), ("Priya Raman", "Price"));
        assert_eq!(row.competitors, vec!["Brackwater"]);
        // An open stage is an error naming the line.
        let open = "Opportunity ID,Stage\nX1,Negotiation\n";
        let rows = parse_deals(Path::new("deals.csv"), open.as_bytes()).unwrap();
        let err = rows[0].as_ref().unwrap_err().to_string();
        assert!(err.starts_with("deals.csv:2:") && err.contains("Negotiation"), "{err}");
    }

    #[test]
    fn a_mapping_file_names_columns_no_alias_covers() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mapping.toml"), "[columns]\ndeal_id = \"Opp Number\"\noutcome = \"Result (final)\"\ncompetitors = \"Rival\"\n").unwrap();
        let csv = dir.path().join("deals.csv");
        std::fs::write(&csv, "Opp Number,Result (final),Rival\nA-1,Closed Won,Tallyfold\n")
            .unwrap();
        let rows = read_deals(&csv).unwrap();
        let row = rows[0].as_ref().unwrap();
        assert_eq!((row.deal_id.as_str(), row.outcome), ("A-1", Some(Outcome::Won)));
        assert_eq!(row.competitors, vec!["Tallyfold"]);
        std::fs::write(dir.path().join("mapping.toml"), "[columns]\ndeal_id = \"Nope\"\n").unwrap();
        let err = read_deals(&csv).unwrap_err().to_string();
        assert!(err.contains("mapping.toml") && err.contains("Nope"), "{err}");
    }

    #[test]
    fn missing_column_is_an_error() {
        let err = parse_deals(Path::new("d.csv"), b"key,foo\n1,2\n").unwrap_err();
        assert!(err.to_string().contains("missing required column `deal_id`"));
    }
}

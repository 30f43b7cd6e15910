//! Alerts on pattern shifts: rules in `alerts.toml` are checked period by period (month or
//! quarter) against the deals closed in the period and the one before; a rule whose condition
//! holds fires **once per period**, stating its numbers with sample sizes and a Wilson 95%
//! interval and linking evidence quotes, and is delivered to a Slack-compatible webhook and by
//! email (SMTP, through `lettre`), over TLS when the URLs say so.
//!
//! ```toml
//! period = "quarter"                 # or "month"
//! min_deals = 5                      # no alert on fewer deals unless a rule asks
//! webhook = "https://hooks.slack.com/services/T000/B000/XXXX"
//! ca_file = "private-ca.pem"         # optional: a private CA, beside the system's roots
//! [email]
//! smtp = "smtps://smtp.example.com:465"   # or smtp+starttls://HOST:587, or smtp://HOST:25
//! from = "storybank@example.com"
//! to = ["winloss@example.com"]
//! [[rule]]
//! id = "tallyfold-win-rate"
//! when = "win_rate_below"            # win rate in scope below a threshold
//! competitor = "Tallyfold"           # scope: competitor, segment, industry, region, persona
//! threshold = 0.4
//! [[rule]]
//! when = "win_rate_drop"             # down by at least `points` against the previous period
//! segment = "mid_market"
//! points = 15
//! [[rule]]
//! when = "reason_rising"             # a loss reason's (or theme's) share of losses rising
//! reason = "price"                   # or theme = "pricing"
//! points = 10
//! [[rule]]
//! when = "no_decision_above"         # share of deals ending in no decision
//! threshold = 0.25
//! ```
//!
//! What fired is kept in the store (`documents.alerts`), so a condition that holds at every
//! check of a period fires once; a failed delivery is retried at the next check.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::Storybank;
use crate::error::{Error, Result};
use crate::insights::{Interval, wilson};
use crate::model::{Day, Filters, OneOrMany, Outcome};
use crate::search::filter::normalize_value;

/// The rules file in the index folder.
pub const ALERTS_FILE: &str = "alerts.toml";
const DOCUMENT: &str = "alerts";
const DEFAULT_MIN_DEALS: usize = 5;

/// The length of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Calendar months.
    Month,
    /// Calendar quarters.
    Quarter,
}

/// One calendar period: its label and first and last days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// `2025-03` or `2025-Q1`.
    pub label: String,
    /// First day.
    pub start: Day,
    /// Last day.
    pub end: Day,
}

fn first_of(year: i32, month: u32) -> Day {
    Day::from_ymd(year, month, 1)
}

impl Period {
    /// The period holding `day`.
    pub fn span(self, day: Day) -> Span {
        let (year, month, _) = day.ymd();
        let (first_month, months, label) = match self {
            Period::Month => (month, 1, format!("{year:04}-{month:02}")),
            Period::Quarter => {
                let q = (month - 1) / 3;
                (q * 3 + 1, 3, format!("{year:04}-Q{}", q + 1))
            }
        };
        let start = first_of(year, first_month);
        let (next_year, next_month) = if first_month + months > 12 {
            (year + 1, first_month + months - 12)
        } else {
            (year, first_month + months)
        };
        Span { label, start, end: Day(first_of(next_year, next_month).0 - 1) }
    }

    /// The period before `span`.
    pub fn previous(self, span: &Span) -> Span {
        self.span(Day(span.start.0 - 1))
    }
}

/// What a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Win rate in scope below `threshold`.
    WinRateBelow,
    /// Win rate in scope down by at least `points` against the previous period.
    WinRateDrop,
    /// A loss reason's (or theme's) share of losses up by at least `points`.
    ReasonRising,
    /// Share of deals ending in no decision above `threshold`.
    NoDecisionAbove,
}

/// One alert rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id (default: `rule-<n>` in file order).
    #[serde(default)]
    pub id: String,
    /// What it watches.
    pub when: When,
    /// Scope: deals against this competitor (any alias).
    #[serde(default)]
    pub competitor: Option<String>,
    /// Scope: this segment.
    #[serde(default)]
    pub segment: Option<String>,
    /// Scope: this industry.
    #[serde(default)]
    pub industry: Option<String>,
    /// Scope: this region.
    #[serde(default)]
    pub region: Option<String>,
    /// Scope: this buyer persona.
    #[serde(default)]
    pub persona: Option<String>,
    /// For `reason_rising`: the loss reason code.
    #[serde(default)]
    pub reason: Option<String>,
    /// For `reason_rising`: a theme instead (losses with a quote tagged with it).
    #[serde(default)]
    pub theme: Option<String>,
    /// For `*_below` / `*_above`: the rate, 0-1.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// For `win_rate_drop` / `reason_rising`: percentage points.
    #[serde(default)]
    pub points: Option<f64>,
    /// Fewest deals in the period (each period, for comparisons) before the rule may fire.
    #[serde(default, deserialize_with = "crate::model::whole_number")]
    pub min_deals: Option<usize>,
}

impl Rule {
    /// Checks that the rule has what its kind needs.
    pub fn check(&self) -> std::result::Result<(), String> {
        let id = &self.id;
        if !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            || id.is_empty()
            || id.len() > 64
        {
            return Err(format!("rule id `{id}` must be 1-64 letters, digits, `-`, `_` or `.`"));
        }
        let rate = |value: Option<f64>, name: &str| match value {
            Some(v) if (0.0..=1.0).contains(&v) => Ok(()),
            _ => Err(format!("rule `{id}` needs {name} between 0 and 1")),
        };
        let points = |value: Option<f64>| match value {
            Some(v) if v > 0.0 && v <= 100.0 => Ok(()),
            _ => Err(format!("rule `{id}` needs points between 0 and 100")),
        };
        match self.when {
            When::WinRateBelow | When::NoDecisionAbove => rate(self.threshold, "threshold"),
            When::WinRateDrop => points(self.points),
            When::ReasonRising => {
                points(self.points)?;
                if self.reason.is_none() == self.theme.is_none() {
                    return Err(format!("rule `{id}` needs a reason or a theme (one of them)"));
                }
                Ok(())
            }
        }
    }
}

/// The rules file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertConfig {
    /// Period length.
    #[serde(default = "default_period")]
    pub period: Period,
    /// Default fewest deals for a rule to fire.
    #[serde(default = "default_min_deals")]
    pub min_deals: usize,
    /// Slack-compatible webhook (`https://` or `http://`).
    #[serde(default)]
    pub webhook: Option<String>,
    /// Extra trusted certificates (PEM) for the webhook and SMTP over TLS, beside the
    /// system's: a private CA. Relative to the index folder.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub ca_file: Option<std::path::PathBuf>,
    /// Email delivery.
    #[serde(default)]
    pub email: Option<EmailConfig>,
    /// The rules.
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

/// Where alert email goes: `[email]` in `alerts.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// `smtps://HOST[:465]` (TLS from the start), `smtp+starttls://HOST[:587]` (upgraded
    /// with STARTTLS, refused without it), or `smtp://HOST[:25]` (plain, a relay on the local
    /// network). Credentials come from `STORYBANK_SMTP_USER` / `STORYBANK_SMTP_PASSWORD` and
    /// are sent over TLS only.
    pub smtp: String,
    /// Sender address.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
}

fn default_period() -> Period {
    Period::Month
}

fn default_min_deals() -> usize {
    DEFAULT_MIN_DEALS
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            period: Period::Month,
            min_deals: DEFAULT_MIN_DEALS,
            webhook: None,
            ca_file: None,
            email: None,
            rules: vec![],
        }
    }
}

impl AlertConfig {
    /// Parses a rules file; errors name the file and line.
    pub fn parse(path: &Path, text: &str) -> Result<AlertConfig> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let mut config: AlertConfig = toml::from_str(text).map_err(|err| {
            Error::parse(
                path,
                err.span().map_or(0, |s| line_of(s.start)),
                err.message().to_string(),
            )
        })?;
        let rule_lines: Vec<usize> =
            text.match_indices("[[rule]]").map(|(offset, _)| line_of(offset)).collect();
        let mut seen = BTreeSet::new();
        for (index, rule) in config.rules.iter_mut().enumerate() {
            let line = rule_lines.get(index).copied().unwrap_or(0);
            if rule.id.trim().is_empty() {
                rule.id = format!("rule-{}", index + 1);
            }
            if !seen.insert(rule.id.clone()) {
                return Err(Error::parse(
                    path,
                    line,
                    format!("rule id `{}` is used twice", rule.id),
                ));
            }
            rule.check().map_err(|message| Error::parse(path, line, message))?;
        }
        if let Some(url) = &config.webhook
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(Error::parse(
                path,
                text.find("webhook").map_or(0, line_of),
                "webhook must be an https:// (or http://) URL",
            ));
        }
        if let Some(ca) = &mut config.ca_file {
            if ca.is_relative()
                && let Some(dir) = path.parent()
            {
                *ca = dir.join(&*ca);
            }
            crate::http_client::root_store(Some(ca)).map_err(|message| {
                Error::parse(path, text.find("ca_file").map_or(0, line_of), message)
            })?;
        }
        if let Some(email) = &config.email {
            let line = text.find("[email]").map_or(0, line_of);
            let fail = |message: String| Error::parse(path, line, message);
            smtp_address(&email.smtp).map_err(fail)?;
            for address in std::iter::once(&email.from).chain(&email.to) {
                address
                    .parse::<lettre::Address>()
                    .map_err(|err| fail(format!("email address `{address}`: {err}")))?;
            }
            if email.to.is_empty() {
                return Err(fail("email needs at least one `to` address".into()));
            }
        }
        Ok(config)
    }

    /// The rules of an index: its `alerts.toml`, else none.
    pub fn for_index(index_dir: &Path) -> Result<AlertConfig> {
        let path = index_dir.join(ALERTS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => AlertConfig::parse(&path, &text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(AlertConfig::default()),
            Err(err) => Err(Error::io(format!("reading {}", path.display()), err)),
        }
    }
}

/// Counts of one period in a rule's scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PeriodNumbers {
    /// `2025-03` or `2025-Q1`.
    pub period: String,
    /// Deals closed in the period, in scope.
    pub deals: usize,
    /// Of them, the ones that count for the rate (won for win rates, matching losses for a
    /// reason, no decision for no-decision).
    pub hits: usize,
    /// The denominator of the rate (decided deals for win rates, losses for a reason, all
    /// deals for no decision).
    pub base: usize,
    /// `hits / base`.
    pub rate: Option<f64>,
    /// Wilson 95% interval of the rate.
    pub interval: Option<Interval>,
}

/// A fired alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    /// `<rule id>@<period>`: one per rule and period.
    pub alert_id: String,
    /// The rule.
    pub rule_id: String,
    /// What it watches.
    pub when: When,
    /// One sentence with the numbers.
    pub message: String,
    /// This period.
    pub current: PeriodNumbers,
    /// The period before (for comparisons).
    pub previous: Option<PeriodNumbers>,
    /// Evidence quotes from this period's deals.
    pub quote_ids: Vec<String>,
    /// When it fired (RFC 3339).
    pub fired_at: String,
    /// Delivered on every configured channel (false while one has failed; retried at the
    /// next check).
    pub delivered: bool,
    /// Reached the webhook (`null` when none is configured).
    #[serde(default)]
    pub webhook_delivered: Option<bool>,
    /// Reached the SMTP relay (`null` when email is not configured).
    #[serde(default)]
    pub email_delivered: Option<bool>,
    /// The last delivery error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct AlertFile {
    revision: u64,
    fired: BTreeMap<String, Alert>,
}

/// What a check did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AlertCheck {
    /// The day checked.
    #[schema(value_type = String, format = Date)]
    pub as_of: Day,
    /// The period checked.
    pub period: String,
    /// Alerts that fired now.
    pub fired: Vec<Alert>,
    /// Rules that hold but had fired already this period.
    pub already_fired: Vec<String>,
    /// Earlier alerts whose delivery was retried, and whether it worked.
    pub redelivered: Vec<String>,
}

/// `GET /v1/alerts` answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AlertList {
    /// Fired alerts, newest period first.
    pub alerts: Vec<Alert>,
    /// The rules in force.
    pub rules: Vec<Rule>,
}

fn one(value: &Option<String>) -> Option<OneOrMany> {
    value.clone().map(OneOrMany::One)
}

fn numbers(period: &Span, deals: usize, hits: usize, base: usize) -> PeriodNumbers {
    PeriodNumbers {
        period: period.label.clone(),
        deals,
        hits,
        base,
        rate: (base > 0).then(|| hits as f64 / base as f64),
        interval: wilson(hits, base),
    }
}

fn pct(rate: Option<f64>) -> String {
    rate.map_or("n/a".into(), |r| format!("{:.0}%", r * 100.0))
}

fn interval(numbers: &PeriodNumbers) -> String {
    numbers.interval.map_or(String::new(), |i| {
        format!(" (95% interval {:.0}-{:.0}%)", i.low * 100.0, i.high * 100.0)
    })
}

/// How to reach the SMTP relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SmtpSecurity {
    /// TLS from the first byte (`smtps://`, port 465).
    Wrapper,
    /// STARTTLS, required (`smtp+starttls://`, port 587).
    StartTls,
    /// No TLS (`smtp://`, port 25).
    Plain,
}

fn smtp_address(url: &str) -> std::result::Result<(String, u16, SmtpSecurity), String> {
    let (rest, security, default_port) = if let Some(rest) = url.strip_prefix("smtps://") {
        (rest, SmtpSecurity::Wrapper, 465)
    } else if let Some(rest) = url.strip_prefix("smtp+starttls://") {
        (rest, SmtpSecurity::StartTls, 587)
    } else if let Some(rest) = url.strip_prefix("smtp://") {
        (rest, SmtpSecurity::Plain, 25)
    } else {
        return Err(format!(
            "smtp `{url}` must be smtps://HOST[:PORT], smtp+starttls://HOST[:PORT] or smtp://HOST[:PORT]"
        ));
    };
    let rest = rest.trim_end_matches('/');
    match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => port
            .parse()
            .map(|port| (host.to_string(), port, security))
            .map_err(|_| format!("smtp `{url}`: bad port")),
        _ if !rest.is_empty() => Ok((rest.to_string(), default_port, security)),
        _ => Err(format!("smtp `{url}` names no host")),
    }
}

fn send_email(
    email: &EmailConfig,
    ca_file: Option<&Path>,
    alert: &Alert,
) -> std::result::Result<(), String> {
    use lettre::Transport;
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    let (host, port, security) = smtp_address(&email.smtp)?;
    let mut builder = lettre::Message::builder()
        .from(email.from.parse().map_err(|e| format!("from: {e}"))?)
        .subject(format!("[storybank alert] {} ({})", alert.rule_id, alert.current.period));
    for to in &email.to {
        builder = builder.to(to.parse().map_err(|e| format!("to: {e}"))?);
    }
    let mut body = format!("{}\n\n", alert.message);
    if let Some(previous) = &alert.previous {
        body.push_str(&format!(
            "{}: {} of {} ({} deals)\n",
            previous.period, previous.hits, previous.base, previous.deals
        ));
    }
    body.push_str(&format!(
        "{}: {} of {} ({} deals)\n",
        alert.current.period, alert.current.hits, alert.current.base, alert.current.deals
    ));
    if !alert.quote_ids.is_empty() {
        body.push_str(&format!("\nEvidence quotes: {}\n", alert.quote_ids.join(", ")));
    }
    let message = builder.body(body).map_err(|e| e.to_string())?;
    let mut transport = lettre::SmtpTransport::builder_dangerous(&host)
        .port(port)
        .timeout(Some(Duration::from_secs(10)));
    if security != SmtpSecurity::Plain {
        let mut parameters = TlsParameters::builder(host.clone());
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            parameters = parameters.add_root_certificate(
                Certificate::from_pem(&pem).map_err(|e| format!("{}: {e}", path.display()))?,
            );
        }
        let parameters = parameters.build().map_err(|e| format!("TLS: {e}"))?;
        transport = transport.tls(match security {
            SmtpSecurity::Wrapper => Tls::Wrapper(parameters),
            _ => Tls::Required(parameters),
        });
        if let (Ok(user), Ok(password)) =
            (std::env::var("STORYBANK_SMTP_USER"), std::env::var("STORYBANK_SMTP_PASSWORD"))
        {
            transport = transport.credentials(
                lettre::transport::smtp::authentication::Credentials::new(user, password),
            );
        }
    }
    transport.build().send(&message).map(drop).map_err(|e| e.to_string())
}

/// Delivers an alert on every configured channel it has not reached yet.
fn deliver(config: &AlertConfig, alert: &mut Alert) {
    let mut errors = vec![];
    if let Some(url) = &config.webhook
        && alert.webhook_delivered != Some(true)
    {
        // Slack's incoming-webhook shape (`text`), with the alert itself for other receivers.
        let body = serde_json::json!({"text": format!(":rotating_light: {}", alert.message), "alert": alert});
        let outcome = match crate::http_client::post_json_with(
            url,
            None,
            &body,
            Duration::from_secs(10),
            config.ca_file.as_deref(),
        )
        .map(|(status, _)| status)
        {
            Ok(status) if (200..300).contains(&status) => Ok(()),
            Ok(status) => Err(format!("webhook answered HTTP {status}")),
            Err(err) => Err(format!("webhook: {err}")),
        };
        alert.webhook_delivered = Some(outcome.is_ok());
        errors.extend(outcome.err());
    }
    if let Some(email) = &config.email
        && alert.email_delivered != Some(true)
    {
        let outcome = send_email(email, config.ca_file.as_deref(), alert)
            .map_err(|err| format!("email: {err}"));
        alert.email_delivered = Some(outcome.is_ok());
        errors.extend(outcome.err());
    }
    alert.delivered =
        alert.webhook_delivered != Some(false) && alert.email_delivered != Some(false);
    alert.delivery_error = (!errors.is_empty()).then(|| errors.join("; "));
}

impl Storybank {
    /// The alert rules of this index.
    pub fn alert_config(&self) -> Result<AlertConfig> {
        AlertConfig::for_index(&self.settings().index_dir)
    }

    /// Adds a rule, or replaces the rule with its id, in `alerts.toml` (rewritten atomically;
    /// comments in the file are not kept). Returns the rule as stored.
    pub fn put_alert_rule(&self, rule: Rule) -> Result<Rule> {
        rule.check().map_err(Error::InvalidRequest)?;
        self.edit_alert_rules(|rules| {
            match rules.iter_mut().find(|r| r.id == rule.id) {
                Some(slot) => *slot = rule.clone(),
                None => rules.push(rule.clone()),
            }
            Ok(())
        })?;
        Ok(rule)
    }

    /// Removes a rule from `alerts.toml`; alerts it fired stay in the history.
    pub fn delete_alert_rule(&self, rule_id: &str) -> Result<()> {
        self.edit_alert_rules(|rules| {
            let before = rules.len();
            rules.retain(|r| r.id != rule_id);
            if rules.len() == before {
                return Err(Error::AlertRuleNotFound(rule_id.to_string()));
            }
            Ok(())
        })
    }

    fn edit_alert_rules(&self, edit: impl FnOnce(&mut Vec<Rule>) -> Result<()>) -> Result<()> {
        static EDITS: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = EDITS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let path = self.settings().index_dir.join(ALERTS_FILE);
        let mut config = self.alert_config()?;
        edit(&mut config.rules)?;
        let text = format!(
            "# Alert rules (see the README, \"Running a program\"). Last written by the API.\n{}",
            toml::to_string_pretty(&config)
                .map_err(|err| Error::Internal(format!("writing alert rules: {err}")))?
        );
        // What is written must read back the same (the file is the source of truth).
        let reread = AlertConfig::parse(&path, &text)?;
        if reread.rules != config.rules {
            return Err(Error::Internal("alert rules did not survive a round trip".into()));
        }
        crate::store::write_atomic(&path, text.as_bytes())
    }

    /// Fired alerts, newest period first, with the rules in force.
    pub fn list_alerts(&self) -> Result<AlertList> {
        let file: AlertFile = self.db.document(DOCUMENT)?;
        let mut alerts: Vec<Alert> = file.fired.into_values().collect();
        alerts.sort_by(|a, b| {
            b.current.period.cmp(&a.current.period).then(a.alert_id.cmp(&b.alert_id))
        });
        Ok(AlertList { alerts, rules: self.alert_config()?.rules })
    }

    /// Checks every rule for the period holding `as_of` (against the period before), fires
    /// what holds and has not fired this period, delivers it, and retries failed deliveries.
    pub fn check_alerts(&self, as_of: Day) -> Result<AlertCheck> {
        let config = self.alert_config()?;
        let current = config.period.span(as_of);
        let previous = config.period.previous(&current);
        let mut check = AlertCheck {
            as_of,
            period: current.label.clone(),
            fired: vec![],
            already_fired: vec![],
            redelivered: vec![],
        };
        let mut file: AlertFile = self.db.document(DOCUMENT)?;
        let revision = file.revision;
        for alert in file.fired.values_mut().filter(|a| !a.delivered) {
            deliver(&config, alert);
            check.redelivered.push(alert.alert_id.clone());
        }
        let candidates = {
            let catalog = self.read_catalog()?;
            let mut found = vec![];
            for rule in &config.rules {
                if let Some(alert) = evaluate(&catalog, &config, rule, &current, &previous) {
                    found.push(alert);
                }
            }
            found
        };
        for mut alert in candidates {
            if file.fired.contains_key(&alert.alert_id) {
                check.already_fired.push(alert.alert_id);
                continue;
            }
            deliver(&config, &mut alert);
            check.fired.push(alert.clone());
            file.fired.insert(alert.alert_id.clone(), alert);
        }
        if !check.fired.is_empty() || !check.redelivered.is_empty() {
            self.db
                .write(|tx| {
                    let stored: AlertFile = tx.document(DOCUMENT)?;
                    if stored.revision != revision {
                        return Err(Error::Conflict(
                            "alerts were checked by another storybank process meanwhile; retry"
                                .into(),
                        ));
                    }
                    file.revision += 1;
                    tx.put_document(DOCUMENT, &file)
                })
                .map(drop)?;
            self.note_document_change()?;
        }
        for alert in &check.fired {
            tracing::info!(alert = %alert.alert_id, delivered = alert.delivered, "alert fired");
        }
        Ok(check)
    }
}

/// One rule over two periods: the alert when its condition holds.
fn evaluate(
    catalog: &crate::search::Catalog,
    config: &AlertConfig,
    rule: &Rule,
    current: &Span,
    previous: &Span,
) -> Option<Alert> {
    let min = rule.min_deals.unwrap_or(config.min_deals);
    let in_period = |span: &Span| -> Vec<&crate::store::DealRecord> {
        let filters = Filters {
            competitor: one(&rule.competitor),
            segment: one(&rule.segment),
            industry: one(&rule.industry),
            region: one(&rule.region),
            buyer_persona: one(&rule.persona),
            closed_after: Some(span.start),
            closed_before: Some(span.end),
            ..Filters::default()
        };
        let allowed = crate::search::allowed_deals(&filters, &catalog.deals, &catalog.aliases)
            .unwrap_or_default();
        allowed.iter().filter_map(|id| catalog.deals.get(id)).collect()
    };
    let scope = [
        rule.competitor.as_ref().map(|c| format!("against {c}")),
        rule.segment.as_ref().map(|s| format!("in {s}")),
        rule.industry.as_ref().map(|s| format!("in {s}")),
        rule.region.as_ref().map(|s| format!("in {s}")),
        rule.persona.as_ref().map(|s| format!("with {s} buyers")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let scope = if scope.is_empty() { String::new() } else { format!(" {scope}") };
    let win = |deals: &[&crate::store::DealRecord], span: &Span| {
        let won = deals.iter().filter(|d| d.info.outcome == Some(Outcome::Won)).count();
        let decided = deals
            .iter()
            .filter(|d| matches!(d.info.outcome, Some(Outcome::Won | Outcome::Lost)))
            .count();
        numbers(span, deals.len(), won, decided)
    };
    let matches_reason = |deal: &crate::store::DealRecord| match (&rule.reason, &rule.theme) {
        (Some(reason), _) => deal
            .info
            .loss_reason
            .as_deref()
            .is_some_and(|r| normalize_value(r) == normalize_value(reason)),
        (None, Some(theme)) => deal
            .quotes
            .iter()
            .any(|q| q.themes.iter().any(|t| normalize_value(t) == normalize_value(theme))),
        (None, None) => false,
    };
    let now = in_period(current);
    let before = in_period(previous);
    let (numbers_now, numbers_before, fires, message, evidence_deals): (
        PeriodNumbers,
        Option<PeriodNumbers>,
        bool,
        String,
        Vec<&crate::store::DealRecord>,
    ) = match rule.when {
        When::WinRateBelow => {
            let n = win(&now, current);
            let threshold = rule.threshold.unwrap_or(0.0);
            let fires = n.base >= min && n.rate.is_some_and(|r| r < threshold);
            let message = format!(
                "Win rate{scope} is {} in {} ({} of {} decided deals){}, below {}.",
                pct(n.rate),
                current.label,
                n.hits,
                n.base,
                interval(&n),
                pct(Some(threshold))
            );
            let lost =
                now.iter().copied().filter(|d| d.info.outcome == Some(Outcome::Lost)).collect();
            (n, None, fires, message, lost)
        }
        When::WinRateDrop => {
            let (n, p) = (win(&now, current), win(&before, previous));
            let points = rule.points.unwrap_or(100.0) / 100.0;
            let fires = n.base >= min
                && p.base >= min
                && matches!((n.rate, p.rate), (Some(a), Some(b)) if b - a >= points);
            let message = format!(
                "Win rate{scope} fell from {} in {} ({} of {}){} to {} in {} ({} of {}){}.",
                pct(p.rate),
                previous.label,
                p.hits,
                p.base,
                interval(&p),
                pct(n.rate),
                current.label,
                n.hits,
                n.base,
                interval(&n)
            );
            let lost =
                now.iter().copied().filter(|d| d.info.outcome == Some(Outcome::Lost)).collect();
            (n, Some(p), fires, message, lost)
        }
        When::ReasonRising => {
            let losses = |deals: &[&crate::store::DealRecord], span: &Span| {
                let lost: Vec<&crate::store::DealRecord> = deals
                    .iter()
                    .copied()
                    .filter(|d| d.info.outcome == Some(Outcome::Lost))
                    .collect();
                let hits = lost.iter().filter(|d| matches_reason(d)).count();
                numbers(span, deals.len(), hits, lost.len())
            };
            let (n, p) = (losses(&now, current), losses(&before, previous));
            let points = rule.points.unwrap_or(100.0) / 100.0;
            let fires = n.base >= min
                && p.base >= min
                && matches!((n.rate, p.rate), (Some(a), Some(b)) if a - b >= points);
            let what = rule.reason.as_ref().map_or_else(
                || format!("the theme {}", rule.theme.clone().unwrap_or_default()),
                |r| format!("the loss reason {r}"),
            );
            let message = format!(
                "Losses{scope} citing {what} rose from {} of losses in {} ({} of {}){} to {} in {} ({} of {}){}.",
                pct(p.rate),
                previous.label,
                p.hits,
                p.base,
                interval(&p),
                pct(n.rate),
                current.label,
                n.hits,
                n.base,
                interval(&n)
            );
            let matching = now
                .iter()
                .copied()
                .filter(|d| d.info.outcome == Some(Outcome::Lost) && matches_reason(d))
                .collect();
            (n, Some(p), fires, message, matching)
        }
        When::NoDecisionAbove => {
            let hits = now.iter().filter(|d| d.info.outcome == Some(Outcome::NoDecision)).count();
            let n = numbers(current, now.len(), hits, now.len());
            let threshold = rule.threshold.unwrap_or(1.0);
            let fires = n.base >= min && n.rate.is_some_and(|r| r > threshold);
            let message = format!(
                "{} of deals{scope} in {} ended in no decision ({} of {}){}, above {}.",
                pct(n.rate),
                current.label,
                n.hits,
                n.base,
                interval(&n),
                pct(Some(threshold))
            );
            let stalled = now
                .iter()
                .copied()
                .filter(|d| d.info.outcome == Some(Outcome::NoDecision))
                .collect();
            (n, None, fires, message, stalled)
        }
    };
    if !fires {
        return None;
    }
    // Evidence: each deal's first critical quote (else its first), up to five deals.
    let quote_ids = evidence_deals
        .iter()
        .take(5)
        .filter_map(|deal| {
            deal.quotes
                .iter()
                .find(|q| q.polarity.as_deref() == Some("criticism"))
                .or_else(|| deal.quotes.first())
                .map(|q| q.quote_id.clone())
        })
        .collect();
    Some(Alert {
        alert_id: format!("{}@{}", rule.id, current.label),
        rule_id: rule.id.clone(),
        when: rule.when,
        message,
        current: numbers_now,
        previous: numbers_before,
        quote_ids,
        fired_at: crate::packs::now_rfc3339(),
        delivered: false,
        webhook_delivered: None,
        email_delivered: None,
        delivery_error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_calendar_months_and_quarters() {
        let day = Day::parse("2025-03-14").unwrap();
        let month = Period::Month.span(day);
        assert_eq!(
            (month.label.as_str(), month.start, month.end),
            ("2025-03", Day::parse("2025-03-01").unwrap(), Day::parse("2025-03-31").unwrap())
        );
        let quarter = Period::Quarter.span(Day::parse("2025-12-31").unwrap());
        assert_eq!(
            (quarter.label.as_str(), quarter.start, quarter.end),
            ("2025-Q4", Day::parse("2025-10-01").unwrap(), Day::parse("2025-12-31").unwrap())
        );
        assert_eq!(Period::Quarter.previous(&Period::Quarter.span(day)).label, "2024-Q4");
        assert_eq!(
            Period::Month.previous(&Period::Month.span(Day::parse("2025-01-05").unwrap())).label,
            "2024-12"
        );
    }

    #[test]
    fn rule_files_are_checked_and_name_their_lines() {
        let path = Path::new("alerts.toml");
        let config = AlertConfig::parse(
            path,
            "period = \"quarter\"\n[[rule]]\nwhen = \"win_rate_below\"\ncompetitor = \"Tallyfold\"\nthreshold = 0.4\n",
        )
        .unwrap();
        assert_eq!(config.rules[0].id, "rule-1");
        assert_eq!(config.min_deals, 5);
        for (text, line) in [
            ("[[rule]]\nwhen = \"win_rate_below\"\n", 1),
            ("\n[[rule]]\nwhen = \"reason_rising\"\npoints = 5\n", 2),
            ("[[rule]]\nwhen = \"sometimes\"\n", 2),
            ("webhook = \"ftp://hooks.slack.com/x\"\n", 1),
            ("\nca_file = \"no-such-ca.pem\"\n", 2),
            ("[email]\nsmtp = \"mail.example.com\"\nfrom = \"a@b.c\"\nto = [\"d@e.f\"]\n", 1),
            (
                "\n[email]\nsmtp = \"smtp://relay\"\nfrom = \"not an address\"\nto = [\"d@e.f\"]\n",
                2,
            ),
        ] {
            match AlertConfig::parse(path, text) {
                Err(Error::Parse { line: got, .. }) => assert_eq!(got, line, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}

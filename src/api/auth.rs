//! Access control for every route: who the caller is (an API key, a trusted SSO proxy's user,
//! or `local` on a loopback server without keys), what the route needs ([`POLICY`], one line
//! per route; a route without a line is refused), per-caller rate limits, and the audit line
//! of every state change.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::ApiError;
use crate::access::{Identity, Role};
use crate::app::Storybank;
use crate::error::Code;

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone: the web page's files, the OpenAPI document, the health check.
    Public,
    /// At least this role (intake keys are below every role).
    Role(Role),
    /// An intake key or an admin.
    Intake,
}

/// One route's policy.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// HTTP method.
    pub method: &'static str,
    /// Route template, as the router matches it.
    pub path: &'static str,
    /// Who may call it.
    pub need: Need,
    /// Whether a call is written to the audit log (state changes and raw-transcript reads).
    pub audit: bool,
}

const fn rule(method: &'static str, path: &'static str, need: Need, audit: bool) -> Rule {
    Rule { method, path, need, audit }
}

const PUBLIC: Need = Need::Public;
const READER: Need = Need::Role(Role::Reader);
const EDITOR: Need = Need::Role(Role::Editor);
const ADMIN: Need = Need::Role(Role::Admin);
const INTAKE: Need = Need::Intake;

/// Every route's policy. The integration test walks the OpenAPI document and fails on a route
/// that has no line here.
pub const POLICY: &[Rule] = &[
    rule("GET", "/", PUBLIC, false),
    rule("GET", "/favicon.ico", PUBLIC, false),
    rule("GET", "/assets/app.js", PUBLIC, false),
    rule("GET", "/assets/app.css", PUBLIC, false),
    rule("GET", "/assets/icon.svg", PUBLIC, false),
    rule("GET", "/openapi.json", PUBLIC, false),
    rule("GET", "/healthz", PUBLIC, false),
    rule("GET", "/v1/me", READER, false),
    rule("POST", "/v1/search", READER, false),
    rule("POST", "/v1/deals/similar", READER, false),
    rule("GET", "/v1/deals", READER, false),
    rule("GET", "/v1/deals/{deal_id}", READER, false),
    rule("GET", "/v1/facets", READER, false),
    rule("GET", "/v1/themes", READER, false),
    rule("POST", "/v1/quotes/{quote_id}/themes", EDITOR, true),
    rule("GET", "/v1/analytics/win-rates", READER, false),
    rule("GET", "/v1/competitors/{name}/evidence", READER, false),
    rule("POST", "/v1/ask", READER, false),
    rule("GET", "/v1/digest", READER, false),
    rule("GET", "/v1/alerts", READER, false),
    rule("POST", "/v1/alerts/check", EDITOR, true),
    rule("PUT", "/v1/alerts/rules/{rule_id}", EDITOR, true),
    rule("DELETE", "/v1/alerts/rules/{rule_id}", EDITOR, true),
    rule("GET", "/v1/briefing", READER, false),
    rule("GET", "/v1/dashboard", READER, false),
    rule("POST", "/mcp", READER, false),
    rule("GET", "/v1/insights", READER, false),
    rule("POST", "/v1/insights", EDITOR, true),
    rule("GET", "/v1/insights/metrics", READER, false),
    rule("POST", "/v1/insights/propose", EDITOR, true),
    rule("GET", "/v1/insights/{insight_id}", READER, false),
    rule("POST", "/v1/insights/{insight_id}/acknowledge", EDITOR, true),
    rule("POST", "/v1/insights/{insight_id}/action", EDITOR, true),
    rule("POST", "/v1/insights/{insight_id}/dismiss", EDITOR, true),
    rule("GET", "/v1/packs", READER, false),
    rule("POST", "/v1/packs", EDITOR, true),
    rule("GET", "/v1/packs/{pack_id}", READER, false),
    rule("PATCH", "/v1/packs/{pack_id}", EDITOR, true),
    rule("DELETE", "/v1/packs/{pack_id}", EDITOR, true),
    rule("POST", "/v1/packs/{pack_id}/stories", EDITOR, true),
    rule("DELETE", "/v1/packs/{pack_id}/stories/{story_id}", EDITOR, true),
    rule("POST", "/v1/packs/{pack_id}/refresh", EDITOR, true),
    rule("GET", "/v1/packs/{pack_id}/export", READER, false),
    rule("POST", "/v1/packs/{pack_id}/export", EDITOR, true),
    rule("GET", "/v1/stories", READER, false),
    rule("POST", "/v1/stories", EDITOR, true),
    rule("GET", "/v1/stories/{story_id}", READER, false),
    rule("PATCH", "/v1/stories/{story_id}", EDITOR, true),
    rule("DELETE", "/v1/stories/{story_id}", EDITOR, true),
    rule("POST", "/v1/admin/ingest", ADMIN, true),
    rule("POST", "/v1/intake/deals", INTAKE, true),
    rule("POST", "/v1/admin/forget", ADMIN, true),
    rule("GET", "/v1/admin/deals/{deal_id}/raw", ADMIN, true),
    rule("GET", "/v1/admin/audit", ADMIN, false),
    rule("GET", "/v1/admin/keys", ADMIN, false),
    rule("POST", "/v1/admin/keys", ADMIN, true),
    rule("DELETE", "/v1/admin/keys/{key_id}", ADMIN, true),
];

/// The policy of a route, if it has one.
pub fn policy(method: &str, path: &str) -> Option<&'static Rule> {
    POLICY.iter().find(|rule| rule.method == method && rule.path == path)
}

/// A trusted single-sign-on proxy in front of storybank: it authenticates people and passes
/// the user in a header; a role map gives each user a role.
#[derive(Debug, Clone)]
pub struct TrustedProxy {
    /// The header holding the user (e.g. `X-Forwarded-User`).
    pub header: HeaderName,
    /// A secret the proxy sends in `X-Storybank-Proxy-Secret`; required on non-loopback binds,
    /// so a client that reaches storybank directly cannot claim to be anyone.
    pub secret: Option<String>,
    /// Roles of users, and the role of anyone else the proxy lets through (none: refused).
    pub roles: RoleMap,
}

/// `--role-map` file: `default = "reader"` and a `[users]` table of `"user" = "role"`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleMap {
    /// Role of a user not listed; absent: such users are refused.
    #[serde(default)]
    pub default: Option<Role>,
    /// Roles by user name as the proxy sends it (matched case-insensitively).
    #[serde(default)]
    pub users: HashMap<String, Role>,
}

impl RoleMap {
    fn role_of(&self, user: &str) -> Option<Role> {
        self.users
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(user))
            .map(|(_, role)| *role)
            .or(self.default)
    }
}

/// The header a trusted proxy sends its secret in.
pub const PROXY_SECRET_HEADER: &str = "x-storybank-proxy-secret";

/// How the server decides who a caller is, and how much each caller may ask.
#[derive(Debug, Clone)]
pub struct AccessConfig {
    /// Before any key was made, answer as `local` (admin). Only ever true on a loopback bind
    /// that no reverse proxy (`--allow-host`) or SSO proxy puts on the network.
    pub open_without_keys: bool,
    /// A trusted SSO proxy, if one is configured.
    pub proxy: Option<TrustedProxy>,
    /// Requests per minute per caller (key or proxy user); `None`: no limit.
    pub per_minute: Option<NonZeroU32>,
    /// Expensive requests (rerank, generated summaries) in flight per caller.
    pub expensive_per_caller: usize,
    /// Largest upload to `POST /v1/admin/ingest`, in bytes.
    pub max_upload: usize,
}

impl Default for AccessConfig {
    fn default() -> Self {
        AccessConfig {
            open_without_keys: true,
            proxy: None,
            per_minute: NonZeroU32::new(600),
            expensive_per_caller: 1,
            max_upload: 50 << 20,
        }
    }
}

/// Access state shared by the middleware and the handlers.
pub struct Gate {
    config: AccessConfig,
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    expensive: Mutex<HashMap<String, usize>>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Gate {
    /// Builds the gate of a server.
    pub fn new(config: AccessConfig) -> Gate {
        let limiter = config.per_minute.map(|rate| {
            // A minute's allowance may arrive at once; then one request per 60/rate s.
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(rate))
        });
        Gate { config, limiter, expensive: Mutex::new(HashMap::new()) }
    }

    /// Largest upload accepted, in bytes.
    pub fn max_upload(&self) -> usize {
        self.config.max_upload
    }

    /// Holds one of the caller's expensive slots until dropped, or answers 429.
    pub fn expensive(self: &Arc<Self>, who: &Identity) -> Result<ExpensiveSlot, ApiError> {
        let caller = caller_key(who);
        let mut in_flight = self.expensive.lock().unwrap_or_else(|e| e.into_inner());
        let count = in_flight.entry(caller.clone()).or_default();
        if *count >= self.config.expensive_per_caller.max(1) {
            return Err(too_many(
                Duration::from_secs(1),
                "one slow request (rerank or a generated summary) at a time per caller; retry when it is done",
            ));
        }
        *count += 1;
        Ok(ExpensiveSlot { gate: self.clone(), caller })
    }
}

/// A held expensive-request slot.
pub struct ExpensiveSlot {
    gate: Arc<Gate>,
    caller: String,
}

impl Drop for ExpensiveSlot {
    fn drop(&mut self) {
        let mut in_flight = self.gate.expensive.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = in_flight.get_mut(&self.caller) {
            *count = count.saturating_sub(1);
        }
    }
}

fn caller_key(who: &Identity) -> String {
    match &who.key_id {
        Some(id) => format!("key:{id}"),
        None => format!("user:{}", who.name),
    }
}

fn too_many(wait: Duration, message: &str) -> ApiError {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, Code::RateLimited.name(), message)
        .with_header(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)))
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, Code::Unauthorized.name(), message)
        .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
}

/// Ids the handler wants in the audit line beside the path's (a created pack, erased deals).
#[derive(Debug, Clone, Default)]
pub struct AuditIds(pub Vec<String>);

/// Resolves the caller of a request, or says why it has none.
fn identify(bank: &Storybank, gate: &Gate, headers: &HeaderMap) -> Result<Identity, ApiError> {
    let _span = tracing::debug_span!("api.identify").entered();
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        // The scheme is case-insensitive and any whitespace may follow it (RFC 9110 11.1).
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .and_then(|v| v.split_once(char::is_whitespace))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, key)| key.trim())
            .ok_or_else(|| {
                unauthorized("malformed Authorization header: expected `Bearer <key>`")
            })?;
        let identity = bank.access().verify(key).map_err(ApiError::from)?;
        return identity.ok_or_else(|| unauthorized("unknown or revoked API key"));
    }
    if let Some(proxy) = &gate.config.proxy
        && let Some(user) = headers.get(&proxy.header)
    {
        if let Some(secret) = &proxy.secret {
            let sent = headers.get(PROXY_SECRET_HEADER).map(HeaderValue::as_bytes).unwrap_or(b"");
            if !bool::from(sent.ct_eq(secret.as_bytes())) {
                return Err(unauthorized("the SSO proxy's secret is missing or wrong"));
            }
        }
        let user = user
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| unauthorized("the SSO proxy sent an empty user"))?;
        let role = proxy.roles.role_of(user).ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                Code::Forbidden.name(),
                format!("{user} has no role in the role map"),
            )
        })?;
        return Ok(Identity { name: user.to_string(), role, key_id: None });
    }
    // Open only until the first key is made: revoking every key later (while rotating them)
    // must not hand the server to anyone.
    if gate.config.open_without_keys
        && gate.config.proxy.is_none()
        && bank.access().keys_ever_made().map_err(ApiError::from)? == 0
    {
        return Ok(Identity::local("local"));
    }
    Err(unauthorized("this server needs an API key: send `Authorization: Bearer <key>`"))
}

/// The middleware: identifies the caller, applies the route's policy and the rate limit, runs
/// the route, and writes the audit line.
pub async fn authorize(
    State((bank, gate)): State<(Arc<Storybank>, Arc<Gate>)>,
    request: Request,
    next: Next,
) -> Response {
    let Some(path) = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string())
    else {
        // No route matched: the fallback answers 404 or 405.
        return next.run(request).await;
    };
    let method = request.method().as_str().to_string();
    // HEAD is answered like GET, with GET's policy.
    let lookup = if method == "HEAD" { "GET" } else { method.as_str() };
    let Some(rule) = policy(lookup, &path) else {
        if POLICY.iter().any(|rule| rule.path == path) {
            return ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this endpoint",
            )
            .into_response();
        }
        // A route is reachable only with a policy line.
        return ApiError::new(
            StatusCode::FORBIDDEN,
            Code::Forbidden.name(),
            "this route has no access policy",
        )
        .into_response();
    };
    let needed = match rule.need {
        Need::Public => return next.run(request).await,
        Need::Role(role) => role,
        // Checked below: an intake key or an admin.
        Need::Intake => Role::Intake,
    };
    if let Some(refused) = cross_site_write(&method, request.headers()) {
        return refused.into_response();
    }
    let (mut parts, body) = request.into_parts();
    let ids: Vec<String> = match RawPathParams::from_request_parts(&mut parts, &()).await {
        Ok(params) => params.iter().map(|(_, value)| value.to_string()).collect(),
        Err(_) => vec![],
    };
    let mut request = Request::from_parts(parts, body);
    // A key check is a read on the store's reader connection: off the async workers.
    let headers = request.headers().clone();
    let checked = tokio::task::spawn_blocking({
        let (bank, gate) = (bank.clone(), gate.clone());
        move || identify(&bank, &gate, &headers)
    })
    .await;
    let Ok(who) = checked else {
        return ApiError::from(crate::Error::Internal("access check failed".into()))
            .into_response();
    };
    // Requests without valid credentials are not audited: anyone could fill the log with them
    // (they are counted in the request log); refusals of known callers are.
    let who = match who {
        Ok(who) => who,
        Err(err) => return err.into_response(),
    };
    // The rate limit comes first: refusals are audited, and a key must not fill the log with
    // them faster than it may make requests.
    if let Some(limiter) = &gate.limiter
        && (who.key_id.is_some() || gate.config.proxy.is_some())
        && let Err(not_until) = limiter.check_key(&caller_key(&who))
    {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return too_many(wait, "too many requests from this caller; retry after the time given")
            .into_response();
    }
    let allowed = match rule.need {
        Need::Intake => matches!(who.role, Role::Intake | Role::Admin),
        _ => who.role >= needed,
    };
    if !allowed {
        if rule.audit {
            audit(&bank, &who, rule, StatusCode::FORBIDDEN.as_u16(), ids).await;
        }
        return ApiError::new(
            StatusCode::FORBIDDEN,
            Code::Forbidden.name(),
            match rule.need {
                Need::Intake => format!(
                    "{} needs an intake or admin key; this key is {}",
                    rule.path,
                    who.role.as_str()
                ),
                _ => format!(
                    "{} needs the {} role; this key is {}",
                    rule.path,
                    needed.as_str(),
                    who.role.as_str()
                ),
            },
        )
        .into_response();
    }
    request.extensions_mut().insert(who.clone());
    let response = next.run(request).await;
    if rule.audit {
        let mut ids = ids;
        if let Some(AuditIds(more)) = response.extensions().get::<AuditIds>() {
            ids.extend(more.iter().cloned());
        }
        audit(&bank, &who, rule, response.status().as_u16(), ids).await;
    }
    response
}

/// A write sent by a page of another site (a form posted to `localhost:7700` by a web page the
/// user visits): browsers label it with `Sec-Fetch-Site` or `Origin`, and it is refused. JSON
/// routes already need `application/json`, which no plain form can send; this covers uploads.
fn cross_site_write(method: &str, headers: &HeaderMap) -> Option<ApiError> {
    if matches!(method, "GET" | "HEAD" | "OPTIONS") {
        return None;
    }
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let cross_site = match text("sec-fetch-site").as_deref() {
        Some(site) => !matches!(site, "same-origin" | "none"),
        None => match (text("origin"), text("host")) {
            (Some(origin), Some(host)) => {
                let origin_host = origin.split("://").nth(1).unwrap_or("");
                origin == "null" || !origin_host.eq_ignore_ascii_case(&host)
            }
            _ => false,
        },
    };
    cross_site.then(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            Code::Forbidden.name(),
            "a change sent by a page of another site is refused",
        )
    })
}

async fn audit(bank: &Arc<Storybank>, who: &Identity, rule: &Rule, status: u16, ids: Vec<String>) {
    let bank = bank.clone();
    let who = who.clone();
    let (method, route) = (rule.method, rule.path);
    let written = tokio::task::spawn_blocking(move || {
        bank.access().record(&who, method, route, status, &ids)
    })
    .await;
    if !matches!(written, Ok(Ok(_))) {
        // The change itself stands; the missing line is logged (route only, never content).
        tracing::error!(route, "could not write the audit line");
    }
}

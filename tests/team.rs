//! A server a team can share: every route of the OpenAPI document x every kind of caller gets
//! the status its policy says; roles follow independent rules; body limits, rate limits, the
//! audit log across a restart, and the refusal to serve the network without keys.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use storybank::Storybank;
use storybank::access::Role;
use storybank::api::auth::{AccessConfig, Need, policy};
use tower::ServiceExt;

use crate::common::{sample_dir, settings};

/// A bank with the sample ingested (stand-in embedder: this is plumbing, not search quality).
fn bank(dir: &std::path::Path) -> Arc<Storybank> {
    let mut settings = settings(dir);
    settings.embedder = storybank::config::EmbedderKind::Hashed;
    let bank = Storybank::open(&settings).unwrap();
    bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    Arc::new(bank)
}

async fn send(
    router: &Router,
    method: &str,
    uri: &str,
    auth: Option<&str>,
    body: Option<String>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    let body = match body {
        Some(text) => {
            request = request.header("content-type", "application/json");
            Body::from(text)
        }
        None => Body::empty(),
    };
    let response = router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, headers, json)
}

fn keyed(open_without_keys: bool) -> AccessConfig {
    AccessConfig { open_without_keys, per_minute: None, ..AccessConfig::default() }
}

/// Independent of the policy table: what each route must need.
fn expected_need(method: &str, path: &str) -> Need {
    const PUBLIC: [&str; 2] = ["/healthz", "/openapi.json"];
    const READ_ONLY_POSTS: [&str; 4] = ["/v1/search", "/v1/deals/similar", "/v1/ask", "/mcp"];
    if PUBLIC.contains(&path) {
        Need::Public
    } else if path.starts_with("/v1/intake/") {
        Need::Intake
    } else if path.starts_with("/v1/admin/") {
        Need::Role(Role::Admin)
    } else if method == "GET" || READ_ONLY_POSTS.contains(&path) {
        Need::Role(Role::Reader)
    } else {
        Need::Role(Role::Editor)
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_its_policy_says() {
    let dir = tempfile::tempdir().unwrap();
    let bank = bank(dir.path());
    let access = bank.access();
    let reader = access.create_key("Rita (sales)", Role::Reader).unwrap().key;
    let editor = access.create_key("Ana (enablement)", Role::Editor).unwrap().key;
    let admin = access.create_key("Sam (revops)", Role::Admin).unwrap().key;
    let intake = access.create_key("Salesforce webhook", Role::Intake).unwrap().key;
    let revoked = access.create_key("Old laptop", Role::Admin).unwrap();
    access.revoke_key(&revoked.info.id).unwrap();
    let router = storybank::api::router_with(bank.clone(), keyed(true));

    let (status, _, doc) = send(&router, "GET", "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let callers: [(&str, Option<String>, Option<Role>); 7] = [
        ("no key", None, None),
        ("malformed header", Some("Token abc".into()), None),
        ("revoked key", Some(format!("Bearer {}", revoked.key)), None),
        ("reader", Some(format!("Bearer {reader}")), Some(Role::Reader)),
        ("editor", Some(format!("Bearer {editor}")), Some(Role::Editor)),
        ("admin", Some(format!("Bearer {admin}")), Some(Role::Admin)),
        ("intake key", Some(format!("Bearer {intake}")), Some(Role::Intake)),
    ];
    let mut checked = 0;
    let mut routes = BTreeSet::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let method = method.to_ascii_uppercase();
            let rule = policy(&method, path)
                .unwrap_or_else(|| panic!("{method} {path} has no access policy"));
            assert_eq!(rule.need, expected_need(&method, path), "{method} {path}");
            routes.insert(format!("{method} {path}"));
            // Placeholder ids: an allowed call reaches its handler and fails there (404/400),
            // so nothing real is changed or erased.
            let uri = path
                .replace("{deal_id}", "NO-SUCH-DEAL")
                .replace("{pack_id}", "pk-0")
                .replace("{story_id}", "st-0")
                .replace("{quote_id}", "NO-SUCH-q001")
                .replace("{key_id}", "000000000000")
                .replace("{name}", "NoSuchCompetitor");
            let uri = match path.as_str() {
                "/v1/analytics/win-rates" => format!("{uri}?by=competitor"),
                "/v1/digest" => format!("{uri}?month=2025-09"),
                _ => uri,
            };
            let body = matches!(method.as_str(), "POST" | "PATCH").then(|| "{}".to_string());
            for (who, header, role) in &callers {
                let (status, headers, answer) =
                    send(&router, &method, &uri, header.as_deref(), body.clone()).await;
                let what = format!("{method} {uri} as {who}: {status} {answer}");
                match (rule.need, role) {
                    (Need::Public, _) => assert!(
                        status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                        "{what}"
                    ),
                    (Need::Intake, Some(role)) if !matches!(role, Role::Intake | Role::Admin) => {
                        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
                    }
                    (Need::Intake, Some(_)) => assert!(
                        status != StatusCode::UNAUTHORIZED
                            && status != StatusCode::FORBIDDEN
                            && !status.is_server_error(),
                        "{what}"
                    ),
                    (Need::Role(_) | Need::Intake, None) => {
                        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
                        assert_eq!(answer["error"]["code"], "unauthorized", "{what}");
                        assert_eq!(headers["www-authenticate"], "Bearer", "{what}");
                    }
                    (Need::Role(needed), Some(role)) if role < &needed => {
                        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
                        assert_eq!(answer["error"]["code"], "forbidden", "{what}");
                    }
                    (Need::Role(_), Some(_)) => assert!(
                        status != StatusCode::UNAUTHORIZED
                            && status != StatusCode::FORBIDDEN
                            && !status.is_server_error(),
                        "{what}"
                    ),
                }
                checked += 1;
            }
        }
    }
    // Admin routes are in the document, so the table above covered them.
    for route in
        ["POST /v1/admin/forget", "GET /v1/admin/deals/{deal_id}/raw", "GET /v1/admin/audit"]
    {
        assert!(routes.contains(route), "{route} missing from the OpenAPI document");
    }
    assert!(checked >= 36 * 7, "only {checked} route x caller checks");
    // The web page's own files are public (the page then asks for a key).
    for path in ["/", "/assets/app.js", "/assets/app.css", "/assets/icon.svg", "/favicon.ico"] {
        let (status, _, _) = send(&router, "GET", path, None, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }

    // Without keys, a loopback server answers everyone as `local`; a network one answers nobody.
    let empty = tempfile::tempdir().unwrap();
    let open = bank_without_keys(empty.path());
    let loopback = storybank::api::router_with(open.clone(), keyed(true));
    let (status, _, me) = send(&loopback, "GET", "/v1/me", None, None).await;
    assert_eq!((status, me["role"].as_str()), (StatusCode::OK, Some("admin")));
    let network = storybank::api::router_with(open, keyed(false));
    let (status, _, _) = send(&network, "GET", "/v1/me", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

fn bank_without_keys(dir: &std::path::Path) -> Arc<Storybank> {
    let mut settings = settings(dir);
    settings.embedder = storybank::config::EmbedderKind::Hashed;
    Arc::new(Storybank::open(&settings).unwrap())
}

#[tokio::test]
async fn limits_audit_and_admin_routes_hold_up() {
    let dir = tempfile::tempdir().unwrap();
    let bank = bank(dir.path());
    let admin = format!("Bearer {}", bank.access().create_key("Sam", Role::Admin).unwrap().key);
    let editor = format!("Bearer {}", bank.access().create_key("Ana", Role::Editor).unwrap().key);
    let config = AccessConfig { per_minute: std::num::NonZeroU32::new(5), ..keyed(true) };
    let router = storybank::api::router_with(bank.clone(), config);

    // A 2 MiB JSON body is refused before it is parsed.
    let huge = json!({"query": "x".repeat(2 << 20)}).to_string();
    let (status, _, answer) = send(&router, "POST", "/v1/search", Some(&admin), Some(huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert!(answer["error"]["code"].is_string());

    // Five requests a minute for this key: the sixth waits, with Retry-After; another key is
    // not affected.
    for _ in 0..4 {
        let (status, _, _) = send(&router, "GET", "/v1/facets", Some(&admin), None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, headers, answer) = send(&router, "GET", "/v1/facets", Some(&admin), None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
    assert_eq!(answer["error"]["code"], "rate_limited");
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let (status, _, _) = send(&router, "GET", "/v1/facets", Some(&editor), None).await;
    assert_eq!(status, StatusCode::OK);

    // Admin work over HTTP, on a fresh limiter: a raw transcript, an erasure, the audit log.
    let router = storybank::api::router_with(bank.clone(), keyed(true));
    let deal = "S-2001";
    let (status, _, raw) =
        send(&router, "GET", &format!("/v1/admin/deals/{deal}/raw"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let raw = raw.as_str().unwrap().to_string();
    let (status, _, denied) = send(
        &router,
        "POST",
        "/v1/admin/forget",
        Some(&editor),
        Some(json!({"deal_id": deal}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{denied}");
    let (status, _, pack) = send(
        &router,
        "POST",
        "/v1/packs",
        Some(&editor),
        Some(json!({"name": "Objections"}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{pack}");
    assert_eq!(pack["created_by"], "Ana", "packs record who made them");
    let (status, _, report) = send(
        &router,
        "POST",
        "/v1/admin/forget",
        Some(&admin),
        Some(json!({"deal_id": deal}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["deals"], json!([deal]));
    let (status, _, _) =
        send(&router, "GET", &format!("/v1/deals/{deal}"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the erased deal is gone");

    // The audit log survives a restart and holds ids, never text.
    let settings = bank.settings().clone();
    drop(router);
    drop(bank);
    let reopened = Arc::new(Storybank::open_existing(&settings).unwrap());
    let router = storybank::api::router_with(reopened, keyed(true));
    let (status, _, log) = send(&router, "GET", "/v1/admin/audit", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let entries = log["entries"].as_array().unwrap();
    let find = |route: &str, status: u64| {
        entries.iter().find(|e| e["route"] == route && e["status"] == status).cloned()
    };
    let read = find("/v1/admin/deals/{deal_id}/raw", 200).expect("the raw read is audited");
    assert_eq!((read["actor"].as_str(), read["ids"][0].as_str()), (Some("Sam"), Some(deal)));
    let erased = find("/v1/admin/forget", 200).expect("the erasure is audited");
    assert_eq!(erased["ids"][0], deal);
    assert!(find("/v1/admin/forget", 403).is_some(), "the refused erasure is audited");
    let created = find("/v1/packs", 201).expect("the pack is audited");
    assert_eq!(created["ids"][0], pack["pack_id"]);
    let log_text = log.to_string();
    for line in raw.lines().filter(|l| l.len() > 40) {
        let words: String = line.chars().skip(12).take(30).collect();
        assert!(!log_text.contains(&words), "the audit log holds transcript text: {words}");
    }
}

#[test]
fn the_cli_manages_keys_and_will_not_serve_the_network_without_them() {
    let index = tempfile::tempdir().unwrap();
    let storybank = || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_storybank"));
        command.env_remove("STORYBANK_QDRANT_URL");
        command
            .arg("--index")
            .arg(index.path())
            .arg("--models-dir")
            .arg(&settings(index.path()).model.models_dir)
            .env("STORYBANK_TEST_HASHED_EMBEDDER", "1");
        command
    };
    let output = storybank().arg("ingest").arg(sample_dir()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    // No keys: a network address is refused, with how to fix it.
    let output = storybank().args(["serve", "--addr", "0.0.0.0:0"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("refusing to serve") && stderr.contains("keys create"), "{stderr}");

    let output = storybank()
        .args(["keys", "create", "--name", "Ana (enablement)", "--role", "editor"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let key = String::from_utf8_lossy(&output.stdout).trim().to_string();
    assert!(key.starts_with("sbk_"), "{key}");
    let output = storybank().args(["keys", "list", "--json"]).output().unwrap();
    let listed = String::from_utf8_lossy(&output.stdout);
    let keys: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(keys[0]["name"], "Ana (enablement)");
    assert_eq!(keys[0]["role"], "editor");
    assert!(!listed.contains(&key[17..]), "keys list shows the secret");

    // A trusted SSO header on a network address needs the proxy's secret.
    let map = index.path().join("roles.toml");
    std::fs::write(&map, "default = \"reader\"\n[users]\n\"ana@example.com\" = \"editor\"\n")
        .unwrap();
    let output = storybank()
        .args([
            "serve",
            "--addr",
            "0.0.0.0:0",
            "--trust-proxy-header",
            "X-Forwarded-User",
            "--role-map",
        ])
        .arg(&map)
        .env_remove("STORYBANK_PROXY_SECRET")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("proxy secret"), "{stderr}");

    let id = &key[4..16];
    let output = storybank().args(["keys", "revoke", id]).output().unwrap();
    assert!(output.status.success());
    let output = storybank().args(["audit", "--json"]).output().unwrap();
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    let routes: Vec<&str> =
        log.as_array().unwrap().iter().map(|e| e["route"].as_str().unwrap()).collect();
    assert_eq!(routes, ["ingest", "keys create", "keys revoke"], "{log}");
}

#[tokio::test]
async fn a_trusted_sso_proxy_signs_people_in_with_mapped_roles() {
    use storybank::api::auth::{RoleMap, TrustedProxy};
    let dir = tempfile::tempdir().unwrap();
    let bank = bank_without_keys(dir.path());
    let roles: RoleMap = toml::from_str("[users]\n\"ana@example.com\" = \"editor\"\n").unwrap();
    let proxy = TrustedProxy {
        header: axum::http::HeaderName::from_static("x-forwarded-user"),
        secret: Some("s3cret-from-the-proxy".into()),
        roles,
    };
    let config = AccessConfig { proxy: Some(proxy), ..keyed(false) };
    let router = storybank::api::router_with(bank, config);
    let ask = |user: &str, secret: &str| {
        Request::builder()
            .uri("/v1/me")
            .header("x-forwarded-user", user)
            .header("x-storybank-proxy-secret", secret)
            .body(Body::empty())
            .unwrap()
    };
    let status_of = |request: Request<Body>| {
        let router = router.clone();
        async move { router.oneshot(request).await.unwrap().status() }
    };
    let response =
        router.clone().oneshot(ask("Ana@Example.com", "s3cret-from-the-proxy")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(
        (me["name"].as_str(), me["role"].as_str()),
        (Some("Ana@Example.com"), Some("editor"))
    );
    // A wrong secret (a client that reached storybank directly) and an unmapped user.
    assert_eq!(status_of(ask("ana@example.com", "guess")).await, StatusCode::UNAUTHORIZED);
    // Without the user header nobody is `local`, even before any key exists and even when the
    // server would be open without a proxy.
    let dir = tempfile::tempdir().unwrap();
    let roles: RoleMap = toml::from_str("default = \"reader\"\n").unwrap();
    let proxy = TrustedProxy {
        header: axum::http::HeaderName::from_static("x-forwarded-user"),
        secret: Some("s3cret-from-the-proxy".into()),
        roles,
    };
    let config = AccessConfig { proxy: Some(proxy), ..keyed(true) };
    let router = storybank::api::router_with(bank_without_keys(dir.path()), config);
    let (status, _, answer) = send(&router, "GET", "/v1/admin/keys", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(
        status_of(ask("eve@example.com", "s3cret-from-the-proxy")).await,
        StatusCode::FORBIDDEN
    );
}

/// A loopback server is open (as `local`) only until its first key is made: revoking every key
/// later, while rotating them, does not hand it to anyone. The Bearer scheme is read in any
/// case and with any whitespace after it.
#[tokio::test]
async fn revoking_every_key_does_not_reopen_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let bank = bank_without_keys(dir.path());
    let router = storybank::api::router_with(bank.clone(), keyed(true));
    let (status, _, me) = send(&router, "GET", "/v1/me", None, None).await;
    assert_eq!((status, me["name"].as_str()), (StatusCode::OK, Some("local")), "{me}");
    let key = bank.access().create_key("Sam", Role::Admin).unwrap();
    for auth in [format!("BEARER {}", key.key), format!("Bearer\t{}", key.key)] {
        let (status, _, me) = send(&router, "GET", "/v1/me", Some(&auth), None).await;
        assert_eq!((status, me["name"].as_str()), (StatusCode::OK, Some("Sam")), "{me}");
    }
    bank.access().revoke_key(&key.info.id).unwrap();
    assert_eq!(bank.access().active_keys().unwrap(), 0);
    for (method, uri) in [("GET", "/v1/me"), ("GET", "/v1/admin/keys"), ("GET", "/v1/facets")] {
        let (status, _, answer) = send(&router, method, uri, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}: {answer}");
    }
    let (status, _, _) = send(
        &router,
        "POST",
        "/v1/admin/keys",
        None,
        Some(json!({"name": "attacker", "role": "admin"}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// A multipart/form-data body of `file` fields.
fn multipart(files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "storybank-test-boundary-7f3a";
    let mut body = vec![];
    for (name, bytes) in files {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(router: &Router, auth: &str, files: &[(&str, &[u8])]) -> (StatusCode, Value) {
    let (kind, body) = multipart(files);
    let request = Request::builder()
        .method("POST")
        .uri("/v1/admin/ingest")
        .header("authorization", auth)
        .header("content-type", kind)
        .body(Body::from(body))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn admins_upload_transcripts_batches_and_zips_with_a_per_file_report() {
    let dir = tempfile::tempdir().unwrap();
    let bank = bank(dir.path());
    let admin = format!("Bearer {}", bank.access().create_key("Sam", Role::Admin).unwrap().key);
    let editor = format!("Bearer {}", bank.access().create_key("Ana", Role::Editor).unwrap().key);
    let router = storybank::api::router_with(bank.clone(), keyed(true));
    let sample = sample_dir();
    let transcript = std::fs::read(sample.join("transcripts/S-2002.vtt")).unwrap();

    let (status, _) = upload(&router, &editor, &[("S-2002.vtt", &transcript)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "editors cannot ingest");

    // A transcript of a deal the bank knows, a broken file and one of an unknown deal: the good
    // one is ingested against its stored CRM row; the others are reported by their own names.
    let files: [(&str, &[u8]); 3] = [
        ("S-2002.vtt", &transcript),
        ("notes.vtt", b"WEBVTT\n\nthis is not a cue\n"),
        ("Z-0001.txt", b"Interviewer: Hello?\n\nBuyer: Hi.\n"),
    ];
    let (status, report) = upload(&router, &admin, &files).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["deal_ids"], json!(["S-2002"]), "{report}");
    let failures = report["failures"].as_array().unwrap();
    assert!(failures.iter().any(|f| f["file"].as_str().unwrap().starts_with("Z-0001")), "{report}");
    assert!(!report.to_string().contains(".upload-"), "temporary paths leak: {report}");

    // A zip with deals.csv and a transcript.
    let mut zipped = std::io::Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut zipped);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer.start_file("batch/deals.csv", options).unwrap();
        std::io::Write::write_all(&mut writer, &std::fs::read(sample.join("deals.csv")).unwrap())
            .unwrap();
        writer.start_file("batch/transcripts/S-2003.txt", options).unwrap();
        let s2003 = std::fs::read(sample.join("transcripts/S-2003.txt")).unwrap();
        std::io::Write::write_all(&mut writer, &s2003).unwrap();
        writer.finish().unwrap();
    }
    let zipped = zipped.into_inner();
    let (status, report) = upload(&router, &admin, &[("batch.zip", &zipped)]).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["transcripts"], 1, "{report}");
    assert!(report["deal_ids"].as_array().unwrap().contains(&json!("S-2003")));
    // The uploaded deal is searchable, and the upload is in the audit log.
    let (status, _, deal) = send(&router, "GET", "/v1/deals/S-2003", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!deal["quotes"].as_array().unwrap().is_empty());
    let entries = bank.access().audit(0, 100).unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.route == "/v1/admin/ingest" && e.ids.contains(&"S-2003".to_string()))
    );
    // Not multipart: 415.
    let (status, _, _) =
        send(&router, "POST", "/v1/admin/ingest", Some(&admin), Some("{}".into())).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_page_of_another_site_cannot_post_to_a_local_server() {
    let dir = tempfile::tempdir().unwrap();
    let bank = bank_without_keys(dir.path());
    let router = storybank::api::router(bank);
    let post = |headers: &[(&str, &str)]| {
        let mut request = Request::builder()
            .method("POST")
            .uri("/v1/packs")
            .header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(Body::from(json!({"name": "x"}).to_string())).unwrap()
    };
    let status = |request: Request<Body>| {
        let router = router.clone();
        async move { router.oneshot(request).await.unwrap().status() }
    };
    let evil = [
        ("host", "localhost:7700"),
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ];
    assert_eq!(status(post(&evil)).await, StatusCode::FORBIDDEN);
    let evil_old = [("host", "localhost:7700"), ("origin", "https://evil.example")];
    assert_eq!(status(post(&evil_old)).await, StatusCode::FORBIDDEN);
    // The page itself, curl and scripts (no Origin) are fine.
    let page = [
        ("host", "localhost:7700"),
        ("origin", "http://localhost:7700"),
        ("sec-fetch-site", "same-origin"),
    ];
    assert_eq!(status(post(&page)).await, StatusCode::CREATED);
    assert_eq!(status(post(&[("host", "localhost:7700")])).await, StatusCode::CREATED);
}

#[tokio::test]
async fn a_crm_webhook_sends_closed_deals_in_with_an_intake_key() {
    let dir = tempfile::tempdir().unwrap();
    let bank = bank(dir.path());
    let intake = format!(
        "Bearer {}",
        bank.access().create_key("HubSpot workflow", Role::Intake).unwrap().key
    );
    let admin = format!("Bearer {}", bank.access().create_key("Sam", Role::Admin).unwrap().key);
    let router = storybank::api::router_with(bank.clone(), keyed(true));
    let body = json!({
        "deal": {
            "deal_id": "hs-9137458812", "outcome": "lost", "account_name": "Kestrel Labs Inc.",
            "competitors": ["Brackwater"], "amount_usd": 12000, "close_date": "2025-06-30",
            "loss_reason": "Price", "rep_name": "Marco Bellini", "contact_names": ["Priya Raman"],
            "interviewer": "Nadia Brennan"
        },
        "transcript": {"format": "vtt", "text": "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Nadia Brennan>What made Brackwater the better choice for Kestrel?</v>\n\n00:00:04.500 --> 00:00:12.000\n<v Priya Raman>Price, plainly. Brackwater came in at sixty percent of your quote, and Kestrel finance would not sign off on the difference.</v>\n"}
    });
    let (status, _, report) =
        send(&router, "POST", "/v1/intake/deals", Some(&intake), Some(body.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        (report["deals"].as_u64(), report["transcripts"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );
    // The intake key reads nothing; the deal is there, anonymized, for everyone else.
    let (status, _, _) = send(&router, "GET", "/v1/deals/hs-9137458812", Some(&intake), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, deal) =
        send(&router, "GET", "/v1/deals/hs-9137458812", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{deal}");
    let text = deal.to_string();
    assert!(
        text.contains("sixty percent") && !text.contains("Kestrel") && !text.contains("Priya"),
        "{text}"
    );
    assert_eq!(deal["outcome"], "lost");
    // A malformed deal is refused with the field named; the audit log has the intake.
    let bad = json!({"deal": {"deal_id": "hs-1", "outcome": "lost", "amount_usd": -5}});
    let (status, _, answer) =
        send(&router, "POST", "/v1/intake/deals", Some(&intake), Some(bad.to_string())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("amount_usd"));
    let entries = bank.access().audit(0, 100).unwrap();
    assert!(entries.iter().any(|e| e.route == "/v1/intake/deals"
        && e.actor == "HubSpot workflow"
        && e.ids == ["hs-9137458812"]));
}

/// What the security review found, each held shut: a webhook's CRM names cannot rename the
/// fields of every answer or erase a phrase from every quote; errors do not tell a reader which
/// names the bank holds; out-of-range dates and non-UTF-8 paths are JSON 400s; refusals count
/// against the rate limit before they reach the audit log.
#[tokio::test]
async fn callers_cannot_poison_probe_or_flood_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let bank = bank(dir.path());
    let intake =
        format!("Bearer {}", bank.access().create_key("Webhook", Role::Intake).unwrap().key);
    let reader = format!("Bearer {}", bank.access().create_key("Rae", Role::Reader).unwrap().key);
    let router = storybank::api::router_with(bank.clone(), keyed(true));
    let search = json!({"query": "price was too high", "limit": 10}).to_string();
    let (_, _, before) =
        send(&router, "POST", "/v1/search", Some(&reader), Some(search.clone())).await;
    let poison = json!({"deal": {
        "deal_id": "Z-7003", "outcome": "lost",
        "contact_names": ["Quote_id Took_ms"], "rep_name": "Price Was"
    }});
    let (status, _, report) =
        send(&router, "POST", "/v1/intake/deals", Some(&intake), Some(poison.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let (status, _, after) =
        send(&router, "POST", "/v1/search", Some(&reader), Some(search.clone())).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert!(after["results"][0]["quote_id"].is_string(), "field names intact: {after}");
    assert!(after["took_ms"].is_u64(), "{after}");
    let texts = |answer: &Value| -> Vec<String> {
        answer["results"].as_array().unwrap().iter().map(|r| r["text"].to_string()).collect()
    };
    assert_eq!(texts(&before), texts(&after), "quotes unchanged by the webhook's names");

    // An unknown competitor: the same answer whether the name is a CRM contact or not.
    let message = |name: &str| {
        let router = router.clone();
        let reader = reader.clone();
        let uri = format!("/v1/competitors/{}/evidence", name.replace(' ', "%20"));
        async move {
            let (status, _, answer) = send(&router, "GET", &uri, Some(&reader), None).await;
            (status, answer["error"]["message"].as_str().unwrap_or_default().to_string())
        }
    };
    let (crm, stranger) = (message("Gemma Thornbury").await, message("John Smith").await);
    assert_eq!(crm.0, StatusCode::NOT_FOUND);
    assert_eq!(crm, stranger);
    assert!(!crm.1.contains("REDACTED") && !crm.1.contains("Gemma"), "{}", crm.1);
    let bad_mode = |name: &str| json!({"query": "price", "mode": name}).to_string();
    let (_, _, one) =
        send(&router, "POST", "/v1/search", Some(&reader), Some(bad_mode("Gemma Thornbury"))).await;
    let (_, _, two) =
        send(&router, "POST", "/v1/search", Some(&reader), Some(bad_mode("Jonah Bramwells"))).await;
    assert_eq!(one, two);

    // Dates at the ends of the calendar (the quarter after 9999-12-31 starts in 10000) and a
    // path that is not UTF-8.
    for as_of in ["9999-12-31", "9999-10-01", "0000-01-01"] {
        let uri = format!("/v1/dashboard?as_of={as_of}");
        let (status, _, answer) = send(&router, "GET", &uri, Some(&reader), None).await;
        assert_eq!(status, StatusCode::OK, "{as_of}: {answer}");
    }
    let (status, headers, answer) =
        send(&router, "GET", "/v1/deals/%FF", Some(&reader), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"));
    assert!(answer["error"]["code"].is_string(), "{answer}");

    // Refused erasures past the rate limit are 429s, not audit lines.
    let config = AccessConfig { per_minute: std::num::NonZeroU32::new(5), ..keyed(true) };
    let router = storybank::api::router_with(bank.clone(), config);
    let audited = || bank.access().audit(0, 1000).unwrap().len();
    let lines = audited();
    let forget = json!({"deal_id": "S-2001"}).to_string();
    let mut statuses = vec![];
    for _ in 0..20 {
        let (status, _, _) =
            send(&router, "POST", "/v1/admin/forget", Some(&reader), Some(forget.clone())).await;
        statuses.push(status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::FORBIDDEN).count(), 5);
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 15);
    assert_eq!(audited() - lines, 5, "only refusals within the limit are audited");
}

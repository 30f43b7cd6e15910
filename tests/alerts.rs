//! Alerts on pattern shifts, through two quarters: the expected rules fire once with the right
//! numbers, deliveries reach a local webhook receiver and a local SMTP sink (a failed one is
//! retried, on its channel only), and a rule on too few deals stays quiet.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use serde_json::{Value, json};
use storybank::Storybank;
use storybank::model::Day;

use crate::common::{call, settings};

/// A webhook receiver on a free port: keeps every JSON body; answers 500 to the first one.
fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/winloss", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(vec![]));
    let kept = bodies.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut raw = vec![];
            let mut buf = [0u8; 4096];
            let body = loop {
                let read = stream.read(&mut buf).unwrap_or(0);
                raw.extend_from_slice(&buf[..read]);
                let text = String::from_utf8_lossy(&raw).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() >= length || read == 0 {
                        break body.to_string();
                    }
                }
                if read == 0 {
                    break String::new();
                }
            };
            let status = if n == 0 { "500 Internal Server Error" } else { "200 OK" };
            if n > 0 {
                kept.lock().unwrap().push(serde_json::from_str(&body).unwrap_or(Value::Null));
            }
            let _ = stream.write_all(
                format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                    .as_bytes(),
            );
        }
    });
    (url, bodies)
}

/// Speaks just enough SMTP on one connection (plain or TLS) to take messages; keeps each one's
/// data.
fn smtp_session(mut stream: impl Read + Write, kept: &Mutex<Vec<String>>) {
    let send = |stream: &mut dyn Write, line: &str| {
        let _ = stream.write_all(format!("{line}\r\n").as_bytes());
        let _ = stream.flush();
    };
    send(&mut stream, "220 sink ESMTP");
    let mut data: Option<String> = None;
    while let Some(command) = read_line(&mut stream) {
        if let Some(body) = data.as_mut() {
            if command == "." {
                kept.lock().unwrap().push(data.take().unwrap());
                send(&mut stream, "250 queued");
            } else {
                body.push_str(&command);
                body.push('\n');
            }
            continue;
        }
        let verb = command.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => send(&mut stream, "250-sink\r\n250 AUTH PLAIN LOGIN"),
            "HELO" => send(&mut stream, "250 sink"),
            "AUTH" => send(&mut stream, "235 ok"),
            "DATA" => {
                data = Some(String::new());
                send(&mut stream, "354 go on");
            }
            "QUIT" => {
                send(&mut stream, "221 bye");
                break;
            }
            _ => send(&mut stream, "250 ok"),
        }
    }
}

/// A local SMTP sink (plain): keeps every message's data.
fn smtp_sink() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let messages = Arc::new(Mutex::new(vec![]));
    let kept = messages.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            smtp_session(stream, &kept);
        }
    });
    (url, messages)
}

/// Two quarters of deals against one competitor: Q1 4 won / 2 lost (1 on price); Q2 1 won /
/// 5 lost (4 on price) and 3 with no decision; 3 SMB deals in Q2 (too few to alert on).
fn corpus(dir: &std::path::Path) {
    let mut csv = String::from(
        "deal_id,account_name,outcome,competitors,segment,close_date,loss_reason,contact_names\n",
    );
    let mut add = |id: &str, outcome: &str, segment: &str, date: &str, reason: &str| {
        csv.push_str(&format!(
            "{id},Account {id},{outcome},Acme,{segment},{date},{reason},Dana Smith\n"
        ));
    };
    for (i, outcome) in ["won", "won", "won", "won", "lost", "lost"].iter().enumerate() {
        add(
            &format!("A-1{i}"),
            outcome,
            "mid_market",
            "2025-02-10",
            if i == 4 {
                "price"
            } else if i == 5 {
                "features"
            } else {
                ""
            },
        );
    }
    for (i, outcome) in ["won", "lost", "lost", "lost", "lost", "lost"].iter().enumerate() {
        add(
            &format!("A-2{i}"),
            outcome,
            "mid_market",
            "2025-05-12",
            if i >= 2 {
                "price"
            } else if i == 1 {
                "features"
            } else {
                ""
            },
        );
    }
    for i in 0..3 {
        add(&format!("A-3{i}"), "no_decision", "smb", "2025-06-02", "");
    }
    std::fs::write(dir.join("deals.csv"), csv).unwrap();
    std::fs::create_dir_all(dir.join("transcripts")).unwrap();
    for i in 1..6 {
        std::fs::write(
            dir.join(format!("transcripts/A-2{i}.txt")),
            format!("---\ndeal_id: A-2{i}\ninterviewer: Ines Calloway\ndate: 2025-06-20\n---\n\n\
                     Ines Calloway: What decided it?\n\n\
                     Dana Smith: Honestly the price. Acme came in at half of yours and the renewal terms were worse on your side.\n\n\
                     Ines Calloway: Anything else?\n\n\
                     Dana Smith: The onboarding plan looked thin, but we would have lived with it if the number had been closer.\n"),
        )
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_fire_once_per_period_with_their_numbers_and_reach_the_webhook() {
    let corpus_dir = tempfile::tempdir().unwrap();
    corpus(corpus_dir.path());
    let dir = tempfile::tempdir().unwrap();
    let (url, received) = receiver();
    let (smtp, mailbox) = smtp_sink();
    std::fs::write(
        dir.path().join("alerts.toml"),
        format!(
            r#"period = "quarter"
min_deals = 5
webhook = "{url}"
[email]
smtp = "{smtp}"
from = "storybank@example.com"
to = ["winloss@example.com", "pmm@example.com"]
[[rule]]
id = "acme-below-40"
when = "win_rate_below"
competitor = "acme"
threshold = 0.4
[[rule]]
id = "acme-drop"
when = "win_rate_drop"
competitor = "Acme"
points = 30
[[rule]]
id = "price-rising"
when = "reason_rising"
reason = "price"
points = 20
min_deals = 2
[[rule]]
id = "no-decision"
when = "no_decision_above"
threshold = 0.25
[[rule]]
id = "smb-below-50"
when = "win_rate_below"
segment = "smb"
threshold = 0.5
"#
        ),
    )
    .unwrap();
    let mut settings = settings(dir.path());
    settings.embedder = storybank::config::EmbedderKind::Hashed;
    let bank = Arc::new(Storybank::open(&settings).unwrap());
    let report = bank.ingest_dir(corpus_dir.path(), &|_| {}).unwrap();
    assert_eq!(report.deals, 15, "{:?}", report.failures);

    // Q1: nothing holds (67% win rate, no quarter before it, no stalled deals).
    let q1 = bank.check_alerts(Day::parse("2025-03-31").unwrap()).unwrap();
    assert_eq!(q1.period, "2025-Q1");
    assert!(q1.fired.is_empty(), "{:?}", q1.fired);

    // Q2 through the API: four rules fire, with their numbers.
    let (status, check) =
        call(&bank, "POST", "/v1/alerts/check", Some(json!({"as_of": "2025-06-30"}))).await;
    assert_eq!(status, StatusCode::OK, "{check}");
    assert_eq!(check["period"], "2025-Q2");
    let fired: Vec<&str> = check["fired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["alert_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        fired,
        [
            "acme-below-40@2025-Q2",
            "acme-drop@2025-Q2",
            "price-rising@2025-Q2",
            "no-decision@2025-Q2"
        ]
    );
    let alert = |id: &str| {
        check["fired"].as_array().unwrap().iter().find(|a| a["rule_id"] == id).unwrap().clone()
    };
    let below = alert("acme-below-40");
    assert_eq!(
        (below["current"]["hits"].as_u64(), below["current"]["base"].as_u64()),
        (Some(1), Some(6))
    );
    let interval = &below["current"]["interval"];
    assert!(
        interval["low"].as_f64().unwrap() < 1.0 / 6.0
            && interval["high"].as_f64().unwrap() > 1.0 / 6.0
    );
    assert!(
        below["message"].as_str().unwrap().contains("17% in 2025-Q2 (1 of 6 decided deals)"),
        "{below}"
    );
    assert_eq!(
        below["quote_ids"].as_array().unwrap().len(),
        5,
        "each lost deal with a transcript gives a quote"
    );
    let drop = alert("acme-drop");
    assert_eq!(
        (drop["previous"]["hits"].as_u64(), drop["previous"]["base"].as_u64()),
        (Some(4), Some(6))
    );
    let price = alert("price-rising");
    assert_eq!(
        (price["previous"]["hits"].as_u64(), price["previous"]["base"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(
        (price["current"]["hits"].as_u64(), price["current"]["base"].as_u64()),
        (Some(4), Some(5))
    );
    let stalled = alert("no-decision");
    assert_eq!(
        (stalled["current"]["hits"].as_u64(), stalled["current"]["base"].as_u64()),
        (Some(3), Some(9))
    );
    // The first delivery failed (the receiver answered 500); the others arrived.
    let undelivered: Vec<&Value> =
        check["fired"].as_array().unwrap().iter().filter(|a| a["delivered"] == false).collect();
    assert_eq!(undelivered.len(), 1);
    assert!(undelivered[0]["delivery_error"].as_str().unwrap().contains("500"));
    assert_eq!(received.lock().unwrap().len(), 3);
    assert!(
        undelivered[0]["email_delivered"] == true,
        "email went out even though the webhook failed"
    );
    // One email per alert, to every recipient, with the numbers.
    let mails = mailbox.lock().unwrap().clone();
    assert_eq!(mails.len(), 4);
    let below_mail = mails.iter().find(|m| m.contains("acme-below-40")).unwrap();
    assert!(
        below_mail.contains("winloss@example.com") && below_mail.contains("pmm@example.com"),
        "{below_mail}"
    );
    assert!(below_mail.contains("1 of 6"), "{below_mail}");

    // Checked again in the same period: nothing fires twice; the failed delivery is retried.
    let again = bank.check_alerts(Day::parse("2025-06-30").unwrap()).unwrap();
    assert!(again.fired.is_empty());
    assert_eq!(again.already_fired.len(), 4);
    assert_eq!(again.redelivered.len(), 1);
    let bodies = received.lock().unwrap().clone();
    assert_eq!(bodies.len(), 4, "every alert delivered once");
    assert_eq!(mailbox.lock().unwrap().len(), 4, "a retry resends only the failed channel");
    let ids: std::collections::BTreeSet<&str> =
        bodies.iter().map(|b| b["alert"]["alert_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4);
    for body in &bodies {
        assert!(
            body["text"].as_str().unwrap().contains(body["alert"]["message"].as_str().unwrap())
        );
    }
    let (_, list) = call(&bank, "GET", "/v1/alerts", None).await;
    assert_eq!(list["alerts"].as_array().unwrap().len(), 4);
    assert!(list["alerts"].as_array().unwrap().iter().all(|a| a["delivered"] == true));
    assert_eq!(list["rules"].as_array().unwrap().len(), 5);
    // No alert body or email names a buyer or an account.
    let text = serde_json::to_string(&bodies).unwrap() + &mailbox.lock().unwrap().join("\n");
    assert!(!text.contains("Dana") && !text.contains("Account A-"), "{text}");
}

fn tls_server_config() -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(dir.join("localhost.pem"))
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("localhost.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    Arc::new(config)
}

/// Reads one CRLF line from a TLS stream (None at the end).
fn read_line(stream: &mut impl Read) -> Option<String> {
    let mut line = vec![];
    let mut byte = [0u8; 1];
    loop {
        match stream.read(&mut byte) {
            Ok(1) => {
                line.push(byte[0]);
                if line.ends_with(b"\r\n") {
                    return Some(String::from_utf8_lossy(&line).trim_end().to_string());
                }
            }
            _ => return (!line.is_empty()).then(|| String::from_utf8_lossy(&line).to_string()),
        }
    }
}

/// An HTTPS webhook receiver (the test CA's localhost certificate) and an SMTPS sink (TLS from
/// the first byte); each keeps what it was sent.
/// Where they listen and what they were sent: webhook URL, SMTP URL, JSON bodies, messages.
type Receivers = (String, String, Arc<Mutex<Vec<Value>>>, Arc<Mutex<Vec<String>>>);

fn tls_receivers() -> Receivers {
    let config = tls_server_config();
    let https = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://localhost:{}/hooks/winloss", https.local_addr().unwrap().port());
    let bodies = Arc::new(Mutex::new(vec![]));
    let kept = bodies.clone();
    let server = config.clone();
    std::thread::spawn(move || {
        for stream in https.incoming() {
            let Ok(tcp) = stream else { continue };
            let connection = rustls::ServerConnection::new(server.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(connection, tcp);
            let (mut length, mut complete) = (0, false);
            while let Some(line) = read_line(&mut tls) {
                if line.is_empty() {
                    complete = true;
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0u8; length];
            // A client that gave up in the handshake sent no request.
            if !complete || tls.read_exact(&mut body).is_err() {
                continue;
            }
            kept.lock().unwrap().push(serde_json::from_slice(&body).unwrap_or(Value::Null));
            let _ = tls
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    let smtps = TcpListener::bind("127.0.0.1:0").unwrap();
    let smtp = format!("smtps://localhost:{}", smtps.local_addr().unwrap().port());
    let messages = Arc::new(Mutex::new(vec![]));
    let kept = messages.clone();
    std::thread::spawn(move || {
        for tcp in smtps.incoming().flatten() {
            let connection = rustls::ServerConnection::new(config.clone()).unwrap();
            smtp_session(rustls::StreamOwned::new(connection, tcp), &kept);
        }
    });
    (url, smtp, bodies, messages)
}

#[test]
fn alerts_reach_an_https_webhook_and_an_smtps_relay_trusting_a_private_ca() {
    let corpus_dir = tempfile::tempdir().unwrap();
    corpus(corpus_dir.path());
    let dir = tempfile::tempdir().unwrap();
    let (url, smtp, received, mailbox) = tls_receivers();
    let ca = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls/ca.pem");
    let config = |ca_line: &str| {
        format!(
            "period = \"quarter\"\nwebhook = \"{url}\"\n{ca_line}\n[email]\nsmtp = \"{smtp}\"\n\
             from = \"storybank@example.com\"\nto = [\"winloss@example.com\"]\n\
             [[rule]]\nid = \"acme-below-40\"\nwhen = \"win_rate_below\"\ncompetitor = \"Acme\"\nthreshold = 0.4\n"
        )
    };
    // Without the CA the certificate is not trusted: nothing is delivered, and it says why.
    std::fs::write(dir.path().join("alerts.toml"), config("")).unwrap();
    let mut settings = settings(dir.path());
    settings.embedder = storybank::config::EmbedderKind::Hashed;
    let bank = Storybank::open(&settings).unwrap();
    bank.ingest_dir(corpus_dir.path(), &|_| {}).unwrap();
    let first = bank.check_alerts(Day::parse("2025-06-30").unwrap()).unwrap();
    assert_eq!(first.fired.len(), 1);
    let alert = &first.fired[0];
    assert_eq!((alert.webhook_delivered, alert.email_delivered), (Some(false), Some(false)));
    let error = alert.delivery_error.as_deref().unwrap();
    assert!(error.to_lowercase().contains("certificate"), "{error}");
    assert!(received.lock().unwrap().is_empty() && mailbox.lock().unwrap().is_empty());

    // With the private CA as ca_file, the retry at the next check reaches both over TLS.
    std::fs::write(
        dir.path().join("alerts.toml"),
        config(&format!("ca_file = \"{}\"", ca.display())),
    )
    .unwrap();
    let second = bank.check_alerts(Day::parse("2025-06-30").unwrap()).unwrap();
    assert!(second.fired.is_empty());
    assert_eq!(second.redelivered, ["acme-below-40@2025-Q2"]);
    let list = bank.list_alerts().unwrap();
    assert!(list.alerts[0].delivered, "{:?}", list.alerts[0].delivery_error);
    let bodies = received.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["alert"]["alert_id"], "acme-below-40@2025-Q2");
    let mails = mailbox.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("1 of 6"), "{}", mails[0]);

    // A ca_file that is not a certificate is refused with the file and line.
    std::fs::write(dir.path().join("alerts.toml"), config("ca_file = \"alerts.toml\"")).unwrap();
    let err = bank.alert_config().unwrap_err().to_string();
    assert!(err.contains("alerts.toml:3"), "{err}");
}

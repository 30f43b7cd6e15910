//! The one outbound HTTP call storybank makes (a generator endpoint, an alert webhook): a JSON
//! POST over HTTP/1.1 with std sockets, `Connection: close`, timeouts, and a chunked answer
//! decoded. `https://` goes through rustls (ring) with the system's root certificates, plus the
//! certificates of a PEM file when one is given (a private CA).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Posts `body` as JSON to an `http(s)://HOST[:PORT]/PATH` URL; returns the status and the body.
pub fn post_json(
    url: &str,
    bearer: Option<&str>,
    body: &serde_json::Value,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), String> {
    post_json_with(url, bearer, body, timeout, None)
}

/// [`post_json`], trusting the certificates in `ca_file` (PEM) too.
pub fn post_json_with(
    url: &str,
    bearer: Option<&str>,
    body: &serde_json::Value,
    timeout: Duration,
    ca_file: Option<&Path>,
) -> Result<(u16, Vec<u8>), String> {
    let (tls, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => return Err(format!("`{url}` is not an http:// or https:// URL")),
    };
    let (authority, path) =
        rest.split_once('/').map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    let host = host_of(authority);
    let address = if authority.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_ok())
        && !authority.ends_with(']')
    {
        authority.to_string()
    } else {
        format!("{authority}:{}", if tls { 443 } else { 80 })
    };
    let socket = address
        .to_socket_addrs()
        .map_err(|err| format!("cannot resolve {address}: {err}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {address}"))?;
    let stream = TcpStream::connect_timeout(&socket, timeout)
        .map_err(|err| format!("cannot connect to {address}: {err}"))?;
    stream.set_read_timeout(Some(timeout)).ok();
    stream.set_write_timeout(Some(timeout)).ok();
    let payload = body.to_string();
    let auth = bearer.map(|key| format!("Authorization: Bearer {key}\r\n")).unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
        payload.len()
    );
    let raw = if tls {
        let config = client_config(ca_file)?;
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|err| format!("bad TLS server name `{host}`: {err}"))?;
        let connection =
            rustls::ClientConnection::new(config, name).map_err(|err| format!("TLS: {err}"))?;
        exchange(rustls::StreamOwned::new(connection, stream), request.as_bytes())?
    } else {
        exchange(stream, request.as_bytes())?
    };
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| "malformed HTTP answer".to_string())?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut answer = raw[split + 4..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        answer = dechunk(&answer);
    }
    Ok((status, answer))
}

/// Writes the request and reads the answer to the end (a TLS peer that closes without
/// `close_notify` after a complete answer is accepted: the body was framed by the server).
fn exchange(mut stream: impl Read + Write, request: &[u8]) -> Result<Vec<u8>, String> {
    stream.write_all(request).map_err(|err| err.to_string())?;
    stream.flush().map_err(|err| err.to_string())?;
    let mut raw = Vec::new();
    match stream.read_to_end(&mut raw) {
        Ok(_) => Ok(raw),
        Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => Ok(raw),
        Err(err) => Err(err.to_string()),
    }
}

/// The host of `host[:port]` or `[v6]:port`.
fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.rsplit_once(':').map_or(authority, |(host, _)| host)
}

/// The system's root certificates plus those of `ca_file`.
pub fn root_store(ca_file: Option<&Path>) -> Result<rustls::RootCertStore, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = ca_file {
        let pem =
            std::fs::read(path).map_err(|err| format!("reading {}: {err}", path.display()))?;
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|err| format!("{}: {err}", path.display()))?;
            roots.add(cert).map_err(|err| format!("{}: {err}", path.display()))?;
            added += 1;
        }
        if added == 0 {
            return Err(format!("{} holds no PEM certificate", path.display()));
        }
    }
    if roots.is_empty() {
        return Err("no trusted root certificates (the system has none; give a ca_file)".into());
    }
    Ok(roots)
}

fn client_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("TLS: {err}"))?
        .with_root_certificates(root_store(ca_file)?)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..end]).split(';').next().unwrap_or("0").trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 || data.len() < end + 2 + size {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[(end + 4 + size).min(data.len())..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts_of_authorities() {
        assert_eq!(host_of("hooks.slack.com"), "hooks.slack.com");
        assert_eq!(host_of("localhost:8443"), "localhost");
        assert_eq!(host_of("[::1]:8443"), "::1");
    }
}

//! The runner's expectations about a completed handshake (BoringSSL
//! `bssl_shim.cc`, CheckHandshakeProperties). Each failed check is a line
//! on stderr and exit 1.

use keel::hazmat::handshake::SessionInfo;

use crate::flags::Settings;

/// What the checks look at besides the session.
pub(crate) struct Context<'a> {
    pub(crate) settings: &'a Settings,
    pub(crate) server: bool,
    /// 0 for the first connection, then 1, 2, ... for resumptions.
    pub(crate) index: usize,
    /// Whether this connection left a new resumable session behind: a new
    /// entry in the server's cache (server), a changed entry in the
    /// client's store (client).
    pub(crate) new_session: bool,
}

/// Runs every check that applies; the first failure is returned.
pub(crate) fn after_handshake(session: &SessionInfo, cx: &Context<'_>) -> Result<(), String> {
    let s = cx.settings;
    if cx.index == 0 && session.resumed {
        return Err("the first connection resumed a session".to_owned());
    }
    if cx.index > 0 && session.resumed == s.expect_session_miss {
        return Err(if s.expect_session_miss {
            "the session was resumed, but a miss was expected".to_owned()
        } else {
            "the session was not resumed".to_owned()
        });
    }
    expect("version", s.expect_version, session.version.get())?;
    expect("curve", s.expect_curve_id, session.group.get())?;
    expect("cipher", s.expect_cipher_aes, session.cipher_suite.get())?;
    // The peer's signature: the server's ServerKeyExchange for a client,
    // the client's CertificateVerify for a server.
    let peer_scheme = if cx.server {
        session
            .client_signature_scheme
            .map_or(0, |scheme| scheme.get())
    } else {
        session.signature_scheme.get()
    };
    expect(
        "peer signature algorithm",
        s.expect_peer_signature_algorithm,
        peer_scheme,
    )?;
    if s.expect_hrr && !session.hello_retry_request {
        return Err("no HelloRetryRequest, but one was expected".to_owned());
    }
    if s.expect_no_hrr && session.hello_retry_request {
        return Err("a HelloRetryRequest, but none was expected".to_owned());
    }
    if s.expect_extended_master_secret && !session.extended_master_secret {
        return Err("the extended master secret was not negotiated".to_owned());
    }
    // keel requires RFC 5746 from every peer, so a handshake that completed
    // negotiated it.
    if s.expect_no_secure_renegotiation {
        return Err("secure renegotiation was negotiated (keel always requires it)".to_owned());
    }
    alpn(session, cx)?;
    if let Some(name) = &s.expect_server_name {
        let got = session.server_name.as_deref().map(str::as_bytes);
        if got != Some(name.as_slice()) {
            return Err(format!("server name {got:?}, expected {name:?}"));
        }
    }
    if let Some(expected) = &s.expect_ocsp_response
        && session.ocsp_response.as_ref() != Some(expected)
    {
        return Err("the stapled OCSP response is not the expected one".to_owned());
    }
    if cx.server
        && s.require_any_client_certificate
        && session.peer_certificates.is_empty()
        && !session.resumed
    {
        return Err("no client certificate".to_owned());
    }
    Ok(())
}

fn expect(what: &str, expected: Option<u16>, got: u16) -> Result<(), String> {
    match expected {
        Some(want) if want != got => Err(format!("{what} {got}, expected {want}")),
        _ => Ok(()),
    }
}

/// The client's check is unconditional (no -expect-alpn means no ALPN);
/// the server's applies when it was told what to select or expect.
fn alpn(session: &SessionInfo, cx: &Context<'_>) -> Result<(), String> {
    let s = cx.settings;
    let expected = if cx.server {
        match (&s.expect_alpn, &s.select_alpn) {
            (Some(e), _) | (None, Some(e)) => Some(e.clone()),
            (None, None) => return Ok(()),
        }
    } else {
        s.expect_alpn.clone()
    };
    let expected = expected.filter(|e| !e.is_empty());
    if session.alpn != expected {
        return Err(format!("ALPN {:?}, expected {expected:?}", session.alpn));
    }
    Ok(())
}

/// Session bookkeeping, once the connection is over (a TLS 1.3 ticket
/// comes after the handshake, RFC 8446 §4.6.1): `-expect-session-id`,
/// `-expect-no-session-id` (server, first connection), and for clients the
/// rule that a full handshake leaves a resumable session and a resumed one
/// leaves none unless the ticket was renewed.
pub(crate) fn sessions(session: &SessionInfo, cx: &Context<'_>) -> Result<(), String> {
    let s = cx.settings;
    if cx.server {
        if cx.index == 0 && s.expect_session_id && !cx.new_session {
            return Err("no session was cached".to_owned());
        }
        if cx.index == 0 && s.expect_no_session_id && cx.new_session {
            return Err("a session was cached".to_owned());
        }
        return Ok(());
    }
    // As BoringSSL's shim: a session is required after a full handshake
    // (or a renewal), and refused only with -expect-no-session; a TLS 1.3
    // resumption may bring a fresh ticket without asking.
    // TLS 1.3 tickets come after the handshake, whenever the server sends
    // them: BoringSSL's shim requires one in TLS 1.2 only.
    let expected = !s.expect_no_session
        && (!session.resumed || s.expect_ticket_renewal)
        && session.version == keel::hazmat::wire::registry::ProtocolVersion::TLS_V1_2;
    if expected && !cx.new_session {
        return Err("no new session was established".to_owned());
    }
    if s.expect_no_session && cx.new_session {
        return Err("a new session was established".to_owned());
    }
    Ok(())
}

//! OCSP stapling (RFC 6066 §8) between a keel client and a keel server, in
//! memory.
//!
//! The client's certificate verifier is keel-pki's, with a
//! `CertificateCheck` hook that records the `ocsp_response` of every chain
//! it is shown: that is how a response reaches the user, and it shows that
//! the chain is verified exactly once. The pump here can rewrite the
//! server's records on their way to the client (drop the
//! CertificateStatus, add one, change the ServerHello), to reach the cases
//! a keel server never produces.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::{Arc, Mutex};

use keel_handshake::{Connection, HandshakeError, MessageKind};
use keel_pki::{
    CertError, CertificateCheck, CertifiedKey, PolicyRejection, ServerCertVerifier, ServerName,
    TrustStore, VerifiedChain,
};
use keel_wire::extensions::CertificateStatusRequest;
use keel_wire::framing::RecordHeader;
use keel_wire::handshake::CertificateStatus;
use keel_wire::registry::{AlertDescription, ContentType, ExtensionType, HandshakeType};
use keel_wire::{ClientExtension, Codec, Extensions, HandshakeMessage, ServerExtension};

use support::{SERVER_NAME, content_type, plaintext_alerts, plaintext_record, split_records};

/// What the server staples. keel does not parse it, so any bytes do; these
/// are an OCSPResponse with status "successful" and no body.
const RESPONSE: &[u8] = &[0x30, 0x03, 0x0a, 0x01, 0x00];

/// A hook that records the OCSP response of every chain it sees, and can
/// refuse a chain without one (a "must staple" policy).
#[derive(Debug, Default)]
struct Seen {
    responses: Mutex<Vec<Option<Vec<u8>>>>,
    require_staple: bool,
}

impl CertificateCheck for Seen {
    fn check(&self, chain: &VerifiedChain) -> Result<(), PolicyRejection> {
        self.responses
            .lock()
            .unwrap()
            .push(chain.ocsp_response.clone());
        if self.require_staple && chain.ocsp_response.is_none() {
            return Err(PolicyRejection::new("no stapled OCSP response"));
        }
        Ok(())
    }
}

impl Seen {
    fn responses(&self) -> Vec<Option<Vec<u8>>> {
        self.responses.lock().unwrap().clone()
    }
}

/// A client trusting the test CA, asking for a staple when `request`, with
/// `seen` as its hook.
fn new_client(request: bool, seen: &Arc<Seen>) -> Connection {
    let mut config = support::client_config(false, None);
    let roots = TrustStore::from_der_certificates([support::pki().root.clone()]).unwrap();
    config.verifier =
        Arc::new(ServerCertVerifier::new(roots).with_check(Arc::clone(seen) as Arc<_>));
    config.request_ocsp = request;
    Connection::client(Arc::new(config), ServerName::parse(SERVER_NAME).unwrap()).unwrap()
}

/// A server with the test certificate, stapling `response` if given.
fn new_server(response: Option<&[u8]>) -> Connection {
    let mut config = support::server_config(false);
    let key = CertifiedKey::clone(&support::pki().server);
    let key = match response {
        Some(response) => key.with_ocsp_response(response.to_vec()),
        None => key,
    };
    config.certificates.default = vec![Arc::new(key)];
    Connection::server(Arc::new(config))
}

/// What a run of the pump saw.
struct Run {
    /// The first error each side failed with.
    client_error: Option<HandshakeError>,
    server_error: Option<HandshakeError>,
    /// The plaintext handshake messages each side sent, as sent.
    client_messages: Vec<HandshakeMessage>,
    server_messages: Vec<HandshakeMessage>,
    /// Every record the client sent.
    client_records: Vec<Vec<u8>>,
}

/// The handshake message in a plaintext handshake record.
fn message(record: &[u8]) -> Option<HandshakeMessage> {
    (content_type(record) == ContentType::HANDSHAKE)
        .then(|| HandshakeMessage::decode(&record[RecordHeader::LEN..]).ok())
        .flatten()
}

fn handshake_type(record: &[u8]) -> Option<HandshakeType> {
    (content_type(record) == ContentType::HANDSHAKE).then(|| HandshakeType::new(record[5]))
}

/// Moves records both ways until neither side has anything to send.
/// `tamper` sees each record the server sends and returns what the client
/// gets instead (the record itself when it changes nothing).
fn pump(
    client: &mut Connection,
    server: &mut Connection,
    mut tamper: impl FnMut(&[u8]) -> Vec<Vec<u8>>,
) -> Run {
    let mut out = Run {
        client_error: None,
        server_error: None,
        client_messages: Vec::new(),
        server_messages: Vec::new(),
        client_records: Vec::new(),
    };
    let mut server_protected = false;
    for _ in 0..100 {
        let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
        client.take_tls(&mut to_server);
        server.take_tls(&mut to_client);
        if to_server.is_empty() && to_client.is_empty() {
            return out;
        }
        let mut client_protected = out
            .client_records
            .iter()
            .any(|r| content_type(r) == ContentType::CHANGE_CIPHER_SPEC);
        for record in split_records(&to_server) {
            if !client_protected {
                out.client_messages.extend(message(&record));
            }
            client_protected |= content_type(&record) == ContentType::CHANGE_CIPHER_SPEC;
            out.client_records.push(record.clone());
            if let Err(e) = server.read_tls(&record) {
                out.server_error.get_or_insert(e);
            }
        }
        for record in split_records(&to_client) {
            if !server_protected {
                out.server_messages.extend(message(&record));
            }
            server_protected |= content_type(&record) == ContentType::CHANGE_CIPHER_SPEC;
            let delivered = if server_protected {
                vec![record]
            } else {
                tamper(&record)
            };
            for record in delivered {
                if let Err(e) = client.read_tls(&record) {
                    out.client_error.get_or_insert(e);
                }
            }
        }
    }
    panic!("the pump did not settle");
}

/// The types of `messages`, in order.
fn types(messages: &[HandshakeMessage]) -> Vec<HandshakeType> {
    messages
        .iter()
        .map(HandshakeMessage::handshake_type)
        .collect()
}

fn server_hello_acknowledges(messages: &[HandshakeMessage]) -> bool {
    let Some(HandshakeMessage::ServerHello(hello)) = messages.first() else {
        panic!("no ServerHello first: {messages:?}");
    };
    hello
        .extensions
        .iter()
        .any(|e| matches!(e, ServerExtension::StatusRequest))
}

fn client_hello_status_request(messages: &[HandshakeMessage]) -> Option<CertificateStatusRequest> {
    let Some(HandshakeMessage::ClientHello(hello)) = messages.first() else {
        panic!("no ClientHello first: {messages:?}");
    };
    hello.extensions.iter().find_map(|e| match e {
        ClientExtension::StatusRequest(request) => Some(request.clone()),
        _ => None,
    })
}

const WITH_STATUS: [HandshakeType; 5] = [
    HandshakeType::SERVER_HELLO,
    HandshakeType::CERTIFICATE,
    HandshakeType::CERTIFICATE_STATUS,
    HandshakeType::SERVER_KEY_EXCHANGE,
    HandshakeType::SERVER_HELLO_DONE,
];

const WITHOUT_STATUS: [HandshakeType; 4] = [
    HandshakeType::SERVER_HELLO,
    HandshakeType::CERTIFICATE,
    HandshakeType::SERVER_KEY_EXCHANGE,
    HandshakeType::SERVER_HELLO_DONE,
];

fn assert_established(client: &Connection, server: &Connection, run: &Run) {
    assert!(run.client_error.is_none(), "{:?}", run.client_error);
    assert!(run.server_error.is_none(), "{:?}", run.server_error);
    assert!(client.session().is_some() && server.session().is_some());
}

#[test]
fn a_requested_staple_reaches_the_client_hook() {
    let seen = Arc::new(Seen::default());
    let (mut client, mut server) = (new_client(true, &seen), new_server(Some(RESPONSE)));
    let run = pump(&mut client, &mut server, |r| vec![r.to_vec()]);
    assert_established(&client, &server, &run);

    // The request: ocsp, no responders, no extensions.
    assert_eq!(
        client_hello_status_request(&run.client_messages),
        Some(CertificateStatusRequest::Ocsp {
            responder_ids: keel_wire::vec::List(vec![]),
            request_extensions: keel_wire::vec::Opaque(vec![]),
        })
    );
    assert!(server_hello_acknowledges(&run.server_messages));
    assert_eq!(types(&run.server_messages), WITH_STATUS);
    assert!(
        run.server_messages
            .contains(&HandshakeMessage::CertificateStatus(
                CertificateStatus::ocsp(RESPONSE.to_vec())
            ))
    );
    // Verified once, with the response.
    assert_eq!(seen.responses(), vec![Some(RESPONSE.to_vec())]);
}

#[test]
fn a_server_without_a_response_does_not_acknowledge() {
    let seen = Arc::new(Seen::default());
    let (mut client, mut server) = (new_client(true, &seen), new_server(None));
    let run = pump(&mut client, &mut server, |r| vec![r.to_vec()]);
    assert_established(&client, &server, &run);
    assert!(client_hello_status_request(&run.client_messages).is_some());
    assert!(!server_hello_acknowledges(&run.server_messages));
    assert_eq!(types(&run.server_messages), WITHOUT_STATUS);
    assert_eq!(seen.responses(), vec![None]);
}

#[test]
fn a_client_that_does_not_ask_gets_no_status() {
    let seen = Arc::new(Seen::default());
    let (mut client, mut server) = (new_client(false, &seen), new_server(Some(RESPONSE)));
    let run = pump(&mut client, &mut server, |r| vec![r.to_vec()]);
    assert_established(&client, &server, &run);
    assert!(client_hello_status_request(&run.client_messages).is_none());
    assert!(!server_hello_acknowledges(&run.server_messages));
    assert_eq!(types(&run.server_messages), WITHOUT_STATUS);
    assert_eq!(seen.responses(), vec![None]);
}

/// RFC 6066 §8: the CertificateStatus "MAY be absent even when
/// status_request was acknowledged". The keel server always sends it after
/// an acknowledgement, so it is dropped in flight: the client takes the
/// ServerKeyExchange right after the Certificate, verifies the chain then
/// (without a response), and sends its flight. Only then do the two sides
/// disagree: the extended master secret hashes the transcript, and the
/// server's holds the dropped message, so the server cannot open the
/// client's Finished.
#[test]
fn an_acknowledged_status_may_be_absent() {
    let seen = Arc::new(Seen::default());
    let (mut client, mut server) = (new_client(true, &seen), new_server(Some(RESPONSE)));
    let run = pump(&mut client, &mut server, |r| {
        if handshake_type(r) == Some(HandshakeType::CERTIFICATE_STATUS) {
            vec![]
        } else {
            vec![r.to_vec()]
        }
    });
    assert!(server_hello_acknowledges(&run.server_messages));
    assert_eq!(seen.responses(), vec![None]);
    // The client accepted the rest of the flight and sent its own.
    assert_eq!(
        types(&run.client_messages),
        [
            HandshakeType::CLIENT_HELLO,
            HandshakeType::CLIENT_KEY_EXCHANGE
        ]
    );
    assert!(
        run.client_records
            .iter()
            .any(|r| content_type(r) == ContentType::CHANGE_CIPHER_SPEC)
    );
    assert_eq!(
        run.server_error.as_ref().and_then(HandshakeError::alert),
        Some(AlertDescription::BAD_RECORD_MAC),
        "{:?}",
        run.server_error
    );
    assert!(
        matches!(run.client_error, Some(HandshakeError::AlertReceived { .. })),
        "{:?}",
        run.client_error
    );
}

/// Puts a CertificateStatus record right after the server's Certificate.
fn add_status_after_certificate(record: &[u8]) -> Vec<Vec<u8>> {
    let mut records = vec![record.to_vec()];
    if handshake_type(record) == Some(HandshakeType::CERTIFICATE) {
        let status =
            HandshakeMessage::CertificateStatus(CertificateStatus::ocsp(RESPONSE.to_vec()));
        records.push(plaintext_record(
            ContentType::HANDSHAKE,
            &status.encode().unwrap(),
        ));
    }
    records
}

/// The client refused a CertificateStatus while waiting for the
/// ServerKeyExchange, with a fatal unexpected_message.
fn assert_unexpected_status(run: &Run) {
    assert_eq!(
        run.client_error,
        Some(HandshakeError::UnexpectedMessage {
            expected: "ServerKeyExchange",
            got: MessageKind::Handshake(HandshakeType::CERTIFICATE_STATUS),
        })
    );
    let alerts: Vec<_> = run
        .client_records
        .iter()
        .flat_map(|r| plaintext_alerts(r))
        .map(|a| a.description)
        .collect();
    assert_eq!(alerts, [AlertDescription::UNEXPECTED_MESSAGE]);
}

#[test]
fn a_status_without_acknowledgement_is_unexpected() {
    for request in [false, true] {
        let seen = Arc::new(Seen::default());
        // Not acknowledged: the client did not ask, or the server has no
        // response.
        let response = (!request).then_some(RESPONSE);
        let (mut client, mut server) = (new_client(request, &seen), new_server(response));
        let run = pump(&mut client, &mut server, add_status_after_certificate);
        assert!(!server_hello_acknowledges(&run.server_messages));
        assert_unexpected_status(&run);
        // The chain was verified at the Certificate, without a response.
        assert_eq!(seen.responses(), vec![None], "request: {request}");
    }
}

#[test]
fn a_second_status_is_unexpected() {
    let seen = Arc::new(Seen::default());
    let (mut client, mut server) = (new_client(true, &seen), new_server(Some(RESPONSE)));
    let run = pump(&mut client, &mut server, |r| {
        if handshake_type(r) == Some(HandshakeType::CERTIFICATE_STATUS) {
            vec![r.to_vec(), r.to_vec()]
        } else {
            vec![r.to_vec()]
        }
    });
    assert_unexpected_status(&run);
    assert_eq!(seen.responses(), vec![Some(RESPONSE.to_vec())]);
}

#[test]
fn an_unrequested_acknowledgement_is_refused() {
    let seen = Arc::new(Seen::default());
    let (mut client, mut server) = (new_client(false, &seen), new_server(None));
    let run = pump(&mut client, &mut server, |r| match message(r) {
        Some(HandshakeMessage::ServerHello(mut hello)) => {
            let Extensions::Present(extensions) = &mut hello.extensions else {
                panic!("a ServerHello without extensions");
            };
            extensions.push(ServerExtension::StatusRequest);
            let bytes = HandshakeMessage::ServerHello(hello).encode().unwrap();
            vec![plaintext_record(ContentType::HANDSHAKE, &bytes)]
        }
        _ => vec![r.to_vec()],
    });
    assert_eq!(
        run.client_error,
        Some(HandshakeError::UnsolicitedExtension {
            extension: ExtensionType::STATUS_REQUEST
        })
    );
    assert!(seen.responses().is_empty());
}

#[test]
fn a_hook_can_require_a_staple() {
    // Stapled: accepted.
    let seen = Arc::new(Seen {
        require_staple: true,
        ..Seen::default()
    });
    let (mut client, mut server) = (new_client(true, &seen), new_server(Some(RESPONSE)));
    let run = pump(&mut client, &mut server, |r| vec![r.to_vec()]);
    assert_established(&client, &server, &run);

    // Not stapled: refused, with handshake_failure (the application's
    // refusal, not a fault in the certificate).
    let seen = Arc::new(Seen {
        require_staple: true,
        ..Seen::default()
    });
    let (mut client, mut server) = (new_client(true, &seen), new_server(None));
    let run = pump(&mut client, &mut server, |r| vec![r.to_vec()]);
    let Some(HandshakeError::Certificate {
        source: CertError::RejectedByPolicy { .. },
    }) = &run.client_error
    else {
        panic!("{:?}", run.client_error);
    };
    assert_eq!(
        run.client_error.as_ref().and_then(HandshakeError::alert),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
}

/// When an acknowledged CertificateStatus is absent, the chain is verified
/// on the ServerKeyExchange, before its signature (made by the leaf) is
/// checked: a refused chain is reported as such even when the signature is
/// bad too.
#[test]
fn the_chain_is_verified_before_the_key_exchange_signature() {
    // The CertificateStatus dropped, the signature's last byte flipped.
    let tamper = |r: &[u8]| match handshake_type(r) {
        Some(HandshakeType::CERTIFICATE_STATUS) => vec![],
        Some(HandshakeType::SERVER_KEY_EXCHANGE) => {
            let mut record = r.to_vec();
            *record.last_mut().unwrap() ^= 1;
            vec![record]
        }
        _ => vec![r.to_vec()],
    };
    for require_staple in [false, true] {
        let seen = Arc::new(Seen {
            require_staple,
            ..Seen::default()
        });
        let (mut client, mut server) = (new_client(true, &seen), new_server(Some(RESPONSE)));
        let run = pump(&mut client, &mut server, tamper);
        // Verified once, without a response, either way.
        assert_eq!(seen.responses(), vec![None]);
        if require_staple {
            assert!(
                matches!(
                    run.client_error,
                    Some(HandshakeError::Certificate {
                        source: CertError::RejectedByPolicy { .. }
                    })
                ),
                "{:?}",
                run.client_error
            );
        } else {
            // The chain passed: the flipped byte is what fails.
            assert!(
                matches!(run.client_error, Some(HandshakeError::Signature { .. })),
                "{:?}",
                run.client_error
            );
        }
    }
}

//! What the TLS 1.3 state machines share: record keys from traffic
//! secrets, messages sent into the 1.3 transcript, the key log, and the
//! established connection's KeyUpdate (RFC 8446 §4.6.3).

use keel_record::{AeadAlgorithm, TrafficKeys};
use keel_wire::handshake::KeyUpdate;
use keel_wire::registry::KeyUpdateRequest;
use keel_wire::{Codec, HandshakeMessage};

use crate::error::{HandshakeError, Internal};
use crate::keylog::KeyLog;
use crate::machine::Emit;
use crate::tls13::{Tls13Suite, TrafficSecret, Transcript13};

/// The record keys a traffic secret gives (RFC 8446 §7.3).
pub(crate) fn record_keys(
    secret: &TrafficSecret,
    suite: Tls13Suite,
) -> Result<TrafficKeys, HandshakeError> {
    let material = secret.traffic_keys(suite)?;
    let algorithm =
        AeadAlgorithm::for_tls13_suite(suite.cipher_suite()).ok_or(HandshakeError::Internal {
            reason: Internal::BrokenInvariant,
        })?;
    Ok(TrafficKeys::new_tls13(
        algorithm,
        material.key(),
        material.iv(),
    )?)
}

/// Encodes a message, adds it to the transcript and queues it.
pub(crate) fn send(
    message: &HandshakeMessage,
    transcript: &mut Transcript13,
    out: &mut Vec<Emit>,
) -> Result<Vec<u8>, HandshakeError> {
    let bytes = message.encode().map_err(|_| HandshakeError::Internal {
        reason: Internal::Encoding,
    })?;
    transcript.add(&bytes)?;
    out.push(Emit::Message(bytes.clone()));
    Ok(bytes)
}

/// Logs a TLS 1.3 secret under `label` if a key log wants it.
pub(crate) fn log_secret(
    key_log: Option<&dyn KeyLog>,
    label: &str,
    client_random: &[u8; 32],
    secret: &[u8],
) {
    if let Some(log) = key_log
        && log.will_log(label)
    {
        log.log(label, client_random, secret);
    }
}

/// The application traffic secrets of an established TLS 1.3 connection,
/// kept to derive the next generation on a KeyUpdate.
#[derive(Debug)]
pub(crate) struct Traffic13 {
    pub(crate) suite: Tls13Suite,
    /// This side's sending secret.
    pub(crate) ours: TrafficSecret,
    /// The peer's sending secret.
    pub(crate) peers: TrafficSecret,
}

impl Traffic13 {
    /// RFC 8446 §4.6.3: the peer's KeyUpdate changes its sending keys, so
    /// ours for reading; one with update_requested is owed a KeyUpdate of
    /// our own (update_not_requested, so that two updates cannot loop)
    /// "prior to sending its next Application Data record": the connection
    /// sends it before its next write, once however many requests came
    /// before it. `may_send` is false once this side sent close_notify:
    /// nothing may be sent after it, so nothing is owed.
    pub(crate) fn on_key_update(
        self,
        update: &KeyUpdate,
        may_send: bool,
        out: &mut Vec<Emit>,
    ) -> Result<Self, HandshakeError> {
        let Self { suite, ours, peers } = self;
        let peers = peers.into_next_generation()?;
        out.push(Emit::ReadKeys(record_keys(&peers, suite)?));
        if update.request_update == KeyUpdateRequest::UPDATE_REQUESTED && may_send {
            out.push(Emit::KeyUpdateOwed);
        }
        Ok(Self { suite, ours, peers })
    }

    /// Sends a KeyUpdate under the current keys and changes this side's
    /// sending keys after it: before a key nears its limit (RFC 8446 §5.5),
    /// to answer the peer's request, or when the application asks
    /// (`request` then says whether the peer should update too).
    pub(crate) fn update_ours(
        self,
        request: KeyUpdateRequest,
        out: &mut Vec<Emit>,
    ) -> Result<Self, HandshakeError> {
        let message = HandshakeMessage::KeyUpdate(KeyUpdate {
            request_update: request,
        });
        let bytes = message.encode().map_err(|_| HandshakeError::Internal {
            reason: Internal::Encoding,
        })?;
        out.push(Emit::Message(bytes));
        let Self { suite, ours, peers } = self;
        let ours = ours.into_next_generation()?;
        out.push(Emit::WriteKeys(record_keys(&ours, suite)?));
        Ok(Self { suite, ours, peers })
    }
}

/// The secrets derived over the transcript through the server's Finished
/// (RFC 8446 §7.1): both application traffic secrets and the exporter's,
/// logged as NSS names them, and the master secret, kept for the
/// resumption secret after the client's Finished.
pub(crate) struct AppSecrets {
    pub(crate) client: TrafficSecret,
    pub(crate) server: TrafficSecret,
    pub(crate) exporter: crate::tls13::ExporterSecret,
    pub(crate) master: crate::tls13::MasterSecret,
}

pub(crate) fn application_secrets(
    handshake_secret: crate::tls13::HandshakeSecret,
    server_finished_hash: &[u8],
    key_log: Option<&dyn KeyLog>,
    client_random: &[u8; 32],
) -> Result<AppSecrets, HandshakeError> {
    use crate::tls13::keylog_labels as labels;
    let master = handshake_secret.into_master_secret()?;
    let client = master.client_application_traffic_secret(server_finished_hash)?;
    let server = master.server_application_traffic_secret(server_finished_hash)?;
    let exporter = master.exporter_master_secret(server_finished_hash)?;
    log_secret(
        key_log,
        labels::CLIENT_TRAFFIC_SECRET_0,
        client_random,
        client.as_bytes(),
    );
    log_secret(
        key_log,
        labels::SERVER_TRAFFIC_SECRET_0,
        client_random,
        server.as_bytes(),
    );
    log_secret(
        key_log,
        labels::EXPORTER_SECRET,
        client_random,
        exporter.as_bytes(),
    );
    Ok(AppSecrets {
        client,
        server,
        exporter,
        master,
    })
}

/// `resumption_master_secret` over the transcript through the client's
/// Finished (RFC 8446 §7.1), which the master secret ends in.
pub(crate) fn resumption_master_secret(
    master: crate::tls13::MasterSecret,
    transcript: &Transcript13,
) -> Result<crate::tls13::ResumptionMasterSecret, HandshakeError> {
    let hash = transcript.current_hash()?;
    Ok(master.into_resumption_master_secret(hash.as_ref())?)
}

/// Sends this side's Finished over the transcript so far (RFC 8446 §4.4.4).
pub(crate) fn send_finished(
    secret: &TrafficSecret,
    transcript: &mut Transcript13,
    out: &mut Vec<Emit>,
) -> Result<(), HandshakeError> {
    let hash = transcript.current_hash()?;
    let verify_data = secret.finished_key()?.verify_data(hash.as_ref())?;
    send(
        &HandshakeMessage::Finished13(keel_wire::handshake::Finished13 {
            verify_data: verify_data.as_bytes().to_vec(),
        }),
        transcript,
        out,
    )?;
    Ok(())
}

/// Checks the peer's Finished over the transcript so far, in constant time
/// (RFC 8446 §4.4.4: recipients must verify it; decrypt_error if not).
pub(crate) fn check_finished(
    secret: &TrafficSecret,
    transcript: &Transcript13,
    received: &[u8],
) -> Result<(), HandshakeError> {
    let hash = transcript.current_hash()?;
    if secret.finished_key()?.verify(hash.as_ref(), received)? {
        Ok(())
    } else {
        Err(HandshakeError::BadFinished)
    }
}

/// Checks the peer's CertificateVerify (RFC 8446 §4.4.3): a scheme this
/// side offered, a leaf that may sign, never PKCS#1, an ECDSA scheme bound
/// to the key's curve, and a signature over the transcript so far with the
/// `signer`'s context string.
pub(crate) fn verify_certificate_verify(
    peer_keys: &keel_pki::PeerKeys,
    offered: &[keel_wire::registry::SignatureScheme],
    leaf: Option<&keel_pki::CertificateDer<'static>>,
    signer: crate::tls13::Signer,
    transcript: &Transcript13,
    verify: &keel_wire::handshake::CertificateVerify,
) -> Result<(), HandshakeError> {
    let scheme = verify.signed.scheme;
    // RFC 8446 §4.4.3: a scheme this side listed, and one TLS 1.3 allows in
    // a CertificateVerify (never PKCS#1 v1.5 or SHA-1, RFC 8446 §4.2.3).
    if !offered.contains(&scheme) || !keel_pki::supported_verify_schemes_tls13().contains(&scheme) {
        return Err(HandshakeError::IllegalParameter {
            reason: crate::error::IllegalParameter::VerifySchemeNotOffered { scheme },
        });
    }
    let leaf = leaf.ok_or(HandshakeError::Internal {
        reason: Internal::BrokenInvariant,
    })?;
    let key_use = peer_keys
        .leaf_key_use(leaf)
        .map_err(|source| HandshakeError::Signature { source })?;
    if !key_use.may_sign {
        return Err(HandshakeError::CertificateMayNotSign);
    }
    let hash = transcript.current_hash()?;
    let content = crate::tls13::signed_content(signer, hash.as_ref());
    peer_keys
        .verify_signature_tls13(leaf, scheme, &content, &verify.signed.signature)
        .map_err(|source| HandshakeError::Signature { source })
}

/// Signs the transcript so far with `key` under `scheme` as `signer`
/// (RFC 8446 §4.4.3) and sends the CertificateVerify.
pub(crate) fn send_certificate_verify(
    key: &keel_pki::CertifiedKey,
    scheme: keel_wire::registry::SignatureScheme,
    signer: crate::tls13::Signer,
    transcript: &mut Transcript13,
    out: &mut Vec<Emit>,
) -> Result<(), HandshakeError> {
    let hash = transcript.current_hash()?;
    let signature = key
        .key()
        .sign(scheme, &crate::tls13::signed_content(signer, hash.as_ref()))
        .map_err(|source| HandshakeError::Signature { source })?;
    send(
        &HandshakeMessage::CertificateVerify(keel_wire::handshake::CertificateVerify {
            signed: keel_wire::handshake::DigitallySigned {
                scheme,
                signature: keel_wire::vec::Opaque(signature),
            },
        }),
        transcript,
        out,
    )?;
    Ok(())
}

/// The handshake is over: the session and the exporter go to the
/// connection, and the application secrets stay for KeyUpdate.
pub(crate) fn establish(
    session: crate::session::SessionInfo,
    exporter: crate::tls13::ExporterSecret,
    traffic: Traffic13,
    out: &mut Vec<Emit>,
) -> Box<Traffic13> {
    out.push(Emit::Established(
        Box::new(session),
        Box::new(crate::machine::SessionSecrets::Tls13(exporter)),
    ));
    Box::new(traffic)
}

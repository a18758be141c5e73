//! TLS 1.3's messages and extension lists as field trees (RFC 8446 §4),
//! named as in the RFC's structures.

use keel_wire::extensions::RawExtension;
use keel_wire::extensions::{
    CertificateExtension, CertificateRequestExtension, EncryptedExtension, ExtensionCodec,
    ExtensionList, HelloRetryExtension, KeyShareEntry, NewSessionTicketExtension, OfferedPsks,
};
use keel_wire::handshake::{
    Certificate13, CertificateRequest13, EncryptedExtensions, HelloRetryRequest, NewSessionTicket13,
};

use super::fields::{Field, Registry, Value, byte_list, code, codes};

pub(crate) fn hello_retry_request(hrr: &HelloRetryRequest) -> Vec<Field<'_>> {
    vec![
        ("legacy_version", code(hrr.legacy_version)),
        // The fixed random that makes this ServerHello a HelloRetryRequest.
        (
            "random",
            Value::Bytes(&keel_wire::handshake::Random::HELLO_RETRY_REQUEST.0),
        ),
        (
            "legacy_session_id_echo",
            Value::Bytes(&hrr.legacy_session_id_echo),
        ),
        ("cipher_suite", code(hrr.cipher_suite)),
        (
            "legacy_compression_method",
            code(hrr.legacy_compression_method),
        ),
        ("extensions", list(&hrr.extensions, retry)),
    ]
}

pub(crate) fn encrypted_extensions(message: &EncryptedExtensions) -> Vec<Field<'_>> {
    vec![("extensions", list(&message.extensions, encrypted))]
}

pub(crate) fn certificate(message: &Certificate13) -> Vec<Field<'_>> {
    let entries = message
        .certificate_list
        .iter()
        .map(|entry| {
            Value::Struct(vec![
                ("cert_data", Value::Bytes(&entry.cert_data)),
                ("extensions", list(&entry.extensions, certificate_entry)),
            ])
        })
        .collect();
    vec![
        (
            "certificate_request_context",
            Value::Bytes(&message.certificate_request_context),
        ),
        ("certificate_list", Value::List(entries)),
    ]
}

pub(crate) fn certificate_request(message: &CertificateRequest13) -> Vec<Field<'_>> {
    vec![
        (
            "certificate_request_context",
            Value::Bytes(&message.certificate_request_context),
        ),
        ("extensions", list(&message.extensions, request)),
    ]
}

pub(crate) fn new_session_ticket(ticket: &NewSessionTicket13) -> Vec<Field<'_>> {
    vec![
        (
            "ticket_lifetime",
            Value::Uint(u64::from(ticket.ticket_lifetime)),
        ),
        (
            "ticket_age_add",
            Value::Uint(u64::from(ticket.ticket_age_add)),
        ),
        ("ticket_nonce", Value::Bytes(&ticket.ticket_nonce)),
        ("ticket", Value::Bytes(&ticket.ticket)),
        ("extensions", list(&ticket.extensions, session_ticket)),
    ]
}

/// RFC 8446 §4.2.8: one share.
pub(crate) fn key_share_entry(entry: &KeyShareEntry) -> Value<'_> {
    Value::Struct(vec![
        ("group", code(entry.group)),
        ("key_exchange", Value::Bytes(&entry.key_exchange)),
    ])
}

/// RFC 8446 §4.2.11: the identities and their binders.
pub(crate) fn offered_psks(offered: &OfferedPsks) -> Vec<Field<'_>> {
    let identities = offered
        .identities
        .iter()
        .map(|identity| {
            Value::Struct(vec![
                ("identity", Value::Bytes(&identity.identity)),
                (
                    "obfuscated_ticket_age",
                    Value::Uint(u64::from(identity.obfuscated_ticket_age)),
                ),
            ])
        })
        .collect();
    vec![
        ("identities", Value::List(identities)),
        ("binders", byte_list(offered.binders.iter())),
    ]
}

fn list<'a, E: ExtensionCodec>(
    extensions: &'a ExtensionList<E>,
    body: fn(&'a E) -> Vec<Field<'a>>,
) -> Value<'a> {
    Value::List(
        extensions
            .iter()
            .map(|extension| Value::Extension(extension.extension_type().code(), body(extension)))
            .collect(),
    )
}

fn unknown<'a>(data: &'a [u8]) -> Vec<Field<'a>> {
    vec![("data", Value::Bytes(data))]
}

fn retry(extension: &HelloRetryExtension) -> Vec<Field<'_>> {
    use HelloRetryExtension as E;
    match extension {
        E::KeyShare(group) => vec![("selected_group", code(*group))],
        E::Cookie(cookie) => vec![("cookie", Value::Bytes(cookie))],
        E::SupportedVersions(version) => vec![("selected_version", code(*version))],
        E::Unknown(RawExtension { data, .. }) => unknown(data),
        other => vec![("decoded", Value::Other(format!("{other:?}")))],
    }
}

fn encrypted(extension: &EncryptedExtension) -> Vec<Field<'_>> {
    use EncryptedExtension as E;
    match extension {
        E::ServerName | E::EarlyData => vec![],
        E::MaxFragmentLength(length) => vec![("max_fragment_length", code(*length))],
        E::SupportedGroups(groups) => vec![("named_group_list", codes(groups.iter()))],
        E::Alpn(name) => vec![("protocol_name_list", Value::List(vec![Value::Text(name)]))],
        E::RecordSizeLimit(limit) => {
            vec![("record_size_limit", Value::Uint(u64::from(*limit)))]
        }
        E::Unknown(RawExtension { data, .. }) => unknown(data),
        other => vec![("decoded", Value::Other(format!("{other:?}")))],
    }
}

fn certificate_entry(extension: &CertificateExtension) -> Vec<Field<'_>> {
    use CertificateExtension as E;
    match extension {
        E::StatusRequest(status) => vec![
            (
                "status_type",
                code(keel_wire::registry::CertificateStatusType::OCSP),
            ),
            ("response", Value::Bytes(&status.response)),
        ],
        E::SignedCertificateTimestamp(list) => vec![("sct_list", byte_list(list.iter()))],
        E::Unknown(RawExtension { data, .. }) => unknown(data),
        other => vec![("decoded", Value::Other(format!("{other:?}")))],
    }
}

fn request(extension: &CertificateRequestExtension) -> Vec<Field<'_>> {
    use CertificateRequestExtension as E;
    match extension {
        E::SignatureAlgorithms(schemes) | E::SignatureAlgorithmsCert(schemes) => {
            vec![("supported_signature_algorithms", codes(schemes.iter()))]
        }
        E::CertificateAuthorities(names) => vec![("authorities", byte_list(names.iter()))],
        E::OidFilters(filters) => vec![(
            "filters",
            Value::List(
                filters
                    .iter()
                    .map(|filter| {
                        Value::Struct(vec![
                            (
                                "certificate_extension_oid",
                                Value::Bytes(&filter.certificate_extension_oid),
                            ),
                            (
                                "certificate_extension_values",
                                Value::Bytes(&filter.certificate_extension_values),
                            ),
                        ])
                    })
                    .collect(),
            ),
        )],
        E::StatusRequest | E::SignedCertificateTimestamp => vec![],
        E::Unknown(RawExtension { data, .. }) => unknown(data),
        other => vec![("decoded", Value::Other(format!("{other:?}")))],
    }
}

fn session_ticket(extension: &NewSessionTicketExtension) -> Vec<Field<'_>> {
    use NewSessionTicketExtension as E;
    match extension {
        E::EarlyData(size) => vec![("max_early_data_size", Value::Uint(u64::from(*size)))],
        E::Unknown(RawExtension { data, .. }) => unknown(data),
        other => vec![("decoded", Value::Other(format!("{other:?}")))],
    }
}

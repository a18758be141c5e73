//! Hello extensions (both versions) as field trees: each extension is its type and the
//! typed fields of its body, named as in the RFC that defines it. An
//! extension keel-wire does not model shows its raw body as `data`.

use keel_wire::extensions::RawExtension;
use keel_wire::extensions::{CertificateStatusRequest, ExtensionCodec, ServerNameList};
use keel_wire::registry::CertificateStatusType;
use keel_wire::{ClientExtension, Extensions, ServerExtension};

use super::fields::{Field, Registry, Value, byte_list, code, codes};
use super::tls13;

/// A ClientHello's extensions block.
pub(crate) fn client_block(block: &Extensions<ClientExtension>) -> Value<'_> {
    match block {
        Extensions::Absent => Value::Absent,
        Extensions::Present(items) => Value::List(items.iter().map(client).collect()),
    }
}

/// A ServerHello's extensions block.
pub(crate) fn server_block(block: &Extensions<ServerExtension>) -> Value<'_> {
    match block {
        Extensions::Absent => Value::Absent,
        Extensions::Present(items) => Value::List(items.iter().map(server).collect()),
    }
}

fn client(extension: &ClientExtension) -> Value<'_> {
    Value::Extension(extension.extension_type().code(), client_body(extension))
}

fn server(extension: &ServerExtension) -> Value<'_> {
    Value::Extension(extension.extension_type().code(), server_body(extension))
}

fn client_body(extension: &ClientExtension) -> Vec<Field<'_>> {
    use ClientExtension as E;
    match extension {
        E::ServerName(list) => server_names(list),
        E::MaxFragmentLength(length) => vec![("max_fragment_length", code(*length))],
        E::StatusRequest(request) => status_request(request),
        E::SupportedGroups(groups) => vec![("named_group_list", codes(groups.iter()))],
        E::EcPointFormats(formats) => vec![("ec_point_format_list", codes(formats.iter()))],
        E::SignatureAlgorithms(schemes) => {
            vec![("supported_signature_algorithms", codes(schemes.iter()))]
        }
        E::Alpn(protocols) => vec![(
            "protocol_name_list",
            Value::List(protocols.iter().map(|name| Value::Text(name)).collect()),
        )],
        E::SignedCertificateTimestamp | E::EncryptThenMac | E::ExtendedMasterSecret => vec![],
        // RFC 7685: the body is this many zero bytes.
        E::Padding(len) => vec![("zero_bytes", Value::Uint(u64::from(*len)))],
        E::SessionTicket(ticket) => vec![("ticket", Value::Bytes(ticket))],
        E::RecordSizeLimit(limit) => {
            vec![("record_size_limit", Value::Uint(u64::from(*limit)))]
        }
        E::RenegotiationInfo(info) => vec![("renegotiated_connection", Value::Bytes(info))],
        E::SupportedVersions(versions) => vec![("versions", codes(versions.iter()))],
        E::KeyShare(shares) => vec![(
            "client_shares",
            Value::List(shares.0.iter().map(tls13::key_share_entry).collect()),
        )],
        E::PreSharedKey(offered) => tls13::offered_psks(offered),
        E::PskKeyExchangeModes(modes) => vec![("ke_modes", codes(modes.iter()))],
        E::EarlyData | E::PostHandshakeAuth => vec![],
        E::Cookie(cookie) => vec![("cookie", Value::Bytes(cookie))],
        E::CertificateAuthorities(names) => vec![("authorities", byte_list(names.iter()))],
        E::SignatureAlgorithmsCert(schemes) => {
            vec![("supported_signature_algorithms", codes(schemes.iter()))]
        }
        E::Unknown(RawExtension { data, .. }) => vec![("data", Value::Bytes(data))],
        other => vec![("decoded", Value::Other(format!("{other:?}")))],
    }
}

fn server_body(extension: &ServerExtension) -> Vec<Field<'_>> {
    use ServerExtension as E;
    match extension {
        E::ServerName
        | E::StatusRequest
        | E::EncryptThenMac
        | E::ExtendedMasterSecret
        | E::SessionTicket => vec![],
        E::MaxFragmentLength(length) => vec![("max_fragment_length", code(*length))],
        E::EcPointFormats(formats) => vec![("ec_point_format_list", codes(formats.iter()))],
        // RFC 7301 §3.1: a list holding exactly the one selected name.
        E::Alpn(name) => vec![("protocol_name_list", Value::List(vec![Value::Text(name)]))],
        E::SignedCertificateTimestamp(list) => vec![("sct_list", byte_list(list.iter()))],
        E::RecordSizeLimit(limit) => {
            vec![("record_size_limit", Value::Uint(u64::from(*limit)))]
        }
        E::RenegotiationInfo(info) => vec![("renegotiated_connection", Value::Bytes(info))],
        E::SupportedVersions(version) => vec![("selected_version", code(*version))],
        E::KeyShare(entry) => vec![("server_share", tls13::key_share_entry(entry))],
        E::PreSharedKey(index) => vec![("selected_identity", Value::Uint(u64::from(*index)))],
        E::Unknown(RawExtension { data, .. }) => vec![("data", Value::Bytes(data))],
        other => vec![("decoded", Value::Other(format!("{other:?}")))],
    }
}

/// RFC 6066 §3: the list of names, one per name type.
fn server_names(list: &ServerNameList) -> Vec<Field<'_>> {
    let names = list
        .0
        .iter()
        .map(|name| {
            Value::Struct(vec![
                ("name_type", code(name.name_type)),
                ("name", Value::Text(&name.name)),
            ])
        })
        .collect();
    vec![("server_name_list", Value::List(names))]
}

/// RFC 6066 §8: the status type, then an OCSPStatusRequest for `ocsp`.
fn status_request(request: &CertificateStatusRequest) -> Vec<Field<'_>> {
    match request {
        CertificateStatusRequest::Ocsp {
            responder_ids,
            request_extensions,
        } => vec![
            ("status_type", code(CertificateStatusType::OCSP)),
            ("responder_id_list", byte_list(responder_ids.iter())),
            ("request_extensions", Value::Bytes(request_extensions)),
        ],
        CertificateStatusRequest::Other { status_type, data } => vec![
            ("status_type", code(*status_type)),
            ("request", Value::Bytes(data)),
        ],
    }
}

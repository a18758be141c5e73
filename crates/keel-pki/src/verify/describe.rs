//! What people need to read in an error: subjects, names, dates. Parsed
//! with x509-parser, which is used to explain and never to decide.

use rustls_pki_types::UnixTime;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;

/// Parses a certificate for inspection.
pub(crate) fn parse(der: &[u8]) -> Option<X509Certificate<'_>> {
    X509Certificate::from_der(der).ok().map(|(_, cert)| cert)
}

/// The subject as an RFC 4514-style string, or a placeholder.
pub(crate) fn subject(der: &[u8]) -> String {
    parse(der).map_or_else(|| "(unparsable certificate)".to_owned(), |c| subject_of(&c))
}

pub(crate) fn subject_of(cert: &X509Certificate<'_>) -> String {
    let subject = cert.subject().to_string();
    if subject.is_empty() {
        "(empty subject)".to_owned()
    } else {
        subject
    }
}

/// The DNS names in a certificate's subjectAltName, lowercase, without a
/// trailing dot.
pub(crate) fn dns_names(der: &[u8]) -> Vec<String> {
    subject_alt_names(der, |name| match name {
        GeneralName::DNSName(dns) => Some(dns.trim_end_matches('.').to_ascii_lowercase()),
        _ => None,
    })
}

/// The DNS names and IP addresses in a certificate's subjectAltName, as a
/// person would write them. The subject CN is not listed: keel, like the
/// CA/Browser Forum, matches names only against subjectAltName.
pub(crate) fn names(der: &[u8]) -> Vec<String> {
    subject_alt_names(der, |name| match name {
        GeneralName::DNSName(dns) => Some((*dns).to_owned()),
        GeneralName::IPAddress(bytes) => ip_text(bytes),
        _ => None,
    })
}

/// What `pick` takes of each subjectAltName entry; nothing for a
/// certificate that does not parse or has no such extension.
fn subject_alt_names(der: &[u8], pick: impl Fn(&GeneralName<'_>) -> Option<String>) -> Vec<String> {
    let Some(cert) = parse(der) else {
        return Vec::new();
    };
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value.general_names.iter().filter_map(pick).collect()
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(std::net::Ipv4Addr::from(v4).to_string());
    }
    <[u8; 16]>::try_from(bytes)
        .ok()
        .map(|v6| std::net::Ipv6Addr::from(v6).to_string())
}

/// Seconds since the epoch as a `UnixTime`; a time before 1970 becomes
/// 1970 (`UnixTime` cannot say earlier).
pub(crate) fn unix_time(secs: i64) -> UnixTime {
    UnixTime::since_unix_epoch(core::time::Duration::from_secs(
        u64::try_from(secs).unwrap_or(0),
    ))
}

/// Seconds since the Unix epoch as an RFC 3339 UTC timestamp, such as
/// `2026-11-27T00:00:00Z`. A time RFC 3339 cannot write (outside the
/// years 0000 to 9999; only a clock, never a certificate, says one) is
/// given as its number of seconds instead.
pub(crate) fn rfc3339(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|time| time.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("Unix time {secs}"))
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_704_067_199), "2023-12-31T23:59:59Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(-62_167_219_200), "0000-01-01T00:00:00Z");
    }

    #[test]
    fn times_rfc3339_cannot_write_are_seconds() {
        // Year 10000, a year before 0, and the ends of the range.
        assert_eq!(rfc3339(253_402_300_800), "Unix time 253402300800");
        assert_eq!(rfc3339(-62_167_219_201), "Unix time -62167219201");
        assert_eq!(rfc3339(i64::MAX), "Unix time 9223372036854775807");
        assert_eq!(rfc3339(i64::MIN), "Unix time -9223372036854775808");
    }
}

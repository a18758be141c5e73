//! What people need to read in an error: subjects, names, dates. Parsed
//! with x509-parser, which is used to explain and never to decide.

use rustls_pki_types::UnixTime;
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

/// The DNS names and IP addresses in a certificate's subjectAltName, as a
/// person would write them. The subject CN is not listed: keel, like the
/// CA/Browser Forum, matches names only against subjectAltName.
pub(crate) fn names(der: &[u8]) -> Vec<String> {
    let Some(cert) = parse(der) else {
        return Vec::new();
    };
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some((*dns).to_owned()),
            GeneralName::IPAddress(bytes) => ip_text(bytes),
            _ => None,
        })
        .collect()
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(std::net::Ipv4Addr::from(v4).to_string());
    }
    <[u8; 16]>::try_from(bytes)
        .ok()
        .map(|v6| std::net::Ipv6Addr::from(v6).to_string())
}

/// Seconds since the Unix epoch as an RFC 3339 UTC timestamp.
/// Seconds since the epoch as a `UnixTime`; a time before 1970 becomes
/// 1970 (`UnixTime` cannot say earlier).
pub(crate) fn unix_time(secs: i64) -> UnixTime {
    UnixTime::since_unix_epoch(core::time::Duration::from_secs(
        u64::try_from(secs).unwrap_or(0),
    ))
}

pub(crate) fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date of a day count from 1970-01-01: count
/// whole 400-year eras (146,097 days each) from 0000-03-01, then years
/// within the era, with March as the first month so that the leap day
/// falls last.
fn civil_date(days_since_epoch: i64) -> (i64, u32, u32) {
    const DAYS_0000_03_01_TO_EPOCH: i64 = 719_468;
    let z = days_since_epoch + DAYS_0000_03_01_TO_EPOCH;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(0),
        u32::try_from(day).unwrap_or(0),
    )
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
    }
}

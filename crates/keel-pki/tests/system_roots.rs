//! `TrustStore::from_system` as a user meets it: SSL_CERT_FILE and
//! SSL_CERT_DIR replace the platform's store, and when nothing loads the
//! error says what failed.
//!
//! The environment is process-global, and `std::env::set_var` is unsafe
//! (which keel forbids). So each test runs its check in a child process of
//! this test binary, started with the variables it needs and an
//! `INSIDE` marker naming the test's directory: this process's environment
//! never changes, and no two tests can see each other's variables. The
//! tests are in a file of their own so that the child runs nothing else.

// A panic in a test is a failed test, so tests may unwrap, expect and index.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use keel_pki::{CertificateDer, LoadError, TrustStore};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

/// Set in the child: the directory the parent prepared.
const INSIDE: &str = "KEEL_SYSTEM_ROOTS_TEST_DIR";

/// A PEM block whose base64 is fine but whose DER is no certificate
/// ("not a certificate").
const NOT_A_CERTIFICATE: &str =
    "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";

/// A PEM block whose base64 does not decode.
const DAMAGED_BASE64: &str =
    "-----BEGIN CERTIFICATE-----\n*not base64*\n-----END CERTIFICATE-----\n";

/// A directory removed when dropped (also when a test fails).
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("keel-system-roots-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// In the parent: makes a directory, lets `setup` fill it and name the
/// variables to set (paths relative to it), then runs `test` in a child
/// with exactly those of SSL_CERT_FILE and SSL_CERT_DIR. In the child:
/// runs `check` with the directory.
fn in_child(
    test: &str,
    setup: impl FnOnce(&Path) -> Vec<(&'static str, &'static str)>,
    check: impl FnOnce(&Path),
) {
    if let Some(dir) = std::env::var_os(INSIDE) {
        check(Path::new(&dir));
        return;
    }
    let dir = TempDir::new(test);
    let variables = setup(&dir.0);
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .env(INSIDE, &dir.0);
    for (name, relative) in variables {
        command.env(name, dir.0.join(relative));
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "the check in the child failed:\n{stdout}\n{stderr}"
    );
}

/// A self-signed CA named `name`: its PEM and its DER.
fn ca(name: &str) -> (String, CertificateDer<'static>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let certificate = params.self_signed(&KeyPair::generate().unwrap()).unwrap();
    (certificate.pem(), certificate.der().clone())
}

/// Writes a CA's PEM to `pem` and its DER to `der` (what the child expects).
fn write_ca(dir: &Path, name: &str, pem: &str, der: &str) {
    let (text, certificate) = ca(name);
    std::fs::write(dir.join(pem), text).unwrap();
    std::fs::write(dir.join(der), certificate).unwrap();
}

/// The trust store the child expects: exactly these DER roots.
fn expected(dir: &Path, ders: &[&str]) -> TrustStore {
    let roots = ders
        .iter()
        .map(|der| CertificateDer::from(std::fs::read(dir.join(der)).unwrap()));
    TrustStore::from_der_certificates(roots).unwrap()
}

fn assert_same_roots(store: &TrustStore, expected: &TrustStore) {
    assert_eq!(store.len(), expected.len(), "{store:?}");
    assert_eq!(store.digest(), expected.digest());
}

#[test]
fn ssl_cert_file_replaces_the_platform_store() {
    in_child(
        "ssl_cert_file_replaces_the_platform_store",
        |dir| {
            let (pem, der) = ca("keel system roots test CA");
            let bundle = format!("A comment before the block.\n{pem}");
            std::fs::write(dir.join("bundle.pem"), bundle).unwrap();
            std::fs::write(dir.join("ca.der"), der).unwrap();
            vec![("SSL_CERT_FILE", "bundle.pem")]
        },
        |dir| {
            let store = TrustStore::from_system().unwrap();
            assert_same_roots(&store, &expected(dir, &["ca.der"]));
        },
    );
}

#[test]
fn every_file_of_ssl_cert_dir_is_read() {
    in_child(
        "every_file_of_ssl_cert_dir_is_read",
        |dir| {
            std::fs::create_dir(dir.join("certs")).unwrap();
            write_ca(dir, "keel test CA one", "certs/one.pem", "one.der");
            write_ca(dir, "keel test CA two", "certs/two.pem", "two.der");
            vec![("SSL_CERT_DIR", "certs")]
        },
        |dir| {
            let store = TrustStore::from_system().unwrap();
            assert_same_roots(&store, &expected(dir, &["one.der", "two.der"]));
        },
    );
}

#[test]
fn a_certificate_that_does_not_parse_is_skipped() {
    in_child(
        "a_certificate_that_does_not_parse_is_skipped",
        |dir| {
            let (pem, der) = ca("keel system roots test CA");
            std::fs::write(dir.join("bundle.pem"), format!("{NOT_A_CERTIFICATE}{pem}")).unwrap();
            std::fs::write(dir.join("ca.der"), der).unwrap();
            vec![("SSL_CERT_FILE", "bundle.pem")]
        },
        |dir| {
            let store = TrustStore::from_system().unwrap();
            assert_same_roots(&store, &expected(dir, &["ca.der"]));
        },
    );
}

#[test]
fn when_every_certificate_is_skipped_the_first_one_says_why() {
    in_child(
        "when_every_certificate_is_skipped_the_first_one_says_why",
        |dir| {
            std::fs::write(dir.join("bad.pem"), NOT_A_CERTIFICATE).unwrap();
            vec![("SSL_CERT_FILE", "bad.pem")]
        },
        |_| {
            let error = TrustStore::from_system().unwrap_err();
            assert!(
                matches!(error, LoadError::InvalidCertificate { index: 0, .. }),
                "{error:?}"
            );
        },
    );
}

#[test]
fn a_missing_ssl_cert_file_is_named_in_the_error() {
    in_child(
        "a_missing_ssl_cert_file_is_named_in_the_error",
        |dir| {
            std::fs::create_dir(dir.join("empty")).unwrap();
            vec![("SSL_CERT_FILE", "missing.pem"), ("SSL_CERT_DIR", "empty")]
        },
        |dir| {
            let missing = dir.join("missing.pem");
            let error = TrustStore::from_system().unwrap_err();
            let LoadError::SystemTrustStoreUnreadable { problems } = &error else {
                panic!("{error:?}");
            };
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].path(), Some(missing.as_path()));
            assert_eq!(
                problems[0].io_error().map(std::io::Error::kind),
                Some(std::io::ErrorKind::NotFound)
            );
            let message = error.to_string();
            for needle in [
                "no CA certificate could be loaded",
                "SSL_CERT_FILE",
                missing.to_str().unwrap(),
                "os error 2",
            ] {
                assert!(message.contains(needle), "{needle}: {message}");
            }
        },
    );
}

#[test]
fn damaged_pem_is_a_typed_error() {
    in_child(
        "damaged_pem_is_a_typed_error",
        |dir| {
            std::fs::write(dir.join("damaged.pem"), DAMAGED_BASE64).unwrap();
            vec![("SSL_CERT_FILE", "damaged.pem")]
        },
        |_| {
            let error = TrustStore::from_system().unwrap_err();
            let LoadError::SystemTrustStoreUnreadable { problems } = &error else {
                panic!("{error:?}");
            };
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(problems[0].io_error().is_none());
            assert!(error.to_string().contains("base64"), "{error}");
        },
    );
}

#[test]
fn files_without_certificates_are_not_found() {
    in_child(
        "files_without_certificates_are_not_found",
        |dir| {
            std::fs::write(dir.join("garbage.pem"), "no PEM here at all\n").unwrap();
            std::fs::create_dir(dir.join("empty")).unwrap();
            vec![("SSL_CERT_FILE", "garbage.pem"), ("SSL_CERT_DIR", "empty")]
        },
        |_| {
            let error = TrustStore::from_system().unwrap_err();
            assert!(
                matches!(error, LoadError::SystemTrustStoreNotFound),
                "{error:?}"
            );
            let message = error.to_string();
            assert!(message.contains("SSL_CERT_FILE"), "{message}");
        },
    );
}

#[test]
fn the_platform_store_loads_where_the_system_has_one() {
    in_child(
        "the_platform_store_loads_where_the_system_has_one",
        |_| Vec::new(),
        // Only meaningful where a store exists; CI runs on Debian, which has
        // one once ca-certificates is installed.
        |_| match TrustStore::from_system() {
            Ok(store) => assert!(store.len() > 10, "{store:?}"),
            Err(LoadError::SystemTrustStoreNotFound) => {
                assert!(!Path::new("/etc/ssl/certs/ca-certificates.crt").exists());
            }
            Err(other) => panic!("{other}"),
        },
    );
}

//! `--cert-dir DIR`: the certificate and key pairs a directory holds,
//! `NAME.pem` with `NAME.key`, listed anew for every build so that a
//! reload picks up sites added or removed since.
//!
//! Files are taken in the order of their names, so that which certificate
//! comes first does not depend on the file system's listing order. A
//! `NAME.pem` without its `NAME.key` is an error rather than skipped: it
//! is most often a key not copied yet, and a reload then keeps the
//! certificates in use instead of dropping the site. Other files (a
//! README, a CA bundle named otherwise) are left alone.

use std::path::{Path, PathBuf};

use snafu::{ResultExt, ensure};

use super::error::{CertWithoutKeySnafu, ProxyError, ReadCertDirSnafu};

/// The `NAME.pem`/`NAME.key` pairs in `dir`, by name.
pub(crate) fn pairs(dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>, ProxyError> {
    let mut certs = Vec::new();
    for entry in std::fs::read_dir(dir).context(ReadCertDirSnafu { path: dir })? {
        let path = entry.context(ReadCertDirSnafu { path: dir })?.path();
        if path.extension().is_some_and(|ext| ext == "pem") && path.is_file() {
            certs.push(path);
        }
    }
    certs.sort();
    certs
        .into_iter()
        .map(|cert| {
            let key = cert.with_extension("key");
            ensure!(key.is_file(), CertWithoutKeySnafu { cert, key });
            Ok((cert, key))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_taken_by_name_and_a_lone_certificate_is_refused() {
        let dir = std::env::temp_dir().join(format!("keel-cert-dir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["b.pem", "b.key", "a.pem", "a.key", "README", "c.key"] {
            std::fs::write(dir.join(name), "").unwrap();
        }
        let found = pairs(&dir).unwrap();
        let names: Vec<_> = found
            .iter()
            .map(|(c, k)| (c.file_name().unwrap(), k.file_name().unwrap()))
            .collect();
        assert_eq!(
            names,
            [
                ("a.pem".as_ref(), "a.key".as_ref()),
                ("b.pem".as_ref(), "b.key".as_ref())
            ]
        );

        std::fs::write(dir.join("d.pem"), "").unwrap();
        let err = pairs(&dir).unwrap_err().to_string();
        assert!(err.contains("d.pem has no key beside it"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

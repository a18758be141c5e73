//! The roots a side trusts to issue its peer's certificate.

use core::fmt;

use aws_lc_rs::digest;
use rustls_pki_types::{CertificateDer, TrustAnchor};

use crate::load::{load_certificates, parse_certificate};
use crate::load_error::{EmptyTrustStoreSnafu, LoadError, PrivateKeyInTrustStoreSnafu};
use crate::pem_frame::{looks_like_pem, pem_blocks};
use crate::verify::checks::{AnchorCert, AnchorFacts};

/// A set of trust anchors (root CAs) for validating a peer's certificate
/// chain.
///
/// Build one from the Mozilla roots shipped with keel
/// ([`TrustStore::webpki_roots`]), from your own roots in PEM or DER
/// ([`TrustStore::from_pem`], [`TrustStore::from_der_certificates`]), or
/// from the operating system's CA certificates ([`TrustStore::from_system`]).
/// Loading only checks that each root parses; whether a root is a valid CA
/// for a chain is decided when a chain is validated.
///
/// A trust store holds certificates only: PEM that contains a private key
/// is refused, and so is a store that would be empty. Adding a root that is
/// already present has no effect.
#[derive(Clone)]
pub struct TrustStore {
    /// The anchors, in the order they were added, as rustls-webpki takes
    /// them.
    anchors: Vec<TrustAnchor<'static>>,
    /// `certificates[i]` is the certificate `anchors[i]` was made from,
    /// when keel has it: roots given by the user and read from the system
    /// have it, the compiled-in Mozilla roots do not. The two vectors
    /// always have the same length; only [`TrustStore::push`] grows them.
    certificates: Vec<Option<CertificateDer<'static>>>,
    /// keel's checks of `certificates[i]`, made when it was added: `None`
    /// with no certificate, `Some(None)` when x509-parser cannot read it.
    facts: Vec<Option<Option<AnchorFacts>>>,
}

impl TrustStore {
    /// The Mozilla root program's CAs, as compiled into the `webpki-roots`
    /// crate. These anchors carry no certificate, so the validator's extra
    /// checks on user-supplied roots do not apply to them.
    #[must_use]
    pub fn webpki_roots() -> Self {
        let mut store = Self::empty();
        for anchor in webpki_roots::TLS_SERVER_ROOTS {
            store.push(anchor.clone(), None);
        }
        store
    }

    /// Trust store from PEM (every `CERTIFICATE` block) or from one DER
    /// certificate.
    ///
    /// # Errors
    ///
    /// [`LoadError::PrivateKeyInTrustStore`] when the PEM holds a private
    /// key, [`LoadError::EmptyTrustStore`] when it holds no certificate,
    /// and the errors of [`load_certificates`](crate::load_certificates)
    /// and [`TrustStore::add_der`].
    pub fn from_pem(pem: &[u8]) -> Result<Self, LoadError> {
        let mut store = Self::empty();
        store.add_pem(pem)?;
        Ok(store)
    }

    /// Trust store from DER certificates.
    ///
    /// # Errors
    ///
    /// [`LoadError::EmptyTrustStore`] when there is none, and the errors of
    /// [`TrustStore::add_der`], naming the certificate's position.
    pub fn from_der_certificates<'a>(
        certificates: impl IntoIterator<Item = CertificateDer<'a>>,
    ) -> Result<Self, LoadError> {
        let mut store = Self::empty();
        for (index, certificate) in certificates.into_iter().enumerate() {
            let (anchor, certificate) = make_anchor(index, &certificate)?;
            store.push(anchor, Some(certificate));
        }
        if store.is_empty() {
            return EmptyTrustStoreSnafu.fail();
        }
        Ok(store)
    }

    /// Trust store from the operating system's CA certificates, found
    /// and read by rustls-native-certs: when `SSL_CERT_FILE` (a PEM
    /// bundle) or `SSL_CERT_DIR` (directories of PEM files, separated by
    /// `:` on Unix) is set, those replace the platform's store; otherwise
    /// the platform's store is read (on Unix the bundle file and directory
    /// that openssl-probe finds, such as `/etc/ssl/certs/ca-certificates.crt`
    /// on Debian and Ubuntu; the keychain on macOS; the system store on
    /// Windows).
    ///
    /// A certificate that does not parse or cannot be a trust anchor is
    /// skipped, as are files that cannot be read, as long as some root
    /// loads: the store is the administrator's, and skipping only trusts
    /// less.
    ///
    /// This is IO and reads those two environment variables: it is a
    /// convenience for programs that want the system's roots, and nothing
    /// else in keel calls it.
    ///
    /// # Errors
    ///
    /// [`LoadError::SystemTrustStoreUnreadable`] when no root loaded and
    /// reading failed (a missing `SSL_CERT_FILE`, say), naming each
    /// problem; [`LoadError::SystemTrustStoreNotFound`] when no root loaded
    /// and nothing failed (no bundle installed, or files without
    /// certificates); the error of the first certificate when every one was
    /// skipped.
    pub fn from_system() -> Result<Self, LoadError> {
        crate::system_roots::load()
    }

    /// Adds every certificate of a PEM input (or one DER certificate) and
    /// returns how many anchors were new. Nothing is added when an error is
    /// returned.
    ///
    /// # Errors
    ///
    /// As [`TrustStore::from_pem`].
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<usize, LoadError> {
        if looks_like_pem(pem)
            && let Some(key) = pem_blocks(pem)?.iter().find(|block| block.is_private_key())
        {
            return PrivateKeyInTrustStoreSnafu {
                line: key.begin_line,
            }
            .fail();
        }
        let certificates = match load_certificates(pem) {
            Err(LoadError::NoCertificates) => return EmptyTrustStoreSnafu.fail(),
            other => other?,
        };
        let anchors = certificates
            .iter()
            .enumerate()
            .map(|(index, certificate)| make_anchor(index, certificate))
            .collect::<Result<Vec<_>, _>>()?;
        let before = self.len();
        for (anchor, certificate) in anchors {
            self.push(anchor, Some(certificate));
        }
        Ok(self.len().saturating_sub(before))
    }

    /// Adds one DER certificate as a trust anchor.
    ///
    /// # Errors
    ///
    /// [`LoadError::InvalidCertificate`] when it does not parse as X.509,
    /// [`LoadError::UnusableTrustAnchor`] when rustls-webpki cannot make an
    /// anchor of it.
    pub fn add_der(&mut self, certificate: CertificateDer<'_>) -> Result<(), LoadError> {
        let (anchor, certificate) = make_anchor(0, &certificate)?;
        self.push(anchor, Some(certificate));
        Ok(())
    }

    /// The number of trust anchors.
    #[must_use]
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether the store holds no anchor (only possible for a store that
    /// every constructor refused, so never for one you hold).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// A SHA-256 digest of the anchors as path building uses them (each
    /// one's subject, public key and name constraints), independent of the
    /// order they were added in: two stores with the same anchors have the
    /// same digest, and a store with one anchor more, less or changed has
    /// another. Configurations bind resumed sessions to it.
    #[must_use]
    pub fn digest(&self) -> [u8; 32] {
        let mut each: Vec<digest::Digest> = self
            .anchors
            .iter()
            .map(|anchor| {
                let mut context = digest::Context::new(&digest::SHA256);
                let constraints = anchor.name_constraints.as_ref().map(|c| c.as_ref());
                for part in [
                    Some(anchor.subject.as_ref()),
                    Some(anchor.subject_public_key_info.as_ref()),
                    constraints,
                ] {
                    // Absent and empty name constraints differ.
                    let (present, bytes) = part.map_or((0u8, &[][..]), |p| (1, p));
                    context.update(&[present]);
                    context.update(&(bytes.len() as u64).to_be_bytes());
                    context.update(bytes);
                }
                context.finish()
            })
            .collect();
        each.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
        let mut all = digest::Context::new(&digest::SHA256);
        all.update(b"keel trust store v1\0");
        for anchor in &each {
            all.update(anchor.as_ref());
        }
        let mut out = [0u8; 32];
        for (byte, digested) in out.iter_mut().zip(all.finish().as_ref()) {
            *byte = *digested;
        }
        out
    }

    /// The DER-encoded subject Name of every anchor, as a server lists them
    /// in a CertificateRequest's certificate_authorities: the CAs a client's
    /// chain should be issued by (RFC 5246 §7.4.6).
    #[must_use]
    pub fn subject_names(&self) -> Vec<Vec<u8>> {
        self.anchors
            .iter()
            .map(|anchor| der_sequence(anchor.subject.as_ref()))
            .collect()
    }

    pub(crate) fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// The certificates of the anchors that have one (user-supplied and
    /// system roots), for the validator's checks on the roots themselves.
    pub(crate) fn anchor_certificates(&self) -> impl Iterator<Item = &CertificateDer<'static>> {
        self.certificates.iter().flatten()
    }

    pub(crate) fn empty() -> Self {
        Self {
            anchors: Vec::new(),
            certificates: Vec::new(),
            facts: Vec::new(),
        }
    }

    /// Adds an anchor unless an equal one is present. The only place the
    /// two vectors grow, which keeps them the same length.
    pub(crate) fn push(
        &mut self,
        anchor: TrustAnchor<'static>,
        certificate: Option<CertificateDer<'static>>,
    ) {
        if !self.anchors.contains(&anchor) {
            self.anchors.push(anchor);
            self.facts
                .push(certificate.as_ref().map(|der| AnchorFacts::of(der)));
            self.certificates.push(certificate);
        }
    }

    /// What keel's checks know of `anchor`, the one a path ends at. Found
    /// by subject *and* public key (and name constraints): two anchors may
    /// share a subject (a re-keyed private root; a user root named like a
    /// Mozilla one), and each must be judged on its own certificate.
    pub(crate) fn anchor_facts_for(&self, anchor: &TrustAnchor<'_>) -> AnchorCert<'_> {
        let found = self.anchors.iter().zip(&self.facts).find(|(candidate, _)| {
            candidate.subject == anchor.subject
                && candidate.subject_public_key_info == anchor.subject_public_key_info
                && candidate.name_constraints == anchor.name_constraints
        });
        match found {
            Some((_, Some(Some(facts)))) => AnchorCert::Checked(facts),
            Some((_, Some(None))) => AnchorCert::Unreadable,
            Some((_, None)) | None => AnchorCert::Absent,
        }
    }
}

/// Checks that `certificate` parses and makes a rustls-webpki anchor of it,
/// keeping the certificate beside it.
pub(crate) fn make_anchor(
    index: usize,
    certificate: &CertificateDer<'_>,
) -> Result<(TrustAnchor<'static>, CertificateDer<'static>), LoadError> {
    parse_certificate(index, certificate)?;
    let anchor = webpki::anchor_from_trusted_cert(certificate)
        .map_err(|error| LoadError::UnusableTrustAnchor {
            index,
            source: crate::load_reasons::TrustAnchorError(error),
        })?
        .to_owned();
    Ok((anchor, certificate.clone().into_owned()))
}

impl fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustStore")
            .field("anchors", &self.anchors.len())
            .field("with_certificate", &self.anchor_certificates().count())
            .finish()
    }
}

/// Wraps the contents of a Name (webpki keeps anchors' subjects without
/// their outer SEQUENCE) back into a DER SEQUENCE.
fn der_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = vec![0x30];
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes = len.to_be_bytes();
        let significant: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
        out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0));
        out.extend_from_slice(&significant);
    }
    out.extend_from_slice(contents);
    out
}

//! The two functions every TLS 1.3 derivation is made of (RFC 8446 §7.1):
//! HKDF-Extract, and HKDF-Expand-Label (of which Derive-Secret is a use),
//! over aws-lc-rs's HMAC and HKDF. The secret they produce is
//! [`SecretBytes`]: exactly Hash.length bytes, zeroized on drop.

use aws_lc_rs::{hkdf, hmac};
use zeroize::Zeroize;

use super::suite::SuiteHash;
use crate::key_schedule::KeyScheduleError;

/// The prefix of every HkdfLabel.label (RFC 8446 §7.1).
const LABEL_PREFIX: &[u8] = b"tls13 ";

/// The longest label an HkdfLabel can carry after the prefix: its vector is
/// `opaque label<7..255>` (RFC 8446 §7.1), the prefix taking 6 bytes.
pub(crate) const MAX_LABEL_LEN: usize = 255 - LABEL_PREFIX.len();

/// A secret of the suite's hash length (RFC 8446 §7.1: every secret is
/// Hash.length bytes). The variant fixes the length, so no slice of it is
/// ever cut at run time. Zeroized on drop; no `Debug`, no `Clone`.
pub(crate) enum SecretBytes {
    Sha256([u8; 32]),
    Sha384([u8; 48]),
}

impl SecretBytes {
    /// All zeros, of the hash's length: the value RFC 8446 §7.1 uses where
    /// no PSK or no (EC)DHE input exists ("a string of Hash.length bytes
    /// set to zeros"), and the buffer every derivation fills.
    pub(crate) fn zeros(hash: SuiteHash) -> Self {
        match hash {
            SuiteHash::Sha256 => Self::Sha256([0; 32]),
            SuiteHash::Sha384 => Self::Sha384([0; 48]),
        }
    }

    /// A copy of `bytes`, which must be exactly Hash.length long.
    pub(crate) fn from_slice(
        hash: SuiteHash,
        what: &'static str,
        bytes: &[u8],
    ) -> Result<Self, KeyScheduleError> {
        check_len(what, hash.hash_len(), bytes.len())?;
        let mut secret = Self::zeros(hash);
        secret.as_mut_slice().copy_from_slice(bytes);
        Ok(secret)
    }

    pub(crate) fn hash(&self) -> SuiteHash {
        match self {
            Self::Sha256(_) => SuiteHash::Sha256,
            Self::Sha384(_) => SuiteHash::Sha384,
        }
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Self::Sha256(bytes) => bytes,
            Self::Sha384(bytes) => bytes,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [u8] {
        match self {
            Self::Sha256(bytes) => bytes,
            Self::Sha384(bytes) => bytes,
        }
    }

    /// `HKDF-Extract(Salt = self, IKM)` (RFC 5869 §2.2: `PRK = HMAC-Hash(salt,
    /// IKM)`), as RFC 8446 §7.1 draws it: the running secret enters from the
    /// top as the salt, the new input from the left as the IKM.
    pub(crate) fn extract(&self, ikm: &[u8]) -> Result<Self, KeyScheduleError> {
        let hash = self.hash();
        let key = hmac::Key::new(hash.hmac_algorithm(), self.as_slice());
        let mut prk = Self::zeros(hash);
        // HMAC writes straight into the zeroized buffer, so no other copy of
        // the PRK is left behind. It refuses only a buffer shorter than the
        // hash, which this one never is.
        hmac::sign_to_buffer(&key, ikm, prk.as_mut_slice()).map_err(|_| KeyScheduleError::Prf {
            derivation: "HKDF-Extract output",
        })?;
        Ok(prk)
    }

    /// `HKDF-Expand-Label(self, label, context, out.len())` into `out`.
    pub(crate) fn expand_label_into(
        &self,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), KeyScheduleError> {
        expand_label(self.hash(), self.as_slice(), label, context, out)
    }

    /// `HKDF-Expand-Label(self, label, context, Hash.length)`: a secret of
    /// the same hash.
    pub(crate) fn expand_label(
        &self,
        label: &[u8],
        context: &[u8],
    ) -> Result<Self, KeyScheduleError> {
        let mut out = Self::zeros(self.hash());
        self.expand_label_into(label, context, out.as_mut_slice())?;
        Ok(out)
    }

    /// `Derive-Secret(self, label, Messages)` given `Transcript-Hash(Messages)`
    /// (RFC 8446 §7.1). A hash of another length than the suite's is refused:
    /// it would mean the transcript ran under another hash.
    pub(crate) fn derive_secret(
        &self,
        label: &[u8],
        transcript_hash: &[u8],
    ) -> Result<Self, KeyScheduleError> {
        check_len(
            "transcript hash",
            self.hash().hash_len(),
            transcript_hash.len(),
        )?;
        self.expand_label(label, transcript_hash)
    }

    /// `Derive-Secret(self, "derived", "")`, the step between two extracts
    /// (RFC 8446 §7.1): the hash of no messages is the hash of "".
    pub(crate) fn derived(&self) -> Result<Self, KeyScheduleError> {
        let empty = self.hash().hash(&[]);
        self.derive_secret(b"derived", empty.as_ref())
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.as_mut_slice().zeroize();
    }
}

/// HKDF-Expand-Label (RFC 8446 §7.1):
///
/// ```text
/// HKDF-Expand-Label(Secret, Label, Context, Length) =
///      HKDF-Expand(Secret, HkdfLabel, Length)
///
/// struct {
///     uint16 length = Length;
///     opaque label<7..255> = "tls13 " + Label;
///     opaque context<0..255> = Context;
/// } HkdfLabel;
/// ```
///
/// `secret` is a PRK of the hash's length. A label, context or length the
/// structure cannot carry, or a length over HKDF's 255 × Hash.length, is
/// refused.
pub(crate) fn expand_label(
    hash: SuiteHash,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<(), KeyScheduleError> {
    let too_long = |what, max: usize, actual| KeyScheduleError::BadLength {
        what,
        expected: max,
        actual,
    };
    // HKDF itself refuses more than 255 × Hash.length bytes (RFC 5869
    // §2.3); the uint16 here only has to hold what it allows.
    let length = u16::try_from(out.len())
        .map_err(|_| too_long("HKDF-Expand output", 255 * hash.hash_len(), out.len()))?
        .to_be_bytes();
    // RFC 8446 §7.1 writes `label<7..255>`, which an empty Label would
    // undercut by one; keel's own labels are never empty, but an exporter
    // label (RFC 8446 §7.5) is the application's, and OpenSSL, BoringSSL
    // and rustls all export with an empty one as "tls13 " alone, so keel
    // does too rather than fail where its peer succeeds.
    let label_len = u8::try_from(LABEL_PREFIX.len() + label.len())
        .map_err(|_| too_long("HkdfLabel label", MAX_LABEL_LEN, label.len()))?;
    let context_len = u8::try_from(context.len())
        .map_err(|_| too_long("HkdfLabel context", 255, context.len()))?;
    let info: [&[u8]; 6] = [
        &length,
        &[label_len],
        LABEL_PREFIX,
        label,
        &[context_len],
        context,
    ];
    // The PRK is a derived secret, not the output of aws-lc-rs's own
    // extract, so it comes in through the constructor meant for secrets
    // kept outside (it panics only above 64 bytes; keel's are at most 48).
    // aws-lc-rs zeroizes its copy on drop.
    let prk = hkdf::Prk::new_less_safe(hash.hkdf_algorithm(), secret);
    prk.expand(&info, OutputLen(out.len()))
        .and_then(|okm| okm.fill(out))
        .map_err(|_| too_long("HKDF-Expand output", 255 * hash.hash_len(), out.len()))
}

/// An HKDF output length chosen at run time.
struct OutputLen(usize);

impl hkdf::KeyType for OutputLen {
    fn len(&self) -> usize {
        self.0
    }
}

pub(crate) fn check_len(
    what: &'static str,
    expected: usize,
    actual: usize,
) -> Result<(), KeyScheduleError> {
    if expected == actual {
        Ok(())
    } else {
        Err(KeyScheduleError::BadLength {
            what,
            expected,
            actual,
        })
    }
}

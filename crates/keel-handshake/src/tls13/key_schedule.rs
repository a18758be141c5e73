//! The TLS 1.3 key schedule (RFC 8446 §7.1), as types the compiler keeps in
//! order: [`EarlySecret`] → [`HandshakeSecret`] → [`MasterSecret`], each
//! consumed by the step that makes the next, so that no secret outlives its
//! stage and none can be derived from the wrong one.
//!
//! ```text
//!              0
//!              |
//!              v
//!    PSK ->  HKDF-Extract = Early Secret
//!              |
//!              +-----> Derive-Secret(., "res binder", "") = binder_key
//!              v
//!        Derive-Secret(., "derived", "")
//!              |
//!              v
//!    (EC)DHE -> HKDF-Extract = Handshake Secret
//!              |
//!              +-----> Derive-Secret(., "c hs traffic", ClientHello...ServerHello)
//!              +-----> Derive-Secret(., "s hs traffic", ClientHello...ServerHello)
//!              v
//!        Derive-Secret(., "derived", "")
//!              |
//!              v
//!    0 -> HKDF-Extract = Master Secret
//!              |
//!              +-----> Derive-Secret(., "c ap traffic", ClientHello...server Finished)
//!              +-----> Derive-Secret(., "s ap traffic", ClientHello...server Finished)
//!              +-----> Derive-Secret(., "exp master", ClientHello...server Finished)
//!              +-----> Derive-Secret(., "res master", ClientHello...client Finished)
//! ```
//!
//! keel sends and accepts no early data, so the "c e traffic" and
//! "e exp master" branches and the external-PSK "ext binder" are absent.
//! Every Derive-Secret takes the transcript hash (see
//! [`Transcript13`](super::transcript::Transcript13)), never the messages.

use super::finished::FinishedKey;
use super::hkdf::SecretBytes;
use super::suite::{SuiteHash, Tls13Suite};
use crate::key_schedule::KeyScheduleError;

/// Defines a secret type over [`SecretBytes`]: zeroized on drop (by
/// `SecretBytes`), its bytes shown by `Debug` never, and its hash known.
macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name(SecretBytes);

        impl $name {
            /// The suite hash this secret was derived under.
            #[must_use]
            pub fn hash(&self) -> SuiteHash {
                self.0.hash()
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("hash", &self.0.hash())
                    .finish_non_exhaustive()
            }
        }
    };
}

secret_type! {
    /// The Early Secret: `HKDF-Extract(0, PSK)`, or of zeros when there is
    /// no PSK (RFC 8446 §7.1).
    EarlySecret
}

secret_type! {
    /// The Handshake Secret: `HKDF-Extract(Derive-Secret(Early Secret,
    /// "derived", ""), (EC)DHE)` (RFC 8446 §7.1).
    HandshakeSecret
}

secret_type! {
    /// The Master Secret: `HKDF-Extract(Derive-Secret(Handshake Secret,
    /// "derived", ""), 0)` (RFC 8446 §7.1).
    MasterSecret
}

secret_type! {
    /// A traffic secret, handshake or application, of one direction: the
    /// source of its record keys ([`traffic_keys`](Self::traffic_keys)), of
    /// its Finished key, and of its successor after a KeyUpdate.
    /// [`as_bytes`](Self::as_bytes) is for a key log.
    TrafficSecret
}

secret_type! {
    /// The resumption_master_secret (RFC 8446 §7.1), from which each
    /// NewSessionTicket's PSK is derived.
    ResumptionMasterSecret
}

secret_type! {
    /// A resumption PSK (RFC 8446 §4.6.1), kept with a session ticket and
    /// given back to [`EarlySecret::with_psk`] to resume.
    Psk
}

secret_type! {
    /// The binder_key for resumption PSKs ("res binder", RFC 8446 §7.1),
    /// which computes and checks PSK binders (RFC 8446 §4.2.11.2).
    BinderKey
}

/// The secrets with no `as_bytes` (nothing outside the schedule needs
/// them) show their bytes to the tests against published traces.
#[cfg(test)]
macro_rules! test_bytes {
    ($($name:ident),*) => {
        $(impl $name {
            pub(crate) fn test_bytes(&self) -> &[u8] {
                self.0.as_slice()
            }
        })*
    };
}

#[cfg(test)]
test_bytes!(
    EarlySecret,
    HandshakeSecret,
    MasterSecret,
    ResumptionMasterSecret,
    BinderKey
);

impl EarlySecret {
    /// The Early Secret of a full handshake: no PSK, so the IKM is Hash.length
    /// zeros, like the salt (RFC 8446 §7.1: "if no PSK is selected, it will
    /// then need to compute the Early Secret corresponding to the zero PSK").
    pub fn without_psk(hash: SuiteHash) -> Result<Self, KeyScheduleError> {
        let zeros = SecretBytes::zeros(hash);
        zeros.extract(zeros.as_slice()).map(Self)
    }

    /// The Early Secret of a resumption from `psk`, which was made under
    /// this suite's hash (RFC 8446 §4.2.11: a PSK is used only with its own
    /// hash).
    pub fn with_psk(psk: &Psk) -> Result<Self, KeyScheduleError> {
        SecretBytes::zeros(psk.hash())
            .extract(psk.0.as_slice())
            .map(Self)
    }

    /// `binder_key = Derive-Secret(Early Secret, "res binder", "")`
    /// (RFC 8446 §7.1). keel's PSKs all come from its own tickets, so the
    /// label is always "res binder", never "ext binder".
    pub fn resumption_binder_key(&self) -> Result<BinderKey, KeyScheduleError> {
        let empty = self.0.hash().hash(&[]);
        self.0
            .derive_secret(b"res binder", empty.as_ref())
            .map(BinderKey)
    }

    /// The next stage: `HKDF-Extract(Derive-Secret(., "derived", ""),
    /// shared_secret)`, where `shared_secret` is the (EC)DHE or hybrid
    /// shared secret (RFC 8446 §7.1; keel always has one, as it resumes only
    /// with (EC)DHE). The caller zeroizes `shared_secret` afterwards.
    pub fn into_handshake_secret(
        self,
        shared_secret: &[u8],
    ) -> Result<HandshakeSecret, KeyScheduleError> {
        self.0
            .derived()?
            .extract(shared_secret)
            .map(HandshakeSecret)
    }
}

impl HandshakeSecret {
    /// `client_handshake_traffic_secret = Derive-Secret(., "c hs traffic",
    /// ClientHello...ServerHello)`, from that transcript's hash.
    pub fn client_handshake_traffic_secret(
        &self,
        hash_client_hello_server_hello: &[u8],
    ) -> Result<TrafficSecret, KeyScheduleError> {
        self.0
            .derive_secret(b"c hs traffic", hash_client_hello_server_hello)
            .map(TrafficSecret)
    }

    /// `server_handshake_traffic_secret = Derive-Secret(., "s hs traffic",
    /// ClientHello...ServerHello)`, from that transcript's hash.
    pub fn server_handshake_traffic_secret(
        &self,
        hash_client_hello_server_hello: &[u8],
    ) -> Result<TrafficSecret, KeyScheduleError> {
        self.0
            .derive_secret(b"s hs traffic", hash_client_hello_server_hello)
            .map(TrafficSecret)
    }

    /// The next stage: `HKDF-Extract(Derive-Secret(., "derived", ""), 0)`.
    pub fn into_master_secret(self) -> Result<MasterSecret, KeyScheduleError> {
        let derived = self.0.derived()?;
        let zeros = SecretBytes::zeros(self.0.hash());
        derived.extract(zeros.as_slice()).map(MasterSecret)
    }
}

impl MasterSecret {
    /// `client_application_traffic_secret_0 = Derive-Secret(., "c ap
    /// traffic", ClientHello...server Finished)`.
    pub fn client_application_traffic_secret(
        &self,
        hash_client_hello_server_finished: &[u8],
    ) -> Result<TrafficSecret, KeyScheduleError> {
        self.0
            .derive_secret(b"c ap traffic", hash_client_hello_server_finished)
            .map(TrafficSecret)
    }

    /// `server_application_traffic_secret_0 = Derive-Secret(., "s ap
    /// traffic", ClientHello...server Finished)`.
    pub fn server_application_traffic_secret(
        &self,
        hash_client_hello_server_finished: &[u8],
    ) -> Result<TrafficSecret, KeyScheduleError> {
        self.0
            .derive_secret(b"s ap traffic", hash_client_hello_server_finished)
            .map(TrafficSecret)
    }

    /// `exporter_master_secret = Derive-Secret(., "exp master",
    /// ClientHello...server Finished)`.
    pub fn exporter_master_secret(
        &self,
        hash_client_hello_server_finished: &[u8],
    ) -> Result<super::exporter::ExporterSecret, KeyScheduleError> {
        self.0
            .derive_secret(b"exp master", hash_client_hello_server_finished)
            .map(super::exporter::ExporterSecret::new)
    }

    /// `resumption_master_secret = Derive-Secret(., "res master",
    /// ClientHello...client Finished)`. The last derivation from the master
    /// secret, so it consumes it: nothing can be derived from it afterwards.
    pub fn into_resumption_master_secret(
        self,
        hash_client_hello_client_finished: &[u8],
    ) -> Result<ResumptionMasterSecret, KeyScheduleError> {
        self.0
            .derive_secret(b"res master", hash_client_hello_client_finished)
            .map(ResumptionMasterSecret)
    }
}

impl TrafficSecret {
    /// The record keys of this secret (RFC 8446 §7.3):
    ///
    /// ```text
    /// [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length)
    /// [sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length)
    /// ```
    ///
    /// `suite` must be the one the secret was derived for (its hash must
    /// match); iv_length is 12 for all three suites (RFC 8446 §5.3: "N_MIN"
    /// for these AEADs).
    pub fn traffic_keys(&self, suite: Tls13Suite) -> Result<TrafficKeyMaterial, KeyScheduleError> {
        if suite.hash() != self.0.hash() {
            return Err(KeyScheduleError::BadLength {
                what: "suite hash",
                expected: self.0.hash().hash_len(),
                actual: suite.hash().hash_len(),
            });
        }
        let mut keys = TrafficKeyMaterial {
            key: [0; MAX_KEY_LEN],
            key_len: suite.key_len(),
            iv: [0; IV_LEN],
        };
        let (key, _) = keys.key.split_at_mut(suite.key_len().min(MAX_KEY_LEN));
        self.0.expand_label_into(b"key", &[], key)?;
        self.0.expand_label_into(b"iv", &[], &mut keys.iv)?;
        Ok(keys)
    }

    /// `finished_key = HKDF-Expand-Label(BaseKey, "finished", "",
    /// Hash.length)` (RFC 8446 §4.4.4), where this secret is the BaseKey:
    /// a handshake traffic secret for the handshake's Finished messages.
    pub fn finished_key(&self) -> Result<FinishedKey, KeyScheduleError> {
        FinishedKey::from_base_key(&self.0)
    }

    /// The next generation of this application traffic secret, after a
    /// KeyUpdate (RFC 8446 §7.2):
    ///
    /// ```text
    /// application_traffic_secret_N+1 =
    ///     HKDF-Expand-Label(application_traffic_secret_N,
    ///                       "traffic upd", "", Hash.length)
    /// ```
    ///
    /// It consumes the old secret, which RFC 8446 §7.2 says to delete once
    /// the new keys are computed.
    pub fn into_next_generation(self) -> Result<Self, KeyScheduleError> {
        self.0.expand_label(b"traffic upd", &[]).map(Self)
    }

    /// A traffic secret from its bytes, as a key log holds them (for tools
    /// that open recorded TLS 1.3 traffic, and tests that stand between
    /// two endpoints); it must be Hash.length bytes for `hash`.
    pub fn from_bytes(hash: SuiteHash, bytes: &[u8]) -> Result<Self, KeyScheduleError> {
        SecretBytes::from_slice(hash, "traffic secret", bytes).map(Self)
    }

    /// The secret itself, for a key log ([`keylog_labels`](super::keylog_labels)).
    /// Whoever copies it out is responsible for that copy.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl ResumptionMasterSecret {
    /// The PSK of a ticket (RFC 8446 §4.6.1):
    ///
    /// ```text
    /// HKDF-Expand-Label(resumption_master_secret,
    ///                   "resumption", ticket_nonce, Hash.length)
    /// ```
    ///
    /// `ticket_nonce` is the NewSessionTicket's (at most 255 bytes, its wire
    /// bound; a longer one is refused).
    pub fn ticket_psk(&self, ticket_nonce: &[u8]) -> Result<Psk, KeyScheduleError> {
        self.0.expand_label(b"resumption", ticket_nonce).map(Psk)
    }
}

impl Psk {
    /// A PSK kept by a session store; it must be Hash.length bytes for
    /// `hash`, the hash of the suite of the session it came from.
    pub fn from_bytes(hash: SuiteHash, bytes: &[u8]) -> Result<Self, KeyScheduleError> {
        SecretBytes::from_slice(hash, "resumption PSK", bytes).map(Self)
    }

    /// The PSK itself, for a session store. Whoever copies it out is
    /// responsible for that copy.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl BinderKey {
    /// The binder of a PSK (RFC 8446 §4.2.11.2): computed "in the same way
    /// as the Finished message but with the BaseKey being the binder_key",
    /// over `Transcript-Hash(Truncate(ClientHello1))`, the ClientHello up to
    /// and excluding the binders list (after a HelloRetryRequest, the
    /// transcript hash of ClientHello1, HelloRetryRequest and the truncated
    /// ClientHello2). The finished key holds the binder computation
    /// ([`FinishedKey::verify_data`]) and its check
    /// ([`FinishedKey::verify`]).
    pub fn finished_key(&self) -> Result<FinishedKey, KeyScheduleError> {
        FinishedKey::from_base_key(&self.0)
    }
}

/// The longest AEAD key of keel's TLS 1.3 suites.
const MAX_KEY_LEN: usize = 32;

/// The AEAD IV length of keel's TLS 1.3 suites (RFC 8446 §5.3: the nonce
/// is iv_length bytes, at least 8 and, for these AEADs, 12).
pub const IV_LEN: usize = 12;

/// The write key and IV of one direction (RFC 8446 §7.3), as bytes for the
/// record layer. Zeroized on drop; `Debug` shows neither.
pub struct TrafficKeyMaterial {
    key: [u8; MAX_KEY_LEN],
    key_len: usize,
    iv: [u8; IV_LEN],
}

impl TrafficKeyMaterial {
    /// The AEAD key: 16 or 32 bytes, the suite's key_length.
    #[must_use]
    pub fn key(&self) -> &[u8] {
        let (key, _) = self.key.split_at(self.key_len.min(MAX_KEY_LEN));
        key
    }

    /// The 12-byte IV, XORed with the record sequence number to make each
    /// record's nonce (RFC 8446 §5.3).
    #[must_use]
    pub fn iv(&self) -> &[u8; IV_LEN] {
        &self.iv
    }
}

impl Drop for TrafficKeyMaterial {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
        zeroize::Zeroize::zeroize(&mut self.iv);
    }
}

impl core::fmt::Debug for TrafficKeyMaterial {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TrafficKeyMaterial")
            .field("key_len", &self.key_len)
            .finish_non_exhaustive()
    }
}

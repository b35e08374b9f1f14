//! Secrets at rest and the MACs of the API and the webhooks.
//!
//! - The key-encryption key ([`Kek`], 32 bytes from a file or the
//!   environment) seals with ChaCha20-Poly1305 every secret the gateway must
//!   be able to use again: merchants' terminal keys, the HMAC keys of API
//!   keys, webhook signing secrets. A copy of the database alone signs
//!   nothing and forges nothing.
//! - API secrets are 32 random bytes shown once. The gateway keeps only
//!   `SHA-256(secret)`, which is also the HMAC key requests are signed with:
//!   the secret itself is never stored, and a plain hash (not argon2) is
//!   enough because 256 random bits cannot be guessed, while a slow hash
//!   per request would only cost latency.
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A sealed secret could not be opened or a key is malformed.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The key-encryption key is not 32 bytes of hex.
    #[error("the key-encryption key must be 32 bytes as 64 hex digits")]
    BadKek,
    /// A sealed value is malformed or was sealed under another key.
    #[error("a sealed secret does not open with this key-encryption key")]
    Unseal,
}

/// The key-encryption key. Debug output never shows it.
#[derive(Clone)]
pub struct Kek(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(..)")
    }
}

impl Kek {
    /// From 64 hex digits (an optional `0x` and surrounding whitespace allowed).
    ///
    /// # Errors
    /// [`CryptoError::BadKek`].
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        let text = text.strip_prefix("0x").unwrap_or(text);
        let mut key = Zeroizing::new([0u8; 32]);
        const_hex::decode_to_slice(text, key.as_mut()).map_err(|_| CryptoError::BadKek)?;
        Ok(Self(key))
    }

    /// A random key (tests, first-run development).
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        Self(key)
    }

    /// Seals `plain`, bound to `context` (e.g. `"terminal:<merchant id>"`) so
    /// that a sealed value copied to another row does not open there.
    pub fn seal(&self, context: &str, plain: &[u8]) -> String {
        let cipher = ChaCha20Poly1305::new(&Key::from(*self.0));
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .expect("ChaCha20-Poly1305 encryption of a short message cannot fail");
        format!(
            "v1.{}.{}",
            const_hex::encode(nonce),
            const_hex::encode(sealed)
        )
    }

    /// Opens what [`Kek::seal`] sealed under the same `context`.
    ///
    /// # Errors
    /// [`CryptoError::Unseal`].
    pub fn open(&self, context: &str, sealed: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let mut parts = sealed.split('.');
        let (Some("v1"), Some(nonce), Some(body), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Unseal);
        };
        let nonce: [u8; 12] = const_hex::decode_to_array(nonce).map_err(|_| CryptoError::Unseal)?;
        let body = const_hex::decode(body).map_err(|_| CryptoError::Unseal)?;
        let cipher = ChaCha20Poly1305::new(&Key::from(*self.0));
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &body,
                    aad: context.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Unseal)
    }
}

impl Kek {
    /// A value that identifies this key without revealing it:
    /// HMAC-SHA-256(key, a fixed label), as hex. The database keeps the check
    /// values of the keys its secrets are sealed under, so a gateway started
    /// with another key stops at once instead of answering 500 to every call
    /// that needs a sealed secret (`store::kek`).
    pub fn check_value(&self) -> String {
        const_hex::encode(hmac_sha256(
            self.0.as_ref(),
            b"yenpay-gateway key-encryption key check v1",
        ))
    }
}

/// The key that seals, and earlier keys that still open: what the gateway
/// holds while its secrets move to a new key-encryption key without
/// downtime (docs/gateway.md, "Key-encryption key").
#[derive(Debug, Clone)]
pub struct Keyring {
    primary: Kek,
    previous: Vec<Kek>,
}

impl From<Kek> for Keyring {
    fn from(primary: Kek) -> Self {
        Self {
            primary,
            previous: Vec::new(),
        }
    }
}

impl Keyring {
    /// `primary` seals and opens; each of `previous` only opens.
    pub fn new(primary: Kek, previous: Vec<Kek>) -> Self {
        Self { primary, previous }
    }

    /// The key that seals.
    pub fn primary(&self) -> &Kek {
        &self.primary
    }

    /// The check values of every key held, the primary's first.
    pub fn check_values(&self) -> Vec<String> {
        std::iter::once(&self.primary)
            .chain(&self.previous)
            .map(Kek::check_value)
            .collect()
    }

    /// Seals under the primary key ([`Kek::seal`]).
    pub fn seal(&self, context: &str, plain: &[u8]) -> String {
        self.primary.seal(context, plain)
    }

    /// Opens with whichever key sealed it ([`Kek::open`]).
    ///
    /// # Errors
    /// [`CryptoError::Unseal`] when no key held opens it.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        std::iter::once(&self.primary)
            .chain(&self.previous)
            .find_map(|kek| kek.open(context, sealed).ok())
            .ok_or(CryptoError::Unseal)
    }
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    const_hex::encode(bytes)
}

/// SHA-256 as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    const_hex::encode(Sha256::digest(data))
}

/// SHA-256 raw.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// HMAC-SHA256 raw.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Constant-time check of an HMAC-SHA256.
pub fn hmac_sha256_verify(key: &[u8], message: &[u8], tag: &[u8]) -> bool {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.verify_slice(tag).is_ok()
}

/// Constant-time equality of two byte strings (admin token).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Compare MACs of both under a random key: equal length and constant time
    // whatever the inputs' lengths.
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    hmac_sha256_verify(&key, a, &hmac_sha256(&key, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_context() {
        let kek = Kek::generate();
        let sealed = kek.seal("terminal:m1", b"secret");
        assert_eq!(
            kek.open("terminal:m1", &sealed).unwrap().as_slice(),
            b"secret"
        );
        assert!(kek.open("terminal:m2", &sealed).is_err());
        assert!(Kek::generate().open("terminal:m1", &sealed).is_err());
        assert!(kek.open("terminal:m1", "v1.00.00").is_err());
    }

    #[test]
    fn a_keyring_seals_with_its_primary_and_opens_with_any_key() {
        let (old, new) = (Kek::generate(), Kek::generate());
        let sealed_before = old.seal("webhook:w1", b"old secret");
        let ring = Keyring::new(new.clone(), vec![old.clone()]);
        assert_eq!(
            ring.open("webhook:w1", &sealed_before).unwrap().as_slice(),
            b"old secret"
        );
        let sealed_now = ring.seal("webhook:w1", b"new secret");
        assert!(old.open("webhook:w1", &sealed_now).is_err());
        assert_eq!(
            new.open("webhook:w1", &sealed_now).unwrap().as_slice(),
            b"new secret"
        );
        assert!(
            Keyring::from(new.clone())
                .open("webhook:w1", &sealed_before)
                .is_err()
        );
        assert_eq!(ring.check_values(), [new.check_value(), old.check_value()]);
    }

    #[test]
    fn check_values_tell_keys_apart_and_hide_them() {
        let kek = Kek::from_hex(&"ab".repeat(32)).unwrap();
        assert_eq!(
            kek.check_value(),
            Kek::from_hex(&"ab".repeat(32)).unwrap().check_value()
        );
        assert_ne!(kek.check_value(), Kek::generate().check_value());
        assert!(!kek.check_value().contains(&"ab".repeat(32)));
        assert_eq!(kek.check_value().len(), 64);
    }

    #[test]
    fn kek_parses_hex_and_refuses_the_rest() {
        assert!(Kek::from_hex(&"ab".repeat(32)).is_ok());
        assert!(Kek::from_hex(&format!("0x{}\n", "ab".repeat(32))).is_ok());
        assert!(Kek::from_hex("abcd").is_err());
        assert!(Kek::from_hex(&"zz".repeat(32)).is_err());
        assert_eq!(format!("{:?}", Kek::generate()), "Kek(..)");
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"token", b"token"));
        assert!(!constant_time_eq(b"token", b"tokem"));
        assert!(!constant_time_eq(b"token", b"token2"));
    }
}

//! Password and token handling: Argon2id hashes for people, random bearer
//! tokens stored only as SHA-256, and the rule for acceptable passwords.

use std::sync::{Mutex, PoisonError};

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The shortest password accepted for a staff or guest account.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Passwords refused whatever their length: defaults of the stacks we replace
/// and the usual suspects.
const REFUSED: [&str; 6] = ["password", "admin", "changeme", "hotel", "123456", "qwerty"];

/// The Argon2 working memory (19 MiB with the default parameters), kept for
/// the next check. A fresh buffer per sign-in left each one's pages resident
/// in the allocator (measured: +19 MB of RSS per sign-in, never returned);
/// one shared buffer bounds that to one, at the price of checking one
/// password at a time.
static WORK_MEMORY: Mutex<Vec<Block>> = Mutex::new(Vec::new());

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    /// Too short.
    #[error("password must be at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    /// A well-known default, or one character repeated.
    #[error("password is a well-known default; choose another")]
    Default,
}

/// Checks a new password against the rules.
pub fn check_strength(password: &str) -> Result<(), WeakPassword> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(WeakPassword::TooShort);
    }
    let lower = password.to_lowercase();
    let one_char = password.chars().all(|c| password.starts_with(c));
    if one_char
        || REFUSED.iter().any(|r| {
            lower.starts_with(r)
                && lower
                    .trim_start_matches(r)
                    .chars()
                    .all(|c| c.is_ascii_digit())
        })
    {
        return Err(WeakPassword::Default);
    }
    Ok(())
}

/// Hashes a password with Argon2id (a PHC string). CPU-heavy: call it from
/// `spawn_blocking`.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Checks a password against a PHC string. CPU-heavy: call it from
/// `spawn_blocking`.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Some(expected), Some(salt)) = (
        Algorithm::try_from(parsed.algorithm),
        parsed.hash,
        parsed.salt,
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };

    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let computed = {
        // A panic while hashing leaves only scratch data behind.
        let mut memory = WORK_MEMORY.lock().unwrap_or_else(PoisonError::into_inner);
        memory.resize(params.block_count(), Block::default());
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..])
    };
    computed.is_ok() && constant_time_eq_bytes(&out, expected.as_bytes())
}

/// A random secret of `bytes` bytes, as lowercase hex.
pub fn random_secret(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut raw);
    hex(&raw)
}

/// SHA-256 of `text`, lowercase hex: how tokens and device secrets are stored.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    constant_time_eq_bytes(a.as_bytes(), b.as_bytes())
}

fn constant_time_eq_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_short_and_default_passwords() {
        assert_eq!(check_strength("short"), Err(WeakPassword::TooShort));
        assert_eq!(check_strength("password1234"), Err(WeakPassword::Default));
        assert_eq!(check_strength("Admin0000000"), Err(WeakPassword::Default));
        assert_eq!(
            check_strength("aaaaaaaaaaaaaaa"),
            Err(WeakPassword::Default)
        );
        assert_eq!(check_strength("correct horse battery"), Ok(()));
    }

    #[test]
    fn verifies_hashes_of_other_parameters_with_the_shared_memory() {
        let small = Params::new(1024, 1, 1, None).unwrap();
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let phc = Argon2::new(Algorithm::Argon2id, Version::V0x13, small)
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        let default = hash("correct horse battery").unwrap();
        for _ in 0..2 {
            assert!(verify("correct horse battery", &phc));
            assert!(!verify("correct horse batterx", &phc));
            assert!(verify("correct horse battery", &default));
        }
    }

    #[test]
    fn hashes_verify_only_the_right_password() {
        let phc = hash("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("correct horse batterx", &phc));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn secrets_are_random_hex_and_hashes_stable() {
        let a = random_secret(16);
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_secret(16));
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}

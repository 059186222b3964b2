//! Password and token handling: Argon2id hashes for people, random bearer
//! tokens stored only as SHA-256, and the rule for acceptable passwords.

use std::sync::{Mutex, PoisonError};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The shortest password accepted for a staff or guest account.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Passwords refused whatever their length: defaults of the stacks we replace
/// and the usual suspects.
const REFUSED: [&str; 6] = ["password", "admin", "changeme", "hotel", "123456", "qwerty"];

/// One password hash at a time: each needs Argon2's working memory (19 MiB
/// with the default parameters), so this bounds the memory that sign-ins can
/// take together.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Capacity, in 1 KiB blocks, of the buffer each hash works in: above
/// glibc's 32 MiB ceiling for serving large blocks from its heap. Below it, a
/// freed 19 MiB buffer stays resident in the heap for good (measured: +19 MB
/// of RSS per sign-in); above it, the buffer is a mapping of its own, handed
/// back to the system when dropped, and only the pages Argon2 writes become
/// resident. This matters where glibc's malloc is the allocator (the library,
/// tests, a `hotel` built without its `jemalloc` feature); jemalloc gives
/// such blocks back either way.
const WORK_CAPACITY_BLOCKS: usize = 33 * 1024;

/// The most memory (KiB), passes and lanes a stored hash may ask for: four
/// times the default memory, ten passes, four lanes. A stored hash beyond
/// them (a bad restore, tampering) fails to verify instead of taking the
/// server's memory, or the one hashing turn for hours.
const MAX_M_COST_KIB: u32 = 4 * Params::DEFAULT_M_COST;
const MAX_T_COST: u32 = 10;
const MAX_P_COST: u32 = 4;

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

/// Hashes a password with Argon2id and the default parameters (a PHC
/// string). CPU-heavy: call it from `spawn_blocking`.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        Ok(compute(
            &argon2,
            params.block_count(),
            password,
            raw_salt,
            out,
        )?)
    })?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
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
    if params.m_cost() > MAX_M_COST_KIB
        || params.t_cost() > MAX_T_COST
        || params.p_cost() > MAX_P_COST
    {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };

    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = compute(&argon2, blocks, password, salt, &mut out);
    computed.is_ok() && constant_time_eq_bytes(&out, expected.as_bytes())
}

/// Runs one Argon2 hash in fresh working memory that is given back to the
/// system afterwards (see [`WORK_CAPACITY_BLOCKS`]).
fn compute(
    argon2: &Argon2<'_>,
    blocks: usize,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    // A panic while hashing leaves nothing behind that the next hash reads.
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let mut memory = Vec::with_capacity(blocks.max(WORK_CAPACITY_BLOCKS));
    memory.resize(blocks, Block::default());
    argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..])
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
    use argon2::{PasswordHasher, PasswordVerifier};

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
    fn verifies_hashes_of_other_parameters() {
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
        // A stored hash asking for more than the limits is refused before
        // any work (4 TiB of memory, or hours of passes, otherwise).
        for (from, to) in [("m=19456", "m=4294967295"), ("t=2", "t=100000")] {
            assert!(phc.contains(from), "{phc}");
            assert!(!verify("correct horse battery", &phc.replace(from, to)));
        }
        let standard = PasswordHash::new(&phc).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &standard)
                .is_ok()
        );
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

//! Room identifiers.
//!
//! A room id is what a device puts in its MQTT topic (`hotel/<room>/...`) and
//! what staff see on the dashboard. It is validated once, on construction, and
//! stored inline so that it is `Copy` and needs no allocation (the firmware
//! shares this type).

use core::fmt;
use core::str;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest room id accepted, in bytes.
pub const ROOM_ID_MAX_LEN: usize = 32;

/// A validated room id: 1 to 32 ASCII letters, digits, `-` or `_`.
///
/// # Example
///
/// ```
/// use hotel_core::RoomId;
///
/// let room = RoomId::parse("B-2_17").unwrap();
/// assert_eq!(room.as_str(), "B-2_17");
/// assert!(RoomId::parse("101/evil").is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoomId {
    len: u8,
    bytes: [u8; ROOM_ID_MAX_LEN],
}

/// Why a string is not a valid room id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoomIdError {
    /// The id is empty.
    #[error("room id is empty")]
    Empty,
    /// The id is longer than [`ROOM_ID_MAX_LEN`] bytes.
    #[error("room id is longer than {ROOM_ID_MAX_LEN} characters")]
    TooLong,
    /// The id holds a character other than ASCII letters, digits, `-` and `_`.
    #[error("room id may hold only letters, digits, '-' and '_'")]
    InvalidCharacter,
}

impl RoomId {
    /// Validates `text` as a room id.
    ///
    /// # Errors
    ///
    /// [`RoomIdError`] when `text` is empty, too long or holds a character
    /// outside `A-Z a-z 0-9 - _`.
    pub fn parse(text: &str) -> Result<Self, RoomIdError> {
        let raw = text.as_bytes();
        if raw.is_empty() {
            return Err(RoomIdError::Empty);
        }
        if raw.len() > ROOM_ID_MAX_LEN {
            return Err(RoomIdError::TooLong);
        }
        if !raw
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        {
            return Err(RoomIdError::InvalidCharacter);
        }
        let mut bytes = [0u8; ROOM_ID_MAX_LEN];
        bytes[..raw.len()].copy_from_slice(raw);
        Ok(Self {
            len: raw.len() as u8,
            bytes,
        })
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever stored, which is always valid UTF-8.
        str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoomId({:?})", self.as_str())
    }
}

impl str::FromStr for RoomId {
    type Err = RoomIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for RoomId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Serialize for RoomId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RoomId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = RoomId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a room id of 1 to 32 letters, digits, '-' or '_'")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RoomId, E> {
                RoomId::parse(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_digits_dash_underscore() {
        for ok in ["101", "B-2_17", "a", "Room101", "x".repeat(32).as_str()] {
            assert_eq!(RoomId::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_empty_long_and_odd_characters() {
        assert_eq!(RoomId::parse(""), Err(RoomIdError::Empty));
        assert_eq!(RoomId::parse(&"x".repeat(33)), Err(RoomIdError::TooLong));
        for bad in ["10 1", "101/2", "+", "#", "é", "a.b", "a\0"] {
            assert_eq!(
                RoomId::parse(bad),
                Err(RoomIdError::InvalidCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn orders_and_compares_by_text() {
        let a = RoomId::parse("101").unwrap();
        let b = RoomId::parse("102").unwrap();
        assert!(a < b);
        assert_eq!(a, RoomId::parse("101").unwrap());
    }
}

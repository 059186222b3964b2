//! Bounded reading of JSON values for the telemetry decoder.
//!
//! serde visitors that read scalars (borrowing strings where serde_json can),
//! match object keys against a table of known fields, refuse repeated keys,
//! and walk unknown values without nesting deeper than [`MAX_DEPTH`]. What a
//! value means is decided in the parent module, not here.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The most known fields one object table may hold (one bit each in
/// [`KeySet`]).
pub(super) const MAX_KNOWN_FIELDS: usize = 32;

/// The deepest nesting of arrays and objects accepted, the root object being
/// level 1. The protocol itself needs 2 (root, then `sensors`/`state`).
pub(super) const MAX_DEPTH: usize = 8;

/// A JSON value where the protocol expects a scalar. Containers are read
/// (bounded in depth) and kept only as "was a container".
#[derive(Debug)]
pub(super) enum Scalar<'de> {
    /// `null`: not read.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer from 0 to `u64::MAX`, written without fraction or exponent.
    UInt(u64),
    /// A negative integer from `i64::MIN`, written without fraction or exponent.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string, borrowed from the payload unless it held an escape.
    Str(Cow<'de, str>),
    /// An array or object.
    Compound,
}

impl Scalar<'_> {
    /// The value as a number, if it is one.
    pub(super) fn number(&self) -> Option<f64> {
        // Precision loss above 2^53 is fine: no metric needs it.
        match *self {
            Scalar::UInt(n) => Some(n as f64),
            Scalar::Int(n) => Some(n as f64),
            Scalar::Float(x) => Some(x),
            _ => None,
        }
    }
}

/// An object key: one of the fields the object knows, or another.
pub(super) enum Key<'de, F> {
    /// The field at this index of the table.
    Known(usize, F),
    /// A key not in the table.
    Unknown(Cow<'de, str>),
}

/// Reads an object key against a table of at most [`MAX_KNOWN_FIELDS`]
/// known fields.
pub(super) struct KeySeed<F: 'static>(pub(super) &'static [(&'static str, F)]);

impl<'de, F: Copy> DeserializeSeed<'de> for KeySeed<F> {
    type Value = Key<'de, F>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, F: Copy> Visitor<'de> for KeySeed<F> {
    type Value = Key<'de, F>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(self.known(key).unwrap_or(Key::Unknown(Cow::Borrowed(key))))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        // Only keys with escapes land here, and only unknown ones allocate.
        Ok(self
            .known(key)
            .unwrap_or_else(|| Key::Unknown(Cow::Owned(key.to_owned()))))
    }
}

impl<F: Copy> KeySeed<F> {
    fn known<'de>(&self, key: &str) -> Option<Key<'de, F>> {
        self.0
            .iter()
            .position(|(name, _)| *name == key)
            .map(|i| Key::Known(i, self.0[i].1))
    }
}

/// The keys seen in one object, to refuse repeats. Known keys cost one bit;
/// unknown ones are kept and compared when the object ends.
#[derive(Default)]
pub(super) struct KeySet<'de> {
    known: u32,
    unknown: Vec<Cow<'de, str>>,
}

impl<'de> KeySet<'de> {
    /// Records `key`, returning its field when it is a known one.
    pub(super) fn insert<E: de::Error, F>(&mut self, key: Key<'de, F>) -> Result<Option<F>, E> {
        match key {
            Key::Known(i, field) => {
                let bit = 1u32 << i;
                if self.known & bit != 0 {
                    return Err(E::custom("repeated key"));
                }
                self.known |= bit;
                Ok(Some(field))
            }
            Key::Unknown(name) => {
                self.unknown.push(name);
                Ok(None)
            }
        }
    }

    /// Checks the unknown keys for repeats, in O(n log n).
    pub(super) fn finish<E: de::Error>(mut self) -> Result<(), E> {
        self.unknown.sort_unstable();
        if self.unknown.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(E::custom("repeated key"));
        }
        Ok(())
    }
}

/// Reads a value the protocol expects to be a scalar. `depth` is the level a
/// container here would have.
pub(super) struct ScalarSeed {
    pub(super) depth: usize,
}

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::UInt(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Skip { depth: self.depth }.visit_seq(seq)?;
        Ok(Scalar::Compound)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Skip { depth: self.depth }.visit_map(map)?;
        Ok(Scalar::Compound)
    }
}

/// Reads and drops any value, refusing containers nested beyond
/// [`MAX_DEPTH`] before reading into them. `depth` is the level a container
/// here would have.
///
/// serde_json's own `IgnoredAny` would skip without a depth limit, so values
/// are walked here instead; the walk recurses at most [`MAX_DEPTH`] times.
pub(super) struct Skip {
    pub(super) depth: usize,
}

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.depth > MAX_DEPTH {
            return Err(de::Error::custom("nested too deep"));
        }
        let inner = self.depth + 1;
        while seq.next_element_seed(Skip { depth: inner })?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.depth > MAX_DEPTH {
            return Err(de::Error::custom("nested too deep"));
        }
        let inner = self.depth + 1;
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Skip { depth: inner })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `json` as one object's keys, checked for repeats, values skipped
    /// with the object at `depth`.
    fn read_object(json: &str, depth: usize) -> Result<Vec<Option<u8>>, serde_json::Error> {
        struct Object(usize);

        impl<'de> Visitor<'de> for Object {
            type Value = Vec<Option<u8>>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut keys = KeySet::default();
                let mut seen = Vec::new();
                while let Some(key) = map.next_key_seed(KeySeed(&[("a", 1u8), ("b", 2u8)]))? {
                    seen.push(keys.insert::<A::Error, _>(key)?);
                    map.next_value_seed(Skip { depth: self.0 + 1 })?;
                }
                keys.finish()?;
                Ok(seen)
            }
        }

        let mut de = serde_json::Deserializer::from_str(json);
        let seen = de.deserialize_map(Object(depth))?;
        de.end()?;
        Ok(seen)
    }

    fn scalar(json: &str) -> Scalar<'_> {
        let mut de = serde_json::Deserializer::from_str(json);
        ScalarSeed { depth: 1 }.deserialize(&mut de).unwrap()
    }

    #[test]
    fn matches_known_keys_and_passes_others() {
        assert_eq!(
            read_object(r#"{"b":1,"x":2,"a":3}"#, 1).unwrap(),
            [Some(2), None, Some(1)]
        );
    }

    #[test]
    fn refuses_repeated_known_or_unknown_keys() {
        assert!(read_object(r#"{"a":1,"a":2}"#, 1).is_err());
        assert!(read_object(r#"{"x":1,"y":2,"z":3,"y":4}"#, 1).is_err());
        assert!(read_object(r#"{"\u0078":1,"x":2}"#, 1).is_err());
        assert!(read_object(r#"{"x":1,"X":2}"#, 1).is_ok());
    }

    #[test]
    fn skips_values_up_to_max_depth_only() {
        let nested = |n: usize| format!(r#"{{"x":{}{}}}"#, "[".repeat(n), "]".repeat(n));
        assert!(read_object(&nested(MAX_DEPTH - 1), 1).is_ok());
        assert!(read_object(&nested(MAX_DEPTH), 1).is_err());
        assert!(read_object(&nested(1), MAX_DEPTH).is_err());
        assert!(read_object(r#"{"x":{"y":{"z":[{}]}}}"#, MAX_DEPTH - 4).is_ok());
    }

    #[test]
    fn reads_scalars_borrowing_plain_strings() {
        assert!(matches!(scalar("null"), Scalar::Null));
        assert!(matches!(scalar("true"), Scalar::Bool(true)));
        assert!(matches!(scalar("7"), Scalar::UInt(7)));
        assert!(matches!(scalar("-7"), Scalar::Int(-7)));
        assert!(matches!(scalar("7.5"), Scalar::Float(x) if x == 7.5));
        assert!(matches!(
            scalar(r#""low""#),
            Scalar::Str(Cow::Borrowed("low"))
        ));
        assert!(matches!(scalar(r#""l\u006fw""#), Scalar::Str(Cow::Owned(s)) if s == "low"));
        assert!(matches!(scalar("[1,{}]"), Scalar::Compound));
        assert_eq!(scalar("1").number(), Some(1.0));
        assert_eq!(scalar(r#""1""#).number(), None);
    }
}

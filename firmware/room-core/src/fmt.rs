//! Logging shim: the `defmt` feature logs through defmt (on the device), the
//! `log` feature through the `log` facade (on a host); with neither, log
//! lines compile to nothing. Call sites use plain `{}` placeholders, which
//! both backends accept.
//!
//! The macros are exported (hidden) for the other firmware crates, so that
//! `hotel-room-mqtt` logs through the same shim instead of a copy. Their
//! `cfg`s are evaluated in the crate that calls them, so a caller declares
//! the same two features and forwards them to this crate's.

#[cfg(all(feature = "defmt", feature = "log"))]
compile_error!("features `defmt` and `log` are mutually exclusive; enable at most one");

/// Logs at info level through the enabled backend (module docs).
#[doc(hidden)]
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::info!($($arg)*);
        #[cfg(feature = "log")]
        ::log::info!($($arg)*);
        #[cfg(not(any(feature = "defmt", feature = "log")))]
        $crate::unused!($($arg)*);
    }};
}

/// Logs at warn level through the enabled backend (module docs).
#[doc(hidden)]
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::warn!($($arg)*);
        #[cfg(feature = "log")]
        ::log::warn!($($arg)*);
        #[cfg(not(any(feature = "defmt", feature = "log")))]
        $crate::unused!($($arg)*);
    }};
}

/// Evaluates nothing but marks the arguments as used (no backend enabled).
#[doc(hidden)]
#[macro_export]
macro_rules! unused {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {{
        $( let _ = &$arg; )*
    }};
}

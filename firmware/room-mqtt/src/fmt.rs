//! Logging shim: the `defmt` feature logs through defmt (on the device), the
//! `log` feature through the `log` facade (on a host); with neither, log
//! lines compile to nothing. Call sites use plain `{}` placeholders, which
//! both backends accept.

#[cfg(all(feature = "defmt", feature = "log"))]
compile_error!("features `defmt` and `log` are mutually exclusive; enable at most one");

macro_rules! info {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::info!($($arg)*);
        #[cfg(feature = "log")]
        ::log::info!($($arg)*);
        #[cfg(not(any(feature = "defmt", feature = "log")))]
        $crate::fmt::unused!($($arg)*);
    }};
}

macro_rules! warn {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::warn!($($arg)*);
        #[cfg(feature = "log")]
        ::log::warn!($($arg)*);
        #[cfg(not(any(feature = "defmt", feature = "log")))]
        $crate::fmt::unused!($($arg)*);
    }};
}

/// Evaluates nothing but marks the arguments as used.
#[cfg(not(any(feature = "defmt", feature = "log")))]
macro_rules! unused {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {{
        $( let _ = &$arg; )*
    }};
}

#[cfg(not(any(feature = "defmt", feature = "log")))]
pub(crate) use unused;

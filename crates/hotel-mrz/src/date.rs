//! Dates as the MRZ writes them (`YYMMDD`) and as people read them.
//!
//! An MRZ date has a two-digit year, and the day or month may be unknown
//! (written `<<`). [`MrzDate`] keeps the raw parts; [`MrzDate::resolve`]
//! picks the century relative to a caller-given "today", so that results are
//! deterministic in tests. This is not a calendar library: only the proleptic
//! Gregorian rules needed to say whether a day exists are here.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use thiserror::Error;

/// A calendar date (proleptic Gregorian).
///
/// # Example
///
/// ```
/// use hotel_mrz::Date;
///
/// let d = Date::new(2024, 2, 29).unwrap();
/// assert_eq!(d.to_string(), "2024-02-29");
/// assert!(Date::new(2023, 2, 29).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a year, month and day do not make a [`Date`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DateError {
    /// The year is outside 1–9999.
    #[error("year out of range")]
    Year,
    /// The month is outside 1–12.
    #[error("month out of range")]
    Month,
    /// The day does not exist in that month.
    #[error("day out of range for the month")]
    Day,
}

/// A date as written in an MRZ: each of year, month and day is either two
/// digits or unknown (`<<`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MrzDate {
    year: Option<u8>,
    month: Option<u8>,
    day: Option<u8>,
}

/// How an [`MrzDate`] resolves to a calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolved {
    /// Year, month and day all known and the day exists.
    Full(Date),
    /// The year (and perhaps the month) is known; the rest is unknown.
    Partial {
        /// The four-digit year.
        year: u16,
        /// The month, when known (and valid).
        month: Option<u8>,
    },
    /// The year is unknown, so nothing can be resolved.
    Unknown,
    /// The written date cannot exist (month 13, day 41, 29 February of a
    /// common year).
    Impossible(DateProblem),
}

/// Why a written MRZ date cannot exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
pub enum DateProblem {
    /// The month is 00 or above 12.
    #[error("month does not exist")]
    Month,
    /// The day is 00, above 31, or past the end of its month.
    #[error("day does not exist in that month")]
    Day,
    /// A part mixes a digit and a filler (`1<`), or holds a letter.
    #[error("date part is neither two digits nor '<<'")]
    Malformed,
}

/// How [`MrzDate::resolve`] chooses the century.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Century {
    /// The latest date not after today (dates of birth).
    NotAfterToday,
    /// The latest date not more than 50 years after today (expiry dates).
    UpToFiftyYearsAhead,
}

impl Date {
    /// A date, if it exists.
    ///
    /// # Errors
    ///
    /// [`DateError`] naming the first part out of range.
    pub const fn new(year: u16, month: u8, day: u8) -> Result<Self, DateError> {
        if year == 0 || year > 9999 {
            return Err(DateError::Year);
        }
        if month == 0 || month > 12 {
            return Err(DateError::Month);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::Day);
        }
        Ok(Self { year, month, day })
    }

    /// Today's date in UTC, from the system clock.
    ///
    /// Falls back to 1970-01-01 if the clock is before the Unix epoch.
    pub fn today_utc() -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Self::from_days_since_epoch(secs / 86_400)
    }

    /// The four-digit year.
    pub const fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub const fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1–31.
    pub const fn day(self) -> u8 {
        self.day
    }

    /// The date for a count of days since 1970-01-01 (civil-from-days, the
    /// era-based method for the proleptic Gregorian calendar).
    fn from_days_since_epoch(days: u64) -> Self {
        // Shift the epoch to 0000-03-01 so leap days end each 400-year era.
        let z = days + 719_468;
        let era = z / 146_097;
        let day_of_era = z % 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = year_of_era + era * 400 + u64::from(month <= 2);
        Self {
            year: u16::try_from(year).unwrap_or(9999),
            month,
            day,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl MrzDate {
    /// [`Self::read`] then [`Self::resolve`] in one step, with a fast path
    /// for six digits (nearly every date): the same result, without
    /// building the parts.
    #[inline(always)]
    pub(crate) fn read_resolved(
        raw: &[u8],
        today: Date,
        century: Century,
    ) -> Result<Resolved, (usize, DateProblem)> {
        if let &[a, b, c, d, e, f] = raw {
            let v = [a, b, c, d, e, f].map(|x| x.wrapping_sub(b'0'));
            if v.iter().fold(true, |all, &x| all & (x < 10)) {
                let (yy, mm, dd) = (v[0] * 10 + v[1], v[2] * 10 + v[3], v[4] * 10 + v[5]);
                return Ok(resolve_known(yy, mm, dd, today, century));
            }
        }
        Self::read(raw).map(|date| date.resolve(today, century))
    }

    /// Reads six MRZ characters. Returns the problem if a part is neither two
    /// digits nor `<<`; month and day ranges are judged by [`Self::resolve`].
    pub(crate) fn read(raw: &[u8]) -> Result<Self, (usize, DateProblem)> {
        let part = |i: usize| -> Result<Option<u8>, (usize, DateProblem)> {
            match (raw.get(i), raw.get(i + 1)) {
                (Some(b'<'), Some(b'<')) => Ok(None),
                (Some(a @ b'0'..=b'9'), Some(b @ b'0'..=b'9')) => {
                    Ok(Some((a - b'0') * 10 + (b - b'0')))
                }
                (Some(a), _) if !a.is_ascii_digit() => Err((i, DateProblem::Malformed)),
                _ => Err((i + 1, DateProblem::Malformed)),
            }
        };
        Ok(Self {
            year: part(0)?,
            month: part(2)?,
            day: part(4)?,
        })
    }

    /// A date with all parts known. Used by the generator and in tests.
    ///
    /// # Errors
    ///
    /// [`DateError`] if a part is out of its two-digit range or the month or
    /// day cannot exist in any year.
    pub fn from_parts(yy: Option<u8>, mm: Option<u8>, dd: Option<u8>) -> Result<Self, DateError> {
        if yy.is_some_and(|y| y > 99) {
            return Err(DateError::Year);
        }
        if mm.is_some_and(|m| m == 0 || m > 12) {
            return Err(DateError::Month);
        }
        if dd.is_some_and(|d| d == 0 || d > 31) {
            return Err(DateError::Day);
        }
        Ok(Self {
            year: yy,
            month: mm,
            day: dd,
        })
    }

    /// The two-digit year, if known.
    pub const fn year(self) -> Option<u8> {
        self.year
    }

    /// The month, if known (may be out of range; see [`Self::resolve`]).
    pub const fn month(self) -> Option<u8> {
        self.month
    }

    /// The day, if known (may be out of range; see [`Self::resolve`]).
    pub const fn day(self) -> Option<u8> {
        self.day
    }

    /// Resolves the century relative to `today` and checks that the day
    /// exists.
    ///
    /// With [`Century::NotAfterToday`] the result is the latest matching date
    /// not after `today`; with [`Century::UpToFiftyYearsAhead`] the latest not
    /// more than 50 years after `today`. Unknown parts are compared as if
    /// they were as early as possible, and kept unknown in the result.
    ///
    /// # Example
    ///
    /// ```
    /// use hotel_mrz::{Century, Date, MrzDate, Resolved};
    ///
    /// let today = Date::new(2025, 6, 1).unwrap();
    /// let birth = MrzDate::from_parts(Some(30), Some(1), Some(2)).unwrap();
    /// let expected = Resolved::Full(Date::new(1930, 1, 2).unwrap());
    /// assert_eq!(birth.resolve(today, Century::NotAfterToday), expected);
    /// let expiry = Resolved::Full(Date::new(2030, 1, 2).unwrap());
    /// assert_eq!(birth.resolve(today, Century::UpToFiftyYearsAhead), expiry);
    /// ```
    pub fn resolve(self, today: Date, century: Century) -> Resolved {
        match (self.year, self.month, self.day) {
            (Some(yy), Some(mm), Some(dd)) => resolve_known(yy, mm, dd, today, century),
            _ => self.resolve_parts(today, century),
        }
    }

    /// [`Self::resolve`] for any mix of known and unknown parts.
    fn resolve_parts(self, today: Date, century: Century) -> Resolved {
        if self.month.is_some_and(|m| m == 0 || m > 12) {
            return Resolved::Impossible(DateProblem::Month);
        }
        if self.day.is_some_and(|d| d == 0 || d > 31) {
            return Resolved::Impossible(DateProblem::Day);
        }
        let Some(yy) = self.year else {
            return Resolved::Unknown;
        };

        let limit_year = match century {
            Century::NotAfterToday => today.year,
            Century::UpToFiftyYearsAhead => today.year.saturating_add(50),
        };
        let limit = ordinal(limit_year, today.month, today.day);

        // Latest year ending in `yy` whose date is not after the limit.
        let mut year = limit_year - limit_year % 100 + u16::from(yy);
        let (month, day) = (self.month.unwrap_or(1), self.day.unwrap_or(1));
        if ordinal(year, month, day) > limit {
            year = year.saturating_sub(100);
        }

        match (self.month, self.day) {
            (Some(m), Some(d)) => match Date::new(year, m, d) {
                Ok(date) => Resolved::Full(date),
                Err(_) => Resolved::Impossible(DateProblem::Day),
            },
            (Some(m), None) => Resolved::Partial {
                year,
                month: Some(m),
            },
            (None, _) => Resolved::Partial { year, month: None },
        }
    }
}

impl fmt::Display for MrzDate {
    /// Writes the six MRZ characters back (`<<` for unknown parts).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in [self.year, self.month, self.day] {
            match part {
                Some(v) => write!(f, "{v:02}")?,
                None => f.write_str("<<")?,
            }
        }
        Ok(())
    }
}

impl Resolved {
    /// The ISO 8601 form: `YYYY-MM-DD`, reduced precision `YYYY-MM` or `YYYY`
    /// when parts are unknown, or `None` when the year is unknown or the date
    /// is impossible. A known day with an unknown month is dropped (ISO 8601
    /// has no form for it); the raw date keeps it.
    pub fn to_iso(self) -> Option<String> {
        match self {
            Self::Full(d) => Some(d.to_string()),
            Self::Partial {
                year,
                month: Some(m),
            } => Some(format!("{year:04}-{m:02}")),
            Self::Partial { year, month: None } => Some(format!("{year:04}")),
            Self::Unknown | Self::Impossible(_) => None,
        }
    }

    /// The full date, when every part is known.
    pub const fn date(self) -> Option<Date> {
        match self {
            Self::Full(d) => Some(d),
            _ => None,
        }
    }
}

/// [`MrzDate::resolve`] of a date whose parts are all known.
#[inline(always)]
fn resolve_known(yy: u8, month: u8, day: u8, today: Date, century: Century) -> Resolved {
    if month == 0 || month > 12 {
        return Resolved::Impossible(DateProblem::Month);
    }
    if day == 0 || day > 31 {
        return Resolved::Impossible(DateProblem::Day);
    }
    let limit_year = match century {
        Century::NotAfterToday => today.year,
        Century::UpToFiftyYearsAhead => today.year.saturating_add(50),
    };

    // Latest year ending in `yy` whose date is not after the limit.
    let mut year = limit_year - limit_year % 100 + u16::from(yy);
    if ordinal(year, month, day) > ordinal(limit_year, today.month, today.day) {
        year = year.saturating_sub(100);
    }
    match Date::new(year, month, day) {
        Ok(date) => Resolved::Full(date),
        Err(_) => Resolved::Impossible(DateProblem::Day),
    }
}

/// A year, month and day as one number that orders as the dates do
/// (month and day are below 256).
#[inline]
const fn ordinal(year: u16, month: u8, day: u8) -> u32 {
    (year as u32) << 16 | (month as u32) << 8 | day as u32
}

/// Days in `month` of `year` (0 for a month out of range).
pub(crate) const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

const fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: u16, m: u8, day: u8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    fn mrz(raw: &str) -> MrzDate {
        MrzDate::read(raw.as_bytes()).unwrap()
    }

    #[test]
    fn birth_dates_are_never_in_the_future() {
        let today = d(2025, 6, 15);
        let r = |s| mrz(s).resolve(today, Century::NotAfterToday);
        assert_eq!(r("250615"), Resolved::Full(d(2025, 6, 15)));
        assert_eq!(r("250616"), Resolved::Full(d(1925, 6, 16)));
        assert_eq!(r("740812"), Resolved::Full(d(1974, 8, 12)));
        assert_eq!(r("000101"), Resolved::Full(d(2000, 1, 1)));
    }

    #[test]
    fn expiry_dates_reach_fifty_years_ahead() {
        let today = d(2025, 6, 15);
        let r = |s| mrz(s).resolve(today, Century::UpToFiftyYearsAhead);
        assert_eq!(r("750615"), Resolved::Full(d(2075, 6, 15)));
        assert_eq!(r("750616"), Resolved::Full(d(1975, 6, 16)));
        assert_eq!(r("120415"), Resolved::Full(d(2012, 4, 15)));
        assert_eq!(r("991231"), Resolved::Full(d(1999, 12, 31)));
    }

    #[test]
    fn keeps_unknown_parts_unknown() {
        let today = d(2025, 6, 15);
        let r = |s| mrz(s).resolve(today, Century::NotAfterToday);
        assert_eq!(
            r("8003<<"),
            Resolved::Partial {
                year: 1980,
                month: Some(3)
            }
        );
        assert_eq!(
            r("80<<<<"),
            Resolved::Partial {
                year: 1980,
                month: None
            }
        );
        assert_eq!(r("<<<<<<"), Resolved::Unknown);
        assert_eq!(r("8003<<").to_iso().as_deref(), Some("1980-03"));
        assert_eq!(r("80<<<<").to_iso().as_deref(), Some("1980"));
    }

    #[test]
    fn flags_dates_that_cannot_exist() {
        let today = d(2025, 6, 15);
        let r = |s| mrz(s).resolve(today, Century::NotAfterToday);
        assert_eq!(r("741312"), Resolved::Impossible(DateProblem::Month));
        assert_eq!(r("740041"), Resolved::Impossible(DateProblem::Month));
        assert_eq!(r("740141"), Resolved::Impossible(DateProblem::Day));
        assert_eq!(r("740431"), Resolved::Impossible(DateProblem::Day));
        assert_eq!(r("010229"), Resolved::Impossible(DateProblem::Day));
        assert_eq!(r("000229"), Resolved::Full(d(2000, 2, 29)));
    }

    #[test]
    fn fast_path_resolves_as_the_general_one() {
        for today in [
            d(2025, 6, 15),
            d(2000, 2, 29),
            d(2099, 12, 31),
            d(9990, 1, 1),
        ] {
            for century in [Century::NotAfterToday, Century::UpToFiftyYearsAhead] {
                for (yy, mm, dd) in (0..100).flat_map(|y| {
                    (0..100).flat_map(move |m| [0, 1, 28, 29, 30, 31, 32].map(|d| (y, m, d)))
                }) {
                    let date = MrzDate {
                        year: Some(yy),
                        month: Some(mm),
                        day: Some(dd),
                    };
                    assert_eq!(
                        resolve_known(yy, mm, dd, today, century),
                        date.resolve_parts(today, century),
                        "{date} {today} {century:?}"
                    );
                    let raw = date.to_string();
                    assert_eq!(
                        MrzDate::read_resolved(raw.as_bytes(), today, century),
                        Ok(date.resolve_parts(today, century))
                    );
                }
            }
        }
    }

    #[test]
    fn rejects_half_filled_parts() {
        assert_eq!(MrzDate::read(b"7<0812"), Err((1, DateProblem::Malformed)));
        assert_eq!(MrzDate::read(b"74O812"), Err((2, DateProblem::Malformed)));
    }

    #[test]
    fn computes_today_from_days_since_epoch() {
        assert_eq!(Date::from_days_since_epoch(0), d(1970, 1, 1));
        assert_eq!(Date::from_days_since_epoch(11_016), d(2000, 2, 29));
        assert_eq!(Date::from_days_since_epoch(20_089), d(2025, 1, 1));
    }

    #[test]
    fn writes_raw_form_back() {
        assert_eq!(mrz("8003<<").to_string(), "8003<<");
        assert_eq!(mrz("740812").to_string(), "740812");
    }
}

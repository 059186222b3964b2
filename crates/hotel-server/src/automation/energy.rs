//! Heating time from the `heating` readings (0 = off, 1 = on), per UTC day:
//! what the energy view shows so that a manager sees what eco setback
//! saved.
//!
//! A reading says the heater's state from its time until the next reading,
//! but at most [`MAX_GAP_MS`]: a device that went silent while heating does
//! not count as heating forever. What it is not: a meter. It counts hours
//! the heater ran, not energy used.

use std::collections::BTreeMap;

/// A heating state counts at most this long after its reading, ms.
pub const MAX_GAP_MS: i64 = 10 * 60 * 1000;

/// One UTC day, ms.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Heating time per UTC day within `[from_ms, to_ms)`, in ms, keyed by the
/// day's start (Unix ms). `points` are `(time ms, value)`, oldest first; a
/// value of 0.5 or more means on. Days without heating are left out.
pub fn heating_ms_by_day(
    points: &[(i64, f64)],
    from_ms: i64,
    to_ms: i64,
    max_gap_ms: i64,
) -> BTreeMap<i64, i64> {
    let mut days = BTreeMap::new();
    for (i, &(ts, value)) in points.iter().enumerate() {
        if value.is_nan() || value < 0.5 {
            continue;
        }
        let next = points.get(i + 1).map_or(i64::MAX, |&(t, _)| t);
        let start = ts.max(from_ms);
        let end = next.min(ts.saturating_add(max_gap_ms)).min(to_ms);
        add_split_by_day(&mut days, start, end);
    }
    days
}

/// Adds `[start, end)` to `days`, cut at UTC midnights.
fn add_split_by_day(days: &mut BTreeMap<i64, i64>, mut start: i64, end: i64) {
    while start < end {
        let day = start.div_euclid(DAY_MS) * DAY_MS;
        let cut = day.saturating_add(DAY_MS).min(end);
        *days.entry(day).or_insert(0) += cut - start;
        start = cut;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-12-04T00:00:00Z.
    const DAY: i64 = 1_733_270_400_000;
    const MIN: i64 = 60_000;

    #[test]
    fn counts_on_intervals_until_the_next_reading() {
        let points = [
            (DAY + 60 * MIN, 1.0),
            (DAY + 65 * MIN, 1.0),
            (DAY + 70 * MIN, 0.0),
            (DAY + 80 * MIN, 1.0),
            (DAY + 83 * MIN, 0.0),
        ];
        let got = heating_ms_by_day(&points, DAY, DAY + DAY_MS, MAX_GAP_MS);
        assert_eq!(got, BTreeMap::from([(DAY, 13 * MIN)]));
    }

    #[test]
    fn caps_a_silent_gap() {
        let points = [(DAY, 1.0), (DAY + 60 * MIN, 0.0)];
        let got = heating_ms_by_day(&points, DAY, DAY + DAY_MS, MAX_GAP_MS);
        assert_eq!(got, BTreeMap::from([(DAY, 10 * MIN)]));
        let last = [(DAY, 1.0)];
        let got = heating_ms_by_day(&last, DAY, DAY + DAY_MS, MAX_GAP_MS);
        assert_eq!(got, BTreeMap::from([(DAY, 10 * MIN)]), "the last one too");
    }

    #[test]
    fn clips_to_the_range_and_splits_at_midnight() {
        let points = [(DAY - 5 * MIN, 1.0), (DAY + 5 * MIN, 0.0)];
        let got = heating_ms_by_day(&points, DAY - 2 * MIN, DAY + DAY_MS, MAX_GAP_MS);
        assert_eq!(
            got,
            BTreeMap::from([(DAY - DAY_MS, 2 * MIN), (DAY, 5 * MIN)])
        );
        let got = heating_ms_by_day(&points, DAY, DAY + 3 * MIN, MAX_GAP_MS);
        assert_eq!(got, BTreeMap::from([(DAY, 3 * MIN)]));
    }

    #[test]
    fn off_and_odd_values_count_nothing() {
        let points = [(DAY, 0.0), (DAY + MIN, f64::NAN), (DAY + 2 * MIN, 0.2)];
        assert!(heating_ms_by_day(&points, DAY, DAY + DAY_MS, MAX_GAP_MS).is_empty());
        assert!(heating_ms_by_day(&[], DAY, DAY + DAY_MS, MAX_GAP_MS).is_empty());
    }
}

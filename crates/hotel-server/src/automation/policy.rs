//! The room automation's rules, pure: an occupancy state and the time in,
//! the target temperature to send (with its reason) out.
//!
//! What it is not: a thermostat. It only picks the target a person would
//! have set for the state; the device still regulates to it.

use std::time::Duration;

use hotel_core::store::CommandRecord;
use hotel_core::{ControlCommand, Occupancy};

/// Prefix of `sent_by` for every automatic command.
pub const AUTOMATION_PREFIX: &str = "automation:";

/// Targets and timing of the policies; every field has a documented default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutomationSettings {
    /// Setback target of vacant and checked-out rooms, °C. Default 17.
    pub eco_target_c: f64,
    /// Target of a booked room from `preheat` before check-in, °C.
    /// Default 21.
    pub comfort_target_c: f64,
    /// How long before check-in a booked room is heated to comfort.
    /// Default 2 h.
    pub preheat: Duration,
    /// How often the runner re-evaluates every room (pre-heat start,
    /// device-reported changes). Default 5 s.
    pub check_every: Duration,
}

impl Default for AutomationSettings {
    fn default() -> Self {
        Self {
            eco_target_c: 17.0,
            comfort_target_c: 21.0,
            preheat: Duration::from_secs(2 * 60 * 60),
            check_every: Duration::from_secs(5),
        }
    }
}

/// A target the policy wants, and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// The target temperature, °C.
    pub target_c: f64,
    /// Short reason word; `sent_by` is `automation:<reason>`.
    pub reason: &'static str,
}

impl Decision {
    /// The command to send.
    ///
    /// # Errors
    ///
    /// When the configured target is out of the command's range (the
    /// configuration check refuses such targets, so only on misuse).
    pub fn command(&self) -> Result<ControlCommand, hotel_core::CommandError> {
        ControlCommand::target_temperature(self.target_c)
    }

    /// `sent_by` of the command: `automation:<reason>`.
    pub fn sent_by(&self) -> String {
        format!("{AUTOMATION_PREFIX}{}", self.reason)
    }
}

/// The target the state asks for at `now_ms`, if any.
///
/// - vacant → eco;
/// - checked out → eco;
/// - booked → eco until `preheat` before check-in, comfort from then (and
///   comfort at once when the check-in time is unknown);
/// - occupied → nothing: the guest is in control.
pub fn decide(
    state: Occupancy,
    check_in_ms: Option<i64>,
    now_ms: i64,
    settings: &AutomationSettings,
) -> Option<Decision> {
    let eco = |reason| Decision {
        target_c: settings.eco_target_c,
        reason,
    };
    match state {
        Occupancy::Vacant => Some(eco("vacant-eco")),
        Occupancy::CheckedOut => Some(eco("checkout-eco")),
        Occupancy::Occupied => None,
        Occupancy::Booked => {
            let preheat_ms = i64::try_from(settings.preheat.as_millis()).unwrap_or(i64::MAX);
            let starts = check_in_ms.map_or(i64::MIN, |t| t.saturating_sub(preheat_ms));
            if now_ms >= starts {
                Some(Decision {
                    target_c: settings.comfort_target_c,
                    reason: "booked-preheat",
                })
            } else {
                Some(eco("booked-eco"))
            }
        }
    }
}

/// Whether `decision` still has to be sent, given the room's recent
/// commands (any order) and when its state last changed.
///
/// Not when a person (not the automation) set a target since the change:
/// their choice holds until the next state change. Not when the
/// automation already sent this reason since the change.
pub fn is_due(decision: &Decision, recent: &[CommandRecord], state_changed_ms: i64) -> bool {
    let since_change = recent.iter().filter(|c| {
        c.sent_ms >= state_changed_ms && matches!(c.command, ControlCommand::TargetTemperature(_))
    });
    let mut due = true;
    for command in since_change {
        match command.sent_by.strip_prefix(AUTOMATION_PREFIX) {
            None => return false,
            Some(reason) if reason == decision.reason => due = false,
            Some(_) => {}
        }
    }
    due
}

#[cfg(test)]
mod tests {
    use hotel_core::RoomId;

    use super::*;

    const NOW: i64 = 1_733_300_000_000;
    const HOUR: i64 = 3_600_000;

    fn settings() -> AutomationSettings {
        AutomationSettings::default()
    }

    fn target(by: &str, celsius: f64, sent_ms: i64) -> CommandRecord {
        CommandRecord {
            room: RoomId::parse("101").unwrap(),
            command: ControlCommand::TargetTemperature(celsius),
            sent_by: by.to_owned(),
            sent_ms,
        }
    }

    #[test]
    fn vacant_and_checked_out_rooms_get_the_eco_target() {
        let vacant = decide(Occupancy::Vacant, None, NOW, &settings()).unwrap();
        assert_eq!(vacant.target_c, 17.0);
        assert_eq!(vacant.sent_by(), "automation:vacant-eco");
        assert_eq!(
            vacant.command().unwrap(),
            ControlCommand::TargetTemperature(17.0)
        );
        let out = decide(Occupancy::CheckedOut, None, NOW, &settings()).unwrap();
        assert_eq!((out.target_c, out.reason), (17.0, "checkout-eco"));
    }

    #[test]
    fn occupied_rooms_are_left_to_the_guest() {
        assert_eq!(decide(Occupancy::Occupied, None, NOW, &settings()), None);
    }

    #[test]
    fn booked_rooms_preheat_from_check_in_minus_preheat() {
        let check_in = NOW + 3 * HOUR;
        let s = settings();
        let before = decide(
            Occupancy::Booked,
            Some(check_in),
            check_in - 2 * HOUR - 1,
            &s,
        );
        assert_eq!(
            before.map(|d| (d.target_c, d.reason)),
            Some((17.0, "booked-eco"))
        );
        let at = decide(Occupancy::Booked, Some(check_in), check_in - 2 * HOUR, &s);
        assert_eq!(
            at.map(|d| (d.target_c, d.reason)),
            Some((21.0, "booked-preheat"))
        );
        let late = decide(Occupancy::Booked, Some(check_in), check_in + HOUR, &s);
        assert_eq!(late.map(|d| d.target_c), Some(21.0));
        let unknown = decide(Occupancy::Booked, None, NOW, &s);
        assert_eq!(unknown.map(|d| d.target_c), Some(21.0));
    }

    #[test]
    fn an_automatic_target_is_sent_once_per_state_change() {
        let d = decide(Occupancy::Vacant, None, NOW, &settings()).unwrap();
        assert!(is_due(&d, &[], NOW));
        let sent = [target("automation:vacant-eco", 17.0, NOW)];
        assert!(!is_due(&d, &sent, NOW), "already sent");
        let old = [target("automation:vacant-eco", 17.0, NOW - 1)];
        assert!(is_due(&d, &old, NOW), "sent before the change: again");
        let other = [target("automation:booked-eco", 17.0, NOW + 1)];
        let preheat = decide(Occupancy::Booked, None, NOW, &settings()).unwrap();
        assert!(is_due(&preheat, &other, NOW), "a new phase is due");
    }

    #[test]
    fn a_person_holds_the_target_until_the_next_state_change() {
        let d = decide(Occupancy::Booked, Some(NOW), NOW, &settings()).unwrap();
        let recent = [
            target("automation:booked-eco", 17.0, NOW),
            target("alice", 23.0, NOW + 10),
        ];
        assert!(!is_due(&d, &recent, NOW), "the person's target holds");
        assert!(
            is_due(&d, &recent, NOW + 11),
            "a later change ends the hold"
        );
        let fan = [CommandRecord {
            command: ControlCommand::FanSpeed(hotel_core::FanSpeed::High),
            ..target("alice", 0.0, NOW + 10)
        }];
        assert!(is_due(&d, &fan, NOW), "only a target holds the target");
    }
}

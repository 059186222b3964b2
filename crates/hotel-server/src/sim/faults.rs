//! Faults the simulator injects, each on a ten-minute cycle whose phase
//! differs per room, so that not every room fails at once:
//!
//! | fault | what happens | when in the cycle |
//! |---|---|---|
//! | `disconnect` | the MQTT connection drops without DISCONNECT (last will) | 60–120 s |
//! | `sensor` | every DHT22 read fails | 200–290 s |
//! | `gas` | gas leaks into the room | 360–420 s |
//! | `clock` | the wall clock resets to 2000-01-01 (lost SNTP) | 450–570 s |

use clap::ValueEnum;

/// Length of a fault cycle, s.
pub const FAULT_CYCLE_S: u64 = 600;

/// 2000-01-01T00:00:00Z, Unix ms: where a reset clock restarts.
pub const CLOCK_RESET_UNIX_MS: i64 = 946_684_800_000;

/// A fault to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Fault {
    /// Drop the broker connection.
    Disconnect,
    /// DHT22 reads fail.
    Sensor,
    /// A gas leak.
    Gas,
    /// The device clock resets.
    Clock,
}

/// Which faults run, and this room's phase in the cycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultPlan {
    disconnect: bool,
    sensor: bool,
    gas: bool,
    clock: bool,
    phase_s: u64,
}

/// The faults active at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActiveFaults {
    /// The connection must be down.
    pub disconnected: bool,
    /// DHT22 reads fail.
    pub sensor_failed: bool,
    /// Gas escapes.
    pub gas_leak: bool,
    /// The wall clock reads from [`CLOCK_RESET_UNIX_MS`].
    pub clock_reset: bool,
}

impl FaultPlan {
    /// A plan running `faults`, shifted by `phase_s` in the cycle.
    pub fn new(faults: &[Fault], phase_s: u64) -> Self {
        Self {
            disconnect: faults.contains(&Fault::Disconnect),
            sensor: faults.contains(&Fault::Sensor),
            gas: faults.contains(&Fault::Gas),
            clock: faults.contains(&Fault::Clock),
            phase_s: phase_s % FAULT_CYCLE_S,
        }
    }

    /// The faults active `elapsed_s` after the start.
    pub fn active_at(&self, elapsed_s: u64) -> ActiveFaults {
        let t = (elapsed_s + self.phase_s) % FAULT_CYCLE_S;
        ActiveFaults {
            disconnected: self.disconnect && (60..120).contains(&t),
            sensor_failed: self.sensor && (200..290).contains(&t),
            gas_leak: self.gas && (360..420).contains(&t),
            clock_reset: self.clock && (450..570).contains(&t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_chosen_faults_fire_in_their_windows() {
        let plan = FaultPlan::new(&[Fault::Sensor, Fault::Gas], 0);
        assert_eq!(plan.active_at(0), ActiveFaults::default());
        assert!(plan.active_at(250).sensor_failed);
        assert!(plan.active_at(FAULT_CYCLE_S + 380).gas_leak);
        for t in 0..FAULT_CYCLE_S {
            let a = plan.active_at(t);
            assert!(!a.disconnected && !a.clock_reset);
        }
        let none = FaultPlan::new(&[], 0);
        assert!((0..FAULT_CYCLE_S).all(|t| none.active_at(t) == ActiveFaults::default()));
    }

    #[test]
    fn phase_shifts_the_windows() {
        let plan = FaultPlan::new(&[Fault::Disconnect], 50);
        assert!(plan.active_at(10).disconnected);
        assert!(!plan.active_at(70).disconnected);
    }
}

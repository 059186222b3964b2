//! Accounts and roles: who may read and steer which rooms.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::room::RoomId;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including rooms and accounts.
    Admin,
    /// Read every room and send control commands.
    Monitor,
    /// Read and steer one room, until the account expires at checkout.
    Guest,
}

impl Role {
    /// The role's name in the API and the store.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Monitor => "monitor",
            Role::Guest => "guest",
        }
    }

    /// Parses a role name.
    pub fn parse(name: &str) -> Option<Role> {
        [Role::Admin, Role::Monitor, Role::Guest]
            .into_iter()
            .find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an authenticated caller is allowed to see: the rule every handler
/// applies before touching a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// The caller's role.
    pub role: Role,
    /// For a guest, the one room it may use.
    pub room: Option<RoomId>,
}

impl Access {
    /// True when the caller may read and steer `room`.
    pub fn allows_room(&self, room: &RoomId) -> bool {
        match self.role {
            Role::Admin | Role::Monitor => true,
            Role::Guest => self.room.as_ref() == Some(room),
        }
    }

    /// True for administrators.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_sees_only_its_room() {
        let own = RoomId::parse("101").unwrap();
        let other = RoomId::parse("102").unwrap();
        let guest = Access {
            role: Role::Guest,
            room: Some(own),
        };
        assert!(guest.allows_room(&own));
        assert!(!guest.allows_room(&other));
        let roomless = Access {
            role: Role::Guest,
            room: None,
        };
        assert!(!roomless.allows_room(&own));
        let monitor = Access {
            role: Role::Monitor,
            room: None,
        };
        assert!(monitor.allows_room(&other));
        assert!(!monitor.is_admin());
    }

    #[test]
    fn role_names_round_trip() {
        for r in [Role::Admin, Role::Monitor, Role::Guest] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}

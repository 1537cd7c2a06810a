//! The API's enumerations. They are open: a value the service adds later is kept, not refused.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value of an API enumeration that this version of the crate does not know.
///
/// It is opaque on purpose: match on the known variants and treat everything else alike, so that
/// code keeps working when a later version learns the new value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// The value exactly as the service sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Defines an open enumeration: known variants with their wire text, plus `Unknown`.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept exactly as received.
            Unknown(UnknownValue),
        }

        impl $name {
            /// Every documented value, in documentation order.
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(v) => v.as_str(),
                }
            }

            /// Whether this is one of the documented values.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }

            /// The documented wire values, joined for messages: `"A, B, C"`.
            pub fn known_values() -> &'static str {
                concat!($( $wire, ", " ),+).trim_end_matches(", ")
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(UnknownValue(other.to_owned())),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $( $wire => $name::$variant, )+
                    _ => $name::Unknown(UnknownValue(s)),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(OpenEnumVisitor::<$name>(std::marker::PhantomData))
            }
        }
    };
}

/// Deserializes an open enum from a borrowed or owned string without an extra allocation for
/// known values.
struct OpenEnumVisitor<T>(std::marker::PhantomData<T>);

impl<T: From<String> + for<'a> From<&'a str>> serde::de::Visitor<'_> for OpenEnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::from(v))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<T, E> {
        Ok(T::from(v))
    }
}

open_enum! {
    /// A desktop's connection status (`connect_status`).
    ConnectStatus {
        /// `UNREGISTER`: the desktop has not registered with the service.
        Unregister = "UNREGISTER",
        /// `REGISTERED`: registered, waiting for a user to connect.
        Registered = "REGISTERED",
        /// `CONNECTED`: a user is connected.
        Connected = "CONNECTED",
        /// `DISCONNECTED`: the user's session was disconnected.
        Disconnected = "DISCONNECTED",
    }
}

open_enum! {
    /// The group a desktop user belongs to (`user_group`).
    UserGroup {
        /// `sudo`: a Linux administrator.
        Sudo = "sudo",
        /// `default`: a Linux ordinary user.
        Default = "default",
        /// `administrators`: a Windows administrator.
        Administrators = "administrators",
        /// `users`: a Windows ordinary user.
        Users = "users",
    }
}

open_enum! {
    /// Whether a desktop is attached to a user or to a user group (`type`).
    AttachType {
        /// `USER`: a single user.
        User = "USER",
        /// `GROUP`: a user group.
        Group = "GROUP",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values_parse_and_print() {
        for s in ConnectStatus::KNOWN {
            assert_eq!(ConnectStatus::from(s.as_str()), *s);
            assert!(s.is_known());
        }
        assert_eq!(ConnectStatus::known_values(), "UNREGISTER, REGISTERED, CONNECTED, DISCONNECTED");
        assert_eq!(UserGroup::known_values(), "sudo, default, administrators, users");
        assert_eq!(AttachType::from("GROUP"), AttachType::Group);
    }

    #[test]
    fn unknown_values_are_kept_and_round_trip() {
        let s: ConnectStatus = serde_json::from_str(r#""HIBERNATED""#).unwrap();
        assert!(!s.is_known());
        assert_eq!(s.as_str(), "HIBERNATED");
        assert_eq!(serde_json::to_string(&s).unwrap(), r#""HIBERNATED""#);
        let g: UserGroup = serde_json::from_str(r#""power users""#).unwrap();
        assert_eq!(serde_json::to_string(&g).unwrap(), r#""power users""#);
        let t: AttachType = serde_json::from_str(r#""ROBOT""#).unwrap();
        assert_eq!(t.to_string(), "ROBOT");
    }

    #[test]
    fn matching_is_case_sensitive_like_the_service() {
        assert!(!ConnectStatus::from("connected").is_known());
        assert!(!UserGroup::from("SUDO").is_known());
    }

    proptest! {
        #[test]
        fn any_string_round_trips(s in ".*") {
            let status = ConnectStatus::from(s.as_str());
            prop_assert_eq!(status.as_str(), s.as_str());
            let group = UserGroup::from(s.clone());
            prop_assert_eq!(group.as_str(), s.as_str());
            let json = serde_json::to_string(&AttachType::from(s.as_str())).unwrap();
            let back: AttachType = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back.as_str(), s.as_str());
        }
    }
}

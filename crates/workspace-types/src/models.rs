//! The response models. Every field may be absent or `null`, `null` entries in lists are
//! skipped, and fields added later are ignored: nothing the service may add fails a read.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::{AttachType, ConnectStatus, UserGroup};

/// The body of a successful `GET /v2/{project_id}/connect-desktops`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ListDesktopsConnectStatusResponse {
    /// The desktops of this page (`null` entries skipped).
    pub desktops: Vec<ConnectDesktopsInfo>,
    /// What the service gives as the total number of desktops. The documentation does not say
    /// whether it counts the filtered matches or every desktop; the SDK's readers find out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// `null` entries skipped in `desktops`: they still took a position in the service's paging.
    #[serde(skip)]
    null_entries: usize,
}

impl ListDesktopsConnectStatusResponse {
    /// A response holding `desktops` and `total_count`.
    pub fn new(desktops: Vec<ConnectDesktopsInfo>, total_count: Option<u64>) -> Self {
        Self { desktops, total_count, null_entries: 0 }
    }

    /// How many entries the page held, `null` ones included: what the service's offset counts.
    pub fn entries(&self) -> usize {
        self.desktops.len() + self.null_entries
    }

    /// How many `null` entries of `desktops` were skipped.
    pub fn null_entries(&self) -> usize {
        self.null_entries
    }
}

impl<'de> Deserialize<'de> for ListDesktopsConnectStatusResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(default)]
            desktops: SkipNulls<ConnectDesktopsInfo>,
            #[serde(default)]
            total_count: Option<u64>,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(Self { desktops: wire.desktops.items, total_count: wire.total_count, null_entries: wire.desktops.nulls })
    }
}

/// One desktop and its connection status (`ConnectDesktopsInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectDesktopsInfo {
    /// The desktop's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desktop_id: Option<String>,
    /// The desktop's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desktop_name: Option<String>,
    /// The desktop's connection status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_status: Option<ConnectStatus>,
    /// The users and groups attached to the desktop (`null` entries skipped).
    #[serde(default, deserialize_with = "users")]
    pub attach_users: Vec<AttachUsersInfo>,
}

impl ConnectDesktopsInfo {
    /// A desktop with the given id, name, status and attached users.
    pub fn new(
        desktop_id: impl Into<String>,
        desktop_name: impl Into<String>,
        connect_status: ConnectStatus,
        attach_users: Vec<AttachUsersInfo>,
    ) -> Self {
        Self {
            desktop_id: Some(desktop_id.into()),
            desktop_name: Some(desktop_name.into()),
            connect_status: Some(connect_status),
            attach_users,
        }
    }

    /// The desktop's id, or `""` when the service gave none (the field tells which).
    pub fn id(&self) -> &str {
        self.desktop_id.as_deref().unwrap_or_default()
    }

    /// The desktop's name, or `""` when the service gave none.
    pub fn name(&self) -> &str {
        self.desktop_name.as_deref().unwrap_or_default()
    }

    /// The desktop's connection status, when the service gave one.
    pub fn status(&self) -> Option<&ConnectStatus> {
        self.connect_status.as_ref()
    }

    /// The names of the attached entries of type `USER`, in the order the service gave them.
    pub fn user_names(&self) -> impl Iterator<Item = &str> {
        self.attach_users.iter().filter(|u| u.attach_type == Some(AttachType::User)).filter_map(|u| u.name.as_deref())
    }
}

/// A user or group attached to a desktop (`AttachUsersInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AttachUsersInfo {
    /// The user's or group's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's or group's name (group names may hold Chinese characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_group: Option<UserGroup>,
    /// Whether this entry is a user or a group.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub attach_type: Option<AttachType>,
}

impl AttachUsersInfo {
    /// An entry with the given id, name, group and type.
    pub fn new(id: impl Into<String>, name: impl Into<String>, user_group: UserGroup, attach_type: AttachType) -> Self {
        Self {
            id: Some(id.into()),
            name: Some(name.into()),
            user_group: Some(user_group),
            attach_type: Some(attach_type),
        }
    }

    /// The user's or group's name, or `""` when the service gave none.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }

    /// Whether this entry is a user group.
    pub fn is_group(&self) -> bool {
        self.attach_type == Some(AttachType::Group)
    }
}

/// Reads `attach_users`: `null` is an empty list, `null` entries are skipped.
fn users<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<AttachUsersInfo>, D::Error> {
    let list = SkipNulls::<AttachUsersInfo>::deserialize(deserializer)?;
    #[cfg(feature = "tracing")]
    if list.nulls > 0 {
        tracing::debug!(skipped = list.nulls, "null entries in attach_users skipped");
    }
    Ok(list.items)
}

/// A JSON list read with its `null` entries skipped and counted; `null` for the whole list is an
/// empty list.
struct SkipNulls<T> {
    items: Vec<T>,
    nulls: usize,
}

impl<T> Default for SkipNulls<T> {
    fn default() -> Self {
        Self { items: Vec::new(), nulls: 0 }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for SkipNulls<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(SkipNullsVisitor(PhantomData))
    }
}

struct SkipNullsVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for SkipNullsVisitor<T> {
    type Value = SkipNulls<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(SkipNulls::default())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(SkipNulls::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = SkipNulls { items: Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096)), nulls: 0 };
        while let Some(entry) = seq.next_element::<Option<T>>()? {
            match entry {
                Some(item) => out.items.push(item),
                None => out.nulls += 1,
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response in the documented shape.
    const DOCUMENTED: &str = r#"{
      "desktops" : [ {
        "desktop_id" : "a16af8b5-8c5d-4a9c-b5f2-bbc6e8d46a5a",
        "desktop_name" : "wks-test001",
        "connect_status" : "REGISTERED",
        "attach_users" : [ {
          "id" : "c5d7b3a7b7b14b7d8c6e1f3c2a1b0c9d",
          "name" : "user001",
          "user_group" : "administrators",
          "type" : "USER"
        } ]
      } ],
      "total_count" : 1
    }"#;

    #[test]
    fn documented_shape_parses() {
        let r: ListDesktopsConnectStatusResponse = serde_json::from_str(DOCUMENTED).unwrap();
        assert_eq!(r.total_count, Some(1));
        let d = &r.desktops[0];
        assert_eq!(d.connect_status, Some(ConnectStatus::Registered));
        assert_eq!(d.attach_users[0].user_group, Some(UserGroup::Administrators));
        assert_eq!(d.user_names().collect::<Vec<_>>(), ["user001"]);
    }

    #[test]
    fn absent_null_and_extra_fields_are_tolerated() {
        let r: ListDesktopsConnectStatusResponse =
            serde_json::from_str(r#"{"desktops":[{"attach_users":null,"new_field":{"x":1}},{}],"later":true}"#)
                .unwrap();
        assert_eq!(r.total_count, None);
        assert_eq!(r.desktops.len(), 2);
        assert_eq!(r.desktops[0], ConnectDesktopsInfo::default());
        let r: ListDesktopsConnectStatusResponse = serde_json::from_str(r#"{"desktops":null}"#).unwrap();
        assert!(r.desktops.is_empty());
        let r: ListDesktopsConnectStatusResponse = serde_json::from_str("{}").unwrap();
        assert_eq!(r, ListDesktopsConnectStatusResponse::default());
    }

    #[test]
    fn null_entries_are_skipped_and_counted() {
        let r: ListDesktopsConnectStatusResponse = serde_json::from_str(
            r#"{"desktops":[null,{"desktop_id":"a","attach_users":[null,{"name":"u","type":"USER","extra":1}]},null],"total_count":3,"marker":"x"}"#,
        )
        .unwrap();
        assert_eq!((r.desktops.len(), r.entries(), r.null_entries()), (1, 3, 2));
        assert_eq!(r.desktops[0].user_names().collect::<Vec<_>>(), ["u"]);
        assert_eq!((r.desktops[0].id(), r.desktops[0].name(), r.desktops[0].status()), ("a", "", None));
    }

    #[test]
    fn unknown_values_and_types_of_entries_are_kept() {
        let r: ListDesktopsConnectStatusResponse = serde_json::from_str(
            r#"{"desktops":[{"desktop_id":"a","connect_status":"HIBERNATED","attach_users":[{"name":"g","type":"ROBOT","user_group":"power users"}]}]}"#,
        )
        .unwrap();
        let d = &r.desktops[0];
        assert_eq!(d.status().map(ConnectStatus::as_str), Some("HIBERNATED"));
        assert_eq!(d.attach_users[0].user_group.as_ref().map(UserGroup::as_str), Some("power users"));
        assert!(!d.attach_users[0].is_group());
    }

    #[test]
    fn serializes_back_to_the_api_shape() {
        let r: ListDesktopsConnectStatusResponse = serde_json::from_str(DOCUMENTED).unwrap();
        let again: ListDesktopsConnectStatusResponse =
            serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(r, again);
        let v: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert_eq!(v["desktops"][0]["attach_users"][0]["type"], "USER");
    }
}

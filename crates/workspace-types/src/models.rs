//! The response models. Every field may be absent, and fields added later are ignored.

use serde::{Deserialize, Deserializer, Serialize};

use crate::{AttachType, ConnectStatus, UserGroup};

/// The body of a successful `GET /v2/{project_id}/connect-desktops`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListDesktopsConnectStatusResponse {
    /// The desktops of this page.
    #[serde(default, deserialize_with = "null_as_default")]
    pub desktops: Vec<ConnectDesktopsInfo>,
    /// How many desktops match the query in all (not only on this page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
}

impl ListDesktopsConnectStatusResponse {
    /// A response holding `desktops` and `total_count`.
    pub fn new(desktops: Vec<ConnectDesktopsInfo>, total_count: Option<u64>) -> Self {
        Self { desktops, total_count }
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
    /// The users and groups attached to the desktop.
    #[serde(default, deserialize_with = "null_as_default")]
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
}

/// Reads `null` as the type's default, so that `"desktops": null` is an empty list.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
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
    fn serializes_back_to_the_api_shape() {
        let r: ListDesktopsConnectStatusResponse = serde_json::from_str(DOCUMENTED).unwrap();
        let again: ListDesktopsConnectStatusResponse =
            serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(r, again);
        let v: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert_eq!(v["desktops"][0]["attach_users"][0]["type"], "USER");
    }
}

//! The emulator's own models of a desktop and its attached users, written from the documented
//! response shape. Statuses, groups and types are plain strings: the service may add values.

use serde::{Deserialize, Deserializer, Serialize};

/// One desktop, as `ConnectDesktopsInfo` in the API's response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desktop {
    /// The desktop id.
    #[serde(default, deserialize_with = "text")]
    pub desktop_id: String,
    /// The desktop name.
    #[serde(default, deserialize_with = "text")]
    pub desktop_name: String,
    /// The connection status: documented are `UNREGISTER`, `REGISTERED`, `CONNECTED` and
    /// `DISCONNECTED`, but any string is served as given.
    #[serde(default, deserialize_with = "text")]
    pub connect_status: String,
    /// The users and groups attached to the desktop.
    #[serde(default, deserialize_with = "users")]
    pub attach_users: Vec<AttachedUser>,
}

/// A user or a group attached to a desktop, as `AttachUsersInfo` in the API's response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedUser {
    /// The user's or group's id.
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    /// The user's or group's name.
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    /// The user group: documented are `sudo`, `default`, `administrators` and `users`.
    #[serde(default, deserialize_with = "text")]
    pub user_group: String,
    /// `USER` or `GROUP` (JSON key `type`); only `USER` entries match a `user_names` filter.
    #[serde(rename = "type", default, deserialize_with = "text")]
    pub attach_type: String,
}

impl Desktop {
    /// A desktop with these fields.
    pub fn new(
        desktop_id: impl Into<String>,
        desktop_name: impl Into<String>,
        connect_status: impl Into<String>,
        attach_users: Vec<AttachedUser>,
    ) -> Self {
        Self {
            desktop_id: desktop_id.into(),
            desktop_name: desktop_name.into(),
            connect_status: connect_status.into(),
            attach_users,
        }
    }

    /// The names of the attached entries of type `USER`, which a `user_names` filter matches.
    pub fn user_names(&self) -> impl Iterator<Item = &str> {
        self.attach_users.iter().filter(|u| u.attach_type == "USER").map(|u| u.name.as_str())
    }
}

impl AttachedUser {
    /// An attached user (type `USER`).
    pub fn user(id: impl Into<String>, name: impl Into<String>, user_group: impl Into<String>) -> Self {
        Self { id: id.into(), name: name.into(), user_group: user_group.into(), attach_type: "USER".to_owned() }
    }

    /// An attached group (type `GROUP`).
    pub fn group(id: impl Into<String>, name: impl Into<String>, user_group: impl Into<String>) -> Self {
        Self { attach_type: "GROUP".to_owned(), ..Self::user(id, name, user_group) }
    }
}

/// A string field that may be `null` (read as empty).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A list of attached users that may be `null`, and may hold `null` entries (skipped).
fn users<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<AttachedUser>, D::Error> {
    let list = Option::<Vec<Option<AttachedUser>>>::deserialize(d)?.unwrap_or_default();
    Ok(list.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_uses_the_documented_keys() {
        let d = Desktop::new("d-1", "one", "CONNECTED", vec![AttachedUser::user("u1", "alice", "users")]);
        let text = serde_json::to_string(&d).unwrap();
        assert_eq!(
            text,
            r#"{"desktop_id":"d-1","desktop_name":"one","connect_status":"CONNECTED","attach_users":[{"id":"u1","name":"alice","user_group":"users","type":"USER"}]}"#
        );
        assert_eq!(serde_json::from_str::<Desktop>(&text).unwrap(), d);
        let sparse: Desktop =
            serde_json::from_str(r#"{"desktop_id":"d-2","desktop_name":null,"attach_users":[null,{"name":"bob"}]}"#)
                .unwrap();
        assert_eq!(sparse.desktop_name, "");
        assert_eq!(sparse.attach_users.len(), 1);
        assert_eq!(sparse.user_names().count(), 0, "an entry without a type is not a user");
    }
}

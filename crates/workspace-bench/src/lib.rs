//! Shared pieces of the benchmarks: realistic pages and the plain baselines they are compared with.
#![forbid(unsafe_code)]

use serde::Deserialize;
use workspace_emulator::fleet::{FleetSpec, generate};

/// The JSON of a page of `n` generated desktops, as the emulator serves it.
pub fn page_json(n: usize) -> Vec<u8> {
    let desktops = generate(&FleetSpec { desktops: n, seed: 1, status_weights: [1, 1, 1, 1] });
    let total = desktops.len() as u64;
    serde_json::to_vec(&serde_json::json!({ "desktops": desktops, "total_count": total })).unwrap_or_default()
}

/// The page as a plain derive-only struct: the fastest a typed parse of these bytes can be.
#[derive(Debug, Deserialize)]
pub struct PlainPage {
    /// The desktops.
    pub desktops: Vec<PlainDesktop>,
    /// The total.
    pub total_count: u64,
}

/// A desktop as a plain struct.
#[derive(Debug, Deserialize)]
pub struct PlainDesktop {
    /// Id.
    pub desktop_id: String,
    /// Name.
    pub desktop_name: String,
    /// Status, as text.
    pub connect_status: String,
    /// Users.
    pub attach_users: Vec<PlainUser>,
}

/// An attached user as a plain struct.
#[derive(Debug, Deserialize)]
pub struct PlainUser {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Group.
    pub user_group: String,
    /// Type.
    #[serde(rename = "type")]
    pub kind: String,
}

//! The desktops the emulator serves: generated from a seed, or loaded from a file.

use std::path::Path;

use serde::Deserialize;

use crate::model::{AttachedUser, Desktop};

/// The four documented connection statuses, in the order of [`FleetSpec::status_weights`].
pub const STATUSES: [&str; 4] = ["UNREGISTER", "REGISTERED", "CONNECTED", "DISCONNECTED"];

/// The four documented user groups.
const USER_GROUPS: [&str; 4] = ["users", "administrators", "default", "sudo"];

/// How to generate a fleet: its size, its seed, and the share of each connection status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FleetSpec {
    /// How many desktops.
    pub desktops: usize,
    /// The seed: the same spec always gives the same fleet.
    pub seed: u64,
    /// Relative weights of `UNREGISTER`, `REGISTERED`, `CONNECTED` and `DISCONNECTED`. The counts
    /// are exact: 12,000 desktops with `[1, 1, 1, 1]` have 3,000 of each.
    pub status_weights: [u32; 4],
}

impl Default for FleetSpec {
    fn default() -> Self {
        Self { desktops: 200, seed: 42, status_weights: [1, 1, 1, 1] }
    }
}

const GIVEN: [&str; 16] = [
    "wei", "fang", "na", "min", "jing", "lei", "jun", "yan", "anna", "lucas", "maria", "omar", "yuki", "ivan", "sara",
    "tom",
];
const SURNAMES: [&str; 16] = [
    "zhang", "wang", "li", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "smith", "garcia", "muller", "rossi",
    "silva", "kim",
];
const DEPARTMENTS: [&str; 6] = ["dev", "ops", "fin", "hr", "sales", "design"];
const GROUPS: [(&str, &str); 5] = [
    ("研发部", "users"),
    ("财务组", "users"),
    ("运维组", "administrators"),
    ("市场部", "default"),
    ("design-team", "sudo"),
];

/// The name of the `i`-th user: follows the documented rule (letters, digits, `_`; starts with
/// a letter; at most 20 characters) and is unique per `i`.
pub fn user_name(i: usize) -> String {
    format!("{}_{}{:02}", GIVEN[i % 16], SURNAMES[(i / 16) % 16], i / 256)
}

/// Generates the fleet of `spec`, deterministically.
pub fn generate(spec: &FleetSpec) -> Vec<Desktop> {
    let mut rng = fastrand::Rng::with_seed(spec.seed);
    let statuses = exact_mix(spec, &mut rng);
    (0..spec.desktops)
        .map(|i| {
            let mut users = vec![user(&mut rng, i)];
            if i % 5 == 4 {
                users.push(user(&mut rng, (i * 7 + 3) % spec.desktops.max(1)));
            }
            if i % 8 == 7 {
                let (name, group) = &GROUPS[rng.usize(..GROUPS.len())];
                users.push(AttachedUser::group(hex_id(&mut rng), *name, *group));
            }
            Desktop::new(
                uuid(&mut rng),
                format!("wks-{}-{:05}", DEPARTMENTS[i % DEPARTMENTS.len()], i + 1),
                statuses[i],
                users,
            )
        })
        .collect()
}

/// Reads a fleet from a file in the API's response shape (`{"desktops": [...]}`).
/// `null` entries are skipped, absent or `null` fields read as empty, unknown fields ignored.
pub fn load(path: &Path) -> Result<Vec<Desktop>, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{} is not a fleet in the API's shape: {e}", path.display()))
}

/// Reads a fleet from JSON in the API's response shape (`{"desktops": [...]}`), as [`load`] does.
pub fn parse(json: &[u8]) -> Result<Vec<Desktop>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Shape {
        desktops: Vec<Option<Desktop>>,
    }
    let shape: Shape = serde_json::from_slice(json)?;
    Ok(shape.desktops.into_iter().flatten().collect())
}

/// Exactly `desktops * weight / sum` desktops of each status (the remainder to the first ones),
/// in a shuffled order.
fn exact_mix(spec: &FleetSpec, rng: &mut fastrand::Rng) -> Vec<&'static str> {
    let sum: u64 = spec.status_weights.iter().map(|w| u64::from(*w)).sum::<u64>().max(1);
    let n = spec.desktops as u64;
    let mut counts: Vec<u64> = spec.status_weights.iter().map(|w| n * u64::from(*w) / sum).collect();
    let mut rest = n - counts.iter().sum::<u64>();
    for (c, w) in counts.iter_mut().zip(spec.status_weights) {
        if rest > 0 && w > 0 {
            *c += 1;
            rest -= 1;
        }
    }
    let mut out: Vec<&'static str> =
        STATUSES.iter().zip(counts).flat_map(|(s, c)| std::iter::repeat_n(*s, c as usize)).collect();
    // With all weights zero, every desktop is REGISTERED.
    out.resize(spec.desktops, "REGISTERED");
    rng.shuffle(&mut out);
    out
}

fn user(rng: &mut fastrand::Rng, i: usize) -> AttachedUser {
    AttachedUser::user(hex_id(rng), user_name(i), USER_GROUPS[i % 4])
}

fn hex_id(rng: &mut fastrand::Rng) -> String {
    format!("{:032x}", rng.u128(..))
}

fn uuid(rng: &mut fastrand::Rng) -> String {
    let h = hex_id(rng);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generation_is_deterministic_and_exact() {
        let spec = FleetSpec { desktops: 12_000, seed: 7, status_weights: [1, 1, 1, 1] };
        let a = generate(&spec);
        assert_eq!(a, generate(&spec));
        for s in STATUSES {
            assert_eq!(a.iter().filter(|d| d.connect_status == s).count(), 3000);
        }
        let ids: HashSet<_> = a.iter().map(|d| d.desktop_id.clone()).collect();
        assert_eq!(ids.len(), a.len(), "desktop ids are unique");
        assert_ne!(a, generate(&FleetSpec { seed: 8, ..spec }));
    }

    #[test]
    fn uneven_mixes_and_realistic_content() {
        let spec = FleetSpec { desktops: 10, seed: 1, status_weights: [0, 0, 5, 0] };
        assert!(generate(&spec).iter().all(|d| d.connect_status == "CONNECTED"));
        let fleet = generate(&FleetSpec { desktops: 400, ..Default::default() });
        let groups: HashSet<_> = fleet.iter().flat_map(|d| &d.attach_users).map(|u| u.user_group.clone()).collect();
        assert_eq!(groups.len(), 4, "all user groups appear");
        assert!(fleet.iter().flat_map(|d| &d.attach_users).any(|u| u.name == "研发部" && u.attach_type == "GROUP"));
        for d in &fleet {
            for name in d.user_names() {
                let first = name.chars().next().unwrap();
                assert!(first.is_ascii_alphabetic() && name.len() <= 20, "{name}");
                assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{name}");
            }
        }
        assert_eq!(user_name(0), "wei_zhang00");
    }

    #[test]
    fn files_in_the_api_shape_are_read_leniently() {
        let fleet = parse(
            br#"{"desktops":[null,{"desktop_id":"d-1","connect_status":"HIBERNATED","extra":1}],"total_count":9}"#,
        )
        .unwrap();
        assert_eq!(fleet, vec![Desktop::new("d-1", "", "HIBERNATED", vec![])]);
        assert!(parse(b"[]").is_err());
    }
}

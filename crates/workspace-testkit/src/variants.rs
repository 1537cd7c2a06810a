//! The behaviours the API documentation leaves open, each played by the emulator, and what a
//! client must give under each: every desktop exactly once and the right counts, or a clear
//! error. Both clients run every variant (the variants suite).

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use workspace_core::{ClientOptions, Error, PagingError, RetryPolicy, StatusCounts};
use workspace_emulator::{Behaviour, Desktop, Emulator, EmulatorConfig, TotalCount};

/// One way the service may behave, and the fleet it serves.
#[derive(Clone, Debug)]
pub struct Variant {
    /// The variant, in words.
    pub name: &'static str,
    /// How the emulator behaves.
    pub behaviour: Behaviour,
    /// The size of its fleet.
    pub desktops: usize,
}

/// Every variant: the documented reading, then each open behaviour alone and combined.
pub fn variants() -> Vec<Variant> {
    let b = Behaviour::default;
    let v = |name, behaviour, desktops| Variant { name, behaviour, desktops };
    vec![
        v("as documented", b(), 2400),
        v("pages capped at 500", b().page_cap(500), 2400),
        v("pages capped at 1", b().page_cap(1), 600),
        v("total_count ignores the filters", b().total_count(TotalCount::Unfiltered), 2400),
        v(
            "pages capped at 500 and total_count ignoring the filters, past the window",
            b().page_cap(500).total_count(TotalCount::Unfiltered),
            6000,
        ),
        v(
            "a stale date is APIGW.0301, gateway an hour ahead",
            b().skew_error("APIGW.0301").clock_offset_secs(3600),
            2400,
        ),
        v(
            "a stale date is APIG.0303, gateway an hour behind",
            b().skew_error("APIG.0303").clock_offset_secs(-3600),
            2400,
        ),
        v("odd data: nulls, unknown fields and values", b().odd_data(true), 2400),
    ]
}

/// Variants whose fleet moves while it is read, from a seed: status moves after every page
/// served (and creations and deletions in one), alone and with the behaviours that matter for
/// continuity (a page cap, totals that ignore filters past the window, `null` entries).
pub fn moving_variants() -> Vec<Variant> {
    let b = Behaviour::default;
    let v = |name, behaviour, desktops| Variant { name, behaviour, desktops };
    vec![
        v(
            "moving: 20 status moves per page, pages capped at 500",
            b().page_cap(500).moves_per_page(20).move_seed(1),
            3000,
        ),
        v(
            "moving: 10 status moves and 3 creations or deletions per page",
            b().moves_per_page(10).fleet_changes_per_page(3).move_seed(2),
            2400,
        ),
        v(
            "moving: 20 status moves per page, capped at 500, totals ignoring filters, past the window",
            b().page_cap(500).total_count(TotalCount::Unfiltered).moves_per_page(20).move_seed(3),
            6000,
        ),
        v("moving: odd data, 5 status moves per page", b().odd_data(true).moves_per_page(5).move_seed(4), 2400),
    ]
}

/// The emulator of a variant.
pub fn start(v: &Variant) -> Emulator {
    Emulator::start(EmulatorConfig::default().desktops(v.desktops).behaviour(v.behaviour.clone())).expect("emulator")
}

/// A client's options against `emu`: the standard policy with short waits.
pub fn options(emu: &Emulator) -> ClientOptions {
    emu.client_options()
        .expect("the emulator's credentials")
        .retry_policy(RetryPolicy::standard().with_backoff(Duration::from_millis(5), Duration::from_millis(5)))
        .build()
        .expect("options")
}

/// The desktops the emulator describes: with odd data, every 37th desktop of the fleet is
/// listed and counted but served as `null`, so no client can read it.
fn readable(emu: &Emulator) -> Vec<Desktop> {
    let odd = emu.behaviour().odd_data;
    emu.desktops().into_iter().enumerate().filter(|(i, _)| !odd || i % 37 != 36).map(|(_, d)| d).collect()
}

/// The ids of the readable desktops with `status` (all when `None`), in service order.
pub fn ids(emu: &Emulator, status: Option<&str>) -> Vec<String> {
    readable(emu).into_iter().filter(|d| status.is_none_or(|s| d.connect_status == s)).map(|d| d.desktop_id).collect()
}

/// 150 distinct user names of the fleet, and the ids of the desktops attached to any of them.
pub fn users(emu: &Emulator) -> (Vec<String>, HashSet<String>) {
    let fleet = readable(emu);
    let mut names: Vec<String> = fleet.iter().flat_map(|d| d.user_names().map(str::to_owned)).collect();
    names.sort();
    names.dedup();
    names.truncate(150);
    let ids = fleet
        .iter()
        .filter(|d| d.user_names().any(|n| names.iter().any(|x| x == n)))
        .map(|d| d.desktop_id.clone())
        .collect();
    (names, ids)
}

/// Paging one query: exactly the desktops, in order; or, past what one query reaches, a clear
/// error after a prefix of them.
pub fn check_paging(what: &str, got: Result<Vec<String>, (Vec<String>, Error)>, want: &[String]) -> Result<(), String> {
    match got {
        Ok(ids) if ids == want => Ok(()),
        Ok(ids) => Err(format!("{what}: {} desktops read, {} expected (or not in order)", ids.len(), want.len())),
        Err((ids, Error::Paging(PagingError::WindowExceeded { .. })))
            if want.len() > 2000 && want.starts_with(&ids) =>
        {
            Ok(())
        }
        Err((ids, e)) => Err(format!("{what}: {e} after {} of {} desktops", ids.len(), want.len())),
    }
}

/// A full read: every desktop exactly once.
pub fn check_read(what: &str, got: Result<Vec<String>, Error>, want: &HashSet<String>) -> Result<(), String> {
    let ids = got.map_err(|e| format!("{what}: {e}"))?;
    let unique: HashSet<String> = ids.iter().cloned().collect();
    if unique.len() != ids.len() {
        return Err(format!("{what}: {} desktops read, {} distinct", ids.len(), unique.len()));
    }
    if &unique != want {
        return Err(format!("{what}: {} desktops read, {} expected", unique.len(), want.len()));
    }
    Ok(())
}

/// The readable desktops with `status` (all when `None`) before a read of a moving fleet: what
/// moves from now on is recorded afresh.
pub fn before(emu: &Emulator, status: Option<&str>) -> HashSet<String> {
    emu.clear_touched();
    ids(emu, status).into_iter().collect()
}

/// A read of a moving fleet, as the ids read and the error that ended it: no desktop twice,
/// every desktop of `before` that did not move, and nothing that neither was in `before` nor
/// moved. Paging past the window of one query may end with its error after a part of them.
pub fn check_moving(
    what: &str,
    got: Result<Vec<String>, (Vec<String>, Error)>,
    before: &HashSet<String>,
    emu: &Emulator,
) -> Result<(), String> {
    let touched = emu.touched();
    if touched.is_empty() {
        return Err(format!("{what}: nothing moved during the read"));
    }
    let (ids, windowed) = match got {
        Ok(ids) => (ids, false),
        Err((ids, Error::Paging(PagingError::WindowExceeded { .. }))) if before.len() > 2000 => (ids, true),
        Err((ids, e)) => return Err(format!("{what}: {e} after {} desktops", ids.len())),
    };
    let unique: HashSet<&String> = ids.iter().collect();
    if unique.len() != ids.len() {
        return Err(format!("{what}: {} desktops read, {} distinct", ids.len(), unique.len()));
    }
    if let Some(id) = ids.iter().find(|id| !before.contains(*id) && !touched.contains(*id)) {
        return Err(format!("{what}: {id} was read, but it neither matched nor moved"));
    }
    let missing = before.iter().filter(|id| !touched.contains(*id) && !unique.contains(id)).count();
    if missing > 0 && !windowed {
        return Err(format!("{what}: {missing} desktops that did not move were not read ({} moved)", touched.len()));
    }
    Ok(())
}

/// Whether a read should be tried again: a fleet that moved faster than it could be read, an
/// error that may pass (a watch or the exporter reads again at its next poll).
pub fn moved_too_fast<T>(r: &Result<T, (T, Error)>) -> bool {
    matches!(r, Err((_, Error::Paging(e))) if e.is_transient())
}

/// Counts: the right number per status and in all (desktops served as `null` are desktops too).
pub fn check_counts(got: Result<StatusCounts, Error>, emu: &Emulator) -> Result<(), String> {
    let c = got.map_err(|e| format!("counts: {e}"))?;
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for d in emu.desktops() {
        *want.entry(d.connect_status).or_default() += 1;
    }
    let seen = [
        ("UNREGISTER", c.unregister),
        ("REGISTERED", c.registered),
        ("CONNECTED", c.connected),
        ("DISCONNECTED", c.disconnected),
        ("total", c.total),
    ];
    for (status, n) in seen {
        let expected = if status == "total" { want.values().sum() } else { want.get(status).copied().unwrap_or(0) };
        if n != expected {
            return Err(format!("counts: {status} is {n}, expected {expected}"));
        }
    }
    Ok(())
}

/// An emulator serving 12,000 desktops (3,000 per status) but at most 4 requests a second: a
/// concurrent read is throttled, slows down as a whole, and still reads every desktop once.
pub fn rate_limited() -> Emulator {
    Emulator::start(EmulatorConfig::default().desktops(12_000).rate_limit(4)).expect("emulator")
}

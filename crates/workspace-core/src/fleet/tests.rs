use super::*;
use crate::profile::TotalsMeaning;
use crate::sim::{Movement, Rng, Service};
use proptest::prelude::*;

/// Runs a read sequentially, or with `k` requests answered in reverse order of handing out.
fn run(mut read: FleetRead, service: &Service, k: usize) -> (Vec<String>, Option<Error>) {
    let mut ids = Vec::new();
    loop {
        while let Some(d) = read.next_item() {
            match d {
                Ok(d) => ids.push(d.id().to_owned()),
                Err(e) => {
                    assert!(read.next_item().is_none() && read.next_request().is_none(), "an error ends the read");
                    return (ids, Some(e));
                }
            }
        }
        if read.is_finished() {
            return (ids, None);
        }
        let mut batch = Vec::new();
        while batch.len() < k.max(1) {
            match read.next_request() {
                Some(t) => batch.push(t),
                None => break,
            }
        }
        assert!(!batch.is_empty(), "a read that is not finished hands out a request");
        assert!(read.requests() < 20_000, "the read ends");
        for (ticket, req) in batch.into_iter().rev() {
            read.on_result(ticket, Ok(service.serve(&req)));
        }
    }
}

fn all() -> Vec<ListDesktopsConnectStatusRequest> {
    vec![ListDesktopsConnectStatusRequest::default()]
}

fn read(batches: Vec<ListDesktopsConnectStatusRequest>) -> FleetRead {
    FleetRead::new(batches, 0, ServiceProfile::default())
}

fn by_status(i: usize) -> ConnectStatus {
    ConnectStatus::KNOWN[i % 4].clone()
}

#[test]
fn a_12000_fleet_is_read_once_by_status_in_the_same_order_at_any_concurrency() {
    let service = Service::fleet(12_000, by_status);
    let (seq, err) = run(read(all()), &service, 1);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(seq.len(), 12_000);
    assert_eq!(seq.iter().collect::<HashSet<_>>().len(), 12_000);
    for k in [2, 8] {
        let mut r = read(all());
        let (conc, _) = {
            let out = run_counting(&mut r, &service, k);
            (out, ())
        };
        assert_eq!(conc, seq, "same order with {k} in flight");
        assert_eq!(r.requests(), 9, "a probe, then two pages of 2000 per status");
    }
}

fn run_counting(read: &mut FleetRead, service: &Service, k: usize) -> Vec<String> {
    let r = std::mem::replace(read, FleetRead::new(vec![], 0, ServiceProfile::default()));
    let requests_before = r.requests();
    let mut r = r;
    let mut ids = Vec::new();
    loop {
        while let Some(d) = r.next_item() {
            ids.push(d.unwrap().id().to_owned());
        }
        if r.is_finished() {
            break;
        }
        let mut batch = Vec::new();
        while batch.len() < k {
            match r.next_request() {
                Some(t) => batch.push(t),
                None => break,
            }
        }
        for (ticket, req) in batch.into_iter().rev() {
            r.on_result(ticket, Ok(service.serve(&req)));
        }
    }
    assert_eq!(requests_before, 0);
    *read = r;
    ids
}

#[test]
fn a_capped_service_with_totals_that_ignore_filters_is_read_whole() {
    let service = Service::fleet(9_000, by_status).cap(Some(500)).unfiltered_totals(true).nulls(97);
    let profile = ServiceProfile::default();
    let (ids, err) = run(FleetRead::new(all(), 0, profile.clone()), &service, 8);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 9_000);
    assert_eq!(ids.len(), 9_000);
    assert_eq!((profile.page_cap(), profile.totals()), (Some(500), TotalsMeaning::Unfiltered));
}

#[test]
fn a_part_that_cannot_be_split_is_a_clear_error() {
    let service = Service::fleet(5000, |_| ConnectStatus::Connected);
    let (ids, err) = run(read(all()), &service, 1);
    let err = err.unwrap();
    assert!(ids.len() < 5000);
    assert_eq!(
        err.to_string(),
        "the query (connect_status=CONNECTED) has 5000 matching desktops, but one query reaches only 4000 (offset at most 2000, plus one page) and the part cannot be split further; give the read a source of user names (`Query::user_directory`, or `wks --users-from FILE`) to reach its desktops 100 users at a time"
    );
}

#[test]
fn a_status_past_the_window_is_read_through_user_names_and_checked_whatever_totals_count() {
    for unfiltered in [false, true] {
        let service = Service::fleet(9000, |_| ConnectStatus::Unregister).unfiltered_totals(unfiltered);
        let every: Arc<[String]> = (0..300).map(|i| format!("user{i}")).collect();
        let (ids, err) = run(read(all()).user_directory(every), &service, 4);
        assert!(err.is_none(), "{err:?}");
        assert_eq!((ids.len(), ids.iter().collect::<HashSet<_>>().len()), (9000, 9000));
        let half: Arc<[String]> = (0..150).map(|i| format!("user{i}")).collect();
        let reachable = (0..9000usize).filter(|i| i % 300 < 150 || (i + 1) % 300 < 150).count() as u64;
        let (_, err) = run(read(all()).user_directory(half), &service, 4);
        assert!(
            matches!(err, Some(Error::Paging(PagingError::NamesIncomplete { total: 9000, found, .. })) if found == reachable),
            "totals ignoring filters: {unfiltered}: {err:?}"
        );
    }
}

#[test]
fn ids_shared_by_desktops_on_different_pages_break_the_contract() {
    let mut service = Service::fleet(300, |_| ConnectStatus::Connected);
    service.set_id(150, "d00005");
    let (ids, err) = run(FleetRead::new(all(), 100, ServiceProfile::default()), &service, 2);
    let err = err.unwrap();
    assert!(matches!(err, Error::InvalidResponse(_)), "{err}");
    assert!(err.to_string().contains("lists 300 desktops but only 299 distinct desktop ids"), "{err}");
    assert_eq!(ids.len(), 299, "each id once, then the error");
}

#[test]
fn user_batches_are_merged_without_duplicates_and_halved_when_too_large() {
    let service = Service::fleet(9000, |_| ConnectStatus::Registered);
    let names: Vec<String> = (0..300).map(|i| format!("user{i}")).collect();
    let batches = ListDesktopsConnectStatusRequest::builder()
        .user_names(names)
        .connect_status(ConnectStatus::Registered)
        .build_batches()
        .unwrap();
    assert_eq!(batches.len(), 3);
    let (ids, err) = run(FleetRead::new(batches, 500, ServiceProfile::default()), &service, 3);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(ids.len(), 9000);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 9000);
}

#[test]
fn a_status_seen_in_the_data_gets_its_own_part() {
    let service = Service::fleet(4500, |i| if i < 10 { ConnectStatus::from("HIBERNATED") } else { by_status(i) });
    let (ids, err) = run(read(all()), &service, 4);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(ids.len(), 4500);
}

#[test]
fn an_unseen_status_is_not_silently_lost() {
    let service = Service::fleet(4500, |i| if i >= 4490 { ConnectStatus::from("HIBERNATED") } else { by_status(i) });
    let (_, err) = run(read(all()), &service, 1);
    assert!(
        matches!(err, Some(Error::Paging(PagingError::StatusesIncomplete { total: 4500, found: 4490 }))),
        "{err:?}"
    );
}

/// Answers one request of `read`, returning whether there was one.
fn answer_one(read: &mut FleetRead, service: &Service) -> bool {
    let Some((ticket, req)) = read.next_request() else { return false };
    read.on_result(ticket, Ok(service.serve(&req)));
    true
}

#[test]
fn the_expected_count_is_the_trusted_total_of_one_query() {
    let service = Service::fleet(12_000, by_status);
    let mut r = read(all());
    assert_eq!(r.expected(), None, "unknown before the first page");
    assert!(answer_one(&mut r, &service));
    assert_eq!(r.expected(), Some(12_000), "the whole fleet's total, known after the probe");
    let mut capped = read(all());
    capped.max_items = Some(500);
    assert!(answer_one(&mut capped, &service));
    assert_eq!(capped.expected(), Some(500), "no more than the cap");

    // A status's total counts its matches only where totals are known to follow filters.
    let connected =
        || vec![ListDesktopsConnectStatusRequest::builder().connect_status(ConnectStatus::Connected).build().unwrap()];
    let mut r = FleetRead::new(connected(), 0, ServiceProfile::default());
    assert!(answer_one(&mut r, &service));
    assert_eq!(r.expected(), None, "what the total counts is not known yet");
    let profile = ServiceProfile::default();
    profile.learn_totals(TotalsMeaning::Filtered);
    let mut r = FleetRead::new(connected(), 0, profile);
    assert!(answer_one(&mut r, &service));
    assert_eq!(r.expected(), Some(3_000));

    // Batches of user names may share desktops: their totals add up to more than the read finds.
    let names: Vec<String> = (0..150).map(|i| format!("user{i}")).collect();
    let batches = ListDesktopsConnectStatusRequest::builder().user_names(names).build_batches().unwrap();
    let mut r = FleetRead::new(batches, 0, ServiceProfile::default());
    while answer_one(&mut r, &service) {}
    assert_eq!(r.expected(), None);
}

#[test]
fn small_reads_and_caps() {
    let service = Service::fleet(250, |_| ConnectStatus::Connected);
    let (ids, _) = run(FleetRead::new(all(), 100, ServiceProfile::default()), &service, 1);
    assert_eq!(ids.len(), 250);
    let mut r = FleetRead::new(all(), 100, ServiceProfile::default());
    let (t, req) = r.next_request().unwrap();
    assert!(r.next_request().is_none(), "the probe comes first");
    r.on_result(t, Ok(service.serve(&req)));
    assert_eq!(r.next_request().unwrap().1.offset(), Some(94), "the next page overlaps the first by 6");
    let mut capped = FleetRead::new(all(), 100, ServiceProfile::default());
    capped.max_items = Some(120);
    assert_eq!(run(capped, &service, 1).0.len(), 120);
    assert_eq!(run(read(all()), &Service::fleet(0, by_status), 1).0.len(), 0);
    let (ids, err) = run(read(all()), &Service::fleet(700, by_status).cap(Some(1)), 3);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(ids.len(), 700, "a cap of one desktop a page still reads everything");
}

#[test]
fn an_error_ends_the_read_after_the_items_released_before_it() {
    let service = Service::fleet(300, |_| ConnectStatus::Connected);
    let mut r = FleetRead::new(all(), 100, ServiceProfile::default());
    let (t, req) = r.next_request().unwrap();
    r.on_result(t, Ok(service.serve(&req)));
    let (t1, _) = r.next_request().unwrap();
    let (t2, req2) = r.next_request().unwrap();
    r.on_result(t1, Err(crate::TransportError::timeout("t").into()));
    r.on_result(t2, Ok(service.serve(&req2)));
    assert!(r.next_request().is_none(), "nothing more is handed out");
    assert!(!r.is_finished(), "the items and the error are still to be taken");
    let items: Vec<_> = std::iter::from_fn(|| r.next_item()).collect();
    assert_eq!(items.len(), 101, "the probe's 100 desktops, then the error");
    assert!(items[..100].iter().all(Result::is_ok));
    assert!(matches!(items[100], Err(Error::Transport(_))), "{:?}", items[100]);
    assert!(r.is_finished());
}

#[test]
fn an_invalid_query_is_its_first_item_and_nothing_is_sent() {
    let request = ListDesktopsConnectStatusRequest::builder().offset(5);
    let err = FleetRead::from_request(request, None, ServiceProfile::default()).unwrap_err();
    let mut r = FleetRead::invalid(err);
    assert!(r.next_request().is_none());
    let err = r.next_item().unwrap().unwrap_err();
    assert!(err.to_string().contains("offset"), "{err}");
    assert!(r.next_item().is_none() && r.is_finished());
}

/// Runs a read against a moving service as concurrency would: up to `k` requests out, each
/// served at a random moment (the fleet moves after each) and answered in a random order.
fn run_moving(
    mut read: FleetRead,
    service: &Service,
    k: usize,
    rng: &mut Rng,
) -> Result<(Vec<String>, Option<Error>), String> {
    let (mut out, mut served, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        while let Some(d) = read.next_item() {
            match d {
                Ok(d) => ids.push(d.id().to_owned()),
                Err(e) => return Ok((ids, Some(e))),
            }
        }
        if read.is_finished() {
            return Ok((ids, None));
        }
        while out.len() + served.len() < k {
            match read.next_request() {
                Some(t) => out.push(t),
                None => break,
            }
        }
        if read.requests() > 20_000 {
            return Err("the read does not end".into());
        }
        if !out.is_empty() && (served.is_empty() || rng.below(2) == 0) {
            let (ticket, req) = out.swap_remove(rng.below(out.len()));
            served.push((ticket, service.serve(&req)));
        } else if served.is_empty() {
            return Err(format!("the read stalls: {read:?}"));
        } else {
            let (ticket, page) = served.swap_remove(rng.below(served.len()));
            read.on_result(ticket, Ok(page));
        }
    }
}

/// One seed: a fleet, a way of serving it, a movement and a concurrency, all from the seed.
/// Every desktop that matched at the start and was not touched during the read comes out
/// exactly once, nothing comes out twice, and nothing comes out that neither matched at the
/// start nor moved; or the read fails with an error that may pass, or one that says the
/// fleet is out of reach.
fn check_moving_read(seed: u64) -> Result<Option<Error>, String> {
    let mut rng = Rng::new(seed);
    let n = match rng.below(10) {
        0 => rng.below(9000),
        1..=3 => rng.below(4500),
        _ => rng.below(1200),
    };
    let statuses = 1 + rng.below(4);
    let cap = [None, Some(40 + rng.below(400) as u32), Some(500)][rng.below(3)];
    let page_size = [0, 50 + rng.below(300) as u32][rng.below(2)];
    let movement = Movement { moves: rng.below(21), changes: rng.below(6) };
    let k = 1 + rng.below(8);
    let mut service =
        Service::fleet(n, |i| ConnectStatus::KNOWN[i % statuses].clone()).cap(cap).unfiltered_totals(rng.below(4) == 0);
    if rng.below(4) == 0 {
        service = service.nulls(5 + rng.below(100));
    }
    let service = service.moving(movement, seed);
    let mut b = ListDesktopsConnectStatusRequest::builder();
    if rng.below(4) == 0 {
        b = b.user_names((0..1 + rng.below(250)).map(|i| format!("user{i}")));
    }
    if rng.below(4) == 0 {
        b = b.connect_status(ConnectStatus::KNOWN[rng.below(4)].clone());
    }
    let batches = b.build_batches().unwrap();
    let start: HashSet<String> = batches.iter().flat_map(|r| service.ids(r)).collect();
    service.take_touched();
    let read = FleetRead::new(batches, page_size, ServiceProfile::default());
    let what = format!("{n} desktops, cap {cap:?}, pages of {page_size}, {movement:?}, {k} in flight");
    let (ids, err) = run_moving(read, &service, k, &mut rng).map_err(|e| format!("{what}: {e}"))?;
    let touched = service.take_touched();
    let unique: HashSet<&String> = ids.iter().collect();
    if unique.len() != ids.len() {
        return Err(format!("{what}: {} desktops delivered, {} distinct", ids.len(), unique.len()));
    }
    if let Some(id) = ids.iter().find(|id| !start.contains(*id) && !touched.contains(*id)) {
        return Err(format!("{what}: {id} delivered, but it neither matched nor moved"));
    }
    match err {
        None => {
            let missing = start.iter().filter(|id| !touched.contains(*id) && !unique.contains(id)).count();
            if missing > 0 {
                return Err(format!("{what}: {missing} desktops that did not move are missing"));
            }
            Ok(None)
        }
        Some(e @ Error::Paging(PagingError::FleetChanged { .. } | PagingError::StatusesIncomplete { .. })) => {
            Ok(Some(e))
        }
        Some(e @ Error::Paging(PagingError::PartTooLarge { .. })) if start.len() > 2000 => Ok(Some(e)),
        Some(e) => Err(format!("{what}: {e}")),
    }
}

#[test]
fn a_moving_fleet_is_read_exactly_or_the_read_says_it_changed() {
    let (mut changed, mut runs) = (0, 0);
    for seed in crate::sim::seeds(1500) {
        runs += 1;
        match check_moving_read(seed) {
            Ok(Some(Error::Paging(e))) if e.is_transient() => changed += 1,
            Ok(_) => {}
            Err(why) => {
                panic!("seed {seed}: {why}\nreplay it: MOVING_SEED={seed} cargo test -p workspace-core --lib moving")
            }
        }
    }
    assert!(changed * 50 <= runs, "{changed} of {runs} reads gave up on the movement: the bounds are too tight");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn every_desktop_once_in_a_stable_order_or_a_clear_error(
        n in 0usize..9000,
        cap in proptest::option::of(40u32..=2000),
        unfiltered_totals in any::<bool>(),
        nulls in proptest::option::of(5usize..200),
        statuses in 1usize..=4,
        users in proptest::option::of(1usize..250),
        k in 1usize..8,
    ) {
        let mut service = Service::fleet(n, |i| ConnectStatus::KNOWN[i % statuses].clone())
            .cap(cap)
            .unfiltered_totals(unfiltered_totals);
        if let Some(every) = nulls {
            service = service.nulls(every);
        }
        let mut b = ListDesktopsConnectStatusRequest::builder();
        if let Some(u) = users {
            b = b.user_names((0..u).map(|i| format!("user{i}")));
        }
        let mut truth = HashSet::new();
        let batches = b.build_batches().unwrap();
        for batch in &batches {
            truth.extend(service.ids(batch));
        }
        let (seq, err) = run(FleetRead::new(batches.clone(), 0, ServiceProfile::default()), &service, 1);
        let (conc, err_k) = run(FleetRead::new(batches, 0, ServiceProfile::default()), &service, k);
        match err {
            None => {
                prop_assert_eq!(seq.len(), truth.len(), "every desktop once");
                prop_assert_eq!(seq.iter().cloned().collect::<HashSet<_>>(), truth);
                prop_assert!(err_k.is_none());
                prop_assert_eq!(conc, seq, "the order does not depend on concurrency");
            }
            Some(e) => {
                prop_assert!(matches!(e, Error::Paging(_)), "{}", e);
                prop_assert!(truth.len() > 2000, "{} for {} desktops", e, truth.len());
            }
        }
    }
}

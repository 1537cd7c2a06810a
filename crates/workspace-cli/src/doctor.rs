//! `wks doctor`: a read-only probe of an account that reports what the documentation leaves
//! open (the page cap, what `total_count` counts, the gateway's clock, what `limit=0` returns)
//! in six requests. What each answer means is the core's to decide; this only asks and reports.

use std::io::{self, Write};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use workspace_blocking::types::ConnectStatus;
use workspace_blocking::types::limits::MAX_LIMIT;
use workspace_blocking::{Client, Error, Page, Query};
use workspace_core::{CLOCK_SKEW_EVIDENCE, TotalsMeaning};

use crate::args::Format;
use crate::commands::Failure;
use crate::exit;
use crate::output::{Style, table};
use crate::safe_text::terminal;
use crate::sink::Sink;

/// What a check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// As documented.
    Ok,
    /// Not as documented (or, for the first checks, not usable at all).
    Failed,
    /// Not determined.
    Unknown,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "FAILED",
            Outcome::Unknown => "unknown",
        }
    }
}

/// One line of the report: a check, its outcome, a sentence, and the values measured.
#[derive(Debug)]
struct Check {
    name: &'static str,
    outcome: Outcome,
    detail: String,
    values: Values,
}

/// What a check measured, each with its keys in the documented order (`docs/cli.md`).
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Values {
    /// Nothing: not checked, or the request failed.
    None,
    Endpoint {
        latency_ms: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        endpoint: Option<String>,
    },
    Credentials {
        project_id: String,
        project_id_source: &'static str,
    },
    Clock {
        clock_offset_ms: Option<i64>,
    },
    PageCap {
        page_cap: Option<u64>,
        entries: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        expected: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        total_count: Option<u64>,
        null_entries: u64,
    },
    TotalCount {
        totals_meaning: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        total: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        per_status: Option<PerStatus>,
    },
    LimitZero {
        entries_held: u64,
    },
    RequestId {
        responses: usize,
        without_request_id: usize,
    },
}

/// The totals of the documented statuses, in the order of the summary.
#[derive(Debug, Serialize)]
struct PerStatus {
    #[serde(rename = "UNREGISTER")]
    unregister: u64,
    #[serde(rename = "REGISTERED")]
    registered: u64,
    #[serde(rename = "CONNECTED")]
    connected: u64,
    #[serde(rename = "DISCONNECTED")]
    disconnected: u64,
}

/// A check in JSON: `name`, `result`, `detail`, then its values.
#[derive(Serialize)]
struct CheckJson<'a> {
    name: &'a str,
    result: &'a str,
    detail: &'a str,
    #[serde(flatten)]
    values: &'a Values,
}

impl Serialize for Report {
    /// One entry per check, in [`CHECKS`] order.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.checks.len()))?;
        for c in &self.checks {
            let check = CheckJson { name: c.name, result: c.outcome.as_str(), detail: &c.detail, values: &c.values };
            map.serialize_entry(c.name, &check)?;
        }
        map.end()
    }
}

/// The checks, in the order they are reported.
const CHECKS: [&str; 7] = ["endpoint", "credentials", "clock", "page_cap", "total_count", "limit_zero", "request_id"];

/// The report being filled in: one slot per check, in [`CHECKS`] order.
struct Report {
    checks: Vec<Check>,
}

impl Report {
    fn new() -> Self {
        let checks = CHECKS
            .iter()
            .map(|name| Check {
                name,
                outcome: Outcome::Unknown,
                detail: "not checked: an earlier request failed".into(),
                values: Values::None,
            })
            .collect();
        Self { checks }
    }

    fn set(&mut self, name: &str, outcome: Outcome, detail: impl Into<String>, values: Values) {
        if let Some(c) = self.checks.iter_mut().find(|c| c.name == name) {
            c.outcome = outcome;
            c.detail = detail.into();
            c.values = values;
        }
    }

    fn first_failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.outcome == Outcome::Failed)
    }
}

/// `wks doctor`: probes, prints the report (also when a request failed, with what was learnt
/// so far), and fails with the request's error, or with the first check that does not hold.
pub(crate) fn doctor(client: &Client, style: &Style, sink: &Sink) -> Result<(), Failure> {
    let mut report = Report::new();
    let failed = probe(client, &mut report).err();
    sink.write(&render(style, &report)?, 0)?;
    sink.flush()?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    match report.first_failure() {
        Some(c) => Err(Failure::Differs(format!("{}: {}", c.name, c.detail))),
        None => Ok(()),
    }
}

/// Runs the checks in order, filling `report`; stops at the first request that fails.
fn probe(client: &Client, report: &mut Report) -> Result<(), Error> {
    let counts: Vec<Query> = Query::new().count_requests()?.into_iter().map(Query::from).collect();
    let given = client.project_id().is_some();
    // Every answer, for the request ids; the limit=0 ones, for what they held.
    let mut pages: Vec<Page> = Vec::new();
    let mut zero_entries = Vec::new();

    // 1-3: the first request (all desktops, limit=0) tells the endpoint, credentials and clock.
    let started = Instant::now();
    let first = client.send(&counts[0]);
    let latency = started.elapsed();
    let received = SystemTime::now();
    let first = match first {
        Ok(page) => page,
        Err(e) => {
            let discovering = client.project_id().is_none();
            first_failed(report, &e, latency, discovering);
            return Err(e);
        }
    };
    let latency_ms = millis(latency);
    let endpoints = client.options().endpoints();
    let url = endpoints.first().map(ToString::to_string).unwrap_or_default();
    let also = if endpoints.len() > 1 { " (or one of its fallbacks)" } else { "" };
    let detail = format!("reached {url}{also}; the first answer took {latency_ms} ms");
    report.set("endpoint", Outcome::Ok, detail, Values::Endpoint { latency_ms, endpoint: Some(url) });
    let project = client.project_id().map(ToString::to_string).unwrap_or_default();
    let source = if given { "given" } else { "discovered" };
    report.set(
        "credentials",
        Outcome::Ok,
        format!("accepted for project {project} ({source})"),
        Values::Credentials { project_id: project, project_id_source: source },
    );
    clock(report, &first, received);
    let total = first.total_count();
    zero_entries.push(first.entries());
    pages.push(first);

    // 4: one page of the largest documented size.
    let full = Query::new().offset(0).limit(MAX_LIMIT);
    let page = client.send(&full).inspect_err(|e| request_failed(report, "page_cap", e))?;
    page_cap(report, &page);
    pages.push(page);

    // 5: each documented status with limit=0, against the first answer's total; sent together,
    // up to the client's concurrency at once.
    let mut parts = Vec::new();
    for result in send_all(client, &counts[1..]) {
        let page = result.inspect_err(|e| request_failed(report, "total_count", e))?;
        parts.push(page.total_count());
        zero_entries.push(page.entries());
        pages.push(page);
    }
    total_count(report, total, &parts);

    // 6-7: what the answers held.
    let held: u64 = zero_entries.iter().sum();
    if held == 0 {
        let detail = format!("the {} limit=0 answers held no desktops, as documented", zero_entries.len());
        report.set("limit_zero", Outcome::Ok, detail, Values::LimitZero { entries_held: 0 });
    } else {
        let detail = format!("the limit=0 answers held {held} entries; the documentation means none");
        report.set("limit_zero", Outcome::Failed, detail, Values::LimitZero { entries_held: held });
    }
    let without = pages.iter().filter(|p| p.request_id().is_none()).count();
    let values = Values::RequestId { responses: pages.len(), without_request_id: without };
    if without == 0 {
        report.set("request_id", Outcome::Ok, format!("X-Request-Id on all {} responses", pages.len()), values);
    } else {
        let detail = format!("{without} of {} responses had no X-Request-Id", pages.len());
        report.set("request_id", Outcome::Failed, detail, values);
    }
    Ok(())
}

/// Sends `queries`, up to the client's concurrency at once (each on a scoped thread), and
/// returns their results in order.
fn send_all(client: &Client, queries: &[Query]) -> Vec<Result<Page, Error>> {
    let at_once = client.options().concurrency().max(1);
    if at_once == 1 {
        return queries.iter().map(|q| client.send(q)).collect();
    }
    let mut results = Vec::with_capacity(queries.len());
    for chunk in queries.chunks(at_once) {
        std::thread::scope(|s| {
            let handles: Vec<_> = chunk.iter().map(|q| s.spawn(move || client.send(q))).collect();
            for h in handles {
                results.push(h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            }
        });
    }
    results
}

/// The first request failed: the endpoint was not reached or gave no usable answer, the
/// credentials were refused, or (`discovering`: no project id is known yet) IAM did not name the
/// project.
fn first_failed(report: &mut Report, e: &Error, latency: Duration, discovering: bool) {
    let why = exit::describe(e);
    let refused = e.as_service_error().is_some_and(|s| matches!(s.status().as_u16(), 401 | 403));
    if refused {
        let latency_ms = millis(latency);
        report.set(
            "endpoint",
            Outcome::Ok,
            format!("reached; the answer took {latency_ms} ms"),
            Values::Endpoint { latency_ms, endpoint: None },
        );
        report.set("credentials", Outcome::Failed, format!("refused: {why}"), Values::None);
    } else if matches!(e.last_error(), Error::Config(_) | Error::Signing(_)) {
        report.set("credentials", Outcome::Failed, why, Values::None);
    } else if discovering && matches!(e.last_error(), Error::InvalidResponse(_)) {
        let detail = format!("the project id could not be discovered: {why}");
        report.set("credentials", Outcome::Failed, detail, Values::None);
    } else if matches!(e.last_error(), Error::Transport(_)) {
        report.set("endpoint", Outcome::Failed, format!("not reached: {why}"), Values::None);
    } else {
        report.set("endpoint", Outcome::Failed, format!("no usable answer: {why}"), Values::None);
    }
}

fn request_failed(report: &mut Report, check: &str, e: &Error) {
    report.set(check, Outcome::Failed, format!("the request failed: {}", exit::describe(e)), Values::None);
}

/// The gateway's `Date` against this machine's clock when the answer arrived.
fn clock(report: &mut Report, page: &Page, received: SystemTime) {
    let date = page.headers().get("date").and_then(|v| v.to_str().ok()).and_then(|v| httpdate::parse_http_date(v).ok());
    let Some(date) = date else {
        let values = Values::Clock { clock_offset_ms: None };
        report.set("clock", Outcome::Unknown, "the answer had no Date header", values);
        return;
    };
    let (ahead, offset) = match date.duration_since(received) {
        Ok(d) => (true, d),
        Err(e) => (false, e.duration()),
    };
    let ms = i64::try_from(offset.as_millis()).unwrap_or(i64::MAX);
    let values = Values::Clock { clock_offset_ms: Some(if ahead { ms } else { -ms }) };
    // The Date header counts whole seconds.
    let secs = offset.as_secs();
    let side = if ahead { "ahead of" } else { "behind" };
    if offset > CLOCK_SKEW_EVIDENCE {
        let detail = format!(
            "the gateway's clock is {secs} s {side} this machine's; \
             the SDK corrects for it, but this machine's clock is wrong"
        );
        report.set("clock", Outcome::Failed, detail, values);
    } else if secs == 0 {
        report.set("clock", Outcome::Ok, "within a second of the gateway's (Date header)", values);
    } else {
        report.set("clock", Outcome::Ok, format!("the gateway's clock is {secs} s {side} this machine's"), values);
    }
}

/// A page of 2000 against what the fleet holds.
fn page_cap(report: &mut Report, page: &Page) {
    let entries = page.entries();
    let nulls = entries.saturating_sub(page.desktops().len() as u64);
    let Some(total) = page.total_count() else {
        let values =
            Values::PageCap { page_cap: None, entries, expected: None, total_count: None, null_entries: nulls };
        report.set("page_cap", Outcome::Unknown, "the answer had no total_count to compare with", values);
        return;
    };
    if total == 0 {
        let values =
            Values::PageCap { page_cap: None, entries, expected: None, total_count: Some(0), null_entries: nulls };
        report.set("page_cap", Outcome::Unknown, "the fleet is empty, so a cap cannot be seen", values);
        return;
    }
    let expected = total.min(u64::from(MAX_LIMIT));
    let null_note = if nulls > 0 { format!("; {nulls} of its entries were null, not desktops") } else { String::new() };
    let cap = (entries < expected).then_some(entries);
    let values = Values::PageCap {
        page_cap: cap,
        entries,
        expected: Some(expected),
        total_count: Some(total),
        null_entries: nulls,
    };
    if entries < expected {
        let detail =
            format!("pages are capped at {entries}, below the documented 2000; the SDK reads past it{null_note}");
        report.set("page_cap", Outcome::Failed, detail, values);
    } else if entries > expected {
        let detail = format!("a page held {entries} entries, more than total_count ({total}) allows{null_note}");
        report.set("page_cap", Outcome::Unknown, detail, values);
    } else if expected == u64::from(MAX_LIMIT) {
        report.set(
            "page_cap",
            Outcome::Ok,
            format!("no cap: a page held 2000 entries, the documented most{null_note}"),
            values,
        );
    } else {
        let detail = format!(
            "at least {expected}: a page held the whole fleet of {total}, so a cap above that cannot be seen{null_note}"
        );
        report.set("page_cap", Outcome::Ok, detail, values);
    }
}

/// The first answer's total against the totals per documented status.
fn total_count(report: &mut Report, total: Option<u64>, parts: &[Option<u64>]) {
    let parts: Option<Vec<u64>> = parts.iter().copied().collect();
    let (Some(total), Some(parts)) = (total, parts) else {
        let values = Values::TotalCount { totals_meaning: "unknown", total: None, per_status: None };
        report.set("total_count", Outcome::Unknown, "an answer had no total_count", values);
        return;
    };
    // The counts were asked in the order of `ConnectStatus::KNOWN`.
    let of = |s: ConnectStatus| ConnectStatus::KNOWN.iter().position(|k| *k == s).and_then(|i| parts.get(i).copied());
    let per_status = PerStatus {
        unregister: of(ConnectStatus::Unregister).unwrap_or(0),
        registered: of(ConnectStatus::Registered).unwrap_or(0),
        connected: of(ConnectStatus::Connected).unwrap_or(0),
        disconnected: of(ConnectStatus::Disconnected).unwrap_or(0),
    };
    let meaning = TotalsMeaning::from_split(total, &parts);
    let name = match meaning {
        TotalsMeaning::Filtered => "filtered",
        TotalsMeaning::Unfiltered => "unfiltered",
        _ => "unknown",
    };
    let values = Values::TotalCount { totals_meaning: name, total: Some(total), per_status: Some(per_status) };
    match meaning {
        TotalsMeaning::Filtered => {
            let detail =
                format!("total_count follows the filters: the totals per status add up to at most the whole ({total})");
            report.set("total_count", Outcome::Ok, detail, values);
        }
        TotalsMeaning::Unfiltered => {
            let detail = "total_count counts every desktop whatever the filters; the SDK counts by reading";
            report.set("total_count", Outcome::Failed, detail, values);
        }
        _ => {
            let detail = "not determined: the fleet is empty, or changed between the requests";
            report.set("total_count", Outcome::Unknown, detail, values);
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The report as one document: a table, or a JSON object with one entry per check, in order.
fn render(style: &Style, report: &Report) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    match style.format {
        Format::Table | Format::Wide | Format::Csv | Format::Ndjson => {
            let rows: Vec<Vec<String>> = report
                .checks
                .iter()
                .map(|c| {
                    [c.name, c.outcome.as_str(), c.detail.as_str()].iter().map(|s| terminal(s).into_owned()).collect()
                })
                .collect();
            table(&mut out, style, &["CHECK", "RESULT", "DETAIL"], &rows)?;
        }
        Format::Json => {
            serde_json::to_writer(&mut out, report)?;
            writeln!(out)?;
        }
    }
    Ok(out)
}

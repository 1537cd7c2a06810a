//! The output formats: table, json (the API's shape), ndjson and csv. Text from the service is
//! escaped for the table and csv (see `safe_text`); json and ndjson are exact.

use std::io::{self, IsTerminal, Write};
use std::time::SystemTime;

use serde::Serialize;
use workspace_blocking::types::{AttachType, ConnectDesktopsInfo, ConnectStatus};
use workspace_blocking::{Change, StatusCounts, Transition};
use workspace_core::format_sdk_date;

use crate::args::{ColorWhen, Format, OutputArgs, SortBy};
use crate::safe_text::{csv_cell, terminal};
use crate::sink::Sink;
use crate::table::{Layout, Paint, write_table};

/// How output is written: the format, and for tables their header, colour and width.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    /// The format.
    pub(crate) format: Format,
    /// Whether tables and csv have their header (and tables their closing count).
    pub(crate) headers: bool,
    /// Whether table cells are coloured.
    pub(crate) color: bool,
    /// The width tables fit in: `COLUMNS` when set, else the terminal's; none for a pipe.
    pub(crate) width: Option<usize>,
}

impl Style {
    /// The style the flags ask for; the format when none is given is a table on a terminal and
    /// `fallback` otherwise.
    pub(crate) fn new(args: &OutputArgs, fallback: Format) -> Self {
        let terminal = io::stdout().is_terminal();
        let format = args.output.unwrap_or(if terminal { Format::Table } else { fallback });
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .filter(|&c: &usize| c > 0)
            .or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)));
        Self { format, headers: !args.no_headers, color: colour(args.color, terminal), width }
    }

    fn layout<'a>(&self, cuttable: &'a [usize], paint: Paint) -> Layout<'a> {
        Layout { headers: self.headers, width: self.width, cuttable, paint: self.color.then_some(paint) }
    }
}

/// Whether to colour an output that is a terminal or not: `--color`, then `NO_COLOR` (set and
/// not empty: never), then `CLICOLOR_FORCE` (set and not `0`: always).
pub(crate) fn colour(when: ColorWhen, terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto if set("NO_COLOR").is_some() => false,
        ColorWhen::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        ColorWhen::Auto => terminal,
    }
}

/// The colour of a status cell: connected green, disconnected yellow, unregistered red.
fn status_colour(status: &str) -> Option<&'static str> {
    match status {
        "CONNECTED" => Some("32"),
        "DISCONNECTED" => Some("33"),
        "UNREGISTER" => Some("31"),
        _ => None,
    }
}

/// Writes desktops in a style: json and tables whole at the end, so that they are valid or
/// absent; ndjson and csv a whole record at a time as they come, unless they are sorted.
pub(crate) struct DesktopWriter<'s> {
    style: Style,
    sort: Option<SortBy>,
    sink: &'s Sink,
    count: u64,
    /// The json document so far.
    json: Vec<u8>,
    rows: Vec<Vec<String>>,
    /// Desktops held to be sorted.
    held: Vec<ConnectDesktopsInfo>,
    header_written: bool,
}

/// One CSV record of cells made safe by `csv_cell`, quoted as needed, with its line end.
fn csv_line<'a>(fields: impl IntoIterator<Item = &'a str>) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields.into_iter().map(|f| csv_cell(f).into_owned())).map_err(io::Error::other)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

const CSV_HEADER: [&str; 4] = ["desktop_id", "desktop_name", "connect_status", "users"];
const TABLE_HEADER: [&str; 4] = ["DESKTOP", "STATUS", "USERS", "DESKTOP ID"];
const WIDE_HEADER: [&str; 6] = ["DESKTOP", "STATUS", "USERS", "USER GROUPS", "ATTACH TYPES", "DESKTOP ID"];

impl<'s> DesktopWriter<'s> {
    /// A writer in `style`, sorting by `sort` when given.
    pub(crate) fn new(style: Style, sort: Option<SortBy>, sink: &'s Sink) -> Self {
        Self {
            style,
            sort,
            sink,
            count: 0,
            json: b"{\"desktops\":[".to_vec(),
            rows: Vec::new(),
            held: Vec::new(),
            header_written: !style.headers,
        }
    }

    fn csv_header(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.sink.write(&csv_line(CSV_HEADER)?, 0)?;
            self.header_written = true;
        }
        Ok(())
    }

    /// Takes one desktop.
    pub(crate) fn desktop(&mut self, d: &ConnectDesktopsInfo) -> io::Result<()> {
        if self.sort.is_some() {
            self.held.push(d.clone());
            return Ok(());
        }
        self.write(d)
    }

    fn write(&mut self, d: &ConnectDesktopsInfo) -> io::Result<()> {
        match self.style.format {
            Format::Json => {
                if self.count > 0 {
                    self.json.push(b',');
                }
                serde_json::to_writer(&mut self.json, d)?;
            }
            Format::Ndjson => {
                let mut line = serde_json::to_vec(d)?;
                line.push(b'\n');
                self.sink.write(&line, 1)?;
            }
            Format::Csv => {
                self.csv_header()?;
                let users = users(d).join(";");
                self.sink.write(&csv_line([id(d).as_str(), &name(d), &status(d), &users])?, 1)?;
            }
            Format::Table => {
                let row = [name(d), status(d), users(d).join(", "), id(d)];
                self.rows.push(row.iter().map(|c| terminal(c).into_owned()).collect());
            }
            Format::Wide => {
                let names = d.attach_users.iter().map(|u| u.name.clone().unwrap_or_default());
                let groups = d.attach_users.iter().map(|u| u.user_group.as_ref().map_or("", |g| g.as_str()));
                let types = d.attach_users.iter().map(|u| u.attach_type.as_ref().map_or("", |t| t.as_str()));
                let row = [
                    name(d),
                    status(d),
                    names.collect::<Vec<_>>().join(", "),
                    groups.collect::<Vec<_>>().join(", "),
                    types.collect::<Vec<_>>().join(", "),
                    id(d),
                ];
                self.rows.push(row.iter().map(|c| terminal(c).into_owned()).collect());
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Ends the output; `total` is the service's count for one page, or the number written.
    pub(crate) fn finish(mut self, total: Option<u64>) -> io::Result<()> {
        if let Some(by) = self.sort {
            let mut held = std::mem::take(&mut self.held);
            sort(&mut held, by);
            for d in &held {
                self.write(d)?;
            }
        }
        let total = total.unwrap_or(self.count);
        let paint: Paint = |col, text| if col == 1 { status_colour(text) } else { None };
        match self.style.format {
            Format::Json => {
                writeln!(self.json, "],\"total_count\":{total}}}")?;
                self.sink.write(&self.json, self.count)?;
            }
            Format::Table | Format::Wide => {
                let mut text = Vec::new();
                let (header, cuttable): (&[&str], &[usize]) = match self.style.format {
                    Format::Wide => (&WIDE_HEADER, &[0, 2, 3, 4]),
                    _ => (&TABLE_HEADER, &[0, 2]),
                };
                write_table(&mut text, header, &self.rows, &self.style.layout(cuttable, paint))?;
                if self.style.headers {
                    writeln!(text, "{} of {total} desktops", self.count)?;
                }
                self.sink.write(&text, self.count)?;
            }
            Format::Csv => self.csv_header()?,
            Format::Ndjson => {}
        }
        self.sink.flush()
    }
}

/// Sorts desktops by `by`, each tie broken by name and then id, so that the order is the same
/// on every run.
fn sort(desktops: &mut [ConnectDesktopsInfo], by: SortBy) {
    desktops.sort_by_cached_key(|d| {
        let first = match by {
            SortBy::Name => name(d),
            SortBy::Status => status(d),
            SortBy::Id => id(d),
            SortBy::Users => users(d).join(","),
        };
        (first, name(d), id(d))
    });
}

fn id(d: &ConnectDesktopsInfo) -> String {
    d.desktop_id.clone().unwrap_or_default()
}

fn name(d: &ConnectDesktopsInfo) -> String {
    d.desktop_name.clone().unwrap_or_default()
}

fn status(d: &ConnectDesktopsInfo) -> String {
    d.connect_status.as_ref().map(|s| s.as_str().to_owned()).unwrap_or_default()
}

/// The attached users, and groups marked as such.
fn users(d: &ConnectDesktopsInfo) -> Vec<String> {
    d.attach_users
        .iter()
        .filter_map(|u| {
            let n = u.name.clone()?;
            Some(if u.attach_type == Some(AttachType::Group) { format!("group:{n}") } else { n })
        })
        .collect()
}

/// A table of the rows in `style`, none of its columns cut, the second coloured as a status.
pub(crate) fn table(out: &mut impl Write, style: &Style, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let paint: Paint = |col, text| if col == 1 { status_colour(text) } else { None };
    write_table(out, header, rows, &style.layout(&[], paint))
}

/// The counts per status in json, with the documented keys in the documented order.
#[derive(Serialize)]
struct CountsJson {
    #[serde(rename = "UNREGISTER")]
    unregister: u64,
    #[serde(rename = "REGISTERED")]
    registered: u64,
    #[serde(rename = "CONNECTED")]
    connected: u64,
    #[serde(rename = "DISCONNECTED")]
    disconnected: u64,
    /// Desktops of undocumented statuses, when there are any.
    #[serde(rename = "OTHER", skip_serializing_if = "Option::is_none")]
    other: Option<u64>,
    total: u64,
}

/// One count in ndjson.
#[derive(Serialize)]
struct CountLine<'a> {
    connect_status: &'a str,
    count: u64,
}

/// The counts per status, as one document.
pub(crate) fn counts(style: &Style, c: &StatusCounts) -> io::Result<Vec<u8>> {
    let out = &mut Vec::new();
    let of = |s: ConnectStatus| c.get(&s).unwrap_or(0);
    let mut rows: Vec<(String, u64)> =
        ConnectStatus::KNOWN.iter().map(|s| (s.as_str().to_owned(), c.get(s).unwrap_or(0))).collect();
    if c.other() > 0 {
        rows.push(("OTHER".to_owned(), c.other()));
    }
    match style.format {
        Format::Json => {
            let doc = CountsJson {
                unregister: of(ConnectStatus::Unregister),
                registered: of(ConnectStatus::Registered),
                connected: of(ConnectStatus::Connected),
                disconnected: of(ConnectStatus::Disconnected),
                other: (c.other() > 0).then_some(c.other()),
                total: c.total,
            };
            serde_json::to_writer(&mut *out, &doc)?;
            out.push(b'\n');
        }
        Format::Ndjson => {
            let total = ("total".to_owned(), c.total);
            for (s, n) in rows.iter().chain([&total]) {
                serde_json::to_writer(&mut *out, &CountLine { connect_status: s, count: *n })?;
                out.push(b'\n');
            }
        }
        Format::Csv => {
            if style.headers {
                writeln!(out, "connect_status,count")?;
            }
            for (s, n) in &rows {
                writeln!(out, "{s},{n}")?;
            }
            writeln!(out, "total,{}", c.total)?;
        }
        Format::Table | Format::Wide => {
            let mut table_rows: Vec<Vec<String>> = rows.iter().map(|(s, n)| vec![s.clone(), n.to_string()]).collect();
            table_rows.push(vec!["TOTAL".into(), c.total.to_string()]);
            let mut lines = Vec::new();
            write_table(
                &mut lines,
                &["STATUS", "DESKTOPS"],
                &table_rows,
                &style.layout(&[], |col, text| if col == 0 { status_colour(text) } else { None }),
            )?;
            out.extend(lines);
        }
    }
    Ok(std::mem::take(out))
}

/// RFC 3339 UTC time, such as `2026-11-30T04:00:00Z`.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let s = format_sdk_date(t);
    format!("{}-{}-{}T{}:{}:{}Z", &s[0..4], &s[4..6], &s[6..8], &s[9..11], &s[11..13], &s[13..15])
}

/// The kind, from and to of a transition.
fn change(t: &Transition) -> (&'static str, String, String) {
    let s = |v: &Option<ConnectStatus>| v.as_ref().map(|s| s.as_str().to_owned()).unwrap_or_default();
    match &t.change {
        Change::Appeared { status } => ("appeared", String::new(), s(status)),
        Change::Disappeared { last_status } => ("disappeared", s(last_status), String::new()),
        Change::StatusChanged { from, to } => ("status_changed", s(from), s(to)),
        _ => ("changed", String::new(), String::new()),
    }
}

/// One transition in json and ndjson, with the documented keys in the documented order.
#[derive(Serialize)]
struct TransitionJson<'a> {
    time: &'a str,
    desktop_id: &'a str,
    desktop_name: &'a str,
    change: &'a str,
    from: &'a str,
    to: &'a str,
}

/// One transition as one record, with the csv header before the first one (`header`).
pub(crate) fn transition(format: Format, t: &Transition, header: bool) -> io::Result<Vec<u8>> {
    let (kind, from, to) = change(t);
    let time = rfc3339(t.observed_at);
    let name = t.desktop_name.clone().unwrap_or_default();
    let mut out = Vec::new();
    match format {
        Format::Json | Format::Ndjson => {
            let record = TransitionJson {
                time: &time,
                desktop_id: &t.desktop_id,
                desktop_name: &name,
                change: kind,
                from: &from,
                to: &to,
            };
            serde_json::to_writer(&mut out, &record)?;
            out.push(b'\n');
        }
        Format::Csv => {
            if header {
                out.extend(csv_line(["time", "desktop_id", "desktop_name", "change", "from", "to"])?);
            }
            out.extend(csv_line([time.as_str(), &t.desktop_id, &name, kind, &from, &to])?);
        }
        Format::Table | Format::Wide => {
            let (from, to) = (terminal(&from), terminal(&to));
            let arrow = match kind {
                "appeared" => format!("appeared as {to}"),
                "disappeared" => format!("disappeared (was {from})"),
                _ => format!("{from} -> {to}"),
            };
            writeln!(out, "{time}  {}  {}  {arrow}", terminal(&name), terminal(&t.desktop_id))?;
        }
    }
    Ok(out)
}

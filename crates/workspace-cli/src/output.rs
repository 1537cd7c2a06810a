//! The output formats: table, json (the API's shape), ndjson and csv. Text from the service is
//! escaped for the table and csv (see `safe_text`); json and ndjson are exact.

use std::io::{self, Write};
use std::time::SystemTime;

use serde_json::json;
use unicode_width::UnicodeWidthStr;
use workspace_blocking::types::{AttachType, ConnectDesktopsInfo, ConnectStatus};
use workspace_blocking::{Change, StatusCounts, Transition};
use workspace_core::format_sdk_date;

use crate::args::Format;
use crate::safe_text::{csv_cell, terminal};
use crate::sink::Sink;

/// Writes desktops in `format`: json and the table whole at the end, so that they are valid or
/// absent; ndjson and csv a whole record at a time as they come.
pub(crate) struct DesktopWriter<'s> {
    format: Format,
    sink: &'s Sink,
    count: u64,
    /// The json document so far.
    json: Vec<u8>,
    rows: Vec<[String; 4]>,
    header_written: bool,
}

/// One CSV record of cells made safe by `csv_cell`, quoted as needed, with its line end.
fn csv_line<'a>(fields: impl IntoIterator<Item = &'a str>) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields.into_iter().map(|f| csv_cell(f).into_owned())).map_err(io::Error::other)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

const CSV_HEADER: [&str; 4] = ["desktop_id", "desktop_name", "connect_status", "users"];

impl<'s> DesktopWriter<'s> {
    pub(crate) fn new(format: Format, sink: &'s Sink) -> Self {
        Self { format, sink, count: 0, json: b"{\"desktops\":[".to_vec(), rows: Vec::new(), header_written: false }
    }

    fn csv_header(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.sink.write(&csv_line(CSV_HEADER)?, 0)?;
            self.header_written = true;
        }
        Ok(())
    }

    pub(crate) fn desktop(&mut self, d: &ConnectDesktopsInfo) -> io::Result<()> {
        match self.format {
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
                self.rows.push([name(d), status(d), users(d).join(", "), id(d)].map(|c| terminal(&c).into_owned()))
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Ends the output; `total` is the service's count for one page, or the number written.
    pub(crate) fn finish(mut self, total: Option<u64>) -> io::Result<()> {
        let total = total.unwrap_or(self.count);
        match self.format {
            Format::Json => {
                writeln!(self.json, "],\"total_count\":{total}}}")?;
                self.sink.write(&self.json, self.count)?;
            }
            Format::Table => {
                let mut text = Vec::new();
                table(&mut text, ["DESKTOP", "STATUS", "USERS", "DESKTOP ID"], &self.rows)?;
                writeln!(text, "{} of {total} desktops", self.count)?;
                self.sink.write(&text, self.count)?;
            }
            Format::Csv => self.csv_header()?,
            Format::Ndjson => {}
        }
        self.sink.flush()
    }
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

/// A table with columns padded to their widest cell, by display width (so CJK text aligns).
/// Cells must be safe for a terminal already.
pub(crate) fn table<const N: usize>(out: &mut impl Write, header: [&str; N], rows: &[[String; N]]) -> io::Result<()> {
    let mut widths = header.map(UnicodeWidthStr::width);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |out: &mut dyn Write, cells: &[&str]| -> io::Result<()> {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            text.push_str(cell);
            if i + 1 < N {
                text.push_str(&" ".repeat(w - cell.width() + 2));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(out, &header)?;
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        line(out, &cells)?;
    }
    Ok(())
}

/// The counts per status, as one document.
pub(crate) fn counts(format: Format, c: &StatusCounts) -> io::Result<Vec<u8>> {
    let out = &mut Vec::new();
    let mut rows: Vec<(String, u64)> =
        ConnectStatus::KNOWN.iter().map(|s| (s.as_str().to_owned(), c.get(s).unwrap_or(0))).collect();
    if c.other() > 0 {
        rows.push(("OTHER".to_owned(), c.other()));
    }
    match format {
        Format::Json => {
            let mut obj = serde_json::Map::new();
            for (s, n) in &rows {
                obj.insert(s.clone(), json!(n));
            }
            obj.insert("total".into(), json!(c.total));
            writeln!(out, "{}", serde_json::Value::Object(obj))?;
        }
        Format::Ndjson => {
            for (s, n) in &rows {
                writeln!(out, "{}", json!({"connect_status": s, "count": n}))?;
            }
            writeln!(out, "{}", json!({"connect_status": "total", "count": c.total}))?;
        }
        Format::Csv => {
            writeln!(out, "connect_status,count")?;
            for (s, n) in &rows {
                writeln!(out, "{s},{n}")?;
            }
            writeln!(out, "total,{}", c.total)?;
        }
        Format::Table => {
            let mut table_rows: Vec<[String; 2]> = rows.iter().map(|(s, n)| [s.clone(), n.to_string()]).collect();
            table_rows.push(["TOTAL".into(), c.total.to_string()]);
            table(out, ["STATUS", "DESKTOPS"], &table_rows)?;
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

/// One transition as one record, with the csv header before the first one (`header`).
pub(crate) fn transition(format: Format, t: &Transition, header: bool) -> io::Result<Vec<u8>> {
    let (kind, from, to) = change(t);
    let time = rfc3339(t.observed_at);
    let name = t.desktop_name.clone().unwrap_or_default();
    let mut out = Vec::new();
    match format {
        Format::Json | Format::Ndjson => {
            let v = json!({"time": time, "desktop_id": t.desktop_id, "desktop_name": name, "change": kind, "from": from, "to": to});
            writeln!(out, "{v}")?;
        }
        Format::Csv => {
            if header {
                out.extend(csv_line(["time", "desktop_id", "desktop_name", "change", "from", "to"])?);
            }
            out.extend(csv_line([time.as_str(), &t.desktop_id, &name, kind, &from, &to])?);
        }
        Format::Table => {
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

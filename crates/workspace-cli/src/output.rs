//! The output formats: table, json (the API's shape), ndjson and csv.

use std::io::{self, Write};
use std::time::SystemTime;

use serde_json::json;
use unicode_width::UnicodeWidthStr;
use workspace_blocking::types::{AttachType, ConnectDesktopsInfo, ConnectStatus};
use workspace_blocking::{Change, StatusCounts, Transition};
use workspace_core::time::format_sdk_date;

use crate::args::Format;

/// Writes desktops as they come, in `format`.
pub(crate) struct DesktopWriter<W: Write> {
    format: Format,
    out: W,
    count: u64,
    rows: Vec<[String; 4]>,
}

/// One CSV record, quoted as needed, with its line end.
fn csv_line<I, T>(fields: I) -> io::Result<Vec<u8>>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields).map_err(io::Error::other)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

impl<W: Write> DesktopWriter<W> {
    pub(crate) fn new(format: Format, mut out: W) -> io::Result<Self> {
        match format {
            Format::Json => out.write_all(b"{\"desktops\":[")?,
            Format::Csv => out.write_all(&csv_line(["desktop_id", "desktop_name", "connect_status", "users"])?)?,
            Format::Table | Format::Ndjson => {}
        }
        Ok(Self { format, out, count: 0, rows: Vec::new() })
    }

    pub(crate) fn desktop(&mut self, d: &ConnectDesktopsInfo) -> io::Result<()> {
        match self.format {
            Format::Json => {
                if self.count > 0 {
                    self.out.write_all(b",")?;
                }
                serde_json::to_writer(&mut self.out, d)?;
            }
            Format::Ndjson => {
                serde_json::to_writer(&mut self.out, d)?;
                self.out.write_all(b"\n")?;
            }
            Format::Csv => self.out.write_all(&csv_line([id(d), name(d), status(d), users(d).join(";")])?)?,
            Format::Table => self.rows.push([name(d), status(d), users(d).join(", "), id(d)]),
        }
        self.count += 1;
        Ok(())
    }

    /// Ends the output; `total` is the service's count for one page, or the number written.
    pub(crate) fn finish(mut self, total: Option<u64>) -> io::Result<()> {
        let total = total.unwrap_or(self.count);
        match self.format {
            Format::Json => writeln!(self.out, "],\"total_count\":{total}}}")?,
            Format::Table => {
                table(&mut self.out, ["DESKTOP", "STATUS", "USERS", "DESKTOP ID"], &self.rows)?;
                writeln!(self.out, "{} of {total} desktops", self.count)?;
            }
            Format::Csv | Format::Ndjson => {}
        }
        self.out.flush()
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

/// A table with columns padded to their widest cell (by display width, so CJK text aligns).
fn table<const N: usize>(out: &mut impl Write, header: [&str; N], rows: &[[String; N]]) -> io::Result<()> {
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

/// Writes the counts per status.
pub(crate) fn counts(format: Format, out: &mut impl Write, c: &StatusCounts) -> io::Result<()> {
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
    out.flush()
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

/// Writes one transition, as it happens.
pub(crate) fn transition(format: Format, out: &mut impl Write, t: &Transition, header: bool) -> io::Result<()> {
    let (kind, from, to) = change(t);
    let time = rfc3339(t.observed_at);
    let name = t.desktop_name.clone().unwrap_or_default();
    match format {
        Format::Json | Format::Ndjson => {
            let v = json!({"time": time, "desktop_id": t.desktop_id, "desktop_name": name, "change": kind, "from": from, "to": to});
            writeln!(out, "{v}")?;
        }
        Format::Csv => {
            if header {
                out.write_all(&csv_line(["time", "desktop_id", "desktop_name", "change", "from", "to"])?)?;
            }
            out.write_all(&csv_line([time.as_str(), &t.desktop_id, &name, kind, &from, &to])?)?;
        }
        Format::Table => {
            let arrow = match kind {
                "appeared" => format!("appeared as {to}"),
                "disappeared" => format!("disappeared (was {from})"),
                _ => format!("{from} -> {to}"),
            };
            writeln!(out, "{time}  {name}  {}  {arrow}", t.desktop_id)?;
        }
    }
    out.flush()
}

//! How `wks top` draws its state: a title line, the counts per status with their sparklines, the
//! connected ratio, the latest transitions, and the keys (or the last poll's error).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Sparkline};
use workspace_blocking::Change;

use super::state::{HISTORY, State, to};
use crate::output::rfc3339;
use crate::safe_text::terminal;

/// Draws the whole screen.
pub(crate) fn draw(frame: &mut Frame<'_>, state: &State, interval: &str) {
    let rows = u16::try_from(state.rows.len()).unwrap_or(u16::MAX);
    let [title, counts, ratio, changes, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(rows + 3),
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(Paragraph::new(title_line(state, interval)), title);
    draw_counts(frame, state, counts);
    draw_ratio(frame, state, ratio);
    draw_transitions(frame, state, changes);
    frame.render_widget(Paragraph::new(keys_line(state)), keys);
}

fn title_line(state: &State, interval: &str) -> Line<'static> {
    let last = state.last_success.map_or_else(|| "not yet".to_owned(), rfc3339);
    let mut spans = vec![
        Span::styled("wks top", Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(format!("  every {interval} s  last poll {last}  polls {}", state.polls)),
    ];
    if state.paused {
        spans.push(Span::styled("  PAUSED", Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)));
    }
    Line::from(spans)
}

/// The colour of a status.
fn colour(status: &str) -> Color {
    match status {
        "CONNECTED" => Color::Green,
        "DISCONNECTED" => Color::Yellow,
        "UNREGISTER" => Color::Red,
        "REGISTERED" => Color::Cyan,
        _ => Color::Gray,
    }
}

fn draw_counts(frame: &mut Frame<'_>, state: &State, area: Rect) {
    let block = Block::new().borders(Borders::ALL).title(format!(" desktops per status (last {HISTORY} polls) "));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = Layout::vertical(vec![Constraint::Length(1); state.rows.len() + 1]).split(inner);
    for (row, line) in state.rows.iter().zip(lines.iter()) {
        let [label, spark] = Layout::horizontal([Constraint::Length(22), Constraint::Min(1)]).areas(*line);
        let style = Style::new().fg(colour(row.status));
        frame.render_widget(Paragraph::new(format!("{:<13}{:>7}", row.status, row.now())).style(style), label);
        let data: Vec<u64> = row.history.iter().copied().collect();
        let max = data.iter().copied().max().unwrap_or(0).max(1);
        frame.render_widget(Sparkline::default().data(&data).max(max).style(style), spark);
    }
    if let Some(line) = lines.get(state.rows.len()) {
        let total = Paragraph::new(format!("{:<13}{:>7}", "TOTAL", state.total))
            .style(Style::new().add_modifier(Modifier::BOLD));
        frame.render_widget(total, *line);
    }
}

fn draw_ratio(frame: &mut Frame<'_>, state: &State, area: Rect) {
    let connected = state.connected();
    let ratio = if state.total == 0 { 0.0 } else { connected as f64 / state.total as f64 };
    let label = format!("{connected} of {} connected ({:.0}%)", state.total, ratio * 100.0);
    let gauge = Gauge::default()
        .block(Block::new().borders(Borders::ALL).title(" connected "))
        .gauge_style(Style::new().fg(Color::Green))
        .ratio(ratio.clamp(0.0, 1.0))
        .label(label);
    frame.render_widget(gauge, area);
}

fn draw_transitions(frame: &mut Frame<'_>, state: &State, area: Rect) {
    let shown = state.transitions();
    let title = format!(" transitions: {} (sorted by {}) ", shown.len(), state.sort.as_str());
    let block = Block::new().borders(Borders::ALL).title(title);
    let height = usize::from(block.inner(area).height);
    let lines: Vec<Line<'_>> = shown
        .iter()
        .skip(state.scroll)
        .take(height)
        .map(|t| {
            let name = terminal(t.desktop_name.as_deref().unwrap_or_default()).into_owned();
            let change = match &t.change {
                Change::Appeared { .. } => format!("appeared as {}", terminal(to(t))),
                Change::Disappeared { last_status } => {
                    let was = last_status.as_ref().map_or("", |s| s.as_str());
                    format!("disappeared (was {})", terminal(was))
                }
                Change::StatusChanged { from, .. } => {
                    let from = from.as_ref().map_or("", |s| s.as_str());
                    format!("{} -> {}", terminal(from), terminal(to(t)))
                }
                _ => "changed".to_owned(),
            };
            Line::from(vec![
                Span::raw(format!("{}  ", rfc3339(t.observed_at))),
                Span::raw(format!("{name}  ")),
                Span::styled(change, Style::new().fg(colour(to(t)))),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn keys_line(state: &State) -> Line<'static> {
    match &state.last_error {
        Some(e) => Line::from(Span::styled(format!("last poll failed: {e}"), Style::new().fg(Color::Red))),
        None => Line::from(format!(
            "q quit  p {}  s sort ({})  up/down scroll",
            if state.paused { "resume" } else { "pause" },
            state.sort.as_str()
        )),
    }
}

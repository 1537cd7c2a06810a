//! Text that came from the service, made safe for where it is shown: a terminal, a line of
//! stderr, a CSV cell. Desktop names, user names, ids, statuses and error messages are anybody's
//! text; none of them may steer the terminal, forge a line or start a spreadsheet formula.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal as it is: control characters (C0 with CR, LF and TAB,
/// DEL, C1) and the BiDi and invisible formatting characters that reorder or hide text.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// Appends `c`, escaped as `\u{1b}` when it is unsafe.
fn push(out: &mut String, c: char) {
    if is_unsafe(c) {
        let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
    } else {
        out.push(c);
    }
}

/// `text` for a terminal: unsafe characters shown escaped (so escape sequences are inert and
/// the text is one line), everything printable (CJK names included) as it is.
pub(crate) fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        push(&mut out, c);
    }
    Cow::Owned(out)
}

/// `text` for part of an error line: escaped as for a terminal, and cut after `max` shown
/// characters with the cut marked, so that a response can neither forge nor flood a line.
pub(crate) fn bounded(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut shown = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if shown >= max {
            let _ = write!(out, "… ({} more characters)", 1 + chars.count());
            break;
        }
        let before = out.len();
        push(&mut out, c);
        shown += out[before..].chars().count();
    }
    out
}

/// A CSV cell: escaped as for a terminal (a record stays one line, and printing it is safe), and
/// prefixed with `'` when a spreadsheet would read it as a formula (it starts with `=`, `+`,
/// `-`, `@`, TAB or CR). Quoting is the CSV writer's job.
pub(crate) fn csv_cell(text: &str) -> Cow<'_, str> {
    let shown = terminal(text);
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { Cow::Owned(format!("'{shown}")) } else { shown }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped_and_the_rest_kept() {
        let hostile = "a\x1b]52;c;aGk=\x07b\r\n\t\u{7f}\u{9b}\u{202e}c\u{2066}\u{feff}\u{200b}";
        assert_eq!(
            terminal(hostile),
            "a\\u{1b}]52;c;aGk=\\u{7}b\\u{d}\\u{a}\\u{9}\\u{7f}\\u{9b}\\u{202e}c\\u{2066}\\u{feff}\\u{200b}"
        );
        assert!(matches!(terminal("桌面-01 Ünïcode"), Cow::Borrowed("桌面-01 Ünïcode")));
    }

    #[test]
    fn bounded_cuts_and_says_how_much() {
        assert_eq!(bounded("short", 300), "short");
        let long = "x".repeat(1000);
        assert_eq!(bounded(&long, 300), format!("{}… (700 more characters)", "x".repeat(300)));
        assert_eq!(bounded("\n\nab", 10), "\\u{a}\\u{a}… (2 more characters)");
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        for s in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_cell(s).starts_with('\''), "{s}");
        }
        assert_eq!(csv_cell("\t=x"), "'\\u{9}=x");
        assert_eq!(csv_cell("desk-1"), "desk-1");
    }
}

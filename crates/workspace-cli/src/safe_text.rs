//! Text that came from the service, made safe for where it is shown: a terminal, a line of
//! stderr, a CSV cell. Desktop names, user names, ids, statuses and error messages are anybody's
//! text; none of them may steer the terminal, forge a line or start a spreadsheet formula.

use std::borrow::Cow;

/// The core's one rule for text shown to a person (`terminal` escapes, `bounded` also cuts).
pub(crate) use workspace_core::text::{bounded, escape as terminal};

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
    fn terminal_text_follows_the_core_rule() {
        assert_eq!(terminal("a\x1b[2J\u{2060}b"), "a\\u{1b}[2J\\u{2060}b");
        assert_eq!(bounded(&"x".repeat(10), 4), "xxxx… (6 more characters)");
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

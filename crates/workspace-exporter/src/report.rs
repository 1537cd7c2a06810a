//! Lines on stderr: one per event, with the service's text unable to break them.

/// The most characters of a line shown.
const MAX_LINE: usize = 2000;

/// Prints `workspace-exporter: ` and `message` on stderr, as one line: characters unsafe by the
/// core's rule (`workspace_core::text`) are shown escaped (`\u{1b}`), and a long message is cut.
pub(crate) fn report(message: &str) {
    eprintln!("workspace-exporter: {}", one_line(message));
}

fn one_line(message: &str) -> String {
    workspace_core::text::bounded(message, MAX_LINE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_stays_one_line() {
        assert_eq!(one_line("a\nb\u{1b}[2J\u{202E}c 研发"), "a\\u{a}b\\u{1b}[2J\\u{202e}c 研发");
        assert!(one_line(&"x".repeat(3000)).ends_with("… (1000 more characters)"));
    }
}

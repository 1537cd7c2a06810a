//! Lines on stderr: one per event, with the service's text unable to break them.

/// The most characters of a line shown.
const MAX_LINE: usize = 2000;

/// Prints `workspace-exporter: ` and `message` on stderr, as one line: control, BiDi and
/// invisible formatting characters are shown escaped (`\u{1b}`), and a long message is cut.
pub(crate) fn report(message: &str) {
    eprintln!("workspace-exporter: {}", one_line(message));
}

fn one_line(message: &str) -> String {
    let mut out = String::new();
    for (i, c) in message.chars().enumerate() {
        if i == MAX_LINE {
            out.push_str(" …");
            break;
        }
        if c.is_control() || is_format(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// BiDi controls and invisible formatting characters.
fn is_format(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2028}' | '\u{2029}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_stays_one_line() {
        assert_eq!(one_line("a\nb\u{1b}[2J\u{202E}c 研发"), "a\\u{a}b\\u{1b}[2J\\u{202e}c 研发");
        assert!(one_line(&"x".repeat(3000)).ends_with(" …"));
    }
}

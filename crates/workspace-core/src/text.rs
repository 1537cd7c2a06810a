//! Text from elsewhere (a server's messages, names, ids) made safe to show: the one rule every
//! printer of the SDK follows. An unsafe character is shown escaped as `\u{1b}`, so that the
//! text can neither steer a terminal nor hide, reorder or forge a line; everything printable (CJK
//! names included) is shown as it is.

use std::borrow::Cow;
use std::fmt::{self, Write};

/// Whether a terminal or a log would act on `c` rather than show it: control characters (C0
/// with CR, LF and TAB, DEL, C1), line and paragraph separators, BiDi controls (U+061C,
/// U+200E–200F, U+202A–202E, U+2066–2069), zero-width and invisible characters (U+180E,
/// U+200B–200D, U+2060–2065 and the deprecated U+206A–206F, the byte order mark U+FEFF) and
/// the interlinear annotation marks (U+FFF9–FFFB).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// Writes `text` with unsafe characters escaped, cut once `max` characters are shown (an escape
/// counts its every character and is never split), the cut marked `… (N more characters)`.
pub fn untrusted(f: &mut impl Write, text: &str, max: usize) -> fmt::Result {
    let mut shown = 0;
    let mut piece = String::new();
    for (i, c) in text.char_indices() {
        piece.clear();
        if is_unsafe_char(c) {
            write!(piece, "\\u{{{:x}}}", u32::from(c))?;
        } else {
            piece.push(c);
        }
        let width = piece.chars().count();
        if shown + width > max {
            let rest = text[i..].chars().count();
            return write!(f, "… ({rest} more characters)");
        }
        f.write_str(&piece)?;
        shown += width;
    }
    Ok(())
}

/// `text` with every unsafe character escaped, whatever its length; borrowed when it has none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` escaped and cut as [`untrusted`] writes it: at most `max` characters shown, then the
/// cut marked.
pub fn bounded(text: &str, max: usize) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = untrusted(&mut out, text, max);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn controls_bidi_and_invisible_characters_are_escaped_and_the_rest_kept() {
        let hostile = "a\x1b]52;c;aGk=\x07b\r\n\t\u{7f}\u{9b}\u{202e}c\u{2066}\u{feff}\u{200b}\u{2060}\u{2064}\u{206f}";
        assert_eq!(
            escape(hostile),
            "a\\u{1b}]52;c;aGk=\\u{7}b\\u{d}\\u{a}\\u{9}\\u{7f}\\u{9b}\\u{202e}c\\u{2066}\\u{feff}\\u{200b}\\u{2060}\\u{2064}\\u{206f}"
        );
        assert!(matches!(escape("桌面-01 Ünïcode"), Cow::Borrowed("桌面-01 Ünïcode")));
    }

    #[test]
    fn bounded_cuts_after_what_is_shown_and_says_how_much() {
        assert_eq!(bounded("short", 300), "short");
        let long = "x".repeat(1000);
        assert_eq!(bounded(&long, 300), format!("{}… (700 more characters)", "x".repeat(300)));
        assert_eq!(bounded("\n\nab", 10), "\\u{a}\\u{a}… (2 more characters)");
        assert_eq!(bounded("\n\nab", 12), "\\u{a}\\u{a}ab");
        assert_eq!(bounded("研发", 1), "研… (1 more characters)");
    }

    proptest! {
        #[test]
        fn what_is_shown_never_holds_an_unsafe_character(text in any::<String>(), max in 0usize..64) {
            prop_assert!(!escape(&text).chars().any(is_unsafe_char));
            let shown = bounded(&text, max);
            prop_assert!(!shown.chars().any(is_unsafe_char));
            let kept = shown.split("… (").next().unwrap_or_default();
            prop_assert!(kept.chars().count() <= max);
        }

        #[test]
        fn every_character_of_the_rule_is_escaped(c in prop_oneof![
            Just('\u{2060}'), Just('\u{2065}'), Just('\u{200d}'), Just('\u{2069}'), Just('\u{feff}'),
            Just('\u{85}'), Just('\u{2028}'), any::<char>(),
        ]) {
            let shown = escape(&c.to_string()).into_owned();
            prop_assert_eq!(is_unsafe_char(c), shown != c.to_string());
        }
    }
}

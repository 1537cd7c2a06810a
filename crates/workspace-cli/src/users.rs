//! `--users-from FILE`: the user names that let a whole read reach a status with more desktops
//! than one query reaches.

use std::io::{self, Read};
use std::path::Path;

/// The user names in `path` (`-`: standard input), one per line. Blank lines, whitespace around a
/// name and a leading byte order mark are ignored; a name is otherwise kept as written. The
/// error names the file and says why it could not be read.
pub(crate) fn read(path: &Path) -> Result<Vec<String>, String> {
    let (name, bytes) = if path == Path::new("-") {
        let mut buf = Vec::new();
        ("- (standard input)".to_owned(), io::stdin().lock().read_to_end(&mut buf).map(|_| buf))
    } else {
        (path.display().to_string(), std::fs::read(path))
    };
    let bytes = bytes.map_err(|e| format!("cannot read --users-from {name}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!("cannot read --users-from {name}: not UTF-8 text (at byte {})", e.utf8_error().valid_up_to())
    })?;
    Ok(names(&text))
}

/// The names in `text`, one per line.
fn names(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_name_per_line_trimmed_blank_lines_skipped() {
        let text = "\u{feff}alice\r\n  bob smith \n\n\t\ncarol\t\n张三\ndev@corp";
        assert_eq!(names(text), ["alice", "bob smith", "carol", "张三", "dev@corp"]);
        assert!(names("\n \r\n").is_empty());
    }

    #[test]
    fn an_unreadable_file_is_named_in_the_error() {
        let path = std::env::temp_dir().join(format!("wks-no-such-users-{}.txt", std::process::id()));
        let err = read(&path).unwrap_err();
        assert!(err.starts_with(&format!("cannot read --users-from {}: ", path.display())), "{err}");
    }
}

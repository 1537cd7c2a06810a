//! Tables for a terminal: columns padded by display width (CJK characters take two columns),
//! fitted to a width by cutting the columns that may be cut, with an ellipsis, and an optional
//! colour per cell that never counts towards the width.

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The fewest columns a cut cell keeps, its ellipsis included.
const MIN_CUT_WIDTH: usize = 6;
/// The spaces between two columns.
const GAP: usize = 2;

/// The ANSI colour (an SGR parameter, such as `"32"`) of a cell, by column and text.
pub(crate) type Paint = fn(usize, &str) -> Option<&'static str>;

/// How a table is laid out.
#[derive(Debug, Default)]
pub(crate) struct Layout<'a> {
    /// Whether the header line is written.
    pub(crate) headers: bool,
    /// The width to fit in, if any.
    pub(crate) width: Option<usize>,
    /// The columns that may be cut to fit, in the order they are cut.
    pub(crate) cuttable: &'a [usize],
    /// The colour of the cells, if they are coloured.
    pub(crate) paint: Option<Paint>,
}

/// Writes a table. Cells must be safe for a terminal already. Cells of the columns `cuttable`
/// are cut with `…` as much as needed to fit `width`, each down to a few columns; the others are
/// never cut.
pub(crate) fn write_table(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
    layout: &Layout<'_>,
) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| if layout.headers { h.width() } else { 0 }).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    if let Some(limit) = layout.width {
        fit(&mut widths, limit, layout.cuttable);
    }
    let line = |out: &mut dyn Write, cells: &mut dyn Iterator<Item = &str>, painted: bool| -> io::Result<()> {
        let mut text = String::new();
        let mut pad = 0;
        for (i, (cell, &w)) in cells.zip(&widths).enumerate() {
            let shown = cut(cell, w);
            text.push_str(&" ".repeat(pad));
            match layout.paint.filter(|_| painted).and_then(|p| p(i, cell)) {
                Some(sgr) => text.push_str(&format!("\x1b[{sgr}m{shown}\x1b[0m")),
                None => text.push_str(&shown),
            }
            pad = w - shown.width() + GAP;
        }
        writeln!(out, "{text}")
    };
    if layout.headers {
        line(out, &mut header.iter().copied(), false)?;
    }
    for row in rows {
        line(out, &mut row.iter().map(String::as_str), true)?;
    }
    Ok(())
}

/// Narrows the columns `cuttable`, in that order, until the table fits `limit` or none can be
/// narrowed further.
fn fit(widths: &mut [usize], limit: usize, cuttable: &[usize]) {
    let total = |w: &[usize]| w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1);
    for &col in cuttable {
        let excess = total(widths).saturating_sub(limit);
        if excess == 0 {
            return;
        }
        let Some(w) = widths.get_mut(col) else { continue };
        *w = (*w).saturating_sub(excess).max(MIN_CUT_WIDTH.min(*w));
    }
}

/// `text` within `width` display columns: as it is when it fits, else cut and ended with `…`.
pub(crate) fn cut(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if text.width() <= width {
        return text.into();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        kept.push(c);
        used += w;
    }
    kept.push('…');
    kept.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(rows: &[Vec<String>], layout: &Layout<'_>) -> String {
        let mut out = Vec::new();
        write_table(&mut out, &["NAME", "STATUS", "ID"], rows, layout).unwrap_or_default();
        String::from_utf8(out).unwrap_or_default()
    }

    fn row(cells: [&str; 3]) -> Vec<String> {
        cells.map(str::to_owned).to_vec()
    }

    #[test]
    fn cjk_names_align_by_display_columns() {
        let rows = [row(["研发部桌面", "CONNECTED", "id-1"]), row(["desk", "REGISTERED", "id-2"])];
        let text = render(&rows, &Layout { headers: true, ..Layout::default() });
        let starts: Vec<usize> =
            text.lines().map(|l| l.find("id-").or_else(|| l.find("ID")).map_or(0, |i| l[..i].width())).collect();
        assert_eq!(starts, vec![starts[0]; 3], "{text}");
    }

    #[test]
    fn cut_names_keep_the_columns_aligned_within_the_width() {
        let rows = [
            row(["一个非常非常长的中文桌面名称在这里", "CONNECTED", "id-1"]),
            row(["a-very-long-latin-desktop-name-indeed", "DISCONNECTED", "id-2"]),
            row(["short", "REGISTERED", "id-3"]),
        ];
        let text = render(&rows, &Layout { headers: true, width: Some(40), cuttable: &[0], paint: None });
        for line in text.lines() {
            assert!(line.width() <= 40, "{line:?} is {} columns", line.width());
        }
        let starts: Vec<usize> =
            text.lines().map(|l| l.find("id-").or_else(|| l.find("ID")).map_or(0, |i| l[..i].width())).collect();
        assert_eq!(starts, vec![starts[0]; 4], "{text}");
        assert!(text.contains('…') && text.contains("id-1") && text.contains("short"), "{text}");
    }

    #[test]
    fn colour_and_no_headers() {
        let rows = [row(["a", "CONNECTED", "id-1"])];
        let paint: Paint = |col, _| (col == 1).then_some("32");
        let text = render(&rows, &Layout { headers: false, paint: Some(paint), ..Layout::default() });
        assert_eq!(text, "a  \x1b[32mCONNECTED\x1b[0m  id-1\n");
    }

    #[test]
    fn cutting_never_splits_a_wide_character() {
        assert_eq!(cut("研发部桌面", 6), "研发…");
        assert_eq!(cut("研发部桌面", 5), "研发…");
        assert_eq!(cut("abc", 3), "abc");
    }
}

//! The last pass: aligns runs of one-line channels and touchpoints into columns, puts trailing
//! comments in their column, and joins the lines into text.

use super::printer::{Line, Out, TableKind, COMMENT_COLUMN};

pub fn render(mut lines: Vec<Out>) -> String {
    align_tables(&mut lines);
    while matches!(lines.last(), Some(Out::Blank)) {
        lines.pop();
    }
    let mut out = String::new();
    for line in &lines {
        match line {
            Out::Blank => {}
            Out::Line(l) => render_line(&mut out, l),
        }
        out.push('\n');
    }
    out
}

fn render_line(out: &mut String, l: &Line) {
    let start = out.len();
    if !l.code.is_empty() {
        out.push_str(&" ".repeat(l.indent));
        out.push_str(&l.code);
    }
    if l.trailing.is_empty() {
        return;
    }
    let last_line_start = out[start..].rfind('\n').map_or(start, |i| start + i + 1);
    let width = out[last_line_start..].chars().count();
    let pad = if width == 0 {
        l.indent
    } else {
        COMMENT_COLUMN.saturating_sub(width).max(2)
    };
    out.push_str(&" ".repeat(pad));
    out.push_str(&l.trailing.join(" "));
}

/// Consecutive one-line declarations of one kind get their header and each property padded to
/// the widest in the run, like a table. A blank line, a comment line or any other line ends it.
fn align_tables(lines: &mut [Out]) {
    let mut i = 0;
    while i < lines.len() {
        let Some(kind) = table_kind(&lines[i]) else {
            i += 1;
            continue;
        };
        let mut end = i + 1;
        while end < lines.len() && table_kind(&lines[end]) == Some(kind) {
            end += 1;
        }
        align_run(&mut lines[i..end]);
        i = end;
    }
}

fn table_kind(line: &Out) -> Option<TableKind> {
    match line {
        Out::Line(Line {
            table: Some((kind, _)),
            ..
        }) => Some(*kind),
        _ => None,
    }
}

/// A column is aligned only while every padded cell in it is the same property (all
/// `channel ...`), and the columns after one that is not are left alone.
fn align_run(run: &mut [Out]) {
    let mut widths: Vec<usize> = Vec::new();
    let mut keys: Vec<Option<&str>> = Vec::new();
    let mut uniform: Vec<bool> = Vec::new();
    for line in run.iter() {
        if let Out::Line(Line {
            table: Some((_, cells)),
            ..
        }) = line
        {
            // The last cell of a line is never padded, so it does not widen its column.
            for (col, cell) in cells.iter().enumerate().take(cells.len().saturating_sub(1)) {
                if widths.len() <= col {
                    widths.push(0);
                    keys.push(None);
                    uniform.push(true);
                }
                widths[col] = widths[col].max(cell.chars().count());
                let key = cell.trim_start_matches('{').split_whitespace().next();
                if col > 0 && keys[col].is_some_and(|k| Some(k) != key) {
                    uniform[col] = false;
                }
                keys[col] = keys[col].or(key);
            }
        }
    }
    if let Some(stop) = uniform.iter().position(|u| !u) {
        widths.truncate(stop);
    }
    for line in run.iter_mut() {
        if let Out::Line(Line {
            table: Some((_, cells)),
            code,
            ..
        }) = line
        {
            let mut text = String::new();
            for (col, cell) in cells.iter().enumerate() {
                if col > 0 {
                    text.push_str(if col == 1 { " " } else { "  " });
                }
                text.push_str(cell);
                if col + 1 < cells.len() {
                    let w = widths.get(col).copied().unwrap_or(0);
                    text.push_str(&" ".repeat(w.saturating_sub(cell.chars().count())));
                }
            }
            *code = text;
        }
    }
}

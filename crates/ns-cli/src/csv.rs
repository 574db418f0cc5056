//! A small CSV reader for data commands (`nextstat glm`): a header row,
//! comma-separated fields, RFC 4180 quoting, CRLF or LF line ends, blank
//! lines skipped. Cells stay text until a command asks for a column as
//! numbers, so every bad value is reported with its file, line and column,
//! and nothing is silently dropped.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// A parsed CSV file: header names and the cells of each data row.
pub struct CsvTable {
    /// Display name of the file (for messages).
    source: String,
    header: Vec<String>,
    /// Row-major cells, `header.len()` per row.
    cells: Vec<String>,
    /// 1-based line number where each data row starts.
    lines: Vec<usize>,
}

/// Split `text` into records of fields; each record carries its first line.
fn records(text: &str, source: &str) -> Result<Vec<(usize, Vec<String>)>> {
    let mut out = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut start_line = 1usize;
    let mut in_quotes = false;
    let mut quoted = false; // the current field was quoted
    let mut chars = text.chars().peekable();
    let end_record = |fields: &mut Vec<String>, out: &mut Vec<(usize, Vec<String>)>, at: usize| {
        let blank = fields.len() == 1 && fields[0].is_empty();
        if !blank {
            out.push((at, std::mem::take(fields)));
        }
        fields.clear();
    };
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() && !quoted => {
                field.clear();
                in_quotes = true;
                quoted = true;
            }
            '"' => bail!("{source}: line {line}: a quote inside an unquoted field"),
            ',' => {
                fields.push(std::mem::take(&mut field));
                quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                quoted = false;
                end_record(&mut fields, &mut out, start_line);
                line += 1;
                start_line = line;
            }
            _ if quoted => {
                if !c.is_whitespace() {
                    bail!("{source}: line {line}: text after the closing quote of a field");
                }
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        bail!("{source}: line {start_line}: unterminated quoted field");
    }
    if !field.is_empty() || !fields.is_empty() || quoted {
        fields.push(field);
        end_record(&mut fields, &mut out, start_line);
    }
    Ok(out)
}

impl CsvTable {
    /// Read and split a CSV file.
    pub fn read(path: &Path) -> Result<Self> {
        let source = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| format!("{source}: cannot read"))?;
        let text = String::from_utf8(bytes)
            .map_err(|e| anyhow::anyhow!("{source}: not UTF-8 text ({e})"))?;
        Self::parse(&text, source)
    }

    /// Split CSV `text`; `source` names it in messages.
    pub fn parse(text: &str, source: String) -> Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut recs = records(text, &source)?.into_iter();
        let Some((_, header)) = recs.next() else {
            bail!("{source}: empty file (expected a header row of column names)");
        };
        let header: Vec<String> = header.into_iter().map(|h| h.trim().to_string()).collect();
        for (j, h) in header.iter().enumerate() {
            if h.is_empty() {
                bail!("{source}: line 1: column {} has an empty name", j + 1);
            }
            if header[..j].contains(h) {
                bail!("{source}: line 1: column name '{h}' appears twice");
            }
        }
        let k = header.len();
        let mut cells = Vec::new();
        let mut lines = Vec::new();
        for (line, rec) in recs {
            if rec.len() != k {
                bail!(
                    "{source}: line {line}: {} field(s), the header has {k}",
                    rec.len()
                );
            }
            cells.extend(rec);
            lines.push(line);
        }
        if lines.is_empty() {
            bail!("{source}: no data rows after the header");
        }
        Ok(CsvTable {
            source,
            header,
            cells,
            lines,
        })
    }

    /// Column names.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Number of data rows.
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }

    /// Line of the file where data row `i` (0-based) starts.
    pub fn line_of(&self, row: usize) -> usize {
        self.lines[row]
    }

    /// Display name of the file.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Index of column `name`; `what` says which option asked for it.
    pub fn index(&self, name: &str, what: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: no column '{name}' (from {what}); the columns are: {}",
                self.source,
                self.header.join(", ")
            )
        })
    }

    /// Cell (row, column) as text.
    pub fn cell(&self, row: usize, col: usize) -> &str {
        &self.cells[row * self.header.len() + col]
    }

    /// Column `col` as finite numbers; the first bad cell is an error naming
    /// its line and column.
    pub fn numbers(&self, col: usize) -> Result<Vec<f64>> {
        (0..self.n_rows())
            .map(|i| {
                let s = self.cell(i, col).trim();
                let bad = |why: &str| {
                    anyhow::anyhow!(
                        "{}: line {}, column '{}': {why}",
                        self.source,
                        self.lines[i],
                        self.header[col]
                    )
                };
                if s.is_empty() {
                    return Err(bad(
                        "empty value (missing values are not allowed; no row is dropped)",
                    ));
                }
                match s.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(v),
                    Ok(_) => Err(bad(&format!("non-finite value '{s}'"))),
                    Err(_) => Err(bad(&format!("cannot parse '{s}' as a number"))),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Result<CsvTable> {
        CsvTable::parse(text, "d.csv".into())
    }

    #[test]
    fn quotes_crlf_blank_lines() {
        let c = t("a,\"b c\"\r\n1,\"2\"\r\n\r\n\"x,\"\"y\"\"\",3\n").unwrap();
        assert_eq!(c.header(), ["a", "b c"]);
        assert_eq!(c.n_rows(), 2);
        assert_eq!(c.cell(1, 0), "x,\"y\"");
        assert_eq!(c.line_of(1), 4);
        assert_eq!(c.numbers(1).unwrap(), [2.0, 3.0]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let c = t("y,x\n1,2\n3,abc\n").unwrap();
        let e = c.numbers(1).unwrap_err().to_string();
        assert!(
            e.contains("d.csv: line 3, column 'x'") && e.contains("'abc'"),
            "{e}"
        );
        let e = t("y,x\n1,\n").unwrap().numbers(1).unwrap_err().to_string();
        assert!(e.contains("line 2, column 'x': empty value"), "{e}");
        let e = t("y,x\n1,nan\n")
            .unwrap()
            .numbers(1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("non-finite"), "{e}");
        let e = t("y,x\n1,2,3\n").err().unwrap().to_string();
        assert!(e.contains("line 2: 3 field(s), the header has 2"), "{e}");
        let e = t("y,y\n1,2\n").err().unwrap().to_string();
        assert!(e.contains("'y' appears twice"), "{e}");
        assert!(t("").is_err() && t("y,x\n").is_err());
        let e = t("y,x\n1,\"2\n").err().unwrap().to_string();
        assert!(e.contains("line 2: unterminated"), "{e}");
        let e = c.index("z", "--x").unwrap_err().to_string();
        assert!(
            e.contains("no column 'z' (from --x)") && e.contains("y, x"),
            "{e}"
        );
    }
}

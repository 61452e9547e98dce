//! A guard run before the XML parser: element nesting deeper than [`MAX_DEPTH`] is refused with a
//! clear error (roxmltree recurses per level, so about 13,000 nested elements overflowed the
//! stack). OpenSim models nest about 10 levels and meshes 5.

use std::path::Path;

use super::FormatError;

/// The deepest element nesting accepted.
pub const MAX_DEPTH: usize = 256;

/// Refuses `text` if its elements nest deeper than [`MAX_DEPTH`] (comments, CDATA, processing
/// instructions and declarations are skipped; everything else is left to the parser).
pub fn check_depth(text: &str, path: &Path) -> Result<(), FormatError> {
    let bytes = text.as_bytes();
    let (mut i, mut depth, mut line) = (0usize, 0usize, 1u32);
    let skip_to = |from: usize, end: &str| {
        text[from..]
            .find(end)
            .map_or(bytes.len(), |k| from + k + end.len())
    };
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'<' if text[i..].starts_with("<!--") => {
                let end = skip_to(i, "-->");
                line += text[i..end].matches('\n').count() as u32;
                i = end;
                continue;
            }
            b'<' if text[i..].starts_with("<![CDATA[") => {
                let end = skip_to(i, "]]>");
                line += text[i..end].matches('\n').count() as u32;
                i = end;
                continue;
            }
            b'<' if matches!(bytes.get(i + 1), Some(b'?') | Some(b'!')) => {}
            b'<' if bytes.get(i + 1) == Some(&b'/') => depth = depth.saturating_sub(1),
            b'<' => {
                let end = skip_to(i, ">");
                if !(end >= 2 && bytes[end - 2] == b'/') {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(FormatError::new(
                            path,
                            "XML",
                            Some(line),
                            format!("elements nest deeper than {MAX_DEPTH} levels"),
                        ));
                    }
                }
                line += text[i..end].matches('\n').count() as u32;
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_refused_and_ordinary_files_pass() {
        let p = Path::new("x.osim");
        let ok = "<?xml version=\"1.0\"?>\n<!-- <a><a> -->\n<a b=\"1\"><c/><d>text</d></a>";
        assert!(check_depth(ok, p).is_ok());
        let deep = "<a>".repeat(13_000) + &"</a>".repeat(13_000);
        let err = check_depth(&deep, p).unwrap_err().to_string();
        assert!(err.contains("nest deeper"), "{err}");
        let wide = "<a>".to_string() + &"<b/>".repeat(100_000) + "</a>";
        assert!(check_depth(&wide, p).is_ok());
    }
}

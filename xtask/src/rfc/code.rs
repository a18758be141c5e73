//! What the requirement files are checked against: the `RFC NNNN §x.y`
//! comments in the code, and the test functions the files cite.

use std::path::Path;

/// One `RFC NNNN §x.y` citation in a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Citation {
    pub(crate) number: u32,
    pub(crate) section: String,
    /// 1-based.
    pub(crate) line: usize,
}

/// Every citation in `text`: `RFC 5246 §7.4.1.2`, also with a comma after
/// the number (`RFC 5246, §7`), and lists of sections of one RFC
/// (`RFC 5246 §7.4.4, §7.4.6 and §7.4.8`). A trailing dot ends a
/// sentence, not the section.
pub(crate) fn citations(text: &str) -> Vec<Citation> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("RFC ") {
            rest = &rest[at + 4..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let Ok(number) = digits.parse::<u32>() else {
                continue;
            };
            let mut after = rest[digits.len()..].trim_start_matches(',').trim_start();
            while let Some(section) = after.strip_prefix('§') {
                let end = section
                    .find(|c: char| !(c.is_ascii_digit() || c.is_ascii_uppercase() || c == '.'))
                    .unwrap_or(section.len());
                let (cited, tail) = section.split_at(end);
                let cited = cited.trim_end_matches('.');
                if cited.is_empty() {
                    break;
                }
                found.push(Citation {
                    number,
                    section: cited.to_owned(),
                    line: index + 1,
                });
                // A list goes on with ", §", " and §" or " or §".
                after = tail
                    .strip_prefix(", ")
                    .or_else(|| tail.strip_prefix(" and "))
                    .or_else(|| tail.strip_prefix(" or "))
                    .unwrap_or("");
            }
        }
    }
    found
}

/// Whether `text` cites exactly `RFC number §section` somewhere.
pub(crate) fn cites(text: &str, number: u32, section: &str) -> bool {
    citations(text)
        .iter()
        .any(|c| c.number == number && c.section == section)
}

/// Why `function` in `text` is not a test `cargo xtask test` runs, or
/// `None` when it is: it must be a `fn` under `#[test]` (or an async test
/// attribute), or inside a `proptest!` block, and not `#[ignore]`d.
pub(crate) fn test_problem(text: &str, function: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let signature = format!("fn {function}(");
    let Some(at) = lines.iter().position(|line| line.contains(&signature)) else {
        return Some(format!("has no function `{function}`"));
    };
    let above = lines.get(..at).unwrap_or_default();
    // The attributes and doc comments directly above the function.
    let attributes: Vec<&str> = above
        .iter()
        .rev()
        .map(|line| line.trim())
        .take_while(|line| {
            line.starts_with("#[") || line.starts_with("///") || line.starts_with("//")
        })
        .collect();
    if attributes.iter().any(|a| a.starts_with("#[ignore")) {
        return Some(format!("`{function}` is #[ignore]d"));
    }
    let is_test = attributes
        .iter()
        .any(|a| *a == "#[test]" || a.starts_with("#[tokio::test"));
    let in_proptest = above.iter().any(|line| line.contains("proptest!"));
    if is_test || in_proptest {
        None
    } else {
        Some(format!("`{function}` is not a #[test]"))
    }
}

/// Whether `path` (from the repository root) is a Rust file of a
/// workspace member, so that `cargo xtask test` runs its tests.
pub(crate) fn is_workspace_test_file(path: &str) -> bool {
    Path::new(path).extension().is_some_and(|e| e == "rs")
        && (path.starts_with("crates/") || path.starts_with("tests/") || path.starts_with("xtask/"))
        && !path.contains("..")
}

//! Each protocol crate's `coverage.txt`: the lines no test reaches, each
//! either an exception with its reason or a line still to be tested, and
//! the line coverage last recorded. A line is named by its file (from the
//! crate root) and its text, not its number, so that an edit above it does
//! not invalidate the list; a text that occurs twice is listed twice.
//!
//! ```text
//! recorded: 97.25
//! exception: src/codec.rs | unreachable!("checked above") | the length was checked two lines up
//! untested: src/client/hello.rs | return Err(error);
//! ```

/// One listed uncovered line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Listed {
    /// From the crate root, e.g. `src/codec.rs`.
    pub(crate) file: String,
    /// The line's text, trimmed.
    pub(crate) text: String,
    /// Why no test reaches it; `None` for a line still to be tested.
    pub(crate) reason: Option<String>,
}

/// A crate's list.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct List {
    /// The line coverage recorded, in percent.
    pub(crate) recorded: Option<f64>,
    pub(crate) lines: Vec<Listed>,
}

/// Parses a `coverage.txt`; problems name the line.
pub(crate) fn parse(name: &str, text: &str) -> Result<List, Vec<String>> {
    let mut list = List::default();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, rest)) = line.split_once(':') else {
            problems.push(format!("{name}:{}: not `key: value`", index + 1));
            continue;
        };
        let rest = rest.trim();
        let bad = || {
            format!(
                "{name}:{}: expected `recorded: N`, `untested: FILE | TEXT` or `exception: FILE | TEXT | REASON`",
                index + 1
            )
        };
        match key {
            "recorded" => match rest.parse::<f64>() {
                Ok(figure) => list.recorded = Some(figure),
                Err(_) => problems.push(format!("{name}:{}: `{rest}` is not a figure", index + 1)),
            },
            // The line's text may hold ` | ` itself (a match arm): the file
            // ends at the first separator, the reason starts at the last.
            "untested" => match rest.split_once(" | ") {
                Some((file, text)) => list.lines.push(Listed {
                    file: file.trim().to_owned(),
                    text: text.trim().to_owned(),
                    reason: None,
                }),
                None => problems.push(bad()),
            },
            "exception" => match rest
                .split_once(" | ")
                .and_then(|(file, more)| Some((file, more.rsplit_once(" | ")?)))
            {
                Some((file, (text, reason))) if !reason.trim().is_empty() => {
                    list.lines.push(Listed {
                        file: file.trim().to_owned(),
                        text: text.trim().to_owned(),
                        reason: Some(reason.trim().to_owned()),
                    });
                }
                _ => problems.push(bad()),
            },
            _ => problems.push(bad()),
        }
    }
    if problems.is_empty() {
        Ok(list)
    } else {
        Err(problems)
    }
}

/// How the uncovered lines of one run compare with the list.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Comparison {
    /// Uncovered, listed as exceptions.
    pub(crate) exceptions: usize,
    /// Uncovered, listed as still to be tested.
    pub(crate) untested: usize,
    /// Uncovered and not listed: `(file, line number, text)`.
    pub(crate) new: Vec<(String, usize, String)>,
    /// Listed but reached now (or gone): the list is stale.
    pub(crate) stale: Vec<Listed>,
}

/// Matches `uncovered` lines `(file, number, text)` against `list`, each
/// listed entry standing for one occurrence.
pub(crate) fn compare(list: &List, uncovered: &[(String, usize, String)]) -> Comparison {
    let mut unused: Vec<Option<&Listed>> = list.lines.iter().map(Some).collect();
    let mut comparison = Comparison::default();
    for (file, number, text) in uncovered {
        let found = unused
            .iter_mut()
            .find(|slot| slot.is_some_and(|listed| listed.file == *file && listed.text == *text));
        match found.and_then(Option::take) {
            Some(listed) if listed.reason.is_some() => comparison.exceptions += 1,
            Some(_) => comparison.untested += 1,
            None => comparison.new.push((file.clone(), *number, text.clone())),
        }
    }
    comparison.stale = unused.into_iter().flatten().cloned().collect();
    comparison
}

/// The list rewritten after a run: `recorded` set to `figure`, exceptions
/// kept while their line is still uncovered, every other uncovered line
/// listed as still to be tested, in file and line order.
pub(crate) fn updated(
    crate_name: &str,
    list: &List,
    figure: f64,
    uncovered: &[(String, usize, String)],
) -> String {
    let mut exceptions: Vec<Option<&Listed>> = list
        .lines
        .iter()
        .filter(|l| l.reason.is_some())
        .map(Some)
        .collect();
    let mut out = format!(
        "# {crate_name}: the lines no test reaches (cargo xtask coverage).\n\
         # exception: FILE | TEXT | REASON  -- cannot be reached, and why\n\
         # untested: FILE | TEXT            -- a test is still to be written\n\
         # Rewritten by `cargo xtask coverage --update`, which keeps the exceptions.\n\
         recorded: {figure:.2}\n"
    );
    for (file, _, text) in uncovered {
        let exception = exceptions
            .iter_mut()
            .find(|slot| slot.is_some_and(|l| l.file == *file && l.text == *text))
            .and_then(Option::take);
        match exception.and_then(|l| l.reason.as_deref()) {
            Some(reason) => out.push_str(&format!("exception: {file} | {text} | {reason}\n")),
            None => out.push_str(&format!("untested: {file} | {text}\n")),
        }
    }
    out
}

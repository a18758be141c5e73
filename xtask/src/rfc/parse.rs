//! Reading one requirement file (`docs/rfc/rfcNNNN.md`, format in
//! `docs/rfc/README.md`) into statements. The format is strict so that a
//! typo is a problem reported with its line, not a statement silently lost.

/// The keywords of RFC 2119 (and RFC 8174) a statement may carry, longest
/// first so that "MUST NOT" is not read as "MUST".
pub(crate) const LEVELS: [&str; 9] = [
    "NOT RECOMMENDED",
    "MUST NOT",
    "SHALL NOT",
    "SHOULD NOT",
    "RECOMMENDED",
    "REQUIRED",
    "MUST",
    "SHALL",
    "SHOULD",
];

/// What keel does about a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Implemented, with code and a test.
    Implemented,
    /// Deliberately not followed, with a reason.
    Exception,
    /// About something keel does not do, with a reason.
    NotApplicable,
}

impl Status {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "implemented" => Some(Self::Implemented),
            "exception" => Some(Self::Exception),
            "not-applicable" => Some(Self::NotApplicable),
            _ => None,
        }
    }
}

/// One normative statement of a specification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Statement {
    /// The section it is in, e.g. `7.4.1.2`.
    pub(crate) section: String,
    /// The line of its `##` heading, for problems.
    pub(crate) line: usize,
    pub(crate) level: Option<String>,
    pub(crate) quote: Option<String>,
    pub(crate) status: Option<Status>,
    pub(crate) reason: Option<String>,
    /// Files that implement it, from the repository root.
    pub(crate) code: Vec<String>,
    /// Tests that prove it, as `path::function`.
    pub(crate) tests: Vec<String>,
}

/// One requirement file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Spec {
    /// The RFC number, from the file name.
    pub(crate) number: u32,
    /// The file, from the repository root, for problems.
    pub(crate) file: String,
    pub(crate) title: Option<String>,
    /// The sections the file covers (each with everything under it).
    pub(crate) scope: Vec<String>,
    pub(crate) statements: Vec<Statement>,
    /// Citations in the code that define or describe rather than
    /// implement a statement: `(section, file, what)`.
    pub(crate) cited: Vec<Cited>,
}

/// A `- cited: SECTION | FILE | WHAT` line: `FILE` cites `SECTION` for a
/// definition or a description, which no statement would honestly list as
/// its code (a section with no normative text, a type's layout).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cited {
    pub(crate) section: String,
    pub(crate) file: String,
    /// The line in the requirement file, for problems.
    pub(crate) line: usize,
}

impl Spec {
    /// Whether `section` lies in the file's scope.
    pub(crate) fn covers(&self, section: &str) -> bool {
        self.scope.iter().any(|top| is_within(section, top))
    }
}

/// Whether `section` is `top` or a subsection of it (`7.4.1` is within
/// `7.4` and `7`, not within `7.1`).
pub(crate) fn is_within(section: &str, top: &str) -> bool {
    section == top
        || section
            .strip_prefix(top)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Parses `text`, the contents of `file` (for `number`). Problems are
/// pushed as `file:line: what`; what parsed is returned either way.
pub(crate) fn parse(number: u32, file: &str, text: &str, problems: &mut Vec<String>) -> Spec {
    let mut spec = Spec {
        number,
        file: file.to_owned(),
        ..Spec::default()
    };
    let mut in_comment = false;
    for (index, raw) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw.trim_end();
        let mut problem = |what: String| problems.push(format!("{file}:{line_number}: {what}"));
        if in_comment {
            in_comment = !line.contains("-->");
            continue;
        }
        if line.trim_start().starts_with("<!--") {
            in_comment = !line.contains("-->");
            continue;
        }
        if line.is_empty() {
            continue;
        }
        if let Some(title) = line.strip_prefix("# ") {
            if spec.title.replace(title.to_owned()).is_some() {
                problem("a second title line".to_owned());
            }
        } else if let Some(section) = line.strip_prefix("## ") {
            let section = section.trim().trim_start_matches('§');
            if !is_section(section) {
                problem(format!("`{section}` is not a section number"));
            }
            spec.statements.push(Statement {
                section: section.to_owned(),
                line: line_number,
                ..Statement::default()
            });
        } else if let Some((key, value)) = line
            .strip_prefix("- ")
            .and_then(|item| item.split_once(':'))
        {
            let value = value.trim().to_owned();
            match (spec.statements.last_mut(), key.trim()) {
                (_, "cited") => {
                    let fields: Vec<&str> = value.splitn(3, " | ").map(str::trim).collect();
                    match fields.as_slice() {
                        [section, file, what] if !what.is_empty() => spec.cited.push(Cited {
                            section: section.trim_start_matches('§').to_owned(),
                            file: (*file).to_owned(),
                            line: line_number,
                        }),
                        _ => problem(
                            "expected `- cited: SECTION | FILE | what it defines there`".to_owned(),
                        ),
                    }
                }
                (None, "scope") => {
                    spec.scope = value
                        .split(',')
                        .map(|s| s.trim().trim_start_matches('§').to_owned())
                        .filter(|s| !s.is_empty())
                        .collect();
                }
                (None, key) => problem(format!("`{key}` before the first statement")),
                (Some(statement), key) => set(statement, key, value, &mut problem),
            }
        } else {
            problem(format!(
                "not a title, `## section` heading or `- key: value` line: `{line}`"
            ));
        }
    }
    spec
}

fn set(statement: &mut Statement, key: &str, value: String, problem: &mut impl FnMut(String)) {
    let once = |slot: &mut Option<String>, problem: &mut dyn FnMut(String)| {
        if slot.replace(value.clone()).is_some() {
            problem(format!("a second `{key}` for one statement"));
        }
    };
    match key {
        "level" => once(&mut statement.level, problem),
        "quote" => once(&mut statement.quote, problem),
        "reason" => once(&mut statement.reason, problem),
        "status" => match Status::parse(&value) {
            Some(status) => {
                if statement.status.replace(status).is_some() {
                    problem("a second `status` for one statement".to_owned());
                }
            }
            None => problem(format!(
                "status `{value}` is none of implemented, exception, not-applicable"
            )),
        },
        "code" => statement.code.push(value),
        "test" => statement.tests.push(value),
        other => problem(format!("unknown key `{other}`")),
    }
}

/// `7`, `7.4.1.2`, `A.5`: digits or one capital letter, dot-separated.
fn is_section(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|part| {
            !part.is_empty()
                && (part.bytes().all(|b| b.is_ascii_digit())
                    || (part.len() == 1 && part.bytes().all(|b| b.is_ascii_uppercase())))
        })
}

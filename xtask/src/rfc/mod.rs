//! `cargo xtask rfc`: the requirement files under `docs/rfc/` checked
//! against the code and the tests (the rules are in `docs/rfc/README.md`),
//! and a count per specification of what keel does about its normative
//! statements.

mod code;
mod parse;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::workspace::Workspace;
use parse::{Spec, Status, is_within};

/// The specifications keel must trace: TLS 1.2 and the extensions it
/// implements, and TLS 1.3 for the layers written so far (its file's scope
/// says which). A missing file is a problem.
pub(crate) const REQUIRED: [u32; 11] = [
    5246, 5077, 5705, 5746, 6066, 7301, 7507, 7627, 8422, 8446, 8449,
];

/// Runs the check and prints the counts; fails on any problem.
pub(crate) fn run(workspace: &Workspace) -> Result<(), Error> {
    let report = check(workspace.root())?;
    for line in &report.summary {
        println!("xtask rfc: {line}");
    }
    if report.problems.is_empty() {
        println!(
            "xtask rfc: ok ({} statements in {} specifications, every one with a status)",
            report.statements,
            report.summary.len()
        );
        Ok(())
    } else {
        Err(Error::Rfc {
            problems: report.problems,
        })
    }
}

/// What the check found.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// One line per specification.
    pub(crate) summary: Vec<String>,
    pub(crate) statements: usize,
    pub(crate) problems: Vec<String>,
}

/// Checks the requirement files under `root/docs/rfc` against the code
/// under `root`.
pub(crate) fn check(root: &Path) -> Result<Report, Error> {
    let mut report = Report::default();
    let specs = read_specs(root, &mut report.problems)?;
    for number in REQUIRED {
        if !specs.contains_key(&number) {
            report
                .problems
                .push(format!("docs/rfc/rfc{number}.md: missing"));
        }
    }
    let mut files = Files::new(root);
    let security = files.read("docs/SECURITY.md").unwrap_or_default();
    for spec in specs.values() {
        check_spec(spec, &mut files, &security, &mut report.problems);
        report.statements += spec.statements.len();
        report.summary.push(summary(spec));
    }
    check_citations(root, &specs, &mut files, &mut report.problems)?;
    Ok(report)
}

fn read_specs(root: &Path, problems: &mut Vec<String>) -> Result<BTreeMap<u32, Spec>, Error> {
    let dir = root.join("docs/rfc");
    let entries = fs::read_dir(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    let mut specs = BTreeMap::new();
    for entry in entries {
        let path = entry
            .map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })?
            .path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name == "README.md" {
            continue;
        }
        let number = name
            .strip_prefix("rfc")
            .and_then(|n| n.strip_suffix(".md"))
            .and_then(|n| n.parse::<u32>().ok());
        let Some(number) = number else {
            problems.push(format!(
                "docs/rfc/{name}: not a requirement file name (rfcNNNN.md)"
            ));
            continue;
        };
        let text = fs::read_to_string(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let spec = parse::parse(number, &format!("docs/rfc/{name}"), &text, problems);
        specs.insert(number, spec);
    }
    Ok(specs)
}

fn check_spec(spec: &Spec, files: &mut Files, security: &str, problems: &mut Vec<String>) {
    let file = &spec.file;
    if spec.title.is_none() {
        problems.push(format!("{file}: no `# RFC ...` title line"));
    }
    if spec.scope.is_empty() {
        problems.push(format!("{file}: no `- scope:` line"));
    }
    if spec.statements.is_empty() {
        problems.push(format!("{file}: no statements"));
    }
    let number = spec.number;
    for cited in &spec.cited {
        let at = format!("{file}:{} (cited §{})", cited.line, cited.section);
        match files.read(&cited.file) {
            None => problems.push(format!("{at}: `{}` does not exist", cited.file)),
            Some(text) if !code::cites(&text, number, &cited.section) => problems.push(format!(
                "{at}: `{}` does not cite RFC {number} §{}",
                cited.file, cited.section
            )),
            Some(_) => {}
        }
    }
    for statement in &spec.statements {
        let at = format!("{file}:{} (§{})", statement.line, statement.section);
        let mut problem = |what: String| problems.push(format!("{at}: {what}"));
        if !spec.covers(&statement.section) {
            problem("section outside the file's scope".to_owned());
        }
        match (&statement.level, &statement.quote) {
            (None, _) => problem("no level".to_owned()),
            (Some(level), _) if !parse::LEVELS.contains(&level.as_str()) => {
                problem(format!("level `{level}` is not an RFC 2119 keyword"));
            }
            (Some(_), None) => problem("no quote".to_owned()),
            (Some(level), Some(quote)) if !quote.contains(level.as_str()) => {
                problem(format!("the quote does not hold its keyword `{level}`"));
            }
            _ => {}
        }
        match statement.status {
            None => problem("no status".to_owned()),
            Some(Status::Implemented) => {
                if statement.code.is_empty() {
                    problem("implemented, but no `code:`".to_owned());
                }
                if statement.tests.is_empty() {
                    problem("implemented, but no `test:`".to_owned());
                }
            }
            Some(status) => {
                if statement.reason.as_deref().is_none_or(str::is_empty) {
                    problem(
                        "an exception or not-applicable statement needs a `reason:`".to_owned(),
                    );
                }
                if status == Status::Exception && !code::cites(security, number, &statement.section)
                {
                    problem(format!(
                        "an exception, but docs/SECURITY.md does not name RFC {number} §{}",
                        statement.section
                    ));
                }
            }
        }
        for path in &statement.code {
            match files.read(path) {
                None => problem(format!("code `{path}` does not exist")),
                Some(text) if !code::cites(&text, number, &statement.section) => {
                    problem(format!(
                        "code `{path}` carries no `RFC {number} §{}` comment",
                        statement.section
                    ));
                }
                Some(_) => {}
            }
        }
        for test in &statement.tests {
            let Some((path, function)) = test.rsplit_once("::") else {
                problem(format!("test `{test}` is not `path::function`"));
                continue;
            };
            if !code::is_workspace_test_file(path) {
                problem(format!("test `{test}` is not in a workspace crate"));
                continue;
            }
            match files.read(path) {
                None => problem(format!("test file `{path}` does not exist")),
                Some(text) => {
                    if let Some(why) = code::test_problem(&text, function) {
                        problem(format!("test `{path}` {why}"));
                    }
                }
            }
        }
    }
}

/// Every citation of a tracked section in `crates/*/src` is traced: some
/// statement of that section, or of one above or below it, names the
/// citing file under `code:`.
fn check_citations(
    root: &Path,
    specs: &BTreeMap<u32, Spec>,
    files: &mut Files,
    problems: &mut Vec<String>,
) -> Result<(), Error> {
    let mut sources = Vec::new();
    let crates = root.join("crates");
    for entry in fs::read_dir(&crates).map_err(|source| Error::Io {
        path: crates.clone(),
        source,
    })? {
        let entry = entry.map_err(|source| Error::Io {
            path: crates.clone(),
            source,
        })?;
        collect_rust_files(&entry.path().join("src"), &mut sources)?;
    }
    sources.sort();
    for path in sources {
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let Some(text) = files.read(&relative) else {
            continue;
        };
        for citation in code::citations(&text) {
            let Some(spec) = specs.get(&citation.number) else {
                continue;
            };
            if !spec.covers(&citation.section) {
                continue;
            }
            let related = |section: &str| {
                is_within(section, &citation.section) || is_within(&citation.section, section)
            };
            let traced =
                spec.statements.iter().any(|statement| {
                    related(&statement.section) && statement.code.contains(&relative)
                }) || spec
                    .cited
                    .iter()
                    .any(|cited| cited.section == citation.section && cited.file == relative);
            if !traced {
                problems.push(format!(
                    "{relative}:{}: cites RFC {} §{}, but no statement of {} for that section names this file",
                    citation.line, citation.number, citation.section, spec.file
                ));
            }
        }
    }
    Ok(())
}

fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let Ok(entries) = fs::read_dir(dir) else {
        // A crate without src/ (none today) has nothing to cite.
        return Ok(());
    };
    for entry in entries {
        let path = entry
            .map_err(|source| Error::Io {
                path: dir.to_owned(),
                source,
            })?
            .path();
        if path.is_dir() {
            collect_rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn summary(spec: &Spec) -> String {
    let count = |status| {
        spec.statements
            .iter()
            .filter(|s| s.status == Some(status))
            .count()
    };
    format!(
        "RFC {}: {} statements: {} implemented and tested, {} deliberate exceptions, {} not applicable",
        spec.number,
        spec.statements.len(),
        count(Status::Implemented),
        count(Status::Exception),
        count(Status::NotApplicable)
    )
}

/// Files read once each, by path from the repository root.
struct Files {
    root: PathBuf,
    cache: BTreeMap<String, Option<String>>,
}

impl Files {
    fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
            cache: BTreeMap::new(),
        }
    }

    fn read(&mut self, path: &str) -> Option<String> {
        self.cache
            .entry(path.to_owned())
            .or_insert_with(|| {
                if path.contains("..") {
                    return None;
                }
                fs::read_to_string(self.root.join(path)).ok()
            })
            .clone()
    }
}

#[cfg(test)]
mod tests;

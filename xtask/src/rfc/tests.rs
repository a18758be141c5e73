use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::code::{Citation, citations, test_problem};
use super::{REQUIRED, check};

/// A throwaway repository: every required spec present with one
/// not-applicable statement, a SECURITY.md, one crate with a citing source
/// file and a test file. Removed when dropped.
struct Tree(PathBuf);

impl Tree {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "xtask-rfc-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let tree = Self(root);
        for number in REQUIRED {
            tree.write(
                &format!("docs/rfc/rfc{number}.md"),
                &format!(
                    "# RFC {number}: a title\n\n- scope: 3\n\n## 3\n- level: MUST\n- quote: it MUST be CBC\n- status: not-applicable\n- reason: no CBC\n"
                ),
            );
        }
        tree.write("docs/rfc/README.md", "the format\n");
        tree.write("docs/SECURITY.md", "| refusal | RFC 7627 §5.3 |\n");
        tree.write(
            "crates/demo/src/lib.rs",
            "// RFC 7627 §5.1: the client offers the extension.\nfn offer() {}\n",
        );
        tree.write(
            "crates/demo/tests/ems.rs",
            "#[test]\nfn offers() {}\n\n#[test]\n#[ignore]\nfn ignored() {}\n\nfn helper() {}\n",
        );
        tree
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.0.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn root(&self) -> &Path {
        &self.0
    }

    /// Writes rfc7627.md with a scope of 5 and `statements` after it.
    fn rfc7627(&self, statements: &str) {
        self.write(
            "docs/rfc/rfc7627.md",
            &format!("# RFC 7627: EMS\n\n- scope: 5\n\n{statements}"),
        );
    }

    fn problems(&self) -> Vec<String> {
        check(self.root()).unwrap().problems
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const IMPLEMENTED: &str = "## 5.1\n- level: MUST\n- quote: the client MUST include the extension\n- status: implemented\n- code: crates/demo/src/lib.rs\n- test: crates/demo/tests/ems.rs::offers\n";

fn assert_one_problem(problems: &[String], containing: &str) {
    assert!(
        problems.len() == 1 && problems[0].contains(containing),
        "wanted one problem with `{containing}`, got {problems:#?}"
    );
}

#[test]
fn a_complete_tree_passes_and_is_counted() {
    let tree = Tree::new();
    tree.rfc7627(&format!(
        "{IMPLEMENTED}\n## 5.3\n- level: MUST NOT\n- quote: the server MUST NOT resume\n- status: exception\n- reason: keel is stricter\n"
    ));
    let report = check(tree.root()).unwrap();
    assert_eq!(report.problems, Vec::<String>::new());
    assert_eq!(report.statements, REQUIRED.len() + 1);
    assert!(report.summary.contains(
        &"RFC 7627: 2 statements: 1 implemented and tested, 1 deliberate exceptions, 0 not applicable"
            .to_owned()
    ));
}

#[test]
fn a_missing_spec_file_is_named() {
    let tree = Tree::new();
    tree.rfc7627(IMPLEMENTED);
    fs::remove_file(tree.root().join("docs/rfc/rfc8449.md")).unwrap();
    assert_one_problem(&tree.problems(), "docs/rfc/rfc8449.md: missing");
}

#[test]
fn a_statement_without_status_fails() {
    let tree = Tree::new();
    tree.rfc7627(&format!(
        "{IMPLEMENTED}\n## 5.2\n- level: SHOULD\n- quote: it SHOULD abort\n"
    ));
    assert_one_problem(&tree.problems(), "rfc7627.md:12 (§5.2): no status");
}

#[test]
fn a_quote_must_hold_its_keyword() {
    let tree = Tree::new();
    tree.rfc7627(&IMPLEMENTED.replace("MUST include", "must include"));
    assert_one_problem(&tree.problems(), "does not hold its keyword `MUST`");
}

#[test]
fn implemented_needs_code_that_cites_the_section_and_a_real_test() {
    let tree = Tree::new();
    tree.rfc7627(&IMPLEMENTED.replace("## 5.1", "## 5.2"));
    let problems = tree.problems();
    // The code does not cite §5.2, and its §5.1 comment is now untraced.
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("carries no `RFC 7627 §5.2` comment"));
    assert!(problems[1].contains("crates/demo/src/lib.rs:1: cites RFC 7627 §5.1"));

    tree.rfc7627(&IMPLEMENTED.replace("::offers", "::ignored"));
    assert_one_problem(&tree.problems(), "`ignored` is #[ignore]d");
    tree.rfc7627(&IMPLEMENTED.replace("::offers", "::helper"));
    assert_one_problem(&tree.problems(), "`helper` is not a #[test]");
    tree.rfc7627(&IMPLEMENTED.replace("::offers", "::absent"));
    assert_one_problem(&tree.problems(), "has no function `absent`");
    tree.rfc7627(&IMPLEMENTED.replace("- test: crates/demo/tests/ems.rs::offers\n", ""));
    assert_one_problem(&tree.problems(), "implemented, but no `test:`");
    tree.rfc7627(&IMPLEMENTED.replace("crates/demo/src/lib.rs", "crates/demo/src/gone.rs"));
    let problems = tree.problems();
    assert!(problems[0].contains("code `crates/demo/src/gone.rs` does not exist"));
}

#[test]
fn every_citation_in_scope_must_be_traced() {
    let tree = Tree::new();
    tree.rfc7627(IMPLEMENTED);
    tree.write(
        "crates/demo/src/server.rs",
        "// RFC 7627 §5.1.1: a subsection of a traced section, in another file.\n\
         // RFC 7627 §4: outside the scope.\n\
         // RFC 9999 §5.1: not tracked.\n",
    );
    assert_one_problem(
        &tree.problems(),
        "crates/demo/src/server.rs:1: cites RFC 7627 §5.1.1, but no statement",
    );
    // A citation for a definition is accounted for by a `cited:` line,
    // which must name a file that really cites the section.
    tree.rfc7627(&format!(
        "- cited: 5.1.1 | crates/demo/src/server.rs | the layout it reads\n{IMPLEMENTED}"
    ));
    assert_eq!(tree.problems(), Vec::<String>::new());
    tree.rfc7627(&format!(
        "- cited: 5.2 | crates/demo/src/server.rs | nothing\n{IMPLEMENTED}"
    ));
    let problems = tree.problems();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("`crates/demo/src/server.rs` does not cite RFC 7627 §5.2"));
}

#[test]
fn exceptions_are_named_in_security_md_with_a_reason() {
    let tree = Tree::new();
    tree.rfc7627(&format!(
        "{IMPLEMENTED}\n## 5.4\n- level: SHOULD\n- quote: it SHOULD fall back\n- status: exception\n"
    ));
    let problems = tree.problems();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("needs a `reason:`"));
    assert!(problems[1].contains("docs/SECURITY.md does not name RFC 7627 §5.4"));
}

#[test]
fn malformed_lines_are_reported_with_their_line() {
    let tree = Tree::new();
    tree.rfc7627(&format!(
        "{IMPLEMENTED}- colour: blue\nfree text\n## 5.x\n- level: MUST\n- quote: MUST\n- status: done\n"
    ));
    let problems = tree.problems();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("rfc7627.md:11: unknown key `colour`"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("rfc7627.md:12: not a title"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`5.x` is not a section number"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("status `done` is none of"))
    );
}

#[test]
fn citations_are_read_with_commas_and_sentence_ends() {
    let text = "// see RFC 5246 §7.4.1.2. And RFC 8422, §5.1.1 too\n// RFC 5280 section 4, RFC §3\n/// RFC 5246 §A.5\n(RFC 7627 §5.2, §5.3 and §5.4; §6)";
    assert_eq!(
        citations(text),
        vec![
            Citation {
                number: 5246,
                section: "7.4.1.2".to_owned(),
                line: 1
            },
            Citation {
                number: 8422,
                section: "5.1.1".to_owned(),
                line: 1
            },
            Citation {
                number: 5246,
                section: "A.5".to_owned(),
                line: 3
            },
            Citation {
                number: 7627,
                section: "5.2".to_owned(),
                line: 4
            },
            Citation {
                number: 7627,
                section: "5.3".to_owned(),
                line: 4
            },
            Citation {
                number: 7627,
                section: "5.4".to_owned(),
                line: 4
            },
        ]
    );
}

#[test]
fn proptest_cases_count_as_tests() {
    let text = "proptest! {\n    #[test]\n    fn holds(x in 0..3u8) {}\n}\n";
    assert_eq!(test_problem(text, "holds"), None);
    let text = "#[tokio::test]\nasync fn talks() {}\n";
    assert_eq!(test_problem(text, "talks"), None);
}

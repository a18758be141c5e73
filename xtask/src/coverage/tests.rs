use super::lists::{self, Comparison, List, Listed};
use super::{Measured, lcov};

fn line(file: &str, number: usize, text: &str) -> (String, usize, String) {
    (file.to_owned(), number, text.to_owned())
}

#[test]
fn lcov_lines_merge_across_records_and_runs() {
    let text = "TN:\nSF:/r/crates/keel-wire/src/a.rs\nDA:1,0\nDA:2,3\nLF:2\nLH:1\nend_of_record\n\
                SF:/r/crates/keel-wire/src/a.rs\nDA:1,1\nDA:3,0\nend_of_record\nDA:9,1\n";
    let lines = lcov::parse(text);
    let a = &lines["/r/crates/keel-wire/src/a.rs"];
    assert_eq!(a.len(), 3);
    assert!(a[&1] && a[&2] && !a[&3]);
    // A DA line outside a record belongs to no file.
    assert_eq!(lines.len(), 1);
}

#[test]
fn lists_parse_exceptions_untested_lines_and_the_figure() {
    let text = "# comment\nrecorded: 97.25\n\
                exception: src/codec.rs | unreachable!() | checked above\n\
                untested: src/a.rs | A | B => x,\n";
    let list = lists::parse("c.txt", text).unwrap();
    assert_eq!(list.recorded, Some(97.25));
    assert_eq!(list.lines[0].reason.as_deref(), Some("checked above"));
    // A `|` inside the line's text stays in the text.
    assert_eq!(list.lines[1].text, "A | B => x,");
    assert_eq!(list.lines[1].reason, None);

    let problems =
        lists::parse("c.txt", "exception: src/a.rs | x\nrecorded: lots\nwhat\n").unwrap_err();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].starts_with("c.txt:1: expected"));
    assert!(problems[1].contains("`lots` is not a figure"));
    assert!(problems[2].starts_with("c.txt:3:"));
}

fn listed(file: &str, text: &str, reason: Option<&str>) -> Listed {
    Listed {
        file: file.to_owned(),
        text: text.to_owned(),
        reason: reason.map(str::to_owned),
    }
}

#[test]
fn each_listed_line_stands_for_one_occurrence() {
    let list = List {
        recorded: Some(90.0),
        lines: vec![
            listed("src/a.rs", "return None;", None),
            listed("src/b.rs", "unreachable!()", Some("checked")),
            listed("src/c.rs", "gone();", None),
        ],
    };
    let uncovered = [
        line("src/a.rs", 10, "return None;"),
        line("src/a.rs", 20, "return None;"),
        line("src/b.rs", 5, "unreachable!()"),
    ];
    assert_eq!(
        lists::compare(&list, &uncovered),
        Comparison {
            exceptions: 1,
            untested: 1,
            new: vec![line("src/a.rs", 20, "return None;")],
            stale: vec![listed("src/c.rs", "gone();", None)],
        }
    );
}

#[test]
fn update_keeps_exceptions_and_lists_the_rest_as_untested() {
    let list = List {
        recorded: Some(50.0),
        lines: vec![
            listed("src/b.rs", "unreachable!()", Some("checked")),
            listed("src/z.rs", "old()", Some("no longer uncovered")),
        ],
    };
    let uncovered = [
        line("src/a.rs", 3, "x();"),
        line("src/b.rs", 5, "unreachable!()"),
    ];
    let text = lists::updated("keel-wire", &list, 97.123, &uncovered);
    let reparsed = lists::parse("c.txt", &text).unwrap();
    assert_eq!(reparsed.recorded, Some(97.12));
    assert_eq!(
        reparsed.lines,
        vec![
            listed("src/a.rs", "x();", None),
            listed("src/b.rs", "unreachable!()", Some("checked")),
        ]
    );
}

#[test]
fn a_crate_without_lines_is_fully_covered() {
    let empty = Measured {
        covered: 0,
        total: 0,
        uncovered: Vec::new(),
    };
    assert!((empty.percent() - 100.0).abs() < f64::EPSILON);
    let half = Measured {
        covered: 1,
        total: 2,
        uncovered: Vec::new(),
    };
    assert!((half.percent() - 50.0).abs() < f64::EPSILON);
}

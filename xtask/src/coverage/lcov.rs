//! Reading the lcov file the coverage tool writes: for each source file,
//! which lines are instrumented and how often each ran (`SF:`, `DA:`).

use std::collections::BTreeMap;

/// Per file (as written after `SF:`), per instrumented line (1-based),
/// whether it ran.
pub(crate) type Lines = BTreeMap<String, BTreeMap<usize, bool>>;

/// Parses lcov `text`. A line recorded twice (two records for one file, as
/// tools write for generic code) counts as run if any record ran it.
pub(crate) fn parse(text: &str) -> Lines {
    let mut files = Lines::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("SF:") {
            current = Some(path.trim().to_owned());
        } else if line == "end_of_record" {
            current = None;
        } else if let (Some(file), Some(data)) = (&current, line.strip_prefix("DA:")) {
            let mut fields = data.split(',');
            let number = fields.next().and_then(|n| n.trim().parse::<usize>().ok());
            let hits = fields.next().and_then(|h| h.trim().parse::<u64>().ok());
            if let (Some(number), Some(hits)) = (number, hits) {
                let ran = files
                    .entry(file.clone())
                    .or_default()
                    .entry(number)
                    .or_insert(false);
                *ran |= hits > 0;
            }
        }
    }
    files
}

//! Reads `testdata/rfc8448.txt`: `[section]` headers, `name = hex` entries
//! whose value may go on over lines that start with a space, `#` comments.

use std::collections::BTreeMap;

const TEXT: &str = include_str!("../testdata/rfc8448.txt");

/// One section of the vector file, by value name.
pub(super) struct Section(BTreeMap<String, Vec<u8>>);

impl Section {
    /// The section `[name]` of `testdata/rfc8448.txt`.
    pub(super) fn load(name: &str) -> Self {
        let mut values = BTreeMap::new();
        let mut in_section = false;
        let mut current: Option<(String, String)> = None;
        let mut finish = |current: &mut Option<(String, String)>| {
            if let Some((key, hex)) = current.take() {
                let bytes = data_encoding::HEXLOWER
                    .decode(hex.as_bytes())
                    .unwrap_or_else(|e| panic!("{key}: {e}"));
                assert!(values.insert(key.clone(), bytes).is_none(), "{key} twice");
            }
        };
        for line in TEXT.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if let Some(header) = line.strip_prefix('[') {
                finish(&mut current);
                in_section = header.trim_end_matches(']') == name;
                continue;
            }
            if !in_section {
                continue;
            }
            if line.starts_with(' ') {
                let (_, hex) = current.as_mut().expect("continuation without a value");
                hex.extend(line.chars().filter(|c| !c.is_whitespace()));
            } else {
                finish(&mut current);
                let (key, value) = line.split_once('=').expect("name = hex");
                let hex = value.chars().filter(|c| !c.is_whitespace()).collect();
                current = Some((key.trim().to_owned(), hex));
            }
        }
        finish(&mut current);
        assert!(!values.is_empty(), "no section [{name}]");
        Self(values)
    }

    /// The value `name`; a missing one fails the test.
    pub(super) fn get(&self, name: &str) -> &[u8] {
        self.0
            .get(name)
            .unwrap_or_else(|| panic!("no value {name}"))
    }

    /// The concatenation of the values `names`, in order.
    pub(super) fn concat(&self, names: &[&str]) -> Vec<u8> {
        names
            .iter()
            .flat_map(|name| self.get(name).to_vec())
            .collect()
    }
}

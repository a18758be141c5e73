//! The Prometheus text exposition format, version 0.0.4: for each metric
//! family a `# HELP` and a `# TYPE` line, then its samples, one a line,
//! `name{label="value",...} value`.

use std::fmt::Write as _;

/// The Content-Type of a scrape's answer.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What a family is, as its `# TYPE` line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Only goes up (until the process restarts); named `..._total`.
    Counter,
    /// Goes up and down.
    Gauge,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
        }
    }
}

/// A scrape's text, written family by family.
#[derive(Debug, Default)]
pub(crate) struct Exposition {
    text: String,
}

impl Exposition {
    /// Starts the family `name`: its HELP and TYPE lines. Its samples
    /// follow with [`Self::sample`].
    pub(crate) fn family(&mut self, name: &str, kind: Kind, help: &str) {
        // Writing to a String cannot fail.
        let _ = writeln!(self.text, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.text, "# TYPE {name} {}", kind.name());
    }

    /// A family with one sample and no labels.
    pub(crate) fn single(&mut self, name: &str, kind: Kind, help: &str, value: u64) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }

    /// One sample of the family last started.
    pub(crate) fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: u64) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (label, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", escape_label_value(value));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }

    /// The text, ready to send.
    pub(crate) fn finish(self) -> String {
        self.text
    }
}

/// In HELP text, backslash and line feed are escaped.
fn escape_help(text: &str) -> String {
    text.replace('\\', r"\\").replace('\n', r"\n")
}

/// In a label value, backslash, double quote and line feed are escaped.
fn escape_label_value(value: &str) -> String {
    escape_help(value).replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::{Exposition, Kind};

    #[test]
    fn families_and_samples_are_written_as_the_format_says() {
        let mut text = Exposition::default();
        text.family("app_open", Kind::Gauge, "Open now.");
        text.sample("app_open", &[], 3);
        text.family("app_done_total", Kind::Counter, "Done, by how.");
        text.sample("app_done_total", &[("how", "ok"), ("why", "none")], 7);
        assert_eq!(
            text.finish(),
            "# HELP app_open Open now.\n\
             # TYPE app_open gauge\n\
             app_open 3\n\
             # HELP app_done_total Done, by how.\n\
             # TYPE app_done_total counter\n\
             app_done_total{how=\"ok\",why=\"none\"} 7\n"
        );
    }

    #[test]
    fn label_values_and_help_are_escaped() {
        let mut text = Exposition::default();
        text.family("x_total", Kind::Counter, "a \\ b\nc \"d\"");
        text.sample("x_total", &[("v", "q\"b\\n\n")], 1);
        assert_eq!(
            text.finish(),
            "# HELP x_total a \\\\ b\\nc \"d\"\n\
             # TYPE x_total counter\n\
             x_total{v=\"q\\\"b\\\\n\\n\"} 1\n"
        );
    }
}

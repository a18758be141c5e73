//! The lines `cargo xtask bench-proxy` reports, the rounds' medians, and
//! the markdown table: one row per line, a column per proxy, and keel's
//! advantage over each other proxy (above 1: keel does better, whichever
//! way the line counts).

use super::servers::Proxy;

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) name: &'static str,
    pub(crate) unit: &'static str,
    /// Rates are better higher; costs (CPU time, memory) lower.
    pub(crate) higher_is_better: bool,
}

/// Every line, in the table's order. [`super::measure_round`] fills them in
/// this order.
pub(crate) const LINES: [Line; 10] = [
    Line {
        name: "full handshakes (TLS 1.3, ECDSA P-256, X25519)",
        unit: "/s",
        higher_is_better: true,
    },
    Line {
        name: "resumed handshakes (TLS 1.3, session ticket)",
        unit: "/s",
        higher_is_better: true,
    },
    Line {
        name: "proxy CPU per full handshake",
        unit: "µs",
        higher_is_better: false,
    },
    Line {
        name: "proxy CPU per resumed handshake",
        unit: "µs",
        higher_is_better: false,
    },
    Line {
        name: "bulk up, 1 connection",
        unit: "MB/s",
        higher_is_better: true,
    },
    Line {
        name: "bulk down, 1 connection",
        unit: "MB/s",
        higher_is_better: true,
    },
    Line {
        name: "bulk up, 50 connections",
        unit: "MB/s",
        higher_is_better: true,
    },
    Line {
        name: "bulk down, 50 connections",
        unit: "MB/s",
        higher_is_better: true,
    },
    Line {
        name: "proxy CPU per MiB moved (the bulk lines)",
        unit: "µs",
        higher_is_better: false,
    },
    Line {
        name: "RSS per idle connection",
        unit: "KiB",
        higher_is_better: false,
    },
];

/// The figures of all rounds: `samples[proxy][line]` holds one value per
/// round.
#[derive(Debug, Default)]
pub(crate) struct Results {
    samples: [[Vec<f64>; LINES.len()]; 3],
}

impl Results {
    /// Adds one round's figures for `proxy`, in [`LINES`]' order.
    pub(crate) fn add(&mut self, proxy: Proxy, round: [f64; LINES.len()]) {
        if let Some(lines) = self.samples.get_mut(index(proxy)) {
            for (samples, value) in lines.iter_mut().zip(round) {
                samples.push(value);
            }
        }
    }

    fn median(&self, proxy: Proxy, line: usize) -> Option<f64> {
        self.samples
            .get(index(proxy))
            .and_then(|lines| lines.get(line))
            .and_then(|samples| median(samples))
    }

    /// The markdown table of the medians.
    pub(crate) fn table(&self) -> String {
        let mut out = String::from(
            "| line | keel | HAProxy | stunnel | keel vs HAProxy | keel vs stunnel |\n\
             |---|---:|---:|---:|---:|---:|\n",
        );
        for (i, line) in LINES.iter().enumerate() {
            let [keel, haproxy, stunnel] = Proxy::ALL.map(|proxy| self.median(proxy, i));
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                line.name,
                figure(keel, line.unit),
                figure(haproxy, line.unit),
                figure(stunnel, line.unit),
                advantage(line, keel, haproxy),
                advantage(line, keel, stunnel),
            ));
        }
        out
    }
}

fn index(proxy: Proxy) -> usize {
    match proxy {
        Proxy::Keel => 0,
        Proxy::Haproxy => 1,
        Proxy::Stunnel => 2,
    }
}

/// The median of the samples (the mean of the middle two for an even
/// count); `None` when there are none.
fn median(samples: &[f64]) -> Option<f64> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => sorted.get(mid).copied(),
        _ => Some((sorted.get(mid - 1)? + sorted.get(mid)?) / 2.0),
    }
}

/// keel's advantage over `other` on `line`: keel / other for a rate, other
/// / keel for a cost, so that above 1 always means keel did better.
fn advantage(line: &Line, keel: Option<f64>, other: Option<f64>) -> String {
    let (Some(keel), Some(other)) = (keel, other) else {
        return "—".to_owned();
    };
    let ratio = if line.higher_is_better {
        keel / other
    } else {
        other / keel
    };
    if ratio.is_finite() {
        format!("{ratio:.2}")
    } else {
        "—".to_owned()
    }
}

fn figure(value: Option<f64>, unit: &str) -> String {
    match value {
        None => "—".to_owned(),
        Some(v) if v >= 100.0 => format!("{v:.0} {unit}"),
        Some(v) => format!("{v:.1} {unit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_sample() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn above_one_means_keel_did_better_for_rates_and_for_costs() {
        let rate = LINES[0];
        let cost = LINES[8];
        assert_eq!(advantage(&rate, Some(200.0), Some(100.0)), "2.00");
        assert_eq!(advantage(&cost, Some(5.0), Some(10.0)), "2.00");
        assert_eq!(advantage(&cost, Some(0.0), Some(10.0)), "—");
        assert_eq!(advantage(&rate, None, Some(1.0)), "—");
    }

    #[test]
    fn the_table_has_a_row_per_line_with_each_proxys_median() {
        let mut results = Results::default();
        for round in 0..3 {
            let value = f64::from(round + 1);
            results.add(Proxy::Keel, [value * 2.0; LINES.len()]);
            results.add(Proxy::Haproxy, [value; LINES.len()]);
            results.add(Proxy::Stunnel, [value * 4.0; LINES.len()]);
        }
        let table = results.table();
        assert_eq!(table.lines().count(), 2 + LINES.len());
        let first = table.lines().nth(2).unwrap();
        assert_eq!(
            first,
            "| full handshakes (TLS 1.3, ECDSA P-256, X25519) | 4.0 /s | 2.0 /s | 8.0 /s | 2.00 | 0.50 |"
        );
        let memory = table.lines().last().unwrap();
        assert!(memory.ends_with("| 0.50 | 2.00 |"), "{memory}");
    }
}

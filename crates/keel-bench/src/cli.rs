//! The command lines of the two binaries, `keel-bench` and
//! `keel-bench-memory`, parsed by clap. They live in the library so that
//! the documented command lines can be checked to parse without running a
//! benchmark.

use clap::{Parser, Subcommand, ValueEnum};

use crate::scenario::{HandshakeScenario, Version};

/// keel measured side by side with rustls, on the same machine,
/// certificates and crypto.
#[derive(Debug, Parser)]
#[command(name = "keel-bench")]
pub struct BenchCli {
    /// What to run.
    #[command(subcommand)]
    pub command: BenchCommand,
}

/// The subcommands of `keel-bench`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Every scenario for keel and then rustls, alternating over a few
    /// rounds, one line per scenario with the medians and keel's advantage
    /// (> 1: keel is better), then keel against the crypto caps.
    // A flag given twice is the flag given once, as it always was.
    #[command(args_override_self = true)]
    Compare {
        /// 3 rounds of 0.15 s per library per scenario and 50 memory pairs,
        /// instead of 5 rounds of 0.6 s and 200 pairs.
        #[arg(long)]
        quick: bool,
    },
    /// One scenario N times for one library and nothing else, for `perf
    /// record` or callgrind.
    Profile {
        /// The library.
        #[arg(value_enum, value_name = "LIB")]
        lib: Lib,
        /// The handshake scenario, by its name in `compare`'s lines.
        #[arg(value_enum, value_name = "SCENARIO")]
        scenario: HandshakeScenario,
        /// How many handshakes.
        #[arg(value_name = "N")]
        n: u64,
    },
}

/// The heap each side of an established connection holds, per connection,
/// measured with dhat over N connection pairs under one protocol version
/// (ECDSA P-256, AES-128-GCM, X25519); prints `client=BYTES server=BYTES`.
#[derive(Debug, Parser)]
#[command(name = "keel-bench-memory")]
pub struct MemoryCli {
    /// The library.
    #[arg(value_enum, value_name = "LIB", default_value = "keel")]
    pub lib: Lib,
    /// How many connection pairs.
    #[arg(value_name = "N", default_value_t = 100)]
    pub n: u64,
    /// The protocol version.
    #[arg(value_enum, value_name = "VERSION", default_value = "tls12")]
    pub version: Version,
}

/// One of the two libraries compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lib {
    /// keel.
    Keel,
    /// rustls 0.23.
    Rustls,
}

impl Lib {
    /// Its name on the command line and in output.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Keel => "keel",
            Self::Rustls => "rustls",
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser, ValueEnum};

    use super::*;

    fn bench(line: &str) -> Result<BenchCommand, clap::Error> {
        BenchCli::try_parse_from(line.split_whitespace()).map(|cli| cli.command)
    }

    #[test]
    fn the_grammar_is_consistent() {
        BenchCli::command().debug_assert();
        MemoryCli::command().debug_assert();
    }

    /// The command lines README.md, docs/PERFORMANCE.md and
    /// docs/ARCHITECTURE.md give.
    #[test]
    fn the_documented_command_lines_parse() {
        assert!(matches!(
            bench("keel-bench compare").unwrap(),
            BenchCommand::Compare { quick: false }
        ));
        assert!(matches!(
            bench("keel-bench compare --quick").unwrap(),
            BenchCommand::Compare { quick: true }
        ));
        assert!(matches!(
            bench("keel-bench compare --quick --quick").unwrap(),
            BenchCommand::Compare { quick: true }
        ));
        // The names of the TLS 1.2 scenarios before TLS 1.3 was measured,
        // as docs/PERFORMANCE.md gives them.
        for (old, scenario) in [
            (
                "full_handshake/ecdsa_p256",
                HandshakeScenario::Tls12FullEcdsaP256,
            ),
            (
                "full_handshake/rsa2048",
                HandshakeScenario::Tls12FullRsa2048,
            ),
            (
                "resumed/session_id",
                HandshakeScenario::Tls12ResumedSessionId,
            ),
            ("resumed/ticket", HandshakeScenario::Tls12ResumedTicket),
        ] {
            let line = format!("keel-bench profile keel {old} 200");
            let BenchCommand::Profile {
                lib,
                scenario: parsed,
                n,
            } = bench(&line).unwrap()
            else {
                panic!("not profile");
            };
            assert_eq!((lib, parsed, n), (Lib::Keel, scenario, 200), "{line}");
        }
        // Every scenario, by the name `compare` prints.
        assert_eq!(
            HandshakeScenario::value_variants(),
            HandshakeScenario::ALL.as_slice()
        );
        for lib in Lib::value_variants() {
            for scenario in HandshakeScenario::value_variants() {
                let line = format!("keel-bench profile {} {} 10", lib.name(), scenario.name());
                let BenchCommand::Profile {
                    lib: parsed,
                    scenario: parsed_scenario,
                    n: 10,
                } = bench(&line).unwrap()
                else {
                    panic!("{line}");
                };
                assert_eq!((parsed, parsed_scenario), (*lib, *scenario), "{line}");
            }
        }
    }

    #[test]
    fn anything_else_is_a_usage_error() {
        for line in [
            "keel-bench",
            "keel-bench --quick",
            "keel-bench compare --slow",
            "keel-bench compare extra",
            "keel-bench profile keel full_handshake/ecdsa_p256",
            "keel-bench profile openssl full_handshake/ecdsa_p256 10",
            "keel-bench profile keel bulk/aes128gcm/send 10",
            "keel-bench profile keel resumed/ticket ten",
            "keel-bench profile keel resumed/ticket 10 more",
            "keel-bench profile keel tls13/resumed/session_id 10",
            "keel-bench profile keel tls13/full_handshake/ecdsa_p256 10",
        ] {
            let err = bench(line).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{line}: {err}");
        }
    }

    /// `keel-bench compare` runs the memory binary as `LIB PAIRS VERSION`.
    #[test]
    fn the_memory_command_line_parses_with_its_defaults() {
        let parse = |line: &str| {
            MemoryCli::try_parse_from(line.split_whitespace())
                .map(|cli| (cli.lib, cli.n, cli.version))
        };
        assert_eq!(
            parse("keel-bench-memory").unwrap(),
            (Lib::Keel, 100, Version::Tls12)
        );
        assert_eq!(
            parse("keel-bench-memory rustls").unwrap(),
            (Lib::Rustls, 100, Version::Tls12)
        );
        assert_eq!(
            parse("keel-bench-memory keel 200").unwrap(),
            (Lib::Keel, 200, Version::Tls12)
        );
        assert_eq!(
            parse("keel-bench-memory rustls 200 tls13").unwrap(),
            (Lib::Rustls, 200, Version::Tls13)
        );
        assert!(parse("keel-bench-memory openssl 200").is_err());
        assert!(parse("keel-bench-memory keel many").is_err());
        assert!(parse("keel-bench-memory keel 200 tls11").is_err());
    }
}

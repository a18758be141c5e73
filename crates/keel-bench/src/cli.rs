//! The command lines of the two binaries, `keel-bench` and
//! `keel-bench-memory`, parsed by clap. They live in the library so that
//! the documented command lines can be checked to parse without running a
//! benchmark.

use clap::{Parser, Subcommand, ValueEnum};

use crate::pki::KeyKind;
use crate::scenario::Resumption;

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
        /// The scenario.
        #[arg(value_enum, value_name = "SCENARIO")]
        scenario: ProfileScenario,
        /// How many handshakes.
        #[arg(value_name = "N")]
        n: u64,
    },
}

/// The heap each side of an established connection holds, per connection,
/// measured with dhat over N connection pairs; prints `client=BYTES
/// server=BYTES`.
#[derive(Debug, Parser)]
#[command(name = "keel-bench-memory")]
pub struct MemoryCli {
    /// The library.
    #[arg(value_enum, value_name = "LIB", default_value = "keel")]
    pub lib: Lib,
    /// How many connection pairs.
    #[arg(value_name = "N", default_value_t = 100)]
    pub n: u64,
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

/// The handshake scenarios `keel-bench profile` runs, by their names in
/// `keel-bench compare`'s lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileScenario {
    /// A full handshake, ECDSA P-256 certificate.
    #[value(name = "full_handshake/ecdsa_p256")]
    FullEcdsaP256,
    /// A full handshake, RSA-2048 certificate.
    #[value(name = "full_handshake/rsa2048")]
    FullRsa2048,
    /// A handshake resumed by session ID.
    #[value(name = "resumed/session_id")]
    ResumedSessionId,
    /// A handshake resumed by session ticket.
    #[value(name = "resumed/ticket")]
    ResumedTicket,
}

impl ProfileScenario {
    /// Its name on the command line and in output.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::FullEcdsaP256 => "full_handshake/ecdsa_p256",
            Self::FullRsa2048 => "full_handshake/rsa2048",
            Self::ResumedSessionId => "resumed/session_id",
            Self::ResumedTicket => "resumed/ticket",
        }
    }

    /// The server's key, and how the handshake resumes (none: a full one).
    #[must_use]
    pub fn setup(self) -> (KeyKind, Option<Resumption>) {
        match self {
            Self::FullEcdsaP256 => (KeyKind::EcdsaP256, None),
            Self::FullRsa2048 => (KeyKind::Rsa2048, None),
            Self::ResumedSessionId => (KeyKind::EcdsaP256, Some(Resumption::SessionId)),
            Self::ResumedTicket => (KeyKind::EcdsaP256, Some(Resumption::Ticket)),
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
        let BenchCommand::Profile { lib, scenario, n } =
            bench("keel-bench profile keel full_handshake/ecdsa_p256 200").unwrap()
        else {
            panic!("not profile");
        };
        assert_eq!(
            (lib, scenario, n),
            (Lib::Keel, ProfileScenario::FullEcdsaP256, 200)
        );
        for lib in Lib::value_variants() {
            for scenario in ProfileScenario::value_variants() {
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
        ] {
            let err = bench(line).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{line}: {err}");
        }
    }

    /// `keel-bench compare` runs the memory binary as `LIB PAIRS`.
    #[test]
    fn the_memory_command_line_parses_with_its_defaults() {
        let parse = |line: &str| {
            MemoryCli::try_parse_from(line.split_whitespace()).map(|cli| (cli.lib, cli.n))
        };
        assert_eq!(parse("keel-bench-memory").unwrap(), (Lib::Keel, 100));
        assert_eq!(
            parse("keel-bench-memory rustls").unwrap(),
            (Lib::Rustls, 100)
        );
        assert_eq!(
            parse("keel-bench-memory keel 200").unwrap(),
            (Lib::Keel, 200)
        );
        assert!(parse("keel-bench-memory openssl 200").is_err());
        assert!(parse("keel-bench-memory keel many").is_err());
    }
}

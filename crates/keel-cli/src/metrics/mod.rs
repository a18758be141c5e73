//! Metrics for the long-running subcommands: the Prometheus text format
//! they are written in, and the plain-HTTP endpoint that serves them.
//!
//! - `exposition`: families and samples written in the text exposition
//!   format 0.0.4, with its escaping rules.
//! - `endpoint`: the `--metrics` listener: one small HTTP/1.x request per
//!   connection, bounded in size, time and number at once; `GET /metrics`
//!   is answered with what the caller renders, anything else with 404.
//!
//! What is counted belongs to each subcommand (`proxy::metrics`); there is
//! no global registry, the counters are passed to whoever updates them.

pub(crate) mod endpoint;
pub(crate) mod exposition;

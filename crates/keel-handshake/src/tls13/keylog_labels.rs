//! The NSS key log labels of the TLS 1.3 secrets (the format of
//! [`crate::keylog`]): each line is `<label> <client_random> <secret>`, the
//! secret taken from [`TrafficSecret::as_bytes`](super::key_schedule::TrafficSecret::as_bytes)
//! or [`ExporterSecret::as_bytes`](super::exporter::ExporterSecret::as_bytes).
//! keel sends no early data, so the early-traffic labels have no use.

/// The client_handshake_traffic_secret.
pub const CLIENT_HANDSHAKE_TRAFFIC_SECRET: &str = "CLIENT_HANDSHAKE_TRAFFIC_SECRET";

/// The server_handshake_traffic_secret.
pub const SERVER_HANDSHAKE_TRAFFIC_SECRET: &str = "SERVER_HANDSHAKE_TRAFFIC_SECRET";

/// The client_application_traffic_secret_0 (later generations, after a
/// KeyUpdate, are not logged: tools derive them from this one).
pub const CLIENT_TRAFFIC_SECRET_0: &str = "CLIENT_TRAFFIC_SECRET_0";

/// The server_application_traffic_secret_0.
pub const SERVER_TRAFFIC_SECRET_0: &str = "SERVER_TRAFFIC_SECRET_0";

/// The exporter_master_secret.
pub const EXPORTER_SECRET: &str = "EXPORTER_SECRET";

//! RFC 5705 keying material exporter against OpenSSL's `-keymatexport`:
//! the keel client exports the same bytes `openssl s_server` prints.

use crate::harness::{
    ECDHE_ECDSA_AES128_GCM, HOST, TempDir, client_config, deadline, keel_close, keel_connect, pki,
};
use crate::openssl::s_server;

#[test]
fn keel_exports_what_openssl_exports() {
    let deadline = deadline();
    let dir = TempDir::new("exporter");
    let (cert, key) = pki()
        .server(ECDHE_ECDSA_AES128_GCM.key)
        .write(&dir, "server");
    let label = "EXPERIMENTAL-keel-interop";
    let args = [
        "-tls1_2",
        "-cert",
        cert.to_str().unwrap(),
        "-key",
        key.to_str().unwrap(),
        "-cipher",
        ECDHE_ECDSA_AES128_GCM.openssl,
        "-keymatexport",
        label,
        "-keymatexportlen",
        "32",
    ];
    let mut server = s_server(&dir, &args, None, deadline);
    let stream = keel_connect(client_config().build().unwrap(), server.addr, HOST)
        .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.peer.finish(deadline)));
    let mut exported = [0u8; 32];
    // OpenSSL's -keymatexport uses no context (RFC 5705: no context value).
    stream
        .connection()
        .export_keying_material(&mut exported, label.as_bytes(), None)
        .unwrap();
    // OpenSSL prints the keying material in uppercase hex.
    let hex = data_encoding::HEXUPPER.encode(&exported);
    keel_close(stream);
    let out = server.peer.finish(deadline);
    out.assert_printed(&format!("Keying material: {hex}"));
}

//! RFC 5705 keying material exporter against OpenSSL's `-keymatexport`:
//! a keel client exports the same bytes `openssl s_server` prints, and a
//! keel server the same bytes `openssl s_client` prints.

use crate::harness::{
    ECDHE_ECDSA_AES128_GCM, HOST, TempDir, client_config, deadline, keel_close, keel_connect, pki,
};
use crate::harness::{EXPORT_LABEL, EXPORT_LEN, KeelServer, server_config};
use crate::openssl::{s_client, s_server};

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

#[test]
fn a_keel_server_exports_what_openssl_s_client_exports() {
    let deadline = deadline();
    let dir = TempDir::new("exporter-server");
    let server = KeelServer::start(server_config().build().unwrap(), deadline);
    let roots = dir.write("roots.pem", &pki().server_roots_pem);
    let len = EXPORT_LEN.to_string();
    let args = [
        "-tls1_2",
        "-CAfile",
        roots.to_str().unwrap(),
        "-verify_return_error",
        "-servername",
        HOST,
        "-keymatexport",
        EXPORT_LABEL,
        "-keymatexportlen",
        &len,
    ];
    let mut client = s_client(&dir, server.addr, &args, None);
    client.send(b"exporter\n");
    let outcome = server
        .outcome(deadline)
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.finish(deadline)));
    let out = client.finish(deadline);
    let hex: String = outcome
        .exported
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    out.assert_printed(&format!("Keying material: {hex}"));
}

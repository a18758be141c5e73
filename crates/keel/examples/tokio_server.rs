//! An echo server over `keel::tokio`: every line a client sends comes
//! back, until the client closes.
//!
//! ```sh
//! cargo run -p keel --features tokio --example tokio_server -- CHAIN.pem KEY.pem [ADDR]
//! ```
//!
//! ADDR defaults to 127.0.0.1:8443 (port 0 picks a free one). The line
//! `listening on ADDR` says where, once the socket is bound.

use std::error::Error;

use keel::ServerConfig;
use keel::pki::CertifiedKey;
use keel::tokio::TlsAcceptor;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(chain), Some(key)) = (args.next(), args.next()) else {
        return Err("usage: tokio_server CHAIN.pem KEY.pem [ADDR]".into());
    };
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8443".to_owned());

    let key = CertifiedKey::from_pem(&std::fs::read(&chain)?, &std::fs::read(&key)?)?;
    let config = ServerConfig::builder().with_certificate(key).build()?;
    let acceptor = TlsAcceptor::new(config);

    let listener = TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (tcp, peer) = listener.accept().await?;
        let acceptor = acceptor.clone();
        // One task per connection: a slow or failing client holds up no
        // one else.
        tokio::spawn(async move {
            if let Err(e) = echo(&acceptor, tcp).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

async fn echo(acceptor: &TlsAcceptor, tcp: tokio::net::TcpStream) -> Result<(), Box<dyn Error>> {
    let tls = acceptor.accept(tcp).await?;
    let (read, mut write) = tokio::io::split(tls);
    let mut lines = BufReader::new(read).lines();
    while let Some(line) = lines.next_line().await? {
        write.write_all(format!("{line}\n").as_bytes()).await?;
    }
    // close_notify, so that the client can tell the end from a truncation.
    write.shutdown().await?;
    Ok(())
}

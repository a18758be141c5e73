//! A client over `keel::tokio`: sends one line, prints the reply.
//!
//! ```sh
//! cargo run -p keel --features tokio --example tokio_client -- CA.pem HOST:PORT NAME MESSAGE
//! ```
//!
//! NAME is the server's name, which its certificate must carry (keel
//! always checks the chain and the name; CA.pem holds the roots to trust).

use std::error::Error;

use keel::ClientConfig;
use keel::pki::TrustStore;
use keel::tokio::TlsConnector;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [ca, addr, name, message] = args.as_slice() else {
        return Err("usage: tokio_client CA.pem HOST:PORT NAME MESSAGE".into());
    };
    let roots = TrustStore::from_pem(&std::fs::read(ca)?)?;
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .build()?;
    let connector = TlsConnector::new(config);

    let tcp = TcpStream::connect(addr).await?;
    let tls = connector.connect(name, tcp).await?;
    if let Some(session) = tls.session() {
        eprintln!("negotiated {}", session.cipher_suite);
    }
    let (read, mut write) = tokio::io::split(tls);
    write.write_all(format!("{message}\n").as_bytes()).await?;
    let mut lines = BufReader::new(read).lines();
    let reply = lines
        .next_line()
        .await?
        .ok_or("the server closed without replying")?;
    println!("{reply}");
    write.shutdown().await?;
    Ok(())
}

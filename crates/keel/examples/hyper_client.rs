//! An HTTPS GET with hyper 1.x over `keel::tokio`, e.g. from `keel serve`
//! or the `hyper_server` example.
//!
//! ```sh
//! cargo run -p keel --features tokio --example hyper_client -- CA.pem https://localhost:8443/
//! ```

use std::error::Error;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use keel::ClientConfig;
use keel::pki::TrustStore;
use keel::tokio::TlsConnector;
use tokio::net::TcpStream;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [ca, url] = args.as_slice() else {
        return Err("usage: hyper_client CA.pem https://HOST[:PORT]/PATH".into());
    };
    let uri: Uri = url.parse()?;
    if uri.scheme_str() != Some("https") {
        return Err("only https:// URLs".into());
    }
    let host = uri.host().ok_or("the URL has no host")?.to_owned();
    let port = uri.port_u16().unwrap_or(443);

    let roots = TrustStore::from_pem(&std::fs::read(ca)?)?;
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_alpn(["http/1.1"])
        .build()?;
    let tcp = TcpStream::connect((host.as_str(), port)).await?;
    let tls = TlsConnector::new(config).connect(&host, tcp).await?;

    let (mut sender, connection) = http1::handshake(TokioIo::new(tls)).await?;
    // The connection future drives the IO; the sender issues requests.
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("connection: {e}");
        }
    });
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let request = Request::get(path)
        .header(hyper::header::HOST, host.as_str())
        .body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    eprintln!("status {}", response.status());
    let body = response.into_body().collect().await?.to_bytes();
    print!("{}", String::from_utf8_lossy(&body));
    Ok(())
}

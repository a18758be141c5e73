//! HTTPS with hyper 1.x over `keel::tokio`: keel runs the TLS handshake,
//! hyper serves HTTP/1.1 on the decrypted stream.
//!
//! ```sh
//! cargo run -p keel --features tokio --example hyper_server -- CHAIN.pem KEY.pem [ADDR]
//! curl --cacert CA.pem https://localhost:8443/
//! ```
//!
//! The server selects ALPN `http/1.1`, which curl offers next to h2.

use std::convert::Infallible;
use std::error::Error;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use keel::ServerConfig;
use keel::pki::CertifiedKey;
use keel::tokio::TlsAcceptor;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(chain), Some(key)) = (args.next(), args.next()) else {
        return Err("usage: hyper_server CHAIN.pem KEY.pem [ADDR]".into());
    };
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8443".to_owned());

    let key = CertifiedKey::from_pem(&std::fs::read(&chain)?, &std::fs::read(&key)?)?;
    let config = ServerConfig::builder()
        .with_certificate(key)
        .with_alpn(["http/1.1"])
        .build()?;
    let acceptor = TlsAcceptor::new(config);

    let listener = TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (tcp, peer) = listener.accept().await?;
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let tls = match acceptor.accept(tcp).await {
                Ok(tls) => tls,
                Err(e) => return eprintln!("{peer}: handshake: {e}"),
            };
            let served = http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service_fn(hello))
                .await;
            if let Err(e) = served {
                eprintln!("{peer}: http: {e}");
            }
        });
    }
}

async fn hello(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = format!("hello from hyper over keel: {}\n", request.uri().path());
    Ok(Response::new(Full::new(Bytes::from(body))))
}

//! Routing by SNI (`--route NAME=HOST:PORT`): which upstream a connection
//! goes to, chosen by the server name its client sent, and `--upstream`
//! for every other name.
//!
//! Names are DNS names and compare as DNS does: without regard to ASCII
//! case, and with the trailing dot of a fully qualified name ignored
//! (RFC 6066 §3 sends it without one; keel strips one a client adds).

use snafu::{OptionExt, ResultExt, ensure};

use super::error::{
    DuplicateRouteSnafu, NoSeparatorSnafu, NotAHostNameSnafu, ProxyError, RouteError,
    RouteUpstreamSnafu,
};

/// One `--route`: a server name and the upstream its connections go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    /// Lowercase, without a trailing dot.
    pub(crate) name: String,
    /// HOST:PORT, as checked by `--upstream`'s parser.
    pub(crate) upstream: String,
}

/// Parses `NAME=HOST:PORT` (clap's value parser for `--route`).
pub(crate) fn parse_route(value: &str) -> Result<Route, RouteError> {
    let (name, upstream) = value.split_once('=').context(NoSeparatorSnafu { value })?;
    let name = normalise(name);
    ensure!(is_dns_name(&name), NotAHostNameSnafu { value });
    let upstream = super::parse_upstream(upstream).context(RouteUpstreamSnafu { value })?;
    Ok(Route { name, upstream })
}

/// The routes and the default upstream, fixed for the life of the
/// process (a reload re-reads certificates, not routes).
#[derive(Debug)]
pub(crate) struct Routes {
    routes: Vec<Route>,
    /// `--upstream`: for a name no route has, and a client without SNI.
    default: Option<String>,
}

impl Routes {
    /// The routes, checked to name each server name once.
    pub(crate) fn new(routes: &[Route], default: Option<String>) -> Result<Self, ProxyError> {
        for (index, route) in routes.iter().enumerate() {
            if routes
                .iter()
                .take(index)
                .any(|earlier| earlier.name == route.name)
            {
                return DuplicateRouteSnafu {
                    name: route.name.clone(),
                }
                .fail();
            }
        }
        Ok(Self {
            routes: routes.to_vec(),
            default,
        })
    }

    /// The upstream for a client that sent `sni` (or none); `None` when
    /// no route names it and there is no default upstream. The handshake
    /// refuses such a client before this is asked (see `tls_config`), so
    /// `None` is the last line of defence.
    pub(crate) fn upstream_for(&self, sni: Option<&str>) -> Option<&str> {
        let routed = sni.and_then(|sni| {
            let sni = normalise(sni);
            self.routes.iter().find(|route| route.name == sni)
        });
        routed
            .map(|route| route.upstream.as_str())
            .or(self.default.as_deref())
    }

    /// The routed server names, in the order given.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.routes.iter().map(|route| route.name.as_str())
    }

    /// Whether a name no route has (or no name) still has an upstream.
    pub(crate) fn has_default(&self) -> bool {
        self.default.is_some()
    }

    /// The default upstream, for the start-up log line.
    pub(crate) fn default_upstream(&self) -> Option<&str> {
        self.default.as_deref()
    }

    /// How many routes there are, for the start-up log line.
    pub(crate) fn len(&self) -> usize {
        self.routes.len()
    }
}

/// A name as names are compared: lowercase, no trailing dot.
pub(crate) fn normalise(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// Whether `name` (normalised) is a DNS host name a client can send as
/// SNI: labels of letters, digits and hyphens, 1 to 63 bytes, not
/// starting or ending with a hyphen, 253 bytes at most (RFC 1123 §2.1),
/// and not an IPv4 address (RFC 6066 §3 allows no literal address).
fn is_dns_name(name: &str) -> bool {
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    (1..=253).contains(&name.len())
        && name.split('.').all(label_ok)
        && name.parse::<std::net::Ipv4Addr>().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_is_a_host_name_then_host_and_port() {
        assert_eq!(
            parse_route("API.Example.com.=127.0.0.1:8080"),
            Ok(Route {
                name: "api.example.com".to_owned(),
                upstream: "127.0.0.1:8080".to_owned()
            })
        );
        for bad in [
            "api.example.com",
            "=127.0.0.1:80",
            "api.example.com=127.0.0.1",
            "*.example.com=127.0.0.1:80",
            "10.0.0.1=127.0.0.1:80",
            "a..b=127.0.0.1:80",
            "-a.b=127.0.0.1:80",
        ] {
            assert!(parse_route(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_choose_their_route_whatever_the_case_and_trailing_dot() {
        let route = |value| parse_route(value).unwrap();
        let routes = Routes::new(
            &[route("a.example=10.0.0.1:1"), route("b.example=10.0.0.2:2")],
            Some("10.0.0.9:9".to_owned()),
        )
        .unwrap();
        for (sni, upstream) in [
            (Some("a.example"), "10.0.0.1:1"),
            (Some("A.EXAMPLE."), "10.0.0.1:1"),
            (Some("b.example"), "10.0.0.2:2"),
            (Some("c.example"), "10.0.0.9:9"),
            (None, "10.0.0.9:9"),
        ] {
            assert_eq!(routes.upstream_for(sni), Some(upstream), "{sni:?}");
        }
        let without_default = Routes::new(&[route("a.example=10.0.0.1:1")], None).unwrap();
        assert_eq!(without_default.upstream_for(Some("c.example")), None);
        assert_eq!(without_default.upstream_for(None), None);
    }

    #[test]
    fn a_name_routed_twice_is_refused() {
        let route = |value| parse_route(value).unwrap();
        let twice = [
            route("a.example=10.0.0.1:1"),
            route("A.example.=10.0.0.2:2"),
        ];
        let err = Routes::new(&twice, None).unwrap_err().to_string();
        assert_eq!(err, "--route a.example is given twice");
    }
}

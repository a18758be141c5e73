//! The one-way dependency rule of docs/DESIGN.md, checked on `cargo metadata`.
//!
//! Dependencies point one way: `wire <- record <- handshake <- keel <-
//! keel-cli`, and `pki` depends on `wire` at most and is used by `handshake`.
//! [`RULES`] spells this out crate by crate. The rule covers normal and build
//! dependencies, which end up in the shipped code; dev-dependencies are
//! exempt, so a layer's tests may use a higher layer to drive it.

use std::fmt;

use serde_json::Value;

use crate::error::Error;
use crate::workspace::Workspace;

/// Which workspace crates one workspace crate may depend on.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) krate: &'static str,
    pub(crate) may_depend_on: &'static [&'static str],
}

/// Every workspace crate and the workspace crates it may depend on. A crate
/// missing here is an error, so a new crate must take its place in the
/// layering before it builds in CI.
pub(crate) const RULES: &[Rule] = &[
    Rule {
        krate: "keel-wire",
        may_depend_on: &[],
    },
    Rule {
        krate: "keel-record",
        may_depend_on: &["keel-wire"],
    },
    Rule {
        krate: "keel-pki",
        may_depend_on: &["keel-wire"],
    },
    Rule {
        krate: "keel-handshake",
        may_depend_on: &["keel-wire", "keel-record", "keel-pki"],
    },
    Rule {
        krate: "keel",
        may_depend_on: &["keel-wire", "keel-record", "keel-pki", "keel-handshake"],
    },
    Rule {
        krate: "keel-cli",
        may_depend_on: LIBRARIES,
    },
    // The bench and BoGo crates stand beside keel-cli, not above it: they
    // drive the libraries directly and never the `keel` binary's code.
    Rule {
        krate: "keel-bench",
        may_depend_on: LIBRARIES,
    },
    Rule {
        krate: "keel-bogo",
        may_depend_on: LIBRARIES,
    },
    // keel for Python binds the facade and nothing under it: Python users
    // get what Rust users of `keel` get, never a hazmat layer.
    Rule {
        krate: "keel-python",
        may_depend_on: &["keel"],
    },
    // The cross-crate test suites: only dev-dependencies (exempt), so
    // nothing at all in normal dependencies.
    Rule {
        krate: "keel-tests",
        may_depend_on: &[],
    },
    // The xtask only runs cargo; linking a keel crate would make every
    // `cargo xtask` wait for that crate to build, and break with it.
    Rule {
        krate: "xtask",
        may_depend_on: &[],
    },
];

/// The facade and every layer below it.
const LIBRARIES: &[&str] = &[
    "keel-wire",
    "keel-record",
    "keel-pki",
    "keel-handshake",
    "keel",
];

/// A workspace crate as far as the rule is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Package {
    pub(crate) name: String,
    pub(crate) dependencies: Vec<Dependency>,
}

/// A dependency as declared in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dependency {
    pub(crate) name: String,
    pub(crate) kind: DependencyKind,
}

/// The manifest table a dependency is declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DependencyKind {
    Normal,
    Build,
    Dev,
}

/// One way the workspace breaks the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Violation {
    /// A workspace crate has no entry in [`RULES`].
    NotInTable { krate: String },
    /// A crate depends on a workspace crate it may not depend on.
    Forbidden {
        from: String,
        to: String,
        kind: DependencyKind,
        allowed: &'static [&'static str],
    },
}

/// Checks the real workspace and returns how many crates were checked.
pub(crate) fn check_workspace(workspace: &Workspace) -> Result<usize, Error> {
    let packages = packages_from_metadata(&workspace.metadata()?)?;
    let violations = check(&packages, RULES);
    if violations.is_empty() {
        Ok(packages.len())
    } else {
        Err(Error::Layering { violations })
    }
}

/// Reads the workspace crates and their declared dependencies from the
/// output of `cargo metadata --format-version 1 --no-deps`, which lists
/// exactly the workspace members as packages.
pub(crate) fn packages_from_metadata(metadata: &Value) -> Result<Vec<Package>, Error> {
    let packages = field(metadata, "packages")?
        .as_array()
        .ok_or_else(|| malformed("`packages` is not an array"))?;
    packages.iter().map(package_from_metadata).collect()
}

/// Every violation of `rules` in `packages`. Only dependencies on other
/// workspace crates matter; crates.io dependencies are cargo-deny's concern.
pub(crate) fn check(packages: &[Package], rules: &[Rule]) -> Vec<Violation> {
    let is_workspace_crate = |name: &str| packages.iter().any(|package| package.name == name);
    let mut violations = Vec::new();
    for package in packages {
        let Some(rule) = rules.iter().find(|rule| rule.krate == package.name) else {
            violations.push(Violation::NotInTable {
                krate: package.name.clone(),
            });
            continue;
        };
        for dependency in &package.dependencies {
            let forbidden = dependency.kind != DependencyKind::Dev
                && is_workspace_crate(&dependency.name)
                && !rule.may_depend_on.contains(&dependency.name.as_str());
            if forbidden {
                violations.push(Violation::Forbidden {
                    from: package.name.clone(),
                    to: dependency.name.clone(),
                    kind: dependency.kind,
                    allowed: rule.may_depend_on,
                });
            }
        }
    }
    violations
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotInTable { krate } => write!(
                f,
                "workspace crate `{krate}` is not in the layering table; add it to RULES in \
                 xtask/src/layering.rs with the workspace crates it may depend on"
            ),
            Self::Forbidden {
                from,
                to,
                kind,
                allowed,
            } => {
                write!(
                    f,
                    "`{from}` has a {kind} on `{to}`, but `{from}` may depend on "
                )?;
                if allowed.is_empty() {
                    write!(f, "no workspace crate")
                } else {
                    write!(f, "{} only", allowed.join(", "))
                }
            }
        }
    }
}

impl fmt::Display for DependencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Normal => "normal dependency",
            Self::Build => "build dependency",
            Self::Dev => "dev-dependency",
        })
    }
}

fn package_from_metadata(package: &Value) -> Result<Package, Error> {
    let name = string_field(package, "name")?;
    let dependencies = field(package, "dependencies")?
        .as_array()
        .ok_or_else(|| malformed(format!("`dependencies` of `{name}` is not an array")))?
        .iter()
        .map(dependency_from_metadata)
        .collect::<Result<_, _>>()?;
    Ok(Package { name, dependencies })
}

fn dependency_from_metadata(dependency: &Value) -> Result<Dependency, Error> {
    // `name` is the package name even when the manifest renames the
    // dependency (the new name is in `rename`), which is what the rule is
    // about.
    let name = string_field(dependency, "name")?;
    let kind = match field(dependency, "kind")? {
        Value::Null => DependencyKind::Normal,
        Value::String(kind) if kind == "build" => DependencyKind::Build,
        Value::String(kind) if kind == "dev" => DependencyKind::Dev,
        other => {
            return Err(malformed(format!(
                "dependency `{name}` has an unknown kind {other}"
            )));
        }
    };
    Ok(Dependency { name, kind })
}

fn field<'a>(object: &'a Value, key: &str) -> Result<&'a Value, Error> {
    object
        .get(key)
        .ok_or_else(|| malformed(format!("missing field `{key}`")))
}

fn string_field(object: &Value, key: &str) -> Result<String, Error> {
    field(object, key)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| malformed(format!("field `{key}` is not a string")))
}

fn malformed(problem: impl Into<String>) -> Error {
    Error::Metadata {
        problem: problem.into(),
    }
}

#[cfg(test)]
mod tests;

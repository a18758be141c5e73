//! Where the workspace is and how to run cargo in it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;
use crate::process::Cargo;

/// The workspace the xtask belongs to.
#[derive(Debug)]
pub(crate) struct Workspace {
    root: PathBuf,
    cargo: OsString,
}

impl Workspace {
    /// Finds the workspace from the xtask's own location: `xtask/` sits
    /// directly under the root, so the answer does not depend on the
    /// directory the command was started from.
    pub(crate) fn locate() -> Result<Self, Error> {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .ok_or(Error::NoWorkspaceRoot)?
            .to_path_buf();
        // Cargo tells the programs it runs which cargo it is, so the steps use
        // the same toolchain as the `cargo xtask` that started them.
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        Ok(Self { root, cargo })
    }

    /// The workspace root directory.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The cargo executable to run.
    pub(crate) fn cargo_program(&self) -> &OsString {
        &self.cargo
    }

    /// A cargo command to run in the workspace root.
    pub(crate) fn cargo<'a>(&'a self, args: &[&'static str]) -> Cargo<'a> {
        Cargo::new(self, args)
    }

    /// `cargo metadata` for the workspace members only, parsed. `--no-deps`
    /// still lists each member's declared dependencies, which is all the
    /// xtask needs, and it works without the registry.
    pub(crate) fn metadata(&self) -> Result<Value, Error> {
        let stdout = self
            .cargo(&["metadata", "--format-version", "1", "--no-deps"])
            .stdout()?;
        serde_json::from_slice(&stdout).map_err(|error| Error::Metadata {
            problem: error.to_string(),
        })
    }
}

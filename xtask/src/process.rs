//! Running cargo, and showing people the exact command so they can run it
//! again by hand.

use std::fmt;
use std::process::{Command, Stdio};

use crate::error::Error;
use crate::workspace::Workspace;

/// A cargo command in the workspace root, with its extra environment.
#[derive(Debug)]
pub(crate) struct Cargo<'a> {
    workspace: &'a Workspace,
    args: Vec<String>,
    env: Vec<(&'static str, &'static str)>,
}

impl<'a> Cargo<'a> {
    pub(crate) fn new(workspace: &'a Workspace, args: &[&'static str]) -> Self {
        Self {
            workspace,
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
            env: Vec::new(),
        }
    }

    /// Appends an argument made at run time (a fuzz target's name).
    pub(crate) fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Sets an environment variable for this command only.
    pub(crate) fn env(mut self, key: &'static str, value: &'static str) -> Self {
        self.env.push((key, value));
        self
    }

    /// Runs the command with the terminal's stdin, stdout and stderr, and
    /// fails unless it exits successfully.
    pub(crate) fn run(&self) -> Result<(), Error> {
        let status = self
            .command()
            .status()
            .map_err(|source| self.spawn_error(source))?;
        if status.success() {
            Ok(())
        } else {
            Err(Error::CommandFailed {
                command: self.to_string(),
                status,
            })
        }
    }

    /// Runs the command and returns what it printed on stdout; stderr still
    /// goes to the terminal so that cargo's own complaints are seen.
    pub(crate) fn stdout(&self) -> Result<Vec<u8>, Error> {
        let output = self
            .command()
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|source| self.spawn_error(source))?;
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(Error::CommandFailed {
                command: self.to_string(),
                status: output.status,
            })
        }
    }

    /// Runs the command with its output captured, success or not: for a
    /// step that must tell one kind of failure from another.
    pub(crate) fn captured(&self) -> Result<std::process::Output, Error> {
        self.command()
            .stdin(Stdio::null())
            .output()
            .map_err(|source| self.spawn_error(source))
    }

    /// Whether the command runs and exits successfully, printing nothing:
    /// the way to ask whether an optional tool is installed.
    pub(crate) fn succeeds_quietly(&self) -> bool {
        self.command()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    fn command(&self) -> Command {
        let mut command = Command::new(self.workspace.cargo_program());
        command
            .args(&self.args)
            .envs(self.env.iter().copied())
            .current_dir(self.workspace.root());
        command
    }

    fn spawn_error(&self, source: std::io::Error) -> Error {
        Error::Spawn {
            command: self.to_string(),
            source,
        }
    }
}

/// Shown as a shell command line, as one would type it in the workspace
/// root: `RUSTDOCFLAGS='-D warnings' cargo doc --workspace --no-deps`.
impl fmt::Display for Cargo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (key, value) in &self.env {
            write!(f, "{key}={} ", shell_word(value))?;
        }
        write!(f, "cargo")?;
        for arg in &self.args {
            write!(f, " {}", shell_word(arg))?;
        }
        Ok(())
    }
}

/// Quotes a word for a POSIX shell when it needs it. The xtask's own
/// arguments never contain a single quote, so plain single quotes suffice.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=./:,+@".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{word}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_display_as_a_shell_line_to_paste() {
        let workspace = Workspace::locate().unwrap();
        let doc = workspace
            .cargo(&["doc", "--workspace", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings");
        assert_eq!(
            doc.to_string(),
            "RUSTDOCFLAGS='-D warnings' cargo doc --workspace --no-deps"
        );
        let clippy = workspace.cargo(&["clippy", "--workspace", "--", "-D", "warnings"]);
        assert_eq!(
            clippy.to_string(),
            "cargo clippy --workspace -- -D warnings"
        );
    }

    #[test]
    fn stdout_is_captured_and_failure_is_detected() {
        let workspace = Workspace::locate().unwrap();
        let version = workspace.cargo(&["--version"]).stdout().unwrap();
        assert!(
            version.starts_with(b"cargo "),
            "{}",
            String::from_utf8_lossy(&version)
        );
        assert!(workspace.cargo(&["--version"]).succeeds_quietly());
        assert!(
            !workspace
                .cargo(&["no-such-subcommand-for-xtask-tests"])
                .succeeds_quietly()
        );
    }
}

//! `SSLKEYLOGFILE`: session secrets appended to a file in the NSS key log
//! format, so that Wireshark can decrypt a capture. The library only hands
//! secrets to a [`KeyLog`]; opening the file is the CLI's business.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use data_encoding::HEXLOWER;
use keel::provider::KeyLog;

/// A key log file, opened for appending.
#[derive(Debug)]
pub(super) struct FileKeyLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl FileKeyLog {
    /// Opens (or creates) `path` for appending. On Unix a new file is
    /// readable by its owner only: it will hold secrets.
    pub(super) fn open(path: &Path) -> io::Result<Self> {
        let mut options = OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path)?;
        Ok(Self {
            path: path.to_owned(),
            file: Mutex::new(file),
        })
    }

    /// The file's path.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

impl KeyLog for FileKeyLog {
    /// Appends one whole line `<label> <client_random> <secret>` (lowercase
    /// hex) with a single write, so that lines of concurrent writers do not
    /// interleave. `log` cannot fail: a line that cannot be written is lost.
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        let line = nss_line(label, client_random, secret);
        if let Ok(mut file) = self.file.lock() {
            let _ = file.write_all(line.as_bytes());
        }
    }
}

/// One NSS key log line, with its line break.
fn nss_line(label: &str, client_random: &[u8], secret: &[u8]) -> String {
    let mut line =
        String::with_capacity(label.len() + 3 + 2 * (client_random.len() + secret.len()));
    line.push_str(label);
    line.push(' ');
    HEXLOWER.encode_append(client_random, &mut line);
    line.push(' ');
    HEXLOWER.encode_append(secret, &mut line);
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::nss_line;

    #[test]
    fn lines_are_nss_format() {
        let line = nss_line("CLIENT_RANDOM", &[0xab; 32], &[0x01, 0xff]);
        assert_eq!(line, format!("CLIENT_RANDOM {} 01ff\n", "ab".repeat(32)));
    }
}

//! An error and its causes on one line.
//!
//! keel's library errors say only their own words and leave their cause to
//! `source()`, so that printing the chain says each thing once. The CLI is
//! where errors end up in front of a person, so it prints the whole chain:
//! every place that puts a library error into a message goes through
//! [`chain`].

use std::error::Error;

/// `err`, then each of its causes, joined with ": " (a cause whose text the
/// line already ends with is not repeated).
pub(crate) fn chain(err: &(dyn Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut cause = err.source();
    while let Some(next) = cause {
        let text = next.to_string();
        if !text.is_empty() && !line.ends_with(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = next.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::chain;

    #[test]
    fn each_cause_is_said_once() {
        let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let err = keel::sessions::TicketKeys::from_file(
            "/nonexistent/ticket.key",
            std::time::Duration::from_secs(3600),
            std::time::Duration::from_secs(3600),
        )
        .unwrap_err();
        assert_eq!(
            chain(&err),
            "cannot read the ticket master secret /nonexistent/ticket.key: \
             No such file or directory (os error 2)"
        );
        assert_eq!(chain(&missing), "no such file");
    }
}

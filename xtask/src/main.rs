//! merosim's build-side commands, in Rust rather than bash: `against` (build and run merosim
//! against another calimero release or source tree) and `zoo` (the bug zoo across releases).
//! Calimero-free, so `scripts/against` and `scripts/zoo` start in seconds; the release order and
//! the lockfile reader are the library's and build.rs's own (`release.rs`, included).

mod against;
mod paths;
mod variant;
mod zoo;

#[allow(dead_code)]
mod release {
    include!("../../src/protocols/release.rs");
}

use std::process::ExitCode;

/// A failure that ends the command: one `error:` line and exit code 2 (bad input or setup) or 1.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure { code: 2, message: message.into() }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Failure { code: 1, message: message.into() }
    }
}

const USAGE: &str = "usage: xtask against [--calimero-version V] VERSION|TREE|ARCHIVE [prepare | build | test|clippy [cargo args…] | run [MEROSIM ARGS…] | MEROSIM ARGS…]
       xtask zoo [--report | --hunt] VERSION|TREE…";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("against") => against::main(&args[1..]),
        Some("zoo") => zoo::main(&args[1..]),
        _ => Err(Failure::usage(USAGE)),
    };
    match result {
        Ok(code) => code,
        Err(Failure { code, message }) => {
            eprintln!("{}", if message.starts_with("usage:") { message } else { format!("error: {message}") });
            ExitCode::from(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::release::{locked_packages, release_in, release_key};

    #[test]
    fn releases_order_candidates_before_their_release() {
        assert!(release_key("0.10.1-rc.40") < release_key("0.10.1-rc.41"));
        assert!(release_key("0.10.1-rc.47") < release_key("0.11.0-rc.1"));
        assert!(release_key("0.11.0-rc.25") < release_key("0.11.0"));
        assert!(release_in("0.11.0-rc.4", "-", "0.11.0-rc.9"));
        assert!(!release_in("0.11.0-rc.10", "-", "0.11.0-rc.9"));
        assert!(release_in("0.11.0-rc.13", "0.11.0-rc.1", "0.11.0-rc.13"));
        assert!(!release_in("0.10.1-rc.40", "0.11.0-rc.1", "-"));
    }

    #[test]
    fn the_lockfile_reader_finds_every_package() {
        let lock = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"calimero-node\"\nversion = \"0.11.0-rc.4\"\nsource = \"x\"\n";
        assert_eq!(
            locked_packages(lock),
            [("a".to_owned(), "1.0.0".to_owned()), ("calimero-node".to_owned(), "0.11.0-rc.4".to_owned())]
        );
    }
}

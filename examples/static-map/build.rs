//! Writes the frozen map the binary embeds: the HTTP status codes and their reason phrases.

use std::path::PathBuf;

use gomap::frozen::{FrozenMap, Options};

const STATUS: &[(u16, &str)] = &[
    (100, "Continue"),
    (101, "Switching Protocols"),
    (200, "OK"),
    (201, "Created"),
    (202, "Accepted"),
    (204, "No Content"),
    (206, "Partial Content"),
    (301, "Moved Permanently"),
    (302, "Found"),
    (303, "See Other"),
    (304, "Not Modified"),
    (307, "Temporary Redirect"),
    (308, "Permanent Redirect"),
    (400, "Bad Request"),
    (401, "Unauthorized"),
    (403, "Forbidden"),
    (404, "Not Found"),
    (405, "Method Not Allowed"),
    (409, "Conflict"),
    (410, "Gone"),
    (413, "Content Too Large"),
    (415, "Unsupported Media Type"),
    (418, "I'm a teapot"),
    (429, "Too Many Requests"),
    (500, "Internal Server Error"),
    (501, "Not Implemented"),
    (502, "Bad Gateway"),
    (503, "Service Unavailable"),
    (504, "Gateway Timeout"),
];

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    // A fixed seed: the same source gives the same bytes, build after build.
    let bytes =
        FrozenMap::<u16, str>::build_with(STATUS.iter().copied(), &Options::with_seed(0x60))
            .expect("the table has distinct codes");
    std::fs::write(out.join("status.gmf"), &bytes[..]).expect("write OUT_DIR/status.gmf");
    println!("cargo::rerun-if-changed=build.rs");
}

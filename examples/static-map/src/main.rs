//! A frozen map embedded in the binary: `build.rs` writes it, `include_frozen!` embeds it
//! aligned, and a `LazyLock` opens it at first use (an O(1) header check, no copy).
//!
//! `cargo run -p gomap-static-map-example -- 404 418 999`

use std::sync::LazyLock;

use gomap::frozen::FrozenMap;

static STATUS: LazyLock<FrozenMap<'static, u16, str>> = LazyLock::new(|| {
    FrozenMap::from_bytes(gomap::include_frozen!(concat!(
        env!("OUT_DIR"),
        "/status.gmf"
    )))
    .expect("build.rs wrote a valid frozen map")
});

fn main() {
    let codes: Vec<String> = std::env::args().skip(1).collect();
    if codes.is_empty() {
        println!("{} status codes embedded", STATUS.len());
    }
    for arg in codes {
        match arg.parse::<u16>() {
            Ok(code) => match STATUS.get(&code) {
                Some(reason) => println!("{code} {reason}"),
                None => println!("{code} (unknown)"),
            },
            Err(_) => {
                eprintln!("static-map: not a status code: {arg}");
                std::process::exit(2);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::STATUS;

    #[test]
    fn the_embedded_map_is_whole_and_found() {
        STATUS.verify().expect("the embedded map verifies");
        assert_eq!(STATUS.get(&404), Some("Not Found"));
        assert_eq!(STATUS.get(&200), Some("OK"));
        assert_eq!(STATUS.get(&999), None);
        assert_eq!(STATUS.len(), 29);
    }
}

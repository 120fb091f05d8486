//! `cfg(calimero_manager_visible)` for the tests, as merosim's own build.rs sets it: on when
//! scripts/against built this workspace against a calimero-node that scripts/visibility-patch
//! made constructible, so the tests of production's HashComparison responder can run; and
//! `cfg(calimero_node_path)` where production's node path is built too.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(calimero_manager_visible)");
    println!("cargo:rustc-check-cfg=cfg(calimero_node_path)");
    let manifest =
        std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // scripts/against writes `on` or `off` into each; watched whenever it exists.
    let on = |name: &str| {
        let marker = manifest.join("..").join(name);
        let text = std::fs::read_to_string(&marker);
        if text.is_ok() {
            println!("cargo:rerun-if-changed={}", marker.display());
        }
        text.is_ok_and(|t| t.trim() == "on")
    };
    let visible = on("calimero-visible");
    if visible {
        println!("cargo:rustc-cfg=calimero_manager_visible");
    }
    // Production's node path (calimero-node's delta store, snapshot and dispatch): its tokio is
    // madsim-tokio too.
    if on("calimero-virtual-time") && visible {
        println!("cargo:rustc-cfg=calimero_node_path");
    }
}

//! `cfg(calimero_manager_visible)` for the tests, as merosim's own build.rs sets it: on when
//! scripts/against built this workspace against a calimero-node that scripts/visibility-patch
//! made constructible, so the tests of production's HashComparison responder can run.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(calimero_manager_visible)");
    let manifest =
        std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let marker = manifest.join("../calimero-visible");
    if marker.exists() {
        println!("cargo:rerun-if-changed={}", marker.display());
        println!("cargo:rustc-cfg=calimero_manager_visible");
    }
}

//! `cargo xtask bundle runnel --release` builds the CLAP and VST3 bundles and the standalone into
//! `target/bundled/`.
//!
//! The product is called `runnel`, but its plugin package is `runnel-plugin` (the `runnel` binary
//! is the command-line tool), so the product name is translated before nice-plug-xtask sees it.

/// The name users type, and the package that holds the plugin.
const PRODUCT_TO_PACKAGE: (&str, &str) = ("runnel", "runnel-plugin");

fn main() -> nice_plug_xtask::Result<()> {
    let args = std::env::args().skip(1).map(|arg| {
        if arg == PRODUCT_TO_PACKAGE.0 {
            PRODUCT_TO_PACKAGE.1.to_string()
        } else {
            arg
        }
    });
    nice_plug_xtask::main_with_args("cargo xtask", args)
}

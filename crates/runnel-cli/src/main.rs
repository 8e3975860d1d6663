//! `runnel`: Runnel's engine on the command line, without the plugin framework, GUI or audio
//! backends.

fn main() {
    println!("runnel {}", env!("CARGO_PKG_VERSION"));
}

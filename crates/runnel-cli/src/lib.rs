//! The `runnel` command-line tool as a library, so its integration tests can drive the render
//! pipeline with engines the binary never builds (a chain with a latent test stage).

pub mod analyze;
pub mod loudness;
pub mod render;

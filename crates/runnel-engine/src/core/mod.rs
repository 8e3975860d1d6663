//! The building blocks every stage is made of, each written once: the state-variable filter,
//! the one-pole, the envelope follower, the ring buffer, the read-position crossfade, the
//! record of the last applied settings and the sample types they run in.
//! Stages combine these; none carries its own copy.

pub(crate) mod applied;
pub(crate) mod crossfade;
pub(crate) mod envelope;
pub(crate) mod one_pole;
pub(crate) mod ring;
pub(crate) mod sample;
pub(crate) mod simd;
pub(crate) mod svf;

//! A JACK client's own processing latency, published in its ports' latency ranges.
//!
//! JACK's latency model: every port has a capture range (how long ago the audio it carries
//! entered the graph) and a playback range (how long until the audio it carries leaves it).
//! A client that delays its audio must say so in its latency callback: a capture range flows
//! from its inputs to its outputs, a playback range from its outputs to its inputs, each with
//! the delay added. Without the callback JACK copies the ranges unchanged, as if the client
//! added nothing, and latency-compensating clients (Ardour, a DAW's recorder) misalign audio
//! that went through it.
//!
//! [`PortLatency`] holds the ports and the delay; [`PortLatency::register`] installs the
//! callback before the client is activated; [`PortLatency::set_added_frames`] changes the delay
//! while running (then JACK must be told to recompute, off the process thread:
//! [`recompute_total_latencies`]).

use std::ffi::c_void;
use std::sync::atomic::{AtomicU32, Ordering};

pub use jack_sys::{jack_client_t, jack_port_t};

/// A client's ports and the frames it delays its audio by, read by JACK's latency callback.
/// Keep it at a fixed address (boxed) and alive until the client is closed.
pub struct PortLatency {
    /// The client's audio inputs.
    inputs: Vec<*mut jack_port_t>,
    /// The client's audio outputs.
    outputs: Vec<*mut jack_port_t>,
    /// Frames between an input sample and the output sample it becomes.
    added_frames: AtomicU32,
}

// SAFETY: the port pointers are only handed to JACK's own thread-safe latency functions, from
// JACK's notification thread; the delay is an atomic.
unsafe impl Send for PortLatency {}
// SAFETY: as above.
unsafe impl Sync for PortLatency {}

/// Why the callback could not be installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationError(pub i32);

impl std::fmt::Display for RegistrationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JACK refused the latency callback (error {})", self.0)
    }
}

impl std::error::Error for RegistrationError {}

impl PortLatency {
    /// The ports of one client (raw pointers, e.g. `jack::Port::raw()`) and its delay.
    pub fn new(
        inputs: Vec<*mut jack_port_t>,
        outputs: Vec<*mut jack_port_t>,
        added_frames: u32,
    ) -> Box<Self> {
        Box::new(Self { inputs, outputs, added_frames: AtomicU32::new(added_frames) })
    }

    /// Installs the latency callback on `client`.
    ///
    /// # Safety
    /// `client` is a valid, not yet activated client (JACK only accepts the callback before
    /// activation) that owns the ports; `self` stays at its address and alive until the client
    /// is closed.
    pub unsafe fn register(&self, client: *mut jack_client_t) -> Result<(), RegistrationError> {
        // SAFETY: the caller's guarantees; JACK hands `self` back to `report_latency`.
        let status = unsafe {
            jack_sys::jack_set_latency_callback(
                client,
                Some(report_latency),
                self as *const Self as *mut c_void,
            )
        };
        if status == 0 {
            Ok(())
        } else {
            Err(RegistrationError(status))
        }
    }

    /// The delay the callback reports, frames.
    pub fn added_frames(&self) -> u32 {
        self.added_frames.load(Ordering::Relaxed)
    }

    /// Changes the delay; returns whether it changed (then call [`recompute_total_latencies`]).
    pub fn set_added_frames(&self, frames: u32) -> bool {
        self.added_frames.swap(frames, Ordering::Relaxed) != frames
    }
}

/// Asks JACK to run every client's latency callback again (after a delay changed). A server
/// request: never from the process thread.
///
/// # Safety
/// `client` is a valid, open client.
pub unsafe fn recompute_total_latencies(client: *mut jack_client_t) -> bool {
    // SAFETY: the caller's guarantee.
    unsafe { jack_sys::jack_recompute_total_latencies(client) == 0 }
}

/// JACK's latency callback (on its notification thread, never the process thread).
///
/// # Safety
/// `arg` is the registered `PortLatency`, alive while the client is.
unsafe extern "C" fn report_latency(mode: jack_sys::jack_latency_callback_mode_t, arg: *mut c_void) {
    // SAFETY: JACK hands back the pointer given at registration; it outlives the client.
    let ports = unsafe { &*(arg as *const PortLatency) };
    let (from, to) = if mode == jack_sys::JackCaptureLatency {
        (&ports.inputs, &ports.outputs)
    } else {
        (&ports.outputs, &ports.inputs)
    };
    let mut range = jack_sys::jack_latency_range_t { min: u32::MAX, max: 0 };
    for &port in from {
        let mut port_range = jack_sys::jack_latency_range_t { min: 0, max: 0 };
        // SAFETY: the client's registered ports, valid until it closes.
        unsafe { jack_sys::jack_port_get_latency_range(port, mode, &mut port_range) };
        range.min = range.min.min(port_range.min);
        range.max = range.max.max(port_range.max);
    }
    if range.min == u32::MAX {
        range.min = 0;
    }
    let added = ports.added_frames();
    range.min = range.min.saturating_add(added);
    range.max = range.max.saturating_add(added);
    for &port in to {
        // SAFETY: as above; JACK copies the range.
        unsafe { jack_sys::jack_port_set_latency_range(port, mode, &mut range) };
    }
}

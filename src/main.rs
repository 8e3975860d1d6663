//! The standalone Runnel: the same plugin, run against an audio interface through JACK or
//! ALSA/CoreAudio/WASAPI (cpal). `runnel --help` lists the device, sample-rate, period-size and
//! tempo options.

fn main() {
    nice_plug::prelude::nice_export_standalone::<runnel_plugin::Runnel>();
}

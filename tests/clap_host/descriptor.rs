//! The plugin descriptor, audio ports and port configurations as a host sees them.

use super::*;

#[test]
fn descriptor_has_id_name_vendor_version_and_features() {
    let factory = entry().get_plugin_factory().expect("the entry has no plugin factory");
    let descriptors: Vec<_> = factory.plugin_descriptors().collect();
    assert_eq!(descriptors.len(), 1, "the bundle should hold exactly one plugin");
    let d = descriptors[0];
    let text = |s: Option<&std::ffi::CStr>| s.map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    assert_eq!(text(d.id()), PLUGIN_ID);
    assert_eq!(text(d.name()), PLUGIN_NAME);
    assert_eq!(text(d.vendor()), PLUGIN_VENDOR);
    assert_eq!(text(d.version()), env!("CARGO_PKG_VERSION"), "bundle built from another version");
    assert!(!text(d.url()).is_empty(), "no URL");
    assert!(!text(d.description()).is_empty(), "no description");
    let features: Vec<String> = d.features().map(|f| f.to_string_lossy().into_owned()).collect();
    for required in REQUIRED_FEATURES {
        assert!(features.iter().any(|f| f == required), "feature {required} missing from {features:?}");
    }
    assert_eq!(features[0], "audio-effect", "the main category should come first: {features:?}");
}

#[test]
fn audio_ports_are_stereo_in_and_out_with_names() {
    let mut p = Plugin::new();
    assert_eq!(p.audio_port_count(true), 1, "one input port");
    assert_eq!(p.audio_port_count(false), 1, "one output port");
    let input = p.audio_port(0, true).expect("input port info");
    let output = p.audio_port(0, false).expect("output port info");
    for (port, name) in [(&input, "Input"), (&output, "Output")] {
        assert_eq!(port.channel_count, 2, "{port:?}");
        assert!(port.is_main, "{port:?} is not the main port");
        assert_eq!(port.port_type.as_deref(), Some("stereo"), "{port:?}");
        // nice-plug 0.4.2 names the main output after `PortNames::main_input` (a copy-paste slip
        // in `AudioIOLayout::main_output_name`); leaving both names `None` gives the right ones.
        assert_eq!(port.name, name, "name of the main {} port", name.to_lowercase());
    }
    // In-place processing pairs the main ports with each other (hosts save a copy).
    assert_eq!(input.in_place_pair, Some(output.id));
    assert_eq!(output.in_place_pair, Some(input.id));
    assert!(p.audio_port(1, true).is_none(), "no second input port");
}

#[test]
fn audio_ports_config_offers_stereo_and_mono_and_mono_processes() {
    let mut p = Plugin::new();
    let configs = p.port_configs();
    assert!(
        configs.iter().any(|c| c.input_channels == Some(2) && c.output_channels == Some(2)),
        "no stereo configuration in {configs:?}"
    );
    let Some(mono) = configs.iter().find(|c| c.input_channels == Some(1) && c.output_channels == Some(1))
    else {
        eprintln!("note: no mono configuration offered; nothing more to check");
        return;
    };
    assert_eq!(mono.name, "Mono");
    assert!(p.select_port_config(mono.id), "selecting the mono configuration failed");
    let port = p.audio_port(0, true).unwrap();
    assert_eq!((port.channel_count, port.port_type.as_deref()), (1, Some("mono")));
    assert_eq!(p.audio_port(0, false).unwrap().channel_count, 1);

    // Default settings: sane output.
    let mut proc = p.activate(48_000.0, 512).expect("mono activation");
    assert_eq!(proc.channels, 1);
    let input = vec![program(0.5, 48_000.0, 3)[0].clone()];
    let (out, _) = proc.render(&input, host_like_blocks(512, 5), &[]);
    assert_finite_bounded(&out, 100.0, "mono, default settings");
    p.deactivate(proc);

    // Passthrough: an exact wire in mono too.
    set_passthrough(&mut p);
    let mut proc = p.activate(48_000.0, 512).expect("mono re-activation");
    let (out, _) = proc.render(&input, host_like_blocks(512, 6), &[]);
    assert_bit_identical(&out, &input, "mono passthrough");
    p.deactivate(proc);
}

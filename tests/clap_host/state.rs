//! Saving and loading state, corrupt state, and the state Runnel 0.1.0 wrote.

use super::*;

#[test]
fn state_saved_and_loaded_into_a_fresh_instance_gives_bit_identical_output() {
    let mut rng = Rng::new(2024);
    for round in 0..3 {
        let mut a = Plugin::new();
        let settings = random_settings(&a, &mut rng);
        a.flush(&settings);
        let bytes = a.save_state();
        harness::state_json(&bytes); // well-formed

        let mut b = Plugin::new();
        let rescans_before = b.param_rescans();
        b.load_state(&bytes).unwrap_or_else(|e| panic!("round {round}: load failed: {e}"));
        assert_eq!(b.all_values(), a.all_values(), "round {round}: values differ after load");
        assert_eq!(b.save_state(), bytes, "round {round}: re-saved state differs");
        assert!(b.param_rescans() > rescans_before, "round {round}: no param rescan after load");

        let input = concat(program(0.5, 48_000.0, round), &silence(24_000, 2));
        let mut pa = a.activate(48_000.0, 512).unwrap();
        let mut pb = b.activate(48_000.0, 512).unwrap();
        let out_a = pa.render_fixed(&input, 512);
        let out_b = pb.render_fixed(&input, 512);
        assert_bit_identical(&out_a, &out_b, &format!("round {round}: output after state load"));
        a.deactivate(pa);
        b.deactivate(pb);
    }
}

#[test]
fn corrupt_state_is_rejected_and_the_instance_keeps_its_values() {
    let mut rng = Rng::new(31);
    let mut donor = Plugin::new();
    let good = donor.save_state();
    let len = good.len();
    let mut random = vec![0u8; 256];
    random.iter_mut().for_each(|b| *b = rng.next_u64() as u8);
    let mut garbage_payload = ((len - 8) as u64).to_le_bytes().to_vec();
    garbage_payload.extend((0..len - 8).map(|_| rng.next_u64() as u8));
    let mut wrong_shape = b"[1,2,3]".to_vec();
    wrong_shape.splice(0..0, 7u64.to_le_bytes());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("4 bytes", good[..4].to_vec()),
        ("length prefix only", good[..8].to_vec()),
        ("half", good[..8 + (len - 8) / 2].to_vec()),
        ("all but the last byte", good[..len - 1].to_vec()),
        ("random bytes", random),
        ("valid length, random payload", garbage_payload),
        ("JSON of the wrong shape", wrong_shape),
    ];
    for (what, bytes) in cases {
        let mut p = Plugin::new();
        let mut twin = Plugin::new();
        let settings = random_settings(&p, &mut rng);
        p.flush(&settings);
        twin.flush(&settings);
        let values = p.all_values();
        let saved = p.save_state();
        assert!(p.load_state(&bytes).is_err(), "{what}: corrupt state was accepted");
        assert_eq!(p.all_values(), values, "{what}: values changed by a rejected load");
        assert_eq!(p.save_state(), saved, "{what}: state changed by a rejected load");
        // Still usable, and it sounds exactly like an instance that never saw the bad bytes.
        let input = program(0.3, 48_000.0, 4);
        let mut pp = p.activate(48_000.0, 256).unwrap();
        let mut pt = twin.activate(48_000.0, 256).unwrap();
        assert_bit_identical(&pp.render_fixed(&input, 256), &pt.render_fixed(&input, 256), what);
        p.deactivate(pp);
        twin.deactivate(pt);
    }
}

#[test]
fn state_file_written_by_0_1_0_still_loads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(STATE_FIXTURE);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut p = Plugin::new();
    p.load_state(&bytes).expect("the 0.1.0 state was rejected");
    for &(id, text) in STATE_FIXTURE_TEXTS {
        let d = p.expect_param(id);
        assert_eq!(p.current_text(d.id), text, "`{id}` after loading the 0.1.0 state");
    }
    // Parameters the file does not mention (added later) keep their defaults.
    let saved = harness::state_json(&bytes);
    for d in p.params.clone() {
        let listed = d.string_id.as_ref().is_some_and(|id| saved["params"].get(id).is_some());
        if !listed {
            assert_eq!(p.value(d.id), d.default, "`{}` is not in the file but moved", d.key());
        }
    }
}

/// Writes the state fixture from the current bundle. Run once per format change, by hand:
/// `cargo test --test clap_host write_state_fixture -- --ignored`; it never overwrites.
#[test]
#[ignore]
fn write_state_fixture() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(STATE_FIXTURE);
    assert!(!path.exists(), "{} exists; delete it first to regenerate", path.display());
    let mut p = Plugin::new();
    p.set_texts(STATE_FIXTURE_TEXTS);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, p.save_state()).unwrap();
}

"""Runnel in a real VST3 host: pedalboard loads the bundled Runnel.vst3.

The CLAP host test `renders_for_the_vst3_comparison_are_written` (tests/clap_host/vst3_renders.rs) writes the
parameter list and renders of one input under several settings to `target/host-compare/`; this
file renders the same input with the same settings through VST3 and compares. It does not rely
on another suite having run first: when those renders are missing or older than the bundle, the
session fixture runs that one CLAP test itself (`cargo test --test clap_host -- --exact …`).

Bundle folder: $RUNNEL_BUNDLE_DIR, else target/bundled. Renders: $CARGO_TARGET_DIR/host-compare,
else target/host-compare (relative paths are taken from the package root, as cargo does).
"""

import functools
import json
import math
import os
import pathlib
import subprocess

import numpy as np
import pedalboard
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _dir_from_env(name: str, default: pathlib.Path) -> pathlib.Path:
    value = os.environ.get(name)
    if not value:
        return default
    path = pathlib.Path(value)
    return path if path.is_absolute() else ROOT / path


BUNDLE_DIR = _dir_from_env("RUNNEL_BUNDLE_DIR", ROOT / "target" / "bundled")
VST3 = BUNDLE_DIR / "Runnel.vst3"
COMPARE_DIR = _dir_from_env("CARGO_TARGET_DIR", ROOT / "target") / "host-compare"

# The CLAP and VST3 wrappers run the same engine code; only float noise may differ.
TOLERANCE = 1e-6


def load_runnel() -> pedalboard.VST3Plugin:
    """A fresh instance (every test starts from the plugin's defaults)."""
    assert VST3.exists(), f"{VST3} missing: run `cargo xtask bundle runnel --release` first"
    plugin = pedalboard.load_plugin(str(VST3))
    assert isinstance(plugin, pedalboard.VST3Plugin)
    return plugin


# The CLAP test that writes the comparison renders and the parameter list.
CLAP_WRITER_TEST = "vst3_renders::renders_for_the_vst3_comparison_are_written"


def _read_manifest():
    """The CLAP side's manifest if it exists and is newer than the VST3 bundle, else None."""
    path = COMPARE_DIR / "manifest.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    bundle_time = max(p.stat().st_mtime for p in VST3.rglob("*") if p.is_file())
    return data if data["created_unix"] >= bundle_time else None


@functools.cache
def _ensure_manifest() -> dict:
    """The CLAP renders and parameter list, written now by the CLAP test if they are missing or
    older than the bundle (so this suite never depends on `cargo test` having run first).
    Cached: collection (the render names) and the tests share one run."""
    assert VST3.exists(), f"{VST3} missing: run `cargo xtask bundle runnel --release` first"
    data = _read_manifest()
    if data is None:
        env = dict(os.environ)
        env.setdefault("RUNNEL_BUNDLE_DIR", str(BUNDLE_DIR))
        subprocess.run(
            ["cargo", "test", "--quiet", "-p", "runnel-plugin", "--test", "clap_host", "--",
             "--exact", CLAP_WRITER_TEST],
            cwd=ROOT, env=env, check=True,
        )
        data = _read_manifest()
    assert data is not None, f"{COMPARE_DIR / 'manifest.json'} still missing or stale after {CLAP_WRITER_TEST}"
    return data


@pytest.fixture(scope="session")
def manifest() -> dict:
    return _ensure_manifest()


@pytest.fixture
def plugin() -> pedalboard.VST3Plugin:
    return load_runnel()


def param_by_name(plugin, name: str):
    """pedalboard keys parameters by a Python-ised name; hosts show the plain name."""
    for param in plugin.parameters.values():
        if param.name == name:
            return param
    names = [p.name for p in plugin.parameters.values()]
    raise AssertionError(f"no parameter named {name!r} in the VST3 (it has {names})")


def vst3_unit(plugin, param) -> str:
    """The VST3 unit field itself. (`param.label` falls back to a unit pedalboard guesses from
    the value texts, which would hide a missing or doubled unit.)"""
    return plugin._get_parameter(param.name).label or ""


def vst3_text(plugin, param, raw: float) -> str:
    """What a VST3 host shows: the value string followed by the unit field."""
    saved = param.raw_value
    try:
        param.raw_value = raw
        return f"{param.string_value}{vst3_unit(plugin, param)}"
    finally:
        param.raw_value = saved


def display_to_plain(text: str) -> float:
    """'−6.0 dB' → -6.0, '1.20 kHz' → 1200, '−∞ dB' or '-inf dB' → -inf (as clap_host/spec.rs)."""
    t = text.strip().replace("\u2212", "-")
    if t.startswith("-\u221e") or t.startswith("-inf"):
        return -math.inf
    end = 0
    while end < len(t) and (t[end].isdigit() or t[end] == "." or (end == 0 and t[end] in "+-")):
        end += 1
    number = float(t[:end])
    unit = t[end:].strip()
    return number * 1000 if unit.startswith("k") and len(unit) > 1 else number


def apply_settings(plugin, manifest: dict, settings: dict) -> None:
    """Sets normalized values (the unit-free form CLAP and VST3 share) by parameter name."""
    by_id = {p["id"]: p for p in manifest["params"]}
    for string_id, normalized in settings.items():
        param_by_name(plugin, by_id[string_id]["name"]).raw_value = normalized


def test_vst3_loads_as_runnel_effect(plugin, manifest):
    assert plugin.name == "Runnel"
    assert plugin.manufacturer_name == "Runnel Audio"
    assert plugin.version == manifest["plugin_version"]
    assert plugin.is_effect and not plugin.is_instrument
    assert plugin.category.startswith("Fx"), plugin.category


def test_every_param_visible_by_name_with_unit_and_texts(plugin, manifest):
    names = [p.name for p in plugin.parameters.values()]
    assert len(names) == len(set(names)), "two VST3 parameters share a name"
    assert len(names) == len(manifest["params"]), "VST3 and CLAP list different parameters"
    for spec in manifest["params"]:
        param = param_by_name(plugin, spec["name"])
        if not spec["stepped"]:
            unit_field = vst3_unit(plugin, param)
            if unit_field:
                # The unit in its own field, as VST3 hosts show it.
                assert unit_field == spec["unit"], (
                    f"{spec['name']}: VST3 unit {unit_field!r}, CLAP texts say {spec['unit']!r}"
                )
            elif spec["unit"]:
                # Frequencies switch between "Hz" and "kHz", so the unit travels inside every
                # value text instead of the unit field; it must then be in every text.
                for sample in spec["texts"]:
                    assert sample["text"].endswith(spec["unit"]), (
                        f"{spec['name']}: no unit field and no unit in {sample['text']!r}"
                    )
        # Value text + unit field must read exactly like the CLAP text.
        for sample in spec["texts"]:
            assert vst3_text(plugin, param, sample["normalized"]) == sample["text"], (
                f"{spec['name']} at {sample['normalized']}"
            )
        assert param.raw_value == pytest.approx(spec["default"], abs=1e-6), f"{spec['name']} default"


def test_every_param_has_a_numeric_range_in_pedalboard(plugin, manifest):
    problems = []
    for spec in manifest["params"]:
        param = param_by_name(plugin, spec["name"])
        if spec["switch"]:
            if param.type is not bool:
                problems.append(f"{spec['name']}: seen as {param.type.__name__}, not a switch")
            continue
        if spec["stepped"]:
            # A choice (slope, note value, mode): pedalboard offers its labels as the values.
            missing = [t["text"] for t in spec["texts"] if t["text"] not in param.valid_values]
            if param.type is not str or missing:
                problems.append(f"{spec['name']}: choices {param.valid_values}, missing {missing}")
            continue
        lo = display_to_plain(spec["texts"][0]["text"])
        hi = display_to_plain(spec["texts"][-1]["text"])
        if param.type is not float:
            problems.append(
                f"{spec['name']}: pedalboard cannot read its texts as numbers "
                f"(e.g. {param.valid_values[:2]} … {param.valid_values[-1:]}), so it has no range"
            )
            continue
        if (param.min_value, param.max_value) != pytest.approx((lo, hi)):
            problems.append(f"{spec['name']}: range {param.range}, CLAP says {lo}…{hi}")
    assert not problems, "\n".join(problems)


def test_every_param_settable_by_value(plugin, manifest):
    problems = []
    for spec in manifest["params"]:
        target = spec["set_by_value"]
        param = param_by_name(plugin, spec["name"])
        try:
            setattr(plugin, param.python_name, target["value"])
        except (ValueError, TypeError) as error:
            problems.append(f"{spec['name']} = {target['value']!r}: {error}"[:300])
            continue
        shown = f"{param.string_value}{vst3_unit(plugin, param)}"
        if shown != target["text"]:
            problems.append(f"{spec['name']} = {target['value']!r} shows {shown!r}, not {target['text']!r}")
    assert not problems, "\n".join(problems)


def render_names():
    return [r["name"] for r in _ensure_manifest()["renders"]]


@pytest.mark.parametrize("name", render_names())
def test_output_equals_clap_output(name, manifest):
    render = next((r for r in manifest["renders"] if r["name"] == name), None)
    assert render is not None, "no renders: run `cargo test` first"
    plugin = load_runnel()
    apply_settings(plugin, manifest, render["settings"])
    audio = np.load(COMPARE_DIR / manifest["input"])
    expected = np.load(COMPARE_DIR / render["output"])
    out = plugin.process(audio, manifest["sample_rate"], buffer_size=manifest["block_size"], reset=True)
    assert out.shape == expected.shape
    diff = np.abs(out.astype(np.float64) - expected.astype(np.float64))
    worst = int(np.argmax(diff.max(axis=0)))
    assert diff.max() <= TOLERANCE, (
        f"{name}: VST3 differs from CLAP by {diff.max():.3g} (first bad frame "
        f"{int(np.argmax(diff.max(axis=0) > TOLERANCE))}, worst {worst})"
    )
    assert np.abs(expected).max() > 1e-3 or name == "silence", f"{name}: render is silent, nothing compared"


def test_reported_latency_matches_the_plugin(plugin, manifest):
    plugin.process(np.zeros((2, 1024), np.float32), manifest["sample_rate"], buffer_size=512)
    assert plugin.reported_latency_samples == manifest["latency_samples"]


def test_latency_compensation_keeps_the_dry_path_aligned(manifest):
    passthrough = next(r for r in manifest["renders"] if r["name"] == "passthrough")
    sr = manifest["sample_rate"]
    impulse = np.zeros((2, 8192), np.float32)
    impulse[:, 1000] = [0.5, -0.25]
    # Alone, and mixed with a dry branch: pedalboard delays whichever branch is early by the
    # reported latency, so a wrong report shows as a shifted or doubled impulse.
    plugin = load_runnel()
    apply_settings(plugin, manifest, passthrough["settings"])
    alone = plugin.process(impulse, sr, buffer_size=512, reset=True)
    np.testing.assert_array_equal(alone, impulse)
    plugin = load_runnel()
    apply_settings(plugin, manifest, passthrough["settings"])
    mixed = pedalboard.Pedalboard([pedalboard.Mix([plugin, pedalboard.Gain(gain_db=0.0)])])
    out = mixed(impulse, sr, buffer_size=512)
    np.testing.assert_allclose(out, 2 * impulse, atol=1e-7)


def test_raw_state_round_trip_restores_every_value(manifest):
    source = load_runnel()
    wanted = {}
    for spec in manifest["params"]:
        param = param_by_name(source, spec["name"])
        # Somewhere clearly not the default; for switches, the other position.
        value = 1.0 - round(spec["default"]) if spec["stepped"] else (0.3 if spec["default"] > 0.5 else 0.8)
        param.raw_value = value
        wanted[spec["name"]] = (param.raw_value, param.string_value)
    # One block of audio between setting and saving, as a playing host would; saving without it
    # is covered by test_state_saved_right_after_setting_holds_the_new_values.
    source.process(np.zeros((2, 512), np.float32), manifest["sample_rate"], buffer_size=512)
    state = source.raw_state

    target = load_runnel()
    for name, (raw, _) in wanted.items():
        assert param_by_name(target, name).raw_value != pytest.approx(raw), f"{name}: fresh instance already there"
    target.raw_state = state
    for name, (raw, text) in wanted.items():
        param = param_by_name(target, name)
        assert param.raw_value == pytest.approx(raw, abs=1e-6), f"{name} after raw_state"
        assert param.string_value == text, f"{name} after raw_state"


# --- State saved while processing is set up -------------------------------------------------
#
# JUCE hosts keep a VST3 plugin's processing set up from prepareToPlay() on, set parameters on
# its controller (setParamNormalized) and hand the change to the processor only with the next
# process() call. A host that saves state in between (pluginval's state test at strictness 10:
# "Input Gain not restored on setStateInformation — expected 0.550975, actual 0.877381") must
# still find every value it set in the state. pedalboard is such a host: once an instance has
# processed audio, its processing stays set up.


def _requested_raw(param, index: int) -> float:
    """A raw value away from the parameter's default, exactly on its grid if it has steps (so
    the value read back must equal the request)."""
    with param._AudioProcessorParameter__get_cpp_parameter() as cpp:
        steps = cpp.num_steps
        default = cpp.default_raw_value
    if 1 < steps <= 64:
        positions = [i / (steps - 1) for i in range(steps)]
        others = [v for v in positions if abs(v - default) > 1e-6]
        return others[index % len(others)]
    # Continuous: a spread of values clearly away from the default.
    value = (0.137 + 0.29 * index) % 1.0
    return value if abs(value - default) > 0.05 else (value + 0.5) % 1.0


def _set_all(plugin) -> dict:
    requested = {}
    for index, param in enumerate(plugin.parameters.values()):
        raw = _requested_raw(param, index)
        param.raw_value = raw
        requested[param.name] = raw
    return requested


def _values(plugin) -> dict:
    return {param.name: param.raw_value for param in plugin.parameters.values()}


def _loaded(state: bytes) -> dict:
    """Every value of a fresh instance after loading `state`."""
    plugin = load_runnel()
    plugin.raw_state = state
    return _values(plugin)


def _one_block(plugin) -> None:
    plugin.process(np.zeros((2, 512), np.float32), 48000.0, buffer_size=512)


def _differences(got: dict, expected: dict, tolerance: float = 1e-6) -> list:
    return [
        f"{name}: expected {value:.6f}, actual {got[name]:.6f}"
        for name, value in expected.items()
        if abs(got[name] - value) > tolerance
    ]


# The plugin keeps some values on its own grid (gains in 0.1 dB steps, percentages in 0.5 %
# steps), up to 8e-4 away from what the host sent; the stale values this guards against are at
# least 0.05 away by construction (_requested_raw).
PLUGIN_GRID = 1e-3


@pytest.mark.parametrize("processed_first", [True, False], ids=["after-processing", "fresh"])
def test_state_saved_right_after_setting_holds_the_new_values(processed_first):
    source = load_runnel()
    if processed_first:
        # Processing is now set up and stays so, as in a JUCE host after prepareToPlay().
        _one_block(source)
    requested = _set_all(source)
    saved = source.raw_state  # no process() call since the values were set
    # The reference: the same instance once a block of audio has carried the changes to the
    # processor (the path that always worked).
    _one_block(source)
    settled = _loaded(source.raw_state)
    assert not _differences(settled, requested, PLUGIN_GRID), "the reference lost values"
    problems = _differences(_loaded(saved), settled)
    assert not problems, "state saved right after setting is stale:\n" + "\n".join(problems)


def test_state_restore_after_changes_brings_back_what_the_host_set():
    """pluginval's sequence: set values, save, change everything, restore the saved state;
    every value must be back to what was set before saving."""
    plugin = load_runnel()
    _one_block(plugin)
    requested = _set_all(plugin)
    saved = plugin.raw_state
    for param in plugin.parameters.values():
        with param._AudioProcessorParameter__get_cpp_parameter() as cpp:
            param.raw_value = cpp.default_raw_value
    assert _differences(_values(plugin), requested, PLUGIN_GRID), "the values did not change"
    plugin.raw_state = saved
    problems = _differences(_values(plugin), requested, PLUGIN_GRID)
    assert not problems, "not restored on setStateInformation:\n" + "\n".join(problems)


def continuous_params(plugin, manifest):
    """(manifest entry, pedalboard parameter) for every continuous parameter."""
    for spec in manifest["params"]:
        if not spec["stepped"] and not spec["switch"]:
            yield spec, param_by_name(plugin, spec["name"])


def test_continuous_params_look_continuous_to_pedalboard(plugin, manifest):
    """pedalboard scans 1001 positions and infers a grid from repeated texts ("1.00 kHz" over
    several positions made hp_cutoff a 8.77 Hz grid in 0.1). Value texts carry six significant
    digits, so every scan position reads differently. (For linear ranges pedalboard still
    reports the even scan spacing as `step_size`; it never rounds to it.)"""
    problems = []
    for spec, param in continuous_params(plugin, manifest):
        distinct = len(set(param.valid_values))
        if param.type is not float or distinct < 990:
            problems.append(f"{spec['name']}: {param.type.__name__}, {distinct} distinct texts of 1001")
    assert not problems, "\n".join(problems)


def python_name(plugin, spec) -> str:
    """The attribute pedalboard exposes for a parameter; asserted to exist, because pedalboard
    silently stores unknown attributes on the plugin object instead of failing."""
    name = param_by_name(plugin, spec["name"]).python_name
    assert name in plugin.parameters, f"{spec['name']}: no attribute {name!r}"
    return name


def shown_value(plugin, param) -> float:
    return display_to_plain(f"{param.string_value}{vst3_unit(plugin, param)}")


# Fractions of each range at which values are requested (then rounded to 4 significant digits,
# as people type them); values within 1 % of the span from zero are skipped (relative error
# means nothing there).
REQUEST_POSITIONS = (0.0123, 0.1, 0.2345, 0.37, 0.5, 0.61803, 0.777, 0.9, 0.987)
PRECISION = 1e-4  # 0.01 %


def test_setting_by_value_lands_on_the_request(plugin, manifest):
    """`plugin.hp_cutoff = 1000` gave 1004.6 Hz in 0.1. pedalboard keeps the normalized value
    the plugin parses from the requested number only if it lies inside the scan cell of the
    scanned text nearest to the request; otherwise it snaps to that cell's start. With texts
    exact at the scan positions (six digits), that means:
    - a request whose nearest scanned value lies at or below it lands within 0.01 % (in 0.1 even
      these snapped, e.g. 1000 Hz next to the text "1.00 kHz" shown from 1004.6 Hz on);
    - any other request lands on the next scan position, at most half a scan step away (0.35 %
      for 20 Hz–20 kHz): pedalboard's own grid, which no honest value text can move, because
      the texts it scans are exact values at its scan positions."""
    # The example.
    cutoff = next(spec for spec in manifest["params"] if spec["id"] == "hp_freq")
    setattr(plugin, python_name(plugin, cutoff), 1000.0)
    got = shown_value(plugin, param_by_name(plugin, cutoff["name"]))
    assert abs(got - 1000.0) <= PRECISION * 1000.0, f"hp_cutoff = 1000 gave {got}"

    problems, worst, worst_exact, exact, snapped = [], (0.0, ""), 0.0, 0, 0
    for spec, param in continuous_params(plugin, manifest):
        name = python_name(plugin, spec)
        scanned = sorted(v for v in param.valid_values if math.isfinite(v))
        lo, hi = scanned[0], scanned[-1]
        for position in REQUEST_POSITIONS:
            request = float(f"{lo + position * (hi - lo):.4g}")
            if abs(request) < 0.01 * (hi - lo):
                continue
            setattr(plugin, name, request)
            got = shown_value(plugin, param)
            error = abs(got - request) / abs(request)
            nearest = min(scanned, key=lambda v: abs(v - request))
            i = max(1, min(len(scanned) - 1, sum(v <= request for v in scanned)))
            half_step = (scanned[i] - scanned[i - 1]) / 2
            if error > worst[0]:
                worst = (error, f"{spec['name']} = {request} → {got}")
            if nearest <= request:
                exact += 1
                worst_exact = max(worst_exact, error)
                if error > PRECISION:
                    problems.append(f"{spec['name']} = {request}: {got} ({error:.2e} off)")
            else:
                snapped += 1
                if abs(got - request) > half_step * 1.001 + PRECISION * abs(request):
                    problems.append(f"{spec['name']} = {request}: {got}, more than half a scan step ({half_step:.4g}) off")
    print(
        f"{exact} requests kept (worst {worst_exact:.2e}), {snapped} snapped to pedalboard's scan grid "
        f"(worst {worst[0]:.2e}: {worst[1]})"
    )
    assert exact > 0 and not problems, "\n".join(problems)


def test_lufs_rows_and_the_infinite_ratio_switch_by_attribute(plugin, manifest):
    """pedalboard names attributes from the parameter name plus its unit field, so the AGC's
    loudness rows are `agc_target_lufs` and `agc_gate_lufs` (they were `_db` while their unit
    read dB) and the compressor's ∞:1 switch, which has no unit, `compressor_infinite_ratio`.
    Each is asserted to exist before it is set (pedalboard silently stores unknown attributes)."""
    by_id = {p["id"]: p for p in manifest["params"]}
    expected = {
        "agc_target": "agc_target_lufs",
        "agc_gate": "agc_gate_lufs",
        "comp_ratio_inf": "compressor_infinite_ratio",
    }
    for string_id, attribute in expected.items():
        assert python_name(plugin, by_id[string_id]) == attribute
    for gone in ("agc_target_db", "agc_gate_db"):
        assert gone not in plugin.parameters, f"{gone} is still a parameter"

    target = param_by_name(plugin, "AGC Target")
    assert vst3_unit(plugin, target) == "LUFS"
    assert param_by_name(plugin, "AGC Gate").range[:2] == pytest.approx((-60.0, -30.0))
    assert target.range[:2] == pytest.approx((-30.0, -6.0))
    # Set by value: lands within half of pedalboard's scan step (1/1000 of the range; see
    # test_setting_by_value_lands_on_the_request) and reads in LUFS.
    gate = param_by_name(plugin, "AGC Gate")
    for attribute, param, request in (("agc_target_lufs", target, -23.0), ("agc_gate_lufs", gate, -45.0)):
        setattr(plugin, attribute, request)
        text = f"{param.string_value}{vst3_unit(plugin, param)}"
        half_step = (param.max_value - param.min_value) / 1000 / 2
        assert text.endswith(" LUFS"), text
        assert display_to_plain(text) == pytest.approx(request, abs=half_step + 1e-4), text

    switch = param_by_name(plugin, "Compressor Infinite Ratio")
    # pedalboard hands back a wrapped bool, which compares but is not the `False` object.
    assert switch.type is bool and plugin.compressor_infinite_ratio == False  # noqa: E712
    assert switch.string_value == "Off"
    plugin.compressor_infinite_ratio = True
    assert plugin.compressor_infinite_ratio == True and switch.string_value == "On"  # noqa: E712

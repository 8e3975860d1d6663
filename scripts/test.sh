#!/usr/bin/env bash
# The test command: install what is needed, then run every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/system-deps.sh

# Formatting and lints first: they fail in seconds, before the long builds.
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings 2>&1

# The host suites load the real bundles (target/bundled/Runnel.clap and Runnel.vst3), so build
# them first: tests/clap_host/ fails loudly when they are missing.
cargo xtask bundle runnel --release 2>&1

# pedalboard (the VST3 host) and pytest live in a virtualenv next to the sources (.gitignored).
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/requirements-host.txt

# Rust suites (engine, plugin, hosts, CLI, test support).
cargo test --workspace --exclude xtask 2>&1

# VST3 host suite. pytest exits 5 when it collected no tests; here that is a failure, not a pass.
pytest_status=0
.venv/bin/python -m pytest tests/vst3_pedalboard.py -v -p no:cacheprovider || pytest_status=$?
if [ "$pytest_status" -eq 5 ]; then
  echo "error: pytest collected no tests from tests/vst3_pedalboard.py" >&2
  exit 1
fi
exit "$pytest_status"

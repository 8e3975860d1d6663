#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Runnel needs to build and test, or prints the command when
# not root. Sourced by main.sh and test.sh; safe to run again (apt-get skips what is installed).
set -euo pipefail

# Build: ALSA and JACK headers for the standalone's audio backends (jack-sys asks pkg-config).
# Tests: Python venv for the pedalboard VST3 host, Xvfb + Mesa for the editor screenshot, and
# the JACK server (dummy driver) + xwininfo for the standalone end-to-end tests, and ALSA's jack
# PCM plugin (libasound2-plugins) for the standalone's ALSA path without audio hardware.
# runnel render/analyze: lame and oggenc make the MP3/Ogg Vorbis inputs of the format tests, sox
# the AIFF input (and it is a peer in scripts/bench-peers.sh), GNU time measures peak memory
# and bc does the bench scripts' arithmetic.
RUNNEL_APT_PACKAGES=(pkg-config libasound2-dev libjack-jackd2-dev python3-venv python3-pip
  xvfb xauth libgl1-mesa-dri libegl1 libx11-xcb1 libxcursor1 libxrandr2 libxi6 jackd2 x11-utils
  libasound2-plugins lame vorbis-tools sox time bc)

missing=()
for pkg in "${RUNNEL_APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
elif [ "$(id -u)" -eq 0 ]; then
  echo "system packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Runnel needs these Debian packages; run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

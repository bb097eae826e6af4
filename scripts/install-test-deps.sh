#!/usr/bin/env bash
# Install the Debian packages the test suite needs (idempotent; quick when present).
#
#   scripts/install-test-deps.sh
#
# As root it apt-installs what is missing; otherwise it prints the apt-get command and
# exits non-zero. Add packages to TEST_DEPS below (one reason per line).
set -euo pipefail

TEST_DEPS=(
  sip-tester # /usr/bin/sipp: places and answers real SIP calls in tests/telephony
  chromium # /usr/bin/chromium: the agent desktop and wallboard tests drive it with Playwright
  espeak-ng  # text-to-speech for IVR prompts (centralita.tts) and spoken test input in tests/ivr
  sox        # resamples synthesised prompts to the line's rate (8 kHz, 16 kHz) in centralita.tts
  opus-tools # opusenc/opusdec: call recordings converted to Opus and checked by decoding them
)

missing=()
for pkg in "${TEST_DEPS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

if ((EUID != 0)); then
  echo "install-test-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-test-deps: run: sudo apt-get install -y ${missing[*]}" >&2
  exit 2
fi
echo "install-test-deps: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"

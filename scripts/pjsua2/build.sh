#!/usr/bin/env bash
# Build, once, a PJSIP `pjsua2` Python wheel with Centralita's contact-center limits.
#
#   scripts/pjsua2/build.sh            # PYTHON=/path/to/python (default: python3)
#
# The pjproject source is the copy Debian bookworm ships inside its `ring` (Jami) source
# package. It is fetched with `apt-get source`, checked against the SHA-256 sums pinned
# below, unpacked with `dpkg-source -x` (which verifies the .dsc checksums and applies
# Debian's patches, among them the CVE-2023-27585 fix to pjlib-util), configured with
# our config_site.h and flags, built, wrapped by SWIG and packed as a wheel under
#
#   ${CENTRALITA_CACHE:-$HOME/.cache/centralita}/pjsua2/wheels/<key>/pjsua2-*.whl
#
# where <key> hashes everything that shapes the binary (source sums, config_site.h,
# configure flags, patches, wheel recipe, Python version). If that wheel exists the
# script only prints its path. Progress goes to stderr; the last line, on stdout, is
# the wheel path.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-python3}
CACHE=${CENTRALITA_CACHE:-$HOME/.cache/centralita}/pjsua2
JOBS=${PJSUA2_JOBS:-2}

# --- Pinned source -----------------------------------------------------------------
# Bump RECIPE when the build steps change in a way that changes the binary.
RECIPE=1
SRC_PACKAGE=ring
SRC_VERSION='20230206.0~ds2-1.1+deb12u1'
declare -A PINNED_SHA256=(
  ['ring_20230206.0~ds2-1.1+deb12u1.dsc']=d81857da600509deb8813bdf3baeba3b131f8b28b47327c4a5c92ba8768fb90f
  ['ring_20230206.0~ds2.orig.tar.gz']=028661c72b962a32d30a310f5f24e77540c96c479576e886bc3a0a8e9ececff0
  ['ring_20230206.0~ds2-1.1+deb12u1.debian.tar.xz']=236ca4188210e66296e4d41c177b3716585fe52296dab08c958759d8cb9c2b8e
)
DSC_FILE='ring_20230206.0~ds2-1.1+deb12u1.dsc'
# pjproject 2.12.1 as forked by Jami, unpacked inside the ring source tree.
PJ_SUBDIR_GLOB='daemon/contrib/tarballs-unpacked/pjproject-*/pjproject-*'

# Debian stripped the bundled third-party codecs (GSM, Speex, iLBC, G.722.1, ...) from
# this tree, so they are disabled; G.711 and G.722 are built in.
CONFIGURE_FLAGS=(
  --disable-shared --disable-sound --disable-video --enable-epoll
  --disable-gsm-codec --disable-speex-codec --disable-speex-aec --disable-ilbc-codec
  --disable-g7221-codec --disable-l16-codec --disable-opencore-amr --disable-silk
  --disable-opus --disable-bcg729 --disable-sdl --disable-ffmpeg --disable-v4l2
  --disable-openh264 --disable-vpx --disable-libyuv --disable-libwebrtc
)
BUILD_CFLAGS='-O2 -fPIC'
SWIG_THREADS='-threads'

BUILD_DEPS=(swig libssl-dev uuid-dev build-essential dpkg-dev)
DEB_SRC_LIST=/etc/apt/sources.list.d/centralita-src.list
DEB_SRC_LINE='deb-src http://deb.debian.org/debian bookworm main'

log() { echo "pjsua2: $*" >&2; }
die() { echo "pjsua2: error: $*" >&2; exit 1; }

# --- Cache key -----------------------------------------------------------------------
py_tag=$("$PYTHON" -c 'import sys, sysconfig
print(f"{sys.implementation.name}{sys.version_info[0]}.{sys.version_info[1]}-{sysconfig.get_platform()}")') \
  || die "cannot run PYTHON=$PYTHON"

shopt -s nullglob
patches=("$HERE"/patches/*.patch)
shopt -u nullglob

cache_key() {
  {
    echo "recipe=$RECIPE"
    for f in $(printf '%s\n' "${!PINNED_SHA256[@]}" | sort); do echo "src $f ${PINNED_SHA256[$f]}"; done
    echo "configure ${CONFIGURE_FLAGS[*]}"
    echo "cflags $BUILD_CFLAGS"
    echo "swig $SWIG_THREADS"
    echo "python $py_tag"
    echo "--- config_site.h"; cat "$HERE/config_site.h"
    echo "--- wheel_setup.py"; cat "$HERE/wheel_setup.py"
    for p in "${patches[@]}"; do echo "--- patch $(basename "$p")"; cat "$p"; done
  } | sha256sum | cut -c1-16
}
KEY=$(cache_key)
WHEEL_DIR="$CACHE/wheels/$KEY"

find_wheel() {
  local w
  for w in "$WHEEL_DIR"/pjsua2-*.whl; do
    [[ -f $w ]] && { echo "$w"; return 0; }
  done
  return 1
}

if wheel=$(find_wheel); then
  echo "$wheel"
  exit 0
fi

mkdir -p "$CACHE"
# One build at a time per cache (several engineers or make jobs may ask at once).
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
  log "another build holds $CACHE/.lock; waiting"
  flock 9
fi
if wheel=$(find_wheel); then
  echo "$wheel"
  exit 0
fi

start=$SECONDS
log "no cached wheel for key $KEY ($py_tag); building"

# --- Build dependencies ------------------------------------------------------------
is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for pkg in "${BUILD_DEPS[@]}"; do is_installed "$pkg" || missing+=("$pkg"); done
if ((${#missing[@]})); then
  if ((EUID != 0)); then
    log "missing Debian packages: ${missing[*]}"
    log "install them with: sudo apt-get install -y ${missing[*]}"
    exit 2
  fi
  log "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
"$PYTHON" -c 'import os, sysconfig, sys
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
  || die "no Python.h for $PYTHON (install python3-dev, or a Python with its headers)"

# --- Source: fetch and verify ------------------------------------------------------
SRC_DIR="$CACHE/src"
mkdir -p "$SRC_DIR"
have_all_sources() {
  local f
  for f in "${!PINNED_SHA256[@]}"; do [[ -f "$SRC_DIR/$f" ]] || return 1; done
}
apt_knows_source() {
  apt-cache showsrc "$SRC_PACKAGE" 2>/dev/null | grep -qx "Version: $SRC_VERSION"
}
if ! have_all_sources; then
  if ! apt_knows_source; then
    if ((EUID != 0)); then
      log "apt does not know source package $SRC_PACKAGE $SRC_VERSION; as root, run:"
      log "  echo '$DEB_SRC_LINE' > $DEB_SRC_LIST && apt-get update"
      exit 2
    fi
    if [[ ! -f $DEB_SRC_LIST ]]; then
      log "adding $DEB_SRC_LIST"
      printf '# Added by Centralita scripts/pjsua2/build.sh (pjproject comes from ring)\n%s\n' \
        "$DEB_SRC_LINE" >"$DEB_SRC_LIST"
    fi
    log "apt-get update (source indexes)"
    apt-get update -qq >&2
  fi
  log "fetching source package $SRC_PACKAGE=$SRC_VERSION into $SRC_DIR"
  (cd "$SRC_DIR" && apt-get source --download-only -qq "$SRC_PACKAGE=$SRC_VERSION" >&2) || {
    log "apt-get source failed; if Debian moved on from $SRC_VERSION, run 'apt-get update',"
    log "check 'apt-cache showsrc $SRC_PACKAGE' and update SRC_VERSION and PINNED_SHA256 here"
    exit 1
  }
fi
for f in "${!PINNED_SHA256[@]}"; do
  actual=$(sha256sum "$SRC_DIR/$f" | cut -d' ' -f1)
  [[ $actual == "${PINNED_SHA256[$f]}" ]] \
    || die "checksum mismatch for $SRC_DIR/$f: expected ${PINNED_SHA256[$f]}, got $actual"
done
log "source checksums match the pinned SHA-256 sums"

# --- Unpack only the pjproject tree ------------------------------------------------
BUILD_ROOT="$CACHE/build/$KEY"
rm -rf "$BUILD_ROOT"
mkdir -p "$BUILD_ROOT"
BUILD_LOG="$BUILD_ROOT/build.log"
: >"$BUILD_LOG"
run() { # run a build step quietly; show the log's tail if it fails
  if ! "$@" >>"$BUILD_LOG" 2>&1; then
    tail -n 40 "$BUILD_LOG" >&2
    die "step failed: $* (full log: $BUILD_LOG)"
  fi
}
log "unpacking with dpkg-source -x (verifies .dsc checksums, applies Debian's patches)"
run dpkg-source -x "$SRC_DIR/$DSC_FILE" "$BUILD_ROOT/ring"
pj_matches=("$BUILD_ROOT"/ring/$PJ_SUBDIR_GLOB)
((${#pj_matches[@]} == 1)) && [[ -d ${pj_matches[0]} ]] \
  || die "expected one pjproject tree at $PJ_SUBDIR_GLOB, found: ${pj_matches[*]}"
mv "${pj_matches[0]}" "$BUILD_ROOT/pjproject"
rm -rf "$BUILD_ROOT/ring"
PJ="$BUILD_ROOT/pjproject"
pj_version=$(sed -nE 's/^export PJ_VERSION_(MAJOR|MINOR|REV)[[:space:]]*:=[[:space:]]*([0-9]+).*/\2/p' \
  "$PJ/version.mak" | paste -sd.)
log "pjproject $pj_version in $PJ"

cp "$HERE/config_site.h" "$PJ/pjlib/include/pj/config_site.h"
for p in "${patches[@]}"; do
  log "applying $(basename "$p")"
  run patch -d "$PJ" -p1 --forward --batch -i "$p"
done

# --- Build ---------------------------------------------------------------------------
log "configure ${CONFIGURE_FLAGS[*]}"
(cd "$PJ" && run env CFLAGS="$BUILD_CFLAGS" CXXFLAGS="$BUILD_CFLAGS" ./configure "${CONFIGURE_FLAGS[@]}")
log "make dep (log: $BUILD_LOG)"
run make -C "$PJ" dep
log "make -j$JOBS lib ($((SECONDS - start)) s so far)"
run make -C "$PJ" -j"$JOBS" lib
SWIG_PY="$PJ/pjsip-apps/src/swig/python"
# -threads: the binding releases the GIL inside PJSIP calls (libHandleEvents blocks) and
# takes it in callbacks, so a PJSIP thread and an asyncio thread share one process.
log "swig pjsua2 ($((SECONDS - start)) s so far)"
run make -C "$SWIG_PY" USE_PYTHON3=1 USE_THREADS="$SWIG_THREADS" pjsua2_wrap.cpp

# --- Wheel ---------------------------------------------------------------------------
STAGE="$BUILD_ROOT/wheel-src"
mkdir -p "$STAGE"
cp "$SWIG_PY/pjsua2_wrap.cpp" "$SWIG_PY/pjsua2_wrap.h" "$SWIG_PY/pjsua2.py" "$STAGE/"
cp "$HERE/wheel_setup.py" "$STAGE/setup.py"
cat >"$STAGE/pyproject.toml" <<'EOF'
[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"
EOF
# helper.mak prints the flags pjproject links its own apps with; make paths absolute.
(cd "$SWIG_PY" && "$PYTHON" - "$STAGE/build_flags.json" "$pj_version+centralita.$KEY" <<'EOF'
import json, os, subprocess, sys

def tokens(goal):
    out = subprocess.run(["make", "--no-print-directory", "-f", "helper.mak", goal],
                         check=True, capture_output=True, text=True).stdout
    return [t for t in out.split() if t]

def absolute(tok):
    for prefix in ("-L", "-I"):
        if tok.startswith(prefix) and not os.path.isabs(tok[2:]):
            return prefix + os.path.normpath(os.path.join(os.getcwd(), tok[2:]))
    if not tok.startswith("-") and os.path.exists(tok):
        return os.path.abspath(tok)
    return tok

flags = {
    "version": sys.argv[2],
    "cflags": [absolute(t) for t in tokens("cflags")],
    "libraries": tokens("libs"),
    "ldflags": [absolute(t) for t in tokens("ldflags")],
}
with open(sys.argv[1], "w") as f:
    json.dump(flags, f, indent=1)
EOF
) >>"$BUILD_LOG" 2>&1 || die "could not read build flags from helper.mak (log: $BUILD_LOG)"

pip_args=(wheel --no-deps --wheel-dir "$BUILD_ROOT/dist")
if "$PYTHON" -c 'import setuptools, wheel' 2>/dev/null; then
  pip_args+=(--no-build-isolation)
fi
log "compiling the binding and packing the wheel ($((SECONDS - start)) s so far)"
run "$PYTHON" -m pip "${pip_args[@]}" "$STAGE"

built=("$BUILD_ROOT"/dist/pjsua2-*.whl)
[[ -f ${built[0]} ]] || die "pip produced no wheel (log: $BUILD_LOG)"
mkdir -p "$WHEEL_DIR.tmp"
cp "${built[0]}" "$WHEEL_DIR.tmp/"
{
  echo "key: $KEY"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - start)) s"
  echo "source: Debian $SRC_PACKAGE $SRC_VERSION, pjproject $pj_version (Jami fork)"
  for f in $(printf '%s\n' "${!PINNED_SHA256[@]}" | sort); do echo "sha256: ${PINNED_SHA256[$f]}  $f"; done
  echo "configure: CFLAGS='$BUILD_CFLAGS' ${CONFIGURE_FLAGS[*]}"
  echo "swig: $SWIG_THREADS"
  echo "python: $py_tag"
  echo "patches: ${patches[*]##*/}"
} >"$WHEEL_DIR.tmp/BUILD-INFO.txt"
rm -rf "$WHEEL_DIR"
mv "$WHEEL_DIR.tmp" "$WHEEL_DIR"
if [[ ${PJSUA2_KEEP_BUILD:-0} != 1 ]]; then
  rm -rf "$BUILD_ROOT"
fi
log "built in $((SECONDS - start)) s"
find_wheel

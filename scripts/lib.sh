# Shared by scripts/run and scripts/test: find or install the tools, build the app.
# Every install comes from a package registry this machine reaches (crates.io, npm, Debian);
# nothing downloads binaries from anywhere else, and each step is skipped when already done.
# shellcheck shell=bash

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

TRUNK_VERSION="0.21.14"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $* (run as root or install sudo)"; fi
}

apt_install() {
  say "installing from Debian: $*"
  if [ -z "${DVK_APT_UPDATED:-}" ]; then
    as_root apt-get update -qq
    DVK_APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The wasm-bindgen version Cargo.lock pins; its CLI and Trunk.toml must say the same.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_rust() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (the toolchain version is in rust-toolchain.toml)"
  # rust-toolchain.toml names the toolchain; rustup installs it on first use. The wasm target
  # must be added explicitly when the toolchain was already there.
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
}

# The tools are built with a cheaper profile than their own: they run for seconds per build, so
# the minutes of link-time and level-3 optimisation crates.io's release profile spends on them
# buy nothing here (measured on a fresh machine: README, "A fresh machine").
tool_install() {
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false \
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_DEBUG=false \
  CARGO_PROFILE_RELEASE_INCREMENTAL=false \
    cargo install "$@"
}

# Jobs that run side by side while the tools compile, each into its own log; `await_jobs` waits
# for all of them and stops with the log of the first that failed.
JOBS=()
background() {
  local name="$1"; shift
  mkdir -p .tools/logs
  "$@" >".tools/logs/$name.log" 2>&1 &
  JOBS+=("$name:$!")
}

await_jobs() {
  local job name failed=()
  for job in "${JOBS[@]}"; do
    name="${job%%:*}"
    wait "${job##*:}" || failed+=("$name")
  done
  JOBS=()
  for name in "${failed[@]}"; do
    tail -n 40 ".tools/logs/$name.log" >&2
    die "$name failed (its whole log: .tools/logs/$name.log)"
  done
}

need_trunk() { [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; }

install_trunk() {
  # --locked: without it newer CSS crates are picked and trunk fails to compile.
  tool_install trunk --version "$TRUNK_VERSION" --locked
}

# The wasm-bindgen version Cargo.lock pins (checked against Trunk.toml by ensure_build_tools).
need_wasm_bindgen() {
  local want
  want="$(wasm_bindgen_version)"
  [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ] ||
    [ "$(wasm-bindgen-test-runner --version 2>/dev/null)" != "wasm-bindgen-test-runner $want" ]
}

install_wasm_bindgen() {
  # Not --locked: its lock file names dependency versions the registry mirror may lack.
  tool_install wasm-bindgen-cli --version "$(wasm_bindgen_version)" --force
}

# The splitter that cuts the screens loaded on demand out of the app's wasm
# (scripts/trunk-post-build.sh); its runtime half is the wasm_split_helpers crate Leptos uses.
WASM_SPLIT_VERSION="0.2.3"

# The tool has no --version: cargo's own list of what it installed says which one is there.
need_wasm_split() { ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; }

install_wasm_split() {
  tool_install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked --force
}

# The tools package.json pins: wasm-opt (binaryen 132) and terser, which minifies the
# JavaScript Trunk leaves as it is (scripts/trunk-post-build.sh); axe-core, which the browser
# tests inject to check every screen against WCAG 2.1 AA.
TERSER_VERSION="$(sed -n 's/.*"terser": "\(.*\)".*/\1/p' package.json)"
AXE_VERSION="$(sed -n 's/.*"axe-core": "\(.*\)".*/\1/p' package.json)"

installed_axe() { node -p 'require("./node_modules/axe-core/package.json").version' 2>/dev/null; }

need_npm_tools() {
  [ "$(wasm-opt --version 2>/dev/null)" != "wasm-opt version 132 (version_132)" ] ||
    [ "$(node_modules/.bin/terser --version 2>/dev/null)" != "terser $TERSER_VERSION" ] ||
    [ "$(installed_axe)" != "$AXE_VERSION" ]
}

check_npm_tools() {
  [ "$(wasm-opt --version)" = "wasm-opt version 132 (version_132)" ] ||
    die "wasm-opt on PATH is not binaryen 132 (Debian's binaryen breaks the app): check node_modules/.bin"
  [ "$(node_modules/.bin/terser --version)" = "terser $TERSER_VERSION" ] ||
    die "node_modules/.bin/terser is not terser $TERSER_VERSION: run npm ci"
  [ "$(installed_axe)" = "$AXE_VERSION" ] || die "node_modules/axe-core is not $AXE_VERSION: run npm ci"
}

# Release builds precompress the app's assets with brotli (scripts/trunk-post-build.sh).
ensure_brotli() {
  command -v brotli >/dev/null || apt_install brotli
}

# Installs what is missing, side by side: on a fresh machine the tools' compilations dominate the
# first run, and one compiler alone leaves a core idle while it links or waits on a long crate.
# Further jobs (the server's build in scripts/run) may be started with `background` before this
# and are awaited with the tools.
ensure_build_tools() {
  ensure_rust
  ensure_brotli
  local want
  want="$(wasm_bindgen_version)"
  [ -n "$want" ] || die "no wasm-bindgen in Cargo.lock"
  grep -q "wasm_bindgen = \"$want\"" Trunk.toml ||
    die "Trunk.toml [tools] wasm_bindgen must be \"$want\", the version in Cargo.lock"
  if need_npm_tools; then
    command -v npm >/dev/null || die "npm not found: install Node.js 20 (needed for wasm-opt and terser)"
    say "installing wasm-opt (binaryen 132), terser $TERSER_VERSION and axe-core $AXE_VERSION from npm"
    background npm npm ci --no-audit --no-fund --loglevel=error
  fi
  if need_trunk; then
    say "installing trunk $TRUNK_VERSION from crates.io (several minutes, once)"
    background trunk install_trunk
  fi
  if need_wasm_bindgen; then
    say "installing wasm-bindgen-cli $want from crates.io (a few minutes, once)"
    background wasm-bindgen install_wasm_bindgen
  fi
  if need_wasm_split; then
    say "installing wasm-split-cli $WASM_SPLIT_VERSION from crates.io (about a minute, once)"
    background wasm-split install_wasm_split
  fi
  await_jobs
  check_npm_tools
}

# The app's build: `dvk_split` turns the split points of app/src/screens.rs (and the sync
# engine's) into modules loaded on demand, and the linker keeps the relocations the splitter
# needs (scripts/trunk-post-build.sh). Set here, not in .cargo/config.toml, so that tests and
# clippy build the plain wasm, which their runners load whole. RUSTFLAGS replaces the config's
# flags, so erase_components is said again.
APP_RUSTFLAGS="--cfg erase_components --cfg dvk_split -C link-arg=--emit-relocs"

# A fingerprint of everything the app's build reads, so an unchanged app is not rebuilt.
app_sources_stamp() {
  {
    echo "$APP_RUSTFLAGS"
    find app shared style -type f ! -path 'app/dist/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum Cargo.lock Cargo.toml Trunk.toml .cargo/config.toml scripts/trunk-post-build.sh package-lock.json
  } | sha256sum | cut -d' ' -f1
}

build_app() {
  local stamp
  stamp="$(app_sources_stamp)"
  if [ -f app/dist/.build-stamp ] && [ "$(cat app/dist/.build-stamp)" = "$stamp" ]; then
    say "app is up to date (app/dist)"
    return
  fi
  say "building the app (trunk build --release)"
  RUSTFLAGS="$APP_RUSTFLAGS" trunk build --release
  echo "$stamp" > app/dist/.build-stamp
}

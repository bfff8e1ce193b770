#!/usr/bin/env bash
# Installs the tools that building and testing Tagline needs, and only those
# that are missing or at the wrong version. Safe to run on every `make`: when
# everything is present it only runs a few `--version` commands.
#
# usage: scripts/ensure-tools.sh [--rust-only] [--e2e] [--release]
#   (no flag)    rustfmt/clippy, the wasm32 target, cargo-leptos, wasm-bindgen-cli
#   --rust-only  only rustfmt/clippy and the wasm32 target (enough for lint/unit)
#   --e2e        also Debian's chromium and the npm packages of end2end/
#   --release    also binaryen (wasm-opt) from npm, for `cargo leptos build --release`
#
# Versions are pinned on purpose:
#   cargo-leptos 0.3.10 (0.3.11 needs a newer rustc), wasm-bindgen-cli equal to
#   the wasm-bindgen in Cargo.lock, binaryen 132 from npm (Debian's 108 builds
#   a wasm that never hydrates).
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Where `--release` puts binaryen; the Makefile puts its .bin first on PATH.
# Under target/ so that it is git-ignored and docker-ignored already.
BINARYEN_DIR="$ROOT/target/tools/binaryen"

want_leptos=1 want_e2e=0 want_release=0
for arg in "$@"; do
  case "$arg" in
    --rust-only) want_leptos=0 ;;
    --e2e) want_e2e=1 ;;
    --release) want_release=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "ensure-tools: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

say() { printf 'ensure-tools: %s\n' "$*"; }
die() { printf 'ensure-tools: error: %s\n' "$*" >&2; exit 1; }

# cargo install puts binaries here; make sure we can find what we install.
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$CARGO_BIN:"*) ;; *) export PATH="$CARGO_BIN:$PATH" ;; esac

command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"

# Two runs at once (say `make run` and `make test`) must not both start a
# 20-minute cargo install: serialise whole runs.
if command -v flock >/dev/null; then
  exec 9>"${TMPDIR:-/tmp}/tagline-ensure-tools.lock"
  flock 9
fi

# The release profile of *these tools* only: no LTO and many codegen units
# make `cargo install` take a third less time and memory (a full LTO link of
# cargo-leptos needs 3 GB). Applied to the cargo install commands only, never
# to the application's own build.
cheap_install() {
  CARGO_PROFILE_RELEASE_LTO=false \
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install "$@"
}

# --- Rust components and the wasm target -----------------------------------
if command -v rustup >/dev/null; then
  installed_components="$(rustup component list --installed 2>/dev/null || true)"
  for component in rustfmt clippy; do
    if ! grep -q "^$component" <<<"$installed_components"; then
      say "installing rustup component $component"
      rustup component add "$component"
    fi
  done
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "installing rustup target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
else
  # Without rustup we cannot add anything; check instead of guessing.
  rustc --print target-libdir --target wasm32-unknown-unknown >/dev/null 2>&1 \
    || die "no rustup and no wasm32-unknown-unknown standard library"
fi

# --- cargo-leptos and wasm-bindgen-cli --------------------------------------
if [[ $want_leptos == 1 ]]; then
  current="$(cargo leptos --version 2>/dev/null || true)"
  if [[ " $current " == *" $CARGO_LEPTOS_VERSION "* ]]; then
    say "ok: $current"
  else
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (was: ${current:-absent}); this takes about 20 minutes on 2 cores"
    cheap_install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi

  [[ -f Cargo.lock ]] || { say "Cargo.lock missing: generating it"; cargo generate-lockfile; }
  # The first `name = "wasm-bindgen"` package in Cargo.lock; the CLI must
  # match it exactly or cargo-leptos refuses the wasm it produces.
  mapfile -t wb_versions < <(awk '
    /^\[\[package\]\]/ { name = "" }
    /^name = /         { name = $3; gsub(/"/, "", name) }
    /^version = / && name == "wasm-bindgen" { v = $3; gsub(/"/, "", v); print v }
  ' Cargo.lock)
  [[ ${#wb_versions[@]} -ge 1 ]] || die "no wasm-bindgen package in Cargo.lock (is the hydrate feature wired up?)"
  [[ ${#wb_versions[@]} -eq 1 ]] || say "warning: several wasm-bindgen versions in Cargo.lock (${wb_versions[*]}); using ${wb_versions[0]}"
  wb_version="${wb_versions[0]}"
  current="$(wasm-bindgen --version 2>/dev/null || true)"
  if [[ " $current " == *" $wb_version "* ]]; then
    say "ok: $current"
  else
    say "installing wasm-bindgen-cli $wb_version (was: ${current:-absent}); a few minutes"
    # Not --locked: with it, a locked dependency is missing from the registry.
    cheap_install wasm-bindgen-cli --version "$wb_version" --force
  fi
fi

# --- end-to-end: chromium and the npm packages of end2end/ -----------------
if [[ $want_e2e == 1 ]]; then
  if [[ -x /usr/bin/chromium ]]; then
    say "ok: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  elif [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing Debian's chromium (Playwright must not download its own browser)"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  else
    die "/usr/bin/chromium is missing; install it as root with:
    sudo apt-get update && sudo apt-get install -y chromium"
  fi

  command -v npm >/dev/null || die "npm is missing (apt-get install -y nodejs npm)"
  [[ -f end2end/package.json ]] || die "end2end/package.json is missing"
  # Never let Playwright fetch a browser: Debian's chromium is used instead.
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  # A stamp written after a successful install; reinstall when the manifest or
  # the lock file is newer than it (npm itself may rewrite the lock file, so
  # the stamp is touched after npm is done).
  stamp=end2end/node_modules/.tagline-installed
  if [[ ! -f $stamp || end2end/package.json -nt $stamp \
        || ( -f end2end/package-lock.json && end2end/package-lock.json -nt $stamp ) \
        || ! -e end2end/node_modules/.bin/playwright ]]; then
    if [[ -f end2end/package-lock.json ]]; then
      say "installing end2end/ npm packages (npm ci)"
      (cd end2end && npm ci --no-audit --no-fund)
    else
      say "installing end2end/ npm packages (npm install: no package-lock.json)"
      (cd end2end && npm install --no-audit --no-fund)
    fi
    touch "$stamp"
  else
    say "ok: end2end/node_modules is up to date"
  fi
fi

# --- release: wasm-opt from npm's binaryen ----------------------------------
if [[ $want_release == 1 ]]; then
  command -v npm >/dev/null || die "npm is missing (apt-get install -y nodejs npm)"
  wasm_opt="$BINARYEN_DIR/node_modules/.bin/wasm-opt"
  current="$("$wasm_opt" --version 2>/dev/null || true)"
  if [[ $current == *"version $BINARYEN_VERSION"* ]]; then
    say "ok: $current ($wasm_opt)"
  else
    say "installing binaryen@$BINARYEN_VERSION (wasm-opt) into ${BINARYEN_DIR#"$ROOT"/}"
    mkdir -p "$BINARYEN_DIR"
    # A package.json of its own keeps npm from walking up to another project.
    [[ -f $BINARYEN_DIR/package.json ]] || echo '{"private": true}' >"$BINARYEN_DIR/package.json"
    npm install --prefix "$BINARYEN_DIR" --no-audit --no-fund --save-exact "binaryen@$BINARYEN_VERSION"
    say "installed: $("$wasm_opt" --version)"
  fi
fi

say "done"

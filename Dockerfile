# syntax=docker/dockerfile:1
#
# Tagline container image.
#   docker build -t tagline .
#   docker compose up          (see docker-compose.yml)
#
# Build stage: the same tool versions as scripts/ensure-tools.sh.
FROM rust:1-bookworm AS builder

# nodejs/npm only to fetch wasm-opt (npm's binaryen 132; Debian's binaryen 108
# produces a wasm that never hydrates). ca-certificates for the registries.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*

RUN rustup target add wasm32-unknown-unknown

# The tools are built with a cheap release profile (no LTO, 16 codegen units,
# opt-level 1): a third less time and memory, and they only run at build time.
# These variables are set for the `cargo install` commands only, never for the
# application build below.
RUN CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install cargo-leptos --version 0.3.10 --locked

WORKDIR /build

# wasm-bindgen-cli must be exactly the wasm-bindgen of Cargo.lock. Copying
# only Cargo.lock first keeps this layer cached until the lock file changes.
# (Without --locked: with it, a locked dependency is missing from the registry.)
COPY Cargo.lock ./
RUN version="$(awk '/^\[\[package\]\]/ { n = "" } /^name = / { n = $3; gsub(/"/, "", n) } \
                    /^version = / && n == "wasm-bindgen" { v = $3; gsub(/"/, "", v); print v; exit }' Cargo.lock)" \
 && test -n "$version" \
 && echo "wasm-bindgen-cli $version" \
 && CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install wasm-bindgen-cli --version "$version"

RUN mkdir -p /opt/binaryen \
 && echo '{"private": true}' >/opt/binaryen/package.json \
 && npm install --prefix /opt/binaryen --no-audit --no-fund --save-exact binaryen@132 \
 && /opt/binaryen/node_modules/.bin/wasm-opt --version
ENV PATH=/opt/binaryen/node_modules/.bin:$PATH

COPY . .

# The cache mounts keep the crate registry and target/ between builds (they
# are not part of the image), so the output is copied out in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/build/target \
    cargo leptos build --release \
 && mkdir -p /out \
 && cp target/release/tagline /out/tagline \
 && cp -r target/site /out/site

# Runtime stage: the binary, the site (wasm, js, css, assets) and nothing else.
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# A fixed uid/gid so that volume ownership is predictable on the host.
RUN groupadd --system --gid 10001 tagline \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin tagline \
 && mkdir -p /data /photos \
 && chown tagline:tagline /data /photos

COPY --from=builder /out/tagline /app/tagline
COPY --from=builder /out/site /app/site

# No secrets here: TAGLINE_ADMIN_PASSWORD, DATABASE_URL with a password, and
# the like come from the environment at run time (see docker-compose.yml).
ENV APP_ENV=production \
    LISTEN_ADDR=0.0.0.0:3000 \
    DATA_DIR=/data \
    PHOTOS_DIR=/photos \
    LEPTOS_OUTPUT_NAME=tagline \
    LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_SITE_ADDR=0.0.0.0:3000 \
    LEPTOS_ENV=PROD \
    RUST_LOG=info

WORKDIR /app
USER 10001:10001
VOLUME ["/data", "/photos"]
EXPOSE 3000

# Liveness without curl (not in the slim image): bash's /dev/tcp sends a GET
# /healthz to the port of LISTEN_ADDR and expects a 200 status line.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${LISTEN_ADDR##*:} && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && IFS= read -r status <&3 && [[ $status == *' 200 '* ]]"]

ENTRYPOINT ["/app/tagline"]
CMD ["serve"]

#!/usr/bin/env bash
# What Native AOT's linker needs on Linux (a C toolchain and zlib's headers), from Debian's packages.
# Idempotent: installs only what is missing. Needs root (apt-get).
set -euo pipefail
missing=()
command -v gcc >/dev/null 2>&1 || command -v clang >/dev/null 2>&1 || missing+=(gcc)
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

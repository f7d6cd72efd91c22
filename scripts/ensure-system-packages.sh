#!/usr/bin/env bash
# Installs the C libraries Obligor links (OpenBLAS, LAPACKE, GSL, SQLite) when any is missing.
set -euo pipefail
packages=(libopenblas-dev liblapacke-dev libgsl-dev libsqlite3-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "installing: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Installs the Debian packages ridgeline needs (only those missing; safe to run again).
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config
          libprotobuf-dev protobuf-compiler libonnx-dev libonnx-testdata
          libyaml-cpp-dev nlohmann-json3-dev libeigen3-dev doctest-dev libcli11-dev libfmt-dev
          libbenchmark-dev libpugixml-dev
          clang libclang-rt-14-dev)  # the fuzz targets (libFuzzer, ASan, UBSan)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all packages present"
fi

#!/usr/bin/env bash
# Installs the Debian 12 packages bantrack needs, and nothing when they are all present.
# Uses sudo when not root; runs `apt-get update` once, only when something is missing.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libboost-graph-dev libsqlite3-dev libcpp-httplib-dev nlohmann-json3-dev doctest-dev
  libcli11-dev libssl-dev sqlite3 python3
)
# Extra groups are asked for by the Makefile target that needs them.
for group in "$@"; do
  case "$group" in
    web)   packages+=(nodejs npm chromium) ;;
    bench) packages+=(wrk nginx-light nodejs npm curl iproute2) ;;
    fuzz)  packages+=(clang libclang-rt-14-dev) ;;
    load)  packages+=(wrk) ;;
    *) echo "bootstrap: unknown package group '$group'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  # nodejs from another repository also provides npm; accept either.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bootstrap: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

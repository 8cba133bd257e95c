#!/usr/bin/env bash
# Runs every test of securetoken on a fresh Debian machine: installs the outside components the
# tests use for real (OpenSSL, pcscd with the vpcd virtual reader, OpenSC, SoftHSM2), then builds
# and tests every module with Maven. Run as root, or as a user who may use sudo for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(openssl pcscd vsmartcard-vpcd opensc pcsc-tools softhsm2 rsyslog rsyslog-gnutls gnutls-bin)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

mvn -B -ntp verify "$@"

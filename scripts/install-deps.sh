#!/usr/bin/env bash
# Installs the Debian 12 packages Hallmark builds, tests and demos with.
# Idempotent: when every package is present it only runs one dpkg query.
set -euo pipefail

packages=(
  build-essential cmake pkg-config make time
  libssl-dev openssl
  libp11-kit-dev libp11-dev softhsm2 opensc
  libprotobuf-dev protobuf-compiler
  doctest-dev libcli11-dev libfmt-dev
  libsqlite3-dev libarchive-dev
  libgfshare-dev  # Shamir shares of the backup key-encryption key (hallmark-ceremony backup)
  postgresql libpq-dev
  qt6-base-dev  # the Qt 6 Widgets consoles; tests run them with QT_QPA_PLATFORM=offscreen
  # `make fuzz` (fuzz/): clang-16 and its libFuzzer; the ASan/UBSan runtimes come from
  # libclang-rt-16-dev when installed, else from libclang-rt-14-dev (cmake/sanitizers.cmake)
  clang-16 libfuzzer-16-dev libclang-rt-14-dev
  # A station's keys in a TPM (tests/stacks, label tpm): a software TPM, the resource
  # manager on a private D-Bus bus and its client library (not a dependency of tpm2-abrmd),
  # tpm2-pkcs11 and its store tool.
  swtpm swtpm-tools dbus-daemon tpm2-abrmd libtss2-tcti-tabrmd0 tpm2-tools
  libtpm2-pkcs11-1 libtpm2-pkcs11-tools
  # Custodian smart cards through OpenSC (tests/stacks, label card): pcscd with the vpcd
  # reader driver, libcacard to emulate CAC cards, NSS tools to make their keys.
  pcscd vsmartcard-vpcd libcacard-dev libnss3-tools
  # The Debian packages (`make packages`, scripts/package_debs.sh): man pages from --help.
  help2man
  # The size checker (scripts/check_sizes.py, tests/structure) and the fuzz seeds (fuzz/).
  python3
  # The auditor's report site loaded in a real browser (tests/cli/report_browser_test.sh,
  # label browser): headless Chromium.
  chromium
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-deps: run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

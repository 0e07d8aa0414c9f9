#!/usr/bin/env bash
# `make packages`: packages.sh BUILD_DIR OUT_DIR — configures BUILD_DIR as a package build
# (HALLMARK_PACKAGE_BUILD: no build paths in the binaries; no test suites), builds only the
# packaged executables and makes the .deb files in OUT_DIR (scripts/package_debs.sh).
# JOBS (default nproc) and CMAKE_ARGS (e.g. the ccache launchers) pass through.
set -euo pipefail
# Through ccache (CMAKE_ARGS with its launchers), the compiler must still see absolute paths:
# base_dir (this machine's is /work) turns them into paths relative to each object's folder,
# which -ffile-prefix-map does not map and which differ with the build folder's depth.
export CCACHE_BASEDIR=
build=${1:?usage: packages.sh BUILD_DIR OUT_DIR}
out=${2:?usage: packages.sh BUILD_DIR OUT_DIR}
src=$(cd "$(dirname "$0")/.." && pwd)
targets=(hallmark-verify hallmark-station hallmark-station-console hallmark-signer
         hallmark-ceremony hallmark-custodian-console hallmark-devsim hallmark-devsim-clock)
# shellcheck disable=SC2086  # CMAKE_ARGS is a list of arguments
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHALLMARK_PACKAGE_BUILD=ON \
  -DHALLMARK_BUILD_TESTS=OFF ${CMAKE_ARGS:-} > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target "${targets[@]}"
bash "$src/scripts/package_debs.sh" "$build" "$out"

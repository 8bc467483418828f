#!/usr/bin/env bash
# Builds everything and runs every test: the README's test command, and what CI runs.
#   1. the optimised build: unit, integration, crash-loop, package (and client, bench, web) tests;
#   1b. lockstepd built as users build it (scripts/check_plain_build.sh: no preset, no warnings);
#   1c. clang-format and clang-tidy (scripts/check_style.sh);
#   2. the same unit, integration and crash-loop tests under AddressSanitizer + UBSan;
#   3. the concurrency tests under ThreadSanitizer;
#   4. a short run of every fuzzer (fuzz/run.sh; the long form is `fuzz/run.sh 3600`), built by
#      Clang, whose thread-safety analysis checks the server's mutex annotations (core/mutex.h).
# LOCKSTEP_QUICK=1 runs step 1 only; LOCKSTEP_CHECK_CLANG=1 adds Clang to step 1b.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache (the presets' compiler launcher) keys on absolute paths unless it knows the checkout's
# root: with these, a clone elsewhere (CI's) reuses what a build in another checkout compiled.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
scripts/setup.sh

web/build.sh  # the board: served by the tests' servers and shipped in the package
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release "$@"
[ "${LOCKSTEP_QUICK:-0}" = 1 ] && exit 0

# lockstepd as users and packagers build it: plain -DCMAKE_BUILD_TYPE=Release (-O3, no -Werror);
# with Clang too when LOCKSTEP_CHECK_CLANG=1 (a cold Clang build is minutes on two cores).
plain_compilers=(c++)
[ "${LOCKSTEP_CHECK_CLANG:-0}" = 1 ] && plain_compilers+=(clang++)
scripts/check_plain_build.sh "${plain_compilers[@]}"
scripts/check_style.sh

core_targets=(lockstepd unit_tests integration_tests chaos_tests http_transcripts)
cmake --preset asan >/dev/null
cmake --build --preset asan --target "${core_targets[@]}"
ctest --preset asan -L core

cmake --preset tsan >/dev/null
cmake --build --preset tsan --target lockstepd integration_tests
ctest --preset tsan -L core -R '^(Concurrency|Locks|Changes|Batches)\.|^Stores/Locks\..*/sqlite'

fuzz/run.sh "${LOCKSTEP_FUZZ_SECONDS:-10}"

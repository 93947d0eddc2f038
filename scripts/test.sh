#!/usr/bin/env bash
# Sets up (packages + build) and runs every test: the format check, the
# normal build, then the unit and golden tests again under AddressSanitizer
# + UndefinedBehaviorSanitizer and under ThreadSanitizer (the replay's
# writer thread).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
# every C file as clang-format formats it (.clang-format); vmlinux.h is generated
git ls-files '*.c' '*.h' | grep -v '^bpf/vmlinux/' | xargs clang-format --dry-run -Werror
(cd build && ctest --output-on-failure)

FR_SKIP_APT=1 FR_BUILD_DIR=build-asan FR_CMAKE_FLAGS="-DFR_SANITIZE=ON" ./scripts/setup.sh
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --output-on-failure -L 'unit|golden')

FR_SKIP_APT=1 FR_BUILD_DIR=build-tsan FR_CMAKE_FLAGS="-DFR_SANITIZE_THREAD=ON -DFR_BUILD_BPF=OFF" \
	./scripts/setup.sh
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -L 'unit|golden')

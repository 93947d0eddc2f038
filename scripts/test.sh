#!/usr/bin/env bash
# Sets up (packages + build) and runs every test: the normal build first,
# then the unit and golden tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
(cd build && ctest --output-on-failure)

FR_SKIP_APT=1 FR_BUILD_DIR=build-asan FR_CMAKE_FLAGS="-DFR_SANITIZE=ON" ./scripts/setup.sh
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --output-on-failure -L 'unit|golden')

#!/usr/bin/env bash
# Installs the Debian packages flightrec needs and builds it into build/.
# Idempotent. FR_SKIP_APT=1 skips the package step (offline re-runs).
# FR_BUILD_DIR and extra cmake flags (FR_CMAKE_FLAGS) can be set.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
	build-essential cmake pkg-config clang clang-format llvm libclang-rt-14-dev
	libzstd-dev zstd libbpf-dev bpftool libelf-dev zlib1g-dev
	libsqlite3-dev sqlite3 libarchive-dev libjansson-dev libcmocka-dev libcurl4-openssl-dev
	libssl-dev libyaml-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler python3-protobuf python3-grpcio
	libgrpc-dev libnghttp2-dev
	prometheus graphviz iperf3 linux-perf time python3 iproute2 iptables openssl
)
# kubectl checks the test API server (tests/kubeapi): Debian's kubernetes-client,
# unless a kubectl is installed already (another package owning /usr/bin/kubectl
# would make dpkg refuse to overwrite it, and any kubectl does for that test)
command -v kubectl >/dev/null 2>&1 || PACKAGES+=(kubernetes-client)

if [ "${FR_SKIP_APT:-0}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: run as root to install packages (or FR_SKIP_APT=1 when they are present)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
fi

build="${FR_BUILD_DIR:-build}"
# shellcheck disable=SC2086
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${FR_CMAKE_FLAGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)"

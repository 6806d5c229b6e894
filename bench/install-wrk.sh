#!/usr/bin/env bash
# `make bench` loads pages with wrk (Debian's package). Installs it when missing and run as root; otherwise the
# bench uses its slower httpx load generator. Benchmarks are not part of CI: .ci/system-deps.sh leaves wrk out.
set -euo pipefail

command -v wrk >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "wrk is missing (apt-get install wrk as root); the bench falls back to its slower httpx load generator." >&2
  exit 0
fi
echo "Installing wrk"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends wrk >/dev/null

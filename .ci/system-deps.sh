#!/usr/bin/env bash
# Installs what the tests need from Debian's packages when it is missing: PostgreSQL (the tests start
# their own throwaway cluster from its binaries) and Chromium (browser journeys through Playwright).
set -euo pipefail

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
# Fonts so pages render text in screenshots.
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${need[*]} (install them with apt-get as root)." >&2
  exit 0
fi
echo "Installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian package starts a cluster of its own; the tests do not use it.
if command -v pg_ctlcluster >/dev/null 2>&1; then
  for version in /etc/postgresql/*; do
    [ -d "$version/main" ] && pg_ctlcluster "$(basename "$version")" main stop 2>/dev/null || true
  done
fi

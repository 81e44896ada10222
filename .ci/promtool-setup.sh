#!/usr/bin/env bash
# Makes `promtool` available for the metrics exposition and alert rule tests.
# It comes from Debian's `prometheus` package, but only the promtool binary is unpacked:
# installing the package would run its maintainer scripts, which may start a Prometheus server.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  echo "promtool-setup: $(promtool --version 2>&1 | head -n 1)"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"  # apt downloads as the unprivileged _apt user

apt-get update -qq
(cd "$work" && apt-get download -qq prometheus)
deb="$(ls "$work"/prometheus_*.deb)"
dpkg-deb -x "$deb" "$work/root"
install -m 0755 "$work/root/usr/bin/promtool" /usr/local/bin/promtool

echo "promtool-setup: installed $(promtool --version 2>&1 | head -n 1)"

#!/usr/bin/env bash
# Run by `npm test` before the tests: the generated Redis configuration and scripts run on the real redis-server,
# redis-sentinel and haproxy, every embedded script is checked by shellcheck, and Prometheus and Alertmanager start
# with the generated files (Debian packages redis-server, redis-sentinel, redis-tools, haproxy, shellcheck,
# prometheus, prometheus-alertmanager). Installs what is missing when this user can (root with apt-get, as in CI);
# otherwise fails with the command to run. Never lets the tests skip those checks.
set -euo pipefail
need=()
for pair in redis-server:redis-server redis-sentinel:redis-sentinel redis-cli:redis-tools haproxy:haproxy shellcheck:shellcheck \
  prometheus:prometheus prometheus-alertmanager:prometheus-alertmanager; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair##*:}")
done
[ "${#need[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} (apt-get install)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
  exit 0
fi
echo "the real-software tests need: sudo apt-get install -y ${need[*]}" >&2
exit 1

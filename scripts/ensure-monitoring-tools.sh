#!/usr/bin/env bash
# Run by `npm test` before the tests: the monitoring checks use Debian's promtool and amtool (packages
# prometheus and prometheus-alertmanager). Installs them when missing and this user can (root with apt-get, as in
# CI); otherwise fails with the command to run. Never lets the tests skip those checks.
set -euo pipefail
if command -v promtool >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing promtool and amtool (apt-get install prometheus prometheus-alertmanager)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends prometheus prometheus-alertmanager >/dev/null
  exit 0
fi
echo "promtool and amtool are needed by the tests: sudo apt-get install -y prometheus prometheus-alertmanager" >&2
exit 1

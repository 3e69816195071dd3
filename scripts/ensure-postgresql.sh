#!/usr/bin/env bash
# Run by `npm test` before the tests: the databases Job of the PostgreSQL engine is tested against a real server
# (Debian's postgresql package: initdb, pg_ctl, psql). Installs it when missing and this user can (root with
# apt-get, as in CI); otherwise fails with the command to run. Never lets the tests skip that check.
set -euo pipefail
if command -v psql >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing PostgreSQL (apt-get install postgresql)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends postgresql >/dev/null
  exit 0
fi
echo "PostgreSQL is needed by the tests: sudo apt-get install -y postgresql" >&2
exit 1

#!/usr/bin/env bash
# Checks that the committed imports/ is exactly what `npm run import` generates from the shared data folder
# (default ../shared next to the repository; pass another as $1). Regenerates into a temporary folder, so the
# working tree is never touched. Exit 1 on drift, 0 when identical; prints SKIPPED (exit 0) when there is no
# shared folder, as on a user's fresh clone: `npm test` never needs it.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${1:-../shared}"
if [ ! -d "$shared/schemas" ] || [ ! -d "$shared/charts" ]; then
  echo "SKIPPED: $shared not found (or it has no schemas/ and charts/); imports/ drift was NOT checked"
  exit 0
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
node scripts/import.js --shared "$shared" --out "$out" >/dev/null
if ! diff -r imports "$out" >/dev/null; then
  echo "imports/ differs from what 'npm run import' generates from $shared; run 'npm run import' and commit imports/:"
  diff -rq imports "$out" | sed "s#$out#<fresh import>#" | head -50
  exit 1
fi
echo "imports/ matches a fresh 'npm run import' from $shared ($(ls imports | wc -l) files)"

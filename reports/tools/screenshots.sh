#!/bin/sh
# Takes the report.html screenshots committed under docs/screenshots, in one command:
#   reports/tools/screenshots.sh [PREFIX]        (default: docs/screenshots/report-after)
# Runs experiments/edge-partition-small-queue.yaml once (about 20 s) into a temp dir, then the
# browser test (reports/html/browser.test.ts) renders the demo fixture and that fresh fleet
# journal in headless Chromium and writes PREFIX-<run>-light.png and PREFIX-<run>-dark.png.
# Run from the repository root. Needs /usr/bin/chromium.
set -eu
prefix=${1:-docs/screenshots/report-after}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# The experiment is a negative control: exit 1 (or 0 once it reads "breached as expected").
npx tsx engine/app/cli/bin.ts run experiments/edge-partition-small-queue.yaml --out "$tmp/fleet" >"$tmp/run.log" 2>&1 || true
if [ ! -s "$tmp/fleet/journal.jsonl" ]; then
  cat "$tmp/run.log" >&2
  echo "screenshots: the fleet run wrote no journal" >&2
  exit 1
fi
SQUALL_SCREENSHOTS="$prefix" SQUALL_SCREENSHOT_FLEET="$tmp/fleet/journal.jsonl" \
  npx vitest run reports/html/browser.test.ts

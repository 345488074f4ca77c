#!/usr/bin/env bash
# Fails when a build log holds a warning about Encore's own code (Sources/, Tests/, or the
# package's own targets); warnings inside dependencies' checkouts are not ours to fix.
#
#   swift build --build-tests 2>&1 | tee build.log; scripts/check-warnings.sh build.log
#
# Only a fresh build prints every warning (CI builds from a clean clone); after an incremental
# build, unchanged files are not compiled again and say nothing.
set -euo pipefail
log="${1:?usage: scripts/check-warnings.sh BUILD_LOG}"
root="$(cd "$(dirname "$0")/.." && pwd)"
identity="$(basename "$root" | tr '[:upper:]' '[:lower:]')"
ours=$(grep -E "^(${root}/)?(Sources|Tests|Package\.swift)[^:]*:[0-9]+(:[0-9]+)?: warning:|^warning: '(${identity}|encore)':" "$log" \
    | sort -u || true)
if [ -n "$ours" ]; then
    echo "warnings in Encore's own code (the build must print none):"
    echo "$ours"
    exit 1
fi
echo "no warnings in Encore's own code"

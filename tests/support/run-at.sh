#!/usr/bin/env bash
# Runs the test command as if today were another date: `npm run test:at -- 2027-12-01T10:00:00Z [jest args]`.
# libfaketime (Debian package `faketime`) shifts the clock by a fixed offset, so the clock still ticks
# and every child process (CLI, bot) lands on the same date as the tests that start it. An absolute
# "@date" would restart each child's clock at that date, behind its parent.
set -euo pipefail
target=${1:?usage: run-at.sh DATE [jest args] (any date GNU date reads, e.g. 2028-02-29T12:00:00Z)}
shift
command -v faketime >/dev/null || { echo "run-at: faketime is missing (Debian package faketime)" >&2; exit 2; }
offset=$(( $(date -d "$target" +%s) - $(date +%s) ))
sign=+; [ "$offset" -lt 0 ] && { sign=-; offset=$(( -offset )); }
cd "$(dirname "$0")/../.."
echo "run-at: the tests run at $(date -u -d "$target" '+%Y-%m-%d %H:%M:%S UTC') (clock offset ${sign}${offset}s)"
npm run build --silent
exec faketime -f "${sign}${offset}" npx jest "$@"

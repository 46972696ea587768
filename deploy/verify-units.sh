#!/usr/bin/env bash
# Checks the systemd units in deploy/ (or the folder given) with `systemd-analyze verify`.
# The units name /opt/streams-manager-bot and /usr/bin/node; they are copied to a temporary
# folder with those replaced by paths that exist here (a stub dist/src/main.js, an empty .env,
# this machine's node), so verify checks the units themselves, not this machine's layout.
# Any line verify prints (it only warns, exit 0, about unknown keys or bad values) is a failure.
#
# Exit: 0 verified; 1 verify found problems; 77 systemd-analyze is not available (untested).
set -uo pipefail
units_dir=$(cd "${1:-$(dirname "$0")}" && pwd)

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "systemd units: UNTESTED (systemd-analyze is not available here)"
  exit 77
fi
node_bin=$(command -v node || true)
if [ -z "$node_bin" ]; then
  echo "systemd units: cannot check, node is not on PATH" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
app="$work/app"
mkdir -p "$app/dist/src" "$app/data"
: > "$app/dist/src/main.js"
: > "$app/.env"
units=()
for unit in "$units_dir"/*.service "$units_dir"/*.timer; do
  [ -e "$unit" ] || continue
  sed -e "s#/opt/streams-manager-bot#$app#g" -e "s#/usr/bin/node#$node_bin#g" "$unit" > "$work/$(basename "$unit")"
  units+=("$work/$(basename "$unit")")
done
if [ "${#units[@]}" -eq 0 ]; then
  echo "systemd units: none found in $units_dir" >&2
  exit 1
fi

output=$(systemd-analyze verify --man=no "${units[@]}" 2>&1)
status=$?
if [ "$status" -ne 0 ] || [ -n "$output" ]; then
  printf '%s\n' "$output" | sed "s#$work/##g" >&2
  echo "systemd units: systemd-analyze verify found problems (exit $status)" >&2
  exit 1
fi
echo "systemd units: verified with $(systemd-analyze --version | head -n 1) (${#units[@]} units)"
exit 0

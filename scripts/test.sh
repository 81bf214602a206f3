#!/usr/bin/env bash
# The test command (README): installs what the tests need when it is missing — the PostgreSQL
# server binaries (the storage tests start a throwaway server) and wrk (the benchmark harness's
# smoke test) — then runs every test. Arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} (apt-get install ${missing[*]})..."
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } || { echo "Could not install ${missing[*]} with apt-get." >&2; exit 1; }
  else
    echo "The tests need ${missing[*]}: install it (Debian/Ubuntu: sudo apt-get install ${missing[*]}) and run again." >&2
    exit 1
  fi
fi

exec dotnet test "$@"

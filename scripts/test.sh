#!/usr/bin/env bash
# The test command (README): installs what the tests need when it is missing — the PostgreSQL
# server binaries (the storage tests start a throwaway server), wrk (the benchmark harness's
# smoke test), Prometheus (it scrapes a node in the telemetry test), Node.js with npm (the
# contract test lints the OpenAPI document with a pinned Redocly CLI; the OpenID Connect tests run
# npm's openid-client) and Chromium (the hosted pages are driven in a real browser through
# Playwright, which is given Debian's executable) — then runs every test.
# Arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/bin/prometheus ] || [ -x /usr/local/bin/prometheus ] || missing+=(prometheus)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "The tests need ${missing[*]}: install it (Debian/Ubuntu: sudo apt-get install ${missing[*]}) and run again." >&2
    exit 1
  fi
  echo "Installing ${missing[*]} (apt-get install ${missing[*]})..."
  export DEBIAN_FRONTEND=noninteractive
  # Packages must not start their services: the tests run servers of their own on free ports.
  # policy-rc.d answering 101 tells the packages' scripts not to start anything.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
  fi
  installed=0
  { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } || installed=$?
  if [ -n "$policy" ]; then rm -f "$policy"; fi
  if [ "$installed" != 0 ]; then
    echo "Could not install ${missing[*]} with apt-get." >&2
    exit 1
  fi
fi

exec dotnet test "$@"

#!/usr/bin/env bash
# A/B of token validation between an earlier commit and the working tree, in one run on one machine.
#
#   bench/ab.sh <commit> [rounds]     e.g. bench/ab.sh 219e412 4   (about 1 minute per round)
#
# Builds both benchmark hosts (Release; the commit from `git archive` in a temporary directory),
# runs them side by side on one private PostgreSQL, seeds 10,000 sessions in each, then measures
# GET /v1/sessions/current and the constant endpoint (same pipeline, no authentication) with
# wrk -t2 -c64 10 s, the two hosts taking turns and the order swapped every round. Besides rps and
# p99 it records each host's CPU time per request (utime + stime from /proc over the run): on two
# shared cores, where wrk competes with the server, that is far steadier than rps. Writes
# bench/results/ab-<UTC time>.md. Loopback only; stops everything it started.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
base=${1:?usage: bench/ab.sh <commit> [rounds]}
rounds=${2:-4}
work=$(mktemp -d /tmp/identity-ab.XXXXXX)
results="$root/bench/results"
stamp=$(date -u +%Y%m%d-%H%M%S)
out="$results/ab-$stamp.md"
log_prefix=ab
# shellcheck source=bench/ab-common.sh
source "$root/bench/ab-common.sh"

log "building $base and the working tree (Release)"
mkdir -p "$work/base" "$results"
git -C "$root" archive "$base" | tar -x -C "$work/base"
for tree in "$work/base" "$root"; do
  dotnet build "$tree/bench/Identity.Bench/Identity.Bench.csproj" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
done
dotnet build "$root/tools/Identity.DevPostgres/Identity.DevPostgres.csproj" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

log "starting PostgreSQL and both hosts"
owner=$(dotnet "$devpostgres_dll" start "$work/postgres" | sed -n 2p)
field() { sed -E "s/.*$1=([^;]+).*/\1/" <<<"$owner"; }
PGPASSWORD=$(field Password) psql -h 127.0.0.1 -p "$(field Port)" -U "$(field Username)" -d postgres -q \
  -c "CREATE DATABASE ab_base" -c "CREATE DATABASE ab_head" >/dev/null
database() { sed -E "s/Database=[^;]+/Database=$1/" <<<"$owner"; }
start() { # $1 name, $2 tree, $3 http port, $4 port offset
  (cd "$2/bench/Identity.Bench" && exec env ConnectionStrings__Identity="$(database "ab_$1")" ASPNETCORE_URLS="http://127.0.0.1:$3" \
    Orleans__SiloPort=$((21400 + $4)) Orleans__GatewayPort=$((31400 + $4)) RateLimiting__LoginPerMinute=0 RateLimiting__RegistrationPerMinute=0 \
    Passwords__MaxQueuedHashes=100000 Serilog__MinimumLevel__Default=Warning \
    dotnet bin/Release/net10.0/Identity.Bench.dll host >"$work/$1.log" 2>&1) &
  pids+=($!)
}
start base "$work/base" 5401 1
start head "$root" 5402 2
declare -A port=([base]=5401 [head]=5402) pid=([base]=${pids[0]} [head]=${pids[1]})
for who in base head; do
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:${port[$who]}/health/ready" >/dev/null && break; sleep 0.5; done
  curl -sf -X POST "http://127.0.0.1:${port[$who]}/bench/seed?count=10000" >"$work/$who-tokens.txt" || { cat "$work/$who.log"; exit 1; }
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
measure() { # $1 who, $2 seconds, $3 path → "rps p99_ms cpu_us_per_request"
  local before after report requests
  before=$(cpu_ticks "${pid[$1]}")
  report=$(BENCH_TOKENS="$work/$1-tokens.txt" wrk -t2 -c64 -d"$2s" --latency -s "$BENCH_WRK_DIR/validate.lua" "http://127.0.0.1:${port[$1]}$3" 2>&1)
  after=$(cpu_ticks "${pid[$1]}")
  requests=$(grep -oE '^ +[0-9]+ requests in' <<<"$report" | grep -oE '[0-9]+')
  awk -v rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$report")" -v p99="$(awk '$1 == "99%" {print $2}' <<<"$report")" \
      -v ticks="$((after - before))" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
      'BEGIN { ms = p99 + 0; if (p99 ~ /us$/) ms /= 1000; else if (p99 !~ /ms$/) ms *= 1000
               printf "%.0f %.2f %.1f\n", rps, ms, ticks / hz * 1e6 / n }'
}

log "warming up, then $rounds rounds"
for who in base head; do measure "$who" 5 /v1/sessions/current >/dev/null; done
: >"$work/rows"
for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then order="head base"; else order="base head"; fi
  for who in $order; do
    for endpoint in constant validate; do
      path=/v1/sessions/current; [ $endpoint = constant ] && path=/bench/constant
      echo "$round $who $endpoint $(measure "$who" 10 "$path")" | tee -a "$work/rows" >&2
    done
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column() { awk -v who="$1" -v e="$2" -v c="$3" '$2 == who && $3 == e { print $c }' "$work/rows" | median; }
{
  echo "# A/B: $base against $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD || echo ' (with uncommitted changes)')"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), command: \`bench/ab.sh $base $rounds\`."
  echo "wrk -t2 -c64 10 s per measurement, the hosts taking turns, order swapped every round; medians of $rounds rounds."
  echo
  echo "| endpoint | $base rps | head rps | head / $base | $base p99 | head p99 | $base CPU µs/request | head CPU µs/request | head / $base |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for endpoint in validate constant; do
    b_rps=$(column base $endpoint 4); h_rps=$(column head $endpoint 4)
    b_cpu=$(column base $endpoint 6); h_cpu=$(column head $endpoint 6)
    printf '| %s | %.0f | %.0f | %.2f | %s | %s | %.1f | %.1f | %.2f |\n' "$endpoint" "$b_rps" "$h_rps" "$(awk -v a="$h_rps" -v b="$b_rps" 'BEGIN{print a/b}')" \
      "$(column base $endpoint 5) ms" "$(column head $endpoint 5) ms" \
      "$b_cpu" "$h_cpu" "$(awk -v a="$h_cpu" -v b="$b_cpu" 'BEGIN{print a/b}')"
  done
  echo
  echo "Every measurement (round, host, endpoint, rps, p99 ms, CPU µs per request):"
  echo
  echo '```'
  cat "$work/rows"
  echo '```'
} >"$out"
cat "$out"
log "written: $out"

#!/usr/bin/env bash
# A/B of the storage path: two benchmark hosts on one private PostgreSQL, differing only in what is
# appended to their connection string, taking turns on password logins and refreshes.
#
#   bench/storage-cpu.sh "<suffix A>" "<suffix B>" [rounds]
#   e.g. bench/storage-cpu.sh ";Max Auto Prepare=0" "" 3      (about 2 minutes per round)
#
# Only one host is under load at a time, so the CPU that PostgreSQL's processes spend during a run
# (utime + stime from /proc) belongs to that host's requests: the report gives rps, p99 and, per
# request, the host's CPU and PostgreSQL's CPU. Writes bench/results/storage-cpu-<UTC time>.md.
# Loopback only; stops everything it started.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
suffix_a=${1?usage: bench/storage-cpu.sh "<suffix A>" "<suffix B>" [rounds]}
suffix_b=${2?usage: bench/storage-cpu.sh "<suffix A>" "<suffix B>" [rounds]}
rounds=${3:-3}
work=$(mktemp -d /tmp/identity-storage-cpu.XXXXXX)
results="$root/bench/results"
stamp=$(date -u +%Y%m%d-%H%M%S)
out="$results/storage-cpu-$stamp.md"
bench_dll="$root/bench/Identity.Bench/bin/Release/net10.0/Identity.Bench.dll"
devcertificates_dll="$root/tools/Identity.DevCertificates/bin/Release/net10.0/Identity.DevCertificates.dll"
password="bench login passphrase, wide and long 7731"
log_prefix=storage-cpu
# shellcheck source=bench/ab-common.sh
source "$root/bench/ab-common.sh"

log "building (Release)"
for project in bench/Identity.Bench/Identity.Bench.csproj tools/Identity.DevPostgres/Identity.DevPostgres.csproj tools/Identity.DevCertificates/Identity.DevCertificates.csproj; do
  dotnet build "$root/$project" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
done

owner=$(dotnet "$devpostgres_dll" start "$work/postgres" | sed -n 2p)
# A database per host: two clusters must never share grain rows.
field() { sed -E "s/.*$1=([^;]+).*/\1/" <<<"$owner"; }
PGPASSWORD=$(field Password) psql -h 127.0.0.1 -p "$(field Port)" -U "$(field Username)" -d postgres -q \
  -c "CREATE DATABASE storage_a" -c "CREATE DATABASE storage_b" >/dev/null
database() { sed -E "s/Database=[^;]+/Database=$1/" <<<"$owner"; }
export TokenKeys__Keys__0__Id=0 TokenKeys__Keys__0__Secret
TokenKeys__Keys__0__Secret=$(head -c 32 /dev/urandom | base64)
tls=$(dotnet "$devcertificates_dll" create "$work/tls")
export Tls__CaCertificate="$tls/ca.crt" Tls__Certificate="$tls/silo.crt" Tls__PrivateKey="$tls/silo.key"

declare -A url host_pid
start() {  # start <name> <port> <connection string suffix>
  env ConnectionStrings__Identity="$(database "storage_${1,,}")$3" ASPNETCORE_URLS="http://127.0.0.1:$2" \
    RateLimiting__LoginPerMinute=0 RateLimiting__RegistrationPerMinute=0 Passwords__MaxQueuedHashes=100000 \
    Serilog__MinimumLevel__Default=Warning Orleans__SiloPort=$((2000 + $2)) Orleans__GatewayPort=$((3000 + $2)) \
    dotnet "$bench_dll" host >"$work/$1.log" 2>&1 &
  pids+=($!); host_pid[$1]=$!; url[$1]="http://127.0.0.1:$2"
  for _ in $(seq 1 360); do curl -sf "${url[$1]}/health/ready" >/dev/null 2>&1 && break; sleep 0.25; done
  curl -sf "${url[$1]}/health/ready" >/dev/null || { log "host $1 did not start"; cat "$work/$1.log"; exit 1; }
  for i in $(seq 1 64); do
    curl -sf -X POST "${url[$1]}/v1/users" -H 'Content-Type: application/json' \
      -d "{\"username\":\"bench-login-$i\",\"password\":\"$password\"}" >/dev/null
  done
}
log "starting host A (suffix '$suffix_a') and host B (suffix '$suffix_b')"
start A 5321 "$suffix_a"
start B 5322 "$suffix_b"

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
postgres_ticks() {
  local total=0 pid
  for pid in $(pgrep -f "postgres" || true); do
    [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)
# measure <host> <scenario> <wrk script> <connections> [ENV=value ...] -> "scenario host rps p99 host_us pg_us"
measure() {
  local host=$1 scenario=$2 script=$3 c=$4; shift 4
  local h0 p0 h1 p1 result requests
  h0=$(ticks "${host_pid[$host]}"); p0=$(postgres_ticks)
  result=$(env "$@" BENCH_THREADS=1 wrk -t1 -c"$c" -d10s --latency -s "$BENCH_WRK_DIR/$script" "${url[$host]}" 2>&1 | grep '^RESULT')
  h1=$(ticks "${host_pid[$host]}"); p1=$(postgres_ticks)
  requests=$(sed -nE 's/.*requests=([0-9]+).*/\1/p' <<<"$result")
  awk -v s="$scenario" -v h="$host" -v r="$result" -v n="$requests" -v dh=$((h1 - h0)) -v dp=$((p1 - p0)) -v hz="$hz" 'BEGIN {
    split(r, f, /[ =]/); printf "%s %s %s %s %.0f %.0f\n", s, h, f[3], f[7], dh / hz * 1e6 / n, dp / hz * 1e6 / n }'
}

: >"$work/runs"
for round in $(seq 1 "$rounds"); do
  order="A B"; [ $((round % 2)) = 0 ] && order="B A"
  for host in $order; do
    log "round $round: host $host logins"
    measure "$host" logins login.lua 32 BENCH_LOGIN_USERS=64 BENCH_LOGIN_PASSWORD="$password" >>"$work/runs"
    curl -sf -X POST "${url[$host]}/bench/seed?count=8000" >"$work/tokens-$host.txt"
    log "round $round: host $host refreshes"
    measure "$host" refreshes refresh.lua 64 BENCH_TOKENS="$work/tokens-$host.txt" >>"$work/runs"
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column_median() { awk -v s="$1" -v h="$2" -v c="$3" '$1 == s && $2 == h { print $c }' "$work/runs" | median; }
mkdir -p "$results"
{
  echo "# Storage path A/B: logins and refreshes, CPU per request"
  echo
  echo "- Date (UTC): $(date -u '+%Y-%m-%d %H:%M'); commit $(git -C "$root" rev-parse --short HEAD)$( [ -n "$(git -C "$root" status --porcelain)" ] && echo ' (with uncommitted changes)')"
  echo "- Machine: $(nproc) vCPU, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
  echo "- Command: \`bench/storage-cpu.sh \"$suffix_a\" \"$suffix_b\" $rounds\`: one PostgreSQL, two hosts taking turns (order swapped every round), wrk -t1, 10 s per run, medians"
  echo "- A: connection string + \`$suffix_a\`; B: connection string + \`$suffix_b\`"
  echo
  echo "| scenario | host | rps | p99 ms | host CPU µs / request | PostgreSQL CPU µs / request |"
  echo "|---|---|---|---|---|---|"
  for scenario in logins refreshes; do
    for host in A B; do
      echo "| $scenario | $host | $(column_median $scenario $host 3) | $(column_median $scenario $host 4) | $(column_median $scenario $host 5) | $(column_median $scenario $host 6) |"
    done
  done
  echo
  echo "Every run (scenario, host, rps, p99 ms, host µs, PostgreSQL µs):"
  echo
  echo '```'
  cat "$work/runs"
  echo '```'
} >"$out"
cat "$out"

# Shared by the A/B scripts (bench/ab.sh, bench/storage-cpu.sh), sourced after they set $root,
# $work (their temporary folder) and $log_prefix: the hosts they start, their log line, and the
# clean-up that stops every host and the private PostgreSQL and removes $work, however they exit.
export BENCH_WRK_DIR="$root/bench/wrk"
devpostgres_dll="$root/tools/Identity.DevPostgres/bin/Release/net10.0/Identity.DevPostgres.dll"
pids=()
log() { printf '[%s] %s\n' "$log_prefix" "$*" >&2; }

cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -f "$devpostgres_dll" ] && dotnet "$devpostgres_dll" stop "$work/postgres" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
command -v wrk >/dev/null || { log "wrk is missing: apt-get install wrk"; exit 1; }

#!/usr/bin/env bash
# A local identity grid on loopback: PostgreSQL, N silos (src/Silo) and M stateless Api nodes
# (src/Api in client mode). Everything it starts is recorded under .data/grid and stopped by `down`.
#
#   scripts/grid.sh up N M       build (Release), start PostgreSQL, N silos and M Api nodes; print endpoints
#   scripts/grid.sh add-silo     start one more silo (the next free index)
#   scripts/grid.sh stop-silo K  stop silo K gracefully (SIGTERM: it leaves the grid, its grains move)
#   scripts/grid.sh kill-silo K  kill silo K (SIGKILL), as a crash would
#   scripts/grid.sh start-silo K start silo K again on its ports
#   scripts/grid.sh status       list every node: running, stopped, killed, or exited on its own
#   scripts/grid.sh down         stop every Api node, every silo, then PostgreSQL
#
# Each node runs in its program's folder, so its appsettings.json applies. Logs: .data/grid/<node>.log,
# the five before it kept as <node>.log.1 … .5. Ctrl+C during `up` stops what that `up` started.
#
# Ports: silo K listens on 11110+K (silo-to-silo), 30000+K (gateway) and 9600+K (management: /metrics);
# Api node J on http://127.0.0.1:5100+J and 9500+J (management).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/.data/grid"
bin_silo="$root/src/Silo/bin/Release/net10.0/Identity.Silo.dll"
bin_devpostgres="$root/tools/Identity.DevPostgres/bin/Release/net10.0/Identity.DevPostgres.dll"
bin_api="$root/src/Api/bin/Release/net10.0/Identity.Api.dll"
bin_devcertificates="$root/tools/Identity.DevCertificates/bin/Release/net10.0/Identity.DevCertificates.dll"
mkdir -p "$state"

log() { printf '%s\n' "$*" >&2; }

# The grid needs the PostgreSQL server binaries (and psql) before anything is built or started.
if [ "${1:-}" = up ] || [ "${1:-}" = add-silo ] || [ "${1:-}" = start-silo ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
    log "The local grid runs its own PostgreSQL: install the server binaries (Debian/Ubuntu: sudo apt-get install -y postgresql) and run again."
    exit 1
  fi
fi

# Keeps the last five logs of a node: <log>.1 is the previous run's.
rotate_log() {
  local file=$1 i
  [ -f "$file" ] || return 0
  for i in 4 3 2 1; do [ -f "$file.$i" ] && mv -f "$file.$i" "$file.$((i + 1))"; done
  mv -f "$file" "$file.1"
}

# What the script last did to a node: running, stopped or killed (status tells an unexpected exit from these).
mark() { echo "$2" >"$state/$1.state"; }

build() {
  log "Building (Release)..."
  dotnet build "$root/Identity.sln" -c Release -v quiet -nologo >"$state/build.log" 2>&1 || { cat "$state/build.log" >&2; exit 1; }
}

# The private server's two connection strings: the application role's (line 1: every node uses it)
# and the owner's (line 2: silos run the schema migration with it).
connection_string() {
  if [ ! -s "$state/connection" ]; then
    (umask 077 && dotnet "$bin_devpostgres" start "$state/postgres" >"$state/connection")
  fi
  sed -n 1p "$state/connection"
}

owner_connection_string() { connection_string >/dev/null; sed -n 2p "$state/connection"; }

# Every silo and Api node signs and verifies session tokens with the same key: one is made for
# this local grid on first use (mode 0600) and handed to each node.
token_key() {
  if [ ! -s "$state/token-key" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 >"$state/token-key")
  fi
  cat "$state/token-key"
}

# Mutual TLS between all nodes: a private CA and a certificate per role, made once (keys 0600).
tls_env() {  # tls_env <role>: the Tls__* settings of a node holding that role's certificate
  local tls="$state/tls"
  [ -s "$tls/ca.crt" ] || dotnet "$bin_devcertificates" create "$tls" >/dev/null
  echo "Tls__CaCertificate=$tls/ca.crt Tls__Certificate=$tls/$1.crt Tls__PrivateKey=$tls/$1.key"
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_until() {  # wait_until <seconds> <description> <command...>
  local limit=$1 what=$2; shift 2
  for _ in $(seq 1 $((limit * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  log "Timed out waiting for $what"; return 1
}

silo_active() {  # the membership table lists silo K as Active (3)
  local port=$((11110 + $1)) conn; conn=$(connection_string)
  local host db user pass pgport
  host=$(sed -E 's/.*Host=([^;]+).*/\1/' <<<"$conn"); pgport=$(sed -E 's/.*Port=([^;]+).*/\1/' <<<"$conn")
  db=$(sed -E 's/.*Database=([^;]+).*/\1/' <<<"$conn"); user=$(sed -E 's/.*Username=([^;]+).*/\1/' <<<"$conn")
  pass=$(sed -E 's/.*Password=([^;]+).*/\1/' <<<"$conn")
  [ "$(PGPASSWORD="$pass" psql -h "$host" -p "$pgport" -U "$user" -d "$db" -tAc \
    "SELECT status FROM membership WHERE port = $port ORDER BY generation DESC LIMIT 1")" = "3" ]
}

start_silo() {
  local k=$1 conn; conn=$(connection_string)
  if running "$state/silo-$k.pid"; then log "silo $k already runs"; return; fi
  rotate_log "$state/silo-$k.log"
  (cd "$(dirname "$bin_silo")" && ConnectionStrings__Identity="$conn" ConnectionStrings__IdentityOwner="$(owner_connection_string)" \
    Orleans__SiloPort=$((11110 + k)) Orleans__GatewayPort=$((30000 + k)) Management__Urls="http://127.0.0.1:$((9600 + k))" \
    TokenKeys__Keys__0__Id=0 TokenKeys__Keys__0__Secret="$(token_key)" \
    exec env $(tls_env silo) nohup dotnet "$bin_silo") >"$state/silo-$k.log" 2>&1 &
  echo $! >"$state/silo-$k.pid"
  mark "silo-$k" running
  started+=("$state/silo-$k.pid")
  wait_until 90 "silo $k to become active (see $state/silo-$k.log)" silo_active "$k"
  log "silo $k   silo port $((11110 + k))   gateway port $((30000 + k))   metrics http://127.0.0.1:$((9600 + k))/metrics   pid $(cat "$state/silo-$k.pid")"
}

start_api() {
  local j=$1 conn port=$((5100 + $1)); conn=$(connection_string)
  if running "$state/api-$j.pid"; then log "api $j already runs"; return; fi
  rotate_log "$state/api-$j.log"
  (cd "$(dirname "$bin_api")" && ConnectionStrings__Identity="$conn" Orleans__Mode=Client ASPNETCORE_URLS="http://127.0.0.1:$port" \
    Management__Urls="http://127.0.0.1:$((9500 + j))" \
    TokenKeys__Keys__0__Id=0 TokenKeys__Keys__0__Secret="$(token_key)" \
    exec env $(tls_env api) nohup dotnet "$bin_api") >"$state/api-$j.log" 2>&1 &
  echo $! >"$state/api-$j.pid"
  mark "api-$j" running
  started+=("$state/api-$j.pid")
  wait_until 90 "api $j to become ready (see $state/api-$j.log)" curl -sf "http://127.0.0.1:$port/health/ready"
  log "api $j    http://127.0.0.1:$port   metrics http://127.0.0.1:$((9500 + j))/metrics   pid $(cat "$state/api-$j.pid")"
}

stop_pid_file() {  # stop_pid_file <file> <signal>
  local file=$1 signal=$2
  if running "$file"; then
    kill "-$signal" "$(cat "$file")" 2>/dev/null || true
    wait_until 60 "$(basename "$file" .pid) to exit" bash -c "! kill -0 $(cat "$file") 2>/dev/null" || true
  fi
  rm -f "$file"
}

next_silo() { local k=1; while [ -f "$state/silo-$k.state" ]; do k=$((k + 1)); done; echo $k; }

known_silo() {  # known_silo <K>: an error unless silo K was ever started by this script
  if [ -z "${1:-}" ] || [ ! -f "$state/silo-$1.state" ]; then
    log "There is no silo ${1:-(missing number)}. Known silos: $(cd "$state" && ls silo-*.state 2>/dev/null | sed -E 's/silo-([0-9]+)\.state/\1/' | sort -n | tr '\n' ' ')"
    exit 2
  fi
}

started=()  # pid files of the nodes this invocation started (Ctrl+C during `up` stops them)
started_postgres=false

case "${1:-}" in
  up)
    silos=${2:-3}; apis=${3:-1}
    [ -s "$state/connection" ] || started_postgres=true
    trap 'log "Interrupted: stopping what this run started."
          for ((i = ${#started[@]} - 1; i >= 0; i--)); do stop_pid_file "${started[i]}" TERM; done
          if $started_postgres && [ -f "$bin_devpostgres" ]; then dotnet "$bin_devpostgres" stop "$state/postgres" >/dev/null 2>&1 || true; rm -f "$state/connection"; fi
          exit 130' INT TERM
    build
    log "PostgreSQL: $(connection_string | sed -E 's/Password=[^;]+/Password=***/')"
    for k in $(seq 1 "$silos"); do start_silo "$k"; done
    for j in $(seq 1 "$apis"); do start_api "$j"; done
    log "Grid up: $silos silo(s), $apis Api node(s). Logs and pids: $state"
    ;;
  add-silo) start_silo "$(next_silo)" ;;
  start-silo) known_silo "${2:-}"; start_silo "$2" ;;
  stop-silo) known_silo "${2:-}"; stop_pid_file "$state/silo-$2.pid" TERM; mark "silo-$2" stopped; log "silo $2 stopped" ;;
  kill-silo)
    known_silo "${2:-}"
    if running "$state/silo-$2.pid"; then kill -KILL "$(cat "$state/silo-$2.pid")"; fi
    rm -f "$state/silo-$2.pid"; mark "silo-$2" killed; log "silo $2 killed"
    ;;
  status)
    for f in "$state"/silo-*.state "$state"/api-*.state; do
      [ -e "$f" ] || continue
      name=$(basename "$f" .state); what=$(cat "$f")
      if [ "$what" = running ]; then
        if running "$state/$name.pid"; then what="running (pid $(cat "$state/$name.pid"))"; else what="exited on its own (see $state/$name.log)"; fi
      fi
      log "$name $what"
    done
    ;;
  down)
    for f in "$state"/api-*.pid; do [ -e "$f" ] && stop_pid_file "$f" TERM; done
    for f in "$state"/silo-*.pid; do [ -e "$f" ] && stop_pid_file "$f" TERM; done
    if [ -f "$bin_devpostgres" ]; then dotnet "$bin_devpostgres" stop "$state/postgres"; fi
    rm -f "$state/connection" "$state"/*.state
    log "Grid down."
    ;;
  *)
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Kiln's benchmark in one command: bench/run.sh
#
# Measures with wrk, on 127.0.0.1 only, a raw Javalin baseline and then Kiln on embedded H2 and
# on a PostgreSQL cluster of its own: GET one server, GET a list page, POST a build. It also
# counts the SQL statements per request and per build pipeline, times list paging at 1,000 and
# at 1,000,000 servers, and reads idle memory and time to ready. Prints one name=value line per figure and appends the figures
# to docs/benchmarks.md. docs/benchmarks.md explains every figure.
#
# Settings (environment variables):
#   BENCH_DURATION  seconds of each measured wrk run (default 10; each has a 5 s warm-up)
#   BENCH_LARGE     servers for the large paging test (default 1000000)
#   BENCH_POOL      servers that the build test rotates over (default 30000, at least 1000)
#   BENCH_DATABASES which databases to run (default "h2 postgresql")
#   BENCH_RECORD    0 to skip appending to docs/benchmarks.md (default 1)
#   BENCH_JFR       1 to record a JFR profile of every Kiln process (files are kept and listed)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-10}
WARMUP=5
THREADS=2
CONNECTIONS=32
SMALL=1000
LARGE=${BENCH_LARGE:-1000000}
POOL=${BENCH_POOL:-30000}
DATABASES=${BENCH_DATABASES:-h2 postgresql}
RECORD=${BENCH_RECORD:-1}
JFR=${BENCH_JFR:-0}
SAMPLES=50
[[ "$POOL" =~ ^[0-9]+$ ]] && ((POOL >= 1000)) ||
  { echo "bench: error: BENCH_POOL must be a whole number of at least 1000, not '$POOL'" >&2; exit 1; }

if [[ -z "${JAVA_HOME:-}" && -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log() { echo "bench: $*" >&2; }
fail() { echo "bench: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------- tools

apt_updated=0
apt_install() {
  [[ $(id -u) -eq 0 ]] || fail "$1 is missing and only root can install it (apt-get install $1)"
  if [[ $apt_updated -eq 0 ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    apt_updated=1
  fi
  log "apt-get install $1"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$1" >/dev/null
}

command -v wrk >/dev/null || apt_install wrk
command -v curl >/dev/null || apt_install curl
if [[ " $DATABASES " == *" postgresql "* ]] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_install postgresql
fi

# ---------------------------------------------------------------- jar, flags, work directory

jar=target/kiln.jar
if [[ ! -f "$jar" ]] || [[ -n "$(find src pom.xml examples -newer "$jar" -print -quit)" ]]; then
  log "building $jar"
  ./mvnw -q -B -Dmaven.test.skip=true package >&2
fi

# The JVM flags of the launcher's exec line, so that both servers run as ./kiln runs Kiln.
read -r -a JVM_FLAGS <<<"$(sed -n 's/^exec "[^"]*" \(.*\) \${KILN_JAVA_OPTS.*/\1/p' kiln)"
[[ ${#JVM_FLAGS[@]} -gt 0 ]] || fail "could not read the JVM flags from the exec line of ./kiln"

WORK=$(mktemp -d /tmp/kiln-bench.XXXXXX)
# Other builds may replace target/kiln.jar during the run; this copy stays the same.
cp "$jar" "$WORK/kiln.jar"
JAR="$WORK/kiln.jar"
TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
INVENTORY=bench/bench-inventory.yaml

RAW_PID=""
KILN_PID=""
PG_DIR=""
PG_BIN=""

cleanup() {
  local status=$?
  # wait returns the killed process's status (143), which set -e would take as a failure of cleanup
  # and end it before the work directory is removed.
  if [[ -n "$KILN_PID" ]] && kill "$KILN_PID" 2>/dev/null; then wait "$KILN_PID" 2>/dev/null || true; fi
  if [[ -n "$RAW_PID" ]] && kill "$RAW_PID" 2>/dev/null; then wait "$RAW_PID" 2>/dev/null || true; fi
  if [[ $status -ne 0 && -n "$PG_DIR" && -f "$PG_DIR/log" ]]; then cp "$PG_DIR/log" "$WORK/postgresql.log" || true; fi
  stop_postgres
  if [[ $status -ne 0 || "$JFR" == 1 ]]; then
    log "logs and recordings kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- figures

declare -A FIG
fig() {
  FIG[$1]=$2
  echo "$1=$2"
}

# Divides and rounds: ratio A B DIGITS.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b == 0) print "nan"; else printf "%.*f\n", d, a / b }'; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---------------------------------------------------------------- wrk

# Runs wrk and sets WRK_RPS (all responses per second), WRK_REQUESTS and WRK_NON2XX.
run_wrk() {
  local seconds=$1 url=$2
  shift 2
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" --timeout 10s "$@" "$url")
  WRK_RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
  WRK_REQUESTS=$(awk '/requests in/ { print $1 }' <<<"$out")
  WRK_NON2XX=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' <<<"$out")
  WRK_NON2XX=${WRK_NON2XX:-0}
  [[ -n "$WRK_RPS" ]] || fail "wrk printed no Requests/sec for $url: $out"
}

# CPU time a process has used so far, in microseconds (user and system, from /proc/PID/stat).
TICK_US=$((1000000 / $(getconf CLK_TCK)))
cpu_us() { awk -v t="$TICK_US" '{ print ($14 + $15) * t }' "/proc/$1/stat"; }

# Runs run_wrk while measuring the CPU time of process PID; sets CPU_PER_REQUEST_US.
measure_cpu() {
  local pid=$1 before
  shift
  before=$(cpu_us "$pid")
  "$@"
  CPU_PER_REQUEST_US=$(ratio $(($(cpu_us "$pid") - before)) "$WRK_REQUESTS" 0)
}

# Measures the raw baseline right before a Kiln measurement, so both see the same machine load.
RAW_RUNS=()
raw_now() {
  measure_cpu "$RAW_PID" run_wrk "$DURATION" "$RAW_URL"
  RAW_RUNS+=("$WRK_RPS")
  RAW_RPS_NOW=$WRK_RPS
  RAW_CPU_US_NOW=$CPU_PER_REQUEST_US
}

# Prints NAME_rps, NAME_vs_raw, NAME_cpu_us and NAME_vs_raw_cpu for the wrk run just made: fig_pair NAME SUFFIX RPS.
fig_pair() {
  fig "$1_rps$2" "$3"
  fig "$1_vs_raw$2" "$(ratio "$3" "$RAW_RPS_NOW")"
  fig "$1_cpu_us$2" "$CPU_PER_REQUEST_US"
  fig "$1_vs_raw_cpu$2" "$(ratio "$RAW_CPU_US_NOW" "$CPU_PER_REQUEST_US")"
}

# Runs wrk over a range of server ids with bench/wrk/rotate.lua: rotate METHOD PATH FIRST COUNT SECONDS [BODY].
rotate() {
  BENCH_METHOD=$1 BENCH_PATH=$2 BENCH_FIRST_ID=$3 BENCH_COUNT=$4 BENCH_THREADS=$THREADS BENCH_TOKEN=$TOKEN \
    BENCH_BODY=${6:-} run_wrk "$5" "$KILN_URL" -s bench/wrk/rotate.lua
}

# ---------------------------------------------------------------- raw baseline

start_raw() {
  "$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" bench/src/RawBaseline.java 0 >"$WORK/raw.log" 2>&1 &
  RAW_PID=$!
  for _ in $(seq 600); do
    RAW_URL=$(sed -n 's/^raw baseline ready on \(http[^ ]*\).*/\1/p' "$WORK/raw.log")
    [[ -n "$RAW_URL" ]] && return
    kill -0 "$RAW_PID" 2>/dev/null || fail "raw baseline exited: $(cat "$WORK/raw.log")"
    sleep 0.1
  done
  fail "raw baseline not ready within 60 s"
}

# ---------------------------------------------------------------- Kiln

KILN_ENV=()
# start_kiln NAME [extra environment]: starts Kiln and sets KILN_URL and READY_MS.
start_kiln() {
  local name=$1
  shift
  local log="$WORK/kiln-$name.log" flags=("${JVM_FLAGS[@]}")
  if [[ "$JFR" == 1 ]]; then
    flags+=("-XX:StartFlightRecording=filename=$WORK/kiln-$name.jfr,settings=profile")
  fi
  local launched
  : >"$log"
  launched=$(date +%s%3N)
  env "${KILN_ENV[@]}" "$@" KILN_ADMIN_TOKEN="$TOKEN" KILN_DATA_DIR="$DATA" \
    "$JAVA" "${flags[@]}" -jar "$JAR" serve --demo --inventory "$INVENTORY" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
  KILN_PID=$!
  local line=""
  for _ in $(seq 3000); do
    line=$(grep -m1 'Kiln ready on' "$log" || true)
    [[ -n "$line" ]] && break
    kill -0 "$KILN_PID" 2>/dev/null || fail "Kiln exited during start; see $log: $(tail -5 "$log")"
    sleep 0.1
  done
  [[ -n "$line" ]] || fail "Kiln not ready within 300 s; see $log"
  KILN_URL=$(sed -n 's/.*Kiln ready on \(http[^ ]*\).*/\1/p' <<<"$line")
  # The log line's own time stamp, so the polling interval does not count.
  local ready
  ready=$(date -d "${line%% *}" +%s%3N)
  READY_MS=$((ready - launched))
}

stop_kiln() {
  kill "$KILN_PID" 2>/dev/null || true
  for _ in $(seq 300); do
    kill -0 "$KILN_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$KILN_PID" 2>/dev/null; then
    log "Kiln (pid $KILN_PID) did not stop within 30 s; killing it"
    kill -KILL "$KILN_PID" 2>/dev/null || true
  fi
  wait "$KILN_PID" 2>/dev/null || true
  KILN_PID=""
}

rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$KILN_PID/status"; }

api() { # api METHOD PATH [BODY]: prints the status code, then the body on the next line
  curl -s -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ${3:+-d "$3"} \
    -w '\n%{http_code}' "$KILN_URL$2"
}

expect_status() { # expect_status CODE METHOD PATH [BODY]
  local out
  out=$(api "$2" "$3" "${4:-}")
  [[ "${out##*$'\n'}" == "$1" ]] || fail "$2 $3 answered ${out##*$'\n'}, expected $1: ${out%$'\n'*}"
}

# Statements counted so far by Kiln's statement counter for one thread kind (http, worker, other).
statements() {
  curl -s -H "Authorization: Bearer $TOKEN" "$KILN_URL/metrics" |
    awk -v t="$1" '$1 == "kiln_sql_statements_total{thread=\"" t "\"}" { printf "%.0f", $2 }'
}

# Builds that this node's queue workers have completed so far.
builds_done() {
  curl -s -H "Authorization: Bearer $TOKEN" "$KILN_URL/metrics" |
    awk '$1 == "kiln_queue_items_finished_total{action=\"build_server\",outcome=\"done\"}" { v = $2 }
         END { printf "%.0f", v }'
}

# Adds servers until the database has TOTAL; sets LOADED_FIRST and LOADED_LAST (0 when none added).
load_servers() {
  local total=$1 out
  out=$("$JAVA" -cp "$JAR" bench/src/LoadServers.java "$LOADER_URL" "$LOADER_USER" "$LOADER_PASSWORD" "$total" | tail -n 1)
  log "loader: $out"
  LOADED_FIRST=$(sed -n 's/.*first_id=\([0-9]*\).*/\1/p' <<<"$out")
  LOADED_LAST=$(sed -n 's/.*last_id=\([0-9]*\).*/\1/p' <<<"$out")
}

# Median time in ms of 21 requests, after warm-up ones: page_ms PAGE WARMUP.
page_ms() {
  local path="/api/v1/servers?results=50&page=$1"
  for _ in $(seq "$2"); do
    curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$KILN_URL$path"
  done
  for _ in $(seq 21); do
    curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -w '%{time_total}\n' "$KILN_URL$path"
  done | awk '{ print $1 * 1000 }' | median
}

last_page() {
  curl -s -H "Authorization: Bearer $TOKEN" "$KILN_URL/api/v1/servers?results=50" | grep -o '"last_page":[0-9]*' | cut -d: -f2
}

# ---------------------------------------------------------------- PostgreSQL

# Ports for PostgreSQL lie below Linux's default range for outgoing connections (32768-60999),
# where a port that nothing listens on may still be bound by a client socket.
PG_PORTS=$(seq 25600 25699)

# Prints the first port of PG_PORTS above $1 (default: none) that nothing listens on.
free_port() {
  local after=${1:-0}
  for port in $PG_PORTS; do
    if ((port > after)) && ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  fail "no free port in 25600-25699 for PostgreSQL"
}

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PG_DIR=$(mktemp -d /tmp/kiln-bench-pg.XXXXXX)
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$PG_DIR"
  as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  # A port can be taken between the check and the start, so a start that fails to bind tries the next one.
  PG_PORT=0
  for attempt in 1 2 3 4 5; do
    PG_PORT=$(free_port "$PG_PORT")
    if as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR" \
      -l "$PG_DIR/log" -w start >/dev/null; then
      break
    fi
    cp "$PG_DIR/log" "$WORK/postgresql-start-$attempt.log"
    grep -q 'Address already in use' "$PG_DIR/log" && [[ $attempt -lt 5 ]] ||
      fail "PostgreSQL did not start on 127.0.0.1:$PG_PORT; its log is $WORK/postgresql-start-$attempt.log"
    log "port $PG_PORT is in use; trying the next one"
  done
  "$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c 'CREATE DATABASE kiln_bench' >/dev/null
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }') on 127.0.0.1:$PG_PORT, data in $PG_DIR"
}

stop_postgres() {
  if [[ -n "$PG_DIR" ]]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
  fi
}

# ---------------------------------------------------------------- one database

# run_database LABEL SUFFIX: every Kiln figure on one database; SUFFIX ends the figure names.
run_database() {
  local label=$1 s=$2
  log "== Kiln on $label"

  # Fresh database: time to ready and idle memory.
  start_kiln "$label-fresh"
  fig "ready_ms$s" "$READY_MS"
  sleep 3
  fig "rss_idle_mb$s" "$(rss_mb)"

  # SQL per create, through the API (each create also assigns an IPv4 address).
  expect_status 201 POST /api/v1/users '{"name":"Bench","email":"bench@example.com","extRelationId":1}'
  expect_status 201 POST /api/v1/servers '{"packageId":1,"userId":1,"hypervisorId":1}'
  local before creates=20
  before=$(statements http)
  for _ in $(seq "$creates"); do
    expect_status 201 POST /api/v1/servers '{"packageId":1,"userId":1,"hypervisorId":1}'
  done
  fig "sql_per_create$s" "$(ratio $(($(statements http) - before)) "$creates")"
  stop_kiln

  # 1,000 servers: list paging, GET and list throughput, SQL per GET.
  load_servers "$SMALL"
  start_kiln "$label-1k"
  run_wrk "$WARMUP" "$KILN_URL/api/v1/servers?results=50" -H "Authorization: Bearer $TOKEN"
  rotate GET /api/v1/servers/%d 1 "$SMALL" "$WARMUP"
  local last
  last=$(last_page)
  local first_1k last_1k
  first_1k=$(page_ms 1 200)
  last_1k=$(page_ms "$last" 200)
  fig "page_first_ms_1k$s" "$first_1k"
  fig "page_last_ms_1k$s" "$last_1k"

  before=$(statements http)
  for id in $(seq "$SAMPLES"); do
    expect_status 200 GET "/api/v1/servers/$id"
  done
  fig "sql_per_get$s" "$(ratio $(($(statements http) - before)) "$SAMPLES")"

  raw_now
  measure_cpu "$KILN_PID" rotate GET /api/v1/servers/%d 1 "$SMALL" "$DURATION"
  [[ "$WRK_NON2XX" == 0 ]] || log "GET /servers/{id}: $WRK_NON2XX answers were not 2xx"
  fig_pair get "$s" "$WRK_RPS"

  raw_now
  measure_cpu "$KILN_PID" run_wrk "$DURATION" "$KILN_URL/api/v1/servers?results=50" -H "Authorization: Bearer $TOKEN"
  [[ "$WRK_NON2XX" == 0 ]] || log "GET /servers: $WRK_NON2XX answers were not 2xx"
  fig_pair list "$s" "$WRK_RPS"
  fig "rss_after_load_mb$s" "$(rss_mb)"
  stop_kiln

  # A pool of never-built servers: SQL per build request and per pipeline, then build throughput.
  load_servers $((SMALL + POOL))
  local pool_first=$LOADED_FIRST pool_last=$LOADED_LAST
  start_kiln "$label-builds"
  sleep 2
  # Idle workers poll the queue; that rate is taken off the pipeline count below.
  local idle_before idle_rate
  idle_before=$(statements worker)
  sleep 3
  idle_rate=$(ratio $(($(statements worker) - idle_before)) 3 3)

  local started worker_before ids=()
  before=$(statements http)
  worker_before=$(statements worker)
  started=$(date +%s%3N)
  for id in $(seq "$pool_first" $((pool_first + SAMPLES - 1))); do
    expect_status 200 POST "/api/v1/servers/$id/build" '{"operatingSystemId":1}'
    ids+=("$id")
  done
  fig "sql_per_build_request$s" "$(ratio $(($(statements http) - before)) "$SAMPLES")"
  wait_built "${ids[@]}"
  local elapsed_ms worker_count
  elapsed_ms=$(($(date +%s%3N) - started))
  worker_count=$(($(statements worker) - worker_before))
  fig "sql_per_build_pipeline$s" "$(awk -v n="$worker_count" -v r="$idle_rate" -v ms="$elapsed_ms" -v k="$SAMPLES" \
    'BEGIN { printf "%.1f", (n - r * ms / 1000) / k }')"

  # Up to 3,000 servers of the pool warm the JIT up; the rest, at least two thirds, are measured.
  local warm_first=$((pool_first + SAMPLES)) warm_count=$(((POOL - SAMPLES) / 3))
  ((warm_count > 3000)) && warm_count=3000
  local measured_first=$((warm_first + warm_count))
  rotate POST /api/v1/servers/%d/build "$warm_first" "$warm_count" "$WARMUP" '{"operatingSystemId":1}'
  raw_now
  local done_before
  done_before=$(builds_done)
  measure_cpu "$KILN_PID" rotate POST /api/v1/servers/%d/build "$measured_first" $((pool_last - measured_first + 1)) \
    "$DURATION" '{"operatingSystemId":1}'
  # Builds that the workers completed while wrk ran: the rate that the queue keeps up with.
  fig "build_done_rps$s" "$(ratio $(($(builds_done) - done_before)) "$DURATION" 0)"
  # Only accepted builds count; a 423 (server still building) means the pool was too small.
  fig "build_rejected$s" "$WRK_NON2XX"
  if ((WRK_NON2XX > 0)); then
    log "warning: $WRK_NON2XX build requests on $label were rejected because their server was still building, so" \
      "build_rps$s is limited by the pool; raise BENCH_POOL for BENCH_DURATION=$DURATION"
  fi
  fig_pair build "$s" "$(ratio $((WRK_REQUESTS - WRK_NON2XX)) "$DURATION" 0)"
  stop_kiln

  # 1,000,000 servers: the same pages. Workers are off, so the build backlog left above does not
  # run during the timing. The fresh JVM gets the warm-up that the pages at 1,000 servers had, so
  # the ratio compares database work and not JIT compilation.
  load_servers "$LARGE"
  start_kiln "$label-1m" KILN_WORKERS=0
  fig "ready_ms_1m$s" "$READY_MS"
  run_wrk "$WARMUP" "$KILN_URL/api/v1/servers?results=50" -H "Authorization: Bearer $TOKEN"
  last=$(last_page)
  local first_1m last_1m
  first_1m=$(page_ms 1 200)
  last_1m=$(page_ms "$last" 200)
  fig "page_first_ms_1m$s" "$first_1m"
  fig "page_last_ms_1m$s" "$last_1m"
  fig "page_1m_vs_1k$s" "$(awk -v a="$(ratio "$first_1m" "$first_1k")" -v b="$(ratio "$last_1m" "$last_1k")" \
    'BEGIN { print (a > b ? a : b) }')"
  stop_kiln
}

# Polls GET /servers/{id} until every server's commissionStatus is 3 (complete), for 120 s at most.
wait_built() {
  local deadline=$(($(date +%s) + 120)) id
  for id in "$@"; do
    until api GET "/api/v1/servers/$id" | grep -q '"commissionStatus":3'; do
      [[ $(date +%s) -lt $deadline ]] || fail "server $id not built within 120 s"
      sleep 0.2
    done
  done
}

# ---------------------------------------------------------------- docs/benchmarks.md

# Appends one row per database to the results table at the end of docs/benchmarks.md.
record_results() {
  local doc=docs/benchmarks.md
  [[ -f "$doc" ]] || fail "$doc is missing; it holds the results table that the rows are appended to"
  local date commit machine command="bench/run.sh" setting
  date=$(date -u +%Y-%m-%d)
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  git diff --quiet HEAD 2>/dev/null || commit="$commit with uncommitted changes"
  machine="$(nproc) cores, $(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo) GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  for setting in BENCH_DURATION BENCH_LARGE BENCH_POOL BENCH_DATABASES BENCH_JFR; do
    [[ -n "${!setting:-}" ]] && command="$setting=${!setting} $command"
  done
  local database s
  for database in $DATABASES; do
    s=""
    [[ "$database" == postgresql ]] && s="_pg"
    printf '| %s | %s | %s | `%s` | %s | %s | %s (%s) | %s (%s) | %s (%s) | %s / %s / %s / %s | %s, %s → %s, %s (%s) | %s | %s |\n' \
      "$date" "$commit" "$machine" "$command" "$database" "${FIG[raw_rps]}" \
      "${FIG[get_rps$s]}" "${FIG[get_vs_raw$s]}" "${FIG[list_rps$s]}" "${FIG[list_vs_raw$s]}" \
      "${FIG[build_rps$s]}" "${FIG[build_vs_raw$s]}" \
      "${FIG[sql_per_get$s]}" "${FIG[sql_per_build_request$s]}" "${FIG[sql_per_build_pipeline$s]}" "${FIG[sql_per_create$s]}" \
      "${FIG[page_first_ms_1k$s]}" "${FIG[page_last_ms_1k$s]}" "${FIG[page_first_ms_1m$s]}" "${FIG[page_last_ms_1m$s]}" \
      "${FIG[page_1m_vs_1k$s]}" "${FIG[rss_idle_mb$s]}" "${FIG[ready_ms$s]}" >>"$doc"
  done
  log "appended $(wc -w <<<"$DATABASES") rows to $doc"
}

# ---------------------------------------------------------------- run

log "work directory $WORK; JVM flags ${JVM_FLAGS[*]}"
start_raw
run_wrk "$WARMUP" "$RAW_URL"
raw_now
fig raw_rps "$RAW_RPS_NOW"

for database in $DATABASES; do
  case "$database" in
    h2)
      DATA="$WORK/h2"
      KILN_ENV=()
      LOADER_URL="jdbc:h2:file:$DATA/kiln;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH"
      LOADER_USER=kiln
      LOADER_PASSWORD=""
      run_database h2 ""
      ;;
    postgresql)
      start_postgres
      DATA="$WORK/pg-node"
      KILN_ENV=(KILN_DB_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/kiln_bench" KILN_DB_USER=postgres KILN_DB_PASSWORD=unused)
      LOADER_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/kiln_bench?reWriteBatchedInserts=true"
      LOADER_USER=postgres
      LOADER_PASSWORD=unused
      run_database postgresql "_pg"
      stop_postgres
      ;;
    *) fail "unknown database '$database' in BENCH_DATABASES; expected h2 or postgresql" ;;
  esac
done

fig raw_rps_min "$(printf '%s\n' "${RAW_RUNS[@]}" | sort -n | head -n 1)"
fig raw_rps_max "$(printf '%s\n' "${RAW_RUNS[@]}" | sort -n | tail -n 1)"

if [[ "$RECORD" == 1 ]]; then
  record_results
fi

#!/usr/bin/env bash
# Benchmarks Leadboard on a seeded database with wrk (the only way speed is measured here).
#   bench/run.sh [LEADS] [DURATION]      e.g. bench/run.sh 1000000 10s
# Needs a release build (`make release`, or BIN=... for another binary), wrk and curl.
set -euo pipefail
LEADS=${1:-100000}
DURATION=${2:-10s}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/.build/release/leadboard}
DATA=${DATA:-/tmp/leadboard-bench-$LEADS}
PORT=${PORT:-8181}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

if [ ! -f "$DATA/leadboard.sqlite" ]; then
  echo "== seeding $LEADS leads into $DATA"
  /usr/bin/time -f "seed: %e s, max RSS %M KiB" "$BIN" demo --data-dir "$DATA" --leads "$LEADS" --seed 7 | tail -1
fi
ls -l "$DATA"/leadboard.sqlite | awk '{printf "database: %.0f MiB\n", $5/1048576}'

"$BIN" serve --data-dir "$DATA" --port "$PORT" --resources "$ROOT" > "$DATA/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

login() {  # prints the session cookie of $1
  local email=$1 password jar
  password=$(awk -v e="$email" '$2 == e {print $3}' "$DATA/demo-logins.txt")
  jar=$(mktemp)
  local token
  token=$(curl -fs -c "$jar" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "email=$email" --data-urlencode "password=$password" \
    --data-urlencode "_csrf=$token" "http://127.0.0.1:$PORT/login"
  awk '$6 == "lb_session" {print "lb_session=" $7}' "$jar"
  rm -f "$jar"
}

MANAGER=$(login manager@example.com)
EXEC=$(login sam@example.com)
run() {  # label cookie path — one warm-up request (timed), then wrk
  printf '%-30s' "$1"
  curl -s -o /dev/null -H "Cookie: $2" -w "first %{time_total}s  " "http://127.0.0.1:$PORT$3"
  wrk -t2 -c8 -d"$DURATION" -H "Cookie: $2" "http://127.0.0.1:$PORT$3" \
    | awk '/Requests\/sec/ {rps=$2} /Latency/ {lat=$2; p=$4} /Non-2xx/ {bad=$NF} END {printf "%10s req/s   avg latency %8s%s\n", rps, lat, (bad ? "   NON-2xx: " bad : "")}'
  sleep 2  # let requests still queued from wrk finish
}
echo "== wrk -t2 -c8 -d$DURATION (2 cores shared by server and wrk); slowest pages last"
run "healthz" "" /healthz
run "lead list (manager)" "$MANAGER" /leads
run "lead list page 200 (manager)" "$MANAGER" "/leads?page=200"
run "lead list sorted by value" "$MANAGER" "/leads?sort=-value"
run "search 'acme' (manager)" "$MANAGER" "/leads?q=acme"
run "lead list (executive)" "$EXEC" /leads
run "board (manager)" "$MANAGER" /board
run "board (executive)" "$EXEC" /board
run "dashboard (manager)" "$MANAGER" /
run "lead page" "$MANAGER" /leads/1
run "activity (executive)" "$EXEC" /activity
run "dashboard (executive)" "$EXEC" /
run "reports, 90 days (executive)" "$EXEC" /reports
run "reports, 90 days (manager)" "$MANAGER" /reports
echo "== CSV export of every lead (manager)"
/usr/bin/time -f "export: %e s" curl -fs -H "Cookie: $MANAGER" -o "$DATA/export.csv" "http://127.0.0.1:$PORT/leads.csv"
wc -l < "$DATA/export.csv" | awk '{print "exported rows (with header): " $1}'
ps -o rss= -p $SERVER | awk '{printf "server RSS after export: %.0f MiB\n", $1/1024}'

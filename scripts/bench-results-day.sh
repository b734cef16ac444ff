#!/usr/bin/env bash
# Results day: load the public 中考 lookup (GET /api/v1/public/admission/results)
# of the real server binary with wrk on loopback, beside a bare net/http
# handler serving a real answer of the same size, in the same run; print
# throughput, latency percentiles and RSS, and the ratios to the targets
# (≥ 10,000 requests/s with p99 ≤ 50 ms) and to the bare handler.
#
#   scripts/bench-results-day.sh            # the small demo (9,000 students)
#   SCALE=city scripts/bench-results-day.sh # the city demo (90,000 students)
#
# Loads: 1× is C1 connections (16: wrk keeps each busy, so that is the
# highest rate the machine serves); 10× is ten times as many; "overload"
# restarts the server with --results-rate below what it can serve, so that
# the excess is refused with 429 and Retry-After at once. Every request is a
# real student with their real ID suffix, in file order, round robin.
# Needs wrk (Debian package wrk). The machine is shared: note its load.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${SCALE:-small}
C1=${C1:-16}
DURATION=${DURATION:-15s}
WORK=${WORK:-$(mktemp -d /tmp/bench-results-day.XXXXXX)}
PORT=${PORT:-$((20000 + RANDOM % 20000))}
BARE_PORT=$((PORT + 1))
OVERLOAD_RATE=${OVERLOAD_RATE:-5000}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

echo "building into $WORK"
go build -o "$WORK/edubureau" ./cmd/edubureau
go build -o "$WORK/resultsday" ./scripts/resultsday
cd "$WORK"
DSN="sqlite:$WORK/demo.db"
if [ ! -f demo.db ]; then
  echo "building the $SCALE demo (its 中考 is published)"
  ./edubureau demo --db "$DSN" --scale "$SCALE" --no-serve >/dev/null 2>demo.log
fi
./resultsday paths --db "$DSN" --key-file demo.db.key --n 10000000 > paths.txt
echo "$(wc -l < paths.txt) students to look up"
cat > paths.lua <<'EOF'
local paths = {}
for line in io.lines("paths.txt") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
EOF

start_server() { # $@: extra flags
  ./edubureau serve --db "$DSN" --key-file demo.db.key --addr "127.0.0.1:$PORT" --log-format json "$@" > "serve.log" 2>&1 &
  SERVER=$!; pids+=("$SERVER")
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT$(head -1 paths.txt)" && return
    sleep 0.2
  done
  echo "the server did not serve the results" >&2; exit 1
}
rss() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status"; }
hwm() { awk '/VmHWM/ {printf "%d", $2/1024}' "/proc/$1/status"; }
# run NAME PORT CONNS: one wrk run; prints rps, p50, p99 (ms), non-2xx, 2xx a second.
run() {
  local out; out=$(wrk -t2 -c"$3" -d"$DURATION" --latency -s paths.lua "http://127.0.0.1:$2" 2>&1)
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $5}' <<<"$out"); bad=${bad:-0}
  # Answered: the results a second, the gate's 429s left out.
  ok=$(awk -v r="$rps" -v b="$bad" -v d="${DURATION%s}" 'BEGIN { printf "%.0f", r - b / d }')
  printf '%s %s %s %s %s\n' "$rps" "$(ms "$p50")" "$(ms "$p99")" "$bad" "$ok"
}
ms() { # wrk's 1.23ms / 456.00us / 1.20s → ms
  awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.2f", n }'
}

start_server
curl -s "http://127.0.0.1:$PORT$(head -1 paths.txt)" > body.json
./resultsday bare --addr "127.0.0.1:$BARE_PORT" --body body.json > bare.log 2>&1 &
BARE=$!; pids+=("$BARE")
sleep 1
snapshot=$(curl -s -D - -o /dev/null "http://127.0.0.1:$PORT$(head -1 paths.txt)" | awk -F': ' 'tolower($1)=="x-snapshot" {print $2}' | tr -d '\r')

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); snapshot $snapshot"
echo "warming up"; wrk -t2 -c"$C1" -d3s -s paths.lua "http://127.0.0.1:$PORT" >/dev/null; wrk -t2 -c"$C1" -d3s -s paths.lua "http://127.0.0.1:$BARE_PORT" >/dev/null
rss0=$(rss "$SERVER")

printf '\n%-26s %10s %9s %9s %9s %9s %8s\n' "run ($DURATION each)" "req/s" "2xx/s" "p50 ms" "p99 ms" "non-2xx" "RSS MB"
read -r s1 s1p50 s1p99 s1bad s1ok < <(run server "$PORT" "$C1");       printf '%-26s %10s %9s %9s %9s %9s %8s\n' "server 1× (c$C1)" "$s1" "$s1ok" "$s1p50" "$s1p99" "$s1bad" "$(rss "$SERVER")"
read -r b1 b1p50 b1p99 b1bad b1ok < <(run bare "$BARE_PORT" "$C1");     printf '%-26s %10s %9s %9s %9s %9s %8s\n' "bare net/http 1× (c$C1)" "$b1" "$b1ok" "$b1p50" "$b1p99" "$b1bad" "$(rss "$BARE")"
C10=$((C1 * 10))
read -r s10 s10p50 s10p99 s10bad s10ok < <(run server "$PORT" "$C10");  printf '%-26s %10s %9s %9s %9s %9s %8s\n' "server 10× (c$C10)" "$s10" "$s10ok" "$s10p50" "$s10p99" "$s10bad" "$(rss "$SERVER")"
first=$(curl -s -o /dev/null -w '%{http_code} in %{time_total}s' "http://127.0.0.1:$PORT$(sed -n 2p paths.txt)")
read -r r1 r1p50 r1p99 r1bad r1ok < <(run server "$PORT" "$C1");       printf '%-26s %10s %9s %9s %9s %9s %8s\n' "server 1× after 10×" "$r1" "$r1ok" "$r1p50" "$r1p99" "$r1bad" "$(rss "$SERVER")"
read -r b10 b10p50 b10p99 b10bad b10ok < <(run bare "$BARE_PORT" "$C10"); printf '%-26s %10s %9s %9s %9s %9s %8s\n' "bare net/http 10× (c$C10)" "$b10" "$b10ok" "$b10p50" "$b10p99" "$b10bad" "$(rss "$BARE")"
peak=$(hwm "$SERVER")
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true

# Overload: capacity set below what the machine serves: the excess is refused at once.
start_server --results-rate "$OVERLOAD_RATE"
wrk -t2 -c"$C1" -d3s -s paths.lua "http://127.0.0.1:$PORT" >/dev/null
read -r o o50 o99 obad ook < <(run server "$PORT" "$C10");            printf '%-26s %10s %9s %9s %9s %9s %8s\n' "server --results-rate $OVERLOAD_RATE, c$C10" "$o" "$ook" "$o50" "$o99" "$obad" "$(rss "$SERVER")"
wrk -t1 -c"$C10" -d3s -s paths.lua "http://127.0.0.1:$PORT" >/dev/null &
LOAD=$!
for _ in $(seq 1 40); do curl -s -D - -o /dev/null "http://127.0.0.1:$PORT$(head -1 paths.txt)"; done | tr -d '\r' > overload.txt
wait "$LOAD" || true
retry=$(awk '/^HTTP/ {c=$2} tolower($1)=="retry-after:" && c=="429" {print "429 with Retry-After: " $2; exit}' overload.txt)
after=$(curl -s -o /dev/null -w '%{http_code} in %{time_total}s' "http://127.0.0.1:$PORT$(sed -n 3p paths.txt)")

echo
echo "first request right after the 10× run: $first"
echo "during the overload: ${retry:-no 429 seen by curl}; right after it: $after"
echo "server RSS: $rss0 MB after warm-up, peak $peak MB"
awk -v s1ok="$s1ok" -v s1="$s1" -v p="$s1p99" -v b1="$b1" -v bp="$b1p99" -v s10="$s10" -v b10="$b10" -v r1="$r1" 'BEGIN {
  printf "\nratios (below 1 meets the target):\n"
  printf "  10,000 req/s / server 1× answered (2xx) %.3f\n", 10000 / s1ok
  printf "  server 1× p99 / 50 ms                 %.3f\n", p / 50
  printf "bare handler / server (same run):\n"
  printf "  throughput 1×   %.2f   10×  %.2f\n", b1 / s1, b10 / s10
  printf "  p99 1×          %.2f\n", bp / p
  printf "recovery: 1× after 10× / 1× before      %.2f\n", r1 / s1
}'

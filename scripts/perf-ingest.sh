#!/usr/bin/env bash
# One end-to-end ingest measurement: starts `hotel serve` on loopback ports
# with a fresh data directory (embedded broker, or the given external
# Mosquitto), runs `hotel load` against it, prints the load report as JSON
# with the load average, the server's peak RSS (and its RSS at the end of
# each minute), the CPU time of the server
# and of the load generator, and stops the server.
#
#   scripts/perf-ingest.sh BIN embedded|HOST:PORT DEVICES RATE SECONDS
#
# BIN is the `hotel` binary to measure, so that two builds can be compared
# in one sitting. NO_LATENCY=1 leaves out the WebSocket latency feed (its
# JSON per update costs the server CPU at saturation). Only 127.0.0.1 is used.
set -euo pipefail

bin=$1 broker=$2 devices=$3 rate=$4 seconds=$5
http_port=${HTTP_PORT:-18101}
mqtt_port=${MQTT_PORT_EMBEDDED:-18830}
data=$(mktemp -d)
password='perf-run-Secret-42'

cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT

if [ "$broker" = embedded ]; then
  HOTEL_ADMIN_PASSWORD=$password "$bin" serve --data-dir "$data" \
    --http "127.0.0.1:$http_port" --mqtt "127.0.0.1:$mqtt_port" --mqtt-ws off \
    >"$data/server.log" 2>&1 &
  target=127.0.0.1:$mqtt_port
else
  HOTEL_ADMIN_PASSWORD=$password MQTT_BROKER=${broker%:*} MQTT_PORT=${broker#*:} \
    "$bin" serve --data-dir "$data" --http "127.0.0.1:$http_port" \
    >"$data/server.log" 2>&1 &
  target=$broker
fi
server=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

# Peak RSS of the server, sampled every second while the load runs.
peak=0
(
  while kill -0 "$server" 2>/dev/null; do
    rss=$(awk '/VmRSS/ { print $2 }' "/proc/$server/status" 2>/dev/null || true)
    # Nothing once the server has exited but is not yet reaped.
    [ -n "$rss" ] && echo "$rss"
    sleep 1
  done
) >"$data/rss" &
sampler=$!

feed_password=$password
[ "${NO_LATENCY:-0}" = 1 ] && feed_password=
# The load generator's own CPU (user + system), from bash's `time`.
TIMEFORMAT='%U %S'
if ! report=$( { time env ${feed_password:+HOTEL_LOAD_PASSWORD=$feed_password} "$bin" load \
  --broker "$target" --http "http://127.0.0.1:$http_port" --devices "$devices" \
  --rate "$rate" --seconds "$seconds" --json 2>"$data/load.err"; } 2>"$data/load.time"); then
  echo "perf-ingest: the load run failed; its errors, then the server log's end:" >&2
  cat "$data/load.err" >&2
  tail -n 20 "$data/server.log" >&2
  exit 1
fi
load_cpu_s=$(awk '{ printf "%.2f", $1 + $2 }' "$data/load.time")
load=$(cut -d' ' -f1-3 /proc/loadavg)
kill "$sampler" 2>/dev/null || true
peak=$(sort -n "$data/rss" | tail -1)
# RSS at the end of each minute of the run (the sampler's 60th, 120th… line).
rss_by_minute=$(awk 'NR % 60 == 0' "$data/rss" | paste -sd, -)
# Totals since the server started (it started empty for this run).
total() { curl -fs "http://127.0.0.1:$http_port/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
received=$(total hotel_telemetry_received_total)
stored=$(total hotel_telemetry_stored_total)
# CPU the server used over its whole life (user + system), in clock ticks;
# divided by the messages it received this is independent of other load.
ticks=$(awk '{ print $14 + $15 }' "/proc/$server/stat")
cpu_s=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')
us_per_msg=$(awk -v c="$cpu_s" -v m="${received:-0}" 'BEGIN { if (m > 0) printf "%.1f", c * 1e6 / m; else print 0 }')
echo "{\"load_avg\":\"$load\",\"server_peak_rss_kb\":${peak:-0},\"server_rss_kb_by_minute\":[$rss_by_minute],\"server_cpu_s\":$cpu_s,\"load_generator_cpu_s\":$load_cpu_s,\"received\":${received:-0},\"stored\":${stored:-0},\"server_cpu_us_per_msg\":$us_per_msg,\"report\":$report}"

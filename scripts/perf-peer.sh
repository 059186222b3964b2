#!/usr/bin/env bash
# The peer of scripts/perf-ingest.sh: the same `hotel load` traffic into a
# bare Mosquitto with one `mosquitto_sub` on the telemetry topics and no
# server, so that what a plain broker forwards is measured in the same
# sitting as what the server stores.
#
#   scripts/perf-peer.sh BIN DEVICES RATE SECONDS
#
# Prints one JSON object: the load report, the messages the subscriber
# received, and the CPU seconds of the load generator and of Mosquitto.
# Needs `mosquitto` and `mosquitto_sub` (Debian: mosquitto,
# mosquitto-clients). Only 127.0.0.1 is used.
set -euo pipefail

bin=$1 devices=$2 rate=$3 seconds=$4
port=${PEER_PORT:-18832}
dir=$(mktemp -d)

cleanup() {
  kill "${sub:-}" "${broker:-}" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" >"$dir/mosquitto.conf"
mosquitto -c "$dir/mosquitto.conf" >"$dir/mosquitto.log" 2>&1 &
broker=$!
for _ in $(seq 50); do
  mosquitto_sub -h 127.0.0.1 -p "$port" -t probe -W 1 -C 1 >/dev/null 2>&1 && break
  [ $? -eq 27 ] && break  # timed out waiting for a message: the broker is up
  sleep 0.1
done
mosquitto_sub -h 127.0.0.1 -p "$port" -t 'hotel/+/telemetry/+' >"$dir/received" &
sub=$!
sleep 0.5

TIMEFORMAT='%U %S'
report=$( { time "$bin" load --broker "127.0.0.1:$port" --http off --devices "$devices" \
  --rate "$rate" --seconds "$seconds" --json 2>"$dir/load.err"; } 2>"$dir/load.time")
sleep 1
kill "$sub"
wait "$sub" 2>/dev/null || true
received=$(wc -l <"$dir/received")
load_cpu_s=$(awk '{ printf "%.2f", $1 + $2 }' "$dir/load.time")
ticks=$(awk '{ print $14 + $15 }' "/proc/$broker/stat")
broker_cpu_s=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')
echo "{\"subscriber_received\":$received,\"load_generator_cpu_s\":$load_cpu_s,\"mosquitto_cpu_s\":$broker_cpu_s,\"report\":$report}"

#!/usr/bin/env bash
# Runs every test of the workspace. Tests that need a real MQTT broker use
# the Mosquitto at HOTEL_TEST_MQTT_BROKER (host:port); when that is unset,
# this script starts a throwaway Mosquitto on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v mosquitto >/dev/null 2>&1 && [ -z "${HOTEL_TEST_MQTT_BROKER:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null
  else
    echo "mosquitto is needed: sudo apt-get install -y mosquitto" >&2
    exit 1
  fi
fi

cleanup() { [ -n "${mosquitto_pid:-}" ] && kill "$mosquitto_pid" 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${HOTEL_TEST_MQTT_BROKER:-}" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  conf=$(mktemp)
  printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" > "$conf"
  mosquitto -c "$conf" >/dev/null 2>&1 &
  mosquitto_pid=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  export HOTEL_TEST_MQTT_BROKER="127.0.0.1:$port"
fi
export HOTEL_REQUIRE_SERVICES="${HOTEL_REQUIRE_SERVICES:-1}"

log=$(mktemp)
status=0
cargo test --workspace --locked "$@" 2>&1 | tee "$log" || status=$?
# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
rm -f "$log"
exit "$status"

#!/usr/bin/env bash
# Runs every test of the workspace, then the Python bindings' tests (pytest
# and stubtest, in a virtual environment under the target directory). Tests
# that need a real MQTT broker use the Mosquitto at HOTEL_TEST_MQTT_BROKER
# (host:port); when that is unset, this script starts a throwaway Mosquitto
# on a free loopback port.
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

# The Python bindings (bindings/python): build the wheel with maturin in a
# virtual environment under the target directory (the dev profile, so the
# crates the Rust tests built are reused), install it, then run pytest and
# check the type stubs against the module and the tests against the stubs.
python_tests() {
  local venv wheels
  venv=$(realpath -m "${CARGO_TARGET_DIR:-target}/python-venv")
  wheels=$(realpath -m "${CARGO_TARGET_DIR:-target}/python-wheels")
  if ! { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; }; then
    rm -rf "$venv"
    if [ "$HOTEL_REQUIRE_SERVICES" = 1 ]; then
      echo "python3 -m venv failed: the Python binding tests need python3-venv" >&2
      return 1
    fi
    echo "skipping the Python binding tests: python3 -m venv is unavailable (apt-get install python3-venv)"
    return 0
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check maturin pytest mypy pillow &&
    rm -rf "$wheels" &&
    "$venv/bin/maturin" build --locked -m bindings/python/Cargo.toml -o "$wheels" &&
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheels"/smart_hotel-*.whl ||
    return 1
  local py_status=0
  # mypy keeps its cache beside the venv, out of the source tree (stubtest
  # writes its own in the working directory, so it runs from there).
  export MYPY_CACHE_DIR="${venv%/*}/mypy-cache"
  "$venv/bin/python" -m pytest -p no:cacheprovider bindings/python/tests 2>&1 | tee -a "$log" || py_status=1
  (cd "${venv%/*}" && "$venv/bin/python" -m mypy.stubtest smart_hotel) || py_status=1
  # The tests type-check against the stubs as a user's code would.
  "$venv/bin/python" -m mypy --strict bindings/python/tests || py_status=1
  return "$py_status"
}
python_tests || status=1

# One closing line for the whole run (cargo prints one per test binary;
# pytest one summary such as "== 1 failed, 20 passed in 2.00s ==").
awk '
  /^test result:/ { p += $4; f += $6 }
  /^=+ .*[0-9]+ (passed|failed).* in [0-9.]+s/ {
    for (i = 2; i <= NF; i++) {
      if ($i ~ /^passed/) p += $(i - 1)
      if ($i ~ /^failed/) f += $(i - 1)
    }
  }
  END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
rm -f "$log"
exit "$status"

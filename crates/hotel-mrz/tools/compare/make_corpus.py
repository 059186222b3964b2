#!/usr/bin/env python3
"""Builds the synthetic comparison corpus (tests/fixtures/compare_corpus.txt).

Every MRZ is either an ICAO Doc 9303 specimen or built here from invented
fields with this script's own check-digit function (independent of the Rust
crate), then optionally damaged on purpose. Run from anywhere:

    python3 crates/hotel-mrz/tools/compare/make_corpus.py
"""

from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "compare_corpus.txt"


def value(c):
    if c.isdigit():
        return int(c)
    if c == "<":
        return 0
    return ord(c) - ord("A") + 10


def cd(s):
    return str(sum(value(c) * (7, 3, 1)[i % 3] for i, c in enumerate(s)) % 10)


def pad(s, n):
    assert len(s) <= n, (s, n)
    return s + "<" * (n - len(s))


def name(surname, given, n):
    return pad(surname + ("<<" + given if given else ""), n)[:n]


def td3(code="P", state="UTO", sur="ERIKSSON", giv="ANNA<MARIA", num="L898902C3",
        nat="UTO", birth="740812", sex="F", exp="120415", opt="ZE184226B", opt_cd=None):
    l1 = pad(code, 2) + pad(state, 3) + name(sur, giv, 39)
    o = pad(opt, 14)
    if opt_cd is None:
        opt_cd = "<" if o == "<" * 14 else cd(o)
    n = pad(num, 9)
    l2 = n + cd(n) + pad(nat, 3) + birth + cd(birth) + sex + exp + cd(exp) + o + opt_cd
    l2 += cd(l2[0:10] + l2[13:20] + l2[21:43])
    return [l1, l2]


def mrva(num="L8988901C", birth="400907", sex="F", exp="961210", opt="6ZE184226B", nat="XXX"):
    l1 = "V<UTO" + name("ERIKSSON", "ANNA<MARIA", 39)
    n = pad(num, 9)
    l2 = n + cd(n) + nat + birth + cd(birth) + sex + exp + cd(exp) + pad(opt, 16)
    return [l1, l2]


def td2(num="D23145890", opt="", state="UTO", birth="740812", exp="120415"):
    l1 = "I<" + state + name("ERIKSSON", "ANNA<MARIA", 31)
    if len(num) > 9:
        n, rest = num[:9], num[9:]
        l2 = n + "<" + state + birth + cd(birth) + "F" + exp + cd(exp)
        l2 += pad(rest + cd(num) + "<" + opt, 7)
    else:
        n = pad(num, 9)
        l2 = n + cd(n) + state + birth + cd(birth) + "F" + exp + cd(exp) + pad(opt, 7)
    l2 += cd(l2[0:10] + l2[13:20] + l2[21:35])
    return [l1, l2]


def td1(num="D23145890", opt1="", opt2="", birth="740812", exp="120415", sex="F"):
    if len(num) > 9:
        l1 = "I<UTO" + num[:9] + "<" + pad(num[9:] + cd(num) + "<" + opt1, 15)
    else:
        n = pad(num, 9)
        l1 = "I<UTO" + n + cd(n) + pad(opt1, 15)
    l2 = birth + cd(birth) + sex + exp + cd(exp) + "UTO" + pad(opt2, 11)
    l2 += cd(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    return [l1, l2, name("ERIKSSON", "ANNA<MARIA", 30)]


def french(sur="MARTIN", giv="JEANNE<<LOUISE", num="990275012345", birth="850714", sex="F",
           admin="750123"):
    l1 = "IDFRA" + pad(sur, 25) + pad(admin, 6)
    l2 = num + cd(num) + pad(giv, 14) + birth + cd(birth) + sex
    l2 += cd(l1 + l2)
    return [l1, l2]


def damage(lines, line, col, char):
    """Replaces the character at 1-based (line, col)."""
    out = list(lines)
    s = out[line - 1]
    out[line - 1] = s[: col - 1] + char + s[col:]
    return out


CASES = [
    ("td3-specimen", "ICAO 9303 Part 4 specimen", td3()),
    ("td1-specimen", "ICAO 9303 Part 5 specimen", td1()),
    ("td2-specimen", "ICAO 9303 Part 6 specimen", td2()),
    ("mrva-specimen", "ICAO 9303 Part 7 MRV-A specimen", mrva()),
    ("mrvb-specimen", "ICAO 9303 Part 7 MRV-B specimen",
     ["V<UTO" + name("ERIKSSON", "ANNA<MARIA", 31), "L8988901C4XXX4009078F9612109<<<<<<<<"]),
    ("french-valid", "invented French ID card", french()),
    ("french-bad-composite", "French ID card, composite changed", damage(french(), 2, 36, "0")),
    ("td1-long-number", "TD1, 13-character number continued in optional data",
     td1(num="D23145890AB12", opt1="XY")),
    ("td2-long-number", "TD2, 12-character number continued in optional data",
     td2(num="D23145890773")),
    ("td1-long-marker-broken", "TD1, '<' in number check position, no continuation",
     damage(td1(), 1, 15, "<")),
    ("td1-optional-both", "TD1 with optional data on both lines",
     td1(opt1="ABC123", opt2="XYZ9")),
    ("td3-bad-birth-check", "TD3, birth check digit changed", damage(td3(), 2, 20, "3")),
    ("td3-bad-composite", "TD3, composite changed", damage(td3(), 2, 44, "1")),
    ("td3-month-13", "TD3, birth month 13 with a right check digit", td3(birth="741312")),
    ("td3-day-41", "TD3, expiry day 41 with a right check digit", td3(exp="300141")),
    ("td3-feb-30", "TD3, 30 February with a right check digit", td3(birth="740230")),
    ("td3-letter-in-date", "TD3, letter O in birth date, check digits computed over it",
     td3(birth="74O812")),
    ("td3-unknown-day-month", "TD3, birth day and month unknown (<<)", td3(birth="80<<<<")),
    ("td3-unknown-birth", "TD3, birth date entirely unknown", td3(birth="<<<<<<")),
    ("td3-sex-x", "TD3, sex X", td3(sex="X")),
    ("td3-sex-filler", "TD3, sex <", td3(sex="<")),
    ("td3-sex-invalid", "TD3, sex Q", td3(sex="Q")),
    ("td3-empty-personal-filler", "TD3, no personal number, check digit <", td3(opt="")),
    ("td3-empty-personal-zero", "TD3, no personal number, check digit 0", td3(opt="", opt_cd="0")),
    ("td3-digit-in-name", "TD3, digit 0 in the surname", td3(sur="ERIKSS0N")),
    ("td3-germany-d", "TD3 issued by Germany (code D<<)", td3(state="D", nat="D")),
    ("td3-unknown-country", "TD3 with unassigned code QQQ", td3(state="QQQ", nat="QQQ")),
    ("td3-specials", "TD3, issuer GBD, nationality XXA", td3(state="GBD", nat="XXA")),
    ("td3-future-expiry", "TD3 expiring in 2035", td3(exp="350101")),
    ("td3-short-number", "TD3, 5-character document number", td3(num="X1234")),
    ("td3-no-given-names", "TD3, surname only", td3(sur="PLATO", giv="")),
    ("mrva-sex-filler", "MRV-A visa, sex <", mrva(sex="<")),
    ("td3-lowercase-spaces", "TD3 specimen in lower case with spaces",
     [td3()[0].lower(), td3()[1][:10] + " " + td3()[1][10:]]),
    ("td3-short-line", "malformed: line 2 has 43 characters", [td3()[0], td3()[1][:-1]]),
    ("td3-invalid-char", "malformed: '#' in line 2", damage(td3(), 2, 16, "#")),
]


def main():
    parts = [
        "# Synthetic MRZ comparison corpus; built by tools/compare/make_corpus.py.",
        "# Each case: a '# id: description' line, then the MRZ lines, then a blank line.",
        "",
    ]
    for cid, desc, lines in CASES:
        parts.append(f"# {cid}: {desc}")
        parts.extend(lines)
        parts.append("")
    OUT.write_text("\n".join(parts))
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()

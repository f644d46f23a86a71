"""The claim mechanism itself (tests/claims.py), on made-up sentences and pages."""

from __future__ import annotations

import pytest
from claims import DOCS_ENV, Claim, parse_numbers


def printed(text):
    return [(p, v) for _, _, p, v, _, _ in parse_numbers(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RMSprop ends 0.007 away after 2000 steps.", [("0.007", 0.007), ("2000", 2000)]),
        ("from (-4.5, 4.5) and −2 and 3 - 1", [("-4.5", -4.5), ("4.5", 4.5), ("−2", -2), ("3", 3), ("1", 1)]),
        ("within 1e-8, 2.5E3 and 1e+2", [("1e-8", 1e-8), ("2.5E3", 2500), ("1e+2", 100)]),
        ("within $10^{-4}$ and 10⁻³ and $10^2$", [("10^{-4}", 1e-4), ("10⁻³", 1e-3), ("10^2", 100)]),
        ("$1.5\\times10^{-2}$, 1.5×10⁻² and $4.8 \\times 10^{-4}$", [
            ("1.5\\times10^{-2}", 0.015), ("1.5×10⁻²", 0.015), ("4.8 \\times 10^{-4}", 4.8e-4)]),
        ("63 to 65% and 2 % and $5\\%$", [("63", 63), ("65%", 0.65), ("2 %", 0.02), ("5\\%", 0.05)]),
        ("$\\eta = 1$ and $\\sqrt{10} \\approx 3.16$", [("1", 1), ("10", 10), ("3.16", 3.16)]),
        ("$f(\\theta) = \\theta_1^2 + 0.5\\,\\theta_2^2$", [("0.5", 0.5)]),
        ("$\\theta_{2}$, $s_{30}$, $x^2$, $g_t^{2}$, θ_1, θ₁², $v_{t-1}$ and 7", [("7", 7)]),
        ("float32, test_parity_2.py, v2 and β2 but 3x faster", [("3", 3)]),
        ("see [step 5](pitfalls.md#step-5-x) and ![a 2](figures/f2.svg) or 9", [("5", 5), ("2", 2), ("9", 9)]),
        ('<img width="60" src="a1.png"> 4 <!-- claim: x_1 --> https://e.org/v2/8 and pytorch/pytorch#32545', [
            ("4", 4)]),
        ("1. A list item with 6\n2. and 8", [("6", 6), ("8", 8)]),
        ("torch 2.13.0 and Keras 3.15.1, Keras 3, pandas 3.1", [("3", 3), ("3.1", 3.1)]),
        ("1/(1-beta) and $1/(1-\\beta)$, $\\beta^{1/(1-\\beta)}$", [("1", 1), ("1", 1), ("1", 1), ("1", 1)]),
        ("steps 1..2000, t-1, `lr=0.01`", [("1", 1), ("2000", 2000), ("1", 1), ("0.01", 0.01)]),
    ],
)  # fmt: skip
def test_parser_finds_the_printed_numbers(text, expected):
    got = printed(text)
    assert [p for p, _ in got] == [p for p, _ in expected]
    assert [v for _, v in got] == pytest.approx([v for _, v in expected], rel=1e-12)


def test_printed_precision():
    c = Claim("0.007, 2000, 1.80, 65%, 65.5 %, 1e-8, 1.5e-2, $10^{-4}$, 4.8×10⁻⁴")
    got = {n.text: (n.decimals, n.sig, n.unit) for n in c.numbers}
    assert got["0.007"][:2] == (3, None) and got["0.007"][2] == pytest.approx(1e-3)
    assert got["2000"] == (0, None, 1.0)
    assert got["1.80"][:2] == (2, None)
    assert got["65%"][0] == 2 and got["65.5 %"][0] == 3
    assert got["1e-8"][1] == 1 and got["1e-8"][2] == pytest.approx(1e-8)
    assert got["1.5e-2"][1] == 2 and got["1.5e-2"][2] == pytest.approx(1e-3)
    assert got["10^{-4}"][1] == 1 and got["4.8×10⁻⁴"][1] == 2


def test_check_passes_what_rounds_to_the_printed_number():
    c = Claim("it ends 0.007 away, after 2000 steps, 65% of the time, at 1.5e-2")
    c.num("0.007").check(0.00749)
    c.num("0.007").check(0.0065)
    c.num("2000").check(2000)
    c.num("65%").check(0.6549)
    c.num("1.5e-2").check(0.01549)


@pytest.mark.parametrize(
    ("literal", "measured"),
    [("0.007", 0.0076), ("0.007", 0.006), ("0.007", 0.011), ("2000", 2001), ("2000", 1999.4),
     ("65%", 0.66), ("65%", 65), ("1.5e-2", 0.016), ("1.5e-2", 0.0144)],
)  # fmt: skip
def test_check_fails_what_does_not_round_to_it(literal, measured):
    c = Claim("it ends 0.007 away, after 2000 steps, 65% of the time, at 1.5e-2", "docs/p.md", "demo")
    with pytest.raises(AssertionError, match=r"docs/p\.md: claim demo: the printed '.*'.*measured"):
        c.num(literal).check(measured)


def test_about_ignores_an_integers_trailing_zeros():
    c = Claim("for 20 or so steps, about 2000, then 21 and 0.7")
    c.num("20").about(24)
    c.num("2000").about(1501)
    c.num("0.7").about(0.74)
    for literal, measured in [("20", 26), ("2000", 2600), ("21", 22), ("0.7", 0.76)]:
        with pytest.raises(AssertionError, match="measured"):
            c.num(literal).about(measured)


def test_bounds_must_hold_and_be_tight():
    c = Claim("below 0.01, within 1e-8 and $10^{-4}$, above 1.5, at most 20")
    c.num("0.01").below(0.007)
    c.num("1e-8").below(3e-9)
    c.num("10^{-4}").below(2e-5)
    c.num("1.5").above(1.57)
    c.num("20").below(19.5)
    for literal, measured in [("0.01", 0.011), ("0.01", 0.0), ("1e-8", 2e-8), ("1e-8", 5e-10),
                              ("10^{-4}", 5e-6), ("20", 18.9)]:  # fmt: skip
        with pytest.raises(AssertionError, match="bound"):
            c.num(literal).below(measured)
    for measured in (1.49, 1.6):
        with pytest.raises(AssertionError, match="bound"):
            c.num("1.5").above(measured)


def test_num_finds_a_literal_a_tex_reading_or_a_regex_group():
    c = Claim("Both run at $\\eta = 1$; step 10 and step 30 are\n 0.9 and 0.95 away, 0.9 again.")
    assert c.num("η = 1").value == 1 and c.num("\\eta = 1").value == 1
    assert c.num(r"step (\d+) and").value == 10
    assert c.num("step 30").value == 30
    assert c.num("0.95").value == 0.95  # "0.9" of "0.95" is no match of "0.9" ...
    assert [n.value for n in c.nums("0.9")] == [0.9, 0.9]  # ... but both whole 0.9 are
    c.assert_all_used()


def test_num_refuses_ambiguous_or_absent_patterns():
    c = Claim("0.9 and 0.9, then $\\sqrt{10} \\approx 3.16$", "docs/p.md", "demo")
    with pytest.raises(AssertionError, match="occurs 2 times"):
        c.num("0.9")
    with pytest.raises(AssertionError, match="holds 2 numbers"):
        c.num("√10 ≈ 3.16")
    with pytest.raises(AssertionError, match="not in the tagged text"):
        c.num("0.8")
    with pytest.raises(AssertionError, match="needs a why"):
        c.unused("3.16", why=" ")


def test_unused_numbers_are_named():
    c = Claim("it ends 0.007 away after 2000 steps", "docs/p.md", "demo")
    c.num("0.007")
    with pytest.raises(AssertionError, match=r"(?s)docs/p\.md: claim demo: the test never used .*'2000'"):
        c.assert_all_used()
    c.unused("2000", why="the horizon, set by the figure")
    c.assert_all_used()


def test_the_fixture_reads_the_page_and_fails_a_test_that_leaves_a_number(pytester, monkeypatch):
    docs = pytester.mkdir("docs")
    (docs / "p.md").write_text(
        "# P\n\nIt ends 0.007 away after 2000 steps. <!-- claim: demo -->\n\nElse 3. <!-- claim: other -->\n",
        encoding="utf-8",
    )
    monkeypatch.setenv(DOCS_ENV, str(docs))
    pytester.makeconftest("from claims import claim, pytest_runtest_call  # noqa: F401\n")
    pytester.makepyfile(
        test_x="""
        def test_claim_demo(claim):
            assert claim.page == "docs/p.md" and "2000 steps" in claim.text
            claim.num("0.007").check(0.0071)

        def test_claim_other(claim):
            claim.num("3").check(3)
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*docs/p.md: claim demo: the test never used*", "*'2000' in*"])

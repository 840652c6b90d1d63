"""The unified social credit code (GB 32100-2015): what is accepted, and every typo caught."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcase.domain.credit_code import ALPHABET, CreditCode, check_character, parse_credit_code
from gridcase.domain.organisation import OrganisationType
from gridcase.kernel.errors import InvalidCreditCode, InvalidInput

PUBLISHED = (
    "91350100M000100Y43",  # the worked example of the standard
    "914403001922038216",
    "91110108551385082Q",
    "91330100716105852F",
    "91440300708461136T",
    "911100001000044477",
    "12100000400000624D",
)
"""Codes printed on real business licences and certificates."""

AUTHORITIES = "123456789ANY"


@st.composite
def first17(draw: st.DrawFn) -> str:
    """The first seventeen characters of a well-formed code."""
    authority = draw(st.sampled_from(AUTHORITIES))
    category = draw(st.sampled_from(ALPHABET))
    division = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=6, max_size=6)))
    body = "".join(draw(st.lists(st.sampled_from(ALPHABET), min_size=9, max_size=9)))
    return f"{authority}{category}{division}{body}"


class TestPublishedCodes:
    @pytest.mark.parametrize("code", PUBLISHED)
    def test_accepted(self, code: str) -> None:
        """Codes from real licences parse to themselves."""
        assert parse_credit_code(code) == CreditCode(code)
        assert str(parse_credit_code(code)) == code

    @pytest.mark.parametrize("code", PUBLISHED)
    def test_every_single_substitution_is_refused(self, code: str) -> None:
        """Changing any one character to any other character is caught."""
        for i in range(18):
            for c in ALPHABET + "IOSVZ":
                if c == code[i]:
                    continue
                corrupted = code[:i] + c + code[i + 1 :]
                with pytest.raises(InvalidCreditCode):
                    parse_credit_code(corrupted)

    def test_typed_by_a_person(self) -> None:
        """Surrounding spaces and lower case are accepted, as people type codes."""
        assert parse_credit_code("  91350100m000100y43 ").value == "91350100M000100Y43"


class TestRefusals:
    @pytest.mark.parametrize(
        ("raw", "problem"),
        [
            ("91350100M000100Y4", "must be 18 characters, got 17"),
            ("91350100M000100Y433", "must be 18 characters, got 19"),
            ("91350100M00O100Y43", "not allowed"),
            ("B1350100M000100Y43", "unknown registration authority"),
            ("9135010AM000100Y43", "administrative division"),
            ("91350100M000100Y44", "check character is '4', expected '3'"),
        ],
    )
    def test_names_the_problem(self, raw: str, problem: str) -> None:
        """Each refusal says what is wrong, and is bad input."""
        with pytest.raises(InvalidCreditCode) as info:
            parse_credit_code(raw)
        assert problem in str(info.value)
        assert isinstance(info.value, InvalidInput)
        assert info.value.field == "credit_code"


class TestOrganisationType:
    @pytest.mark.parametrize(
        ("prefix", "kind"),
        [
            ("91", OrganisationType.ENTERPRISE),
            ("92", OrganisationType.INDIVIDUAL_BUSINESS),
            ("93", OrganisationType.FARMERS_COOPERATIVE),
            ("12", OrganisationType.PUBLIC_INSTITUTION),
            ("52", OrganisationType.SOCIAL_ORGANISATION),
            ("Y1", OrganisationType.OTHER),
        ],
    )
    def test_read_from_the_first_two_characters(self, prefix: str, kind: OrganisationType) -> None:
        """The authority and category characters say what the organisation is."""
        body = f"{prefix}310114MA1K3ABC0"
        assert parse_credit_code(body + check_character(body)).organisation_type is kind

    def test_division(self) -> None:
        """Characters 3-8 are the administrative division."""
        assert parse_credit_code("91350100M000100Y43").division == "350100"


class TestProperties:
    @given(first17())
    def test_round_trip(self, head: str) -> None:
        """Any well-formed seventeen characters plus their check character parse back unchanged."""
        code = head + check_character(head)
        parsed = parse_credit_code(code.lower())
        assert parsed.value == code
        assert parse_credit_code(str(parsed)) == parsed

    @given(first17(), st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
    def test_any_substitution_is_caught(self, head: str, position: int, replacement: str) -> None:
        """One wrong character anywhere never passes."""
        code = head + check_character(head)
        if code[position] == replacement:
            return
        with pytest.raises(InvalidCreditCode):
            parse_credit_code(code[:position] + replacement + code[position + 1 :])

    @given(first17(), st.integers(min_value=8, max_value=15))
    def test_adjacent_transposition_is_caught(self, head: str, position: int) -> None:
        """Two different neighbours swapped in the organisation code never pass."""
        code = head + check_character(head)
        a, b = code[position], code[position + 1]
        if a == b:
            return
        swapped = code[:position] + b + a + code[position + 2 :]
        with pytest.raises(InvalidCreditCode):
            parse_credit_code(swapped)

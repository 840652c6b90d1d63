"""The unified social credit code (统一社会信用代码), GB 32100-2015.

Every enterprise is identified by it, so a typo must be caught at the door: the code is
18 characters from a 31-character alphabet (no I, O, S, V, Z), and its last character
is a check character computed from the other seventeen. The first two characters name
the registration authority and the organisation category, which is how an individual
business (92…) or a farmers' cooperative (93…) is recognised without asking.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridcase.domain.organisation import OrganisationType
from gridcase.kernel.errors import InvalidCreditCode

__all__ = [
    "ALPHABET",
    "CreditCode",
    "check_character",
    "looks_like_credit_code",
    "parse_credit_code",
]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 32100-2015 appendix A: registration authorities (登记管理部门代码).
_AUTHORITIES = frozenset("123456789ANY")

_CATEGORY_TYPES: dict[str, OrganisationType] = {
    "91": OrganisationType.ENTERPRISE,
    "92": OrganisationType.INDIVIDUAL_BUSINESS,
    "93": OrganisationType.FARMERS_COOPERATIVE,
    "11": OrganisationType.PUBLIC_INSTITUTION,
    "12": OrganisationType.PUBLIC_INSTITUTION,
    "13": OrganisationType.PUBLIC_INSTITUTION,
    "19": OrganisationType.PUBLIC_INSTITUTION,
    "51": OrganisationType.SOCIAL_ORGANISATION,
    "52": OrganisationType.SOCIAL_ORGANISATION,
    "53": OrganisationType.SOCIAL_ORGANISATION,
    "59": OrganisationType.SOCIAL_ORGANISATION,
}


def check_character(first17: str) -> str:
    """The 18th character for the given first seventeen (C18 = 31 - Σ(Ci·Wi) mod 31)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


@dataclass(frozen=True, order=True)
class CreditCode:
    """A valid unified social credit code."""

    value: str

    @property
    def organisation_type(self) -> OrganisationType:
        """What the code itself says the organisation is."""
        return _CATEGORY_TYPES.get(self.value[:2], OrganisationType.OTHER)

    @property
    def division(self) -> str:
        """The six-digit administrative division code (登记管理机关行政区划码)."""
        return self.value[2:8]

    def __str__(self) -> str:
        return self.value


def parse_credit_code(raw: str) -> CreditCode:
    """Validate ``raw`` and return it as a :class:`CreditCode`.

    Surrounding white space is ignored and lower case is accepted (people type codes);
    anything else wrong raises :class:`~gridcase.kernel.errors.InvalidCreditCode` naming it.
    """
    code = raw.strip().upper()
    if len(code) != 18:
        raise InvalidCreditCode(raw, f"must be 18 characters, got {len(code)}")
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        raise InvalidCreditCode(
            raw, f"characters {''.join(bad)!r} are not allowed (I, O, S, V, Z never occur)"
        )
    if code[0] not in _AUTHORITIES:
        raise InvalidCreditCode(raw, f"unknown registration authority {code[0]!r}")
    if not code[2:8].isdigit():
        raise InvalidCreditCode(raw, f"administrative division {code[2:8]!r} must be six digits")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidCreditCode(raw, f"check character is {code[17]!r}, expected {expected!r}")
    return CreditCode(code)


def looks_like_credit_code(raw: str) -> bool:
    """Whether ``raw`` is a valid unified social credit code (any case, spaces around)."""
    if len(raw.strip()) != 18:
        return False  # most actors are person ids: no error built and thrown to find out
    try:
        parse_credit_code(raw)
    except InvalidCreditCode:
        return False
    return True

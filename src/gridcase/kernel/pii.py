"""Personal data in free text: find what looks like an ID-card number, a phone or an e-mail.

Free-text fields (reasons, findings, notes) are where people type what should not be
kept in clear: a resident ID-card number (GB 11643-1999: 17 digits and a check character,
or the old 15 digits), a mobile number (11 digits from 13x-19x), a landline with its area
code, an e-mail address. The patterns are deliberately simple and err towards finding:
a false alarm costs a retype, a miss costs an unerasable record. PIPL arts. 47 and 51.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PII_PATTERNS", "PiiFound", "find_pii", "mask_pii"]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

PII_PATTERNS: dict[str, re.Pattern[str]] = {
    "id_card": re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])"),
    "mobile": re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)"),
    "landline": re.compile(r"(?<!\d)0\d{2,3}[-\s]\d{7,8}(?!\d)"),
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
}
"""What counts as personal data in free text, by kind."""


@dataclass(frozen=True)
class PiiFound:
    kind: str
    start: int
    end: int


def _looks_like_id_card(text: str) -> bool:
    if len(text) == 15:
        return True
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == text[17].upper()


def find_pii(text: str) -> list[PiiFound]:
    """Every stretch of ``text`` that looks like personal data, first first."""
    found: list[PiiFound] = []
    for kind, pattern in PII_PATTERNS.items():
        for m in pattern.finditer(text):
            if kind == "id_card" and not _looks_like_id_card(m.group(0)):
                continue
            if any(f.start <= m.start() < f.end for f in found):
                continue
            found.append(PiiFound(kind, m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def mask_pii(text: str) -> str:
    """``text`` with every stretch of personal data replaced by its kind: ``[mobile]``."""
    out, last = [], 0
    for f in find_pii(text):
        out.append(text[last : f.start])
        out.append(f"[{f.kind}]")
        last = f.end
    out.append(text[last:])
    return "".join(out)

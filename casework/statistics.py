"""Publishing counts without exposing anyone (DOMAIN.md section 13): small counts hidden, and a
second cell hidden wherever a total would let the first be worked out.

Pure, for every report: counts in, what may be shown out.
"""

from collections.abc import Hashable, Mapping

from .teams import MEN, WOMEN

COMPLEMENTARY = "*"  # hidden so that a small count next to it cannot be recovered from the total


def coarse_gender(code):
    """Woman, man or other: the gender groups an aggregate may show (DOMAIN.md sections 2 and 13)."""
    if code in WOMEN:
        return "WOMAN"
    return "MAN" if code in MEN else "OTHER"


def small_count(count, k):
    """What may be shown of one count: itself, or "<k" for 1..k-1 (0 is shown: nobody to expose)."""
    return f"<{k}" if 0 < count < k else count


def protect(counts: Mapping[Hashable, int], *, k) -> dict:
    """Each cell as it may be shown, given that the group's total is shown too.

    With exactly one small cell hidden, total minus the others would reveal it: the smallest other
    cell is hidden as well (complementary suppression). Two or more hidden cells reveal only their sum.
    """
    shown = {key: small_count(count, k) for key, count in counts.items()}
    hidden = [key for key, count in counts.items() if 0 < count < k]
    if len(hidden) == 1 and sum(counts.values()) >= k:
        # The smallest other cell (ties broken by key, so the same data always hides the same cell).
        partner = min((count, str(key)) for key, count in counts.items() if count >= k)[1]
        shown[next(key for key in counts if str(key) == partner)] = COMPLEMENTARY
    return shown

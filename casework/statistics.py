"""Publishing counts without exposing anyone (DOMAIN.md section 13): small counts hidden, and a
second cell hidden wherever a total would let the first be worked out.

Pure, for every report: counts in, what may be shown out. `protect` and `small_count` for a single
list of counts and its total; `crosstab` and `protect_table` for a cross-tabulation of up to any number
of dimensions with all its margins (k-anonymity with complementary suppression and rounding for
publication); `excluded_count` for the cases left out.
"""

import datetime
import itertools
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from .teams import MEN, WOMEN

COMPLEMENTARY = "*"  # hidden so that a small count next to it cannot be recovered from the total


def coarse_gender(code):
    """Woman, man or other: the gender groups an aggregate may show (DOMAIN.md sections 2 and 13)."""
    if code in WOMEN:
        return "WOMAN"
    return "MAN" if code in MEN else "OTHER"


# --- Coarsening dates: quarters, labelled "2026-Q1" in every report and export ------------------


def quarter_of(year, quarter):
    return f"{year}-Q{quarter}"


def quarter_label(day):
    return quarter_of(day.year, (day.month - 1) // 3 + 1)


def quarter_start(label):
    year, quarter = label.split("-Q")
    return datetime.date(int(year), 3 * int(quarter) - 2, 1)


def quarter_end(label):
    start = quarter_start(label)
    following = datetime.date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def quarters_between(first, last):
    """Every quarter from `first` to `last` (labels, both included), oldest first."""
    labels, day = [], quarter_start(first)
    while day <= quarter_start(last):
        labels.append(quarter_label(day))
        day = quarter_end(labels[-1]) + datetime.timedelta(days=1)
    return labels


def recent_quarters(today, count):
    """The `count` quarters ending with today's, oldest first."""
    last = quarter_label(today)
    year, quarter = (int(part) for part in last.split("-Q"))
    first = (year * 4 + quarter - 1) - (count - 1)
    return quarters_between(quarter_of(first // 4, first % 4 + 1), last)


def published(count, k, publication):
    """A count as released: rounded down to a multiple of k in publication mode; "<k" and "*" as they are."""
    return count - count % k if publication and isinstance(count, int) else count


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


# --- Cross-tabulations with margins (every report and export) -----------------------------------

TOTAL = "TOTAL"  # the category value meaning "all values of this dimension" (a margin)


@dataclass(frozen=True)
class ProtectedTable:
    """A cross-tabulation as it may leave the system (built by `protect_table`).

    `shown` holds every cell of the augmented cube (each dimension's categories, then TOTAL): an int,
    f"<{k}" (a small count, 1..k-1) or COMPLEMENTARY (hidden so that a small count cannot be worked out).
    """

    dimensions: tuple[str, ...]
    categories: tuple[tuple[Hashable, ...], ...]  # per dimension, in display order (without TOTAL)
    k: int
    publication: bool
    shown: Mapping[tuple, int | str]

    def __reduce__(self):
        # Pickled into the snapshots (config/snapshots.py): a read-only mapping view does not pickle.
        return (_protected_table, (self.dimensions, self.categories, self.k, self.publication, dict(self.shown)))

    def cell(self, *key) -> int | str:
        """The shown value of one cell; any value may be TOTAL (`table.cell("LIMA", TOTAL)`)."""
        try:
            return self.shown[key]
        except KeyError:
            raise KeyError(f"{key!r} is not a cell of a table over {self.dimensions!r}") from None

    @property
    def suppressed(self) -> frozenset[tuple]:
        """The keys shown as f"<{k}" or COMPLEMENTARY."""
        return frozenset(key for key, value in self.shown.items() if isinstance(value, str))

    @property
    def columns(self) -> tuple[Hashable, ...]:
        """The header of `rows()`: the last dimension's categories, then TOTAL."""
        return (*self.categories[-1], TOTAL)

    def rows(self) -> list[tuple[tuple, list[int | str]]]:
        """The table as lines, for a template or a CSV: [(key, values), ...].

        One line per combination of the leading dimensions' values (each dimension's categories, then
        TOTAL), in display order; `key` is that tuple of leading values and `values` the shown cells across
        the last dimension (its categories, then TOTAL: see `columns`). A 2-D table gives one line per row
        category, `((row,), [...])`, then `((TOTAL,), [...])`; a 1-D table gives the single line `((), [...])`.
        """
        leading = [(*categories, TOTAL) for categories in self.categories[:-1]]
        return [(key, [self.shown[(*key, column)] for column in self.columns]) for key in itertools.product(*leading)]


def crosstab(records: Iterable[Sequence[Hashable]], categories: Sequence[Sequence[Hashable]]) -> dict[tuple, int]:
    """Counts of records per combination of categories: {(value, ...): count}, zeros included.

    records: an iterable of tuples, one value per dimension (already coarsened: age band, quarter,
    department, woman/man/other); categories: per dimension the allowed values in display order.
    A record of the wrong length, or with a value not among its dimension's categories, raises ValueError.
    """
    categories = _checked_categories(categories)
    allowed = [frozenset(values) for values in categories]
    counts = dict.fromkeys(itertools.product(*categories), 0)
    for record in records:
        record = tuple(record)
        _check_key(record, categories, allowed)
        counts[record] += 1
    return counts


def protect_table(
    counts: Mapping[tuple, int],
    *,
    dimensions: Sequence[str],
    categories: Sequence[Sequence[Hashable]],
    k: int,
    publication: bool = False,
) -> ProtectedTable:
    """The cross-tabulation `counts` (interior cells, e.g. from `crosstab`) with its margins, as it may be shown.

    counts: {(value, ...): count} with one value per dimension, each among that dimension's categories;
    a missing combination counts 0. dimensions: the names; categories: per dimension the values in display
    order (TOTAL may not be one). k >= 2 (settings.STATISTICS_MIN_CELL, 11). At least one dimension.

    1. The augmented cube: every combination of (categories + TOTAL) per dimension; a cell with TOTAL in
       dimension d counts all values of d (the margins, computed from `counts`). A 1-D table's only margin
       is its TOTAL.
    2. Primary suppression: every cell, interior or margin, with 0 < count < k is shown f"<{k}".
       0 is shown as 0 (nobody to expose).
    3. Complementary suppression. The published equations are, for each dimension d and each cell c whose
       d-th value is TOTAL: c = the sum, over the categories v of d, of c with its d-th value set to v.
       A hidden cell is recoverable when those equations and the published values determine it uniquely:
       exact linear algebra over the rationals, restricted to the hidden unknowns and the equations touching
       them (published values only move to the right-hand side): x_i is determined iff e_i lies in the row
       space of the coefficients, i.e. iff some row of their reduced row echelon form is e_i -- equivalently
       iff every solution of the homogeneous system has x_i = 0.
       While some hidden cell is recoverable, more cells are shown COMPLEMENTARY, a box at a time: for a
       recoverable cell, the 2**n cells spanning in each dimension its own value and one other value (another
       category or TOTAL, or a category when its value is TOTAL). In each dimension give the cell's value the
       sign +1 and the other value -1 when both are categories, +1 when one is TOTAL; adding to each corner
       the product of its values' signs keeps every equation true and changes no cell outside the box: so
       once a whole box is hidden none of its cells can be recovered, whatever else is hidden later.
       The box chosen is the cheapest, counting only the cells not yet hidden: fewest TOTALs first (hiding
       a total costs readers most), then fewest zero cells (a zero is hidden only when nothing else will
       do), then the smallest sum of counts; at equal cost the first in display order. In each round the
       recoverable cells get boxes in turn (interior cells first, then smaller counts, then by str(key)),
       skipping cells already in a box of that round; then the equations are solved again, until no hidden
       cell is recoverable. It always ends: each round hides at least one more cell, and with every cell
       hidden nothing is determined.
       Only exact recovery is prevented: bounds from non-negativity or from "<k" are not considered.
    4. Publication mode (`publication=True`): after suppression every shown int is rounded down to a
       multiple of k, so a published count is 0 or at least k.

    Suppression is decided on the exact counts and does not depend on the order of `counts`.
    """
    k = _checked_k(k)
    dimensions = tuple(dimensions)
    categories = _checked_categories(categories)
    if len(dimensions) != len(categories):
        raise ValueError(f"{len(dimensions)} dimensions but {len(categories)} lists of categories")
    allowed = [frozenset(values) for values in categories]
    interior = dict.fromkeys(itertools.product(*categories), 0)
    for key, count in counts.items():
        key = tuple(key)
        _check_key(key, categories, allowed)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"the count of {key!r} is {count!r}, not a whole number >= 0")
        interior[key] += count
    cube = _Cube(categories, interior)
    primary, hidden = cube.suppress(k)
    shown = {}
    for index, key in enumerate(cube.keys):
        count = cube.counts[index]
        if index in primary:
            shown[key] = f"<{k}"
        elif index in hidden:
            shown[key] = COMPLEMENTARY
        else:
            shown[key] = published(count, k, publication)
    return ProtectedTable(dimensions, categories, k, bool(publication), MappingProxyType(shown))


def excluded_count(count: int, *, k: int, publication: bool = False) -> int | str:
    """How to report the number of cases left out (no consent to statistics): as any other cell.

    f"<{k}" for 1..k-1, 0 as 0; in publication mode a larger count is rounded down to a multiple of k.
    """
    k = _checked_k(k)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"{count!r} is not a whole number >= 0")
    shown = small_count(count, k)
    return published(shown, k, publication)


def _checked_k(k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise ValueError(f"the minimum cell size k must be a whole number >= 2, not {k!r}")
    return k


def _checked_categories(categories):
    categories = tuple(tuple(values) for values in categories)
    if not categories:
        raise ValueError("a table needs at least one dimension")
    for dimension, values in enumerate(categories):
        if not values:
            raise ValueError(f"dimension {dimension} has no categories")
        if len(set(values)) != len(values):
            raise ValueError(f"dimension {dimension} repeats a category: {values!r}")
        if TOTAL in values:
            raise ValueError(f"dimension {dimension}: {TOTAL!r} is reserved for the margins")
    return categories


def _check_key(key, categories, allowed):
    if len(key) != len(categories):
        raise ValueError(f"{key!r} has {len(key)} values for {len(categories)} dimensions")
    for dimension, (value, values) in enumerate(zip(key, allowed, strict=True)):
        if value not in values:
            raise ValueError(f"{value!r} is not a category of dimension {dimension} ({categories[dimension]!r})")


class _Cube:
    """The augmented cube as numbered cells (in display order), its counts and its equations."""

    def __init__(self, categories, interior):
        self.axes = [(*values, TOTAL) for values in categories]
        self.keys = list(itertools.product(*self.axes))
        position = {key: index for index, key in enumerate(self.keys)}
        # Cell number = sum of (value's place on its axis) * stride: the last dimension varies fastest.
        self.strides = [math.prod(len(axis) for axis in self.axes[dimension + 1 :]) for dimension in range(len(self.axes))]
        self.places = [{value: place for place, value in enumerate(axis)} for axis in self.axes]
        self.level = [sum(value == TOTAL for value in key) for key in self.keys]
        # Margins: each interior count goes to the 2**n cells obtained by replacing any values with TOTAL.
        self.counts = [0] * len(self.keys)
        for key, count in interior.items():
            if count:
                for cell in itertools.product(*((value, TOTAL) for value in key)):
                    self.counts[position[cell]] += count
        # Equation e: cells[e][0] = sum(cells[e][1:]), i.e. +1 * total - 1 * each part = 0.
        self.equations = []
        for key in self.keys:
            for dimension, value in enumerate(key):
                if value == TOTAL:
                    parts = [position[(*key[:dimension], part, *key[dimension + 1 :])] for part in categories[dimension]]
                    self.equations.append((position[key], *parts))
        self.touching = [[] for _ in self.keys]  # cell -> the equations it appears in
        for number, equation in enumerate(self.equations):
            for cell in equation:
                self.touching[cell].append(number)
        # The cost of hiding a cell, one number ordering (TOTALs, is 0, count) lexicographically for any box of 2**n cells.
        corners = 2 ** len(self.axes)
        zero_weight = corners * (max(self.counts) + 1)
        level_weight = corners * (zero_weight + 1)
        self.weight = [
            level * level_weight + (count == 0) * zero_weight + count for level, count in zip(self.level, self.counts, strict=True)
        ]

    def suppress(self, k):
        """(primary, all hidden): cell numbers, following rules 2 and 3 of `protect_table`."""
        primary = frozenset(index for index, count in enumerate(self.counts) if 0 < count < k)
        hidden = set(primary)
        known = {}  # a group of hidden cells -> its determined cells (a group's equations depend on it alone)
        while True:
            recoverable = set()
            for group in self._groups(hidden):
                if group not in known:
                    known[group] = self._determined(group)
                recoverable |= known[group]
            if not recoverable:
                return primary, frozenset(hidden)
            # A round: a box for each recoverable cell in turn (interior first, then smaller counts), except
            # those already in a box of this round; then the equations are solved again.
            boxed = set()
            for cell in sorted(recoverable, key=lambda cell: (self.level[cell], self.counts[cell], str(self.keys[cell]), cell)):
                if cell not in boxed:
                    box = self._box(cell, hidden)
                    hidden.update(box)
                    boxed.update(box)

    def _box(self, cell, hidden):
        """The cheapest box of 2**n cells with `cell` at a corner (rule 3 of `protect_table`).

        In each dimension the box spans the cell's value and one other (a category or TOTAL). Cost: the
        cells not yet hidden, compared by their number of TOTALs, then how many are 0, then their counts;
        at equal cost the first box in display order.
        """
        weight = self.weight
        moves = []
        for axis, stride, places, value in zip(self.axes, self.strides, self.places, self.keys[cell], strict=True):
            own = places[value]
            moves.append([(place - own) * stride for place in range(len(axis)) if place != own])
        best_cost, best = None, None
        for steps in itertools.product(*moves):
            corners = [cell]
            for step in steps:
                corners += [corner + step for corner in corners]
            cost = sum(weight[corner] for corner in corners if corner not in hidden)
            if best_cost is None or cost < best_cost:
                best_cost, best = cost, corners
        return best

    def _groups(self, hidden):
        """The hidden cells split into groups linked by shared equations (each solved on its own)."""
        parent = {cell: cell for cell in hidden}

        def root(cell):
            while parent[cell] != cell:
                parent[cell] = parent[parent[cell]]
                cell = parent[cell]
            return cell

        for number in {number for cell in hidden for number in self.touching[cell]}:
            unknowns = [cell for cell in self.equations[number] if cell in parent]
            first = root(unknowns[0])
            for cell in unknowns[1:]:
                other = root(cell)
                if other != first:
                    parent[other] = first
        groups = {}
        for cell in hidden:
            groups.setdefault(root(cell), set()).add(cell)
        return [frozenset(group) for group in groups.values()]

    def _determined(self, unknowns):
        """The unknowns fixed by the equations touching them (published values moved to the right-hand side).

        First the easy ones: an equation with a single unknown fixes it, and a fixed unknown is as good as
        published (its column is dropped), which may leave another equation with a single unknown. Then
        Gauss-Jordan elimination over the rationals on what is left, sparse rows of integers (each row
        divided by the gcd of its entries, which is exact: a row may be scaled by any non-zero rational):
        x_i is determined iff some reduced row is e_i.
        """
        numbers = sorted({number for cell in unknowns for number in self.touching[cell]})
        rows = [{cell: -1 for cell in self.equations[number][1:] if cell in unknowns} for number in numbers]
        for row, number in zip(rows, numbers, strict=True):
            if self.equations[number][0] in unknowns:
                row[self.equations[number][0]] = 1
        containing = {cell: set() for cell in unknowns}
        for number, row in enumerate(rows):
            for cell in row:
                containing[cell].add(number)
        determined = set()
        single = [number for number, row in enumerate(rows) if len(row) == 1]
        while single:
            row = rows[single.pop()]
            if len(row) != 1:  # emptied meanwhile
                continue
            (cell,) = row
            determined.add(cell)
            for number in containing.pop(cell):
                del rows[number][cell]
                if len(rows[number]) == 1:
                    single.append(number)
        pivots = {}  # pivot column -> its row (holding no other pivot column)
        for row in sorted((row for row in rows if row), key=len):
            for column in [column for column in row if column in pivots]:
                row = _eliminate(row, pivots[column], column)
            if not row:
                continue
            column = min(row, key=lambda cell: (abs(row[cell]), cell))
            for other, pivot_row in pivots.items():
                if column in pivot_row:
                    pivots[other] = _eliminate(pivot_row, row, column)
            pivots[column] = row
        return frozenset(determined.union(column for column, row in pivots.items() if len(row) == 1))


def _eliminate(row, pivot_row, column):
    """row with `column` cancelled by a multiple of pivot_row, divided by the gcd of its entries."""
    a, b = pivot_row[column], row[column]
    result = {cell: a * value for cell, value in row.items()}
    for cell, value in pivot_row.items():
        combined = result.get(cell, 0) - b * value
        if combined:
            result[cell] = combined
        else:
            result.pop(cell, None)
    divisor = math.gcd(*result.values()) if result else 1
    if divisor > 1:
        result = {cell: value // divisor for cell, value in result.items()}
    return result


def _protected_table(dimensions, categories, k, publication, shown):
    return ProtectedTable(dimensions, categories, k, publication, MappingProxyType(shown))

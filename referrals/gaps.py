"""The service-gap evidence as aggregates: counts by need, age band, gender and region, with the
small counts hidden (DOMAIN.md section 13), for the screen, its chart and a CSV download."""

import csv
from collections import Counter
from dataclasses import dataclass, replace

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from django.utils.translation import gettext as _

from casework.choices import AgeBand, Region, ServiceType
from casework.statistics import protect, small_count

from .models import ServiceGap

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class GapRow:
    need: str
    routing_band: str
    gender_group: str
    region: str
    count: int
    shown: object = None  # the count as it may be published (see gap_table)

    def labels(self):
        return (
            ServiceType(self.need).label,
            AgeBand(self.routing_band).label,
            _gender_label(self.gender_group),
            Region(self.region).label,
        )


def _gender_label(group):
    return {"WOMAN": _("Women"), "MAN": _("Men")}.get(group, _("Other"))


def gap_table(*, since, until):
    rows = (
        ServiceGap.objects.filter(recorded_on__range=(since, until))
        .values("need", "routing_band", "gender_group", "region")
        .annotate(count=Count("id"))
        .order_by("need", "routing_band", "gender_group", "region")
    )
    rows = [GapRow(**row) for row in rows]
    return _protected(rows)


def _protected(rows):
    """Each need's total is shown (the chart): hide its cells so that none can be worked out from it."""
    k = settings.STATISTICS_MIN_CELL
    shown = {}
    for need in {row.need for row in rows}:
        cells = {index: row.count for index, row in enumerate(rows) if row.need == need}
        shown.update(protect(cells, k=k))
    return [replace(row, shown=shown[index]) for index, row in enumerate(rows)]


def by_need(rows):
    """(label, count, shown) per need, most gaps first, for the chart."""
    totals = Counter()
    for row in rows:
        totals[row.need] += row.count
    k = settings.STATISTICS_MIN_CELL
    return [(ServiceType(need).label, count, small_count(count, k)) for need, count in totals.most_common()]


def safe_cell(value):
    """A cell a spreadsheet will not run as a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_response(rows, *, since, until):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="service-gaps-{since:%Y%m%d}-{until:%Y%m%d}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read the accents right
    writer = csv.writer(response)
    writer.writerow([_("Need"), _("Age band"), _("Gender"), _("Region"), _("Gaps")])
    for row in rows:
        writer.writerow([safe_cell(value) for value in (*row.labels(), row.shown)])
    return response

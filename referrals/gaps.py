"""The service-gap evidence as aggregates: counts by need, age band, gender and region, with the
small counts hidden (DOMAIN.md section 13), for the screen, its chart and a CSV download."""

import csv
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.http import HttpResponse
from django.utils.translation import gettext as _

from casework.capacity import small_count
from casework.choices import AgeBand, Region, ServiceType

from .models import ServiceGap

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class GapRow:
    need: str
    routing_band: str
    gender_group: str
    region: str
    count: int

    @property
    def shown(self):
        return small_count(self.count)

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
    return [GapRow(**row) for row in rows]


def by_need(rows):
    """(label, count, shown) per need, most gaps first, for the chart."""
    totals = Counter()
    for row in rows:
        totals[row.need] += row.count
    return [(ServiceType(need).label, count, small_count(count)) for need, count in totals.most_common()]


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

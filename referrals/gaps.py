"""The service-gap evidence as aggregates: counts by need, age band, gender and region, with the
small counts hidden (DOMAIN.md section 13), for the screen, its chart, and the "service gaps"
aggregate export (asked for and approved like every export, casework.aggregate_exports)."""

from collections import Counter
from dataclasses import dataclass, replace

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import aggregate_exports, exports, statistics
from casework.choices import AgeBand, Region, ServiceType
from casework.models import Office
from casework.statistics import protect, published, small_count

from .models import ServiceGap


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


def gap_table(*, since, until, region=None):
    gaps = ServiceGap.objects.filter(recorded_on__range=(since, until))
    rows = (
        (gaps.filter(region=region) if region else gaps)
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


def export_tables(details):
    """The gap table of an approved export's quarters (for one office: its region's), as published."""
    since, until = statistics.quarter_start(details["from"]), statistics.quarter_end(details["to"])
    region = Office.objects.get(code=details["office"]).region if details["office"] else None
    rows = gap_table(since=since, until=until, region=region)
    k = settings.STATISTICS_MIN_CELL
    shown = [published(row.shown, k, details["publication"]) for row in rows]
    return [
        exports.ExportTable(
            name="service_gaps",
            columns=("need", "age_band", "gender", "department", "gaps"),
            rows=tuple((row.need, row.routing_band, row.gender_group, row.region, value) for row, value in zip(rows, shown, strict=True)),
        )
    ]


aggregate_exports.register("GAPS", gettext_lazy("Service gaps"), export_tables)

"""Aggregate exports, the use cases: asked for with a reason, approved by a supervisor who did not
ask (the AGGREGATE_EXPORT review), then downloaded by whoever asked, each step logged.

The request names the export, a period of whole quarters, an office (or every office) and whether
it is for publication. A request whose period overlaps an export approved before, for the same
office or for every office, says so in its review, because releases of overlapping periods can be
subtracted from each other (DOMAIN.md section 13). The file is built from the data at download
time with the approved parameters, from consented cases only (casework/exports.py).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit, exports, reviews
from .age import AgeEvidenceError, assess
from .models import AccessAction, Case, Review, ReviewStatus
from .roles import Role, has_role
from .statistics import quarter_end, quarter_start


@dataclass(frozen=True)
class ExportKind:
    label: Promise
    tables: Callable  # (details) -> list of exports.ExportTable, from the data as it is now


EXPORTS: dict[str, ExportKind] = {}


def register(code, label, tables):
    """Offer an export. casework offers CTDC and HTCDS; config adds the indicators' tables (data of
    every app), so that every export goes through the same request, approval and log."""
    EXPORTS[code] = ExportKind(label, tables)


KIND = "AGGREGATE_EXPORT"
DOWNLOAD_DAYS = 7  # an approved export can be downloaded for this long after the decision


def may_request(user):
    return has_role(user, Role.AUDITOR) or has_role(user, Role.SUPERVISOR)


def _overlapping(first, last, office):
    """Approved exports whose period overlaps [first, last] for an office this one includes or is in."""
    approved = Review.objects.filter(kind=KIND, status=ReviewStatus.APPROVED, case__isnull=True)
    if office is not None:
        approved = approved.filter(office__in=[office.pk]) | approved.filter(office__isnull=True)
    found = []
    for earlier in approved.order_by("decided_at"):
        details = earlier.details
        if quarter_start(details["from"]) <= quarter_end(last) and quarter_start(first) <= quarter_end(details["to"]):
            found.append({"review": str(earlier.pk), "export": details["export"], "from": details["from"], "to": details["to"]})
    return found


def export_request(*, actor, export, first, last, office, publication, reason, today=None):
    """Ask for an aggregate export; a supervisor (of `office`, or any for every office) decides."""
    if not may_request(actor):
        raise PermissionDenied
    today = today or timezone.localdate()
    if export not in EXPORTS:
        raise ValidationError({"export": _("Choose one of the exports offered.")})
    if quarter_start(first) > quarter_start(last):
        raise ValidationError({"last": _("The period must end after it starts.")})
    if quarter_start(last) > today:
        raise ValidationError({"last": _("The period cannot end in a quarter that has not started.")})
    details = {
        "export": export,
        "from": first,
        "to": last,
        "office": office.code if office else "",
        "publication": bool(publication),
        "overlaps": _overlapping(first, last, office),
    }
    return reviews.review_request(actor=actor, case=None, office=office, kind=KIND, reason=reason, details=details)


def downloadable(review, user, now=None):
    """Approved, asked for by `user`, and decided within the last DOWNLOAD_DAYS."""
    now = now or timezone.now()
    return (
        review.kind == KIND
        and review.status == ReviewStatus.APPROVED
        and review.requested_by_id == user.pk
        and now - review.decided_at <= datetime.timedelta(days=DOWNLOAD_DAYS)
    )


def _age_at_opening(case):
    """(youngest age, treated as a minor) on the day the case was opened: from the birth date or the
    estimate (read, used, not kept), or for an erased case the coded age kept at erasure."""
    if case.erased_at is not None:
        return case.age_at_opening, case.minor_at_opening
    try:
        assessment = assess(case.person.age_evidence(), case.opened_on)
    except AgeEvidenceError:
        return None, None
    return assessment.youngest, assessment.treated_as_minor


def _facts(case):
    """The coded facts of one case, its age on the day it was opened."""
    age, minor = _age_at_opening(case)
    return exports.CaseFacts(
        year=case.opened_on.year,
        quarter=(case.opened_on.month - 1) // 3 + 1,
        region=case.region,
        gender=case.person.gender,
        age_at_registration=age,
        minor_at_registration=minor,
        exploitation_types=case.exploitation_types,
        labour_sector=case.labour_sector,
        means_of_control=case.means_of_control,
        recruiter_relation=case.recruiter_relation,
        trafficking_status=case.trafficking_status,
    )


def cases_in(details):
    """The cases an export's parameters cover: opened in its quarters, of its office (or all)."""
    cases = Case.objects.filter(opened_on__gte=quarter_start(details["from"]), opened_on__lte=quarter_end(details["to"]))
    return cases.filter(office__code=details["office"]) if details["office"] else cases


def _from_case_facts(build):
    """An export built from the coded facts of the consented cases it covers."""

    def tables(details):
        cases = cases_in(details)
        counted = cases.filter(in_statistics=True).select_related("person")
        facts = [_facts(case) for case in counted.iterator(chunk_size=500)]
        no_consent = cases.filter(in_statistics=False).count()
        return build(facts, k=settings.STATISTICS_MIN_CELL, publication=details["publication"], no_consent=no_consent)

    return tables


register("CTDC", gettext_lazy("CTDC-compatible aggregates"), _from_case_facts(exports.ctdc_tables))
register("HTCDS", gettext_lazy("HTCDS-shaped aggregates"), _from_case_facts(exports.htcds_tables))


def export_download(*, actor, review, now=None):
    """(file name, zip bytes) of an approved export, logged with its parameters."""
    if not downloadable(review, actor, now):
        raise PermissionDenied
    details = review.details
    tables = EXPORTS[details["export"]].tables(details)
    audit.record(action=AccessAction.EXPORT, target=review, actor=actor, detail=_parameters(details))
    office = details["office"] or "all"
    return f"{details['export'].lower()}-{office}-{details['from']}-{details['to']}.zip", exports.to_csv_bundle(tables)


def _parameters(details):
    publication = " publication" if details["publication"] else ""
    return f"{details['export']} {details['from']}..{details['to']} office={details['office'] or 'all'}{publication}"

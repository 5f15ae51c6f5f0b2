"""Aggregate exports: asked for, approved by another supervisor, downloaded by whoever asked, logged;
an overlapping period is flagged in the review; nothing personal in the file."""

import csv
import datetime
import io
import os
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from casework import aggregate_exports, reviews
from casework.models import AccessEvent, Case, Notification, Review
from casework.roles import Role

from ..factories import OfficeFactory, open_case, sign_in, supervisor, user_with_role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def aurora():
    return user_with_role("aurora", Role.AUDITOR)


@pytest.fixture
def sam(lima):
    return supervisor("sam", lima)


@pytest.fixture
def cases(lima):
    """Fifteen consented cases of women opened in 2026 (12 are 18 to 20), and two without consent."""
    opened = []
    for i in range(15):
        birth = datetime.date(2007, 1, 1) if i < 12 else datetime.date(1990, 1, 1)
        case = open_case(lima, given_names=f"Exportcanario{i}", birth_date=birth, document_number=f"EXP-{i:05d}")
        opened.append(case)
    Case.objects.filter(pk__in=[case.pk for case in opened]).update(in_statistics=True, opened_on=datetime.date(2026, 3, 2))
    for i in range(2):
        case = open_case(lima, given_names=f"Sinconsentimiento{i}")
        Case.objects.filter(pk=case.pk).update(opened_on=datetime.date(2026, 5, 2))
    return opened


def ask(client, **changes):
    data = {"export": "CTDC", "first": "2026-Q1", "last": "2026-Q3", "office": "", "reason": "Informe anual a la OIM.", **changes}
    return client.post("/exports/", {name: value for name, value in data.items() if value is not None})


def read_zip(content):
    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        return {name: bundle.read(name).decode("utf-8-sig") for name in bundle.namelist()}


def test_an_auditor_asks_a_supervisor_approves_and_the_auditor_downloads_counts_only(client, aurora, sam, cases):
    sign_in(client, aurora)
    assert ask(client).status_code == 302
    review = Review.objects.get(kind="AGGREGATE_EXPORT")
    assert (review.case, review.office, review.details["from"], review.details["to"]) == (None, None, "2026-Q1", "2026-Q3")
    assert Notification.objects.filter(recipient=sam, review=review).exists()
    assert client.get(f"/exports/{review.pk}/download/").status_code == 302  # not approved yet: back to the list

    reviews.review_decide(actor=sam, review=review, approve=True)
    response = client.get(f"/exports/{review.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="ctdc-all-2026-Q1-2026-Q3.zip"'
    files = read_zip(response.content)
    rows = list(csv.DictReader(io.StringIO(files["ctdc_gender_age_by_year.csv"])))
    # 15 women: 12 were 18-20 when their cases opened, 3 were 36. The 3 is shown as <11; with the
    # total of 15 shown, the 12 would give it away, so it is hidden too.
    women = {row["ageBroad"]: row["count"] for row in rows if row["yearOfRegistration"] == "2026" and row["gender"] == "Woman"}
    assert women["TOTAL"] == "15"
    assert women["18--20"] == "*"
    assert [band for band, count in women.items() if count == "<11"] == ["30--38"]
    excluded = files["ctdc_excluded.csv"]
    assert "<11" in excluded  # the two cases without consent, reported like any small count
    event = AccessEvent.objects.get(action="EXPORT")
    assert (event.object_id, event.actor_id, event.detail) == (str(review.pk), aurora.pk, "CTDC 2026-Q1..2026-Q3 office=all")


def test_nothing_personal_is_in_an_export(client, aurora, sam, cases):
    sign_in(client, aurora)
    ask(client, export="HTCDS")
    review = Review.objects.get(kind="AGGREGATE_EXPORT")
    reviews.review_decide(actor=sam, review=review, approve=True)
    everything = "\n".join(read_zip(client.get(f"/exports/{review.pk}/download/").content).values())
    for canary in (
        "Exportcanario",
        "EXP-0",
        "Sinconsentimiento",
        "Huamán",
        "2007-01-01",
        "2026-03-02",
        str(cases[0].pk),
        cases[0].reference,
    ):
        assert canary not in everything


def test_a_supervisor_cannot_approve_her_own_export(client, sam, cases):
    sign_in(client, sam)
    assert ask(client, office=str(sam.staff_profile.office_id)).status_code == 302
    review = Review.objects.get(kind="AGGREGATE_EXPORT")
    assert not reviews.may_decide(sam, review)
    with pytest.raises(PermissionDenied):
        reviews.review_decide(actor=sam, review=review, approve=True)


def test_a_caseworker_cannot_ask_for_an_export(client, caseworker):
    assert client.get("/exports/").status_code == 403
    assert ask(client).status_code == 403
    assert not Review.objects.exists()


def test_a_period_overlapping_an_approved_export_says_so_in_the_review(client, aurora, sam, cases):
    sign_in(client, aurora)
    ask(client, first="2026-Q1", last="2026-Q2")
    reviews.review_decide(actor=sam, review=Review.objects.get(), approve=True)
    ask(client, first="2026-Q2", last="2026-Q3", export="HTCDS")
    second = Review.objects.filter(kind="AGGREGATE_EXPORT").latest("requested_at")
    assert second.details["overlaps"] == [
        {"review": str(Review.objects.earliest("requested_at").pk), "export": "CTDC", "from": "2026-Q1", "to": "2026-Q2"}
    ]
    sign_in(client, sam)
    body = client.get(f"/reviews/{second.pk}/").content.decode()
    assert "se pueden restar" in body  # the overlap warning, in Spanish
    ask_elsewhere = aggregate_exports.export_request(
        actor=aurora, export="CTDC", first="2026-Q3", last="2026-Q3", office=OfficeFactory(code="CUS"), publication=False, reason="x"
    )
    assert ask_elsewhere.details["overlaps"] == [], "another office's data is not the same release"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"first": "2026-Q3", "last": "2026-Q1"}, "El periodo debe terminar después de empezar."),
        ({"reason": ""}, "Este campo es obligatorio."),
        ({"reason": "x" * 2001}, "tenga menos de 2000 caracteres"),
        ({"export": "EVERYTHING"}, "Escoja una opción válida."),
        ({"first": "2031-Q1"}, "Escoja una opción válida."),
    ],
)
def test_a_bad_request_is_refused_with_a_clear_message_and_nothing_saved(client, aurora, changes, message):
    sign_in(client, aurora)
    response = ask(client, **changes)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Review.objects.exists()


def test_an_approval_is_good_for_a_week_and_only_for_whoever_asked(client, aurora, sam, cases):
    sign_in(client, aurora)
    ask(client)
    review = Review.objects.get()
    reviews.review_decide(actor=sam, review=review, approve=True)
    assert aggregate_exports.downloadable(review, aurora, now=timezone.now() + datetime.timedelta(days=6))
    assert not aggregate_exports.downloadable(review, aurora, now=timezone.now() + datetime.timedelta(days=8))
    sign_in(client, sam)
    assert client.get(f"/exports/{review.pk}/download/").status_code == 404


def test_every_export_is_offered_in_every_process_once_the_apps_are_ready():
    import subprocess
    import sys

    code = "import django; django.setup(); from casework.aggregate_exports import EXPORTS; print(sorted(EXPORTS))"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, "DEBUG": "1"})
    assert shown.stdout.strip() == "['CTDC', 'GAPS', 'HTCDS', 'INDICATORS']"


def test_the_supervisor_sees_what_is_to_be_exported_by_name(client, aurora, sam, cases):
    sign_in(client, aurora)
    ask(client)
    sign_in(client, sam)
    body = client.get(f"/reviews/{Review.objects.get().pk}/").content.decode()
    assert "Agregados compatibles con CTDC" in body

"""Data retention by time travel: a case closed today is run through the daily task and its
approval 10 years later (the task and the decision take the day; the closure is the real one).

The rule is property-tested on its own; the rest reads what a supervisor, a search or a report
would see, and the raw database rows."""

import datetime
import importlib
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from guardian.shortcuts import assign_perm
from hypothesis import given
from hypothesis import strategies as st

from casework import aggregate_exports, reports, retention, reviews, services, tasks
from casework.age import anniversary
from casework.fields import encrypted_fields
from casework.indicators import team_compliance
from casework.keys import field_cipher
from casework.models import (
    AccessAction,
    AccessEvent,
    BreakGlassGrant,
    Case,
    CaseNote,
    Notification,
    NotificationKind,
    Person,
    PersonSearchToken,
    Review,
    ReviewStatus,
)
from casework.retention import ClosureFacts, closed_before, is_due, kept_until
from casework.search import find_people
from followup.models import VisitRecord
from followup.services import plan_start, visit_record_save
from referrals.models import Provider, Referral, Service

from ..factories import OfficeFactory, UserFactory, open_case, sign_in, supervisor

LIMA = ZoneInfo("America/Lima")
YEARS = 10
CANARIES = ("Nombrecanario", "Apellidocanario", "DOC-98765", "Callecanario", "Resumencanario", "Notacanario", "Motivocanario")


def noon(day):
    return datetime.datetime(day.year, day.month, day.day, 12, tzinfo=LIMA)


def first_due_day(case):
    """The first day the case is past its retention period: 10 years and 1 day after closing."""
    return anniversary(case.closed_on, YEARS) + datetime.timedelta(days=1)


# --- The rule, pure ----------------------------------------------------------------------------

dates = st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2200, 12, 31))
years = st.integers(min_value=1, max_value=30)
closed = st.sampled_from(["CLOSED", "CLOSED_REFERRED"])


@given(closed_on=dates, years=years, status=closed)
def test_a_closed_case_is_never_due_within_its_period_and_always_due_after(closed_on, years, status):
    facts = ClosureFacts(status=status, closed_on=closed_on, erased=False)
    last_kept = kept_until(closed_on, years)
    assert last_kept >= anniversary(closed_on, years), "kept at least the whole period"
    assert (last_kept - closed_on).days >= 365 * years
    assert not is_due(facts, today=last_kept, years=years)
    assert not is_due(facts, today=closed_on, years=years)
    assert is_due(facts, today=last_kept + datetime.timedelta(days=1), years=years)
    assert is_due(facts, today=last_kept + datetime.timedelta(days=400), years=years)


@given(closed_on=dates, today=dates, years=years)
def test_the_query_cutoff_agrees_with_the_rule_on_every_day(closed_on, today, years):
    facts = ClosureFacts(status="CLOSED", closed_on=closed_on, erased=False)
    assert (closed_on < closed_before(today, years)) == is_due(facts, today=today, years=years)


@given(closed_on=dates, today=dates, years=years, status=st.sampled_from(["FOLLOW_UP", "CLOSURE_PENDING", "LOST_CONTACT", "INTAKE"]))
def test_an_open_or_erased_case_is_never_due(closed_on, today, years, status):
    assert not is_due(ClosureFacts(status=status, closed_on=closed_on, erased=False), today=today, years=years)
    assert not is_due(ClosureFacts(status="CLOSED", closed_on=closed_on, erased=True), today=today, years=years)
    assert not is_due(ClosureFacts(status="CLOSED", closed_on=None, erased=False), today=today, years=years)


@pytest.mark.parametrize(
    ("closed_on", "years", "last_kept"),
    [
        (datetime.date(2016, 2, 29), 10, datetime.date(2026, 3, 1)),  # a common year: 1 March
        (datetime.date(2016, 2, 29), 4, datetime.date(2020, 2, 29)),  # a leap year again
        (datetime.date(2016, 2, 28), 10, datetime.date(2026, 2, 28)),
        (datetime.date(2016, 3, 1), 10, datetime.date(2026, 3, 1)),
    ],
)
def test_leap_days(closed_on, years, last_kept):
    facts = ClosureFacts(status="CLOSED", closed_on=closed_on, erased=False)
    assert kept_until(closed_on, years) == last_kept
    assert not is_due(facts, today=last_kept, years=years)
    assert is_due(facts, today=last_kept + datetime.timedelta(days=1), years=years)


# --- The world ---------------------------------------------------------------------------------


@pytest.fixture
def world(db, lima):
    carla = UserFactory(username="carla")
    return {"carla": carla, "sofia": supervisor("sofia", lima), "santiago": supervisor("santiago", lima), "lima": lima}


def close(case, requester, decider):
    review = reviews.request_closure(actor=requester, case=case, reason=f"{CANARIES[6]}: dos años sin riesgo.")
    reviews.review_decide(actor=decider, review=review, approve=True, note=f"{CANARIES[6]}: conforme.")
    return Case.objects.get(pk=case.pk)


def closed_case(world, **person_fields):
    """A case of Lima closed today through the closure review."""
    case = open_case(world["lima"], actor=world["carla"], case_fields={"status": "FOLLOW_UP"}, **person_fields)
    return close(case, world["carla"], world["sofia"])


def closed_long_ago(world, office=None, closed_on=datetime.date(2014, 1, 10), **person_fields):
    """A case closed on `closed_on` (for the screens, which decide today)."""
    case = open_case(office or world["lima"], actor=world["carla"], **person_fields)
    Case.objects.filter(pk=case.pk).update(status="CLOSED", closed_on=closed_on)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def full_case(world):
    """A case with every kind of free text filled with canaries, then closed today: person identity
    and safe contact, the case's own text, a note, a follow-up visit record, a referral note, a
    break-the-glass reason and the closure review's reason and note."""
    carla, lima = world["carla"], world["lima"]
    case = open_case(
        lima,
        actor=carla,
        given_names=CANARIES[0],
        family_names=CANARIES[1],
        aliases=[f"{CANARIES[0]}ita"],
        document_number=CANARIES[2],
        address=f"Jr. {CANARIES[3]} 12",
        phone="+51 999 111 222",
        notes=f"{CANARIES[5]}: llegó sola.",
        languages=["spa", "que"],
        preferred_language="que",
        needs_interpreter=True,
        disabilities=["HEARING"],
        safe_channels=["WHATSAPP"],
        safe_hours="Tardes",
        contact_kept_secret=True,
        must_not_know="El tío",
        code_word="Girasol",
        never_visit=f"Av. {CANARIES[3]} 400",
        case_fields={
            "status": "REINTEGRATION_ACTIVE",
            "summary": f"{CANARIES[4]}: rescatada en Laberinto.",
            "place_identified": f"Bar {CANARIES[3]}",
            "statement_reference": "Carpeta 123-2026",
            "needs_notes": f"{CANARIES[5]}: necesita lentes.",
        },
        consent={"given_on": timezone.localdate(), "method": "WRITTEN", "services": True, "statistics": True},
    )
    services.note_add(actor=carla, case=case, text=f"{CANARIES[5]}: la visité en casa.")
    plan = plan_start(actor=carla, case=case, care_ended_on=case.opened_on)
    visit_record_save(
        actor=carla,
        visit=plan.visits.order_by("due").first(),
        values={"notes": f"{CANARIES[5]}: en casa de su tía.", "not_seen_detail": "Viajó"},
        goals=[{"goal": f"{CANARIES[5]}: terminar el colegio", "status": "MET"}],
        final=False,
    )
    provider = Provider.objects.create(name="Centro de Salud Mental Comunitario", sector="HEALTH", region="15")
    service = Service.objects.create(provider=provider, name="Psicología", type="PSYCHOLOGICAL", sector="HEALTH", regions=["15"])
    referral = Referral.objects.create(case=case, service=service, need="PSYCHOLOGICAL", created_by=carla)
    referral.note = f"{CANARIES[5]}: prefiere la tarde."
    referral.save()
    reviews.break_the_glass(
        actor=supervisor("sergio", OfficeFactory(code="CUS", region="08")), case=case, reason=f"{CANARIES[6]}: urgencia."
    )
    return close(Case.objects.get(pk=case.pk), carla, world["sofia"])


# --- Asking ------------------------------------------------------------------------------------


def test_a_case_closed_ten_years_and_a_day_ago_is_proposed_and_one_closed_a_day_less_is_not(world):
    case = closed_case(world)
    assert retention.request_erasures(today=first_due_day(case) - datetime.timedelta(days=2)) == []
    assert retention.request_erasures(today=first_due_day(case) - datetime.timedelta(days=1)) == [], "the 10th anniversary is still kept"
    [review] = retention.request_erasures(today=first_due_day(case))
    assert (review.kind, review.case, review.office, review.requested_by) == ("RETENTION_ERASURE", None, world["lima"], None)
    assert review.details["cases"] == [str(case.pk)]
    assert review.status == ReviewStatus.PENDING


def test_the_task_asks_each_office_once_and_not_again_while_it_waits(world):
    cusco = OfficeFactory(code="CUS", region="08")
    sergio = supervisor("sergio", cusco)
    in_lima = [closed_long_ago(world), closed_long_ago(world)]
    in_cusco = closed_long_ago(world, office=cusco)
    closed_long_ago(world, closed_on=timezone.localdate() - datetime.timedelta(days=400))  # not yet
    assert tasks.request_retention_erasures() == {"reviews": 2}
    lima_review = Review.objects.get(kind="RETENTION_ERASURE", office=world["lima"])
    assert sorted(lima_review.details["cases"]) == sorted(str(case.pk) for case in in_lima)
    assert Review.objects.get(kind="RETENTION_ERASURE", office=cusco).details["cases"] == [str(in_cusco.pk)]
    told = set(
        Notification.objects.filter(kind=NotificationKind.REVIEW_REQUESTED).values_list("recipient__username", "review__office__code")
    )
    assert told == {("sofia", "LIM"), ("santiago", "LIM"), ("sergio", "CUS")}
    assert tasks.request_retention_erasures() == {"reviews": 0}
    assert Review.objects.filter(kind="RETENTION_ERASURE").count() == 2
    reviews.review_decide(actor=sergio, review=Review.objects.get(office=cusco), approve=True)
    assert tasks.request_retention_erasures() == {"reviews": 0}, "nothing left due in Cusco, Lima still waits"


def test_a_review_lists_at_most_the_bound_and_the_rest_come_next(world, monkeypatch):
    monkeypatch.setattr(retention, "MAX_CASES_PER_REVIEW", 2)
    cases = [closed_long_ago(world, closed_on=datetime.date(2014, 1, day)) for day in (3, 1, 2)]
    [first] = retention.request_erasures()
    assert first.details["cases"] == [str(cases[1].pk), str(cases[2].pk)], "oldest closures first"
    reviews.review_decide(actor=world["sofia"], review=first, approve=True)
    [second] = retention.request_erasures()
    assert second.details["cases"] == [str(cases[0].pk)]


def test_a_person_with_another_case_still_kept_is_not_proposed(world):
    old = closed_long_ago(world)
    newer = open_case(world["lima"], actor=world["carla"])
    Case.objects.filter(pk=newer.pk).update(person=old.person)
    assert retention.request_erasures() == []
    Case.objects.filter(pk=newer.pk).update(status="CLOSED", closed_on=datetime.date(2015, 6, 1))
    [review] = retention.request_erasures()
    assert sorted(review.details["cases"]) == sorted([str(old.pk), str(newer.pk)])


def test_the_person_is_anonymised_with_their_last_case_whatever_the_office(world):
    cusco = OfficeFactory(code="CUS", region="08")
    sergio = supervisor("sergio", cusco)
    in_lima = closed_long_ago(world, given_names="Ñusta")
    in_cusco = closed_long_ago(world, office=cusco)
    Case.objects.filter(pk=in_cusco.pk).update(person=in_lima.person)
    lima_review, cusco_review = sorted(retention.request_erasures(), key=lambda review: review.office.code != "LIM")
    reviews.review_decide(actor=world["sofia"], review=lima_review, approve=True)
    assert Case.objects.get(pk=in_lima.pk).erased_at is not None
    assert Person.objects.get(pk=in_lima.person_id).given_names == "Ñusta", "still needed by the case in Cusco"
    reviews.review_decide(actor=sergio, review=cusco_review, approve=True)
    assert Person.objects.get(pk=in_lima.person_id).given_names == ""
    assert find_people("Ñusta") == []


def test_a_closed_case_without_a_closing_date_gets_the_day_its_closure_was_approved(world):
    migration = importlib.import_module("casework.migrations.0015_retention")
    case = closed_case(world)
    approved = Review.objects.get(case=case, kind="CASE_CLOSURE").decided_at
    Review.objects.filter(case=case, kind="CASE_CLOSURE").update(decided_at=approved - datetime.timedelta(days=800))
    Case.objects.filter(pk=case.pk).update(closed_on=None)
    migration.fill_closed_on(apps, None)
    assert Case.objects.get(pk=case.pk).closed_on == timezone.localdate(approved - datetime.timedelta(days=800))


def test_a_longer_retention_setting_keeps_cases_longer(world, settings):
    case = closed_case(world)
    settings.RETENTION_YEARS = 12
    assert retention.request_erasures(today=first_due_day(case)) == []
    assert retention.request_erasures(today=anniversary(case.closed_on, 12) + datetime.timedelta(days=1))


# --- Approving ---------------------------------------------------------------------------------


def encrypted_rows_of(case):
    """Every row holding encrypted fields that belongs to the case or its person, found by walking
    the models (so a model added later is checked too): {model: [rows]}."""
    found = {}
    for model in apps.get_models():
        if not encrypted_fields(model):
            continue
        if model is Case:
            rows = model.objects.filter(pk=case.pk)
        elif model is Person:
            rows = model.objects.filter(pk=case.person_id)
        else:
            paths = []
            for field in model._meta.concrete_fields:
                if not field.is_relation:
                    continue
                if field.related_model in (Case, Person):
                    paths.append(field.name)
                for hop in field.related_model._meta.concrete_fields:
                    if hop.is_relation and hop.related_model is Case:
                        paths.append(f"{field.name}__{hop.name}")
            if not paths:
                continue
            rows = model.objects.none()
            for path in paths:
                target = case.person if path.endswith("person") else case
                rows = rows | model.objects.filter(**{path: target})
        rows = list(rows.distinct())
        if rows:
            found[model] = rows
    return found


def raw_ciphertext(row, field):
    table, column, key = row._meta.db_table, field.column, row._meta.pk
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # The table and column names come from the models, quoted; the row id is a parameter.
        sql = f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(key.column)} = %s"  # noqa: S608  # nosec B608
        cursor.execute(sql, [key.get_db_prep_value(row.pk, connection)])
        value = cursor.fetchone()[0]
    return None if value is None else bytes(value)


def empty(value):
    return value in (None, "", [], {}, False)


def erase_all_due(world, case):
    [review] = retention.request_erasures(today=first_due_day(case))
    reviews.review_decide(actor=world["sofia"], review=review, approve=True, now=noon(first_due_day(case)))
    review.refresh_from_db()
    return review


def test_approval_empties_every_encrypted_field_of_the_person_and_the_case(world, full_case):
    before = encrypted_rows_of(full_case)
    assert {Person, Case, CaseNote, Review, BreakGlassGrant, VisitRecord, Referral} <= set(before), "the world fills every kind"
    for model, rows in before.items():
        assert any(not empty(getattr(row, field.name)) for row in rows for field in encrypted_fields(model)), model
    assert find_people(CANARIES[0]) == [full_case.person]

    review = erase_all_due(world, full_case)

    assert review.details["erased"] == [str(full_case.pk)]
    after = encrypted_rows_of(full_case)
    assert {model: len(rows) for model, rows in after.items()} == {model: len(rows) for model, rows in before.items()}, "rows stay"
    cipher = field_cipher()
    for model, rows in after.items():
        for row in rows:
            for field in encrypted_fields(model):
                assert empty(getattr(row, field.name)), f"{model.__name__}.{field.name}"
                stored = raw_ciphertext(row, field)
                if field.null:
                    assert stored is None, f"{model.__name__}.{field.name} is NULL in the row"
                else:  # the column cannot be NULL: it holds the encryption of the empty value
                    plaintext = cipher.decrypt(stored, context=field.context, row_id=str(row.pk))
                    assert plaintext == field.encode(field.empty_plaintext()), f"{model.__name__}.{field.name}"
    person = Person.objects.get(pk=full_case.person_id)
    case = Case.objects.get(pk=full_case.pk)
    assert person.erased_at == case.erased_at == noon(first_due_day(full_case))
    assert person.age_band_changes_in is None
    assert not PersonSearchToken.objects.filter(person=person).exists()
    assert find_people(CANARIES[0]) == []
    assert find_people(CANARIES[2]) == []


def test_approval_keeps_the_coded_facts_that_reports_and_exports_count(world, full_case):
    cases = Case.objects.all()
    since, until = full_case.opened_on.replace(month=1, day=1), full_case.opened_on.replace(month=12, day=31)

    def counted():
        case = Case.objects.select_related("person").get(pk=full_case.pk)
        facts = aggregate_exports._facts(case)
        return reports.cases_by_status(cases), team_compliance(cases, since=since, until=until), facts

    before = counted()
    assert before[2].age_at_registration is not None
    erase_all_due(world, full_case)
    assert counted() == before
    person = Person.objects.get(pk=full_case.person_id)
    assert (person.gender, person.age_band) == ("WOMAN", full_case.person.age_band)


def test_each_erased_case_is_logged_with_ids_only(world, full_case):
    review = erase_all_due(world, full_case)
    event = AccessEvent.objects.get(action=AccessAction.ERASE, object_id=str(full_case.pk))
    assert (event.actor, event.object_ref, event.detail) == (world["sofia"], full_case.reference, f"retention review {review.pk}")
    assert {"case", "case_notes", "reviews", "break_the_glass", "visit_records", "referrals", "person"} <= set(event.fields)
    person_event = AccessEvent.objects.get(action=AccessAction.ERASE, object_id=str(full_case.person_id))
    assert {"given_names", "document_number", "code_word"} <= set(person_event.fields)
    logged = " ".join(f"{e.object_ref} {e.detail} {e.fields}" for e in AccessEvent.objects.all())
    assert not [canary for canary in CANARIES if canary in logged]


def test_a_supervisor_of_another_office_cannot_decide_it(world):
    case = closed_case(world)
    [review] = retention.request_erasures(today=first_due_day(case))
    elsewhere = supervisor("sergio", OfficeFactory(code="CUS", region="08"))
    with pytest.raises(PermissionDenied):
        reviews.review_decide(actor=elsewhere, review=review, approve=True, now=noon(first_due_day(case)))
    assert Case.objects.get(pk=case.pk).erased_at is None


def test_the_system_only_asks_a_supervisor_decides(world):
    """Four eyes: the request is the rule's (no user), the erasure is a supervisor's decision."""
    case = closed_case(world)
    for _ in range(3):
        retention.request_erasures(today=first_due_day(case))
    [review] = Review.objects.filter(kind="RETENTION_ERASURE")
    assert review.requested_by is None
    assert Case.objects.get(pk=case.pk).erased_at is None, "asking erases nothing"
    assert Person.objects.get(pk=case.person_id).given_names == "Rosa"
    assert reviews.may_decide(world["sofia"], review)
    assert not reviews.may_decide(world["carla"], review)
    reviews.review_decide(actor=world["santiago"], review=review, approve=True, now=noon(first_due_day(case)))
    assert Case.objects.get(pk=case.pk).erased_at is not None
    assert not Notification.objects.filter(review=review).exclude(kind=NotificationKind.REVIEW_REQUESTED).exists(), "no requester to tell"


def test_sending_back_erases_nothing_and_the_office_is_asked_again_a_month_later(world):
    case = closed_case(world)
    day = first_due_day(case)
    [review] = retention.request_erasures(today=day)
    reviews.review_decide(actor=world["sofia"], review=review, approve=False, note="Proceso judicial abierto.", now=noon(day))
    case = Case.objects.get(pk=case.pk)
    assert case.erased_at is None
    assert case.person.given_names == "Rosa"
    assert find_people("Rosa") == [case.person]
    assert retention.request_erasures(today=day + datetime.timedelta(days=29)) == []
    assert len(retention.request_erasures(today=day + datetime.timedelta(days=31))) == 1


def test_a_case_reopened_between_request_and_approval_is_not_erased(world):
    reopened, other = closed_case(world), closed_case(world)
    day = first_due_day(reopened)
    [review] = retention.request_erasures(today=day)
    Case.objects.filter(pk=reopened.pk).update(status="FOLLOW_UP", closed_on=None)
    reviews.review_decide(actor=world["sofia"], review=review, approve=True, now=noon(day))
    review.refresh_from_db()
    assert (review.details["erased"], review.details["kept"]) == ([str(other.pk)], [str(reopened.pk)])
    assert Case.objects.get(pk=reopened.pk).person.given_names == "Rosa"
    assert Case.objects.get(pk=other.pk).person.given_names == ""


def test_a_form_left_open_on_the_case_cannot_write_personal_data_back(world):
    case = closed_case(world)
    version = case.version
    erase_all_due(world, case)
    with pytest.raises(services.StaleEdit):
        services.case_update(actor=world["carla"], case=case, expected_version=version, person_fields={"given_names": "Rosa"})


# --- Screens -----------------------------------------------------------------------------------


@pytest.fixture
def asked(world):
    case = closed_long_ago(world, given_names=CANARIES[0])
    [review] = retention.request_erasures()
    return case, review


def test_the_supervisor_sees_the_system_request_and_approves_it_on_the_review_screen(client, world, asked, english):
    case, review = asked
    sign_in(client, world["sofia"])
    queue = client.get("/reviews/").content.decode()
    assert "Scheduled retention task" in queue
    assert f"/reviews/{review.pk}/" in queue
    detail = client.get(f"/reviews/{review.pk}/").content.decode()
    assert case.reference in detail
    assert "Scheduled retention task" in detail
    assert CANARIES[0] not in detail
    response = client.post(f"/reviews/{review.pk}/", {"decision": "approve", "note": ""})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).erased_at is not None
    assert "erased" in client.get(f"/reviews/{review.pk}/").content.decode()


def test_a_caseworker_cannot_open_the_erasure_review(client, world, asked):
    _case, review = asked
    sign_in(client, world["carla"])
    assert client.get(f"/reviews/{review.pk}/").status_code == 404


def approve_today(world, review):
    reviews.review_decide(actor=world["sofia"], review=review, approve=True)


def test_the_erased_case_file_opens_and_says_so_in_english(client, world, asked, english):
    case, review = asked
    assign_perm("casework.view_case", world["carla"], case)
    sign_in(client, world["carla"])
    approve_today(world, review)
    response = client.get(f"/cases/{case.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "The personal data of this case was erased on" in page
    assert "data retention policy" in page
    assert CANARIES[0] not in page
    assert case.reference in page
    assert "Edit identity" not in page, "nobody writes personal data into an erased case"
    assert client.get(f"/cases/{case.pk}/follow-up/").status_code == 200


def test_the_erased_case_file_says_so_in_spanish(client, world, asked):
    case, review = asked
    assign_perm("casework.view_case", world["carla"], case)
    sign_in(client, world["carla"])
    approve_today(world, review)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Los datos personales de este caso se borraron el" in page


def test_search_no_longer_finds_an_erased_person(client, world, asked, english):
    case, review = asked
    assign_perm("casework.view_case", world["carla"], case)
    sign_in(client, world["carla"])
    assert case.reference in client.post("/search/", {"query": CANARIES[0]}).content.decode()
    approve_today(world, review)
    assert case.reference not in client.post("/search/", {"query": CANARIES[0]}).content.decode()


def test_nobody_can_write_into_an_erased_case_by_its_addresses(client, world, asked):
    case, review = asked
    for permission in ("casework.view_case", "casework.change_case"):
        assign_perm(permission, world["carla"], case)
    sign_in(client, world["carla"])
    approve_today(world, review)
    for path in (f"/cases/{case.pk}/identity/", f"/cases/{case.pk}/notes/", f"/cases/{case.pk}/services/"):
        assert client.post(path, {"given_names": "Rosa", "text": "Nota nueva"}).status_code in (403, 404), path
    case.refresh_from_db()
    assert case.person.given_names == ""
    assert not case.notes.exists()

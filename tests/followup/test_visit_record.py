"""Recording a follow-up visit: drafts, the checks a record must pass, a stale second tab, the
alarm on a high risk, and the person's safe contact shown before the form."""

import datetime

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from casework.models import AccessEvent, Case, Notification
from followup import services
from followup.models import Reminder, Visit, VisitRecord

from ..factories import UserFactory, open_case, supervisor

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(lima):
    return UserFactory(username="paula")


@pytest.fixture
def sam(lima):
    return supervisor("sam", lima)


@pytest.fixture
def plan(lima, caseworker, partner):
    """An adult's plan whose care ended 40 days ago: the first visit is due about now."""
    today = timezone.localdate()
    case = open_case(
        lima,
        actor=caseworker,
        birth_date=datetime.date(1990, 5, 5),
        given_names="Yolanda",
        safe_channels=["SMS"],
        safe_hours="de 18:00 a 20:00",
        code_word="girasol",
        case_fields={"status": "REINTEGRATION_ACTIVE"},
    )
    Case.objects.filter(pk=case.pk).update(opened_on=today - datetime.timedelta(days=90))
    case.refresh_from_db()
    for user in (caseworker, partner):
        assign_perm("casework.view_case", user, case)
        assign_perm("casework.change_case", user, case)
    return services.plan_start(actor=caseworker, case=case, care_ended_on=today - datetime.timedelta(days=40))


@pytest.fixture
def visit(plan):
    return plan.visits.order_by("due").first()


def page(visit):
    return f"/cases/{visit.case_id}/follow-up/visits/{visit.pk}/"


def complete(**changes):
    """A full record as the form posts it."""
    data = {
        "contact_on": timezone.localdate().isoformat(),
        "mode": "IN_PERSON",
        "seen": "yes",
        "score_SAFETY": "2",
        "score_HOUSING": "3",
        "re_exploitation": "NONE",
        "risk": "LOW",
        "justice_stage": "COMPLAINT",
        "own_view": "2",
        "notes": "Trabaja en una panadería; vive con su hermana.",
        "goals-TOTAL_FORMS": "2",
        "goals-INITIAL_FORMS": "0",
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "12",
        "goals-0-goal": "Terminar la secundaria",
        "goals-0-status": "IN_PROGRESS",
        "goals-1-goal": "",
        "goals-1-status": "IN_PROGRESS",
        "action": "record",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_the_visit_screen_shows_the_safe_contact_first_and_logs_the_reading(client, caseworker, visit):
    body = client.get(page(visit)).content.decode()
    assert body.index("girasol") < body.index('name="contact_on"')
    assert "de 18:00 a 20:00" in body
    event = AccessEvent.objects.filter(object_id=str(visit.case_id), action="VIEW").latest("sequence")
    assert "safe_contact" in event.fields


def test_a_complete_record_marks_the_visit_done_and_keeps_everything(client, caseworker, visit):
    response = client.post(page(visit), complete())
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{visit.case_id}/follow-up/"
    record = VisitRecord.objects.get(visit=visit)
    assert (record.status, record.mode, record.seen, record.risk, record.own_view) == ("FINAL", "IN_PERSON", True, "LOW", 2)
    assert record.scores == {"SAFETY": 2, "HOUSING": 3}
    assert record.goals == [{"goal": "Terminar la secundaria", "status": "IN_PROGRESS"}]
    assert record.notes == "Trabaja en una panadería; vive con su hermana."
    visit.refresh_from_db()
    assert (visit.status, visit.next_reminder_at) == ("DONE", None)


def test_a_draft_needs_nothing_and_leaves_the_visit_planned(client, caseworker, visit):
    response = client.post(page(visit), {"notes": "Llamé; volver a llamar el lunes.", "action": "draft", **management()})
    assert response.status_code == 302
    record = VisitRecord.objects.get(visit=visit)
    assert (record.status, record.notes) == ("DRAFT", "Llamé; volver a llamar el lunes.")
    visit.refresh_from_db()
    assert visit.status == "PLANNED"


def management():
    return {"goals-TOTAL_FORMS": "0", "goals-INITIAL_FORMS": "0", "goals-MIN_NUM_FORMS": "0", "goals-MAX_NUM_FORMS": "12"}


def test_recording_asks_for_what_is_missing_in_spanish_and_saves_nothing(client, caseworker, visit):
    response = client.post(page(visit), complete(contact_on=None, mode=None, risk=None))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("Necesario para registrar la visita") == 3 * 2  # in the summary, and beside each field
    assert "No se guardó nada" in body
    assert not VisitRecord.objects.exists()


def test_a_person_not_seen_needs_the_reason_and_the_visit_counts_as_missed(client, caseworker, visit):
    response = client.post(page(visit), complete(seen="no", risk=None, re_exploitation=None))
    assert "Necesario para registrar la visita" in response.content.decode()
    response = client.post(page(visit), complete(seen="no", risk=None, re_exploitation=None, not_seen_reason="MOVED"))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "MISSED"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"contact_on": "2099-01-01"}, "contact_on", "El contacto no puede ser en el futuro."),
        ({"contact_on": "2001-01-01"}, "contact_on", "El contacto no puede ser anterior al fin de la atención."),
        ({"contact_on": "2026-02-30"}, "contact_on", "Introduzca una fecha válida."),
        ({"score_SAFETY": "7"}, "score_SAFETY", "Escoja una opción válida."),
        ({"mode": "CARRIER_PIGEON"}, "mode", "Escoja una opción válida."),
        ({"own_view": "tres"}, "own_view", "Escoja una opción válida."),
        ({"notes": "x" * 5001}, "notes", "tenga menos de 5000 caracteres (tiene 5001)"),
        ({"goals-0-goal": "y" * 301}, "goal", "Meta 1: Asegúrese de que este valor tenga menos de 300 caracteres"),
        ({"reparation_ordered": "no", "reparation_paid": "yes"}, "reparation_paid", "no puede estar pagada si no fue ordenada"),
        ({"not_seen_reason": "MOVED"}, "not_seen_reason", "Se vio a la persona"),
    ],
)
def test_bad_input_gets_a_clear_error_and_nothing_is_saved(client, caseworker, visit, changes, field, message):
    response = client.post(page(visit), complete(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not VisitRecord.objects.exists()
    visit.refresh_from_db()
    assert visit.status == "PLANNED"


def test_a_second_tab_cannot_overwrite_a_newer_save_and_keeps_what_was_typed(client, caseworker, partner, visit):
    client.post(page(visit), {"notes": "Primera versión", "action": "draft", **management()})
    record = VisitRecord.objects.get(visit=visit)
    stale = {"version": str(record.version), "action": "draft", **management()}
    services.visit_record_save(
        actor=partner, visit=visit, values={"notes": "Versión de Paula"}, goals=[], final=False, expected_version=record.version
    )
    response = client.post(page(visit), {**stale, "notes": "Lo que escribí en la otra pestaña"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Alguien guardó esta visita después de que usted la abrió" in body
    assert "Lo que escribí en la otra pestaña" in body
    assert VisitRecord.objects.get(visit=visit).notes == "Versión de Paula"


def test_a_high_risk_alerts_the_team_and_the_supervisor_at_once_and_adds_a_visit_within_7_days(client, caseworker, partner, sam, visit):
    response = client.post(page(visit), complete(risk="HIGH"))
    assert response.status_code == 302
    urgent = Reminder.objects.filter(kind="URGENT", visit=visit)
    assert sorted(urgent.values_list("recipient__username", flat=True)) == ["paula", "sam"]  # not alice, who recorded it
    assert Notification.objects.filter(kind="VISIT_URGENT", recipient=sam, case_id=visit.case_id).count() == 1
    added = Visit.objects.get(case_id=visit.case_id, unscheduled=True)
    today = timezone.localdate()
    assert (added.status, added.window_opens, added.due) == ("PLANNED", today, today + datetime.timedelta(days=7))
    case = Case.objects.get(pk=visit.case_id)
    assert case.next_visit_on == added.due
    # Correcting the record does not alert twice nor add a second visit.
    record = VisitRecord.objects.get(visit=visit)
    client.post(page(visit), complete(risk="HIGH", version=str(record.version), notes="Corrección"))
    assert urgent.count() == 2
    assert Visit.objects.filter(case_id=visit.case_id, unscheduled=True).count() == 1


def test_suspected_re_exploitation_alone_raises_the_alarm_even_in_a_draft(client, caseworker, sam, visit):
    client.post(page(visit), {"re_exploitation": "SUSPECTED", "action": "draft", **management()})
    assert Reminder.objects.filter(kind="URGENT", recipient=sam).exists()
    assert Visit.objects.filter(case_id=visit.case_id, unscheduled=True).exists()


def test_a_medium_risk_raises_no_alarm(client, caseworker, sam, visit):
    client.post(page(visit), complete(risk="MEDIUM"))
    assert not Reminder.objects.filter(kind="URGENT").exists()
    assert not Visit.objects.filter(unscheduled=True).exists()


def test_the_timeline_charts_the_scores_of_recorded_visits(client, caseworker, visit, english):
    client.post(page(visit), complete())
    body = client.get(f"/cases/{visit.case_id}/follow-up/").content.decode()
    assert "What the visits found" in body
    assert "<svg" in body
    assert "Safety 2; Housing stability 3" in body


def test_my_cases_shows_the_next_visit(client, caseworker, visit, english):
    body = client.get("/").content.decode()
    assert "Next visit" in body
    assert f'href="/cases/{visit.case_id}/follow-up/"' in body


def test_the_follow_up_page_reads_a_fixed_number_of_queries_however_many_visits_are_recorded(
    client, caseworker, plan, django_assert_max_num_queries
):
    url = f"/cases/{plan.case_id}/follow-up/"
    for visit in plan.visits.order_by("due")[:3]:
        services.visit_record_save(
            actor=caseworker,
            visit=visit,
            values={"contact_on": plan.care_ended_on, "mode": "PHONE", "seen": True, "risk": "LOW", "re_exploitation": "NONE"},
            goals=[],
            final=True,
        )
    with django_assert_max_num_queries(20) as counted:
        client.get(url)
    three = len(counted.captured_queries)
    services.visit_record_save(
        actor=caseworker,
        visit=plan.visits.filter(status="PLANNED").order_by("due").first(),
        values={"contact_on": plan.care_ended_on, "mode": "PHONE", "seen": True, "risk": "LOW", "re_exploitation": "NONE"},
        goals=[],
        final=True,
    )
    with django_assert_max_num_queries(three):
        client.get(url)

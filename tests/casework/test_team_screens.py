"""Proposing, confirming, swapping and overriding a case team on screen; permissions follow the team."""

import datetime

import pytest
from django.test import Client
from guardian.shortcuts import assign_perm

from casework import reviews, staffing
from casework.access import cases_visible_to
from casework.models import AccessAction, AccessEvent, Review, TeamMember, TeamPolicy, TeamProposal

from ..factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case, sign_in, supervisor

pytestmark = pytest.mark.django_db

EXPIRED = datetime.date(2020, 1, 10)


def staff(username, gender, discipline, sector, office, **extra):
    profile = StaffProfileFactory(
        user=UserFactory(username=username, first_name=username.title()),
        gender=gender,
        disciplines=[discipline],
        sector=sector,
        office=office,
        **extra,
    )
    return profile.user


@pytest.fixture
def roster(lima):
    return {
        "ana": staff("ana", "WOMAN", "PSYCHOLOGY", "SOCIAL_PROTECTION", lima, child_specialised=True, languages=["spa", "que"]),
        "bruno": staff("bruno", "MAN", "LAW", "JUSTICE", lima),
        "carla": staff("carla", "WOMAN", "SOCIAL_WORK", "SOCIAL_PROTECTION", lima),
        "diego": staff("diego", "MAN", "SOCIAL_WORK", "LOCAL_GOVERNMENT", lima),
        "elena": staff("elena", "WOMAN", "LAW", "JUSTICE", lima, specialisation_trained_on=EXPIRED),
    }


@pytest.fixture
def girl_case(lima, caseworker):
    """A 15-year-old girl who asked for a woman to interview her; alice took the intake."""
    case = open_case(lima, actor=caseworker, birth_date=datetime.date(2011, 5, 2), gender="WOMAN", preferred_interviewer_gender="WOMAN")
    return case


def team_page(case):
    return f"/cases/{case.pk}/team/"


def post_team(client, case, members, lead, action="confirm", reason=""):
    data = {"members": [user.pk for user in members], "lead": lead.pk, "action": action, "reason": reason}
    return client.post(team_page(case), data)


def test_the_team_page_proposes_a_valid_team_with_a_woman_lead_and_records_the_proposal(client, roster, girl_case):
    response = client.get(team_page(girl_case))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Equipo propuesto" in body
    assert "Ana" in body
    assert "Bruno" in body
    proposal = response.context["form"].initial
    assert roster["ana"].pk in proposal["members"]
    assert roster["bruno"].pk in proposal["members"]
    assert roster["elena"].pk not in proposal["members"], "her training has expired"
    assert proposal["lead"] in {roster["ana"].pk, roster["carla"].pk}
    assert TeamProposal.objects.get(case=girl_case).feasible
    client.get(team_page(girl_case))
    assert TeamProposal.objects.filter(case=girl_case).count() == 1, "reopening the page is not a second proposal"


def test_confirming_gives_the_team_the_case_and_takes_it_from_the_intake_taker(client, caseworker, roster, girl_case):
    response = post_team(client, girl_case, [roster["ana"], roster["bruno"], roster["carla"]], roster["ana"])
    assert response.status_code == 302
    assert set(TeamMember.objects.filter(case=girl_case).values_list("user__username", flat=True)) == {"ana", "bruno", "carla"}
    assert TeamMember.objects.get(case=girl_case, is_lead=True).user == roster["ana"]
    for name in ("ana", "bruno", "carla"):
        assert cases_visible_to(roster[name]).filter(pk=girl_case.pk).exists()
        assert roster[name].has_perm("casework.change_case", girl_case)
    assert not cases_visible_to(roster["diego"]).filter(pk=girl_case.pk).exists()
    assert not cases_visible_to(caseworker).filter(pk=girl_case.pk).exists(), "the intake taker is not on the team"
    assert AccessEvent.objects.filter(action=AccessAction.UPDATE, object_id=str(girl_case.pk), fields=["team"]).exists()


def test_a_member_removed_from_the_team_loses_the_case(client, roster, girl_case, lima):
    sofia = supervisor("sofia", lima)
    sign_in(client, sofia)
    post_team(client, girl_case, [roster["ana"], roster["bruno"], roster["carla"]], roster["ana"])
    post_team(client, girl_case, [roster["ana"], roster["bruno"], roster["diego"]], roster["ana"])
    assert not cases_visible_to(roster["carla"]).filter(pk=girl_case.pk).exists()
    assert cases_visible_to(roster["diego"]).filter(pk=girl_case.pk).exists()
    carla = Client()
    sign_in(carla, roster["carla"])
    assert carla.get(f"/cases/{girl_case.pk}/").status_code == 404


def test_a_swap_that_breaks_a_rule_is_explained_in_spanish_and_saves_nothing(client, roster, girl_case):
    response = post_team(client, girl_case, [roster["ana"], roster["carla"], roster["diego"]], roster["diego"])
    assert response.status_code == 200
    body = response.content.decode()
    assert "no cumple todas las reglas" in body
    assert "Interdisciplinario" in body, "nobody covers law"
    assert "La persona que dirige tiene el género que la persona prefiere" in body, "a man would lead"
    assert not TeamMember.objects.filter(case=girl_case).exists()


def test_checking_a_valid_swap_says_so_without_saving(client, roster, girl_case):
    response = post_team(client, girl_case, [roster["ana"], roster["bruno"], roster["diego"]], roster["ana"], action="check")
    assert "cumple todas las reglas" in response.content.decode()
    assert not TeamMember.objects.filter(case=girl_case).exists()


def test_the_lead_must_be_a_member(client, roster, girl_case):
    response = post_team(client, girl_case, [roster["ana"], roster["bruno"], roster["carla"]], roster["diego"])
    assert response.status_code == 200
    assert "debe ser uno de los miembros" in response.content.decode()


def test_an_exception_needs_a_reason_and_waits_for_a_supervisor(client, roster, girl_case, lima, english):
    sofia = supervisor("sofia", lima)
    team = [roster["ana"], roster["carla"], roster["diego"]]
    response = post_team(client, girl_case, team, roster["ana"], action="override")
    assert "Say why this team should stand" in response.content.decode()
    assert not Review.objects.filter(kind="TEAM_OVERRIDE").exists()

    response = post_team(client, girl_case, team, roster["ana"], action="override", reason="Bruno is on leave; the lawyer joins in May.")
    assert response.status_code == 302
    review = Review.objects.get(kind="TEAM_OVERRIDE")
    assert review.details["unmet"][0]["rule"] == "DISCIPLINES"
    assert not TeamMember.objects.filter(case=girl_case).exists(), "nothing is saved before the approval"
    assert "An exception to the team rules waits for a supervisor" in client.get(f"/cases/{girl_case.pk}/").content.decode()

    reviews.review_decide(actor=sofia, review=review, approve=True, note="")
    assert set(TeamMember.objects.filter(case=girl_case).values_list("user__username", flat=True)) == {"ana", "carla", "diego"}
    girl_case.refresh_from_db()
    assert [item["rule"] for item in girl_case.team_breaks] == ["DISCIPLINES"]
    member = Client()
    member.cookies["django_language"] = "en"
    sign_in(member, roster["ana"])
    assert "The team no longer meets every rule" in member.get(f"/cases/{girl_case.pk}/").content.decode()


def test_a_valid_team_cannot_be_sent_for_an_exception(client, roster, girl_case):
    post_team(client, girl_case, [roster["ana"], roster["bruno"], roster["carla"]], roster["ana"], action="override", reason="x")
    assert not Review.objects.filter(kind="TEAM_OVERRIDE").exists()


def test_someone_who_may_only_read_the_case_cannot_choose_its_team(client, roster, girl_case):
    reader = UserFactory(username="reader")
    assign_perm("casework.view_case", reader, girl_case)
    sign_in(client, reader)
    assert client.get(team_page(girl_case)).status_code == 403
    assert post_team(client, girl_case, [roster["ana"], roster["bruno"], roster["carla"]], roster["ana"]).status_code == 403


def test_staff_outside_the_case_see_no_team_page(client, roster, girl_case):
    sign_in(client, roster["diego"])
    assert client.get(team_page(girl_case)).status_code == 404


def test_deactivating_a_member_rechecks_the_team_and_puts_the_case_in_the_supervisors_queue(client, roster, girl_case, lima):
    sofia = supervisor("sofia", lima)
    staffing.team_assign(
        actor=sofia, case=girl_case, member_ids=[roster[n].pk for n in ("ana", "bruno", "carla")], lead_id=roster["ana"].pk
    )
    queue = Client()
    sign_in(queue, sofia)
    assert girl_case.reference not in queue.get("/reviews/").content.decode()

    bruno = roster["bruno"].staff_profile
    bruno.active = False
    staffing.staff_profile_save(actor=sofia, profile=bruno)
    girl_case.refresh_from_db()
    assert girl_case.team_breaks == [{"rule": "CAPACITY", "missing": {"member": roster["bruno"].pk}}]
    assert girl_case.reference in queue.get("/reviews/").content.decode()


def test_cases_of_another_office_never_reach_this_teams_choices(client, roster, girl_case):
    cusco = OfficeFactory(code="CUS", region="08")
    outsider = staff("zoe", "WOMAN", "LAW", "JUSTICE", cusco, region="08")
    response = client.get(team_page(girl_case))
    assert outsider.pk not in dict(response.context["form"].fields["members"].choices)


def test_an_offices_own_policy_wins_over_the_default_and_the_others_keep_the_default(lima):
    TeamPolicy.objects.create(office=lima, min_members=4, allow_remote=True)
    assert (staffing.policy_for(lima).min_members, staffing.policy_for(lima).allow_remote) == (4, True)
    assert staffing.policy_for(OfficeFactory(code="CUS")).min_members == 3


def test_a_second_default_policy_is_refused_by_the_database(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        TeamPolicy.objects.create(office=None)


def test_an_exception_that_puts_someone_over_their_cap_breaks_their_other_teams_too(roster, lima, caseworker):
    sofia = supervisor("sofia", lima)
    ana, bruno, carla = (roster[name] for name in ("ana", "bruno", "carla"))
    profile = ana.staff_profile
    profile.caseload_cap = 1
    profile.save()
    first = open_case(lima, actor=caseworker)
    staffing.team_assign(actor=sofia, case=first, member_ids=[ana.pk, bruno.pk, carla.pk], lead_id=ana.pk)
    second = open_case(lima, actor=caseworker)
    review = staffing.team_request_override(
        actor=caseworker, case=second, member_ids=[ana.pk, bruno.pk, carla.pk], lead_id=ana.pk, reason="Solo ella habla quechua."
    )
    reviews.review_decide(actor=sofia, review=review, approve=True, note="")
    for case in (first, second):
        case.refresh_from_db()
        assert case.team_breaks == [{"rule": "CAPACITY", "missing": {"member": ana.pk}}]

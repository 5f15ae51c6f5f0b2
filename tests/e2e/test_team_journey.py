"""A team for a 15-year-old girl who asked for a woman: proposed, checked live, confirmed; then only
the team (and the office's supervisors) can open her case."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from ..factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case
from .conftest import sign_in_as, with_password

pytestmark = pytest.mark.e2e


def staff(username, first_name, office, **profile):
    user = with_password(UserFactory(username=username, first_name=first_name, last_name="Prueba"))
    StaffProfileFactory(user=user, office=office, region=office.region, **profile)
    return user


def test_a_caseworker_gives_the_girl_a_team_led_by_a_woman_and_only_the_team_can_open_her_case(browser, live_server, caseworker):
    lima = caseworker.staff_profile.office
    ana = staff("ana", "Ana", lima, gender="WOMAN", disciplines=["PSYCHOLOGY"], sector="SOCIAL_PROTECTION", child_specialised=True)
    staff("bruno", "Bruno", lima, gender="MAN", disciplines=["LAW"], sector="JUSTICE")
    staff("carla", "Carla", lima, gender="WOMAN", disciplines=["SOCIAL_WORK"], sector="SOCIAL_PROTECTION")
    cusco = OfficeFactory(code="CUS", name="Cusco", region="08")
    zoe = staff("zoe", "Zoe", cusco, gender="WOMAN", disciplines=["LAW"], sector="JUSTICE")
    case = open_case(lima, actor=caseworker, birth_date=datetime.date(2011, 5, 2), gender="WOMAN", preferred_interviewer_gender="WOMAN")

    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in_as(page, caseworker)
    page.get_by_role("link", name=case.reference).click()
    page.get_by_role("link", name="Proponer un equipo").click()
    proposal = page.get_by_role("region", name="Equipo propuesto")
    expect(proposal.get_by_role("listitem").filter(has_text="Ana Prueba")).to_contain_text("Dirige")
    expect(page.get_by_role("checkbox", name=re.compile("Bruno Prueba"))).to_be_checked()

    page.get_by_role("checkbox", name=re.compile("Bruno Prueba")).uncheck()  # the live re-check
    expect(page.locator("#team-rules")).to_contain_text("Interdisciplinario")
    page.get_by_role("checkbox", name=re.compile("Bruno Prueba")).check()
    expect(page.locator("#team-rules")).to_contain_text("Este equipo cumple todas las reglas.")
    page.get_by_role("button", name="Confirmar el equipo").click()
    expect(page.get_by_role("status")).to_contain_text("Equipo confirmado")
    expect(page.get_by_role("status")).to_contain_text("no está en este equipo")  # she handed the case over
    context.close()

    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in_as(page, ana)
    page.get_by_role("link", name=case.reference).click()
    team = page.get_by_role("region", name="Equipo")
    expect(team.get_by_role("listitem").filter(has_text="Ana Prueba")).to_contain_text("Dirige")
    context.close()

    for outsider in (zoe, caseworker):
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        sign_in_as(page, outsider)
        page.wait_for_url("/")
        assert page.goto(f"/cases/{case.pk}/").status == 404, outsider.username
        context.close()

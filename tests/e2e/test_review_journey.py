"""Closing a case takes two people: the caseworker asks, a supervisor (past her second factor) approves."""

import re

import pytest
from guardian.shortcuts import assign_perm
from playwright.sync_api import expect

from ..factories import open_case, supervisor, two_factor_device
from .conftest import enter_second_factor, sign_in_as, with_password

pytestmark = pytest.mark.e2e


def test_a_caseworker_requests_closure_and_a_supervisor_with_her_code_approves_it(browser, live_server, caseworker):
    office = caseworker.staff_profile.office
    case = open_case(office, case_fields={"status": "FOLLOW_UP"})
    for permission in ("casework.view_case", "casework.change_case"):
        assign_perm(permission, caseworker, case)
    sofia = with_password(supervisor("sofia", office))
    key = two_factor_device(sofia).key

    carmen = browser.new_context(base_url=live_server.url)
    page = carmen.new_page()
    sign_in_as(page, caseworker)
    page.get_by_role("link", name=case.reference).click()
    page.get_by_role("link", name="Solicitar el cierre").click()
    page.get_by_label("Motivo").fill("Dos años de seguimiento sin riesgo; ella pidió cerrar.")
    page.get_by_role("button", name="Solicitar el cierre").click()
    expect(page.get_by_role("status")).to_contain_text("Cierre solicitado")
    expect(page.get_by_text("Cierre pendiente").first).to_be_visible()

    supervisor_context = browser.new_context(base_url=live_server.url)
    page = supervisor_context.new_page()
    sign_in_as(page, sofia)
    page.wait_for_url(re.compile("/accounts/two-factor/"))
    enter_second_factor(page, key)
    page.wait_for_url("/")
    page.get_by_role("link", name="Revisiones").click()
    page.get_by_role("table").get_by_role("link", name=case.reference).click()
    expect(page.get_by_text("Dos años de seguimiento sin riesgo")).to_be_visible()
    page.get_by_label("Aprobar").check()
    page.get_by_role("button", name="Registrar la decisión").click()
    expect(page.get_by_role("status")).to_be_visible()

    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_text("Cerrado", exact=False).first).to_be_visible()
    case.refresh_from_db()
    assert case.status == "CLOSED"

    page = carmen.new_page()
    page.goto("/notifications/")
    expect(page.get_by_role("link", name=re.compile(case.reference))).to_be_visible()
    carmen.close()
    supervisor_context.close()

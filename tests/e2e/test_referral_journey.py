"""Services for a 19-year-old man exploited in mining in Madre de Dios: the shelter gap is recorded,
a psychological referral is prepared, checked, sent, and the provider's acceptance recorded."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from casework import services as case_services
from referrals.models import Referral, ServiceGap

from ..factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case
from .conftest import sign_in_as, with_password

pytestmark = pytest.mark.e2e

PHONE_NUMBER = "+51 987 654 321"  # the person's phone (open_case's default): never in a referral


def definition(page, term):
    """The value (dd) that follows a term (dt) of the referral's description list."""
    return page.get_by_role("term").filter(has_text=re.compile(f"^{term}$")).locator("xpath=following-sibling::dd[1]")


def test_a_caseworker_records_the_shelter_gap_and_sends_a_psychological_referral_that_the_provider_accepts(page, transactional_db):
    call_command("import_services", "referrals/demo/catalogue.csv", stdout=io.StringIO())
    madre_de_dios = OfficeFactory(code="MDD", name="Madre de Dios", region="17")
    diego = with_password(UserFactory(username="diego", first_name="Diego"))
    StaffProfileFactory(user=diego, office=madre_de_dios)
    case = open_case(
        madre_de_dios,
        actor=diego,
        given_names="Julio",
        family_names="Mamani Quispe",
        birth_date=datetime.date(2007, 6, 1),
        gender="MAN",
        phone=PHONE_NUMBER,
        case_fields={"exploitation_types": ["LABOUR"], "labour_sector": "MINING", "needs": ["SHELTER_MEN", "PSYCHOLOGICAL"]},
    )
    consent = {"given_on": datetime.date(2026, 11, 2), "method": "WRITTEN", "services": True, "share_with": ["SOCIAL_PROTECTION"]}
    case_services.case_update(actor=diego, case=case, expected_version=case.version, consent=consent)

    sign_in_as(page, diego)
    page.get_by_role("link", name=case.reference).click()
    page.get_by_role("link", name="Servicios y derivaciones").click()

    shelter = page.get_by_role("region", name="Albergue para hombres adultos")
    expect(shelter).to_contain_text("Ningún servicio encaja: queda registrado como brecha.")
    gap = ServiceGap.objects.get()
    assert (gap.need, gap.routing_band, gap.gender_group, gap.region) == ("SHELTER_MEN", "YOUNG_ADULT", "MAN", "17")

    psychological = page.get_by_role("region", name="Atención psicológica")
    tambopata = psychological.get_by_role("listitem").filter(has_text="Centro Emergencia Mujer Tambopata")
    tambopata.get_by_role("button", name="Preparar una derivación").click()

    preview = page.get_by_role("region", name="Lo que recibe la institución")
    expect(preview).to_contain_text("Julio Mamani Quispe")
    expect(preview).to_contain_text(case.reference)
    expect(page.get_by_role("main")).not_to_contain_text(PHONE_NUMBER)
    preview.get_by_role("button", name="Marcar como enviada").click()
    expect(page.get_by_role("status")).to_contain_text("Derivación marcada como enviada.")

    answer = page.get_by_role("region", name="Registrar la respuesta de la institución")
    answer.get_by_label("Aceptada").check()
    answer.get_by_role("button", name="Guardar la respuesta").click()
    expect(page.get_by_role("status")).to_contain_text("Se registró la respuesta de la institución.")
    expect(definition(page, "Estado")).to_have_text("Aceptada")
    referral = Referral.objects.select_related("service__provider").get(case=case)
    assert (referral.service.provider.name, referral.need) == ("Centro Emergencia Mujer Tambopata", "PSYCHOLOGICAL")
    assert referral.status == "ACCEPTED"

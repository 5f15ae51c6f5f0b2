"""axe-core (bundled in axe-playwright-python, nothing fetched) finds no serious or critical
accessibility problem on the caseworker screens, on a desktop and on a 360 px phone."""

import datetime
import io
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from casework import aggregate_exports, reviews, statistics
from casework import services as case_services
from casework.models import Case
from casework.roles import Role
from followup import services as follow_up_services
from referrals import services as referral_services
from referrals.models import Service

from ..factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case, supervisor, two_factor_device, user_with_role
from .conftest import CODE_LABEL, PHONE, enrol_second_factor, enter_second_factor, sign_in_as, with_password

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
DESKTOP = {"width": 1280, "height": 900}


def blocking_violations(page):
    """The serious and critical axe violations of the page as it is now, one readable line per element."""
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} -> {node['target']} {node['html'][:160]}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
        for node in violation["nodes"]
    ]


@pytest.fixture
def case(caseworker):
    """A case the caseworker opened (so may see and edit), listed in My cases."""
    return open_case(caseworker.staff_profile.office, actor=caseworker)


def heading(page):
    return page.get_by_role("heading", level=1)


# Each screen as the caseworker reaches it; each checks it is the screen meant, not an error page.
def login_page(page, case):
    page.goto("/accounts/login/")
    expect(heading(page)).to_have_text("Iniciar sesión")


def login_page_refused(page, case):
    page.goto("/accounts/login/")
    page.get_by_label("Nombre de usuario", exact=True).fill("nadie")
    page.get_by_label("Contraseña", exact=True).fill("equivocada")
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("alert")).to_be_visible()


def my_cases(page, case):
    page.goto("/")
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()


def new_case(page, case):
    page.goto("/cases/new/")
    expect(heading(page)).to_have_text("Nuevo caso: identidad")


def new_case_with_errors(page, case):
    new_case(page, case)
    page.get_by_role("button", name="Guardar", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()


def case_file(page, case):
    page.goto(f"/cases/{case.pk}/")
    expect(heading(page)).to_contain_text(case.reference)


def situation_edit(page, case):
    page.goto(f"/cases/{case.pk}/situation/")
    expect(heading(page)).to_have_text(f"{case.reference} · Situación")


def identity_edit(page, case):
    page.goto(f"/cases/{case.pk}/identity/")
    expect(heading(page)).to_have_text(f"{case.reference} · Identidad")


def consent_edit(page, case):
    """A minor's consent form: the assent and guardian fields are there too."""
    page.goto(f"/cases/{case.pk}/consent/")
    expect(page.get_by_label(re.compile(r"^Consentimiento de:?$"))).to_be_visible()


def safety_edit(page, case):
    page.goto(f"/cases/{case.pk}/safety/")
    expect(heading(page)).to_have_text(f"{case.reference} · Seguridad y contacto seguro")


def needs_edit(page, case):
    page.goto(f"/cases/{case.pk}/needs/")
    expect(heading(page)).to_have_text(f"{case.reference} · Necesidades")


def search_results(page, case):
    page.goto("/search/")
    page.get_by_label(re.compile(r"^Número de documento o nombres")).fill("Rosa")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()


VIEWPORTS = [pytest.param(DESKTOP, id="1280px"), pytest.param(PHONE, id="360px")]


def check(page, screens, case=None):
    """Each screen in turn; all their serious and critical violations, by screen, in one message."""
    found = []
    for screen in screens:
        screen(page, case)
        found += [f"{screen.__name__} ({page.url}): {violation}" for violation in blocking_violations(page)]
    assert not found, "axe found serious or critical accessibility problems:\n" + "\n".join(found)


def test_axe_runs_and_reports_what_it_finds(page):
    """Against a page built to fail: proof that a pass below means something."""
    page.set_content('<html><body><form><input type="text" name="given_names"></form></body></html>')
    assert any(line.startswith("label (critical)") for line in blocking_violations(page))


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_sign_in_screens_have_no_serious_accessibility_problem(page, viewport):
    page.set_viewport_size(viewport)
    check(page, [login_page, login_page_refused])


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_caseworker_screens_have_no_serious_accessibility_problem(signed_in, case, viewport):
    signed_in.set_viewport_size(viewport)
    screens = [my_cases, new_case, new_case_with_errors, case_file, situation_edit, identity_edit, consent_edit, safety_edit, needs_edit]
    check(signed_in, [*screens, search_results], case)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_supervisor_and_auditor_screens_have_no_serious_accessibility_problem(page, caseworker, viewport):
    office = caseworker.staff_profile.office
    case = open_case(office, case_fields={"status": "FOLLOW_UP"})
    sofia = with_password(supervisor("sofia", office))
    review = reviews.request_closure(actor=caseworker, case=case, reason="Dos años sin riesgo.")
    page.set_viewport_size(viewport)
    sign_in_as(page, sofia)
    page.wait_for_url(re.compile("/accounts/two-factor/setup/"))

    def two_factor_setup(page, case):
        expect(heading(page)).to_have_text("Configure su segundo factor")

    def two_factor_setup_with_errors(page, case):
        page.get_by_label(CODE_LABEL).fill("12")
        page.get_by_role("button", name="Confirmar").click()
        expect(page.get_by_role("alert")).to_be_visible()

    check(page, [two_factor_setup, two_factor_setup_with_errors], case)
    key = enrol_second_factor(page)
    page.wait_for_url("/")
    page.context.clear_cookies()
    sign_in_as(page, sofia)

    def two_factor_code(page, case):
        expect(heading(page)).to_have_text("Escriba su código")

    check(page, [two_factor_code], case)
    enter_second_factor(page, key, steps_ahead=1)  # the enrolment used this step's code
    page.wait_for_url("/")

    def review_queue(page, case):
        page.goto("/reviews/")
        expect(page.get_by_role("table").get_by_role("link", name=case.reference)).to_be_visible()

    def review_detail(page, case):
        page.goto(f"/reviews/{review.pk}/")
        expect(page.get_by_role("button", name="Registrar la decisión")).to_be_visible()

    def review_detail_with_errors(page, case):
        review_detail(page, case)
        page.get_by_label("Devolver").check()
        page.get_by_role("button", name="Registrar la decisión").click()
        expect(page.get_by_role("alert")).to_be_visible()

    def break_glass(page, case):
        page.goto("/break-the-glass/")
        expect(heading(page)).to_have_text("Abrir un caso de otra oficina")

    def notifications(page, case):
        page.goto("/notifications/")
        expect(page.get_by_role("link", name=re.compile(case.reference))).to_be_visible()

    def team(page, case):
        page.goto(f"/cases/{case.pk}/team/")
        expect(heading(page)).to_contain_text("Equipo")

    def team_with_rules_broken(page, case):
        team(page, case)
        page.get_by_role("button", name="Verificar las reglas").click()
        expect(page.locator("#team-rules")).not_to_be_empty()

    def staff(page, case):
        page.goto("/staff/")
        expect(heading(page)).to_have_text("Personal y carga de casos")

    def staff_profile(page, case):
        page.goto(f"/staff/{caseworker.pk}/")
        expect(heading(page)).to_contain_text("Perfil del personal")

    def capacity(page, case):
        page.goto("/reports/capacity/")
        expect(heading(page)).to_have_text("Capacidad de personal especializado")

    screens = [notifications, review_queue, review_detail, review_detail_with_errors, break_glass]
    check(page, [*screens, team, team_with_rules_broken, staff, staff_profile, capacity], case)

    auditor = with_password(UserFactory(username="aurora"))
    auditor.groups.add(Group.objects.get(name=Role.AUDITOR))
    page.context.clear_cookies()
    sign_in_as(page, auditor)
    page.wait_for_url("/")

    def access_log(page, case):
        page.goto("/access-log/")
        expect(heading(page)).to_have_text("Registro de accesos")

    check(page, [access_log], case)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_services_and_referral_screens_have_no_serious_accessibility_problem(page, viewport):
    """A 19-year-old man exploited in mining in Madre de Dios: a shelter gap, near misses, and a
    psychological referral both waiting to be sent (the preview) and sent (the answer form)."""
    call_command("import_services", "referrals/demo/catalogue.csv", stdout=io.StringIO())
    madre_de_dios = OfficeFactory(code="MDD", name="Madre de Dios", region="17")
    diego = with_password(UserFactory(username="diego"))
    StaffProfileFactory(user=diego, office=madre_de_dios)
    needs = {"exploitation_types": ["LABOUR"], "labour_sector": "MINING", "needs": ["SHELTER_MEN", "PSYCHOLOGICAL", "LEGAL_AID"]}
    case = open_case(madre_de_dios, actor=diego, birth_date=datetime.date(2007, 6, 1), gender="MAN", case_fields=needs)
    consent = {"given_on": datetime.date(2026, 11, 2), "method": "WRITTEN", "services": True, "share_with": ["SOCIAL_PROTECTION"]}
    case_services.case_update(actor=diego, case=case, expected_version=case.version, consent=consent)

    def propose(name):
        service = Service.objects.get(name=name, provider__name="Centro Emergencia Mujer Tambopata")
        return referral_services.referral_propose(actor=diego, case=case, service=service, need=service.type, shares_personal_data=True)

    proposed = propose("Patrocinio legal")
    sent = referral_services.referral_send(actor=diego, referral=propose("Atención psicológica"))
    page.set_viewport_size(viewport)
    sign_in_as(page, diego)
    page.wait_for_url("/")

    def case_services_screen(page, case):
        page.goto(f"/cases/{case.pk}/services/")
        expect(page.get_by_role("region", name="Albergue para hombres adultos")).to_contain_text("queda registrado como brecha")

    def case_services_with_near_misses_open(page, case):
        case_services_screen(page, case)
        for summary in page.get_by_text("Servicios que casi encajan").all():
            summary.click()
        expect(page.get_by_text("no atiende esta región").first).to_be_visible()

    def referral_proposed(page, case):
        page.goto(f"/referrals/{proposed.pk}/")
        expect(page.get_by_role("region", name="Lo que recibe la institución")).to_be_visible()

    def referral_sent(page, case):
        page.goto(f"/referrals/{sent.pk}/")
        expect(page.get_by_role("button", name="Guardar la respuesta")).to_be_visible()

    def referral_sent_with_errors(page, case):
        referral_sent(page, case)
        page.get_by_label("Rechazada").check()
        page.get_by_role("button", name="Guardar la respuesta").click()
        expect(page.get_by_role("alert")).to_be_visible()

    screens = [case_services_screen, case_services_with_near_misses_open, referral_proposed, referral_sent, referral_sent_with_errors]
    check(page, screens, case)


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_follow_up_screens_have_no_serious_accessibility_problem(signed_in, caseworker, viewport, language):
    """A plan started 100 days after care ended, its first two visits recorded (so the timeline
    chart has two points and a gap), in Spanish and in English chosen with the switcher."""
    today = timezone.localdate()
    care_ended_on = today - datetime.timedelta(days=100)
    case = open_case(
        caseworker.staff_profile.office,
        actor=caseworker,
        today=care_ended_on - datetime.timedelta(days=60),
        safe_channels=["WHATSAPP"],
        safe_hours="Por las tardes",
        code_word="Girasol",
        case_fields={"status": "REINTEGRATION_ACTIVE"},
    )
    plan = follow_up_services.plan_start(actor=caseworker, case=case, care_ended_on=care_ended_on)
    first, second, third = plan.visits.order_by("due")[:3]
    for visit, contact_on, scores in (
        (first, care_ended_on + datetime.timedelta(days=31), {"SAFETY": 1, "HOUSING": 2, "FAMILY": 1}),
        (second, care_ended_on + datetime.timedelta(days=92), {"SAFETY": 2, "FAMILY": 3}),
    ):
        values = {"contact_on": contact_on, "mode": "IN_PERSON", "seen": True, "scores": scores}
        values |= {"risk": "MEDIUM", "re_exploitation": "NONE"}
        follow_up_services.visit_record_save(actor=caseworker, visit=visit, values=values, goals=[], final=True)
    signed_in.set_viewport_size(viewport)
    if language == "en":
        signed_in.locator("button[name=language][value=en]").click()
        expect(signed_in.locator("html")).to_have_attribute("lang", "en")

    def follow_up(page, case):
        page.goto(f"/cases/{case.pk}/follow-up/")
        expect(heading(page)).to_contain_text(case.reference)
        expect(page.locator("svg.score-chart")).to_be_visible()

    def visit_record(page, case):
        page.goto(f"/cases/{case.pk}/follow-up/visits/{third.pk}/")
        expect(page.locator("section.safe-contact")).to_contain_text("Girasol")
        expect(page.locator("button[name=action][value=record]")).to_be_visible()

    def visit_record_with_errors(page, case):
        visit_record(page, case)
        page.locator("button[name=action][value=record]").click()
        expect(page.get_by_role("alert")).to_be_visible()

    def visit_recorded(page, case):
        page.goto(f"/cases/{case.pk}/follow-up/visits/{second.pk}/")
        expect(page.locator("input[name=risk][value=MEDIUM]")).to_be_checked()

    check(signed_in, [follow_up, visit_record, visit_record_with_errors, visit_recorded], case)
    expect(signed_in.locator("html")).to_have_attribute("lang", language)


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_indicators_exports_and_dashboard_screens_have_no_serious_accessibility_problem(page, viewport, language):
    """The auditor's indicators (twelve consented cases this year, so the tables and charts are drawn)
    and exports (one approved, with its Download link, and one waiting; the form's errors after an
    empty request), then the supervisor's dashboard, in Spanish and in English chosen with the switcher."""
    lima = OfficeFactory(code="LIM", name="Lima", region="15")
    cases = [open_case(lima, given_names=f"Persona {number}") for number in range(12)]
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(in_statistics=True)
    aurora = with_password(user_with_role("aurora", Role.AUDITOR))
    sofia = with_password(supervisor("sofia", lima))
    key = two_factor_device(sofia).key
    year, quarter = timezone.localdate().year, statistics.quarter_label(timezone.localdate())
    period = {"first": f"{year}-Q1", "last": quarter, "office": None, "publication": False}
    approved = aggregate_exports.export_request(actor=aurora, export="CTDC", reason="Informe anual.", **period)
    reviews.review_decide(actor=sofia, review=approved, approve=True)
    aggregate_exports.export_request(actor=aurora, export="HTCDS", reason="Informe trimestral.", **period)
    page.set_viewport_size(viewport)

    def sign_in_in_language(user):
        page.context.clear_cookies()
        sign_in_as(page, user)
        if user == sofia:
            page.wait_for_url(re.compile("/accounts/two-factor/"))
            enter_second_factor(page, key)
        page.wait_for_url("/")
        if language == "en":
            page.locator("button[name=language][value=en]").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")

    def indicators(page, case):
        page.goto("/indicators/")
        expect(page.locator("#teams-heading")).to_be_visible()
        expect(page.locator("section[aria-labelledby=teams-heading] table").first).to_be_visible()

    def exports(page, case):
        page.goto("/exports/")
        expect(page.locator(f'a[href="/exports/{approved.pk}/download/"]')).to_be_visible()

    def exports_with_errors(page, case):
        exports(page, case)
        page.locator("main form[method=post] button[type=submit]").click()
        expect(page.get_by_role("alert")).to_be_visible()
        expect(page.locator("#id_reason_error")).to_be_visible()

    sign_in_in_language(aurora)
    check(page, [indicators, exports, exports_with_errors])

    def dashboard(page, case):
        page.goto("/dashboard/")
        expect(page.locator("#by-status")).to_be_visible()
        expect(page.locator(".tile.alert").first).to_be_visible()  # the export waiting for a decision

    sign_in_in_language(sofia)
    check(page, [dashboard])
    expect(page.locator("html")).to_have_attribute("lang", language)

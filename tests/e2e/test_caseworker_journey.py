"""A caseworker's day in a real browser, in Spanish (the default) and in English (chosen with the
switcher): sign in, open an adolescent's case with an estimated age, find it in My cases, and edit
one section in two tabs without losing what the second tab typed."""

import os
import re
import shutil

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import PASSWORD, PHONE

pytestmark = pytest.mark.e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README_SCREENSHOT = os.path.join(ROOT, "docs", "screenshots", "intake-360.png")

# What the caseworker reads on the screens, in each language (forms.py and locale/es/.../django.po).
TEXT = {
    "es": {
        "sign_in": "Iniciar sesión",
        "username": "Nombre de usuario",
        "password": "Contraseña",
        "my_cases": "Mis casos",
        "new_case": "Nuevo caso",
        "new_case_title": "Nuevo caso: identidad",
        "given_names": "Nombres",
        "family_names": "Apellidos",
        "gender": "Género",
        "woman": "Mujer",
        "age_min": "Edad estimada: desde",
        "age_max": "Edad estimada: hasta",
        "age_estimated_on": "Fecha de la estimación",
        "nationality": "Nacionalidad",
        "quechua": "Quechua",
        "phone": "Teléfono",
        "notes": "Notas",
        "save": "Guardar",
        "fix_below": "Corrija los campos señalados a continuación. No se guardó nada.",
        "range_reversed": "de la edad menor a la mayor",
        "case_heading": "Caso {reference}",
        "adolescent": "Adolescente (12-17)",
        "presumed_minor": "Presunta persona menor de edad",
        "place_identified": "Lugar de identificación",
        "summary": "Resumen",
        "situation_saved": "Situación guardada.",
        "conflict": "Otra persona guardó este caso",
        "they_changed": "Cambió: ",
        "place_identified_field": "lugar de identificación",
    },
    "en": {
        "sign_in": "Sign in",
        "username": "Username",
        "password": "Password",
        "my_cases": "My cases",
        "new_case": "New case",
        "new_case_title": "New case: identity",
        "given_names": "Given names",
        "family_names": "Family names",
        "gender": "Gender",
        "woman": "Woman",
        "age_min": "Estimated age: from",
        "age_max": "Estimated age: to",
        "age_estimated_on": "Date of the estimate",
        "nationality": "Nationality",
        "quechua": "Quechua",
        "phone": "Phone",
        "notes": "Notes",
        "save": "Save",
        "fix_below": "Please correct the fields marked below. Nothing was saved.",
        "range_reversed": "from the lower to the higher age",
        "case_heading": "Case {reference}",
        "adolescent": "Adolescent (12-17)",
        "presumed_minor": "Presumed minor",
        "place_identified": "Place identified",
        "summary": "Summary",
        "situation_saved": "Situation saved.",
        "conflict": "Someone else saved this case",
        "they_changed": "They changed: ",
        "place_identified_field": "place identified",
    },
}
REFERENCE = re.compile(r"LIM-\d{4}-\d{5}")
CASE_URL = re.compile(r"/cases/([0-9a-f-]{36})/")


def field(page, text, key):
    """The form field labelled exactly so (Django's label ends with a colon)."""
    return page.get_by_label(re.compile(f"^{re.escape(text[key])}:?$"))


def sign_in(page, text, username):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    # Spanish first, although the browser asks for English (conftest); English is a choice made
    # as a person would, with the switcher in the page header.
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT["es"]["sign_in"])
    if text is TEXT["en"]:
        page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["sign_in"])
    field(page, text, "username").fill(username)
    field(page, text, "password").fill(PASSWORD)
    page.get_by_role("button", name=text["sign_in"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["my_cases"])


def fill_identity(page, text, *, age_from, age_to):
    """The required fields and a few optional ones; the rest of the form is left as it comes."""
    field(page, text, "given_names").fill("Nayeli")
    field(page, text, "family_names").fill("Ccahuana Apaza")
    field(page, text, "gender").select_option(label=text["woman"])
    field(page, text, "age_min").fill(str(age_from))
    field(page, text, "age_max").fill(str(age_to))
    field(page, text, "age_estimated_on").fill(timezone.localdate().isoformat())
    field(page, text, "nationality").fill("PER")
    page.get_by_label(text["quechua"], exact=True).check()
    field(page, text, "phone").fill("+51 984 111 222")
    field(page, text, "notes").fill("Llegó con su hermana.")


def save(page, text):
    page.get_by_role("button", name=text["save"], exact=True).click()


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_caseworker_opens_an_adolescents_case_and_edits_it_in_two_tabs(context, page, caseworker, language, artifacts):
    text = TEXT[language]
    sign_in(page, text, caseworker.username)

    # A new case; first the age range typed the wrong way round: the summary links to the field.
    page.get_by_role("link", name=text["new_case"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["new_case_title"])
    fill_identity(page, text, age_from=17, age_to=12)
    save(page, text)
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(text["fix_below"])
    error_link = summary.get_by_role("link", name=re.compile(f"^{re.escape(text['age_max'])}: .*{re.escape(text['range_reversed'])}"))
    expect(error_link).to_be_visible()
    error_link.click()
    expect(field(page, text, "age_max")).to_be_focused()
    # What was typed came back.
    expect(field(page, text, "given_names")).to_have_value("Nayeli")
    expect(field(page, text, "phone")).to_have_value("+51 984 111 222")
    expect(page.get_by_label(text["quechua"], exact=True)).to_be_checked()

    # Fixed: an adolescent estimated today at 14 to 16 years.
    field(page, text, "age_min").fill("14")
    field(page, text, "age_max").fill("16")
    save(page, text)
    expect(page).to_have_url(CASE_URL)
    case_id = CASE_URL.search(page.url).group(1)
    if not page.url.endswith(f"/cases/{case_id}/"):  # intake may go on to another section first
        page.goto(f"/cases/{case_id}/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile("^" + text["case_heading"].format(reference=REFERENCE.pattern) + "$"))
    reference = REFERENCE.search(heading.inner_text()).group(0)
    assert reference.startswith(f"LIM-{timezone.localdate().year}-")
    main = page.get_by_role("main")
    expect(main).to_contain_text(text["adolescent"])
    expect(main.get_by_text(text["presumed_minor"], exact=True)).to_be_visible()

    # My cases lists it, with its age band and the presumed-minor flag.
    page.get_by_role("banner").get_by_role("link", name=text["my_cases"], exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(text["adolescent"])
    expect(row).to_contain_text(text["presumed_minor"])

    # The situation section open in two tabs; the first saves, then the second.
    situation = f"/cases/{case_id}/situation/"
    first_tab, second_tab = page, context.new_page()
    first_tab.goto(situation)
    second_tab.goto(situation)
    field(first_tab, text, "place_identified").fill("Terminal terrestre de Puerto Maldonado")
    save(first_tab, text)
    expect(first_tab.get_by_role("status")).to_contain_text(text["situation_saved"])

    second_summary = "Rescatada en un operativo en La Pampa; refiere captación por Facebook."
    field(second_tab, text, "summary").fill(second_summary)
    save(second_tab, text)
    conflict = second_tab.get_by_role("alert")
    expect(conflict).to_have_text(re.compile(r"^\s*" + re.escape(text["conflict"])))
    expect(conflict).to_contain_text(text["they_changed"])
    expect(conflict).to_contain_text(text["place_identified_field"])
    expect(field(second_tab, text, "summary")).to_have_value(second_summary)
    # Nothing of the second tab was saved: the case file has the first tab's edit only.
    first_tab.reload()
    expect(first_tab.get_by_role("main")).to_contain_text("Terminal terrestre de Puerto Maldonado")
    expect(first_tab.get_by_role("main")).not_to_contain_text(second_summary)

    if language == "es":
        screenshot_intake_on_a_phone(context, artifacts)


def screenshot_intake_on_a_phone(context, artifacts):
    """The intake form filled in (not saved) on a 360 px phone: an artifact, and the README's picture."""
    phone = context.new_page()
    phone.set_viewport_size(PHONE)
    phone.goto("/cases/new/")
    fill_identity(phone, TEXT["es"], age_from=14, age_to=16)
    no_sideways_scroll = phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_sideways_scroll, "the intake form is wider than a 360 px phone"
    phone.evaluate("document.activeElement.blur()")
    path = os.path.join(artifacts, "intake-360-es.png")
    phone.screenshot(path=path, full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        os.makedirs(os.path.dirname(README_SCREENSHOT), exist_ok=True)
        shutil.copyfile(path, README_SCREENSHOT)

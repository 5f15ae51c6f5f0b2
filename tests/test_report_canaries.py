"""No report and no export ever shows a case's sensitive values: 0 hits of every seeded canary.

A world of 36 cases in three offices (30 consented to statistics) carries a distinctive canary in
every sensitive field that could conceivably reach a report: the person's names, aliases, document,
phone, address, notes and safe contact; the case's free text; case notes; review reasons and
decision notes; break-the-glass reasons; referral notes; visit records' notes, goals and not-seen
detail; the caseworkers' names and the details of incoming referrals and case transfers; exact
birth dates, age-estimate dates and opening dates; and the ids of the rows (cases, people, notes,
reviews, referrals, visit records, grants, incoming referrals, transfers), the service-gap tokens and the people's
blind-index search tokens. The cases have teams, notes, referrals (proposed, sent, accepted),
follow-up visits (made on time and late, missed, overdue, due this week), service gaps, reviews
(pending, sent back, approved) and team proposals, so that every report has something to count.

As an auditor and as a supervisor (second factor passed), every report page is fetched, with and
without filters, and every export of casework.aggregate_exports.EXPORTS is asked for through the
service, approved by another supervisor, downloaded through the view, unzipped and read file by
file. Each response (body, headers and cookies) is searched for every canary in several forms: as
typed, casefolded, accents folded, the blind-index normal forms (casework.encryption.fold and
identifier_form), HTML-, URL- and JSON-escaped; dates as ISO strings and compact (birth dates also
d/m/Y and m/d/Y); ids with and without dashes. The word "canary" itself is searched for too.

Not canaries, because they may appear: office names and codes, staff usernames, quarter labels,
case references (the supervisor's pages show them; they are the agency's own file numbers), and the
ids of export requests. On the home page ("My cases") a supervisor is shown her offices' open cases,
which she may open: the ids of those cases and of their referrals are in its links, and allowed
there only.

The scan is shown to work: the same search finds the canaries on the pages that may show them (the
case file, follow-up, visit records, referral and review pages, read by the case's caseworker), in
any canary written in a text, and inside a zip of CSV files read the way the exports are read.
"""

import csv
import datetime
import html
import io
import json
import unicodedata
import urllib.parse
import zipfile
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import config.indicators  # noqa: F401 (registers the INDICATORS export, as the URLconf does)
import referrals.gaps  # noqa: F401 (registers the GAPS export)
from casework import aggregate_exports, reviews, services, statistics
from casework.encryption import fold, identifier_form
from casework.exports import ExportTable, to_csv_bundle
from casework.fields import encrypted_fields
from casework.models import Case, CaseTransfer, IncomingReferral, PersonSearchToken, TeamMember, TeamProposal, TwoFactorDevice
from casework.roles import Role
from casework.statistics import TOTAL
from followup.models import FollowUpPlan, Visit, VisitRecord
from referrals.models import Provider, Referral, Service, ServiceGap
from referrals.services import route_case

from .factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case, sign_in, supervisor, user_with_role

pytestmark = pytest.mark.django_db

CASES = 36
CANARY_WORD = "canary"  # in every text canary: no fragment of one may appear either
OFFICES = {"LIM": ("Lima", "15"), "CUS": ("Cusco", "08"), "MDD": ("Madre de Dios", "17")}

TEXT, DATE, ID, TOKEN = "text", "date", "id", "token"


# --- The canaries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Canary:
    case: int | None  # the case it belongs to (None: a staff member's)
    office: str  # the case's office code
    field: str  # "person.given_names", "case.id", ...
    text: str
    kind: str

    @property
    def where(self):
        return f"case {self.case} ({self.office}) {self.field}" if self.case is not None else f"staff {self.field}"


def ascii_folded(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def needles(canary):
    """Lower-case strings that would betray the canary."""
    text = canary.text
    if canary.kind == ID:
        forms = {text, text.replace("-", "")}
    elif canary.kind == TOKEN:
        forms = {text, text.rsplit("$", 1)[-1]}  # "<key id>$<hex>": the hex alone too
    elif canary.kind == DATE:
        day = datetime.date.fromisoformat(text)
        forms = {text, day.strftime("%Y%m%d"), day.strftime("%d/%m/%Y"), day.strftime("%m/%d/%Y")}  # ISO, compact, es and en
    else:
        plain = {text, text.casefold(), ascii_folded(text), fold(text), identifier_form(text)}
        escaped = {html.escape(form) for form in plain} | {json.dumps(form)[1:-1] for form in plain}
        quoted = {urllib.parse.quote(form) for form in plain} | {urllib.parse.quote_plus(form) for form in plain}
        forms = plain | escaped | quoted
    return frozenset(form.lower() for form in forms if form)


def nothing_allowed(canary):
    return False


@dataclass
class World:
    offices: dict
    auditor: object
    supervisor: object  # sofia: supervises Lima and Cusco
    approver: object  # bruno: supervises every office, approves the exports
    caseworkers: dict  # office code -> the caseworker who opened its cases
    cases: list
    consented_in_period: int
    first_quarter: str
    last_quarter: str
    canaries: list = field(default_factory=list)
    needles: dict = field(default_factory=dict)

    def add(self, case, office, name, value, kind=TEXT):
        if value in (None, "", [], {}):
            return
        canary = Canary(case, office, name, str(value), kind)
        self.canaries.append(canary)
        self.needles[canary] = needles(canary)

    def hits(self, text, allowed=nothing_allowed):
        """Where each canary found in `text` came from (those `allowed` there left out)."""
        lowered = text.lower()
        found = [canary.where for canary in self.canaries if not allowed(canary) and any(n in lowered for n in self.needles[canary])]
        if CANARY_WORD in lowered and not found:
            found.append(f"the word {CANARY_WORD!r}")
        return found


# --- The world -------------------------------------------------------------------------------------


def person_values(i):
    values = {
        "given_names": f"Canary{i}Nómbre",
        "family_names": f"Canary{i}Apellído Quíspe",
        "aliases": [f"Canary{i}Alías", f"Canary{i}Apódo"],
        "document_type": f"Canary{i}Típo",
        "document_number": f"CANARY-{i:04d}.DOC",
        "languages": ["spa", "que"],  # codes: covered, not searched for
        "preferred_language": "que",
        "needs_interpreter": True,
        "disabilities": ["VISUAL"] if i % 5 == 0 else [],
        "safe_channels": ["SMS", "TRUSTED_PERSON"],
        "safe_hours": f"Canary{i}Horas: lunes 9 a 12",
        "contact_kept_secret": True,
        "must_not_know": f"Canary{i}Conviviente, el tío",
        "code_word": f"Canary{i}Palabra",
        "never_visit": f"Canary{i}Casa del tío, Av. Ejército 45",
        "phone": f"Canary{i}Fono +51 987 {i:03d}",
        "address": f"Jr. Canary{i}Calle 123, Puerto Maldonado",
        "notes": f"Canary{i}Nota: llegó acompañada de una tía.",
        "gender": ("WOMAN", "MAN", "WOMAN", "TRANS_WOMAN")[i % 4],
    }
    # Never on the 1st, and in years nothing else on the pages shows.
    if i % 7 == 3:  # a minor
        values.update(birth_date=datetime.date(2011, 1 + i % 12, 2 + i % 27), age_estimate=None)
    elif i % 2 == 0:
        values.update(birth_date=datetime.date(1985 + i % 12, 1 + i % 12, 2 + i % 27), age_estimate=None)
    else:
        estimated_on = datetime.date(2019, 1 + i % 12, 2 + i % 27).isoformat()
        values.update(birth_date=None, age_estimate={"min": 20 + i % 20, "max": 25 + i % 20, "estimated_on": estimated_on})
    return values


def case_values(i):
    return {
        "place_identified": f"Canary{i}Lugar, Madre de Díos",
        "summary": f"Canary{i}Resumen: captada con una oferta de trabajo.",
        "statement_taken": True,
        "statement_reference": f"Canary{i}Carpeta fiscal 2026-{i:04d}",
        "needs_notes": f"Canary{i}Necesita lentes y un albergue.",
        "status": "FOLLOW_UP",
        "trafficking_status": "CONFIRMED" if i % 3 == 0 else "POSSIBLE",
        "exploitation_types": (["SEXUAL"], ["LABOUR"], ["SEXUAL", "FORCED_BEGGING"])[i % 3],
        "means_of_control": (["DEBT_BONDAGE"], ["THREATS", "WITHHOLDS_DOCUMENTS"], [])[i % 3],
        "recruiter_relation": ("FAMILY", "FRIEND", "")[i % 3],
        "labour_sector": ("", "MINING", "DOMESTIC_WORK")[i % 3],
        # Psychological care is offered in every region; the two shelters and repatriation nowhere: gaps.
        "needs": ["PSYCHOLOGICAL", "SHELTER_MEN", "REPATRIATION"],
    }


def office_of(i):
    return ("LIM", "CUS", "LIM", "MDD")[i % 4]


def opening_dates(today):
    """A day for each case over the last six months, each day once: never today, never a 1st (a
    quarter's start, shown in the gap report's filter), never a day the home page shows for a visit
    (today + 4, due this week; today - 20, overdue since)."""
    days, used = [], {today + datetime.timedelta(days=4), today - datetime.timedelta(days=20)}
    for i in range(CASES):
        day = today - datetime.timedelta(days=12 + 5 * i)
        while day.day == 1 or day in used:
            day -= datetime.timedelta(days=1)
        used.add(day)
        days.append(day)
    return days


def seed_person_and_case(world, i, case, person):
    office = case.office.code
    for name, value in person.items():
        if name in ("birth_date",):
            world.add(i, office, "person.birth_date", value and value.isoformat(), DATE)
        elif name == "age_estimate":
            world.add(i, office, "person.age_estimate.estimated_on", value and value["estimated_on"], DATE)
        elif name == "aliases":
            for alias in value:
                world.add(i, office, "person.aliases", alias)
        elif isinstance(value, str) and CANARY_WORD in value.casefold():
            world.add(i, office, f"person.{name}", value)
    for name, value in case_values(i).items():
        if isinstance(value, str) and CANARY_WORD in value.casefold():
            world.add(i, office, f"case.{name}", value)
    world.add(i, office, "case.opened_on", case.opened_on.isoformat(), DATE)
    world.add(i, office, "case.id", case.pk, ID)
    world.add(i, office, "person.id", case.person_id, ID)
    for token in PersonSearchToken.objects.filter(person_id=case.person_id).values_list("token", flat=True):
        world.add(i, office, "person search token", token, TOKEN)


def add_visits(world, i, case, author, today):
    """A visit made (on time, or late), then one missed, overdue or due this week."""
    office, days = case.office.code, datetime.timedelta
    track = "MINOR" if case.person.is_minor else "ADULT"
    plan = FollowUpPlan.objects.create(case=case, care_ended_on=case.opened_on, created_by=author)

    def visit(offset, opens, closes, status):
        due = opens + (closes - opens) / 2
        return Visit.objects.create(
            plan=plan, case=case, track=track, offset_months=offset, due=due, window_opens=opens, window_closes=closes, status=status
        )

    made = visit(1, today - days(80 + i % 10), today - days(60 + i % 10), "DONE")
    record = VisitRecord.objects.create(
        visit=made,
        recorded_by=author,
        status="FINAL",
        contact_on=made.window_closes + days(4 if i % 4 == 0 else -3),
        mode="IN_PERSON",
        seen=True,
        risk="HIGH" if i % 6 == 0 else "LOW",
        goals=[{"goal": f"Canary{i}Meta: terminar la secundaria", "status": "IN_PROGRESS"}],
        notes=f"Canary{i}Visita: trabaja en un restaurante de Tambopata",
    )
    world.add(i, office, "visitrecord.goals.goal", record.goals[0]["goal"])
    world.add(i, office, "visitrecord.notes", record.notes)
    world.add(i, office, "visitrecord.id", record.pk, ID)
    if i % 3 == 0:
        missed = visit(3, today - days(50), today - days(30), "MISSED")
        record = VisitRecord.objects.create(
            visit=missed,
            recorded_by=author,
            status="FINAL",
            contact_on=today - days(40),
            mode="IN_PERSON",
            seen=False,
            not_seen_reason="NOT_FOUND",
            not_seen_detail=f"Canary{i}Motivo: el tío vigila la casa",
        )
        world.add(i, office, "visitrecord.not_seen_detail", record.not_seen_detail)
        world.add(i, office, "visitrecord.id", record.pk, ID)
    elif i % 3 == 1:
        visit(3, today - days(40), today - days(20), "PLANNED")  # overdue
    else:
        visit(3, today - days(2), today + days(10), "PLANNED")  # due this week


def add_htcds_referrals(world, i, case, author):
    """The referral that brought the case and one it left by, as an HTCDS import records them."""
    office = case.office.code
    incoming = IncomingReferral.objects.create(
        case=case,
        organisation="Fiscalía Provincial",
        reason_code="OTHER",
        recorded_by=author,
        caseworker=f"Canary{i}Fiscal Ñahuí",
        details=f"Canary{i}Derivación: llegó sola a la fiscalía",
    )
    world.add(i, office, "incomingreferral.caseworker", incoming.caseworker)
    world.add(i, office, "incomingreferral.details", incoming.details)
    world.add(i, office, "incomingreferral.id", incoming.pk, ID)
    transfer = CaseTransfer.objects.create(
        case=case,
        organisation="Casa Refugio Warmi Wasi",
        reason_code="CHANGE_OF_LOCATION",
        requested_by=author,
        imported=True,
        downloaded_at=timezone.now() - datetime.timedelta(days=2),
        caseworker=f"Canary{i}Psicóloga Huamán",
        details=f"Canary{i}Traslado: se mudó con su hermana",
    )
    world.add(i, office, "casetransfer.caseworker", transfer.caseworker)
    world.add(i, office, "casetransfer.details", transfer.details)
    world.add(i, office, "casetransfer.id", transfer.pk, ID)


def build_world():
    today = timezone.localdate()
    offices = {code: OfficeFactory(code=code, name=name, region=region) for code, (name, region) in OFFICES.items()}
    trained = today - datetime.timedelta(days=100)
    caseworkers, colleagues = {}, {}
    for code, office in offices.items():
        for username, gender, discipline, sector, mapping in (
            (f"cw-{code.lower()}", "WOMAN", "PSYCHOLOGY", "SOCIAL_PROTECTION", caseworkers),
            (f"colleague-{code.lower()}", "MAN", "LAW", "JUSTICE", colleagues),
        ):
            profile = StaffProfileFactory(
                user=UserFactory(username=username),
                office=office,
                gender=gender,
                disciplines=[discipline],
                sector=sector,
                specialisation_trained_on=trained,
            )
            mapping[code] = profile.user
    sofia = supervisor("sofia", offices["LIM"], offices["CUS"])
    bruno = supervisor("bruno", offices["LIM"], offices["CUS"], offices["MDD"])
    gina = supervisor("gina", offices["MDD"])  # breaks the glass on two Lima cases
    auditor = user_with_role("aurora", Role.AUDITOR)
    services_by_region = {}
    for office in offices.values():
        provider = Provider.objects.create(name=f"Centro Emergencia Mujer {office.name}", sector="SOCIAL_PROTECTION", region=office.region)
        services_by_region[office.region] = Service.objects.create(
            provider=provider, name="Psicología", type="PSYCHOLOGICAL", sector="SOCIAL_PROTECTION", regions=[office.region]
        )

    days = opening_dates(today)
    world = World(
        offices=offices,
        auditor=auditor,
        supervisor=sofia,
        approver=bruno,
        caseworkers=caseworkers,
        cases=[],
        consented_in_period=0,
        first_quarter=statistics.quarter_label(min(days)),
        last_quarter=statistics.quarter_label(today),
    )
    for i in range(CASES):
        code = office_of(i)
        author = caseworkers[code]
        person = person_values(i)
        case = open_case(offices[code], actor=author, today=days[i], case_fields=case_values(i), **person)
        consented = i % 6 != 5
        Case.objects.filter(pk=case.pk).update(in_statistics=consented)
        world.consented_in_period += consented
        seed_person_and_case(world, i, case, person)

        if i % 9 != 4:  # the others have no team yet
            TeamMember.objects.create(case=case, user=author, is_lead=True)
            TeamMember.objects.create(case=case, user=colleagues[code])
            if i % 5 == 0:
                Case.objects.filter(pk=case.pk).update(team_breaks=[{"rule": "SECTORS", "missing": {}}])
        TeamProposal.objects.create(
            case=case, office=case.office, region=case.region, feasible=i % 3 != 0, unmet_rules=["MIXED_GENDER"] if i % 3 == 0 else []
        )

        note = services.note_add(actor=author, case=case, text=f"Canary{i}Nota de caso: la visité en su casa.")
        world.add(i, code, "casenote.text", note.text)
        world.add(i, code, "casenote.id", note.pk, ID)

        status = ("PROPOSED", "SENT", "ACCEPTED")[i % 3]
        sent_at = timezone.now() - datetime.timedelta(days=3) if status != "PROPOSED" else None
        referral = Referral.objects.create(
            case=case,
            service=services_by_region[case.region],
            need="PSYCHOLOGICAL",
            status=status,
            sent_at=sent_at,
            answered_at=timezone.now() if status == "ACCEPTED" else None,
            created_by=author,
            note=f"Canary{i}Derivación: la recibe la psicóloga del CEM",
        )
        world.add(i, code, "referral.note", referral.note)
        world.add(i, code, "referral.id", referral.pk, ID)
        add_htcds_referrals(world, i, case, author)

        case = Case.objects.select_related("person", "office").get(pk=case.pk)
        route_case(case=case, today=days[i])  # records the gaps (shelter for men, repatriation)
        add_visits(world, i, case, author, today)

        if i % 4 in (0, 1) or i % 8 == 2:
            review = reviews.request_closure(actor=author, case=case, reason=f"Canary{i}Motivo de cierre: vive con su tía")
            world.add(i, code, "review.reason", review.reason)
            world.add(i, code, "review.id", review.pk, ID)
            if i % 4 != 0:  # the others wait for a decision
                review = reviews.review_decide(actor=bruno, review=review, approve=i % 8 == 2, note=f"Canary{i}Decisión: conforme")
                world.add(i, code, "review.decision_note", review.decision_note)
        if i in (0, 4):
            grant = reviews.break_the_glass(actor=gina, case=case, reason=f"Canary{i}Urgencia: llamó desde Cusco")
            world.add(i, code, "breakglassgrant.reason", grant.reason)
            world.add(i, code, "breakglassgrant.id", grant.pk, ID)
        world.cases.append(case)

    for gap in ServiceGap.objects.all():
        office = next(code for code, (_name, region) in OFFICES.items() if region == gap.region)
        world.add(None, office, "servicegap.token", gap.token, TOKEN)
    # A TOTP secret is hex; this one spells out the canary word so that the search can find it.
    device = TwoFactorDevice.objects.create(user=gina, name="authenticator", key=f"{CANARY_WORD}0001{'0' * 30}")
    world.add(None, "MDD", "twofactordevice.key", device.key)
    return world


@pytest.fixture
def world():
    return build_world()


def client_for(user):
    client = Client()
    sign_in(client, user, second_factor=True)
    return client


# --- Reading the responses -------------------------------------------------------------------------


def headers_of(response):
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    return f"{headers}\n{response.cookies.output()}"


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}, not the report"
    return response


def page_text(response):
    return headers_of(response) + "\n" + response.content.decode("utf-8", errors="replace")


def zip_entries(data):
    """(name, text) of each file in a zip, read as the exports are (UTF-8 with a byte order mark)."""
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        assert bundle.testzip() is None
        return [(name, bundle.read(name).decode("utf-8-sig", errors="replace")) for name in bundle.namelist()]


def report_paths(world):
    """Every report page, with and without its filters."""
    today = timezone.localdate()
    year_ago = today - datetime.timedelta(days=365)
    quarter_start = statistics.quarter_start(world.first_quarter)
    return [
        "/",
        "/?status=FOLLOW_UP",
        "/?region=15",
        reverse("supervisor_dashboard"),
        *(f"{reverse('supervisor_dashboard')}?office={code}" for code in ("LIM", "CUS")),
        reverse("indicators"),
        *(f"{reverse('indicators')}?office={code}" for code in OFFICES),
        reverse("capacity_report"),
        reverse("gap_report"),
        f"{reverse('gap_report')}?since={year_ago.isoformat()}&until={today.isoformat()}",
        f"{reverse('gap_report')}?since={quarter_start.isoformat()}&until={today.isoformat()}",
        reverse("export_list"),
    ]


def allowed_on(world, user, path):
    """What a page may show of the canaries: on a supervisor's home ("My cases"), her offices' open
    cases, which she may open: their ids and their referrals' in the links, and their opening dates."""
    supervised = set(user.staff_profile.supervised_offices.values_list("code", flat=True)) if hasattr(user, "staff_profile") else set()
    if path.split("?")[0] == "/" and supervised:
        # Another office's case opened on a day written like one of hers (11/10 is 10 November in English,
        # 11 October in Spanish): that text is hers to see.
        her_days = set().union(*(world.needles[c] for c in world.canaries if c.field == "case.opened_on" and c.office in supervised))

        def allowed(canary):
            theirs = canary.field in ("case.id", "referral.id", "case.opened_on") and canary.office in supervised
            return theirs or (canary.field == "case.opened_on" and bool(world.needles[canary] & her_days))

        return allowed
    return nothing_allowed


def check_report_pages(world, user, client):
    leaks, shown = [], {}
    for path in report_paths(world):
        if path.startswith(reverse("supervisor_dashboard")) and not hasattr(user, "staff_profile"):
            continue  # the dashboard is for supervisors (an auditor gets a 403)
        response = page(client, path)
        shown[path] = response
        leaks += [f"GET {path}: {where}" for where in world.hits(page_text(response), allowed_on(world, user, path))]
    return leaks, shown


def download_every_export(world, requester, client):
    """Each export of the registry, for every office and for Lima, counted and for publication: asked
    for through the service, approved by another supervisor, downloaded through the view."""
    downloads = []
    for code in sorted(aggregate_exports.EXPORTS):
        for office in (None, world.offices["LIM"]):
            for publication in (False, True):
                review = aggregate_exports.export_request(
                    actor=requester,
                    export=code,
                    first=world.first_quarter,
                    last=world.last_quarter,
                    office=office,
                    publication=publication,
                    reason="Informe trimestral para la comisión.",
                )
                reviews.review_decide(actor=world.approver, review=review, approve=True)
                response = client.get(reverse("export_download", args=[review.pk]))
                assert response.status_code == 200, f"{code} download answered {response.status_code}"
                assert response["Content-Type"] == "application/zip"
                downloads.append((code, office, publication, review, response))
    return downloads


def shown_counts(text):
    """The counts of a CSV file: the last column of each row, as the file shows it."""
    rows = list(csv.reader(io.StringIO(text)))
    return [row[-1] for row in rows[1:]]


# --- The tests -------------------------------------------------------------------------------------


def test_the_world_has_a_canary_in_every_encrypted_field(world):
    """A new encrypted field must be given a canary here (and so be searched for in every report)."""
    seeded = {".".join(canary.field.split(".")[:2]) for canary in world.canaries}  # "visitrecord.goals.goal": "visitrecord.goals"
    # Codes and flags, checked against their lists by the model: covered, not searched for.
    codes_only = {"person.languages", "person.preferred_language", "person.needs_interpreter", "person.disabilities"}
    codes_only |= {"person.safe_channels", "person.contact_kept_secret"}
    encrypted = {f"{model._meta.model_name}.{field.name}" for model in apps.get_models() for field in encrypted_fields(model)}
    assert encrypted - codes_only <= seeded, f"give these encrypted fields a canary: {sorted(encrypted - codes_only - seeded)}"
    assert len(world.canaries) > 30 * CASES


@pytest.mark.parametrize("role", ["auditor", "supervisor"])
def test_no_report_and_no_export_shows_a_canary(world, role):
    user = getattr(world, role)
    client = client_for(user)
    leaks, pages = check_report_pages(world, user, client)

    # Every report has something in it (else finding nothing would mean little).
    indicators = pages[reverse("indicators")].context
    assert any(section["rows"] for section in indicators["sections"])
    assert pages[reverse("gap_report")].context["rows"]
    assert pages[reverse("capacity_report")].context["regions"]
    if role == "supervisor":
        dashboard = pages[reverse("supervisor_dashboard")].context
        assert dashboard["by_status"]
        assert dashboard["reviews"]["count"] > 0
        assert dashboard["follow_up"]["completion"]["total"] > 0
        assert dashboard["outcomes"]
        assert pages["/"].context["summary"]["visits"]["overdue"] > 0
        assert pages["/"].context["page"].paginator.count > 0

    downloads = download_every_export(world, user, client)
    assert {code for code, *_rest in downloads} >= {"CTDC", "HTCDS", "GAPS", "INDICATORS"}
    for code, office, publication, _review, response in downloads:
        label = f"{code} export ({office.code if office else 'all offices'}{', for publication' if publication else ''})"
        leaks += [f"{label}, headers: {where}" for where in world.hits(headers_of(response))]
        entries = zip_entries(response.content)
        assert entries, f"{label}: an empty zip"
        for name, text in entries:
            leaks += [f"{label}, {name}: {where}" for where in world.hits(f"{name}\n{text}")]
        counts = [count for _name, text in entries for count in shown_counts(text)]
        assert any(count not in ("", "0") for count in counts), f"{label} counts nothing"  # a number, "<11" or "*"
        if code == "CTDC" and office is None and not publication:
            # The export counts the world: every consented case of the period (all possible or confirmed victims).
            table = dict(entries)["ctdc_gender_age_by_year.csv"]
            totals = [row for row in io.StringIO(table).read().splitlines() if row.startswith(f"{TOTAL},{TOTAL},{TOTAL},")]
            assert totals == [f"{TOTAL},{TOTAL},{TOTAL},{world.consented_in_period}"]

    # The exports screen with the requests on it, and each request's review page.
    response = page(client, reverse("export_list"))
    leaks += [f"GET {reverse('export_list')} (with requests): {where}" for where in world.hits(page_text(response))]
    for _code, _office, _publication, review, _response in downloads:
        path = reverse("review_detail", args=[review.pk])
        leaks += [f"GET {path}: {where}" for where in world.hits(page_text(page(client, path)))]

    assert not leaks, f"{len(leaks)} sensitive values reached the {role}:\n" + "\n".join(leaks)


def test_the_search_finds_the_canaries_where_they_may_be_shown(world):
    """The case's own pages, read by its caseworker, show its canaries, and the search finds them:
    finding none in the reports means something."""
    found = set()
    for i in (0, 1, 2):  # Lima (pending closure, break-the-glass), Cusco (sent back), Lima (approved)
        case = world.cases[i]
        client = client_for(world.caseworkers[case.office.code])
        paths = [
            reverse("case_file", args=[case.pk]),
            reverse("case_follow_up", args=[case.pk]),
            *(reverse("visit_record", args=[case.pk, visit.pk]) for visit in case.visits.all()),
            *(reverse("referral_detail", args=[referral.pk]) for referral in case.referrals.all()),
            *(reverse("review_detail", args=[review.pk]) for review in case.reviews.all()),
        ]
        for path in paths:
            found |= set(world.hits(page_text(page(client, path))))
    # Every text written about these cases, and their ids and dates, are on their pages.
    expected = {
        canary.where for canary in world.canaries if canary.case in (0, 1, 2) and (canary.kind in (TEXT, DATE) or canary.field == "case.id")
    }
    assert expected - found == set(), f"not found on the pages that show them: {sorted(expected - found)}"


def test_the_search_finds_every_canary_in_a_text_and_in_an_export_zip(world):
    """Each canary, written into a page or into a CSV file of an export zip, is found where it is."""
    for canary in world.canaries:
        for text in (f"<td>{canary.text}</td>", f"<a href='/x/?q={urllib.parse.quote(canary.text)}'>"):
            assert canary.where in world.hits(text), f"{canary.where} ({canary.text!r}) is not found in {text!r}"
    for canary in world.canaries[:: max(1, len(world.canaries) // 40)]:
        bundle = to_csv_bundle([ExportTable("leaky", ("value", "count"), ((canary.text, 12),))])
        read = [where for name, text in zip_entries(bundle) for where in world.hits(f"{name}\n{text}")]
        assert canary.where in read
    # Nothing is found in what carries no canary: the search does not cry wolf.
    assert world.hits("<p>Lima, Cusco, Madre de Dios: 12 casos en 2026-Q3.</p>") == []

"""The indicators page and export: small worlds built by hand, whose numbers are worked out in the
comments (not read from the code), the suppression of small counts and of shares built on them, who
may see the page, its query count, and an export with nothing personal in it."""

import csv
import datetime
import io
import itertools
import zipfile

import pytest
from django.utils import timezone

from casework import aggregate_exports, reviews, statistics
from casework.charts import Share
from casework.exports import FORMULA_STARTS, to_csv
from casework.models import Case, Person, Review, TeamMember
from casework.roles import Role
from casework.statistics import TOTAL
from config import indicators
from followup.models import FollowUpPlan, Visit, VisitRecord
from referrals.models import Provider, Referral, Service, ServiceGap

from .factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case, sign_in, supervisor, user_with_role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LONG_AGO = datetime.date(TODAY.year - 5, 1, 1)  # before the eight quarters shown: such cases count in no team table


def all_offices_tables():
    quarters = indicators.last_quarters(TODAY)
    counts = indicators.indicator_counts(quarters=quarters, office=None, today=TODAY)
    return indicators.indicator_tables(quarters=quarters, counts=counts, publication=False)


def quarter(back):
    """The label of the quarter `back` quarters before today's (0: today's)."""
    label = statistics.quarter_label(TODAY)
    for _step in range(back):
        label = statistics.quarter_label(statistics.quarter_start(label) - datetime.timedelta(days=1))
    return label


CURRENT, PREVIOUS, EARLIER = quarter(0), quarter(1), quarter(2)


def start(label):
    return statistics.quarter_start(label)


@pytest.fixture
def aurora():
    return user_with_role("aurora", Role.AUDITOR)


@pytest.fixture
def member(lima):
    return StaffProfileFactory(user=UserFactory(username="member"), office=lima).user


_references = itertools.count(1)


def cases_like(template, count, *, opened_on, consented=True, team=None, breaks=()):
    """`count` cases of `template`'s person and office, opened on `opened_on`, with a team of one (`team`)
    breaking `breaks` (rule codes, stored as casework.staffing stores them) or no team."""
    made = Case.objects.bulk_create(
        Case(
            reference=f"TST-{next(_references):07d}",
            person=template.person,
            office=template.office,
            region=template.region,
            opened_on=opened_on,
            in_statistics=consented,
            team_breaks=[{"rule": rule, "missing": {}} for rule in breaks],
        )
        for _ in range(count)
    )
    if team is not None:
        TeamMember.objects.bulk_create(TeamMember(case=case, user=team, is_lead=True) for case in made)
    return made


def consented(case, *, opened_on=LONG_AGO, **person):
    Case.objects.filter(pk=case.pk).update(in_statistics=True, opened_on=opened_on)
    if person:
        Person.objects.filter(pk=case.person_id).update(**person)
    return case


# --- Teams ------------------------------------------------------------------------------------------


@pytest.fixture
def team_world(lima, member):
    """Today's quarter: 33 consented cases with a team meeting the policy, 11 with a team breaking the
    mixed-gender rule, and 12 cases with a good team but no consent. The quarter before: 5 good, 4
    broken (sectors); two quarters before: 6 good, 3 broken (mixed gender and specialised)."""
    template = open_case(lima, given_names="Canariotres", document_number="CAN-00003")
    Case.objects.filter(pk=template.pk).update(opened_on=LONG_AGO)
    cases_like(template, 33, opened_on=start(CURRENT), team=member)
    cases_like(template, 11, opened_on=start(CURRENT), team=member, breaks=["MIXED_GENDER"])
    cases_like(template, 12, opened_on=start(CURRENT), consented=False, team=member)
    cases_like(template, 5, opened_on=start(PREVIOUS), team=member)
    cases_like(template, 4, opened_on=start(PREVIOUS), team=member, breaks=["SECTORS"])
    cases_like(template, 6, opened_on=start(EARLIER), team=member)
    cases_like(template, 3, opened_on=start(EARLIER), team=member, breaks=["MIXED_GENDER", "SPECIALISED"])
    return template


def test_the_share_of_compliant_teams_per_quarter_with_small_quarters_hidden(client, aurora, team_world, english):
    sign_in(client, aurora)
    response = client.get("/indicators/")
    assert response.status_code == 200
    teams = response.context["sections"][0]
    rows = {
        label: ({str(header): shown for header, shown in counts}, whole, share) for label, _track, counts, whole, share in teams["rows"]
    }
    # Today's quarter: 33 of 44 (the 12 without consent are not counted) = 75 %.
    good, whole, share = rows[CURRENT]
    assert good == {"Team meets the policy": 33, "Team breaks a rule": 11, "No team yet": 0}
    assert (whole, share.shown) == (44, "75 %")
    assert teams["latest"].shown == "75 %"
    # The two small quarters: every count below 11, so their shares are hidden ("<11"), never 56 % or 67 %.
    # The column totals would give one small quarter away; with two, only their sums can be worked out.
    for small in (PREVIOUS, EARLIER):
        counts, whole, share = rows[small]
        assert counts == {"Team meets the policy": "<11", "Team breaks a rule": "<11", "No team yet": 0}
        assert (whole, share.shown) == ("<11", "<11")
    # Every quarter together: 33 + 5 + 6 = 44 good of 44 + 9 + 9 = 62 cases, 71 %.
    good, whole, share = rows["All quarters shown"]
    assert good == {"Team meets the policy": 44, "Team breaks a rule": 18, "No team yet": 0}
    assert (whole, share.shown) == (62, "71 %")
    # Rules broken: mixed gender 11 + 3 = 14; sectors 4 and specialised 3 are small; and with the
    # total of 21 published, one hidden cell beside a shown one would be recovered: both are small here.
    assert {str(label): shown for label, shown in teams["rules"]} == {
        "Mixed gender: at least one woman and one man": 14,
        "Multi-sectoral": "<11",
        "Trained on trafficking recently": "<11",
    }
    # Excluded for want of consent: 12 opened in these quarters.
    assert response.context["excluded"] == 12
    body = response.content.decode()
    assert "75 %" in body
    assert "71 %" in body
    assert "56 %" not in body
    assert "67 %" not in body
    assert "Canariotres" not in body
    assert "CAN-00003" not in body


def test_twelve_good_teams_and_three_broken_cannot_both_be_shown(aurora, lima, member):
    """12 of 15 shown would give away the 3 (15 - 12): the 3 is "<11" and the 12 is hidden beside it,
    so the share of that quarter is hidden, whatever else the table holds."""
    template = open_case(lima)
    cases_like(template, 12, opened_on=start(PREVIOUS), team=member)
    cases_like(template, 3, opened_on=start(PREVIOUS), team=member, breaks=["MIXED_GENDER"])
    tables = all_offices_tables()
    assert tables.teams.cell(PREVIOUS, "BROKEN") == "<11"
    assert tables.teams.cell(PREVIOUS, "COMPLIANT") == "*"
    share = Share(tables.teams.cell(PREVIOUS, "COMPLIANT"), tables.teams.cell(PREVIOUS, TOTAL))
    assert share.percent is None
    assert share.shown == "*"


def test_one_office_is_counted_alone(client, aurora, team_world, english):
    cusco = OfficeFactory(code="CUS", name="Cusco", region="08")
    elsewhere = open_case(cusco)
    cases_like(elsewhere, 20, opened_on=start(CURRENT))  # consented, no team
    sign_in(client, aurora)
    everywhere = client.get("/indicators/").context["sections"][0]["rows"]
    assert [whole for label, _track, _counts, whole, _share in everywhere if label == CURRENT] == [64]
    lima_only = client.get("/indicators/?office=LIM").context["sections"][0]["rows"]
    assert [whole for label, _track, _counts, whole, _share in lima_only if label == CURRENT] == [44]
    cusco_only = client.get("/indicators/?office=CUS").context["sections"][0]
    assert cusco_only["latest"].part == 0
    assert cusco_only["latest"].whole == 20
    assert cusco_only["latest"].shown == "0 %"
    assert client.get("/indicators/?office=XXX").status_code == 404


# --- Routing ----------------------------------------------------------------------------------------


def referrals(case, author, count, *, status="ACCEPTED", when):
    provider, _ = Provider.objects.get_or_create(name="Centro Emergencia Mujer", sector="SOCIAL_PROTECTION", region="15")
    service, _ = Service.objects.get_or_create(provider=provider, name="Psicología", type="PSYCHOLOGICAL", sector="HEALTH", regions=["15"])
    proposed_at = timezone.make_aware(datetime.datetime.combine(when, datetime.time(12)))
    Referral.objects.bulk_create(
        Referral(case=case, service=service, need="PSYCHOLOGICAL", status=status, created_by=author, proposed_at=proposed_at)
        for _ in range(count)
    )


_tokens = itertools.count(1)


def gaps(count, *, band, group, when, region="15"):
    ServiceGap.objects.bulk_create(
        ServiceGap(need="SHELTER_MEN", routing_band=band, gender_group=group, region=region, recorded_on=when, token=f"gap-{next(_tokens)}")
        for _ in range(count)
    )


@pytest.fixture
def routing_world(lima, member):
    """The quarter before today's: an adolescent girl's 14 needs routed, and 12 gaps for adolescent girls;
    a young man's 11 needs routed, and 22 gaps for young men. Not counted: a withdrawn referral, and
    referrals of a case without consent."""
    when = start(PREVIOUS) + datetime.timedelta(days=10)
    girl = consented(open_case(lima, given_names="Canariouno", document_number="CAN-00001"), age_band="ADOLESCENT", gender="WOMAN")
    young_man = consented(
        open_case(lima, given_names="Canariodos", document_number="CAN-00002"), age_band="YOUNG_ADULT", gender="TRANS_MAN"
    )
    unconsented = open_case(lima, given_names="Canariocuatro")
    referrals(girl, member, 14, when=when)
    referrals(girl, member, 1, status="WITHDRAWN", when=when)
    referrals(young_man, member, 11, status="PROPOSED", when=when)
    referrals(unconsented, member, 11, when=when)
    gaps(12, band="ADOLESCENT", group="WOMAN", when=when)
    gaps(22, band="YOUNG_ADULT", group="MAN", when=when)
    return girl, young_man


def routing_rows(context):
    routing = context["sections"][1]
    per_quarter = {
        label: ([shown for _header, shown in counts], whole, share.shown) for label, _track, counts, whole, share in routing["rows"]
    }
    by_group = {
        (str(band), str(group)): ([shown for _header, shown in counts], whole, share.shown)
        for band, group, counts, whole, share in routing["by_group"]
    }
    return per_quarter, by_group


def test_needs_routed_against_gaps_by_quarter_age_band_and_gender(client, aurora, routing_world, english):
    sign_in(client, aurora)
    response = client.get("/indicators/")
    per_quarter, by_group = routing_rows(response.context)
    # 14 + 11 = 25 routed, 12 + 22 = 34 gaps: 25 of 59 = 42 %.
    assert per_quarter[PREVIOUS] == ([25, 34], 59, "42 %")
    assert CURRENT not in per_quarter  # nothing to count: no line (the chart has the quarter, empty)
    # Girls 14 of 26 = 54 %; young men (a trans man counts as a man) 11 of 33 = 33 %; groups with nobody are left out.
    assert by_group == {
        ("Adolescent (12-17)", "Women"): ([14, 12], 26, "54 %"),
        ("Adolescent (12-17)", "All"): ([14, 12], 26, "54 %"),
        ("Young adult (18-20)", "Men"): ([11, 22], 33, "33 %"),
        ("Young adult (18-20)", "All"): ([11, 22], 33, "33 %"),
        ("All ages", "Women"): ([14, 12], 26, "54 %"),
        ("All ages", "Men"): ([11, 22], 33, "33 %"),
        ("All ages", "All"): ([25, 34], 59, "42 %"),
    }
    assert "Canariouno" not in response.content.decode()


def test_small_routing_cells_are_hidden_and_their_shares_too(client, aurora, routing_world, lima, member, english):
    """Add 3 needs routed for a young woman: "<11", and no share built on it; nothing hidden can be
    worked out as a shown total minus shown parts."""
    young_woman = consented(open_case(lima), age_band="YOUNG_ADULT", gender="WOMAN")
    referrals(young_woman, member, 3, when=start(PREVIOUS) + datetime.timedelta(days=20))
    sign_in(client, aurora)
    _per_quarter, by_group = routing_rows(client.get("/indicators/").context)
    (routed, _gaps), whole, share = by_group["Young adult (18-20)", "Women"]
    assert (routed, whole, share) == ("<11", "<11", "<11")
    table = all_offices_tables().routing
    for key, shown in table.shown.items():
        if isinstance(shown, str):
            # The cell is the margin of its line in some dimension (or a part of it): never all shown around it.
            for dimension, _value in enumerate(key):
                line = [(*key[:dimension], other, *key[dimension + 1 :]) for other in (*table.categories[dimension], TOTAL)]
                assert any(isinstance(table.cell(*cell), str) for cell in line if cell != key), (key, dimension)


# --- Follow-up --------------------------------------------------------------------------------------


def scheduled(case, author, track, outcomes, *, closes):
    """Visits of `case` on `track`, their windows closing on `closes`; outcomes: (visit status, contact day or None)."""
    plan, _ = FollowUpPlan.objects.get_or_create(case=case, defaults={"care_ended_on": LONG_AGO, "created_by": author})
    offsets = itertools.count(Visit.objects.filter(plan=plan, track=track).count() + 1)
    for status, contact_on in outcomes:
        opens = closes - datetime.timedelta(days=14)
        visit = Visit.objects.create(
            plan=plan,
            case=case,
            track=track,
            offset_months=next(offsets),
            due=opens,
            window_opens=opens,
            window_closes=closes,
            status=status,
        )
        if contact_on is not None:
            VisitRecord.objects.create(
                visit=visit, recorded_by=author, status="FINAL", contact_on=contact_on, seen=status == "DONE", risk="LOW"
            )


@pytest.fixture
def follow_up_world(lima, member):
    """Windows closing in the quarter before today's. A girl's schedule (minors): 12 visits made in their
    window, 11 never made. A man's (adults): 11 made in their window, 11 made late. Not counted: a
    cancelled visit, an unscheduled one, and the visits of a case without consent."""
    closes = start(PREVIOUS) + datetime.timedelta(days=30)
    day = datetime.timedelta(days=1)
    girl = consented(open_case(lima, given_names="Canariocinco", document_number="CAN-00005"))
    man = consented(open_case(lima, given_names="Canarioseis", document_number="CAN-00006"))
    scheduled(girl, member, "MINOR", [("DONE", closes - day)] * 12 + [("PLANNED", None)] * 11 + [("CANCELLED", None)], closes=closes)
    scheduled(man, member, "ADULT", [("DONE", closes)] * 11 + [("DONE", closes + day)] * 11, closes=closes)
    plan = FollowUpPlan.objects.get(case=man)
    Visit.objects.create(plan=plan, case=man, track="", unscheduled=True, due=closes, window_opens=closes, window_closes=closes)
    stranger = open_case(lima, given_names="Canariosiete")
    scheduled(stranger, member, "ADULT", [("PLANNED", None)] * 11, closes=closes)
    return girl, man


def test_follow_up_visits_made_on_time_for_minors_and_adults(client, aurora, follow_up_world, english):
    sign_in(client, aurora)
    follow_up = client.get("/indicators/").context["sections"][2]
    rows = {
        (label, str(track)): ([shown for _h, shown in counts], whole, share.shown)
        for label, track, counts, whole, share in follow_up["rows"]
    }
    # Minors: 12 on time of 23 (12 + 11 never made) = 52 %. Adults: 11 of 22 (11 late) = 50 %.
    assert rows[PREVIOUS, "Minors"] == ([12, 0, 0, 11], 23, "52 %")
    assert rows[PREVIOUS, "Adults"] == ([11, 11, 0, 0], 22, "50 %")
    assert (CURRENT, "Minors") not in rows  # no window closed yet this quarter: no line
    assert rows["All quarters shown", "Minors"] == ([12, 0, 0, 11], 23, "52 %")
    series = {series.label: [point.quarter for point in series.points] for series in follow_up["chart"].series}
    assert series == {"Minors": [PREVIOUS], "Adults": [PREVIOUS]}


def test_a_small_track_hides_its_share(client, aurora, follow_up_world, lima, member, english):
    """Two quarters back, a boy's 3 visits made on time and 8 never made: all small, share hidden (not 27 %)."""
    boy = consented(open_case(lima))
    closes = start(EARLIER) + datetime.timedelta(days=30)
    scheduled(boy, member, "MINOR", [("DONE", closes)] * 3 + [("PLANNED", None)] * 8, closes=closes)
    sign_in(client, aurora)
    follow_up = client.get("/indicators/").context["sections"][2]
    rows = {
        (label, str(track)): ([shown for _h, shown in counts], whole, share.shown)
        for label, track, counts, whole, share in follow_up["rows"]
    }
    (on_time, _late, _missed, never), _whole, share = rows[EARLIER, "Minors"]
    assert (on_time, never, share) == ("<11", "<11", "<11")
    assert "27 %" not in client.get("/indicators/").content.decode()


# --- Who may see it, and how much it reads ------------------------------------------------------------


def test_auditors_and_supervisors_of_any_office_see_it_others_do_not(client, lima, caseworker):
    assert client.get("/indicators/").status_code == 403  # a caseworker
    assert client.post("/indicators/").status_code == 405
    cusco = OfficeFactory(code="CUS", name="Cusco", region="08")
    sign_in(client, supervisor("sam", cusco))
    assert client.get("/indicators/").status_code == 200
    assert client.get("/indicators/?office=LIM").status_code == 200  # aggregates: another office's too
    sign_in(client, user_with_role("aurora", Role.AUDITOR))
    response = client.get("/indicators/")
    assert response.status_code == 200
    assert b'href="/indicators/"' in response.content  # the navigation link
    assert b'href="/exports/"' in response.content  # ask for the export there: no download from this page
    assert b"format=csv" not in response.content
    client.logout()
    assert client.get("/indicators/").status_code == 302  # to sign in


def grow(lima, member, size):
    """More of everything the page counts: cases with and without teams, referrals, gaps, visits, staff."""
    template = consented(open_case(lima), age_band="ADULT", gender="WOMAN")
    cases_like(template, size, opened_on=start(PREVIOUS), team=member)
    cases_like(template, size, opened_on=start(EARLIER), team=member, breaks=["LANGUAGE"])
    cases_like(template, size, opened_on=start(CURRENT), consented=False)
    referrals(template, member, size, when=start(PREVIOUS))
    gaps(size, band="ADULT", group="OTHER", when=start(EARLIER), region="08")
    closes = start(PREVIOUS) + datetime.timedelta(days=5)
    scheduled(template, member, "ADULT", [("DONE", closes)] * size, closes=closes)
    for index in range(size):
        StaffProfileFactory(
            user=UserFactory(username=f"staff{size}-{index}"),
            office=lima,
            gender="MAN",
            disciplines=["LAW"],
            specialisation_trained_on=TODAY,
        )


def test_the_page_reads_a_fixed_number_of_queries(client, aurora, lima, member, django_assert_max_num_queries):
    grow(lima, member, 2)
    sign_in(client, aurora)
    with django_assert_max_num_queries(40) as few:
        assert client.get("/indicators/").status_code == 200
    grow(lima, member, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/indicators/?office=LIM").status_code == 200


# --- The export -------------------------------------------------------------------------------------


def export_details(**changes):
    return {"export": "INDICATORS", "from": EARLIER, "to": CURRENT, "office": "", "publication": False, **changes}


def test_the_indicators_export_holds_the_same_protected_counts_and_nothing_personal(team_world, routing_world, follow_up_world):
    tables = {table.name: table for table in aggregate_exports.EXPORTS["INDICATORS"].tables(export_details())}
    assert set(tables) == {
        "indicators_teams",
        "indicators_team_rules_broken",
        "indicators_routing",
        "indicators_follow_up",
        "indicators_excluded",
    }
    teams = {row[:-1]: row[-1] for row in tables["indicators_teams"].rows}
    assert teams[CURRENT, "COMPLIANT"] == 33
    assert teams[CURRENT, TOTAL] == 44
    assert teams[PREVIOUS, "COMPLIANT"] == "<11"
    routing = {row[:-1]: row[-1] for row in tables["indicators_routing"].rows}
    assert routing[PREVIOUS, TOTAL, TOTAL, "ROUTED"] == 25
    follow_up = {row[:-1]: row[-1] for row in tables["indicators_follow_up"].rows}
    assert follow_up[PREVIOUS, "MINOR", "ON_TIME"] == 12
    # Without consent and opened in these quarters: the 12 of the teams, and the two cases whose referrals
    # and visits were left out.
    assert tables["indicators_excluded"].rows == (("no consent to statistics", 14),)
    text = "".join(to_csv(table) for table in tables.values())
    for canary in ("Canariouno", "Canariodos", "Canariotres", "Canariocinco", "Canarioseis", "CAN-0000", "Rosa", "Huamán", "70123456"):
        assert canary not in text
    for table in tables.values():
        for row in csv.reader(io.StringIO(to_csv(table))):
            assert not any(cell.startswith(FORMULA_STARTS) for cell in row)


def test_publication_rounds_every_count_down_to_a_multiple_of_k(team_world):
    tables = {table.name: table for table in aggregate_exports.EXPORTS["INDICATORS"].tables(export_details(publication=True))}
    teams = {row[:-1]: row[-1] for row in tables["indicators_teams"].rows}
    assert (teams[CURRENT, "COMPLIANT"], teams[TOTAL, TOTAL]) == (33, 55)  # 62 rounded down to 55
    assert tables["indicators_excluded"].rows == (("no consent to statistics", 11),)  # 12 -> 11


def test_the_export_is_asked_for_approved_and_downloaded_like_every_export(client, aurora, team_world, lima):
    sam = supervisor("sam", lima)
    sign_in(client, aurora)
    data = {"export": "INDICATORS", "first": EARLIER, "last": CURRENT, "office": "", "reason": "Informe de indicadores."}
    assert client.post("/exports/", data).status_code == 302
    review = Review.objects.get(kind="AGGREGATE_EXPORT")
    assert client.get(f"/exports/{review.pk}/download/").status_code == 302  # not approved yet
    reviews.review_decide(actor=sam, review=review, approve=True)
    response = client.get(f"/exports/{review.pk}/download/")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        files = {name: bundle.read(name).decode("utf-8-sig") for name in bundle.namelist()}
    assert "indicators_teams.csv" in files
    assert "Canariotres" not in "".join(files.values())

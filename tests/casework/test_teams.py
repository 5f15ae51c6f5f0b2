"""The team solver: casework/teams.py, pure (no database).

A small world in Madre de Dios ("17"): each test builds its staff with `person(...)`; unless told
otherwise everyone works in 17, speaks Spanish, was trained last year and has room for more cases.
The property tests compare the solver with a brute force over every subset, judged by check_team.
"""

import random
from dataclasses import replace
from datetime import date
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.teams import (
    Candidate,
    CaseProfile,
    Infeasible,
    Member,
    Policy,
    Proposal,
    Rule,
    Unmet,
    assemble_team,
    check_team,
    eligible,
    months_before,
)

TODAY = date(2026, 3, 15)
RECENT = date(2025, 9, 1)
LONG_AGO = date(2023, 1, 10)
MADRE_DE_DIOS, CUSCO = "17", "08"
# A minor girl who prefers a woman lead, speaks Quechua and has an open health need.
GIRL = CaseProfile(region=MADRE_DE_DIOS, minor=True, lead_gender="WOMAN", language="que", health_need=True, today=TODAY)
ADULT = CaseProfile(region=MADRE_DE_DIOS, minor=False, lead_gender="NO_PREFERENCE", language="", health_need=False, today=TODAY)
POLICY = Policy()
WHERE = {"months": 24, "region": MADRE_DE_DIOS}


def person(id, gender, *disciplines, sector="SOCIAL_PROTECTION", languages=("spa",), child=False, load=0, cap=10, **where):
    """A candidate; `where` may change region, trained_on or active."""
    where = {"region": MADRE_DE_DIOS, "trained_on": RECENT, "active": True} | where
    return Candidate(
        id=id,
        gender=gender,
        disciplines=frozenset(disciplines),
        sector=sector,
        languages=frozenset(languages),
        child_specialised=child,
        caseload=load,
        cap=cap,
        **where,
    )


def adult_team():
    """Psychology, social work and law, women and men, two sectors: enough for an adult with no other need."""
    return [
        person(1, "WOMAN", "PSYCHOLOGY", sector="HEALTH", load=2),
        person(2, "MAN", "SOCIAL_WORK", load=1),
        person(3, "WOMAN", "LAW", sector="JUSTICE", load=4),
    ]


def girl_team():
    """What the minor girl needs: the adult team plus Quechua, a nurse and someone child-specialised."""
    return [
        person(1, "WOMAN", "PSYCHOLOGY", sector="HEALTH", child=True, load=2),
        person(2, "MAN", "SOCIAL_WORK", languages=("spa", "que"), load=1),
        person(3, "WOMAN", "LAW", sector="JUSTICE", load=4),
        person(4, "MAN", "NURSING", sector="HEALTH", load=0),
    ]


def ids(result):
    assert isinstance(result, Proposal), result
    return sorted(member.id for member in result.members)


def unmet(result):
    assert isinstance(result, Infeasible), result
    return result.unmet


def member(result, id):
    return next(member for member in result.members if member.id == id)


# --- Proposals ----------------------------------------------------------------------------------------


def test_it_proposes_a_team_that_meets_every_rule():
    staff = girl_team()
    result = assemble_team(GIRL, POLICY, staff)
    assert ids(result) == [1, 2, 3, 4]
    assert check_team(GIRL, POLICY, staff, result.lead) == ()


def test_it_puts_the_lead_first_and_the_others_by_id():
    result = assemble_team(GIRL, POLICY, girl_team())
    assert [member.id for member in result.members] == [1, 2, 3, 4]
    assert result.lead == 1  # the least-loaded woman (the man with no cases cannot lead)


def test_it_says_why_each_member_is_on_the_team():
    result = assemble_team(GIRL, POLICY, girl_team())
    lead = member(result, 1)
    assert lead.rules == (Rule.MIXED_GENDER, Rule.DISCIPLINES, Rule.SECTORS, Rule.LEAD_GENDER, Rule.CHILD_SPECIALISED)
    assert lead.covers == ("WOMAN", "PSYCHOLOGY", "HEALTH", "CHILD")
    assert member(result, 2).covers == ("MAN", "SOCIAL_WORK", "SOCIAL_PROTECTION", "que")
    assert member(result, 4).rules == (Rule.MIXED_GENDER, Rule.HEALTH)  # HEALTH, his sector, was brought by the lead


def test_it_pads_a_team_to_three_with_the_least_loaded_when_two_people_meet_every_rule():
    staff = [
        person(1, "WOMAN", "PSYCHOLOGY", "SOCIAL_WORK", sector="HEALTH", load=3),
        person(2, "MAN", "LAW", sector="JUSTICE", load=3),
        person(3, "NON_BINARY", "EDUCATION", load=5),
        person(4, "NOT_STATED", "EDUCATION", load=1),
    ]
    result = assemble_team(ADULT, POLICY, staff)
    assert ids(result) == [1, 2, 4]
    assert member(result, 4) == Member(id=4, rules=(Rule.SIZE,), covers=())


def test_it_prefers_the_least_loaded_of_interchangeable_people():
    staff = [
        *adult_team(),
        person(12, "WOMAN", "PSYCHOLOGY", sector="HEALTH", load=1),
        person(11, "WOMAN", "PSYCHOLOGY", sector="HEALTH", load=1),
    ]
    assert ids(assemble_team(ADULT, POLICY, staff)) == [2, 3, 11]  # 11 and 12 tie on load: the smaller id


def test_it_prefers_the_lowest_total_caseload_among_teams_of_the_same_size():
    staff = [*adult_team(), person(4, "MAN", "PSYCHOLOGY", "LAW", sector="JUSTICE", load=3), person(5, "WOMAN", "EDUCATION", load=0)]
    # {1, 2, 3} carries 7 open cases; {2, 4, 5} (psychology and law in one man, a woman educator) carries 4.
    assert ids(assemble_team(ADULT, POLICY, staff)) == [2, 4, 5]


def test_the_same_staff_in_any_order_give_the_same_proposal():
    staff = [*girl_team(), *(person(10 + n, ("WOMAN", "MAN")[n % 2], "SOCIAL_WORK", load=n % 3) for n in range(12))]
    expected = assemble_team(GIRL, POLICY, staff)
    shuffler = random.Random(7)
    for _ in range(10):
        shuffler.shuffle(staff)
        assert assemble_team(GIRL, POLICY, staff) == expected


def test_it_finds_a_team_that_choosing_the_least_loaded_first_would_miss():
    staff = [
        person(1, "MAN", "LAW", sector="JUSTICE"),
        person(2, "WOMAN", "PSYCHOLOGY"),
        person(3, "WOMAN", "SOCIAL_WORK"),
        person(4, "WOMAN", "NURSING", sector="HEALTH"),
        person(5, "WOMAN", "PSYCHOLOGY", "SOCIAL_WORK", load=9),
    ]
    # Psychology and social work from 2 and 3 leave no room for the nurse within three members.
    assert ids(assemble_team(replace(ADULT, health_need=True), Policy(max_members=3), staff)) == [1, 4, 5]


def test_a_smaller_team_wins_over_a_less_loaded_larger_one():
    staff = [*girl_team(), person(5, "WOMAN", "PSYCHOLOGY", "NURSING", sector="HEALTH", child=True, languages=("que",), load=9)]
    assert ids(assemble_team(GIRL, POLICY, staff)) == [2, 3, 5]  # three members, though busier than the four


# --- Each rule ----------------------------------------------------------------------------------------


def test_it_needs_a_woman_and_a_man():
    staff = [person(1, "WOMAN", "PSYCHOLOGY", sector="HEALTH"), person(2, "WOMAN", "SOCIAL_WORK"), person(3, "WOMAN", "LAW")]
    assert unmet(assemble_team(ADULT, POLICY, staff)) == (Unmet(Rule.MIXED_GENDER, {"gender": "MAN", **WHERE}),)
    assert ids(assemble_team(ADULT, Policy(mixed_gender=False), staff)) == [1, 2, 3]


def test_trans_women_count_as_women_and_trans_men_as_men():
    staff = [person(1, "TRANS_WOMAN", "PSYCHOLOGY", sector="HEALTH"), person(2, "TRANS_MAN", "SOCIAL_WORK"), person(3, "NON_BINARY", "LAW")]
    assert assemble_team(replace(ADULT, lead_gender="WOMAN"), POLICY, staff).lead == 1
    assert check_team(ADULT, POLICY, [*staff[1:], person(4, "NON_BINARY", "PSYCHOLOGY")], 2) == (
        Unmet(Rule.MIXED_GENDER, {"gender": "WOMAN"}),
        Unmet(Rule.SECTORS, {"min_sectors": 2, "sectors": 1}),
    )


def test_it_covers_psychology_social_work_and_law():
    staff = [person(1, "WOMAN", "PSYCHOLOGY", sector="HEALTH"), person(2, "MAN", "SOCIAL_WORK"), person(3, "WOMAN", "EDUCATION")]
    assert unmet(assemble_team(ADULT, POLICY, staff)) == (Unmet(Rule.DISCIPLINES, {"discipline": "LAW", **WHERE}),)


def test_it_adds_medicine_or_nursing_only_when_a_health_need_is_open():
    staff = [*adult_team(), person(4, "MAN", "MEDICINE", sector="HEALTH", load=5)]
    assert ids(assemble_team(ADULT, POLICY, staff)) == [1, 2, 3]
    with_need = replace(ADULT, health_need=True)
    assert ids(assemble_team(with_need, POLICY, staff)) == [1, 2, 3, 4]
    assert unmet(assemble_team(with_need, POLICY, adult_team())) == (Unmet(Rule.HEALTH, {"disciplines": ["MEDICINE", "NURSING"], **WHERE}),)


def test_it_needs_two_sectors():
    staff = [person(1, "WOMAN", "PSYCHOLOGY"), person(2, "MAN", "SOCIAL_WORK"), person(3, "WOMAN", "LAW")]
    assert unmet(assemble_team(ADULT, POLICY, staff)) == (Unmet(Rule.SECTORS, {"min_sectors": 2, "sectors": 1, **WHERE}),)
    assert ids(assemble_team(ADULT, Policy(min_sectors=1), staff)) == [1, 2, 3]


def test_the_lead_has_the_gender_the_victim_prefers_even_when_a_man_is_less_loaded():
    staff = [*adult_team(), person(4, "MAN", "EDUCATION", load=0)]
    prefers_woman = replace(ADULT, lead_gender="WOMAN")
    assert assemble_team(prefers_woman, POLICY, staff).lead == 1
    assert assemble_team(ADULT, POLICY, staff).lead == 2  # no preference: the least loaded


def test_a_preferred_man_lead_brings_a_man_onto_the_team():
    staff = [
        person(1, "WOMAN", "PSYCHOLOGY", "SOCIAL_WORK", sector="HEALTH"),
        person(2, "WOMAN", "LAW", sector="JUSTICE"),
        person(3, "NON_BINARY", "EDUCATION"),
        person(4, "MAN", "EDUCATION", load=8),
    ]
    prefers_man = replace(ADULT, lead_gender="MAN")
    result = assemble_team(prefers_man, Policy(mixed_gender=False), staff)
    assert (ids(result), result.lead) == ([1, 2, 4], 4)
    assert assemble_team(ADULT, Policy(mixed_gender=False), staff).lead == 1


def test_without_a_preference_the_lead_is_the_least_loaded_member_then_the_smallest_id():
    staff = [person(1, "WOMAN", "PSYCHOLOGY", sector="HEALTH", load=1), person(2, "MAN", "SOCIAL_WORK", load=1), person(3, "WOMAN", "LAW")]
    assert assemble_team(ADULT, POLICY, staff).lead == 3
    staff[2] = person(3, "WOMAN", "LAW", load=1)
    assert assemble_team(ADULT, POLICY, staff).lead == 1
    not_honoured = Policy(lead_gender_honoured=False)
    assert assemble_team(replace(ADULT, lead_gender="MAN"), not_honoured, staff).lead == 1


def test_it_needs_no_woman_lead_when_the_victim_was_not_asked():
    staff = adult_team()
    for answer in ("NOT_ASKED", "NO_PREFERENCE", ""):
        profile = replace(ADULT, lead_gender=answer)
        assert assemble_team(profile, POLICY, staff).lead == 2


def test_someone_speaks_the_victims_language_or_interprets():
    quechua = replace(ADULT, language="que")
    assert unmet(assemble_team(quechua, POLICY, adult_team())) == (Unmet(Rule.LANGUAGE, {"language": "que", **WHERE}),)
    interpreter = person(4, "MAN", "INTERPRETER", load=9)
    result = assemble_team(quechua, POLICY, [*adult_team(), interpreter])
    assert (ids(result), member(result, 4).covers) == ([1, 2, 3, 4], ("MAN", "INTERPRETER"))
    speaker = person(5, "WOMAN", "LAW", sector="JUSTICE", languages=("spa", "que"), load=9)
    assert ids(assemble_team(quechua, POLICY, [*adult_team(), interpreter, speaker])) == [1, 2, 5]


def test_spanish_needs_no_interpreter_and_the_policy_may_waive_the_language():
    assert ids(assemble_team(replace(ADULT, language="spa"), POLICY, adult_team())) == [1, 2, 3]
    quechua = replace(ADULT, language="que")
    assert ids(assemble_team(quechua, Policy(language_covered=False), adult_team())) == [1, 2, 3]


def test_a_minor_needs_a_child_specialised_member():
    minor = replace(ADULT, minor=True)
    assert unmet(assemble_team(minor, POLICY, adult_team())) == (Unmet(Rule.CHILD_SPECIALISED, {"specialisation": "CHILD", **WHERE}),)
    staff = [*adult_team(), person(4, "MAN", "EDUCATION", child=True, load=7)]
    assert ids(assemble_team(minor, POLICY, staff)) == [1, 2, 3, 4]
    assert ids(assemble_team(minor, Policy(child_specialist_for_minors=False), staff)) == [1, 2, 3]


def test_every_member_was_trained_in_the_last_24_months():
    staff = [*adult_team(), person(4, "WOMAN", "PSYCHOLOGY", sector="HEALTH", trained_on=date(2024, 3, 14))]
    assert eligible(ADULT, POLICY, person(9, "WOMAN", trained_on=date(2024, 3, 15)))  # exactly 24 months before
    assert not eligible(ADULT, POLICY, staff[3])
    assert not eligible(ADULT, POLICY, person(9, "WOMAN", trained_on=None))
    assert not eligible(ADULT, POLICY, person(9, "WOMAN", trained_on=date(2026, 3, 16)))  # planned, not done
    assert ids(assemble_team(ADULT, POLICY, staff)) == [1, 2, 3]


@pytest.mark.parametrize(
    ("today", "months", "since"),
    [
        (date(2026, 3, 15), 24, date(2024, 3, 15)),
        (date(2026, 5, 31), 3, date(2026, 2, 28)),
        (date(2028, 5, 31), 3, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 31), 2, date(2025, 11, 30)),
        (date(2026, 1, 10), 13, date(2024, 12, 10)),
        (date(2026, 1, 10), 0, date(2026, 1, 10)),
    ],
)
def test_months_are_calendar_months_clamped_to_the_end_of_a_shorter_month(today, months, since):
    assert months_before(today, months) == since


def test_members_work_in_the_case_region_unless_the_policy_allows_remote_members():
    staff = [*adult_team()[:2], person(3, "WOMAN", "LAW", sector="JUSTICE", region=CUSCO), person(4, "NON_BINARY", "EDUCATION")]
    assert unmet(assemble_team(ADULT, POLICY, staff)) == (
        Unmet(Rule.DISCIPLINES, {"discipline": "LAW", **WHERE, "excluded": {"REGION": 1}}),
    )
    assert ids(assemble_team(ADULT, Policy(allow_remote=True), staff)) == [1, 2, 3]
    assert check_team(ADULT, POLICY, staff[:3], 1) == (Unmet(Rule.REGION, {"member": 3}),)


def test_nobody_at_their_cap_or_inactive_is_proposed():
    staff = [*adult_team(), person(4, "WOMAN", "LAW", sector="JUSTICE", load=0, cap=0), person(5, "WOMAN", "LAW", active=False)]
    assert ids(assemble_team(ADULT, POLICY, staff)) == [1, 2, 3]
    assert not eligible(ADULT, POLICY, person(6, "WOMAN", load=10, cap=10))
    assert eligible(ADULT, POLICY, person(6, "WOMAN", load=9, cap=10))


def test_it_keeps_within_the_maximum_size():
    assert ids(assemble_team(GIRL, Policy(max_members=4), girl_team())) == [1, 2, 3, 4]
    assert unmet(assemble_team(GIRL, Policy(max_members=3), girl_team()))[0].rule == Rule.SIZE


def test_it_rejects_two_candidates_with_one_id():
    with pytest.raises(ValueError, match="unique"):
        assemble_team(ADULT, POLICY, [*adult_team(), person(1, "MAN", "LAW")])


# --- Explanations -------------------------------------------------------------------------------------


def test_it_explains_there_is_no_psychologist_trained_in_the_last_24_months_in_madre_de_dios():
    staff = [
        person(1, "WOMAN", "PSYCHOLOGY", sector="HEALTH", trained_on=LONG_AGO),
        person(2, "WOMAN", "PSYCHOLOGY", sector="HEALTH", region=CUSCO),
        person(3, "MAN", "SOCIAL_WORK", child=True, languages=("spa", "que")),
        person(4, "WOMAN", "LAW", sector="JUSTICE"),
        person(5, "MAN", "NURSING", sector="HEALTH"),
    ]
    assert unmet(assemble_team(GIRL, POLICY, staff)) == (
        Unmet(Rule.DISCIPLINES, {"discipline": "PSYCHOLOGY", "months": 24, "region": "17", "excluded": {"SPECIALISED": 1, "REGION": 1}}),
    )


def test_it_says_a_woman_lead_is_missing_when_no_eligible_woman_exists():
    staff = [
        person(1, "MAN", "PSYCHOLOGY", "SOCIAL_WORK", sector="HEALTH"),
        person(2, "MAN", "LAW", sector="JUSTICE"),
        person(3, "MAN", "EDUCATION"),
        person(4, "WOMAN", "EDUCATION", load=10, cap=10),
    ]
    prefers_woman = replace(ADULT, lead_gender="WOMAN")
    assert unmet(assemble_team(prefers_woman, Policy(mixed_gender=False), staff)) == (
        Unmet(Rule.LEAD_GENDER, {"gender": "WOMAN", **WHERE, "excluded": {"CAPACITY": 1}}),
    )


def test_it_lists_every_rule_that_cannot_be_met_in_rule_order():
    staff = [person(1, "MAN", "EDUCATION", trained_on=LONG_AGO), person(2, "MAN", "SOCIAL_WORK", region=CUSCO)]
    reported = unmet(assemble_team(GIRL, POLICY, staff))
    assert [item.rule for item in reported] == [
        Rule.SIZE,
        Rule.MIXED_GENDER,
        Rule.MIXED_GENDER,
        *[Rule.DISCIPLINES] * 3,
        Rule.HEALTH,
        Rule.SECTORS,
        Rule.LEAD_GENDER,
        Rule.LANGUAGE,
        Rule.CHILD_SPECIALISED,
    ]
    assert reported[0] == Unmet(Rule.SIZE, {"min_members": 3, "eligible": 0, **WHERE, "excluded": {"SPECIALISED": 1, "REGION": 1}})
    assert reported[4] == Unmet(Rule.DISCIPLINES, {"discipline": "PSYCHOLOGY", **WHERE})
    assert reported[5] == Unmet(Rule.DISCIPLINES, {"discipline": "SOCIAL_WORK", **WHERE, "excluded": {"REGION": 1}})


def test_when_the_rules_only_fail_together_it_names_the_person_who_would_make_a_team_possible():
    # Three men cover the disciplines; the only woman covers none, and the policy allows three members.
    staff = [
        person(1, "MAN", "PSYCHOLOGY", sector="HEALTH"),
        person(2, "MAN", "SOCIAL_WORK"),
        person(3, "MAN", "LAW", sector="JUSTICE"),
        person(4, "WOMAN", "EDUCATION", sector="EDUCATION"),
    ]
    prefers_woman = replace(ADULT, lead_gender="WOMAN")
    (reported,) = unmet(assemble_team(prefers_woman, Policy(max_members=3), staff))
    assert reported.rule == Rule.SIZE
    assert {key: reported.missing[key] for key in ("max_members", "needed", "combination")} == {
        "max_members": 3,
        "needed": 4,
        "combination": True,
    }
    # One more person combining two needs would do: a woman psychologist (DOMAIN.md's example), a woman lawyer...
    assert reported.missing["combined"] == [
        {"gender": "WOMAN", "disciplines": ["LAW"]},
        {"gender": "WOMAN", "disciplines": ["PSYCHOLOGY"]},
        {"gender": "WOMAN", "disciplines": ["SOCIAL_WORK"]},
        {"disciplines": ["LAW", "PSYCHOLOGY"]},
        {"disciplines": ["LAW", "SOCIAL_WORK"]},
        {"disciplines": ["PSYCHOLOGY", "SOCIAL_WORK"]},
    ]
    assert (reported.missing["months"], reported.missing["region"]) == (24, "17")
    assert ids(assemble_team(prefers_woman, Policy(max_members=4), staff)) == [1, 2, 3, 4]


def test_a_policy_asking_for_more_members_than_it_allows_is_reported():
    assert unmet(assemble_team(ADULT, Policy(min_members=4, max_members=3), adult_team())) == (
        Unmet(Rule.SIZE, {"min_members": 4, "max_members": 3}),
    )


# --- check_team ---------------------------------------------------------------------------------------


def test_check_team_reports_what_a_swap_broke():
    staff = girl_team()
    lawyer_from_cusco = person(5, "MAN", "LAW", sector="JUSTICE", region=CUSCO, load=10, cap=10, trained_on=LONG_AGO)
    swapped = [staff[0], staff[1], lawyer_from_cusco, staff[3]]  # the woman lawyer out
    assert check_team(GIRL, POLICY, swapped, 1) == (
        Unmet(Rule.SPECIALISED, {"member": 5}),
        Unmet(Rule.REGION, {"member": 5}),
        Unmet(Rule.CAPACITY, {"member": 5}),
    )
    without_the_nurse = staff[:3]
    assert check_team(GIRL, POLICY, without_the_nurse, 2) == (
        Unmet(Rule.HEALTH, {"disciplines": ["MEDICINE", "NURSING"]}),
        Unmet(Rule.LEAD_GENDER, {"gender": "WOMAN"}),
    )


def test_check_team_needs_a_lead_who_is_on_the_team_and_a_size_within_the_policy():
    staff = girl_team()
    assert check_team(GIRL, POLICY, staff, None) == (Unmet(Rule.SIZE, {"lead": None}), Unmet(Rule.LEAD_GENDER, {"gender": "WOMAN"}))
    assert check_team(GIRL, POLICY, staff, 99) == (Unmet(Rule.SIZE, {"lead": 99}), Unmet(Rule.LEAD_GENDER, {"gender": "WOMAN"}))
    assert check_team(ADULT, POLICY, adult_team()[:2], 1)[0] == Unmet(Rule.SIZE, {"min_members": 3, "members": 2})
    assert check_team(GIRL, Policy(max_members=3), staff, 1) == (Unmet(Rule.SIZE, {"max_members": 3, "members": 4}),)


# --- Properties against a brute force -----------------------------------------------------------------

# Small alphabets, so that valid teams sometimes exist and sometimes do not.
DISCIPLINES = ("PSYCHOLOGY", "SOCIAL_WORK", "LAW", "NURSING", "INTERPRETER", "EDUCATION")
PROPERTY = settings(max_examples=200, deadline=None)


def mostly(usual, rare, *, odds):
    """`usual`, `odds` times as often as `rare`."""
    return st.sampled_from((*[usual] * odds, rare))


@st.composite
def candidates(draw, max_size=9):
    count = draw(st.integers(min_value=2, max_value=max_size))
    staff_ids = draw(st.lists(st.integers(min_value=1, max_value=60), min_size=count, max_size=count, unique=True))
    return [
        Candidate(
            id=staff_id,
            gender=draw(st.sampled_from(("WOMAN", "MAN", "TRANS_WOMAN", "TRANS_MAN", "NON_BINARY"))),
            disciplines=frozenset(draw(st.lists(st.sampled_from(DISCIPLINES), min_size=1, max_size=2))),
            sector=draw(st.sampled_from(("JUSTICE", "HEALTH", "SOCIAL_PROTECTION"))),
            region=draw(mostly(MADRE_DE_DIOS, CUSCO, odds=12)),
            languages=frozenset(draw(st.sampled_from(({"spa"}, {"spa"}, {"spa", "que"})))),
            trained_on=draw(st.sampled_from((*[RECENT] * 14, LONG_AGO, None))),
            child_specialised=draw(st.booleans()),
            caseload=(caseload := draw(st.integers(min_value=0, max_value=2))),
            cap=caseload + draw(mostly(2, 0, odds=7)),  # 0: at the cap
            active=draw(mostly(True, False, odds=12)),
        )
        for staff_id in staff_ids
    ]


profiles = st.builds(
    CaseProfile,
    region=st.just(MADRE_DE_DIOS),
    minor=st.booleans(),
    lead_gender=st.sampled_from(("WOMAN", "MAN", "NO_PREFERENCE", "NOT_ASKED", "")),
    language=st.sampled_from(("", "spa", "que")),
    health_need=st.booleans(),
    today=st.just(TODAY),
)


@st.composite
def policies(draw):
    min_members = draw(st.integers(min_value=1, max_value=3))
    return Policy(
        min_members=min_members,
        max_members=draw(st.integers(min_value=min_members, max_value=5)),
        mixed_gender=draw(st.booleans()),
        required_disciplines=frozenset(draw(st.lists(st.sampled_from(DISCIPLINES[:3]), max_size=2))),
        health_disciplines=draw(st.sampled_from((frozenset({"NURSING"}), frozenset({"NURSING", "PSYCHOLOGY"})))),
        min_sectors=draw(st.sampled_from((1, 1, 2, 2, 3))),
        lead_gender_honoured=draw(st.booleans()),
        language_covered=draw(st.booleans()),
        child_specialist_for_minors=draw(st.booleans()),
        allow_remote=draw(st.booleans()),
    )


def brute_force(profile, policy, staff):
    """The best valid team by the solver's objective, found by trying every subset and every lead."""
    for size in range(policy.min_members, policy.max_members + 1):
        valid = [team for team in combinations(staff, size) if any(check_team(profile, policy, team, lead.id) == () for lead in team)]
        if valid:
            return min(valid, key=lambda team: (sum(c.caseload for c in team), sorted(c.id for c in team)))
    return None


def chosen(result, staff):
    members = {member.id for member in result.members}
    return [candidate for candidate in staff if candidate.id in members]


@PROPERTY
@given(profile=profiles, policy=policies(), staff=candidates(max_size=12))
def test_it_never_proposes_a_team_that_breaks_a_rule(profile, policy, staff):
    result = assemble_team(profile, policy, staff)
    if isinstance(result, Proposal):
        assert check_team(profile, policy, chosen(result, staff), result.lead) == ()
    else:
        assert result.unmet
        assert [item.rule for item in result.unmet] == sorted((item.rule for item in result.unmet), key=list(Rule).index)


@PROPERTY
@given(profile=profiles, policy=policies(), staff=candidates())
def test_it_finds_a_team_exactly_when_a_brute_force_does_and_the_same_best_one(profile, policy, staff):
    result = assemble_team(profile, policy, staff)
    best = brute_force(profile, policy, staff)
    assert isinstance(result, Proposal) == (best is not None)
    if best is not None:
        assert len(result.members) == len(best)
        assert ids(result) == sorted(candidate.id for candidate in best)


@PROPERTY
@given(profile=profiles, policy=policies(), staff=candidates(max_size=12), data=st.data())
def test_the_order_of_the_candidates_never_changes_the_result(profile, policy, staff, data):
    shuffled = data.draw(st.permutations(staff))
    assert assemble_team(profile, policy, shuffled) == assemble_team(profile, policy, staff)


@PROPERTY
@given(profile=profiles, policy=policies(), staff=candidates(max_size=12))
def test_the_lead_is_the_least_loaded_member_the_preference_allows(profile, policy, staff):
    result = assemble_team(profile, policy, staff)
    if isinstance(result, Proposal):
        team = chosen(result, staff)
        honoured = policy.lead_gender_honoured and profile.lead_gender in ("WOMAN", "MAN")
        groups = {"WOMAN": ("WOMAN", "TRANS_WOMAN"), "MAN": ("MAN", "TRANS_MAN")}
        allowed = [c for c in team if not honoured or c.gender in groups[profile.lead_gender]]
        assert result.lead == min(allowed, key=lambda c: (c.caseload, c.id)).id
        assert result.members[0].id == result.lead
        assert [member.id for member in result.members[1:]] == sorted(member.id for member in result.members[1:])

"""The routing engine: referrals/routing.py, pure (no database).

A small world around Madre de Dios ("17"): unless told otherwise the person is a 19-year-old man exploited in
gold mining (LABOUR) who speaks Spanish and holds his documents, and each service (`service(...)`) is a
men's shelter in Madre de Dios that takes everyone, without limits, in Spanish. The property tests judge
the engine with an oracle written from DOMAIN.md rather than from the engine's code.
"""

import itertools
import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referrals.routing import (
    NEIGHBOURS,
    NearMiss,
    Offer,
    PersonProfile,
    Proximity,
    Reason,
    Routing,
    Rule,
    Service,
    check_service,
    route,
    routing_ages,
)

MADRE_DE_DIOS, CUSCO, PUNO, LIMA, CALLAO, UCAYALI = "17", "08", "21", "15", "07", "25"
SHELTER_MEN, SHELTER_EMERGENCY, SHELTER_MINORS, SHELTER_WOMEN = "SHELTER_MEN", "SHELTER_EMERGENCY", "SHELTER_MINORS", "SHELTER_WOMEN"

MINER = PersonProfile(
    age=19,
    age_min=None,
    age_max=None,
    presumed_minor=False,
    gender="MAN",
    exploitation_types=frozenset({"LABOUR"}),
    region=MADRE_DE_DIOS,
    languages=frozenset({"spa"}),
    needs_accessibility=False,
    has_documents=True,
)


def estimated(youngest, oldest, *, presumed_minor, **changes):
    """The miner with an estimated age range instead of an exact age."""
    return replace(MINER, age=None, age_min=youngest, age_max=oldest, presumed_minor=presumed_minor, **changes)


def service(id, type=SHELTER_MEN, *, regions=(MADRE_DE_DIOS,), genders=(), exploitation=(), languages=("spa",), **changes):
    values = {
        "national": False,
        "min_age": None,
        "max_age": None,
        "residential": True,
        "capacity": None,
        "places_in_use": 0,
        "accepts_undocumented": True,
        "accessible": False,
        "specialised": False,
    } | changes
    return Service(
        id=id,
        type=type,
        region_codes=frozenset(regions),
        genders=frozenset(genders),
        exploitation_types=frozenset(exploitation),
        languages=frozenset(languages),
        **values,
    )


def routed(profile, services, need=SHELTER_MEN):
    """The NeedRouting of the one need."""
    (result,) = route(profile, [need], services).needs
    return result


def offered(profile, services, need=SHELTER_MEN):
    return [offer.service_id for offer in routed(profile, services, need).offers]


def misses(profile, services, need=SHELTER_MEN):
    return routed(profile, services, need).near_misses


# --- The miner in Madre de Dios -----------------------------------------------------------------------


def test_a_19_year_old_man_exploited_in_mining_in_madre_de_dios_finds_no_shelter_and_learns_why():
    catalogue = [
        service(1, SHELTER_MEN, regions=(LIMA,)),
        service(2, SHELTER_MEN, regions=(LIMA,), exploitation=("SEXUAL",)),  # fails two rules: not a near miss
        service(3, SHELTER_EMERGENCY, min_age=0, max_age=17),  # a minors' emergency shelter in Madre de Dios
        service(4, SHELTER_WOMEN, genders=("WOMAN",)),  # another type: never looked at
    ]
    result = route(MINER, [SHELTER_MEN, SHELTER_EMERGENCY], catalogue)
    men, emergency = result.needs
    assert (men.need, men.is_gap, men.near_misses) == (SHELTER_MEN, True, (NearMiss(1, Rule.REGION, {"region": MADRE_DE_DIOS}),))
    assert (emergency.is_gap, emergency.near_misses) == (True, (NearMiss(3, Rule.AGE_ABOVE_MAX, {"age": 19, "max_age": 17}),))
    assert result.routed_as_minor is False


def test_the_same_man_is_offered_a_mens_shelter_in_his_region_with_the_reasons_it_fits():
    shelter = service(7, genders=("MAN", "TRANS_MAN"), exploitation=("LABOUR", "SERVITUDE"), min_age=18, capacity=12, places_in_use=5)
    assert routed(MINER, [shelter]).offers == (
        Offer(
            service_id=7,
            proximity=Proximity.SAME_REGION,
            places_left=7,
            reasons=(Reason.AGE, Reason.GENDER, Reason.EXPLOITATION, Reason.SAME_REGION, Reason.PLACES_LEFT, Reason.LANGUAGE),
        ),
    )


# --- Age and the presumption of minority --------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "ages"),
    [
        (MINER, (19, 19)),
        (replace(MINER, age=15, presumed_minor=True), (15, 15)),  # an estimated date of birth gives an exact age
        (estimated(16, 19, presumed_minor=True), (16, 17)),
        (estimated(14, 16, presumed_minor=True), (14, 16)),
        (estimated(16, 19, presumed_minor=False), (16, 19)),
        (estimated(25, 30, presumed_minor=False), (25, 30)),
        (replace(MINER, age=None), None),
        (replace(MINER, age=None, presumed_minor=True), (0, 17)),
    ],
)
def test_routing_ages_is_the_exact_age_or_the_estimate_cut_at_17_for_a_presumed_minor(profile, ages):
    assert routing_ages(profile) == ages


def test_an_estimated_16_to_19_year_old_routes_as_a_minor():
    catalogue = [
        service(1, SHELTER_EMERGENCY, min_age=18),  # adults only
        service(2, SHELTER_EMERGENCY, min_age=0, max_age=17),
        service(3, SHELTER_EMERGENCY, min_age=12, max_age=17, specialised=True),
    ]
    result = route(estimated(16, 19, presumed_minor=True), [SHELTER_EMERGENCY], catalogue)
    assert result.routed_as_minor is True
    (emergency,) = result.needs
    assert [offer.service_id for offer in emergency.offers] == [3, 2]
    assert emergency.near_misses == (NearMiss(1, Rule.AGE_BELOW_MIN, {"age": 16, "min_age": 18}),)


def test_a_range_across_18_without_the_presumption_fits_neither_minors_nor_adults_only_services():
    catalogue = [service(1, min_age=18), service(2, max_age=17), service(3, min_age=12, max_age=59), service(4)]
    profile = estimated(16, 19, presumed_minor=False)
    assert offered(profile, catalogue) == [3, 4]
    assert misses(profile, catalogue) == (
        NearMiss(1, Rule.AGE_BELOW_MIN, {"age": 16, "min_age": 18}),
        NearMiss(2, Rule.AGE_ABOVE_MAX, {"age": 19, "max_age": 17}),
    )


def test_an_unknown_age_fits_only_services_without_age_limits():
    catalogue = [service(1), service(2, min_age=0), service(3, max_age=17), service(4, min_age=18), service(5, min_age=12, max_age=17)]
    unknown = replace(MINER, age=None)
    assert offered(unknown, catalogue) == [1, 2]
    assert misses(unknown, catalogue) == (
        NearMiss(4, Rule.AGE_BELOW_MIN, {"age": None, "min_age": 18}),
        NearMiss(3, Rule.AGE_ABOVE_MAX, {"age": None, "max_age": 17}),
    )


def test_a_presumed_minor_of_unknown_age_routes_as_any_minor_and_no_age_is_made_up():
    catalogue = [service(1, min_age=0, max_age=17), service(2, min_age=12, max_age=17), service(3, min_age=18), service(4)]
    unknown_minor = replace(MINER, age=None, presumed_minor=True)
    assert offered(unknown_minor, catalogue) == [1, 4]
    assert misses(unknown_minor, catalogue) == (
        NearMiss(2, Rule.AGE_BELOW_MIN, {"age": None, "min_age": 12}),
        NearMiss(3, Rule.AGE_BELOW_MIN, {"age": None, "min_age": 18}),
    )


def test_a_service_without_age_limits_gives_no_age_reason():
    assert routed(MINER, [service(1)]).offers[0].reasons == (Reason.SAME_REGION, Reason.LANGUAGE)


@pytest.mark.parametrize(
    "changes",
    [
        {"age": 19, "age_min": 16, "age_max": 19},
        {"age": None, "age_min": 16, "age_max": None},
        {"age": None, "age_min": 19, "age_max": 16},
        {"age": -1},
        {"age": 19, "presumed_minor": True},
        {"age": None, "age_min": 18, "age_max": 25, "presumed_minor": True},
    ],
)
def test_an_impossible_age_is_refused(changes):
    with pytest.raises(ValueError, match="age"):
        replace(MINER, **changes)


# --- Gender, exploitation, capacity, documents, accessibility, activity ----------------------------------


def test_a_service_serves_only_the_gender_codes_it_lists():
    women = service(1, SHELTER_WOMEN, genders=("WOMAN", "TRANS_WOMAN"))
    assert misses(MINER, [women], SHELTER_WOMEN) == (NearMiss(1, Rule.GENDER, {"gender": "MAN"}),)
    assert routed(replace(MINER, gender="TRANS_WOMAN"), [women], SHELTER_WOMEN).offers[0].reasons[0] == Reason.GENDER
    assert offered(replace(MINER, gender="NON_BINARY"), [women], SHELTER_WOMEN) == []


def test_a_service_for_some_forms_of_exploitation_takes_only_those_or_an_unknown_form():
    sexual_only = service(1, exploitation=("SEXUAL",))
    assert misses(MINER, [sexual_only]) == (NearMiss(1, Rule.EXPLOITATION, {"exploitation_types": ["LABOUR"]}),)
    both = replace(MINER, exploitation_types=frozenset({"SEXUAL", "LABOUR"}))
    assert Reason.EXPLOITATION in routed(both, [sexual_only]).offers[0].reasons
    not_known_yet = replace(MINER, exploitation_types=frozenset())
    assert Reason.EXPLOITATION not in routed(not_known_yet, [sexual_only]).offers[0].reasons  # fits, but says nothing it does not know


def test_a_full_service_is_a_near_miss_and_places_left_are_counted():
    catalogue = [service(1, capacity=10, places_in_use=10), service(2, capacity=10, places_in_use=9), service(3)]
    result = routed(MINER, catalogue)
    assert [(offer.service_id, offer.places_left) for offer in result.offers] == [(3, None), (2, 1)]
    assert result.near_misses == (NearMiss(1, Rule.CAPACITY, {"capacity": 10}),)


def test_without_documents_only_services_that_accept_undocumented_people_are_offered():
    undocumented = replace(MINER, has_documents=False)
    catalogue = [service(1, accepts_undocumented=False), service(2)]
    result = routed(undocumented, catalogue)
    assert [offer.service_id for offer in result.offers] == [2]
    assert result.offers[0].reasons[-1] == Reason.ACCEPTS_UNDOCUMENTED
    assert result.near_misses == (NearMiss(1, Rule.DOCUMENTS, {"has_documents": False}),)
    assert offered(MINER, catalogue) == [1, 2]


def test_a_person_with_a_disability_is_offered_only_accessible_services():
    disabled = replace(MINER, needs_accessibility=True)
    catalogue = [service(1), service(2, accessible=True)]
    result = routed(disabled, catalogue)
    assert [offer.service_id for offer in result.offers] == [2]
    assert result.offers[0].reasons[-1] == Reason.ACCESSIBLE
    assert result.near_misses == (NearMiss(1, Rule.ACCESSIBILITY, {"needs_accessibility": True}),)


def test_an_inactive_service_that_would_fit_is_a_near_miss():
    assert misses(MINER, [service(1, active=False)]) == (NearMiss(1, Rule.INACTIVE, {"active": False}),)


def test_check_service_lists_every_rule_a_service_fails_in_rule_order():
    hopeless = service(
        1,
        active=False,
        max_age=17,
        genders=("WOMAN",),
        exploitation=("SEXUAL",),
        regions=(LIMA,),
        capacity=2,
        places_in_use=2,
        accepts_undocumented=False,
    )
    undocumented_disabled = replace(MINER, has_documents=False, needs_accessibility=True)
    assert check_service(undocumented_disabled, hopeless) == (
        Rule.INACTIVE,
        Rule.AGE_ABOVE_MAX,
        Rule.GENDER,
        Rule.EXPLOITATION,
        Rule.REGION,
        Rule.CAPACITY,
        Rule.DOCUMENTS,
        Rule.ACCESSIBILITY,
    )
    assert check_service(MINER, service(2)) == ()
    assert misses(undocumented_disabled, [hopeless]) == ()


def test_near_misses_come_in_rule_order_then_by_id():
    catalogue = [service(9, capacity=1, places_in_use=1), service(8, regions=(LIMA,)), service(7, capacity=0), service(6, max_age=17)]
    assert [(miss.rule, miss.service_id) for miss in misses(MINER, catalogue)] == [
        (Rule.AGE_ABOVE_MAX, 6),
        (Rule.REGION, 8),
        (Rule.CAPACITY, 7),
        (Rule.CAPACITY, 9),
    ]


# --- Regions and ranking ------------------------------------------------------------------------------


def test_the_nearest_services_come_first_neighbours_before_national_ones():
    catalogue = [
        service(1, regions=(), national=True),
        service(2, regions=(LIMA,), national=True),
        service(3, regions=(PUNO,)),
        service(4, regions=(CUSCO,)),
        service(5, regions=(LIMA,)),  # neither near nor national
        service(6, regions=(MADRE_DE_DIOS, CUSCO)),
    ]
    result = routed(MINER, catalogue)
    assert [(offer.service_id, offer.proximity) for offer in result.offers] == [
        (6, Proximity.SAME_REGION),
        (3, Proximity.NEIGHBOUR),
        (4, Proximity.NEIGHBOUR),
        (1, Proximity.NATIONAL),
        (2, Proximity.NATIONAL),
    ]
    assert result.near_misses == (NearMiss(5, Rule.REGION, {"region": MADRE_DE_DIOS}),)


def test_a_person_in_callao_is_near_a_service_in_lima():
    assert routed(replace(MINER, region=CALLAO), [service(1, regions=(LIMA,))]).offers[0].proximity == Proximity.NEIGHBOUR


def test_within_a_proximity_the_persons_language_then_specialisation_then_places_left_then_id_decide():
    quechua = replace(MINER, languages=frozenset({"que"}))
    catalogue = [
        service(1, capacity=5, places_in_use=4),  # 1 place left
        service(2, capacity=20, places_in_use=2),  # 18 places left
        service(3),  # no limit: the most places
        service(4),
        service(5, specialised=True),
        service(6, languages=("spa", "que")),
        service(7, regions=(CUSCO,), languages=("que",), specialised=True),  # a neighbour: after everything in the region
    ]
    assert offered(quechua, catalogue) == [6, 5, 3, 4, 2, 1, 7]


def test_the_order_of_the_catalogue_never_changes_the_routing():
    # 30 services of two types over five regions, with ties on everything but the id, some full, some national.
    places = itertools.cycle(((None, 0), (2, 1), (2, 2), (5, 1)))
    where = [(type, region) for type in (SHELTER_MEN, SHELTER_EMERGENCY) for region in (MADRE_DE_DIOS, CUSCO, PUNO, LIMA, UCAYALI)] * 3
    catalogue = [
        service(id, type, regions=(region,), national=id % 5 == 0, capacity=capacity, places_in_use=in_use, specialised=id % 2 == 0)
        for id, ((type, region), (capacity, in_use)) in enumerate(zip(where, places, strict=False), start=1)  # places cycles
    ]
    expected = route(MINER, [SHELTER_EMERGENCY, SHELTER_MEN], catalogue)
    assert expected.needs[0].offers
    assert expected.needs[0].near_misses
    shuffler = random.Random(17)
    for _ in range(10):
        shuffler.shuffle(catalogue)
        assert route(MINER, [SHELTER_EMERGENCY, SHELTER_MEN], catalogue) == expected


# --- Needs --------------------------------------------------------------------------------------------


def test_needs_keep_their_order_without_duplicates_and_consider_only_services_of_their_type():
    catalogue = [service(1, SHELTER_MEN), service(2, "LEGAL_AID"), service(3, "MEDICAL")]
    result = route(MINER, ["MEDICAL", SHELTER_MEN, "MEDICAL", "EMPLOYMENT"], iter(catalogue))  # any iterable, read once
    assert [(need.need, [offer.service_id for offer in need.offers]) for need in result.needs] == [
        ("MEDICAL", [3]),
        (SHELTER_MEN, [1]),
        ("EMPLOYMENT", []),
    ]
    assert result.needs[2].is_gap
    assert route(MINER, [], catalogue) == Routing(routed_as_minor=False, needs=())


def test_two_services_with_one_id_are_refused():
    with pytest.raises(ValueError, match="unique"):
        route(MINER, [SHELTER_MEN], [service(1), service(1, regions=(CUSCO,))])


# --- Neighbours ---------------------------------------------------------------------------------------


def test_every_department_and_callao_has_its_neighbours():
    assert sorted(NEIGHBOURS) == [f"{code:02d}" for code in range(1, 26)]
    assert all(NEIGHBOURS.values())


def test_neighbours_are_symmetric_and_nobody_neighbours_themselves():
    for region, neighbours in NEIGHBOURS.items():
        assert region not in neighbours
        for neighbour in neighbours:
            assert region in NEIGHBOURS[neighbour], (region, neighbour)


def test_madre_de_dios_neighbours_cusco_puno_and_ucayali_and_callao_only_lima():
    assert NEIGHBOURS[MADRE_DE_DIOS] == {CUSCO, PUNO, UCAYALI}
    assert NEIGHBOURS[CALLAO] == {LIMA}


# --- Properties ---------------------------------------------------------------------------------------

# Small alphabets, so that services fit, nearly fit and fail often enough.
PROPERTY = settings(max_examples=200, deadline=None)
REGIONS = (MADRE_DE_DIOS, CUSCO, PUNO, LIMA, CALLAO)
TYPES = (SHELTER_MEN, SHELTER_EMERGENCY, "MEDICAL")
GENDERS = ("WOMAN", "MAN", "TRANS_WOMAN", "NON_BINARY")
FORMS = ("SEXUAL", "LABOUR", "SERVITUDE")
LANGUAGES = ("spa", "que", "aym")
AGE_LIMITS = ((None, None), (None, None), (None, None), (0, 17), (12, 17), (18, None), (18, 59), (60, None), (0, None))


def subsets(values, min_size=0):
    return st.frozensets(st.sampled_from(values), min_size=min_size, max_size=2)


@st.composite
def profiles(draw):
    kind = draw(st.sampled_from(("exact", "range", "unknown")))
    age = draw(st.integers(min_value=0, max_value=70)) if kind == "exact" else None
    youngest = draw(st.integers(min_value=0, max_value=40)) if kind == "range" else None
    oldest = youngest + draw(st.integers(min_value=0, max_value=6)) if kind == "range" else None
    known = age if age is not None else youngest
    # The presumption needs an age that may be under 18 (or none at all).
    presumed = draw(st.booleans()) and (known is None or known < 18)
    return PersonProfile(
        age=age,
        age_min=youngest,
        age_max=oldest,
        presumed_minor=presumed,
        gender=draw(st.sampled_from(GENDERS)),
        exploitation_types=draw(subsets(FORMS)),
        region=draw(st.sampled_from(REGIONS)),
        languages=draw(subsets(LANGUAGES, min_size=1)),
        needs_accessibility=draw(mostly(False, True, odds=3)),
        has_documents=draw(mostly(True, False, odds=3)),
        migrant=draw(st.booleans()),
    )


def mostly(usual, rare, *, odds):
    """`usual`, `odds` times as often as `rare`."""
    return st.sampled_from((*[usual] * odds, rare))


@st.composite
def catalogues(draw, max_size=14):
    count = draw(st.integers(min_value=0, max_value=max_size))
    ids = draw(st.lists(st.integers(min_value=1, max_value=99), min_size=count, max_size=count, unique=True))
    services = []
    for service_id in ids:
        min_age, max_age = draw(st.sampled_from(AGE_LIMITS))
        capacity = draw(st.sampled_from((None, None, None, 0, 1, 3)))
        services.append(
            Service(
                id=service_id,
                type=draw(st.sampled_from(TYPES)),
                region_codes=draw(subsets(REGIONS, min_size=1)),
                national=draw(mostly(False, True, odds=3)),
                min_age=min_age,
                max_age=max_age,
                genders=draw(st.sampled_from((frozenset(), frozenset(), frozenset({"WOMAN", "TRANS_WOMAN"}), frozenset({"MAN"})))),
                exploitation_types=draw(mostly(frozenset(), frozenset({"SEXUAL"}), odds=2)),
                languages=draw(subsets(LANGUAGES)),
                residential=draw(st.booleans()),
                capacity=capacity,
                places_in_use=draw(st.integers(min_value=0, max_value=capacity or 2)),
                accepts_undocumented=draw(mostly(True, False, odds=3)),
                accessible=draw(mostly(True, False, odds=3)),
                specialised=draw(st.booleans()),
                active=draw(mostly(True, False, odds=8)),
            )
        )
    return services


needs_lists = st.lists(st.sampled_from((*TYPES, "LEGAL_AID")), max_size=5)


def fits(profile, service):
    """An oracle for eligibility, written from DOMAIN.md: the whole age interval, the gender, the region, a place..."""
    ages = routing_ages(profile)
    if ages is None:
        on_age = service.min_age in (None, 0) and service.max_age is None
    else:
        on_age = (service.min_age is None or service.min_age <= ages[0]) and (service.max_age is None or ages[1] <= service.max_age)
    near = profile.region in service.region_codes or bool(NEIGHBOURS[profile.region] & service.region_codes) or service.national
    forms = service.exploitation_types
    return (
        service.active
        and on_age
        and (not service.genders or profile.gender in service.genders)
        and (not forms or not profile.exploitation_types or bool(forms & profile.exploitation_types))
        and near
        and (service.capacity is None or service.places_in_use < service.capacity)
        and (profile.has_documents or service.accepts_undocumented)
        and (not profile.needs_accessibility or service.accessible)
    )


@PROPERTY
@given(profile=profiles(), services=catalogues(), needs=needs_lists)
def test_it_never_offers_a_service_that_does_not_fit(profile, services, needs):
    by_id = {service.id: service for service in services}
    for need in route(profile, needs, services).needs:
        for offer in need.offers:
            chosen = by_id[offer.service_id]
            assert chosen.type == need.need
            assert fits(profile, chosen)
            assert check_service(profile, chosen) == ()
            if profile.presumed_minor:
                assert chosen.min_age is None or chosen.min_age < 18  # never an adults-only service for a possible minor


@PROPERTY
@given(profile=profiles(), services=catalogues(), needs=needs_lists)
def test_every_service_of_a_needed_type_is_offered_a_near_miss_or_fails_two_rules(profile, services, needs):
    for need in route(profile, needs, services).needs:
        offers = {offer.service_id for offer in need.offers}
        near = {miss.service_id: miss.rule for miss in need.near_misses}
        for candidate in (service for service in services if service.type == need.need):
            faults = check_service(profile, candidate)
            assert (candidate.id in offers) == (faults == ()) == fits(profile, candidate)
            assert (candidate.id in near) == (len(faults) == 1)
            if len(faults) == 1:
                assert near[candidate.id] == faults[0]
            assert list(faults) == sorted(faults, key=list(Rule).index)


@PROPERTY
@given(profile=profiles(), services=catalogues(), needs=needs_lists)
def test_offers_are_ranked_nearest_then_language_specialised_places_and_id_and_near_misses_by_rule_then_id(profile, services, needs):
    by_id = {service.id: service for service in services}

    def rank(offer):
        chosen = by_id[offer.service_id]
        places = float("inf") if chosen.capacity is None else chosen.capacity - chosen.places_in_use
        speaks = bool(profile.languages & chosen.languages)
        return list(Proximity).index(offer.proximity), not speaks, not chosen.specialised, -places, chosen.id

    for need in route(profile, needs, services).needs:
        ranks = [rank(offer) for offer in need.offers]
        assert ranks == sorted(ranks)
        keys = [(list(Rule).index(miss.rule), miss.service_id) for miss in need.near_misses]
        assert keys == sorted(keys)


@PROPERTY
@given(profile=profiles(), services=catalogues(), needs=needs_lists, data=st.data())
def test_shuffling_the_catalogue_never_changes_the_result(profile, services, needs, data):
    shuffled = data.draw(st.permutations(services))
    assert route(profile, needs, shuffled) == route(profile, needs, services)


@PROPERTY
@given(profile=profiles(), services=catalogues(max_size=4), needs=needs_lists)
def test_the_needs_come_back_in_the_order_given_without_duplicates(profile, services, needs):
    result = route(profile, needs, services)
    assert [need.need for need in result.needs] == list(dict.fromkeys(needs))
    assert result.routed_as_minor == profile.presumed_minor

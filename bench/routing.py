"""Routing: the pure engine (referrals/routing.py) against synthetic catalogues, and end to end.

One person (an adolescent girl of estimated age 15 to 19, presumed a minor, sexually exploited in Madre de
Dios, speaking Spanish and Quechua, without documents) with 8 distinct needs is routed against seeded-random
catalogues of 1,000 and 10,000 services: the median over REPEATS calls after a warm-up. The goal is 20 ms at
10,000 services (a catalogue far larger than Peru's, so the screen never waits on the engine).

End to end: the same catalogue is inserted as referrals.models.Service rows (in the benchmark's throwaway
database) and what the services screen does is timed: the one query that loads the candidates of the 8
needs (index on type and active), their conversion, and `route`; the query count is reported too.
"""

import random
import statistics

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.common import goal, seconds
from referrals import models as catalogue
from referrals import services as referral_services
from referrals.routing import PersonProfile, Service, route

SEED = 20260415
CATALOGUE_SIZES = (1_000, 10_000)
REPEATS = 21
MADRE_DE_DIOS = "17"

GIRL = PersonProfile(
    age=None,
    age_min=15,
    age_max=19,
    presumed_minor=True,
    gender="WOMAN",
    exploitation_types=frozenset({"SEXUAL"}),
    region=MADRE_DE_DIOS,
    languages=frozenset({"spa", "que"}),
    needs_accessibility=False,
    has_documents=False,
)
NEEDS = (
    "SHELTER_MINORS",
    "MEDICAL",
    "SEXUAL_REPRODUCTIVE_HEALTH",
    "PSYCHOLOGICAL",
    "LEGAL_AID",
    "IDENTITY_DOCUMENTS",
    "EDUCATION",
    "SAFETY_PLANNING",
)

# (INEI code, weight): Lima and Callao hold most providers; the rest by rough population.
REGIONS = (
    *(("15", 30), ("07", 4), ("04", 5), ("13", 5), ("20", 5), ("08", 5), ("21", 4), ("12", 4), ("06", 4), ("14", 4)),
    *(("16", 4), ("02", 3), ("17", 3), ("11", 3), ("22", 3), ("10", 3), ("05", 2), ("25", 2), ("03", 2), ("09", 2)),
    *(("01", 2), ("19", 1), ("18", 1), ("23", 1), ("24", 1)),
)
# (service type, weight, residential): the DOMAIN.md section 5 types; men's shelters are the known gap.
TYPES = (
    ("SHELTER_EMERGENCY", 3, True),
    ("SHELTER_MINORS", 5, True),
    ("SHELTER_WOMEN", 3, True),
    ("SHELTER_MEN", 1, True),
    ("FAMILY_CARE", 3, False),
    ("MEDICAL", 9, False),
    ("SEXUAL_REPRODUCTIVE_HEALTH", 5, False),
    ("MENTAL_HEALTH", 4, False),
    ("PSYCHOLOGICAL", 7, False),
    ("LEGAL_AID", 7, False),
    ("COMPENSATION", 2, False),
    ("WITNESS_PROTECTION", 2, False),
    ("IDENTITY_DOCUMENTS", 4, False),
    ("MIGRATION_STATUS", 2, False),
    ("REPATRIATION", 1, False),
    ("INTERPRETATION", 2, False),
    ("EDUCATION", 6, False),
    ("VOCATIONAL_TRAINING", 5, False),
    ("EMPLOYMENT", 4, False),
    ("LIVELIHOOD", 4, False),
    ("BASIC_NEEDS", 6, False),
    ("SAFETY_PLANNING", 4, False),
)
# (min_age, max_age, weight): children's homes and adolescents' programmes, adults only, working age, none.
AGE_LIMITS = ((0, 17, 15), (12, 17, 10), (18, None, 15), (18, 59, 10), (None, None, 50))
# Shelters mostly serve one gender group; other services everyone.
SHELTER_GENDERS = {
    "SHELTER_WOMEN": frozenset({"WOMAN", "TRANS_WOMAN"}),
    "SHELTER_MEN": frozenset({"MAN", "TRANS_MAN"}),
}
EXPLOITATION_FOCUS = (frozenset({"SEXUAL"}), frozenset({"LABOUR", "SERVITUDE", "CHILD_LABOUR"}))
# Languages beyond Spanish by region (DOMAIN.md section 12), offered by some services there.
LOCAL_LANGUAGES = {"08": "que", "03": "que", "05": "que", "21": "aym", "16": "shp", "25": "shp", "12": "cni", "01": "agr", "17": "que"}


def _weighted(rng, table):
    return rng.choices([row[0] for row in table], weights=[row[-1] for row in table])[0]


def _regions(rng):
    """(regions served, national): 5% national, 15% two regions, the rest one."""
    if rng.random() < 0.05:
        return frozenset(), True
    home = _weighted(rng, REGIONS)
    if rng.random() < 0.15:
        return frozenset({home, _weighted(rng, REGIONS)}), False
    return frozenset({home}), False


def _languages(rng, regions):
    languages = {"spa"}
    for region in regions:
        if region in LOCAL_LANGUAGES and rng.random() < 0.4:
            languages.add(LOCAL_LANGUAGES[region])
    if rng.random() < 0.05:
        languages.add(rng.choice(("eng", "por")))
    return frozenset(languages)


def _capacity(rng, residential):
    """(capacity, places in use): residential services have places (about one in five full), others mostly no limit."""
    if not residential and rng.random() < 0.8:
        return None, 0
    capacity = rng.randint(5, 60)
    in_use = capacity if rng.random() < 0.2 else rng.randint(0, capacity - 1)
    return capacity, in_use


# --- Reusable: the synthetic catalogue ----------------------------------------------------------------
def candidate_services(count, *, seed=SEED):
    """`count` catalogue services (ids 1..count) as referrals.routing.Service values, from a seeded generator so
    that runs compare. Reused by any figure that needs the same catalogue (e.g. inserted into the database)."""
    rng = random.Random(seed)
    type_table = [(code, weight) for code, weight, _ in TYPES]
    residential_types = {code for code, _, residential in TYPES if residential}
    services = []
    for service_id in range(1, count + 1):
        service_type = _weighted(rng, type_table)
        residential = service_type in residential_types
        regions, national = _regions(rng)
        min_age, max_age = _weighted(rng, [(limits[:2], limits[2]) for limits in AGE_LIMITS])
        capacity, in_use = _capacity(rng, residential)
        services.append(
            Service(
                id=service_id,
                type=service_type,
                region_codes=regions,
                national=national,
                min_age=min_age,
                max_age=max_age,
                genders=SHELTER_GENDERS.get(service_type, frozenset()),
                exploitation_types=rng.choice(EXPLOITATION_FOCUS) if rng.random() < 0.2 else frozenset(),
                languages=_languages(rng, regions),
                residential=residential,
                capacity=capacity,
                places_in_use=in_use,
                accepts_undocumented=rng.random() < 0.7,
                accessible=rng.random() < 0.4,
                specialised=rng.random() < 0.3,
                active=rng.random() < 0.95,
            )
        )
    return services


# ------------------------------------------------------------------------------------------------------


def median_ms(fn, repeats=REPEATS):
    fn()  # warm-up, untimed
    return statistics.median(seconds(fn) for _ in range(repeats)) * 1000


def store(services):
    """The synthetic catalogue as database rows, one provider per 20 services."""
    catalogue.Service.objects.all().delete()
    catalogue.Provider.objects.all().delete()
    providers = catalogue.Provider.objects.bulk_create(
        catalogue.Provider(name=f"Provider {n}", sector="SOCIAL_PROTECTION", region="15") for n in range(len(services) // 20 + 1)
    )
    catalogue.Service.objects.bulk_create(
        (
            catalogue.Service(
                provider=providers[service.id // 20],
                name=f"Service {service.id}",
                type=service.type,
                sector="SOCIAL_PROTECTION",
                regions=sorted(service.region_codes),
                national=service.national,
                min_age=service.min_age,
                max_age=service.max_age,
                genders=sorted(service.genders),
                exploitation_types=sorted(service.exploitation_types),
                languages=sorted(service.languages),
                residential=service.residential,
                capacity=service.capacity,
                places_in_use=service.places_in_use,
                accepts_undocumented=service.accepts_undocumented,
                accessible=service.accessible,
                specialised=service.specialised,
                active=service.active,
            )
            for service in services
        ),
        batch_size=1000,
    )


def end_to_end():
    """What the services screen does after reading the case: load the candidates, convert them, route."""
    rows = referral_services.candidate_services(NEEDS)
    return route(GIRL, NEEDS, [referral_services.as_routing_service(row) for row in rows])


def run():
    figures, engine_ms, e2e_ms, e2e_queries = {"repeats": REPEATS, "needs": len(NEEDS)}, {}, {}, {}
    for count in CATALOGUE_SIZES:
        services = candidate_services(count)
        result = route(GIRL, NEEDS, services)
        engine_ms[count] = median_ms(lambda services=services: route(GIRL, NEEDS, services))
        figures[f"engine_{count}_ms"] = round(engine_ms[count], 3)
        figures[f"offers_{count}"] = sum(len(need.offers) for need in result.needs)
        figures[f"near_misses_{count}"] = sum(len(need.near_misses) for need in result.needs)
        figures[f"gaps_{count}"] = sum(need.is_gap for need in result.needs)
        store(services)
        with CaptureQueriesContext(connection) as queries:
            end_to_end()
        e2e_queries[count] = len(queries)
        e2e_ms[count] = median_ms(end_to_end)
        figures[f"end_to_end_{count}_ms"] = round(e2e_ms[count], 3)
        figures[f"end_to_end_{count}_queries"] = e2e_queries[count]
    goals = {
        "engine_10000_ms": goal(engine_ms[10_000], "<= 20"),
        "end_to_end_10000_queries": goal(e2e_queries[10_000], "<= 1"),
    }
    return {"figures": figures, "goals": goals}

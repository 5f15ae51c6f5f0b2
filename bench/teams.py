"""The team solver (casework/teams.py) on realistic staff pools, and against a brute force.

Fictional staff from a seeded generator, in five regions (Lima, Cusco, Puno, Loreto and Madre de
Dios "17"): mostly women; many social workers and psychologists, fewer lawyers, few medics and
nurses, some police, prosecutors, educators and interpreters, a few with two disciplines, each in a
sector that fits the discipline; Quechua spoken mostly in Cusco and Puno (Aymara in Puno); most
trained on trafficking in the last two years, some long ago, some never; a quarter child-specialised;
caseloads from 0 up to and including the cap (so some are full); a few inactive.

The case: a minor girl in Madre de Dios who prefers a woman lead, speaks Quechua and has a health
need, under the default policy. Timed: assemble_team on pools of 100, 1,000 and 10,000 staff, the
median of REPEATS runs in milliseconds after one untimed run. The solver needs no database; the topic
runs in the harness's throwaway database all the same.

Reference: a brute force over every subset of 3 to 6 staff and every lead, judged by check_team, on a
pool of 20 staff of Madre de Dios (at 100 it would be C(100, 6), about 1.2e9 subsets). It stops at the
first size that has a valid team and keeps the one with the lowest total caseload, then the smallest
ids, as the solver does. It must find the solver's team (else the timings would mean nothing); its time
is reported beside the solver's on the same pool.
"""

import random
import statistics
from datetime import date, timedelta
from itertools import combinations

from bench.common import goal, seconds
from casework.teams import Candidate, CaseProfile, Infeasible, Policy, Proposal, assemble_team, check_team

SEED = 20260415
TODAY = date(2026, 4, 15)
POOL_SIZES = (100, 1_000, 10_000)
BRUTE_FORCE_POOL = 20
REPEATS = 7
MADRE_DE_DIOS = "17"

GIRL = CaseProfile(region=MADRE_DE_DIOS, minor=True, lead_gender="WOMAN", language="que", health_need=True, today=TODAY)
POLICY = Policy()

# (code, weight): Lima, Cusco, Puno, Loreto, Madre de Dios.
REGIONS = (("15", 40), ("08", 15), ("21", 15), ("16", 15), (MADRE_DE_DIOS, 15))
GENDERS = (("WOMAN", 60), ("MAN", 34), ("TRANS_WOMAN", 1), ("TRANS_MAN", 1), ("NON_BINARY", 2), ("NOT_STATED", 2))
# A discipline, how common it is, and the sectors its people work in.
DISCIPLINES = (
    ("SOCIAL_WORK", 27, ("SOCIAL_PROTECTION", "LOCAL_GOVERNMENT", "CIVIL_SOCIETY")),
    ("PSYCHOLOGY", 24, ("HEALTH", "SOCIAL_PROTECTION", "CIVIL_SOCIETY")),
    ("LAW", 11, ("JUSTICE", "OMBUDSMAN", "CIVIL_SOCIETY")),
    ("CASE_MANAGEMENT", 8, ("SOCIAL_PROTECTION", "INTERNATIONAL", "CIVIL_SOCIETY")),
    ("EDUCATION", 6, ("EDUCATION",)),
    ("POLICE", 6, ("POLICE",)),
    ("NURSING", 4, ("HEALTH",)),
    ("MEDICINE", 3, ("HEALTH",)),
    ("PROSECUTION", 3, ("JUSTICE",)),
    ("VOCATIONAL_GUIDANCE", 3, ("LABOUR", "EDUCATION")),
    ("INTERPRETER", 2, ("JUSTICE", "CIVIL_SOCIETY")),
    ("PSYCHIATRY", 1, ("HEALTH",)),
    ("FORENSICS", 2, ("JUSTICE",)),
)
# Who speaks what, beyond Spanish: (language, share of the region's staff).
LANGUAGES = {
    "15": (("que", 0.05), ("eng", 0.08)),
    "08": (("que", 0.5), ("eng", 0.05)),
    "21": (("que", 0.4), ("aym", 0.2)),
    "16": (("shp", 0.03), ("agr", 0.02), ("por", 0.03)),
    MADRE_DE_DIOS: (("que", 0.15), ("por", 0.05)),
}
CAPS = (15, 20, 25, 30)


def _weighted(rng, table):
    return rng.choices([row[0] for row in table], weights=[row[1] for row in table])[0]


def _trained_on(rng):
    """70% in the last two years, 20% two to five years ago, 10% never."""
    draw = rng.random()
    if draw < 0.1:
        return None
    days = rng.randrange(0, 730) if draw < 0.8 else rng.randrange(731, 1826)
    return TODAY - timedelta(days=days)


def fictional_staff(count, *, seed=SEED, region=None):
    """`count` staff profiles (ids 1..count), from a seeded generator so that runs compare."""
    rng = random.Random(seed)
    sector_of = {code: sectors for code, _, sectors in DISCIPLINES}
    staff = []
    for staff_id in range(1, count + 1):
        where = region or _weighted(rng, REGIONS)
        disciplines = {_weighted(rng, DISCIPLINES)}
        if rng.random() < 0.12:
            disciplines.add(_weighted(rng, DISCIPLINES))
        cap = rng.choice(CAPS)
        staff.append(
            Candidate(
                id=staff_id,
                gender=_weighted(rng, GENDERS),
                disciplines=frozenset(disciplines),
                sector=rng.choice(sector_of[min(disciplines)]),
                region=where,
                languages=frozenset({"spa"} | {code for code, share in LANGUAGES[where] if rng.random() < share}),
                trained_on=_trained_on(rng),
                child_specialised=rng.random() < 0.25,
                caseload=rng.randint(0, cap),
                cap=cap,
                active=rng.random() < 0.95,
            )
        )
    return staff


def brute_force(profile, policy, staff):
    """The solver's objective by exhaustion: the first size with a valid team, least loaded, then smallest ids."""
    for size in range(policy.min_members, policy.max_members + 1):
        valid = [team for team in combinations(staff, size) if any(check_team(profile, policy, team, lead.id) == () for lead in team)]
        if valid:
            return min(valid, key=lambda team: (sum(member.caseload for member in team), sorted(member.id for member in team)))
    return None


def median_ms(fn, repeats=REPEATS):
    fn()  # warm-up, untimed
    return statistics.median(seconds(fn) for _ in range(repeats)) * 1000


def team_size(result):
    return len(result.members) if isinstance(result, Proposal) else 0


def run():
    figures, solve_ms = {"repeats": REPEATS}, {}
    for count in POOL_SIZES:
        staff = fictional_staff(count)
        result = assemble_team(GIRL, POLICY, staff)
        solve_ms[count] = median_ms(lambda staff=staff: assemble_team(GIRL, POLICY, staff))
        figures[f"solve_{count}_ms"] = round(solve_ms[count], 3)
        figures[f"team_size_{count}"] = team_size(result)  # 0: no valid team in this pool
        figures[f"unmet_{count}"] = len(result.unmet) if isinstance(result, Infeasible) else 0
    figures |= compare_with_brute_force()
    return {"figures": figures, "goals": {"solve_10000_ms": goal(solve_ms[10_000], "<= 50")}}


def compare_with_brute_force():
    staff = fictional_staff(BRUTE_FORCE_POOL, seed=SEED + 1, region=MADRE_DE_DIOS)
    proposal = assemble_team(GIRL, POLICY, staff)
    best = brute_force(GIRL, POLICY, staff)
    found = sorted(member.id for member in proposal.members) if isinstance(proposal, Proposal) else None
    if found != (None if best is None else sorted(member.id for member in best)):
        raise AssertionError(f"the solver proposed {found}, the brute force found {best}")
    brute_ms = seconds(lambda: brute_force(GIRL, POLICY, staff)) * 1000  # hundreds of milliseconds: once is enough
    solve_ms = median_ms(lambda: assemble_team(GIRL, POLICY, staff))
    return {
        f"team_size_{BRUTE_FORCE_POOL}": team_size(proposal),
        f"solve_{BRUTE_FORCE_POOL}_ms": round(solve_ms, 3),
        f"brute_force_{BRUTE_FORCE_POOL}_ms": round(brute_ms, 1),
        f"brute_force_vs_solve_{BRUTE_FORCE_POOL}": round(brute_ms / solve_ms, 1),
    }

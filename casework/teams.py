"""The team for a case, proposed by an exact solver of the team policy (DOMAIN.md sections 2, 6, 7). Pure: no Django.

`assemble_team` takes the case profile, the policy and the candidate staff (plain values, with their
current caseloads) and returns the best valid team with a named lead, or every rule that cannot be met
and what was missing. `check_team` says which rules a given team breaks (the screen re-checks live after
the user swaps someone); `eligible` is the per-person part.

Rules. The per-person rules (SPECIALISED, REGION, CAPACITY) filter the candidates. The team rules are all
"someone on the team ..." or "at least n sectors" rules, so adding a member never breaks one: only SIZE
caps a team. The lead's gender preference is met by choosing the lead among the members of that gender
group, so for the search it is one more "someone is a woman".

Objective, in this order: fewest members (at least policy.min_members: when fewer people meet the rules,
the least loaded others pad the team), lowest total caseload (the sum of the members' open cases: whole
numbers, so ties are exact, and one case weighs the same whoever's cap it counts against), then the
smallest sorted ids. The lead is the least-loaded member of the preferred gender group (or of the team),
tie smallest id. The result depends on the set of candidates, never on their order.

Algorithm.
1. Needs as bits. What the case needs becomes a bit mask (WOMAN, MAN, each required discipline, a health
   discipline, the language or an interpreter, child-specialised); each eligible person gets the mask of
   the bits they provide. People with the same mask and sector (the sector only when two or more sectors
   are required) are of one kind: interchangeable for every rule. A best team takes the least-loaded of a
   kind first (tie: smallest id), or swapping would improve it, and never more than max_members of one
   kind, so only those are kept.
2. For size k from the least possible upward to max_members, branch and bound finds the best valid team
   of exactly k members; the first k that has one wins.
3. Branching. At a node (the members chosen so far) take the uncovered bit that the fewest kinds provide
   (or, once every bit is covered but sectors are missing, "someone from a new sector"). Every valid team
   containing the chosen members has someone providing it; branch i adds the least-loaded person of the
   i-th kind that does and excludes kinds 1..i-1 below it. The branches partition the teams: none is
   missed, none is visited twice.
4. Bounds. (a) Coverage: the fewest people who provide the uncovered bits (an exact set cover over the
   kinds' masks, memoised per uncovered set) and the sectors still missing must fit in the free slots.
   (b) Cost: the chosen members plus the least-loaded others is a lower bound, in (caseload, sorted ids)
   order, of every team below the node. If that completion is itself valid it is the best team below the
   node: keep it and go no deeper. If it is no better than the best team found, prune.
Why exact: follow the best team T down the tree. At each node T contains the chosen members; it provides
the branching bit through some kind that is not excluded, and the first such branch adds that kind's
least-loaded person, who is in T (step 1). Once the chosen members meet every rule, the bound's completion
is valid and no worse than T. Pruned nodes provably hold nothing better. The tests compare the solver
with a brute force over every subset.

When no team exists, each rule that no eligible person can meet is reported with what was missing
(where, how recently trained, and how many people who have it were excluded by which per-person rule).
Rules that each can be met but not together within max_members are reported as SIZE with the size a team
would need and the kinds of person (e.g. a woman psychologist) whose presence would make it possible.
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from functools import cached_property
from itertools import combinations
from typing import NamedTuple

WOMEN = frozenset({"WOMAN", "TRANS_WOMAN"})
MEN = frozenset({"MAN", "TRANS_MAN"})
GENDER_GROUPS = {"WOMAN": WOMEN, "MAN": MEN}
INTERPRETER = "INTERPRETER"
SPANISH = "spa"
CHILD = "CHILD"

# A hypothetical person offered as a hint belongs to a sector nobody has (see _Explainer._hints).
_NEW_SECTOR = "\x00new"
_IMPOSSIBLE = 1 << 30  # the number of people needed to provide what nobody provides
_HINT_MAX_NEEDS = 3  # a hint combines at most this many needs in one person ("a woman psychologist")


class Rule(StrEnum):
    """The rules of DOMAIN.md section 7, one code each (this order is the order of every report)."""

    SIZE = "SIZE"
    MIXED_GENDER = "MIXED_GENDER"
    DISCIPLINES = "DISCIPLINES"
    HEALTH = "HEALTH"
    SECTORS = "SECTORS"
    SPECIALISED = "SPECIALISED"
    LEAD_GENDER = "LEAD_GENDER"
    LANGUAGE = "LANGUAGE"
    CHILD_SPECIALISED = "CHILD_SPECIALISED"
    REGION = "REGION"
    CAPACITY = "CAPACITY"


_RULE_ORDER = {rule: position for position, rule in enumerate(Rule)}


@dataclass(frozen=True)
class Candidate:
    id: int
    gender: str
    disciplines: frozenset[str]
    sector: str
    region: str  # INEI code, e.g. "17"
    languages: frozenset[str]  # ISO 639-3
    trained_on: date | None
    child_specialised: bool
    caseload: int  # open cases before this one
    cap: int
    active: bool = True


@dataclass(frozen=True)
class CaseProfile:
    region: str
    minor: bool  # routing band child/adolescent, or presumed minor
    lead_gender: str  # "WOMAN", "MAN", "NO_PREFERENCE", "NOT_ASKED" (or "")
    language: str  # preferred language code, "" when none
    health_need: bool
    today: date


@dataclass(frozen=True)
class Policy:
    min_members: int = 3
    max_members: int = 6
    mixed_gender: bool = True
    required_disciplines: frozenset[str] = frozenset({"PSYCHOLOGY", "SOCIAL_WORK", "LAW"})
    health_disciplines: frozenset[str] = frozenset({"MEDICINE", "NURSING"})
    min_sectors: int = 2
    training_months: int = 24
    lead_gender_honoured: bool = True
    language_covered: bool = True
    child_specialist_for_minors: bool = True
    allow_remote: bool = False


@dataclass(frozen=True)
class Member:
    id: int
    rules: tuple[Rule, ...]  # the rules this member helps satisfy, in Rule order
    covers: tuple[str, ...]  # what exactly, in the same order: "WOMAN", discipline, sector, language, "CHILD"


@dataclass(frozen=True)
class Proposal:
    members: tuple[Member, ...]  # lead first, then by id
    lead: int


@dataclass(frozen=True)
class Unmet:
    rule: Rule
    missing: dict  # plain JSON-able data saying what was missing


@dataclass(frozen=True)
class Infeasible:
    unmet: tuple[Unmet, ...]  # in Rule order


# --- Per-person rules --------------------------------------------------------------------------------


def months_before(day, months):
    """The same day `months` calendar months earlier, clamped to the end of a shorter month (31 May - 3 = 28 Feb)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def gender_group(gender):
    """ "WOMAN", "MAN" or "" (non-binary, not stated): the groups the team rules count (DOMAIN.md section 2)."""
    for group, genders in GENDER_GROUPS.items():
        if gender in genders:
            return group
    return ""


def _trained(candidate, since, today):
    # A training dated after today is planned, not done.
    return candidate.trained_on is not None and since <= candidate.trained_on <= today


def _in_region(profile, policy, candidate):
    return policy.allow_remote or candidate.region == profile.region


def _has_room(candidate):
    return candidate.active and candidate.caseload < candidate.cap


def person_faults(profile, policy, candidate):
    """The per-person rules the candidate breaks, in Rule order; empty when eligible."""
    since = months_before(profile.today, policy.training_months)
    checks = (
        (Rule.SPECIALISED, _trained(candidate, since, profile.today)),
        (Rule.REGION, _in_region(profile, policy, candidate)),
        (Rule.CAPACITY, _has_room(candidate)),
    )
    return tuple(rule for rule, met in checks if not met)


def eligible(profile, policy, candidate):
    """Whether the candidate meets the per-person rules: active, under the cap, trained recently, in the region."""
    return not person_faults(profile, policy, candidate)


def _eligibility(profile, policy):
    """`eligible` with the dates worked out once and the checks inlined, for pools of thousands."""
    since, today = months_before(profile.today, policy.training_months), profile.today
    region, anywhere = profile.region, policy.allow_remote

    def check(candidate):
        # The region first: it rules out most of a national pool.
        return (
            (anywhere or candidate.region == region)
            and candidate.active
            and candidate.caseload < candidate.cap
            and candidate.trained_on is not None
            and since <= candidate.trained_on <= today
        )

    return check


# --- What the case needs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Needs:
    """What the team rules ask for this case; an empty value means the rule does not apply."""

    genders: frozenset[str]  # MIXED_GENDER: the gender groups that must be on the team
    lead_group: str  # LEAD_GENDER: "WOMAN", "MAN" or ""
    disciplines: tuple[str, ...]  # DISCIPLINES, sorted
    health: frozenset[str]  # HEALTH: someone with one of these
    language: str  # LANGUAGE: someone who speaks it, or an interpreter
    child: bool  # CHILD_SPECIALISED
    min_members: int
    max_members: int
    min_sectors: int

    @classmethod
    def of(cls, profile, policy):
        return cls(
            genders=frozenset(GENDER_GROUPS) if policy.mixed_gender else frozenset(),
            lead_group=_lead_group(profile, policy),
            disciplines=tuple(sorted(policy.required_disciplines)),
            health=policy.health_disciplines if profile.health_need else frozenset(),
            language=_language(profile, policy),
            child=profile.minor and policy.child_specialist_for_minors,
            min_members=policy.min_members,
            max_members=policy.max_members,
            min_sectors=policy.min_sectors,
        )

    def size_floor(self):
        # A lead must be named, so even a policy asking for nothing needs one member.
        return max(self.min_members, 1)


def _lead_group(profile, policy):
    honoured = policy.lead_gender_honoured and profile.lead_gender in GENDER_GROUPS
    return profile.lead_gender if honoured else ""


def _language(profile, policy):
    # Spanish is official everywhere: every member is heard in it.
    needed = policy.language_covered and profile.language and profile.language != SPANISH
    return profile.language if needed else ""


def _speaks_or_interprets(candidate, language):
    return language in candidate.languages or INTERPRETER in candidate.disciplines


class _Bits:
    """The needs as bits: `required` is their union, `mask(candidate)` the bits a person provides."""

    def __init__(self, needs):
        self.labels = []  # per bit, what it stands for, for the hints (see _describe)
        self.woman = self._bit({"gender": "WOMAN"}) if "WOMAN" in needs.genders or needs.lead_group == "WOMAN" else 0
        self.man = self._bit({"gender": "MAN"}) if "MAN" in needs.genders or needs.lead_group == "MAN" else 0
        self.by_discipline = {}
        for discipline in needs.disciplines:
            self._add_discipline(discipline, self._bit({"disciplines": [discipline]}))
        if needs.health:
            health = self._bit({"health": sorted(needs.health)})
            for discipline in needs.health:
                self._add_discipline(discipline, health)
        self.language = needs.language
        self.language_bit = self._bit({"language": needs.language}) if needs.language else 0
        self._add_discipline(INTERPRETER, self.language_bit)
        self.child = self._bit({"specialisation": CHILD}) if needs.child else 0
        self.required = (1 << len(self.labels)) - 1

    def _bit(self, label):
        self.labels.append(label)
        return 1 << (len(self.labels) - 1)

    def _add_discipline(self, discipline, bit):
        # One discipline may serve two needs (MEDICINE required and a health need).
        self.by_discipline[discipline] = self.by_discipline.get(discipline, 0) | bit

    def mask(self, candidate):
        mask = 0
        if candidate.gender in WOMEN:
            mask |= self.woman
        elif candidate.gender in MEN:
            mask |= self.man
        for discipline in candidate.disciplines:
            mask |= self.by_discipline.get(discipline, 0)
        if self.language_bit and self.language in candidate.languages:
            mask |= self.language_bit
        if candidate.child_specialised:
            mask |= self.child
        return mask

    def woman_and_man(self, mask):
        return bool(mask & self.woman and mask & self.man)


# --- The search ---------------------------------------------------------------------------------------


class _Person(NamedTuple):
    """An eligible person as the search sees them; tuples sort least loaded first, then by id."""

    load: int
    id: int
    mask: int
    sector: str


def _bits_of(mask):
    while mask:
        lowest = mask & -mask
        yield lowest
        mask ^= lowest


def _maximal(masks):
    """The masks no other mask contains: the only ones worth trying in a set cover."""
    return [mask for mask in masks if not any(other != mask and other & mask == mask for other in masks)]


class _Pool:
    """The eligible people reduced to what the search needs (module docstring, steps 1 and 4a)."""

    def __init__(self, persons, required, min_sectors, keep):
        self.required, self.min_sectors = required, min_sectors
        kinds = {}
        for person in sorted(persons):
            kinds.setdefault((person.mask, person.sector), []).append(person)
        self.kept = sorted(person for kind in kinds.values() for person in kind[:keep])
        self.leaders = sorted(kind[0] for kind in kinds.values())  # the least-loaded person of each kind
        self.providers = {bit: [p for p in self.leaders if p.mask & bit] for bit in _bits_of(required)}
        maximal = _maximal({p.mask & required for p in self.leaders})
        self.masks_providing = {bit: [mask for mask in maximal if mask & bit] for bit in _bits_of(required)}
        self._need = {0: 0}

    def need(self, uncovered):
        """The fewest people who together provide every bit of `uncovered` (exact, memoised)."""
        known = self._need.get(uncovered)
        if known is None:
            lowest = uncovered & -uncovered  # whoever covers the rest, someone provides this bit
            known = min((1 + self.need(uncovered & ~mask) for mask in self.masks_providing[lowest]), default=_IMPOSSIBLE)
            self._need[uncovered] = known
        return known

    def smallest_size(self):
        return max(self.need(self.required), self.min_sectors)

    def least_loaded_others(self, chosen_ids, count):
        """The `count` least-loaded kept people outside chosen_ids (sorted), or None if there are too few."""
        others = []
        if count == 0:
            return others
        for person in self.kept:
            if person.id not in chosen_ids:
                others.append(person)
                if len(others) == count:
                    return others
        return None

    def is_valid(self, team):
        covered = 0
        for person in team:
            covered |= person.mask
        return covered & self.required == self.required and len({person.sector for person in team}) >= self.min_sectors

    def rarest(self, uncovered):
        """The uncovered bit the fewest kinds provide: the narrowest branching."""
        return min(_bits_of(uncovered), key=lambda bit: (len(self.providers[bit]), bit))

    def best_team(self, sizes):
        """The best valid team whose size is the first of `sizes` that allows one, or None."""
        for size in sizes:
            team = _Search(self, size).run()
            if team is not None:
                return team
        return None


class _Search:
    """Branch and bound for the best valid team of exactly `size` people (module docstring, steps 3 and 4)."""

    def __init__(self, pool, size):
        self.pool, self.size = pool, size
        self.best = None  # (caseload, sorted ids, team)
        self.excluded = set()  # leaders of the kinds that earlier sibling branches took care of

    def run(self):
        self._visit((), 0, frozenset(), 0)
        return None if self.best is None else self.best[2]

    def _visit(self, chosen, covered, sectors, load):
        pool, slots = self.pool, self.size - len(chosen)
        uncovered = pool.required & ~covered
        if pool.need(uncovered) > slots or pool.min_sectors - len(sectors) > slots:
            return
        chosen_ids = {person.id for person in chosen}
        others = pool.least_loaded_others(chosen_ids, slots)
        if others is None:
            return
        bound = load + sum(person.load for person in others)
        completion = chosen + tuple(others)
        if not self._improves(bound, completion):
            return
        if pool.is_valid(completion):
            self.best = (bound, sorted(person.id for person in completion), completion)
            return
        # Not valid: something is uncovered or a sector is missing, and slots >= 1 (else the bounds returned).
        taken = []
        for person in self._options(uncovered, sectors):
            if self.best is not None and self._child_bound(bound, others, person) > self.best[0]:
                break  # options come least loaded first, and this bound only grows along them
            self._visit((*chosen, person), covered | person.mask, sectors | {person.sector}, load + person.load)
            self.excluded.add(person.id)
            taken.append(person.id)
        self.excluded.difference_update(taken)

    def _improves(self, bound, completion):
        if self.best is None or bound < self.best[0]:
            return True
        return bound == self.best[0] and sorted(person.id for person in completion) < self.best[1]

    def _options(self, uncovered, sectors):
        if uncovered:
            options = self.pool.providers[self.pool.rarest(uncovered)]
        else:
            options = [person for person in self.pool.leaders if person.sector not in sectors]
        return [person for person in options if person.id not in self.excluded]

    @staticmethod
    def _child_bound(bound, others, person):
        # Taking one of the least-loaded others costs nothing extra; anyone else replaces the most loaded of them.
        if any(other.id == person.id for other in others):
            return bound
        return bound - others[-1].load + person.load


# --- Entry points -------------------------------------------------------------------------------------


def assemble_team(profile: CaseProfile, policy: Policy, candidates: Iterable[Candidate]) -> Proposal | Infeasible:
    """The best team for the case (module docstring), or every rule that cannot be met and what was missing."""
    candidates = _distinct(candidates)
    needs = _Needs.of(profile, policy)
    is_eligible = _eligibility(profile, policy)
    people = [candidate for candidate in candidates if is_eligible(candidate)]
    team = _best_team(needs, people, needs.max_members)
    if team is not None:
        return _proposal(needs, team)
    return Infeasible(_explain(profile, policy, needs, candidates, people))


def check_team(profile: CaseProfile, policy: Policy, members: Sequence[Candidate], lead: int | None) -> tuple[Unmet, ...]:
    """The rules a given team breaks (e.g. after the user swapped members), in Rule order; empty when valid.

    Written rule by rule from the policy, independently of the solver's bits, so that tests can use it as
    the judge. Team rules count every member, even one who breaks a per-person rule (that is reported too).
    """
    members = _distinct(members)
    by_id = {member.id: member for member in members}
    needs = _Needs.of(profile, policy)
    unmet = [
        *_size_faults(needs, len(members), lead, by_id),
        *_gender_faults(needs, members),
        *_discipline_faults(needs, members),
        *_health_faults(needs, members),
        *_sector_faults(needs, members),
        *_lead_faults(needs, by_id.get(lead)),
        *_language_faults(needs, members),
        *_child_faults(needs, members),
        *_person_faults(profile, policy, members),
    ]
    return tuple(sorted(unmet, key=lambda item: _RULE_ORDER[item.rule]))


def _distinct(candidates):
    candidates = tuple(candidates)
    if len({candidate.id for candidate in candidates}) != len(candidates):
        raise ValueError("candidate ids must be unique")
    return candidates


def _best_team(needs, people, max_members):
    """The best valid team of at most max_members among `people` (Candidates), or None."""
    bits = _Bits(needs)
    team = _search_sizes(needs, bits, _persons(needs, bits, people), max_members)
    if team is None:
        return None
    by_id = {candidate.id: candidate for candidate in people}
    return [by_id[person.id] for person in team]


def _persons(needs, bits, people):
    by_sector = needs.min_sectors > 1  # else the sector never matters and kinds merge across sectors
    return [_Person(c.caseload, c.id, bits.mask(c), c.sector if by_sector else "") for c in people]


def _search_sizes(needs, bits, persons, max_members):
    pool = _Pool(persons, bits.required, needs.min_sectors, keep=max_members)
    return pool.best_team(range(max(needs.size_floor(), pool.smallest_size()), max_members + 1))


# --- The proposal -------------------------------------------------------------------------------------


def _choose_lead(needs, team):
    preferred = [member for member in team if gender_group(member.gender) == needs.lead_group] if needs.lead_group else team
    return min(preferred, key=lambda member: (member.caseload, member.id))


def _proposal(needs, team):
    lead = _choose_lead(needs, team)
    return Proposal(members=_members(needs, team, lead), lead=lead.id)


def explain(profile: CaseProfile, policy: Policy, members: Sequence[Candidate], lead: int) -> tuple[Member, ...]:
    """What each member of a chosen team (say, after the user swapped someone) brings, as a proposal says it."""
    members = _distinct(members)
    by_id = {member.id: member for member in members}
    return _members(_Needs.of(profile, policy), members, by_id[lead])


def _members(needs, team, lead):
    """Lead first, then by id, each with the (rule, code) contributions that explain their place."""
    ordered = [lead, *sorted((member for member in team if member is not lead), key=lambda member: member.id)]
    contributions = {candidate.id: _contributions(needs, candidate, is_lead=candidate is lead) for candidate in ordered}
    for candidate in _sector_bringers(needs, ordered, contributions):
        contributions[candidate.id].append((Rule.SECTORS, candidate.sector))
    return tuple(_member(candidate.id, contributions[candidate.id]) for candidate in ordered)


def _contributions(needs, candidate, *, is_lead):
    """(rule, code) for each need of the case this person provides, sectors aside."""
    group = gender_group(candidate.gender)
    contributions = [(Rule.MIXED_GENDER, group)] if group in needs.genders else []
    contributions += [(Rule.DISCIPLINES, discipline) for discipline in needs.disciplines if discipline in candidate.disciplines]
    contributions += [(Rule.HEALTH, discipline) for discipline in sorted(needs.health & candidate.disciplines)]
    if is_lead and needs.lead_group:
        contributions.append((Rule.LEAD_GENDER, needs.lead_group))
    if needs.language and _speaks_or_interprets(candidate, needs.language):
        contributions.append((Rule.LANGUAGE, needs.language if needs.language in candidate.languages else INTERPRETER))
    if needs.child and candidate.child_specialised:
        contributions.append((Rule.CHILD_SPECIALISED, CHILD))
    return contributions


def _sector_bringers(needs, ordered, contributions):
    """Who is credited with the min_sectors sectors: one member per sector, preferring those on the team for
    something else, so that someone credited with a sector alone is there for it."""
    if needs.min_sectors < 2:
        return []
    seen, bringers = set(), []
    for candidate in sorted(ordered, key=lambda candidate: not contributions[candidate.id]):  # stable: lead first, then ids
        if candidate.sector not in seen and len(seen) < needs.min_sectors:
            seen.add(candidate.sector)
            bringers.append(candidate)
    return bringers


def _member(id, contributions):
    if not contributions:
        return Member(id=id, rules=(Rule.SIZE,), covers=())  # pads the team to its minimum size
    contributions = sorted(contributions, key=lambda contribution: _RULE_ORDER[contribution[0]])
    return Member(
        id=id,
        rules=tuple(dict.fromkeys(rule for rule, _ in contributions)),
        covers=tuple(dict.fromkeys(code for _, code in contributions)),
    )


# --- check_team, rule by rule -------------------------------------------------------------------------


def _size_faults(needs, count, lead, by_id):
    if count < needs.min_members:
        yield Unmet(Rule.SIZE, {"min_members": needs.min_members, "members": count})
    if count > needs.max_members:
        yield Unmet(Rule.SIZE, {"max_members": needs.max_members, "members": count})
    if lead not in by_id:
        yield Unmet(Rule.SIZE, {"lead": lead})  # DOMAIN.md: "at least 3 members; a named lead" (one of them)


def _gender_faults(needs, members):
    present = {gender_group(member.gender) for member in members}
    for group in sorted(needs.genders - present, reverse=True):  # WOMAN, then MAN
        yield Unmet(Rule.MIXED_GENDER, {"gender": group})


def _discipline_faults(needs, members):
    present = frozenset().union(*(member.disciplines for member in members))
    for discipline in needs.disciplines:
        if discipline not in present:
            yield Unmet(Rule.DISCIPLINES, {"discipline": discipline})


def _health_faults(needs, members):
    if needs.health and not any(needs.health & member.disciplines for member in members):
        yield Unmet(Rule.HEALTH, {"disciplines": sorted(needs.health)})


def _sector_faults(needs, members):
    sectors = len({member.sector for member in members})
    if sectors < needs.min_sectors:
        yield Unmet(Rule.SECTORS, {"min_sectors": needs.min_sectors, "sectors": sectors})


def _lead_faults(needs, lead):
    if needs.lead_group and (lead is None or gender_group(lead.gender) != needs.lead_group):
        yield Unmet(Rule.LEAD_GENDER, {"gender": needs.lead_group})


def _language_faults(needs, members):
    if needs.language and not any(_speaks_or_interprets(member, needs.language) for member in members):
        yield Unmet(Rule.LANGUAGE, {"language": needs.language})


def _child_faults(needs, members):
    if needs.child and not any(member.child_specialised for member in members):
        yield Unmet(Rule.CHILD_SPECIALISED, {"specialisation": CHILD})


def _person_faults(profile, policy, members):
    for member in sorted(members, key=lambda member: member.id):
        for rule in person_faults(profile, policy, member):
            yield Unmet(rule, {"member": member.id})


# --- Explaining an infeasible case --------------------------------------------------------------------


class _Explainer:
    """Builds the Unmet list: each rule nobody eligible can meet, then what fails only in combination."""

    def __init__(self, profile, policy, needs, candidates, people):
        self.profile, self.policy, self.needs = profile, policy, needs
        self.candidates, self.people = candidates, people
        self.where = {"months": policy.training_months} | ({} if policy.allow_remote else {"region": profile.region})
        self.unmet = []
        self.relaxed = needs  # the needs minus those already reported as unmeetable

    @cached_property
    def rejected(self):
        """(candidate, the per-person rules they break) for everyone not eligible; worked out only if needed."""
        eligible_ids = {person.id for person in self.people}
        rejected = (candidate for candidate in self.candidates if candidate.id not in eligible_ids)
        return [(candidate, person_faults(self.profile, self.policy, candidate)) for candidate in rejected]

    def explain(self):
        self._size()
        self._genders()
        self._disciplines()
        self._health()
        self._sectors()
        self._lead()
        self._language()
        self._child()
        if self._can_combine():
            self._combination()
        return tuple(sorted(self.unmet, key=lambda item: _RULE_ORDER[item.rule]))

    def _lacking(self, rule, detail, provides):
        """Reports `rule` unless some eligible person provides it; True when reported."""
        if any(provides(person) for person in self.people):
            return False
        self.unmet.append(Unmet(rule, {**detail, **self.where, **self._excluded(provides)}))
        return True

    def _excluded(self, provides):
        """How many people who would provide it were left out, by the per-person rules they break."""
        counts = dict.fromkeys((Rule.SPECIALISED, Rule.REGION, Rule.CAPACITY), 0)  # in Rule order, whatever the input order
        for candidate, faults in self.rejected:
            if provides(candidate):
                for rule in faults:
                    counts[rule] += 1
        counts = {str(rule): count for rule, count in counts.items() if count}
        return {"excluded": counts} if counts else {}

    def _size(self):
        needs = self.needs
        if needs.min_members > needs.max_members:
            self.unmet.append(Unmet(Rule.SIZE, {"min_members": needs.min_members, "max_members": needs.max_members}))
        elif len(self.people) < needs.size_floor():
            detail = {"min_members": needs.size_floor(), "eligible": len(self.people), **self.where}
            self.unmet.append(Unmet(Rule.SIZE, detail | self._excluded(lambda candidate: True)))
            self.relaxed = replace(self.relaxed, min_members=len(self.people))

    def _genders(self):
        for group in ("WOMAN", "MAN"):
            if group in self.needs.genders and self._lacking(Rule.MIXED_GENDER, {"gender": group}, _in_group(group)):
                self.relaxed = replace(self.relaxed, genders=self.relaxed.genders - {group})

    def _disciplines(self):
        for discipline in self.needs.disciplines:
            if self._lacking(Rule.DISCIPLINES, {"discipline": discipline}, lambda c, d=discipline: d in c.disciplines):
                self.relaxed = replace(self.relaxed, disciplines=tuple(d for d in self.relaxed.disciplines if d != discipline))

    def _health(self):
        health = self.needs.health
        if health and self._lacking(Rule.HEALTH, {"disciplines": sorted(health)}, lambda c: bool(health & c.disciplines)):
            self.relaxed = replace(self.relaxed, health=frozenset())

    def _sectors(self):
        needs, available = self.needs, {person.sector for person in self.people}
        if len(available) < needs.min_sectors:
            detail = {"min_sectors": needs.min_sectors, "sectors": len(available), **self.where}
            self.unmet.append(Unmet(Rule.SECTORS, detail | self._excluded(lambda c: c.sector not in available)))
        if needs.min_sectors > needs.max_members:
            self.unmet.append(Unmet(Rule.SECTORS, {"min_sectors": needs.min_sectors, "max_members": needs.max_members}))
        self.relaxed = replace(self.relaxed, min_sectors=min(needs.min_sectors, len(available), needs.max_members))

    def _lead(self):
        group = self.needs.lead_group
        if group and self._lacking(Rule.LEAD_GENDER, {"gender": group}, _in_group(group)):
            self.relaxed = replace(self.relaxed, lead_group="")

    def _language(self):
        language = self.needs.language
        if language and self._lacking(Rule.LANGUAGE, {"language": language}, lambda c: _speaks_or_interprets(c, language)):
            self.relaxed = replace(self.relaxed, language="")

    def _child(self):
        if self.needs.child and self._lacking(Rule.CHILD_SPECIALISED, {"specialisation": CHILD}, lambda c: c.child_specialised):
            self.relaxed = replace(self.relaxed, child=False)

    def _can_combine(self):
        """Whether the rules left (each meetable alone) still fail together within max_members."""
        needs = self.needs
        if needs.min_members > needs.max_members or not self.people:
            return False
        return _best_team(self.relaxed, self.people, needs.max_members) is None

    def _combination(self):
        # Every rule left is met by the whole eligible pool (they only ask for "someone"), so a big enough team exists.
        needed = _best_team(self.relaxed, self.people, len(self.people))
        detail = {"max_members": self.needs.max_members, "needed": len(needed), "combination": True}
        hints = self._hints()
        if hints:
            detail["combined"] = hints
        self.unmet.append(Unmet(Rule.SIZE, detail | self.where))

    def _hints(self):
        """The kinds of person, combining the fewest needs, one of whom would make a team within max_members possible."""
        bits = _Bits(self.relaxed)
        # The kept people are all a search ever looks at; the newcomer, from a new sector, is a kind of their own.
        persons = _Pool(_persons(self.relaxed, bits, self.people), bits.required, self.relaxed.min_sectors, self.needs.max_members).kept
        spare_id = min(person.id for person in self.people) - 1
        needs = list(_bits_of(bits.required))
        for count in range(1, min(len(needs), _HINT_MAX_NEEDS) + 1):
            found = []
            for combined in combinations(needs, count):
                mask = sum(combined)
                if bits.woman_and_man(mask):
                    continue
                newcomer = _Person(0, spare_id, mask, _NEW_SECTOR if self.relaxed.min_sectors > 1 else "")
                if _search_sizes(self.relaxed, bits, [*persons, newcomer], self.needs.max_members) is not None:
                    found.append(_describe(bits, mask))
            if found:
                return found
        return []


def _in_group(group):
    return lambda candidate: gender_group(candidate.gender) == group


def _describe(bits, mask):
    """A hypothetical person's needs as plain data: {"gender": "WOMAN", "disciplines": ["PSYCHOLOGY"]}."""
    description = {}
    for position, label in enumerate(bits.labels):
        if mask >> position & 1:
            for key, value in label.items():
                description[key] = description.get(key, []) + value if key == "disciplines" else value
    return description


def _explain(profile, policy, needs, candidates, people):
    return _Explainer(profile, policy, needs, candidates, people).explain()

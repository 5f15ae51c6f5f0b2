"""Which catalogue services can take a person, for each of their needs (DOMAIN.md sections 2-5, 11). Pure: no Django.

`route` takes what routing needs to know about the person (`PersonProfile`), their needs (service type codes)
and the catalogue (`Service`, plain values) and returns, need by need, the services that can take them, best
first (`Offer`), and the services of that type that fail exactly one hard rule (`NearMiss`): the evidence of a
gap ("the only men's shelter is in Lima") and what would have to change to close it. `check_service` is the
per-service part, for a screen that re-checks one service.

Hard rules, one code each (`Rule`; this order is the order of every report):
- INACTIVE: the service is not taking anyone.
- AGE_BELOW_MIN / AGE_ABOVE_MAX: the service's age limits must contain the whole interval the person's age may
  lie in (`routing_ages`), so that someone who may be a minor is never sent to an adults-only service, nor
  someone who may be an adult into a children's home. Presumption of minority (DOMAIN.md section 3): an
  estimated age that may be under 18 routes as a minor, so its interval stops at 17. An unknown age fits only
  services without limits (a minimum of 0 is no limit).
- GENDER: the service serves listed gender codes and the person's is not among them. Codes are compared as they
  are: a women's shelter that takes trans women lists TRANS_WOMAN, so each provider's own rule is what counts.
- EXPLOITATION: the service serves listed forms of exploitation and none is the person's. A person whose forms
  are not yet known fits every service (better a possible place than none).
- REGION: the service serves neither the person's region nor a neighbouring department, and is not national.
- CAPACITY: every place is in use. DOCUMENTS: the person holds no identity document and the service requires one.
  ACCESSIBILITY: the person has a disability and the service is not accessible.

Ranking of the eligible services, a total order so that the result never depends on the catalogue's order:
nearest first (same region, then a neighbouring department, then national), then a service that speaks one of
the person's languages, then one specialised in trafficking, then the most places left (no limit counts as
most), then the smallest id.

Cost: one pass over the catalogue keeps the services of the types needed; each is then checked once, in constant
time (set look-ups, the person's values worked out beforehand), its faults kept as bits. 8 needs against 10,000
services take about 12 ms, most of it building the thousands of near misses (bench/routing.py; goal 20 ms).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter

ADULT_AGE = 18
OLDEST_MINOR = ADULT_AGE - 1


class Proximity(StrEnum):
    """How near the service is to the person's region, nearest first."""

    SAME_REGION = "SAME_REGION"
    NEIGHBOUR = "NEIGHBOUR"
    NATIONAL = "NATIONAL"


class Rule(StrEnum):
    """The hard rules a service can fail (this order is the order of every report)."""

    INACTIVE = "INACTIVE"
    AGE_BELOW_MIN = "AGE_BELOW_MIN"
    AGE_ABOVE_MAX = "AGE_ABOVE_MAX"
    GENDER = "GENDER"
    EXPLOITATION = "EXPLOITATION"
    REGION = "REGION"
    CAPACITY = "CAPACITY"
    DOCUMENTS = "DOCUMENTS"
    ACCESSIBILITY = "ACCESSIBILITY"


class Reason(StrEnum):
    """Why an eligible service fits or ranks where it does (shown to users, in this order)."""

    AGE = "AGE"
    GENDER = "GENDER"
    EXPLOITATION = "EXPLOITATION"
    SAME_REGION = "SAME_REGION"
    NEIGHBOUR = "NEIGHBOUR"
    NATIONAL = "NATIONAL"
    PLACES_LEFT = "PLACES_LEFT"
    LANGUAGE = "LANGUAGE"
    SPECIALISED = "SPECIALISED"
    ACCEPTS_UNDOCUMENTED = "ACCEPTS_UNDOCUMENTED"
    ACCESSIBLE = "ACCESSIBLE"


# A service's faults are kept as a bit mask while routing, bit i standing for the i-th Rule: no list is built
# for each of thousands of services, "exactly one fault" is `mask & (mask - 1) == 0`, and single-bit masks
# sort in Rule order. (Looking an enum member up costs more than an int operation, so the bits are plain ints.)
_BITS = tuple((rule, 1 << position) for position, rule in enumerate(Rule))
_RULE_OF_BIT = {bit: rule for rule, bit in _BITS}
_INACTIVE, _AGE_BELOW_MIN, _AGE_ABOVE_MAX, _GENDER, _EXPLOITATION, _REGION, _CAPACITY, _DOCUMENTS, _ACCESSIBILITY = (
    bit for _, bit in _BITS
)
_PROXIMITY_ORDER = {proximity: position for position, proximity in enumerate(Proximity)}
_PROXIMITY_REASON = {Proximity.SAME_REGION: Reason.SAME_REGION, Proximity.NEIGHBOUR: Reason.NEIGHBOUR, Proximity.NATIONAL: Reason.NATIONAL}
_UNLIMITED = float("inf")  # the places left of a service without a capacity: more than any number


# Departments that share a border, by INEI code (DOMAIN.md section 11); Callao lies within Lima's borders.
# Written out per department, so each line can be checked on a map; the tests check that it is symmetric.
NEIGHBOURS: dict[str, frozenset[str]] = {
    "01": frozenset({"06", "13", "16", "22"}),  # Amazonas: Cajamarca, La Libertad, Loreto, San Martín
    "02": frozenset({"10", "13", "15"}),  # Áncash: Huánuco, La Libertad, Lima
    "03": frozenset({"04", "05", "08"}),  # Apurímac: Arequipa, Ayacucho, Cusco
    "04": frozenset({"03", "05", "08", "11", "18", "21"}),  # Arequipa: Apurímac, Ayacucho, Cusco, Ica, Moquegua, Puno
    "05": frozenset({"03", "04", "08", "09", "11", "12"}),  # Ayacucho: Apurímac, Arequipa, Cusco, Huancavelica, Ica, Junín
    "06": frozenset({"01", "13", "14", "20"}),  # Cajamarca: Amazonas, La Libertad, Lambayeque, Piura
    "07": frozenset({"15"}),  # Callao: Lima
    "08": frozenset({"03", "04", "05", "12", "17", "21", "25"}),  # Cusco: Apurímac, Arequipa, Ayacucho, Junín, Madre de Dios, Puno, Ucayali
    "09": frozenset({"05", "11", "12", "15"}),  # Huancavelica: Ayacucho, Ica, Junín, Lima
    "10": frozenset({"02", "13", "15", "16", "19", "22", "25"}),  # Huánuco: Áncash, La Libertad, Lima, Loreto, Pasco, San Martín, Ucayali
    "11": frozenset({"04", "05", "09", "15"}),  # Ica: Arequipa, Ayacucho, Huancavelica, Lima
    "12": frozenset({"05", "08", "09", "15", "19", "25"}),  # Junín: Ayacucho, Cusco, Huancavelica, Lima, Pasco, Ucayali
    "13": frozenset({"01", "02", "06", "10", "14", "22"}),  # La Libertad: Amazonas, Áncash, Cajamarca, Huánuco, Lambayeque, San Martín
    "14": frozenset({"06", "13", "20"}),  # Lambayeque: Cajamarca, La Libertad, Piura
    "15": frozenset({"02", "07", "09", "10", "11", "12", "19"}),  # Lima: Áncash, Callao, Huancavelica, Huánuco, Ica, Junín, Pasco
    "16": frozenset({"01", "10", "22", "25"}),  # Loreto: Amazonas, Huánuco, San Martín, Ucayali
    "17": frozenset({"08", "21", "25"}),  # Madre de Dios: Cusco, Puno, Ucayali
    "18": frozenset({"04", "21", "23"}),  # Moquegua: Arequipa, Puno, Tacna
    "19": frozenset({"10", "12", "15", "25"}),  # Pasco: Huánuco, Junín, Lima, Ucayali
    "20": frozenset({"06", "14", "24"}),  # Piura: Cajamarca, Lambayeque, Tumbes
    "21": frozenset({"04", "08", "17", "18", "23"}),  # Puno: Arequipa, Cusco, Madre de Dios, Moquegua, Tacna
    "22": frozenset({"01", "10", "13", "16"}),  # San Martín: Amazonas, Huánuco, La Libertad, Loreto
    "23": frozenset({"18", "21"}),  # Tacna: Moquegua, Puno
    "24": frozenset({"20"}),  # Tumbes: Piura
    "25": frozenset({"08", "10", "12", "16", "17", "19"}),  # Ucayali: Cusco, Huánuco, Junín, Loreto, Madre de Dios, Pasco
}


@dataclass(frozen=True)
class PersonProfile:
    age: int | None  # exact age on the routing date (from a real or estimated date of birth), else None
    age_min: int | None  # the estimated range when there is no exact age (both None when age is given)
    age_max: int | None
    presumed_minor: bool  # DOMAIN.md section 3: routes as a minor, and the result says so
    gender: str  # DOMAIN.md section 2 code
    exploitation_types: frozenset[str]
    region: str  # INEI code "01".."25"
    languages: frozenset[str]  # ISO 639-3
    needs_accessibility: bool  # has a disability
    has_documents: bool  # holds identity documents
    migrant: bool = False  # a foreign national: informational (the MIGRATION_STATUS and REPATRIATION needs say the rest)

    def __post_init__(self):
        has_range = self.age_min is not None or self.age_max is not None
        if self.age is not None and has_range:
            raise ValueError("give an exact age or an estimated age range, not both")
        if has_range and (self.age_min is None or self.age_max is None):
            raise ValueError("an estimated age range needs a minimum and a maximum")
        if any(age is not None and age < 0 for age in (self.age, self.age_min, self.age_max)):
            raise ValueError("an age cannot be negative")
        if has_range and self.age_min > self.age_max:
            raise ValueError("an estimated age range goes from a lower to a higher age")
        youngest = self.age if self.age is not None else self.age_min
        if self.presumed_minor and youngest is not None and youngest > OLDEST_MINOR:
            raise ValueError("the presumption of minority needs an age that may be under 18")


@dataclass(frozen=True)
class Service:
    id: int
    type: str  # DOMAIN.md section 5 ServiceType code
    region_codes: frozenset[str]  # regions served; empty and national: the whole country
    national: bool
    min_age: int | None  # None: no limit
    max_age: int | None
    genders: frozenset[str]  # DOMAIN.md section 2 codes served; empty: everyone
    exploitation_types: frozenset[str]  # empty: every form
    languages: frozenset[str]
    residential: bool
    capacity: int | None  # places; None: no limit
    places_in_use: int
    accepts_undocumented: bool
    accessible: bool
    specialised: bool  # specialised in trafficking
    active: bool = True


@dataclass(frozen=True)
class Offer:
    """An eligible service."""

    service_id: int
    proximity: Proximity
    places_left: int | None  # None: no limit
    reasons: tuple[Reason, ...]  # in Reason order


@dataclass(frozen=True)
class NearMiss:
    """A service of the type needed that fails exactly one hard rule."""

    service_id: int
    rule: Rule
    detail: dict  # plain JSON-able: {"age": 19, "max_age": 17}, {"region": "17"}, {"gender": "MAN"}...


@dataclass(frozen=True)
class NeedRouting:
    need: str
    offers: tuple[Offer, ...]  # best first
    near_misses: tuple[NearMiss, ...]  # by rule order, then service id

    @property
    def is_gap(self) -> bool:
        return not self.offers


@dataclass(frozen=True)
class Routing:
    routed_as_minor: bool  # the person is presumed a minor: the screen says so (and that the age is to be assessed)
    needs: tuple[NeedRouting, ...]  # in the order of the needs given, duplicates removed


# --- The person, as the rules see them ----------------------------------------------------------------


def routing_ages(profile: PersonProfile) -> tuple[int, int] | None:
    """The interval the person's age may lie in, as routing treats it; None when nothing is known.

    An exact age is itself. An estimated range is kept whole, except that a presumed minor routes as a minor: the
    range stops at 17 (DOMAIN.md section 3). A presumed minor of whom no age is known at all routes as any minor.
    """
    if profile.age is not None:
        return profile.age, profile.age
    if profile.age_min is None:
        return (0, OLDEST_MINOR) if profile.presumed_minor else None
    if profile.presumed_minor:
        return profile.age_min, min(profile.age_max, OLDEST_MINOR)
    return profile.age_min, profile.age_max


class _Person:
    """What the rules read from the profile, worked out once per routing rather than once per service."""

    __slots__ = (
        "ages",
        "documents",
        "exploitation",
        "gender",
        "languages",
        "near",
        "needs_access",
        "neighbours",
        "oldest",
        "region",
        "shown_ages",
        "youngest",
    )

    def __init__(self, profile):
        self.ages = routing_ages(profile)
        # An unknown age is at least 0 (so a minimum age of 0 is no limit) and has no known upper bound (None).
        self.youngest, self.oldest = self.ages if self.ages is not None else (0, None)
        # What a near miss reports: the interval's bounds when the profile carries an age, else None (none is made up).
        self.shown_ages = self.ages if profile.age is not None or profile.age_min is not None else (None, None)
        self.gender = profile.gender
        self.exploitation = profile.exploitation_types
        self.region = profile.region
        self.neighbours = NEIGHBOURS.get(profile.region, frozenset())  # an unknown region has no neighbours: only national services
        self.near = self.neighbours | {profile.region}
        self.languages = profile.languages
        self.documents = profile.has_documents
        self.needs_access = profile.needs_accessibility


def _proximity(person, service):
    """How near the service is, or None when it does not serve the person's region at all."""
    regions = service.region_codes
    if person.region in regions:
        return Proximity.SAME_REGION
    if not person.neighbours.isdisjoint(regions):
        return Proximity.NEIGHBOUR
    if service.national:
        return Proximity.NATIONAL
    return None


def _fault_masks(person, services):
    """For each service, the hard rules it fails for the person as bits (see _BITS); 0 when it can take them.

    Written out check by check, in one loop with the person's values in local variables, rather than as a table
    of functions: routing 10,000 services has a budget of 20 ms. The region is checked against the person's
    region and its neighbours at once; how near an eligible service is is worked out afterwards, for offers only.
    """
    youngest, oldest, gender, forms, near = person.youngest, person.oldest, person.gender, person.exploitation, person.near
    undocumented, needs_access = not person.documents, person.needs_access
    masks = []
    for service in services:
        mask = 0
        if not service.active:
            mask |= _INACTIVE
        if service.min_age is not None and youngest < service.min_age:
            mask |= _AGE_BELOW_MIN
        if service.max_age is not None and (oldest is None or oldest > service.max_age):
            mask |= _AGE_ABOVE_MAX
        if service.genders and gender not in service.genders:
            mask |= _GENDER
        if service.exploitation_types and forms and service.exploitation_types.isdisjoint(forms):
            mask |= _EXPLOITATION
        if not service.national and near.isdisjoint(service.region_codes):
            mask |= _REGION
        if service.capacity is not None and service.places_in_use >= service.capacity:
            mask |= _CAPACITY
        if undocumented and not service.accepts_undocumented:
            mask |= _DOCUMENTS
        if needs_access and not service.accessible:
            mask |= _ACCESSIBILITY
        masks.append(mask)
    return masks


def check_service(profile: PersonProfile, service: Service) -> tuple[Rule, ...]:
    """The hard rules the service fails for this person, in Rule order; empty when it can take them."""
    (mask,) = _fault_masks(_Person(profile), [service])
    return tuple(rule for rule, bit in _BITS if mask & bit)


# --- Offers and near misses ---------------------------------------------------------------------------


def _places_left(service):
    return None if service.capacity is None else service.capacity - service.places_in_use


def _offer(person, service):
    """(ranking key, Offer) for an eligible service."""
    proximity = _proximity(person, service)
    speaks = not person.languages.isdisjoint(service.languages)
    places_left = _places_left(service)
    reasons = []
    if service.min_age is not None or service.max_age is not None:
        reasons.append(Reason.AGE)
    if service.genders:
        reasons.append(Reason.GENDER)
    if service.exploitation_types and person.exploitation:  # eligible, so they overlap: the service knows this form
        reasons.append(Reason.EXPLOITATION)
    reasons.append(_PROXIMITY_REASON[proximity])
    if places_left is not None:
        reasons.append(Reason.PLACES_LEFT)
    if speaks:
        reasons.append(Reason.LANGUAGE)
    if service.specialised:
        reasons.append(Reason.SPECIALISED)
    if not person.documents:
        reasons.append(Reason.ACCEPTS_UNDOCUMENTED)
    if person.needs_access:
        reasons.append(Reason.ACCESSIBLE)
    key = (
        _PROXIMITY_ORDER[proximity],
        not speaks,
        not service.specialised,
        -(_UNLIMITED if places_left is None else places_left),
        service.id,
    )
    return key, Offer(service_id=service.id, proximity=proximity, places_left=places_left, reasons=tuple(reasons))


# What failed, as plain data the screen can put into words ("age 19, above the maximum of 17"): rule -> detail.
_DETAILS = {
    Rule.INACTIVE: lambda person, service: {"active": False},
    Rule.AGE_BELOW_MIN: lambda person, service: {"age": person.shown_ages[0], "min_age": service.min_age},
    Rule.AGE_ABOVE_MAX: lambda person, service: {"age": person.shown_ages[1], "max_age": service.max_age},
    Rule.GENDER: lambda person, service: {"gender": person.gender},
    Rule.EXPLOITATION: lambda person, service: {"exploitation_types": sorted(person.exploitation)},
    Rule.REGION: lambda person, service: {"region": person.region},
    Rule.CAPACITY: lambda person, service: {"capacity": service.capacity},
    Rule.DOCUMENTS: lambda person, service: {"has_documents": False},
    Rule.ACCESSIBILITY: lambda person, service: {"needs_accessibility": True},
}


def _near_miss(person, service, mask):
    rule = _RULE_OF_BIT[mask]
    return NearMiss(service_id=service.id, rule=rule, detail=_DETAILS[rule](person, service))


def _route_need(person, need, services):
    ranked, missed = [], []
    for service, mask in zip(services, _fault_masks(person, services), strict=True):
        if not mask:
            ranked.append(_offer(person, service))
        elif not mask & (mask - 1):  # a single bit: exactly one rule fails
            missed.append((mask, service.id, service))
    ranked.sort(key=itemgetter(0))
    missed.sort(key=itemgetter(0, 1))  # by rule (single-bit masks sort in Rule order), then id
    return NeedRouting(
        need=need,
        offers=tuple(offer for _, offer in ranked),
        near_misses=tuple(_near_miss(person, service, mask) for mask, _, service in missed),
    )


def _by_type(services, types):
    """The services of each type in `types`, in one pass over the catalogue (the other types are never looked at)."""
    groups = {service_type: [] for service_type in types}
    seen = set()
    for service in services:
        group = groups.get(service.type)
        if group is not None:
            if service.id in seen:
                # Ties are broken by id: two services with one id would make the result depend on their order.
                raise ValueError(f"service ids must be unique ({service.id} twice)")
            seen.add(service.id)
            group.append(service)
    return groups


def route(profile: PersonProfile, needs: Sequence[str], services: Iterable[Service]) -> Routing:
    """For each need (a service type code, duplicates ignored), the services that can take the person, best first,
    and those of its type that fail exactly one hard rule. A need with no offer is a gap (`NeedRouting.is_gap`)."""
    person = _Person(profile)
    wanted = tuple(dict.fromkeys(needs))
    groups = _by_type(services, wanted)
    return Routing(routed_as_minor=profile.presumed_minor, needs=tuple(_route_need(person, need, groups[need]) for need in wanted))

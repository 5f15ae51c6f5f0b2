"""Aggregate exports shaped like CTDC's and HTCDS's data (DOMAIN.md sections 2, 3, 4 and 13; docs/exports.md).

Pure: no database. The caller extracts one `CaseFacts` per case that consented to statistics -- coded
values, the year and quarter the case was opened, nothing else: no name, document, contact, address, free
text, exact date or id can reach this module -- and gets back a few cross-tabulations, each protected by
`casework.statistics.protect_table` (small counts "<k", complementary "*", rounding for publication).

Every table has the year as its first dimension and counts the same cases (possible and confirmed victims),
so the tables of an export share only their year totals. Years with fewer than k cases are pooled with the
next (or, at the end, the previous) so that no year total is small, and every table is checked to show the
year totals as they are: a hidden total in one table and a shown one in another would let a reader difference
them. A code a standard lacks goes to its "Other" category; the mappings are in docs/exports.md.
"""

import csv
import io
import itertools
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .age import CTDC_BANDS, ctdc_band
from .choices import ExploitationType, Gender, LabourSector, MeansOfControl, RecruiterRelation, Region, TraffickingStatus
from .statistics import TOTAL, coarse_gender, crosstab, excluded_count, protect_table

# --- What the caller passes ----------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """One consented case, coded, as the caller extracts it (no personal data)."""

    year: int  # year the case was opened (registration)
    quarter: int  # 1..4 (not exported: both standards count by year)
    region: str  # our ubigeo department code ("" if unknown)
    gender: str  # our Gender code
    age_at_registration: int | None  # whole years on the opening date, None if unknown
    minor_at_registration: bool | None  # with the presumption of minority; used when the age is unknown
    exploitation_types: tuple[str, ...]
    labour_sector: str  # "" if none recorded
    means_of_control: tuple[str, ...]
    recruiter_relation: str  # "" counts as UNKNOWN
    trafficking_status: str

    def __post_init__(self):
        """Our codes only (a list becomes a tuple): nothing unexpected can be counted, or exported."""
        if self.quarter not in (1, 2, 3, 4):
            raise ValueError(f"quarter: {self.quarter!r} is not 1..4")
        for name, (choices, blank_allowed) in _CODES.items():
            value = getattr(self, name)
            if isinstance(value, list | tuple):
                object.__setattr__(self, name, value := tuple(value))
            for code in value if isinstance(value, tuple) else [value]:
                if code not in choices.values and not (blank_allowed and code == ""):
                    raise ValueError(f"{name}: {code!r} is not one of our codes")


_CODES = {  # CaseFacts field -> (its choices, whether "" is allowed)
    "region": (Region, True),
    "gender": (Gender, False),
    "exploitation_types": (ExploitationType, False),
    "labour_sector": (LabourSector, True),
    "means_of_control": (MeansOfControl, False),
    "recruiter_relation": (RecruiterRelation, True),
    "trafficking_status": (TraffickingStatus, False),
}


@dataclass(frozen=True)
class ExportTable:
    """One protected table in long form: a column per dimension, then "count"; TOTAL rows are the margins."""

    name: str  # e.g. "ctdc_gender_age_by_year" or "ctdc_flag_meansOfControlDebtBondage"
    columns: tuple[str, ...]  # CSV header
    rows: tuple[tuple[str | int, ...], ...]  # values as shown after protection ("<11", "*", ints)


# --- Mappings: our codes -> CTDC and HTCDS ---------------------------------------------------------

# The age on the opening date, in CTDC's ageBroad bands (DOMAIN.md section 3) and CTDC's notation ("9--17",
# which no spreadsheet takes for a date). An unknown age keeps the majority status (CTDC's majorityStatus).
CTDC_AGE_BANDS = tuple(label.replace("-", "--") for _, label in CTDC_BANDS)
UNKNOWN_AGE = {True: "unknown (minor)", False: "unknown (adult)", None: "unknown"}

# Gender, by the groups of every aggregate (statistics.coarse_gender: trans women with women, trans men
# with men, non-binary and not stated together), so that no two releases group a person differently.
CTDC_GENDER = {"WOMAN": "Woman", "MAN": "Man", "OTHER": "Other"}
HTCDS_GENDER = {"WOMAN": "Feminine", "MAN": "Masculine", "OTHER": "Other"}

# Exploitation types (multi-select) -> a flag variable: 1 when any of the case's types maps to it.
CTDC_EXPLOITATION = {
    "SEXUAL": "isSexualExploit",
    "LABOUR": "isForcedLabour",
    "SERVITUDE": "isForcedLabour",
    "FORCED_BEGGING": "isForcedLabour",
    "FORCED_CRIMINALITY": "isForcedLabour",
    "CHILD_LABOUR": "isForcedLabour",
    "FORCED_MARRIAGE": "isOtherExploit",
    "ORGAN_REMOVAL": "isOtherExploit",
    "SALE_OF_CHILDREN": "isOtherExploit",
    "FORCED_RECRUITMENT": "isOtherExploit",
    "OTHER": "isOtherExploit",
}
HTCDS_EXPLOITATION = {  # "TypeOfExploitation" + the vic_TypeOfExploitation choice
    "SEXUAL": "TypeOfExploitationSexualExploitation",
    "LABOUR": "TypeOfExploitationForcedLabour",
    "SERVITUDE": "TypeOfExploitationServitude",
    "FORCED_BEGGING": "TypeOfExploitationForcedBegging",
    "FORCED_CRIMINALITY": "TypeOfExploitationOther",
    "CHILD_LABOUR": "TypeOfExploitationChildLabour",
    "FORCED_MARRIAGE": "TypeOfExploitationForcedMarriage",
    "ORGAN_REMOVAL": "TypeOfExploitationOrganRemoval",
    "SALE_OF_CHILDREN": "TypeOfExploitationOther",
    "FORCED_RECRUITMENT": "TypeOfExploitationForcedMilitaryByNonStateActors",
    "OTHER": "TypeOfExploitationOther",
}

# Means of control (multi-select): one to one with CTDC's meansOfControl* and HTCDS's MethodsOfControl*.
_CONTROL = {
    "DEBT_BONDAGE": "DebtBondage",
    "TAKES_EARNINGS": "TakesEarnings",
    "THREATS": "Threats",
    "USES_CHILDREN": "UsesChildren",
    "THREAT_OF_AUTHORITIES": "ThreatOfLawEnforcement",
    "PSYCHOLOGICAL_ABUSE": "PsychologicalAbuse",
    "PHYSICAL_ABUSE": "PhysicalAbuse",
    "SEXUAL_ABUSE": "SexualAbuse",
    "FALSE_PROMISES": "FalsePromises",
    "SUBSTANCES": "PsychoactiveSubstances",
    "RESTRICTS_MOVEMENT": "RestrictsMovement",
    "RESTRICTS_MONEY": "RestrictsFinancialAccess",
    "RESTRICTS_MEDICAL_CARE": "RestrictsMedicalCare",
    "WITHHOLDS_NECESSITIES": "WithholdsNecessities",
    "EXCESSIVE_HOURS": "ExcessiveWorkingHours",
    "WITHHOLDS_DOCUMENTS": "WithholdsDocuments",
    "OTHER": "Other",
}
CTDC_MEANS_OF_CONTROL = {code: f"meansOfControl{name}" for code, name in _CONTROL.items()}
CTDC_MEANS_NOT_SPECIFIED = "meansOfControlNotSpecified"  # 1 when the case records no means of control
HTCDS_METHODS_OF_CONTROL = {code: f"MethodsOfControl{name}" for code, name in _CONTROL.items()}

# Recruiter relation (one per case): the CTDC flag set to 1. HTCDS 2.0 has no such field.
CTDC_RECRUITER = {
    "INTIMATE_PARTNER": "recruiterRelationIntimatePartner",
    "FAMILY": "recruiterRelationFamily",
    "FRIEND": "recruiterRelationFriend",
    "OTHER": "recruiterRelationOther",
    "UNKNOWN": "recruiterRelationUnknown",
}

HTCDS_TRAFFICKING_STATUS = {
    "POSSIBLE": "PossibleVictimOfTrafficking",
    "CONFIRMED": "ActualVictimOfTrafficking",
    "NOT_A_VICTIM": "NotAVictimOfTrafficking",  # never exported: such cases are left out (see EXPORTED_STATUSES)
}
EXPORTED_STATUSES = ("POSSIBLE", "CONFIRMED")

# Labour sector (one per case) -> vic_ForcedLabourIndustry (ISIC Tier 1). HTCDS has no value for begging or
# for an unclassified sector: "Other" is ours. A case without a labour sector counts as "NotRecorded".
HTCDS_LABOUR_INDUSTRY = {
    "MINING": "B_MiningAndQuarrying",
    "LOGGING": "A_AgricultureForestryAndFishing",
    "AGRICULTURE": "A_AgricultureForestryAndFishing",
    "BRICK_MAKING": "C_Manufacturing",
    "DOMESTIC_WORK": "T_ActivitiesOfHouseholdsAsEmployers",
    "BEGGING": "Other",
    "HOSPITALITY": "I_AccommodationAndFoodServiceActivities",
    "OTHER": "Other",
}
NOT_RECORDED = "NotRecorded"

CTDC_FLAG = {True: 1, False: 0}
HTCDS_FLAG = {True: "TRUE", False: "FALSE"}


# --- The exports -----------------------------------------------------------------------------------


def ctdc_tables(facts: Iterable[CaseFacts], *, k: int, publication: bool, no_consent: int = 0) -> list[ExportTable]:
    """The CTDC-shaped export: yearOfRegistration x gender x ageBroad, a year x flag table for each
    exploitation flag and each means-of-control variable, year x recruiter relation, and the excluded counts.

    no_consent: how many cases were left out for want of consent to statistics (reported like a cell).
    """
    export = _Export(facts, k=k, publication=publication, year="yearOfRegistration")
    tables = [
        export.gender_age("ctdc_gender_age_by_year", gender=("gender", CTDC_GENDER), age="ageBroad"),
        *export.flags("ctdc_flag", CTDC_EXPLOITATION, "exploitation_types", CTDC_FLAG),
        *export.flags("ctdc_flag", CTDC_MEANS_OF_CONTROL, "means_of_control", CTDC_FLAG),
        export.flag("ctdc_flag", CTDC_MEANS_NOT_SPECIFIED, [not case.means_of_control for case in export.cases], CTDC_FLAG),
        export.table(
            "ctdc_recruiter_relation_by_year",
            _Dimension("recruiterRelation", tuple(CTDC_RECRUITER), CTDC_RECRUITER),
            lambda case: case.recruiter_relation or "UNKNOWN",
        ),
    ]
    return [table for table in tables if table] + [export.excluded("ctdc_excluded", no_consent)]


def htcds_tables(facts: Iterable[CaseFacts], *, k: int, publication: bool, no_consent: int = 0) -> list[ExportTable]:
    """The HTCDS-shaped export: year x prs_Gender x age band, year x vic_TraffickingStatus, a year x flag table
    for each vic_TypeOfExploitation choice and each MethodsOfControl field, year x vic_ForcedLabourIndustry,
    year x department, and the excluded counts."""
    export = _Export(facts, k=k, publication=publication, year="year")
    industries = (*dict.fromkeys(HTCDS_LABOUR_INDUSTRY.values()), NOT_RECORDED)
    departments = {code: str(label) for code, label in Region.choices} | {"": "unknown"}
    tables = [
        export.gender_age("htcds_gender_age_by_year", gender=("prs_Gender", HTCDS_GENDER), age="age_band"),
        export.table(
            "htcds_trafficking_status_by_year",
            _Dimension("vic_TraffickingStatus", EXPORTED_STATUSES, HTCDS_TRAFFICKING_STATUS),
            lambda case: case.trafficking_status,
        ),
        *export.flags("htcds_flag", HTCDS_EXPLOITATION, "exploitation_types", HTCDS_FLAG),
        *export.flags("htcds_flag", HTCDS_METHODS_OF_CONTROL, "means_of_control", HTCDS_FLAG),
        export.table(
            "htcds_forced_labour_industry_by_year",
            _Dimension("vic_ForcedLabourIndustry", industries),
            lambda case: HTCDS_LABOUR_INDUSTRY[case.labour_sector] if case.labour_sector else NOT_RECORDED,
        ),
        export.table(
            "htcds_department_by_year",
            _Dimension("department", tuple(departments), departments),
            lambda case: case.region,
        ),
    ]
    return [table for table in tables if table] + [export.excluded("htcds_excluded", no_consent)]


# --- CSV -------------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")  # a spreadsheet may run a cell starting so


def csv_cell(value: str | int) -> str:
    """The text of a cell, with a single quote before a leading = + - @ tab or line break (CSV injection)."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def to_csv(table: ExportTable) -> str:
    """The table as CSV text (RFC 4180, CRLF line ends): the header, then the rows; every cell escaped."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(column) for column in table.columns])
    writer.writerows([csv_cell(value) for value in row] for row in table.rows)
    return out.getvalue()


def to_csv_bundle(tables: Sequence[ExportTable]) -> bytes:
    """A zip holding one CSV file per table, `<name>.csv`, UTF-8 with a byte order mark (for Excel).

    Each file opens on its own in a spreadsheet, R or pandas. The zip entries carry a fixed date
    (1980-01-01), so the same tables always give the same bytes and the file says nothing of when it was made.
    """
    names = [table.name for table in tables]
    if len(set(names)) != len(names):
        raise ValueError(f"two tables have the same name: {names!r}")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for table in tables:
            entry = zipfile.ZipInfo(f"{table.name}.csv", date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(entry, to_csv(table).encode("utf-8-sig"))
    return out.getvalue()


# --- How the tables are built ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Dimension:
    header: str  # the column name in the export
    categories: tuple  # the values counted, in display order
    labels: Mapping = field(default_factory=dict)  # value -> what the export shows (default: the value)

    def shown(self, value):
        return self.labels.get(value, value)


class _Export:
    """The cases of one export (possible and confirmed victims), their periods, and the table builders."""

    def __init__(self, facts, *, k, publication, year):
        self.k, self.publication = k, publication
        facts = list(facts)
        self.cases = [case for case in facts if case.trafficking_status in EXPORTED_STATUSES]
        self.not_victims = len(facts) - len(self.cases)
        self.period = _periods((case.year for case in self.cases), k)
        self.year = _Dimension(year, tuple(dict.fromkeys(self.period.values())))
        self.period_totals = Counter(self.period[case.year] for case in self.cases)

    def table(self, name, dimension, value):
        """Year x `dimension`, value(case) giving the case's category; None when there is no case."""
        return self._table(name, [self.year, dimension], [(self.period[case.year], value(case)) for case in self.cases])

    def gender_age(self, name, *, gender, age):
        # Built from the same values in both exports (only the labels differ), so both hide the same cells.
        header, labels = gender
        dimensions = [self.year, _Dimension(header, tuple(labels), labels), _Dimension(age, (*CTDC_AGE_BANDS, *UNKNOWN_AGE.values()))]
        records = [(self.period[case.year], coarse_gender(case.gender), _age_band(case)) for case in self.cases]
        return self._table(name, dimensions, records)

    def flags(self, prefix, mapping, attribute, labels):
        """A year x flag table per variable of `mapping` ("...Other" last), set when any code of case.<attribute> maps to it."""
        variables = [{mapping[code] for code in getattr(case, attribute)} for case in self.cases]
        return [
            self.flag(prefix, variable, [variable in mapped for mapped in variables], labels)
            for variable in sorted(dict.fromkeys(mapping.values()), key=lambda variable: variable.endswith("Other"))
        ]

    def flag(self, prefix, variable, flags, labels):
        """Year x `variable`, flags giving its value (True or False) for each case in turn."""
        records = [(self.period[case.year], flag) for case, flag in zip(self.cases, flags, strict=True)]
        return self._table(f"{prefix}_{variable}", [self.year, _Dimension(variable, (True, False), labels)], records)

    def excluded(self, name, no_consent):
        rows = (
            ("no consent to statistics", excluded_count(no_consent, k=self.k, publication=self.publication)),
            ("not a victim of trafficking", excluded_count(self.not_victims, k=self.k, publication=self.publication)),
        )
        return ExportTable(name, ("reason", "count"), rows)

    def _table(self, name, dimensions, records):
        if not self.cases:
            return None
        categories = [dimension.categories for dimension in dimensions]
        headers = [dimension.header for dimension in dimensions]
        protected = protect_table(
            crosstab(records, categories), dimensions=headers, categories=categories, k=self.k, publication=self.publication
        )
        # The year totals (and the grand total) are in every table: each must show them as they are.
        for period, total in [*self.period_totals.items(), (TOTAL, len(self.cases))]:
            expected = excluded_count(total, k=self.k, publication=self.publication)  # as any cell of it is shown
            if protected.cell(period, *[TOTAL] * (len(dimensions) - 1)) != expected:
                raise RuntimeError(f"{name}: the total of {period} would be hidden, and could be worked out from another table")
        rows = [
            (*(dimension.shown(value) for dimension, value in zip(dimensions, key, strict=True)), protected.cell(*key))
            for key in itertools.product(*((*values, TOTAL) for values in categories))
        ]
        return ExportTable(name, (*headers, "count"), tuple(rows))


def _periods(years: Iterable[int], k: int) -> dict[int, str]:
    """Each year's label: the year, or a run of years ("2024-2025") pooled until it has at least k cases.

    The years are taken in order, each joining the run before it until the run has k cases; a last run short
    of k joins the one before it (with one run in all, it stays short: every count in it is then "<k" anyway).
    """
    counts = Counter(years)
    runs = []
    for year in sorted(counts):
        if runs and sum(counts[y] for y in runs[-1]) < k:
            runs[-1].append(year)
        else:
            runs.append([year])
    if len(runs) > 1 and sum(counts[y] for y in runs[-1]) < k:
        last = runs.pop()
        runs[-1] += last
    return {year: str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs for year in run}


def _age_band(case):
    if case.age_at_registration is None:
        return UNKNOWN_AGE[case.minor_at_registration]
    return ctdc_band(case.age_at_registration).replace("-", "--")

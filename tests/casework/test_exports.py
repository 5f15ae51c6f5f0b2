"""CTDC- and HTCDS-shaped aggregate exports and their CSV (casework/exports.py, docs/exports.md). No database.

The expected cells were worked out by hand from the facts and the rules of DOMAIN.md section 13 (k = 11:
1..10 shown "<11", a box of cells hidden "*" where a total would give a small cell away, publication rounds
down to a multiple of 11), not read off the module's output.
"""

import csv
import io
import re
import zipfile

import pytest

from casework import exports
from casework.choices import ExploitationType, Gender, LabourSector, MeansOfControl, RecruiterRelation, Region, TraffickingStatus
from casework.exports import CaseFacts, ExportTable, ctdc_tables, htcds_tables, to_csv, to_csv_bundle
from casework.statistics import COMPLEMENTARY, TOTAL, coarse_gender

K = 11


def fact(**changes):
    values = {
        "year": 2026,
        "quarter": 2,
        "region": "17",
        "gender": "WOMAN",
        "age_at_registration": 19,
        "minor_at_registration": False,
        "exploitation_types": ("SEXUAL",),
        "labour_sector": "",
        "means_of_control": ("FALSE_PROMISES",),
        "recruiter_relation": "FRIEND",
        "trafficking_status": "CONFIRMED",
    }
    return CaseFacts(**(values | changes))


def by_name(tables):
    return {table.name: table for table in tables}


def cell(table, *key):
    """The shown count of the row whose dimension values are `key` (str() of each, as in the CSV)."""
    matches = [row[-1] for row in table.rows if tuple(map(str, row[:-1])) == tuple(map(str, key))]
    assert len(matches) == 1, (table.name, key)
    return matches[0]


# 30 women aged 19 and 12 men aged 25, all opened in 2026.
WOMEN_AND_MEN = [fact()] * 30 + [fact(gender="MAN", age_at_registration=25)] * 12


def test_ctdc_gender_and_age_by_year():
    table = by_name(ctdc_tables(WOMEN_AND_MEN, k=K, publication=False))["ctdc_gender_age_by_year"]
    assert table.columns == ("yearOfRegistration", "gender", "ageBroad", "count")
    assert cell(table, 2026, "Woman", "18--20") == 30
    assert cell(table, 2026, "Woman", "24--26") == 0
    assert cell(table, 2026, "Man", "24--26") == 12
    assert cell(table, 2026, "Other", TOTAL) == 0
    assert cell(table, 2026, "Woman", TOTAL) == 30
    assert cell(table, 2026, TOTAL, "18--20") == 30
    assert cell(table, 2026, TOTAL, TOTAL) == 42
    assert cell(table, TOTAL, "Man", TOTAL) == 12
    assert cell(table, TOTAL, TOTAL, TOTAL) == 42
    # One year, 3 genders, 9 bands + 3 unknown-age categories, each with its TOTAL: 2 * 4 * 13 rows.
    assert len(table.rows) == 2 * 4 * 13
    assert not any(value in ("<11", COMPLEMENTARY) for *_, value in table.rows)


def test_publication_rounds_every_count_down_to_a_multiple_of_k():
    table = by_name(ctdc_tables(WOMEN_AND_MEN, k=K, publication=True))["ctdc_gender_age_by_year"]
    assert cell(table, 2026, "Woman", "18--20") == 22  # 30
    assert cell(table, 2026, "Man", "24--26") == 11  # 12
    assert cell(table, 2026, TOTAL, TOTAL) == 33  # 42
    assert cell(table, 2026, "Other", TOTAL) == 0


# 2025: 25 cases, 3 of them sexual exploitation; 2026: 30 cases, 15 of them.
TWO_YEARS = (
    [fact(year=2025)] * 3
    + [fact(year=2025, exploitation_types=("LABOUR",), labour_sector="MINING")] * 22
    + [fact()] * 15
    + [fact(exploitation_types=("LABOUR",), labour_sector="MINING")] * 15
)


def test_a_small_flag_count_is_shown_below_k_and_the_cells_that_would_give_it_away_are_hidden():
    # (2025, 1) = 3 could be worked out as 25 - 22: the cheapest box without totals hides the other three
    # inside cells, and every total stays shown (2025: 3 + 22, 2026: 15 + 15, 1: 3 + 15, 0: 22 + 15).
    table = by_name(ctdc_tables(TWO_YEARS, k=K, publication=False))["ctdc_flag_isSexualExploit"]
    assert table.columns == ("yearOfRegistration", "isSexualExploit", "count")
    assert table.rows == (
        ("2025", 1, "<11"),
        ("2025", 0, COMPLEMENTARY),
        ("2025", TOTAL, 25),
        ("2026", 1, COMPLEMENTARY),
        ("2026", 0, COMPLEMENTARY),
        ("2026", TOTAL, 30),
        (TOTAL, 1, 18),
        (TOTAL, 0, 37),
        (TOTAL, TOTAL, 55),
    )


def test_the_same_table_for_publication_rounds_what_is_shown():
    table = by_name(ctdc_tables(TWO_YEARS, k=K, publication=True))["ctdc_flag_isForcedLabour"]
    # Forced labour: 2025 22 of 25 (3 without), 2026 15 of 30; the 3 is the small cell this time.
    assert table.rows == (
        ("2025", 1, COMPLEMENTARY),
        ("2025", 0, "<11"),
        ("2025", TOTAL, 22),  # 25
        ("2026", 1, COMPLEMENTARY),
        ("2026", 0, COMPLEMENTARY),
        ("2026", TOTAL, 22),  # 30
        (TOTAL, 1, 33),  # 37
        (TOTAL, 0, 11),  # 18
        (TOTAL, TOTAL, 55),
    )


def test_htcds_flags_are_true_and_false_and_the_status_table_shows_possible_and_actual():
    tables = by_name(htcds_tables(TWO_YEARS, k=K, publication=False))
    sexual = tables["htcds_flag_TypeOfExploitationSexualExploitation"]
    assert sexual.columns == ("year", "TypeOfExploitationSexualExploitation", "count")
    assert [row[1] for row in sexual.rows[:3]] == ["TRUE", "FALSE", TOTAL]
    status = tables["htcds_trafficking_status_by_year"]
    assert status.rows == (
        ("2025", "PossibleVictimOfTrafficking", 0),
        ("2025", "ActualVictimOfTrafficking", 25),
        ("2025", TOTAL, 25),
        ("2026", "PossibleVictimOfTrafficking", 0),
        ("2026", "ActualVictimOfTrafficking", 30),
        ("2026", TOTAL, 30),
        (TOTAL, "PossibleVictimOfTrafficking", 0),
        (TOTAL, "ActualVictimOfTrafficking", 55),
        (TOTAL, TOTAL, 55),
    )
    # Mining 22 and 15, no labour sector 3 and 15: the 3 takes the 2 x 2 box of mining and no sector with it
    # (a box through a column of zeros would hide zeros, which is done only when nothing else will do).
    industry = tables["htcds_forced_labour_industry_by_year"]
    assert cell(industry, 2025, "NotRecorded") == "<11"
    assert cell(industry, 2025, "B_MiningAndQuarrying") == COMPLEMENTARY
    assert cell(industry, 2026, "B_MiningAndQuarrying") == COMPLEMENTARY
    assert cell(industry, 2026, "NotRecorded") == COMPLEMENTARY
    assert cell(industry, 2025, "C_Manufacturing") == 0
    assert (cell(industry, TOTAL, "B_MiningAndQuarrying"), cell(industry, TOTAL, "NotRecorded")) == (37, 18)
    department = tables["htcds_department_by_year"]
    assert cell(department, TOTAL, "Madre de Dios") == 55
    assert cell(department, TOTAL, "Lima") == 0


def test_a_case_counts_once_in_a_flag_whichever_of_its_codes_map_to_it():
    # LABOUR, SERVITUDE and CHILD_LABOUR are all CTDC forced labour: 11 cases, not 33.
    facts = [fact(exploitation_types=("LABOUR", "SERVITUDE", "CHILD_LABOUR"))] * 11
    tables = by_name(ctdc_tables(facts, k=K, publication=False))
    assert cell(tables["ctdc_flag_isForcedLabour"], 2026, 1) == 11
    assert cell(tables["ctdc_flag_isSexualExploit"], 2026, 1) == 0
    # HTCDS keeps them apart; no means of control recorded sets CTDC's meansOfControlNotSpecified.
    htcds = by_name(htcds_tables(facts, k=K, publication=False))
    assert cell(htcds["htcds_flag_TypeOfExploitationServitude"], 2026, "TRUE") == 11
    assert cell(htcds["htcds_flag_TypeOfExploitationChildLabour"], 2026, "TRUE") == 11
    no_means = [fact(means_of_control=())] * 12
    assert cell(by_name(ctdc_tables(no_means, k=K, publication=False))["ctdc_flag_meansOfControlNotSpecified"], 2026, 1) == 12


def test_gender_groups_and_unknown_ages():
    facts = (
        [fact(gender="TRANS_WOMAN")] * 11  # counted with women, as in every aggregate
        + [fact(gender="NON_BINARY", age_at_registration=None, minor_at_registration=True)] * 6
        + [fact(gender="NOT_STATED", age_at_registration=None, minor_at_registration=None)] * 6
    )
    table = by_name(ctdc_tables(facts, k=K, publication=False))["ctdc_gender_age_by_year"]
    assert cell(table, 2026, "Woman", "18--20") == 11
    assert cell(table, 2026, "Other", TOTAL) == 12
    # The 6 and 6 are small, and so are their column totals (6 and 6, nobody else of unknown age). The
    # totals shown give only their sums (12 for Other, 23 - 11 for the two columns): neither can be worked
    # out, so they protect each other and nothing more is hidden.
    assert cell(table, 2026, "Other", "unknown (minor)") == "<11"
    assert cell(table, 2026, "Other", "unknown") == "<11"
    assert cell(table, 2026, TOTAL, "unknown (minor)") == "<11"
    assert cell(table, 2026, "Other", "unknown (adult)") == 0
    assert COMPLEMENTARY not in [row[-1] for row in table.rows]


def test_years_with_fewer_than_k_cases_are_pooled_so_no_year_total_is_small():
    # 2023: 12 cases; 2024: 5 joins 2025: 20 (25 cases); 2026: 4 is short and joins the run before it.
    facts = [fact(year=2023)] * 12 + [fact(year=2024)] * 5 + [fact(year=2025)] * 20 + [fact(year=2026)] * 4
    table = by_name(ctdc_tables(facts, k=K, publication=False))["ctdc_recruiter_relation_by_year"]
    assert table.rows == (
        ("2023", "recruiterRelationIntimatePartner", 0),
        ("2023", "recruiterRelationFamily", 0),
        ("2023", "recruiterRelationFriend", 12),
        ("2023", "recruiterRelationOther", 0),
        ("2023", "recruiterRelationUnknown", 0),
        ("2023", TOTAL, 12),
        ("2024-2026", "recruiterRelationIntimatePartner", 0),
        ("2024-2026", "recruiterRelationFamily", 0),
        ("2024-2026", "recruiterRelationFriend", 29),
        ("2024-2026", "recruiterRelationOther", 0),
        ("2024-2026", "recruiterRelationUnknown", 0),
        ("2024-2026", TOTAL, 29),
        (TOTAL, "recruiterRelationIntimatePartner", 0),
        (TOTAL, "recruiterRelationFamily", 0),
        (TOTAL, "recruiterRelationFriend", 41),
        (TOTAL, "recruiterRelationOther", 0),
        (TOTAL, "recruiterRelationUnknown", 0),
        (TOTAL, TOTAL, 41),
    )


def test_every_table_shows_the_same_year_totals():
    facts = TWO_YEARS + [fact(gender="NON_BINARY", means_of_control=("DEBT_BONDAGE",), recruiter_relation="")] * 2
    for tables in (ctdc_tables(facts, k=K, publication=False), htcds_tables(facts, k=K, publication=False)):
        for table in tables[:-1]:  # the last is the excluded counts
            width = len(table.columns) - 2
            assert cell(table, 2025, *[TOTAL] * width) == 25, table.name
            assert cell(table, 2026, *[TOTAL] * width) == 32, table.name
            assert cell(table, *[TOTAL] * (width + 1)) == 57, table.name


def test_the_exports_hide_the_same_cells_where_they_count_the_same_thing():
    facts = TWO_YEARS + [fact(gender="NON_BINARY", means_of_control=("DEBT_BONDAGE",))] * 2
    ctdc, htcds = by_name(ctdc_tables(facts, k=K, publication=False)), by_name(htcds_tables(facts, k=K, publication=False))

    def counts(table):
        return [row[-1] for row in table.rows]

    assert counts(ctdc["ctdc_gender_age_by_year"]) == counts(htcds["htcds_gender_age_by_year"])
    assert "<11" in counts(ctdc["ctdc_gender_age_by_year"])
    for code in MeansOfControl.values:
        ctdc_table = ctdc[f"ctdc_flag_{exports.CTDC_MEANS_OF_CONTROL[code]}"]
        assert counts(ctdc_table) == counts(htcds[f"htcds_flag_{exports.HTCDS_METHODS_OF_CONTROL[code]}"])


def test_not_a_victim_cases_are_left_out_and_counted_with_the_cases_without_consent():
    facts = WOMEN_AND_MEN + [fact(trafficking_status="NOT_A_VICTIM")] * 4
    tables = ctdc_tables(facts, k=K, publication=False, no_consent=13)
    assert cell(by_name(tables)["ctdc_gender_age_by_year"], TOTAL, TOTAL, TOTAL) == 42
    assert tables[-1] == ExportTable(
        "ctdc_excluded", ("reason", "count"), (("no consent to statistics", 13), ("not a victim of trafficking", "<11"))
    )
    published = htcds_tables(facts, k=K, publication=True, no_consent=13)[-1]
    assert published.rows == (("no consent to statistics", 11), ("not a victim of trafficking", "<11"))


def test_no_case_no_table_but_the_excluded_counts():
    assert [table.name for table in ctdc_tables([], k=K, publication=False, no_consent=3)] == ["ctdc_excluded"]
    assert [table.name for table in htcds_tables([fact(trafficking_status="NOT_A_VICTIM")], k=K, publication=True)] == ["htcds_excluded"]


@pytest.mark.parametrize(
    "change",
    [
        {"gender": "FEMALE"},
        {"exploitation_types": ("SEXUAL", "TRAFFICKING")},
        {"means_of_control": ("BRIBES",)},
        {"recruiter_relation": "NEIGHBOUR"},
        {"labour_sector": "FISHING"},
        {"region": "26"},
        {"trafficking_status": "MAYBE"},
        {"trafficking_status": ""},
        {"gender": ""},
    ],
)
def test_a_code_that_is_not_ours_is_refused_before_anything_is_counted(change):
    with pytest.raises(ValueError, match="not one of our codes"):
        fact(**change)


def test_a_blank_region_sector_or_recruiter_is_allowed_and_lists_become_tuples():
    case = fact(region="", labour_sector="", recruiter_relation="", means_of_control=["THREATS", "OTHER"])
    assert case.means_of_control == ("THREATS", "OTHER")
    with pytest.raises(ValueError, match="quarter"):
        fact(quarter=5)


# --- Mappings ------------------------------------------------------------------------------------

# HTCDS 2.0 (UNMigration/HTCDS: Field_Definitions.md and the XLSForm's choice lists).
CONTROLS = (
    "DebtBondage",
    "TakesEarnings",
    "RestrictsFinancialAccess",
    "Threats",
    "PsychologicalAbuse",
    "PhysicalAbuse",
    "SexualAbuse",
    "FalsePromises",
    "PsychoactiveSubstances",
    "RestrictsMovement",
    "RestrictsMedicalCare",
    "ExcessiveWorkingHours",
    "UsesChildren",
    "ThreatOfLawEnforcement",
    "WithholdsNecessities",
    "WithholdsDocuments",
    "Other",
)
HTCDS_METHODS_OF_CONTROL_FIELDS = {f"MethodsOfControl{name}" for name in CONTROLS}
HTCDS_TYPES_OF_EXPLOITATION = {
    "ForcedLabour",
    "SexualExploitation",
    "ChildLabour",
    "ForcedMarriage",
    "Servitude",
    "ForcedMilitaryByNonStateActors",
    "OrganRemoval",
    "ForcedBegging",
    "ForcedAdoption",
    "Surrogacy",
    "Other",
}
HTCDS_INDUSTRIES = {
    "A_AgricultureForestryAndFishing",
    "B_MiningAndQuarrying",
    "C_Manufacturing",
    "I_AccommodationAndFoodServiceActivities",
    "T_ActivitiesOfHouseholdsAsEmployers",
}  # the five our sectors reach, of the 21 ISIC sections
# CTDC's Global Dataset (k-anonymised, k = 11) variables.
CTDC_VARIABLES = {"isForcedLabour", "isSexualExploit", "isOtherExploit"} | {f"meansOfControl{name}" for name in CONTROLS}
CTDC_RECRUITER_VARIABLES = {"recruiterRelation" + name for name in ("IntimatePartner", "Friend", "Family", "Other", "Unknown")}


@pytest.mark.parametrize(
    ("mapping", "choices", "allowed"),
    [
        (exports.CTDC_EXPLOITATION, ExploitationType, CTDC_VARIABLES),
        (exports.CTDC_MEANS_OF_CONTROL, MeansOfControl, CTDC_VARIABLES),
        (exports.CTDC_RECRUITER, RecruiterRelation, CTDC_RECRUITER_VARIABLES),
        (exports.HTCDS_EXPLOITATION, ExploitationType, {f"TypeOfExploitation{value}" for value in HTCDS_TYPES_OF_EXPLOITATION}),
        (exports.HTCDS_METHODS_OF_CONTROL, MeansOfControl, HTCDS_METHODS_OF_CONTROL_FIELDS),
        (exports.HTCDS_LABOUR_INDUSTRY, LabourSector, HTCDS_INDUSTRIES | {"Other"}),
        (
            exports.HTCDS_TRAFFICKING_STATUS,
            TraffickingStatus,
            {"PossibleVictimOfTrafficking", "ActualVictimOfTrafficking", "NotAVictimOfTrafficking"},
        ),
    ],
)
def test_every_mapping_covers_every_one_of_our_codes_with_a_value_of_the_standard(mapping, choices, allowed):
    assert set(mapping) == set(choices.values)
    assert set(mapping.values()) <= allowed


def test_the_means_of_control_are_one_to_one_with_both_standards():
    assert len(set(exports.CTDC_MEANS_OF_CONTROL.values())) == len(MeansOfControl.values) == 17
    assert set(exports.HTCDS_METHODS_OF_CONTROL.values()) == HTCDS_METHODS_OF_CONTROL_FIELDS


def test_every_gender_code_has_a_group_in_both_exports():
    for code in Gender.values:
        assert coarse_gender(code) in exports.CTDC_GENDER
        assert coarse_gender(code) in exports.HTCDS_GENDER
    assert exports.CTDC_GENDER == {"WOMAN": "Woman", "MAN": "Man", "OTHER": "Other"}


def test_every_age_has_a_ctdc_band():
    assert exports.CTDC_AGE_BANDS == ("0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+")
    bands = {age: exports._age_band(fact(age_at_registration=age)) for age in range(121)}
    assert set(bands.values()) == set(exports.CTDC_AGE_BANDS)
    assert (bands[8], bands[9], bands[17], bands[18], bands[47], bands[48], bands[120]) == (
        "0--8",
        "9--17",
        "9--17",
        "18--20",
        "39--47",
        "48+",
        "48+",
    )


def test_every_department_is_a_row_of_the_department_table():
    table = by_name(htcds_tables(WOMEN_AND_MEN, k=K, publication=False))["htcds_department_by_year"]
    shown = {row[1] for row in table.rows}
    assert {str(label) for label in Region.labels} | {"unknown", TOTAL} == shown


# --- Nothing personal ----------------------------------------------------------------------------

FORBIDDEN_WORDS = {"id", "ids", "name", "names", "date", "dates", "birth", "birthdate", "dob", "document", "documents", "dni"}
FORBIDDEN_WORDS |= {"passport", "phone", "mobile", "email", "contact", "address", "street", "postal", "note", "notes", "text"}
ALLOWED = {"meansOfControlWithholdsDocuments", "MethodsOfControlWithholdsDocuments"}  # a means of control, not a document


def words(column):
    return {word.lower() for word in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", column)}


def test_no_column_is_named_like_personal_data_and_no_value_looks_like_a_date():
    facts = TWO_YEARS + [fact(gender="TRANS_MAN", region="", age_at_registration=None, minor_at_registration=False)] * 3
    tables = ctdc_tables(facts, k=K, publication=False) + htcds_tables(facts, k=K, publication=False)
    assert words("vic_ForcedLabourIndustry") == {"vic", "forced", "labour", "industry"}
    for table in tables:
        for column in (table.name, *table.columns):
            for allowed in ALLOWED:
                column = column.replace(allowed, "")
            assert not words(column) & FORBIDDEN_WORDS, column
        for row in table.rows:
            for value in row:
                assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}", str(value)), (table.name, row)
                assert not isinstance(value, str) or len(value) < 60
    assert not set(CaseFacts.__dataclass_fields__) & {"id", "name", "birth_date", "document", "phone", "address", "notes"}


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_escapes_every_cell_that_a_spreadsheet_would_run():
    table = ExportTable(
        "injection",
        ("=SUM(A1:A9)", "count"),
        (
            ('=HYPERLINK("http://example.com","x")', 1),
            ("+1", 2),
            ("-2", 3),
            ("@x", 4),
            ("\tcmd", 5),
            ("\rcmd", 6),
            ("a=b", 7),
            ("<11", "*"),
        ),
    )
    text = to_csv(table)
    assert text.startswith("'=SUM(A1:A9),count\r\n")
    assert list(csv.reader(io.StringIO(text))) == [
        ["'=SUM(A1:A9)", "count"],
        ['\'=HYPERLINK("http://example.com","x")', "1"],
        ["'+1", "2"],
        ["'-2", "3"],
        ["'@x", "4"],
        ["'\tcmd", "5"],
        ["'\rcmd", "6"],
        ["a=b", "7"],
        ["<11", "*"],
    ]


def test_a_real_table_as_csv():
    table = by_name(ctdc_tables(TWO_YEARS, k=K, publication=False))["ctdc_flag_isSexualExploit"]
    assert to_csv(table) == (
        "yearOfRegistration,isSexualExploit,count\r\n"
        "2025,1,<11\r\n2025,0,*\r\n2025,TOTAL,25\r\n"
        "2026,1,*\r\n2026,0,*\r\n2026,TOTAL,30\r\n"
        "TOTAL,1,18\r\nTOTAL,0,37\r\nTOTAL,TOTAL,55\r\n"
    )


def test_the_bundle_is_a_zip_of_one_csv_per_table():
    tables = htcds_tables(TWO_YEARS, k=K, publication=True)
    data = to_csv_bundle(tables)
    assert data == to_csv_bundle(tables)  # the same tables, the same bytes
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        assert bundle.namelist() == [f"{table.name}.csv" for table in tables]
        for info in bundle.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
        raw = bundle.read("htcds_department_by_year.csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark, so that Excel reads "Áncash"
    assert "Áncash" in raw.decode("utf-8-sig")
    with pytest.raises(ValueError, match="same name"):
        to_csv_bundle([tables[0], tables[0]])

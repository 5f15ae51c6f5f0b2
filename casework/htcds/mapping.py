"""HTCDS 2.0 columns and codes <-> our fields and codes (docs/htcds.md is the same table in prose).

Pure: no Django models, no database. `map_row` turns one template row into the fields that
casework.services.case_open takes, those of the case's incoming referral and of its outgoing
referral (casework.models.transfers), plus per-row problems; `column_report` says, per column, what
happens to it. The code tables go both ways (`CodeTable.to_ours` and `CodeTable.to_htcds`) so that
the case export can write the same values back.

A row is identified by its row number and a problem by its column's HTCDS field name and a code:
never by the cell's content, which may identify a person.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext_lazy as _

from .countries import COUNTRIES, SPANISH_NAMES

# --- Problems -------------------------------------------------------------------------------------

MISSING_NAME = "missing_name"
MISSING_BIRTH_DATE = "missing_birth_date"
IMPOSSIBLE_DATE = "impossible_date"
FUTURE_DATE = "future_date"
UNKNOWN_CODE = "unknown_code"
TOO_LONG = "too_long"
ONLY_FIRST_KEPT = "only_first_kept"
DUPLICATE_EXISTING = "duplicate_existing"
DUPLICATE_IN_FILE = "duplicate_in_file"
NOT_SAVED = "not_saved"
MISSING_ORGANISATION = "missing_organisation"

PROBLEM_TEXTS = {
    MISSING_NAME: _("The first name is missing."),
    MISSING_BIRTH_DATE: _("The birth date is missing: a case needs a date of birth or an estimated age."),
    IMPOSSIBLE_DATE: _("The date does not exist or cannot be read (write it as YYYY-MM-DD or DD/MM/YYYY)."),
    FUTURE_DATE: _("The date is in the future."),
    UNKNOWN_CODE: _("A value is not in the HTCDS 2.0 list for this column."),
    TOO_LONG: _("The text is longer than the field allows."),
    ONLY_FIRST_KEPT: _("Several values given; the first is kept (the field holds one)."),
    DUPLICATE_EXISTING: _("Probably a person already registered (same name and birth date)."),
    DUPLICATE_IN_FILE: _("Same person as an earlier row of this file (same name and birth date)."),
    NOT_SAVED: _("The record could not be saved."),
    MISSING_ORGANISATION: _("An outgoing referral needs the organisation it went to: its other columns are not imported."),
}


@dataclass(frozen=True)
class Problem:
    row: int
    column: str  # the HTCDS field name, or "" for the row as a whole
    code: str
    blocking: bool = True  # a blocking problem keeps the row out; the others are told and imported
    other_row: int | None = None  # for DUPLICATE_IN_FILE: the earlier row

    @property
    def text(self):
        return PROBLEM_TEXTS.get(self.code, self.code)


@dataclass
class MappedRow:
    row: int
    person_fields: dict = field(default_factory=dict)
    case_fields: dict = field(default_factory=dict)
    # The referral columns as parsed and checked (HTCDS field name -> value; None where left out).
    referral_fields: dict = field(default_factory=dict)
    # What the importer writes of them (our field names), or None when the row has no such referral.
    incoming_fields: dict | None = None  # -> IncomingReferral
    outgoing_fields: dict | None = None  # -> CaseTransfer, recorded as already sent
    problems: list = field(default_factory=list)

    @property
    def valid(self):
        return not any(problem.blocking for problem in self.problems)

    def add(self, column, code, *, blocking=True, other_row=None):
        self.problems.append(Problem(self.row, column, code, blocking, other_row))


# --- Code tables ----------------------------------------------------------------------------------


def value_key(text):
    """A value as compared: case, accents, spaces and punctuation folded ('Follow up' == 'FollowUp')."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(char for char in decomposed.casefold() if char.isalnum() and not unicodedata.combining(char))


@dataclass(frozen=True)
class CodeTable:
    """One HTCDS choice list: value name -> (label, our code), and our code -> the value exported."""

    choices: dict  # HTCDS value name -> (HTCDS label, our code)
    exported: dict = field(default_factory=dict)  # our code -> HTCDS value name, where the first match is not it
    aliases: dict = field(default_factory=dict)  # other spellings -> HTCDS value name
    prefix: str = ""  # the prefix of HTCDS's flag-style field names ("MethodsOfControl" + value)

    @cached_property
    def _keys(self):
        keys = {}
        for name, (label, _code) in self.choices.items():
            keys[value_key(name)] = name
            keys[value_key(label)] = name
            if self.prefix:
                keys[value_key(self.prefix + name)] = name
        for alias, name in self.aliases.items():
            keys[value_key(alias)] = name
        return keys

    def htcds_name(self, text):
        """The HTCDS value name that `text` spells (name, label or alias), or None."""
        return self._keys.get(value_key(text)) if text else None

    def to_ours(self, text):
        name = self.htcds_name(text)
        return self.choices[name][1] if name else None

    def to_htcds(self, code):
        """The HTCDS value name our `code` is exported as (None when the list has none)."""
        if code in self.exported:
            return self.exported[code]
        return next((name for name, (_label, ours) in self.choices.items() if ours == code), None)

    def split(self, text):
        """The HTCDS value names in a multi-select cell, and whether some part matched none.

        Values are separated by ';', ',', new lines or spaces, but labels hold commas and spaces
        too ('Agriculture, forestry and fishing'): the longest run of words that spells a value wins.
        """
        words = [word for word in re.split(r"[\s;,|/]+", text or "") if word]
        keys, found, unknown, start = self._keys, [], False, 0
        while start < len(words):
            for end in range(min(len(words), start + 25), start, -1):
                name = keys.get(value_key("".join(words[start:end])))
                if name:
                    if name not in found:
                        found.append(name)
                    start = end
                    break
            else:
                unknown, start = True, start + 1
        return found, unknown


GENDER = CodeTable(
    {
        "Feminine": ("Feminine", "WOMAN"),
        "Masculine": ("Masculine", "MAN"),
        "TransgenderFeminine": ("Transgender Feminine", "TRANS_WOMAN"),
        "TransgenderMasculine": ("Transgender Masculine", "TRANS_MAN"),
        "NonConforming": ("Non-Conforming", "NON_BINARY"),
        "NonSpecifiedUnknown": ("Not Specified/Unknown", "NOT_STATED"),
    },
    aliases={"Femenino": "Feminine", "Mujer": "Feminine", "Masculino": "Masculine", "Hombre": "Masculine"},
)

TRAFFICKING_STATUS = CodeTable(
    {
        "PossibleVictimOfTrafficking": ("Possible victim of trafficking", "POSSIBLE"),
        "ActualVictimOfTrafficking": ("Actual victim of trafficking", "CONFIRMED"),
        "NotAVictimOfTrafficking": ("Not a victim of trafficking", "NOT_A_VICTIM"),
    }
)

# Our institutions are Peru's; HTCDS's are kinds. "Court or prosecution" is our prosecutor (the
# courts decide later, on the prosecutor's case); other public bodies cannot be told apart.
DECISION_MAKER = CodeTable(
    {
        "Police": ("Police", "POLICE"),
        "NGO": ("NGO", "NGO"),
        "CourtOrProsecution": ("Court or prosecution", "PROSECUTOR"),
        "NonPoliceGovernmentalOrganization": ("Non-police governmental organization", "OTHER"),
        "Other": ("Other", "OTHER"),
    },
    exported={
        "MIMP": "NonPoliceGovernmentalOrganization",
        "LABOUR_INSPECTION": "NonPoliceGovernmentalOrganization",
        "MIGRATION": "NonPoliceGovernmentalOrganization",
        "HEALTH": "NonPoliceGovernmentalOrganization",
        "OMBUDSMAN": "NonPoliceGovernmentalOrganization",
        "THIS_AGENCY": "Other",
        "OTHER": "Other",
    },
)

# Where or through whom the person was recruited -> our single recruitment channel.
RECRUITMENT = CodeTable(
    {
        "AtAPlaceOfBusiness": ("At a place of business", "PUBLIC_PLACE"),
        "AtAnEducationalInstitution": ("At an educational institution", "OTHER"),
        "AtWork": ("At work", "OTHER"),
        "ThroughOnlineSocialNetworks": ("Through online social networks", "SOCIAL_MEDIA"),
        "ThroughAnOnlineAdvertisement": ("Through an online advertisement", "JOB_OFFER"),
        "ThroughATelevisionAdvert": ("Through a television advert", "JOB_OFFER"),
        "ThroughANewspaperAdvert": ("Through a newspaper advert", "JOB_OFFER"),
        "ThroughFamilyOrFamilyEvents": ("Through family or family events", "FAMILY"),
        "ThroughFriendsOrSocialEvents": ("Through friends or social events", "OTHER"),
        "Other": ("Other", "OTHER"),
    },
    exported={"INTIMATE_PARTNER": "Other", "ABDUCTION": "Other", "EDUCATION_OFFER": "Other", "UNKNOWN": None},
)

METHODS_OF_CONTROL = CodeTable(
    {
        "PhysicalThreats": ("Physical threats", "THREATS"),
        "ThreatsLawEnforcement": ("Threats of law enforcement", "THREAT_OF_AUTHORITIES"),
        "ThreatensChildrenFamily": ("Threatens children/family", "THREATS"),
        "DebtBondage": ("Debt bondage", "DEBT_BONDAGE"),
        "FalsePromises": ("False promises", "FALSE_PROMISES"),
        "PhysicalAbuse": ("Physical abuse", "PHYSICAL_ABUSE"),
        "SexualAbuse": ("Sexual abuse", "SEXUAL_ABUSE"),
        "TakesEarnings": ("Takes earnings", "TAKES_EARNINGS"),
        "RestrictsFinancialAccess": ("Restricts financial access", "RESTRICTS_MONEY"),
        "RestrictsMedicalCare": ("Restricts medical care", "RESTRICTS_MEDICAL_CARE"),
        "WithholdsNecessities": ("Withholds necessities", "WITHHOLDS_NECESSITIES"),
        "PsychologicalAbuse": ("Psychological abuse", "PSYCHOLOGICAL_ABUSE"),
        "PsychoactiveSubstance": ("Psychoactive substance", "SUBSTANCES"),
        "ExcessiveWorkingHours": ("Excessive working hours", "EXCESSIVE_HOURS"),
        "WithholdsDocuments": ("Withholds documents", "WITHHOLDS_DOCUMENTS"),
        "Other": ("Other", "OTHER"),
        # In the field definitions (MethodsOfControl* flags) but not in the template's list.
        "RestrictsMovement": ("Restricts movement", "RESTRICTS_MOVEMENT"),
        "UsesChildren": ("Uses children", "USES_CHILDREN"),
    },
    exported={"THREATS": "PhysicalThreats"},
    aliases={
        "Threats": "PhysicalThreats",
        "ThreatOfLawEnforcement": "ThreatsLawEnforcement",
        "PsychoactiveSubstances": "PsychoactiveSubstance",
    },
    prefix="MethodsOfControl",
)

EXPLOITATION = CodeTable(
    {
        "ForcedLabour": ("Forced labour", "LABOUR"),
        "SexualExploitation": ("Sexual exploitation", "SEXUAL"),
        "ChildLabour": ("Child labour", "CHILD_LABOUR"),
        "ForcedMarriage": ("Forced marriage", "FORCED_MARRIAGE"),
        "Servitude": ("Servitude", "SERVITUDE"),
        "ForcedMilitaryByNonStateActors": ("Forced military (by non-state actors)", "FORCED_RECRUITMENT"),
        "OrganRemoval": ("Organ removal", "ORGAN_REMOVAL"),
        "ForcedBegging": ("Forced begging", "FORCED_BEGGING"),
        # Inducing consent to an adoption is a sale of children (Optional Protocol, art. 3).
        "ForcedAdoption": ("Forced adoption", "SALE_OF_CHILDREN"),
        "Surrogacy": ("Surrogacy", "OTHER"),
        "Other": ("Other", "OTHER"),
    },
    # As casework.exports.HTCDS_EXPLOITATION writes them.
    exported={"FORCED_CRIMINALITY": "Other", "SALE_OF_CHILDREN": "Other", "OTHER": "Other"},
    prefix="TypeOfExploitation",
)

# ISIC tier 1 -> our labour sectors (the Peruvian ones first). A tier-1 section may hold several
# of ours (forestry and agriculture; bricks and other manufacturing): the broader one is taken.
LABOUR_INDUSTRY = CodeTable(
    {
        "A_AgricultureForestryAndFishing": ("Agriculture, forestry and fishing", "AGRICULTURE"),
        "B_MiningAndQuarrying": ("Mining and quarrying", "MINING"),
        "C_Manufacturing": ("Manufacturing", "OTHER"),
        "D_ElectricityGasSteamAndAirConditioningSupply": ("Electricity, gas, steam and air conditioning supply", "OTHER"),
        "E_WaterSupplySewerageWasteManagement": ("Water supply; sewerage, waste management and remediation", "OTHER"),
        "F_Construction": ("Construction", "OTHER"),
        "G_WholesaleAndRetailTradeRepairOfMotorVehicles": ("Wholesale and retail trade; repair of motor vehicles and motorcycles", "OTHER"),
        "H_TransportationAndStorage": ("Transportation and storage", "OTHER"),
        "I_AccommodationAndFoodServiceActivities": ("Accommodation and food service activities", "HOSPITALITY"),
        "J_InformationAndCommunication": ("Information and communication", "OTHER"),
        "K_FinancialAndInsuranceActivities": ("Financial and insurance activities", "OTHER"),
        "L_RealEstateActivities": ("Real estate activities", "OTHER"),
        "M_ProfessionalScientificAndTechnicalActivities": ("Professional, scientific and technical activities", "OTHER"),
        "N_AdministrativeAndSupportServiceActivities": ("Administrative and support service activities", "OTHER"),
        "O_PublicAdministrationAndDefence": ("Public administration and defence; compulsory social security", "OTHER"),
        "P_Education": ("Education", "OTHER"),
        "Q_HumanHealthAndSocialWorkActivities": ("Human health and social work activities", "OTHER"),
        "R_ArtsEntertainmentAndRecreation": ("Arts, entertainment and recreation", "OTHER"),
        "S_OtherServiceActivities": ("Other service activities", "OTHER"),
        "T_ActivitiesOfHouseholdsAsEmployers": (
            "Activities of households as employers; undifferentiated goods- and services- producing activities of households for own use",
            "DOMESTIC_WORK",
        ),
        "U_ActivitiesOfExtraterritorialOrganizations": ("Activities of extraterritorial organizations and bodies", "OTHER"),
        "Other": ("Other", "OTHER"),
    },
    # As casework.exports.HTCDS_LABOUR_INDUSTRY writes them.
    exported={"LOGGING": "A_AgricultureForestryAndFishing", "BRICK_MAKING": "C_Manufacturing", "BEGGING": "Other", "OTHER": "Other"},
)

SEX_EXPLOITATION = CodeTable(
    {
        "Prostitution": ("Prostitution", None),
        "Pornography": ("Pornography", None),
        "RemoteInteractiveServices": ("Remote Interactive Services", None),
        "PrivateSexualServices": ("Private Sexual Services", None),
    }
)

# Active covers all our open stages; an imported active case starts at intake, for its team to
# complete our intake sections.
CASE_STATUS = CodeTable(
    {
        "Active": ("Active", "INTAKE"),
        "FollowUp": ("Follow Up", "FOLLOW_UP"),
        "Closed": ("Closed", "CLOSED"),
        "ClosedReferred": ("Closed Referred", "CLOSED_REFERRED"),
    },
    exported={
        "IMMEDIATE_ASSISTANCE": "Active",
        "REINTEGRATION_PLANNING": "Active",
        "REINTEGRATION_ACTIVE": "Active",
        "CLOSURE_PENDING": "Active",
        "LOST_CONTACT": "Active",
    },
)

# The template's list for both directions (its validation sheet; the XLSForm leaves the reason as text).
REFERRAL_REASON = CodeTable(
    {
        "AdditionalServicesRequired": ("Additional Services Required", "ADDITIONAL_SERVICES"),
        "MigrationOrChangeOfLocation": ("Migration Or Change Of Location", "CHANGE_OF_LOCATION"),
        "Other": ("Other", "OTHER"),
    }
)

# con_Consent is not imported (COLUMN_RULES); the table is here for the case export.
CONSENT = CodeTable({"TRUE": ("Yes", True), "FALSE": ("No", False)}, aliases={"Sí": "TRUE", "Si": "TRUE"})


def _country_table():
    keys = {}
    for alpha2, alpha3, name in COUNTRIES:
        for spelling in (alpha2, alpha3, name):
            keys[value_key(spelling)] = alpha3
    for name, alpha3 in SPANISH_NAMES.items():
        keys[value_key(name)] = alpha3
    return keys


_COUNTRY_KEYS = _country_table()
_ALPHA2_BY_ALPHA3 = {alpha3: alpha2 for alpha2, alpha3, _name in COUNTRIES}


def country_to_ours(text):
    """ISO alpha-3 (Person.nationality) for an alpha-2 code (as HTCDS stores it), alpha-3 code or name."""
    return _COUNTRY_KEYS.get(value_key(text)) if text else None


def country_to_htcds(alpha3):
    return _ALPHA2_BY_ALPHA3.get(alpha3)


# --- Values ---------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?$")
_DAY_FIRST_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
OLDEST_BIRTH_YEAR = 1900


def parse_date(value, today, *, past_only=True):
    """(date, None) or (None, problem code) for a cell: an Excel date, YYYY-MM-DD or DD/MM/YYYY.

    Day first, as Peru writes dates; a date the calendar lacks (31/02) is impossible, never moved.
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        text = str(value).strip()
        match = _ISO_DATE.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
        else:
            match = _DAY_FIRST_DATE.match(text)
            if not match:
                return None, IMPOSSIBLE_DATE
            day, month, year = (int(part) for part in match.groups())
        try:
            value = datetime.date(year, month, day)
        except ValueError:
            return None, IMPOSSIBLE_DATE
    if value.year < OLDEST_BIRTH_YEAR:
        return None, IMPOSSIBLE_DATE
    if past_only and value > today:
        return None, FUTURE_DATE
    return value, None


def text_of(value):
    """A cell as text (a date cell in a text column is written as YYYY-MM-DD)."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime.date) else str(value).strip()


# --- Columns --------------------------------------------------------------------------------------

MAPPED, PARTLY, NOT_MAPPED = "mapped", "partly", "not_mapped"
STATUS_TEXTS = {MAPPED: _("mapped"), PARTLY: _("partly mapped"), NOT_MAPPED: _("not mapped")}


@dataclass(frozen=True)
class ColumnRule:
    status: str
    target: str  # our field, as Model.field
    why: str = ""


_OUTGOING_WHY = _("Written only with the organisation the case went to (cas_ReferredOrganisation).")

COLUMN_RULES = {
    "cas_CaseOwner": ColumnRule(NOT_MAPPED, "", _("The case arrives without a team; a supervisor assigns one.")),
    "prs_Salutation": ColumnRule(NOT_MAPPED, "", _("We keep no salutation.")),
    "prs_FirstName": ColumnRule(MAPPED, "Person.given_names"),
    "prs_SecondName": ColumnRule(MAPPED, "Person.family_names"),
    "con_Consent": ColumnRule(
        NOT_MAPPED, "", _("A yes/no says neither to what, how nor when: consent is recorded again with the person, per sector.")
    ),
    "prs_Birthdate": ColumnRule(MAPPED, "Person.birth_date"),
    "prs_Gender": ColumnRule(MAPPED, "Person.gender"),
    "prs_Citizenship": ColumnRule(MAPPED, "Person.nationality", _("ISO alpha-2 code or country name, stored as alpha-3.")),
    "prs_Title": ColumnRule(NOT_MAPPED, "", _("We keep no title.")),
    "prs_Email": ColumnRule(NOT_MAPPED, "", _("We keep no e-mail address for a person; safe contact is recorded with the person.")),
    "prs_HomePhone": ColumnRule(PARTLY, "Person.phone", _("One phone field: the mobile phone first, the home phone after it.")),
    "prs_MobilePhone": ColumnRule(MAPPED, "Person.phone"),
    **{
        name: ColumnRule(
            PARTLY,
            "Person.address",
            _("The mailing columns are joined into one address, in the sheet's order (the template's names and labels disagree)."),
        )
        for name in ("prs_MailingStreet", "prs_MailingCity", "prs_MailingState", "prs_MailingPostalCode", "prs_MailingCountry")
    },
    "vic_TraffickingStatus": ColumnRule(MAPPED, "Case.trafficking_status"),
    "vic_TraffickingStatusDecisionMakingOrg": ColumnRule(
        PARTLY,
        "Case.trafficking_status_decided_by",
        _("Non-police governmental organisation becomes Other: the template does not say which."),
    ),
    "vic_MethodOfRecruitment": ColumnRule(
        PARTLY, "Case.recruitment_channel", _("Several places become our one channel (the first kept); some become Other.")
    ),
    "vic_LocationOfRecruitment": ColumnRule(NOT_MAPPED, "", _("Free text; we keep no place of recruitment.")),
    "vic_MethodsOfControl": ColumnRule(
        MAPPED, "Case.means_of_control", _("Physical threats and threats to the family both become Threats.")
    ),
    "vic_TypeOfExploitation": ColumnRule(MAPPED, "Case.exploitation_types"),
    "vic_ForcedLabourIndustry": ColumnRule(
        PARTLY, "Case.labour_sector", _("ISIC sections become our sectors (one kept); most become Other.")
    ),
    "vic_TypeOfSexExploitation": ColumnRule(NOT_MAPPED, "", _("We record sexual exploitation, not its form.")),
    "vic_LocationOfExploitation": ColumnRule(
        NOT_MAPPED, "", _("Free text; our case region is where the case is handled (the office's region).")
    ),
    "cas_Status": ColumnRule(
        PARTLY, "Case.status", _("Active becomes Intake, for the team to complete our intake; Closed cases close on the import date.")
    ),
    "cas_ReferringOrganisation": ColumnRule(MAPPED, "IncomingReferral.organisation"),
    "cas_IncomingReferralDate": ColumnRule(MAPPED, "IncomingReferral.referred_on"),
    "cas_ReferringPrimaryCaseWorker": ColumnRule(MAPPED, "IncomingReferral.caseworker", _("Encrypted, like every name.")),
    "cas_ReasonForIncomingReferral": ColumnRule(
        PARTLY,
        "IncomingReferral.reason_code",
        _("The template's list (additional services, change of location, other); another text is left out, with a note."),
    ),
    "cas_IncomingReferralDetails": ColumnRule(MAPPED, "IncomingReferral.details", _("Encrypted, like every free text.")),
    "cas_ReferredOrganisation": ColumnRule(
        PARTLY, "CaseTransfer.organisation", _("Recorded as an outgoing referral already sent, without a sector: HTCDS has none.")
    ),
    "cas_ReferredPrimaryCaseWorker": ColumnRule(MAPPED, "CaseTransfer.caseworker", _OUTGOING_WHY),
    "cas_ReasonForOutgoingReferral": ColumnRule(MAPPED, "CaseTransfer.reason_code", _OUTGOING_WHY),
    "cas_OutgoingReferralDate": ColumnRule(
        PARTLY, "CaseTransfer.downloaded_at", _("Sent at noon (Lima time) of that day. Written only with the organisation.")
    ),
    "cas_OutgoingReferralDetails": ColumnRule(MAPPED, "CaseTransfer.details", _OUTGOING_WHY),
    "cas_ReasonForCaseClosure": ColumnRule(
        NOT_MAPPED, "", _("Free text; a closure's reason is recorded in its closure review, which an import does not create.")
    ),
}
MAILING_FIELDS = ("prs_MailingStreet", "prs_MailingCity", "prs_MailingState", "prs_MailingPostalCode", "prs_MailingCountry")
# HTCDS column -> our field, per referral; a problem in one of them is a note that never keeps the row out.
INCOMING_COLUMNS = {
    "cas_ReferringOrganisation": "organisation",
    "cas_IncomingReferralDate": "referred_on",
    "cas_ReferringPrimaryCaseWorker": "caseworker",
    "cas_ReasonForIncomingReferral": "reason_code",
    "cas_IncomingReferralDetails": "details",
}
OUTGOING_COLUMNS = {
    "cas_ReferredOrganisation": "organisation",
    "cas_OutgoingReferralDate": "sent_on",
    "cas_ReferredPrimaryCaseWorker": "caseworker",
    "cas_ReasonForOutgoingReferral": "reason_code",
    "cas_OutgoingReferralDetails": "details",
}
REFERRAL_FIELDS = (*INCOMING_COLUMNS, *OUTGOING_COLUMNS)
REFERRAL_DATES = ("cas_IncomingReferralDate", "cas_OutgoingReferralDate")
REFERRAL_REASONS = ("cas_ReasonForIncomingReferral", "cas_ReasonForOutgoingReferral")
REFERRAL_MAX_LENGTHS = {"organisation": 200, "caseworker": 200, "details": 2000}

# Our fields no HTCDS column fills: what an imported person or case holds instead.
NOT_IN_HTCDS = {
    "Person.languages": _("No HTCDS column: left empty, recorded at intake."),
    "Person.document_number": _("No HTCDS column: left empty; duplicates are found by name and birth date."),
    "Case.region": _("The office's region."),
    "Case.opened_on": _("The import date."),
}

# Our field of the person or case -> the column it comes from, to tell which column a refused value came from.
COLUMN_OF_FIELD = {
    rule.target.split(".")[1]: name for name, rule in reversed(COLUMN_RULES.items()) if rule.target.startswith(("Person.", "Case."))
}

MAX_LENGTHS = {"given_names": 200, "family_names": 200, "phone": 40, "address": 500}


@dataclass(frozen=True)
class ColumnResult:
    field: str
    letter: str
    status: str
    target: str
    why: str
    note: str = ""  # reader.Column.note: the field was read from the label, or the label disagrees

    @property
    def status_text(self):
        return STATUS_TEXTS[self.status]


def column_report(columns):
    """Per column of the sheet (reader.Column), what the import does with it."""
    results = []
    for column in columns:
        rule = COLUMN_RULES.get(column.field, ColumnRule(NOT_MAPPED, "", _("Not an HTCDS 2.0 template column.")))
        results.append(ColumnResult(column.field, column.letter, rule.status, rule.target, str(rule.why), column.note))
    return results


# --- Rows -----------------------------------------------------------------------------------------


def map_row(row_number, values, *, today, column_order=None):
    """One template row -> the fields of case_open, and its problems. Never raises on cell content."""
    mapped = MappedRow(row=row_number)
    _map_person(mapped, values, today, column_order or list(values))
    _map_case(mapped, values, today)
    _map_referrals(mapped, values, today)
    return mapped


def _text_field(mapped, values, column, target):
    text = text_of(values.get(column))
    if len(text) > MAX_LENGTHS[target]:
        mapped.add(column, TOO_LONG)
        return ""
    return text


def _map_person(mapped, values, today, column_order):
    person = mapped.person_fields
    person["given_names"] = _text_field(mapped, values, "prs_FirstName", "given_names")
    person["family_names"] = _text_field(mapped, values, "prs_SecondName", "family_names")
    if not text_of(values.get("prs_FirstName")):
        mapped.add("prs_FirstName", MISSING_NAME)
    birth_date, problem = parse_date(values.get("prs_Birthdate"), today)
    if problem:
        mapped.add("prs_Birthdate", problem)
    elif birth_date is None:
        mapped.add("prs_Birthdate", MISSING_BIRTH_DATE)
    person["birth_date"] = birth_date
    person["gender"] = _single(mapped, values, "prs_Gender", GENDER) or "NOT_STATED"
    citizenship = text_of(values.get("prs_Citizenship"))
    nationality = country_to_ours(citizenship)
    if citizenship and not nationality:
        mapped.add("prs_Citizenship", UNKNOWN_CODE)
    person["nationality"] = nationality or ""
    phones = [text_of(values.get(name)) for name in ("prs_MobilePhone", "prs_HomePhone")]
    person["phone"] = _joined(mapped, " / ".join(phone for phone in phones if phone), "prs_MobilePhone", "phone")
    address = ", ".join(text_of(values.get(name)) for name in column_order if name in MAILING_FIELDS and text_of(values.get(name)))
    person["address"] = _joined(mapped, address, "prs_MailingStreet", "address")


def _joined(mapped, text, column, target):
    if len(text) > MAX_LENGTHS[target]:
        mapped.add(column, TOO_LONG)
        return ""
    return text


def _single(mapped, values, column, table):
    text = text_of(values.get(column))
    if not text:
        return None
    code = table.to_ours(text)
    if code is None:
        mapped.add(column, UNKNOWN_CODE)
    return code


def _multiple(mapped, values, column, table):
    names, unknown = table.split(text_of(values.get(column)))
    if unknown:
        mapped.add(column, UNKNOWN_CODE)
    codes = []
    for name in names:
        code = table.choices[name][1]
        if code not in codes:
            codes.append(code)
    return codes


def _first_of(mapped, values, column, table):
    codes = _multiple(mapped, values, column, table)
    if len(codes) > 1:
        mapped.add(column, ONLY_FIRST_KEPT, blocking=False)
    return codes[0] if codes else ""


def _map_case(mapped, values, today):
    case = mapped.case_fields
    case["trafficking_status"] = _single(mapped, values, "vic_TraffickingStatus", TRAFFICKING_STATUS) or "POSSIBLE"
    case["trafficking_status_decided_by"] = _single(mapped, values, "vic_TraffickingStatusDecisionMakingOrg", DECISION_MAKER) or ""
    case["recruitment_channel"] = _first_of(mapped, values, "vic_MethodOfRecruitment", RECRUITMENT)
    case["means_of_control"] = _multiple(mapped, values, "vic_MethodsOfControl", METHODS_OF_CONTROL)
    case["exploitation_types"] = _multiple(mapped, values, "vic_TypeOfExploitation", EXPLOITATION)
    case["labour_sector"] = _first_of(mapped, values, "vic_ForcedLabourIndustry", LABOUR_INDUSTRY)
    # Checked so that a wrong value is told, though we keep no form of sexual exploitation.
    _multiple(mapped, values, "vic_TypeOfSexExploitation", SEX_EXPLOITATION)
    status = _single(mapped, values, "cas_Status", CASE_STATUS) or "INTAKE"
    case["status"] = status
    if status in ("CLOSED", "CLOSED_REFERRED"):
        case["closed_on"] = today


def _map_referrals(mapped, values, today):
    """Parsed and checked; a problem here is a note that leaves the value out, never the row."""
    referral = mapped.referral_fields
    for column in REFERRAL_FIELDS:
        value = values.get(column)
        if column in REFERRAL_DATES:
            parsed, problem = parse_date(value, today)
            if problem:
                mapped.add(column, problem, blocking=False)
            referral[column] = parsed
        elif column in REFERRAL_REASONS:
            text = text_of(value)
            name = REFERRAL_REASON.htcds_name(text)
            if text and not name:
                mapped.add(column, UNKNOWN_CODE, blocking=False)
            referral[column] = name
        else:
            text = text_of(value)
            target = INCOMING_COLUMNS.get(column) or OUTGOING_COLUMNS[column]
            if len(text) > REFERRAL_MAX_LENGTHS[target]:
                mapped.add(column, TOO_LONG, blocking=False)
                text = ""
            referral[column] = text
    mapped.incoming_fields = _referral_part(referral, INCOMING_COLUMNS)
    outgoing = _referral_part(referral, OUTGOING_COLUMNS)
    if outgoing and not outgoing["organisation"]:
        mapped.add("cas_ReferredOrganisation", MISSING_ORGANISATION, blocking=False)
        outgoing = None
    mapped.outgoing_fields = outgoing


def _referral_part(referral, columns):
    """Our fields of one referral (reason as our code, "" or None where empty), or None if it has nothing."""
    fields = {}
    for column, target in columns.items():
        value = referral[column]
        if column in REFERRAL_REASONS:
            value = REFERRAL_REASON.choices[value][1] if value else ""
        fields[target] = value
    return fields if any(fields.values()) else None


def identity_key(person_fields):
    """What makes two rows the same person: the folded full name and the birth date (None if either lacks)."""
    name = fold_name(f"{person_fields.get('given_names', '')} {person_fields.get('family_names', '')}")
    birth_date = person_fields.get("birth_date")
    return (name, birth_date) if name and birth_date else None


def fold_name(text):
    """Case, accents and spacing folded, word order kept: 'Ñusta  QUISPE-Mamani' -> 'nusta quispe mamani'."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(part for part in re.split(r"[\W_]+", without_marks.casefold()) if part)

"""Stable codes of DOMAIN.md as TextChoices: the code is stored, the label is translated."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def check_codes(instance, **choices_by_field):
    """One ValidationError naming each field of `instance` that holds a code outside its choices.

    A field holds a list of codes, or a single code (blank allowed).
    """
    errors = {}
    for name, choices in choices_by_field.items():
        value = getattr(instance, name)
        codes = value if isinstance(value, list) else [value] if value else []
        unknown = [code for code in codes if code not in choices.values]
        if unknown:
            errors[name] = _("Unknown codes: %(codes)s") % {"codes": ", ".join(map(str, unknown))}
    if errors:
        raise ValidationError(errors)


class Gender(models.TextChoices):
    WOMAN = "WOMAN", _("Woman")
    MAN = "MAN", _("Man")
    TRANS_WOMAN = "TRANS_WOMAN", _("Trans woman")
    TRANS_MAN = "TRANS_MAN", _("Trans man")
    NON_BINARY = "NON_BINARY", _("Non-binary")
    NOT_STATED = "NOT_STATED", _("Not stated")


class PreferredGender(models.TextChoices):
    WOMAN = "WOMAN", _("A woman")
    MAN = "MAN", _("A man")
    NO_PREFERENCE = "NO_PREFERENCE", _("No preference")
    NOT_ASKED = "NOT_ASKED", _("Not asked")


class AgeBand(models.TextChoices):
    CHILD = "CHILD", _("Child (0-11)")
    ADOLESCENT = "ADOLESCENT", _("Adolescent (12-17)")
    YOUNG_ADULT = "YOUNG_ADULT", _("Young adult (18-20)")
    ADULT = "ADULT", _("Adult (21-59)")
    OLDER_ADULT = "OLDER_ADULT", _("Older adult (60+)")


class CaseStatus(models.TextChoices):
    INTAKE = "INTAKE", _("Intake")
    IMMEDIATE_ASSISTANCE = "IMMEDIATE_ASSISTANCE", _("Immediate assistance")
    REINTEGRATION_PLANNING = "REINTEGRATION_PLANNING", _("Reintegration planning")
    REINTEGRATION_ACTIVE = "REINTEGRATION_ACTIVE", _("Reintegration under way")
    FOLLOW_UP = "FOLLOW_UP", _("Follow-up")
    CLOSURE_PENDING = "CLOSURE_PENDING", _("Closure pending")
    CLOSED = "CLOSED", _("Closed")
    CLOSED_REFERRED = "CLOSED_REFERRED", _("Closed, referred")
    LOST_CONTACT = "LOST_CONTACT", _("Lost contact")


CLOSED_STATUSES = (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED)
OPEN_STATUSES = tuple(status for status in CaseStatus if status not in CLOSED_STATUSES)


class TraffickingStatus(models.TextChoices):
    POSSIBLE = "POSSIBLE", _("Possible (indicators, not verified)")
    CONFIRMED = "CONFIRMED", _("Confirmed")
    NOT_A_VICTIM = "NOT_A_VICTIM", _("Not a victim")


class ExploitationType(models.TextChoices):
    SEXUAL = "SEXUAL", _("Sexual exploitation")
    LABOUR = "LABOUR", _("Labour exploitation")
    SERVITUDE = "SERVITUDE", _("Servitude or slavery-like practices")
    FORCED_BEGGING = "FORCED_BEGGING", _("Forced begging")
    FORCED_CRIMINALITY = "FORCED_CRIMINALITY", _("Forced criminality")
    CHILD_LABOUR = "CHILD_LABOUR", _("Child labour")
    FORCED_MARRIAGE = "FORCED_MARRIAGE", _("Forced marriage")
    ORGAN_REMOVAL = "ORGAN_REMOVAL", _("Organ removal")
    SALE_OF_CHILDREN = "SALE_OF_CHILDREN", _("Sale of children")
    FORCED_RECRUITMENT = "FORCED_RECRUITMENT", _("Forced recruitment by armed groups")
    OTHER = "OTHER", _("Other")


class LabourSector(models.TextChoices):
    MINING = "MINING", _("Mining")
    LOGGING = "LOGGING", _("Logging")
    AGRICULTURE = "AGRICULTURE", _("Agriculture")
    BRICK_MAKING = "BRICK_MAKING", _("Brick making")
    DOMESTIC_WORK = "DOMESTIC_WORK", _("Domestic work")
    BEGGING = "BEGGING", _("Begging")
    HOSPITALITY = "HOSPITALITY", _("Hospitality")
    OTHER = "OTHER", _("Other")


class DocumentType(models.TextChoices):
    DNI = "DNI", _("DNI (national identity document)")
    CE = "CE", _("Foreigner's card (carné de extranjería)")
    PASSPORT = "PASSPORT", _("Passport")
    PTP = "PTP", _("Temporary stay permit (PTP/CPP)")
    BIRTH_CERTIFICATE = "BIRTH_CERTIFICATE", _("Birth certificate")
    OTHER = "OTHER", _("Other")
    NONE = "NONE", _("No document")


class Discipline(models.TextChoices):
    PSYCHOLOGY = "PSYCHOLOGY", _("Psychology")
    SOCIAL_WORK = "SOCIAL_WORK", _("Social work")
    LAW = "LAW", _("Law")
    MEDICINE = "MEDICINE", _("Medicine")
    NURSING = "NURSING", _("Nursing")
    PSYCHIATRY = "PSYCHIATRY", _("Psychiatry")
    EDUCATION = "EDUCATION", _("Education")
    VOCATIONAL_GUIDANCE = "VOCATIONAL_GUIDANCE", _("Vocational guidance")
    INTERPRETER = "INTERPRETER", _("Interpreter")
    CASE_MANAGEMENT = "CASE_MANAGEMENT", _("Case management")
    POLICE = "POLICE", _("Police")
    PROSECUTION = "PROSECUTION", _("Prosecution")
    FORENSICS = "FORENSICS", _("Forensics")


class Sector(models.TextChoices):
    JUSTICE = "JUSTICE", _("Justice")
    POLICE = "POLICE", _("Police")
    HEALTH = "HEALTH", _("Health")
    SOCIAL_PROTECTION = "SOCIAL_PROTECTION", _("Social protection")
    EDUCATION = "EDUCATION", _("Education")
    LABOUR = "LABOUR", _("Labour")
    MIGRATION = "MIGRATION", _("Migration")
    IDENTITY = "IDENTITY", _("Identity")
    LOCAL_GOVERNMENT = "LOCAL_GOVERNMENT", _("Local government")
    OMBUDSMAN = "OMBUDSMAN", _("Ombudsman")
    CIVIL_SOCIETY = "CIVIL_SOCIETY", _("Civil society")
    INTERNATIONAL = "INTERNATIONAL", _("International organisation")


class Region(models.TextChoices):
    """The 24 departments plus Callao, by INEI ubigeo code."""

    AMAZONAS = "01", "Amazonas"
    ANCASH = "02", "Áncash"
    APURIMAC = "03", "Apurímac"
    AREQUIPA = "04", "Arequipa"
    AYACUCHO = "05", "Ayacucho"
    CAJAMARCA = "06", "Cajamarca"
    CALLAO = "07", "Callao"
    CUSCO = "08", "Cusco"
    HUANCAVELICA = "09", "Huancavelica"
    HUANUCO = "10", "Huánuco"
    ICA = "11", "Ica"
    JUNIN = "12", "Junín"
    LA_LIBERTAD = "13", "La Libertad"
    LAMBAYEQUE = "14", "Lambayeque"
    LIMA = "15", "Lima"
    LORETO = "16", "Loreto"
    MADRE_DE_DIOS = "17", "Madre de Dios"
    MOQUEGUA = "18", "Moquegua"
    PASCO = "19", "Pasco"
    PIURA = "20", "Piura"
    PUNO = "21", "Puno"
    SAN_MARTIN = "22", "San Martín"
    TACNA = "23", "Tacna"
    TUMBES = "24", "Tumbes"
    UCAYALI = "25", "Ucayali"


class Language(models.TextChoices):
    """ISO 639-3 codes (DOMAIN.md section 12)."""

    SPANISH = "spa", _("Spanish")
    QUECHUA = "que", _("Quechua")
    AYMARA = "aym", _("Aymara")
    ASHANINKA = "cni", _("Asháninka")
    AWAJUN = "agr", _("Awajún")
    SHIPIBO = "shp", _("Shipibo-Konibo")
    MATSIGENKA = "mcb", _("Matsigenka")
    PORTUGUESE = "por", _("Portuguese")
    ENGLISH = "eng", _("English")
    OTHER = "other", _("Other language")


class MeansOfControl(models.TextChoices):
    DEBT_BONDAGE = "DEBT_BONDAGE", _("Debt bondage")
    TAKES_EARNINGS = "TAKES_EARNINGS", _("Takes earnings")
    THREATS = "THREATS", _("Threats")
    USES_CHILDREN = "USES_CHILDREN", _("Uses the children")
    THREAT_OF_AUTHORITIES = "THREAT_OF_AUTHORITIES", _("Threat of the authorities")
    PSYCHOLOGICAL_ABUSE = "PSYCHOLOGICAL_ABUSE", _("Psychological abuse")
    PHYSICAL_ABUSE = "PHYSICAL_ABUSE", _("Physical abuse")
    SEXUAL_ABUSE = "SEXUAL_ABUSE", _("Sexual abuse")
    FALSE_PROMISES = "FALSE_PROMISES", _("False promises")
    SUBSTANCES = "SUBSTANCES", _("Alcohol or drugs")
    RESTRICTS_MOVEMENT = "RESTRICTS_MOVEMENT", _("Restricts movement")
    RESTRICTS_MONEY = "RESTRICTS_MONEY", _("Restricts access to money")
    RESTRICTS_MEDICAL_CARE = "RESTRICTS_MEDICAL_CARE", _("Restricts medical care")
    WITHHOLDS_NECESSITIES = "WITHHOLDS_NECESSITIES", _("Withholds food, sleep or other necessities")
    EXCESSIVE_HOURS = "EXCESSIVE_HOURS", _("Excessive working hours")
    WITHHOLDS_DOCUMENTS = "WITHHOLDS_DOCUMENTS", _("Withholds documents")
    OTHER = "OTHER", _("Other")


class RecruiterRelation(models.TextChoices):
    INTIMATE_PARTNER = "INTIMATE_PARTNER", _("Intimate partner")
    FAMILY = "FAMILY", _("Family")
    FRIEND = "FRIEND", _("Friend")
    OTHER = "OTHER", _("Other")
    UNKNOWN = "UNKNOWN", _("Unknown")


class RecruitmentChannel(models.TextChoices):
    JOB_OFFER = "JOB_OFFER", _("Job offer")
    SOCIAL_MEDIA = "SOCIAL_MEDIA", _("Social media")
    INTIMATE_PARTNER = "INTIMATE_PARTNER", _("Intimate partner")
    FAMILY = "FAMILY", _("Family")
    ABDUCTION = "ABDUCTION", _("Abduction")
    EDUCATION_OFFER = "EDUCATION_OFFER", _("Offer of education")
    PUBLIC_PLACE = "PUBLIC_PLACE", _("Public place")
    OTHER = "OTHER", _("Other")
    UNKNOWN = "UNKNOWN", _("Unknown")


class Institution(models.TextChoices):
    """Who identified the person, or decided the trafficking status."""

    POLICE = "POLICE", _("National Police (PNP)")
    PROSECUTOR = "PROSECUTOR", _("Public Prosecutor's Office")
    MIMP = "MIMP", _("Ministry of Women (MIMP)")
    LABOUR_INSPECTION = "LABOUR_INSPECTION", _("Labour inspection (SUNAFIL)")
    MIGRATION = "MIGRATION", _("Migration authority")
    HEALTH = "HEALTH", _("Health service")
    OMBUDSMAN = "OMBUDSMAN", _("Ombudsman's Office")
    NGO = "NGO", _("Civil society organisation")
    THIS_AGENCY = "THIS_AGENCY", _("This agency")
    OTHER = "OTHER", _("Other")


class StatementSetting(models.TextChoices):
    """Where the person's account was taken, so that nobody takes it again."""

    SINGLE_INTERVIEW = "SINGLE_INTERVIEW", _("Single interview at the Prosecutor's Office (Cámara Gesell)")
    PROSECUTOR = "PROSECUTOR", _("Prosecutor's Office, other statement")
    POLICE = "POLICE", _("Police")
    THIS_AGENCY = "THIS_AGENCY", _("This agency")
    OTHER = "OTHER", _("Other")


class Disability(models.TextChoices):
    PHYSICAL = "PHYSICAL", _("Physical or reduced mobility")
    VISUAL = "VISUAL", _("Visual")
    HEARING = "HEARING", _("Hearing")
    SPEECH = "SPEECH", _("Speech")
    INTELLECTUAL = "INTELLECTUAL", _("Intellectual")
    PSYCHOSOCIAL = "PSYCHOSOCIAL", _("Psychosocial")
    OTHER = "OTHER", _("Other")


class SafeChannel(models.TextChoices):
    """How the person may safely be contacted (DOMAIN.md section 10)."""

    PHONE_CALL = "PHONE_CALL", _("Phone call")
    SMS = "SMS", _("Text message")
    WHATSAPP = "WHATSAPP", _("WhatsApp")
    EMAIL = "EMAIL", _("Email")
    OFFICE_VISIT = "OFFICE_VISIT", _("At the office")
    HOME_VISIT = "HOME_VISIT", _("Home visit")
    TRUSTED_PERSON = "TRUSTED_PERSON", _("Through a trusted person")


class ServiceType(models.TextChoices):
    """Referral needs and catalogue services (DOMAIN.md section 5)."""

    SHELTER_EMERGENCY = "SHELTER_EMERGENCY", _("Emergency temporary shelter")
    SHELTER_MINORS = "SHELTER_MINORS", _("Residential care for children and adolescents (CAR)")
    SHELTER_WOMEN = "SHELTER_WOMEN", _("Shelter for adult women")
    SHELTER_MEN = "SHELTER_MEN", _("Shelter for adult men")
    FAMILY_CARE = "FAMILY_CARE", _("Family-based care, family reintegration")
    MEDICAL = "MEDICAL", _("Medical care")
    SEXUAL_REPRODUCTIVE_HEALTH = "SEXUAL_REPRODUCTIVE_HEALTH", _("Sexual and reproductive health")
    MENTAL_HEALTH = "MENTAL_HEALTH", _("Psychiatry, mental health")
    PSYCHOLOGICAL = "PSYCHOLOGICAL", _("Psychological care")
    LEGAL_AID = "LEGAL_AID", _("Legal assistance in the criminal case")
    COMPENSATION = "COMPENSATION", _("Civil reparation, compensation claim")
    WITNESS_PROTECTION = "WITNESS_PROTECTION", _("Victim and witness protection")
    IDENTITY_DOCUMENTS = "IDENTITY_DOCUMENTS", _("Identity documents")
    MIGRATION_STATUS = "MIGRATION_STATUS", _("Migration regularisation")
    REPATRIATION = "REPATRIATION", _("Return, repatriation")
    INTERPRETATION = "INTERPRETATION", _("Interpreter")
    EDUCATION = "EDUCATION", _("Return to school")
    VOCATIONAL_TRAINING = "VOCATIONAL_TRAINING", _("Technical and vocational training")
    EMPLOYMENT = "EMPLOYMENT", _("Job placement")
    LIVELIHOOD = "LIVELIHOOD", _("Income support, small business")
    BASIC_NEEDS = "BASIC_NEEDS", _("Food, clothes, kits")
    SAFETY_PLANNING = "SAFETY_PLANNING", _("Risk assessment and safety plan")


class ConsentSector(models.TextChoices):
    """The sectors a person may consent to share their case with (DOMAIN.md section 9)."""

    JUSTICE = "JUSTICE", _("Justice")
    POLICE = "POLICE", _("Police")
    HEALTH = "HEALTH", _("Health")
    SOCIAL_PROTECTION = "SOCIAL_PROTECTION", _("Social protection")
    LEGAL_AID = "LEGAL_AID", _("Legal aid")
    SHELTER = "SHELTER", _("Shelter")
    EDUCATION = "EDUCATION", _("Education")
    LABOUR = "LABOUR", _("Labour")
    CIVIL_SOCIETY = "CIVIL_SOCIETY", _("Civil society")


class ConsentMethod(models.TextChoices):
    WRITTEN = "WRITTEN", _("Written and signed")
    FINGERPRINT = "FINGERPRINT", _("Fingerprint, for someone who cannot sign")
    VERBAL_WITNESSED = "VERBAL_WITNESSED", _("Spoken, before a witness")


class ChildAssent(models.TextChoices):
    GIVEN = "GIVEN", _("Given")
    REFUSED = "REFUSED", _("Refused")
    NOT_POSSIBLE = "NOT_POSSIBLE", _("Could not be asked (age or condition)")


class GuardianKind(models.TextChoices):
    PARENT = "PARENT", _("Mother or father")
    LEGAL_GUARDIAN = "LEGAL_GUARDIAN", _("Legal guardian")
    PROTECTION_UNIT = "PROTECTION_UNIT", _("Child protection unit (UPE)")


def labels(choices, codes):
    """The labels of `codes` in the user's language (a code no longer listed is shown as it is)."""
    names = dict(choices)
    return [names.get(code, code) for code in codes]


def joined_labels(choices, codes):
    return ", ".join(str(label) for label in labels(choices, codes))


class TeamRule(models.TextChoices):
    """The team rules of DOMAIN.md section 7 (codes of casework.teams.Rule), as people read them."""

    SIZE = "SIZE", _("Team size")
    MIXED_GENDER = "MIXED_GENDER", _("Mixed gender: at least one woman and one man")
    DISCIPLINES = "DISCIPLINES", _("Interdisciplinary: psychology, social work and law")
    HEALTH = "HEALTH", _("A health professional for an open health need")
    SECTORS = "SECTORS", _("Multi-sectoral")
    SPECIALISED = "SPECIALISED", _("Trained on trafficking recently")
    LEAD_GENDER = "LEAD_GENDER", _("The lead has the gender the person prefers")
    LANGUAGE = "LANGUAGE", _("Someone speaks the person's language, or an interpreter")
    CHILD_SPECIALISED = "CHILD_SPECIALISED", _("A member specialised in children and adolescents")
    REGION = "REGION", _("Works in the case's region")
    CAPACITY = "CAPACITY", _("Within their caseload cap")

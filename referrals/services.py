"""Referral use cases: route a case, record the gaps, send referrals through the consent gate,
record the provider's answer and the end, with places taken and freed under a database guard."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import audit, reviews
from casework.access import holds
from casework.age import assess
from casework.choices import ConsentSector, Sector, ServiceType
from casework.keys import blind_index
from casework.models import AccessAction
from casework.services import consent_allows
from casework.statistics import coarse_gender

from . import routing
from .models import Referral, ReferralOutcome, ReferralStatus, Service, ServiceGap

# Whose consent a referral needs: the kind of service first (a shelter is a shelter whoever runs
# it), else the provider's sector. Sectors with no consent question (migration, identity,
# international) can receive a referral with personal data only through an approved override.
CONSENT_SECTOR_OF_TYPE = {
    ServiceType.SHELTER_EMERGENCY: ConsentSector.SHELTER,
    ServiceType.SHELTER_MINORS: ConsentSector.SHELTER,
    ServiceType.SHELTER_WOMEN: ConsentSector.SHELTER,
    ServiceType.SHELTER_MEN: ConsentSector.SHELTER,
    ServiceType.LEGAL_AID: ConsentSector.LEGAL_AID,
    ServiceType.COMPENSATION: ConsentSector.LEGAL_AID,
}
CONSENT_SECTOR_OF_SECTOR = {
    Sector.JUSTICE: ConsentSector.JUSTICE,
    Sector.POLICE: ConsentSector.POLICE,
    Sector.HEALTH: ConsentSector.HEALTH,
    Sector.SOCIAL_PROTECTION: ConsentSector.SOCIAL_PROTECTION,
    Sector.LOCAL_GOVERNMENT: ConsentSector.SOCIAL_PROTECTION,
    Sector.EDUCATION: ConsentSector.EDUCATION,
    Sector.LABOUR: ConsentSector.LABOUR,
    Sector.CIVIL_SOCIETY: ConsentSector.CIVIL_SOCIETY,
    Sector.OMBUDSMAN: ConsentSector.JUSTICE,
}

# Allowed moves: from a status to the statuses it may go to.
TRANSITIONS = {
    ReferralStatus.PROPOSED: {ReferralStatus.SENT, ReferralStatus.WITHDRAWN},
    ReferralStatus.SENT: {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN},
    ReferralStatus.ACCEPTED: {ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN},
    ReferralStatus.DECLINED: set(),
    ReferralStatus.COMPLETED: set(),
    ReferralStatus.WITHDRAWN: set(),
}
NEEDS_OUTCOME = {ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN}
ACTIVE = (ReferralStatus.PROPOSED, ReferralStatus.SENT, ReferralStatus.ACCEPTED)


class NoPlaceLeft(Exception):
    """The service's last place was taken meanwhile."""


class ConsentMissing(Exception):
    """Sharing the person's identity with this sector needs their consent or an approved override."""

    def __init__(self, sector):
        super().__init__(sector or "no consent sector")
        self.sector = sector


# --- Routing ----------------------------------------------------------------------------------------


def person_profile(case, on=None):
    """The routing engine's view of the person on a day (their age as it will be then)."""
    person = case.person
    assessment = assess(person.age_evidence(), on or timezone.localdate())
    exact = assessment.youngest == assessment.oldest
    return routing.PersonProfile(
        age=assessment.youngest if exact else None,
        age_min=None if exact else assessment.youngest,
        age_max=None if exact else assessment.oldest,
        presumed_minor=assessment.presumed_minor,
        gender=person.gender,
        exploitation_types=frozenset(case.exploitation_types),
        region=case.region,
        languages=frozenset(person.languages) | ({person.preferred_language} if person.preferred_language else set()),
        needs_accessibility=bool(person.disabilities),
        has_documents=bool(person.document_number),
        migrant=bool(person.nationality) and person.nationality != "PER",
    )


def as_routing_service(service):
    return routing.Service(
        id=service.pk,
        type=service.type,
        region_codes=frozenset(service.regions),
        national=service.national,
        min_age=service.min_age,
        max_age=service.max_age,
        genders=frozenset(service.genders),
        exploitation_types=frozenset(service.exploitation_types),
        languages=frozenset(service.languages),
        residential=service.residential,
        capacity=service.capacity,
        places_in_use=service.places_in_use,
        accepts_undocumented=service.accepts_undocumented,
        accessible=service.accessible,
        specialised=service.specialised,
        active=service.active,
    )


def candidate_services(needs):
    """The catalogue services of these types, with their providers: one indexed query."""
    return list(Service.objects.filter(type__in=needs, active=True, provider__active=True).select_related("provider"))


def route_case(*, case, today=None):
    """The proposal per need (ranked offers, near misses, gaps) and the services it names, by id."""
    today = today or timezone.localdate()
    services = candidate_services(case.needs)
    result = routing.route(person_profile(case, today), case.needs, [as_routing_service(service) for service in services])
    record_gaps(case=case, result=result, today=today)
    return result, {service.pk: service for service in services}


def record_gaps(*, case, result, today):
    """A gap row per need nothing serves: coarse codes only; one per case, need and week."""
    year, week, _day = today.isocalendar()
    for need in result.needs:
        if not need.is_gap:
            continue
        token = blind_index().token(f"{case.pk}|{need.need}|{year}-W{week}", purpose="service-gap")
        ServiceGap.objects.get_or_create(
            token=token,
            defaults={
                "need": need.need,
                "routing_band": case.person.age_band,
                "gender_group": coarse_gender(case.person.gender),
                "region": case.region,
                "exploitation_types": sorted(case.exploitation_types),
                "recorded_on": today,
            },
        )


# --- Consent --------------------------------------------------------------------------------------


def consent_sector_for(service):
    return CONSENT_SECTOR_OF_TYPE.get(service.type) or CONSENT_SECTOR_OF_SECTOR.get(service.sector, "")


# --- Referrals ------------------------------------------------------------------------------------


def _may_refer(user, case):
    if not holds(user, case, "change_case"):
        raise PermissionDenied


def referral_propose(*, actor, case, service, need, shares_personal_data):
    """A referral waiting to be sent (the caseworker reviews the message first)."""
    _may_refer(actor, case)
    if service.type != need:
        raise ValidationError(_("This service does not offer what the person needs."))
    if Referral.objects.filter(case=case, service=service, status__in=ACTIVE).exists():
        raise ValidationError(_("This case already has an open referral to this service."))
    with transaction.atomic():
        referral = Referral.objects.create(
            case=case,
            service=service,
            need=need,
            shares_personal_data=shares_personal_data,
            consent_sector=consent_sector_for(service),
            created_by=actor,
        )
        audit.record(action=AccessAction.CREATE, target=case, actor=actor, fields=["referral"], detail=need)
    return referral


def referral_send(*, actor, referral):
    """Send: with the person's identity only under consent for the sector or an approved override."""
    _may_refer(actor, referral.case)
    if referral.shares_personal_data and not sharing_allowed(referral):
        raise ConsentMissing(referral.consent_sector)
    return _move(actor, referral, ReferralStatus.SENT, stamp="sent_at")


def sharing_allowed(referral):
    """Whether the referral may carry the person's identity: consent for its sector, or an approved exception."""
    if referral.override_id and referral.override.status == "APPROVED":
        return True
    return consent_allows(referral.case, referral.consent_sector)


def referral_request_override(*, actor, referral, reason):
    """Ask a supervisor to let this referral share the identity without consent (e.g. imminent danger)."""
    _may_refer(actor, referral.case)
    review = reviews.review_request(
        actor=actor,
        case=referral.case,
        kind="EXTERNAL_REFERRAL",
        reason=reason,
        details={"referral": str(referral.pk), "need": referral.need, "sector": referral.consent_sector},
    )
    Referral.objects.filter(pk=referral.pk).update(override=review)
    referral.override = review
    return review


def _send_after_override(review, actor):
    referral = Referral.objects.select_related("case", "override").get(override=review)
    if referral.status == ReferralStatus.PROPOSED:
        _move(review.requested_by, referral, ReferralStatus.SENT, stamp="sent_at")


reviews.register(
    reviews.ReviewKind(
        "EXTERNAL_REFERRAL", gettext_lazy("External referral sharing personal data without consent"), on_approved=_send_after_override
    )
)


def referral_answer(*, actor, referral, accepted, outcome="", note=""):
    """The provider's answer. Accepting a residential service takes one of its places."""
    _may_refer(actor, referral.case)
    if accepted:
        return _move(actor, referral, ReferralStatus.ACCEPTED, stamp="answered_at", note=note, take_place=referral.service.residential)
    return _move(actor, referral, ReferralStatus.DECLINED, stamp="answered_at", outcome=outcome, note=note)


def referral_close(*, actor, referral, completed, outcome="", note=""):
    """Completed, or withdrawn with a reason; a place held is freed."""
    _may_refer(actor, referral.case)
    status = ReferralStatus.COMPLETED if completed else ReferralStatus.WITHDRAWN
    return _move(actor, referral, status, stamp="closed_at", outcome=outcome, note=note)


def _move(actor, referral, status, *, stamp, outcome="", note="", take_place=False):
    if status not in TRANSITIONS[referral.status]:
        raise ValidationError(_("A referral that is %(status)s cannot change like this.") % {"status": referral.get_status_display()})
    if status in NEEDS_OUTCOME and outcome not in ReferralOutcome.values:
        raise ValidationError({"outcome": _("Choose the reason.")})
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.version != referral.version or locked.status != referral.status:
            raise ValidationError(_("Someone else changed this referral meanwhile. Look at it again."))
        if take_place:
            _take_place(locked.service_id)
        elif locked.holds_place and status in (ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN):
            Service.objects.filter(pk=locked.service_id, places_in_use__gt=0).update(places_in_use=F("places_in_use") - 1)
            locked.holds_place = False
        locked.status, locked.outcome, locked.version = status, outcome, locked.version + 1
        locked.holds_place = locked.holds_place or take_place
        setattr(locked, stamp, timezone.now())
        if note:
            locked.note = note
        locked.save()
        audit.record(action=AccessAction.UPDATE, target=locked.case, actor=actor, fields=["referral"], detail=status)
    return locked


def _take_place(service_id):
    """One more place in use, or NoPlaceLeft; the check constraint makes the last place safe."""
    try:
        with transaction.atomic():
            updated = Service.objects.filter(pk=service_id).update(places_in_use=F("places_in_use") + 1)
    except IntegrityError:
        raise NoPlaceLeft from None
    if not updated:
        raise NoPlaceLeft

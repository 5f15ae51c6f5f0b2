"""How a case came to us and where it went: its referrals from and to organisations outside the
service catalogue, as HTCDS 2.0 records them (casework.htcds).

`CaseTransfer` is the case's outgoing referral: to whom, its sector, why (a code of the HTCDS
list), and when the file left; either a consented transfer (casework.htcds.transfer) or one an
HTCDS import recorded as already sent. `IncomingReferral` is the one referral that brought the
case, as an imported HTCDS record says. Organisation names, dates and reason codes are plaintext,
like a referral's provider: an organisation's name is not personal data. The caseworkers' names
and the free-text details are personal data, encrypted. The free-text justification of an
exception lives in its override review, encrypted there.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import ConsentSector
from ..fields import EncryptedTextField, SensitiveModel, SensitiveQuerySet
from .cases import Case
from .reviews import Review


class ReferralReason(models.TextChoices):
    """Why a case comes or leaves: our codes of the HTCDS list of referral reasons, the same list
    for both directions (casework.htcds.mapping.REFERRAL_REASON turns them into HTCDS values)."""

    ADDITIONAL_SERVICES = "ADDITIONAL_SERVICES", _("Additional services required")
    CHANGE_OF_LOCATION = "CHANGE_OF_LOCATION", _("Migration or change of location")
    OTHER = "OTHER", _("Other")


class CaseTransfer(models.Model):
    """One consented transfer of a case: ready when the consent in force covers the receiving
    sector (checked again at download) or when its override review is approved; downloaded once,
    by whoever asked, and never offered again. Or one an HTCDS import recorded (`imported`): sent
    before the case came into this system, never offered."""

    # Unguessable: the download form names the transfer.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("case"))
    organisation = models.CharField(_("receiving organisation"), max_length=200, help_text=_("The organisation's name, never a person's."))
    # Empty only when imported: HTCDS records no sector (the screens always ask for one).
    sector = models.CharField(_("sector of the receiving organisation"), max_length=20, choices=ConsentSector.choices, blank=True)
    reason_code = models.CharField(_("reason for the transfer"), max_length=24, choices=ReferralReason.choices, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    # Set when the consent did not cover the sector: the exception another supervisor decides.
    override = models.OneToOneField(
        Review, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("override review")
    )
    downloaded_at = models.DateTimeField(_("file downloaded at"), null=True, blank=True)
    imported = models.BooleanField(_("recorded by an HTCDS import"), default=False)
    # From an imported HTCDS record only (cas_ReferredPrimaryCaseWorker, cas_OutgoingReferralDetails).
    # NULL where a transfer made here has none (and on rows older than the fields).
    caseworker = EncryptedTextField(_("caseworker who received the case"), max_length=200, null=True, blank=True)
    details = EncryptedTextField(_("details of the referral"), max_length=2000, null=True, blank=True)

    objects = SensitiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        indexes = [models.Index(fields=["case", "-requested_at"])]

    def __str__(self):
        return f"Transfer {self.pk} of case {self.case_id}"


class IncomingReferral(SensitiveModel):
    """The referral that brought the case to us, from an imported HTCDS record (cas_ReferringOrganisation,
    cas_IncomingReferralDate, cas_ReferringPrimaryCaseWorker, cas_ReasonForIncomingReferral,
    cas_IncomingReferralDetails): HTCDS holds one per case. Any part may be missing."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="incoming_referral", verbose_name=_("case"))
    organisation = models.CharField(
        _("referring organisation"), max_length=200, blank=True, help_text=_("The organisation's name, never a person's.")
    )
    referred_on = models.DateField(_("date of the referral"), null=True, blank=True)
    reason_code = models.CharField(_("reason for the referral"), max_length=24, choices=ReferralReason.choices, blank=True)
    caseworker = EncryptedTextField(_("caseworker who referred the case"), max_length=200, blank=True)
    details = EncryptedTextField(_("details of the referral"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("incoming referral")
        verbose_name_plural = _("incoming referrals")

    def __str__(self):
        return f"Incoming referral {self.pk} of case {self.case_id}"

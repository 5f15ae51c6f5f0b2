"""A case handed over to another organisation as an HTCDS 2.0 record (casework.htcds.transfer).

The transfer is the case's outgoing referral: to whom (an organisation outside the service
catalogue), its sector, why (a code of the HTCDS list), and when the file left. Plaintext, like a
referral's provider: an organisation's name is not personal data. The free-text justification of
an exception lives in its override review, encrypted there.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import ConsentSector
from .cases import Case
from .reviews import Review


class OutgoingReason(models.TextChoices):
    """Why a case leaves: our codes of the HTCDS list of outgoing-referral reasons
    (casework.htcds.mapping.REFERRAL_REASON turns them into HTCDS values)."""

    ADDITIONAL_SERVICES = "ADDITIONAL_SERVICES", _("Additional services required")
    CHANGE_OF_LOCATION = "CHANGE_OF_LOCATION", _("Migration or change of location")
    OTHER = "OTHER", _("Other")


class CaseTransfer(models.Model):
    """One consented transfer of a case: ready when the consent in force covers the receiving
    sector (checked again at download) or when its override review is approved; downloaded once,
    by whoever asked, and never offered again."""

    # Unguessable: the download form names the transfer.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("case"))
    organisation = models.CharField(_("receiving organisation"), max_length=200, help_text=_("The organisation's name, never a person's."))
    sector = models.CharField(_("sector of the receiving organisation"), max_length=20, choices=ConsentSector.choices)
    reason_code = models.CharField(_("reason for the transfer"), max_length=24, choices=OutgoingReason.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    # Set when the consent did not cover the sector: the exception another supervisor decides.
    override = models.OneToOneField(
        Review, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("override review")
    )
    downloaded_at = models.DateTimeField(_("file downloaded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        indexes = [models.Index(fields=["case", "-requested_at"])]

    def __str__(self):
        return f"Transfer {self.pk} of case {self.case_id}"

"""What is recorded on a case over time: the person's consent and the team's notes.

Both are append-only in spirit: a change of consent is a new record (a withdrawal stops future
sharing, not what was shared before), and a note is corrected by another note.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import ChildAssent, ConsentMethod, ConsentSector, GuardianKind, SafeChannel, check_codes
from ..fields import EncryptedTextField, SensitiveModel
from .cases import Case

NOTE_EDITABLE_FOR = datetime.timedelta(hours=24)


class ConsentRecord(models.Model):
    """The consent in force for a case from `recorded_at` until the next record (DOMAIN.md section 9).

    Plaintext: it holds codes and dates only, and statistics and referrals must read it in bulk.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents", verbose_name=_("case"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    given_on = models.DateField(_("date consent was given"))
    method = models.CharField(_("how consent was given"), max_length=20, choices=ConsentMethod.choices)
    services = models.BooleanField(_("consents to receive services"), default=False)
    share_with = models.JSONField(_("consents to share the case with"), default=list, blank=True)
    follow_up_contact = models.BooleanField(_("consents to be contacted for follow-up"), default=False)
    follow_up_channels = models.JSONField(_("follow-up contact channels"), default=list, blank=True)
    statistics = models.BooleanField(_("consents to count in anonymous statistics"), default=False)
    # Minors only: the child's own assent, and the guardian's or protection unit's consent, apart.
    child_assent = models.CharField(_("child's assent"), max_length=16, choices=ChildAssent.choices, blank=True)
    guardian_kind = models.CharField(_("consent given by"), max_length=20, choices=GuardianKind.choices, blank=True)
    guardian_consent_on = models.DateField(_("date of the guardian's consent"), null=True, blank=True)
    guardian_method = models.CharField(_("how the guardian consented"), max_length=20, choices=ConsentMethod.choices, blank=True)

    # What a minor's record must hold besides the scopes.
    MINOR_FIELDS = ("child_assent", "guardian_kind", "guardian_consent_on", "guardian_method")

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        get_latest_by = ["recorded_at", "id"]
        indexes = [models.Index(fields=["case", "-recorded_at"])]

    def __str__(self):
        return f"Consent {self.pk} of case {self.case_id}"

    def clean(self):
        check_codes(self, share_with=ConsentSector, follow_up_channels=SafeChannel)

    def allows_sharing_with(self, sector):
        return self.services and sector in self.share_with


class CaseNote(SensitiveModel):
    """A dated note by a member of the team. Editable by its author for 24 hours, then fixed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("author"))
    text = EncryptedTextField(_("note"), max_length=5000)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections", verbose_name=_("corrects the note")
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        indexes = [models.Index(fields=["case", "-created_at"])]

    def __str__(self):
        return f"Note {self.pk} of case {self.case_id}"

    def editable_by(self, user, now=None):
        return self.author_id == user.pk and (now or timezone.now()) < self.created_at + NOTE_EDITABLE_FOR

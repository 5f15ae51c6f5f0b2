"""The access log: append-only, each row hash-chained to the one before it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    VIEW = "VIEW", _("Viewed")
    CREATE = "CREATE", _("Created")
    UPDATE = "UPDATE", _("Changed")
    SEARCH = "SEARCH", _("Searched")
    EXPORT = "EXPORT", _("Exported")
    DENIED = "DENIED", _("Access denied")
    BREAK_GLASS = "BREAK_GLASS", _("Break-the-glass access")
    DECRYPTION_FAILED = "DECRYPTION_FAILED", _("Decryption failed")
    KEY_ROTATION = "KEY_ROTATION", _("Keys rotated")
    ERASE = "ERASE", _("Personal data erased (retention)")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def delete(self):
        raise PermissionError("The access log is append-only.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionError("The access log is append-only.")


class AccessEvent(models.Model):
    """Who touched what, when, from where. Ids, references and field names; never a value."""

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    occurred_at = models.DateTimeField(_("time"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_ref = models.CharField(_("reference"), max_length=32, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True, help_text="A code or count, never personal data.")
    previous_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        indexes = [models.Index(fields=["object_id"]), models.Index(fields=["actor", "occurred_at"])]

    def __str__(self):
        return f"#{self.sequence} {self.action} {self.object_type} {self.object_ref or self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")


class AccessLogHead(models.Model):
    """One row: the sequence and hash of the newest event. Appends lock it, so the chain never forks."""

    sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    def __str__(self):
        return f"access log head at #{self.sequence}"


class AccessLogCheck(models.Model):
    """The outcome of each verification of the chain (by the nightly task or the command)."""

    checked_at = models.DateTimeField()
    ok = models.BooleanField()
    rows_checked = models.PositiveBigIntegerField()
    first_broken_sequence = models.PositiveBigIntegerField(null=True)
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ["-checked_at"]
        get_latest_by = "checked_at"

    def __str__(self):
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'BROKEN'}"

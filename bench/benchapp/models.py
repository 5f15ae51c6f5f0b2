"""Benchmark models: nothing here is used by the application.

Encryption (bench/encryption.py): the same eight person fields three ways, in plaintext, with our
encrypted fields, with Fernet. Sizes and options follow casework.models.Person so that the
comparison is about the fields.

Permissions (bench/permissions.py): the columns of casework.models.Case that the "My cases" list
reads, with its indexes, three times over, each table protected another way: guardian's direct
foreign-key permission models (what casework uses), guardian's generic permissions, a plain
team-membership table.
"""

import uuid

from django.conf import settings
from django.db import models
from encrypted_fields import fields as fernet
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from casework.fields import EncryptedDateField, EncryptedJSONField, EncryptedTextField, SensitiveModel

PERSON_FIELDS = ("given_names", "family_names", "aliases", "birth_date", "document_number", "phone", "address", "notes")


class PlainPerson(models.Model):
    """The baseline: what the row would cost with no encryption at all."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    given_names = models.CharField(max_length=200)
    family_names = models.CharField(max_length=200, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    document_number = models.CharField(max_length=64, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(max_length=500, blank=True)
    notes = models.TextField(max_length=5000, blank=True)

    def __str__(self):
        return f"PlainPerson {self.pk}"


class OursPerson(SensitiveModel):
    """Our fields: AES-256-GCM per value, bound to model, field and row."""

    given_names = EncryptedTextField(max_length=200)
    family_names = EncryptedTextField(max_length=200, blank=True)
    aliases = EncryptedJSONField(default=list, blank=True)
    birth_date = EncryptedDateField(null=True, blank=True)
    document_number = EncryptedTextField(max_length=64, blank=True)
    phone = EncryptedTextField(max_length=40, blank=True)
    address = EncryptedTextField(max_length=500, blank=True)
    notes = EncryptedTextField(max_length=5000, blank=True)

    def __str__(self):
        return f"OursPerson {self.pk}"


class FernetPerson(models.Model):
    """django-fernet-encrypted-fields 0.4.0: Fernet (AES-128-CBC + HMAC-SHA256) per value, base64 text columns.

    It stores an empty string as NULL, hence null=True on its text fields.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    given_names = fernet.EncryptedCharField(max_length=200, null=True)
    family_names = fernet.EncryptedCharField(max_length=200, null=True, blank=True)
    aliases = fernet.EncryptedJSONField(default=list, blank=True)
    birth_date = fernet.EncryptedDateField(null=True, blank=True)
    document_number = fernet.EncryptedCharField(max_length=64, null=True, blank=True)
    phone = fernet.EncryptedCharField(max_length=40, null=True, blank=True)
    address = fernet.EncryptedTextField(max_length=500, null=True, blank=True)
    notes = fernet.EncryptedTextField(max_length=5000, null=True, blank=True)

    def __str__(self):
        return f"FernetPerson {self.pk}"


class ListedPerson(models.Model):
    """The two plaintext person columns the case list shows (casework.models.Person.age_band, presumed_minor)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    age_band = models.CharField(max_length=16)
    presumed_minor = models.BooleanField(default=False)

    def __str__(self):
        return f"ListedPerson {self.pk}"


class ListedCase(models.Model):
    """The columns of casework.models.Case that the case list filters, orders or shows, and its indexes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    person = models.ForeignKey(ListedPerson, on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey("casework.Office", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=24)
    region = models.CharField(max_length=2)
    opened_on = models.DateField()
    urgent = models.BooleanField(default=False)
    intake_completed_on = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True
        indexes = [
            models.Index(fields=["office", "status"], name="%(class)s_office_status"),
            models.Index(fields=["status", "region"], name="%(class)s_status_region"),
        ]

    def __str__(self):
        return self.reference


class DirectCase(ListedCase):
    """Protected as casework.Case is: guardian permissions with direct foreign keys (the two models below)."""


class DirectCaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(DirectCase, on_delete=models.CASCADE)


class DirectCaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(DirectCase, on_delete=models.CASCADE)


class GenericCase(ListedCase):
    """Protected by guardian's generic permissions: guardian.models.UserObjectPermission, a text object_pk."""


class OwnedCase(ListedCase):
    """Protected by nothing but a team table the list filters on directly."""


class OwnedCaseMember(models.Model):
    """A member of staff on the team of an OwnedCase."""

    case = models.ForeignKey(OwnedCase, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="owned_case_member_unique")]

    def __str__(self):
        return f"{self.user_id} on {self.case_id}"

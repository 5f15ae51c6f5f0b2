"""The same eight person fields three ways: in plaintext, with our encrypted fields, with Fernet.

Sizes and options follow casework.models.Person so that the comparison is about the fields.
"""

import uuid

from django.db import models
from encrypted_fields import fields as fernet

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

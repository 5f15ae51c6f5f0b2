"""Encrypted model fields: a ciphertext column plus a plaintext accessor bound to the row.

`person.given_names` reads and writes plaintext; the column (attribute `given_names_ct`) only
ever holds AES-GCM ciphertext whose associated data names the model, the field and the row's
UUID. The value is encrypted when it is assigned, so the plaintext never sits in the model's
`__dict__`.

Writes go through `Model.save()` or `bulk_create()` only: both call `pre_save()` with the
instance, which proves the ciphertext belongs to that row. `QuerySet.update()` and
`bulk_update()` cannot know the row, so they are refused. Filtering and ordering on an encrypted
field raise; exact search goes through a blind index.
"""

import base64
import datetime
import json
import uuid

from django.core import checks, exceptions, validators
from django.db import models
from django.db.models.lookups import Exact, IsNull
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .encryption import DecryptionError, FieldContext
from .keys import field_cipher


class EncryptedFieldMisuse(exceptions.FieldError):
    """An ORM path that would store plaintext or a ciphertext not bound to its row."""


class Sealed(bytes):
    """A ciphertext known to be bound to the row whose id it carries."""

    def __new__(cls, ciphertext, row_id):
        sealed = super().__new__(cls, ciphertext)
        sealed.row_id = row_id
        return sealed


class RowBoundCiphertext:
    """What `pre_save()` hands to the database layer: the only value `get_db_prep_save` accepts."""

    __slots__ = ("ciphertext",)

    def __init__(self, ciphertext):
        self.ciphertext = bytes(ciphertext)


class EncryptedAttribute:
    """The plaintext view of an encrypted field, installed on the model under the field's name."""

    def __init__(self, field):
        self.field = field

    def __get__(self, instance, owner):
        if instance is None:
            return self
        return self.field.plaintext_of(instance)

    def __set__(self, instance, value):
        self.field.seal_into(instance, value)


class SealedExact(Exact):
    """Exact match against a stored ciphertext: only for compare-and-swap by key rotation."""

    def get_prep_lookup(self):
        if self.rhs is None:
            return None  # Django turns __exact=None into __isnull=True
        if isinstance(self.rhs, RowBoundCiphertext):
            return self.rhs.ciphertext
        raise EncryptedFieldMisuse(self.lhs.target.refusal("cannot be filtered; search through its blind index"))

    def get_db_prep_lookup(self, value, connection):
        return "%s", [connection.Database.Binary(value)]


class EncryptedField(models.BinaryField):
    """Base of the encrypted fields. Subclasses say how a value becomes bytes and back."""

    empty_values = list(validators.EMPTY_VALUES)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", True)
        super().__init__(*args, **kwargs)

    # --- How a plaintext value becomes bytes; overridden by each type ----------------------
    def encode(self, value):
        raise NotImplementedError

    def decode(self, data):
        raise NotImplementedError

    def empty_plaintext(self):
        """The value of a non-null field nobody has set."""
        if self.has_default():
            return self.default() if callable(self.default) else self.default
        raise EncryptedFieldMisuse(self.refusal("needs a value"))

    # --- Model wiring -------------------------------------------------------------------------
    def get_attname(self):
        return f"{self.name}_ct"

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, name, EncryptedAttribute(self))

    @cached_property
    def context(self):
        return FieldContext(label=self.model._meta.label_lower, field=self.name)

    def refusal(self, what):
        return f"{self.context.label}.{self.name} is encrypted: it {what}."

    def get_default(self):
        # The column holds no ciphertext until a value is assigned or the row is saved.
        return None

    def _check_str_default_value(self):
        return []  # A string default is a plaintext default here, which is fine.

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        pk = self.model._meta.pk
        if not isinstance(pk, models.UUIDField) or pk.default is models.NOT_PROVIDED:
            errors.append(
                checks.Error(
                    "Encrypted fields need a UUID primary key made in Python (default=uuid.uuid4).",
                    hint="The row id is part of every ciphertext's associated data.",
                    obj=self,
                    id="casework.E002",
                )
            )
        return errors

    def _row_id(self, instance):
        pk = instance.pk
        if pk is None:
            raise EncryptedFieldMisuse(self.refusal("needs the row's primary key before a value is assigned"))
        # Every field of the row needs this string on every read and write: keep it with the very
        # pk object it was made from, so a pk assigned later never reuses it.
        cached = instance.__dict__.get("_encrypted_row_id")
        if cached is not None and cached[0] is pk:
            return cached[1]
        row_id = str(pk if isinstance(pk, uuid.UUID) else self.model._meta.pk.to_python(pk))
        instance.__dict__["_encrypted_row_id"] = (pk, row_id)
        return row_id

    def _plaintext_bytes(self, value):
        """to_python() then encode(): what seal_into() encrypts. A type may do both in one pass."""
        return self.encode(self.to_python(value))

    # --- Plaintext in and out -----------------------------------------------------------------
    def seal_into(self, instance, value):
        if value is None:
            instance.__dict__[self.attname] = None
        else:
            row_id = self._row_id(instance)
            ciphertext = field_cipher().encrypt(self._plaintext_bytes(value), context=self.context, row_id=row_id)
            instance.__dict__[self.attname] = Sealed(ciphertext, row_id)
        changed = instance.__dict__.get("_changed_encrypted")
        if changed is None:
            changed = instance.__dict__["_changed_encrypted"] = set()
        changed.add(self.name)

    def plaintext_of(self, instance):
        stored = getattr(instance, self.attname)  # loads a deferred column if need be
        if stored is None:
            return None if self.null else self.empty_plaintext()
        row_id = self._row_id(instance)
        try:
            data = field_cipher().decrypt(stored, context=self.context, row_id=row_id)
        except DecryptionError as error:
            from .audit import record_decryption_failure

            record_decryption_failure(error)
            raise
        return self.decode(data)

    def pre_save(self, model_instance, add):
        stored = getattr(model_instance, self.attname)
        if stored is None:
            if self.null:
                return None
            self.seal_into(model_instance, self.empty_plaintext())
            stored = model_instance.__dict__[self.attname]
        row_id = self._row_id(model_instance)
        if not (isinstance(stored, Sealed) and stored.row_id == row_id):
            # Loaded from the database, or copied in by hand: prove it belongs to this row.
            field_cipher().decrypt(stored, context=self.context, row_id=row_id)
            stored = Sealed(stored, row_id)
            model_instance.__dict__[self.attname] = stored
        return RowBoundCiphertext(stored)

    def get_db_prep_save(self, value, connection):
        if value is None:
            return None
        if isinstance(value, RowBoundCiphertext):
            return connection.Database.Binary(value.ciphertext)
        raise EncryptedFieldMisuse(
            self.refusal(
                "can only be written by saving its model (save() or bulk_create()); "
                "update() and bulk_update() cannot bind the value to its row"
            )
        )

    def from_db_value(self, value, expression, connection):
        return None if value is None else bytes(value)

    def to_python(self, value):
        return value

    # --- Queries -----------------------------------------------------------------------------
    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return SealedExact
        raise EncryptedFieldMisuse(self.refusal(f"cannot be filtered with __{lookup_name}; search through its blind index"))

    def get_transform(self, name):
        raise EncryptedFieldMisuse(self.refusal(f"has no __{name}"))

    # --- Forms, validation, serialisation -----------------------------------------------------
    def value_from_object(self, obj):
        return self.plaintext_of(obj)

    def value_to_string(self, obj):
        # Dumps (dumpdata) carry the ciphertext, never the plaintext.
        stored = getattr(obj, self.attname)
        return None if stored is None else base64.b64encode(stored).decode("ascii")

    def clean(self, value, model_instance):
        plaintext = self.plaintext_of(model_instance)
        self.validate(plaintext, model_instance)
        self.run_validators(plaintext)
        return value  # full_clean() writes this back to the column: keep the ciphertext there

    def formfield(self, **kwargs):
        return models.Field.formfield(self, **kwargs)


class EncryptedTextField(EncryptedField):
    description = _("Encrypted text")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def encode(self, value):
        return value.encode("utf-8")

    def decode(self, data):
        return data.decode("utf-8")

    def to_python(self, value):
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def formfield(self, **kwargs):
        from django import forms

        defaults = {"form_class": forms.CharField, "max_length": self.max_length}
        if self.max_length is None or self.max_length > 255:
            defaults["widget"] = forms.Textarea
        return super().formfield(**{**defaults, **kwargs})


_DATE_FIELD = models.DateField()  # only for its to_python(); making a Field per value is slow


class EncryptedDateField(EncryptedField):
    description = _("Encrypted date")

    def encode(self, value):
        return value.isoformat().encode("ascii")

    def decode(self, data):
        return datetime.date.fromisoformat(data.decode("ascii"))

    def to_python(self, value):
        if type(value) is datetime.date:
            return value  # what DateField.to_python() would return, without its checks
        return _DATE_FIELD.to_python(value)

    def formfield(self, **kwargs):
        from django import forms

        return super().formfield(**{"form_class": forms.DateField, **kwargs})


# What json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) would build per call.
_JSON_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class EncryptedJSONField(EncryptedField):
    """Lists, numbers and small dictionaries; keys sorted so equal values encode equally."""

    description = _("Encrypted JSON")

    def encode(self, value):
        return _JSON_ENCODER.encode(value).encode("utf-8")

    def decode(self, data):
        return json.loads(data)

    def to_python(self, value):
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise exceptions.ValidationError(_("This value cannot be stored."), code="invalid") from None
        return value

    def _plaintext_bytes(self, value):
        # One json.dumps instead of two: a value encode() accepts is one to_python() accepts, and
        # to_python() returns it unchanged. Anything else takes the long way and fails as before.
        try:
            return self.encode(value)
        except (TypeError, ValueError):
            return self.encode(self.to_python(value))

    def formfield(self, **kwargs):
        from django import forms

        return super().formfield(**{"form_class": forms.JSONField, **kwargs})


def encrypted_fields(model):
    return [field for field in model._meta.concrete_fields if isinstance(field, EncryptedField)]


def _encrypted_field_on_path(model, path):
    """The encrypted field a lookup path like "person__given_names" ends on, if any."""
    field = None
    for part in path.lstrip("-").split(models.constants.LOOKUP_SEP):
        if model is None:
            return None
        try:
            field = model._meta.get_field(part)
        except exceptions.FieldDoesNotExist:
            return None
        model = field.related_model if field.is_relation else None
    return field if isinstance(field, EncryptedField) else None


class SensitiveQuerySet(models.QuerySet):
    """Refuses to order by an encrypted field (the order would leak nothing but mean nothing)."""

    def order_by(self, *field_names):
        for name in field_names:
            path = name if isinstance(name, str) else getattr(getattr(name, "expression", name), "name", None)
            field = _encrypted_field_on_path(self.model, path) if isinstance(path, str) else None
            if field is not None:
                raise EncryptedFieldMisuse(field.refusal("cannot be used to order results"))
        return super().order_by(*field_names)


class SensitiveModel(models.Model):
    """A model holding personal data: a UUID primary key made in Python, known before the INSERT."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    objects = SensitiveQuerySet.as_manager()

    class Meta:
        abstract = True

from django.core.serializers.python import Deserializer
from django.core.serializers.python import Serializer as DjangoSerializer

from . import CiphertextFieldsMixin

__all__ = ["Deserializer", "Serializer"]


class Serializer(CiphertextFieldsMixin, DjangoSerializer):
    pass

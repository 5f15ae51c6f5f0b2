from django.core.serializers.jsonl import Deserializer
from django.core.serializers.jsonl import Serializer as DjangoSerializer

from . import CiphertextFieldsMixin

__all__ = ["Deserializer", "Serializer"]


class Serializer(CiphertextFieldsMixin, DjangoSerializer):
    pass

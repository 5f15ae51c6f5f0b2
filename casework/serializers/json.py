from django.core.serializers.json import Deserializer
from django.core.serializers.json import Serializer as DjangoSerializer

from . import CiphertextFieldsMixin

__all__ = ["Deserializer", "Serializer"]


class Serializer(CiphertextFieldsMixin, DjangoSerializer):
    pass

import datetime

import factory

from casework import services
from casework.models import Office, StaffProfile, User


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"O{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name = factory.LazyAttribute(lambda office: f"Office {office.code}")
    region = "15"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    gender = "WOMAN"
    disciplines = factory.LazyFunction(lambda: ["PSYCHOLOGY"])
    sector = "SOCIAL_PROTECTION"
    office = factory.SubFactory(OfficeFactory)
    region = factory.LazyAttribute(lambda profile: profile.office.region)
    languages = factory.LazyFunction(lambda: ["spa"])
    specialisation_trained_on = datetime.date(2026, 1, 15)


def open_case(office, *, actor=None, today=None, case_fields=None, **person_fields):
    """Open a case through the service, with plausible defaults for anything not given."""
    person = {
        "given_names": "Rosa",
        "family_names": "Huamán",
        "birth_date": datetime.date(2009, 3, 14),
        "gender": "WOMAN",
        "document_type": "DNI",
        "document_number": "70123456",
        "phone": "+51 987 654 321",
        "address": "Jr. Los Pinos 123, Puerto Maldonado",
        "notes": "Llegó acompañada de una tía.",
        **person_fields,
    }
    case = {"exploitation_types": ["SEXUAL"], "trafficking_status": "POSSIBLE", **(case_fields or {})}
    return services.case_open(actor=actor, office=office, person_fields=person, case_fields=case, today=today)


def supervisor(username, *offices):
    """A user in the supervisor group who supervises `offices` (the first is also their own)."""
    from django.contrib.auth.models import Group

    from casework.roles import Role

    profile = StaffProfileFactory(user=UserFactory(username=username), office=offices[0])
    profile.user.groups.add(Group.objects.get(name=Role.SUPERVISOR))
    profile.supervised_offices.add(*offices)
    return profile.user

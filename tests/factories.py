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


def two_factor_device(user):
    """An enrolled authenticator for `user` (what the setup screen leaves behind)."""
    from casework.models import TwoFactorDevice

    return TwoFactorDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(hex_key, *, steps_ahead=0):
    """What an authenticator app holding `hex_key` shows now (or `steps_ahead` 30-second steps later)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(bytes.fromhex(hex_key))
    totp.time = time.time() + steps_ahead * totp.step
    return f"{totp.token():06d}"


def current_code(device, *, steps_ahead=0):
    return totp_code(device.key, steps_ahead=steps_ahead)


def sign_in(client, user, *, second_factor=True):
    """Signs `user` in on the test client; supervisors and administrators also pass their second factor.

    `second_factor=False` leaves them signed in with a password only (held at the code screen).
    """
    from django_otp import DEVICE_ID_SESSION_KEY

    from casework.two_factor import needs_two_factor

    client.force_login(user)
    if second_factor and needs_two_factor(user):
        device = user.twofactordevice_set.filter(confirmed=True).first() or two_factor_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return user


def user_with_role(username, role, **fields):
    """A user in one of the role groups (casework.roles.Role), e.g. an auditor or an administrator."""
    from django.contrib.auth.models import Group

    user = UserFactory(username=username, **fields)
    user.groups.add(Group.objects.get(name=role))
    return user

"""Two caseworkers accept referrals to a shelter's last place at the same moment: one gets it.

Two real PostgreSQL transactions in two threads: the first takes the place and holds its
transaction open; the second, started meanwhile, waits on the row and is refused once the first
commits (the check constraint places_in_use <= capacity). SQLite serialises writers, so only
PostgreSQL shows the race; CI runs the suite on both.
"""

import threading

import pytest
from django.db import connection, transaction
from guardian.shortcuts import assign_perm

from referrals import services
from referrals.models import Provider, Referral, Service

from ..factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case

pytestmark = pytest.mark.django_db(transaction=True)


def sent_referral(actor, office, service):
    case = open_case(office, actor=actor)
    assign_perm("casework.change_case", actor, case)
    referral = services.referral_propose(actor=actor, case=case, service=service, need=service.type, shares_personal_data=False)
    return services.referral_send(actor=actor, referral=referral)


def test_two_acceptances_of_the_last_place_at_once_give_it_to_one():
    if connection.vendor != "postgresql":
        pytest.skip("the race needs two concurrent PostgreSQL transactions")
    office = OfficeFactory(code="MDD", region="17")
    ana = StaffProfileFactory(user=UserFactory(username="ana"), office=office).user
    bruno = StaffProfileFactory(user=UserFactory(username="bruno"), office=office).user
    provider = Provider.objects.create(name="Albergue", sector="SOCIAL_PROTECTION", region="17")
    shelter = Service.objects.create(
        provider=provider,
        name="Albergue",
        type="SHELTER_EMERGENCY",
        sector="SOCIAL_PROTECTION",
        regions=["17"],
        residential=True,
        capacity=1,
    )
    referrals = {ana: sent_referral(ana, office, shelter), bruno: sent_referral(bruno, office, shelter)}
    first_has_place, outcomes = threading.Event(), {}

    def accept(user, *, hold_open):
        try:
            with transaction.atomic():
                services.referral_answer(actor=user, referral=referrals[user], accepted=True)
                if hold_open:
                    first_has_place.set()
                    threading.Event().wait(0.5)  # the other transaction starts and waits on the row meanwhile
            outcomes[user.username] = "accepted"
        except services.NoPlaceLeft:
            outcomes[user.username] = "no place"
        finally:
            connection.close()

    first = threading.Thread(target=accept, args=(ana,), kwargs={"hold_open": True})
    first.start()
    assert first_has_place.wait(10)
    second = threading.Thread(target=accept, args=(bruno,), kwargs={"hold_open": False})
    second.start()
    first.join(10)
    second.join(10)

    assert outcomes == {"ana": "accepted", "bruno": "no place"}
    shelter.refresh_from_db()
    assert shelter.places_in_use == 1
    assert Referral.objects.get(pk=referrals[bruno].pk).status == "SENT"

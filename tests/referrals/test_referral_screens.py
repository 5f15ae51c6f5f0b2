"""Routing a case on screen, gaps recorded, referrals through the consent gate, answers and places."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from guardian.shortcuts import assign_perm

from casework import reviews
from casework import services as case_services
from casework.models import AccessAction, AccessEvent, Review
from casework.roles import Role
from referrals import services
from referrals.models import Provider, Referral, Service, ServiceGap

from ..factories import OfficeFactory, open_case, sign_in, supervisor, user_with_role

pytestmark = pytest.mark.django_db

CATALOGUE = "referrals/demo/catalogue.csv"


@pytest.fixture
def catalogue(db):
    call_command("import_services", CATALOGUE, stdout=io.StringIO())


@pytest.fixture
def mdd():
    return OfficeFactory(code="MDD", name="Madre de Dios", region="17")


def consent(case, actor, *, share_with, version):
    record = {"given_on": datetime.date(2026, 11, 2), "method": "WRITTEN", "services": True, "share_with": share_with}
    case_services.case_update(actor=actor, case=case, expected_version=version, consent=record)


@pytest.fixture
def miner(client, alice, mdd, catalogue):
    """A 19-year-old man exploited in mining in Madre de Dios, needing shelter and psychological care."""
    case = open_case(
        mdd,
        actor=alice,
        birth_date=datetime.date(2007, 6, 1),
        gender="MAN",
        case_fields={"exploitation_types": ["LABOUR"], "labour_sector": "MINING", "needs": ["SHELTER_MEN", "PSYCHOLOGICAL"]},
    )
    assign_perm("casework.change_case", alice, case)
    return case


def test_routing_shows_the_shelter_gap_and_offers_psychological_care(client, miner):
    response = client.get(f"/cases/{miner.pk}/services/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ningún servicio encaja: queda registrado como brecha." in body
    assert "Centro Emergencia Mujer Tambopata" in body
    gap = ServiceGap.objects.get()
    assert (gap.need, gap.routing_band, gap.gender_group, gap.region) == ("SHELTER_MEN", "YOUNG_ADULT", "MAN", "17")
    assert gap.exploitation_types == ["LABOUR"]
    client.get(f"/cases/{miner.pk}/services/")
    assert ServiceGap.objects.count() == 1, "the same case counts once a week"


def test_a_near_miss_says_which_rule_fails(client, miner, english):
    body = client.get(f"/cases/{miner.pk}/services/").content.decode()
    assert "does not serve this region" in body, "the only men's shelter is in Lima"


def psychological_service():
    return Service.objects.get(name="Atención psicológica", provider__name="Centro Emergencia Mujer Tambopata")


def refer(client, case, service, *, share):
    data = {"service": service.pk, "need": service.type, **({"share": "on"} if share else {})}
    response = client.post(f"/cases/{case.pk}/services/refer/", data)
    assert response.status_code == 302
    return Referral.objects.latest("proposed_at")


def test_without_consent_the_identity_is_not_sent_and_an_exception_can_be_asked(client, miner, alice, mdd):
    referral = refer(client, miner, psychological_service(), share=True)
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "no ha dado su consentimiento" in page
    response = client.post(f"/referrals/{referral.pk}/", {"action": "send", "version": referral.version})
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.status == "PROPOSED"

    sofia = supervisor("sofia", mdd)
    client.post(f"/referrals/{referral.pk}/", {"action": "override", "version": referral.version, "reason": "Riesgo inminente."})
    review = Review.objects.get(kind="EXTERNAL_REFERRAL")
    reviews.review_decide(actor=sofia, review=review, approve=True)
    referral.refresh_from_db()
    assert referral.status == "SENT"


def test_with_consent_for_the_sector_the_preview_names_the_person_and_sending_is_logged(client, miner, alice):
    consent(miner, alice, share_with=["SOCIAL_PROTECTION"], version=miner.version)
    referral = refer(client, miner, psychological_service(), share=True)
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Rosa Huamán" in page
    assert "+51 987 654 321" not in page, "never a phone in the message"
    client.post(f"/referrals/{referral.pk}/", {"action": "send", "version": referral.version})
    referral.refresh_from_db()
    assert referral.status == "SENT"
    assert referral.sent_at is not None
    assert AccessEvent.objects.filter(action=AccessAction.UPDATE, object_id=str(miner.pk), fields=["referral"], detail="SENT").exists()


def test_withdrawn_consent_blocks_new_referrals_at_once(client, miner, alice):
    consent(miner, alice, share_with=["SOCIAL_PROTECTION"], version=miner.version)
    miner.refresh_from_db()
    consent(miner, alice, share_with=[], version=miner.version)
    referral = refer(client, miner, psychological_service(), share=True)
    with pytest.raises(services.ConsentMissing):
        services.referral_send(actor=alice, referral=referral)


def test_an_anonymous_referral_needs_no_consent_and_shows_no_name(client, miner):
    referral = refer(client, miner, psychological_service(), share=False)
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Rosa" not in page
    client.post(f"/referrals/{referral.pk}/", {"action": "send", "version": referral.version})
    referral.refresh_from_db()
    assert referral.status == "SENT"


def shelter_with_places(places, region="17"):
    provider = Provider.objects.create(name=f"Albergue {places}", sector="SOCIAL_PROTECTION", region=region)
    return Service.objects.create(
        provider=provider,
        name="Albergue",
        type="SHELTER_EMERGENCY",
        sector="SOCIAL_PROTECTION",
        regions=[region],
        residential=True,
        capacity=places,
    )


def sent_referral(case, actor, service):
    referral = services.referral_propose(actor=actor, case=case, service=service, need=service.type, shares_personal_data=False)
    return services.referral_send(actor=actor, referral=referral)


def test_accepting_takes_the_last_place_and_a_second_acceptance_is_refused(miner, alice, mdd):
    shelter = shelter_with_places(1)
    other = open_case(mdd, actor=alice)
    assign_perm("casework.change_case", alice, other)
    first, second = sent_referral(miner, alice, shelter), sent_referral(other, alice, shelter)
    services.referral_answer(actor=alice, referral=first, accepted=True)
    with pytest.raises(services.NoPlaceLeft):
        services.referral_answer(actor=alice, referral=second, accepted=True)
    shelter.refresh_from_db()
    assert shelter.places_in_use == 1
    second.refresh_from_db()
    assert second.status == "SENT"


def test_completing_or_withdrawing_frees_the_place(miner, alice):
    shelter = shelter_with_places(2)
    referral = services.referral_answer(actor=alice, referral=sent_referral(miner, alice, shelter), accepted=True)
    shelter.refresh_from_db()
    assert shelter.places_in_use == 1
    services.referral_close(actor=alice, referral=referral, completed=False, outcome="CLIENT_REFUSED")
    shelter.refresh_from_db()
    assert shelter.places_in_use == 0


def test_a_decline_needs_a_reason_and_answers_are_final(client, miner, alice, english):
    referral = sent_referral(miner, alice, psychological_service())
    response = client.post(f"/referrals/{referral.pk}/", {"action": "answer", "version": referral.version, "answer": "declined"})
    assert "Choose the reason." in response.content.decode()
    client.post(
        f"/referrals/{referral.pk}/", {"action": "answer", "version": referral.version, "answer": "declined", "outcome": "NO_CAPACITY"}
    )
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("DECLINED", "NO_CAPACITY")
    with pytest.raises(Exception, match="cannot change"):
        services.referral_answer(actor=alice, referral=referral, accepted=True)


def test_a_stale_tab_cannot_overwrite_a_newer_answer(client, miner, alice, english):
    referral = sent_referral(miner, alice, psychological_service())
    stale_version = referral.version
    services.referral_answer(actor=alice, referral=referral, accepted=True)
    stale = {"action": "answer", "version": stale_version, "answer": "declined", "outcome": "OTHER"}
    response = client.post(f"/referrals/{referral.pk}/", stale, follow=True)
    assert "Someone else changed this referral meanwhile" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "ACCEPTED"


def test_a_supervisor_reads_the_case_but_does_not_refer(client, miner, mdd):
    sign_in(client, supervisor("sofia", mdd))
    assert client.get(f"/cases/{miner.pk}/services/").status_code == 403


def write_csv(tmp_path, rows):
    header = Path(CATALOGUE).read_text(encoding="utf-8").splitlines()[0] + "\n"
    path = tmp_path / "directory.csv"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_the_import_reports_each_bad_row_by_line_and_writes_nothing(tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    good = "Centro Nuevo,HEALTH,15,Psicología,PSYCHOLOGICAL,HEALTH,15,no,,,,,spa,no,,yes,no,no,yes"
    reversed_ages = "Centro Dos,HEALTH,15,Albergue,SHELTER_MINORS,HEALTH,15,no,17,12,,,spa,yes,5,yes,no,no,yes"
    unknown_type = "Centro Tres,HEALTH,15,Algo,NOT_A_TYPE,HEALTH,15,no,,,,,spa,no,,yes,no,no,yes"
    bad_boolean = "Centro Cuatro,HEALTH,99,Algo,MEDICAL,HEALTH,15,quizás,,,,,spa,no,,yes,no,no,yes"
    with pytest.raises(CommandError) as error:
        call_command("import_services", write_csv(tmp_path, [good, reversed_ages, unknown_type, bad_boolean]), stdout=io.StringIO())
    lines = str(error.value).splitlines()
    assert any(line.startswith("line 3: max_age:") for line in lines)
    assert any(line.startswith("line 4: type:") for line in lines)
    assert {"line 5: provider_region", "line 5: national"} <= {line.split(":")[0] + ":" + line.split(":")[1] for line in lines}
    assert not any(line.startswith("line 2:") for line in lines)
    assert not Provider.objects.exists()


def test_importing_the_same_file_twice_updates_instead_of_duplicating(catalogue):
    count = Service.objects.count()
    call_command("import_services", CATALOGUE, stdout=io.StringIO())
    assert Service.objects.count() == count


def test_a_referral_not_yet_answered_can_be_withdrawn_with_a_reason(client, miner, alice):
    referral = sent_referral(miner, alice, psychological_service())
    response = client.post(f"/referrals/{referral.pk}/", {"action": "withdraw", "version": referral.version})
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.status == "SENT"
    client.post(f"/referrals/{referral.pk}/", {"action": "withdraw", "version": referral.version, "outcome": "NO_LONGER_NEEDED"})
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("WITHDRAWN", "NO_LONGER_NEEDED")
    assert referral.closed_at is not None


def gaps_of(count, **fields):
    for n in range(count):
        row = {"need": "SHELTER_MEN", "routing_band": "ADULT", "gender_group": "MAN", "region": "17", **fields}
        ServiceGap.objects.create(**row, recorded_on=datetime.date(2026, 10, 1), token=f"{fields}-{n}")


@pytest.fixture
def auditor(client):
    return sign_in(client, user_with_role("aurora", Role.AUDITOR))


def test_the_gap_report_shows_adult_men_without_shelter_and_hides_small_counts(client, auditor, english):
    gaps_of(12)
    gaps_of(3, region="08")
    gaps_of(30, routing_band="YOUNG_ADULT")
    body = client.get("/reports/gaps/").content.decode()
    assert "Shelter for adult men" in body
    assert '<td data-label="Gaps">30</td>' in body
    assert '<td data-label="Gaps">&lt;11</td>' in body
    assert '<td data-label="Gaps">*</td>' in body, "the 12 is hidden too, or the need's total (45) would give away the 3"
    assert '<td data-label="Gaps">12</td>' not in body
    assert "<svg" in body


def test_the_gap_table_leaves_only_as_an_approved_export_with_small_counts_hidden(client, english):
    from casework import aggregate_exports
    from casework.exports import to_csv

    gaps_of(2)
    gaps_of(24, routing_band="YOUNG_ADULT")
    aurora = user_with_role("aurora", Role.AUDITOR)
    sign_in(client, aurora)
    assert "format=csv" not in client.get("/reports/gaps/").content.decode()
    assert client.get("/reports/gaps/?format=csv")["Content-Type"].startswith("text/html"), "no direct download any more"
    ask = {"export": "GAPS", "first": "2026-Q4", "last": "2026-Q4", "office": None, "reason": "Informe de brechas."}
    review = aggregate_exports.export_request(actor=aurora, publication=True, today=datetime.date(2026, 11, 23), **ask)
    reviews.review_decide(actor=supervisor("sam", OfficeFactory(code="MDD", region="17")), review=review, approve=True)
    (table,) = aggregate_exports.EXPORTS["GAPS"].tables(review.details)
    assert table.columns == ("need", "age_band", "gender", "department", "gaps")
    # 2 is shown as <11, so the 24 beside it is hidden too; for publication a shown count would be rounded down.
    assert sorted(row[-1] for row in table.rows) == ["*", "<11"]
    assert to_csv(table).splitlines()[0] == "need,age_band,gender,department,gaps"


def test_a_period_outside_the_gaps_shows_none_and_a_reversed_period_is_explained(client, auditor, english):
    gaps_of(12)
    assert "No gaps recorded in this period." in client.get("/reports/gaps/?since=2025-01-01&until=2025-12-31").content.decode()
    assert "The end of the period is before its start." in client.get("/reports/gaps/?since=2026-12-01&until=2026-01-01").content.decode()


def test_caseworkers_have_no_gap_report(client, alice):
    assert client.get("/reports/gaps/").status_code == 403


@pytest.mark.parametrize("service", ["", "abc", "999999", "1 OR 1=1"])
def test_a_hand_made_referral_to_no_real_service_is_not_found(client, miner, service):
    assert client.post(f"/cases/{miner.pk}/services/refer/", {"service": service, "need": "PSYCHOLOGICAL"}).status_code == 404
    assert not Referral.objects.exists()


def test_a_second_open_referral_to_the_same_service_is_refused(client, miner, english):
    refer(client, miner, psychological_service(), share=False)
    response = client.post(
        f"/cases/{miner.pk}/services/refer/", {"service": psychological_service().pk, "need": "PSYCHOLOGICAL"}, follow=True
    )
    assert "already has an open referral to this service" in response.content.decode()
    assert Referral.objects.count() == 1
    assert "Already referred" in client.get(f"/cases/{miner.pk}/services/").content.decode()


def test_an_administrator_adds_a_service_in_the_admin_and_a_reversed_age_range_is_refused(client):
    sign_in(client, user_with_role("ada", Role.ADMINISTRATOR, is_staff=True))
    provider = Provider.objects.create(name="Centro Nuevo", sector="HEALTH", region="15")
    form = {
        "provider": provider.pk,
        "name": "Psicología",
        "type": "PSYCHOLOGICAL",
        "sector": "HEALTH",
        "regions": '["15"]',
        "genders": "[]",
        "exploitation_types": "[]",
        "languages": '["spa"]',
        "min_age": "18",
        "max_age": "12",
        "places_in_use": "0",
        "accepts_undocumented": "on",
        "active": "on",
    }
    response = client.post("/admin/referrals/service/add/", form)
    assert response.status_code == 200
    assert "La edad máxima es menor que la mínima." in response.content.decode()
    assert not Service.objects.exists()
    assert client.post("/admin/referrals/service/add/", {**form, "max_age": "25"}).status_code == 302
    assert Service.objects.get().max_age == 25

"""Data retention: a referral's note goes with the personal data of its case. The service, need,
status and dates stay for the referral outcomes and gap statistics."""

from casework import retention

from .models import Referral


def erase_referral_notes(case):
    referrals = list(Referral.objects.filter(case=case))
    for referral in referrals:
        retention.blank_encrypted(referral)
        referral.version += 1  # a form still open on the referral is refused rather than writing the note back
        referral.save()
    return ["referrals"] if referrals else []


retention.register_eraser(erase_referral_notes)

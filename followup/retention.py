"""Data retention: a visit record's free text (why not seen, plan goals, notes) goes with the
personal data of its case. The coded answers (scores, risk, flags...) stay for the indicators."""

from casework import retention

from .models import VisitRecord


def erase_visit_records(case):
    records = list(VisitRecord.objects.filter(visit__case=case))
    for record in records:
        retention.blank_encrypted(record)
        record.version += 1  # a form still open on the record is refused rather than writing text back
        record.save()
    return ["visit_records"] if records else []


retention.register_eraser(erase_visit_records)

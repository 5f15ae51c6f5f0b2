"""The case file's block of outgoing referrals (consented transfers), and the way to a new one for
the supervisors of the case's office (casework.htcds.transfer)."""

from django import template

from ..htcds.transfer import may_transfer

register = template.Library()


@register.inclusion_tag("casework/htcds_transfer_panel.html")
def case_transfers(case, user):
    return {
        "case": case,
        "transfers": list(case.transfers.order_by("-requested_at")),
        "can_transfer": may_transfer(user, case),
    }

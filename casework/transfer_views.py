"""Screens of the consented case transfer (casework.htcds.transfer): ask, then download once.

Only the supervisors of the case's office reach them: the case's team gets a 403, everyone who
may not see the case a 404. The download is a POST (a form's button), so that no link preview or
prefetch can spend the one download.
"""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .access import case_for
from .aggregate_exports import DOWNLOAD_DAYS
from .choices import ConsentSector
from .forms import add_service_errors
from .htcds import transfer as service
from .models import CaseTransfer, ReferralReason


class TransferForm(forms.Form):
    organisation = forms.CharField(
        label=gettext_lazy("Receiving organisation"), max_length=200, help_text=gettext_lazy("The organisation's name, never a person's.")
    )
    sector = forms.ChoiceField(
        label=gettext_lazy("Its sector"),
        choices=ConsentSector.choices,
        help_text=gettext_lazy("The person's consent must cover sharing with this sector."),
    )
    reason_code = forms.ChoiceField(label=gettext_lazy("Reason for the transfer"), choices=ReferralReason.choices)


class OverrideForm(TransferForm):
    """The same, with why the case must go without the person's consent: the exception's reason."""

    justification = forms.CharField(
        label=gettext_lazy("Why the case must go without the person's consent"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For the supervisor who decides (for example, imminent danger). It is not written into the file."),
    )


def _supervised_case(request, case_id, fields=()):
    case = case_for(request.user, case_id, fields=fields)
    if not service.may_transfer(request.user, case):
        raise PermissionDenied
    return case


def refusal_text(sector):
    return _(
        "The person's consent in force does not cover sharing their case with the sector %(sector)s: the case cannot be transferred. "
        "Record a new consent if the person agrees, or ask another supervisor to approve an exception."
    ) % {"sector": ConsentSector(sector).label}


@login_required
def case_transfer(request, case_id):
    """The case's transfers with their state, and the form to prepare one (or, refused, to ask
    for an exception)."""
    case = _supervised_case(request, case_id, fields=["case_transfers"])
    asks_override = "justification" in request.POST
    form = (OverrideForm if asks_override else TransferForm)(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            service.transfer_prepare(actor=request.user, case=case, **form.cleaned_data)
        except service.ConsentMissing as missing:
            refusal = refusal_text(missing.sector)
            form = OverrideForm(initial=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if asks_override:
                messages.success(request, _("Exception requested: another supervisor of the office must approve it first."))
            else:
                messages.success(request, _("The transfer is ready: download the file once, below."))
            return redirect("case_transfer", case_id=case.pk)
    now = timezone.now()
    rows = case.transfers.select_related("override", "requested_by").order_by("-requested_at")
    transfers = [(row, state, service.STATE_TEXTS[state]) for row in rows for state in [service.state(row, now)]]
    context = {"case": case, "form": form, "refusal": refusal, "transfers": transfers, "days": DOWNLOAD_DAYS, "ready": service.READY}
    return render(request, "casework/htcds_transfer.html", context, status=403 if refusal else 200)


def _transfer_of(request, case):
    try:
        transfer_id = uuid.UUID(request.POST.get("transfer", ""))
    except ValueError:
        raise Http404 from None
    transfer = CaseTransfer.objects.filter(case=case, pk=transfer_id, requested_by=request.user).first()
    if transfer is None:
        raise Http404
    return transfer


@login_required
@require_POST
def case_transfer_download(request, case_id):
    """The file, once, for whoever prepared the transfer; 410 afterwards."""
    case = _supervised_case(request, case_id)
    transfer = _transfer_of(request, case)
    try:
        name, data = service.transfer_download(actor=request.user, transfer=transfer)
    except service.Gone:
        return render(request, "casework/htcds_transfer_gone.html", {"case": case}, status=410)
    except service.ConsentMissing as missing:
        messages.error(request, refusal_text(missing.sector))
        return redirect("case_transfer", case_id=case.pk)
    except service.NotReady:
        messages.error(request, _("The exception has not been approved: the file cannot be downloaded."))
        return redirect("case_transfer", case_id=case.pk)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response

"""Screens of aggregate exports: ask for one, see the decision, download it once approved."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from . import aggregate_exports as service
from .forms import add_service_errors
from .models import Office, Review
from .statistics import recent_quarters

QUARTERS_OFFERED = 24  # six years back


def quarters(today):
    """The last QUARTERS_OFFERED quarters, newest first, as ("2026-Q4", "2026-Q4")."""
    return [(label, label) for label in reversed(recent_quarters(today, QUARTERS_OFFERED))]


class ExportRequestForm(forms.Form):
    export = forms.ChoiceField(label=gettext_lazy("Export"))
    first = forms.ChoiceField(label=gettext_lazy("From the quarter"))
    last = forms.ChoiceField(label=gettext_lazy("To the quarter"))
    office = forms.ModelChoiceField(
        label=gettext_lazy("Office"), queryset=Office.objects.order_by("code"), required=False, empty_label=gettext_lazy("All offices")
    )
    publication = forms.BooleanField(
        label=gettext_lazy("For publication"),
        required=False,
        help_text=gettext_lazy("Every count is rounded down to a multiple of the minimum cell size."),
    )
    reason = forms.CharField(label=gettext_lazy("Why, and for whom"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first"].choices = self.fields["last"].choices = quarters(today)
        self.fields["export"].choices = [(code, kind.label) for code, kind in service.EXPORTS.items()]


@login_required
def export_list(request):
    """The user's export requests, newest first, and the form to ask for another."""
    if not service.may_request(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    form = ExportRequestForm(request.POST or None, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            service.export_request(actor=request.user, today=today, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Export requested. A supervisor who did not ask for it must approve it."))
            return redirect("export_list")
    mine = Review.objects.filter(kind=service.KIND, requested_by=request.user).select_related("office").order_by("-requested_at")[:50]
    rows = [(review, service.EXPORTS[review.details["export"]].label, service.downloadable(review, request.user)) for review in mine]
    return render(request, "casework/exports.html", {"form": form, "rows": rows, "days": service.DOWNLOAD_DAYS})


@login_required
@require_safe
def export_download(request, export_id):
    """The approved export as a zip of CSV files, for whoever asked for it."""
    review = Review.objects.filter(pk=export_id, kind=service.KIND, requested_by=request.user).first()
    if review is None:
        raise Http404
    if not service.downloadable(review, request.user):
        messages.error(request, _("This export cannot be downloaded: it is not approved, or its approval is more than a week old."))
        return redirect("export_list")
    name, data = service.export_download(actor=request.user, review=review)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

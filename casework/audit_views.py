"""The access log screen, for auditors: who touched which case, when, and whether the chain holds."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from .models import AccessAction, AccessEvent, AccessLogCheck
from .paging import paginate
from .roles import Role, has_role

EVENTS_PER_PAGE = 50


class AccessLogFilter(forms.Form):
    user = forms.CharField(label=_("User"), max_length=150, required=False)
    reference = forms.CharField(label=_("Case reference"), max_length=20, required=False)
    action = forms.ChoiceField(label=_("Action"), choices=[("", _("All actions")), *AccessAction.choices], required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date must not be before the start date."))
        return data

    def filter(self, events):
        data = self.cleaned_data
        if data["user"]:
            events = events.filter(actor__username=data["user"])
        if data["reference"]:
            events = events.filter(object_ref=data["reference"].strip().upper())
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["since"]:
            events = events.filter(occurred_at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(occurred_at__date__lte=data["until"])
        return events


@login_required
@require_safe
def access_log(request):
    """Newest first, filtered; the latest verification of the hash chain on top."""
    if not has_role(request.user, Role.AUDITOR):
        raise PermissionDenied
    form = AccessLogFilter(request.GET or None)
    events = AccessEvent.objects.select_related("actor").order_by("-sequence")
    if form.is_bound and form.is_valid():
        events = form.filter(events)
    page = paginate(request, events, EVENTS_PER_PAGE)
    context = {"form": form, "page": page, "check": AccessLogCheck.objects.first()}
    return render(request, "casework/access_log.html", context)

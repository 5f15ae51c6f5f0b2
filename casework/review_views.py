"""Screens of supervisor reviews and of the in-app notifications. Thin: access, a service, render."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from . import aggregate_exports, audit, retention, reviews
from .access import case_for, cases_visible_to, offices_supervised_by
from .choices import CLOSED_STATUSES, CaseStatus
from .htcds import transfer
from .models import AccessAction, Case, CaseTransfer, Notification, Review, ReviewStatus, TeamMember
from .paging import paginate
from .team_views import override_context

NOTIFICATIONS_PER_PAGE = 30
CASES_NEEDING_TEAM_PER_PAGE = 30


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("send_back", _("Send back"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when sending back: what must change."),
    )


@login_required
def case_request_closure(request, case_id):
    """The team asks to close the case; it waits for a supervisor of its office."""
    case = case_for(request.user, case_id, permission="change_case")
    if case.status not in reviews.CLOSABLE:
        messages.error(request, _("A case in this status cannot be closed."))
        return redirect("case_file", case_id=case.pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reviews.request_closure(actor=request.user, case=case, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("reason", error.message_dict.get("reason", error.messages))
        else:
            messages.success(request, _("Closure requested. The case waits for a supervisor's decision."))
            return redirect("case_file", case_id=case.pk)
    return render(request, "casework/request_closure.html", {"case": case, "form": form})


@login_required
@require_safe
def review_queue(request):
    """What waits for the supervisor's decision in the offices they supervise, oldest first."""
    # Ids, read once (as the dashboard does): as a subquery the planner misjudges how many cases match.
    offices = list(offices_supervised_by(request.user).values_list("pk", flat=True))
    if not offices:
        raise PermissionDenied
    # Reviews of their offices' cases, and those about no case (aggregate exports) of one of their
    # offices or of every office.
    theirs = Q(case__office__in=offices) | Q(case__isnull=True, office__in=offices) | Q(case__isnull=True, office__isnull=True)
    waiting = (
        Review.objects.filter(theirs, status=ReviewStatus.PENDING)
        .select_related("case", "requested_by")
        .only("id", "kind", "requested_at", "case__reference", "case__id", "requested_by__username")
        .order_by("requested_at")
    )
    now = timezone.now()
    rows = [(review, reviews.kind_label(review.kind), now - review.requested_at) for review in waiting]
    # Open cases of these offices without a team, or whose team now breaks a rule.
    open_cases = Case.objects.filter(office__in=offices).exclude(status__in=CLOSED_STATUSES)
    # EXISTS, one index probe per open case: joining the team places needed a DISTINCT over them all.
    has_team = Exists(TeamMember.objects.filter(case=OuterRef("pk")))
    needing_team = open_cases.filter(~has_team | ~Q(team_breaks=[])).only("id", "reference", "team_breaks")
    # Paged: an office of thousands of cases may have hundreds waiting (an import brings many at once).
    page = paginate(request, needing_team.order_by("reference"), CASES_NEEDING_TEAM_PER_PAGE)
    return render(request, "casework/review_queue.html", {"rows": rows, "page": page})


def _review_for(user, review_id):
    """The review if the user may see its case (its team, its supervisors), or for a review about
    no case, if they asked for it or may decide it; 404 otherwise, logged."""
    review = Review.objects.select_related("requested_by", "decided_by", "office").filter(pk=review_id).first()
    if review is None:
        raise Http404
    if review.case_id is None:
        if review.requested_by_id != user.pk and not reviews.oversees(user, review):
            audit.record(action=AccessAction.DENIED, object_type=Review._meta.label_lower, object_id=str(review_id))
            raise Http404
        audit.record(action=AccessAction.VIEW, target=review, fields=["review"])
        return review
    review.case = case_for(user, review.case_id, fields=["review"])
    return review


@login_required
def review_detail(request, review_id):
    """Exactly what is to be decided, and the decision for a supervisor who may take it."""
    review = _review_for(request.user, review_id)
    can_decide = (
        review.status == ReviewStatus.PENDING and review.requested_by_id != request.user.pk and reviews.oversees(request.user, review)
    )
    form = DecisionForm(request.POST or None) if can_decide else None
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            try:
                reviews.review_decide(actor=request.user, review=review, approve=approve, note=form.cleaned_data["note"])
            except ValidationError as error:
                form.add_error("note", error.message_dict.get("note", error.messages))
            except reviews.ReviewAlreadyDecided:
                messages.error(request, _("Another supervisor decided this review first. Their decision stands."))
                return redirect("review_detail", review_id=review.pk)
            else:
                messages.success(request, _("Decision recorded. The requester has been notified."))
                return redirect("review_queue")
    context = {
        "review": review,
        "case": review.case,
        "kind": reviews.kind_label(review.kind),
        "previous_status": CaseStatus(review.details["previous_status"]).label if "previous_status" in review.details else "",
        "form": form,
        **(override_context(review) if review.kind == "TEAM_OVERRIDE" else {}),
        **({"export_label": aggregate_exports.EXPORTS[review.details["export"]].label} if review.kind == "AGGREGATE_EXPORT" else {}),
        **(retention.review_context(review) if review.kind == retention.KIND else {}),
        **({"transfer": CaseTransfer.objects.get(pk=review.details["transfer"])} if review.kind == transfer.OVERRIDE_KIND else {}),
    }
    return render(request, "casework/review_detail.html", context)


class BreakGlassForm(ReasonForm):
    reference = forms.CharField(label=_("Case reference"), max_length=20, help_text=_("E.g. LIM-2026-00042."))
    field_order = ["reference", "reason"]

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip().upper()
        case = Case.objects.filter(reference=reference).select_related("office").first()
        if case is None:
            raise ValidationError(_("No case has this reference."))
        self.case = case
        return reference


@login_required
def break_glass(request):
    """A supervisor opens a case outside their offices, for a limited time, saying why."""
    if not offices_supervised_by(request.user).exists():
        raise PermissionDenied
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = form.case
        if cases_visible_to(request.user).filter(pk=case.pk).exists():
            return redirect("case_file", case_id=case.pk)
        try:
            grant = reviews.break_the_glass(actor=request.user, case=case, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error("reason", error.message_dict.get("reason", error.messages))
        else:
            until = date_format(timezone.localtime(grant.expires_at), "TIME_FORMAT")
            messages.warning(
                request, _("You may read this case until %(time)s. Its office's supervisors have been told.") % {"time": until}
            )
            return redirect("case_file", case_id=case.pk)
    return render(request, "casework/break_glass.html", {"form": form, "hours": settings.BREAK_THE_GLASS_HOURS})


@login_required
@require_safe
def notifications(request):
    """The user's notifications, newest first; opening the list marks them read."""
    mine = Notification.objects.filter(recipient=request.user).select_related("case", "review").order_by("-created_at")
    page = paginate(request, mine, NOTIFICATIONS_PER_PAGE)
    unread = [notification.pk for notification in page.object_list if notification.read_at is None]
    response = render(request, "casework/notifications.html", {"page": page, "unread": set(unread)})
    Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return response


@login_required
@require_POST
def notifications_read_all(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")

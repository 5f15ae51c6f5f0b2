"""What every page's header needs: the unread notifications and whether to show the review queue."""

from django.utils.functional import SimpleLazyObject

from .access import offices_supervised_by
from .models import Notification
from .roles import Role, has_role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        # Lazy: counted only on pages that show them.
        "unread_notifications": SimpleLazyObject(lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()),
        "supervises_offices": SimpleLazyObject(lambda: offices_supervised_by(user).exists()),
        "is_auditor": SimpleLazyObject(lambda: has_role(user, Role.AUDITOR)),
        # The same role names as is_auditor, read once per request: no query more.
        "is_administrator": SimpleLazyObject(lambda: has_role(user, Role.ADMINISTRATOR)),
    }

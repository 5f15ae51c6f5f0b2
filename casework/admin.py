"""Django admin: staff, offices and profiles only.

People and cases are deliberately not registered: administrators manage the organisation, they
do not read case content (separation of duties).
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import two_factor
from .models import Office, StaffProfile, User


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    actions = ["reset_second_factor"]

    @admin.action(description=_("Reset the second factor (lost phone): they enrol again at their next sign-in"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            two_factor.reset(user)
        count = queryset.count()
        done = ngettext("Second factor reset for %(count)d user.", "Second factor reset for %(count)d users.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    search_fields = ["code", "name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "gender", "sector", "office", "child_specialised", "caseload_cap", "active"]
    list_filter = ["office", "sector", "gender", "active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    filter_horizontal = ["supervised_offices"]

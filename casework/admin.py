"""Django admin: staff, offices and profiles only.

People and cases are deliberately not registered: administrators manage the organisation, they
do not read case content (separation of duties).
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import staffing, two_factor
from .models import Office, StaffProfile, TeamPolicy, User


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    actions = ["reset_second_factor"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            staffing.teams_recheck(user=obj)

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
    def save_model(self, request, obj, form, change):
        staffing.staff_profile_save(actor=request.user, profile=obj)

    list_display = ["user", "gender", "sector", "office", "child_specialised", "caseload_cap", "active"]
    list_filter = ["office", "sector", "gender", "active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    filter_horizontal = ["supervised_offices"]


@admin.register(TeamPolicy)
class TeamPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "min_members", "mixed_gender", "min_sectors", "training_months", "allow_remote"]

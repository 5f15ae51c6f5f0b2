"""Django admin: staff, offices and profiles only.

People and cases are deliberately not registered: administrators manage the organisation, they
do not read case content (separation of duties).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Office, StaffProfile, User

admin.site.register(User, UserAdmin)


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

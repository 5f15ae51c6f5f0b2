"""Django admin: the follow-up schedule (data), for administrators. Plans and visits are case content."""

from django.contrib import admin

from .models import FollowUpSchedule


@admin.register(FollowUpSchedule)
class FollowUpScheduleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "minor_offsets", "adult_offsets", "unscheduled_within_days"]

    def has_add_permission(self, request):
        return not FollowUpSchedule.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

"""Django admin: the catalogue (providers and their services), for administrators.

Referrals and gaps are not here: referrals carry case content, gaps are read as aggregates.
"""

from django.contrib import admin

from .models import Provider, Service


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["name", "type", "regions", "national", "min_age", "max_age", "capacity", "places_in_use", "active"]
    show_change_link = True


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "region", "active"]
    list_filter = ["sector", "region", "active"]
    search_fields = ["name"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "type", "min_age", "max_age", "residential", "capacity", "places_in_use", "active"]
    list_filter = ["type", "residential", "national", "specialised", "active"]
    search_fields = ["name", "provider__name"]
    list_select_related = ["provider"]

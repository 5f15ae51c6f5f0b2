from django.contrib.auth import views as auth_views
from django.urls import path

from . import audit_views, export_views, import_views, review_views, staff_views, team_views, transfer_views, two_factor_views, views

urlpatterns = [
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<uuid:case_id>/", views.case_file, name="case_file"),
    path("cases/<uuid:case_id>/complete-intake/", views.case_complete_intake, name="case_complete_intake"),
    path("cases/<uuid:case_id>/notes/", views.case_note_add, name="case_note_add"),
    path("cases/<uuid:case_id>/notes/<uuid:note_id>/", views.case_note_edit, name="case_note_edit"),
    path("cases/<uuid:case_id>/closure/", review_views.case_request_closure, name="case_request_closure"),
    path("cases/<uuid:case_id>/team/", team_views.case_team, name="case_team"),
    path("cases/<uuid:case_id>/transfer/", transfer_views.case_transfer, name="case_transfer"),
    path("cases/<uuid:case_id>/transfer/download/", transfer_views.case_transfer_download, name="case_transfer_download"),
    path("cases/<uuid:case_id>/<slug:section>/", views.case_section_edit, name="case_section_edit"),
    path("reviews/", review_views.review_queue, name="review_queue"),
    path("break-the-glass/", review_views.break_glass, name="break_glass"),
    path("reviews/<uuid:review_id>/", review_views.review_detail, name="review_detail"),
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/<int:user_id>/", staff_views.staff_edit, name="staff_edit"),
    path("reports/capacity/", staff_views.capacity, name="capacity_report"),
    path("exports/", export_views.export_list, name="export_list"),
    path("exports/<uuid:export_id>/download/", export_views.export_download, name="export_download"),
    path("imports/htcds/", import_views.htcds_import, name="htcds_import"),
    path("notifications/", review_views.notifications, name="notifications"),
    path("access-log/", audit_views.access_log, name="access_log"),
    path("notifications/read/", review_views.notifications_read_all, name="notifications_read_all"),
    path("search/", views.search, name="search"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/two-factor/", two_factor_views.verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", two_factor_views.setup, name="two_factor_setup"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("language/", views.choose_language, name="set_language"),
]

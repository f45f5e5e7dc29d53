from django.contrib import admin
from django.urls import include, path

from frenchtech.web.views import (
    accounts,
    deliberation,
    dossiers,
    feedback,
    jury,
    programme,
    public,
    whatif,
)

urlpatterns = [
    path("", public.home, name="home"),
    path("public/<str:campaign>/", public.decisions, name="public-decisions"),
    path("geo/perimeter.json", public.perimeter_json, name="geo-perimeter"),
    path("geo/epci.json", public.epci_json, name="geo-epci"),
    path("accounts/register/", accounts.register, name="register"),
    path("accounts/login/", accounts.login, name="login"),
    path("accounts/logout/", accounts.logout, name="logout"),
    path("dossiers/", dossiers.dossier_list, name="dossier-list"),
    path("dossiers/new/", dossiers.dossier_new, name="dossier-new"),
    path("dossiers/<int:pk>/", dossiers.dossier_detail, name="dossier-detail"),
    path("dossiers/<int:pk>/edit/", dossiers.dossier_edit, name="dossier-edit"),
    path("dossiers/<int:pk>/submit/", dossiers.dossier_submit, name="dossier-submit"),
    path("dossiers/<int:pk>/attachments/", dossiers.attachment_upload, name="attachment-upload"),
    path("attachments/<int:pk>/", dossiers.attachment_download, name="attachment-download"),
    path("attachments/<int:pk>/delete/", dossiers.attachment_delete, name="attachment-delete"),
    path("jury/", jury.jury_home, name="jury-home"),
    path("jury/review/<int:pk>/", jury.review, name="review"),
    path("jury/assign/", jury.assign, name="jury-assign"),
    path("jury/reminders/", jury.reminders, name="jury-reminders"),
    path("deliberation/", deliberation.deliberation_list, name="deliberation-list"),
    path("deliberation/<int:pk>/", deliberation.deliberation_detail, name="deliberation-detail"),
    path("deliberation/publish/", deliberation.publish, name="publish"),
    path("deliberation/<int:pk>/correct/", deliberation.correct, name="decision-correct"),
    path("feedback/", feedback.letter, name="feedback-letter"),
    path("feedback/<str:territory>/", feedback.letter, name="feedback-letter-territory"),
    path("deliberation/whatif/", whatif.run, name="whatif-run"),
    path("deliberation/whatif/scenarios/", whatif.save, name="whatif-save"),
    path("programme/calendar/", programme.calendar, name="calendar"),
    path("programme/activity/", programme.activity, name="activity"),
    path("programme/activity.csv", programme.activity_csv, name="activity-csv"),
    path("fund/", include("frenchtech.web.views.fund")),
    path("", include("frenchtech.web.showcase_api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", accounts.admin_login),  # one login page, with its rate limit, for the admin too
    path("admin/", admin.site.urls),
]
# Static files are served by WhiteNoise (settings.MIDDLEWARE) from the files it knows: any other /static/
# path, such as one leading out of the static folders (../), matches no URL here and is a 404.

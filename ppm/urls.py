from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView

from ppm import audit_views, health, report_views, throttle, views
from ppm.api.schema import ApiDocsView

admin.site.site_header = _("Pilotis administration")
admin.site.site_title = _("Pilotis administration")
admin.site.index_title = _("Settings and reference data")
admin.site.login_form = throttle.ThrottledAdminAuthenticationForm

# Errors under /api/ answer JSON, elsewhere the HTML pages (ppm.errors).
handler400 = "ppm.errors.bad_request"
handler403 = "ppm.errors.permission_denied"
handler404 = "ppm.errors.page_not_found"
handler500 = "ppm.errors.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # The language switch, remembering a signed-in person's choice for their e-mails (ppm.views).
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("accounts/", include("ppm.account_urls")),
    path("audit/", audit_views.audit_log_page, name="audit_log"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("ppm.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the CSP forbids inline scripts.
    path("api/docs/", ApiDocsView.as_view(), name="api-docs"),
    path("jobs/<int:pk>/", report_views.report_job_status, name="report_job_status"),
    path("jobs/<int:pk>/download/", report_views.report_job_download, name="report_job_download"),
    path("jobs/<slug:kind>/request/", report_views.report_job_request_view, name="report_job_request"),
    path("", include("ppm.manage_urls")),
    path("", include("governance.urls")),
    path("", include("budgets.urls")),
    path("", include("resources.urls")),
    path("", include("portfolio.urls")),
]
# MEDIA_URL is never served, not even in DEBUG: generated files are reachable only through the
# permission-checked download view (ppm.report_views.report_job_download).

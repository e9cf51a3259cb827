"""Import projects from a CSV or XLSX file: upload, then follow the import (ppm.imports)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from portfolio.imports import COLUMNS, IMPORT_KIND
from portfolio.permissions import can_create_project
from ppm.report_views import import_page

__all__ = ["IMPORT_KIND", "project_import"]

TEMPLATE = "portfolio/project_import.html"


@login_required
@never_cache
def project_import(request):
    """GET: the upload form and the latest import (``?job=<id>`` for one). POST: queue the file."""
    if not can_create_project(request.user):
        raise PermissionDenied(_("Only the project office and administrators import projects."))
    return import_page(
        request, kind=IMPORT_KIND, template=TEMPLATE, url_name="portfolio:project_import", columns=COLUMNS
    )

"""Stub: owned by the Celery/PDF work; every name in portfolio/urls.py must stay defined."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("Not implemented yet", status=501)


project_sheet_request = project_sheet_status = project_sheet_download = _todo

from django.conf import settings


def pilotis(request):
    return {"PILOTIS_DEMO": settings.PILOTIS_DEMO}

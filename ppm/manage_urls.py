"""Management pages of the core (namespace `manage`): the "Manage" page, directorates and users."""

from django.urls import path

from ppm import manage_views

app_name = "manage"
urlpatterns = [
    path("manage/", manage_views.manage_index, name="index"),
    *manage_views.DIRECTORATES.urls(),
    *manage_views.USERS.urls(),
]

"""The portfolio's reference data in Django's admin: written through the services (audited)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from portfolio.models import Tag
from ppm.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_tag_added_and_renamed_in_the_admin_is_audited(client, admin_user_):
    client.force_login(admin_user_)
    assert client.post(reverse("admin:portfolio_tag_add"), {"name": " cloud "}).status_code == 302
    tag = Tag.objects.get()
    assert tag.name == "cloud"  # the service strips it
    assert (
        client.post(
            reverse("admin:portfolio_tag_change", args=[tag.pk]), {"name": "sovereign cloud"}
        ).status_code
        == 302
    )
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Tag), object_id=str(tag.pk)
    )
    assert [entry.action for entry in entries.order_by("pk")] == [
        AuditEntry.Action.CREATE,
        AuditEntry.Action.UPDATE,
    ]
    assert client.get(reverse("admin:portfolio_tag_delete", args=[tag.pk])).status_code == 403

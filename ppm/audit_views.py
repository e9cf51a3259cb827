"""The audit log page: every recorded change, for administrators and the project office.

Filter by who, what kind of object, which action and when; paginated; the same selection as CSV
(cells that a spreadsheet would read as a formula are neutralised). The page's query count does not
depend on the number of entries shown.
"""

import csv
import io
from typing import cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from ppm.audit import audit_log
from ppm.models import AuditEntry, User
from ppm.permissions import RULES

PAGE_SIZE = 50
# A spreadsheet runs a cell starting with one of these as a formula: such cells get a leading apostrophe.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\x00")


def neutralise_cell(value) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\x00", "")
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class AuditLogFilterForm(forms.Form):
    actor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=gettext_lazy("Who"),
        empty_label=gettext_lazy("Any"),
    )
    content_type = forms.ModelChoiceField(
        queryset=ContentType.objects.none(),
        required=False,
        label=gettext_lazy("Kind of object"),
        empty_label=gettext_lazy("Any"),
    )
    action = forms.ChoiceField(required=False, label=gettext_lazy("Action"))
    since = forms.DateField(
        required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people and kinds of object that appear in the log (one query each).
        actor = cast(forms.ModelChoiceField, self.fields["actor"])
        actor.queryset = User.objects.filter(
            pk__in=AuditEntry.objects.order_by().values("actor_id")
        ).order_by("last_name", "first_name", "username")
        actor.empty_label = _("Anyone")
        content_type = cast(forms.ModelChoiceField, self.fields["content_type"])
        content_type.queryset = ContentType.objects.filter(
            pk__in=AuditEntry.objects.order_by().values("content_type_id")
        ).order_by("app_label", "model")
        content_type.label_from_instance = lambda ct: _object_type(ct).capitalize()  # type: ignore[method-assign,assignment]
        content_type.empty_label = _("Any")
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", _("Any")), *AuditEntry.Action.choices]

    def clean(self):
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period must not be before its start."))
        return cleaned

    def selection(self):
        data = self.cleaned_data if self.is_valid() else {}
        return audit_log(
            actor_id=data["actor"].pk if data.get("actor") else None,
            content_type_id=data["content_type"].pk if data.get("content_type") else None,
            action=data.get("action") or None,
            since=data.get("since"),
            until=data.get("until"),
        )


def _check_access(user) -> None:
    # The rule lives in the core's table (ppm.permissions.RULES), read by the permissions matrix too.
    RULES.check(user, "auditentry.view")


def _object_type(content_type) -> str:
    model = content_type.model_class() if content_type else None
    return str(model._meta.verbose_name) if model else (content_type.model if content_type else "")


@login_required
@never_cache
def audit_log_page(request):
    _check_access(request.user)
    form = AuditLogFilterForm(request.GET or None)
    if request.GET.get("format") == "csv":
        return _csv(form.selection())
    page = Paginator(form.selection(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ppm/audit_log.html",
        {
            "form": form,
            "page_obj": page,
            "entries": [{"entry": e, "object_type": _object_type(e.content_type)} for e in page.object_list],
            "query": query.urlencode(),
        },
    )


def _csv(entries) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [_("When"), _("Who"), _("Action"), _("Kind of object"), _("Object id"), _("Object"), _("Changes")]
    )
    for entry in entries.iterator(chunk_size=2000):
        changes = "; ".join(f"{row['label']}: {row['old']} → {row['new']}" for row in entry.display_changes)
        writer.writerow(
            [
                neutralise_cell(timezone.localtime(entry.at).isoformat(timespec="seconds")),
                neutralise_cell(entry.actor or _("system")),
                neutralise_cell(entry.get_action_display()),
                neutralise_cell(_object_type(entry.content_type)),
                entry.object_id,
                neutralise_cell(entry.object_repr),
                neutralise_cell(changes),
            ]
        )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"pilotis-audit-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response

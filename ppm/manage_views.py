"""Management pages of the project office: reference data and user accounts, in the application.

One generic list / create / edit for every managed entity (`ManagedSection`); each app declares
its sections and URL patterns (``ppm/manage_urls.py`` for directorates and users, portfolio's
``reference_views.py`` for strategic axes, objectives and tags). Writes go through each entity's
services (validated, audited); rights come from the app's rule table: the list and the edit pages
need ``<entity>.change``, the creation page ``<entity>.create``. The "Manage" page lists the
sections the user may manage; apps register theirs with `register_section` (ppm imports no app).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ppm import services, user_services
from ppm.models import Directorate, User
from ppm.permissions import RULES, RuleTable, get_for_user, requires
from ppm.roles import Role

PAGE_SIZE = 25


@dataclass(frozen=True)
class Column:
    label: str | Promise
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class ListFilter:
    """A choice filter of a list: `?<param>=<value>` keeps the rows where `lookup` equals the value."""

    param: str
    label: str | Promise
    choices: Callable[[], list[tuple[str, Any]]]  # (value, label); called per request (translated)
    lookup: str


@dataclass
class ManagedSection:
    """A managed entity: its list columns, form and services, and the app's rules about it."""

    key: str  # URL and name prefix: "directorates" → <namespace>:directorates_list
    entity: str  # rule entity: "directorate" → directorate.change / directorate.create
    title: str | Promise
    description: str | Promise
    rules: RuleTable
    namespace: str
    queryset: Callable[[Any], QuerySet]  # user → the visible, ordered, list-ready queryset
    columns: list[Column]
    search_fields: tuple[str, ...]
    form_class: type[forms.ModelForm]
    create: Callable[..., Any]  # create(actor=..., data=cleaned_data) → object
    update: Callable[..., Any]  # update(actor=..., obj=..., data=cleaned_data) → object
    form_kwargs: Callable[[Any], dict] = field(default=lambda user: {})
    list_action: str = ""  # default "<entity>.change"
    filters: list[ListFilter] = field(default_factory=list)
    create_label: str | Promise = gettext_lazy("Add")

    def url(self, view: str, *args) -> str:
        return reverse(f"{self.namespace}:{self.key}_{view}", args=args)

    def may_manage(self, user) -> bool:
        return self.rules.allows(user, self.list_action or f"{self.entity}.change")

    def may_create(self, user) -> bool:
        return self.rules.allows(user, f"{self.entity}.create")

    def urls(self) -> list:
        """The section's three URL patterns, to put in the app's urlpatterns."""
        change, create = f"{self.entity}.change", f"{self.entity}.create"
        listing = self.list_action or change

        def load(request, pk):
            return get_for_user(
                self.queryset(request.user), table=self.rules, user=request.user, pk=pk, action=change
            )

        return [
            path(
                f"manage/{self.key}/",
                requires(self.rules, listing)(_list_view(self)),
                name=f"{self.key}_list",
            ),
            path(
                f"manage/{self.key}/new/",
                requires(self.rules, create)(_create_view(self)),
                name=f"{self.key}_create",
            ),
            path(
                f"manage/{self.key}/<int:pk>/edit/",
                requires(self.rules, change, loader=load)(_edit_view(self)),
                name=f"{self.key}_edit",
            ),
        ]


SECTIONS: list[ManagedSection] = []


def register_section(section: ManagedSection) -> ManagedSection:
    """Add `section` to the "Manage" page (apps call it when their URL module is loaded)."""
    if all(existing.key != section.key for existing in SECTIONS):
        SECTIONS.append(section)
    return section


def _vary_on_htmx(response: HttpResponse) -> HttpResponse:
    response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "HX-Request"]))
    return response


def _list_view(section: ManagedSection):
    def view(request):
        queryset = section.queryset(request.user)
        query = " ".join(request.GET.get("q", "").replace("\x00", "").split())[:100]
        if query:
            condition = Q()
            for name in section.search_fields:
                condition |= Q(**{f"{name}__icontains": query})
            queryset = queryset.filter(condition)
        filters = []
        for list_filter in section.filters:
            choices = [(str(value), str(label)) for value, label in list_filter.choices()]
            selected = request.GET.get(list_filter.param, "")
            if selected in {value for value, _label in choices}:
                queryset = queryset.filter(**{list_filter.lookup: selected})
            else:
                selected = ""  # an unknown value is ignored
            filters.append({"filter": list_filter, "choices": choices, "selected": selected})
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        change, user = f"{section.entity}.change", request.user
        rows = [
            {
                "obj": obj,
                "cells": [column.value(obj) for column in section.columns],
                # No link to an edit page the user would be refused (e.g. an administrator's account).
                "edit": section.url("edit", obj.pk) if section.rules.allows(user, change, obj) else "",
            }
            for obj in page.object_list
        ]
        context = {
            "section": section,
            "page_obj": page,
            "rows": rows,
            "query": query,
            "filters": filters,
            "list_url": section.url("list"),
            "create_url": section.url("create") if section.may_create(request.user) else None,
        }
        htmx = getattr(request, "htmx", None)
        if htmx and not htmx.history_restore_request and htmx.target == "manage-results":
            return _vary_on_htmx(render(request, "ppm/manage/partials/table.html", context))
        return _vary_on_htmx(render(request, "ppm/manage/list.html", context))

    view.__name__ = f"{section.key}_list"
    return view


def _add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, error)


def _render_form(request, section, form, obj=None, status=200):
    return render(
        request,
        "ppm/manage/form.html",
        {
            "section": section,
            "form": form,
            "obj": obj,
            "list_url": section.url("list"),
            "action_url": section.url("edit", obj.pk) if obj is not None else section.url("create"),
        },
        status=status,
    )


def _create_view(section: ManagedSection):
    def view(request):
        form = section.form_class(request.POST or None, **section.form_kwargs(request.user))
        if request.method == "POST" and form.is_valid():
            try:
                obj = section.create(actor=request.user, data=form.cleaned_data)
            except ValidationError as error:
                _add_service_error(form, error)
            else:
                messages.success(request, _("“%(object)s” created.") % {"object": obj})
                return redirect(section.url("list"))
        return _render_form(request, section, form)

    view.__name__ = f"{section.key}_create"
    return view


def _edit_view(section: ManagedSection):
    def view(request, pk, obj):
        kwargs = section.form_kwargs(request.user)
        if request.method != "POST":
            return _render_form(request, section, section.form_class(instance=obj, **kwargs), obj)
        form = section.form_class(request.POST, instance=obj, **kwargs)
        if form.is_valid():
            try:
                obj = section.update(actor=request.user, obj=obj, data=form.cleaned_data)
            except ValidationError as error:
                _add_service_error(form, error)
            else:
                messages.success(request, _("“%(object)s” saved.") % {"object": obj})
                return redirect(section.url("list"))
        return _render_form(request, section, form, section.queryset(request.user).get(pk=pk))

    view.__name__ = f"{section.key}_edit"
    return view


@requires(RULES, "manage.view")
def manage_index(request):
    """The sections the user may manage."""
    sections = [
        {"section": section, "url": section.url("list")}
        for section in SECTIONS
        if section.may_manage(request.user)
    ]
    return render(request, "ppm/manage/index.html", {"sections": sections})


def may_manage_something(user) -> bool:
    """Whether to show the "Manage" menu entry."""
    return RULES.allows(user, "manage.view")


# ----------------------------------------------------------------------------------- directorates


class DirectorateForm(forms.ModelForm):
    mark_optional = True

    class Meta:
        model = Directorate
        fields = ["code", "name", "parent", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Directorate.objects.order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        parent = cast(forms.ModelChoiceField, self.fields["parent"])
        parent.queryset = parents
        parent.empty_label = _("— None (top level) —")

    def validate_unique(self):
        pass  # the service validates (full_clean) and its errors are shown on the fields


def directorate_list_for(user) -> QuerySet[Directorate]:
    if not RULES.may_on_some(user, "directorate.view"):
        return Directorate.objects.none()
    return Directorate.objects.select_related("parent").order_by("name", "pk")


DIRECTORATES = register_section(
    ManagedSection(
        key="directorates",
        entity="directorate",
        title=gettext_lazy("Directorates"),
        description=gettext_lazy("The organisational units that sponsor projects and that users belong to."),
        rules=RULES,
        namespace="manage",
        queryset=directorate_list_for,
        columns=[
            Column(gettext_lazy("Code"), lambda d: d.code),
            Column(gettext_lazy("Name"), lambda d: d.name),
            Column(gettext_lazy("Parent"), lambda d: d.parent.name if d.parent else "—"),
            Column(gettext_lazy("Active"), lambda d: _("Yes") if d.is_active else _("No")),
        ],
        search_fields=("code", "name"),
        form_class=DirectorateForm,
        create=lambda *, actor, data: services.directorate_create(actor=actor, **data),
        update=lambda *, actor, obj, data: services.directorate_update(
            actor=actor, directorate=obj, data=data
        ),
        create_label=gettext_lazy("Add a directorate"),
    )
)


# ------------------------------------------------------------------------------------------ users


class UserForm(forms.ModelForm):
    """An account's identity, role, directorate and active flag (never its password)."""

    mark_optional = True

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "directorate", "is_active"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        directorate = cast(forms.ModelChoiceField, self.fields["directorate"])
        directorate.queryset = Directorate.objects.order_by("name")
        directorate.empty_label = _("— None —")
        if self.instance.pk:
            del self.fields["username"]  # the sign-in name does not change
        if actor is not None and not RULES.allows(actor, "user.grant_admin"):
            role = cast(forms.ChoiceField, self.fields["role"])
            role.choices = [(value, label) for value, label in Role.choices if value != Role.ADMINISTRATOR]
        if not self.instance.pk:
            self.fields["username"].help_text = _(
                "The name used to sign in. The person sets a password with “Forgot your password?” on the "
                "sign-in page, using the e-mail address given here."
            )

    def validate_unique(self):
        pass  # the service validates (full_clean) and its errors are shown on the fields


def user_list_for(user) -> QuerySet[User]:
    if not RULES.may_on_some(user, "user.view"):
        return User.objects.none()
    return User.objects.select_related("directorate").order_by("last_name", "first_name", "username", "pk")


USERS = register_section(
    ManagedSection(
        key="users",
        entity="user",
        title=gettext_lazy("Users"),
        description=gettext_lazy(
            "Accounts, their role and directorate. Accounts are deactivated, never deleted."
        ),
        rules=RULES,
        namespace="manage",
        queryset=user_list_for,
        columns=[
            Column(gettext_lazy("Name"), lambda u: u.get_full_name() or "—"),
            Column(gettext_lazy("User name"), lambda u: u.username),
            Column(gettext_lazy("E-mail"), lambda u: u.email or "—"),
            Column(gettext_lazy("Role"), lambda u: u.get_role_display()),
            Column(gettext_lazy("Directorate"), lambda u: u.directorate.name if u.directorate else "—"),
            Column(gettext_lazy("Active"), lambda u: _("Yes") if u.is_active else _("No")),
        ],
        search_fields=("username", "first_name", "last_name", "email"),
        form_class=UserForm,
        create=lambda *, actor, data: user_services.user_create(actor=actor, **data),
        update=lambda *, actor, obj, data: user_services.user_update(actor=actor, user=obj, data=data),
        form_kwargs=lambda user: {"actor": user},
        list_action="user.manage",
        filters=[
            ListFilter("role", gettext_lazy("Role"), lambda: list(Role.choices), "role"),
            ListFilter(
                "active",
                gettext_lazy("Active"),
                lambda: [("1", _("Active accounts")), ("0", _("Deactivated accounts"))],
                "is_active",
            ),
        ],
        create_label=gettext_lazy("Add a user"),
    )
)

__all__ = [
    "DIRECTORATES",
    "SECTIONS",
    "USERS",
    "Column",
    "ListFilter",
    "ManagedSection",
    "manage_index",
    "may_manage_something",
    "register_section",
]

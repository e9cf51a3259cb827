"""The project office's pages for the portfolio's reference data: strategic axes, objectives, tags.

Built on the core's generic management pages (ppm.manage_views); writes go through the services
of portfolio.services (validated, audited), rights come from the portfolio's rule table.
"""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from portfolio import permissions, selectors, services
from portfolio.models import Objective, StrategicAxis, Tag
from ppm.manage_views import Column, ManagedSection, register_section


class _ServiceValidatedForm(forms.ModelForm):
    mark_optional = True

    def validate_unique(self):
        pass  # the service validates (full_clean) and its errors are shown on the fields


class AxisForm(_ServiceValidatedForm):
    class Meta:
        model = StrategicAxis
        fields = ["code", "name", "description", "order"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class ObjectiveForm(_ServiceValidatedForm):
    class Meta:
        model = Objective
        fields = ["axis", "code", "name", "description", "order"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["axis"]).queryset = StrategicAxis.objects.order_by(
            "order", "code"
        )


class TagForm(_ServiceValidatedForm):
    class Meta:
        model = Tag
        fields = ["name"]


AXES = register_section(
    ManagedSection(
        key="axes",
        entity="axis",
        title=_("Strategic axes"),
        description=_("The main lines of the strategy; each groups strategic objectives."),
        rules=permissions.RULES,
        namespace="portfolio:reference",
        queryset=selectors.axis_visible_to,
        columns=[
            Column(_("Code"), lambda axis: axis.code),
            Column(_("Name"), lambda axis: axis.name),
            Column(_("Order"), lambda axis: axis.order),
            Column(_("Objectives"), lambda axis: axis.n_objectives),
        ],
        search_fields=("code", "name"),
        form_class=AxisForm,
        create=lambda *, actor, data: services.axis_create(actor=actor, data=data),
        update=lambda *, actor, obj, data: services.axis_update(actor=actor, axis=obj, data=data),
        create_label=_("Add a strategic axis"),
    )
)

OBJECTIVES = register_section(
    ManagedSection(
        key="objectives",
        entity="objective",
        title=_("Strategic objectives"),
        description=_("What projects contribute to; each belongs to a strategic axis."),
        rules=permissions.RULES,
        namespace="portfolio:reference",
        queryset=selectors.objective_visible_to,
        columns=[
            Column(_("Code"), lambda objective: objective.code),
            Column(_("Name"), lambda objective: objective.name),
            Column(_("Strategic axis"), lambda objective: objective.axis),
            Column(_("Projects"), lambda objective: objective.n_projects),
        ],
        search_fields=("code", "name", "axis__code", "axis__name"),
        form_class=ObjectiveForm,
        create=lambda *, actor, data: services.objective_create(actor=actor, data=data),
        update=lambda *, actor, obj, data: services.objective_update(actor=actor, objective=obj, data=data),
        create_label=_("Add a strategic objective"),
    )
)

TAGS = register_section(
    ManagedSection(
        key="tags",
        entity="tag",
        title=_("Tags"),
        description=_("Free labels on projects, used to filter the project list."),
        rules=permissions.RULES,
        namespace="portfolio:reference",
        queryset=selectors.tag_visible_to,
        columns=[
            Column(_("Name"), lambda tag: tag.name),
            Column(_("Projects"), lambda tag: tag.n_projects),
        ],
        search_fields=("name",),
        form_class=TagForm,
        create=lambda *, actor, data: services.tag_create(actor=actor, name=data["name"]),
        update=lambda *, actor, obj, data: services.tag_update(actor=actor, tag=obj, name=data["name"]),
        create_label=_("Add a tag"),
    )
)

urlpatterns = [*AXES.urls(), *OBJECTIVES.urls(), *TAGS.urls()]

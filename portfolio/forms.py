"""Forms of the portfolio pages. They validate input; writes go through portfolio.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portfolio import permissions, rules
from portfolio.models import Objective, Project
from portfolio.services import EDITABLE_FIELDS
from ppm.exceptions import DomainValidationError
from ppm.models import Directorate, User
from ppm.roles import MANAGER_ROLES


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ProjectForm(forms.ModelForm):
    """Create or edit a project. On edit, `version` carries the version the user started from."""

    mark_optional = True

    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separate tags with commas, e.g. “cloud, citizens”."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    read_only_fields: list[str] = []

    class Meta:
        model = Project
        fields = [*EDITABLE_FIELDS, "objectives"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "planned_start": DateInput(),
            "planned_end": DateInput(),
            "objectives": forms.CheckboxSelectMultiple(),
        }
        help_texts = {
            "code": _("A short unique reference: letters, digits, dots, dashes and underscores."),
            "calendar_subdiv": _("The public holidays of the project's working calendar."),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        current_directorate = self.instance.directorate_id if editing else None
        self.fields["directorate"].queryset = Directorate.objects.filter(
            Q(is_active=True) | Q(pk=current_directorate)
        ).order_by("name")
        current_manager = self.instance.manager_id if editing else None
        self.fields["manager"].queryset = User.objects.filter(
            Q(is_active=True, role__in=MANAGER_ROLES)
            | Q(is_active=True, is_superuser=True)
            | Q(pk=current_manager)
        ).order_by("last_name", "first_name", "username")
        self.fields["directorate"].empty_label = _("— Choose a directorate —")
        self.fields["manager"].empty_label = _("— No project manager yet —")
        self.fields["objectives"].queryset = Objective.objects.select_related("axis").order_by(
            "axis__order", "axis__code", "order", "code"
        )
        self.fields["code"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        if editing:
            self.fields["version"].required = True
            if not self.is_bound:
                self.initial["version"] = self.instance.version
                self.initial["tags"] = ", ".join(tag.name for tag in self.instance.tags.all())
        else:
            del self.fields["version"]
        if editing and user is not None:
            self._disable_fields_of_others(user)

    def _disable_fields_of_others(self, user) -> None:
        """Fields `user` may not change are shown disabled: the browser does not send them and Django
        keeps the stored value whatever is posted (the service refuses such changes anyway)."""
        editable = permissions.editable_project_fields(user, self.instance)
        self.read_only_fields = []
        for name in permissions.RULES.fields_of("project"):
            if name in self.fields and name not in editable:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Set by the project office.")
                self.read_only_fields.append(name)

    def clean_tags(self) -> list[str]:
        try:
            return rules.clean_tag_names(self.cleaned_data.get("tags", "").split(","))
        except DomainValidationError as error:
            raise ValidationError(error.field_errors["tags"]) from None

    def clean(self):
        cleaned = super().clean()
        # Reported on the fields; the model's check constraint then skips them (fields in error).
        for field, message in rules.plan_errors(
            cleaned.get("planned_start"), cleaned.get("planned_end")
        ).items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned

    def service_data(self) -> dict:
        """The cleaned values in the shape portfolio.services expects."""
        data = {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}
        data["tags"] = self.cleaned_data.get("tags", [])
        return data

    def objective_groups(self) -> list[dict]:
        """Objectives grouped by strategic axis, with their checked state, for the template."""
        selected = {str(value) for value in (self["objectives"].value() or [])}
        groups: dict[int, dict] = {}
        for objective in self.fields["objectives"].queryset:
            group = groups.setdefault(objective.axis_id, {"axis": objective.axis, "objectives": []})
            group["objectives"].append({"objective": objective, "checked": str(objective.pk) in selected})
        return list(groups.values())

    def add_service_error(self, error: ValidationError) -> None:
        """Attach a ValidationError raised by a service to the right fields."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                target = field if field in self.fields else None
                for message in errors:
                    self.add_error(target, message)
        else:
            self.add_error(None, error)


class TransitionForm(forms.Form):
    # Any name: the lifecycle rules refuse unknown or illegal moves with a message that says why.
    action = forms.CharField(max_length=30)
    version = forms.IntegerField(min_value=1)
    comment = forms.CharField(
        required=False, max_length=rules.COMMENT_MAX_LENGTH, label=_("Comment (optional)")
    )

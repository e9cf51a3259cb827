"""Serializers of the cross-cutting API: users, API tokens, directorates, errors.

Output serializers only read; input serializers only validate. Saving is the services' job.
"""

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from ppm.models import ApiToken, Directorate, User
from ppm.roles import Role

# Largest value of a 64-bit primary key: larger ids are refused as invalid, not sent to the database.
MAX_ID = 2**63 - 1


def id_field(**kwargs) -> serializers.IntegerField:
    """An object id in input: a positive 64-bit integer (not a boolean, not a float with a fraction)."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def related_field(queryset, **kwargs) -> serializers.PrimaryKeyRelatedField:
    """A reference to another object by its id; unknown ids and wrong types are a clear 400."""
    return serializers.PrimaryKeyRelatedField(queryset=queryset, pk_field=id_field(), **kwargs)


# ------------------------------------------------------------------------------------- fast rows

_PLAIN = {serializers.CharField: str, serializers.IntegerField: int, serializers.BooleanField: bool}


def _model_field(model, name: str):
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


def _plain_attribute(model, name: str) -> bool:
    """A concrete column or a property of the model: reading it calls nothing DRF would have called."""
    field = _model_field(model, name)
    if field is not None:
        return bool(field.concrete)
    return model is not None and isinstance(getattr(model, name, None), property)


class FastRowsMixin:
    """For the output serializers of long lists (a page of 100 rows is 2,000 field calls): a field that
    reads one column or property of the model is read straight from the instance — converted as
    exactly DRF's CharField, IntegerField and BooleanField do (str, int, bool), a PrimaryKeyRelatedField
    on a foreign key as its id, any other field by its own `to_representation` (dates, decimals,
    choices); None stays None. Fields that read otherwise (methods, nested lists, dotted sources,
    fields with their own `get_attribute`) go through DRF as usual. The result is DRF's, key for key
    (tested against it)."""

    def _row_plan(self) -> list:
        plan = self.__dict__.get("_fast_row_plan")
        if plan is None:
            model = getattr(getattr(self, "Meta", None), "model", None)
            plan = []
            for field in self._readable_fields:
                attrs = field.source_attrs
                simple = len(attrs) == 1 and field.source != "*" and _plain_attribute(model, attrs[0])
                convert = _PLAIN.get(type(field)) if simple else None
                if convert is not None and not getattr(_model_field(model, attrs[0]), "is_relation", False):
                    plan.append((field.field_name, attrs[0], convert, field))
                elif (
                    simple
                    and type(field) is serializers.PrimaryKeyRelatedField
                    and field.pk_field is None
                    and getattr(_model_field(model, attrs[0]), "many_to_one", False)
                ):
                    plan.append((field.field_name, _model_field(model, attrs[0]).attname, None, field))
                elif simple and type(field).get_attribute is serializers.Field.get_attribute:
                    # Read directly, then the field's own conversion (dates, decimals, choices…).
                    plan.append((field.field_name, attrs[0], field.to_representation, field))
                else:
                    plan.append((field.field_name, None, None, field))
            self.__dict__["_fast_row_plan"] = plan
        return plan

    def to_representation(self, instance) -> dict:
        data = {}
        for name, attribute, convert, field in self._row_plan():
            if attribute is not None:
                try:
                    value = getattr(instance, attribute)
                except (AttributeError, ObjectDoesNotExist):
                    pass  # DRF's own reading decides: None, the field's default, or no key
                else:
                    data[name] = value if value is None or convert is None else convert(value)
                    continue
            try:
                value = field.get_attribute(instance)
            except SkipField:
                continue
            check = value.pk if isinstance(value, PKOnlyObject) else value
            data[name] = None if check is None else field.to_representation(value)
        return data


# ------------------------------------------------------------------------------------------ errors


class ItemSerializer(serializers.Serializer):
    """An item of a list inside a request body (a year's amount, a lot, an order line): complete even in
    a PATCH. DRF hands the body's `partial` down to nested serializers, which would let an item leave out
    its required fields and reach the service without them (a 500)."""

    def validate(self, attrs):
        missing = {
            name: [field.error_messages["required"]]
            for name, field in self.fields.items()
            if field.required and not field.read_only and name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        return super().validate(attrs)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong and what to do next."))


class PreconditionFailedSerializer(ErrorSerializer):
    current_etag = serializers.CharField(help_text=_("The object's current ETag."))


# ------------------------------------------------------------------------------------------- users


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    def get_full_name(self, user: User) -> str:
        return user.get_full_name() or user.username


class MeSerializer(UserSerializer):
    email = serializers.EmailField(read_only=True)
    directorate = serializers.IntegerField(source="directorate_id", read_only=True, allow_null=True)
    directorate_name = serializers.CharField(source="directorate.name", read_only=True, allow_null=True)
    language = serializers.SerializerMethodField(
        help_text=_("The language answers are given in (Accept-Language, or the language cookie).")
    )

    def get_language(self, user: User) -> str:
        return translation.get_language() or ""


# ------------------------------------------------------------------------------------------ tokens


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    prefix = serializers.CharField(
        read_only=True, help_text=_("The first characters of the token, to recognise it.")
    )
    created_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("Last use, to the minute; null if never used.")
    )
    expires_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("When the token stops working; null if never.")
    )


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True,
        help_text=_("The token itself, shown this once only: send it as `Authorization: Token <token>`."),
    )


class ApiTokenInputSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=100, help_text=_("What the token is for, e.g. the system using it.")
    )
    expires_in_days = serializers.ChoiceField(
        choices=ApiToken.LIFETIME_DAYS,
        allow_null=True,
        required=False,
        default=None,
        help_text=_("Lifetime in days (30, 90 or 365); null or absent: the token never expires."),
    )


# ------------------------------------------------------------------------------------- directorates


class DirectorateSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)


class DirectorateInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=200)
    parent = related_field(Directorate.objects.all(), allow_null=True, required=False)
    is_active = serializers.BooleanField(required=False)

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


def _plain_path(model, attrs: list[str]):
    """(the model the last name is read on, True) when every name but the last is a forward foreign key
    or one-to-one and the last a concrete column or a property: reading the path calls nothing DRF
    would have called. (None, False) otherwise."""
    for name in attrs[:-1]:
        field = _model_field(model, name)
        if field is None or not field.concrete or not (field.many_to_one or field.one_to_one):
            return None, False
        model = field.related_model
    field = _model_field(model, attrs[-1])
    if field is not None:
        return model, bool(field.concrete)
    return model, model is not None and isinstance(getattr(model, attrs[-1], None), property)


class FastRowsMixin:
    """For the output serializers of long lists (a page of 100 rows is 2,000 field calls): a field that
    reads a column or a property of the model (`Meta.model`, or `row_model` on a plain Serializer), or
    of a row it reaches by foreign keys (``source="directorate.name"``), reads it straight from the
    instance — converted as exactly DRF's CharField, IntegerField and BooleanField do (str, int, bool),
    a PrimaryKeyRelatedField on a foreign key as its id, any other field by its own
    `to_representation` (dates, decimals, choices); None stays None. A method field calls its method.
    Other fields (nested lists, fields with their own `get_attribute`), and any read that fails (a
    missing related row), go through DRF as usual. The result is DRF's, key for key (tested against
    it)."""

    row_model = None

    def _row_plan(self) -> list:
        """(name, attribute path or None, conversion or None, field) per readable field, worked out once
        per serializer: a list's rows share one child serializer."""
        plan = self.__dict__.get("_fast_row_plan")
        if plan is None:
            model = self.row_model or getattr(getattr(self, "Meta", None), "model", None)
            plan = []
            for field in self._readable_fields:
                name, attrs = field.field_name, field.source_attrs
                owner, plain = _plain_path(model, attrs) if attrs and field.source != "*" else (None, False)
                column = _model_field(owner, attrs[-1]) if plain else None
                convert = _PLAIN.get(type(field)) if plain else None
                if type(field) is serializers.SerializerMethodField:
                    plan.append((name, None, getattr(self, field.method_name), field))
                elif convert is not None and not getattr(column, "is_relation", False):
                    plan.append((name, tuple(attrs), convert, field))
                elif (
                    type(field) is serializers.PrimaryKeyRelatedField
                    and field.pk_field is None
                    and getattr(column, "many_to_one", False)
                ):
                    plan.append((name, (*attrs[:-1], column.attname), None, field))
                elif plain and type(field).get_attribute is serializers.Field.get_attribute:
                    # Read directly, then the field's own conversion (dates, decimals, choices…).
                    plan.append((name, tuple(attrs), field.to_representation, field))
                else:
                    plan.append((name, None, None, field))
            self.__dict__["_fast_row_plan"] = plan
        return plan

    def to_representation(self, instance) -> dict:
        data = {}
        for name, path, convert, field in self._row_plan():
            if path is not None:
                try:
                    value = instance
                    for attribute in path:
                        value = getattr(value, attribute)
                except (AttributeError, ObjectDoesNotExist):
                    pass  # DRF's own reading decides: None, the field's default, or no key
                else:
                    data[name] = value if value is None or convert is None else convert(value)
                    continue
            elif convert is not None:  # a method field
                data[name] = convert(instance)
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

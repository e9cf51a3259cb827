"""Cross-cutting API: the building blocks every app's API uses, and users, tokens and directorates."""

import django_filters
from django.db.models import QuerySet
from django.http import JsonResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ppm import services
from ppm.api.defaults import JSONBodyParser, RequestBodyTooLarge, SafeSearchFilter
from ppm.api.schema import error_responses
from ppm.api.serializers import (
    MAX_ID,
    ApiTokenCreatedSerializer,
    ApiTokenInputSerializer,
    ApiTokenSerializer,
    DirectorateInputSerializer,
    DirectorateSerializer,
    MeSerializer,
    UserSerializer,
)
from ppm.models import ApiToken, Directorate, User
from ppm.permissions import RULES, RuleTable, TablePermission
from ppm.roles import Role

# ----------------------------------------------------------------------------------- building blocks


@csrf_exempt  # it changes nothing; a CSRF refusal would be an HTML page
def api_not_found(request, *args, **kwargs):
    """A URL under /api/v1/ that names no endpoint or no object: JSON 404 like every API error."""
    return JsonResponse(
        {
            "detail": _(
                "Not found: no API endpoint or object at this URL. The API is described at /api/docs/."
            )
        },
        status=404,
    )


class ApiViewMixin:
    parser_classes = [JSONBodyParser]


class ReferenceDataViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and update reference data; no deletion (data is referenced by projects).

    Subclasses name an output `serializer_class`, an `input_serializer_class`, and implement
    `create_object` / `update_object` by calling their services.
    """

    permission_classes = [TablePermission]
    rules: RuleTable  # the app's table of rules and the entity of its actions ("<rule_entity>.create")
    rule_entity: str
    filter_backends = [SafeSearchFilter, filters.OrderingFilter]
    input_serializer_class: type | None = None

    def create_object(self, data: dict):  # pragma: no cover - abstract
        raise NotImplementedError

    def update_object(self, instance, data: dict):  # pragma: no cover - abstract
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        serializer = self.input_serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        instance = self.create_object(serializer.validated_data)
        return Response(self.get_serializer(self.reload(instance)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.input_serializer_class(
            data=request.data, partial=kwargs.get("partial", False), context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        instance = self.update_object(instance, serializer.validated_data)
        return Response(self.get_serializer(self.reload(instance)).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def reload(self, instance):
        return self.get_queryset().get(pk=instance.pk)


def reference_schema(tag: str, *, plural, singular, output, input_serializer):
    """OpenAPI annotations of a ReferenceDataViewSet (`plural` and `singular` are lazy translations)."""
    editors_only = _("Project office and administrators only.")
    views = extend_schema_view(
        list=extend_schema(
            summary=plural, responses={200: output(many=True), **error_responses(400, 401, 404)}
        ),
        retrieve=extend_schema(summary=singular, responses={200: output, **error_responses(401, 404)}),
        create=extend_schema(
            summary=format_lazy("{} · {}", singular, _("create")),
            description=editors_only,
            request=input_serializer,
            responses={201: output, **error_responses(400, 401, 403, 413, 415)},
        ),
        update=extend_schema(
            summary=format_lazy("{} · {}", singular, _("replace")),
            description=editors_only,
            request=input_serializer,
            responses={200: output, **error_responses(400, 401, 403, 404, 413, 415)},
        ),
        partial_update=extend_schema(
            summary=format_lazy("{} · {}", singular, _("change")),
            description=editors_only,
            request=input_serializer,
            responses={200: output, **error_responses(400, 401, 403, 404, 413, 415)},
        ),
    )

    def decorate(viewset):
        return extend_schema(tags=[tag])(views(viewset))

    return decorate


# -------------------------------------------------------------------------------------- directorates


class DirectorateFilterSet(django_filters.FilterSet):
    class Meta:
        model = Directorate
        fields = ["is_active", "parent"]


@reference_schema(
    "directorates",
    plural=_("Directorates"),
    singular=_("Directorate"),
    output=DirectorateSerializer,
    input_serializer=DirectorateInputSerializer,
)
class DirectorateViewSet(ReferenceDataViewSet):
    serializer_class = DirectorateSerializer
    input_serializer_class = DirectorateInputSerializer
    rules = RULES
    rule_entity = "directorate"
    filter_backends = [DjangoFilterBackend, SafeSearchFilter, filters.OrderingFilter]
    filterset_class = DirectorateFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def get_queryset(self) -> QuerySet[Directorate]:
        return Directorate.objects.order_by("name", "pk")

    def create_object(self, data):
        return services.directorate_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.directorate_update(actor=self.request.user, directorate=instance, data=data)


# --------------------------------------------------------------------------------------------- users


class UserFilterSet(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("Role"))

    class Meta:
        model = User
        fields = ["role", "directorate"]


@extend_schema(tags=["users"])
@extend_schema_view(
    list=extend_schema(
        summary=_("List users"),
        description=_(
            "Active users, for choosing a project manager; filter with `role`, search with `search`."
        ),
        responses={200: UserSerializer(many=True), **error_responses(400, 401, 404)},
    )
)
class UserViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = UserSerializer
    permission_classes = [TablePermission]
    rules = RULES
    rule_entity = "user"
    rule_actions = {"me": "view"}
    filter_backends = [DjangoFilterBackend, SafeSearchFilter, filters.OrderingFilter]
    filterset_class = UserFilterSet
    search_fields = ["username", "first_name", "last_name"]
    ordering_fields = ["username", "last_name"]

    def get_queryset(self) -> QuerySet[User]:
        return User.objects.filter(is_active=True).order_by("last_name", "first_name", "username", "pk")

    @extend_schema(summary=_("The signed-in user"), responses={200: MeSerializer, **error_responses(401)})
    @action(detail=False, methods=["get"], serializer_class=MeSerializer, filter_backends=[])
    def me(self, request):
        user = User.objects.select_related("directorate").get(pk=request.user.pk)
        return Response(MeSerializer(user, context=self.get_serializer_context()).data)


# -------------------------------------------------------------------------------------------- tokens


@extend_schema(tags=["users"])
@extend_schema_view(
    list=extend_schema(
        summary=_("My API tokens"),
        description=_("Tokens are listed without their value."),
        responses={200: ApiTokenSerializer(many=True), **error_responses(401)},
    ),
    create=extend_schema(
        summary=_("Create an API token"),
        description=_(
            "Returns the token's clear value in `token`, **once**: only its hash is stored. "
            "Send it as `Authorization: Token <token>`."
        ),
        request=ApiTokenInputSerializer,
        responses={201: ApiTokenCreatedSerializer, **error_responses(400, 401, 413, 415)},
    ),
    destroy=extend_schema(
        summary=_("Revoke one of my API tokens"),
        responses={204: OpenApiResponse(description=_("Revoked.")), **error_responses(401, 404)},
    ),
)
class ApiTokenViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ApiToken.objects.none()  # the model, for the schema; get_queryset() gives the user's own
    serializer_class = ApiTokenSerializer
    permission_classes = [TablePermission]
    rules = RULES
    rule_entity = "apitoken"
    pagination_class = None  # a user holds at most services.MAX_TOKENS_PER_USER tokens
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[ApiToken]:
        return ApiToken.objects.filter(user=self.request.user).order_by("-created_at", "-pk")

    def create(self, request, *args, **kwargs):
        serializer = ApiTokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, raw = services.api_token_create(user=request.user, **serializer.validated_data)
        token.token = raw
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        token_id = kwargs["pk"]
        if not (token_id.isascii() and token_id.isdigit() and 0 < int(token_id) <= MAX_ID) or not (
            services.api_token_revoke(user=request.user, token_id=int(token_id))
        ):
            raise exceptions.NotFound(_("You have no API token with this id."))
        return Response(status=status.HTTP_204_NO_CONTENT)


__all__ = [
    "ApiTokenViewSet",
    "ApiViewMixin",
    "DirectorateViewSet",
    "JSONBodyParser",
    "ReferenceDataViewSet",
    "RequestBodyTooLarge",
    "SafeSearchFilter",
    "UserViewSet",
    "api_not_found",
]

"""The API tokens API: list, create and revoke your own tokens."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import queries, services
from .serializers import ApiTokenSerializer, CreatedTokenSerializer, TokenCreateSerializer


class TokensView(APIView):
    @extend_schema(summary="Your API tokens", responses={200: ApiTokenSerializer(many=True)})
    def get(self, request):
        return Response(ApiTokenSerializer(queries.tokens_of(request.user), many=True).data)

    @extend_schema(
        summary="Create an API token",
        description="A named token for you, read-only (`read`) or read-write (`write`), expiring after 1 to 365 days "
        "(90 by default). The answer holds the secret (`token`), once: only its digest is kept. Send it as "
        "`Authorization: Bearer <token>` or `Token <token>`. A read-only token is refused (403) for POST, PUT, PATCH and DELETE.",
        request=TokenCreateSerializer,
        responses={201: CreatedTokenSerializer},
    )
    def post(self, request):
        serializer = TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.create_token(request.user, by=request.user, **serializer.validated_data)
        body = {**ApiTokenSerializer(created.token).data, "token": created.secret}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    @extend_schema(
        summary="Revoke one of your API tokens", description="At once: the next request with it is a 401.", responses={204: None}
    )
    def delete(self, request, pk: int):
        token = get_object_or_404(queries.tokens_of(request.user), pk=pk)
        services.revoke_token(token, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

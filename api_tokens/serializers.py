from rest_framework import serializers

from core.serializers import StrictStrings

from .models import ApiToken
from .services import DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS


class ApiTokenSerializer(serializers.ModelSerializer):
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "scope", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class TokenCreateSerializer(StrictStrings, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices, default=ApiToken.Scope.READ)
    expires_in_days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        default=DEFAULT_EXPIRY_DAYS,
        help_text=f"1 to {MAX_EXPIRY_DAYS}; {DEFAULT_EXPIRY_DAYS} if left out.",
    )


class CreatedTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret, shown in this answer only.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields

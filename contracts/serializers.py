"""Shapes of what a product's descriptors say about reaching its people
(contracts.people), in the product API's answer. Read-only."""

from rest_framework import serializers


class SupportChannelSerializer(serializers.Serializer):
    channel = serializers.CharField(help_text="The channel's name or identifier.")
    url = serializers.CharField(help_text="Its http, https or mailto link; empty when the document gives none or another scheme.")
    invitation_url = serializers.CharField(help_text="Where to ask to join (http, https or mailto); empty when none.")
    description = serializers.CharField()
    tool = serializers.CharField(help_text="email, slack, teams, discord, ticket, googlechat, other… as given.")
    scope = serializers.CharField(help_text="interactive, announcements, issues, notifications… as given.")
    port = serializers.CharField(
        source="source.port", allow_null=True, help_text="The port whose data contract names it; null: the product's descriptor."
    )


class PriceSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=30, decimal_places=10, allow_null=True, coerce_to_string=False)
    currency = serializers.CharField()
    unit = serializers.CharField(help_text="The unit of measure the amount is per (megabyte, …).")
    port = serializers.CharField(source="source.port", help_text="The port whose data contract gives the price.")


class DescriptorTeamMemberSerializer(serializers.Serializer):
    """A team member a descriptor names (not a marketplace team membership)."""

    username = serializers.CharField(help_text="The member's username or e-mail address, as the document gives it.")
    name = serializers.CharField()
    role = serializers.CharField(help_text="Their job role (owner, data steward, …).")
    description = serializers.CharField()
    date_in = serializers.DateField(allow_null=True)
    date_out = serializers.DateField(allow_null=True)
    replaced_by = serializers.CharField(help_text="The username of who replaced them; empty when none.")
    past = serializers.BooleanField(help_text="They left the team: dateOut is today or before.")
    port = serializers.CharField(
        source="source.port", allow_null=True, help_text="The port whose data contract names them; null: the product's descriptor."
    )

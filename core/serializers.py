"""What every API serializer that reads input shares."""

from collections.abc import Mapping

from rest_framework import serializers


class StrictStrings:
    """A text field takes a JSON string only. DRF's CharField would turn the
    number 0 into "0": a client sending a number where text belongs has made
    a mistake, and the schema (type: string) says so. Mixed into serializers
    before serializers.Serializer / ModelSerializer."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for field in self.fields.values():
                if field.read_only or field.field_name not in data:
                    continue
                value = data[field.field_name]
                if isinstance(field, serializers.CharField) and value is not None and not isinstance(value, str):
                    errors[field.field_name] = ["Text is needed: a JSON string."]
                elif (
                    isinstance(field, serializers.ListField)
                    and isinstance(field.child, serializers.CharField)
                    and isinstance(value, list)
                    and any(not isinstance(item, str) for item in value)
                ):
                    errors[field.field_name] = ["Each item is text: a JSON string."]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

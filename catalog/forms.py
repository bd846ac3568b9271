"""HTML forms for the catalog. They check the shape of input; the rules
(who may assign which team, which status may follow which) are in services."""

from django import forms

from .tags import TagLimitError, clean_tags


class TagsField(forms.CharField):
    """Tags typed as a comma-separated list."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Comma-separated, e.g. streaming, listening, daily.")
        kwargs.setdefault("max_length", 1000)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [tag.strip().lower() for tag in text.split(",") if tag.strip()]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        try:
            clean_tags(value)
        except TagLimitError as error:
            raise forms.ValidationError(str(error)) from None

from django import forms

from . import standards


class DescriptorForm(forms.Form):
    """A descriptor to import: an ODPS or ODCS file, or its text pasted."""

    file = forms.FileField(
        required=False,
        help_text="YAML or JSON: this product's ODPS descriptor (kind: DataProduct), or the ODCS contract "
        "(kind: DataContract) of one of its output ports.",
    )
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        label="…or paste the document",
        help_text="The same formats as the file.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError("Choose a file or paste the document.")
        if data.get("file") and data["file"].size > standards.MAX_DOCUMENT_BYTES:
            self.add_error("file", f"A descriptor may be at most {standards.MAX_DOCUMENT_BYTES // 1024} KB.")
        return data

    def upload(self) -> tuple[bytes, str]:
        """The content and the file name to name in a refusal."""
        if self.cleaned_data.get("file"):
            upload = self.cleaned_data["file"]
            return upload.read(), upload.name
        return self.cleaned_data["text"].encode(), "pasted document"

"""Forms of the access request pages. They check the shape of the input only:
the rules (purpose length, longest grant, who may decide) are the services'."""

from django import forms

from catalog.models import DataProduct

from .models import AccessRequest, PortRole
from .services import EffectivePolicy


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, role: PortRole) -> str:
        access = f", {role.access} access" if role.access else ""
        return f"{role.name} (output port {role.port.name}{access})"


class RequestAccessForm(forms.Form):
    purpose = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you will use the data for. The approvers read it, and it is kept in the audit trail.",
        error_messages={"required": "Say what you will use the data for."},
    )
    duration_days = forms.IntegerField(label="Duration in days", min_value=1)
    output_port = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All output ports", help_text="Ask for one output port only, if that is all you need."
    )
    access = forms.ChoiceField(choices=AccessRequest.Access.choices, initial=AccessRequest.Access.READ, widget=forms.RadioSelect)
    role = RoleChoiceField(
        queryset=PortRole.objects.none(),
        required=False,
        label="Data contract role",
        empty_label="No particular role",
        help_text="The role of the port's data contract you need, if you know it: it asks for that role's port, and that role's "
        "approvers decide. Without one, every role of the port you ask for (or of every port) has its say.",
    )

    def __init__(self, *args, product: DataProduct, policy: EffectivePolicy, **kwargs):
        super().__init__(*args, **kwargs)
        longest = policy.max_duration_days
        duration = self.fields["duration_days"]
        duration.initial = min(90, longest)
        duration.help_text = f"At most {longest} days: the longest grant this product's policy allows."
        duration.widget.attrs["max"] = longest
        self.fields["purpose"].widget.attrs.update(minlength=policy.purpose_min_length, maxlength=policy.purpose_max_length)
        self.fields["purpose"].help_text += f" Between {policy.purpose_min_length} and {policy.purpose_max_length} characters."
        self.fields["output_port"].queryset = product.output_ports.order_by("position", "name")
        roles = (
            PortRole.objects.filter(port__product=product).select_related("port").order_by("port__position", "port__name", "position", "pk")
        )
        if roles.exists():
            self.fields["role"].queryset = roles
        else:
            del self.fields["role"]  # a product whose contracts name no roles: nothing to pick

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "purpose": data["purpose"],
            "duration_days": data["duration_days"],
            "port": data["output_port"],
            "access": data["access"],
            "role": data.get("role"),
        }


class DecisionForm(forms.Form):
    """Approve or reject a step; the comment is required to reject (the service says so)."""

    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RevokeForm(forms.Form):
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    product = forms.SlugField(required=False, label="Product slug")
    actor = forms.CharField(required=False, max_length=150, label="Actor (username)")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *((action, action) for action in actions)]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data

    def filter(self, events):
        data = self.cleaned_data
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("product"):
            events = events.filter(product__slug=data["product"])
        if data.get("actor"):
            events = events.filter(actor_name=data["actor"])
        if data.get("date_from"):
            events = events.filter(occurred_at__date__gte=data["date_from"])
        if data.get("date_to"):
            events = events.filter(occurred_at__date__lte=data["date_to"])
        return events

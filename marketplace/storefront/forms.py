import re

from django import forms
from django.conf import settings
from django.forms.utils import ErrorDict

from catalog import queries as catalog_queries
from catalog.forms import TagsField
from catalog.models import DataProduct, Domain, LogicalType, OutputPort, SchemaField
from catalog.services import MAX_FIELDS_PER_PORT, MAX_PORTS, FieldSpec, PortSpec
from lineage import queries as lineage_queries
from lineage.forms import InputsField
from lineage.services import InputSpec


class ProductForm(forms.ModelForm):
    tags = TagsField(required=False)
    inputs = InputsField(required=False, label="Inputs (lineage)")
    # Edit page only: the port changes below are scheduled (catalog.services.schedule_output_ports).
    effective_at = forms.DateTimeField(
        required=False,
        label="Port changes take effect on",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty to publish the output port changes now. A future date and time schedules them: their "
        f"consumers and followers are told now, the ports change then. The other fields are saved now. Time zone: {settings.TIME_ZONE}.",
    )

    class Meta:
        model = DataProduct
        fields = [
            "name",
            "slug",
            "summary",
            "description",
            "domain",
            "owner_team",
            "kind",
            "status",
            "version",
            "classification",
            "contains_pii",
            "tags",
            "terms_of_use",
            "documentation_url",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 10}),
            "terms_of_use": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "owner_team": "The team whose members may edit this product. Only your teams are listed.",
            "status": "Draft products are visible to the owning team only.",
            "classification": "Confidential and restricted products need a steward's approval for access.",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_team"].queryset = catalog_queries.teams_of(user)
        self.fields["domain"].queryset = Domain.objects.order_by("name")
        product = self.instance
        if product.pk:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = "The slug is part of the product's address and cannot change."
            self.initial["tags"] = [tag.name for tag in product.tags.all()]
            self.initial["inputs"] = [
                InputSpec(product=node.port.product.slug, port=node.port.name)
                if node.port_id
                else InputSpec(namespace=node.namespace, name=node.name)
                for node in lineage_queries.declared_inputs(user, product)
            ]
            allowed = [product.status, *product.allowed_next_statuses()]
        else:
            allowed = [DataProduct.Status.DRAFT, DataProduct.Status.PUBLISHED]
            del self.fields["inputs"]  # lineage edges end at output ports, which a new product has none of yet
            del self.fields["effective_at"]  # nobody relies on a new product's ports yet
        self.fields["status"].choices = [(value, label) for value, label in DataProduct.Status.choices if value in allowed]
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_help"

    def validate_unique(self):
        """Uniqueness is checked by catalog.services.create_product, with its own message."""

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk:
            data.pop("slug", None)
        return data


# --- output ports and their schema fields -------------------------------------
# The edit and new pages carry one formset of ports (prefix "port") and, per
# port row i, a formset of its fields (prefix "port-<i>-fields"). Rows are
# removed with DELETE, ordered by their ORDER field (Position); empty extra
# rows are ignored. A field is nested by naming, in "Nested in", the object
# or array field of the same port it belongs to (its path, e.g. address or
# lines.product for deeper ones): the rows stay one flat list, which works
# without JavaScript, and the tree is built when they are saved.

PORT_PREFIX = "port"


def field_prefix(port_index) -> str:
    return f"{PORT_PREFIX}-{port_index}-fields"


class PortForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="Unique within the product, e.g. daily-sessions. Renaming a port replaces it.")
    port_type = forms.ChoiceField(
        label="Type", choices=OutputPort.PortType.choices, initial=OutputPort.PortType.TABLE, help_text="How consumers read it."
    )
    format = forms.CharField(max_length=60, required=False, help_text="e.g. Parquet, Avro, Delta, JSON")
    location = forms.CharField(
        max_length=500,
        required=False,
        help_text="Server and path, e.g. bigquery://project/dataset.table. Shown only to people who may use the port.",
    )
    version = forms.CharField(max_length=30, initial="1.0.0", help_text="The port's own version, e.g. 1.0.0.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="What one row or message holds.")

    @staticmethod
    def initial_for(port: OutputPort) -> dict:
        return {
            "name": port.name,
            "port_type": port.port_type,
            "format": port.format,
            "location": port.location,
            "version": port.version,
            "description": port.description,
        }


class SchemaFieldForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="Column or attribute name, unique among the fields beside it.")
    data_type = forms.CharField(
        label="Physical type",
        max_length=60,
        required=False,
        help_text="As stored, e.g. string, bigint, timestamp, decimal(12,2), array<string>. Empty: the logical type.",
    )
    logical_type = forms.ChoiceField(
        label="Logical type",
        choices=[("", "—"), *LogicalType.choices],
        required=False,
        help_text="What it holds, whatever the store calls it. Object or array for a field with nested fields.",
    )
    parent = forms.CharField(
        label="Nested in",
        max_length=600,
        required=False,
        help_text="Empty for a top-level field; else the object or array field it belongs to, e.g. address, or lines.product deeper down.",
    )
    description = forms.CharField(required=False, max_length=2000, help_text="What the value means.")
    required = forms.BooleanField(required=False, help_text="Never empty.")
    primary_key = forms.BooleanField(label="Key", required=False, help_text="Part of the primary key.")
    classification = forms.ChoiceField(
        choices=[("", "As the product"), *DataProduct.Classification.choices],
        required=False,
        help_text="Leave empty to follow the product's classification.",
    )
    is_pii = forms.BooleanField(label="Personal data", required=False, help_text="Identifies or describes a person.")

    @staticmethod
    def initial_for(field: SchemaField, paths: dict[int, str]) -> dict:
        return {
            "name": field.name,
            "data_type": field.data_type,
            "logical_type": field.logical_type,
            "parent": paths.get(field.parent_id, ""),
            "description": field.description,
            "required": field.required,
            "primary_key": field.primary_key,
            "classification": field.classification,
            "is_pii": field.is_pii,
        }

    def clean(self):
        data = super().clean()
        data["parent"] = ".".join(part.strip() for part in data.get("parent", "").strip().strip(".").split(".") if part.strip())
        if not data.get("data_type") and "data_type" not in self.errors:
            if data.get("logical_type"):
                data["data_type"] = data["logical_type"]
            else:
                self.add_error("data_type", "Give a physical or a logical type.")
        return data

    def spec(self) -> FieldSpec:
        """The row as a FieldSpec (an invalid row's: what was valid in it, for checking names beside it)."""
        data = self.cleaned_data
        defaults = {name: field.initial if field.initial is not None else field.to_python("") for name, field in self.base_fields.items()}
        return FieldSpec(**{name: data.get(name, defaults[name]) for name in SchemaFieldForm.base_fields if name != "parent"})


def field_paths(fields) -> dict[int, str]:
    """Each saved field's path in its port (address, address.street): what "Nested in" names."""
    by_id = {field.pk: field for field in fields}
    paths: dict[int, str] = {}

    def path(field) -> str:
        if field.pk not in paths:
            parent = by_id.get(field.parent_id)
            paths[field.pk] = f"{path(parent)}.{field.name}" if parent else field.name
        return paths[field.pk]

    for field in fields:
        path(field)
    return paths


def nest(forms_in_order) -> list[FieldSpec]:
    """The field rows (in their order) as a tree of FieldSpecs, each row
    under the row its "Nested in" names. A row whose parent cannot be found,
    is no object or array, or whose name is taken beside it gets the error
    on its own row (then FieldNestingError is raised)."""
    specs = {id(form): form.spec() for form in forms_in_order}
    by_path: dict[str, tuple] = {}
    roots: list[FieldSpec] = []
    waiting = list(forms_in_order)
    failed = False
    # Parents may come after their children on the page: place rows until nothing more can be placed.
    while waiting:
        placed = []
        for form in waiting:
            parent = form.cleaned_data.get("parent", "")
            if parent and parent not in by_path:
                continue
            spec = specs[id(form)]
            siblings = by_path[parent][1].fields if parent else roots
            path = f"{parent}.{spec.name}" if parent else spec.name
            if parent and by_path[parent][1].logical_type not in (LogicalType.OBJECT, LogicalType.ARRAY):
                form.add_error("parent", f"{parent} holds no nested fields: give it the logical type object or array.")
                failed = True
            elif any(sibling.name == spec.name for sibling in siblings):
                where = f"nested in {parent}" if parent else "of this port"
                form.add_error("name", f"Another field {where} has this name.")
                failed = True
            else:
                siblings.append(spec)
                by_path[path] = (form, spec)
            placed.append(form)
        if not placed:
            for form in waiting:
                form.add_error(
                    "parent", f"No object or array field {form.cleaned_data.get('parent')!r} in this port (or it is nested in itself)."
                )
            failed = True
            break
        waiting = [form for form in waiting if form not in placed]
    if failed:
        raise FieldNestingError
    return roots


class FieldNestingError(Exception):
    """Some field rows could not be nested; the errors are on their rows."""


class _OrderedFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if self.can_order:
            form.fields["ORDER"].label = "Position"
            form.fields["ORDER"].help_text = "1 comes first; change the numbers to reorder the rows."
            form.fields["ORDER"].widget.attrs["min"] = 1
        form.fields["DELETE"].label = "Remove"
        form.fields["DELETE"].help_text = "Tick to remove this row when you save."
        for name, field in form.fields.items():
            field.widget.attrs["aria-describedby"] = f"id_{form.add_prefix(name)}_help"

    def empty_row(self, index: int):
        """A new, empty row at `index` (the htmx "Add a …" answer)."""
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix(index),
            empty_permitted=True,
            use_required_attribute=False,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def kept_forms(self) -> list:
        """The rows to save, in the order asked for (ORDER, then place on the
        page): not deleted, and not empty extra rows."""
        rows = [
            (index, form)
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed()) and not self._should_delete_form(form)
        ]
        return [form for index, form in sorted(rows, key=lambda row: (row[1].cleaned_data.get("ORDER") or row[0] + 1, row[0]))]


def _formset(form, *, extra: int, max_num: int, can_order: bool = True):
    return forms.formset_factory(
        form,
        formset=_OrderedFormSet,
        extra=extra,
        can_order=can_order,
        can_delete=True,
        max_num=max_num,
        absolute_max=max_num,  # a posted count above it builds no more rows (and is refused by validate_max)
        validate_max=True,
    )


def _bump(data, key: str, by: int = 1) -> None:
    try:
        data[key] = str(int(data.get(key, 0)) + by)
    except ValueError:
        pass  # a broken management form is reported by the formset itself


class PortsEditor:
    """The ports formset and one fields formset per port row, bound or not.

    `data` None: the product's ports (or, for a new product, one empty port
    with one empty field). `add_port` / `add_field=<i>`: the same posted rows
    plus one empty port, or one empty field on port row i (the page without
    JavaScript). A post without `port-TOTAL_FORMS` leaves the ports alone."""

    def __init__(self, data=None, *, product=None, add_port=False, add_field=None):
        self.product = product
        existing = list(product.output_ports.order_by("position", "name").prefetch_related("fields")) if product else []
        self.posted = data is not None and f"{PORT_PREFIX}-TOTAL_FORMS" in data
        if data is not None:
            data = data.copy()
        self.refused = []  # row counts the posted rows do not back (a tampered or broken page)
        self.nested: dict[int, list[FieldSpec]] = {}  # per port row (id of its form): its fields as a tree, once valid
        if self.posted:
            self._check_counts(data, PORT_PREFIX)
            for index in range(int(data.get(f"{PORT_PREFIX}-TOTAL_FORMS") or 0)):
                self._check_counts(data, field_prefix(index))
            if add_port:
                _bump(data, f"{PORT_PREFIX}-TOTAL_FORMS")
            if add_field is not None and f"{field_prefix(add_field)}-TOTAL_FORMS" in data:
                _bump(data, f"{field_prefix(add_field)}-TOTAL_FORMS")
        bound = data if self.posted else None
        port_formset = _formset(PortForm, extra=0 if existing else 1, max_num=MAX_PORTS)
        self.ports = port_formset(bound, prefix=PORT_PREFIX, initial=[PortForm.initial_for(port) for port in existing])
        self.field_sets = []
        for index, _port_form in enumerate(self.ports.forms):
            port = existing[index] if index < len(existing) else None
            saved = list(port.fields.all()) if port else []
            paths = field_paths(saved)
            initial = [SchemaFieldForm.initial_for(field, paths) for field in saved]
            prefix = field_prefix(index)
            if bound is not None and f"{prefix}-TOTAL_FORMS" not in bound:
                # A port row added without its fields' management form: start it empty.
                bound[f"{prefix}-TOTAL_FORMS"], bound[f"{prefix}-INITIAL_FORMS"] = "0", "0"
            field_formset = _formset(SchemaFieldForm, extra=0 if initial else 1, max_num=MAX_FIELDS_PER_PORT)
            self.field_sets.append(field_formset(bound, prefix=prefix, initial=initial))

    def quiet(self) -> None:
        """Show the posted rows without judging them (a row was just added)."""
        for form in [*self.ports.forms, *(form for fields in self.field_sets for form in fields.forms)]:
            form._errors, form.cleaned_data = ErrorDict(), {}

    def _check_counts(self, data, prefix: str) -> None:
        """A row count above the rows actually posted (each row posts its
        inputs, even empty) is refused, and only the posted rows are built:
        a claimed count never makes the page build rows nobody sent."""
        key = f"{prefix}-TOTAL_FORMS"
        if key not in data:
            return
        pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)-")
        posted = {int(match[1]) for name in data if (match := pattern.match(name))}
        rows = max(posted) + 1 if posted else 0
        claimed = data.get(key, "")
        if not claimed.isdigit() or int(claimed) > rows:
            self.refused.append(f"{key}: {claimed!r} rows claimed, {rows} posted. Reload the page and try again.")
            data[key] = str(min(rows, int(claimed))) if claimed.isdigit() else "0"

    def rows(self):
        return list(zip(self.ports.forms, self.field_sets, strict=True))

    def is_valid(self) -> bool:
        if not self.posted:
            return True
        if self.refused:
            return False
        valid = self.ports.is_valid()
        names = set()
        for index, (port_form, fields) in enumerate(self.rows()):
            if self.ports._should_delete_form(port_form):
                continue
            valid = fields.is_valid() and valid
            extra_empty = index >= self.ports.initial_form_count() and not port_form.has_changed()
            if extra_empty:
                if any(form.has_changed() for form in fields.forms):
                    port_form.add_error("name", "Name this port, or clear its fields.")
                    valid = False
                continue
            name = port_form.cleaned_data.get("name") if port_form.is_valid() else None
            if name and name in names:
                port_form.add_error("name", f"Another port is named {name!r}: port names are unique within a product.")
                valid = False
            names.add(name)
            # Nesting is checked on every named row, valid or not, so each row shows all its errors at once.
            try:
                self.nested[id(port_form)] = nest([form for form in fields.kept_forms() if form.cleaned_data.get("name")])
            except FieldNestingError:
                valid = False
        return valid

    def port_specs(self) -> list[PortSpec] | None:
        """What to save (call after is_valid), or None when the ports were not posted."""
        if not self.posted:
            return None
        fields_of = dict(zip(self.ports.forms, self.field_sets, strict=True))
        return [
            PortSpec(
                **{name: port_form.cleaned_data[name] for name in PortForm.base_fields},
                fields=self.nested.get(id(port_form)) or nest(fields_of[port_form].kept_forms()),
            )
            for port_form in self.ports.kept_forms()
        ]

    def removed_ports(self) -> list[OutputPort]:
        """The product's ports the posted rows no longer name (removed or renamed)."""
        if not self.posted or self.product is None:
            return []
        kept = {spec.name for spec in self.port_specs()}
        return [port for port in self.product.output_ports.order_by("position", "name") if port.name not in kept]

    def total_error_count(self) -> int:
        if not self.posted:
            return 0
        return len(self.refused) + self.ports.total_error_count() + sum(fields.total_error_count() for fields in self.field_sets)


PortFormSet = _formset(PortForm, extra=1, max_num=MAX_PORTS)
FieldFormSet = _formset(SchemaFieldForm, extra=1, max_num=MAX_FIELDS_PER_PORT)

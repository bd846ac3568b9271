"""Migration helpers for a model that moved to another app and kept its table.

The moving app's migration drops the model from its state and the receiving
app's creates it in its own, both with SeparateDatabaseAndState and no
database operation: the table, its rows, indexes and triggers stay as they
are. The model's content type is relabelled, so the permissions, object
permissions and admin log entries that point at it follow it."""

from django.db import migrations


def relabel_content_types(old_app: str, new_app: str, models: list[str]) -> migrations.RunPython:
    """An operation moving these models' content types from `old_app` to
    `new_app` (and back when unapplied). A database that never had them
    (a fresh one) has nothing to move: they are created after migrating."""

    def move(apps, schema_editor, source: str, target: str) -> None:
        content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
        for model in models:
            if not content_types.filter(app_label=target, model=model).exists():
                content_types.filter(app_label=source, model=model).update(app_label=target)

    return migrations.RunPython(
        lambda apps, schema_editor: move(apps, schema_editor, old_app, new_app),
        lambda apps, schema_editor: move(apps, schema_editor, new_app, old_app),
    )

"""What the search index was built from. The table keeps the name it had in catalog."""

from django.db import models


class SearchIndexState(models.Model):
    """One row: a counter bumped by every write to the search index, so that
    cached facet counts of an older index are never served (search.database)."""

    generation = models.BigIntegerField(default=0)

    class Meta:
        db_table = "catalog_searchindexstate"  # its table since it lived in catalog
        verbose_name = "search index state"

    def __str__(self) -> str:
        return f"search index generation {self.generation}"

"""The tag rule, written once: how many tags a product may have and how long
one may be. The services enforce it; the HTML form and the API serializer
check with the same function so a bad list is refused before any write."""

from collections.abc import Iterable

MAX_TAGS = 20
MAX_TAG_LENGTH = 50  # Tag.name's max_length


class TagLimitError(ValueError):
    """A list of tags over a limit; the message says which, for people."""


def clean_tags(names: Iterable[str]) -> list[str]:
    """`names` as stored: stripped, lower case, without blanks or repeats, sorted.
    Raises TagLimitError when there are more than MAX_TAGS or one is longer
    than MAX_TAG_LENGTH characters."""
    cleaned = sorted({name.strip().lower() for name in names if name and name.strip()})
    if len(cleaned) > MAX_TAGS:
        raise TagLimitError(f"A product can have at most {MAX_TAGS} tags.")
    for name in cleaned:
        if len(name) > MAX_TAG_LENGTH:
            raise TagLimitError(f"Tag {name[:20]!r}… is longer than {MAX_TAG_LENGTH} characters.")
    return cleaned

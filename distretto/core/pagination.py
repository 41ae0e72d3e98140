"""Lists follow one convention: ``?limit=&offset=``, newest first, ``count`` included."""

from django.db.models import QuerySet
from ninja import Schema

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageParams(Schema):
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def paginate(queryset: QuerySet, limit: int = DEFAULT_LIMIT, offset: int = 0) -> dict:
    """Return ``{"count", "limit", "offset", "items"}`` for one page of ``queryset``."""
    from distretto.core.errors import Invalid

    if limit < 1 or limit > MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if offset < 0:
        raise Invalid("offset must not be negative", field="offset")
    return {
        "count": queryset.count(),
        "limit": limit,
        "offset": offset,
        "items": list(queryset[offset : offset + limit]),
    }


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The response schema of a page of ``item_schema``: count, limit, offset, items."""
    return type(
        f"{item_schema.__name__}Page",
        (Schema,),
        {
            "__annotations__": {
                "count": int,
                "limit": int,
                "offset": int,
                "items": list[item_schema],
            }
        },
    )

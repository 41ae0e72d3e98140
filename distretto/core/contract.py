"""The API's contract, kept in one place for every operation of every app.

Apps declare operations with plain types (``site_id: int``, ``limit: int = 50``,
``payload: SitePatch``); :class:`ContractAPI` tightens what they accept once all routers
are mounted, so that no input reaches the database that it cannot hold and the OpenAPI
document states every limit the server enforces:

- integers are 64-bit (a larger one in a path is a missing id, 404; elsewhere 422);
- ``limit`` is 1..500 and ``offset`` ≥ 0 (``core.pagination``'s rule, now in the schema);
- text holds no NUL character (no database column can);
- numbers are not booleans (``false`` is not a temperature) and dates are ISO text
  (``0`` is not 1 January 1970);
- a PATCH sets to null only fields that the resource itself can hold as null;
- a JSON body declared as an object must be one (``"x"`` is not an empty patch);

and it documents the error envelope under every error status an operation can answer.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Annotated, Any

from annotated_types import Ge, Le, Lt
from ninja import NinjaAPI, Schema
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from pydantic import AfterValidator, BaseModel, BeforeValidator, StringConstraints, WithJsonSchema

from distretto.core.pagination import MAX_LIMIT

MAX_INT = 2**63 - 1
MIN_INT = -(2**63)

ERROR_SCHEMA = "ErrorEnvelope"
ERROR_STATUSES = {
    400: "Malformed request (a body that is not JSON, a multipart body without boundary).",
    401: "No valid credentials (also: a wrong password at POST /auth/token).",
    403: "In scope, but the caller's role may not do this.",
    404: "Missing or outside the caller's scope (the two look the same).",
    409: "Conflicts with the current state (a duplicate, a reused idempotency key).",
    413: "The body is too large.",
    422: "Invalid input; `field` names the field.",
    429: "Too many requests; retry after the `Retry-After` seconds.",
    503: "Not answered in time; try again.",
}
FORMAT_MEDIA_TYPES = {
    "json": "application/json",
    "geojson": "application/json",
    "csv": "text/csv",
    "pdf": "application/pdf",
    "zip": "application/zip",
}
_ERROR_ENVELOPE = {
    "title": ERROR_SCHEMA,
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            },
        }
    },
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("Input should be a number, not a boolean")
    return value


def _iso_text(value: Any) -> Any:
    """Dates and times as ISO 8601 text (or already parsed): a bare number is refused."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("Input should be an ISO 8601 date (YYYY-MM-DD) or date-time")
    return value


def _no_nul(value: Any) -> Any:
    """No database column holds a NUL character (PostgreSQL refuses it in text and JSON)."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("Text may not contain NUL characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _no_nul(item)
    return value


def _object_only(value: Any) -> Any:
    if not isinstance(value, dict | BaseModel):
        raise ValueError("Input should be a JSON object")
    return value


_INT = Annotated[int, BeforeValidator(_no_bool), Ge(MIN_INT), Le(MAX_INT)]
_FLOAT = Annotated[float, BeforeValidator(_no_bool)]
# (a field's own pattern replaces this one)
_TEXT = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]
_DATES = {
    dt.date: Annotated[dt.date, BeforeValidator(_iso_text)],
    dt.datetime: Annotated[dt.datetime, BeforeValidator(_iso_text)],
}


def one_of(values: Iterable[str]) -> Any:
    """Text documented as an enumeration that the operation checks itself (with its own,
    translated message naming the field)."""
    return Annotated[str, WithJsonSchema({"type": "string", "enum": list(values)})]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _tightened(annotation: Any, sealed: set[type]) -> Any:
    """``annotation`` with 64-bit integers, numbers that are not booleans and ISO dates,
    its models tightened in place."""
    if annotation is int:
        return _INT
    if annotation is float:
        return _FLOAT
    if annotation is str:
        return _TEXT
    if annotation in (dict, list, Any) or typing.get_origin(annotation) is dict:
        return Annotated[annotation, AfterValidator(_no_nul)]
    if annotation in _DATES:
        return _DATES[annotation]
    if _is_model(annotation):
        _seal_model(annotation, sealed)
        return annotation
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Annotated:
        inner = _tightened(args[0], sealed)
        return annotation if inner is args[0] else Annotated[(inner, *annotation.__metadata__)]
    if origin is None or origin is typing.Literal or not args:
        return annotation
    new_args = tuple(_tightened(arg, sealed) if arg is not Ellipsis else arg for arg in args)
    if new_args == args:
        return annotation
    if origin in (typing.Union, types.UnionType):
        return typing.Union[new_args]  # noqa: UP007 - built from a tuple
    return origin[new_args] if len(new_args) > 1 else origin[new_args[0]]


# Model decimal fields hold at least 3 integer digits and 1 decimal place: a decimal
# whose schema says no more is documented as text that every one of them accepts.
_DECIMAL_DIGITS = (3, 1)


def _decimal_text(field: Any) -> dict:
    """The JSON Schema of a decimal input: text a model field can hold, 1 or more (the
    server also takes numbers and zero where its rules allow them)."""
    digits, places = _DECIMAL_DIGITS
    declared = {
        name: getattr(rule, name, None)
        for rule in field.metadata
        for name in ("max_digits", "decimal_places")
        if getattr(rule, name, None) is not None
    }
    if "max_digits" in declared and "decimal_places" in declared:
        digits = declared["max_digits"] - declared["decimal_places"]
        places = declared["decimal_places"]
    for rule in field.metadata:
        if isinstance(rule, Le | Lt):
            bound = rule.le if isinstance(rule, Le) else rule.lt
            digits = max(1, min(digits, len(str(int(bound))) - 1))
    fraction = rf"(\.\d{{1,{places}}})?" if places else ""
    return {"type": "string", "pattern": rf"^[1-9]\d{{0,{digits - 1}}}{fraction}$"}


def _documented_decimal(model: type[BaseModel], name: str) -> None:
    field = model.model_fields[name]
    args = typing.get_args(field.annotation)
    if field.annotation is not Decimal and Decimal not in args:
        return
    text = Annotated[Decimal, WithJsonSchema(_decimal_text(field))]
    field.annotation = text if field.annotation is Decimal else text | None


def _set_annotation(model: type[BaseModel], name: str, annotation: Any) -> None:
    field = model.model_fields[name]
    if field.annotation is not annotation:
        field.annotation = annotation


def _with_bounds(model: type[BaseModel], name: str, low: int, high: int) -> None:
    field = model.model_fields[name]
    if not any(isinstance(rule, Ge | Le) for rule in field.metadata):
        field.metadata.extend([Ge(low), Le(high)])


def _seal_model(model: type[BaseModel], sealed: set[type], *, query: bool = False) -> None:
    """Tighten ``model``'s fields in place (nested models first) and rebuild it."""
    if model in sealed:
        return
    sealed.add(model)
    for name, field in list(model.model_fields.items()):
        _set_annotation(model, name, _tightened(field.annotation, sealed))
        _documented_decimal(model, name)
        if query and name == "limit":
            _with_bounds(model, name, 1, MAX_LIMIT)
        elif query and name == "offset":
            _with_bounds(model, name, 0, MAX_INT)
    model.model_rebuild(force=True)


def _non_nullable(model: type[BaseModel]) -> set[str]:
    """The fields of a resource schema that are never null."""
    return {
        name
        for name, field in model.model_fields.items()
        if type(None) not in typing.get_args(field.annotation) and field.annotation is not Any
    }


def _resource_of(operation: Operation) -> type[BaseModel] | None:
    """The schema of the resource a PATCH answers with (its 200 response)."""
    wrapper = operation.response_models.get(200)
    if wrapper is None:
        return None
    resource = wrapper.model_fields["response"].annotation
    return resource if _is_model(resource) else None


def _without_null(model: type[BaseModel], names: set[str]) -> None:
    """A PATCH schema whose ``names`` may be left out but not set to null."""
    changed = False
    for name, field in model.model_fields.items():
        args = typing.get_args(field.annotation)
        if name not in names or type(None) not in args:
            continue
        kept = tuple(arg for arg in args if arg is not type(None))
        field.annotation = kept[0] if len(kept) == 1 else typing.Union[kept]  # noqa: UP007
        changed = True
    if changed:
        model.model_rebuild(force=True)


# ``?from=&to=`` bound a period: ISO dates (the server also takes date-times).
PERIOD_BOUNDS = {"from", "to"}
_ISO_DATE_TEXT = WithJsonSchema({"type": "string", "format": "date"})


def _documented_as_date(field: Any) -> None:
    """A period bound kept as text (parsed by the operation) documented as a date,
    unless the operation states its own format."""
    texts = {str, _TEXT}
    optional = set(typing.get_args(field.annotation)) - {type(None)}
    if field.annotation not in texts and not (len(optional) == 1 and optional <= texts):
        return
    if any(getattr(rule, "pattern", None) for rule in field.metadata):
        return
    text = Annotated[_TEXT, _ISO_DATE_TEXT]
    field.annotation = text if field.annotation in texts else text | None


def seal_operation(operation: Operation, sealed: set[type]) -> None:
    """Apply the contract to one operation's parameter and body models."""
    patch = "PATCH" in operation.methods
    resource = _resource_of(operation) if patch else None
    for model in operation.models:
        source = model.__ninja_param_source__
        body = source == "body"
        single = getattr(model, "__read_from_single_attr__", None) if body else None
        if source == "form":
            # A form field is left out, not sent as null (multipart has no null).
            _without_null(model, set(model.model_fields))
        for name, field in list(model.model_fields.items()):
            annotation = field.annotation
            if patch and body and _is_model(annotation) and resource is not None:
                _without_null(annotation, _non_nullable(resource))
            if body and name == single and _is_model(annotation):
                annotation = Annotated[annotation, BeforeValidator(_object_only)]
            if _is_model(annotation):
                _seal_model(annotation, sealed, query=source == "query")
            field.annotation = _tightened(annotation, sealed)
            if source == "query" and field.alias in PERIOD_BOUNDS:
                _documented_as_date(field)
            if source == "query" and name == "limit":
                _with_bounds(model, name, 1, MAX_LIMIT)
            elif source == "query" and name == "offset":
                _with_bounds(model, name, 0, MAX_INT)
        model.model_rebuild(force=True)


def operations_of(api: NinjaAPI) -> Iterator[Operation]:
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            yield from path_view.operations


def component_classes(api: NinjaAPI) -> dict[str, set[type]]:
    """Every schema class an operation reads or answers with, by name (an OpenAPI
    component is named after its class, so two classes of one name clash)."""
    found: dict[str, set[type]] = {}
    seen: set[type] = set()

    def visit(annotation: Any) -> None:
        if _is_model(annotation):
            if annotation in seen:
                return
            seen.add(annotation)
            if issubclass(annotation, Schema) and annotation.__module__.startswith("distretto"):
                found.setdefault(annotation.__name__, set()).add(annotation)
            for field in annotation.model_fields.values():
                visit(field.annotation)
            return
        for arg in typing.get_args(annotation):
            visit(arg)

    for operation in operations_of(api):
        for model in [*operation.models, *operation.response_models.values()]:
            if model is not None and _is_model(model):
                visit(model)
    return found


# A bound on a value checked before it is parsed (a number that is not a boolean) comes
# out of pydantic under its Python name; JSON Schema spells it this way.
_BOUND_KEYWORDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
}


def _json_schema_bounds(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _json_schema_bounds(item)
    if not isinstance(node, dict):
        return
    if node.get("type") in ("integer", "number"):
        for name, keyword in _BOUND_KEYWORDS.items():
            if isinstance(node.get(name), int | float):
                node[keyword] = node.pop(name)
    for value in node.values():
        _json_schema_bounds(value)


class ContractSchema(OpenAPISchema):
    """The OpenAPI document with the error envelope under every error status."""

    def __init__(self, api: NinjaAPI, path_prefix: str) -> None:
        super().__init__(api, path_prefix)
        self.schemas[ERROR_SCHEMA] = _ERROR_ENVELOPE
        _json_schema_bounds(self)
        for methods in self["paths"].values():
            for details in methods.values():
                self._document_formats(details)
                self._document_errors(details)

    @staticmethod
    def _document_formats(details: dict) -> None:
        """An operation answering in the ``format`` asked for documents each media type."""
        formats = [
            value
            for parameter in details.get("parameters", [])
            if parameter["name"] == "format" and parameter["in"] == "query"
            for value in parameter["schema"].get("enum", [])
        ]
        success = [status for status in details.get("responses", {}) if str(status)[0] == "2"]
        if not formats or not success:
            return
        content = details["responses"][success[0]].setdefault("content", {})
        for value in formats:
            content.setdefault(FORMAT_MEDIA_TYPES[value], {"schema": {}})

    @staticmethod
    def _document_errors(details: dict) -> None:
        responses = details.setdefault("responses", {})
        for status, description in ERROR_STATUSES.items():
            if status == 413 and "requestBody" not in details:
                continue
            responses.setdefault(
                status,
                {
                    "description": description,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
                        }
                    },
                },
            )


class ContractAPI(NinjaAPI):
    """A NinjaAPI that applies the contract above to every operation once mounted."""

    _sealed = False

    def _get_bound_routers(self):
        bound = super()._get_bound_routers()
        if not self._sealed:
            self._sealed = True
            sealed: set[type] = set()
            for router in bound:
                for path_view in router.path_operations.values():
                    for operation in path_view.operations:
                        seal_operation(operation, sealed)
        return bound

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ContractSchema(self, path_prefix)

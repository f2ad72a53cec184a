"""The pieces the API's schemas are made of: closed objects, shapes, arrays, the scalar types, and
`conform`, which cuts a value to what its schema documents."""

from __future__ import annotations


def conform(value: object, schema: dict) -> object:
    """The value cut to what its schema documents: a closed object's properties, in lists too."""
    if isinstance(value, dict) and schema.get("additionalProperties") is False:
        properties = schema["properties"]
        return {k: conform(v, properties[k]) for k, v in value.items() if k in properties}
    if isinstance(value, list) and "items" in schema:
        return [conform(v, schema["items"]) for v in value]
    return value


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def obj(properties: dict, optional: tuple[str, ...] = (), description: str = "") -> dict:
    """A closed object whose properties are all required but the optional ones."""
    schema = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }
    return schema | ({"description": description} if description else {})


def shape(properties: dict) -> dict:
    """An object with these required properties that may gain more: shapes owned by another module."""
    return {"type": "object", "properties": properties, "required": list(properties)}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def nullable(type_: str, **extra) -> dict:
    return {"type": [type_, "null"], **extra}


INT = {"type": "integer"}
NUM = {"type": "number"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
MOMENT = {"type": "string", "format": "date-time"}

"""The schema generator: drf-spectacular's, plus the error answers every operation can give, so the
documented contract is the whole contract (apps and the fuzzing test rely on it)."""

import copy

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")


class FieldErrorsSerializer(serializers.Serializer):
    """A 400: each field that was wrong, with its messages (`detail` when no one field is to blame)."""

    detail = serializers.ListField(child=serializers.CharField(), required=False)


ERRORS = {
    "400": (FieldErrorsSerializer, "Bad input: the fields at fault and why (nothing was written)."),
    "401": (ErrorSerializer, "Not signed in, or the token is invalid or expired."),
    "403": (ErrorSerializer, "Signed in, but not allowed (staff only)."),
    "404": (ErrorSerializer, "No such object, or not yours."),
    "429": (ErrorSerializer, "Too many requests: wait for the number of seconds in Retry-After."),
}


# Text with no NUL character: what Django's and DRF's character fields take (ECMA-262 and Python read it alike).
NO_NUL = "^[^\\x00]*$"

# Answers that say when to ask again: "being written" (202), "too many" (429), "busy" (503).
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before asking again."}}
# Every 400 and other 4xx body: messages by field (a list, or an object for nested fields), and `detail` when
# no one field is to blame (a string or a list). What DRF, the parsers and the services answer.
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "Messages by field; `detail` when no one field is to blame.",
    "properties": {
        "detail": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    },
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object", "additionalProperties": True}]
    },
}
# An operation's own error body (RecsiteAutoSchema.get_operation): `detail`, then each field it takes with
# its messages, a list, or for a list or nested field a list or an object by position or key ({"0": [...]}).
DETAIL_SCHEMA = FIELD_ERRORS_SCHEMA["properties"]["detail"]
MESSAGES_SCHEMA = {"type": "array", "items": {"type": "string"}}
FIELD_MESSAGES_SCHEMA = {
    "plain": MESSAGES_SCHEMA,
    "nested": {"oneOf": [MESSAGES_SCHEMA, {"type": "object", "additionalProperties": True}]},
}
GENERIC_ERROR_REFS = {"#/components/schemas/Error", "#/components/schemas/FieldErrors"}  # ERRORS' bodies
OPERATION_ERRORS_SCHEMA = {
    "type": "object",
    "description": "A 4xx answer: `detail` (why, in words; a list when no one field is to blame), or the messages "
    "of each field at fault (any other key: a field's messages the operation does not declare).",
    "additionalProperties": True,
}


def operation_fields(operation: dict, registry) -> dict[str, str]:
    """The names of the query parameters and JSON body fields an operation takes ("plain" or "nested"),
    but the page number (a bad page is a 404)."""
    fields = {
        parameter["name"]: "nested" if parameter.get("schema", {}).get("type") == "array" else "plain"
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query" and parameter["name"] != "page"
    }
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = registry[(body["$ref"].rsplit("/", 1)[-1], ResolvedComponent.SCHEMA)].schema
    for field, schema in body.get("properties", {}).items():
        for ref in [schema.get("$ref")] + [each.get("$ref") for each in schema.get("allOf", [])]:
            if ref:  # a nested serializer or an enum
                schema = {**schema, **registry[(ref.rsplit("/", 1)[-1], ResolvedComponent.SCHEMA)].schema}
        if not schema.get("readOnly"):
            fields[field] = "nested" if schema.get("type") in ("array", "object") else "plain"
    return fields


class RecsiteAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, (serializer, description) in ERRORS.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(serializer, code, direction=direction)
                responses[code]["description"] = description
        for code in ("202", "429", "503"):
            if code in responses:
                responses[code].setdefault("headers", {}).update(RETRY_AFTER)
        return responses

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        """Each operation's own error body (`<OperationId>Errors`) for the 4xx answers above: `detail`
        and a property for each field it takes (body and query), so a generated client reads a message
        by name (`error.value`). One type for every 4xx of the operation, since a client such as
        openapi-fetch cannot tell the answers apart by status: all of them fit it (a 401 is `detail`)."""
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        fields = operation_fields(operation, registry) if operation else {}
        if not fields:
            return operation
        name = f"{''.join(part.capitalize() for part in operation['operationId'].split('_'))}Errors"
        properties = {"detail": DETAIL_SCHEMA} | {
            field: FIELD_MESSAGES_SCHEMA[kind] for field, kind in fields.items() if field != "detail"
        }
        schema = copy.deepcopy({**OPERATION_ERRORS_SCHEMA, "properties": properties})
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name)
        registry.register_on_missing(component)
        for code, response in operation["responses"].items():
            for content in response.get("content", {}).values():
                if code.startswith("4") and content.get("schema", {}).get("$ref") in GENERIC_ERROR_REFS:
                    content["schema"] = component.ref
        return operation

    def _map_basic_serializer(self, serializer, direction):
        """In answers, every field is required (DRF writes them all, null where nullable), but those a
        plain serializer declares with required=False: it is handed a dict that has them only sometimes
        (health's replica). A model serializer's fields are all written, whatever writes require."""
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and "properties" in schema:
            model_based = isinstance(serializer, serializers.ModelSerializer)
            declared = {} if model_based else getattr(serializer, "_declared_fields", {})
            optional = {name for name, field in declared.items() if not field.required and not field.read_only}
            required = [name for name in schema["properties"] if name not in optional]
            schema.pop("required", None)
            if required:
                schema["required"] = required
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """A string the API reads declares what every DRF CharField refuses: the NUL character (PostgreSQL
        cannot store it), unless a pattern, format or choice already says more."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        text = isinstance(field, serializers.CharField) and schema.get("type") == "string"
        if direction == "request" and text and not {"pattern", "format", "enum"} & schema.keys():
            schema["pattern"] = NO_NUL
        return schema

    def get_auth(self):
        """Also mark as open to anonymous callers the methods a permission says it lets them use
        (`anonymous_methods`), beyond drf-spectacular's AllowAny and IsAuthenticatedOrReadOnly."""
        auths = super().get_auth()
        if {} not in auths and any(
            self.method in getattr(permission, "anonymous_methods", ()) for permission in self.view.get_permissions()
        ):
            auths.append({})
        return auths


def schema_finish(result, generator, request, public):
    """drf-spectacular's last step: the field-error body as it really is (a map of fields), and a type
    beside every `nullable` (strict OpenAPI 3.0 readers ignore `nullable` without one: `intent` is null
    on plain lists). A nullable object is one of the object or null: under `allOf` the object's own
    schema would still refuse null (openapi-python-client then reads it as never null, and fails)."""
    result.get("components", {}).get("schemas", {})["FieldErrors"] = FIELD_ERRORS_SCHEMA
    stack = [result]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("nullable") and "type" not in node and "allOf" in node:
                node["type"] = "object"
                parts = node.pop("allOf")
                null = {"type": "object", "nullable": True, "enum": [None]}  # OpenAPI 3.0's way to say "null"
                node["oneOf"] = [parts[0] if len(parts) == 1 else {"allOf": parts}, null]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return result


# What the server in front of the views answers, whatever the operation: a request line longer than it takes
# (gunicorn: 8190 bytes, recsite/gunicorn_conf.py) is a 414 with its own page, before any view runs.
URI_TOO_LONG = {
    "description": "The path and query are longer than the server takes (8190 bytes behind gunicorn): send "
    "shorter parameters. Answered before the API runs, so its body is not JSON."
}
# Any method a path does not take: 405 with `Allow` (RFC 9110), the error body every 4xx has. OpenAPI cannot
# attach an answer to a method an operation does not declare, so it is a named response, for readers.
METHOD_NOT_ALLOWED = {
    "description": "The path does not take this method; `Allow` lists those it takes.",
    "headers": {
        "Allow": {
            "schema": {"type": "string", "example": "GET, HEAD, OPTIONS"},
            "required": True,
            "description": "The methods the path takes, comma-separated.",
        }
    },
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
        }
    },
}


def server_answers(result, generator, request, public):
    """drf-spectacular hook: 414 on every operation whose path or query carries parameters (the only
    requests whose line the contract lets grow), and the 405 answer as `components.responses`."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            parameters = operation.get("parameters", []) if isinstance(operation, dict) else []
            if any(parameter.get("in") in ("path", "query") for parameter in parameters):
                operation["responses"].setdefault("414", dict(URI_TOO_LONG))
    result.setdefault("components", {}).setdefault("responses", {})["MethodNotAllowed"] = METHOD_NOT_ALLOWED
    return result

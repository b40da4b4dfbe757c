"""The schema generator: drf-spectacular's, plus the error answers every operation can give, so the
documented contract is the whole contract (apps and the fuzzing test rely on it)."""

from drf_spectacular.openapi import AutoSchema
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
    on plain lists)."""
    result.get("components", {}).get("schemas", {})["FieldErrors"] = FIELD_ERRORS_SCHEMA
    stack = [result]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("nullable") and "type" not in node and "allOf" in node:
                node["type"] = "object"
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return result

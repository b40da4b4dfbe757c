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


class RecsiteAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, (serializer, description) in ERRORS.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(serializer, code, direction=direction)
                responses[code]["description"] = description
        return responses

    def get_auth(self):
        """Also mark as open to anonymous callers the methods a permission says it lets them use
        (`anonymous_methods`), beyond drf-spectacular's AllowAny and IsAuthenticatedOrReadOnly."""
        auths = super().get_auth()
        if {} not in auths and any(
            self.method in getattr(permission, "anonymous_methods", ()) for permission in self.view.get_permissions()
        ):
            auths.append({})
        return auths

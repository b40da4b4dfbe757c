"""API tokens that a password change revokes: every token carries a fingerprint of the user's password
hash, and neither an access token nor a refresh with another fingerprint is accepted (401), on every
device at once. simplejwt's settings name these classes (recsite/settings.py)."""

from django.contrib.auth import get_user_model
from django.utils.crypto import salted_hmac
from drf_spectacular.contrib.rest_framework_simplejwt import (
    SimpleJWTScheme,
    TokenObtainPairSerializerExtension,
    TokenRefreshSerializerExtension,
)
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings

CLAIM = "pwd"


def password_fingerprint(user) -> str:
    """Changes whenever the password does; says nothing about it (an HMAC of its hash with SECRET_KEY)."""
    return salted_hmac("accounts.tokens", user.password, algorithm="sha256").hexdigest()[:16]


class FingerprintedTokenObtainPairSerializer(TokenObtainPairSerializer):
    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token[CLAIM] = password_fingerprint(user)
        return token


class FingerprintedTokenRefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user = (
            get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: refresh[api_settings.USER_ID_CLAIM]}).first()
        )
        if user is None or not user.is_active or refresh.get(CLAIM) != password_fingerprint(user):
            raise InvalidToken("the password changed since this token was issued: sign in again")
        return super().validate(attrs)


class FingerprintedJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if validated_token.get(CLAIM) != password_fingerprint(user):
            raise InvalidToken("the password changed since this token was issued: sign in again")
        return user


class FingerprintedJWTScheme(SimpleJWTScheme):
    """The schema's bearer-token security scheme for these tokens (drf-spectacular finds it by this class)."""

    target_class = "accounts.tokens.FingerprintedJWTAuthentication"


class FingerprintedTokenObtainPairSchema(TokenObtainPairSerializerExtension):
    """The schema of these serializers is simplejwt's (drf-spectacular maps its own classes only, not
    subclasses): the answer to a sign-in is the `access` and `refresh` pair, not "no body"."""

    target_class = "accounts.tokens.FingerprintedTokenObtainPairSerializer"


class FingerprintedTokenRefreshSchema(TokenRefreshSerializerExtension):
    target_class = "accounts.tokens.FingerprintedTokenRefreshSerializer"

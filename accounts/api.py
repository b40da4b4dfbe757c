"""/api/v1/auth/ and /api/v1/me/: create an account, obtain, refresh and revoke JWT tokens, and the
signed-in user. Thin callers of Django's auth and simplejwt."""

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.services import user_sign_out_everywhere


class UserSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text="An email address, or empty.")

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "date_joined", "is_staff"]
        read_only_fields = fields


class RegisterSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"}, max_length=128)

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "password"]
        read_only_fields = ["id"]

    def validate(self, attrs):
        candidate = get_user_model()(username=attrs["username"], email=attrs.get("email", ""))
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        return attrs

    def create(self, validated_data):
        return get_user_model().objects.create_user(**validated_data)


class RevokeSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text="The refresh token to revoke (sign out on this device).")


class RegisterView(GenericAPIView):
    """Create an account; then obtain tokens with the same username and password."""

    serializer_class = RegisterSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_scope = "register"

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(UserSerializer(serializer.save()).data, status=status.HTTP_201_CREATED)


class LoginView(TokenObtainPairView):
    """Obtain an access and a refresh token (rate-limited per client: 5 a minute by default)."""

    throttle_scope = "login"


class RefreshView(TokenRefreshView):
    """A new access token, and a new refresh token (the old one is revoked: rotation)."""

    throttle_scope = "token"


class RevokeView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_scope = "token"

    @extend_schema(request=RevokeSerializer, responses={204: None})  # 400 (not a token): `refresh` says why
    def post(self, request: Request) -> Response:
        """Revoke a refresh token: it cannot be used again (the access token expires on its own)."""
        serializer = RevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            RefreshToken(serializer.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise ValidationError({"refresh": [str(exc)]}) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignOutEverywhereView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        """Sign out on every device: revoke all of your refresh tokens and end your site sessions (access
        tokens run out within their lifetime). Changing the password revokes every token at once."""
        user_sign_out_everywhere(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(RetrieveAPIView):
    serializer_class = UserSerializer

    def get_object(self):
        return self.request.user

"""Helpers for the API tests: a DRF client signed in with a real JWT."""

from rest_framework.test import APIClient


def jwt_client(user, password: str = "a-long-test-password") -> APIClient:
    """A client carrying an access token obtained through the login endpoint, as an app would."""
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": user.username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from tests.municipalities.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_token_is_issued_for_good_credentials_and_authenticates(api_client):
    UserFactory(username="editor-sokolsky", password="demo12345")
    response = api_client.post(
        "/api/v1/auth/token/",
        {"username": "editor-sokolsky", "password": "demo12345"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/agreements/").status_code == 200


def test_token_refused_for_bad_credentials(api_client):
    UserFactory(username="editor-sokolsky", password="demo12345")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "editor-sokolsky", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()
    response = api_client.post("/api/v1/auth/token/", {"username": ""}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_failed_logins_lock_the_account(api_client, client):
    """After AXES_FAILURE_LIMIT failures even the right password is refused for the cool-off:
    at most 100 failures an hour can ever reach the password check."""
    UserFactory(username="approver-vologodsky", password="demo12345")
    limit = settings.AXES_FAILURE_LIMIT
    assert limit * (60 / (settings.AXES_COOLOFF_TIME.total_seconds() / 60)) <= 100
    for _ in range(limit):
        api_client.post(
            "/api/v1/auth/token/",
            {"username": "approver-vologodsky", "password": "wrong"},
            format="json",
        )
    locked = api_client.post(
        "/api/v1/auth/token/",
        {"username": "approver-vologodsky", "password": "demo12345"},
        format="json",
    )
    assert locked.status_code == 429
    assert "token" not in locked.content.decode()
    page = client.post(
        "/accounts/login/", {"username": "approver-vologodsky", "password": "demo12345"}
    )
    assert page.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="approver-vologodsky").exists()


def test_login_and_logout_pages(client):
    UserFactory(username="viewer-sokolsky", password="demo12345")
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "viewer-sokolsky", "password": "demo12345"}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session

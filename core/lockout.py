"""The answer to a locked-out login (django-axes ``AXES_LOCKOUT_CALLABLE``): JSON for API
clients, the lockout page for people."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "detail": _(
                    "Too many failed sign-in attempts. The account is locked for %(minutes)s "
                    "minutes."
                )
                % {"minutes": minutes},
                "code": "locked_out",
            },
            status=429,
        )
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)

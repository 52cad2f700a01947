from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    memberships = []
    if request.user.is_authenticated:
        # Through the reverse relation rather than an import: core knows no app by import,
        # and the home page only lists where the user belongs.
        memberships = list(
            request.user.memberships.select_related("municipality").order_by(
                "municipality__name", "role"
            )
        )
    return render(request, "core/home.html", {"memberships": memberships})

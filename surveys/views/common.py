"""What the survey pages share: only administrators may open them (sign-in for anonymous
visitors, 403 for other users), paging, and the conflict message of a stale write."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from surveys.permissions import can_manage_surveys

View = Callable[..., HttpResponse]
SECTION = "surveys"
CONFLICT = _(
    "Somebody else changed this questionnaire after you opened the page, so nothing was "
    "saved. The page now shows the current draft: check it and make your change again."
)


def page_of(request: HttpRequest, queryset: QuerySet, size: int) -> Page:
    page = Paginator(queryset, size).get_page(request.GET.get("page"))
    # Templates cannot pass arguments; the pagination include reads this list.
    page.elided_range = list(  # type: ignore[attr-defined]
        page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )
    return page


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def staff_required(view: View) -> View:
    """Administrators only. An anonymous visitor is sent to the sign-in form (an htmx request
    gets the redirect as ``HX-Redirect``); a signed-in non-administrator gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if is_htmx(request):
                response = HttpResponse(status=401)
                current = request.headers.get("HX-Current-URL") or request.get_full_path()
                response["HX-Redirect"] = redirect_to_login(current).url
                return response
            return redirect_to_login(request.get_full_path())
        if not can_manage_surveys(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper

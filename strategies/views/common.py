"""What the strategy pages share: paging, fetching a section of the strategy in the URL,
HTMX helpers, and who counts as an insider of a strategy."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from strategies import selectors
from strategies.models import Section

View = Callable[..., HttpResponse]


def page_of(request: HttpRequest, queryset: QuerySet, size: int) -> Page:
    page = Paginator(queryset, size).get_page(request.GET.get("page"))
    # Templates cannot pass arguments; the pagination include reads this list.
    page.elided_range = list(  # type: ignore[attr-defined]
        page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )
    return page


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def login_required(view: View) -> View:
    """``login_required`` that also answers HTMX requests sensibly: an expired session sends
    the whole page to the sign-in form instead of swapping the form into a fragment."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if is_htmx(request):
            response = HttpResponse(status=401)
            current = request.headers.get("HX-Current-URL") or request.get_full_path()
            response["HX-Redirect"] = redirect_to_login(current).url
            return response
        return redirect_to_login(request.get_full_path())

    return wrapper


def section_for(request: HttpRequest, pk: int, section_pk: int) -> Section:
    """The section of the strategy in the URL, if the user may see that strategy; else 404."""
    section = selectors.section_get_for(user=request.user, pk=section_pk)
    if section.strategy_id != pk:
        raise Http404
    return section

"""Paged lists whose page links keep the list's filters."""

from django.core.paginator import Paginator


def paginate(request, items, per_page):
    """The requested page, and the query string of the request without its page number."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    page.query_prefix = f"{query.urlencode()}&" if query else ""
    return page

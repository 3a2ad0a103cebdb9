"""Lists come in pages: ?page=N, with ?page_size= up to MAX (default 50)."""

from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

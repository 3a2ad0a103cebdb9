"""Every URL of the project is either declared public or guarded by the access policy, so a
future view cannot forget the rule (issue #3, item 3)."""

from django.urls import URLPattern, URLResolver, get_resolver


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_view_is_declared_public_or_guarded_by_the_policy():
    undeclared = [
        route
        for route, view in walk(get_resolver().url_patterns)
        if getattr(view, "cwtt_access", None) not in {"public", "policy"}
    ]
    assert undeclared == []


def test_the_walk_finds_the_pages_it_should():
    routes = {
        route: getattr(view, "cwtt_access", None)
        for route, view in walk(get_resolver().url_patterns)
    }
    assert routes["children/<int:child_id>/"] == "policy"
    assert routes["sign-in/"] == "public"
    assert len(routes) >= 7


def test_an_unmarked_view_would_be_caught():
    def sneaky(request):  # a view someone forgot to guard
        return None

    patterns = [URLPattern("x/", sneaky)]
    assert [route for route, view in walk(patterns) if not hasattr(view, "cwtt_access")] == ["x/"]

"""`{% child_cases child %}`: the child's cases, for the child's page."""

from __future__ import annotations

from django import template

from ..permissions import cases_for_child

register = template.Library()


@register.inclusion_tag("cases/_child_cases.html", takes_context=True)
def child_cases(context, child):
    return {"cases": list(cases_for_child(context["request"].user, child.pk))}

"""The service directory page: who can help a child at one of my schools, and how to reach them.

Providers are not personal data; the schools one may choose from are still the policy's
(`policy.areas_for`: a school role's own schools, an area role's schools in their area, every
school for a data manager). A school outside them is answered as not found.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cwtt.access import policy
from cwtt.instruments.engine.definition import DOMAINS
from cwtt.instruments.labels import domain_choices, domain_label

from .models import ServiceType
from .search import providers_near


@policy.guarded
def directory(request: HttpRequest) -> HttpResponse:
    schools = list(policy.areas_for(request.user).select_related("location").order_by("name"))
    types = list(ServiceType.objects.all())
    chosen = {key: request.GET.get(key, "").strip() for key in ("school", "domain", "type")}
    if not chosen["school"] and len(schools) == 1:
        chosen["school"] = str(schools[0].pk)
    errors: list[str] = []
    school = None
    if chosen["school"]:
        school = next((s for s in schools if str(s.pk) == chosen["school"]), None)
        if school is None:
            raise Http404("No such school")
    if chosen["domain"] and chosen["domain"] not in DOMAINS:
        errors.append(_("Choose an area of wellbeing from the list."))
    service_type = next((t for t in types if t.code == chosen["type"]), None)
    if chosen["type"] and service_type is None:
        errors.append(_("Choose a kind of help from the list."))
    results = None
    if school is not None and not errors:
        results = providers_near(school, domain=chosen["domain"] or None, service_type=service_type)
    groups = [
        (domain_label(domain), [t for t in types if t.domain == domain]) for domain in DOMAINS
    ]
    return render(
        request,
        "services/directory.html",
        {
            "schools": schools,
            "domains": domain_choices(),
            "type_groups": groups,
            "chosen": chosen,
            "school": school,
            "service_type": service_type,
            "domain_label": domain_label(chosen["domain"]),
            "errors": errors,
            "results": results,
        },
    )

"""/api/v1/: one address per resource (a list, and each record by id), the OpenAPI schema at
/api/v1/schema/, and DRF's browsable pages for a signed-in person (docs/api.md)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from cwtt.access.policy import public

from . import evidence, views
from .permissions import policy_guarded
from .planning import PlanningViewSet


class GuardedRouter(DefaultRouter):
    """Every address it makes is marked as reached through the access policy (and refused at
    start-up if its view set dropped ReadsThroughPolicy)."""

    include_format_suffixes = False

    def get_urls(self):
        urls = super().get_urls()
        for pattern in urls:
            policy_guarded(pattern.callback)
        return urls


router = GuardedRouter()
router.register("schools", views.SchoolViewSet, basename="api-school")
router.register("children", views.ChildViewSet, basename="api-child")
router.register("assessments", views.AssessmentViewSet, basename="api-assessment")
router.register("risk-profiles", views.RiskProfileViewSet, basename="api-risk-profile")
router.register("cases", views.CaseViewSet, basename="api-case")
router.register("referrals", views.ReferralViewSet, basename="api-referral")
router.register("services", views.ServiceViewSet, basename="api-service")
router.register("meetings", views.MeetingViewSet, basename="api-meeting")
router.register("planning", PlanningViewSet, basename="api-planning")

urlpatterns = [
    # The schema describes the API and holds no personal data: anyone may read it.
    path(
        "schema/",
        public(
            SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[])
        ),
        name="api-schema",
    ),
    *router.urls,
    *evidence.urlpatterns,  # the evidence tables (evidence.py)
]

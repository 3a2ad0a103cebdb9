from django.contrib.auth import views as auth_views
from django.urls import path

from cwtt.access.policy import public

from . import assessment_views, emergency, printing, search, views
from .sign_out import sign_out

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "sign-in/",
        public(
            auth_views.LoginView.as_view(
                template_name="web/login.html", redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("sign-out/", sign_out, name="logout"),
    path("schools/<int:school_id>/", views.school, name="school"),
    path(
        "schools/<int:school_id>/report.pdf", printing.school_report_pdf, name="school_report_pdf"
    ),
    path("classes/<int:class_id>/", views.school_class, name="class"),
    path("search/", search.search, name="search"),
    path("children/<int:child_id>/", views.child, name="child"),
    path("children/<int:child_id>/assess/<str:respondent>/", views.capture, name="capture"),
    path(
        "assessments/<uuid:assessment_uuid>/",
        assessment_views.assessment_page,
        name="assessment",
    ),
    path(
        "corrections/<int:correction_id>/review/",
        assessment_views.correction_review_view,
        name="correction_review",
    ),
    path(
        "children/<int:child_id>/profile.pdf", printing.child_profile_pdf, name="child_profile_pdf"
    ),
    path("emergency-access/", emergency.emergency_request, name="emergency_request"),
    path("emergency-access/<int:grant_id>/", emergency.emergency_review, name="emergency_review"),
]

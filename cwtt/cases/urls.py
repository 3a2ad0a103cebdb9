from django.urls import path

from . import views

urlpatterns = [
    path("schools/<int:school_id>/cases/", views.school_cases, name="school_cases"),
    path("schools/<int:school_id>/queue/", views.school_queue, name="school_queue"),
    path(
        "schools/<int:school_id>/queue/groups/", views.school_queue_group, name="school_queue_group"
    ),
    path(
        "schools/<int:school_id>/queue/capacity/",
        views.school_queue_capacity,
        name="school_queue_capacity",
    ),
    path("cases/<int:case_id>/", views.case_page, name="case"),
    path("cases/<int:case_id>/move/", views.case_move_view, name="case_move"),
    path("cases/<int:case_id>/team/", views.case_team_view, name="case_team"),
    path("cases/<int:case_id>/approvals/", views.approval_request_view, name="case_approval"),
    path(
        "cases/<int:case_id>/approvals/<int:approval_id>/",
        views.approval_decide_view,
        name="case_approval_decide",
    ),
    path("cases/<int:case_id>/goals/", views.goal_add_view, name="case_goal_add"),
    path("cases/<int:case_id>/actions/", views.plan_action_add_view, name="case_action_add"),
    path(
        "cases/<int:case_id>/actions/<int:action_id>/done/",
        views.plan_action_done_view,
        name="case_action_done",
    ),
    path("cases/<int:case_id>/reviews/", views.review_add_view, name="case_review_add"),
    path("cases/<int:case_id>/services/", views.service_add_view, name="case_service_add"),
]

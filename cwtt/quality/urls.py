from django.urls import path

from . import duplicate_views, views

urlpatterns = [
    path("quality/", views.quality, name="quality"),
    path("quality/schools/<int:school_id>/", views.quality_school, name="quality_school"),
    path("quality/duplicates/", duplicate_views.duplicates_review, name="duplicates_review"),
    path(
        "quality/duplicates/<int:pair_id>/decide/",
        duplicate_views.duplicate_decide,
        name="duplicate_decide",
    ),
]

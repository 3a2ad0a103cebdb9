from django.urls import path

from . import views

urlpatterns = [
    path("quality/", views.quality, name="quality"),
    path("quality/schools/<int:school_id>/", views.quality_school, name="quality_school"),
]

from django.urls import path

from . import views

urlpatterns = [
    path("my-work/", views.my_work, name="my_work"),
    path("caseloads/", views.team_caseloads, name="caseloads"),
]

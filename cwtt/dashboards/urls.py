from django.urls import path

from . import research, views

urlpatterns = [
    path("schools/<int:school_id>/dashboard/", views.school_dashboard, name="school_dashboard"),
    path("dashboards/area/", views.area_dashboard, name="area_dashboard"),
    path("research/", research.research_page, name="research_exports"),
    path(
        "research/waves/<int:wave_id>/<slug:kind>/",
        research.research_download,
        name="research_download",
    ),
    path("research/panel/<slug:kind>/", research.panel_download, name="research_panel_download"),
]

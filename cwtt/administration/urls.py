"""The data manager's pages under /administration/, and the page a set-password link opens."""

from django.urls import path

from . import class_teacher_views, views

urlpatterns = [
    path("administration/", views.index, name="administration"),
    path("administration/users/", views.users, name="administration_users"),
    path("administration/users/new/", views.user_new, name="administration_user_new"),
    path("administration/users/<int:user_id>/", views.user_detail, name="administration_user"),
    path(
        "administration/users/<int:user_id>/disable/",
        views.user_disable_view,
        name="administration_user_disable",
    ),
    path(
        "administration/users/<int:user_id>/enable/",
        views.user_enable_view,
        name="administration_user_enable",
    ),
    path(
        "administration/users/<int:user_id>/unlock/",
        views.user_unlock_view,
        name="administration_user_unlock",
    ),
    path(
        "administration/users/<int:user_id>/reset-code/",
        views.user_reset_code_view,
        name="administration_user_reset_code",
    ),
    path(
        "administration/users/<int:user_id>/password-link/",
        views.user_password_link_view,
        name="administration_user_password_link",
    ),
    path(
        "administration/users/<int:user_id>/reset-password/",
        views.user_password_reset_view,
        name="administration_user_password_reset",
    ),
    path("school-staff/", views.school_staff, name="school_staff"),
    path(
        "school-staff/<int:user_id>/classes/",
        class_teacher_views.teacher_classes,
        name="teacher_classes",
    ),
    path("administration/schools/", views.schools, name="administration_schools"),
    path("administration/imports/", views.imports, name="administration_import"),
    path(
        "administration/imports/<uuid:pending_id>/rejects/",
        views.import_rejects_download,
        name="administration_import_rejects",
    ),
    path("administration/waves/", views.waves, name="administration_waves"),
    path("administration/waves/new/", views.wave_new, name="administration_wave_new"),
    path("administration/waves/<int:wave_id>/", views.wave_change_view, name="administration_wave"),
    path("administration/instruments/", views.instruments, name="administration_instruments"),
    path(
        "administration/instruments/upload/",
        views.instrument_upload,
        name="administration_instrument_upload",
    ),
    path(
        "administration/instruments/versions/<int:version_id>/source/",
        views.instrument_source,
        name="administration_instrument_source",
    ),
    path("welcome/<uidb64>/<token>/", views.set_password, name="set_password"),
]

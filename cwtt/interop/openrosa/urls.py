"""The OpenRosa 1.0 server: form list, forms, manifests and submissions for ODK Collect
(docs/openrosa.md). Collect asks for `formList` and `submission` at the server's root."""

from django.urls import path

from . import views

urlpatterns = [
    path("formList", views.form_list, name="openrosa_form_list"),
    path("submission", views.submission, name="openrosa_submission"),
    path(
        "openrosa/forms/<str:form_id>/<int:version>/form.xml",
        views.form_xml,
        name="openrosa_form",
    ),
    path(
        "openrosa/forms/<str:form_id>/<int:version>/manifest",
        views.manifest,
        name="openrosa_manifest",
    ),
    path(
        "openrosa/forms/<str:form_id>/<int:version>/children.csv",
        views.class_list_file,
        name="openrosa_class_list",
    ),
]

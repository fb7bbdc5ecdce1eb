from django.urls import path

from . import views, views_registry, views_reports

app_name = "institutes"

urlpatterns = [
    path("applications/", views.application_list, name="application_list"),
    path("applications/new/", views.application_start, name="application_start"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application_submit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("applications/<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment_download"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/delete/", views.attachment_delete,
        name="attachment_delete",
    ),
    path("district/queue/", views.district_queue, name="district_queue"),
    path("district/applications/<int:pk>/", views.district_review, name="district_review"),
] + views_registry.urlpatterns + views_reports.urlpatterns

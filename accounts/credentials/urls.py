"""The credentials room's pages: My files, and the account page's AWS access."""

from django.urls import path

from . import views

urlpatterns = [
    path("files/", views.files_page, name="files"),
    path("files/upload/", views.file_upload, name="file_upload"),
    path("files/download/", views.file_download, name="file_download"),
    path("files/delete/", views.file_delete, name="file_delete"),
    path("account/aws/", views.aws_access, name="aws_access"),
    path("account/aws/credentials/", views.aws_credentials_export, name="aws_credentials_export"),
]

from django.urls import path

from frenchtech.web.showcase_api import views

app_name = "showcase_api"
urlpatterns = [
    path("api/showcase/v1/", views.index, name="index"),
    path("api/showcase/v1/openapi.json", views.openapi, name="openapi"),
    path("api/showcase/v1/dictionary", views.dictionary, name="dictionary"),
    path("api/showcase/v1/tables/<str:name>", views.table, name="table"),
    path("api/showcase/v1/territories/<str:tid>", views.territory, name="territory"),
    path("showcase/", views.site, name="site"),
    path("showcase/<path:path>", views.site, name="site-page"),
]

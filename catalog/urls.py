from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<str:slug>/", views.product_detail, name="product"),
    path("products/<str:slug>/edit/", views.product_edit, name="product_edit"),
    path("products/<str:slug>/lineage/", views.product_lineage, name="product_lineage"),
    path("products/<str:slug>/slos/", views.product_slos, name="product_slos"),
    path("products/<str:slug>/ports/<int:port_id>/sample/", views.port_sample, name="port_sample"),
    path("domains/", views.domain_list, name="domain_list"),
    path("domains/<str:slug>/", views.domain_detail, name="domain"),
    path("teams/<str:slug>/", views.team_detail, name="team"),
]

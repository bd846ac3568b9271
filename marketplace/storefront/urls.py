"""The catalog's pages, whichever app draws them, under one namespace
("catalog:…"): a product's page, its edit page, its lineage and SLO tabs and
samples sit side by side at /products/<slug>/…."""

from django.urls import path

from catalog import views as catalog_views
from contracts import views as contracts_views
from lineage import views as lineage_views
from slos import views as slo_views

from . import history, views

app_name = "catalog"

urlpatterns = [
    path("products/", catalog_views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/rows/port/", views.port_row, name="port_row"),
    path("products/rows/ports/<int:port_index>/field/", views.field_row, name="field_row"),
    path("products/<str:slug>/", views.product_detail, name="product"),
    path("products/<str:slug>/edit/", views.product_edit, name="product_edit"),
    path("products/<str:slug>/follow/", catalog_views.product_follow, name="product_follow"),
    path("products/<str:slug>/descriptor/", contracts_views.product_descriptor, name="product_descriptor"),
    path("products/<str:slug>/lineage/", lineage_views.product_lineage, name="product_lineage"),
    path("products/<str:slug>/history/", history.product_history, name="product_history"),
    path("products/<str:slug>/scheduled-changes/<int:pk>/cancel/", history.cancel_scheduled_change, name="cancel_scheduled_change"),
    path("products/<str:slug>/slos/", slo_views.product_slos, name="product_slos"),
    path("products/<str:slug>/ports/<int:port_id>/sample/", slo_views.port_sample, name="port_sample"),
    path("domains/", catalog_views.domain_list, name="domain_list"),
    path("domains/<str:slug>/", catalog_views.domain_detail, name="domain"),
    path("teams/<str:slug>/", catalog_views.team_detail, name="team"),
]

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from access_requests import api as access_api
from api_tokens import api as tokens_api
from catalog import api as catalog_api
from contracts import api as contracts_api
from core import api
from lineage import api as lineage_api
from search import api as search_api
from slos import api as slo_api

from . import dcat_views, oidc, views
from .signin import ObtainToken
from .storefront import api as storefront_api
from .storefront import scheduling as storefront_scheduling

router = DefaultRouter()
router.register("products", storefront_api.ProductViewSet, basename="product")
router.register("domains", catalog_api.DomainViewSet, basename="domain")
router.register("teams", catalog_api.TeamViewSet, basename="team")
router.register("access-requests", access_api.AccessRequestViewSet, basename="access-request")
router.register("grants", access_api.GrantViewSet, basename="grant")
router.register("slos", slo_api.SLOViewSet, basename="slo")
router.register("audit-events", access_api.AuditEventViewSet, basename="audit-event")

api_urls = [
    path("auth/token/", ObtainToken.as_view(), name="token"),
    path("tokens/", tokens_api.TokensView.as_view(), name="tokens"),
    path("tokens/<int:pk>/", tokens_api.TokenView.as_view(), name="token-detail"),
    # No trailing slash: the OpenLineage HTTP transport posts to <url>/api/v1/lineage.
    path("lineage", lineage_api.LineageEventView.as_view(), name="lineage"),
    path("products/<str:slug>/lineage/", lineage_api.ProductLineageView.as_view(), name="product-lineage"),
    path("products/<str:slug>/impact/", lineage_api.ProductImpactView.as_view(), name="product-impact"),
    path("slo-measurements/", slo_api.SLOMeasurementView.as_view(), name="slo-measurements"),
    path("products/<str:slug>/ports/<str:port_name>/sample/", slo_api.SampleView.as_view(), name="port-sample"),
    path("search/", search_api.SearchView.as_view(), name="search"),
    path("search/suggest/", search_api.SuggestView.as_view(), name="search-suggest"),
    # No trailing slash, as a file is addressed: PUT or GET …/products/<slug>/descriptor.
    path("products/<str:slug>/descriptor", contracts_api.ProductDescriptorView.as_view(), name="product-descriptor"),
    path("descriptors/", contracts_api.DescriptorsView.as_view(), name="descriptors"),
    # No trailing slash, as the descriptor: POST follows, DELETE unfollows.
    path("products/<str:slug>/follow", catalog_api.ProductFollowView.as_view(), name="product-follow"),
    path("products/<str:slug>/scheduled-changes/", storefront_scheduling.ScheduledChangesView.as_view(), name="product-scheduled-changes"),
    path(
        "products/<str:slug>/scheduled-changes/<int:pk>/",
        storefront_scheduling.ScheduledChangeView.as_view(),
        name="product-scheduled-change",
    ),
    path("", include(router.urls)),
    # Last: any other address under /api/v1/ is a JSON 404, not Django's HTML page.
    re_path(r"^", api.not_found),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_page, name="search"),
    # The public DCAT-AP 3 catalogue (marketplace.dcat): anyone may fetch it.
    path("catalog.jsonld", dcat_views.catalog_jsonld, name="catalog-jsonld"),
    path("catalog.ttl", dcat_views.catalog_turtle, name="catalog-ttl"),
    path("search/suggest/", views.search_suggestions, name="search-suggest"),
    path("accounts/login/", oidc.SignInPageView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Single sign-on (marketplace.oidc): a 404 unless OIDC_RP_CLIENT_ID is set.
    path("accounts/oidc/authenticate/", oidc.SignInRequestView.as_view(), name="oidc_authentication_init"),
    path("accounts/oidc/callback/", oidc.SignInCallbackView.as_view(), name="oidc_authentication_callback"),
    path("", include("access_requests.urls")),
    path("", include("notifications.urls")),
    path("", include("api_tokens.urls")),
    path("", include("marketplace.storefront.urls")),
    path("api/v1/", include((api_urls, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, not inline (Content-Security-Policy).
    # Swagger UI sets inline styles: allowed here only, scripts stay 'self'.
    path("api/docs/", csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    path("admin/", admin.site.urls),
]

# The 500 page renders without the request and falls back to plain HTML (marketplace/errors.py);
# 404 and 403 are Django's handlers with templates/404.html and 403.html.
handler500 = "marketplace.errors.server_error"

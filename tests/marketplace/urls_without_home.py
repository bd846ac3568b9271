"""A URL configuration that names no `home`: base.html cannot render with it,
as when the failure a 500 reports is in the URL configuration itself."""

urlpatterns: list = []

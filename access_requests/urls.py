from django.urls import path

from . import views

app_name = "access_requests"

urlpatterns = [
    path("access/", views.my_access, name="my-access"),
    path("access/requests/<int:pk>/", views.request_detail, name="request"),
    path("access/requests/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("access/inbox/", views.inbox, name="inbox"),
    path("access/steps/<int:pk>/approve/", views.approve, name="approve"),
    path("access/steps/<int:pk>/reject/", views.reject, name="reject"),
    path("access/grants/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("products/<slug:slug>/request-access/", views.request_access, name="request-access"),
    path("products/<slug:slug>/consumers/", views.consumers, name="consumers"),
    path("audit/", views.audit_trail, name="audit"),
]

from django.urls import path

from . import views

app_name = "api_tokens"

urlpatterns = [
    path("account/tokens/", views.token_list, name="list"),
    path("account/tokens/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("service-accounts/<str:username>/tokens/", views.token_list, name="service-account"),
    path("service-accounts/<str:username>/tokens/<int:pk>/revoke/", views.revoke, name="service-account-revoke"),
]

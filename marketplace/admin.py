from django.contrib import admin

admin.site.site_header = "Data Product Marketplace administration"
admin.site.site_title = "Marketplace admin"

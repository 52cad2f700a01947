from django.urls import path, register_converter

from municipalities import views


class MunicipalityOktmoConverter:
    """Exactly the 8 digits of a municipal formation's OKTMO code, kept as a string (leading
    zeros of regions 01–09 matter)."""

    regex = "[0-9]{8}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MunicipalityOktmoConverter, "oktmo8")

app_name = "municipalities"
urlpatterns = [
    path("", views.municipality_list, name="municipality_list"),
    path("towns/", views.town_list, name="town_list"),
    path("compare/", views.compare, name="compare"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.agreement_update, name="agreement_update"),
    path("indicators/import/", views.indicator_import, name="indicator_import"),
    path("<oktmo8:oktmo>/", views.municipality_detail, name="municipality_detail"),
]

from rest_framework.routers import DefaultRouter

from municipalities.api import views

router = DefaultRouter()
router.register("municipalities", views.MunicipalityViewSet, basename="municipality")
router.register("towns", views.TownViewSet, basename="town")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("indicator-values", views.IndicatorValueViewSet, basename="indicator-value")
router.register("agreements", views.AgreementViewSet, basename="agreement")

urlpatterns = router.urls

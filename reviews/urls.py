"""The reviews app's pages; each concern keeps its `urlpatterns` beside its views."""
from .views import dashboards, evaluation, experts, initial_review, panels, publicity, scoring

app_name = "reviews"

urlpatterns = [
    *initial_review.urlpatterns,
    *experts.urlpatterns,
    *panels.urlpatterns,
    *scoring.urlpatterns,
    *publicity.urlpatterns,
    *evaluation.urlpatterns,
    *dashboards.urlpatterns,
]

"""Staff pages of the surveys app, under /surveys/<campaign code>/; one module per area."""

from surveys.urls import invitations, paper, questionnaire, review

app_name = "surveys"
urlpatterns = [
    *questionnaire.urlpatterns,
    *invitations.urlpatterns,
    *paper.urlpatterns,
    *review.urlpatterns,
]

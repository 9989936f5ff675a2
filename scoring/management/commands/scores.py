from django.utils.translation import gettext as _

from scoring.import_actions import do_import_scores
from surveys.management.commands.responses import ImportCommand


class Command(ImportCommand):
    help = "Assessor scores: import a CSV or XLSX file (all rows or none)."
    import_help = "import assessor scores from a CSV or XLSX file"
    action = staticmethod(do_import_scores)

    def summary(self, batch) -> str:
        return _("imported %(rows)s assessor scores (batch #%(batch)s)") % {
            "rows": batch.rows,
            "batch": batch.pk,
        }

"""Model bases shared by the apps."""

from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk writes that would change or remove written rows raise instead."""

    def update(self, **kwargs):
        raise RuntimeError(f"{self.model.__name__} rows are never updated once written")

    def bulk_update(self, objs, fields, batch_size=None):
        raise RuntimeError(f"{self.model.__name__} rows are never updated once written")

    def delete(self):
        raise RuntimeError(f"{self.model.__name__} rows are never deleted")

    def fill_in(self, **fields) -> int:
        """Set fields that are still empty (NULL) on the matched rows; a set field never changes.

        For a link that can only be made once the row exists, in the transaction
        that writes the row (a finding and its ledger item point at each other).
        """
        empty = self.filter(**{f"{name}__isnull": True for name in fields})
        return models.QuerySet.update(empty, **fields)


class AppendOnlyRow(models.Model):
    """Evaluation data (ADR 0005): written once, never saved again nor deleted.

    Guards the instance paths (save, delete) and the bulk ones (update,
    bulk_update, queryset delete); raw SQL is the audit log's business.
    """

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError(f"{type(self).__name__} rows are never changed once written")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__} rows are never deleted")

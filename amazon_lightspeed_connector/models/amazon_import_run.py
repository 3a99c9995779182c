"""The state of one channel's order import run: its counters and its moving cursor."""

from .connector_run import ConnectorRun


class ImportRun(ConnectorRun):
    """Counters and the moving cursor of one channel's run."""

    COUNTS = ("created", "updated", "unchanged", "error", "skipped", "retried", "pages", "busy")
    SERVICE = "Amazon"

    def __init__(self, env, cursor, deadline=None):
        super().__init__(env, deadline=deadline)
        self.cursor = cursor
        self.ceiling = None  # the search's upper bound: the cursor never passes it
        self.complete = False  # the search was read to its end
        self.resumed = False  # it starts from an earlier run's cursor: re-read the overlap
        self.page_token = None  # the unfinished search it goes on with: its next page's token
        self.last_order = None
        self.saved_order = None  # the last order id kept on the import's status row
        self.continues = False  # stopped at the page limit with the cursor moved: go on at once
        self.narrowed = False  # its search was cut to part of the window: more waits after it

    @property
    def done(self):
        """Orders this run handled, whatever became of them."""
        c = self.counts
        return (
            c["created"] + c["updated"] + c["unchanged"] + c["error"] + c["skipped"] + c["retried"]
        )

    def figures(self):
        c = self.counts
        return self.env._(
            "%(created)s new, %(updated)s updated, %(unchanged)s unchanged, %(error)s in error, "
            "%(skipped)s FBA skipped, %(retried)s retried, %(pages)s page(s) read.",
            **c,
        )

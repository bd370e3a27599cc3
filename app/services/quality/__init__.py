"""Quality assurance (DESIGN §5.5, issue 10): expert labels, QA samples and report, moderation."""

from app.services.quality.known_import import KnownImport, import_known
from app.services.quality.labels import known_answer_read, list_known, promote
from app.services.quality.moderation import Suspension, ranking, reinstate, suspend
from app.services.quality.report import quality_report, store_report
from app.services.quality.review import label_task, review_task
from app.services.quality.sampling import draw, latest_sample, next_review, sample_read

__all__ = [
    "KnownImport",
    "Suspension",
    "draw",
    "import_known",
    "known_answer_read",
    "label_task",
    "latest_sample",
    "list_known",
    "next_review",
    "promote",
    "quality_report",
    "ranking",
    "reinstate",
    "review_task",
    "sample_read",
    "store_report",
    "suspend",
]

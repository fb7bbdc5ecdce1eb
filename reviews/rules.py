"""Object permissions of the reviews app; each concern registers its rules in reviews/permissions/."""
from .permissions import evaluation, experts, initial_review, panels, publicity, scoring  # noqa: F401

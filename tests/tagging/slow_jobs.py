"""A tagging job that hangs after writing while a marker file exists, so a test can kill its worker mid-job."""
from __future__ import annotations

import os
import time
from pathlib import Path

from moderation.nlp.jobs import tag_version


def tag_then_hang(version_id: int) -> None:
    tag_version(version_id)
    marker = os.environ.get("STORYDESK_TEST_HANG_MARKER")
    while marker and Path(marker).exists():  # killed here, after the commit, before rq records success
        time.sleep(0.2)

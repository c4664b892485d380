"""Named signals let an earlier package set off work in a later one without importing it."""
from blinker import Namespace

storydesk = Namespace()

#: sent with ``story_id`` (and ``session``) when a story is withdrawn; pitch revokes its packs.
story_withdrawn = storydesk.signal("story-withdrawn")
#: sent with ``story_id``, ``scopes`` (those just withdrawn) and ``session`` when a storyteller takes back consent.
consent_withdrawn = storydesk.signal("consent-withdrawn")
#: sent by the erasure job with ``story_id``; every subscriber erases what it holds.
story_erased = storydesk.signal("story-erased")
#: sent with ``story_id`` and ``version_id`` when a story gets a new version to tag.
story_version_added = storydesk.signal("story-version-added")

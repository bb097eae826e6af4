"""The tags rules give a recording: its campaign, the dispositions its interaction was
wrapped up with, and `vip` when the contact's segment is VIP.

    rule_tags(campaign="Ventas", dispositions=["sale"], segment="VIP")
    # ["campaign:ventas", "disposition:sale", "vip"]

Tags are lower case and at most 50 characters (what `recording_tags` keeps).
"""

from __future__ import annotations

from collections.abc import Iterable

VIP = "vip"
MAX_TAG = 50


def rule_tags(
    *, campaign: str | None, dispositions: Iterable[str] = (), segment: str | None = None
) -> list[str]:
    wanted = []
    if campaign:
        wanted.append(f"campaign:{campaign}")
    wanted += [f"disposition:{code}" for code in dispositions if code]
    if segment and segment.strip().lower() == VIP:
        wanted.append(VIP)
    out: list[str] = []
    for tag in wanted:
        tag = tag.strip().lower()[:MAX_TAG]
        if tag not in out:
            out.append(tag)
    return out

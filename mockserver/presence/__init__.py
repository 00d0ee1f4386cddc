"""Presence itself: reads and writes, the status rules, paging and the wire shapes."""

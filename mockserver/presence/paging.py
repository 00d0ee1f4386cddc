"""Page arithmetic and navigation links of account presence (docs/contract.md#paging). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from mockserver.errors import InvalidParameter
from mockserver.inputs import whole_number

DEFAULT_PAGE = 1
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000
INT32_MAX = 2**31 - 1


def is_positive_int(raw: str) -> bool:
    """A `page`/`perPage` value: digits only, above 0, within int32 (the spec's format)."""
    found = whole_number(raw, len(str(INT32_MAX)))
    return found is not None and 0 < found <= INT32_MAX


def positive_int(raw: str | None, name: str, default: int) -> int:
    if raw is None:
        return default
    if not is_positive_int(raw):
        raise InvalidParameter(name)
    return int(raw)


def page_size(raw: str | None, default: int, *, zero: bool = False, most: bool = False) -> int:
    """perPage: 1..int32, clamped to MAX_PER_PAGE by Page; `0` where the listing allows an empty
    page (docs/contract.md#paging), `max` where the spec's PerPageWithMax does (active calls)."""
    if zero and raw == "0":
        return 0
    if most and raw == "max":
        return MAX_PER_PAGE
    return positive_int(raw, "perPage", default)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing of `total` elements; `start`/`end` are 0-based and inclusive."""

    number: int
    per_page: int
    total: int

    @classmethod
    def of(cls, number: int, per_page: int, total: int) -> Page:
        return cls(number, min(per_page, MAX_PER_PAGE), total)

    @property
    def total_pages(self) -> int:
        # perPage=0 asks for no records (PAGE-4): no page holds anything, so none is counted.
        return -(-self.total // self.per_page) if self.per_page else 0

    @property
    def start(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def end(self) -> int:
        return min(self.start + self.per_page, self.total) - 1

    @property
    def is_empty(self) -> bool:
        return self.per_page == 0 or self.start >= self.total

    def paging(self) -> dict[str, int]:
        if self.per_page == 0:  # no page, pageStart or pageEnd (PAGE-4)
            return {"totalPages": 0, "perPage": 0, "totalElements": self.total}
        body = {
            "page": self.number,
            "totalPages": self.total_pages,
            "perPage": self.per_page,
            "totalElements": self.total,
        }
        if not self.is_empty:
            body["pageStart"] = self.start
            body["pageEnd"] = self.end
        return body

    def uri(self, base: str, number: int, extra: Mapping[str, Any] | None = None) -> str:
        # A list value repeats its parameter (the listing filters that may repeat).
        query = {"page": str(number), "perPage": str(self.per_page), **(extra or {})}
        return f"{base}?{urlencode(query, doseq=True)}"

    def navigation(self, base: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """firstPage and lastPage always; previousPage/nextPage only where they exist."""
        last = max(self.total_pages, 1)
        nav = {"firstPage": {"uri": self.uri(base, 1, extra)}}
        if self.number < self.total_pages:
            nav["nextPage"] = {"uri": self.uri(base, self.number + 1, extra)}
        if self.number > 1:
            nav["previousPage"] = {"uri": self.uri(base, self.number - 1, extra)}
        nav["lastPage"] = {"uri": self.uri(base, last, extra)}
        return nav

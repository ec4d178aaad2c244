"""Response shapes shared by the routers."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from api.deps import Paging

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: `next` is the offset of the next page, null on the last."""

    items: list[T]
    total: int = Field(description="Items matching the filters, on every page.")
    next: int | None = Field(default=None, description="Offset of the next page; null when this is the last.")

    @classmethod
    def of(cls, items: list[T], total: int, paging: Paging) -> Page[T]:
        end = paging.offset + len(items)
        return cls(items=items, total=total, next=end if end < total else None)

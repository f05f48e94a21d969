"""A page's config across reruns, pages and links.

Each page keeps its config (a :class:`~playground.setups.comparison.Comparison`, a
:class:`~playground.setups.check.CheckSetup`, ...) in session state: read from the
link on the session's first visit to the page, replaced by :meth:`PageState.load`
(an imported file, a gallery button), and written back to the URL by
:meth:`PageState.publish` on every valid run. Streamlit clears the query
string when the user changes page, so each page writes its own again.
"""
from __future__ import annotations

from typing import Callable, Generic, Mapping, Sequence, TypeVar

import streamlit as st

from . import widgets

T = TypeVar("T")
Query = Mapping[str, str | Sequence[str]]


class PageState(Generic[T]):
    """The config of one page, stored under ``key``; its widgets' keys start with ``prefix``."""

    def __init__(self, key: str, prefix: str, default: Callable[[], T], from_query: Callable[[Query], T],
                 to_query: Callable[[T], Mapping[str, str | list[str]]]) -> None:
        self.key, self.prefix = key, prefix
        self.default, self.from_query, self.to_query = default, from_query, to_query

    def current(self) -> T:
        """The page's config: the session's, else the link's, else the default."""
        if self.key not in st.session_state:
            st.session_state[self.key] = self._from_url()
        return st.session_state[self.key]

    def load(self, value: T) -> None:
        """Show ``value`` from the next run on: every input of the page restarts from it."""
        st.session_state[self.key] = value
        widgets.clear(self.prefix)

    def publish(self, value: T) -> None:
        """Remember ``value`` as the page's config and put it in the URL (only when the URL differs)."""
        st.session_state[self.key] = value
        query = self.to_query(value)
        wanted = {k: v if isinstance(v, list) else [v] for k, v in query.items()}
        if {k: st.query_params.get_all(k) for k in st.query_params} != wanted:
            st.query_params.from_dict(query)

    def link_error(self) -> str | None:
        """Why the link's config could not be shown (once), or None."""
        return st.session_state.pop(self.key + ".link_error", None)

    def _from_url(self) -> T:
        query = {k: st.query_params.get_all(k) for k in st.query_params}
        if not query:
            return self.default()
        try:
            return self.from_query(query)
        except ValueError as exc:
            st.session_state[self.key + ".link_error"] = str(exc)
            return self.default()

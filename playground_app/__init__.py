"""The Streamlit app: a thin layer of widgets, caching and layout over :mod:`playground`.

``main.py`` (run by ``playground app``, and by ``streamlit_app.py`` in a checkout)
lists the pages (:mod:`playground_app.pages`). Each page,
``compare.py``, ``gradient_check.py``, ``bug_gallery.py`` and ``sweep.py``,
is a script Streamlit runs top to bottom; the other modules are imported by
them: widgets built from declarations (:mod:`playground_app.widgets`), the forms of the
Compare and Gradient check pages, each page's config across reruns and
links (:mod:`playground_app.state`), and the cached library calls (:mod:`playground_app.cached`).
Every number shown comes from the library.
"""

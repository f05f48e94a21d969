"""The Streamlit app's pages and widgets: a thin layer over :mod:`playground`.

``streamlit_app.py`` lists the pages (:mod:`app.pages`); each ``*_page.py``
is a page script Streamlit runs top to bottom. Widgets come from declarations
(:mod:`app.widgets`), expensive library calls go through :mod:`app.cached`,
and every number shown comes from the library.
"""

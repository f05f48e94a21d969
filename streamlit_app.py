"""optimizer-playground: the Streamlit app. Run ``streamlit run streamlit_app.py``.

This file only lists the pages (:mod:`playground_app.pages`); each page is a script in
``playground_app/`` that calls the :mod:`playground` library and lays out its results.
"""
import streamlit as st

from playground_app import pages

# An emoji icon: the browser draws it as an inline SVG, where a :material/ icon is fetched from a public font host.
st.set_page_config(page_title="optimizer-playground", page_icon="📈", layout="wide")
navigation = st.navigation([
    st.Page(p.script, title=p.title, icon=p.icon, default=i == 0)
    for i, p in enumerate(pages.ALL)
])
navigation.run()

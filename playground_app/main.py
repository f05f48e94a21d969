"""The app's main script: the page list (:mod:`playground_app.pages`) and the page config.

``playground app`` runs this file with ``streamlit run``; ``streamlit_app.py`` at
the repository root calls :func:`run` for ``streamlit run streamlit_app.py`` in a
checkout. The server settings are in ``.streamlit/config.toml`` beside this file.
"""
import streamlit as st

from playground_app import pages


def run() -> None:
    """Lay out the app and run the page the URL names (the first page at the root URL)."""
    # An emoji icon: the browser draws it as an inline SVG, where a :material/ icon is fetched from a public font host.
    st.set_page_config(page_title="optimizer-playground", page_icon="📈", layout="wide")
    navigation = st.navigation([
        st.Page(p.script, title=p.title, icon=p.icon, default=i == 0)
        for i, p in enumerate(pages.ALL)
    ])
    navigation.run()


# Streamlit runs its main script as __main__, on every rerun; an import (streamlit_app.py's) does not run it.
if __name__ == "__main__":
    run()

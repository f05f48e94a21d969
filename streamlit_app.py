"""optimizer-playground: the Streamlit app from a checkout. Run ``streamlit run streamlit_app.py``.

The app itself is :mod:`playground_app.main`, which an installed package runs as ``playground app``.
"""
from playground_app.main import run

run()

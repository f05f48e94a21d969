"""Streamlit alone, as a floor under the app's speed: ``bench_app_browser.py`` serves it like the app and times it.

The least a results page needs: a title, a select box in the sidebar and a
table of three rows that names the choice. Its first view and a change of
the select box are what Streamlit's own server and frontend cost on this
machine, before any of the playground's work; the app's times are printed
beside them.
"""
import streamlit as st

st.set_page_config(page_title="Streamlit alone", layout="wide")
st.title("Streamlit alone")
choice = st.sidebar.selectbox("optimizer", ["Momentum (momentum)", "Adam (adam)"])
st.table({"run": ["gd", choice.split()[0].lower(), "adam"], "final loss": [0.1, 0.01, 0.001]})

"""optimizer-playground: the Streamlit app (a placeholder until the app issue lands)."""
import streamlit as st

import optimizers

st.set_page_config(page_title="optimizer-playground", layout="wide")
st.title("optimizer-playground")
st.write("Registered optimizers:", ", ".join(optimizers.available()))

"""Bug gallery: each bug of the catalogue, its public source, buggy beside fixed, with the numbers its code produces when run."""
import streamlit as st

from playground_app import cached, compare_form, gradcheck_form, pages, player_component, widgets
from playground_app.state import PageState
from playground import gallery
from playground.setups import check
from playground.setups.fields import query_value
from playground.training.projection import VIEWS

STATE = PageState("gallery", "gal.", lambda: gallery.ids()[0],
                  lambda query: gallery.get(query_value(query, "entry") or gallery.ids()[0]).id,
                  lambda entry_id: {"entry": entry_id})

st.title("Bug gallery")
st.markdown("Real bugs from questions people asked about gradient descent and backprop. Each one runs here twice, "
            "as its author wrote it and fixed, so you can see what the bug does.")

with st.sidebar:
    st.header("Bugs")
    widgets.start("gal.entry", STATE.current())
    entry_id = st.radio("bug", gallery.ids(), key="gal.entry", label_visibility="collapsed",
                        format_func=lambda i: gallery.get(i).title)
link_error = STATE.link_error()
if link_error:
    widgets.alert(st.error, link_error, "The link's bug could not be shown, so this is the first one. ")
STATE.publish(entry_id)
entry = gallery.get(entry_id)

st.header(entry.title)
st.caption(f"Source: {entry.source} · id `{entry.id}`")
st.markdown(f"**What its user saw.** {entry.what_the_user_saw}")
st.markdown(entry.explanation)

buggy_col, fixed_col = st.columns(2, gap="medium")
with buggy_col:
    st.subheader(":red[Buggy]")
    st.code(entry.buggy_code, language="python", wrap_lines=True)
with fixed_col:
    st.subheader(":green[Fixed]")
    st.code(entry.fixed_code, language="python", wrap_lines=True)

st.subheader("What it does")
result = cached.gallery_result(entry_id)
if entry.kind == "trajectory":
    pictures = widgets.figure_or_reason(cached.gallery_player(entry_id), "No picture of the trajectories: ")
    if pictures is not None:
        data, losses = pictures
        left, right = st.columns(2, gap="medium")
        with left:
            player_component.show(data, key="gal.player")
            st.caption(f"Both runs play once when the page opens. Contour view: "
                       f"{VIEWS[entry.comparison.view]}; stars mark the known minima.")
            st.download_button("Trajectories (PNG)", lambda: cached.gallery_landscape_png(entry_id),
                               f"{entry_id}-trajectories.png", "image/png",
                               on_click="ignore", icon=":material/download:", key="dl.gallery.landscape")
        with right:
            st.image(losses, width="stretch")
            st.download_button("Loss curves (PNG)", losses, f"{entry_id}-loss.png", "image/png",
                               on_click="ignore", icon=":material/download:", key="dl.gallery.loss")
else:
    for column, label, report in zip(st.columns(2, gap="medium"), ("buggy", "fixed"), (result.buggy, result.fixed)):
        with column:
            widgets.verdict_box(report.verdict)(f"{label} gradient: **{report.verdict}** "
                                                f"(relative error {report.rel_error:.1e})")
            st.dataframe([{"block": r["block"], "rel error": r["rel_error"], "verdict": r["verdict"]}
                          for r in report.rows()], hide_index=True, width="stretch",
                         column_config={"rel error": st.column_config.NumberColumn(format="%.2e")})
            for names, text in report.diagnoses():
                st.markdown(f"**{', '.join(names)}**: {text}")
if entry.kind == "trajectory":  # a gradient entry's summary is the diagnoses shown above
    # Two trailing spaces keep the summary's line breaks in markdown.
    st.info(result.summary.replace("\n", "  \n"), icon=":material/lightbulb:")

st.subheader("Try it yourself")
st.caption(entry.setup_note)
if entry.kind == "trajectory":
    if st.button("Open this setup on the Compare page", icon=":material/stacked_line_chart:", key="gal.to_compare"):
        compare_form.STATE.load(entry.comparison)
        st.session_state[compare_form.FROM_GALLERY] = entry.title
        st.switch_page(pages.COMPARE.script)
elif st.button("Check this gradient on the Gradient check page", icon=":material/rule:", key="gal.to_gradcheck"):
    gradcheck_form.STATE.load(check.CheckSetup.for_model(f"gallery:{entry_id}:buggy"))
    st.switch_page(pages.GRADCHECK.script)

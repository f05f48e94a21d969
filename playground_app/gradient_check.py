"""Gradient check: a hand-written gradient against numerical derivatives, block by block, with a diagnosis."""
import streamlit as st

from playground.gradcheck import METHOD_TITLES, format_eps
from playground_app import cached, gradcheck_form, widgets
from playground.setups import check


st.title("Gradient check")
st.markdown("Backprop written by hand is easy to get subtly wrong. A gradient check compares it with numerical "
            "derivatives of the loss, entry by entry, and says where they differ and how.")

with st.sidebar:
    setup = gradcheck_form.edit(gradcheck_form.STATE.current())

link_error = gradcheck_form.STATE.link_error()
if link_error:
    widgets.alert(st.error, link_error, "The link's check could not be loaded, so this is the default one. ")
try:
    model = setup.validate()
    report = cached.gradcheck_report(setup)
except ValueError as exc:
    widgets.alert(st.error, str(exc), icon=":material/error:")
    st.info("Change the setting named above in the sidebar.")
    st.stop()
gradcheck_form.STATE.publish(setup)

st.subheader(check.title(setup.model))
st.caption(model.note)
headline = (f"**{report.verdict}**: relative error {report.rel_error:.1e} "
            f"({METHOD_TITLES[report.method]}, eps = {format_eps(report.eps)}, {report.n_evals} evaluations "
            "of the loss)")
if report.numerical_only:
    headline += (". Every disagreement is explained by kinks of the loss or by the numeric derivative's own error "
                 "(truncation or round-off), not by a bug in the gradient (see below).")
widgets.verdict_box(report.verdict)(headline)

st.subheader("Per block")
# The diagnoses are long sentences: they get their own section below, not a cramped column.
st.dataframe(report.rows(), hide_index=True, width="stretch", column_order=(
    "block", "shape", "rel_error", "verdict", "kind", "worst", "worst_analytic", "worst_numeric"), column_config={
    "rel_error": st.column_config.NumberColumn("rel error", format="%.2e",
                                               help="‖analytic − numeric‖ / (‖analytic‖ + ‖numeric‖)"),
    "worst_analytic": st.column_config.NumberColumn("worst: analytic", format="%.6g"),
    "worst_numeric": st.column_config.NumberColumn("worst: numeric", format="%.6g"),
})

shared = report.diagnoses()
if shared:
    st.subheader("Diagnosis")
    for names, text in shared:
        verdicts = ", ".join(dict.fromkeys(report.blocks[n].verdict for n in names))
        st.markdown(f"**{', '.join(names)}** ({verdicts}): {text}")
    if report.enters is not None:
        st.markdown(f"**Where the error enters:** {report.enters.text}")
    st.markdown("**Worst entries**")
    st.dataframe(check.worst_entries(report), hide_index=True, width="stretch", column_config={
        name: st.column_config.NumberColumn(format="%.6g") for name in ("analytic", "numeric", "|analytic − numeric|")
    })
for note in report.notes:
    st.caption(note)

st.subheader("How the error depends on eps")
left, right = st.columns([3, 2], gap="medium")
with left:
    try:
        png = cached.eps_sweep_png(setup)
    except ValueError as exc:
        widgets.alert(st.info, str(exc), "No eps sweep here: ")
    else:
        st.image(png, width="stretch")
        st.download_button("eps sweep (PNG)", png, "eps_sweep.png", "image/png", on_click="ignore",
                           icon=":material/download:", key="dl.eps_sweep")
with right:
    st.markdown("The error of each method along a few random directions, for steps from 1e-1 to 1e-14. "
                "Large steps suffer **truncation**: the difference quotient is not the derivative "
                "(error ∝ eps² for central, ∝ eps for forward differences). Small steps suffer **round-off**: "
                "f(x+h) − f(x−h) loses digits, error ∝ 1/eps. Central differences are best near 1e-5 to 1e-6; "
                "the complex step has no subtraction, so it stays exact down to tiny steps.")
    st.markdown("A **wrong** gradient stays wrong at every eps: no step size fixes a bug.")

"""What the app and the CLI show: figures, the in-browser player, and tables to download.

- :mod:`.plots`: matplotlib figures as pure functions of results;
- :mod:`.projection`: the plane a many-parameter run is drawn on;
- :mod:`.player`: playback in the browser, and the same animation as a GIF;
- :mod:`.stability_map`: a sweep's final loss over lr x momentum;
- :mod:`.theory_plots`: the closed-form rate map beside the measured one, and per-eigendirection errors;
- :mod:`.tune_plots`: tuning's loss-against-lr sensitivity curves;
- :mod:`.export`: trajectories as CSV;
- :mod:`.notebook`: what results show in Jupyter (their ``_repr_html_``), and a page of them.
"""

"""What a user configures, each a frozen record carried by a link, a JSON file and the CLI.

- :mod:`.comparison`: :class:`Comparison`, one problem and one to six runs;
- :mod:`.check`: :class:`CheckSetup`, one gradient check;
- :mod:`.sweep`: :class:`SweepSetup`, a grid of learning rates and momenta;
- :mod:`.tune`: each optimizer's best lr (and momentum) under one budget, then a race of the tuned runs;
- :mod:`.cost`: how long a setup would take here, and what to reduce;
- :mod:`.fields`: reading fields from a URL query;
- :mod:`.views`: the views of a run's plane, the choices of a comparison's ``view``;
- :mod:`.cost`: what a setup will cost (seconds, bytes), checked before any work.
"""

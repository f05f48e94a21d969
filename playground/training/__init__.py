"""Training: what a run is, the loop that drives runs, and what theory says about their stability.

- :mod:`.run_spec`: :class:`RunSpec`, one run's optimizer, hyperparameter values and batching;
- :mod:`.loop`: :func:`drive`, the one training loop, for one run or R runs at once;
- :mod:`.runner`: :func:`run`, one run, recorded as a :class:`Trajectory`;
- :mod:`.sweep`: :func:`sweep`, a grid of runs in one vectorised pass;
- :mod:`.stability`: step-size bounds on quadratics, and divergence in words;
- :mod:`.theory`: closed-form convergence rates of GD, heavy ball and Nesterov on quadratics;
- :mod:`.suggest`: a learning rate per problem and optimizer that converges, from L or a short pilot sweep.
"""

"""The outcomes of a deployment episode, in the order tables, figures and reports show them.

Deployment classifies episodes (:mod:`evosim.worlds.maze.outcomes`); analysis reads
the names back from deploy.csv. One tuple, so both agree.
"""

OUTCOMES = ("aligned", "misgeneralized", "incapable")

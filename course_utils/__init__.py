"""Helpers for the MNIST CNN course, what the lessons import: data, the seed model, plots,
checks, results. The tools that run, build and publish the course are ``course_admin``.

Importing the package starts nothing: each module that uses Keras imports
``course_utils.startup`` first, which quietens TensorFlow's start-up and applies the course's
workarounds, so a lesson imports ``course_utils`` before Keras (``from course_utils import
...``, as the lessons do). ``backend`` (which Keras backend), ``project`` and ``paths``
(the facts the tools share) and ``results`` use the standard library only.
"""

__all__ = [
    "backend", "checks", "data", "devices", "drawing", "environment", "models", "paths", "plotting",
    "project", "results", "startup", "workarounds",
]  # fmt: skip

"""The tools that run, check, build and publish the course, not what a lesson imports.

- ``course``: run every lesson with papermill (``make course``) and report its figures;
- ``book``: build the Jupyter Book site (``make book``);
- ``student``: write the student editions, without solutions (``make student``);
- ``install_cell``: write the lessons' first cell, which installs the helpers where missing;
- ``pairs``: check that each lesson's .md and .ipynb say the same;
- ``bench``: measure the course's speed and accuracy (``make bench``);
- ``lock``: pin the hub image's and Binder's packages (``make lock``);
- ``uv``: uv with pip's own indexes, for ``make setup`` and the test sessions.

The dependency runs one way: these tools import ``course_utils`` (what the lessons import),
never the reverse. At the top of a module they import only its modules that start no
framework (``course_utils.project``: where the project, its lessons and its build folder
are, the Keras backends, writing a file whole or not at all); Keras, TensorFlow and the
lessons' helpers that start them are imported inside the functions that need them.
"""

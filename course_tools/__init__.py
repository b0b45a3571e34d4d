"""The tools that run, check, build and publish the course, not what a lesson imports.

- ``course``: run every lesson with papermill (``make course``) and report its figures;
- ``book``: build the Jupyter Book site (``make book``);
- ``student``: write the student editions, without solutions (``make student``);
- ``install_cell``: write the lessons' first cell, which installs the helpers where missing;
- ``pairs``: check that each lesson's .md and .ipynb say the same;
- ``bench``: measure the course's speed and accuracy (``make bench``);
- ``project``: where the project and its lessons are, the build folder, the Keras backends,
  and writing a file whole or not at all (standard library only; ``course_utils`` uses it).

Importing any of them starts no TensorFlow and no Keras: what needs them imports them when
it runs. ``course_utils`` is what the lessons import.
"""

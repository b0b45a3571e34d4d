"""Which Keras backend this process runs, settled before anything imports Keras: the one
the user chose (KERAS_BACKEND), else the course's default, TensorFlow, marked as a default
so that lesson 9 may swap it for JAX. Also TensorFlow's settings that must be in the
environment before it starts. Standard library only, and it imports no framework:
``course_utils.startup`` and ``course_utils.devices`` import it first.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow uses its oneDNN (Intel's deep-learning library) kernels by default only on
# processors with AVX-512 deep-learning instructions; on others, such as the 2-core AMD
# EPYC the course is measured on, its own kernels train the seed network with a third more
# work (34.7 against 25.6 CPU-seconds an epoch). Set TF_ENABLE_ONEDNN_OPTS=0 to compare.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
#: Set where KERAS_BACKEND holds the course's default, not a backend the user chose; the
#: lessons' kernels that the course's tools start inherit both.
DEFAULT_BACKEND_MARK = "COURSE_UTILS_DEFAULT_BACKEND"
if not os.environ.get("KERAS_BACKEND"):
    os.environ["KERAS_BACKEND"] = "tensorflow"
    os.environ[DEFAULT_BACKEND_MARK] = "1"
#: The backend the user chose, or None: lesson 9 switches to JAX where no one chose one
#: (course_utils.devices).
KERAS_BACKEND_CHOSEN = None if os.environ.get(DEFAULT_BACKEND_MARK) else os.environ["KERAS_BACKEND"]

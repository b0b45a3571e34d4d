"""Self-checks for the exercises: call one after your answer and read its feedback.

Every check judges the answer itself, against the lesson's own data: it works out the right
answer and compares. A check of an experiment takes what the student ran (the history of the
training, or the trained network and the data), judges its figures, and measures the effect
against the noise of the run. It returns a :class:`Feedback` that Jupyter shows as one
friendly line: "Correct!", or "Not yet." with a hint that names the likely mistake without
giving the answer away. Where a check cannot judge an answer (it cannot tell what a
hand-drawn digit shows, or an experiment's effect lies within the noise of one run), it
answers "Recorded." with the numbers and what they can and cannot say. A wrong answer, an
unanswered exercise (``None``) or an answer of the wrong type never raises, so you never have
to read a traceback here.

The checks live in one module per lesson (``lesson01``, ``lesson02``, ...), each in the
module of the first lesson whose exercises call it; what the checks of several lessons share
is in ``feedback``. This package gathers them, so that a lesson says ``from course_utils import
checks`` and calls ``checks.check_digit_count(...)``.
"""

from course_utils import startup  # noqa: F401 - before Keras, it quietens TensorFlow
from course_utils.checks.feedback import UNANSWERED, Feedback
from course_utils.checks.lesson01 import check_digit_count, check_digit_selection
from course_utils.checks.lesson02 import check_preprocessed, check_rescaling_experiment
from course_utils.checks.lesson03 import (
    check_conv_parameters,
    check_horizontal_edges,
    check_max_pool,
    check_output_size,
    check_receptive_field,
    check_slim_model,
)
from course_utils.checks.lesson04 import (
    check_cross_entropy,
    check_loss_for_integer_labels,
    check_overfitting,
)
from course_utils.checks.lesson05 import (
    check_accuracy,
    check_hardest_digit,
    check_shifted_accuracy,
)
from course_utils.checks.lesson06 import check_first_index_of, check_pooled_maps
from course_utils.checks.lesson07 import check_augmentation_too_far, check_parameter_count
from course_utils.checks.lesson08 import check_centre_of_mass, check_fools_only_the_seed
from course_utils.checks.lesson09 import check_combined_gradient, check_scaled_training

__all__ = [
    "Feedback", "UNANSWERED",
    "check_digit_count", "check_digit_selection",  # lesson 1
    "check_preprocessed", "check_rescaling_experiment",  # lesson 2
    "check_conv_parameters", "check_slim_model", "check_output_size",  # lesson 3
    "check_horizontal_edges", "check_max_pool", "check_receptive_field",
    "check_loss_for_integer_labels", "check_overfitting", "check_cross_entropy",  # lesson 4
    "check_accuracy", "check_hardest_digit", "check_shifted_accuracy",  # lesson 5
    "check_first_index_of", "check_pooled_maps",  # lesson 6
    "check_parameter_count", "check_augmentation_too_far",  # lesson 7
    "check_centre_of_mass", "check_fools_only_the_seed",  # lesson 8
    "check_combined_gradient", "check_scaled_training",  # lesson 9
]  # fmt: skip

"""Shared pieces of the leaderboard study: datasets, the fixed test split,
the seeded training subsample, and the models.

Every script of the study imports this module, so the held-out test split is
defined in exactly one place and is identical for every job.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Dict, Tuple

import numpy as np

try:  # the engine puts <repo>/python on PYTHONPATH; by hand, use this checkout's client
    import drover
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    os.pardir, os.pardir, "python"))
    import drover  # noqa: F401  (the scripts use it as common.drover)

TASKS = ("digits", "breast_cancer", "wine")
MODELS = ("logreg", "mlp", "forest")

#: The held-out test split: fixed for every seed and fraction.
TEST_SIZE = 0.3
TEST_SPLIT_SEED = 0

#: Every class keeps at least this many training examples after subsampling.
MIN_PER_CLASS = 2


def quiet_warnings() -> None:
    """Silence convergence and similar noise: small budgets are deliberate here."""
    from sklearn.exceptions import ConvergenceWarning

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")


def load_task(task: str) -> Tuple[np.ndarray, np.ndarray]:
    """Features and labels of one of the datasets bundled with scikit-learn."""
    from sklearn import datasets

    loaders = {
        "digits": datasets.load_digits,
        "breast_cancer": datasets.load_breast_cancer,
        "wine": datasets.load_wine,
    }
    if task not in loaders:
        raise SystemExit(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    X, y = loaders[task](return_X_y=True)
    return X.astype(np.float64), y


def split(task: str) -> Dict[str, np.ndarray]:
    """The fixed stratified train/test split of a task (same for all seeds).

    Returns X_train, y_train, X_test, y_test and classes (all labels, sorted).
    """
    from sklearn.model_selection import train_test_split

    X, y = load_task(task)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=TEST_SPLIT_SEED, stratify=y)
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test,
            "y_test": y_test, "classes": np.unique(y)}


def subsample(y: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Indices of a stratified random `fraction` of the examples labelled `y`.

    Each class keeps round(fraction * its count) examples, but never fewer than
    MIN_PER_CLASS (nor more than it has), so every class appears even at 0.1
    of the smallest dataset. The choice depends only on `seed`.
    """
    if not 0.0 < fraction <= 1.0:
        raise SystemExit(f"--fraction must be in (0, 1], got {fraction}")
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        n = max(MIN_PER_CLASS, int(round(fraction * len(members))))
        n = min(n, len(members))
        chosen.append(rng.choice(members, size=n, replace=False))
    return np.sort(np.concatenate(chosen))


def make_model(name: str, seed: int):
    """A small, fast scikit-learn classifier (single-threaded)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == "logreg":
        from sklearn.linear_model import LogisticRegression

        return make_pipeline(StandardScaler(),
                             LogisticRegression(max_iter=200, C=1.0, random_state=seed))
    if name == "mlp":
        from sklearn.neural_network import MLPClassifier

        # No early_stopping: its validation split fails on a dozen wine examples.
        return make_pipeline(StandardScaler(),
                             MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3,
                                           max_iter=150, random_state=seed))
    if name == "forest":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(n_estimators=50, n_jobs=1, random_state=seed)
    raise SystemExit(f"unknown model {name!r}; expected one of {', '.join(MODELS)}")


def align_proba(proba: np.ndarray, model_classes: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Probability columns reordered to `classes` (zeros for classes the model never saw)."""
    out = np.zeros((proba.shape[0], len(classes)), dtype=np.float64)
    index = {c: i for i, c in enumerate(classes)}
    for j, c in enumerate(model_classes):
        out[:, index[c]] = proba[:, j]
    return out


def scores(y_true: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> Dict[str, float]:
    """Accuracy and macro F1 of the arg-max of probability predictions."""
    from sklearn.metrics import accuracy_score, f1_score

    y_pred = classes[np.argmax(proba, axis=1)]
    return {"accuracy": float(accuracy_score(y_true, y_pred)),
            "f1_macro": float(f1_score(y_true, y_pred, average="macro"))}

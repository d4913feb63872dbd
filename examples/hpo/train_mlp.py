"""One HPO trial: a scikit-learn MLP trained epoch by epoch with partial_fit on a
dataset bundled with scikit-learn. Reports the validation error after each epoch
(drover.report -> the metric `objective`) and returns early when drover prunes it.

    python3 train_mlp.py DATASET  (params from $DROVER_PARAMS)
"""
import sys
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import drover

EPOCHS = 30
LOADERS = {"digits": load_digits, "wine": load_wine, "breast_cancer": load_breast_cancer}


def main() -> None:
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    dataset = sys.argv[1]
    p = drover.params()
    X, y = LOADERS[dataset](return_X_y=True)
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_val = scaler.transform(X_tr), scaler.transform(X_val)
    model = MLPClassifier(hidden_layer_sizes=(int(p["hidden"]),), activation=p["activation"],
                          learning_rate_init=float(p["lr"]), alpha=float(p["alpha"]),
                          batch_size=int(p["batch"]), random_state=0)
    classes = np.unique(y)
    rng = np.random.default_rng(0)
    for epoch in range(EPOCHS):
        order = rng.permutation(len(X_tr))
        model.partial_fit(X_tr[order], y_tr[order], classes=classes)
        error = 1.0 - model.score(X_val, y_val)
        drover.log(step=epoch, val_error=error)
        drover.report(error, step=epoch)
        if drover.should_prune():
            return
    drover.log(epochs=EPOCHS)


if __name__ == "__main__":
    main()

"""Model Factory: a TFX pipeline template. Install with the pinned constraints:
pip install -e . -c constraints.txt (the Makefile does this)."""
from setuptools import find_packages, setup

setup(
    name="model-factory",
    version="0.1.0",
    python_requires=">=3.10,<3.11",
    packages=find_packages(include=["pipeline", "pipeline.*", "components", "components.*"]),
    install_requires=[
        # [kfp]: KubeflowV2DagRunner and the kfp SDK for compile/submit.
        "tfx[kfp]==1.16.0",
        # Beam 2.70+ dropped dill and tfx_bsl then fails to import.
        "apache-beam[gcp]==2.61.0",
        "keras-tuner==1.4.8",
        # Drift report charts.
        "matplotlib>=3.9,<3.10",
        # The HTML model card (already installed with TensorBoard).
        "markdown>=3.4",
        # Task metrics on scored rows: champion/challenger's interval, simulate
        # (already installed with TFX).
        "scikit-learn>=1.5,<1.6",
    ],
    extras_require={
        # The notebook tests execute notebooks/ with nbclient in an IPython kernel;
        # the notification tests send to a real SMTP server on loopback.
        "test": ["pytest", "nbclient", "ipykernel", "aiosmtpd"],
        "notebooks": ["jupyterlab"],
    },
)

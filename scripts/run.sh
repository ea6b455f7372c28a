#!/usr/bin/env bash
# Starts the appliance on its embedded defaults: LiteDB in ./data, people and API on https://127.0.0.1:8443
# (a self-signed certificate generated in ./data/tls), PXE provisioning (/boot) on http://127.0.0.1:8080;
# it prints both URLs and the certificate's fingerprint. Override with RECOVERYASSIST_DATA=<dir>,
# --RecoveryAssist:Listen:People=<url>, --RecoveryAssist:Listen:Provisioning=<url>, or any
# --RecoveryAssist:<Setting>=<value>.
set -euo pipefail
cd "$(dirname "$0")/.."
# dotnet run starts in the project's folder: anchor the data directory at the repository.
export RECOVERYASSIST_DATA="${RECOVERYASSIST_DATA:-$PWD/data}"
exec dotnet run --project src/RecoveryAssist.Server -c Release -- "$@"

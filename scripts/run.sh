#!/usr/bin/env bash
# Starts the appliance on its embedded default: LiteDB in ./data, HTTP on http://127.0.0.1:8080.
# Override with RECOVERYASSIST_DATA=<dir>, --urls <url>, or any --RecoveryAssist:<Setting>=<value>.
set -euo pipefail
cd "$(dirname "$0")/.."
# dotnet run starts in the project's folder: anchor the data directory at the repository.
export RECOVERYASSIST_DATA="${RECOVERYASSIST_DATA:-$PWD/data}"
exec dotnet run --project src/RecoveryAssist.Server -c Release -- "$@"

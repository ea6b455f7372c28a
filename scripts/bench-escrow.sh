#!/usr/bin/env bash
# Escrow benchmark (issue #3): bulk-import hosts with keys through the API, then look them up by
# MAC, UUID, serial and name; prints time, throughput, lookup p50/p99 and the appliance's peak memory.
# Usage: scripts/bench-escrow.sh [hosts=100000] [batch=1000] [lookups=2000]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release -v q --nologo src/RecoveryAssist.Server tests/EscrowBench >/dev/null 2>&1 || dotnet build -c Release --nologo tests/EscrowBench
dotnet build -c Release -v q --nologo src/RecoveryAssist.Server >/dev/null
dotnet tests/EscrowBench/bin/Release/net10.0/EscrowBench.dll src/RecoveryAssist.Server/bin/Release/net10.0/RecoveryAssist.Server.dll "$@"

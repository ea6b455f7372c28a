#!/usr/bin/env bash
# PXE benchmark (issue 6), not a test: per-machine iPXE script rendering under load with wrk, on
# loopback, against N known hosts (each request names one of them by MAC, as iPXE's bootstrap does).
# Prints requests/s and p99 latency beside the goal (>= 20,000 req/s, p99 < 10 ms on 2 cores).
# wrk shares the machine's cores with the appliance, as it would on a 2-core test box.
# Usage: scripts/bench-pxe.sh [hosts=1000] [duration=20s] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-1000}
duration=${2:-20s}
connections=${3:-64}
command -v wrk >/dev/null || { echo "error: wrk is missing (Debian package wrk)" >&2; exit 1; }

dotnet build -c Release -v q --nologo src/RecoveryAssist.Server >/dev/null
dotnet build -c Release -v q --nologo src/RecoveryAssist.Cli >/dev/null
work=$(mktemp -d)
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"          # the people side (plain HTTP is allowed on loopback): sign-in and import
boot="http://127.0.0.1:$((port + 1))"  # the provisioning side, where iPXE asks for /boot/*

RECOVERYASSIST_DATA="$work/data" dotnet src/RecoveryAssist.Server/bin/Release/net10.0/RecoveryAssist.Server.dll \
  --urls "$base" --RecoveryAssist:Listen:Provisioning="$boot" --RecoveryAssist:Boot:TftpEnabled=false --RecoveryAssist:Boot:PublicBaseUrl="$boot" \
  --RecoveryAssist:Boot:RequestsPerMinute=100000000 \
  --Logging:LogLevel:Default=Warning >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
password=$(cat "$work/data/admin-password")   # first run: the admin's one-time password, 0600
new_password="bench-pxe-$(date +%s)-password"
csrf=$(curl -fs -c "$work/cookies" -H 'content-type: application/json' -d "{\"userName\":\"admin\",\"password\":\"$password\"}" "$base/api/auth/signin" \
  | sed -n 's/.*"csrfToken":"\([^"]*\)".*/\1/p')
curl -fs -b "$work/cookies" -c "$work/cookies" -H 'content-type: application/json' -H "X-CSRF-Token: $csrf" \
  -d "{\"currentPassword\":\"$password\",\"newPassword\":\"$new_password\"}" "$base/api/auth/password" >/dev/null

key=$(dotnet src/RecoveryAssist.Cli/bin/Release/net10.0/recoveryassist.dll key generate)
{
  printf '{"records":['
  for i in $(seq 0 $((hosts - 1))); do
    ((i > 0)) && printf ','
    mac=$(printf '02:00:00:00:%02x:%02x' $((i / 256)) $((i % 256)))
    id=$(tr 'a-z' 'A-Z' </proc/sys/kernel/random/uuid)
    printf '{"hostName":"bench-%05d","macAddresses":["%s"],"output":"Recovery ID                             Key\\n--------------------------------------  ---\\n{%s}  %s\\n"}' "$i" "$mac" "$id" "$key"
  done
  printf ']}'
} >"$work/hosts.json"
curl -fs -b "$work/cookies" -H 'content-type: application/json' -H "X-CSRF-Token: $csrf" --data-binary "@$work/hosts.json" "$base/api/import/bulk" >/dev/null

cat >"$work/machines.lua" <<LUA
local hosts = $hosts
local n = 0
request = function()
  local i = n % hosts
  n = n + 1
  local mac = string.format("02-00-00-00-%02x-%02x", math.floor(i / 256), i % 256)
  return wrk.format("GET", "/boot/script.ipxe?mac=" .. mac .. "&uuid=&serial=&platform=efi&arch=x86_64")
end
LUA
sample=$(curl -fs "$boot/boot/script.ipxe?mac=02-00-00-00-00-07&uuid=&serial=&platform=efi&arch=x86_64")
grep -q "no-armed-recovery-for-this-host" <<<"$sample" || { echo "error: a known host did not get its local-boot script:" >&2; echo "$sample" >&2; exit 1; }

wrk -t2 -c"$connections" -d10s -s "$work/machines.lua" "$boot" >/dev/null   # warm-up (JIT, tiered compilation)
wrk -t2 -c"$connections" -d"$duration" --latency -s "$work/machines.lua" "$boot" | tee "$work/wrk.txt"
# wrk is one source address: the per-source bound is raised above, and a run that got refusals measures nothing.
if grep -q "Non-2xx or 3xx responses" "$work/wrk.txt"; then
  echo "error: some requests were refused (see above): the figures would not be of rendered scripts" >&2
  exit 1
fi
rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
p99_ms=$(awk -v v="$p99" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v } else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } }')
echo
printf '%-32s %14s %14s\n' "per-machine script, $hosts hosts" "measured" "goal"
printf '%-32s %14s %14s\n' "requests/s" "$rps" ">= 20000"
printf '%-32s %14s %14s\n' "p99 latency (ms)" "$p99_ms" "< 10"
printf '%-32s %14s\n' "cores" "$(nproc) (shared with wrk)"

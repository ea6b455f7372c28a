#!/usr/bin/env bash
# Installs what the tests need (Debian packages) when it is missing, then runs every test.
# The real peers the tests drive: OpenSSH (ESXi simulator), TFTP clients, QEMU with iPXE, zbar.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  curl tftp-hpa busybox-static atftp
  qemu-system-x86 ipxe-qemu ipxe ovmf wrk genisoimage
  openssh-server openssh-client
  zbar-tools
  prometheus
  lintian vagrant fakeroot dpkg-dev systemd
  python3-aiosmtpd
  chromium fonts-dejavu-core
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "Installing test dependencies: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "error: the tests need these Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v dotnet >/dev/null; then
  echo "error: the .NET 10 SDK (dotnet) is not on PATH" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test RecoveryAssist.sln --nologo 2>&1 | tee "$log" || status=$?

# One closing line over all test projects, in the plain form CI reads.
awk '/(Passed|Failed)!/ {
  for (i = 1; i <= NF; i++) {
    if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
  }
} END { gsub(",", "", f); printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
# A test host that could not start runs no test at all: say so, the counts above cannot show it.
if grep -q "Test Run Aborted" "$log"; then
  echo "error: a test run was aborted (see 'Test Run Aborted' above)" >&2
  [ "$status" -ne 0 ] || status=1
fi
exit $status

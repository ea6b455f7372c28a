#!/bin/sh
# Vagrant lab (Vagrantfile): installs the package built by scripts/package.sh, points the appliance
# at the provisioning network, and runs dnsmasq with the snippet `recoveryassist dhcp-snippet` prints.
# Environment: APPLIANCE_IP, PROVISIONING_NET (first three octets), LAB_DHCP=1 when the network has no
# DHCP server of its own (VirtualBox internal network): dnsmasq then hands out addresses too.
set -eu
deb=/tmp/recoveryassist.deb
if [ ! -f "$deb" ]; then
  echo "no package: run scripts/package.sh on the host, then: vagrant provision appliance" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# ipxe: the iPXE binaries the appliance serves over TFTP (/usr/lib/ipxe); dnsmasq: proxy-DHCP.
apt-get install -y -qq --no-install-recommends ipxe dnsmasq "$deb"

interface=$(ip -o -4 addr show | awk -v ip="$APPLIANCE_IP" 'index($4, ip "/") == 1 { print $2 }')
[ -n "$interface" ] || { echo "no interface has $APPLIANCE_IP" >&2; exit 1; }

# The appliance answers on the provisioning network. Settings only: secrets never go in this file.
cat > /etc/recoveryassist/recoveryassist.json <<JSON
// Vagrant lab settings (appliance/lab/provision-appliance.sh).
{
  "RecoveryAssist": {
    "Listen": {
      "People": "https://$APPLIANCE_IP:8443",
      "Provisioning": "http://$APPLIANCE_IP:8080"
    },
    "Boot": {
      "TftpPort": 69,
      "AllowedNetworks": [ "$PROVISIONING_NET.0/24" ],
      "PublicBaseUrl": "http://$APPLIANCE_IP:8080"
    }
  }
}
JSON

snippet=/etc/dnsmasq.d/recoveryassist.conf
recoveryassist dhcp-snippet --kind dnsmasq --address "$APPLIANCE_IP" > "$snippet"
{
  echo "# Vagrant lab: only the provisioning network."
  echo "interface=$interface"
  echo "bind-interfaces"
} > /etc/dnsmasq.d/lab-interface.conf
if [ "${LAB_DHCP:-0}" = "1" ]; then
  # No DHCP server on this network: dnsmasq gives addresses itself (the PXE lines work the same).
  sed -i 's/^dhcp-range=.*,proxy$/dhcp-range='"$PROVISIONING_NET"'.100,'"$PROVISIONING_NET"'.200,1h/' "$snippet"
fi

systemctl restart dnsmasq
systemctl restart recoveryassist
systemctl --no-pager --lines=0 status recoveryassist dnsmasq
echo "appliance: https://$APPLIANCE_IP:8443 (one-time admin password: sudo cat /var/lib/recoveryassist/admin-password)"

#!/usr/bin/env python3
"""The per-host baseline of the benchmark: what a user scripts by hand with pynetbox.

For each host, one after another: get-or-create the device or VM, its interface,
its MAC address (made the interface's primary MAC), its IPv4 and IPv6 addresses
(assigned to the interface, with the DNS name), set the primary IPs, and for a
device the cable from the switch port. Reference objects (site, role, device
type, cluster, switch) are looked up once at the start, as any script would.

The script is given the benefit of the doubt everywhere a careful user would
save a request: a child of an object it has just created is not looked up
(it cannot exist yet), a field that already has the wanted value is not
written (pynetbox's save() sends only the diff), and the interface's embedded
primary MAC and cable are trusted instead of re-reading them.

Usage:  baseline_pynetbox.py HOSTS_JSON
Env:    NETBOX_URL, NETBOX_TOKEN, BENCH_TAG (ownership tag slug, default netbox-auto),
        BENCH_INTERFACE_TYPE (default other)
Prints one JSON line: {"hosts", "failed", "errors", "requests", "reads", "writes", "seconds"}.
"""
import json
import os
import sys
import time

import pynetbox


def main() -> int:
    hosts = json.load(open(sys.argv[1]))
    nb = pynetbox.api(os.environ["NETBOX_URL"], token=os.environ["NETBOX_TOKEN"])
    tag = os.environ.get("BENCH_TAG", "netbox-auto")
    iface_type = os.environ.get("BENCH_INTERFACE_TYPE", "other")
    tags = [{"slug": tag}]

    counts = {"requests": 0, "reads": 0, "writes": 0}

    def count(response, *args, **kwargs):
        counts["requests"] += 1
        counts["reads" if response.request.method == "GET" else "writes"] += 1

    nb.http_session.hooks["response"].append(count)

    started = time.perf_counter()
    refs = {}

    def ref(endpoint, **lookup):
        key = (endpoint.name, tuple(sorted(lookup.items())))
        if key not in refs:
            found = endpoint.get(**lookup)
            if found is None:
                raise LookupError(f"{endpoint.name} {lookup} not found")
            refs[key] = found
        return refs[key]

    failed = 0
    errors = []
    for h in hosts:
        try:
            push_host(nb, h, ref, tags, iface_type)
        except Exception as error:  # a failing host never stops the others
            failed += 1
            if len(errors) < 5:
                errors.append(f"{h['name']}: {error}")
    seconds = time.perf_counter() - started
    print(json.dumps({"hosts": len(hosts), "failed": failed, "errors": errors, **counts, "seconds": seconds}))
    return 0


def push_host(nb, h, ref, tags, iface_type):
    name = h["name"]
    ifname = h.get("interface") or "eth0"
    is_vm = h.get("kind") == "vm"

    # 1. Device or VM.
    if is_vm:
        cluster = ref(nb.virtualization.clusters, name=h["cluster"])
        role = ref(nb.dcim.device_roles, slug=h["role"])
        machine = nb.virtualization.virtual_machines.get(name=name, cluster_id=cluster.id)
        new_machine = machine is None
        if new_machine:
            machine = nb.virtualization.virtual_machines.create(
                name=name, cluster=cluster.id, role=role.id, status="active", tags=tags
            )
    else:
        site = ref(nb.dcim.sites, slug=h["site"])
        role = ref(nb.dcim.device_roles, slug=h["role"])
        dtype = ref(nb.dcim.device_types, slug=h["deviceType"])
        machine = nb.dcim.devices.get(name=name, site_id=site.id)
        new_machine = machine is None
        if new_machine:
            machine = nb.dcim.devices.create(
                name=name, site=site.id, role=role.id, device_type=dtype.id, status="active", tags=tags
            )

    # 2. Interface.
    ifaces = nb.virtualization.interfaces if is_vm else nb.dcim.interfaces
    owner = {"virtual_machine_id": machine.id} if is_vm else {"device_id": machine.id}
    iface = None if new_machine else ifaces.get(name=ifname, **owner)
    new_iface = iface is None
    if new_iface:
        body = {"virtual_machine": machine.id} if is_vm else {"device": machine.id, "type": iface_type}
        iface = ifaces.create(name=ifname, tags=tags, **body)
    assigned_type = "virtualization.vminterface" if is_vm else "dcim.interface"
    iface_filter = {"vminterface_id": iface.id} if is_vm else {"interface_id": iface.id}

    # 3. MAC address object (NetBox 4.2+), made the interface's primary MAC.
    mac = h.get("mac")
    if mac:
        mac = mac.upper()
        primary = iface.primary_mac_address
        if not primary or str(primary.mac_address).upper() != mac:
            mac_obj = None if new_iface else nb.dcim.mac_addresses.get(mac_address=mac, **iface_filter)
            if mac_obj is None:
                mac_obj = nb.dcim.mac_addresses.create(
                    mac_address=mac, assigned_object_type=assigned_type, assigned_object_id=iface.id, tags=tags
                )
            iface.update({"primary_mac_address": mac_obj.id})

    # 4. IP addresses: found by address, else the interface's address of that family is moved.
    ips = {}
    for family, key in ((4, "ipv4"), (6, "ipv6")):
        cidr = h.get(key)
        if not cidr:
            continue
        ip = nb.ipam.ip_addresses.get(address=cidr.split("/")[0])
        if ip is None and not new_iface:
            ip = nb.ipam.ip_addresses.get(family=family, **iface_filter)
        want = {
            "address": cidr,
            "dns_name": name.lower(),
            "assigned_object_type": assigned_type,
            "assigned_object_id": iface.id,
        }
        if ip is None:
            ip = nb.ipam.ip_addresses.create(status="active", tags=tags, **want)
        else:
            changed = {}
            if ip.address != cidr:
                changed["address"] = cidr
            if (ip.dns_name or "") != want["dns_name"]:
                changed["dns_name"] = want["dns_name"]
            if ip.assigned_object_type != assigned_type or ip.assigned_object_id != iface.id:
                changed["assigned_object_type"] = assigned_type
                changed["assigned_object_id"] = iface.id
            if changed:
                ip.update(changed)
        ips[family] = ip

    # 5. Primary IPs.
    primary = {}
    for family, ip in ips.items():
        field = f"primary_ip{family}"
        current = getattr(machine, field)
        if current is None or current.id != ip.id:
            primary[field] = ip.id
    if primary:
        machine.update(primary)

    # 6. Cable from the switch port (devices only).
    if not is_vm and h.get("switch") and h.get("switchPort") and iface.cable is None:
        switch = ref(nb.dcim.devices, name=h["switch"], site=h["site"])
        port = nb.dcim.interfaces.get(device_id=switch.id, name=h["switchPort"])
        if port is None:
            raise LookupError(f"switch port {h['switchPort']} not found on {h['switch']}")
        nb.dcim.cables.create(
            a_terminations=[{"object_type": "dcim.interface", "object_id": port.id}],
            b_terminations=[{"object_type": "dcim.interface", "object_id": iface.id}],
            status="connected",
            tags=tags,
        )


if __name__ == "__main__":
    sys.exit(main())

// `node bench/run.mjs plan [N,…]`: the NetBox planner alone (no I/O) on N
// hosts that are all in sync, against a synthetic snapshot shaped like the one
// NetBox returns for the bench hosts (1,000-port switch included). Shows how
// planning time grows with N.
import { performance } from 'node:perf_hooks';
import { parseHost } from '../core/host';
import { planPush } from '../core/netbox/plan';
import type { NbInterface, NbIpAddress, NbMachine, NetBoxSnapshot } from '../core/netbox/types';
import { benchHosts, SWITCH_NAME, SWITCH_PORTS, switchPort } from './common';

export function planScaling(sizes: number[]): void {
	for (const n of sizes) {
		const ms = planOnce(n);
		process.stdout.write(`planPush of ${n} in-sync hosts: ${ms.toFixed(0)} ms (${(ms / n).toFixed(2)} ms per host)\n`);
	}
}

function planOnce(n: number): number {
	const hosts = benchHosts(n).map((item, index) => {
		const parsed = parseHost(item);
		if (!parsed.ok) throw new Error(parsed.message);
		return { index, host: parsed.host };
	});
	const tag = { id: 1, slug: 'netbox-auto', name: 'netbox-auto' };
	const site = { id: 1, slug: 'it-lab', name: 'IT Lab' };
	const role = { id: 2, slug: 'it-server' };
	const type = { id: 3, slug: 'it-box' };
	const cluster = { id: 4, name: 'it-cluster' };
	const switchId = 999_999;
	const cabled = (i: number) => i % 2 === 0 && i < n;
	const devices: NbMachine[] = [{ id: switchId, name: SWITCH_NAME, site, tags: [] }];
	const vms: NbMachine[] = [];
	const interfaces: NbInterface[] = Array.from({ length: SWITCH_PORTS }, (_, p) => ({
		id: 500_000 + p,
		name: switchPort(p),
		device: { id: switchId, name: SWITCH_NAME },
		cable: cabled(p) ? { id: 700_000 + p } : null,
		link_peers: cabled(p) ? [{ id: 600_000 + p, name: 'eth0', device: { id: p + 1, name: `bench-${p}` } }] : [],
		tags: [],
	}));
	const vmInterfaces: NbInterface[] = [];
	const ips: NbIpAddress[] = [];
	let id = 1_000_000;
	hosts.forEach(({ host }, i) => {
		const vm = host.kind === 'vm';
		const machine: NbMachine = { id: i + 1, name: host.name, site: vm ? null : site, cluster: vm ? cluster : null, role, device_type: type, status: { value: 'active' }, tags: [tag] };
		const iface: NbInterface = {
			id: 600_000 + i,
			name: 'eth0',
			tags: [tag],
			primary_mac_address: { id: id++, mac_address: host.mac! },
			...(vm
				? { virtual_machine: { id: machine.id } }
				: i < SWITCH_PORTS
					? { device: { id: machine.id }, cable: { id: 700_000 + i }, link_peers: [{ id: 500_000 + i, name: switchPort(i), device: { id: switchId, name: SWITCH_NAME } }] }
					: { device: { id: machine.id } }),
		};
		const assigned = { assigned_object_type: vm ? 'virtualization.vminterface' : 'dcim.interface', assigned_object_id: iface.id };
		const ip4: NbIpAddress = { id: id++, address: host.ipv4!.cidr, dns_name: host.name, ...assigned, tags: [tag] };
		const ip6: NbIpAddress = { id: id++, address: host.ipv6!.cidr, dns_name: host.name, ...assigned, tags: [tag] };
		machine.primary_ip4 = { id: ip4.id };
		machine.primary_ip6 = { id: ip6.id };
		(vm ? vms : devices).push(machine);
		(vm ? vmInterfaces : interfaces).push(iface);
		ips.push(ip4, ip6);
	});
	const snapshot: NetBoxSnapshot = {
		version: '4.7.3',
		macObjects: true,
		refs: {
			site: new Map([['it-lab', [site]]]),
			role: new Map([['it-server', [role]]]),
			deviceType: new Map([['it-box', [type]]]),
			platform: new Map(),
			tenant: new Map(),
			cluster: new Map([['it-cluster', [cluster]]]),
			tag: new Map([['netbox-auto', [tag]]]),
			vrf: new Map(),
		},
		devices,
		vms,
		interfaces,
		vmInterfaces,
		macs: [],
		ips,
		cables: [],
	};
	const start = performance.now();
	const { plans } = planPush(hosts, snapshot, { ownershipTag: 'netbox-auto', interfaceType: 'other' });
	const ms = performance.now() - start;
	const wrong = plans.filter((p) => p.error || p.steps.length);
	if (wrong.length) throw new Error(`the synthetic snapshot is not in sync for ${wrong.length} hosts, e.g. ${JSON.stringify(wrong[0].error ?? wrong[0].changes[0])}`);
	return ms;
}

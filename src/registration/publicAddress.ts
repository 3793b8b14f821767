/**
 * Which addresses a server-side fetch of a URL a client chose may connect
 * to: public unicast addresses only. Everything that reaches the server's
 * own host or network (loopback, private and unique-local ranges,
 * link-local ones such as the cloud metadata address 169.254.169.254,
 * CGNAT, multicast, `0.0.0.0/8`, IPv4-mapped and translated IPv6 forms of
 * those) is refused, so that a client cannot make the server fetch from
 * inside its network (server-side request forgery).
 */
import { BlockList, isIP } from 'node:net';

/** The IPv4 ranges that are not public unicast (RFC 6890 and the IANA special-purpose registry). */
const V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15',
  '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
];

/**
 * The IPv6 ranges that are not public unicast: unspecified, loopback,
 * IPv4-compatible and IPv4-mapped, NAT64 translation prefixes, discard,
 * the IETF protocol block (Teredo and others), documentation, 6to4,
 * unique-local, link-local, site-local and multicast.
 */
const V6 = [
  '::/96', '::ffff:0:0/96', '64:ff9b::/96', '64:ff9b:1::/48', '100::/64', '2001::/23', '2001:db8::/32',
  '2002::/16', 'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8',
];

// Two lists: a BlockList matches IPv4 addresses against its IPv6 rules
// through their mapped form, so `::ffff:0:0/96` would catch every IPv4 address.
const blocked4 = new BlockList();
for (const range of V4) {
  const [net, bits] = range.split('/') as [string, string];
  blocked4.addSubnet(net, Number(bits), 'ipv4');
}
const blocked6 = new BlockList();
for (const range of V6) {
  const [net, bits] = range.split('/') as [string, string];
  blocked6.addSubnet(net, Number(bits), 'ipv6');
}
blocked6.addAddress('::1', 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** An address without its IPv6 brackets or zone (`[fe80::1%eth0]` → `fe80::1`). */
export function bareAddress(address: string): string {
  let a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  return a;
}

/**
 * Whether a fetch may connect to `address`: a public unicast IPv4 or IPv6
 * address, or, with `allowLoopback` (development only), a loopback one.
 * Anything that is not an IP address is refused.
 *
 * @param address an IP address, as a resolver answers it
 * @param allowLoopback let `127.0.0.0/8` and `::1` through
 */
export function isPublicAddress(address: string, allowLoopback = false): boolean {
  const a = bareAddress(address);
  const family = isIP(a);
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (allowLoopback && loopback.check(a, type)) return true;
  return family === 4 ? !blocked4.check(a, 'ipv4') : !blocked6.check(a, 'ipv6');
}

import { isIP } from 'node:net';
import { networkInterfaces, hostname as osHostname } from 'node:os';
import { LOOPBACK_HOSTS } from './middleware/require-host.js';

/** Whether binding `host` exposes the daemon beyond this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_HOSTS.has(h) || (isIP(h) === 4 && h.startsWith('127.'));
}

/**
 * What `serve --host` prints when the daemon becomes reachable from the network: it speaks plain HTTP, so the
 * token and the unpublished slides cross the network readable by anyone on the path. Undefined on loopback.
 */
export function nonLoopbackWarning(host: string, port: number): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  const where = host === '0.0.0.0' || host === '::' ? 'every network interface' : host;
  return [
    `warning: listening on ${where} over plain HTTP: the token and the slides travel unencrypted.`,
    '  To use it from another machine, keep the daemon on 127.0.0.1 and either open an SSH tunnel',
    `  (ssh -L ${port}:127.0.0.1:${port} user@this-machine, then http://127.0.0.1:${port}/ there) or put a`,
    `  TLS-terminating reverse proxy (Caddy, nginx) in front that forwards to 127.0.0.1:${port} with`,
    `  Host: 127.0.0.1:${port} and whose https:// origin is in the daemon's allowedOrigins.`,
  ].join('\n');
}

/**
 * Host names a browser may use for a daemon bound to `host`: the name itself, and for a wildcard bind every
 * address of this machine and its host name (a LAN client types one of those).
 */
export function hostNamesFor(host: string): Set<string> {
  const names = new Set<string>([host.toLowerCase().replace(/^\[|\]$/g, '')]);
  if (host === '0.0.0.0' || host === '::') {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.add(a.address.toLowerCase());
    }
    names.add(osHostname().toLowerCase());
  }
  return names;
}

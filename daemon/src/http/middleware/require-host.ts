import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../errors/api-error.js';

/** Names that always reach this machine's own loopback interface. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1']);

export interface RequireHostOptions {
  /**
   * Host names (no port; IPv6 without brackets, lower case) accepted besides `LOOPBACK_HOSTS`: the `--host` the
   * daemon was started with, and when it binds every interface, that machine's addresses and name.
   */
  allowedHosts?: ReadonlySet<string>;
}

/** `Host` without its port, lower case, IPv6 brackets removed; undefined when it is not a host[:port]. */
export function hostnameOf(host: string): string | undefined {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/i.exec(host.trim());
  const name = m?.[1] ?? m?.[2];
  return name?.toLowerCase().replace(/\.$/, '');
}

/**
 * Refuses requests (and WS upgrades) whose `Host` names another site: a DNS-rebinding page reaches 127.0.0.1
 * under its own domain name, so its requests carry that name. The token and the Origin check stop it too; this
 * is the layer that does not depend on the token staying secret. A request without Host (HTTP/1.0 tools) is
 * not a browser's and passes.
 */
export function requireHost(options: RequireHostOptions = {}): MiddlewareHandler {
  const allowed = options.allowedHosts ?? new Set<string>();
  return async (c, next) => {
    const header = c.req.header('host');
    if (header !== undefined) {
      const name = hostnameOf(header);
      if (name === undefined || !(LOOPBACK_HOSTS.has(name) || allowed.has(name))) {
        throw new ApiError(
          'HOST_NOT_ALLOWED',
          `host ${JSON.stringify(header.slice(0, 100))} is not this daemon's: use 127.0.0.1, localhost or the --host it was started with`,
          'host',
        );
      }
    }
    await next();
  };
}

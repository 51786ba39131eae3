// etcd's URL-list flags (--listen-client-urls and the like), checked as etcd 3.4 checks them: each comma-separated
// URL when the flag is set (Go's url.Parse, then etcd's types.NewURLs: scheme, "host:port", no path), and, once
// every flag is in, the listen URLs must bind to an IP (or localhost) and advertised URLs must name a host.
// The reasons are etcd's texts; the caller wraps them as etcd does ("invalid value ... for flag -x: <reason>").
import { isIP } from 'node:net';

const SCHEMES = new Set(['http', 'https', 'unix', 'unixs']);

interface GoUrl {
  scheme: string;
  /** "host:port" as in the URL (brackets kept), '' when there is no authority. */
  host: string;
  path: string;
}

/** The reason Go's url.Parse or etcd's NewURLs rejects `raw`, or null when it is a usable URL. */
export function urlFlagReason(raw: string): string | null {
  const input = raw.trim();
  const parsed = goParse(input);
  if (typeof parsed === 'string') return `parse "${input}": ${parsed}`;
  if (!SCHEMES.has(parsed.scheme)) return `URL scheme must be http, https, unix, or unixs: ${input}`;
  if (splitHostPort(parsed.host) === null) return `URL address does not have the form "host:port": ${input}`;
  if (parsed.path !== '') return `URL must not contain a path: ${input}`;
  return null;
}

/** Splits a flag's value into its URLs; an empty value is an empty list, as etcd takes it. */
export function splitUrlList(value: string): string[] {
  return value === '' ? [] : value.split(',').map((u) => u.trim());
}

/** etcd's checkBindURLs: a listen URL must bind to an IP address or "localhost" (unix sockets aside). */
export function bindUrlReason(urls: readonly string[]): string | null {
  for (const url of urls) {
    const parsed = goParse(url);
    if (typeof parsed === 'string' || parsed.scheme === 'unix' || parsed.scheme === 'unixs') continue;
    const host = splitHostPort(parsed.host)?.host;
    if (host === undefined || host === 'localhost') continue;
    if (isIP(host) === 0) return `expected IP in URL for binding (${url})`;
  }
  return null;
}

/** etcd's checkHostURLs: an advertised URL must name a host. */
export function hostUrlReason(urls: readonly string[]): string | null {
  for (const url of urls) {
    const parsed = goParse(url);
    if (typeof parsed !== 'string' && splitHostPort(parsed.host)?.host === '') return `unexpected empty host (${url})`;
  }
  return null;
}

/** The parts of Go's url.Parse this needs; a string is its error text. */
function goParse(input: string): GoUrl | string {
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(input);
  if (schemeMatch === null) {
    const firstSegment = input.split('/')[0];
    if (firstSegment.includes(':')) return 'first path segment in URL cannot contain colon';
    return { scheme: '', host: '', path: input.replace(/[?#].*$/, '') };
  }
  const scheme = schemeMatch[1].toLowerCase();
  let rest = input.slice(schemeMatch[0].length).replace(/#.*$/, '').replace(/\?.*$/, '');
  if (!rest.startsWith('//')) return { scheme, host: '', path: rest };
  rest = rest.slice(2);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const portStart = host.startsWith('[') ? host.indexOf(']') + 1 : host.indexOf(':');
  if (host.startsWith('[') && portStart === 0) return `missing ']' in host`;
  if (portStart > 0 && portStart < host.length) {
    const port = host.slice(portStart);
    if (!/^:\d*$/.test(port)) return `invalid port "${port}" after host`;
  }
  return { scheme, host, path };
}

/** Go's net.SplitHostPort, enough of it: null when there is no port part. */
function splitHostPort(hostPort: string): { host: string; port: string } | null {
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0 || hostPort[close + 1] !== ':') return null;
    return { host: hostPort.slice(1, close), port: hostPort.slice(close + 2) };
  }
  const colon = hostPort.lastIndexOf(':');
  if (colon < 0 || hostPort.indexOf(':') !== colon) return null;
  return { host: hostPort.slice(0, colon), port: hostPort.slice(colon + 1) };
}

/** What an address is, for the checks that decide what may be served in plain text or without a token. */

/** `localhost`, `::1` or any 127.0.0.0/8 address (brackets of an IPv6 literal allowed). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

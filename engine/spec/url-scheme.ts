/**
 * The one "is it a URL?" test for references that are a name or a path unless they carry a
 * scheme: a fleet's broker is a `system.brokers` name or `mqtt://host:port`, a runbook a file
 * path or `https://...`. A scheme is RFC 3986 §3.1's: a letter, then letters, digits, `+`, `-`
 * or `.`, in any case (`MQTT://` is a URL too, and one the broker check can then name).
 */
const SCHEME_PREFIX = /^[a-z][a-z0-9+.-]*:\/\//i;

/** True when `text` starts with `scheme://`: a URL, not a name or a path. */
export function hasUrlScheme(text: string): boolean {
  return SCHEME_PREFIX.test(text);
}

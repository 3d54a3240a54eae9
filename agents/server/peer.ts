/**
 * Who is on the other end of a call the agent serves: the client certificate's CN (the
 * controller check) and the peer's IP (never cut off, nor the device toward it shaped).
 */
import { isIP } from 'node:net';
import type * as grpc from '@grpc/grpc-js';

/** Any call the agent serves (Hello or Session), for the controller check. */
export type PeerCall = Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getPeer' | 'getAuthContext'>;

/** The client certificate's CN, when the connection is mTLS. */
export function peerCommonName(call: PeerCall): string | undefined {
  const cert = call.getAuthContext?.()?.sslPeerCertificate;
  const cn = cert?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/** The IP in a grpc-js peer string (`ipv4:1.2.3.4:5`, `ipv6:[::1]:5`, or `1.2.3.4:5`). */
export function peerAddress(peer: string): string | undefined {
  const m = /^(?:ipv[46]:)?\[?([0-9a-fA-F:.]+?)\]?:\d+$/.exec(peer);
  return m?.[1] && isIP(m[1]) ? m[1] : undefined;
}

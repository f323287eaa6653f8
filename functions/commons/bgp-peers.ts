/**
 * A BGP session as both clouds report it: Azure's gateway lists its peers (getBgpPeerStatus, a long-running
 * action) and AWS counts the routes it accepted over the tunnel. The provisioning's session check and the health
 * check judge a session the same way.
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import { API_VERSIONS, armAction } from './arm';

/** A peer as Azure's getBgpPeerStatus lists it. */
export interface BgpPeer {
  neighbor?: string;
  state?: string;
  routesReceived?: number;
}

/** The gateway's peers, or undefined while Azure is still working on the answer. */
export async function gatewayBgpPeers(arm: ResourceManagementClient, gatewayId: string): Promise<BgpPeer[] | undefined> {
  const answer = await armAction(arm, `${gatewayId}/getBgpPeerStatus`, API_VERSIONS.network);
  return answer === undefined ? undefined : ((answer as { value?: BgpPeer[] }).value ?? []);
}

/**
 * One tunnel's session: each live Azure instance lists every neighbor, so the Connected entry speaks for it when
 * there is one. Established only when Azure says Connected and AWS accepted routes over the tunnel.
 */
export function bgpSession(peers: BgpPeer[], neighbor: string, awsAcceptedRoutes: number): { azure: string; azureRoutesReceived: number; established: boolean } {
  const peer = peers.find((p) => p.neighbor === neighbor && p.state === 'Connected') ?? peers.find((p) => p.neighbor === neighbor);
  const azure = peer?.state ?? 'NotFound';
  return { azure, azureRoutesReceived: Number(peer?.routesReceived ?? 0), established: awsAcceptedRoutes > 0 && azure === 'Connected' };
}

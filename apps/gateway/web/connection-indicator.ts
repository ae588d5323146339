import type { AgentStreamClient, ConnectionStatus } from '@app/client';

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  recovering: 'Reconnecting…',
  offline: 'Offline',
};

/**
 * The pill in the header: the SDK's connection status, as the user should
 * read it; and the banner that says when the gateway refuses the token.
 */
export function showConnection(client: AgentStreamClient, element: HTMLElement, refusedBanner: HTMLElement): void {
  const render = () => {
    const refused = client.status === 'offline' && client.connectionError === 'unauthorized';
    element.dataset.status = client.status;
    element.lastElementChild!.textContent = refused ? 'Token refused' : LABELS[client.status];
    refusedBanner.hidden = !refused;
  };
  client.subscribeStatus(render);
  render();
}

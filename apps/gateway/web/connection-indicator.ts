import type { AgentStreamClient, ConnectionStatus } from '@app/client';

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  recovering: 'Reconnecting…',
  offline: 'Offline',
};

/** The pill in the header: the SDK's connection status, as the user should read it. */
export function showConnection(client: AgentStreamClient, element: HTMLElement): void {
  const render = () => {
    element.dataset.status = client.status;
    element.lastElementChild!.textContent = LABELS[client.status];
  };
  client.subscribeStatus(render);
  render();
}

import type { UserClass } from '../../entities';
import type { ShareListRow } from '../repositories/shared-server.repository';
import type { Store } from '../repositories/store';

/** The JSON shapes the CLI prints and the bot shows (documented in the README). */
export interface ServerShareView {
  machineIdentifier: string;
  serverName: string;
  invitedAt: string | null;
  acceptedAt: string | null;
  pending: boolean;
  allLibraries: boolean;
  libraries: string[];
}

export interface UserView {
  plexId: number;
  username: string | null;
  email: string | null;
  title: string;
  home: boolean;
  class: UserClass;
  paypalEmail: string | null;
  discordId: string | null;
  discordUsername: string | null;
  removedAt: string | null;
  servers: ServerShareView[];
  defaultPayment: { plan: string; startsAt: string; endsAt: string; subscriptionId: string | null } | null;
}

export interface SharedServerView extends ServerShareView {
  plexUserId: number;
  username: string | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function shareView(s: ShareListRow): ServerShareView {
  return {
    machineIdentifier: s.machineIdentifier,
    serverName: s.serverName,
    invitedAt: iso(s.invitedAt),
    acceptedAt: iso(s.acceptedAt),
    pending: s.pending,
    allLibraries: s.allLibraries,
    libraries: s.libraries,
  };
}

/** Read-only views of users and shares: three queries for any number of users. */
export class DirectoryService {
  constructor(private readonly store: Store) {}

  async listUsers(): Promise<UserView[]> {
    return this.store.read(async (repos) => {
      const [users, shares, payments] = [await repos.users.list(), await repos.shares.listAll(), await repos.payments.listDefault()];
      const sharesByUser = new Map<number, ServerShareView[]>();
      for (const share of shares) {
        const list = sharesByUser.get(share.userId) ?? [];
        list.push(shareView(share));
        sharesByUser.set(share.userId, list);
      }
      const paymentByUser = new Map(payments.map((p) => [p.userId, p]));
      return users.map((u) => {
        const payment = paymentByUser.get(u.id);
        return {
          plexId: u.plexId,
          username: u.username,
          email: u.email,
          title: u.title,
          home: u.home,
          class: u.userClass,
          paypalEmail: u.paypalEmail,
          discordId: u.discordId,
          discordUsername: u.discordUsername,
          removedAt: iso(u.removedAt),
          servers: sharesByUser.get(u.id) ?? [],
          defaultPayment: payment
            ? { plan: payment.planName, startsAt: payment.startsAt.toISOString(), endsAt: payment.endsAt.toISOString(), subscriptionId: payment.subscriptionId }
            : null,
        };
      });
    });
  }

  async listSharedServers(): Promise<SharedServerView[]> {
    const shares = await this.store.read((repos) => repos.shares.listAll());
    return shares.map((s) => ({ plexUserId: s.plexUserId, username: s.username, ...shareView(s) }));
  }
}

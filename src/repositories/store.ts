import type { DataSource, EntityManager } from 'typeorm';
import { dialectOf, type Dialect } from '../database/data-source';
import { ImportCursorRepository } from './import-cursor.repository';
import { InviteRepository } from './invite.repository';
import { LockRepository } from './lock.repository';
import { NoticeRepository } from './notice.repository';
import { OutboxRepository } from './outbox.repository';
import { PaymentRepository } from './payment.repository';
import { PaymentEventRepository } from './payment-event.repository';
import { PaymentImportRepository } from './payment-import.repository';
import { PlanRepository } from './plan.repository';
import { PlanAccessRepository } from './plan-access.repository';
import { PlanRenewRepository } from './plan-renew.repository';
import { PlexRemovalRepository } from './plex-removal.repository';
import { ServerRepository } from './server.repository';
import { SharedServerRepository } from './shared-server.repository';
import { Sql } from './sql';
import { StatsRepository } from './stats.repository';
import { SubscriptionRepository } from './subscription.repository';
import { SyncRunRepository } from './sync-run.repository';
import { UnmatchedPaymentRepository } from './unmatched-payment.repository';
import { UserRepository } from './user.repository';

export interface Repositories {
  users: UserRepository;
  servers: ServerRepository;
  plans: PlanRepository;
  payments: PaymentRepository;
  shares: SharedServerRepository;
  syncRuns: SyncRunRepository;
  locks: LockRepository;
  unmatchedPayments: UnmatchedPaymentRepository;
  paymentEvents: PaymentEventRepository;
  importCursors: ImportCursorRepository;
  paymentImport: PaymentImportRepository;
  subscriptions: SubscriptionRepository;
  notices: NoticeRepository;
  plexRemovals: PlexRemovalRepository;
  outbox: OutboxRepository;
  planAccess: PlanAccessRepository;
  invites: InviteRepository;
  planRenew: PlanRenewRepository;
  stats: StatsRepository;
}

/**
 * The services' only door to the database: `read` for plain work, `transaction` for work that
 * must land whole. SQLite has one connection per process, so there every call is serialized:
 * otherwise a statement from elsewhere in the bot would slip into an open sync transaction
 * (and be rolled back with it).
 */
export class Store {
  readonly dialect: Dialect;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
  }

  read<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.serialized(() => work(this.repositories(this.dataSource.manager)));
  }

  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.serialized(() => this.dataSource.transaction((manager) => work(this.repositories(manager))));
  }

  /**
   * Runs at once, not queued behind this process's other work: for lease renewals, which must not
   * wait for the lock holder's own long transaction. On SQLite (one connection) a statement sent
   * while a transaction is open joins it, and is committed with it: while that transaction holds
   * SQLite's write lock no other process can take the lease anyway, and when it commits the lease
   * is fresh, so the TTL never runs out under a long transaction.
   */
  immediate<T>(work: (repos: Repositories) => Promise<T>): Promise<T> {
    return work(this.repositories(this.dataSource.manager));
  }

  /**
   * A trivial query, sent at once (not queued behind a long sync transaction on SQLite: the
   * question is whether the database answers, not whether this process is busy).
   */
  async ping(): Promise<void> {
    if (!this.dataSource.isInitialized) throw new Error('the database connection is closed');
    await this.dataSource.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    if (this.dialect !== 'sqlite') return work();
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private repositories(manager: EntityManager): Repositories {
    const sql = new Sql(manager, this.dialect);
    return {
      users: new UserRepository(sql),
      servers: new ServerRepository(sql),
      plans: new PlanRepository(sql),
      payments: new PaymentRepository(sql),
      shares: new SharedServerRepository(sql),
      syncRuns: new SyncRunRepository(sql),
      locks: new LockRepository(sql),
      unmatchedPayments: new UnmatchedPaymentRepository(sql),
      paymentEvents: new PaymentEventRepository(sql),
      importCursors: new ImportCursorRepository(sql),
      paymentImport: new PaymentImportRepository(sql),
      subscriptions: new SubscriptionRepository(sql),
      notices: new NoticeRepository(sql),
      plexRemovals: new PlexRemovalRepository(sql),
      outbox: new OutboxRepository(sql),
      planAccess: new PlanAccessRepository(sql),
      invites: new InviteRepository(sql),
      planRenew: new PlanRenewRepository(sql),
      stats: new StatsRepository(sql),
    };
  }
}

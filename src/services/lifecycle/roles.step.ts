import type { SubscriptionUser } from '../../repositories/subscription.repository';
import { asGuildError, type DiscordSide, type RunContext } from './context';
import { roleChanges, type RoleChange, type UserEvaluation } from './rules';

const NOT_A_MEMBER = 'not a member of the Discord server (unknown member, 10007)';

/** Applies role changes one by one; a role Discord refuses is not tried again in the same run. */
export class RoleApplier {
  private readonly blocked = new Map<string, string>();

  constructor(
    private readonly ctx: RunContext,
    private readonly discord: DiscordSide,
  ) {}

  label(roleId: string): string {
    return roleId === this.discord.subscriberRoleId ? 'subscriber role' : 'permanent role';
  }

  /** Answers 'missing' when Discord says the user is not a member (they left since the list was read). */
  async apply(evaluation: UserEvaluation, change: RoleChange): Promise<'ok' | 'failed' | 'missing'> {
    const { user } = evaluation;
    const action = change.action === 'add' ? 'add-role' : 'remove-role';
    const detail = `${change.action === 'add' ? 'give' : 'take away'} the ${this.label(change.roleId)}`;
    if (this.ctx.dryRun) {
      this.ctx.report.done({ plexId: user.plexId, title: user.title, action, detail });
      return 'ok';
    }
    const blocked = this.blocked.get(change.roleId);
    if (blocked) {
      this.ctx.report.failed(user.plexId, action, blocked);
      return 'failed';
    }
    const reason = auditReason(evaluation);
    try {
      if (change.action === 'add') await this.discord.port.addRole(user.discordId!, change.roleId, reason);
      else await this.discord.port.removeRole(user.discordId!, change.roleId, reason);
      this.ctx.report.done({ plexId: user.plexId, title: user.title, action, detail });
      return 'ok';
    } catch (raw) {
      const error = asGuildError(raw);
      if (error.kind === 'unauthorized') throw error;
      if (error.kind === 'unknown-member') {
        this.ctx.report.failed(user.plexId, action, NOT_A_MEMBER);
        return 'missing';
      }
      if (error.kind === 'missing-permissions' || error.kind === 'unknown-role') {
        this.blocked.set(change.roleId, error.message);
        this.ctx.report.alert(roleAlert(this.label(change.roleId), change, error.kind, error.message));
      }
      this.ctx.report.failed(user.plexId, action, error.message);
      this.ctx.logger.warn({ plexId: user.plexId, action, reason: error.message }, 'lifecycle: role change failed');
      return 'failed';
    }
  }
}

/**
 * Brings every linked member's roles in line: the member list is read once (paginated), and
 * only members whose roles differ get a request.
 */
export async function syncRoles(ctx: RunContext, discord: DiscordSide, evaluations: UserEvaluation[]): Promise<void> {
  const linked = evaluations.filter((e) => e.user.discordId);
  if (linked.length === 0) return;
  let members: Map<string, Set<string>>;
  try {
    members = new Map((await discord.port.listMembers()).map((m) => [m.userId, new Set(m.roles)]));
  } catch (raw) {
    const error = asGuildError(raw);
    if (error.kind === 'unauthorized') throw error;
    ctx.report.failed(null, 'list-members', `cannot read the members of the Discord server: ${error.message}`);
    if (error.kind === 'missing-permissions') ctx.report.alert(`I cannot read the member list of this server: ${error.message}.`);
    return;
  }
  const applier = new RoleApplier(ctx, discord);
  const missing: SubscriptionUser[] = [];
  const found: SubscriptionUser[] = [];
  for (const evaluation of linked) {
    const { user } = evaluation;
    const roles = members.get(user.discordId!);
    if (!roles) {
      missing.push(user);
      // Reported when first seen; after that the mark on the user (shown on their card) says it.
      const needed = roleChanges(evaluation, new Set(), discord).some((c) => c.action === 'add');
      if (needed && !user.discordMissingAt) ctx.report.failed(user.plexId, 'add-role', NOT_A_MEMBER);
      continue;
    }
    let gone = false;
    for (const change of roleChanges(evaluation, roles, discord)) {
      if ((await applier.apply(evaluation, change)) === 'missing') {
        gone = true;
        break;
      }
    }
    (gone ? missing : found).push(user);
  }
  if (ctx.dryRun) return;
  await recordMembership(ctx, missing, found);
}

/** Keeps users.discord_missing_at in step: set when first found missing, cleared when found again. */
export async function recordMembership(ctx: RunContext, missing: SubscriptionUser[], found: SubscriptionUser[]): Promise<void> {
  const newlyMissing = missing.filter((u) => !u.discordMissingAt).map((u) => u.id);
  const back = found.filter((u) => u.discordMissingAt).map((u) => u.id);
  if (newlyMissing.length === 0 && back.length === 0) return;
  await ctx.store.read(async (r) => {
    if (newlyMissing.length > 0) await r.subscriptions.setDiscordMissing(newlyMissing, ctx.now);
    if (back.length > 0) await r.subscriptions.setDiscordMissing(back, null);
  });
}

/** The audit-log reason Discord shows next to the role change. */
function auditReason(evaluation: UserEvaluation): string {
  const s = evaluation.status;
  switch (s.kind) {
    case 'active':
      return `streams-manager: subscription active until ${s.endsAt.toISOString().slice(0, 10)}`;
    case 'expired':
      return s.endedAt ? `streams-manager: subscription ended ${s.endedAt.toISOString().slice(0, 10)}` : 'streams-manager: no payment';
    case 'upcoming':
      return `streams-manager: subscription starts ${s.startsAt.toISOString().slice(0, 10)}`;
    case 'permanent':
      return 'streams-manager: permanent user';
  }
}

function roleAlert(label: string, change: RoleChange, kind: string, message: string): string {
  if (kind === 'unknown-role') {
    return `The ${label} (ID ${change.roleId}) does not exist in this server: check DISCORD_${label === 'subscriber role' ? 'SUBSCRIBER' : 'PERMANENT'}_ROLE_ID. (${message})`;
  }
  return (
    `I cannot ${change.action === 'add' ? 'give' : 'take away'} the ${label} <@&${change.roleId}>: ${message}. ` +
    'In Server Settings > Roles, give my role "Manage Roles" and drag it above that role. Until then no member gets or loses it.'
  );
}

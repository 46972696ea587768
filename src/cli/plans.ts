import type { AccessChoice, PlanAccessView, PlanRenewView, RenewChoice } from '../services/plan-access.service';
import { formatTable, UsageError, unknownCommand, type CliArea } from './common';

/** `plans create|list|set-access|set-renew|set-default|set-pay`. */
export const plansArea: CliArea = async ({ app, values, json, print, write }, group, action, rest) => {
  switch (action) {
    case 'create': {
      for (const required of ['name', 'duration', 'price']) {
        if (typeof values[required] !== 'string') throw new UsageError(`plans create needs --${required}`);
      }
      const plan = await app.catalog.createPlan({
        name: values.name as string,
        duration: values.duration as string,
        price: values.price as string,
        currency: values.currency as string | undefined,
        makeDefault: values.default === true,
      });
      if (json) print(plan);
      else write(`plan "${plan.name}" created: ${plan.duration}, ${plan.price} ${plan.currency}${plan.default ? ', default' : ''}\n`);
      return 0;
    }
    case 'list': {
      const plans = await app.planAccess.listPlans();
      const pay = new Map((await app.pay.listPlans()).map((p) => [p.name, { payUrlTemplate: p.payUrlTemplate, stripePriceId: p.stripePriceId }]));
      const shown = plans.map((p) => ({ ...p, ...pay.get(p.name)! }));
      if (json) print(shown);
      else
        write(
          formatTable(
            ['name', 'duration', 'price', 'default', 'access', 'renew', 'pay'],
            shown.map((p) => [p.name, p.duration, `${p.price} ${p.currency}`, p.default ? 'yes' : '', formatAccess(p.access), formatRenew(p.renew), formatPay(p)]),
          ),
        );
      return 0;
    }
    case 'set-pay': {
      if (!rest[0]) throw new UsageError('plans set-pay needs the plan name');
      if (values.url === undefined && values['stripe-price'] === undefined && values.none !== true) {
        throw new UsageError('plans set-pay needs --url TEMPLATE, --stripe-price price_…, or --none');
      }
      const plan = await app.pay.setPlanPay(rest[0], {
        url: values.url as string | undefined,
        stripePrice: values['stripe-price'] as string | undefined,
        none: values.none === true,
      });
      if (json) print(plan);
      else write(`plan "${plan.name}" pay options: ${formatPay(plan) || 'none (no pay buttons)'}\n`);
      return 0;
    }
    case 'set-access': {
      if (!rest[0]) throw new UsageError('plans set-access needs the plan name');
      if (typeof values.server !== 'string') throw new UsageError('plans set-access needs --server <machineIdentifier> (see servers list)');
      const chosen = [values.all === true, typeof values.libraries === 'string', values.none === true].filter(Boolean).length;
      if (chosen !== 1) throw new UsageError('plans set-access needs exactly one of --all, --libraries "A,B" or --none');
      const choice: AccessChoice =
        values.all === true ? { kind: 'all' } : values.none === true ? { kind: 'none' } : { kind: 'libraries', titles: String(values.libraries).split(',') };
      const plan = await app.planAccess.setAccess(rest[0], values.server, choice);
      if (json) print(plan);
      else write(`plan "${plan.name}" grants: ${formatAccess(plan.access) || 'nothing (the bot leaves its users\' shares alone)'}\n`);
      return 0;
    }
    case 'set-renew': {
      if (!rest[0]) throw new UsageError('plans set-renew needs the plan name');
      const none = values.none === true;
      const server = typeof values.server === 'string' ? values.server : null;
      let choice: RenewChoice;
      if (none) {
        if (typeof values.libraries === 'string' || values.days !== undefined) throw new UsageError('plans set-renew --none takes no --libraries or --days');
        choice = { kind: 'none' };
      } else {
        if (!server) throw new UsageError('plans set-renew needs --server <machineIdentifier> (see servers list), or --none');
        if (typeof values.libraries !== 'string') throw new UsageError('plans set-renew needs --libraries "How to renew" (or --none)');
        let days: number | undefined;
        if (values.days !== undefined) {
          if (!/^\d{1,4}$/.test(String(values.days))) throw new UsageError('--days must be a whole number of days, like 14');
          days = Number(values.days);
        }
        choice = { kind: 'libraries', titles: String(values.libraries).split(','), ...(days !== undefined ? { days } : {}) };
      }
      const plan = await app.planAccess.setRenew(rest[0], server, choice);
      if (json) print(plan);
      else write(`plan "${plan.name}" ${plan.renew ? `keeps while renewing: ${formatRenew(plan.renew)}` : 'has no renew stage (expired users are removed after the grace days)'}\n`);
      return 0;
    }
    case 'set-default': {
      if (!rest[0]) throw new UsageError('plans set-default needs the plan name');
      const plan = await app.catalog.setDefaultPlan(rest[0]);
      if (json) print(plan);
      else write(`"${plan.name}" is now the default plan\n`);
      return 0;
    }
    default:
      throw unknownCommand(group, action);
  }
};

/** `link https://paypal.me/…; card price_…` — a plan's pay options on one line. */
function formatPay(p: { payUrlTemplate: string | null; stripePriceId: string | null }): string {
  return [p.payUrlTemplate && `link ${p.payUrlTemplate}`, p.stripePriceId && `card subscription ${p.stripePriceId}`].filter(Boolean).join('; ');
}

/** `Living Room: all; Cabin: Films, Kids` — what a plan shares, on one line. */
export function formatAccess(access: PlanAccessView[]): string {
  return access.map((a) => `${a.serverName}: ${a.allLibraries ? 'all libraries' : a.libraries.join(', ')}`).join('; ');
}

/** `14 days: Living Room: How to renew` — a plan's renew stage, on one line. */
export function formatRenew(renew: PlanRenewView | null): string {
  return renew ? `${renew.days} day(s): ${formatAccess(renew.access)}` : '';
}

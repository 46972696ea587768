import type { Clock } from '../config/clock';
import type { Logger } from '../config/logger';
import type { CheckoutSession, CheckoutRequest } from '../payments/stripe-checkout.client';
import type { PlanRow } from '../repositories/plan.repository';
import type { Repositories, Store } from '../repositories/store';
import { DomainError, NotFoundError } from './errors';

/** A button that opens a page: what the member reads, where it goes. */
export interface PayOption {
  label: string;
  url: string;
}

/** What a plan offers to pay with, as the CLI shows it. */
export interface PlanPayView {
  name: string;
  payUrlTemplate: string | null;
  stripePriceId: string | null;
}

/** What the reminder and expiry DMs carry: the template link (a session URL would expire), and whether card payment exists. */
export interface DmPay {
  buttons: PayOption[];
  /** Stripe is set up: "Pay with card" is offered by /subscription, where a fresh session is made per click. */
  card: boolean;
}

export interface PayServiceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Null when STRIPE_SECRET_KEY is not set: no card payments. */
  checkout: () => { createSession(request: CheckoutRequest): Promise<CheckoutSession> } | null;
  successUrl: string;
}

export const PLACEHOLDERS = ['plexId', 'amount', 'currency', 'email'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
/** Discord refuses a link button whose URL is longer. */
const MAX_BUTTON_URL = 512;
const STRIPE_PRICE = /^price_[A-Za-z0-9]{1,90}$/;

/**
 * Pay buttons. A plan may have a pay URL template (filled for the user, values URL-encoded) and,
 * when Stripe is configured, card payment through a Checkout Session created per click for that
 * user and plan: the session names the user, so the import matches the payment by that reference.
 */
export class PayService {
  constructor(private readonly deps: PayServiceDeps) {}

  /**
   * The buttons for a user's current plan (their latest payment's, else the default): the filled
   * template, then "Pay with card". A Stripe failure leaves the card button out and is logged:
   * the member still gets the other options.
   */
  async payOptions(plexId: number): Promise<PayOption[]> {
    const { user, plan } = await this.deps.store.read(async (repos) => {
      const user = await repos.users.findByPlexId(plexId);
      if (!user) throw new NotFoundError(`no user with plex.tv id ${plexId}`);
      return { user, plan: await currentPlan(repos, user.id) };
    });
    if (!plan) return [];
    const options: PayOption[] = [];
    const link = templateOption(plan, { plexId: user.plexId, email: user.email });
    if (link) options.push(link);
    const checkout = this.deps.checkout();
    if (checkout) {
      try {
        const session = await checkout.createSession({
          plexId: user.plexId,
          planName: plan.name,
          priceCents: plan.priceCents,
          currency: plan.currency,
          stripePriceId: plan.stripePriceId,
          email: user.email,
          successUrl: this.deps.successUrl,
        });
        options.push({ label: 'Pay with card', url: session.url });
      } catch (error) {
        this.deps.logger.warn({ plexId: user.plexId, plan: plan.name, reason: (error as Error).message }, 'pay: could not create a Stripe Checkout Session');
      }
    }
    return options;
  }

  async listPlans(): Promise<PlanPayView[]> {
    return (await this.deps.store.read((repos) => repos.plans.list())).map(payView);
  }

  /** Sets a plan's pay options; `none` clears both. An option not given is left as it was. */
  async setPlanPay(planName: string, input: { url?: string; stripePrice?: string; none?: boolean }): Promise<PlanPayView> {
    const url = input.url?.trim();
    const price = input.stripePrice?.trim();
    if (input.none && (url !== undefined || price !== undefined)) throw new DomainError('--none clears the pay options: give it alone');
    if (!input.none && url === undefined && price === undefined) throw new DomainError('give --url TEMPLATE, --stripe-price price_…, or --none');
    if (url !== undefined) checkTemplate(url);
    if (price !== undefined && !STRIPE_PRICE.test(price)) throw new DomainError(`"${price}" is not a Stripe price ID (price_…, from the product's page in the Stripe dashboard)`);
    return this.deps.store.transaction(async (repos) => {
      const plan = await repos.plans.findByName(planName);
      if (!plan) throw new NotFoundError(`no plan named "${planName}"`);
      const next = input.none
        ? { payUrlTemplate: null, stripePriceId: null }
        : { payUrlTemplate: url ?? plan.payUrlTemplate, stripePriceId: price ?? plan.stripePriceId };
      await repos.plans.setPayOptions(plan.id, next, this.deps.clock.now());
      return payView({ ...plan, ...next });
    });
  }
}

/** The DM's pay buttons for a user on a plan, read in the caller's transaction; no Stripe call (a session would expire before the DM is read). */
export async function dmPayOptions(repos: Repositories, plexId: number, planName: string, cardEnabled: boolean): Promise<DmPay> {
  const plan = await repos.plans.findByName(planName);
  const user = await repos.users.findByPlexId(plexId);
  if (!plan || !user) return { buttons: [], card: false };
  const link = templateOption(plan, { plexId, email: user.email });
  return { buttons: link ? [link] : [], card: cardEnabled };
}

/** The filled template as a button, or null when the plan has none (or the filled URL is too long for Discord). */
export function templateOption(plan: PlanRow, user: { plexId: number; email: string | null }): PayOption | null {
  if (!plan.payUrlTemplate) return null;
  const url = fillTemplate(plan.payUrlTemplate, {
    plexId: String(user.plexId),
    amount: (plan.priceCents / 100).toFixed(2),
    currency: plan.currency,
    email: user.email ?? '',
  });
  return url.length <= MAX_BUTTON_URL ? { label: `Pay ${(plan.priceCents / 100).toFixed(2)} ${plan.currency}`, url } : null;
}

export function fillTemplate(template: string, values: Record<Placeholder, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    (PLACEHOLDERS as readonly string[]).includes(key) ? encodeURIComponent(values[key as Placeholder]) : whole,
  );
}

function checkTemplate(template: string): void {
  if (template.length > 500) throw new DomainError('the pay URL template is longer than 500 characters');
  const unknown = [...template.matchAll(/\{(\w*)\}/g)].map((m) => m[1]!).filter((k) => !(PLACEHOLDERS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new DomainError(`unknown placeholder {${unknown[0]}} in the pay URL: use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);
  let parsed: URL;
  try {
    parsed = new URL(fillTemplate(template, { plexId: '1', amount: '1.00', currency: 'USD', email: 'a@example.com' }));
  } catch {
    throw new DomainError(`the pay URL template is not a URL: ${template}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new DomainError('the pay URL must start with https:// (Discord link buttons open web pages only)');
}

/** The plan of the user's latest counting payment, else the default plan. */
async function currentPlan(repos: Repositories, userId: number): Promise<PlanRow | null> {
  const payments = await repos.payments.listForUser(userId);
  const latest = payments.at(-1);
  const plans = await repos.plans.list();
  return (latest ? plans.find((p) => p.id === latest.planId) : undefined) ?? plans.find((p) => p.isDefault) ?? null;
}

function payView(p: Pick<PlanRow, 'name' | 'payUrlTemplate' | 'stripePriceId'>): PlanPayView {
  return { name: p.name, payUrlTemplate: p.payUrlTemplate, stripePriceId: p.stripePriceId };
}

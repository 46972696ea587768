/*
 * What a subscription ID looks like, for every place that reads one: the admin's payment modal,
 * the PayPal CSV and API imports, the Stripe import. One rule, so an ID the modal accepts is
 * the ID an import recognizes, and the other way round.
 */

/** PayPal: I- and 12 upper-case letters/digits (I-JSE05VWSMN55). */
export const PAYPAL_SUBSCRIPTION_ID = /^I-[A-Z0-9]{12}$/;

/** Stripe: sub_ and letters/digits (sub_1MowQVLkdIwHu7ixeRlqHVzs), within the 64-character column. */
export const STRIPE_SUBSCRIPTION_ID = /^sub_[A-Za-z0-9]{1,60}$/;

/** The rule in words, for the messages that refuse an ID. */
export const SUBSCRIPTION_ID_RULE = 'PayPal I- and 12 letters/digits (I-JSE05VWSMN55), or Stripe sub_… (sub_7867632387ddd)';

export function isSubscriptionId(value: string, source?: 'paypal' | 'stripe'): boolean {
  if (source === 'paypal') return PAYPAL_SUBSCRIPTION_ID.test(value);
  if (source === 'stripe') return STRIPE_SUBSCRIPTION_ID.test(value);
  return PAYPAL_SUBSCRIPTION_ID.test(value) || STRIPE_SUBSCRIPTION_ID.test(value);
}
